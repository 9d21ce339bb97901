/* The ptrace platform's system call round trip against its floor.
 *
 *   native    syscall(SYS_getppid) in a loop
 *   raw       a traced child looping on getppid; the tracer does only
 *             PTRACE_SYSEMU + waitpid, no register access: the floor
 *   platform  ctx_switch with the call answered at once (rax set)
 *
 * and a few other platform costs. Prints; never fails. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "platform/cpu.h"
#include "platform/platform.h"
#include "platform/ptrace/ptrace.h"

#define ROUNDS 7
#define CODE 0x400000ULL
#define STACK 0x7ff000ULL

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct result {
	double best, median;
	int ok;
};

static struct result summarize(double *v)
{
	struct result r = { 0, 0, 1 };
	qsort(v, ROUNDS, sizeof(*v), cmp_double);
	r.best = v[0];
	r.median = v[ROUNDS / 2];
	return r;
}

static void print(const char *name, struct result r)
{
	if (r.ok)
		printf("  %-34s %9.0f %9.0f\n", name, r.best, r.median);
	else
		printf("  %-34s   (failed: %s)\n", name, strerror(errno));
}

static struct result bench_native(int n)
{
	double v[ROUNDS];
	for (int k = 0; k < ROUNDS; k++) {
		double t0 = now_ns();
		for (int i = 0; i < n; i++)
			syscall(SYS_getppid);
		v[k] = (now_ns() - t0) / n;
	}
	return summarize(v);
}

/* A child looping on getppid, traced and stopped at its first call. */
static pid_t raw_start(void)
{
	int status;
	pid_t child = fork();

	if (child <= 0) {
		if (child == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			raise(SIGSTOP);
			for (;;)
				syscall(SYS_getppid);
		}
		return -1;
	}
	if (waitpid(child, &status, WUNTRACED) != child ||
	    ptrace(PTRACE_SEIZE, child, NULL,
		   (void *)(uintptr_t)(PTRACE_O_TRACESYSGOOD |
				       PTRACE_O_EXITKILL)))
		goto fail;
	kill(child, SIGCONT);
	if (ptrace(PTRACE_INTERRUPT, child, NULL, NULL))
		goto fail;
	for (int i = 0; i < 100; i++) {
		if (waitpid(child, &status, __WALL) != child ||
		    !WIFSTOPPED(status))
			goto fail;
		if (WSTOPSIG(status) == (SIGTRAP | 0x80))
			return child;
		ptrace(PTRACE_SYSEMU, child, NULL, NULL);
	}
fail:
	kill(child, SIGKILL);
	waitpid(child, &status, __WALL);
	return -1;
}

static void raw_stop(pid_t child)
{
	int status;
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, &status, __WALL);
	}
}

static double raw_round(pid_t child, int n)
{
	int status;
	double t0 = now_ns();
	for (int i = 0; i < n; i++) {
		ptrace(PTRACE_SYSEMU, child, NULL, NULL);
		waitpid(child, &status, __WALL);
	}
	return (now_ns() - t0) / n;
}

struct plat {
	const struct platform_ops *ops;
	int memfd;
	struct platform *p;
	struct platform_as *as;
	struct platform_ctx *ctx;
	struct cpu_state *cpu;
};

static int plat_open(struct plat *pl)
{
	/* 1: mov $110,%eax; syscall; jmp 1b */
	static const uint8_t code[] = { 0xb8, 0x6e, 0, 0, 0, 0x0f, 0x05, 0xeb,
					0xf7 };
	memset(pl, 0, sizeof(*pl));
	pl->ops = platform_find("ptrace");
	pl->memfd = memfd_create("bench-mem", MFD_CLOEXEC);
	pl->cpu = aligned_alloc(64, sizeof(*pl->cpu));
	if (!pl->ops || pl->memfd < 0 || !pl->cpu ||
	    ftruncate(pl->memfd, 1 << 20) ||
	    pwrite(pl->memfd, code, sizeof(code), 0) != sizeof(code))
		return -1;
	if (pl->ops->create(&pl->p, pl->memfd) ||
	    pl->ops->as_create(pl->p, &pl->as) ||
	    pl->ops->ctx_create(pl->p, &pl->ctx) ||
	    pl->ops->as_map(pl->as, CODE, 0x1000, 0, PROT_READ | PROT_EXEC) ||
	    pl->ops->as_map(pl->as, STACK, 0x1000, 0x1000,
			    PROT_READ | PROT_WRITE))
		return -1;
	cpu_state_init_exec(pl->cpu, CODE, STACK + 0x1000);
	return 0;
}

static void plat_close(struct plat *pl)
{
	if (pl->ctx)
		pl->ops->ctx_destroy(pl->ctx);
	if (pl->as)
		pl->ops->as_destroy(pl->as);
	if (pl->p)
		pl->ops->destroy(pl->p);
	if (pl->memfd >= 0)
		close(pl->memfd);
	free(pl->cpu);
}

static double platform_round(struct plat *pl, int n, int pull)
{
	struct platform_event ev;
	double t0 = now_ns();
	for (int i = 0; i < n; i++) {
		if (pull)
			pl->ops->ctx_pull_state(pl->ctx, pl->cpu);
		pl->cpu->regs.rax = 1;
		if (pl->ops->ctx_switch(pl->ctx, pl->as, pl->cpu, &ev) ||
		    ev.stop != PLATFORM_SYSCALL)
			return -1;
	}
	return (now_ns() - t0) / n;
}

/* Raw and platform rounds interleaved, so that both see the same noise;
 * the ratio is the median of the per-round ratios. */
static void compare(const char *how, pid_t child, struct plat *pl, int n)
{
	double raw[ROUNDS], plat[ROUNDS], ratio[ROUNDS];
	for (int k = 0; k < ROUNDS; k++) {
		raw[k] = raw_round(child, n);
		plat[k] = platform_round(pl, n, 0);
		if (plat[k] < 0) {
			printf("  %s: platform round failed\n", how);
			return;
		}
		ratio[k] = plat[k] / raw[k];
	}
	printf(" %s\n", how);
	print("getppid raw PTRACE_SYSEMU", summarize(raw));
	print("getppid platform ctx_switch", summarize(plat));
	struct result r = summarize(ratio);
	printf("  %-34s %9.2f %9.2f\n", "ratio platform / raw", r.best,
	       r.median);
}

static void pin(pid_t tid, int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(tid, sizeof(set), &set);
}

static struct result bench_pull(struct plat *pl, int n)
{
	double v[ROUNDS];
	struct result res = { 0, 0, 0 };
	for (int k = 0; k < ROUNDS; k++)
		if ((v[k] = platform_round(pl, n, 1)) < 0)
			return res;
	return summarize(v);
}

static struct result bench_map(struct plat *pl, int n)
{
	struct result res = { 0, 0, 0 };
	double v[ROUNDS];
	for (int k = 0; k < ROUNDS; k++) {
		double t0 = now_ns();
		for (int i = 0; i < n; i++)
			if (pl->ops->as_map(pl->as,
					    0x10000000ULL + (i & 63) * 0x1000,
					    0x1000, 0x2000,
					    PROT_READ | PROT_WRITE))
				return res;
		v[k] = (now_ns() - t0) / n;
	}
	return summarize(v);
}

static struct result bench_fault(struct plat *pl, int n)
{
	/* A load from an unmapped page, mapped on the fault and retried,
	 * then unmapped again: one fault round trip plus map and unmap. */
	static const uint8_t code[] = {
		0x48, 0x8b, 0x3b,       /* mov (%rbx),%rdi */
		0xb8, 0x6e, 0, 0, 0,    /* mov $110,%eax */
		0x0f, 0x05,             /* syscall */
	};
	struct result res = { 0, 0, 0 };
	struct platform_event ev;
	double v[ROUNDS];
	const uint64_t data = 0x20000000ULL;
	const struct platform_ops *ops = pl->ops;

	if (pwrite(pl->memfd, code, sizeof(code), 0x100) != sizeof(code))
		return res;
	for (int k = 0; k < ROUNDS; k++) {
		double t0 = now_ns();
		for (int i = 0; i < n; i++) {
			pl->cpu->regs.rip = CODE + 0x100;
			pl->cpu->regs.rbx = data;
			if (ops->ctx_switch(pl->ctx, pl->as, pl->cpu, &ev) ||
			    ev.stop != PLATFORM_FAULT ||
			    ops->as_map(pl->as, data, 0x1000, 0x3000,
					PROT_READ) ||
			    ops->ctx_switch(pl->ctx, pl->as, pl->cpu, &ev) ||
			    ev.stop != PLATFORM_SYSCALL ||
			    ops->as_unmap(pl->as, data, 0x1000))
				return res;
		}
		v[k] = (now_ns() - t0) / n;
	}
	return summarize(v);
}

static struct result bench_as_create(struct plat *pl, int n)
{
	struct result res = { 0, 0, 0 };
	double v[ROUNDS];
	for (int k = 0; k < ROUNDS; k++) {
		double t0 = now_ns();
		for (int i = 0; i < n; i++) {
			struct platform_as *as;
			if (pl->ops->as_create(pl->p, &as))
				return res;
			pl->ops->as_destroy(as);
		}
		v[k] = (now_ns() - t0) / n;
	}
	return summarize(v);
}

int main(void)
{
	const int n = 20000;
	struct plat pl;
	struct platform_event ev;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("bench_ptrace: ns per operation, best and median of %d rounds\n",
	       ROUNDS);
	printf("  %-34s %9s %9s\n", "", "best", "median");
	print("getppid native", bench_native(n));

	pid_t child = raw_start();
	if (plat_open(&pl) || child < 0 ||
	    pl.ops->ctx_switch(pl.ctx, pl.as, pl.cpu, &ev) ||
	    ev.stop != PLATFORM_SYSCALL) {
		printf("  cannot set up (%s)\n", strerror(errno));
		raw_stop(child);
		plat_close(&pl);
		return 0;
	}
	compare("tracer and tracee free to run on any CPU", child, &pl, n);
	/* Same CPU: no cross-CPU wakeups, the steadier figure. */
	pid_t stub_tid = ptrace_ctx_tid(pl.ctx, pl.as);
	pin(0, 0);
	pin(child, 0);
	pin(stub_tid, 0);
	compare("tracer and tracee pinned to one CPU", child, &pl, n);
	raw_stop(child);

	printf(" platform, tracer and tracee pinned\n");
	print("getppid + ctx_pull_state", bench_pull(&pl, n / 4));
	print("as_map of one page", bench_map(&pl, n / 4));
	print("fault + as_map + retry + as_unmap", bench_fault(&pl, n / 10));
	print("as_create + as_destroy", bench_as_create(&pl, 50));
	plat_close(&pl);
	return 0;
}
