#include "core/tty.h"

#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "core/cred.h"
#include "core/jobctl.h"
#include "core/kernel.h"
#include "core/mm.h"
#include "core/signal.h"
#include "core/syscall.h"
#include "core/task.h"

/* The session leader whose controlling terminal the caller shares, or
 * NULL when the caller's session has none. */
static struct thread_group *ctty_session(struct task *t)
{
	struct thread_group *s = jobctl_find_group(t->kernel, t->tg->sid);
	return s && s->ctty ? s : NULL;
}

static void signal_pgrp(struct kernel *k, uint32_t pgid, int sig)
{
	siginfo_t info;
	memset(&info, 0, sizeof(info));
	info.si_signo = sig;
	info.si_code = SI_KERNEL;
	for (struct task *x = k->tasks; x; x = x->next)
		if (x->tg->leader == x && x->tg->pgid == pgid && !x->tg->zombie)
			signal_send(x->tg, NULL, sig, &info);
}

static bool sig_ignored(const struct task *t, int sig)
{
	return (t->sig_blocked & sig_bit(sig)) ||
	       t->tg->actions[sig - 1].handler == (uint64_t)(uintptr_t)SIG_IGN;
}

/* Linux's __tty_check_change: a background process group touching its
 * controlling terminal is sent sig (SIGTTIN or SIGTTOU), and the call
 * restarts once it is continued. */
static int check_background(struct task *t, int sig)
{
	struct thread_group *s = ctty_session(t);
	if (!s || !s->tty_pgrp || t->tg->pgid == s->tty_pgrp)
		return 0;
	if (sig_ignored(t, sig))
		return sig == SIGTTIN ? -EIO : 0;
	if (jobctl_pgrp_orphaned(t->kernel, t->tg->pgid))
		return -EIO;
	signal_pgrp(t->kernel, t->tg->pgid, sig);
	return -ERESTARTSYS;
}

int tty_check_change(struct task *t, int host_fd)
{
	return isatty(host_fd) ? check_background(t, SIGTTOU) : 0;
}

int tty_check_read(struct task *t, int host_fd)
{
	struct thread_group *s = ctty_session(t);
	if (!s || t->tg->pgid == s->tty_pgrp || !isatty(host_fd))
		return 0;
	return check_background(t, SIGTTIN);
}

int tty_check_write(struct task *t, int host_fd)
{
	struct thread_group *s = ctty_session(t);
	struct termios tio;
	if (!s || t->tg->pgid == s->tty_pgrp || tcgetattr(host_fd, &tio) < 0 ||
	    !(tio.c_lflag & TOSTOP))
		return 0;
	return check_background(t, SIGTTOU);
}

static int64_t set_pgrp(struct task *t, struct thread_group *s, uint64_t arg)
{
	int rc = check_background(t, SIGTTOU);
	if (rc < 0)
		return rc;
	int32_t pgrp;
	if (mm_copy_from(t->mm, &pgrp, arg, sizeof(pgrp)) < 0)
		return -EFAULT;
	if (pgrp < 0)
		return -EINVAL;
	struct thread_group *m = jobctl_pgrp_member(t->kernel, (uint32_t)pgrp);
	if (!m || m->zombie)
		return -ESRCH;
	if (m->sid != t->tg->sid)
		return -EPERM;
	s->tty_pgrp = (uint32_t)pgrp;
	return 0;
}

/* TIOCSCTTY: a session leader without a terminal takes it; stealing it
 * from another session needs arg 1 and CAP_SYS_ADMIN. */
static int64_t set_ctty(struct task *t, uint64_t arg)
{
	struct thread_group *me = t->tg;
	if (me->sid == me->tgid && me->ctty)
		return 0;
	if (me->sid != me->tgid || ctty_session(t))
		return -EPERM;
	for (struct task *x = t->kernel->tasks; x; x = x->next) {
		struct thread_group *g = x->tg;
		if (g->leader != x || !g->ctty || g->zombie)
			continue;
		if (arg != 1 || !cred_capable(t, CAP_SYS_ADMIN))
			return -EPERM;
		g->ctty = false;
		g->tty_pgrp = 0;
	}
	me->ctty = true;
	me->tty_pgrp = me->pgid;
	return 0;
}

/* TIOCNOTTY: the session leader gives the terminal up, and its
 * foreground group is hung up; another process just returns (it keeps
 * sharing its session's terminal here: a documented simplification). */
static int64_t drop_ctty(struct task *t, struct thread_group *s)
{
	if (s != t->tg)
		return 0;
	uint32_t fg = s->tty_pgrp;
	s->ctty = false;
	s->tty_pgrp = 0;
	if (fg) {
		signal_pgrp(t->kernel, fg, SIGHUP);
		signal_pgrp(t->kernel, fg, SIGCONT);
	}
	return 0;
}

bool tty_ioctl(struct task *t, int host_fd, unsigned cmd, uint64_t arg,
	       int64_t *ret)
{
	if (cmd != TIOCGPGRP && cmd != TIOCSPGRP && cmd != TIOCGSID &&
	    cmd != TIOCSCTTY && cmd != TIOCNOTTY)
		return false;
	struct thread_group *s = ctty_session(t);
	int32_t v;
	if (!isatty(host_fd))
		*ret = -ENOTTY;
	else if (cmd == TIOCSCTTY)
		*ret = set_ctty(t, arg);
	else if (!s)
		*ret = -ENOTTY;
	else if (cmd == TIOCSPGRP)
		*ret = set_pgrp(t, s, arg);
	else if (cmd == TIOCNOTTY)
		*ret = drop_ctty(t, s);
	else if ((v = (int32_t)(cmd == TIOCGPGRP ? s->tty_pgrp : s->tgid)),
		 mm_copy_to(t->mm, arg, &v, sizeof(v)) < 0)
		*ret = -EFAULT;
	else
		*ret = 0;
	return true;
}
