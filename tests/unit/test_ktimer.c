/* Kernel timers: the timer thread fires, catches up intervals and holds
 * still while the kernel is frozen; itimers, POSIX timers and timerfds
 * (made through their syscalls) round-trip exactly, and a full decode
 * re-arms them against the restored monotonic clock, so time left at
 * the save is time left after the restore. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/fdtable.h"
#include "core/kernel.h"
#include "core/ktimer.h"
#include "core/memfile.h"
#include "core/mm.h"
#include "core/proc_timers.h"
#include "core/syscalls_timer.h"
#include "core/task.h"
#include "core/timerfd.h"
#include "tests/unit/harness.h"
#include "tests/unit/kernel_roundtrip.h"

#define MS 1000000ll
#define BASE 0x400000ull

static struct error err;

/* ---- the timer thread ------------------------------------------------- */

static int fired;

static void count_fire(struct ktimer *t, uint64_t n)
{
	(void)t;
	fired += (int)n;
}

static struct kernel *bare_kernel(void)
{
	struct kernel *k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	pthread_mutex_init(&k->lock, NULL);
	if (ktimer_queue_create(k) < 0)
		return NULL;
	return k;
}

static void free_bare(struct kernel *k)
{
	ktimer_queue_destroy(k);
	pthread_mutex_destroy(&k->lock);
	free(k);
}

static int fired_now(struct kernel *k)
{
	kernel_lock(k);
	int n = fired;
	kernel_unlock(k);
	return n;
}

TEST(timer_thread_fires_intervals_and_holds_still_when_frozen)
{
	struct kernel *k = bare_kernel();
	CHECK(k != NULL);
	CHECK(ktimer_thread_start(k) == 0);
	struct ktimer t;
	fired = 0;
	kernel_lock(k);
	ktimer_init(&t, k, count_fire);
	ktimer_arm(&t, kernel_monotonic_ns(k) + 5 * MS, 5 * MS);
	kernel_unlock(k);
	usleep(60000);
	int n = fired_now(k);
	CHECK(n >= 5);
	kernel_lock(k);
	k->freezing = true;
	ktimer_kick(k);
	n = fired;
	kernel_unlock(k);
	usleep(40000);
	CHECK_EQ(fired_now(k), n);
	kernel_lock(k);
	k->freezing = false;
	ktimer_kick(k);
	kernel_unlock(k);
	usleep(20000);
	/* What fell due while frozen is caught up in one firing. */
	CHECK(fired_now(k) >= n + 8);
	kernel_lock(k);
	ktimer_disarm(&t);
	n = fired;
	kernel_unlock(k);
	usleep(20000);
	CHECK_EQ(fired_now(k), n);
	/* A one-shot disarms itself; an armed timer survives the queue's
	 * end unqueued. */
	kernel_lock(k);
	ktimer_arm(&t, kernel_monotonic_ns(k) + MS, 0);
	kernel_unlock(k);
	usleep(20000);
	CHECK_EQ(fired_now(k), n + 1);
	CHECK(!ktimer_armed(&t));
	kernel_lock(k);
	ktimer_arm(&t, kernel_monotonic_ns(k) + 1000 * MS, 0);
	kernel_unlock(k);
	free_bare(k);
	CHECK(ktimer_armed(&t) && !t.queued);
}

/* ---- a process with timers -------------------------------------------- */

static int64_t call(struct task *t, int64_t (*fn)(struct task *,
						  const uint64_t[6]),
		    uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	const uint64_t a[6] = { a0, a1, a2, a3, 0, 0 };
	return fn(t, a);
}

/* Application memory used as the syscalls' argument buffers. */
#define ARG (BASE + 4096)
#define OUT (BASE + 8192)

static int64_t put(struct task *t, const void *v, size_t n)
{
	return mm_copy_to(t->mm, ARG, v, n);
}

static struct kernel *make_kernel(void)
{
	struct kernel *k = calloc(1, sizeof(*k));
	struct task *t;
	if (!k || memfile_create(&k->memfile, 1ull << 30) < 0)
		return NULL;
	k->next_tid = 1;
	if (task_create_process(k, NULL, &t) < 0 || mm_create(k, &t->mm) < 0 ||
	    !(t->files = fdtable_create()))
		return NULL;
	if (mm_map_anon(t->mm, BASE, 16 * 4096, PROT_READ | PROT_WRITE, 0, true,
			false) != (int64_t)BASE)
		return NULL;
	int64_t now = kernel_monotonic_ns(k);
	/* itimer: 300 ms left, every 100 ms. */
	struct itimerval iv = { { 0, 100000 }, { 0, 300000 } };
	if (put(t, &iv, sizeof(iv)) < 0 ||
	    call(t, sys_setitimer, ITIMER_REAL, ARG, 0, 0) != 0)
		return NULL;
	/* POSIX timer 0: SIGUSR1 with a value, fired once already (its
	 * signal pending, two overruns); 1: SIGEV_NONE, disarmed; 2 was
	 * deleted. */
	struct { uint64_t v; int32_t signo, notify, tid, pad[11]; } ev = {
		77, SIGUSR1, SIGEV_SIGNAL, 0, { 0 }
	};
	for (int i = 0; i < 3; i++) {
		ev.notify = i == 1 ? SIGEV_NONE : SIGEV_SIGNAL;
		if (put(t, &ev, sizeof(ev)) < 0 ||
		    call(t, sys_timer_create, CLOCK_MONOTONIC, ARG, OUT, 0) != 0)
			return NULL;
	}
	if (call(t, sys_timer_delete, 2, 0, 0, 0) != 0)
		return NULL;
	struct posix_timer *p = posix_timer_find(t, 0);
	ktimer_arm(&p->timer, now - 25 * MS, 10 * MS);
	ktimer_run_if_due(&p->timer);
	/* timerfd at fd 0: 2 s left, once; 3 expirations unread. */
	if (call(t, sys_timerfd_create, CLOCK_MONOTONIC, 0, 0, 0) != 0)
		return NULL;
	struct itimerspec ts = { { 0, 0 }, { 2, 0 } };
	if (put(t, &ts, sizeof(ts)) < 0 ||
	    call(t, sys_timerfd_settime, 0, 0, ARG, 0) != 0)
		return NULL;
	((struct timerfd *)fdtable_get(t->files, 0))->ticks = 3;
	return k;
}

TEST(timers_round_trip_exactly)
{
	struct kernel *k = make_kernel();
	CHECK(k != NULL);
	struct posix_timer *p = posix_timer_find(k->tasks, 0);
	CHECK(p && p->queued && p->overrun == 2);
	CHECK(k->tasks->tg->shared_pending.set & sig_bit(SIGUSR1));
	bool ok = kernel_round_trips(k, &err);
	kernel_destroy(k);
	CHECK(ok);
}

static int decode(const void *buf, size_t len, struct kernel **out)
{
	struct kernel_restore r = { NULL, NULL };
	void *root = NULL;
	int rc = codec_decode(&kernel_registry, &codec_type_kernel, buf, len,
			      &r, 0, &root, &err);
	*out = root;
	return rc;
}

TEST(restored_timers_keep_the_time_they_had_left)
{
	struct kernel *k = make_kernel();
	CHECK(k != NULL);
	k->frozen_monotonic_ns = kernel_monotonic_ns(k);
	int64_t left = ktimer_remaining(&k->tasks->tg->timers->itimer_real);
	void *buf;
	size_t len;
	CHECK(codec_encode(&codec_type_kernel, k, &buf, &len, &err) == 0);
	kernel_destroy(k);
	usleep(100000);  /* the host's clock runs on; the sandbox's not */
	struct kernel *d;
	int rc = decode(buf, len, &d);
	free(buf);
	if (rc < 0)
		fprintf(stderr, "%s\n", err.msg);
	CHECK(rc == 0 && d);
	struct task *t = d->tasks;
	struct proc_timers *pt = t->tg->timers;
	CHECK(pt && pt->tg == t->tg);
	int64_t now_left = ktimer_remaining(&pt->itimer_real);
	CHECK(now_left <= left && now_left > left - 50 * MS);
	CHECK_EQ(pt->itimer_real.interval_ns, 100 * MS);
	CHECK(pt->itimer_real.queued);
	struct posix_timer *p0 = posix_timer_find(t, 0);
	struct posix_timer *p1 = posix_timer_find(t, 1);
	CHECK(p0 && p1 && !posix_timer_find(t, 2) && pt->next_id == 3);
	CHECK(p0->queued && p0->overrun == 2 && p0->sival == 77);
	CHECK(p0->timer.queued && !ktimer_armed(&p1->timer));
	CHECK_EQ(p1->notify, SIGEV_NONE);
	struct timerfd *tfd = (struct timerfd *)fdtable_get(t->files, 0);
	CHECK(tfd && tfd->file.ops == &timerfd_ops && tfd->ticks == 3);
	CHECK(tfd->timer.queued && tfd->timer.kernel == d);
	int64_t tfd_left = ktimer_remaining(&tfd->timer);
	CHECK(tfd_left > 1900 * MS && tfd_left <= 2000 * MS);
	/* The pending signal still counts overruns for its timer. */
	ktimer_arm(&p0->timer, kernel_monotonic_ns(d) - 1, 0);
	ktimer_run_if_due(&p0->timer);
	CHECK_EQ(p0->overrun, 3);
	CHECK_EQ(t->tg->shared_pending.info[SIGUSR1 - 1].si_overrun, 3);
	kernel_destroy(d);
}

TEST(truncated_timer_images_fail_cleanly)
{
	struct kernel *k = make_kernel();
	CHECK(k != NULL);
	void *buf;
	size_t len;
	CHECK(codec_encode(&codec_type_kernel, k, &buf, &len, &err) == 0);
	kernel_destroy(k);
	uint8_t *copy = malloc(len);
	for (size_t cut = 0; cut < len; cut += 5) {
		struct kernel *d;
		memcpy(copy, buf, cut);
		CHECK(decode(copy, cut, &d) < 0 && d == NULL);
	}
	size_t accepted = 0;
	for (size_t i = len / 2; i < len; i += 2) {
		struct kernel *d;
		memcpy(copy, buf, len);
		copy[i] ^= 0x80;
		if (decode(copy, len, &d) == 0) {
			accepted++;
			kernel_destroy(d);
		}
	}
	free(copy);
	free(buf);
	CHECK(accepted < len);
}
