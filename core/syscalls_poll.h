/* Pipe and polling syscall handlers, for the table in syscall_table.c:
 * sys_pipe.c (pipe, pipe2), sys_poll.c (poll, ppoll, select, pselect6). */
#ifndef CORE_SYSCALLS_POLL_H
#define CORE_SYSCALLS_POLL_H

#include "core/syscall.h"

struct restart_block;

SYSCALL_DECL(pipe);
SYSCALL_DECL(pipe2);
SYSCALL_DECL(poll);
SYSCALL_DECL(ppoll);
SYSCALL_DECL(select);
SYSCALL_DECL(pselect6);

/* restart_syscall(2) for a RESTART_POLL block (sys_poll.c). */
int64_t sys_poll_restart(struct task *t, const struct restart_block *rb);

#define SYSCALL_ENTRIES_POLL                                               \
	ENTRY(pipe), ENTRY(pipe2), ENTRY(poll), ENTRY(ppoll),               \
	ENTRY(select), ENTRY(pselect6)

#endif
