/* wait4(2) and waitid(2): reaping zombie children. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "core/kernel.h"
#include "core/mm.h"
#include "core/syscall.h"
#include "core/task.h"

#define WAIT_OPTIONS (WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | \
		      __WCLONE | __WALL)

/* pid as wait4 takes it: > 0 one child, -1 any; 0 and < -1 name process
 * groups, which come with job control -- until then they mean any. */
static bool matches(const struct thread_group *child, int64_t pid)
{
	return pid <= 0 || child->tgid == (uint64_t)pid;
}

/* A waitable child (a zombie if there is one), or NULL; *any says
 * whether the caller has a matching child at all. */
static struct thread_group *find_child(struct task *t, int64_t pid, bool *any)
{
	*any = false;
	for (struct task *x = t->kernel->tasks; x; x = x->next) {
		struct thread_group *c = x->tg;
		if (x != c->leader || c->parent != t->tg || c->autoreap ||
		    !matches(c, pid))
			continue;
		*any = true;
		if (c->zombie)
			return c;
	}
	return NULL;
}

/* Waits for a matching zombie; returns it, 0 (WNOHANG, none yet) or
 * -errno. */
static int64_t wait_zombie(struct task *t, int64_t pid, int options,
			   struct thread_group **out)
{
	for (;;) {
		bool any;
		*out = find_child(t, pid, &any);
		if (*out)
			return 1;
		if (!any)
			return -ECHILD;
		if (options & WNOHANG)
			return 0;
		if (task_must_stop(t))
			return -ERESTARTSYS;
		pthread_cond_wait(&t->wake, &t->kernel->lock);
	}
}

SYSCALL_DECL(wait4)
{
	int64_t pid = (int32_t)a[0];
	int options = (int)a[2];
	if (options & ~WAIT_OPTIONS)
		return -EINVAL;
	struct thread_group *z;
	int64_t rc = wait_zombie(t, pid, options, &z);
	if (rc <= 0)
		return rc;
	int status = z->exit_status;
	uint32_t tgid = z->tgid;
	if (a[1] && mm_copy_to(t->mm, a[1], &status, sizeof(status)) < 0)
		return -EFAULT;
	if (a[3]) {
		struct rusage ru;
		memset(&ru, 0, sizeof(ru));
		if (mm_copy_to(t->mm, a[3], &ru, sizeof(ru)) < 0)
			return -EFAULT;
	}
	task_reap_group(t->kernel, z);
	return tgid;
}

SYSCALL_DECL(waitid)
{
	int idtype = (int)a[0], options = (int)a[3];
	if (!(options & (WEXITED | WSTOPPED | WCONTINUED)) ||
	    (options & ~(WEXITED | WSTOPPED | WCONTINUED | WNOHANG | WNOWAIT |
			 __WNOTHREAD | __WCLONE | __WALL)))
		return -EINVAL;
	int64_t pid = idtype == P_PID ? (int64_t)(int32_t)a[1] : -1;
	if (idtype != P_PID && idtype != P_ALL && idtype != P_PGID)
		return -EINVAL;
	struct thread_group *z;
	int64_t rc = wait_zombie(t, pid, options, &z);
	siginfo_t info;
	memset(&info, 0, sizeof(info));
	if (rc == 1) {
		bool killed = (z->exit_status & 0x7f) != 0;
		info.si_signo = SIGCHLD;
		info.si_code = killed ? CLD_KILLED : CLD_EXITED;
		info.si_pid = (pid_t)z->tgid;
		info.si_uid = z->leader->uid;
		info.si_status = killed ? z->exit_status & 0x7f
					: (z->exit_status >> 8) & 0xff;
	}
	if (rc < 0)
		return rc;
	if (a[2] && mm_copy_to(t->mm, a[2], &info, sizeof(info)) < 0)
		return -EFAULT;
	if (rc == 1 && !(options & WNOWAIT))
		task_reap_group(t->kernel, z);
	return 0;
}
