/* System-call dispatch: the table from number to handler and name.
 *
 * A handler gets the calling task and the six argument registers and
 * returns a value or -errno, which becomes rax. Handlers run under the
 * kernel lock. Numbers without a handler return -ENOSYS and are logged
 * once each, by name (DESIGN.md invariant 7). */
#ifndef CORE_SYSCALL_H
#define CORE_SYSCALL_H

#include <stdint.h>

struct task;

#define SYSCALL_MAX 512

/* Linux's kernel-internal restart codes (include/linux/errno.h; not in
 * the UAPI headers). A handler interrupted before it finished returns
 * one; the application never sees it: the dispatcher makes the syscall
 * run again (or, for RESTARTBLOCK, restart_syscall(2) continue it) when
 * the task resumes -- after a thaw, or after a restore. */
#define ERESTARTSYS 512
#define ERESTARTNOINTR 513
#define ERESTARTNOHAND 514
#define ERESTART_RESTARTBLOCK 516

typedef int64_t (*syscall_fn)(struct task *t, const uint64_t a[6]);

/* The x86-64 name of syscall nr ("read"), or NULL if none. */
const char *syscall_name(uint64_t nr);

/* The handler of nr, or NULL. */
syscall_fn syscall_handler(uint64_t nr);

/* Runs the syscall in t->cpu (number in orig_rax), stores the result in
 * rax, and prints it when strace is on. */
void syscall_dispatch(struct task *t);

/* Handlers, grouped by file. */
#define SYSCALL_DECL(name) \
	int64_t sys_##name(struct task *t, const uint64_t a[6])

#endif
