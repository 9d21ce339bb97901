#include "core/signal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/jobctl.h"
#include "core/kernel.h"
#include "core/syscall.h"
#include "core/task.h"

enum default_action { ACT_TERM, ACT_CORE, ACT_IGNORE, ACT_STOP, ACT_CONT };

/* signal(7)'s table of default actions. */
static enum default_action default_action(int sig)
{
	switch (sig) {
	case SIGCHLD: case SIGURG: case SIGWINCH:
		return ACT_IGNORE;
	case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
		return ACT_STOP;
	case SIGCONT:
		return ACT_CONT;
	case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS:
	case SIGFPE: case SIGSEGV: case SIGXCPU: case SIGXFSZ: case SIGSYS:
		return ACT_CORE;
	default:
		return ACT_TERM;
	}
}

static bool is_ignored(const struct thread_group *tg, int sig)
{
	uint64_t h = tg->actions[sig - 1].handler;
	return h == (uint64_t)(uintptr_t)SIG_IGN ||
	       (h == (uint64_t)(uintptr_t)SIG_DFL &&
		default_action(sig) == ACT_IGNORE);
}

void signal_reset_actions(struct thread_group *tg)
{
	memset(tg->actions, 0, sizeof(tg->actions));
}

static void pending_add(struct sigpending *p, int sig, const siginfo_t *info)
{
	if (p->set & sig_bit(sig))
		return;  /* a standard signal is pending at most once */
	p->set |= sig_bit(sig);
	p->info[sig - 1] = *info;
}

/* A task of the group that does not block sig, to run its delivery. */
static struct task *pick_receiver(struct thread_group *tg, int sig)
{
	for (struct task *t = tg->leader->kernel->tasks; t; t = t->next)
		if (t->tg == tg && t->state != TASK_EXITED &&
		    !(t->sig_blocked & sig_bit(sig)))
			return t;
	return NULL;
}

void signal_send(struct thread_group *tg, struct task *task, int sig,
		 const siginfo_t *info)
{
	if (sig < 1 || sig > SIG_COUNT || tg->exiting)
		return;
	jobctl_prepare_signal(tg, sig);
	/* Ignored signals are dropped at once, as in Linux (unless blocked:
	 * a handler may be installed before they are unblocked). */
	struct task *some = task ? task : tg->leader;
	if (is_ignored(tg, sig) && !(some->sig_blocked & sig_bit(sig)))
		return;
	if (task)
		pending_add(&task->sig_pending, sig, info);
	else
		pending_add(&tg->shared_pending, sig, info);
	struct task *r = task ? task : pick_receiver(tg, sig);
	if (r && !(r->sig_blocked & sig_bit(sig)))
		task_wake(r);
	waitq_notify(&tg->signalfd_wq, POLLIN);
}

void signal_force_fault(struct task *t, int sig, int code, uint64_t addr)
{
	struct k_sigaction *ka = &t->tg->actions[sig - 1];
	/* Blocked or ignored, a fault would only repeat for ever: Linux
	 * unblocks it and takes the default action. */
	if ((t->sig_blocked & sig_bit(sig)) ||
	    ka->handler == (uint64_t)(uintptr_t)SIG_IGN) {
		t->sig_blocked &= ~sig_bit(sig);
		ka->handler = (uint64_t)(uintptr_t)SIG_DFL;
	}
	siginfo_t info;
	memset(&info, 0, sizeof(info));
	info.si_signo = sig;
	info.si_code = code;
	info.si_addr = (void *)(uintptr_t)addr;
	pending_add(&t->sig_pending, sig, &info);
}

static uint64_t deliverable(const struct task *t)
{
	return (t->sig_pending.set | t->tg->shared_pending.set) &
	       ~t->sig_blocked;
}

bool signal_pending(const struct task *t)
{
	return deliverable(t) != 0;
}

/* Takes the lowest-numbered deliverable signal: the synchronous ones
 * (SIGSEGV, SIGBUS, ...) are low, so they go first, as in Linux. */
static int dequeue(struct task *t, siginfo_t *info)
{
	return signal_dequeue(t, ~t->sig_blocked, info);
}

int signal_dequeue(struct task *t, uint64_t mask, siginfo_t *info)
{
	uint64_t set = (t->sig_pending.set | t->tg->shared_pending.set) & mask;
	if (!set)
		return 0;
	int sig = __builtin_ctzll(set) + 1;
	struct sigpending *p = (t->sig_pending.set & sig_bit(sig))
				       ? &t->sig_pending
				       : &t->tg->shared_pending;
	p->set &= ~sig_bit(sig);
	*info = p->info[sig - 1];
	return sig;
}

/* What an interrupted syscall does when a handler runs (Linux's
 * handle_signal): restart it, or make it fail with EINTR. The task was
 * already backed onto its syscall instruction by the dispatcher. */
static void fix_syscall_restart(struct task *t, const struct k_sigaction *ka)
{
	int64_t code = t->syscall_restart;
	t->syscall_restart = 0;
	if (!code)
		return;
	bool restart = code == -ERESTARTNOINTR ||
		       (code == -ERESTARTSYS && (ka->flags & SA_RESTART));
	if (restart)
		return;
	t->cpu.regs.rip += 2;
	t->cpu.regs.rax = (uint64_t)-EINTR;
}

/* Runs a handler for sig, or its default action. Returns false when the
 * task's group is now exiting. */
static bool deliver_one(struct task *t, int sig, const siginfo_t *info)
{
	struct k_sigaction ka = t->tg->actions[sig - 1];
	if (ka.handler == (uint64_t)(uintptr_t)SIG_IGN)
		return true;
	if (ka.handler == (uint64_t)(uintptr_t)SIG_DFL) {
		switch (default_action(sig)) {
		case ACT_IGNORE: case ACT_CONT:
			return true;
		case ACT_STOP:
			jobctl_stop(t, sig);
			return true;
		case ACT_TERM: case ACT_CORE:
			/* No core file is written (RLIMIT_CORE is 0), so the
			 * core-dump bit stays clear, as on Linux. */
			task_exit_group(t, sig);
			return false;
		}
	}
	fix_syscall_restart(t, &ka);
	uint64_t old = t->sig_restore_mask ? t->sig_saved_mask : t->sig_blocked;
	t->sig_restore_mask = false;
	if (signal_frame_push(t, sig, info, &ka, old) < 0) {
		/* No room for the frame: Linux kills with SIGSEGV. */
		task_exit_group(t, SIGSEGV);
		return false;
	}
	t->sig_blocked |= ka.mask;
	if (!(ka.flags & SA_NODEFER))
		t->sig_blocked |= sig_bit(sig);
	t->sig_blocked &= ~SIG_UNBLOCKABLE;
	if (ka.flags & SA_RESETHAND)
		t->tg->actions[sig - 1].handler = (uint64_t)(uintptr_t)SIG_DFL;
	return true;
}

void signal_deliver(struct task *t)
{
	siginfo_t info;
	int sig;
	/* A stop ends delivery: the rest waits until the group goes on. */
	while (!t->tg->exiting && !t->tg->stopped &&
	       (sig = dequeue(t, &info)) != 0)
		if (!deliver_one(t, sig, &info))
			return;
	/* Nothing ran a handler: an interrupted syscall simply restarts,
	 * and sigsuspend's temporary mask comes off. t->syscall_restart
	 * stays until the task enters its next syscall: until then it has
	 * not run again, and a signal that comes first -- while it waits to
	 * be switched in, after a freeze, after a restore -- must find the
	 * syscall interrupted and make it fail with EINTR rather than
	 * restart, as on Linux, where the freeze never happened. */
	if (t->sig_restore_mask) {
		t->sig_blocked = t->sig_saved_mask;
		t->sig_restore_mask = false;
	}
}

/* ---- serialization helpers -------------------------------------------- */

void signal_save_pending(struct encoder *enc, const struct sigpending *p)
{
	enc_u64(enc, p->set);
	for (int i = 0; i < SIG_COUNT; i++)
		if (p->set & (1ull << i))
			enc_blob(enc, &p->info[i], sizeof(p->info[i]));
}

void signal_load_pending(struct decoder *dec, struct sigpending *p)
{
	p->set = dec_u64(dec);
	for (int i = 0; i < SIG_COUNT && dec_ok(dec); i++)
		if (p->set & (1ull << i))
			dec_blob(dec, &p->info[i], sizeof(p->info[i]));
}

void signal_save_actions(struct encoder *enc, const struct k_sigaction *a)
{
	for (int i = 0; i < SIG_COUNT; i++) {
		enc_u64(enc, a[i].handler);
		enc_u64(enc, a[i].flags);
		enc_u64(enc, a[i].restorer);
		enc_u64(enc, a[i].mask);
	}
}

void signal_load_actions(struct decoder *dec, struct k_sigaction *a)
{
	for (int i = 0; i < SIG_COUNT; i++) {
		a[i].handler = dec_u64(dec);
		a[i].flags = dec_u64(dec);
		a[i].restorer = dec_u64(dec);
		a[i].mask = dec_u64(dec);
	}
}
