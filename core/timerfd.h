/* timerfd(2): a kernel timer as a file. read returns the number of
 * expirations since the last read or settime (8 bytes), blocking until
 * there is one, or EAGAIN when O_NONBLOCK; poll reports POLLIN then.
 * Saved with its timer (remaining time continues after a restore) and
 * its unread count. */
#ifndef CORE_TIMERFD_H
#define CORE_TIMERFD_H

#include <stdint.h>

#include "core/file.h"
#include "core/ktimer.h"
#include "core/waitq.h"

struct timerfd {
	struct file file;
	struct ktimer timer;
	int32_t clock;             /* what TFD_TIMER_ABSTIME times are on */
	uint64_t ticks;            /* expirations not read yet */
	struct wait_queue wq;      /* host-only: readers and pollers */
};

extern const struct file_ops timerfd_ops;
extern const struct codec_type codec_type_timerfd;

#endif
