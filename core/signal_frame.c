/* The x86-64 rt_sigframe: what a handler finds on its stack, and what
 * rt_sigreturn(2) reads back. The layout is Linux's ABI (glibc's
 * ucontext_t, libunwind and debuggers read it), spelled out here with
 * its sizes checked, rather than taken from <asm/sigcontext.h>, which
 * clashes with glibc's <signal.h>. */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "core/kernel.h"
#include "core/mm.h"
#include "core/signal.h"
#include "core/syscall.h"
#include "core/task.h"

struct linux_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;          /* address of the XSAVE area */
	uint64_t reserved1[8];
};
static_assert(sizeof(struct linux_sigcontext) == 256, "sigcontext ABI");

struct linux_stack {
	uint64_t ss_sp;
	int32_t ss_flags, pad;
	uint64_t ss_size;
};

struct linux_ucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct linux_stack uc_stack;
	struct linux_sigcontext uc_mcontext;
	uint64_t uc_sigmask;
};
static_assert(sizeof(struct linux_ucontext) == 304, "ucontext ABI");

struct linux_rt_sigframe {
	uint64_t pretcode;         /* the handler returns to sa_restorer */
	struct linux_ucontext uc;
	siginfo_t info;
};
static_assert(sizeof(struct linux_rt_sigframe) == 440, "rt_sigframe ABI");

#define UC_FP_XSTATE 0x1
#define UC_SIGCONTEXT_SS 0x2
#define UC_STRICT_RESTORE_SS 0x4
#ifndef FP_XSTATE_MAGIC1            /* glibc's <signal.h> may have them */
#define FP_XSTATE_MAGIC1 0x46505853u
#define FP_XSTATE_MAGIC2 0x46505845u
#endif
#define FPX_SW_BYTES 464           /* in the legacy FXSAVE region */
#define USER_CS 0x33
#define USER_DS 0x2b
/* Flags a handler's context may change (Linux's FIX_EFLAGS). */
#define FIX_EFLAGS 0x50dd5ull
#define RED_ZONE 128

struct fpx_sw_bytes {
	uint32_t magic1, extended_size;
	uint64_t xfeatures;
	uint32_t xstate_size, padding[7];
};

static bool on_altstack(const struct task *t, uint64_t sp)
{
	uint64_t base = (uint64_t)(uintptr_t)t->altstack.ss_sp;
	return t->altstack.ss_size && sp > base &&
	       sp - base <= t->altstack.ss_size;
}

static void fill_mcontext(struct linux_sigcontext *m, const struct task *t,
			  uint64_t fpstate, uint64_t old_mask)
{
	const struct user_regs_struct *r = &t->cpu.regs;
	*m = (struct linux_sigcontext){
		.r8 = r->r8, .r9 = r->r9, .r10 = r->r10, .r11 = r->r11,
		.r12 = r->r12, .r13 = r->r13, .r14 = r->r14, .r15 = r->r15,
		.rdi = r->rdi, .rsi = r->rsi, .rbp = r->rbp, .rbx = r->rbx,
		.rdx = r->rdx, .rax = r->rax, .rcx = r->rcx, .rsp = r->rsp,
		.rip = r->rip, .eflags = r->eflags, .cs = USER_CS,
		.ss = USER_DS, .oldmask = old_mask, .fpstate = fpstate,
	};
}

/* The XSAVE area as the handler's frame holds it: the software bytes say
 * how large it is, and a magic word follows it. */
static int push_fpstate(struct task *t, uint64_t addr)
{
	uint8_t area[CPU_XSAVE_MAX + 4];
	uint32_t size = t->cpu.xsave_size;
	memcpy(area, t->cpu.xsave, size);
	struct fpx_sw_bytes sw = { FP_XSTATE_MAGIC1, size + 4,
				   cpu_xsave_features(), size, { 0 } };
	memcpy(area + FPX_SW_BYTES, &sw, sizeof(sw));
	uint32_t magic2 = FP_XSTATE_MAGIC2;
	memcpy(area + size, &magic2, 4);
	return mm_copy_to(t->mm, addr, area, size + 4);
}

int signal_frame_push(struct task *t, int sig, const siginfo_t *info,
		      const struct k_sigaction *ka, uint64_t old_mask)
{
	struct kernel *k = t->kernel;
	/* The frame holds every register, not just those fetched. */
	if (k->platform_ops->ctx_pull_state(t->ctx, &t->cpu) < 0)
		return -EFAULT;
	struct user_regs_struct *r = &t->cpu.regs;
	uint64_t sp = r->rsp - RED_ZONE;
	if ((ka->flags & SA_ONSTACK) && t->altstack.ss_size &&
	    !(t->altstack.ss_flags & SS_DISABLE) && !on_altstack(t, r->rsp))
		sp = (uint64_t)(uintptr_t)t->altstack.ss_sp + t->altstack.ss_size;
	uint64_t fp = (sp - t->cpu.xsave_size - 4) & ~63ull;
	uint64_t frame = ((fp - sizeof(struct linux_rt_sigframe)) & ~15ull) - 8;

	struct linux_rt_sigframe f;
	memset(&f, 0, sizeof(f));
	f.pretcode = ka->restorer;
	f.uc.uc_flags = UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	f.uc.uc_stack = (struct linux_stack){
		(uint64_t)(uintptr_t)t->altstack.ss_sp,
		on_altstack(t, r->rsp) ? SS_ONSTACK : t->altstack.ss_flags, 0,
		t->altstack.ss_size };
	fill_mcontext(&f.uc.uc_mcontext, t, fp, old_mask);
	f.uc.uc_sigmask = old_mask;
	f.info = *info;
	if (push_fpstate(t, fp) < 0 ||
	    mm_copy_to(t->mm, frame, &f, sizeof(f)) < 0)
		return -EFAULT;

	r->rdi = (uint64_t)sig;
	r->rsi = frame + offsetof(struct linux_rt_sigframe, info);
	r->rdx = frame + offsetof(struct linux_rt_sigframe, uc);
	r->rax = 0;
	r->rsp = frame;
	r->rip = ka->handler;
	r->cs = USER_CS;
	r->ss = USER_DS;
	r->eflags &= ~(0x100ull | 0x400ull | 0x10000ull); /* TF DF RF */
	/* Handlers start with a clean FPU, as in Linux. */
	cpu_xsave_init(&t->cpu);
	return 0;
}

/* ---- rt_sigreturn ----------------------------------------------------- */

static void restore_regs(struct task *t, const struct linux_sigcontext *m)
{
	struct user_regs_struct *r = &t->cpu.regs;
	r->r8 = m->r8, r->r9 = m->r9, r->r10 = m->r10, r->r11 = m->r11;
	r->r12 = m->r12, r->r13 = m->r13, r->r14 = m->r14, r->r15 = m->r15;
	r->rdi = m->rdi, r->rsi = m->rsi, r->rbp = m->rbp, r->rbx = m->rbx;
	r->rdx = m->rdx, r->rax = m->rax, r->rcx = m->rcx, r->rsp = m->rsp;
	r->rip = m->rip;
	r->eflags = (r->eflags & ~FIX_EFLAGS) | (m->eflags & FIX_EFLAGS);
	r->cs = USER_CS;
	r->ss = USER_DS;
	/* Never a syscall to restart (Linux sets orig_ax to -1 here). */
	r->orig_rax = (uint64_t)-1;
}

/* Reads the handler's (possibly edited) XSAVE area back, keeping only
 * what XRSTOR accepts: supported components, a standard-format header,
 * a valid MXCSR. A legacy (FXSAVE-only) area restores x87 and SSE. */
static int restore_fpstate(struct task *t, uint64_t fp)
{
	if (!fp) {
		cpu_xsave_init(&t->cpu);
		return 0;
	}
	uint8_t area[CPU_XSAVE_MAX];
	if (mm_copy_from(t->mm, area, fp, 512) < 0)
		return -EFAULT;
	struct fpx_sw_bytes sw;
	memcpy(&sw, area + FPX_SW_BYTES, sizeof(sw));
	uint32_t ours = cpu_xsave_size();
	uint32_t size = 512;
	if (sw.magic1 == FP_XSTATE_MAGIC1 && sw.xstate_size >= 576 &&
	    sw.xstate_size <= ours && sw.extended_size == sw.xstate_size + 4)
		size = sw.xstate_size;
	cpu_xsave_init(&t->cpu);
	if (mm_copy_from(t->mm, area, fp, size) < 0)
		return -EFAULT;
	memcpy(t->cpu.xsave, area, size < 512 ? size : 512);
	uint64_t bv = 3; /* x87 | SSE */
	if (size > 512) {
		memcpy(t->cpu.xsave + 576, area + 576, size - 576);
		memcpy(&bv, area + CPU_XSAVE_HEADER, 8);
		bv &= cpu_xsave_features();
	}
	memset(t->cpu.xsave + CPU_XSAVE_HEADER, 0, 64);
	memcpy(t->cpu.xsave + CPU_XSAVE_HEADER, &bv, 8);
	uint32_t mxcsr;
	memcpy(&mxcsr, t->cpu.xsave + CPU_XSAVE_MXCSR, 4);
	mxcsr &= 0xffff;
	memcpy(t->cpu.xsave + CPU_XSAVE_MXCSR, &mxcsr, 4);
	return 0;
}

SYSCALL_DECL(rt_sigreturn)
{
	(void)a;
	struct linux_rt_sigframe f;
	uint64_t frame = t->cpu.regs.rsp - 8;
	if (mm_copy_from(t->mm, &f, frame, sizeof(f)) < 0 ||
	    restore_fpstate(t, f.uc.uc_mcontext.fpstate) < 0) {
		task_exit_group(t, SIGSEGV);
		return 0;
	}
	restore_regs(t, &f.uc.uc_mcontext);
	t->sig_blocked = f.uc.uc_sigmask & ~SIG_UNBLOCKABLE;
	/* sigaltstack as the handler left it, unless it is in use. */
	if (!on_altstack(t, t->cpu.regs.rsp) &&
	    (f.uc.uc_stack.ss_flags == 0 || f.uc.uc_stack.ss_flags == SS_DISABLE))
		t->altstack = (stack_t){ (void *)(uintptr_t)f.uc.uc_stack.ss_sp,
					 f.uc.uc_stack.ss_flags,
					 f.uc.uc_stack.ss_size };
	return (int64_t)t->cpu.regs.rax;
}
