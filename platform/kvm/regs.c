/* The application's registers between a cpu_state and a vCPU: where the
 * vCPU stopped, and what that means for each register; and how to put a
 * cpu_state back (through the kvm_run page, never an ioctl).
 *
 * Where the vCPU stops (cs.dpl and rip say which):
 *   trampoline  a system call: app rip = rcx, rflags = r11. In ring 3 on
 *               hypervisors that keep SYSCALL there (kvm_pvm), in ring 0
 *               on hardware virtualization.
 *   vector v    exception v from ring 3, frame on the vCPU's stack.
 *   user        interrupted in application code.
 *   iret/flush  interrupted on the way back, frame on the stack.
 * To resume, a vCPU in ring 3 just gets the registers; one in ring 0 gets
 * an iret frame on its stack and the general registers, and starts at
 * the iret stub (or the flush stub, when its TLB must be flushed first:
 * hardware paging only, see as.c). */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "platform/kvm/internal.h"

#define CODE_VA(off) (KVM_KERN_VA + KVM_OFF_CODE + (off))
#define USER_TOP 0x800000000000ULL

#define RFLAGS_FIXED 0x2ULL
#define RFLAGS_IF 0x200ULL
/* What an application may set: CF PF AF ZF SF TF DF OF AC ID RF (IF is
 * forced on). */
#define RFLAGS_USER 0x250dd5ULL

enum pos regs_where(const struct kvm_run *run, int *vector)
{
	uint64_t rip = run->s.regs.regs.rip;
	if (rip == KVM_TRAMP_VA || rip == KVM_TRAMP_VA + 2)
		return POS_TRAMP;
	if (run->s.regs.sregs.cs.dpl != 0)
		return POS_USER;
	uint64_t vec0 = CODE_VA(KVM_CODE_VECTORS);
	if (rip >= vec0 && rip < vec0 + 32 * KVM_VECTOR_STRIDE &&
	    (rip - vec0) % KVM_VECTOR_STRIDE <= 1) {
		*vector = (int)((rip - vec0) / KVM_VECTOR_STRIDE);
		return POS_VECTOR;
	}
	if (rip == CODE_VA(KVM_CODE_IRET))
		return POS_IRET;
	uint64_t flush = CODE_VA(KVM_CODE_FLUSH);
	if (rip >= flush && rip <= flush + 8)
		return POS_FLUSH;
	return POS_BAD;
}

/* n words at guest address va on v's exception stack, or NULL. */
uint64_t *regs_stack(struct platform_ctx *ctx, uint64_t va, size_t n)
{
	uint64_t top = vcpu_stack_top(ctx->v), bottom = top - KVM_PAGE;
	if (va < bottom || va > top || n * 8 > top - va || (va & 7))
		return NULL;
	return priv_ptr(ctx->p, va - KVM_KERN_VA);
}

static bool user_address(uint64_t a)
{
	return a < USER_TOP;
}

bool regs_canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

void regs_out(struct cpu_state *cpu, const struct kvm_run *run)
{
	const struct kvm_regs *r = &run->s.regs.regs;
	const struct kvm_sregs *s = &run->s.regs.sregs;
	struct user_regs_struct *u = &cpu->regs;
	u->r15 = r->r15, u->r14 = r->r14, u->r13 = r->r13, u->r12 = r->r12;
	u->rbp = r->rbp, u->rbx = r->rbx, u->r11 = r->r11, u->r10 = r->r10;
	u->r9 = r->r9, u->r8 = r->r8, u->rax = r->rax, u->rcx = r->rcx;
	u->rdx = r->rdx, u->rsi = r->rsi, u->rdi = r->rdi;
	u->rip = r->rip, u->eflags = r->rflags, u->rsp = r->rsp;
	u->orig_rax = (uint64_t)-1;
	u->cs = KVM_USER_CS;
	u->ss = KVM_USER_DS;
	u->fs_base = s->fs.base;
	u->gs_base = s->gs.base;
	u->ds = s->ds.selector;
	u->es = s->es.selector;
	u->fs = s->fs.selector;
	u->gs = s->gs.selector;
}

int regs_frame_out(struct platform_ctx *ctx, struct cpu_state *cpu,
		   uint64_t va)
{
	uint64_t *f = regs_stack(ctx, va, 5);
	if (!f || (f[1] & 3) != 3)
		return -EIO;           /* not from ring 3: a stub fault */
	cpu->regs.rip = f[0];
	cpu->regs.eflags = f[2];
	cpu->regs.rsp = f[3];
	return 0;
}

/* Stopped anywhere but at a vector or the trampoline: an interrupt, or a
 * spurious exit. */
int regs_state_out(struct platform_ctx *ctx, struct cpu_state *cpu,
		   enum pos pos)
{
	const struct kvm_run *run = ctx->v->run;
	uint64_t rsp = run->s.regs.regs.rsp;
	uint64_t rip = run->s.regs.regs.rip;
	regs_out(cpu, run);
	if (pos == POS_USER)
		return 0;
	if (pos == POS_IRET)
		return regs_frame_out(ctx, cpu, rsp);
	if (pos != POS_FLUSH)
		return -EIO;
	/* Between push %rax and pop %rax, rax is on the stack. */
	uint64_t at = rip - CODE_VA(KVM_CODE_FLUSH);
	if (at >= 1 && at <= 7) {
		uint64_t *w = regs_stack(ctx, rsp, 1);
		if (!w)
			return -EIO;
		cpu->regs.rax = w[0];
		rsp += 8;
	}
	return regs_frame_out(ctx, cpu, rsp);
}

int regs_check(const struct cpu_state *cpu)
{
	const struct user_regs_struct *u = &cpu->regs;
	if (!user_address(u->fs_base) || !user_address(u->gs_base))
		return -EINVAL;
	const unsigned long long sel[4] = { u->ds, u->es, u->fs, u->gs };
	for (int i = 0; i < 4; i++)
		if (sel[i] != 0 && sel[i] != KVM_USER_DS)
			return -EINVAL;
	return 0;
}

static uint64_t user_rflags(uint64_t f)
{
	return (f & RFLAGS_USER) | RFLAGS_FIXED | RFLAGS_IF;
}

static void gprs_in(struct kvm_regs *r, const struct user_regs_struct *u)
{
	r->r15 = u->r15, r->r14 = u->r14, r->r13 = u->r13, r->r12 = u->r12;
	r->rbp = u->rbp, r->rbx = u->rbx, r->r11 = u->r11, r->r10 = u->r10;
	r->r9 = u->r9, r->r8 = u->r8, r->rax = u->rax, r->rcx = u->rcx;
	r->rdx = u->rdx, r->rsi = u->rsi, r->rdi = u->rdi;
}

static bool set_data_seg(struct kvm_segment *s, uint16_t sel, uint64_t base)
{
	if (s->selector == sel && s->base == base &&
	    (sel != 0 || s->unusable))
		return false;
	if (sel == 0)
		*s = (struct kvm_segment){ .base = base, .unusable = 1 };
	else
		*s = (struct kvm_segment){ .base = base, .limit = 0xffffffff,
					   .selector = sel, .type = 3,
					   .present = 1, .dpl = 3, .db = 1,
					   .s = 1, .g = 1 };
	return true;
}

/* Segment registers and CR3; true if any changed. */
static bool sregs_in(struct platform_ctx *ctx, struct platform_as *as,
		     const struct cpu_state *cpu)
{
	struct kvm_sregs *s = &ctx->v->run->s.regs.sregs;
	const struct user_regs_struct *u = &cpu->regs;
	uint64_t cr3 = priv_gpa(ctx->p, pool_off(as->root));
	bool d = false;
	if (s->cr3 != cr3) {
		s->cr3 = cr3;
		d = true;
	}
	d |= set_data_seg(&s->ds, (uint16_t)u->ds, 0);
	d |= set_data_seg(&s->es, (uint16_t)u->es, 0);
	d |= set_data_seg(&s->fs, (uint16_t)u->fs, u->fs_base);
	d |= set_data_seg(&s->gs, (uint16_t)u->gs, u->gs_base);
	return d;
}

/* Through ring 0: an iret frame on the vCPU's stack, the general
 * registers, and rip at the iret (or flush) stub. */
static void enter_via_iret(struct platform_ctx *ctx,
			   const struct cpu_state *cpu, bool flush)
{
	struct kvm_regs *r = &ctx->v->run->s.regs.regs;
	uint64_t va = vcpu_stack_top(ctx->v) - 5 * 8;
	uint64_t *f = regs_stack(ctx, va, 5);
	f[0] = cpu->regs.rip;
	f[1] = KVM_USER_CS;
	f[2] = user_rflags(cpu->regs.eflags);
	f[3] = cpu->regs.rsp;
	f[4] = KVM_USER_DS;
	gprs_in(r, &cpu->regs);
	r->rsp = va;
	r->rip = CODE_VA(flush ? KVM_CODE_FLUSH : KVM_CODE_IRET);
	r->rflags = RFLAGS_FIXED;
}

static void enter_direct(struct platform_ctx *ctx, const struct cpu_state *cpu)
{
	struct kvm_regs *r = &ctx->v->run->s.regs.regs;
	gprs_in(r, &cpu->regs);
	r->rip = cpu->regs.rip;
	r->rsp = cpu->regs.rsp;
	r->rflags = user_rflags(cpu->regs.eflags);
}

/* Whether v's TLB may hold translations as has since lost. Read after
 * publishing running_as: see ctx_kick_running. */
static bool needs_flush(struct platform_ctx *ctx, struct platform_as *as)
{
	struct platform *p = ctx->p;
	if (!p->hw_paging && !p->force_flush)
		return false;
	return ctx->v->tlb_as != as->id ||
	       ctx->v->tlb_gen != atomic_load(&as->gen);
}

int regs_in(struct platform_ctx *ctx, struct platform_as *as,
	    const struct cpu_state *cpu)
{
	struct kvm_vcpu_slot *v = ctx->v;
	struct kvm_sregs *s = &v->run->s.regs.sregs;
	bool dirty = false;
	if (v->reset) {
		/* Never exited for us: the page holds nothing yet. */
		if (ioctl(v->fd, KVM_GET_SREGS, s))
			return kvm_ioctl_err();
		vcpu_user_segments(s);
		v->tlb_as = 0;
		v->reset = false;
		dirty = true;
	}
	dirty |= sregs_in(ctx, as, cpu);
	bool flush = needs_flush(ctx, as);
	if (flush || s->cs.dpl == 0) {
		if (s->cs.dpl != 0) {
			vcpu_kernel_segments(s);
			dirty = true;
		}
		enter_via_iret(ctx, cpu, flush);
		if (flush) {
			v->tlb_as = as->id;
			v->tlb_gen = atomic_load(&as->gen);
		}
	} else {
		enter_direct(ctx, cpu);
	}
	/* Or'ed: a previous state_in that never ran may have left SREGS
	 * to push, and its changes are already in the page. */
	v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS |
				  (dirty ? KVM_SYNC_X86_SREGS : 0);
	return 0;
}
