/* prctl(2): the process-control requests programs and runtimes use
 * (glibc, Python, shells, supervisors). Anything else is EINVAL, as
 * Linux answers an unknown option, and logged. The name
 * (PR_SET_NAME) and the parent-death signal are per process here (per
 * thread in Linux). */
#include <errno.h>
#include <linux/prctl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "core/kernel.h"
#include "core/mm.h"
#include "core/signal.h"
#include "core/syscall.h"
#include "core/syscalls_proc.h"
#include "core/task.h"

static int64_t set_name(struct task *t, uint64_t addr)
{
	char name[16];
	memset(name, 0, sizeof(name));
	/* Up to 15 bytes: the name may end close to a page without a NUL. */
	for (size_t i = 0; i < sizeof(name) - 1; i++) {
		if (mm_copy_from(t->mm, &name[i], addr + i, 1) < 0)
			return -EFAULT;
		if (!name[i])
			break;
	}
	memcpy(t->tg->comm, name, sizeof(name));
	return 0;
}

static int64_t put_int(struct task *t, uint64_t addr, int v)
{
	return mm_copy_to(t->mm, addr, &v, sizeof(v));
}

/* Options that are refused on purpose, loudly: a seccomp filter would
 * have to be enforced by the kernel, which snapctl does not do. */
static int64_t refuse(const char *what)
{
	fprintf(stderr, "snapctl: prctl %s is not supported\n", what);
	return -EINVAL;
}

static int64_t unknown_option(uint64_t option)
{
	/* Worded like the dispatcher's log of a missing syscall, which
	 * this is: a missing part of one. */
	fprintf(stderr, "snapctl: unimplemented syscall prctl option %llu\n",
		(unsigned long long)option);
	return -EINVAL;
}

SYSCALL_DECL(prctl)
{
	struct thread_group *tg = t->tg;
	switch (a[0]) {
	case PR_SET_NAME:
		return set_name(t, a[1]);
	case PR_GET_NAME:
		return mm_copy_to(t->mm, a[1], tg->comm, sizeof(tg->comm));
	case PR_SET_PDEATHSIG:
		if (a[1] > SIG_COUNT)
			return -EINVAL;
		tg->pdeathsig = (int)a[1];
		return 0;
	case PR_GET_PDEATHSIG:
		return put_int(t, a[1], tg->pdeathsig);
	case PR_SET_CHILD_SUBREAPER:
		tg->subreaper = a[1] != 0;
		return 0;
	case PR_GET_CHILD_SUBREAPER:
		return put_int(t, a[1], tg->subreaper);
	case PR_SET_NO_NEW_PRIVS:
		if (a[1] != 1 || a[2] || a[3] || a[4])
			return -EINVAL;
		t->no_new_privs = true;
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		if (a[1] || a[2] || a[3] || a[4])
			return -EINVAL;
		return t->no_new_privs;
	case PR_GET_DUMPABLE:
		return tg->dumpable;
	case PR_SET_DUMPABLE:
		if (a[1] > 1)
			return -EINVAL;
		tg->dumpable = a[1] == 1;
		return 0;
	case PR_GET_SECCOMP:
		return 0;  /* no filter, ever */
	case PR_SET_SECCOMP:
		return refuse("PR_SET_SECCOMP");
	case PR_CAPBSET_READ:
		/* The bounding set is every capability. */
		return a[1] <= 40 ? 1 : -EINVAL;
	case PR_SET_VMA:
		/* Naming anonymous mappings: a Linux built without
		 * CONFIG_ANON_VMA_NAME says EINVAL, and glibc, which asks on
		 * every new arena and thread stack, goes on without. A
		 * deliberate answer, so not logged. */
		return -EINVAL;
	default:
		return unknown_option(a[0]);
	}
}
