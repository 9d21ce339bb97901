/* signalfd(2): a file whose read dequeues the reader's pending signals
 * in its mask as struct signalfd_siginfo records. As in Linux, a read
 * takes the calling task's signals; poll readiness (which has no task)
 * is that of the process that created the file (Linux: the poller's),
 * a documented difference that matters only when the fd is shared
 * with another process. */
#ifndef CORE_SIGNALFD_H
#define CORE_SIGNALFD_H

#include <stdint.h>

#include "core/file.h"

struct kernel;

struct signalfd {
	struct file file;          /* first: a signalfd is a file */
	uint64_t mask;             /* signals it reads */
	uint32_t owner_tgid;       /* the process whose signals poll sees */
	struct kernel *kernel;     /* host-only: for poll's lookup */
};

extern const struct file_ops signalfd_ops;
extern const struct codec_type codec_type_signalfd;

#endif
