#include "core/signalfd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>

#include "core/fdtable.h"
#include "core/jobctl.h"
#include "core/kernel.h"
#include "core/mm.h"
#include "core/signal.h"
#include "core/syscall.h"
#include "core/syscalls_proc.h"
#include "core/task.h"
#include "core/waitq.h"

#define KERNEL_SIGSET_SIZE 8

static struct signalfd *signalfd_of(struct file *f)
{
	return (struct signalfd *)f;
}

static bool is_fault_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL ||
	       sig == SIGFPE || sig == SIGTRAP;
}

/* Linux's signalfd_copyinfo: the fields the siginfo's kind carries. */
static void to_ssi(const siginfo_t *in, struct signalfd_siginfo *o)
{
	memset(o, 0, sizeof(*o));
	o->ssi_signo = (uint32_t)in->si_signo;
	o->ssi_errno = in->si_errno;
	o->ssi_code = in->si_code;
	if (in->si_code > 0 && is_fault_signal(in->si_signo)) {
		o->ssi_addr = (uint64_t)(uintptr_t)in->si_addr;
	} else if (in->si_code > 0 && in->si_signo == SIGCHLD) {
		o->ssi_pid = (uint32_t)in->si_pid;
		o->ssi_uid = in->si_uid;
		o->ssi_status = in->si_status;
		o->ssi_utime = (uint64_t)in->si_utime;
		o->ssi_stime = (uint64_t)in->si_stime;
	} else if (in->si_code > 0 && in->si_signo == SIGPOLL) {
		o->ssi_band = (uint32_t)in->si_band;
		o->ssi_fd = in->si_fd;
	} else if (in->si_code == SI_TIMER) {
		o->ssi_tid = (uint32_t)in->si_timerid;
		o->ssi_overrun = (uint32_t)in->si_overrun;
		o->ssi_ptr = (uint64_t)(uintptr_t)in->si_ptr;
		o->ssi_int = in->si_int;
	} else {
		/* kill, tkill, sigqueue and the like. */
		o->ssi_pid = (uint32_t)in->si_pid;
		o->ssi_uid = in->si_uid;
		o->ssi_ptr = (uint64_t)(uintptr_t)in->si_ptr;
		o->ssi_int = in->si_int;
	}
}

/* Sleeps until a signal is sent to the reader's group (signal_send
 * notifies its signalfd queue), or the task must stop. */
static int wait_for_signal(struct task *t)
{
	struct waiter w;
	waiter_init_task(&w, t);
	waitq_add(&t->tg->signalfd_wq, &w);
	int rc = task_block(t, -1, NULL, 0);
	waitq_remove(&w);
	return rc;
}

static int64_t signalfd_read(struct file *f, struct task *t, void *buf,
			     size_t n)
{
	struct signalfd *s = signalfd_of(f);
	size_t want = n / sizeof(struct signalfd_siginfo), got = 0;
	if (!want)
		return -EINVAL;
	while (got < want) {
		siginfo_t info;
		if (signal_dequeue(t, s->mask, &info)) {
			to_ssi(&info, (struct signalfd_siginfo *)buf + got++);
			continue;
		}
		/* Only the first record is waited for. */
		if (got)
			break;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_for_signal(t) < 0)
			return -ERESTARTSYS;
	}
	return (int64_t)(got * sizeof(struct signalfd_siginfo));
}

static int64_t signalfd_write(struct file *f, struct task *t, const void *buf,
			      size_t n)
{
	(void)f, (void)t, (void)buf, (void)n;
	return -EINVAL;
}

static uint32_t signalfd_poll(struct file *f, struct poll_table *pt)
{
	struct signalfd *s = signalfd_of(f);
	struct thread_group *tg = jobctl_find_group(s->kernel, s->owner_tgid);
	if (!tg)
		return 0;
	poll_wait(pt, &tg->signalfd_wq);
	uint64_t pending = tg->shared_pending.set;
	for (struct task *x = s->kernel->tasks; x; x = x->next)
		if (x->tg == tg && x->state != TASK_EXITED)
			pending |= x->sig_pending.set;
	return (pending & s->mask) ? POLLIN | POLLRDNORM : 0;
}

static void signalfd_release(struct file *f)
{
	(void)f;
}

const struct file_ops signalfd_ops = {
	.codec_type = &codec_type_signalfd,
	.read = signalfd_read,
	.write = signalfd_write,
	.release = signalfd_release,
	.poll = signalfd_poll,
};

static int64_t do_signalfd(struct task *t, int64_t fd, uint64_t mask_addr,
			   uint64_t size, uint64_t flags)
{
	if (size != KERNEL_SIGSET_SIZE ||
	    (flags & ~(uint64_t)(SFD_NONBLOCK | SFD_CLOEXEC)))
		return -EINVAL;
	uint64_t mask;
	if (mm_copy_from(t->mm, &mask, mask_addr, sizeof(mask)) < 0)
		return -EFAULT;
	mask &= ~SIG_UNBLOCKABLE;
	if (fd != -1) {
		struct file *f = fd < 0 ? NULL : fdtable_get(t->files, (int)fd);
		if (!f)
			return -EBADF;
		if (f->ops != &signalfd_ops)
			return -EINVAL;
		signalfd_of(f)->mask = mask;
		return fd;
	}
	struct signalfd *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->file.ops = &signalfd_ops;
	s->file.refs = 1;
	s->file.flags = O_RDWR | (uint32_t)(flags & SFD_NONBLOCK);
	s->mask = mask;
	s->owner_tgid = t->tg->tgid;
	s->kernel = t->kernel;
	int nfd = fdtable_install(t->files, &s->file, 0, flags & SFD_CLOEXEC);
	if (nfd < 0)
		file_put(&s->file);
	return nfd;
}

SYSCALL_DECL(signalfd4)
{
	return do_signalfd(t, (int32_t)a[0], a[1], a[2], a[3]);
}

SYSCALL_DECL(signalfd)
{
	return do_signalfd(t, (int32_t)a[0], a[1], a[2], 0);
}

/* ---- serialization ---------------------------------------------------- */

static void signalfd_save(struct encoder *enc, const void *obj)
{
	const struct signalfd *s = obj;
	file_save_common(enc, &s->file);
	enc_u64(enc, s->mask);
	enc_u32(enc, s->owner_tgid);
}

static void signalfd_load(struct decoder *dec, void *obj)
{
	struct signalfd *s = obj;
	file_load_common(dec, &s->file, &signalfd_ops);
	s->mask = dec_u64(dec) & ~SIG_UNBLOCKABLE;
	s->owner_tgid = dec_u32(dec);
}

static int signalfd_after_load(void *obj, void *ctx, struct error *err)
{
	(void)err;
	((struct signalfd *)obj)->kernel = kernel_restoring(ctx);
	return 0;
}

const struct codec_type codec_type_signalfd = {
	.name = "signalfd",
	.version = 1,
	.size = sizeof(struct signalfd),
	.after_load_phase = KERNEL_RESTORE_PHASE + 1,
	.save = signalfd_save,
	.load = signalfd_load,
	.after_load = signalfd_after_load,
};
