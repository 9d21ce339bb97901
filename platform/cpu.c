/* The register file: exec-time defaults and the host's XSAVE geometry. */
#include "platform/cpu.h"

#include <cpuid.h>
#include <pthread.h>
#include <string.h>

#define X86_EFLAGS_IF 0x200
#define X86_EFLAGS_FIXED 0x2       /* bit 1 always reads as 1 */
#define USER_CS 0x33
#define USER_DS 0x2b

#define FCW_DEFAULT 0x37f
#define MXCSR_DEFAULT 0x1f80

/* The legacy region and the XSAVE header: what every area holds. */
#define XSAVE_LEGACY_SIZE (CPU_XSAVE_HEADER + 64)

struct xsave_geometry {
	uint32_t size;
	uint64_t features;
};

/* Host facts, not sandbox state: filled once, read-only afterwards. */
static struct xsave_geometry geometry;
static pthread_once_t geometry_once = PTHREAD_ONCE_INIT;

static uint64_t read_xcr0(void)
{
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

static void geometry_probe(void)
{
	unsigned a, b, c, d;

	geometry.size = XSAVE_LEGACY_SIZE;
	geometry.features = 3;     /* x87 and SSE live in the legacy region */
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_XSAVE) ||
	    !(c & bit_OSXSAVE))
		return;
	uint64_t xcr0 = read_xcr0();
	geometry.features = xcr0 & 3;
	for (unsigned i = 2; i < 63; i++) {
		if (!(xcr0 & (1ULL << i)))
			continue;
		__cpuid_count(0xd, i, a, b, c, d);
		/* eax: size, ebx: offset in the standard format. */
		if (a == 0 || (uint64_t)a + b > CPU_XSAVE_MAX)
			continue;
		geometry.features |= 1ULL << i;
		if (a + b > geometry.size)
			geometry.size = a + b;
	}
}

uint32_t cpu_xsave_size(void)
{
	pthread_once(&geometry_once, geometry_probe);
	return geometry.size;
}

uint64_t cpu_xsave_features(void)
{
	pthread_once(&geometry_once, geometry_probe);
	return geometry.features;
}

void cpu_xsave_init(struct cpu_state *cpu)
{
	uint16_t fcw = FCW_DEFAULT;
	uint32_t mxcsr = MXCSR_DEFAULT;

	/* A zeroed header marks every component as in its initial state;
	 * the legacy fields still carry the values XRSTOR would load. */
	memset(cpu->xsave, 0, sizeof(cpu->xsave));
	memcpy(cpu->xsave + CPU_XSAVE_FCW, &fcw, sizeof(fcw));
	memcpy(cpu->xsave + CPU_XSAVE_MXCSR, &mxcsr, sizeof(mxcsr));
	cpu->xsave_size = cpu_xsave_size();
}

void cpu_state_init_exec(struct cpu_state *cpu, uint64_t rip, uint64_t rsp)
{
	memset(&cpu->regs, 0, sizeof(cpu->regs));
	cpu->regs.rip = rip;
	cpu->regs.rsp = rsp;
	cpu->regs.cs = USER_CS;
	cpu->regs.ss = USER_DS;
	cpu->regs.eflags = X86_EFLAGS_IF | X86_EFLAGS_FIXED;
	/* orig_rax of a fresh thread: not in a system call. */
	cpu->regs.orig_rax = (uint64_t)-1;
	cpu->pad = 0;
	cpu_xsave_init(cpu);
}

void cpu_xsave_sanitize(uint8_t *x, uint64_t allowed, uint32_t mxcsr_mask)
{
	uint64_t bv, zero = 0;
	uint32_t mxcsr;
	uint16_t fcw = FCW_DEFAULT;

	memcpy(&bv, x + CPU_XSAVE_HEADER, 8);
	bv &= allowed;
	if (!(bv & 1)) {
		memset(x, 0, CPU_XSAVE_MXCSR);
		memcpy(x + CPU_XSAVE_FCW, &fcw, 2);
		memset(x + CPU_XSAVE_ST0, 0, CPU_XSAVE_XMM0 - CPU_XSAVE_ST0);
	}
	if (!(bv & 2))
		memset(x + CPU_XSAVE_XMM0, 0, 256);
	bv |= 3;
	memcpy(x + CPU_XSAVE_HEADER, &bv, 8);
	memcpy(x + CPU_XSAVE_HEADER + 8, &zero, 8);    /* xcomp_bv */
	memset(x + CPU_XSAVE_HEADER + 16, 0, 48);       /* reserved */
	memcpy(&mxcsr, x + CPU_XSAVE_MXCSR, 4);
	mxcsr &= mxcsr_mask;
	memcpy(x + CPU_XSAVE_MXCSR, &mxcsr, 4);
}
