/* Timer syscalls: alarm, setitimer/getitimer, and the POSIX timers
 * (timer_create & co.). The timers themselves are in proc_timers.c.
 *
 * Limits, loudly: ITIMER_VIRTUAL and ITIMER_PROF can't be armed
 * (-EINVAL and a log line; reading them gives zero), and timers on the
 * CPU-time clocks can't be created (-EINVAL and a log line): there is no
 * per-task CPU-time event source yet. CLOCK_REALTIME timers are kept on
 * the monotonic clock: an absolute realtime expiry is converted when the
 * timer is set, so a later jump of the host's wall clock does not move
 * it. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>

#include "core/kernel.h"
#include "core/mm.h"
#include "core/proc_timers.h"
#include "core/syscall.h"
#include "core/task.h"

#define NSEC_PER_SEC KTIMER_NSEC_PER_SEC
#define NSEC_PER_USEC 1000
#define CPU_CLOCK_TIMERS "timers on CPU-time clocks"

/* Linux's struct sigevent as the kernel reads it. */
struct k_sigevent {
	uint64_t value;
	int32_t signo;
	int32_t notify;
	int32_t tid;
	int32_t pad[11];
};

/* Loud once per syscall number, through the kernel's log-once bits
 * for unimplemented calls (these calls have a handler, so their bits
 * are otherwise unused). */
static void log_once(struct kernel *k, int nr, const char *what)
{
	uint64_t bit = 1ull << (nr % 64);
	if (k->enosys_seen[nr / 64] & bit)
		return;
	k->enosys_seen[nr / 64] |= bit;
	fprintf(stderr, "snapctl: %s is not implemented\n", what);
}

static int64_t host_realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* Now on a timer's clock: realtime ones follow the host, the rest are
 * the application's monotonic clock. */
static int64_t timer_clock_now(struct kernel *k, int32_t clock)
{
	if (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_ALARM ||
	    clock == CLOCK_TAI)
		return host_realtime_ns();
	return kernel_monotonic_ns(k);
}

static int64_t sat_ns(int64_t sec, int64_t sub_ns)
{
	if (sec > INT64_MAX / NSEC_PER_SEC / 4)
		return INT64_MAX / 4;  /* never, in practice */
	return sec * NSEC_PER_SEC + sub_ns;
}

/* ---- alarm, setitimer, getitimer -------------------------------------- */

static struct itimerval itimerval_of(const struct ktimer *kt)
{
	struct itimerval v = { { 0, 0 }, { 0, 0 } };
	int64_t rem = ktimer_remaining(kt);
	v.it_value.tv_sec = rem / NSEC_PER_SEC;
	v.it_value.tv_usec = (rem % NSEC_PER_SEC) / NSEC_PER_USEC;
	if (rem > 0 && v.it_value.tv_sec == 0 && v.it_value.tv_usec == 0)
		v.it_value.tv_usec = 1;  /* armed never reads as disarmed */
	v.it_interval.tv_sec = kt->interval_ns / NSEC_PER_SEC;
	v.it_interval.tv_usec = (kt->interval_ns % NSEC_PER_SEC) /
				NSEC_PER_USEC;
	return v;
}

static bool timeval_valid(const struct timeval *tv)
{
	return tv->tv_sec >= 0 && tv->tv_usec >= 0 && tv->tv_usec < 1000000;
}

static void itimer_set(struct task *t, struct ktimer *kt, int64_t value_ns,
		       int64_t interval_ns)
{
	if (value_ns == 0)
		ktimer_disarm(kt);
	else
		ktimer_arm(kt, kernel_monotonic_ns(t->kernel) + value_ns,
			   interval_ns);
}

SYSCALL_DECL(alarm)
{
	unsigned secs = (unsigned)a[0];
	struct proc_timers *pt = secs ? proc_timers_get(t) : t->tg->timers;
	if (!pt)
		return 0;
	struct itimerval old = itimerval_of(&pt->itimer_real);
	itimer_set(t, &pt->itimer_real, sat_ns(secs, 0), 0);
	/* Linux rounds the old value to the nearest second, and a
	 * sub-second remainder up to 1 so the alarm reads as set. */
	if ((!old.it_value.tv_sec && old.it_value.tv_usec) ||
	    old.it_value.tv_usec >= 500000)
		old.it_value.tv_sec++;
	return old.it_value.tv_sec;
}

static int get_itimer(struct task *t, int which, struct itimerval *v)
{
	*v = (struct itimerval){ { 0, 0 }, { 0, 0 } };
	if (which == ITIMER_VIRTUAL || which == ITIMER_PROF)
		return 0;  /* never armed: see the top of the file */
	if (which != ITIMER_REAL)
		return -EINVAL;
	if (t->tg->timers)
		*v = itimerval_of(&t->tg->timers->itimer_real);
	return 0;
}

SYSCALL_DECL(getitimer)
{
	struct itimerval v;
	int rc = get_itimer(t, (int)a[0], &v);
	if (rc < 0)
		return rc;
	return mm_copy_to(t->mm, a[1], &v, sizeof(v)) < 0 ? -EFAULT : 0;
}

SYSCALL_DECL(setitimer)
{
	int which = (int)a[0];
	struct itimerval nv = { { 0, 0 }, { 0, 0 } }, old;
	/* A NULL new value disarms, as Linux still allows. */
	if (a[1] && mm_copy_from(t->mm, &nv, a[1], sizeof(nv)) < 0)
		return -EFAULT;
	if (!timeval_valid(&nv.it_value) || !timeval_valid(&nv.it_interval))
		return -EINVAL;
	int rc = get_itimer(t, which, &old);
	if (rc < 0)
		return rc;
	int64_t value = sat_ns(nv.it_value.tv_sec,
			       nv.it_value.tv_usec * NSEC_PER_USEC);
	int64_t interval = sat_ns(nv.it_interval.tv_sec,
				  nv.it_interval.tv_usec * NSEC_PER_USEC);
	if (which != ITIMER_REAL) {
		if (value) {
			log_once(t->kernel, SYS_setitimer,
				 "ITIMER_VIRTUAL/ITIMER_PROF");
			return -EINVAL;
		}
	} else if (value || t->tg->timers) {
		struct proc_timers *pt = proc_timers_get(t);
		if (!pt)
			return -ENOMEM;
		itimer_set(t, &pt->itimer_real, value, interval);
	}
	if (a[2] && mm_copy_to(t->mm, a[2], &old, sizeof(old)) < 0)
		return -EFAULT;
	return 0;
}

/* ---- POSIX timers ----------------------------------------------------- */

/* 0 for a clock timers can run on, else Linux's error for it. */
static int timer_clock_check(struct kernel *k, int64_t clock)
{
	switch (clock) {
	case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_BOOTTIME:
	case CLOCK_TAI: case CLOCK_REALTIME_ALARM: case CLOCK_BOOTTIME_ALARM:
		return 0;
	case CLOCK_MONOTONIC_RAW: case CLOCK_REALTIME_COARSE:
	case CLOCK_MONOTONIC_COARSE:
		return -EOPNOTSUPP;
	case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_THREAD_CPUTIME_ID:
		log_once(k, SYS_timer_create, CPU_CLOCK_TIMERS);
		return -EINVAL;
	default:
		if (clock < 0)  /* a pid's or thread's CPU-time clock */
			log_once(k, SYS_timer_create, CPU_CLOCK_TIMERS);
		return -EINVAL;
	}
}

/* Linux's good_sigevent: what a timer may notify, and whom. */
static int sigevent_check(struct task *t, const struct k_sigevent *ev)
{
	switch (ev->notify) {
	case SIGEV_SIGNAL | SIGEV_THREAD_ID: {
		bool found = false;
		for (struct task *x = t->kernel->tasks; x; x = x->next)
			found |= x->tid == (uint32_t)ev->tid &&
				 x->tg == t->tg && x->state != TASK_EXITED;
		if (!found || ev->tid <= 0)
			return -EINVAL;
	}
		/* fallthrough */
	case SIGEV_SIGNAL:
	case SIGEV_THREAD:
		if (ev->signo < 1 || ev->signo > SIG_COUNT)
			return -EINVAL;
		/* fallthrough */
	case SIGEV_NONE:
		return 0;
	default:
		return -EINVAL;
	}
}

SYSCALL_DECL(timer_create)
{
	struct k_sigevent ev = { 0, SIGALRM, SIGEV_SIGNAL, 0, { 0 } };
	if (a[1] && mm_copy_from(t->mm, &ev, a[1], sizeof(ev)) < 0)
		return -EFAULT;
	int rc = timer_clock_check(t->kernel, (int64_t)(int32_t)a[0]);
	if (rc == 0 && a[1])
		rc = sigevent_check(t, &ev);
	if (rc < 0)
		return rc;
	struct posix_timer *p = posix_timer_add(t, &rc);
	if (!p)
		return rc;
	p->clock = (int32_t)a[0];
	p->notify = ev.notify == SIGEV_THREAD ? SIGEV_SIGNAL : ev.notify;
	p->signo = ev.notify == SIGEV_NONE ? 0 : ev.signo;
	p->tid = (uint32_t)ev.tid;
	p->sival = a[1] ? ev.value : (uint64_t)p->id;
	int32_t id = p->id;
	if (mm_copy_to(t->mm, a[2], &id, sizeof(id)) < 0) {
		posix_timer_delete(p);
		return -EFAULT;
	}
	return 0;
}

static struct timespec timespec_of(int64_t ns)
{
	return (struct timespec){ ns / NSEC_PER_SEC, ns % NSEC_PER_SEC };
}

static struct itimerspec itimerspec_of(struct posix_timer *p)
{
	ktimer_run_if_due(&p->timer);
	return (struct itimerspec){ timespec_of(p->timer.interval_ns),
				    timespec_of(ktimer_remaining(&p->timer)) };
}

static bool timespec_valid(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 &&
	       ts->tv_nsec < NSEC_PER_SEC;
}

SYSCALL_DECL(timer_settime)
{
	struct itimerspec nv, old;
	if (!a[2])
		return -EINVAL;
	if (mm_copy_from(t->mm, &nv, a[2], sizeof(nv)) < 0)
		return -EFAULT;
	if (!timespec_valid(&nv.it_value) || !timespec_valid(&nv.it_interval))
		return -EINVAL;
	struct posix_timer *p = posix_timer_find(t, (int32_t)a[0]);
	if (!p || a[0] > INT32_MAX)
		return -EINVAL;
	old = itimerspec_of(p);
	int64_t value = sat_ns(nv.it_value.tv_sec, nv.it_value.tv_nsec);
	int64_t interval = sat_ns(nv.it_interval.tv_sec,
				  nv.it_interval.tv_nsec);
	int64_t mono = kernel_monotonic_ns(t->kernel);
	posix_timer_drop_signal(p);
	if (a[1] & TIMER_ABSTIME)
		value -= timer_clock_now(t->kernel, p->clock) - mono;
	if (nv.it_value.tv_sec == 0 && nv.it_value.tv_nsec == 0)
		ktimer_disarm(&p->timer);
	else if (a[1] & TIMER_ABSTIME)
		ktimer_arm(&p->timer, value, interval);
	else
		ktimer_arm(&p->timer, mono + value, interval);
	if (a[3] && mm_copy_to(t->mm, a[3], &old, sizeof(old)) < 0)
		return -EFAULT;
	return 0;
}

SYSCALL_DECL(timer_gettime)
{
	struct posix_timer *p = posix_timer_find(t, (int32_t)a[0]);
	if (!p || a[0] > INT32_MAX)
		return -EINVAL;
	struct itimerspec v = itimerspec_of(p);
	return mm_copy_to(t->mm, a[1], &v, sizeof(v)) < 0 ? -EFAULT : 0;
}

SYSCALL_DECL(timer_getoverrun)
{
	struct posix_timer *p = posix_timer_find(t, (int32_t)a[0]);
	if (!p || a[0] > INT32_MAX)
		return -EINVAL;
	posix_timer_sync(p);
	return p->overrun_last;
}

SYSCALL_DECL(timer_delete)
{
	struct posix_timer *p = posix_timer_find(t, (int32_t)a[0]);
	if (!p || a[0] > INT32_MAX)
		return -EINVAL;
	posix_timer_drop_signal(p);
	posix_timer_delete(p);
	return 0;
}
