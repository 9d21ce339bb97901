/* The kvm platform against a real virtual machine: hand-assembled code in
 * a memory file, mapped into guest address spaces and run in ring 3. The
 * cases mirror test_platform_ptrace.c, plus what only a VM has: page
 * tables and their TLBs, the ring-0 boundary, CPUID. Every test skips
 * where /dev/kvm is absent or unusable. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "platform/cpu.h"
#include "platform/kvm/kvm.h"
#include "platform/platform.h"
#include "tests/unit/harness.h"

/* Application layout: code, two data pages, a stack page. */
#define CODE 0x400000ULL
#define DATA 0x600000ULL
#define STACK 0x7ff000ULL
#define OFF_CODE 0x0
#define OFF_A 0x1000
#define OFF_B 0x2000
#define OFF_STACK 0x3000
#define OFF_C 0x4000
#define MEMFD_SIZE 0x10000

#define RWX (PROT_READ | PROT_WRITE | PROT_EXEC)
#define RW (PROT_READ | PROT_WRITE)
#define TRAMP 0x7ffffff00000ULL

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

/* Whether this host can run a VM at all: if not, the tests skip. */
static int kvm_errno = 1;

static bool kvm_usable(void)
{
	if (kvm_errno > 0)
		kvm_errno = -kvm_platform_probe();
	if (kvm_errno) {
		harness_skip("/dev/kvm unusable: %s", strerror(kvm_errno));
		return false;
	}
	return true;
}

/* A platform and a memory file; no address space yet. */
static bool fx_platform(struct fixture *f)
{
	int r;
	memset(f, 0, sizeof(*f));
	f->memfd = -1;
	if (!kvm_usable())
		return false;
	f->ops = platform_find("kvm");
	f->memfd = memfd_create("test-mem", MFD_CLOEXEC);
	f->cpu = cpu_new();
	if (!f->ops || f->memfd < 0 || ftruncate(f->memfd, MEMFD_SIZE) ||
	    !f->cpu) {
		harness_fail(__FILE__, __LINE__, "setup: %s", strerror(errno));
		fx_teardown(f);
		return false;
	}
	if ((r = f->ops->create(&f->p, f->memfd))) {
		harness_fail(__FILE__, __LINE__, "create: %s", strerror(-r));
		fx_teardown(f);
		return false;
	}
	return true;
}

/* A platform, an address space with code (RX), a stack (RW) and a ctx;
 * cpu ready to run the code. */
static bool fx_setup(struct fixture *f, const void *code, size_t len)
{
	int r;
	if (!fx_platform(f))
		return false;
	if ((len && !put(f->memfd, OFF_CODE, code, len)) ||
	    (r = f->ops->as_create(f->p, &f->as)) ||
	    (r = f->ops->ctx_create(f->p, &f->ctx)) ||
	    (r = f->ops->as_map(f->as, CODE, 0x1000, OFF_CODE,
				PROT_READ | PROT_EXEC)) ||
	    (r = f->ops->as_map(f->as, STACK, 0x1000, OFF_STACK, RW))) {
		harness_fail(__FILE__, __LINE__, "setup: %s", strerror(errno));
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
/* 1: mov (%rbx),%rax; cmp %rcx,%rax; je 1b; mov %rax,%rdi;
 * mov $39,%eax; syscall: spins until the page reads other than rcx */
static const uint8_t code_spin[] = { 0x48, 0x8b, 0x03, 0x48, 0x39, 0xc8,
				     0x74, 0xf8, 0x48, 0x89, 0xc7, 0xb8,
				     0x27, 0,    0,    0,    0x0f, 0x05 };

TEST(platform_find_and_registers)
{
	CHECK(platform_find("kvm") == &kvm_platform_ops);
	CHECK(kvm_platform_ops.can_trap_cpuid);
	CHECK(kvm_platform_ops.switch_cost_ns > 0);
}

static void body_syscall(struct fixture *f)
{
	struct platform_event ev;

	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_SYSCALL);
	CHECK_EQ(f->cpu->regs.orig_rax, 39);
	CHECK_EQ(f->cpu->regs.rax, (uint64_t)-ENOSYS);
	CHECK_EQ(f->cpu->regs.rip, CODE + 7);
	CHECK_EQ(f->cpu->regs.rcx, CODE + 7);
	CHECK_EQ(f->cpu->regs.rsp, STACK + 0x1000);
	CHECK_EQ(f->cpu->regs.cs, 0x33);
	CHECK_EQ(f->cpu->regs.ss, 0x2b);
	f->cpu->regs.rax = 4321;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_SYSCALL);
	CHECK_EQ(f->cpu->regs.orig_rax, 60);
	CHECK_EQ(f->cpu->regs.rdi, 4321);
	CHECK_EQ(f->cpu->regs.rip, CODE + sizeof(code_syscall));
	/* Any result reaches the application as it is. */
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

/* Every argument register in, every result register out. */
TEST(syscall_argument_registers)
{
	/* mov $231,%eax; syscall; mov %rdi,%rbx; mov $1,%eax; syscall */
	static const uint8_t code[] = { 0xb8, 0xe7, 0, 0, 0, 0x0f, 0x05, 0x48,
					0x89, 0xfb, 0xb8, 0x01, 0, 0, 0, 0x0f,
					0x05 };
	struct fixture f;
	struct platform_event ev;
	if (!fx_setup(&f, code, sizeof(code)))
		return;
	struct user_regs_struct *u = &f.cpu->regs;
	u->rdi = 0x1111, u->rsi = 0x2222, u->rdx = 0x3333;
	u->r10 = 0x4444, u->r8 = 0x5555, u->r9 = 0x6666;
	u->rbx = 0x7777, u->rbp = 0x8888, u->r12 = 0x9999;
	u->r13 = 0xaaaa, u->r14 = 0xbbbb, u->r15 = 0xcccc;
	int r = run(&f, &ev);
	bool args = u->orig_rax == 231 && u->rdi == 0x1111 &&
		    u->rsi == 0x2222 && u->rdx == 0x3333 && u->r10 == 0x4444 &&
		    u->r8 == 0x5555 && u->r9 == 0x6666 && u->rbx == 0x7777 &&
		    u->rbp == 0x8888 && u->r12 == 0x9999 && u->r13 == 0xaaaa &&
		    u->r14 == 0xbbbb && u->r15 == 0xcccc &&
		    u->r11 == u->eflags && (u->eflags & 0x200);
	u->rdi = 0xfeed;
	int r2 = run(&f, &ev);
	uint64_t rbx = u->rbx, nr = u->orig_rax;
	fx_teardown(&f);
	CHECK_EQ(r, 0);
	CHECK(args);
	CHECK_EQ(r2, 0);
	CHECK_EQ(nr, 1);
	CHECK_EQ(rbx, 0xfeed);
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
	CHECK_EQ(ev.trapno, 14);
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

	/* A write to nothing is a write: the error code says so. */
	f->cpu->regs.rip = CODE;
	f->cpu->regs.rbx = DATA + 0x5000;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_FAULT);
	CHECK_EQ(ev.access, PLATFORM_ACCESS_WRITE);
	CHECK_EQ(ev.si_code, SEGV_MAPERR);

	/* Jump to nothing: an instruction fetch. */
	f->cpu->regs.rip = DATA + 0x10000;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_FAULT);
	CHECK_EQ(ev.fault_addr, DATA + 0x10000);
	CHECK_EQ(ev.access, PLATFORM_ACCESS_EXEC);
	CHECK_EQ(ev.si_code, SEGV_MAPERR);
	/* Jump to the data page, mapped without exec. */
	f->cpu->regs.rip = DATA;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_FAULT);
	CHECK_EQ(ev.access, PLATFORM_ACCESS_EXEC);
	CHECK_EQ(ev.si_code, SEGV_ACCERR);
	CHECK_EQ(f->cpu->regs.rip, DATA);
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
	CHECK_EQ(ev.si_code, ILL_ILLOPN);
	CHECK_EQ(ev.trapno, 6);
	CHECK_EQ(f->cpu->regs.rip, CODE);
	f->cpu->regs.rip = CODE + 2;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_EXCEPTION);
	CHECK_EQ(ev.signo, SIGTRAP);
	CHECK_EQ(ev.si_code, SI_KERNEL);
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

/* SSE division by zero with the exception unmasked: #XM, SIGFPE with
 * the code MXCSR says. */
TEST(simd_exception)
{
	/* mov $1,%eax; cvtsi2sd %rax,%xmm0; xorpd %xmm1,%xmm1;
	 * divsd %xmm1,%xmm0 */
	static const uint8_t code[] = { 0xb8, 0x01, 0, 0, 0, 0xf2, 0x48,
					0x0f, 0x2a, 0xc0, 0x66, 0x0f, 0x57,
					0xc9, 0xf2, 0x0f, 0x5e, 0xc1 };
	struct fixture f;
	struct platform_event ev;
	if (!fx_setup(&f, code, sizeof(code)))
		return;
	uint32_t mxcsr = 0x1f80 & ~0x200u;     /* divide-by-zero unmasked */
	memcpy(f.cpu->xsave + CPU_XSAVE_MXCSR, &mxcsr, 4);
	int r = run(&f, &ev);
	uint64_t rip = f.cpu->regs.rip;
	fx_teardown(&f);
	CHECK_EQ(r, 0);
	CHECK_EQ(ev.stop, PLATFORM_EXCEPTION);
	CHECK_EQ(ev.signo, SIGFPE);
	CHECK_EQ(ev.trapno, 19);
	CHECK_EQ(ev.si_code, FPE_FLTDIV);
	CHECK_EQ(rip, CODE + 14);
}

/* The application cannot reach ring 0, the private region or the
 * hypervisor: each of these is an exception, and the platform goes on. */
TEST(ring0_is_out_of_reach)
{
	/* Each must stop as an exception or a fault (vmcall: what the
	 * hypervisor makes of it), never reach anything. */
	static const struct {
		uint8_t code[16];
	} cases[] = {
		{ { 0xf4 } },                      /* hlt */
		{ { 0xfa } },                      /* cli */
		{ { 0xe6, 0x80 } },                /* out %al,$0x80 */
		{ { 0xe6, 0x10 } },                /* the syscall port */
		{ { 0x0f, 0x20, 0xd8 } },          /* mov %cr3,%rax */
		{ { 0x0f, 0x30 } },                /* wrmsr */
		{ { 0x0f, 0x01, 0xf8 } },          /* swapgs */
		{ { 0x48, 0x0f, 0x07 } },          /* sysretq */
		{ { 0xcd, 0x20 } },                /* int $0x20 */
		{ { 0x0f, 0x01, 0x18 } },          /* lidt (%rax) */
		{ { 0x0f, 0x01, 0xc1 } },          /* vmcall */
	};
	/* mov $39,%eax; syscall */
	static const uint8_t sys[] = { 0xb8, 0x27, 0, 0, 0, 0x0f, 0x05 };
	struct fixture f;
	struct platform_event ev;
	if (!fx_setup(&f, NULL, 0))
		return;
	CHECK(put(f.memfd, OFF_CODE + 0x800, sys, sizeof(sys)));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(put(f.memfd, OFF_CODE, cases[i].code, 16));
		f.cpu->regs.rip = CODE;
		f.cpu->regs.rax = 0;
		int r = run(&f, &ev);
		if (r || (ev.stop != PLATFORM_EXCEPTION &&
			  ev.stop != PLATFORM_FAULT)) {
			harness_fail(__FILE__, __LINE__,
				     "case %zu: r %d stop %d signo %d "
				     "addr %llx access %d", i, r, ev.stop,
				     ev.signo,
				     (unsigned long long)ev.fault_addr,
				     ev.access);
			break;
		}
		f.cpu->regs.rip = CODE + 0x800;
		CHECK_EQ(run(&f, &ev), 0);
		CHECK_EQ(ev.stop, PLATFORM_SYSCALL);
	}
	/* The kernel half: a fault, never a read. */
	/* mov (%rbx),%rdi */
	static const uint8_t load[] = { 0x48, 0x8b, 0x3b };
	CHECK(put(f.memfd, OFF_CODE, load, sizeof(load)));
	f.cpu->regs.rip = CODE;
	f.cpu->regs.rbx = 0xffffc00000008000ULL;
	CHECK_EQ(run(&f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_FAULT);
	CHECK_EQ(ev.fault_addr, 0xffffc00000008000ULL);
	/* The trampoline is readable, not writable. */
	f.cpu->regs.rip = CODE;
	f.cpu->regs.rbx = TRAMP;
	CHECK_EQ(run(&f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_FAULT);
	CHECK_EQ(ev.access, PLATFORM_ACCESS_WRITE);
	fx_teardown(&f);
}

/* Jumping straight into the trampoline is a system call like any other:
 * rcx says where it returns. */
TEST(trampoline_jump_is_a_syscall)
{
	struct fixture f;
	struct platform_event ev;
	if (!fx_setup(&f, code_syscall, sizeof(code_syscall)))
		return;
	f.cpu->regs.rip = TRAMP;
	f.cpu->regs.rcx = CODE + 0x7;
	f.cpu->regs.rax = 99;
	int r = run(&f, &ev);
	uint64_t nr = f.cpu->regs.orig_rax, rip = f.cpu->regs.rip;
	f.cpu->regs.rax = 5;
	int r2 = run(&f, &ev);
	uint64_t rdi = f.cpu->regs.rdi;
	fx_teardown(&f);
	CHECK_EQ(r, 0);
	CHECK_EQ(ev.stop, PLATFORM_SYSCALL);
	CHECK_EQ(nr, 99);
	CHECK_EQ(rip, CODE + 7);
	CHECK_EQ(r2, 0);
	CHECK_EQ(rdi, 5);
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
		CHECK_EQ(f->cpu->regs.cs, 0x33);
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

/* An interrupt lands wherever the vCPU is: in application code, in the
 * stub on the way back from an exception, or in the middle of a system
 * call. Whatever is reported must be a consistent state that runs on. */
TEST(interrupt_storm)
{
	/* 1: inc %r12; mov $39,%eax; syscall; int3; jmp 1b */
	static const uint8_t code[] = { 0x49, 0xff, 0xc4, 0xb8, 0x27, 0, 0, 0,
					0x0f, 0x05, 0xcc, 0xeb, 0xf3 };
	struct fixture f;
	struct platform_event ev;
	if (!fx_setup(&f, code, sizeof(code)))
		return;
	struct interrupter in = { f.ops, f.ctx, 0 };
	uint64_t counted = 0, stops[5] = { 0 };
	bool ok = true;
	for (int i = 0; i < 3000 && ok; i++) {
		pthread_t th;
		bool kick = i % 3 == 0;
		if (kick && pthread_create(&th, NULL, interrupt_later, &in))
			break;
		ok = run(&f, &ev) == 0;
		if (kick)
			pthread_join(th, NULL);
		if (!ok)
			break;
		stops[ev.stop]++;
		/* r12 counts loop trips: it never goes back. */
		ok = f.cpu->regs.r12 >= counted;
		counted = f.cpu->regs.r12;
		if (ev.stop == PLATFORM_SYSCALL)
			f.cpu->regs.rax = 0;
	}
	fx_teardown(&f);
	CHECK(ok);
	CHECK(stops[PLATFORM_SYSCALL] > 0);
	CHECK(stops[PLATFORM_EXCEPTION] > 0);
	CHECK(stops[PLATFORM_INTERRUPTED] > 0);
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
	/* General registers come back with every stop; XSAVE only when
	 * asked for. */
	CHECK_EQ(f->cpu->xsave_size, 0);
	CHECK_EQ(f->cpu->regs.rbx, y0);
	CHECK_EQ(f->ops->ctx_pull_state(f->ctx, f->cpu), 0);
	CHECK_EQ(f->cpu->xsave_size, cpu_xsave_size());
	CHECK_EQ(f->cpu->regs.cs, 0x33);
	uint64_t x2;
	memcpy(&x2, f->cpu->xsave + CPU_XSAVE_XMM0 + 2 * 16, 8);
	CHECK_EQ(x2, rdx);
	/* Pulling twice changes nothing. */
	CHECK_EQ(f->ops->ctx_pull_state(f->ctx, f->cpu), 0);

	/* Change xmm0 in the pulled state: pushed on the next switch. */
	const uint64_t x0b = 0x0badc0ffee0ddf00ULL;
	memcpy(f->cpu->xsave + CPU_XSAVE_XMM0, &x0b, 8);
	f->cpu->regs.rip = CODE;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(f->cpu->regs.rdi, x0b);
	/* Without a pull, the vCPU keeps its own (newer) state. */
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
	/* Whatever the contract allows to be unfetched is current here;
	 * a pull is harmless. */
	CHECK_EQ(f->cpu->regs.rbx, 0x1234);
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

	/* Writes without a pull. */
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
	f->cpu->regs.ds = 0x10;
	CHECK_EQ(run(f, &ev), -EINVAL);
	f->cpu->regs.ds = 0;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_SYSCALL);
	/* A non-canonical rip is the application's #GP, as on Linux. */
	f->cpu->regs.rip = 0x8000000000000000ULL;
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_EXCEPTION);
	CHECK_EQ(ev.signo, SIGSEGV);
	CHECK_EQ(ev.trapno, 13);
}

TEST(lazy_registers)
{
	struct fixture f;
	if (!fx_setup(&f, NULL, 0))
		return;
	body_lazy_regs(&f);
	fx_teardown(&f);
}

/* TLS: the application reads through %fs and %gs at the bases the kernel
 * set (arch_prctl), changed between runs without a pull. */
TEST(fs_gs_base)
{
	/* mov %fs:8,%rdi; mov %gs:16,%rsi; mov $39,%eax; syscall */
	static const uint8_t code[] = {
		0x64, 0x48, 0x8b, 0x3c, 0x25, 0x08, 0, 0, 0,
		0x65, 0x48, 0x8b, 0x34, 0x25, 0x10, 0, 0, 0,
		0xb8, 0x27, 0, 0, 0, 0x0f, 0x05 };
	uint64_t a[4] = { 1, 2, 3, 4 }, b[4] = { 5, 6, 7, 8 };
	struct fixture f;
	struct platform_event ev;
	if (!fx_setup(&f, code, sizeof(code)))
		return;
	CHECK(put(f.memfd, OFF_A, a, sizeof(a)));
	CHECK(put(f.memfd, OFF_B, b, sizeof(b)));
	CHECK_EQ(f.ops->as_map(f.as, DATA, 0x2000, OFF_A, PROT_READ), 0);
	f.cpu->regs.fs_base = DATA;
	f.cpu->regs.gs_base = DATA + 0x1000;
	CHECK_EQ(run(&f, &ev), 0);
	CHECK_EQ(f.cpu->regs.rdi, 2);
	CHECK_EQ(f.cpu->regs.rsi, 7);
	f.cpu->regs.fs_base = DATA + 0x1000;
	f.cpu->regs.gs_base = DATA + 8;
	f.cpu->regs.rip = CODE;
	CHECK_EQ(run(&f, &ev), 0);
	CHECK_EQ(f.cpu->regs.rdi, 6);
	CHECK_EQ(f.cpu->regs.rsi, 4);
	CHECK_EQ(f.cpu->regs.fs_base, DATA + 0x1000);
	CHECK_EQ(f.cpu->regs.gs_base, DATA + 8);
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
	f->ops->as_destroy(as2);
	free(cpu2);
	CHECK(ok);
	/* The context goes on in the first. */
	CHECK_EQ(run(f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_SYSCALL);
	CHECK_EQ(f->cpu->regs.rdi, a);
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

	struct worker w[2] = { { f, a, DATA, 200, 0 },
			       { f, b, DATA + 0x1000, 200, 0 } };
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		CHECK_EQ(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CHECK_EQ(w[0].failed, 0);
	CHECK_EQ(w[1].failed, 0);
	/* Their vCPUs went back to the pool: more threads reuse them. */
	unsigned made = kvm_platform_vcpus(f->p);
	for (int i = 0; i < 2; i++)
		CHECK_EQ(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CHECK_EQ(w[0].failed, 0);
	CHECK_EQ(w[1].failed, 0);
	CHECK_EQ(kvm_platform_vcpus(f->p), made);

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
	CHECK_EQ(f->ops->as_map(f->as, DATA, 0x1000, 1ULL << 50, PROT_READ),
		 -ENOMEM);
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

TEST(mapping_changes_flushing)
{
	struct fixture f;
	if (!fx_setup(&f, code_load, sizeof(code_load)))
		return;
	kvm_platform_force_flush(f.p, true);
	body_mapping(&f);
	fx_teardown(&f);
}

/* Remap, unmap and protect one address over and over, alternating pages
 * and ranges that span page tables: the guest sees each change at once. */
static void body_tlb(struct fixture *f)
{
	struct platform_event ev;
	uint64_t va = 0x1ffff000ULL;           /* straddles a 2 MiB table */
	uint64_t vals[3] = { 0x1000aaaa, 0x2000bbbb, 0x3000cccc };
	uint64_t offs[3] = { OFF_A, OFF_B, OFF_C };
	for (int i = 0; i < 3; i++) {
		CHECK(put(f->memfd, offs[i], &vals[i], 8));
		CHECK(put(f->memfd, offs[i] + 0x800, &vals[(i + 1) % 3], 8));
	}
	for (int i = 0; i < 60; i++) {
		int k = i % 3;
		CHECK_EQ(f->ops->as_map(f->as, va, 0x1000, offs[k], PROT_READ),
			 0);
		CHECK_EQ(f->ops->as_map(f->as, va + 0x1000, 0x1000,
					offs[(k + 1) % 3], RW), 0);
		f->cpu->regs.rip = CODE;
		f->cpu->regs.rbx = va + (i & 1 ? 0x1800 : 0);
		CHECK_EQ(run(f, &ev), 0);
		CHECK_EQ(ev.stop, PLATFORM_SYSCALL);
		CHECK_EQ(f->cpu->regs.rdi, i & 1 ? vals[(k + 2) % 3] : vals[k]);
		if (i % 4 == 3) {
			CHECK_EQ(f->ops->as_unmap(f->as, va, 0x2000), 0);
			f->cpu->regs.rip = CODE;
			CHECK_EQ(run(f, &ev), 0);
			CHECK_EQ(ev.stop, PLATFORM_FAULT);
		}
		if (i % 5 == 4) {
			CHECK_EQ(f->ops->as_protect(f->as, va, 0x2000,
						    PROT_NONE), 0);
			f->cpu->regs.rip = CODE;
			CHECK_EQ(run(f, &ev), 0);
			CHECK_EQ(ev.stop, PLATFORM_FAULT);
			/* Unless just unmapped: protect maps nothing. */
			CHECK_EQ(ev.si_code, i % 4 == 3 ? SEGV_MAPERR
							: SEGV_ACCERR);
		}
	}
	/* All of it gone: the tables it needed go back to the pool. */
	CHECK_EQ(f->ops->as_unmap(f->as, va, 0x2000), 0);
}

TEST(tlb_remap_same_address)
{
	struct fixture f;
	if (!fx_setup(&f, code_load, sizeof(code_load)))
		return;
	unsigned before = kvm_platform_pt_pages(f.p);
	body_tlb(&f);
	unsigned after = kvm_platform_pt_pages(f.p);
	fx_teardown(&f);
	CHECK_EQ(after, before);
}

TEST(tlb_remap_same_address_flushing)
{
	struct fixture f;
	if (!fx_setup(&f, code_load, sizeof(code_load)))
		return;
	kvm_platform_force_flush(f.p, true);
	body_tlb(&f);
	fx_teardown(&f);
}

/* A thread spinning on a page while another remaps or unmaps it: the
 * change reaches the running vCPU before as_map/as_unmap return. */
struct spinner {
	struct fixture *f;
	uint64_t old;
	struct platform_ctx *ctx;
	volatile int ready;
	int r;
	struct platform_event ev;
	uint64_t rdi;
};

static void *spin_main(void *arg)
{
	struct spinner *s = arg;
	struct cpu_state *cpu = cpu_new();
	if (!cpu || s->f->ops->ctx_create(s->f->p, &s->ctx)) {
		free(cpu);
		s->r = -ENOMEM;
		s->ready = 1;
		return NULL;
	}
	cpu_state_init_exec(cpu, CODE, STACK + 0x1000);
	cpu->regs.rbx = DATA;
	cpu->regs.rcx = s->old;
	s->ready = 1;
	s->r = s->f->ops->ctx_switch(s->ctx, s->f->as, cpu, &s->ev);
	s->rdi = cpu->regs.rdi;
	s->f->ops->ctx_destroy(s->ctx);
	free(cpu);
	return NULL;
}

static bool spin_join(struct spinner *s, pthread_t th)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 3;
	if (pthread_timedjoin_np(th, NULL, &ts) == 0)
		return true;
	/* Stuck on a stale translation: get it out, then fail. */
	s->f->ops->ctx_interrupt(s->ctx);
	pthread_join(th, NULL);
	return false;
}

static void body_concurrent(struct fixture *f)
{
	uint64_t a = 0x5151, b = 0x5252;
	CHECK(put(f->memfd, OFF_A, &a, 8));
	CHECK(put(f->memfd, OFF_B, &b, 8));
	CHECK_EQ(f->ops->as_map(f->as, DATA, 0x1000, OFF_A, PROT_READ), 0);
	for (int round = 0; round < 4; round++) {
		struct spinner s = { f, a, NULL, 0, 0, { 0 }, 0 };
		pthread_t th;
		CHECK_EQ(pthread_create(&th, NULL, spin_main, &s), 0);
		while (!s.ready)
			usleep(1000);
		usleep(20000);         /* let it spin on the old page */
		bool unmap = round & 1;
		int r = unmap ? f->ops->as_unmap(f->as, DATA, 0x1000)
			      : f->ops->as_map(f->as, DATA, 0x1000, OFF_B,
					       PROT_READ);
		bool joined = spin_join(&s, th);
		CHECK_EQ(r, 0);
		CHECK(joined);
		CHECK_EQ(s.r, 0);
		if (unmap) {
			CHECK_EQ(s.ev.stop, PLATFORM_FAULT);
			CHECK_EQ(s.ev.fault_addr, DATA);
		} else {
			CHECK_EQ(s.ev.stop, PLATFORM_SYSCALL);
			CHECK_EQ(s.rdi, b);
		}
		CHECK_EQ(f->ops->as_map(f->as, DATA, 0x1000, OFF_A, PROT_READ),
			 0);
	}
}

TEST(tlb_running_thread_sees_changes)
{
	struct fixture f;
	if (!fx_setup(&f, code_spin, sizeof(code_spin)))
		return;
	body_concurrent(&f);
	fx_teardown(&f);
}

TEST(tlb_running_thread_sees_changes_flushing)
{
	struct fixture f;
	if (!fx_setup(&f, code_spin, sizeof(code_spin)))
		return;
	kvm_platform_force_flush(f.p, true);
	body_concurrent(&f);
	fx_teardown(&f);
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
	int pull = f.ops->ctx_pull_state(f.ctx, f.cpu);
	fx_teardown(&f);
	CHECK_EQ(r, 0);
	CHECK_EQ((intptr_t)res, -EPERM);
	CHECK_EQ(again, 0);
	CHECK_EQ(pull, 0);
}

TEST(many_address_spaces)
{
	struct fixture f;
	struct platform_event ev;
	if (!fx_setup(&f, code_syscall, sizeof(code_syscall)))
		return;
	unsigned before = kvm_platform_pt_pages(f.p);
	bool ok = true;
	for (int i = 0; ok && i < 50; i++) {
		struct platform_as *as;
		ok = f.ops->as_create(f.p, &as) == 0;
		if (!ok)
			break;
		ok = f.ops->as_map(as, CODE, 0x1000, OFF_CODE,
				   PROT_EXEC) == 0 &&
		     f.ops->as_map(as, STACK, 0x1000, OFF_STACK, RW) == 0 &&
		     f.ops->as_map(as, 0x7f0000000000ULL, 0x3000, OFF_A,
				   PROT_READ) == 0;
		cpu_state_init_exec(f.cpu, CODE, STACK + 0x1000);
		ok = ok && f.ops->ctx_switch(f.ctx, as, f.cpu, &ev) == 0 &&
		     ev.stop == PLATFORM_SYSCALL &&
		     f.ops->ctx_pull_state(f.ctx, f.cpu) == 0;
		f.ops->as_destroy(as);
	}
	/* Every table of every destroyed address space came back. */
	unsigned after = kvm_platform_pt_pages(f.p);
	fx_teardown(&f);
	CHECK(ok);
	CHECK_EQ(after, before);
}

/* Applications see the CPUID the platform chose, not the host's. */
static void cpuid_run(struct fixture *f, uint32_t leaf, uint32_t out[4])
{
	/* mov $leaf,%eax; xor %ecx,%ecx; cpuid; mov %rax,%r9;
	 * mov %rbx,%rdi; mov %rcx,%rsi; mov %rdx,%r8; mov $39,%eax;
	 * syscall */
	uint8_t code[] = { 0xb8, 0, 0, 0, 0, 0x31, 0xc9, 0x0f, 0xa2, 0x49,
			   0x89, 0xc1, 0x48, 0x89, 0xdf, 0x48, 0x89, 0xce,
			   0x49, 0x89, 0xd0, 0xb8, 0x27, 0, 0, 0, 0x0f, 0x05 };
	struct platform_event ev;
	memcpy(code + 1, &leaf, 4);
	memset(out, 0xff, 16);
	if (!put(f->memfd, OFF_CODE, code, sizeof(code)))
		return;
	f->cpu->regs.rip = CODE;
	if (run(f, &ev) || ev.stop != PLATFORM_SYSCALL)
		return;
	out[0] = (uint32_t)f->cpu->regs.r9;
	out[1] = (uint32_t)f->cpu->regs.rdi;
	out[2] = (uint32_t)f->cpu->regs.rsi;
	out[3] = (uint32_t)f->cpu->regs.r8;
}

TEST(cpuid_is_the_platforms)
{
	struct fixture f;
	uint32_t got[4], want[4];
	if (!fx_setup(&f, NULL, 0))
		return;
	for (uint32_t leaf = 0; leaf < 2; leaf++) {
		cpuid_run(&f, leaf, got);
		kvm_platform_cpuid(f.p, leaf, 0, want);
		if (leaf == 1)  /* APIC id and OSXSAVE are the vCPU's own */
			got[1] = want[1], got[2] &= ~(1u << 27),
			want[2] &= ~(1u << 27);
		CHECK(memcmp(got, want, sizeof(got)) == 0);
	}
	/* Too late to choose another once a context exists. */
	CHECK_EQ(kvm_platform_set_cpu_model(f.p, KVM_CPU_MODEL_BASELINE),
		 -EBUSY);
	fx_teardown(&f);
}

TEST(cpu_model_baseline)
{
	struct fixture f;
	uint32_t l1[4], l7[4], ld[4], want[4];
	if (!fx_platform(&f))
		return;
	CHECK_EQ(kvm_platform_set_cpu_model(f.p, 7), -EINVAL);
	int r = kvm_platform_set_cpu_model(f.p, KVM_CPU_MODEL_BASELINE);
	if (!r)
		r = f.ops->as_create(f.p, &f.as);
	if (!r)
		r = f.ops->ctx_create(f.p, &f.ctx);
	if (!r)
		r = f.ops->as_map(f.as, CODE, 0x1000, OFF_CODE, PROT_EXEC);
	if (!r)
		r = f.ops->as_map(f.as, STACK, 0x1000, OFF_STACK, RW);
	cpu_state_init_exec(f.cpu, CODE, STACK + 0x1000);
	if (!r) {
		cpuid_run(&f, 1, l1);
		cpuid_run(&f, 7, l7);
		cpuid_run(&f, 0xd, ld);
	}
	kvm_platform_cpuid(f.p, 1, 0, want);
	fx_teardown(&f);
	CHECK_EQ(r, 0);
	/* Whatever the hypervisor made of the model, the platform says
	 * what applications see. */
	CHECK_EQ(l1[2] & ~(1u << 27), want[2] & ~(1u << 27));
	CHECK_EQ(l1[3], want[3]);
	CHECK(l1[3] & (1u << 26));             /* SSE2 */
	if (want[2] & (1u << 28))
		SKIP("this hypervisor answers CPUID feature leaves from the "
		     "host CPU, not from KVM_SET_CPUID2");
	CHECK(!(l1[2] & (1u << 25)));          /* no AES */
	CHECK_EQ(l7[1], 0);                    /* no AVX2, BMI... */
	CHECK(!(ld[0] & ~3u));                 /* XSAVE: x87 and SSE */
}

/* Single-stepping: TF set, a #DB after one instruction. */
TEST(single_step)
{
	/* nop; nop; mov $39,%eax; syscall */
	static const uint8_t code[] = { 0x90, 0x90, 0xb8, 0x27, 0, 0, 0,
					0x0f, 0x05 };
	struct fixture f;
	struct platform_event ev;
	if (!fx_setup(&f, code, sizeof(code)))
		return;
	f.cpu->regs.eflags |= 0x100;
	int r = run(&f, &ev);
	uint64_t rip = f.cpu->regs.rip;
	fx_teardown(&f);
	CHECK_EQ(r, 0);
	CHECK_EQ(ev.stop, PLATFORM_EXCEPTION);
	CHECK_EQ(ev.signo, SIGTRAP);
	CHECK_EQ(ev.trapno, 1);
	CHECK_EQ(ev.si_code, TRAP_TRACE);
	CHECK_EQ(rip, CODE + 1);
}

/* Memory-file offsets far apart: KVM learns of the file in growing
 * slots as mappings reach further. */
TEST(large_memory_file)
{
	struct fixture f;
	struct platform_event ev;
	if (!fx_setup(&f, code_load, sizeof(code_load)))
		return;
	uint64_t far = 3ULL << 30, v = 0x6a6a6a;
	CHECK_EQ(ftruncate(f.memfd, (off_t)(far + 0x1000)), 0);
	CHECK(put(f.memfd, far, &v, 8));
	CHECK_EQ(f.ops->as_map(f.as, DATA, 0x1000, far, PROT_READ), 0);
	f.cpu->regs.rbx = DATA;
	CHECK_EQ(run(&f, &ev), 0);
	CHECK_EQ(ev.stop, PLATFORM_SYSCALL);
	CHECK_EQ(f.cpu->regs.rdi, v);
	fx_teardown(&f);
}

TEST(platform_create_destroy_repeatedly)
{
	bool ok = true;
	for (int i = 0; ok && i < 20; i++) {
		struct fixture f;
		struct platform_event ev;
		if (!fx_setup(&f, code_syscall, sizeof(code_syscall)))
			return;
		ok = run(&f, &ev) == 0 && ev.stop == PLATFORM_SYSCALL;
		fx_teardown(&f);
	}
	CHECK(ok);
}
