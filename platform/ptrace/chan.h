/* The kernel's end of one stub's control channel: a SOCK_SEQPACKET socket
 * for doorbells and replies, and the request page, shared with the stub
 * (which maps it read-only). One request at a time, one round trip each.
 * A closed socket means the stub is gone. */
#ifndef PLATFORM_PTRACE_CHAN_H
#define PLATFORM_PTRACE_CHAN_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "platform/ptrace/stub.h"

struct stub_chan {
	int ctl;                   /* -1 once closed */
	struct stub_req *req;      /* shared page */
	pthread_mutex_t lock;      /* one request at a time */
	bool dead;                 /* the stub hung up; under lock */
};

/* Creates the socket pair and the request page. The stub's ends come back
 * in *stub_ctl and *stub_req (close-on-exec; the caller closes them once
 * the stub has them). Returns 0 or -errno. */
int stub_chan_open(struct stub_chan *c, int *stub_ctl, int *stub_req);
void stub_chan_close(struct stub_chan *c);

/* Sends request op with args (unused ones zero) and, if fds, two
 * descriptors; waits for the reply. Returns the stub's raw 64-bit result
 * (untrusted: callers validate it) in *result and 0, or -ESRCH if the stub
 * is gone, or another -errno. */
int stub_chan_call(struct stub_chan *c, uint64_t op, const uint64_t *args,
		   int nargs, const int fds[2], int64_t *result);

#endif
