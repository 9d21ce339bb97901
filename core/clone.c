/* clone(2), fork(2), vfork(2): new tasks -- threads sharing everything
 * with their group, or processes with a copy-on-write address space and
 * copies of the fd table and fs context. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cred.h"
#include "core/fdtable.h"
#include "core/fs/fs_context.h"
#include "core/jobctl.h"
#include "core/kernel.h"
#include "core/mm.h"
#include "core/syscall.h"
#include "core/task.h"

#define CLONE_KNOWN                                                        \
	(CSIGNAL | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |      \
	 CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |  \
	 CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | CLONE_VFORK |           \
	 CLONE_PARENT | CLONE_DETACHED | CLONE_IO)

struct clone_args_k {
	uint64_t flags, stack, ptid, ctid, tls;
};

static int check_flags(uint64_t f)
{
	if (f & ~(uint64_t)CLONE_KNOWN) {
		/* Namespaces, pidfds, ptrace: not offered. */
		fprintf(stderr, "snapctl: clone flags %#llx not supported\n",
			(unsigned long long)(f & ~(uint64_t)CLONE_KNOWN));
		return -EINVAL;
	}
	if ((f & CLONE_THREAD) && !(f & CLONE_SIGHAND))
		return -EINVAL;
	if ((f & CLONE_SIGHAND) && !(f & CLONE_VM))
		return -EINVAL;
	return 0;
}

static struct thread_group *new_group(struct task *parent, struct task *child,
				      uint64_t flags)
{
	struct thread_group *tg = calloc(1, sizeof(*tg));
	if (!tg)
		return NULL;
	const struct thread_group *ptg = parent->tg;
	tg->tgid = child->tid;
	tg->parent = (flags & CLONE_PARENT) ? ptg->parent : parent->tg;
	tg->leader = child;
	tg->exit_signal = (int)(flags & CSIGNAL);
	memcpy(tg->comm, ptg->comm, sizeof(tg->comm));
	memcpy(tg->rlim, ptg->rlim, sizeof(tg->rlim));
	memcpy(tg->actions, ptg->actions, sizeof(tg->actions));
	jobctl_fork_group(tg, ptg);
	return tg;
}

/* What the child shares or copies: memory, files, fs context. */
static int share_or_copy(struct task *p, struct task *c, uint64_t flags)
{
	int rc = 0;
	if (flags & CLONE_VM) {
		c->mm = p->mm;
		c->mm->users++;
	} else {
		rc = mm_fork(p->mm, &c->mm);
	}
	if (flags & CLONE_FILES) {
		c->files = p->files;
		c->files->refs++;
	} else if (rc == 0 && !(c->files = fdtable_dup(p->files))) {
		rc = -ENOMEM;
	}
	if (flags & CLONE_FS) {
		c->fs = p->fs;
		if (c->fs)
			fs_context_get(c->fs);
	} else if (p->fs && rc == 0 && !(c->fs = fs_context_copy(p->fs))) {
		rc = -ENOMEM;
	}
	return rc;
}

static void copy_cpu(struct task *p, struct task *c,
		     const struct clone_args_k *ca)
{
	c->cpu = p->cpu;
	c->cpu.regs.rax = 0;
	if (ca->stack)
		c->cpu.regs.rsp = ca->stack;
	if (ca->flags & CLONE_SETTLS)
		c->cpu.regs.fs_base = ca->tls;
}

static void copy_identity(struct task *p, struct task *c, uint64_t flags)
{
	cred_copy(c, p);
	c->sig_blocked = p->sig_blocked;
	/* A thread on a new stack must not inherit the alternate stack. */
	if (!((flags & CLONE_VM) && !(flags & CLONE_VFORK)))
		c->altstack = p->altstack;
	if (flags & CLONE_CHILD_CLEARTID)
		c->clear_child_tid = 0; /* set by the caller below */
}

static void discard_child(struct kernel *k, struct task *c, bool own_group)
{
	k->live_tasks--;
	c->state = TASK_EXITED;
	if (own_group)
		c->tg->nthreads = 0;
	else
		c->tg->nthreads--;
	for (struct task **p = &k->tasks; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	task_free(c);
}

static int64_t do_clone(struct task *p, const struct clone_args_k *ca)
{
	struct kernel *k = p->kernel;
	int rc = check_flags(ca->flags);
	if (rc < 0)
		return rc;
	/* The child starts from every register of the parent. */
	rc = k->platform_ops->ctx_pull_state(p->ctx, &p->cpu);
	if (rc < 0)
		return rc;
	task_reap_orphans(k);
	struct task *c;
	rc = task_create_thread(k, p, ca->flags & CLONE_THREAD, &c);
	if (rc < 0)
		return rc;
	bool own = !(ca->flags & CLONE_THREAD);
	if (own && !(c->tg = new_group(p, c, ca->flags))) {
		discard_child(k, c, false);
		return -ENOMEM;
	}
	if (own)
		c->tg->nthreads = 1;
	rc = share_or_copy(p, c, ca->flags);
	if (rc < 0) {
		discard_child(k, c, own);
		return rc;
	}
	copy_cpu(p, c, ca);
	copy_identity(p, c, ca->flags);
	uint32_t tid = c->tid;
	if (ca->flags & CLONE_CHILD_CLEARTID)
		c->clear_child_tid = ca->ctid;
	if (ca->flags & CLONE_PARENT_SETTID)
		mm_copy_to(p->mm, ca->ptid, &tid, sizeof(tid));
	if (ca->flags & CLONE_CHILD_SETTID)
		mm_copy_to(c->mm, ca->ctid, &tid, sizeof(tid));
	rc = task_start(c);
	if (rc < 0) {
		discard_child(k, c, own);
		return rc;
	}
	if (ca->flags & CLONE_VFORK)
		p->vfork_child = tid;
	return tid;
}

SYSCALL_DECL(clone)
{
	/* x86-64 order: flags, stack, parent_tid, child_tid, tls. */
	const struct clone_args_k ca = { a[0], a[1], a[2], a[3], a[4] };
	return do_clone(t, &ca);
}

SYSCALL_DECL(fork)
{
	(void)a;
	const struct clone_args_k ca = { SIGCHLD, 0, 0, 0, 0 };
	return do_clone(t, &ca);
}

SYSCALL_DECL(vfork)
{
	(void)a;
	const struct clone_args_k ca = { CLONE_VM | CLONE_VFORK | SIGCHLD, 0,
					 0, 0, 0 };
	return do_clone(t, &ca);
}

/* The vfork parent sleeps until its child exits or execs; a freeze
 * parks it meanwhile (the wait is not a syscall, so nothing restarts). */
void task_wait_vfork(struct task *t)
{
	struct kernel *k = t->kernel;
	while (t->vfork_child && !task_leaving(t) && !k->freezing) {
		struct task *c = NULL;
		for (struct task *x = k->tasks; x; x = x->next)
			if (x->tid == t->vfork_child)
				c = x;
		if (!c || c->state == TASK_EXITED || c->vfork_released) {
			t->vfork_child = 0;
			return;
		}
		pthread_cond_wait(&t->wake, &k->lock);
	}
}

/* clone3's struct clone_args (linux/sched.h), first 64 bytes: the
 * fields that map onto clone. set_tid, pidfds and cgroups are not
 * offered. */
struct clone3_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls;
};

SYSCALL_DECL(clone3)
{
	struct clone3_args ca3;
	memset(&ca3, 0, sizeof(ca3));
	if (a[1] < sizeof(ca3) || a[1] > 4096)
		return -EINVAL;
	if (mm_copy_from(t->mm, &ca3, a[0], sizeof(ca3)) < 0)
		return -EFAULT;
	/* pidfd is read only with CLONE_PIDFD (refused by check_flags);
	 * glibc fills it in regardless. */
	if ((ca3.flags & CSIGNAL) || ca3.exit_signal > 64)
		return -EINVAL;
	/* clone3 names the stack by its lowest address and size. */
	const struct clone_args_k ca = {
		ca3.flags | ca3.exit_signal,
		ca3.stack ? ca3.stack + ca3.stack_size : 0,
		ca3.parent_tid, ca3.child_tid, ca3.tls,
	};
	return do_clone(t, &ca);
}
