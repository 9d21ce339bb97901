/* times(2) and getrusage(2), from the CPU-time accounts of cputime.c.
 * Of struct rusage only the times and ru_maxrss are kept; the other
 * counters (faults, context switches...) read zero. */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>

#include "core/cputime.h"
#include "core/kernel.h"
#include "core/mm.h"
#include "core/syscall.h"
#include "core/syscalls_timer.h"
#include "core/task.h"

/* USER_HZ: what clock_t counts in times(2) (sysconf(_SC_CLK_TCK)). */
#define USER_HZ 100
#define NSEC_PER_TICK (1000000000ull / USER_HZ)

static struct timeval timeval_of(uint64_t ns)
{
	return (struct timeval){ (time_t)(ns / 1000000000),
				 (suseconds_t)(ns % 1000000000 / 1000) };
}

SYSCALL_DECL(times)
{
	cputime_sync(t);
	struct cputime self = cputime_of_group(t->tg);
	struct cputime kids = t->tg->cputime_children;
	if (a[0]) {
		struct tms tms = {
			(clock_t)(self.user_ns / NSEC_PER_TICK),
			(clock_t)(self.sys_ns / NSEC_PER_TICK),
			(clock_t)(kids.user_ns / NSEC_PER_TICK),
			(clock_t)(kids.sys_ns / NSEC_PER_TICK),
		};
		if (mm_copy_to(t->mm, a[0], &tms, sizeof(tms)) < 0)
			return -EFAULT;
	}
	/* Ticks since an arbitrary point: the monotonic clock, which
	 * continues across save and restore, so this never goes back. */
	return (int64_t)((uint64_t)kernel_monotonic_ns(t->kernel) /
			 NSEC_PER_TICK);
}

SYSCALL_DECL(getrusage)
{
	int who = (int)a[0];
	struct cputime c;
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	cputime_sync(t);
	cputime_note_rss(t);
	switch (who) {
	case RUSAGE_SELF:
		c = cputime_of_group(t->tg);
		ru.ru_maxrss = (long)t->tg->maxrss_kb;
		break;
	case RUSAGE_THREAD:
		c = cputime_of_task(t);
		ru.ru_maxrss = (long)t->tg->maxrss_kb;
		break;
	case RUSAGE_CHILDREN:
		c = t->tg->cputime_children;
		ru.ru_maxrss = (long)t->tg->maxrss_children_kb;
		break;
	default:
		return -EINVAL;
	}
	ru.ru_utime = timeval_of(c.user_ns);
	ru.ru_stime = timeval_of(c.sys_ns);
	return mm_copy_to(t->mm, a[1], &ru, sizeof(ru)) < 0 ? -EFAULT : 0;
}
