/* epoll and eventfd syscall handlers, for the table in syscall_table.c:
 * sys_epoll.c (epoll_*), eventfd.c (eventfd, eventfd2). */
#ifndef CORE_SYSCALLS_EPOLL_H
#define CORE_SYSCALLS_EPOLL_H

#include "core/syscall.h"

SYSCALL_DECL(epoll_create);
SYSCALL_DECL(epoll_create1);
SYSCALL_DECL(epoll_ctl);
SYSCALL_DECL(epoll_wait);
SYSCALL_DECL(epoll_pwait);
SYSCALL_DECL(epoll_pwait2);
SYSCALL_DECL(eventfd);
SYSCALL_DECL(eventfd2);

#define SYSCALL_ENTRIES_EPOLL                                              \
	ENTRY(epoll_create), ENTRY(epoll_create1), ENTRY(epoll_ctl),        \
	ENTRY(epoll_wait), ENTRY(epoll_pwait), ENTRY(epoll_pwait2),         \
	ENTRY(eventfd), ENTRY(eventfd2)

#endif
