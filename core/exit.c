/* Leaving: threads and thread groups end, groups become zombies until
 * their parent waits for them, orphans go to the nearest subreaper or
 * pid 1 (process groups they orphan get SIGHUP and SIGCONT when
 * stopped), and when pid 1's group ends the whole sandbox does (as in a
 * pid namespace). */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "core/fdtable.h"
#include "core/file.h"
#include "core/fs/dentry.h"
#include "core/fs/inode.h"
#include "core/fs/lock.h"
#include "core/fs/fs_context.h"
#include "core/futex.h"
#include "core/jobctl.h"
#include "core/kernel.h"
#include "core/proc_timers.h"
#include "core/mm.h"
#include "core/signal.h"
#include "core/task.h"

void task_wake(struct task *t)
{
	task_wake_sleeper(t);
	if (t->ctx && t->state != TASK_EXITED)
		t->kernel->platform_ops->ctx_interrupt(t->ctx);
}

bool task_leaving(const struct task *t)
{
	return t->exit_self || t->tg->exiting;
}

void task_exit_group(struct task *t, int status)
{
	struct thread_group *tg = t->tg;
	if (tg->exiting)
		return;
	tg->exiting = true;
	tg->exit_status = status;
	for (struct task *x = t->kernel->tasks; x; x = x->next)
		if (x->tg == tg && x != t && x->state != TASK_EXITED)
			task_wake(x);
}

void task_exit(struct task *t, int code)
{
	t->exit_self = true;
	t->exit_code = code & 0xff;
}

static struct thread_group *init_group(struct kernel *k)
{
	for (struct task *x = k->tasks; x; x = x->next)
		if (x->tg->tgid == 1)
			return x->tg;
	return NULL;
}

/* siginfo for the parent's SIGCHLD, and whether the parent reaps it. */
static void notify_parent(struct thread_group *tg)
{
	struct thread_group *p = tg->parent;
	if (!p || p->zombie)
		return;
	const struct k_sigaction *ka = &p->actions[SIGCHLD - 1];
	if (ka->handler == (uint64_t)(uintptr_t)SIG_IGN ||
	    (ka->flags & SA_NOCLDWAIT))
		tg->autoreap = true;
	siginfo_t info;
	memset(&info, 0, sizeof(info));
	info.si_signo = tg->exit_signal ? tg->exit_signal : SIGCHLD;
	bool killed = (tg->exit_status & 0x7f) != 0;
	info.si_code = killed ? CLD_KILLED : CLD_EXITED;
	info.si_pid = (pid_t)tg->tgid;
	info.si_uid = tg->leader->uid;
	info.si_status = killed ? tg->exit_status & 0x7f
				: (tg->exit_status >> 8) & 0xff;
	if (tg->exit_signal)
		signal_send(p, NULL, info.si_signo, &info);
	/* A parent sleeping in wait4 looks again. */
	for (struct task *x = tg->leader->kernel->tasks; x; x = x->next)
		if (x->tg == p && x->state != TASK_EXITED)
			pthread_cond_broadcast(&x->wake);
}

/* The group's children get pid 1 as their parent; zombies among them
 * are reported to it. When pid 1 itself ends, everyone else is killed. */
/* Linux's find_new_reaper: the nearest live ancestor that asked to be
 * a subreaper (PR_SET_CHILD_SUBREAPER), else pid 1. */
static struct thread_group *new_reaper(struct kernel *k,
				       struct thread_group *tg)
{
	for (struct thread_group *p = tg->parent; p; p = p->parent)
		if (p->subreaper && !p->exiting && !p->zombie)
			return p;
	return init_group(k);
}

/* PR_SET_PDEATHSIG: the signal a child asked for when its parent ends,
 * sent as the exiting parent's (SEND_SIG_NOINFO). */
static void send_pdeathsig(struct thread_group *child,
			   const struct thread_group *tg)
{
	if (!child->pdeathsig || child->zombie)
		return;
	siginfo_t info;
	memset(&info, 0, sizeof(info));
	info.si_signo = child->pdeathsig;
	info.si_code = SI_USER;
	info.si_pid = (pid_t)tg->tgid;
	info.si_uid = tg->leader->uid;
	signal_send(child, NULL, child->pdeathsig, &info);
}

static void reparent_children(struct kernel *k, struct thread_group *tg)
{
	struct thread_group *reaper = new_reaper(k, tg);
	for (struct task *x = k->tasks; x; x = x->next) {
		if (x->tg->parent != tg || x->tg->leader != x)
			continue;
		if (tg->tgid == 1) {
			x->tg->parent = NULL;
			task_exit_group(x, SIGKILL);
			continue;
		}
		x->tg->parent = reaper;
		send_pdeathsig(x->tg, tg);
		if (x->tg->zombie)
			notify_parent(x->tg);
	}
}

static void group_finish(struct task *t)
{
	struct kernel *k = t->kernel;
	struct thread_group *tg = t->tg;
	if (!tg->exiting) {
		/* The last thread's exit(2) code is the group's. */
		tg->exiting = true;
		tg->exit_status = t->exit_code << 8;
	}
	if (tg->tgid == 1) {
		k->exit_status = tg->exit_status;
		k->exited = true;
	}
	jobctl_exit_orphans(k, tg);
	reparent_children(k, tg);
	ktimer_proc_exit(tg);
	tg->zombie = true;
	notify_parent(tg);
}

/* CLONE_CHILD_CLEARTID: pthread_join waits on this word (futex). Only
 * while someone else still uses the memory, as in Linux. */
static void clear_child_tid(struct task *t)
{
	if (!t->clear_child_tid || !t->mm || t->mm->users < 2)
		return;
	uint32_t zero = 0;
	if (mm_copy_to(t->mm, t->clear_child_tid, &zero, sizeof(zero)) == 0)
		futex_wake_address(t, t->clear_child_tid, 1);
}

/* The threads of t's group that still run. */
static void wake_group(struct task *t)
{
	for (struct task *x = t->kernel->tasks; x; x = x->next)
		if (x->tg == t->tg && x->state != TASK_EXITED)
			pthread_cond_broadcast(&x->wake);
}

/* The last thread of a process closes its files: its POSIX record
 * locks go, as they would with close(2). */
static void release_posix_locks(struct task *t)
{
	struct fdtable *ft = t->files;
	for (uint32_t fd = 0; ft && fd < ft->nfds; fd++) {
		struct file *f = fdtable_get(ft, (int)fd);
		if (f && f->dentry && f->dentry->inode &&
		    f->dentry->inode->locks)
			lock_posix_release(f->dentry->inode, t->tg->tgid);
	}
}

void task_leave(struct task *t)
{
	struct kernel *k = t->kernel;
	futex_exit_robust_list(t);
	clear_child_tid(t);
	t->state = TASK_EXITED;
	cputime_task_exit(t);
	mm_put(t->mm);
	t->mm = NULL;
	if (t->tg->nthreads == 1)
		release_posix_locks(t);
	fdtable_put(t->files);
	t->files = NULL;
	fs_context_put(t->fs);
	t->fs = NULL;
	if (--t->tg->nthreads == 0)
		group_finish(t);
	else if (t->tg->nthreads == 1)
		wake_group(t);  /* an exec waits for this (exec.c) */
	/* A vfork parent waiting for this child goes on. */
	for (struct task *x = k->tasks; x; x = x->next)
		if (x->vfork_child == t->tid)
			pthread_cond_broadcast(&x->wake);
	if (--k->live_tasks == 0)
		pthread_cond_broadcast(&k->exit_cond);
}
