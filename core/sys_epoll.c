/* epoll syscalls: epoll_create, epoll_create1, epoll_ctl, epoll_wait,
 * epoll_pwait, epoll_pwait2. The sets themselves are in epoll.c. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>

#include "core/epoll.h"
#include "core/fdtable.h"
#include "core/kernel.h"
#include "core/mm.h"
#include "core/signal.h"
#include "core/sys_fs.h"
#include "core/syscall.h"
#include "core/task.h"

/* Linux's EP_MAX_EVENTS. */
#define EPOLL_MAX_EVENTS (INT_MAX / (int)sizeof(struct epoll_event))
/* Flags EPOLLEXCLUSIVE may come with (Linux's EPOLLEXCLUSIVE_OK_BITS). */
#define EXCLUSIVE_OK (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | \
		      EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)
#define NSEC_PER_MSEC 1000000ll
#define NSEC_PER_SEC 1000000000ll

static int64_t create(struct task *t, int flags)
{
	if (flags & ~EPOLL_CLOEXEC)
		return -EINVAL;
	struct file *f = epoll_create_file();
	if (!f)
		return -ENOMEM;
	int fd = fdtable_install(t->files, f, 0, flags & EPOLL_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

SYSCALL_DECL(epoll_create)
{
	if ((int)a[0] <= 0)
		return -EINVAL;
	return create(t, 0);
}

SYSCALL_DECL(epoll_create1)
{
	return create(t, int_arg(a[0]));
}

/* The EPOLLEXCLUSIVE rules of Linux's do_epoll_ctl. */
static bool exclusive_ok(int op, const struct epoll_event *ev,
			 const struct file *tf)
{
	if (!(ev->events & EPOLLEXCLUSIVE))
		return true;
	if (op == EPOLL_CTL_MOD)
		return false;
	return !(op == EPOLL_CTL_ADD &&
		 (file_is_epoll(tf) || (ev->events & ~(uint32_t)EXCLUSIVE_OK)));
}

/* Checks in Linux's order: the event (EFAULT), both fds (EBADF), the
 * target's poll support (EPERM: regular files), the set (EINVAL). */
SYSCALL_DECL(epoll_ctl)
{
	int op = int_arg(a[1]), fd = int_arg(a[2]);
	struct epoll_event ev = { 0 };
	bool has_event = op != EPOLL_CTL_DEL;
	if (has_event && mm_copy_from(t->mm, &ev, a[3], sizeof(ev)) < 0)
		return -EFAULT;
	struct file *f = fd_file_io(t, a[0]), *tf = fd_file_io(t, a[2]);
	if (!f || !tf)
		return -EBADF;
	if (!tf->ops->poll)
		return -EPERM;
	/* EPOLLWAKEUP needs CAP_BLOCK_SUSPEND; without it, Linux drops it. */
	ev.events &= ~(uint32_t)EPOLLWAKEUP;
	if (f == tf || !file_is_epoll(f) ||
	    (has_event && !exclusive_ok(op, &ev, tf)))
		return -EINVAL;
	struct epoll *ep = (struct epoll *)f;
	switch (op) {
	case EPOLL_CTL_ADD: return epoll_ctl_add(ep, tf, fd, &ev);
	case EPOLL_CTL_MOD: return epoll_ctl_mod(ep, tf, fd, &ev);
	case EPOLL_CTL_DEL: return epoll_ctl_del(ep, tf, fd);
	default: return -EINVAL;
	}
}

/* Waits on ep until an event, the deadline (< 0: none) or a signal.
 * ep is held by the caller. */
static int64_t wait_events(struct task *t, struct epoll *ep, uint64_t addr,
			   int max, int64_t deadline)
{
	for (;;) {
		int n = epoll_fetch(ep, t, addr, max);
		if (n != 0)
			return n;
		if (deadline >= 0 &&
		    kernel_monotonic_ns(t->kernel) >= deadline)
			return 0;
		if (signal_pending(t))
			return -EINTR;
		struct pollfd *host;
		int nhost = epoll_host_fds(ep, &host);
		if (nhost < 0)
			return nhost;
		struct waiter w;
		waiter_init_task(&w, t);
		waitq_add(&ep->wq, &w);
		int rc = task_block(t, deadline, host, nhost);
		waitq_remove(&w);
		free(host);
		if (rc == -ETIMEDOUT)
			return epoll_fetch(ep, t, addr, max);
		if (rc == -EINTR)
			return signal_pending(t) ? -EINTR : -ERESTART_RESTARTBLOCK;
		if (rc < 0)
			return rc;
	}
}

/* epoll_wait's checks and wait, in Linux's order: maxevents (EINVAL),
 * the buffer (EFAULT), the fd (EBADF), a set (EINVAL). A freeze (or the
 * group's exit) ends the wait with a restart block, so that after a
 * thaw or a restore the call sleeps on to the same deadline. */
static int64_t do_wait(struct task *t, uint64_t nr, const uint64_t a[6],
		       int64_t deadline)
{
	int max = int_arg(a[2]);
	if (max <= 0 || max > EPOLL_MAX_EVENTS)
		return -EINVAL;
	uint64_t len = (uint64_t)max * sizeof(struct epoll_event);
	if (a[1] >= USER_ADDR_END || len > USER_ADDR_END - a[1])
		return -EFAULT;
	struct file *f = fd_file_io(t, a[0]);
	if (!f)
		return -EBADF;
	if (!file_is_epoll(f))
		return -EINVAL;
	/* Another thread may close the fd while this one sleeps. */
	file_get(f);
	int64_t rc = wait_events(t, (struct epoll *)f, a[1], max, deadline);
	file_put(f);
	if (rc == -ERESTART_RESTARTBLOCK)
		t->restart = (struct restart_block){ RESTART_EPOLL, deadline,
						     nr };
	return rc;
}

/* With epoll_pwait's mask: set for the wait; after an EINTR it stays
 * until the handler has run (as rt_sigsuspend), else it goes at once. */
static int64_t wait_masked(struct task *t, uint64_t nr, const uint64_t a[6],
			   int64_t deadline)
{
	if (!a[4])
		return do_wait(t, nr, a, deadline);
	uint64_t mask;
	if (a[5] != sizeof(mask))
		return -EINVAL;
	if (mm_copy_from(t->mm, &mask, a[4], sizeof(mask)) < 0)
		return -EFAULT;
	uint64_t old = t->sig_blocked;
	t->sig_blocked = mask & ~SIG_UNBLOCKABLE;
	int64_t rc = do_wait(t, nr, a, deadline);
	if (rc == -EINTR) {
		t->sig_saved_mask = old;
		t->sig_restore_mask = true;
	} else {
		t->sig_blocked = old;
	}
	return rc;
}

static int64_t ms_deadline(struct task *t, uint64_t arg)
{
	int ms = int_arg(arg);
	if (ms < 0)
		return -1;
	return kernel_monotonic_ns(t->kernel) + ms * NSEC_PER_MSEC;
}

SYSCALL_DECL(epoll_wait)
{
	return do_wait(t, SYS_epoll_wait, a, ms_deadline(t, a[3]));
}

SYSCALL_DECL(epoll_pwait)
{
	return wait_masked(t, SYS_epoll_pwait, a, ms_deadline(t, a[3]));
}

SYSCALL_DECL(epoll_pwait2)
{
	int64_t deadline = -1;
	if (a[3]) {
		struct timespec ts;
		if (mm_copy_from(t->mm, &ts, a[3], sizeof(ts)) < 0)
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 ||
		    ts.tv_nsec >= NSEC_PER_SEC)
			return -EINVAL;
		int64_t ns = ts.tv_sec > INT64_MAX / NSEC_PER_SEC - 1
				     ? INT64_MAX / 2
				     : ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
		deadline = kernel_monotonic_ns(t->kernel) + ns;
	}
	return wait_masked(t, SYS_epoll_pwait2, a, deadline);
}

int64_t epoll_wait_restart(struct task *t, const uint64_t a[6],
			   int64_t deadline, uint64_t nr)
{
	if (nr == SYS_epoll_wait)
		return do_wait(t, nr, a, deadline);
	return wait_masked(t, nr, a, deadline);
}
