/* The sandbox's terminal as a controlling terminal: when the host stdio
 * fds are a terminal, it is the controlling terminal of pid 1's session
 * (a session leader's thread_group.ctty), with a foreground process
 * group kept in the kernel -- never the host's, which belongs to the
 * shell that ran snapctl. Background reads get SIGTTIN, background
 * terminal changes (and writes under TOSTOP) SIGTTOU, as Linux's
 * tty_check_change, so shells can do job control.
 *
 * Called by the host stdio passthrough (hostfile*.c) under the kernel
 * lock, with the file's host fd. */
#ifndef CORE_TTY_H
#define CORE_TTY_H

#include <stdbool.h>
#include <stdint.h>

struct task;

/* Whether ioctl cmd is a job-control request handled here (TIOCGPGRP,
 * TIOCSPGRP, TIOCGSID, TIOCSCTTY, TIOCNOTTY); then *ret is its result. */
bool tty_ioctl(struct task *t, int host_fd, unsigned cmd, uint64_t arg,
	       int64_t *ret);

/* Before a terminal ioctl that changes settings (TCSETS* and the like):
 * 0 to go on, or -errno / -ERESTARTSYS after SIGTTOU was sent to the
 * caller's background process group. */
int tty_check_change(struct task *t, int host_fd);
/* Before a read of the terminal: 0, -EIO, or -ERESTARTSYS (SIGTTIN). */
int tty_check_read(struct task *t, int host_fd);
/* Before a write: 0, or -ERESTARTSYS (SIGTTOU) when TOSTOP is set. */
int tty_check_write(struct task *t, int host_fd);

#endif
