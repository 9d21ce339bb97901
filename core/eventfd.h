/* eventfd(2): a 64-bit counter as a file. write adds to it, read takes
 * it all (or one, in semaphore mode); both block, or fail with EAGAIN
 * when O_NONBLOCK, while they can't proceed. Pollable. */
#ifndef CORE_EVENTFD_H
#define CORE_EVENTFD_H

#include <stdbool.h>
#include <stdint.h>

#include "core/file.h"
#include "core/waitq.h"

struct eventfd {
	struct file file;
	uint64_t count;
	bool semaphore;            /* EFD_SEMAPHORE */
	struct wait_queue wq;      /* host-only: readers, writers, pollers */
};

/* Largest count a write may produce: ULLONG_MAX is reserved. */
#define EVENTFD_MAX 0xfffffffffffffffeull

/* A new eventfd of one reference; flags are eventfd2's (EFD_NONBLOCK,
 * EFD_SEMAPHORE; EFD_CLOEXEC is the fd's). NULL when out of memory. */
struct file *eventfd_create(uint64_t count, unsigned flags);

extern const struct file_ops eventfd_ops;
extern const struct codec_type codec_type_eventfd;

#endif
