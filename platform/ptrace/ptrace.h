/* The ptrace platform: address spaces are stub processes, contexts are
 * stub threads traced with PTRACE_SYSEMU. See README.md. */
#ifndef PLATFORM_PTRACE_PTRACE_H
#define PLATFORM_PTRACE_PTRACE_H

#include <sys/types.h>

#include "platform/platform.h"

extern const struct platform_ops ptrace_platform_ops;

/* Introspection for tests and debugging, not for the kernel. */
pid_t ptrace_platform_master_pid(struct platform *p);
pid_t ptrace_as_pid(struct platform_as *as);
/* ctx's stub thread in as, 0 if it has none. */
pid_t ptrace_ctx_tid(struct platform_ctx *ctx, struct platform_as *as);
/* Makes the stub's own (untraced) control thread make system call nr:
 * proves what its seccomp filter allows. Returns 0 and the result in
 * *result, or -ESRCH if the stub is (now) gone. */
int ptrace_as_debug_syscall(struct platform_as *as, long nr, long a0,
			    long a1, long a2, long *result);

#endif
