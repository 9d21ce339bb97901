/* The ptrace platform against real stub processes: hand-assembled code in
 * a memory file, mapped into address spaces and run. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
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
#include "platform/ptrace/prot_map.h"
#include "platform/ptrace/ptrace.h"
#include "tests/unit/harness.h"

/* Application layout: code, two data pages, a stack page. */
#define CODE 0x400000ULL
#define DATA 0x600000ULL
#define STACK 0x7ff000ULL
#define OFF_CODE 0x0
#define OFF_A 0x1000
#define OFF_B 0x2000
#define OFF_STACK 0x3000
#define MEMFD_SIZE 0x10000

#define RWX (PROT_READ | PROT_WRITE | PROT_EXEC)
#define RW (PROT_READ | PROT_WRITE)

struct fixture {
	const struct platform_ops *ops;
	int memfd;
	struct platform *p;
	struct platform_as *as;
	struct platform_ctx *ctx;
	struct cpu_state *cpu;
};

static struct cpu_state *cpu_new(void)
{
	struct cpu_state *cpu = aligned_alloc(64, sizeof(*cpu));
	if (cpu)
		memset(cpu, 0, sizeof(*cpu));
	return cpu;
}

static bool put(int memfd, uint64_t off, const void *buf, size_t len)
{
	return pwrite(memfd, buf, len, (off_t)off) == (ssize_t)len;
}

static uint64_t get64(int memfd, uint64_t off)
{
	uint64_t v = 0;
	if (pread(memfd, &v, 8, (off_t)off) != 8)
		return 0xbad;
	return v;
}

static void fx_teardown(struct fixture *f)
{
	if (f->ctx)
		f->ops->ctx_destroy(f->ctx);
	if (f->as)
		f->ops->as_destroy(f->as);
	if (f->p)
		f->ops->destroy(f->p);
	if (f->memfd >= 0)
		close(f->memfd);
	free(f->cpu);
	memset(f, 0, sizeof(*f));
	f->memfd = -1;
}

/* Whether this process may trace its children at all (a container's
 * seccomp profile or Yama may forbid it): if not, the tests skip. */
static int ptrace_errno = -1;

static int probe_ptrace(void)
{
	int status;
	pid_t child = fork();
	if (child < 0)
		return errno;
	if (child == 0) {
		pause();
		_exit(0);
	}
	int r = ptrace(PTRACE_SEIZE, child, NULL, NULL) ? errno : 0;
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	return r;
}

/* A platform, an address space with code (RX), a stack (RW) and a ctx;
 * cpu ready to run the code. */
static bool fx_setup(struct fixture *f, const void *code, size_t len)
{
	int r;

	memset(f, 0, sizeof(*f));
	f->memfd = -1;
	if (ptrace_errno < 0)
		ptrace_errno = probe_ptrace();
	if (ptrace_errno) {
		harness_skip("ptrace unavailable: %s", strerror(ptrace_errno));
		return false;
	}
	f->ops = platform_find("ptrace");
	if (!f->ops) {
		harness_fail(__FILE__, __LINE__, "no ptrace platform");
		return false;
	}
	f->memfd = memfd_create("test-mem", MFD_CLOEXEC);
	f->cpu = cpu_new();
	if (f->memfd < 0 || ftruncate(f->memfd, MEMFD_SIZE) || !f->cpu ||
	    (len && !put(f->memfd, OFF_CODE, code, len))) {
		harness_fail(__FILE__, __LINE__, "memfd: %s", strerror(errno));
		fx_teardown(f);
		return false;
	}
	if ((r = f->ops->create(&f->p, f->memfd)) ||
	    (r = f->ops->as_create(f->p, &f->as)) ||
	    (r = f->ops->ctx_create(f->p, &f->ctx)) ||
	    (r = f->ops->as_map(f->as, CODE, 0x1000, OFF_CODE,
				PROT_READ | PROT_EXEC)) ||
	    (r = f->ops->as_map(f->as, STACK, 0x1000, OFF_STACK, RW))) {
		harness_fail(__FILE__, __LINE__, "setup: %s", strerror(-r));
		fx_teardown(f);
		return false;
	}
	cpu_state_init_exec(f->cpu, CODE, STACK + 0x1000);
	return true;
}

static int run(struct fixture *f, struct platform_event *ev)
{
	return f->ops->ctx_switch(f->ctx, f->as, f->cpu, ev);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* Gone: no such process, or a zombie nobody has reaped yet. */
static bool process_gone(pid_t pid)
{
	char path[64], buf[512];
	if (kill(pid, 0) && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	FILE *fp = fopen(path, "r");
	if (!fp)
		return true;
	size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return !p || p[2] == 'Z' || p[2] == 'X';
}

static bool wait_gone(pid_t pid, double seconds)
{
	double end = now_s() + seconds;
	while (!process_gone(pid)) {
		if (now_s() > end)
			return false;
		usleep(2000);
	}
	return true;
}

/* mov $39,%eax; syscall; mov %rax,%rdi; mov $60,%eax; syscall */
static const uint8_t code_syscall[] = { 0xb8, 0x27, 0, 0, 0, 0x0f, 0x05,
					0x48, 0x89, 0xc7, 0xb8, 0x3c, 0,
					0,    0,    0x0f, 0x05 };
/* mov (%rbx),%rdi; mov $39,%eax; syscall; mov (%rbx),%rdi;
 * mov $40,%eax; syscall; jmp back to the start */
static const uint8_t code_load[] = { 0x48, 0x8b, 0x3b, 0xb8, 0x27, 0, 0,
				     0,    0x0f, 0x05, 0x48, 0x8b, 0x3b, 0xb8,
				     0x28, 0,    0,    0,    0x0f, 0x05, 0xeb,
				     0xea };
/* mov %rax,(%rbx); mov $39,%eax; syscall */
static const uint8_t code_store[] = { 0x48, 0x89, 0x03, 0xb8, 0x27, 0,
				      0,    0,    0x0f, 0x05 };

TEST(platform_find_and_exec_state)
{
	CHECK(platform_find("ptrace") == &ptrace_platform_ops);
	CHECK(platform_find("nope") == NULL);
	CHECK(platform_find(NULL) == NULL);

	struct cpu_state *cpu = cpu_new();
	CHECK(cpu);
	memset(cpu, 0xaa, sizeof(*cpu));
	cpu_state_init_exec(cpu, 0x1000, 0x2000);
	uint16_t fcw;
	uint32_t mxcsr;
	uint8_t zero[64] = { 0 };
	memcpy(&fcw, cpu->xsave + CPU_XSAVE_FCW, 2);
	memcpy(&mxcsr, cpu->xsave + CPU_XSAVE_MXCSR, 4);
	bool ok = cpu->regs.rip == 0x1000 && cpu->regs.rsp == 0x2000 &&
		  cpu->regs.cs == 0x33 && cpu->regs.ss == 0x2b &&
		  cpu->regs.eflags == 0x202 && cpu->regs.rbx == 0 &&
		  cpu->regs.fs_base == 0 && fcw == 0x37f && mxcsr == 0x1f80 &&
		  memcmp(cpu->xsave + CPU_XSAVE_HEADER, zero, 64) == 0 &&
		  cpu->xsave_size >= 576 && cpu->xsave_size <= CPU_XSAVE_MAX &&
		  cpu->xsave_size == cpu_xsave_size() &&
		  (cpu_xsave_features() & 3) == 3;
	free(cpu);
	CHECK(ok);
}

TEST(prot_map_ranges)
{
	struct prot_map m = { 0 };
	bool ok = prot_map_set(&m, 0x1000, 0x5000, 1) == 0 &&
		  prot_map_set(&m, 0x2000, 0x3000, 3) == 0 && m.n == 3 &&
		  prot_map_lookup(&m, 0x1fff) == 1 &&
		  prot_map_lookup(&m, 0x2000) == 3 &&
		  prot_map_lookup(&m, 0x3000) == 1 &&
		  prot_map_lookup(&m, 0x5000) == -1 &&
		  prot_map_lookup(&m, 0xfff) == -1 &&
		  prot_map_protect(&m, 0x0, 0x8000, 1) == 0 && m.n == 1 &&
		  m.v[0].start == 0x1000 && m.v[0].end == 0x5000 &&
		  prot_map_clear(&m, 0x2000, 0x3000) == 0 && m.n == 2 &&
		  prot_map_lookup(&m, 0x2800) == -1 &&
		  prot_map_protect(&m, 0x1800, 0x4800, 7) == 0 && m.n == 4 &&
		  prot_map_lookup(&m, 0x17ff) == 1 &&
		  prot_map_lookup(&m, 0x1800) == 7 &&
		  prot_map_lookup(&m, 0x2000) == -1 &&
		  prot_map_lookup(&m, 0x4800) == 1 &&
		  prot_map_set(&m, 0x0, 0x10000, 5) == 0 && m.n == 1 &&
		  prot_map_clear(&m, 0x0, 0x10000) == 0 && m.n == 0;
	prot_map_free(&m);
	CHECK(ok);
}

static void body_syscall(struct fixture *f)
{
	struct platform_event ev;

	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_SYSCALL);
	CHECK_EQ(f->cpu->regs.orig_rax, 39);
	CHECK_EQ(f->cpu->regs.rip, CODE + 7);
	CHECK_EQ(f->cpu->regs.rsp, STACK + 0x1000);
	f->cpu->regs.rax = 4321;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_SYSCALL);
	CHECK_EQ(f->cpu->regs.orig_rax, 60);
	CHECK_EQ(f->cpu->regs.rdi, 4321);
	CHECK_EQ(f->cpu->regs.rip, CODE + sizeof(code_syscall));
	/* A result the host would take for a restart request must reach the
	 * application as is. */
	f->cpu->regs.rip = CODE;
	f->cpu->regs.rax = (uint64_t)-512;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(f->cpu->regs.orig_rax, 39);
	f->cpu->regs.rax = (uint64_t)-512;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(f->cpu->regs.orig_rax, 60);
	CHECK_EQ(f->cpu->regs.rdi, (uint64_t)-512);
}

TEST(syscall_round_trip)
{
	struct fixture f;
	if (!fx_setup(&f, code_syscall, sizeof(code_syscall)))
		return;
	body_syscall(&f);
	fx_teardown(&f);
}

static void body_faults(struct fixture *f)
{
	struct platform_event ev;
	uint64_t value = 0x0123456789abcdefULL;

	/* Read from nothing. */
	CHECK(put(f->memfd, OFF_A, &value, 8));
	f->cpu->regs.rbx = DATA + 0x18;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_FAULT);
	CHECK_EQ(ev.fault_addr, DATA + 0x18);
	CHECK_EQ(ev.access, PLATFORM_ACCESS_READ);
	CHECK_EQ(ev.signo, SIGSEGV);
	CHECK_EQ(ev.si_code, SEGV_MAPERR);
	CHECK_EQ(f->cpu->regs.rip, CODE);
	/* Map it: the same instruction now succeeds. */
	CHECK_EQ(f->ops->as_map(f->as, DATA, 0x1000, OFF_A, PROT_READ), 0);
	f->cpu->regs.rbx = DATA;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_SYSCALL);
	CHECK_EQ(f->cpu->regs.rdi, value);

	/* Write to the read-only page. */
	CHECK(put(f->memfd, OFF_CODE, code_store, sizeof(code_store)));
	f->cpu->regs.rip = CODE;
	f->cpu->regs.rax = 0x5555;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_FAULT);
	CHECK_EQ(ev.fault_addr, DATA);
	CHECK_EQ(ev.access, PLATFORM_ACCESS_WRITE);
	CHECK_EQ(ev.si_code, SEGV_ACCERR);
	CHECK_EQ(f->ops->as_protect(f->as, DATA, 0x1000, RW), 0);
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_SYSCALL);
	CHECK_EQ(get64(f->memfd, OFF_A), 0x5555);

	/* Jump to nothing: an instruction fetch. */
	f->cpu->regs.rip = DATA + 0x10000;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_FAULT);
	CHECK_EQ(ev.fault_addr, DATA + 0x10000);
	CHECK_EQ(ev.access, PLATFORM_ACCESS_EXEC);
	/* Jump to the data page, mapped without exec. */
	f->cpu->regs.rip = DATA;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_FAULT);
	CHECK_EQ(ev.access, PLATFORM_ACCESS_EXEC);
}

TEST(faults_read_write_exec)
{
	struct fixture f;
	if (!fx_setup(&f, code_load, sizeof(code_load)))
		return;
	body_faults(&f);
	fx_teardown(&f);
}

static void body_exceptions(struct fixture *f)
{
	struct platform_event ev;
	/* ud2; int3; mov $39,%eax; syscall; mov $20,%eax; int $0x80;
	 * xor %ecx,%ecx; div %rcx */
	static const uint8_t code[] = { 0x0f, 0x0b, 0xcc, 0xb8, 0x27, 0, 0, 0,
					0x0f, 0x05, 0xb8, 0x14, 0, 0, 0, 0xcd,
					0x80, 0x31, 0xc9, 0x48, 0xf7, 0xf1 };
	CHECK(put(f->memfd, OFF_CODE, code, sizeof(code)));

	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_EXCEPTION);
	CHECK_EQ(ev.signo, SIGILL);
	CHECK_EQ(ev.trapno, 6);
	CHECK_EQ(f->cpu->regs.rip, CODE);
	f->cpu->regs.rip = CODE + 2;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_EXCEPTION);
	CHECK_EQ(ev.signo, SIGTRAP);
	CHECK_EQ(ev.trapno, 3);
	CHECK_EQ(f->cpu->regs.rip, CODE + 3);
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_SYSCALL);
	CHECK_EQ(f->cpu->regs.orig_rax, 39);
	/* The 32-bit ABI is refused like on a host without it. */
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_EXCEPTION);
	CHECK_EQ(ev.signo, SIGSEGV);
	CHECK_EQ(ev.trapno, 13);
	CHECK_EQ(f->cpu->regs.rip, CODE + 15);
	CHECK_EQ(f->cpu->regs.rax, 20);
	f->cpu->regs.rip = CODE + 17;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_EXCEPTION);
	CHECK_EQ(ev.signo, SIGFPE);
	CHECK_EQ(ev.si_code, FPE_INTDIV);
	CHECK_EQ(ev.trapno, 0);
	CHECK_EQ(f->cpu->regs.rip, CODE + 19);
}

TEST(exceptions)
{
	struct fixture f;
	if (!fx_setup(&f, NULL, 0))
		return;
	body_exceptions(&f);
	fx_teardown(&f);
}

struct interrupter {
	const struct platform_ops *ops;
	struct platform_ctx *ctx;
	useconds_t delay;
};

static void *interrupt_later(void *arg)
{
	struct interrupter *in = arg;
	usleep(in->delay);
	in->ops->ctx_interrupt(in->ctx);
	return NULL;
}

static void body_interrupt(struct fixture *f)
{
	struct platform_event ev;
	static const uint8_t loop[] = { 0xeb, 0xfe };   /* jmp . */
	static const uint8_t sys[] = { 0xb8, 0x27, 0, 0, 0, 0x0f, 0x05 };
	CHECK(put(f->memfd, OFF_CODE, loop, sizeof(loop)));
	CHECK(put(f->memfd, OFF_CODE + 0x100, sys, sizeof(sys)));

	/* Before the switch: it returns at once, once. */
	f->ops->ctx_interrupt(f->ctx);
	f->ops->ctx_interrupt(f->ctx);
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_INTERRUPTED);
	CHECK_EQ(f->cpu->regs.rip, CODE);

	/* During: a spinning thread is stopped promptly, many times over. */
	for (int i = 0; i < 20; i++) {
		struct interrupter in = { f->ops, f->ctx,
					  i == 0 ? 50000 : 200 };
		pthread_t th;
		CHECK_EQ(pthread_create(&th, NULL, interrupt_later, &in), 0);
		double t0 = now_s();
		int r = run(f, &ev);
		double dt = now_s() - t0;
		pthread_join(th, NULL);
		CHECK_EQ(r, 0);
		CHECK_EQ(ev.stop, PLATFORM_INTERRUPTED);
		CHECK(dt < 2.0);
		CHECK_EQ(f->cpu->regs.rip, CODE);
	}
	/* No interrupt left over: a system call is a system call. */
	f->cpu->regs.rip = CODE + 0x100;
	for (int i = 0; i < 5; i++) {
		CHECK_EQ(run(f, &ev), 0);
		CHECK_EQ(ev.stop, PLATFORM_SYSCALL);
		f->cpu->regs.rip = CODE + 0x100;
	}
}

TEST(interrupt)
{
	struct fixture f;
	if (!fx_setup(&f, NULL, 0))
		return;
	body_interrupt(&f);
	fx_teardown(&f);
}

static void xsave_set_sse_avx(struct cpu_state *cpu)
{
	uint64_t bv;
	memcpy(&bv, cpu->xsave + CPU_XSAVE_HEADER, 8);
	bv |= 2 | ((cpu_xsave_features() & 4) ? 4 : 0);
	memcpy(cpu->xsave + CPU_XSAVE_HEADER, &bv, 8);
}

static void body_xsave(struct fixture *f)
{
	struct platform_event ev;
	static const uint8_t code[] = {
		0x66, 0x48, 0x0f, 0x7e, 0xc0,        /* movq %xmm0,%rax */
		0x48, 0x89, 0xc7,                    /* mov %rax,%rdi */
		0xc4, 0xe3, 0x7d, 0x19, 0xc1, 0x01,  /* vextractf128 */
		0x66, 0x48, 0x0f, 0x7e, 0xcb,        /* movq %xmm1,%rbx */
		0x66, 0x48, 0x0f, 0x6e, 0xd2,        /* movq %rdx,%xmm2 */
		0xb8, 0x27, 0, 0, 0,                 /* mov $39,%eax */
		0x0f, 0x05,                          /* syscall */
	};
	const uint64_t x0 = 0x1122334455667788ULL, y0 = 0x99aabbccddeeff00ULL;
	const uint64_t rdx = 0xfeedfacecafebeefULL;
	if (!(cpu_xsave_features() & 4))
		SKIP("no AVX");
	CHECK(put(f->memfd, OFF_CODE, code, sizeof(code)));
	memcpy(f->cpu->xsave + CPU_XSAVE_XMM0, &x0, 8);
	memcpy(f->cpu->xsave + CPU_XSAVE_YMM_HI, &y0, 8);
	xsave_set_sse_avx(f->cpu);
	f->cpu->regs.rdx = rdx;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_SYSCALL);
	CHECK_EQ(f->cpu->regs.rdi, x0);
	/* Lazy: not fetched until asked for. */
	CHECK_EQ(f->cpu->xsave_size, 0);
	CHECK_EQ(f->cpu->regs.rbx, PLATFORM_REG_UNFETCHED);
	CHECK_EQ(f->ops->ctx_pull_state(f->ctx, f->cpu), 0);
	CHECK_EQ(f->cpu->xsave_size, cpu_xsave_size());
	CHECK_EQ(f->cpu->regs.rbx, y0);
	CHECK_EQ(f->cpu->regs.cs, 0x33);
	uint64_t x2;
	memcpy(&x2, f->cpu->xsave + CPU_XSAVE_XMM0 + 2 * 16, 8);
	CHECK_EQ(x2, rdx);

	/* Change xmm0 in the pulled state: pushed on the next switch. */
	const uint64_t x0b = 0x0badc0ffee0ddf00ULL;
	memcpy(f->cpu->xsave + CPU_XSAVE_XMM0, &x0b, 8);
	f->cpu->regs.rip = CODE;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(f->cpu->regs.rdi, x0b);
	/* Without a pull, the thread keeps its own (newer) state. */
	f->cpu->regs.rip = CODE;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(f->cpu->regs.rdi, x0b);
	/* A whole new area (exec) replaces it without a pull. */
	cpu_xsave_init(f->cpu);
	f->cpu->regs.rip = CODE;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(f->cpu->regs.rdi, 0);
	/* MXCSR, with reserved bits the host would refuse, survives. */
	CHECK_EQ(f->ops->ctx_pull_state(f->ctx, f->cpu), 0);
	uint32_t mxcsr = 0x1f80 | 0x6000 | 0xffff0000u;   /* RC = zero */
	memcpy(f->cpu->xsave + CPU_XSAVE_MXCSR, &mxcsr, 4);
	f->cpu->regs.rip = CODE;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(f->ops->ctx_pull_state(f->ctx, f->cpu), 0);
	memcpy(&mxcsr, f->cpu->xsave + CPU_XSAVE_MXCSR, 4);
	CHECK_EQ(mxcsr, 0x1f80 | 0x6000);
}

TEST(xsave_round_trip)
{
	struct fixture f;
	if (!fx_setup(&f, NULL, 0))
		return;
	body_xsave(&f);
	fx_teardown(&f);
}

static void body_lazy_regs(struct fixture *f)
{
	struct platform_event ev;
	/* mov $0x1234,%ebx; mov $0x5678,%r12d; mov $39,%eax; syscall;
	 * mov %rbx,%rdi; mov %r12,%rsi; mov $40,%eax; syscall */
	static const uint8_t code[] = { 0xbb, 0x34, 0x12, 0, 0, 0x41, 0xbc,
					0x78, 0x56, 0, 0, 0xb8, 0x27, 0, 0, 0,
					0x0f, 0x05, 0x48, 0x89, 0xdf, 0x4c,
					0x89, 0xe6, 0xb8, 0x28, 0, 0, 0, 0x0f,
					0x05 };
	CHECK(put(f->memfd, OFF_CODE, code, sizeof(code)));
	f->cpu->regs.fs_base = 0x12345000;

	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(f->cpu->regs.orig_rax, 39);
	CHECK_EQ(f->cpu->regs.rcx, CODE + 18);
	CHECK_EQ(f->cpu->regs.rbx, PLATFORM_REG_UNFETCHED);
	CHECK_EQ(f->ops->ctx_pull_state(f->ctx, f->cpu), 0);
	CHECK_EQ(f->cpu->regs.rbx, 0x1234);
	CHECK_EQ(f->cpu->regs.r12, 0x5678);
	CHECK_EQ(f->cpu->regs.fs_base, 0x12345000);
	CHECK_EQ(f->cpu->regs.r11 & 0x200, 0x200);
	f->cpu->regs.r12 = 0x9999;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(f->cpu->regs.orig_rax, 40);
	CHECK_EQ(f->cpu->regs.rdi, 0x1234);
	CHECK_EQ(f->cpu->regs.rsi, 0x9999);

	/* Writes without a pull: the written register goes in, the others
	 * keep what the application left there. */
	f->cpu->regs.rip = CODE + 18;
	f->cpu->regs.r12 = 0x4242;
	f->cpu->regs.fs_base = 0x777000;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(f->cpu->regs.orig_rax, 40);
	CHECK_EQ(f->cpu->regs.rdi, 0x1234);
	CHECK_EQ(f->cpu->regs.rsi, 0x4242);
	CHECK_EQ(f->ops->ctx_pull_state(f->ctx, f->cpu), 0);
	CHECK_EQ(f->cpu->regs.fs_base, 0x777000);

	/* A register value the host refuses is an error, not a crash. */
	f->cpu->regs.rip = CODE;
	f->cpu->regs.fs_base = 1ULL << 60;
	CHECK_EQ(run(f, &ev), -EINVAL);
	f->cpu->regs.fs_base = 0;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_SYSCALL);
}

TEST(lazy_registers)
{
	struct fixture f;
	if (!fx_setup(&f, NULL, 0))
		return;
	body_lazy_regs(&f);
	fx_teardown(&f);
}

static void body_two_spaces(struct fixture *f)
{
	struct platform_event ev;
	struct platform_as *as2 = NULL;
	struct cpu_state *cpu2 = cpu_new();
	uint64_t a = 111, b = 222;

	CHECK(cpu2);
	CHECK(put(f->memfd, OFF_A, &a, 8));
	CHECK(put(f->memfd, OFF_B, &b, 8));
	int r = f->ops->as_create(f->p, &as2);
	if (r)
		free(cpu2);
	CHECK_EQ(r, 0);
	r = f->ops->as_map(f->as, DATA, 0x1000, OFF_A, PROT_READ);
	if (!r)
		r = f->ops->as_map(as2, DATA, 0x1000, OFF_B, PROT_READ);
	if (!r)
		r = f->ops->as_map(as2, CODE, 0x1000, OFF_CODE, PROT_EXEC);
	if (!r)
		r = f->ops->as_map(as2, STACK, 0x1000, OFF_STACK, RW);
	cpu_state_init_exec(cpu2, CODE, STACK + 0x1000);
	f->cpu->regs.rbx = cpu2->regs.rbx = DATA;
	bool ok = r == 0;
	/* One context alternating between the two, each with its cpu. */
	for (int i = 0; ok && i < 6; i++) {
		bool second = i & 1;
		struct cpu_state *cpu = second ? cpu2 : f->cpu;
		ok = f->ops->ctx_switch(f->ctx, second ? as2 : f->as, cpu,
					&ev) == 0 &&
		     ev.stop == PLATFORM_SYSCALL &&
		     cpu->regs.rdi == (second ? b : a) &&
		     /* before the context takes the other cpu */
		     f->ops->ctx_pull_state(f->ctx, cpu) == 0;
	}
	pid_t pid2 = ptrace_as_pid(as2);
	pid_t tid2 = ptrace_ctx_tid(f->ctx, as2);
	f->ops->as_destroy(as2);
	free(cpu2);
	CHECK(ok);
	CHECK(pid2 > 0 && pid2 != ptrace_as_pid(f->as));
	CHECK(tid2 > 0);
	/* The context goes on in the first; the dead one is reaped. */
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_SYSCALL);
	CHECK_EQ(f->cpu->regs.rdi, a);
	CHECK(process_gone(pid2));
	CHECK(kill(pid2, 0) == -1 && errno == ESRCH);
}

TEST(two_address_spaces)
{
	struct fixture f;
	if (!fx_setup(&f, code_load, sizeof(code_load)))
		return;
	body_two_spaces(&f);
	fx_teardown(&f);
}

struct worker {
	struct fixture *f;
	uint64_t expect;
	uint64_t rbx;
	int rounds;
	int failed;
	pid_t tid;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct platform_ctx *ctx;
	struct platform_event ev;
	struct cpu_state *cpu = cpu_new();

	if (!cpu || w->f->ops->ctx_create(w->f->p, &ctx)) {
		free(cpu);
		w->failed = -1;
		return NULL;
	}
	cpu_state_init_exec(cpu, CODE, STACK + 0x1000);
	cpu->regs.rbx = w->rbx;
	for (int i = 0; i < w->rounds && !w->failed; i++) {
		int r = w->f->ops->ctx_switch(ctx, w->f->as, cpu, &ev);
		if (r || ev.stop != PLATFORM_SYSCALL ||
		    cpu->regs.rdi != w->expect)
			w->failed = i + 1;
	}
	w->tid = ptrace_ctx_tid(ctx, w->f->as);
	w->f->ops->ctx_destroy(ctx);
	free(cpu);
	return NULL;
}

static void body_threads(struct fixture *f)
{
	uint64_t a = 333, b = 444;
	CHECK(put(f->memfd, OFF_A, &a, 8));
	CHECK(put(f->memfd, OFF_B, &b, 8));
	CHECK_EQ(f->ops->as_map(f->as, DATA, 0x2000, OFF_A, PROT_READ), 0);

	struct worker w[2] = { { f, a, DATA, 200, 0, 0 },
			       { f, b, DATA + 0x1000, 200, 0, 0 } };
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		CHECK_EQ(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CHECK_EQ(w[0].failed, 0);
	CHECK_EQ(w[1].failed, 0);
	CHECK(w[0].tid > 0 && w[1].tid > 0 && w[0].tid != w[1].tid);

	/* Their threads left when their contexts did; the stub stays. */
	char path[64];
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d",
			 ptrace_as_pid(f->as), w[i].tid);
		double end = now_s() + 2;
		while (access(path, F_OK) == 0 && now_s() < end)
			usleep(1000);
		CHECK(access(path, F_OK) != 0);
	}
	struct platform_event ev;
	f->cpu->regs.rbx = DATA;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(f->cpu->regs.rdi, a);
}

TEST(threads_share_address_space)
{
	struct fixture f;
	if (!fx_setup(&f, code_load, sizeof(code_load)))
		return;
	body_threads(&f);
	fx_teardown(&f);
}

static void body_mapping(struct fixture *f)
{
	struct platform_event ev;
	uint64_t v = 0xabcdef;
	CHECK(put(f->memfd, OFF_A, &v, 8));
	f->cpu->regs.rbx = DATA;

	CHECK_EQ(f->ops->as_map(f->as, DATA, 0x1000, OFF_A, RW), 0);
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_SYSCALL);
	CHECK_EQ(f->cpu->regs.rdi, v);

	CHECK_EQ(f->ops->as_unmap(f->as, DATA, 0x1000), 0);
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_FAULT);
	CHECK_EQ(ev.fault_addr, DATA);
	CHECK_EQ(ev.access, PLATFORM_ACCESS_READ);

	/* The same page elsewhere in the file: mapping replaces. */
	uint64_t w = 0x777;
	CHECK(put(f->memfd, OFF_B, &w, 8));
	CHECK_EQ(f->ops->as_map(f->as, DATA, 0x1000, OFF_A, RW), 0);
	CHECK_EQ(f->ops->as_map(f->as, DATA, 0x1000, OFF_B, PROT_READ), 0);
	f->cpu->regs.rip = CODE;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_SYSCALL);
	CHECK_EQ(f->cpu->regs.rdi, w);

	CHECK_EQ(f->ops->as_protect(f->as, DATA, 0x1000, PROT_NONE), 0);
	f->cpu->regs.rip = CODE;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_FAULT);
	CHECK_EQ(ev.si_code, SEGV_ACCERR);
	CHECK_EQ(ev.access, PLATFORM_ACCESS_READ);
	CHECK_EQ(f->ops->as_protect(f->as, DATA, 0x1000, PROT_READ), 0);
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_SYSCALL);
	CHECK_EQ(f->cpu->regs.rdi, w);

	/* What the platform refuses. */
	CHECK_EQ(f->ops->as_map(f->as, DATA + 1, 0x1000, 0, PROT_READ),
		 -EINVAL);
	CHECK_EQ(f->ops->as_map(f->as, DATA, 0x1000, 0x10, PROT_READ), -EINVAL);
	CHECK_EQ(f->ops->as_map(f->as, DATA, 0, 0, PROT_READ), -EINVAL);
	CHECK_EQ(f->ops->as_map(f->as, DATA, 0x1000, 0, 0x10), -EINVAL);
	CHECK_EQ(f->ops->as_map(f->as, PLATFORM_APP_END, 0x1000, 0, PROT_READ),
		 -EINVAL);
	CHECK_EQ(f->ops->as_map(f->as, PLATFORM_APP_END - 0x1000, 0x2000, 0,
				PROT_READ), -EINVAL);
	CHECK_EQ(f->ops->as_unmap(f->as, PLATFORM_APP_END, 0x1000), -EINVAL);
	CHECK_EQ(f->ops->as_protect(f->as, 0xfffffffffffff000ULL, 0x2000,
				    PROT_READ), -EINVAL);
	/* The top of the application range works. */
	CHECK_EQ(f->ops->as_map(f->as, PLATFORM_APP_END - 0x1000, 0x1000,
				OFF_A, PROT_READ), 0);
	f->cpu->regs.rip = CODE;
	f->cpu->regs.rbx = PLATFORM_APP_END - 0x1000;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_SYSCALL);
	CHECK_EQ(f->cpu->regs.rdi, v);
}

TEST(mapping_changes)
{
	struct fixture f;
	if (!fx_setup(&f, code_load, sizeof(code_load)))
		return;
	body_mapping(&f);
	fx_teardown(&f);
}

static bool stub_fds_are(pid_t pid, const char *want)
{
	char path[64], got[64] = "";
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	DIR *d = opendir(path);
	if (!d)
		return false;
	int fds[16], n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 16)
		if (e->d_name[0] != '.')
			fds[n++] = atoi(e->d_name);
	closedir(d);
	for (int i = 0; i < n; i++)       /* sort, few of them */
		for (int j = i + 1; j < n; j++)
			if (fds[j] < fds[i]) {
				int t = fds[i];
				fds[i] = fds[j];
				fds[j] = t;
			}
	for (int i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%d",
			 i ? "," : "", fds[i]);
	return strcmp(got, want) == 0;
}

/* Every mapping of the stub is in the reserved range (or [vsyscall]). */
static bool stub_maps_clean(pid_t pid, int *count)
{
	char path[64], line[512];
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	FILE *fp = fopen(path, "r");
	bool ok = fp != NULL;
	*count = 0;
	while (fp && fgets(line, sizeof(line), fp)) {
		unsigned long long start = strtoull(line, NULL, 16);
		if (strstr(line, "[vsyscall]"))
			continue;
		(*count)++;
		if (start < PLATFORM_APP_END)
			ok = false;
	}
	if (fp)
		fclose(fp);
	return ok;
}

static bool status_has(pid_t pid, const char *want)
{
	char path[64], line[256];
	bool found = false;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	FILE *fp = fopen(path, "r");
	while (fp && !found && fgets(line, sizeof(line), fp))
		found = strncmp(line, want, strlen(want)) == 0;
	if (fp)
		fclose(fp);
	return found;
}

/* The exit code of a zombie, as waitpid would report it. */
static int zombie_status(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	FILE *fp = fopen(path, "r");
	if (!fp)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = 0;
	char *last = strrchr(buf, ' ');
	return last ? atoi(last + 1) : -1;
}

static void body_confinement(struct fixture *f)
{
	pid_t pid = ptrace_as_pid(f->as), master =
		ptrace_platform_master_pid(f->p);
	long res = 0;
	int count;

	/* Nothing of the kernel's in a stub: two descriptors, no memory
	 * outside the reserved range but what the kernel mapped. */
	CHECK(stub_fds_are(master, "3,4"));
	CHECK(stub_fds_are(pid, "3,4"));
	CHECK(stub_maps_clean(master, &count));
	CHECK(count >= 3 && count <= 4);
	CHECK_EQ(f->ops->as_unmap(f->as, CODE, 0x1000), 0);
	CHECK_EQ(f->ops->as_unmap(f->as, STACK, 0x1000), 0);
	CHECK(stub_maps_clean(pid, &count));
	CHECK(status_has(pid, "Seccomp:\t2"));
	CHECK(status_has(master, "Seccomp:\t2"));
	CHECK(status_has(pid, "SigBlk:\t0000000000000000"));

	/* Allowed: getppid is the kernel. */
	CHECK_EQ(ptrace_as_debug_syscall(f->as, SYS_getppid, 0, 0, 0, &res), 0);
	CHECK_EQ(res, getpid());
	/* Allowed call, arguments outside the filter: killed. */
	CHECK_EQ(ptrace_as_debug_syscall(f->as, SYS_write, 1, 0, 0, &res),
		 -ESRCH);
	CHECK(wait_gone(pid, 2));
	CHECK_EQ(zombie_status(pid), SIGSYS);
	CHECK_EQ(f->ops->as_map(f->as, DATA, 0x1000, 0, PROT_READ), -ESRCH);
	struct platform_event ev;
	CHECK_EQ(run(f, &ev), -ESRCH);

	/* A fresh one, and a call it has no business making at all. */
	f->ops->as_destroy(f->as);
	f->as = NULL;
	CHECK(kill(pid, 0) == -1 && errno == ESRCH);
	CHECK_EQ(f->ops->as_create(f->p, &f->as), 0);
	pid = ptrace_as_pid(f->as);
	CHECK_EQ(ptrace_as_debug_syscall(f->as, SYS_openat, AT_FDCWD,
					 (long)"/etc/passwd", 0, &res),
		 -ESRCH);
	CHECK(wait_gone(pid, 2));
	CHECK_EQ(zombie_status(pid), SIGSYS);
	/* The master goes on. */
	CHECK(!process_gone(master));
	f->ops->as_destroy(f->as);
	f->as = NULL;
	CHECK_EQ(f->ops->as_create(f->p, &f->as), 0);
}

TEST(stub_confinement)
{
	struct fixture f;
	if (!fx_setup(&f, NULL, 0))
		return;
	body_confinement(&f);
	fx_teardown(&f);
}

static void body_stub_killed(struct fixture *f)
{
	struct platform_event ev;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(kill(ptrace_as_pid(f->as), SIGKILL), 0);
	f->cpu->regs.rip = CODE;
	CHECK_EQ(run(f, &ev), -ESRCH);
	CHECK_EQ(run(f, &ev), -ESRCH);
	CHECK_EQ(f->ops->as_map(f->as, DATA, 0x1000, 0, PROT_READ), -ESRCH);
	CHECK_EQ(f->ops->ctx_pull_state(f->ctx, f->cpu), -ESRCH);
}

static void body_vsyscall(struct fixture *f)
{
	/* mov $0xffffffffff600000,%rax (gettimeofday's vsyscall slot);
	 * call *%rax; mov %rax,%rdi; mov $39,%eax; syscall */
	static const uint8_t code[] = { 0x48, 0xc7, 0xc0, 0x00, 0x00, 0x60,
					0xff, 0xff, 0xd0, 0x48, 0x89, 0xc7,
					0xb8, 0x27, 0,    0,    0,    0x0f,
					0x05 };
	struct platform_event ev;
	CHECK(put(f->memfd, OFF_CODE, code, sizeof(code)));
	CHECK_EQ(run(f, &ev), 0);
	if (ev.stop == PLATFORM_FAULT)
		SKIP("host has no vsyscall emulation");
	/* The host emulates it, consulting seccomp but not ptrace: the
	 * filter answers ENOSYS instead of killing the stub. */
	CHECK_EQ(ev.stop, PLATFORM_SYSCALL);
	CHECK_EQ(f->cpu->regs.rdi, (uint64_t)-ENOSYS);
	CHECK(!process_gone(ptrace_as_pid(f->as)));
}

TEST(vsyscall_does_not_kill_stub)
{
	struct fixture f;
	if (!fx_setup(&f, NULL, 0))
		return;
	body_vsyscall(&f);
	fx_teardown(&f);
}

TEST(stub_killed_from_outside)
{
	struct fixture f;
	if (!fx_setup(&f, code_syscall, sizeof(code_syscall)))
		return;
	body_stub_killed(&f);
	fx_teardown(&f);
}

static void *run_and_vanish(void *arg)
{
	struct fixture *f = arg;
	struct platform_ctx *ctx;
	struct platform_event ev;
	struct cpu_state *cpu = cpu_new();
	if (cpu && f->ops->ctx_create(f->p, &ctx) == 0) {
		cpu_state_init_exec(cpu, CODE, STACK + 0x1000);
		f->ops->ctx_switch(ctx, f->as, cpu, &ev);
		/* Exits without ctx_destroy: a contract breach. */
		free(cpu);
		return ctx;
	}
	free(cpu);
	return NULL;
}

static void body_tracer_exit(struct fixture *f)
{
	pthread_t th;
	void *ctx = NULL;
	pid_t pid = ptrace_as_pid(f->as);
	CHECK_EQ(pthread_create(&th, NULL, run_and_vanish, f), 0);
	pthread_join(th, &ctx);
	CHECK(ctx);
	/* Its stub thread must not run on untraced: the stub died. */
	CHECK(wait_gone(pid, 2));
	struct platform_event ev;
	CHECK_EQ(run(f, &ev), -ESRCH);
	f->ops->ctx_destroy(ctx);
}

static void *switch_elsewhere(void *arg)
{
	struct fixture *f = arg;
	struct platform_event ev;
	return (void *)(intptr_t)run(f, &ev);
}

TEST(context_is_its_threads)
{
	struct fixture f;
	struct platform_event ev;
	pthread_t th;
	void *res = NULL;
	if (!fx_setup(&f, code_syscall, sizeof(code_syscall)))
		return;
	int r = run(&f, &ev);
	if (!r && pthread_create(&th, NULL, switch_elsewhere, &f) == 0)
		pthread_join(th, &res);
	int again = run(&f, &ev);
	fx_teardown(&f);
	CHECK_EQ(r, 0);
	CHECK_EQ((intptr_t)res, -EPERM);
	/* Refused, not mistaken for a dead stub. */
	CHECK_EQ(again, 0);
}

TEST(tracer_thread_exit_kills_stub)
{
	struct fixture f;
	if (!fx_setup(&f, code_syscall, sizeof(code_syscall)))
		return;
	body_tracer_exit(&f);
	fx_teardown(&f);
}

TEST(no_orphans_after_destroy)
{
	struct fixture f;
	struct platform_event ev;
	if (!fx_setup(&f, code_syscall, sizeof(code_syscall)))
		return;
	int r = run(&f, &ev);
	pid_t master = ptrace_platform_master_pid(f.p);
	pid_t pid = ptrace_as_pid(f.as);
	pid_t tid = ptrace_ctx_tid(f.ctx, f.as);
	fx_teardown(&f);
	CHECK_EQ(r, 0);
	CHECK(master > 0 && pid > 0 && tid > 0);
	CHECK(kill(master, 0) == -1 && errno == ESRCH);
	CHECK(kill(pid, 0) == -1 && errno == ESRCH);
	CHECK(waitpid(pid, NULL, __WALL | WNOHANG) == -1 && errno == ECHILD);
	CHECK(waitpid(master, NULL, __WALL | WNOHANG) == -1 && errno == ECHILD);
}

/* In a child: a platform with an address space and a running context;
 * reports the pids, then waits to be killed. */
static void orphan_child(int wfd)
{
	struct fixture f;
	struct platform_event ev;
	pid_t pids[3] = { 0, 0, 0 };
	if (fx_setup(&f, code_syscall, sizeof(code_syscall)) &&
	    run(&f, &ev) == 0) {
		pids[0] = ptrace_platform_master_pid(f.p);
		pids[1] = ptrace_as_pid(f.as);
		pids[2] = ptrace_ctx_tid(f.ctx, f.as);
	}
	if (write(wfd, pids, sizeof(pids)) != sizeof(pids))
		_exit(1);
	for (;;)
		pause();
}

TEST(no_orphans_when_kernel_killed)
{
	int fds[2];
	pid_t pids[3];
	if (ptrace_errno < 0)
		ptrace_errno = probe_ptrace();
	if (ptrace_errno)
		SKIP("ptrace unavailable: %s", strerror(ptrace_errno));
	CHECK_EQ(pipe(fds), 0);
	/* Orphans are re-parented to us, so we can see them die. */
	CHECK_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	pid_t child = fork();
	if (child == 0) {
		close(fds[0]);
		orphan_child(fds[1]);
	}
	close(fds[1]);
	ssize_t n = child > 0 ? read(fds[0], pids, sizeof(pids)) : -1;
	close(fds[0]);
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	bool gone = n == sizeof(pids) && pids[0] > 0 && pids[1] > 0 &&
		    wait_gone(pids[0], 5) && wait_gone(pids[1], 5);
	/* Reap what was re-parented to us (a zombie can show before it is
	 * handed over). */
	int reaped = 0;
	for (int i = 0; i < 2 && n == sizeof(pids) && pids[i] > 0; i++) {
		double end = now_s() + 2;
		pid_t w;
		while ((w = waitpid(pids[i], NULL, __WALL | WNOHANG)) !=
			       pids[i] &&
		       now_s() < end)
			usleep(1000);
		reaped += w == pids[i];
	}
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	CHECK(child > 0);
	CHECK_EQ(n, sizeof(pids));
	CHECK(pids[0] > 0 && pids[1] > 0 && pids[2] > 0);
	CHECK(gone);
	CHECK_EQ(reaped, 2);
}

TEST(many_address_spaces)
{
	struct fixture f;
	struct platform_event ev;
	if (!fx_setup(&f, code_syscall, sizeof(code_syscall)))
		return;
	bool ok = true;
	for (int i = 0; ok && i < 20; i++) {
		struct platform_as *as;
		ok = f.ops->as_create(f.p, &as) == 0;
		if (!ok)
			break;
		ok = f.ops->as_map(as, CODE, 0x1000, OFF_CODE,
				   PROT_EXEC) == 0 &&
		     f.ops->as_map(as, STACK, 0x1000, OFF_STACK, RW) == 0;
		cpu_state_init_exec(f.cpu, CODE, STACK + 0x1000);
		ok = ok && f.ops->ctx_switch(f.ctx, as, f.cpu, &ev) == 0 &&
		     ev.stop == PLATFORM_SYSCALL;
		f.ops->as_destroy(as);
	}
	fx_teardown(&f);
	CHECK(ok);
}
