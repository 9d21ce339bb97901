/* Scheduling syscalls: affinity, policy, priority and nice values.
 * The sandbox's tasks are host threads scheduled by the host, so these
 * keep and report what the program asked for, with Linux's validation
 * and permission rules, without changing host scheduling:
 * - sched_setaffinity validates the mask and accepts it; getaffinity
 *   still reports the host's CPUs.
 * - SCHED_OTHER, SCHED_BATCH and SCHED_IDLE are accepted for anyone;
 *   SCHED_FIFO and SCHED_RR need CAP_SYS_NICE (RLIMIT_RTPRIO is 0) and
 *   are then recorded, not enforced; SCHED_DEADLINE is EINVAL.
 * - nice values are per process (setpriority / getpriority) and saved.
 * Policies are per process here (per thread in Linux). */
#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "core/cred.h"
#include "core/jobctl.h"
#include "core/kernel.h"
#include "core/mm.h"
#include "core/syscall.h"
#include "core/syscalls_proc.h"
#include "core/task.h"

#define K_SCHED_RESET_ON_FORK 0x40000000

/* The task a sched_* call names: 0 is the caller; a thread's tid names
 * it, as in Linux. */
static struct task *sched_target(struct task *t, uint64_t arg, int64_t *err)
{
	int64_t pid = (int32_t)arg;
	*err = pid < 0 ? -EINVAL : -ESRCH;
	if (pid < 0)
		return NULL;
	if (pid == 0)
		return t;
	for (struct task *x = t->kernel->tasks; x; x = x->next)
		if (x->tid == (uint32_t)pid && x->state != TASK_EXITED)
			return x;
	return NULL;
}

SYSCALL_DECL(sched_setaffinity)
{
	int64_t err;
	if (!sched_target(t, a[0], &err))
		return err;
	uint8_t mask[128];
	memset(mask, 0, sizeof(mask));
	size_t len = a[1] < sizeof(mask) ? a[1] : sizeof(mask);
	if (mm_copy_from(t->mm, mask, a[2], len) < 0)
		return -EFAULT;
	cpu_set_t host;
	if (sched_getaffinity(0, sizeof(host), &host) < 0)
		return -errno;
	/* Some CPU of the mask must be one the sandbox may run on. */
	for (size_t i = 0; i < len * 8 && i < CPU_SETSIZE; i++)
		if ((mask[i / 8] >> (i % 8) & 1) && CPU_ISSET(i, &host))
			return 0;
	return -EINVAL;
}

static bool realtime(int policy)
{
	return policy == SCHED_FIFO || policy == SCHED_RR;
}

static bool fair(int policy)
{
	return policy == SCHED_OTHER || policy == SCHED_BATCH ||
	       policy == SCHED_IDLE;
}

/* Linux's priority range of a policy: 1..99 for the real-time ones,
 * 0 for the fair ones, EINVAL for anything else. */
static int64_t priority_bound(int policy, bool max)
{
	if (realtime(policy))
		return max ? 99 : 1;
	return fair(policy) ? 0 : -EINVAL;
}

static int64_t set_policy(struct task *t, uint64_t pid, int policy,
			  uint64_t param_addr)
{
	int64_t err;
	struct task *x = sched_target(t, pid, &err);
	if (!param_addr)
		return -EINVAL;
	if (!x)
		return err;
	struct sched_param p;
	if (mm_copy_from(t->mm, &p, param_addr, sizeof(p)) < 0)
		return -EFAULT;
	policy &= ~K_SCHED_RESET_ON_FORK;
	if (!fair(policy) && !realtime(policy))
		return -EINVAL;
	if (realtime(policy) ? (p.sched_priority < 1 || p.sched_priority > 99)
			     : p.sched_priority != 0)
		return -EINVAL;
	if (realtime(policy) && !cred_capable(t, CAP_SYS_NICE))
		return -EPERM;
	if (x->tg != t->tg && !cred_capable(t, CAP_SYS_NICE) &&
	    t->euid != x->uid && t->euid != x->euid)
		return -EPERM;
	x->tg->sched_policy = policy;
	x->tg->sched_priority = p.sched_priority;
	return 0;
}

SYSCALL_DECL(sched_setscheduler)
{
	if ((int32_t)a[1] < 0)
		return -EINVAL;
	return set_policy(t, a[0], (int)a[1], a[2]);
}

SYSCALL_DECL(sched_setparam)
{
	int64_t err;
	struct task *x = sched_target(t, a[0], &err);
	if (!a[1])
		return -EINVAL;
	if (!x)
		return err;
	return set_policy(t, a[0], x->tg->sched_policy, a[1]);
}

SYSCALL_DECL(sched_getscheduler)
{
	int64_t err;
	struct task *x = sched_target(t, a[0], &err);
	return x ? x->tg->sched_policy : err;
}

SYSCALL_DECL(sched_getparam)
{
	int64_t err;
	struct task *x = sched_target(t, a[0], &err);
	if (!a[1])
		return -EINVAL;
	if (!x)
		return err;
	struct sched_param p = { x->tg->sched_priority };
	return mm_copy_to(t->mm, a[1], &p, sizeof(p));
}

SYSCALL_DECL(sched_get_priority_max)
{
	(void)t;
	return priority_bound((int)a[0], true);
}

SYSCALL_DECL(sched_get_priority_min)
{
	(void)t;
	return priority_bound((int)a[0], false);
}

SYSCALL_DECL(sched_rr_get_interval)
{
	int64_t err;
	struct task *x = sched_target(t, a[0], &err);
	if (!x)
		return err;
	/* Linux's RR timeslice is 100 ms; FIFO has none; for the fair
	 * policies Linux reports a load-dependent slice: 0 here. */
	struct timespec ts = { 0, x->tg->sched_policy == SCHED_RR
					  ? 100000000 : 0 };
	return mm_copy_to(t->mm, a[1], &ts, sizeof(ts));
}

/* ---- nice values ------------------------------------------------------ */

/* Whether process g is one getpriority/setpriority(which, who) names. */
static bool prio_match(struct task *t, const struct task *leader, int which,
		       uint32_t who)
{
	const struct thread_group *g = leader->tg;
	switch (which) {
	case PRIO_PROCESS: return g->tgid == (who ? who : t->tg->tgid);
	case PRIO_PGRP: return g->pgid == (who ? who : t->tg->pgid);
	default: return leader->uid == (who ? who : t->uid);
	}
}

static bool live_leader(const struct task *x)
{
	return x->tg->leader == x && !x->tg->zombie;
}

static bool valid_which(uint64_t which)
{
	return which == PRIO_PROCESS || which == PRIO_PGRP ||
	       which == PRIO_USER;
}

SYSCALL_DECL(getpriority)
{
	if (!valid_which(a[0]) || (int32_t)a[1] < 0)
		return -EINVAL;
	int best = 21;
	for (struct task *x = t->kernel->tasks; x; x = x->next)
		if (live_leader(x) && prio_match(t, x, (int)a[0], (uint32_t)a[1]) &&
		    x->tg->nice < best)
			best = x->tg->nice;
	/* The raw call returns 20 - nice, so it is never negative. */
	return best == 21 ? -ESRCH : 20 - best;
}

static int64_t renice(struct task *t, struct task *x, int nice)
{
	bool sys_nice = cred_capable(t, CAP_SYS_NICE);
	if (x->tg != t->tg && !sys_nice && t->euid != x->uid &&
	    t->euid != x->euid)
		return -EPERM;
	if (nice < x->tg->nice && !sys_nice)
		return -EACCES;
	x->tg->nice = nice;
	return 0;
}

SYSCALL_DECL(setpriority)
{
	if (!valid_which(a[0]) || (int32_t)a[1] < 0)
		return -EINVAL;
	int nice = (int32_t)a[2];
	nice = nice < -20 ? -20 : nice > 19 ? 19 : nice;
	int64_t rc = -ESRCH;
	for (struct task *x = t->kernel->tasks; x; x = x->next) {
		if (!live_leader(x) ||
		    !prio_match(t, x, (int)a[0], (uint32_t)a[1]))
			continue;
		int64_t r = renice(t, x, nice);
		if (rc == -ESRCH || r < 0)
			rc = r;
	}
	return rc;
}
