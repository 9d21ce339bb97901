/* The kvm platform's costs against what KVM itself costs on this host.
 *
 *   raw        a minimal guest of the benchmark's own (no platform code)
 *              exiting in a loop, in three ways:
 *                ring 0    out to a port (the cheapest exit there is)
 *                ring 3    out to a port the TSS bitmap allows
 *                syscall   ring 3 syscall, LSTAR at an out: the floor of
 *                          any design that runs applications in ring 3
 *                          and catches their syscall instruction
 *   platform   ctx_switch with a getppid answered at once (rax set)
 *
 * and a page-fault-heavy workload, 512 MiB touched page by page through
 * the platform (fault, as_map, retry), under kvm and under ptrace.
 * Prints; never fails (skips what the host cannot do). */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "platform/cpu.h"
#include "platform/kvm/kvm.h"
#include "platform/platform.h"

#define ROUNDS 7
#define CODE 0x400000ULL
#define STACK 0x7ff000ULL
#define TOUCH_BASE 0x10000000ULL
#define TOUCH_BYTES (512ULL << 20)

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

static struct result summarize(double *v, int n)
{
	struct result r = { 0, 0, 1 };
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	r.best = v[0];
	r.median = v[n / 2];
	return r;
}

static void print(const char *name, struct result r)
{
	if (r.ok)
		printf("  %-38s %9.0f %9.0f\n", name, r.best, r.median);
	else
		printf("  %-38s   (failed)\n", name);
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
	return summarize(v, ROUNDS);
}

/* ---- the raw guest: 2 MiB identity-mapped, nothing of the platform ---- */

#define RAW_MEM (2u << 20)
#define RAW_PML4 0x1000
#define RAW_GDT 0x4000
#define RAW_TSS 0x5000
#define RAW_CODE 0x6000
#define RAW_STACK 0x8000
#define RAW_PORT 0x10
#define RAW_R0 (RAW_CODE + 0x00)       /* out; jmp . - 2 */
#define RAW_R3 (RAW_CODE + 0x10)       /* out; jmp . - 2 */
#define RAW_SYS (RAW_CODE + 0x20)      /* mov $39,%eax; syscall; jmp */
#define RAW_LSTAR (RAW_CODE + 0x40)    /* out; sysretq */

struct raw {
	int kvm, vm, vcpu;
	uint8_t *mem;
	struct kvm_run *run;
	size_t run_size;
};

static void raw_close(struct raw *r)
{
	if (r->run)
		munmap(r->run, r->run_size);
	if (r->mem)
		munmap(r->mem, RAW_MEM);
	if (r->vcpu >= 0)
		close(r->vcpu);
	if (r->vm >= 0)
		close(r->vm);
	if (r->kvm >= 0)
		close(r->kvm);
}

static void raw_tables(uint8_t *m)
{
	static const uint8_t code[] = {
		[0x00] = 0xe6, RAW_PORT, 0xeb, 0xfc,
		[0x10] = 0xe6, RAW_PORT, 0xeb, 0xfc,
		[0x20] = 0xb8, 0x27, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf7,
		[0x40] = 0xe6, RAW_PORT, 0x48, 0x0f, 0x07,
	};
	uint64_t *pml4 = (uint64_t *)(m + RAW_PML4);
	pml4[0] = 0x2000 | 7;
	((uint64_t *)(m + 0x2000))[0] = 0x3000 | 7;
	((uint64_t *)(m + 0x3000))[0] = 0x87;  /* 2 MiB page, user */
	uint64_t *gdt = (uint64_t *)(m + RAW_GDT);
	gdt[2] = 0x00af9b000000ffffULL;
	gdt[3] = 0x00cf93000000ffffULL;
	gdt[5] = 0x00cff3000000ffffULL;
	gdt[6] = 0x00affb000000ffffULL;
	gdt[8] = 107 | (uint64_t)RAW_TSS << 16 | 0x8bULL << 40;
	uint8_t *tss = m + RAW_TSS;
	uint16_t iomap = 104;
	memcpy(tss + 0x66, &iomap, 2);
	memset(tss + 104, 0xff, 4);
	tss[104 + RAW_PORT / 8] &= (uint8_t)~(1u << (RAW_PORT % 8));
	memcpy(m + RAW_CODE, code, sizeof(code));
}

static struct kvm_segment seg(uint16_t sel, uint8_t type, uint8_t dpl,
			      int code)
{
	return (struct kvm_segment){ .limit = 0xffffffff, .selector = sel,
				     .type = type, .present = 1, .dpl = dpl,
				     .db = !code, .s = 1, .l = code, .g = 1 };
}

static int raw_regs(struct raw *r, int ring, uint64_t rip)
{
	struct kvm_sregs s;
	if (ioctl(r->vcpu, KVM_GET_SREGS, &s))
		return -1;
	s.cs = ring ? seg(0x33, 11, 3, 1) : seg(0x10, 11, 0, 1);
	s.ss = ring ? seg(0x2b, 3, 3, 0) : seg(0x18, 3, 0, 0);
	s.ds = s.es = s.fs = s.gs = s.ss;
	s.tr = (struct kvm_segment){ .base = RAW_TSS, .limit = 107,
				     .selector = 0x40, .type = 11,
				     .present = 1 };
	s.gdt.base = RAW_GDT;
	s.gdt.limit = 10 * 8 - 1;
	s.cr0 = 0x80050033;
	s.cr3 = RAW_PML4;
	s.cr4 = 0x620;
	s.efer = 0xd01;
	struct kvm_regs g;
	memset(&g, 0, sizeof(g));
	g.rip = rip;
	g.rsp = RAW_STACK;
	g.rflags = ring ? 0x202 : 2;
	/* A leftover from the last loop would override what we set. */
	r->run->kvm_dirty_regs = 0;
	return ioctl(r->vcpu, KVM_SET_SREGS, &s) ||
			       ioctl(r->vcpu, KVM_SET_REGS, &g)
		       ? -1
		       : 0;
}

static int raw_msrs(struct raw *r)
{
	uint64_t buf[(sizeof(struct kvm_msrs) +
		      3 * sizeof(struct kvm_msr_entry)) / 8];
	struct kvm_msrs *m = (struct kvm_msrs *)buf;
	memset(buf, 0, sizeof(buf));
	m->nmsrs = 3;
	m->entries[0].index = 0xc0000081;      /* STAR */
	m->entries[0].data = 0x23ULL << 48 | 0x10ULL << 32;
	m->entries[1].index = 0xc0000082;      /* LSTAR */
	m->entries[1].data = RAW_LSTAR;
	m->entries[2].index = 0xc0000084;      /* SFMASK */
	m->entries[2].data = 0x47700;
	return ioctl(r->vcpu, KVM_SET_MSRS, m) == 3 ? 0 : -1;
}

static int raw_open(struct raw *r)
{
	memset(r, 0, sizeof(*r));
	r->vm = r->vcpu = -1;
	r->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (r->kvm < 0 || (r->vm = ioctl(r->kvm, KVM_CREATE_VM, 0)) < 0)
		return -1;
	void *m = mmap(NULL, RAW_MEM, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return -1;
	r->mem = m;
	raw_tables(r->mem);
	struct kvm_userspace_memory_region slot = {
		.memory_size = RAW_MEM, .userspace_addr = (uintptr_t)m };
	if (ioctl(r->vm, KVM_SET_USER_MEMORY_REGION, &slot) ||
	    (r->vcpu = ioctl(r->vm, KVM_CREATE_VCPU, 0)) < 0)
		return -1;
	r->run_size = (size_t)ioctl(r->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	void *run = mmap(NULL, r->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 r->vcpu, 0);
	if (run == MAP_FAILED)
		return -1;
	r->run = run;
	r->run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
	return raw_msrs(r);
}

/* n exits; for the syscall loop, the return to ring 3 the hypervisor
 * needs (sysretq in the guest, or rip = rcx from here). */
static double raw_round(struct raw *r, int n, int sys)
{
	double t0 = now_ns();
	for (int i = 0; i < n; i++) {
		if (ioctl(r->vcpu, KVM_RUN, 0) ||
		    r->run->exit_reason != KVM_EXIT_IO)
			return -1;
		struct kvm_regs *g = &r->run->s.regs.regs;
		if (sys && r->run->s.regs.sregs.cs.dpl == 3) {
			g->rip = g->rcx;
			g->rflags = g->r11;
			r->run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
		}
	}
	return (now_ns() - t0) / n;
}

/* ---- the platform ---- */

struct plat {
	const struct platform_ops *ops;
	int memfd;
	struct platform *p;
	struct platform_as *as;
	struct platform_ctx *ctx;
	struct cpu_state *cpu;
};

static int plat_open(struct plat *pl, const char *name)
{
	/* 1: mov $110,%eax; syscall; jmp 1b */
	static const uint8_t code[] = { 0xb8, 0x6e, 0, 0, 0, 0x0f, 0x05, 0xeb,
					0xf7 };
	memset(pl, 0, sizeof(*pl));
	pl->ops = platform_find(name);
	pl->memfd = memfd_create("bench-mem", MFD_CLOEXEC);
	pl->cpu = aligned_alloc(64, sizeof(*pl->cpu));
	if (!pl->ops || pl->memfd < 0 || !pl->cpu ||
	    ftruncate(pl->memfd, (off_t)(TOUCH_BYTES + (1 << 20))) ||
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

struct raw_kind {
	const char *name;
	int ring, sys;
	uint64_t rip;
};

static const struct raw_kind kinds[] = {
	{ "ring-0 out loop", 0, 0, RAW_R0 },
	{ "ring-3 out loop", 3, 0, RAW_R3 },
	{ "ring-3 syscall -> out", 3, 1, RAW_SYS },
};

/* Raw and platform rounds interleaved, so that both see the same noise;
 * each ratio is the median of the per-round ratios. */
static void compare(struct raw *raw, struct plat *pl, int n)
{
	double v[3][ROUNDS], plat[ROUNDS], ratio[3][ROUNDS];
	for (int k = 0; k < ROUNDS; k++) {
		for (int j = 0; j < 3; j++) {
			if (raw_regs(raw, kinds[j].ring, kinds[j].rip) ||
			    (v[j][k] = raw_round(raw, n, kinds[j].sys)) < 0) {
				printf("  raw guest failed (%s)\n",
				       strerror(errno));
				return;
			}
		}
		plat[k] = platform_round(pl, n, 0);
		if (plat[k] < 0) {
			printf("  platform round failed\n");
			return;
		}
		for (int j = 0; j < 3; j++)
			ratio[j][k] = plat[k] / v[j][k];
	}
	char name[64];
	for (int j = 0; j < 3; j++) {
		snprintf(name, sizeof(name), "raw exit, %s", kinds[j].name);
		print(name, summarize(v[j], ROUNDS));
	}
	print("getppid platform ctx_switch", summarize(plat, ROUNDS));
	for (int j = 0; j < 3; j++) {
		struct result r = summarize(ratio[j], ROUNDS);
		snprintf(name, sizeof(name), "ratio to %s", kinds[j].name);
		printf("  %-38s %9.2f %9.2f\n", name, r.best, r.median);
	}
}

static struct result bench_pull(struct plat *pl, int n)
{
	double v[ROUNDS];
	struct result res = { 0, 0, 0 };
	for (int k = 0; k < ROUNDS; k++)
		if ((v[k] = platform_round(pl, n, 1)) < 0)
			return res;
	return summarize(v, ROUNDS);
}

/* as_map into an empty slot, then as_unmap (a present entry goes: the
 * expensive direction under a shadowing hypervisor). */
static struct result bench_map_unmap(struct plat *pl, int n, int unmap)
{
	struct result res = { 0, 0, 0 };
	double v[ROUNDS];
	for (int k = 0; k < ROUNDS; k++) {
		double t = 0;
		for (int i = 0; i < n; i++) {
			uint64_t va = 0x20000000ULL +
				      (uint64_t)(i & 63) * 0x1000;
			double t0 = now_ns();
			if (pl->ops->as_map(pl->as, va, 0x1000, 0x2000,
					    PROT_READ | PROT_WRITE))
				return res;
			double t1 = now_ns();
			if (pl->ops->as_unmap(pl->as, va, 0x1000))
				return res;
			t += unmap ? now_ns() - t1 : t1 - t0;
		}
		v[k] = t / n;
	}
	return summarize(v, ROUNDS);
}

/* Touches TOUCH_BYTES, one byte per page: every page faults, is mapped
 * `window` pages at a time, and the store is retried. Returns seconds;
 * *unmap_s: unmapping it all afterwards. */
static double touch(struct plat *pl, uint64_t window, unsigned *faults,
		    double *unmap_s)
{
	/* 1: movb $1,(%rbx); add $4096,%rbx; cmp %rcx,%rbx; jb 1b;
	 * mov $39,%eax; syscall */
	static const uint8_t code[] = { 0xc6, 0x03, 0x01, 0x48, 0x81, 0xc3,
					0x00, 0x10, 0x00, 0x00, 0x48, 0x39,
					0xcb, 0x72, 0xf1, 0xb8, 0x27, 0,
					0,    0,    0x0f, 0x05 };
	struct platform_event ev;
	const struct platform_ops *ops = pl->ops;
	if (pwrite(pl->memfd, code, sizeof(code), 0x200) != sizeof(code))
		return -1;
	cpu_state_init_exec(pl->cpu, CODE + 0x200, STACK + 0x1000);
	pl->cpu->regs.rbx = TOUCH_BASE;
	pl->cpu->regs.rcx = TOUCH_BASE + TOUCH_BYTES;
	*faults = 0;
	double t0 = now_ns();
	for (;;) {
		if (ops->ctx_switch(pl->ctx, pl->as, pl->cpu, &ev))
			return -1;
		if (ev.stop == PLATFORM_SYSCALL)
			break;
		if (ev.stop != PLATFORM_FAULT)
			return -1;
		uint64_t va = ev.fault_addr & ~((window << 12) - 1);
		if (ops->as_map(pl->as, va, window << 12,
				0x100000 + (va - TOUCH_BASE),
				PROT_READ | PROT_WRITE))
			return -1;
		(*faults)++;
	}
	double t1 = now_ns(), s = (t1 - t0) / 1e9;
	ops->as_unmap(pl->as, TOUCH_BASE, TOUCH_BYTES);
	*unmap_s = (now_ns() - t1) / 1e9;
	fallocate(pl->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		  0x100000, (off_t)TOUCH_BYTES);
	return s;
}

static void bench_touch(const char *name)
{
	struct plat pl;
	if (plat_open(&pl, name)) {
		printf("  %s: cannot set up\n", name);
		plat_close(&pl);
		return;
	}
	for (uint64_t window = 1; window <= 16; window *= 16) {
		unsigned faults;
		double unmap;
		double s = touch(&pl, window, &faults, &unmap);
		if (s < 0)
			printf("  %-7s window %2llu: failed\n", name,
			       (unsigned long long)window);
		else
			printf("  %-7s window %2llu pages: %6u faults %6.2f s "
			       "%6.0f ns/fault, unmap all %5.3f s\n",
			       name, (unsigned long long)window, faults, s,
			       s * 1e9 / faults, unmap);
	}
	plat_close(&pl);
}

static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

int main(void)
{
	const int n = 4000;
	struct raw raw;
	struct plat pl;
	struct platform_event ev;

	setvbuf(stdout, NULL, _IOLBF, 0);
	int r = kvm_platform_probe();
	printf("bench_kvm: ns per operation, best and median of %d rounds\n",
	       ROUNDS);
	if (r) {
		printf("  skipped: /dev/kvm unusable (%s)\n", strerror(-r));
		return 0;
	}
	pin(0);
	printf("  %-38s %9s %9s\n", "", "best", "median");
	print("getppid native", bench_native(n * 5));
	if (raw_open(&raw) || plat_open(&pl, "kvm") ||
	    pl.ops->ctx_switch(pl.ctx, pl.as, pl.cpu, &ev) ||
	    ev.stop != PLATFORM_SYSCALL) {
		printf("  cannot set up (%s)\n", strerror(errno));
		raw_close(&raw);
		plat_close(&pl);
		return 0;
	}
	printf(" %s paging (%s)\n", kvm_platform_hw_paging(pl.p)
					    ? "hardware" : "shadow",
	       "the platform flushes guest TLBs itself only with hardware");
	compare(&raw, &pl, n);
	raw_close(&raw);
	print("getppid + ctx_pull_state (XSAVE)", bench_pull(&pl, n / 4));
	print("as_map of one page (empty slot)", bench_map_unmap(&pl, 500, 0));
	print("as_unmap of one page", bench_map_unmap(&pl, 500, 1));
	plat_close(&pl);

	printf(" 512 MiB touched page by page: fault, as_map, retry\n");
	bench_touch("kvm");
	bench_touch("ptrace");
	return 0;
}
