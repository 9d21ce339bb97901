/* Process groups and sessions: setpgid, getpgid, getpgrp, setsid,
 * getsid, with Linux's rules (kernel/sys.c). */
#include <errno.h>

#include "core/jobctl.h"
#include "core/kernel.h"
#include "core/syscall.h"
#include "core/syscalls_proc.h"
#include "core/task.h"

/* The task with this tid whose pid is still in use: a live thread, or a
 * group leader until its group is reaped. */
static struct task *find_pid(struct kernel *k, uint32_t tid)
{
	for (struct task *x = k->tasks; x; x = x->next)
		if (x->tid == tid &&
		    (x->state != TASK_EXITED || x == x->tg->leader))
			return x;
	return NULL;
}

SYSCALL_DECL(setpgid)
{
	struct thread_group *me = t->tg;
	int64_t pid = (int32_t)a[0], pgid = (int32_t)a[1];
	if (pid == 0)
		pid = me->tgid;
	if (pgid == 0)
		pgid = pid;
	if (pgid < 0 || pid < 0)
		return pgid < 0 ? -EINVAL : -ESRCH;
	struct task *x = find_pid(t->kernel, (uint32_t)pid);
	if (!x)
		return -ESRCH;
	struct thread_group *g = x->tg;
	if (x != g->leader)
		return -EINVAL;
	if (g->parent == me) {
		if (g->sid != me->sid)
			return -EPERM;
		if (g->did_exec)
			return -EACCES;
	} else if (g != me) {
		return -ESRCH;
	}
	if (g->sid == g->tgid)
		return -EPERM;  /* a session leader stays in its group */
	if (pgid != pid) {
		struct thread_group *m =
			jobctl_pgrp_member(t->kernel, (uint32_t)pgid);
		if (!m || m->sid != me->sid)
			return -EPERM;
	}
	g->pgid = (uint32_t)pgid;
	return 0;
}

/* getpgid and getsid: pid 0 is the caller. */
static struct thread_group *target_group(struct task *t, uint64_t arg)
{
	int64_t pid = (int32_t)arg;
	if (pid == 0)
		return t->tg;
	struct task *x = pid > 0 ? find_pid(t->kernel, (uint32_t)pid) : NULL;
	return x ? x->tg : NULL;
}

SYSCALL_DECL(getpgid)
{
	struct thread_group *g = target_group(t, a[0]);
	return g ? (int64_t)g->pgid : -ESRCH;
}

SYSCALL_DECL(getpgrp)
{
	(void)a;
	return t->tg->pgid;
}

SYSCALL_DECL(getsid)
{
	struct thread_group *g = target_group(t, a[0]);
	return g ? (int64_t)g->sid : -ESRCH;
}

SYSCALL_DECL(setsid)
{
	(void)a;
	struct thread_group *me = t->tg;
	/* Fails for a process-group leader, or when some group already has
	 * the caller's pid as its id. */
	if (jobctl_pgrp_member(t->kernel, me->tgid))
		return -EPERM;
	me->sid = me->pgid = me->tgid;
	me->ctty = false;
	me->tty_pgrp = 0;
	return me->sid;
}
