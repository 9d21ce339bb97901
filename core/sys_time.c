/* Clocks and sleeps. CLOCK_MONOTONIC is the host's plus the kernel's
 * offset, so it continues across save and restore (DESIGN.md "Time");
 * CLOCK_REALTIME follows the host. No vDSO yet: every read comes here. */
#include <errno.h>
#include <sys/time.h>
#include <time.h>

#include "core/cputime.h"
#include "core/epoll.h"
#include "core/kernel.h"
#include "core/mm.h"
#include "core/syscall.h"
#include "core/syscalls_poll.h"
#include "core/syscalls_proc.h"
#include "core/task.h"

#define NSEC_PER_SEC 1000000000ll

static int64_t host_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* The application's reading of clock id, or -EINVAL. */
static int clock_read(struct task *t, int64_t id, int64_t *ns)
{
	struct kernel *k = t->kernel;
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_REALTIME_ALARM:
	case CLOCK_TAI:
		*ns = host_ns(CLOCK_REALTIME);
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_BOOTTIME_ALARM:
		*ns = kernel_monotonic_ns(k);
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID: {
		/* The accounts of cputime.c (see there for what they
		 * measure under each platform). */
		cputime_sync(t);
		struct cputime c = id == CLOCK_THREAD_CPUTIME_ID
					   ? cputime_of_task(t)
					   : cputime_of_group(t->tg);
		*ns = (int64_t)(c.user_ns + c.sys_ns);
		return 0;
	}
	default:
		return -EINVAL;
	}
}

static int put_timespec(struct task *t, uint64_t addr, int64_t ns)
{
	struct timespec ts = { ns / NSEC_PER_SEC, ns % NSEC_PER_SEC };
	return mm_copy_to(t->mm, addr, &ts, sizeof(ts));
}

/* Reads a timespec and checks it like Linux: -EFAULT or -EINVAL. */
static int get_timespec(struct task *t, uint64_t addr, int64_t *ns)
{
	struct timespec ts;
	if (mm_copy_from(t->mm, &ts, addr, sizeof(ts)) < 0)
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NSEC_PER_SEC)
		return -EINVAL;
	if (ts.tv_sec > INT64_MAX / NSEC_PER_SEC - 1)
		*ns = INT64_MAX / 2;
	else
		*ns = ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
	return 0;
}

SYSCALL_DECL(clock_gettime)
{
	int64_t ns;
	int rc = clock_read(t, (int64_t)a[0], &ns);
	return rc < 0 ? rc : put_timespec(t, a[1], ns);
}

SYSCALL_DECL(clock_getres)
{
	int64_t ns;
	int rc = clock_read(t, (int64_t)a[0], &ns);
	if (rc < 0 || !a[1])
		return rc;
	bool coarse = a[0] == CLOCK_REALTIME_COARSE ||
		      a[0] == CLOCK_MONOTONIC_COARSE;
	struct timespec res;
	clock_getres(coarse ? CLOCK_MONOTONIC_COARSE : CLOCK_MONOTONIC, &res);
	return put_timespec(t, a[1], res.tv_sec * NSEC_PER_SEC + res.tv_nsec);
}

SYSCALL_DECL(gettimeofday)
{
	int64_t ns = host_ns(CLOCK_REALTIME);
	if (a[0]) {
		struct timeval tv = { ns / NSEC_PER_SEC,
				      (ns % NSEC_PER_SEC) / 1000 };
		if (mm_copy_to(t->mm, a[0], &tv, sizeof(tv)) < 0)
			return -EFAULT;
	}
	if (a[1]) {
		struct timezone tz = { 0, 0 };
		if (mm_copy_to(t->mm, a[1], &tz, sizeof(tz)) < 0)
			return -EFAULT;
	}
	return 0;
}

SYSCALL_DECL(time)
{
	int64_t secs = host_ns(CLOCK_REALTIME) / NSEC_PER_SEC;
	if (a[0] && mm_copy_to(t->mm, a[0], &secs, sizeof(secs)) < 0)
		return -EFAULT;
	return secs;
}

/* Sleeps until the monotonic deadline. Interrupted (a freeze; later,
 * signals), it leaves a restart block so restart_syscall(2) sleeps on to
 * the same deadline: monotonic time continues across save and restore,
 * so a restored sleeper wakes when it would have. */
static int64_t sleep_until(struct task *t, int64_t deadline, uint64_t rem)
{
	if (task_sleep_until(t, deadline) == 0)
		return 0;
	/* What was left goes to rem now: if a handler runs, the call
	 * fails with EINTR and the caller reads it. */
	int64_t left = deadline - kernel_monotonic_ns(t->kernel);
	if (rem && put_timespec(t, rem, left > 0 ? left : 0) < 0)
		return -EFAULT;
	t->restart = (struct restart_block){ RESTART_NANOSLEEP, deadline, rem };
	return -ERESTART_RESTARTBLOCK;
}

SYSCALL_DECL(restart_syscall)
{
	(void)a;
	struct restart_block rb = t->restart;
	t->restart.kind = RESTART_NONE;
	if (rb.kind == RESTART_NANOSLEEP)
		return sleep_until(t, rb.deadline_ns, rb.rem);
	if (rb.kind == RESTART_POLL)
		return sys_poll_restart(t, &rb);
	if (rb.kind == RESTART_EPOLL)   /* rem: the epoll call's number */
		return epoll_wait_restart(t, a, rb.deadline_ns, rb.rem);
	if (rb.kind == RESTART_SIGTIMEDWAIT)
		return sigtimedwait_restart(t, &rb);
	return -EINTR;
}

SYSCALL_DECL(nanosleep)
{
	int64_t ns;
	int rc = get_timespec(t, a[0], &ns);
	if (rc < 0)
		return rc;
	return sleep_until(t, kernel_monotonic_ns(t->kernel) + ns, a[1]);
}

SYSCALL_DECL(clock_nanosleep)
{
	int64_t id = (int64_t)a[0], now, ns;
	if (id == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL;
	int rc = clock_read(t, id, &now);
	if (rc < 0)
		return rc;
	rc = get_timespec(t, a[2], &ns);
	if (rc < 0)
		return rc;
	int64_t mono = kernel_monotonic_ns(t->kernel);
	if (a[1] & TIMER_ABSTIME)
		/* An absolute time on any clock becomes a monotonic
		 * deadline; rem is not written for absolute sleeps. */
		return task_sleep_until(t, mono + (ns - now)) == 0
			       ? 0
			       : -ERESTARTNOHAND; /* same arguments again */
	return sleep_until(t, mono + ns, a[3]);
}
