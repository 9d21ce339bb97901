/* strace-style formatting of one system call, for `snapctl run --strace`.
 *
 * The formatter knows nothing of the kernel: it gets the syscall number,
 * the six argument registers, the result, and a function that reads
 * application memory. Lines look like strace's (without its padding of
 * " = " to column 40):
 *
 *     openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3
 *     read(3, "root:x:0:0:root:/root:/bin/bash\n"..., 4096) = 1234
 *     open("/nope", O_RDONLY) = -1 ENOENT (No such file or directory)
 *
 * Arguments are decoded like strace decodes them for the common calls
 * (see the table in core/strace.c); other calls print their arguments in
 * hex. Memory that cannot be read is printed as its address. No state is
 * kept: every function here may run on any thread, with no lock. */
#ifndef CORE_STRACE_H
#define CORE_STRACE_H

#include <stddef.h>
#include <stdint.h>

/* Reads n bytes of application memory at addr into dst: returns 0, or
 * -EFAULT if any of the range cannot be read. The formatter reads strings
 * page by page, so a read never needs to cross into an unmapped page
 * to find a string's end. */
typedef int (*strace_read_fn)(void *ctx, void *dst, uint64_t addr, size_t n);

/* Formats "name(args) = result" for syscall nr with arguments a[0..5] and
 * return value ret into buf: a -errno in -4095..-1 prints as
 * "-1 ENOENT (No such file or directory)". Output arguments (a read's
 * buffer, clock_gettime's timespec) are decoded from memory as it is now,
 * i.e. after the call. buf is always NUL-terminated, truncated to len;
 * returns the length of the string in buf. */
size_t strace_format(char *buf, size_t len, uint64_t nr, const uint64_t a[6],
		     int64_t ret, strace_read_fn read, void *ctx);

/* For calls that do not return (exit, exit_group, execve on success) or
 * that are about to block: formats "name(args" -- the input arguments
 * only, like strace before a call. If an output argument follows, the
 * text ends with ", " where it would start (strace's "read(0, "); the
 * caller appends ") = ?", " <unfinished ...>" or the like. */
size_t strace_format_enter(char *buf, size_t len, uint64_t nr,
			   const uint64_t a[6], strace_read_fn read,
			   void *ctx);

/* "ENOENT" for 2, "ERESTARTSYS" for 512; NULL if err has no name. */
const char *strace_errno_name(int err);

/* "No such file or directory" for 2 (glibc's strerror text, and strace's
 * text for the kernel-internal restart codes); NULL if err has no name. */
const char *strace_errno_text(int err);

/* "SIGINT" for 2, "SIGRTMIN" for 32, "SIGRT_1" for 33 .. "SIGRT_32" for
 * 64; NULL otherwise. */
const char *strace_signal_name(int sig);

#endif
