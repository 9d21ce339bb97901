/* Signal syscalls: dispositions, masks, sending, waiting, alternate
 * stacks. (rt_sigreturn is with the frame, in signal_frame.c.) */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "core/cred.h"
#include "core/kernel.h"
#include "core/mm.h"
#include "core/signal.h"
#include "core/syscall.h"
#include "core/task.h"

#define KERNEL_SIGSET_SIZE 8
/* The kernel's own minimum (glibc's MINSIGSTKSZ may be a sysconf call). */
#define KERNEL_MINSIGSTKSZ 2048u

static bool valid_sig(uint64_t sig)
{
	return sig >= 1 && sig <= SIG_COUNT;
}

/* Setting SIG_IGN (or a default that ignores) discards what is pending. */
static void discard_pending(struct thread_group *tg, int sig)
{
	tg->shared_pending.set &= ~sig_bit(sig);
	for (struct task *t = tg->leader->kernel->tasks; t; t = t->next)
		if (t->tg == tg)
			t->sig_pending.set &= ~sig_bit(sig);
}

SYSCALL_DECL(rt_sigaction)
{
	int sig = (int)a[0];
	if (!valid_sig(a[0]) || a[3] != KERNEL_SIGSET_SIZE)
		return -EINVAL;
	struct k_sigaction *cur = &t->tg->actions[sig - 1], act;
	if (a[1] && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	if (a[1] && mm_copy_from(t->mm, &act, a[1], sizeof(act)) < 0)
		return -EFAULT;
	if (a[2] && mm_copy_to(t->mm, a[2], cur, sizeof(*cur)) < 0)
		return -EFAULT;
	if (!a[1])
		return 0;
	act.mask &= ~SIG_UNBLOCKABLE;
	*cur = act;
	if (act.handler == (uint64_t)(uintptr_t)SIG_IGN ||
	    (act.handler == (uint64_t)(uintptr_t)SIG_DFL &&
	     (sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH)))
		discard_pending(t->tg, sig);
	return 0;
}

SYSCALL_DECL(rt_sigprocmask)
{
	if (a[3] != KERNEL_SIGSET_SIZE)
		return -EINVAL;
	uint64_t old = t->sig_blocked, set;
	if (a[1]) {
		if (mm_copy_from(t->mm, &set, a[1], sizeof(set)) < 0)
			return -EFAULT;
		switch (a[0]) {
		case SIG_BLOCK: t->sig_blocked |= set; break;
		case SIG_UNBLOCK: t->sig_blocked &= ~set; break;
		case SIG_SETMASK: t->sig_blocked = set; break;
		default: return -EINVAL;
		}
		t->sig_blocked &= ~SIG_UNBLOCKABLE;
	}
	if (a[2] && mm_copy_to(t->mm, a[2], &old, sizeof(old)) < 0)
		return -EFAULT;
	return 0;
}

SYSCALL_DECL(rt_sigpending)
{
	if (a[1] > KERNEL_SIGSET_SIZE)
		return -EINVAL;
	uint64_t set = (t->sig_pending.set | t->tg->shared_pending.set) &
		       t->sig_blocked;
	return mm_copy_to(t->mm, a[0], &set, a[1]);
}

static struct task *find_task(struct kernel *k, uint64_t tid)
{
	for (struct task *t = k->tasks; t; t = t->next)
		if (t->tid == tid && t->state != TASK_EXITED)
			return t;
	return NULL;
}

static siginfo_t user_info(const struct task *sender, int sig, int code)
{
	siginfo_t info;
	memset(&info, 0, sizeof(info));
	info.si_signo = sig;
	info.si_code = code;
	info.si_pid = (pid_t)sender->tg->tgid;
	info.si_uid = sender->uid;
	return info;
}

/* Whether process x is one kill(pid) names: one process, a process
 * group (0: the caller's), or with -1 every process but pid 1 and the
 * caller. */
static bool kill_target(const struct task *t, const struct task *x,
			int64_t pid)
{
	const struct thread_group *g = x->tg;
	if (g->leader != x)
		return false;
	if (pid > 0)
		return g->tgid == (uint64_t)pid;
	if (pid == 0)
		return g->pgid == t->tg->pgid;
	if (pid == -1)
		return g->tgid != 1 && g != t->tg;
	return g->pgid == (uint64_t)-pid;
}

SYSCALL_DECL(kill)
{
	int64_t pid = (int32_t)a[0];
	int sig = (int)a[1];
	if (a[1] != 0 && !valid_sig(a[1]))
		return -EINVAL;
	if (pid == INT32_MIN)
		return -ESRCH;
	siginfo_t info = user_info(t, sig, SI_USER);
	/* As Linux: success if some target got it, else the last error. */
	bool sent = false;
	int64_t rc = -ESRCH;
	for (struct task *x = t->kernel->tasks; x; x = x->next) {
		if (!kill_target(t, x, pid))
			continue;
		if (x->tg->zombie) {
			/* A zombie still has its pid: nothing to do. */
			sent = sent || pid > 0;
			continue;
		}
		if (!cred_may_signal(t, x, sig)) {
			rc = -EPERM;
			continue;
		}
		sent = true;
		if (sig)
			signal_send(x->tg, NULL, sig, &info);
	}
	return sent ? 0 : rc;
}

static int64_t thread_kill(struct task *t, int64_t tgid, uint64_t tid,
			   uint64_t sig)
{
	if ((sig != 0 && !valid_sig(sig)) || (int64_t)tid <= 0)
		return -EINVAL;
	struct task *target = find_task(t->kernel, tid);
	if (!target || (tgid > 0 && target->tg->tgid != (uint64_t)tgid))
		return -ESRCH;
	if (!cred_may_signal(t, target, (int)sig))
		return -EPERM;
	siginfo_t info = user_info(t, (int)sig, SI_TKILL);
	if (sig)
		signal_send(target->tg, target, (int)sig, &info);
	return 0;
}

SYSCALL_DECL(tgkill)
{
	if ((int64_t)a[0] <= 0)
		return -EINVAL;
	return thread_kill(t, (int64_t)a[0], a[1], a[2]);
}

SYSCALL_DECL(tkill)
{
	return thread_kill(t, -1, a[0], a[1]);
}

/* Sleeps until a signal is deliverable (or a freeze: the call restarts). */
static int64_t wait_for_signal(struct task *t)
{
	while (!signal_pending(t) && !task_must_stop(t))
		pthread_cond_wait(&t->wake, &t->kernel->lock);
	return -ERESTARTNOHAND;
}

SYSCALL_DECL(pause)
{
	(void)a;
	return wait_for_signal(t);
}

SYSCALL_DECL(rt_sigsuspend)
{
	uint64_t mask;
	if (a[1] != KERNEL_SIGSET_SIZE)
		return -EINVAL;
	if (mm_copy_from(t->mm, &mask, a[0], sizeof(mask)) < 0)
		return -EFAULT;
	/* The handler runs with this mask; the old one comes back after it
	 * (signal_deliver), or at once if the call is only restarted. */
	t->sig_saved_mask = t->sig_blocked;
	t->sig_restore_mask = true;
	t->sig_blocked = mask & ~SIG_UNBLOCKABLE;
	return wait_for_signal(t);
}

SYSCALL_DECL(sigaltstack)
{
	stack_t old = t->altstack, ss;
	bool onstack = t->altstack.ss_size &&
		       t->cpu.regs.rsp - (uint64_t)(uintptr_t)t->altstack.ss_sp <=
			       t->altstack.ss_size;
	old.ss_flags = onstack ? SS_ONSTACK
			       : (t->altstack.ss_size ? 0 : SS_DISABLE);
	if (a[0]) {
		if (mm_copy_from(t->mm, &ss, a[0], sizeof(ss)) < 0)
			return -EFAULT;
		if (onstack)
			return -EPERM;
		if (ss.ss_flags != 0 && ss.ss_flags != SS_DISABLE)
			return -EINVAL;
		if (ss.ss_flags == SS_DISABLE)
			ss = (stack_t){ NULL, SS_DISABLE, 0 };
		else if (ss.ss_size < KERNEL_MINSIGSTKSZ)
			return -ENOMEM;
	}
	if (a[1] && mm_copy_to(t->mm, a[1], &old, sizeof(old)) < 0)
		return -EFAULT;
	if (a[0])
		t->altstack = ss;
	return 0;
}
