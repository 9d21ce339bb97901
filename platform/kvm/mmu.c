/* The mmu vCPU: a vCPU that never runs application code. It makes the
 * guest-side page-table writes pgtable.c needs: rep movsq of entries onto
 * themselves, so the hypervisor sees guest writes of the new values.
 *
 * It runs in ring 0 on the kernel-only root, from whichever thread edits
 * page tables; p->lock serializes it. Its registers are set through the
 * kvm_run page (sync regs), so a rewrite is one KVM_RUN. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "platform/kvm/internal.h"

#define CODE_VA(off) (KVM_KERN_VA + KVM_OFF_CODE + (off))

int mmu_init(struct platform *p)
{
	return vcpu_make(p, &p->mmu, true);
}

/* Runs the mmu vCPU from code offset `code` with regs until it halts at
 * `halt_after` (its rip after the hlt). */
static int mmu_run(struct platform *p, struct kvm_regs *regs,
		   uint64_t code, uint64_t halt_after)
{
	struct kvm_run *run = p->mmu->run;
	regs->rip = CODE_VA(code);
	regs->rflags = 2;
	regs->rsp = vcpu_stack_top(p->mmu);
	run->s.regs.regs = *regs;
	run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
	run->immediate_exit = 0;
	for (;;) {
		if (ioctl(p->mmu->fd, KVM_RUN, 0) == 0)
			break;
		/* A signal of the calling thread: resume where it stopped
		 * (rep movsq keeps its progress in rcx, rsi, rdi). */
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
	}
	*regs = run->s.regs.regs;
	if (run->exit_reason != KVM_EXIT_HLT ||
	    regs->rip != CODE_VA(halt_after))
		return -EIO;
	return 0;
}

static int rewrite_va(struct platform *p, uint64_t va, unsigned lo,
		      unsigned hi)
{
	struct kvm_regs regs;
	memset(&regs, 0, sizeof(regs));
	regs.rsi = regs.rdi = va + lo * 8;
	regs.rcx = hi - lo + 1;
	/* rep movsq is 3 bytes, hlt 1. */
	int r = mmu_run(p, &regs, KVM_CODE_MMU, KVM_CODE_MMU + 4);
	return !r && regs.rcx != 0 ? -EIO : r;
}

int mmu_rewrite(struct platform *p, uint32_t page, unsigned lo, unsigned hi)
{
	return rewrite_va(p, KVM_KERN_VA + pool_off(page), lo, hi);
}

int mmu_rewrite_off(struct platform *p, uint64_t off, unsigned lo,
		    unsigned hi)
{
	return rewrite_va(p, KVM_KERN_VA + off, lo, hi);
}
