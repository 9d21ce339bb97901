/* The syscall table and the dispatcher. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>

#include "core/kernel.h"
#include "core/mm.h"
#include "core/strace.h"
#include "core/syscalls.h"
#include "core/syscalls_epoll.h"
#include "core/syscalls_poll.h"
#include "core/syscalls_proc.h"
#include "core/syscalls_timer.h"
#include "core/task.h"

#define ENTRY(name) [SYS_##name] = sys_##name

static const syscall_fn syscall_table[SYSCALL_MAX] = {
	ENTRY(read), ENTRY(write), ENTRY(readv), ENTRY(writev),
	ENTRY(brk), ENTRY(mmap), ENTRY(munmap), ENTRY(mprotect),
	ENTRY(mremap), ENTRY(madvise), ENTRY(msync), ENTRY(mincore),
	ENTRY(exit), ENTRY(exit_group),
	ENTRY(getpid), ENTRY(gettid), ENTRY(getppid),
	ENTRY(getuid), ENTRY(geteuid), ENTRY(getgid), ENTRY(getegid),
	ENTRY(set_tid_address), ENTRY(set_robust_list),
	ENTRY(get_robust_list), ENTRY(arch_prctl), ENTRY(rseq),
	ENTRY(restart_syscall),
	ENTRY(rt_sigaction), ENTRY(rt_sigprocmask), ENTRY(rt_sigpending),
	ENTRY(rt_sigreturn), ENTRY(rt_sigsuspend), ENTRY(sigaltstack),
	ENTRY(kill), ENTRY(tgkill), ENTRY(tkill), ENTRY(pause),
	ENTRY(clone), ENTRY(clone3), ENTRY(fork), ENTRY(vfork), ENTRY(wait4), ENTRY(waitid),
	ENTRY(execve), ENTRY(execveat),
	ENTRY(futex),
	ENTRY(clock_gettime), ENTRY(clock_getres), ENTRY(gettimeofday),
	ENTRY(time), ENTRY(nanosleep), ENTRY(clock_nanosleep),
	ENTRY(uname), ENTRY(sysinfo), ENTRY(getrandom),
	ENTRY(prlimit64), ENTRY(getrlimit), ENTRY(setrlimit),
	ENTRY(sched_getaffinity), ENTRY(sched_yield),
	SYSCALL_ENTRIES_FS,
	SYSCALL_ENTRIES_POLL,
	SYSCALL_ENTRIES_EPOLL,
	SYSCALL_ENTRIES_PROC,
	SYSCALL_ENTRIES_TIMER,
};

syscall_fn syscall_handler(uint64_t nr)
{
	return nr < SYSCALL_MAX ? syscall_table[nr] : NULL;
}

/* Unimplemented is loud, not fatal (DESIGN.md invariant 7): one line per
 * syscall number, then -ENOSYS quietly. */
static void log_enosys(struct kernel *k, uint64_t nr)
{
	if (nr < sizeof(k->enosys_seen) * 8) {
		uint64_t bit = 1ull << (nr % 64);
		if (k->enosys_seen[nr / 64] & bit)
			return;
		k->enosys_seen[nr / 64] |= bit;
	}
	const char *name = syscall_name(nr);
	if (name)
		fprintf(stderr, "snapctl: unimplemented syscall %s (%llu)\n",
			name, (unsigned long long)nr);
	else
		fprintf(stderr, "snapctl: unknown syscall %llu\n",
			(unsigned long long)nr);
}

static int strace_read(void *ctx, void *dst, uint64_t addr, size_t n)
{
	struct task *t = ctx;
	return t->mm ? mm_copy_from(t->mm, dst, addr, n) : -EFAULT;
}

/* strace prints calls that do not return before they run. */
static bool never_returns(uint64_t nr)
{
	return nr == SYS_exit || nr == SYS_exit_group;
}

/* A successful exec replaces the memory its arguments were in: they are
 * formatted before the call. Returns a malloc'd "execve(args" or NULL. */
static char *strace_exec_args(struct task *t, uint64_t nr, const uint64_t a[6])
{
	if (nr != SYS_execve && nr != SYS_execveat)
		return NULL;
	char *line = malloc(1024);
	if (line)
		strace_format_enter(line, 1024, nr, a, strace_read, t);
	return line;
}

static void strace_print(struct task *t, uint64_t nr, const uint64_t a[6],
			 int64_t ret, bool before)
{
	char line[1024];
	if (before)
		strace_format_enter(line, sizeof(line), nr, a, strace_read, t);
	else
		strace_format(line, sizeof(line), nr, a, ret, strace_read, t);
	fprintf(t->kernel->strace_out, "[pid %u] %s%s\n", t->tid, line,
		before ? ") = ?" : "");
}

static bool is_restart_code(int64_t ret)
{
	return ret == -ERESTARTSYS || ret == -ERESTARTNOINTR ||
	       ret == -ERESTARTNOHAND || ret == -ERESTART_RESTARTBLOCK;
}

/* Backs the task up onto its syscall instruction (2 bytes: 0f 05) so the
 * call runs again when the task resumes; RESTARTBLOCK resumes through
 * restart_syscall(2) with the state the handler left in t->restart. If a
 * signal handler runs first, signal_deliver may undo this (EINTR). */
static void syscall_set_restart(struct task *t, int64_t ret)
{
	struct user_regs_struct *r = &t->cpu.regs;
	r->rax = ret == -ERESTART_RESTARTBLOCK ? SYS_restart_syscall
					       : r->orig_rax;
	r->rip -= 2;
}

void syscall_dispatch(struct task *t)
{
	struct user_regs_struct *r = &t->cpu.regs;
	uint64_t nr = r->orig_rax;
	const uint64_t a[6] = { r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9 };
	bool tracing = t->kernel->strace_out != NULL;
	if (tracing && never_returns(nr))
		strace_print(t, nr, a, 0, true);
	char *exec_args = tracing ? strace_exec_args(t, nr, a) : NULL;
	/* The task ran on: a syscall it was backed onto is behind it. */
	t->syscall_restart = 0;
	syscall_fn fn = syscall_handler(nr);
	int64_t ret;
	if (fn) {
		ret = fn(t, a);
	} else {
		log_enosys(t->kernel, nr);
		ret = -ENOSYS;
	}
	struct kernel *k = t->kernel;
	if (++k->syscalls % (k->torture_every_sys ? k->torture_every_sys
						  : UINT64_MAX) == 0) {
		k->checkpoint_wanted = true;
		pthread_cond_broadcast(&k->exit_cond);
	}
	if (exec_args && ret == 0)
		fprintf(k->strace_out, "[pid %u] %s) = 0\n", t->tid, exec_args);
	else if (tracing && !never_returns(nr))
		strace_print(t, nr, a, ret, false);
	free(exec_args);
	/* rt_sigreturn returns the interrupted context's rax, which is
	 * never a restart request. */
	if (is_restart_code(ret) && nr != SYS_rt_sigreturn) {
		syscall_set_restart(t, ret);
		/* signal_deliver decides: restart, or -EINTR for a handler. */
		t->syscall_restart = ret;
	} else {
		r->rax = (uint64_t)ret;
	}
}
