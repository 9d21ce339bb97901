/* timerfd objects and the timerfd_create, timerfd_settime and
 * timerfd_gettime syscalls. CLOCK_REALTIME timerfds run on the monotonic
 * clock once set (an absolute time is converted when set), and
 * TFD_TIMER_CANCEL_ON_SET is accepted but never cancels: the sandbox's
 * wall clock is never set. */
#include "core/timerfd.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>

#include "core/anon_file.h"
#include "core/fdtable.h"
#include "core/kernel.h"
#include "core/mm.h"
#include "core/syscall.h"
#include "core/task.h"

#define NSEC_PER_SEC KTIMER_NSEC_PER_SEC

static struct timerfd *tfd_of(struct file *f)
{
	return (struct timerfd *)f;
}

static void timerfd_fire(struct ktimer *kt, uint64_t n)
{
	struct timerfd *tfd =
		(struct timerfd *)((char *)kt - offsetof(struct timerfd, timer));
	tfd->ticks = tfd->ticks > UINT64_MAX - n ? UINT64_MAX : tfd->ticks + n;
	waitq_notify(&tfd->wq, POLLIN | POLLRDNORM);
}

/* Sleeps until the next expiry or a notify (settime from another
 * thread); -ERESTARTSYS when the task must stop first. */
static int wait_expiry(struct timerfd *tfd, struct task *t)
{
	struct waiter w;
	waiter_init_task(&w, t);
	waitq_add(&tfd->wq, &w);
	int64_t deadline = ktimer_armed(&tfd->timer) ? tfd->timer.expiry_ns
						     : -1;
	int rc = task_block(t, deadline, NULL, 0);
	waitq_remove(&w);
	return rc == -EINTR ? -ERESTARTSYS : 0;
}

static int64_t timerfd_read(struct file *f, struct task *t, void *buf,
			    size_t n)
{
	struct timerfd *tfd = tfd_of(f);
	if (n < sizeof(uint64_t))
		return -EINVAL;
	for (;;) {
		/* Due but not yet fired by the timer thread counts now. */
		ktimer_run_if_due(&tfd->timer);
		if (tfd->ticks)
			break;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		int rc = wait_expiry(tfd, t);
		if (rc < 0)
			return rc;
	}
	memcpy(buf, &tfd->ticks, sizeof(tfd->ticks));
	tfd->ticks = 0;
	return sizeof(uint64_t);
}

static int64_t timerfd_write(struct file *f, struct task *t, const void *buf,
			     size_t n)
{
	(void)f, (void)t, (void)buf, (void)n;
	return -EINVAL;
}

static uint32_t timerfd_poll(struct file *f, struct poll_table *pt)
{
	struct timerfd *tfd = tfd_of(f);
	poll_wait(pt, &tfd->wq);
	ktimer_run_if_due(&tfd->timer);
	return tfd->ticks ? POLLIN | POLLRDNORM : 0;
}

static void timerfd_release(struct file *f)
{
	struct timerfd *tfd = tfd_of(f);
	ktimer_disarm(&tfd->timer);
	waitq_release(&tfd->wq);
}

const struct file_ops timerfd_ops = {
	.codec_type = &codec_type_timerfd,
	.read = timerfd_read,
	.write = timerfd_write,
	.release = timerfd_release,
	.stat = anon_file_stat,
	.poll = timerfd_poll,
};

/* ---- syscalls --------------------------------------------------------- */

static bool clock_ok(int64_t clock)
{
	return clock == CLOCK_MONOTONIC || clock == CLOCK_REALTIME ||
	       clock == CLOCK_BOOTTIME || clock == CLOCK_REALTIME_ALARM ||
	       clock == CLOCK_BOOTTIME_ALARM;
}

SYSCALL_DECL(timerfd_create)
{
	int64_t clock = (int32_t)a[0];
	unsigned flags = (unsigned)a[1];
	if ((flags & ~(unsigned)(TFD_CLOEXEC | TFD_NONBLOCK)) ||
	    !clock_ok(clock))
		return -EINVAL;
	struct timerfd *tfd = calloc(1, sizeof(*tfd));
	if (!tfd)
		return -ENOMEM;
	tfd->file.ops = &timerfd_ops;
	tfd->file.refs = 1;
	tfd->file.flags = O_RDWR | (flags & TFD_NONBLOCK);
	tfd->clock = (int32_t)clock;
	ktimer_init(&tfd->timer, t->kernel, timerfd_fire);
	int fd = fdtable_install(t->files, &tfd->file, 0, flags & TFD_CLOEXEC);
	if (fd < 0)
		file_put(&tfd->file);
	return fd;
}

static struct timerfd *timerfd_get(struct task *t, uint64_t fd, int *err)
{
	struct file *f = (int64_t)fd >= 0 && fd <= INT32_MAX
				 ? fdtable_get(t->files, (int)fd)
				 : NULL;
	*err = f ? -EINVAL : -EBADF;
	return f && f->ops == &timerfd_ops ? tfd_of(f) : NULL;
}

static struct timespec timespec_of(int64_t ns)
{
	return (struct timespec){ ns / NSEC_PER_SEC, ns % NSEC_PER_SEC };
}

static struct itimerspec timerfd_value(struct timerfd *tfd)
{
	ktimer_run_if_due(&tfd->timer);
	return (struct itimerspec){ timespec_of(tfd->timer.interval_ns),
				    timespec_of(ktimer_remaining(&tfd->timer)) };
}

static bool timespec_ok(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 &&
	       ts->tv_nsec < NSEC_PER_SEC;
}

static int64_t ts_ns(const struct timespec *ts)
{
	if (ts->tv_sec > INT64_MAX / NSEC_PER_SEC / 4)
		return INT64_MAX / 4;
	return ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

/* The monotonic expiry of an absolute time on the timerfd's clock. */
static int64_t abs_to_mono(struct kernel *k, int32_t clock, int64_t when)
{
	int64_t mono = kernel_monotonic_ns(k);
	if (clock != CLOCK_REALTIME && clock != CLOCK_REALTIME_ALARM)
		return when;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return mono + (when - ts_ns(&now));
}

SYSCALL_DECL(timerfd_settime)
{
	struct itimerspec nv, old;
	unsigned flags = (unsigned)a[1];
	if (mm_copy_from(t->mm, &nv, a[2], sizeof(nv)) < 0)
		return -EFAULT;
	unsigned known = TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET;
	if ((flags & ~known) ||
	    !timespec_ok(&nv.it_value) || !timespec_ok(&nv.it_interval))
		return -EINVAL;
	int rc;
	struct timerfd *tfd = timerfd_get(t, a[0], &rc);
	if (!tfd)
		return rc;
	old = timerfd_value(tfd);
	struct kernel *k = t->kernel;
	int64_t value = ts_ns(&nv.it_value);
	int64_t interval = ts_ns(&nv.it_interval);
	tfd->ticks = 0;
	if (value == 0)
		ktimer_disarm(&tfd->timer);
	else if (flags & TFD_TIMER_ABSTIME)
		ktimer_arm(&tfd->timer, abs_to_mono(k, tfd->clock, value),
			   interval);
	else
		ktimer_arm(&tfd->timer, kernel_monotonic_ns(k) + value,
			   interval);
	/* A reader blocked on the old setting sleeps to the new one. */
	waitq_notify(&tfd->wq, 0);
	if (a[3] && mm_copy_to(t->mm, a[3], &old, sizeof(old)) < 0)
		return -EFAULT;
	return 0;
}

SYSCALL_DECL(timerfd_gettime)
{
	int rc;
	struct timerfd *tfd = timerfd_get(t, a[0], &rc);
	if (!tfd)
		return rc;
	struct itimerspec v = timerfd_value(tfd);
	return mm_copy_to(t->mm, a[1], &v, sizeof(v)) < 0 ? -EFAULT : 0;
}

/* ---- serialization ---------------------------------------------------- */

static void timerfd_save(struct encoder *enc, const void *obj)
{
	const struct timerfd *tfd = obj;
	file_save_common(enc, &tfd->file);
	enc_i32(enc, tfd->clock);
	enc_u64(enc, tfd->ticks);
	ktimer_save(enc, &tfd->timer);
}

static void timerfd_load(struct decoder *dec, void *obj)
{
	struct timerfd *tfd = obj;
	file_load_common(dec, &tfd->file, &timerfd_ops);
	tfd->clock = dec_i32(dec);
	tfd->ticks = dec_u64(dec);
	ktimer_load(dec, &tfd->timer);
	if (dec_ok(dec) && !clock_ok(tfd->clock))
		dec_fail(dec, "timerfd clock %d", tfd->clock);
}

static int timerfd_after_load(void *obj, void *ctx, struct error *err)
{
	(void)err;
	struct timerfd *tfd = obj;
	ktimer_restore(&tfd->timer, kernel_restoring(ctx), timerfd_fire);
	return 0;
}

static void timerfd_codec_release(void *obj)
{
	ktimer_disarm(&((struct timerfd *)obj)->timer);
}

const struct codec_type codec_type_timerfd = {
	.name = "timerfd",
	.version = 1,
	.size = sizeof(struct timerfd),
	.after_load_phase = 21,
	.save = timerfd_save,
	.load = timerfd_load,
	.after_load = timerfd_after_load,
	.release = timerfd_codec_release,
};
