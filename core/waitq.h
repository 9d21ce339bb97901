/* Wait queues and polling: how a blocked task -- or an epoll set --
 * learns that an object became ready.
 *
 * An object that can make a waiter runnable (a pipe, an eventfd, a
 * timerfd, an epoll set...) owns a struct wait_queue and calls
 * waitq_notify when its readiness may have changed, with the POLL*
 * events that became possible. A waiter is anything with a notify
 * function: a task sleeping in read/poll (notify wakes it), or an epoll
 * item (notify puts it on the ready list). Everything runs under the
 * kernel lock, so a waiter that checks its condition and then calls
 * task_block cannot miss a notify.
 *
 * Wait queues and waiters are host-only: nothing blocked survives a
 * checkpoint, since a freeze ends every wait and the syscall restarts
 * (it re-registers after a restore). An epoll set re-creates its
 * waiters from its saved interest list after a restore. */
#ifndef CORE_WAITQ_H
#define CORE_WAITQ_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

struct task;
struct waiter;
struct wait_queue;

/* events: POLL* bits that may have become true, or WAITQ_FREE when the
 * queue itself is going away (the waiter is already off it then and must
 * forget it). */
typedef void (*waiter_notify_fn)(struct waiter *w, uint32_t events);

/* Linux's POLLFREE: the queue is being freed. */
#define WAITQ_FREE 0x4000u

struct waiter {
	struct waiter *next, *prev;
	struct wait_queue *queue;          /* NULL while not queued */
	waiter_notify_fn notify;
	void *owner;                       /* the task, epoll item, ... */
};

struct wait_queue {
	struct waiter *head;
};

/* A waiter for a task: notify wakes the task from task_block. */
void waiter_init_task(struct waiter *w, struct task *t);
void waiter_init(struct waiter *w, waiter_notify_fn notify, void *owner);

void waitq_add(struct wait_queue *q, struct waiter *w);
/* Takes w off its queue; nothing if it is not queued. */
void waitq_remove(struct waiter *w);
/* Calls every waiter's notify. A notify may remove its own waiter (and
 * only its own). */
void waitq_notify(struct wait_queue *q, uint32_t events);
/* For an object being freed: every waiter comes off the queue and is
 * notified with WAITQ_FREE. */
void waitq_release(struct wait_queue *q);
bool waitq_active(const struct wait_queue *q);

/* What a file's poll op registers with. A NULL table asks for the
 * current readiness only. */
struct poll_table {
	/* A queue whose notify may change f's readiness. */
	void (*queue)(struct poll_table *pt, struct wait_queue *q);
	/* A host fd that decides readiness (stdio passthrough): whoever
	 * blocks on this file sleeps in host poll(2) on it. */
	void (*host_fd)(struct poll_table *pt, int fd, short events);
	void *priv;
};

static inline void poll_wait(struct poll_table *pt, struct wait_queue *q)
{
	if (pt && pt->queue)
		pt->queue(pt, q);
}

static inline void poll_wait_host(struct poll_table *pt, int fd,
				  short events)
{
	if (pt && pt->host_fd)
		pt->host_fd(pt, fd, events);
}

/* Readiness of a file without a poll op (regular files): Linux's
 * DEFAULT_POLLMASK. */
#define POLL_DEFAULT_MASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

/* Sleeps with the kernel lock released until a waiter's notify (or
 * task_wake: a signal, a freeze, the group's exit) wakes the task, the
 * application's CLOCK_MONOTONIC reaches deadline_ns (< 0: no deadline),
 * or one of the nhost host fds is ready. Returns 0 when woken (the
 * caller re-checks its condition: wakeups may be spurious), -ETIMEDOUT
 * at the deadline, -EINTR when task_must_stop(t). */
int task_block(struct task *t, int64_t deadline_ns,
	       const struct pollfd *host, int nhost);

#endif
