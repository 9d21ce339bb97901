/* wait4(2) and waitid(2): reaping zombie children, and reporting
 * children stopped or continued by job control (core/jobctl.c), each
 * stop or continue once. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "core/cputime.h"
#include "core/jobctl.h"
#include "core/kernel.h"
#include "core/mm.h"
#include "core/syscall.h"
#include "core/task.h"

#define WAIT4_OPTIONS (WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | \
		       __WCLONE | __WALL)
#define WAITID_OPTIONS (WEXITED | WSTOPPED | WCONTINUED | WNOHANG | \
			WNOWAIT | __WNOTHREAD | __WCLONE | __WALL)

/* Which children a wait is for: one pid, one process group, or any. */
struct wait_filter {
	enum { FILTER_ANY, FILTER_PID, FILTER_PGID } kind;
	uint32_t id;
	int options;               /* waitid's: WEXITED, WSTOPPED, ... */
};

/* What a wait found: the child and which event. */
struct wait_event {
	struct thread_group *child;
	int code;                  /* CLD_EXITED/KILLED/STOPPED/CONTINUED */
	int status;                /* si_status */
	int wstatus;               /* wait4's status word */
};

static bool matches(const struct thread_group *c, const struct wait_filter *f)
{
	switch (f->kind) {
	case FILTER_PID: return c->tgid == f->id;
	case FILTER_PGID: return c->pgid == f->id;
	default: return true;
	}
}

static void exit_event(struct thread_group *c, struct wait_event *ev)
{
	bool killed = (c->exit_status & 0x7f) != 0;
	ev->code = killed ? CLD_KILLED : CLD_EXITED;
	ev->status = killed ? c->exit_status & 0x7f
			    : (c->exit_status >> 8) & 0xff;
	ev->wstatus = c->exit_status;
}

/* The event child c has for this wait, if any: its exit first, then an
 * unreported stop, then an unreported continue (Linux's order). */
static bool child_event(struct thread_group *c, const struct wait_filter *f,
			struct wait_event *ev)
{
	ev->child = c;
	if (c->zombie)
		return (f->options & WEXITED) ? (exit_event(c, ev), true) : false;
	if ((f->options & WSTOPPED) && c->stopped &&
	    (c->wait_report & JOBCTL_REPORT_STOPPED)) {
		ev->code = CLD_STOPPED;
		ev->status = c->stop_sig;
		ev->wstatus = (c->stop_sig << 8) | 0x7f;
		return true;
	}
	if ((f->options & WCONTINUED) &&
	    (c->wait_report & JOBCTL_REPORT_CONTINUED)) {
		ev->code = CLD_CONTINUED;
		ev->status = SIGCONT;
		ev->wstatus = 0xffff;
		return true;
	}
	return false;
}

/* One look over the caller's children: 1 with an event, 0 when there
 * are matching children but no event, -ECHILD when there are none. */
static int find_event(struct task *t, const struct wait_filter *f,
		      struct wait_event *ev)
{
	bool any = false;
	for (struct task *x = t->kernel->tasks; x; x = x->next) {
		struct thread_group *c = x->tg;
		if (x != c->leader || c->parent != t->tg || c->autoreap ||
		    !matches(c, f))
			continue;
		/* A zombie is no child at all to a wait without WEXITED
		 * (ECHILD), as in Linux. */
		if (c->zombie && !(f->options & WEXITED))
			continue;
		any = true;
		if (child_event(c, f, ev))
			return 1;
	}
	return any ? 0 : -ECHILD;
}

/* Waits for an event; 1 with one, 0 (WNOHANG, none yet) or -errno. */
static int64_t wait_event(struct task *t, const struct wait_filter *f,
			  struct wait_event *ev)
{
	for (;;) {
		int rc = find_event(t, f, ev);
		if (rc != 0)
			return rc;
		if (f->options & WNOHANG)
			return 0;
		if (task_must_stop(t))
			return -ERESTARTSYS;
		pthread_cond_wait(&t->wake, &t->kernel->lock);
	}
}

/* Consumes what was reported: a zombie is reaped, a stop or continue
 * is not reported again. Unless WNOWAIT. */
static void consume(struct task *t, const struct wait_event *ev, int options)
{
	if (options & WNOWAIT)
		return;
	if (ev->code == CLD_STOPPED)
		ev->child->wait_report &= ~JOBCTL_REPORT_STOPPED;
	else if (ev->code == CLD_CONTINUED)
		ev->child->wait_report &= ~JOBCTL_REPORT_CONTINUED;
	else
		task_reap_group(t->kernel, ev->child);
}

SYSCALL_DECL(wait4)
{
	int64_t pid = (int32_t)a[0];
	int options = (int)a[2];
	if (options & ~WAIT4_OPTIONS)
		return -EINVAL;
	if (pid == INT32_MIN)
		return -ESRCH;
	struct wait_filter f = { FILTER_ANY, 0, WEXITED };
	if (options & WUNTRACED)
		f.options |= WSTOPPED;
	f.options |= options & (WCONTINUED | WNOHANG);
	if (pid > 0)
		f = (struct wait_filter){ FILTER_PID, (uint32_t)pid, f.options };
	else if (pid == 0)
		f = (struct wait_filter){ FILTER_PGID, t->tg->pgid, f.options };
	else if (pid < -1)
		f = (struct wait_filter){ FILTER_PGID, (uint32_t)-pid, f.options };
	struct wait_event ev;
	int64_t rc = wait_event(t, &f, &ev);
	if (rc <= 0)
		return rc;
	uint32_t tgid = ev.child->tgid;
	if (a[1] && mm_copy_to(t->mm, a[1], &ev.wstatus, sizeof(int)) < 0)
		return -EFAULT;
	if (a[3]) {
		struct rusage ru;
		cputime_child_rusage(ev.child, &ru);
		if (mm_copy_to(t->mm, a[3], &ru, sizeof(ru)) < 0)
			return -EFAULT;
	}
	consume(t, &ev, options);
	return tgid;
}

static int waitid_filter(struct task *t, int idtype, uint64_t id,
			 int options, struct wait_filter *f)
{
	f->options = options;
	f->id = (uint32_t)id;
	switch (idtype) {
	case P_ALL:
		f->kind = FILTER_ANY;
		return 0;
	case P_PID:
		f->kind = FILTER_PID;
		return (int32_t)id <= 0 ? -EINVAL : 0;
	case P_PGID:
		/* 0: the caller's own group (Linux 5.4). */
		f->kind = FILTER_PGID;
		if ((int32_t)id < 0)
			return -EINVAL;
		if (id == 0)
			f->id = t->tg->pgid;
		return 0;
	default:
		/* P_PIDFD: pidfds are not offered. */
		return -EINVAL;
	}
}

SYSCALL_DECL(waitid)
{
	int options = (int)a[3];
	if (!(options & (WEXITED | WSTOPPED | WCONTINUED)) ||
	    (options & ~WAITID_OPTIONS))
		return -EINVAL;
	struct wait_filter f;
	int64_t rc = waitid_filter(t, (int)a[0], a[1], options, &f);
	if (rc < 0)
		return rc;
	struct wait_event ev;
	rc = wait_event(t, &f, &ev);
	if (rc < 0)
		return rc;
	siginfo_t info;
	memset(&info, 0, sizeof(info));
	if (rc == 1) {
		info.si_signo = SIGCHLD;
		info.si_code = ev.code;
		info.si_pid = (pid_t)ev.child->tgid;
		info.si_uid = ev.child->leader->uid;
		info.si_status = ev.status;
	}
	if (a[2] && mm_copy_to(t->mm, a[2], &info, sizeof(info)) < 0)
		return -EFAULT;
	if (a[4]) {
		struct rusage ru;
		memset(&ru, 0, sizeof(ru));
		if (rc == 1)
			cputime_child_rusage(ev.child, &ru);
		if (mm_copy_to(t->mm, a[4], &ru, sizeof(ru)) < 0)
			return -EFAULT;
	}
	if (rc == 1)
		consume(t, &ev, options);
	return 0;
}
