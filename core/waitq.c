/* Wait queues, and blocking a task until a queue, a host fd or its
 * deadline wakes it (see waitq.h). */
#include "core/waitq.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/kernel.h"
#include "core/task.h"

static void notify_task(struct waiter *w, uint32_t events)
{
	(void)events;
	task_wake_sleeper(w->owner);
}

void waiter_init(struct waiter *w, waiter_notify_fn notify, void *owner)
{
	w->next = w->prev = NULL;
	w->queue = NULL;
	w->notify = notify;
	w->owner = owner;
}

void waiter_init_task(struct waiter *w, struct task *t)
{
	waiter_init(w, notify_task, t);
}

void waitq_add(struct wait_queue *q, struct waiter *w)
{
	w->queue = q;
	w->prev = NULL;
	w->next = q->head;
	if (q->head)
		q->head->prev = w;
	q->head = w;
}

void waitq_remove(struct waiter *w)
{
	struct wait_queue *q = w->queue;
	if (!q)
		return;
	if (w->prev)
		w->prev->next = w->next;
	else
		q->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->next = w->prev = NULL;
	w->queue = NULL;
}

void waitq_notify(struct wait_queue *q, uint32_t events)
{
	for (struct waiter *w = q->head, *next; w; w = next) {
		next = w->next;
		w->notify(w, events);
	}
}

void waitq_release(struct wait_queue *q)
{
	while (q->head) {
		struct waiter *w = q->head;
		waitq_remove(w);
		w->notify(w, WAITQ_FREE);
	}
}

bool waitq_active(const struct wait_queue *q)
{
	return q->head != NULL;
}

/* ---- blocking ----------------------------------------------------------- */

void task_wake_sleeper(struct task *t)
{
	pthread_cond_broadcast(&t->wake);
	if (t->host_waiting) {
		uint64_t one = 1;
		if (write(t->host_wake_fd, &one, sizeof(one)) < 0 &&
		    errno != EAGAIN)
			perror("snapctl: task wake");
	}
}

static int block_on_cond(struct task *t, int64_t deadline_ns)
{
	struct kernel *k = t->kernel;
	if (deadline_ns < 0) {
		pthread_cond_wait(&t->wake, &k->lock);
		return 0;
	}
	int64_t host = deadline_ns - k->monotonic_offset_ns;
	if (host < 0)
		host = 0;
	struct timespec ts = { host / 1000000000, host % 1000000000 };
	pthread_cond_timedwait(&t->wake, &k->lock, &ts);
	return 0;
}

static int host_wake_fd(struct task *t)
{
	if (!t->host_wake_made) {
		int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (fd < 0)
			return -errno;
		t->host_wake_fd = fd;
		t->host_wake_made = true;
	}
	return t->host_wake_fd;
}

/* Host poll(2) on the caller's fds, the kernel's wake_fd (readable while
 * freezing) and the task's own eventfd (task_wake_sleeper), with the
 * lock released. */
static int block_on_host(struct task *t, int64_t deadline_ns,
			 const struct pollfd *host, int nhost)
{
	struct kernel *k = t->kernel;
	int wfd = host_wake_fd(t);
	if (wfd < 0)
		return wfd;
	struct pollfd *p = calloc((size_t)nhost + 2, sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (int i = 0; i < nhost; i++)
		p[i] = host[i];
	p[nhost] = (struct pollfd){ wfd, POLLIN, 0 };
	p[nhost + 1] = (struct pollfd){ k->wake_fd, POLLIN, 0 };
	int timeout = -1;
	if (deadline_ns >= 0) {
		int64_t left = deadline_ns - kernel_monotonic_ns(k);
		/* Far deadlines (select's huge timeouts) would overflow
		 * poll's int milliseconds: wait INT_MAX, then look again. */
		timeout = left <= 0 ? 0
			: left / 1000000 >= INT_MAX ? INT_MAX
			: (int)((left + 999999) / 1000000);
	}
	t->host_waiting = true;
	kernel_unlock(k);
	int n = poll(p, (nfds_t)nhost + 2, timeout);
	int rc = n < 0 && errno != EINTR ? -errno : 0;
	kernel_lock(k);
	t->host_waiting = false;
	uint64_t drain;
	if (read(wfd, &drain, sizeof(drain)) < 0 && errno != EAGAIN)
		rc = -errno;
	free(p);
	return rc;
}

int task_block(struct task *t, int64_t deadline_ns,
	       const struct pollfd *host, int nhost)
{
	struct kernel *k = t->kernel;
	if (task_must_stop(t))
		return -EINTR;
	if (deadline_ns >= 0 && kernel_monotonic_ns(k) >= deadline_ns)
		return -ETIMEDOUT;
	int rc = nhost > 0 ? block_on_host(t, deadline_ns, host, nhost)
			   : block_on_cond(t, deadline_ns);
	if (rc < 0)
		return rc;
	if (task_must_stop(t))
		return -EINTR;
	if (deadline_ns >= 0 && kernel_monotonic_ns(k) >= deadline_ns)
		return -ETIMEDOUT;
	return 0;
}
