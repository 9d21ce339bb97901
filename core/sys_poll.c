/* poll, ppoll, select, pselect6.
 *
 * One engine serves all four: each pass calls every file's poll op with
 * a table that queues a task waiter on each wait queue the file names
 * (and collects the host fds that decide a passthrough file's
 * readiness); with nothing ready the task blocks (task_block) until a
 * queue, a host fd, the deadline or a stop (signal, freeze, exit) wakes
 * it, every waiter comes off, and the next pass looks again. Once
 * something is ready no more waiters are queued, as in Linux.
 *
 * Interrupted: poll leaves a restart block (restart_syscall continues
 * to the same deadline), the others return -ERESTARTNOHAND after writing
 * the time left back to their timeout argument, as Linux does, so a
 * restart -- after a thaw or a restore -- waits only for what is left. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>

#include "core/fdtable.h"
#include "core/file.h"
#include "core/kernel.h"
#include "core/mm.h"
#include "core/sys_fs.h"
#include "core/syscall.h"
#include "core/syscalls_poll.h"
#include "core/task.h"
#include "core/waitq.h"

#define NSEC_PER_SEC 1000000000ll
#define KERNEL_SIGSET_SIZE 8

/* What select asks of a file for each of its sets (Linux's
 * POLLIN_SET, POLLOUT_SET, POLLEX_SET). */
#define SEL_IN (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define SEL_OUT (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define SEL_EX (POLLPRI)

struct poll_entry {
	int fd;
	uint32_t filter;           /* revents = readiness & filter */
	uint32_t ready;            /* the entry counts when revents & ready */
	uint32_t revents;
	struct file *f;            /* a reference while polling, or NULL */
};

/* The waiters and host fds one pass registered. */
struct poll_wait_set {
	struct poll_table pt;
	struct task *t;
	struct waiter **w;
	size_t nw, capw;
	struct pollfd *host;
	int nhost, caphost;
	short want;                /* host events of the entry being polled */
	int err;
};

static void set_queue(struct poll_table *pt, struct wait_queue *q)
{
	struct poll_wait_set *s = pt->priv;
	if (s->nw == s->capw) {
		size_t cap = s->capw ? s->capw * 2 : 16;
		struct waiter **w = realloc(s->w, cap * sizeof(*w));
		if (!w) {
			s->err = -ENOMEM;
			return;
		}
		s->w = w;
		s->capw = cap;
	}
	struct waiter *w = malloc(sizeof(*w));
	if (!w) {
		s->err = -ENOMEM;
		return;
	}
	waiter_init_task(w, s->t);
	waitq_add(q, w);
	s->w[s->nw++] = w;
}

static void set_host_fd(struct poll_table *pt, int fd, short events)
{
	struct poll_wait_set *s = pt->priv;
	if (s->nhost == s->caphost) {
		int cap = s->caphost ? s->caphost * 2 : 4;
		struct pollfd *h = realloc(s->host, (size_t)cap * sizeof(*h));
		if (!h) {
			s->err = -ENOMEM;
			return;
		}
		s->host = h;
		s->caphost = cap;
	}
	/* A passthrough file names the events its access mode implies;
	 * waiting for those when the caller wants others would wake at
	 * once, over and over: wait for what the caller wants. */
	if (s->want)
		events = s->want;
	s->host[s->nhost++] = (struct pollfd){ fd, events, 0 };
}

/* Takes every waiter off its queue; the set can register again. */
static void set_clear(struct poll_wait_set *s)
{
	for (size_t i = 0; i < s->nw; i++) {
		waitq_remove(s->w[i]);
		free(s->w[i]);
	}
	s->nw = 0;
	s->nhost = 0;
}

static void set_free(struct poll_wait_set *s)
{
	set_clear(s);
	free(s->w);
	free(s->host);
}

/* One look at every entry, registering with pt until one is ready.
 * Returns the number of ready entries. */
static int poll_pass(struct poll_entry *e, size_t n, struct poll_table *pt)
{
	int count = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t m;
		if (pt)
			((struct poll_wait_set *)pt->priv)->want =
				(short)(e[i].filter & e[i].ready &
					(POLLIN | POLLOUT | POLLPRI));
		if (!e[i].f)
			m = e[i].fd < 0 ? 0 : POLLNVAL;
		else if (e[i].f->ops->poll)
			m = e[i].f->ops->poll(e[i].f, count ? NULL : pt);
		else
			m = POLL_DEFAULT_MASK;
		e[i].revents = m & e[i].filter;
		if (e[i].revents & e[i].ready)
			count++;
	}
	return count;
}

/* Polls until an entry is ready or the deadline (application
 * CLOCK_MONOTONIC; < 0: none) passes. Returns the number of ready
 * entries (0 at the deadline), -EINTR when the task must stop, or
 * -ENOMEM. */
static int poll_engine(struct task *t, struct poll_entry *e, size_t n,
		       int64_t deadline)
{
	struct poll_wait_set s = { .t = t };
	s.pt = (struct poll_table){ set_queue, set_host_fd, &s };
	bool no_wait = deadline >= 0 &&
		       deadline <= kernel_monotonic_ns(t->kernel);
	int rc;
	for (;;) {
		int count = poll_pass(e, n, no_wait ? NULL : &s.pt);
		if (s.err) {
			rc = s.err;
			break;
		}
		if (count || no_wait) {
			rc = count;
			break;
		}
		rc = task_block(t, deadline, s.host, s.nhost);
		set_clear(&s);
		if (rc == -ETIMEDOUT)
			no_wait = true;   /* one last look, as Linux */
		else if (rc < 0)
			break;
	}
	set_free(&s);
	return rc;
}

/* Looks the entries' files up, each with a reference. */
static void entries_get(struct task *t, struct poll_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		e[i].f = e[i].fd < 0 ? NULL : fd_file_io(t, (uint32_t)e[i].fd);
		if (e[i].f)
			file_get(e[i].f);
	}
}

static void entries_put(struct poll_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (e[i].f)
			file_put(e[i].f);
}

static int64_t deadline_after(struct task *t, int64_t ns)
{
	int64_t now = kernel_monotonic_ns(t->kernel);
	return ns > INT64_MAX - now ? INT64_MAX : now + ns;
}

/* ---- poll and ppoll ------------------------------------------------------ */

/* poll's work: -EINTR when interrupted (the callers choose the restart
 * code). */
static int64_t do_poll(struct task *t, uint64_t ufds, uint64_t nfds,
		       int64_t deadline)
{
	if (nfds > t->tg->rlim[RLIMIT_NOFILE].rlim_cur)
		return -EINVAL;
	struct pollfd *pfd = calloc(nfds ? nfds : 1, sizeof(*pfd));
	struct poll_entry *e = calloc(nfds ? nfds : 1, sizeof(*e));
	int64_t rc = pfd && e ? 0 : -ENOMEM;
	if (rc == 0 && mm_copy_from(t->mm, pfd, ufds, nfds * sizeof(*pfd)) < 0)
		rc = -EFAULT;
	if (rc == 0) {
		for (size_t i = 0; i < nfds; i++) {
			uint32_t ev = (uint16_t)pfd[i].events;
			e[i] = (struct poll_entry){
				.fd = pfd[i].fd,
				.filter = ev | POLLERR | POLLHUP | POLLNVAL,
				.ready = ~0u,
			};
		}
		entries_get(t, e, nfds);
		rc = poll_engine(t, e, nfds, deadline);
		entries_put(e, nfds);
	}
	if (rc >= 0) {
		for (size_t i = 0; i < nfds; i++)
			pfd[i].revents = (short)e[i].revents;
		if (mm_copy_to(t->mm, ufds, pfd, nfds * sizeof(*pfd)) < 0)
			rc = -EFAULT;
	}
	free(pfd);
	free(e);
	return rc;
}

/* poll, and its continuation by restart_syscall(2). */
static int64_t poll_restartable(struct task *t, uint64_t ufds, uint64_t nfds,
				int64_t deadline)
{
	int64_t rc = do_poll(t, ufds, nfds, deadline);
	if (rc != -EINTR)
		return rc;
	t->restart = (struct restart_block){ RESTART_POLL, deadline, ufds };
	t->restart_arg = nfds;
	return -ERESTART_RESTARTBLOCK;
}

int64_t sys_poll_restart(struct task *t, const struct restart_block *rb)
{
	return poll_restartable(t, rb->rem, t->restart_arg, rb->deadline_ns);
}

SYSCALL_DECL(poll)
{
	int timeout = int_arg(a[2]);
	int64_t deadline = timeout < 0 ? -1
			 : deadline_after(t, (int64_t)timeout * 1000000);
	return poll_restartable(t, a[0], a[1], deadline);
}

/* Reads a timespec timeout into a deadline: -EFAULT, -EINVAL. */
static int read_timespec(struct task *t, uint64_t addr, int64_t *deadline)
{
	struct timespec ts;
	if (mm_copy_from(t->mm, &ts, addr, sizeof(ts)) < 0)
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NSEC_PER_SEC)
		return -EINVAL;
	int64_t ns = ts.tv_sec > INT64_MAX / NSEC_PER_SEC - 1
		     ? INT64_MAX / 2 : ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
	*deadline = ns == 0 ? 0 : deadline_after(t, ns);
	return 0;
}

/* What the timeout argument holds: where, and how it is written back. */
enum time_kind { TIME_NONE, TIME_TIMESPEC, TIME_TIMEVAL };

/* Linux's poll_select_finish: the time left goes back to the
 * application's timeout (not for a zero timeout); an interrupted call
 * whose timeout cannot be written fails with EINTR instead of
 * restarting, since the restart would wait the whole time again. */
static int64_t finish_timeout(struct task *t, enum time_kind kind,
			      uint64_t addr, int64_t deadline, int64_t rc)
{
	if (kind == TIME_NONE || deadline == 0)
		return rc;
	int64_t left = deadline - kernel_monotonic_ns(t->kernel);
	if (left < 0)
		left = 0;
	int w;
	if (kind == TIME_TIMESPEC) {
		struct timespec ts = { left / NSEC_PER_SEC, left % NSEC_PER_SEC };
		w = mm_copy_to(t->mm, addr, &ts, sizeof(ts));
	} else {
		struct timeval tv = { left / NSEC_PER_SEC,
				      (left % NSEC_PER_SEC) / 1000 };
		w = mm_copy_to(t->mm, addr, &tv, sizeof(tv));
	}
	if (w < 0 && rc == -ERESTARTNOHAND)
		return -EINTR;
	return rc;
}

/* ppoll's and pselect6's temporary signal mask. */
struct mask_swap {
	bool set;
	uint64_t old;
};

static int mask_install(struct task *t, uint64_t addr, struct mask_swap *ms)
{
	ms->set = false;
	if (!addr)
		return 0;
	uint64_t mask;
	if (mm_copy_from(t->mm, &mask, addr, sizeof(mask)) < 0)
		return -EFAULT;
	ms->set = true;
	ms->old = t->sig_blocked;
	t->sig_blocked = mask & ~SIG_UNBLOCKABLE;
	return 0;
}

/* Interrupted, the mask stays until the handler has run (signal_deliver
 * puts the old one back, as after rt_sigsuspend); otherwise it goes
 * now. */
static void mask_finish(struct task *t, struct mask_swap *ms, int64_t rc)
{
	if (!ms->set)
		return;
	if (rc == -ERESTARTNOHAND) {
		t->sig_saved_mask = ms->old;
		t->sig_restore_mask = true;
	} else {
		t->sig_blocked = ms->old;
	}
}

SYSCALL_DECL(ppoll)
{
	int64_t deadline = -1;
	if (a[3] && a[4] != KERNEL_SIGSET_SIZE)
		return -EINVAL;
	if (a[2]) {
		int rc = read_timespec(t, a[2], &deadline);
		if (rc < 0)
			return rc;
	}
	struct mask_swap ms;
	int rc0 = mask_install(t, a[3], &ms);
	if (rc0 < 0)
		return rc0;
	int64_t rc = do_poll(t, a[0], a[1], deadline);
	if (rc == -EINTR)
		rc = -ERESTARTNOHAND;
	mask_finish(t, &ms, rc);
	return finish_timeout(t, a[2] ? TIME_TIMESPEC : TIME_NONE, a[2],
			      deadline, rc);
}

/* ---- select and pselect6 ---------------------------------------------- */

#define BITS 64

static bool bit_of(const uint64_t *set, int fd)
{
	return set && (set[fd / BITS] >> (fd % BITS)) & 1;
}

static void bit_set(uint64_t *set, int fd)
{
	set[fd / BITS] |= 1ull << (fd % BITS);
}

/* select's three sets, in application memory and here. */
struct fd_sets {
	uint64_t addr[3];
	uint64_t *in[3], *out[3];
	size_t bytes;
};

static int sets_read(struct task *t, struct fd_sets *s, int n)
{
	s->bytes = (size_t)(n + BITS - 1) / BITS * sizeof(uint64_t);
	for (int k = 0; k < 3; k++) {
		s->in[k] = s->out[k] = NULL;
		if (!s->addr[k])
			continue;
		s->in[k] = calloc(1, s->bytes ? s->bytes : 1);
		s->out[k] = calloc(1, s->bytes ? s->bytes : 1);
		if (!s->in[k] || !s->out[k])
			return -ENOMEM;
		if (mm_copy_from(t->mm, s->in[k], s->addr[k], s->bytes) < 0)
			return -EFAULT;
	}
	return 0;
}

static int sets_write(struct task *t, const struct fd_sets *s)
{
	for (int k = 0; k < 3; k++)
		if (s->addr[k] &&
		    mm_copy_to(t->mm, s->addr[k], s->out[k], s->bytes) < 0)
			return -EFAULT;
	return 0;
}

static void sets_free(struct fd_sets *s)
{
	for (int k = 0; k < 3; k++) {
		free(s->in[k]);
		free(s->out[k]);
	}
}

static const uint32_t sel_mask[3] = { SEL_IN, SEL_OUT, SEL_EX };

/* One entry per fd named in any set; -EBADF when one is not open. */
static int sets_entries(struct task *t, const struct fd_sets *s, int n,
			struct poll_entry **out, size_t *count)
{
	struct poll_entry *e = calloc((size_t)n ? (size_t)n : 1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	size_t m = 0;
	for (int fd = 0; fd < n; fd++) {
		uint32_t ready = 0;
		for (int k = 0; k < 3; k++)
			if (bit_of(s->in[k], fd))
				ready |= sel_mask[k];
		if (!ready)
			continue;
		e[m] = (struct poll_entry){ .fd = fd, .filter = ~0u,
					    .ready = ready };
		if (!fd_file_io(t, (uint64_t)fd)) {
			free(e);
			return -EBADF;
		}
		m++;
	}
	*out = e;
	*count = m;
	return 0;
}

/* The result sets and select's count: a bit per set an fd is ready in. */
static int sets_result(struct fd_sets *s, const struct poll_entry *e,
		       size_t n)
{
	int count = 0;
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 3; k++)
			if (bit_of(s->in[k], e[i].fd) &&
			    (e[i].revents & sel_mask[k])) {
				bit_set(s->out[k], e[i].fd);
				count++;
			}
	return count;
}

/* Linux looks at no fd beyond the fd table's size (a multiple of the
 * word size, at least 64). */
static int select_limit(const struct task *t, int n)
{
	int max = (int)((t->files->nfds + BITS - 1) / BITS * BITS);
	if (max < BITS)
		max = BITS;
	return n > max ? max : n;
}

static int64_t do_select(struct task *t, int n, struct fd_sets *s,
			 int64_t deadline)
{
	struct poll_entry *e = NULL;
	size_t ne = 0;
	int64_t rc = sets_read(t, s, n);
	if (rc == 0)
		rc = sets_entries(t, s, n, &e, &ne);
	if (rc == 0) {
		entries_get(t, e, ne);
		rc = poll_engine(t, e, ne, deadline);
		entries_put(e, ne);
	}
	if (rc >= 0) {
		rc = sets_result(s, e, ne);
		if (sets_write(t, s) < 0)
			rc = -EFAULT;
	}
	free(e);
	sets_free(s);
	return rc == -EINTR ? -ERESTARTNOHAND : rc;
}

/* select's timeval, normalized as Linux does (tv_usec may exceed a
 * second; negative values are EINVAL). */
static int read_timeval(struct task *t, uint64_t addr, int64_t *deadline)
{
	struct timeval tv;
	if (mm_copy_from(t->mm, &tv, addr, sizeof(tv)) < 0)
		return -EFAULT;
	int64_t sec = tv.tv_sec + tv.tv_usec / 1000000;
	int64_t nsec = (tv.tv_usec % 1000000) * 1000;
	if (sec < 0 || nsec < 0)
		return -EINVAL;
	int64_t ns = sec > INT64_MAX / NSEC_PER_SEC - 1
		     ? INT64_MAX / 2 : sec * NSEC_PER_SEC + nsec;
	*deadline = ns == 0 ? 0 : deadline_after(t, ns);
	return 0;
}

/* ms: pselect6's mask, which goes (or stays for the handler) before
 * the timeout is written back, as in Linux's poll_select_finish. */
static int64_t select_common(struct task *t, const uint64_t a[6],
			     enum time_kind kind, int64_t deadline,
			     struct mask_swap *ms)
{
	int n = int_arg(a[0]);
	int64_t rc = -EINVAL;
	if (n >= 0) {
		struct fd_sets s = { .addr = { a[1], a[2], a[3] } };
		rc = do_select(t, select_limit(t, n), &s, deadline);
	}
	if (ms)
		mask_finish(t, ms, rc);
	return finish_timeout(t, a[4] ? kind : TIME_NONE, a[4], deadline, rc);
}

SYSCALL_DECL(select)
{
	int64_t deadline = -1;
	if (a[4]) {
		int rc = read_timeval(t, a[4], &deadline);
		if (rc < 0)
			return rc;
	}
	return select_common(t, a, TIME_TIMEVAL, deadline, NULL);
}

SYSCALL_DECL(pselect6)
{
	int64_t deadline = -1;
	if (a[4]) {
		int rc = read_timespec(t, a[4], &deadline);
		if (rc < 0)
			return rc;
	}
	/* The sixth argument: { const sigset_t *ss; size_t ss_len; }. */
	uint64_t sig[2] = { 0, 0 };
	if (a[5] && mm_copy_from(t->mm, sig, a[5], sizeof(sig)) < 0)
		return -EFAULT;
	if (sig[0] && sig[1] != KERNEL_SIGSET_SIZE)
		return -EINVAL;
	struct mask_swap ms;
	int rc0 = mask_install(t, sig[0], &ms);
	if (rc0 < 0)
		return rc0;
	return select_common(t, a, TIME_TIMESPEC, deadline, &ms);
}
