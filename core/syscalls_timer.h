/* Timer and CPU-time syscall handlers, for the table in syscall_table.c:
 * sys_timer.c (alarm, itimers, POSIX timers), timerfd.c, sys_rusage.c
 * (times, getrusage). */
#ifndef CORE_SYSCALLS_TIMER_H
#define CORE_SYSCALLS_TIMER_H

#include "core/syscall.h"

SYSCALL_DECL(alarm);
SYSCALL_DECL(getitimer);
SYSCALL_DECL(setitimer);
SYSCALL_DECL(timer_create);
SYSCALL_DECL(timer_settime);
SYSCALL_DECL(timer_gettime);
SYSCALL_DECL(timer_getoverrun);
SYSCALL_DECL(timer_delete);
SYSCALL_DECL(timerfd_create);
SYSCALL_DECL(timerfd_settime);
SYSCALL_DECL(timerfd_gettime);
SYSCALL_DECL(times);
SYSCALL_DECL(getrusage);

#define SYSCALL_ENTRIES_TIMER                                               \
	ENTRY(alarm), ENTRY(getitimer), ENTRY(setitimer),                   \
	ENTRY(timer_create), ENTRY(timer_settime), ENTRY(timer_gettime),    \
	ENTRY(timer_getoverrun), ENTRY(timer_delete),                       \
	ENTRY(timerfd_create), ENTRY(timerfd_settime),                      \
	ENTRY(timerfd_gettime), ENTRY(times), ENTRY(getrusage)

#endif
