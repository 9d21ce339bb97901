#include "core/jobctl.h"

#include <signal.h>
#include <string.h>

#include "core/kernel.h"
#include "core/signal.h"
#include "core/task.h"

#define STOP_SIGNALS                                                      \
	(sig_bit(SIGSTOP) | sig_bit(SIGTSTP) | sig_bit(SIGTTIN) |          \
	 sig_bit(SIGTTOU))

void jobctl_fork_group(struct thread_group *tg,
		       const struct thread_group *parent)
{
	tg->pgid = parent->pgid;
	tg->sid = parent->sid;
	tg->dumpable = parent->dumpable;
	tg->nice = parent->nice;
	tg->sched_policy = parent->sched_policy;
	tg->sched_priority = parent->sched_priority;
	/* Not inherited: exec state, stop state, pdeathsig, subreaper. */
}

static bool is_group(const struct task *x)
{
	return x->tg->leader == x;
}

struct thread_group *jobctl_find_group(struct kernel *k, uint32_t tgid)
{
	for (struct task *x = k->tasks; x; x = x->next)
		if (is_group(x) && x->tg->tgid == tgid && !x->tg->zombie)
			return x->tg;
	return NULL;
}

struct thread_group *jobctl_pgrp_member(struct kernel *k, uint32_t pgid)
{
	for (struct task *x = k->tasks; x; x = x->next)
		if (is_group(x) && x->tg->pgid == pgid)
			return x->tg;
	return NULL;
}

bool jobctl_pgrp_orphaned(struct kernel *k, uint32_t pgid)
{
	for (struct task *x = k->tasks; x; x = x->next) {
		const struct thread_group *g = x->tg, *p = g->parent;
		if (!is_group(x) || g->pgid != pgid || g->zombie || g->exiting)
			continue;
		/* pid 1's parent is outside the sandbox: like a parent in
		 * another session. */
		if (p && !p->exiting && !p->zombie && p->pgid != pgid &&
		    p->sid == g->sid)
			return false;
	}
	return true;
}

static void wake_group(struct thread_group *tg)
{
	for (struct task *x = tg->leader->kernel->tasks; x; x = x->next)
		if (x->tg == tg && x->state != TASK_EXITED)
			task_wake(x);
}

void jobctl_wake_parent(struct thread_group *tg)
{
	struct thread_group *p = tg->parent;
	if (!p)
		return;
	for (struct task *x = tg->leader->kernel->tasks; x; x = x->next)
		if (x->tg == p && x->state != TASK_EXITED)
			task_wake_sleeper(x);
}

/* Linux's do_notify_parent_cldstop: SIGCHLD unless the parent ignores
 * it or asked for SA_NOCLDSTOP; wait(2) sleepers look again anyway. */
static void notify_parent(struct thread_group *tg, int why)
{
	struct thread_group *p = tg->parent;
	if (!p || p->zombie || p->exiting)
		return;
	const struct k_sigaction *ka = &p->actions[SIGCHLD - 1];
	if (ka->handler != (uint64_t)(uintptr_t)SIG_IGN &&
	    !(ka->flags & SA_NOCLDSTOP)) {
		siginfo_t info;
		memset(&info, 0, sizeof(info));
		info.si_signo = SIGCHLD;
		info.si_code = why;
		info.si_pid = (pid_t)tg->tgid;
		info.si_uid = tg->leader->uid;
		info.si_status = why == CLD_CONTINUED ? SIGCONT : tg->stop_sig;
		signal_send(p, NULL, SIGCHLD, &info);
	}
	jobctl_wake_parent(tg);
}

void jobctl_stop(struct task *t, int sig)
{
	struct thread_group *tg = t->tg;
	/* Terminal stops of an orphaned group would never be continued by
	 * a shell: Linux discards them. */
	if (sig != SIGSTOP && jobctl_pgrp_orphaned(t->kernel, tg->pgid))
		return;
	if (tg->stopped || tg->exiting)
		return;
	tg->stopped = true;
	tg->stop_sig = sig;
	tg->wait_report = 0;
	/* The parent hears of it once every thread has stopped. */
	tg->stop_notify = true;
	wake_group(tg);
}

/* The last thread to stop completes the group stop, as in Linux. */
static void maybe_notify_stop(struct thread_group *tg)
{
	if (!tg->stop_notify || tg->stop_waiters < tg->nthreads)
		return;
	tg->stop_notify = false;
	tg->wait_report = JOBCTL_REPORT_STOPPED;
	notify_parent(tg, CLD_STOPPED);
}

static bool pgrp_has_stopped(struct kernel *k, uint32_t pgid)
{
	for (struct task *x = k->tasks; x; x = x->next)
		if (is_group(x) && x->tg->pgid == pgid && x->tg->stopped &&
		    !x->tg->exiting)
			return true;
	return false;
}

static void hangup_pgrp(struct kernel *k, uint32_t pgid)
{
	if (!pgrp_has_stopped(k, pgid) || !jobctl_pgrp_orphaned(k, pgid))
		return;
	siginfo_t info;
	memset(&info, 0, sizeof(info));
	info.si_code = SI_KERNEL;
	for (int i = 0; i < 2; i++) {
		int sig = i == 0 ? SIGHUP : SIGCONT;
		info.si_signo = sig;
		for (struct task *x = k->tasks; x; x = x->next)
			if (is_group(x) && x->tg->pgid == pgid && !x->tg->zombie)
				signal_send(x->tg, NULL, sig, &info);
	}
}

void jobctl_exit_orphans(struct kernel *k, struct thread_group *tg)
{
	const struct thread_group *p = tg->parent;
	if (p && p->pgid != tg->pgid && p->sid == tg->sid)
		hangup_pgrp(k, tg->pgid);
	for (struct task *x = k->tasks; x; x = x->next) {
		const struct thread_group *c = x->tg;
		if (is_group(x) && c->parent == tg && c->pgid != tg->pgid &&
		    c->sid == tg->sid)
			hangup_pgrp(k, c->pgid);
	}
}

static void discard(struct thread_group *tg, uint64_t mask)
{
	tg->shared_pending.set &= ~mask;
	for (struct task *x = tg->leader->kernel->tasks; x; x = x->next)
		if (x->tg == tg)
			x->sig_pending.set &= ~mask;
}

void jobctl_prepare_signal(struct thread_group *tg, int sig)
{
	if (tg->zombie)
		return;
	if (sig_bit(sig) & STOP_SIGNALS) {
		discard(tg, sig_bit(SIGCONT));
		return;
	}
	if (sig != SIGCONT)
		return;
	discard(tg, STOP_SIGNALS);
	if (!tg->stopped)
		return;
	tg->stopped = false;
	wake_group(tg);
	if (tg->stop_notify) {
		/* Continued before the stop completed: nothing to report. */
		tg->stop_notify = false;
		return;
	}
	tg->wait_report = JOBCTL_REPORT_CONTINUED;
	notify_parent(tg, CLD_CONTINUED);
}

static bool kill_pending(const struct task *t)
{
	return ((t->sig_pending.set | t->tg->shared_pending.set) &
		sig_bit(SIGKILL)) != 0;
}

bool jobctl_stopped_wait(struct task *t)
{
	struct kernel *k = t->kernel;
	struct thread_group *tg = t->tg;
	if (!tg->stopped)
		return false;
	tg->stop_waiters++;
	maybe_notify_stop(tg);
	while (tg->stopped && !tg->exiting && !k->freezing &&
	       !k->detaching && !kill_pending(t))
		pthread_cond_wait(&t->wake, &k->lock);
	tg->stop_waiters--;
	/* SIGKILL ends a stopped group at once, as in Linux. What else
	 * arrived meanwhile is delivered when task_run goes round again,
	 * before the task returns to application code. */
	if (kill_pending(t) && !tg->exiting)
		task_exit_group(t, SIGKILL);
	return true;
}

/* ---- serialization ---------------------------------------------------- */

void jobctl_save_group(struct encoder *enc, const struct thread_group *tg)
{
	enc_u32(enc, tg->pgid);
	enc_u32(enc, tg->sid);
	enc_bool(enc, tg->did_exec);
	enc_bool(enc, tg->stopped);
	enc_bool(enc, tg->stop_notify);
	enc_u64(enc, (uint64_t)tg->stop_sig);
	enc_u64(enc, (uint64_t)tg->wait_report);
	enc_bool(enc, tg->subreaper);
	enc_u64(enc, (uint64_t)tg->pdeathsig);
	enc_bool(enc, tg->dumpable);
	enc_i32(enc, tg->nice);
	enc_i32(enc, tg->sched_policy);
	enc_i32(enc, tg->sched_priority);
	enc_bool(enc, tg->ctty);
	enc_u32(enc, tg->tty_pgrp);
}

void jobctl_load_group(struct decoder *dec, struct thread_group *tg)
{
	if (dec_version(dec) < 2) {
		/* Before version 2 every process was in pid 1's group. */
		tg->pgid = tg->sid = 1;
		tg->dumpable = true;
		tg->ctty = tg->tgid == 1;
		tg->tty_pgrp = tg->ctty ? 1 : 0;
		return;
	}
	tg->pgid = dec_u32(dec);
	tg->sid = dec_u32(dec);
	tg->did_exec = dec_bool(dec);
	tg->stopped = dec_bool(dec);
	tg->stop_notify = dec_bool(dec);
	tg->stop_sig = (int)dec_u64_range(dec, 0, SIG_COUNT, "stop signal");
	tg->wait_report = (int)dec_u64_range(
		dec, 0, JOBCTL_REPORT_STOPPED | JOBCTL_REPORT_CONTINUED,
		"wait report");
	tg->subreaper = dec_bool(dec);
	tg->pdeathsig = (int)dec_u64_range(dec, 0, SIG_COUNT, "pdeathsig");
	tg->dumpable = dec_bool(dec);
	tg->nice = dec_i32(dec);
	tg->sched_policy = dec_i32(dec);
	tg->sched_priority = dec_i32(dec);
	tg->ctty = dec_bool(dec);
	tg->tty_pgrp = dec_u32(dec);
	if (dec_ok(dec) && (tg->nice < -20 || tg->nice > 19 ||
			    tg->sched_priority < 0 || tg->sched_priority > 99))
		dec_fail(dec, "thread group scheduling state out of range");
}
