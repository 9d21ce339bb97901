/* How application code runs and traps back into the kernel.
 *
 * A platform provides address spaces (sets of mappings of the memory file)
 * and execution contexts (one per kernel host thread) that run application
 * code in an address space until it makes a system call, faults, gets an
 * exception or is interrupted. Implementations: platform/ptrace (stub
 * processes traced with PTRACE_SYSEMU) and platform/kvm (guest ring 3
 * of a KVM virtual machine).
 *
 * Application memory is only ever the memory file (DESIGN.md invariant 4):
 * every mapping a platform makes is a MAP_SHARED view of a range of it. The
 * kernel implements private and copy-on-write semantics itself by choosing
 * which file page backs an address and with which protection.
 *
 * Threading contract: a context belongs to the host thread that created it
 * and may only be used (switch, destroy) from that thread; `interrupt` may
 * be called from any thread. Address-space operations may be called from
 * any host thread, but never concurrently on the same address space (the
 * kernel lock serializes them). */
#ifndef PLATFORM_PLATFORM_H
#define PLATFORM_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/cpu.h"

struct platform;
struct platform_as;
struct platform_ctx;

/* Application addresses lie below PLATFORM_APP_END on every platform, so
 * an image moves between platforms. The ptrace platform keeps its stub in
 * [PLATFORM_APP_END, 0x7ffffffff000), the top of the 47-bit user range;
 * the kernel's mm must place nothing there (as_map refuses it). */
#define PLATFORM_APP_END 0x7ffffff00000ULL

/* What a register a platform did not fetch reads as after a switch (see
 * ctx_pull_state). Not a valid selector, base or address, so a use of it
 * without a pull fails loudly. */
#define PLATFORM_REG_UNFETCHED 0xdead5afe0bad0000ULL

enum platform_stop {
	PLATFORM_SYSCALL = 1,      /* cpu->regs.orig_rax holds the number;
	                              rip is past the syscall instruction */
	PLATFORM_FAULT,            /* page fault: addr, access */
	PLATFORM_EXCEPTION,        /* other CPU exception, as a signal */
	PLATFORM_INTERRUPTED,      /* platform_interrupt was called */
};

/* Access bits of a fault, as in PROT_*. */
#define PLATFORM_ACCESS_READ 1
#define PLATFORM_ACCESS_WRITE 2
#define PLATFORM_ACCESS_EXEC 4

struct platform_event {
	enum platform_stop stop;
	uint64_t fault_addr;       /* FAULT, and EXCEPTION with an address */
	int access;                /* FAULT: PLATFORM_ACCESS_* */
	int signo;                 /* EXCEPTION: SIGSEGV, SIGBUS, SIGILL,
	                              SIGFPE, SIGTRAP (FAULT: SIGSEGV) */
	int si_code;               /* EXCEPTION, FAULT: as the host
	                              reported it */
	int trapno;                /* EXCEPTION, FAULT: x86 vector where
	                              known, else -1 */
};

struct platform_ops {
	const char *name;

	/* One platform instance per kernel. memfd is the memory file; the
	 * platform may keep (dup) it. Returns 0 or -errno. */
	int (*create)(struct platform **out, int memfd);
	void (*destroy)(struct platform *p);

	int (*as_create)(struct platform *p, struct platform_as **out);
	void (*as_destroy)(struct platform_as *as);
	/* Maps memory-file bytes [offset, offset+len) at addr with prot
	 * (PROT_*), replacing whatever was there. addr, len and offset are
	 * page aligned. */
	int (*as_map)(struct platform_as *as, uint64_t addr, uint64_t len,
		      uint64_t offset, int prot);
	int (*as_unmap)(struct platform_as *as, uint64_t addr, uint64_t len);
	int (*as_protect)(struct platform_as *as, uint64_t addr, uint64_t len,
			  int prot);

	/* Contexts: see the threading contract above. */
	int (*ctx_create)(struct platform *p, struct platform_ctx **out);
	void (*ctx_destroy)(struct platform_ctx *ctx);
	/* Runs cpu in as until the next stop; updates *cpu and fills *ev.
	 * Returns 0 or -errno if the platform itself failed (-ESRCH: the
	 * address space is dead, its host process gone; -EINVAL: the host
	 * refused a register value in *cpu; -EPERM: not ctx's thread).
	 *
	 * State may be fetched lazily (the ptrace platform does: fetching
	 * everything would cost a third of a system call round trip). After
	 * a switch, rip, rsp, rax, orig_rax, rcx and the argument registers
	 * rdi, rsi, rdx, r10, r8, r9 are current; after a stop other than
	 * SYSCALL every general register is. Any other register may read as
	 * PLATFORM_REG_UNFETCHED, and cpu->xsave is current only when
	 * cpu->xsave_size != 0. Call ctx_pull_state before reading them
	 * (signal delivery, fork, checkpoint, ARCH_GET_FS, ptrace). Any
	 * register may be written without a pull; the XSAVE area may be
	 * written whole (setting xsave_size, as cpu_state_init_exec does)
	 * without a pull, but a partial change needs one first. Changes are
	 * pushed on the next switch. */
	int (*ctx_switch)(struct platform_ctx *ctx, struct platform_as *as,
			  struct cpu_state *cpu, struct platform_event *ev);
	/* Makes every field of *cpu current after a switch of ctx with the
	 * same cpu. From ctx's thread only; cheap when nothing is missing;
	 * a no-op on platforms whose switch returns everything. A context
	 * runs one cpu at a time: pull the one it last ran before switching
	 * it with another. Returns 0 or -errno (-ESRCH: the state was lost
	 * with its address space). */
	int (*ctx_pull_state)(struct platform_ctx *ctx, struct cpu_state *cpu);
	/* Makes a running or about-to-run ctx_switch return INTERRUPTED
	 * promptly. Safe from any thread; idempotent until the next
	 * INTERRUPTED stop is reported. */
	void (*ctx_interrupt)(struct platform_ctx *ctx);

	/* Capabilities. */
	bool can_trap_cpuid;       /* replay needs CPUID/RDTSC trapping */
	unsigned switch_cost_ns;   /* rough cost of one switch round trip */
};

/* Looks up a platform by name ("ptrace", "kvm"); NULL if unknown. */
const struct platform_ops *platform_find(const char *name);

#endif
