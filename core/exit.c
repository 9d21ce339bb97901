/* Leaving: threads and thread groups end, groups become zombies until
 * their parent waits for them, orphans go to pid 1, and when pid 1's
 * group ends the whole sandbox does (as in a pid namespace). */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "core/fdtable.h"
#include "core/fs/fs_context.h"
#include "core/futex.h"
#include "core/kernel.h"
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
static void reparent_children(struct kernel *k, struct thread_group *tg)
{
	struct thread_group *init = init_group(k);
	for (struct task *x = k->tasks; x; x = x->next) {
		if (x->tg->parent != tg || x->tg->leader != x)
			continue;
		if (tg->tgid == 1) {
			x->tg->parent = NULL;
			task_exit_group(x, SIGKILL);
			continue;
		}
		x->tg->parent = init;
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
	reparent_children(k, tg);
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

void task_leave(struct task *t)
{
	struct kernel *k = t->kernel;
	clear_child_tid(t);
	t->state = TASK_EXITED;
	mm_put(t->mm);
	t->mm = NULL;
	fdtable_put(t->files);
	t->files = NULL;
	fs_context_put(t->fs);
	t->fs = NULL;
	if (--t->tg->nthreads == 0)
		group_finish(t);
	/* A vfork parent waiting for this child goes on. */
	for (struct task *x = k->tasks; x; x = x->next)
		if (x->vfork_child == t->tid)
			pthread_cond_broadcast(&x->wake);
	if (--k->live_tasks == 0)
		pthread_cond_broadcast(&k->exit_cond);
}
