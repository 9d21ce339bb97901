/* The register file of one application thread.
 *
 * It lives in the kernel's task whenever the task is not running
 * application code (DESIGN.md invariant 5), so that a checkpoint taken
 * under one platform restores under another. General registers use the
 * layout of struct user_regs_struct (what ptrace reports, including
 * orig_rax and fs/gs base); the extended state is a standard-format XSAVE
 * area (legacy FXSAVE region, XSAVE header, components), as produced by
 * XSAVE and by PTRACE_GETREGSET(NT_X86_XSTATE). */
#ifndef PLATFORM_CPU_H
#define PLATFORM_CPU_H

#include <stdint.h>
#include <sys/user.h>

/* Large enough for every component of current x86-64 CPUs (AVX-512 needs
 * 2696 bytes; AMX would need more and is not enabled for applications). */
#define CPU_XSAVE_MAX 4096

struct cpu_state {
	struct user_regs_struct regs;
	uint32_t xsave_size;       /* valid bytes in xsave; 0: not current
	                              (never set, or the platform still holds
	                              the live state: see ctx_pull_state) */
	uint32_t pad;
	uint8_t xsave[CPU_XSAVE_MAX] __attribute__((aligned(64)));
};

/* Resets *cpu to the state of a fresh exec: zeroed registers, user code
 * and stack selectors, IF set in rflags, the default x87 control word and
 * MXCSR in the XSAVE area. */
void cpu_state_init_exec(struct cpu_state *cpu, uint64_t rip, uint64_t rsp);

/* Puts the exec-time extended state (x87 control word 0x37f, MXCSR 0x1f80,
 * every component in its initial state) in cpu->xsave and sets xsave_size;
 * the state a signal handler starts with, too. */
void cpu_xsave_init(struct cpu_state *cpu);

/* Turns an XSAVE image into one a platform can load and that means what
 * XRSTOR would make of it: components outside `allowed` dropped, the
 * header's xcomp_bv and reserved bytes cleared, MXCSR bits outside
 * mxcsr_mask cleared, and x87/SSE marked present with their initial
 * values written out where the image had them in the initial state (the
 * host would otherwise keep the thread's old MXCSR). Every platform
 * loading the kernel's state uses it, so all accept the same images. */
void cpu_xsave_sanitize(uint8_t *x, uint64_t allowed, uint32_t mxcsr_mask);

/* This host's XSAVE geometry, limited to the components that fit in
 * CPU_XSAVE_MAX (AMX tile data does not): the size of a standard-format
 * area holding them, and their XCR0 bits. Computed once (CPUID is a VM
 * exit), then read-only. Hosts without XSAVE report the legacy FXSAVE area
 * plus header (576 bytes) and x87|SSE. */
uint32_t cpu_xsave_size(void);
uint64_t cpu_xsave_features(void);

/* Offsets in a standard-format XSAVE area. */
#define CPU_XSAVE_FCW 0
#define CPU_XSAVE_MXCSR 24
#define CPU_XSAVE_MXCSR_MASK 28
#define CPU_XSAVE_ST0 32
#define CPU_XSAVE_XMM0 160
#define CPU_XSAVE_HEADER 512       /* xstate_bv, xcomp_bv, reserved */
#define CPU_XSAVE_YMM_HI 576       /* upper halves of ymm0-15 */

#endif
