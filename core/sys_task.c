/* Syscalls about the calling task itself: identity, exit, thread-local
 * storage and the thread-library registrations. */
#include <asm/prctl.h>
#include <errno.h>

#include "core/kernel.h"
#include "core/mm.h"
#include "core/syscall.h"
#include "core/task.h"

SYSCALL_DECL(exit)
{
	task_exit(t, (int)a[0]);
	return 0;
}

SYSCALL_DECL(exit_group)
{
	task_exit_group(t, ((int)a[0] & 0xff) << 8);
	return 0;
}

SYSCALL_DECL(getpid)
{
	(void)a;
	return t->tg->tgid;
}

SYSCALL_DECL(gettid)
{
	(void)a;
	return t->tid;
}

SYSCALL_DECL(getppid)
{
	(void)a;
	/* pid 1's parent is outside the sandbox: 0, as in a pid namespace. */
	return t->tg->parent ? t->tg->parent->tgid : 0;
}

SYSCALL_DECL(getuid) { (void)a; return t->uid; }
SYSCALL_DECL(geteuid) { (void)a; return t->euid; }
SYSCALL_DECL(getgid) { (void)a; return t->gid; }
SYSCALL_DECL(getegid) { (void)a; return t->egid; }

SYSCALL_DECL(set_tid_address)
{
	t->clear_child_tid = a[0];
	return t->tid;
}

SYSCALL_DECL(set_robust_list)
{
	/* struct robust_list_head is three words on x86-64. */
	if (a[1] != 24)
		return -EINVAL;
	t->robust_list = a[0];
	t->robust_list_len = a[1];
	return 0;
}

SYSCALL_DECL(get_robust_list)
{
	if (a[0] != 0 && a[0] != t->tid)
		return -ESRCH;
	uint64_t head = t->robust_list, len = t->robust_list_len;
	if (mm_copy_to(t->mm, a[1], &head, sizeof(head)) < 0 ||
	    mm_copy_to(t->mm, a[2], &len, sizeof(len)) < 0)
		return -EFAULT;
	return 0;
}

SYSCALL_DECL(arch_prctl)
{
	struct user_regs_struct *r = &t->cpu.regs;
	switch (a[0]) {
	case ARCH_SET_FS:
	case ARCH_SET_GS:
		if (a[1] >= USER_ADDR_END)
			return -EPERM;
		if (a[0] == ARCH_SET_FS)
			r->fs_base = a[1];
		else
			r->gs_base = a[1];
		return 0;
	case ARCH_GET_FS:
	case ARCH_GET_GS: {
		/* The platform fetches fs/gs base lazily. */
		int rc = t->kernel->platform_ops->ctx_pull_state(t->ctx,
								 &t->cpu);
		if (rc < 0)
			return rc;
		uint64_t v = a[0] == ARCH_GET_FS ? r->fs_base : r->gs_base;
		return mm_copy_to(t->mm, a[1], &v, sizeof(v));
	}
	default:
		/* CET and AMX requests: not offered, as on a CPU without. */
		return -EINVAL;
	}
}

SYSCALL_DECL(rseq)
{
	(void)t, (void)a;
	/* Restartable sequences need the kernel to rewrite rip on
	 * preemption; snapctl answers as a Linux built without CONFIG_RSEQ
	 * does, and glibc then simply does without them. A deliberate
	 * answer, so not logged as unimplemented. */
	return -ENOSYS;
}
