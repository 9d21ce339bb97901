/* Waiting for signals synchronously (rt_sigtimedwait) and queueing them
 * with data (rt_sigqueueinfo, rt_tgsigqueueinfo). */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "core/cred.h"
#include "core/jobctl.h"
#include "core/kernel.h"
#include "core/mm.h"
#include "core/signal.h"
#include "core/syscall.h"
#include "core/syscalls_proc.h"
#include "core/task.h"
#include "core/waitq.h"

#define KERNEL_SIGSET_SIZE 8
#define NSEC_PER_SEC 1000000000ll

/* The deadline of a relative timeout, or -1 for none (NULL). */
static int64_t timeout_deadline(struct task *t, uint64_t uts, int64_t *out)
{
	*out = -1;
	if (!uts)
		return 0;
	struct timespec ts;
	if (mm_copy_from(t->mm, &ts, uts, sizeof(ts)) < 0)
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NSEC_PER_SEC)
		return -EINVAL;
	*out = kernel_monotonic_ns(t->kernel) + ts.tv_sec * NSEC_PER_SEC +
	       ts.tv_nsec;
	return 0;
}

/* Sleeps with the awaited signals unblocked, so that their arrival
 * wakes the task, until one is pending, another must be handled, a
 * freeze, or the deadline. Returns task_block's answer. */
static int wait_unblocked(struct task *t, uint64_t set, int64_t deadline)
{
	uint64_t blocked = t->sig_blocked;
	t->sig_blocked &= ~set;
	int rc = task_block(t, deadline, NULL, 0);
	t->sig_blocked = blocked;
	return rc;
}

/* Waits for a signal of set until deadline (< 0: none). Stopped early
 * with a deadline, the wait goes on through restart_syscall to the same
 * deadline (as Linux's restart_block would have it; restarting the call
 * with its relative timeout would never time out under frequent
 * checkpoints); a handler running first makes it EINTR. */
static int64_t timed_wait(struct task *t, uint64_t set, uint64_t info_addr,
			  int64_t deadline)
{
	siginfo_t info;
	int sig, r = 0;
	while (!(sig = signal_dequeue(t, set, &info))) {
		if (r == -ETIMEDOUT)
			return -EAGAIN;
		if (r < 0 && deadline < 0)
			return -ERESTARTNOHAND;
		if (r < 0) {
			t->restart = (struct restart_block){
				.kind = RESTART_SIGTIMEDWAIT,
				.deadline_ns = deadline,
				.rem = info_addr,
			};
			t->restart_arg = set;
			return -ERESTART_RESTARTBLOCK;
		}
		r = wait_unblocked(t, set, deadline);
	}
	if (info_addr && mm_copy_to(t->mm, info_addr, &info, sizeof(info)) < 0)
		return -EFAULT;
	return sig;
}

SYSCALL_DECL(rt_sigtimedwait)
{
	uint64_t set;
	if (a[3] != KERNEL_SIGSET_SIZE)
		return -EINVAL;
	if (mm_copy_from(t->mm, &set, a[0], sizeof(set)) < 0)
		return -EFAULT;
	int64_t deadline;
	int64_t rc = timeout_deadline(t, a[2], &deadline);
	if (rc < 0)
		return rc;
	return timed_wait(t, set & ~SIG_UNBLOCKABLE, a[1], deadline);
}

int64_t sigtimedwait_restart(struct task *t, const struct restart_block *rb)
{
	return timed_wait(t, t->restart_arg & ~SIG_UNBLOCKABLE, rb->rem,
			  rb->deadline_ns);
}

/* Not even root may pretend a signal came from the kernel or from
 * kill/tgkill, except to itself. */
static int64_t read_queued_info(struct task *t, uint64_t addr, int sig,
				uint32_t target_pid, siginfo_t *info)
{
	if (mm_copy_from(t->mm, info, addr, sizeof(*info)) < 0)
		return -EFAULT;
	if ((info->si_code >= 0 || info->si_code == SI_TKILL) &&
	    target_pid != t->tid)
		return -EPERM;
	info->si_signo = sig;
	return 0;
}

SYSCALL_DECL(rt_sigqueueinfo)
{
	int64_t pid = (int32_t)a[0];
	int sig = (int)a[1];
	if (a[1] > SIG_COUNT)
		return -EINVAL;
	siginfo_t info;
	int64_t rc = read_queued_info(t, a[2], sig, (uint32_t)pid, &info);
	if (rc < 0)
		return rc;
	struct thread_group *g =
		pid > 0 ? jobctl_find_group(t->kernel, (uint32_t)pid) : NULL;
	if (!g)
		return -ESRCH;
	if (!cred_may_signal(t, g->leader, sig))
		return -EPERM;
	if (sig)
		signal_send(g, NULL, sig, &info);
	return 0;
}

SYSCALL_DECL(rt_tgsigqueueinfo)
{
	int64_t tgid = (int32_t)a[0], tid = (int32_t)a[1];
	int sig = (int)a[2];
	if (tgid <= 0 || tid <= 0 || a[2] > SIG_COUNT)
		return -EINVAL;
	siginfo_t info;
	int64_t rc = read_queued_info(t, a[3], sig, (uint32_t)tid, &info);
	if (rc < 0)
		return rc;
	struct task *x = NULL;
	for (struct task *y = t->kernel->tasks; y; y = y->next)
		if (y->tid == (uint32_t)tid && y->state != TASK_EXITED)
			x = y;
	if (!x || x->tg->tgid != (uint32_t)tgid)
		return -ESRCH;
	if (!cred_may_signal(t, x, sig))
		return -EPERM;
	if (sig)
		signal_send(x->tg, x, sig, &info);
	return 0;
}
