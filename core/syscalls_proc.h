/* Process-control syscall handlers (issue 5): process groups and
 * sessions, credentials, prctl, scheduling, signal extras. For the
 * table in syscall_table.c. */
#ifndef CORE_SYSCALLS_PROC_H
#define CORE_SYSCALLS_PROC_H

#include "core/syscall.h"

/* sys_pgrp.c */
SYSCALL_DECL(setpgid);
SYSCALL_DECL(getpgid);
SYSCALL_DECL(getpgrp);
SYSCALL_DECL(setsid);
SYSCALL_DECL(getsid);

/* sys_cred.c */
SYSCALL_DECL(setuid);
SYSCALL_DECL(setgid);
SYSCALL_DECL(setreuid);
SYSCALL_DECL(setregid);
SYSCALL_DECL(setresuid);
SYSCALL_DECL(setresgid);
SYSCALL_DECL(getresuid);
SYSCALL_DECL(getresgid);
SYSCALL_DECL(setfsuid);
SYSCALL_DECL(setfsgid);
SYSCALL_DECL(setgroups);
SYSCALL_DECL(getgroups);
SYSCALL_DECL(capget);
SYSCALL_DECL(capset);

/* sys_prctl.c */
SYSCALL_DECL(prctl);

/* sys_sched.c */
SYSCALL_DECL(sched_setaffinity);
SYSCALL_DECL(sched_getparam);
SYSCALL_DECL(sched_setparam);
SYSCALL_DECL(sched_getscheduler);
SYSCALL_DECL(sched_setscheduler);
SYSCALL_DECL(sched_get_priority_max);
SYSCALL_DECL(sched_get_priority_min);
SYSCALL_DECL(sched_rr_get_interval);
SYSCALL_DECL(getpriority);
SYSCALL_DECL(setpriority);

/* sys_sigwait.c */
SYSCALL_DECL(rt_sigtimedwait);
struct restart_block;
/* restart_syscall(2) of an rt_sigtimedwait stopped by a freeze or a
 * job-control stop: it goes on to the same deadline. */
int64_t sigtimedwait_restart(struct task *t, const struct restart_block *rb);
SYSCALL_DECL(rt_sigqueueinfo);
SYSCALL_DECL(rt_tgsigqueueinfo);

/* signalfd.c */
SYSCALL_DECL(signalfd);
SYSCALL_DECL(signalfd4);

#define SYSCALL_ENTRIES_PROC                                              \
	ENTRY(setpgid), ENTRY(getpgid), ENTRY(getpgrp), ENTRY(setsid),     \
	ENTRY(getsid), ENTRY(setuid), ENTRY(setgid), ENTRY(setreuid),      \
	ENTRY(setregid), ENTRY(setresuid), ENTRY(setresgid),               \
	ENTRY(getresuid), ENTRY(getresgid), ENTRY(setfsuid),               \
	ENTRY(setfsgid), ENTRY(setgroups), ENTRY(getgroups),               \
	ENTRY(capget), ENTRY(capset), ENTRY(prctl),                        \
	ENTRY(sched_setaffinity), ENTRY(sched_getparam),                   \
	ENTRY(sched_setparam), ENTRY(sched_getscheduler),                  \
	ENTRY(sched_setscheduler), ENTRY(sched_get_priority_max),          \
	ENTRY(sched_get_priority_min), ENTRY(sched_rr_get_interval),       \
	ENTRY(getpriority), ENTRY(setpriority), ENTRY(rt_sigtimedwait),    \
	ENTRY(rt_sigqueueinfo), ENTRY(rt_tgsigqueueinfo),                  \
	ENTRY(signalfd), ENTRY(signalfd4)

#endif
