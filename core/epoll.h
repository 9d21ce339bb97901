/* epoll sets (epoll(7)): an interest list of (file, fd) items, each
 * watching its file through the wait queues the file's poll op
 * registers, and a ready list the items' wakeups fill and epoll_wait
 * drains, re-polling each item (level-triggered items stay on the list
 * while ready; EPOLLET ones wait for the next wakeup; EPOLLONESHOT ones
 * are disabled until EPOLL_CTL_MOD).
 *
 * An item lives until EPOLL_CTL_DEL, the epoll file's release, or its
 * own file's final release (file->epitems; file_put calls
 * epoll_file_released), as Linux's eventpoll_release. It holds no
 * reference to its file.
 *
 * An epoll file is pollable itself (readable while an item is truly
 * ready), so sets nest, up to Linux's depth limit (ELOOP beyond, and
 * for cycles). Saved with its interest and ready lists; after a restore
 * its items register with their files' queues again. */
#ifndef CORE_EPOLL_H
#define CORE_EPOLL_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

#include "core/file.h"
#include "core/waitq.h"

struct task;

/* Wait queues and host fds one item may watch: what the poll op of any
 * file kind registers (a pipe: two queues). */
#define EPITEM_MAX_WAITS 4
#define EPITEM_MAX_HOST 2

struct epoll;

struct epitem {
	struct epoll *ep;
	struct file *file;
	int fd;
	uint32_t events;           /* EPOLL* wanted (ERR, HUP always);
	                              only EPITEM_PRIVATE bits once a
	                              ONESHOT item has fired */
	uint64_t data;
	bool ready;                /* on ep's ready list */
	struct epitem *next, *prev;        /* ep's interest list */
	struct epitem *rnext, *rprev;      /* ep's ready list */
	struct epitem *fnext;              /* host-only: file->epitems */
	int nwait;                         /* host-only: waits in use */
	struct waiter wait[EPITEM_MAX_WAITS];
	int nhost;                         /* host-only: host fds */
	struct pollfd host[EPITEM_MAX_HOST];
};

/* Linux's EP_PRIVATE_BITS: flags, not events. */
#define EPITEM_PRIVATE (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)

struct epoll {
	struct file file;
	struct epitem *items, *items_tail;  /* interest list, oldest first */
	struct epitem *ready, *ready_tail;  /* ready list, oldest first */
	uint32_t nitems;
	struct wait_queue wq;      /* host-only: epoll_wait sleepers and
	                              pollers of the epoll file (an outer
	                              set's item) */
};

/* A new empty epoll file of one reference (O_RDWR), or NULL. */
struct file *epoll_create_file(void);
bool file_is_epoll(const struct file *f);

/* EPOLL_CTL_ADD / MOD / DEL as Linux, with the checks that need the set
 * (EEXIST, ENOENT, ELOOP, EINVAL for MOD of an EPOLLEXCLUSIVE item);
 * the syscall has checked the descriptors. */
int epoll_ctl_add(struct epoll *ep, struct file *tf, int fd,
		  const struct epoll_event *ev);
int epoll_ctl_mod(struct epoll *ep, struct file *tf, int fd,
		  const struct epoll_event *ev);
int epoll_ctl_del(struct epoll *ep, struct file *tf, int fd);

/* Moves up to max ready events to application memory at addr (struct
 * epoll_event each); returns how many, or -EFAULT if none could be
 * written. */
int epoll_fetch(struct epoll *ep, struct task *t, uint64_t addr, int max);

/* The host fds ep's items watch, for task_block: *out is malloc'd (NULL
 * when none); returns the count or -ENOMEM. */
int epoll_host_fds(struct epoll *ep, struct pollfd **out);

/* restart_syscall(2) of an epoll wait a freeze ended: the call (nr) with
 * its original arguments, to the same deadline (< 0: none). */
int64_t epoll_wait_restart(struct task *t, const uint64_t a[6],
			   int64_t deadline, uint64_t nr);

/* file_put's hook: f is being released; its items leave their sets. */
void epoll_file_released(struct file *f);

extern const struct file_ops epoll_ops;
extern const struct codec_type codec_type_epoll;

#endif
