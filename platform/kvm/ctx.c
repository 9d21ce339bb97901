/* Contexts: a kernel host thread running application code on a vCPU of
 * its own (from the pool), in guest ring 3.
 *
 * The application's registers live in the vCPU. KVM copies them into
 * the kvm_run page on every exit and back on entry (sync regs: general
 * and segment registers), so a system call round trip is exactly one
 * KVM_RUN and no other ioctl. Only the XSAVE area is fetched lazily:
 * cpu->xsave is current only after ctx_pull_state, and pushed only when
 * the kernel changed it.
 *
 * Where the vCPU stopped says what happened and where each register is
 * (regs.c). An exit that had begun when an interrupt came (a system call,
 * an exception) is reported as such and the interrupt stays pending for
 * the next switch; an exit nobody asked for (a TLB shootdown, a late
 * signal: kick.c) is not reported at all. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "platform/kvm/internal.h"

static void list_add(struct platform *p, struct platform_ctx *ctx)
{
	pthread_mutex_lock(&p->lock);
	ctx->prev = NULL;
	ctx->next = p->ctxs;
	if (p->ctxs)
		p->ctxs->prev = ctx;
	p->ctxs = ctx;
	pthread_mutex_unlock(&p->lock);
}

static void list_del(struct platform *p, struct platform_ctx *ctx)
{
	pthread_mutex_lock(&p->lock);
	if (ctx->prev)
		ctx->prev->next = ctx->next;
	else
		p->ctxs = ctx->next;
	if (ctx->next)
		ctx->next->prev = ctx->prev;
	pthread_mutex_unlock(&p->lock);
}

static void ctx_free(struct platform_ctx *ctx)
{
	free(ctx->rec_xsave);
	free(ctx->xbuf);
	free(ctx);
}

int kvm_ctx_create(struct platform *p, struct platform_ctx **out)
{
	struct platform_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->p = p;
	ctx->owner = pthread_self();
	atomic_init(&ctx->intr, false);
	atomic_init(&ctx->senders, 0);
	atomic_init(&ctx->running_as, 0);
	atomic_init(&ctx->run_seq, 0);
	ctx->rec_xsave = aligned_alloc(64, CPU_XSAVE_MAX);
	ctx->xbuf = aligned_alloc(64, (p->xsave_buf + 63) & ~(size_t)63);
	int r = ctx->rec_xsave && ctx->xbuf ? vcpu_get(p, &ctx->v) : -ENOMEM;
	if (r) {
		ctx_free(ctx);
		return r;
	}
	r = kick_setup(ctx);
	if (r) {
		vcpu_put(p, ctx->v);
		ctx_free(ctx);
		return r;
	}
	list_add(p, ctx);
	*out = ctx;
	return 0;
}

void kvm_ctx_destroy(struct platform_ctx *ctx)
{
	if (!ctx)
		return;
	list_del(ctx->p, ctx);
	/* An interrupter may be about to signal us: let it finish. */
	while (atomic_load(&ctx->senders))
		sched_yield();
	kick_teardown(ctx);
	vcpu_put(ctx->p, ctx->v);
	ctx_free(ctx);
}

/* Bookkeeping common to every stop reported. */
static void stopped(struct platform_ctx *ctx, struct cpu_state *cpu)
{
	ctx->live = true;
	ctx->xs_synced = false;
	cpu->xsave_size = 0;
}

static int xstate_in(struct platform_ctx *ctx, struct cpu_state *cpu)
{
	if (cpu->xsave_size == 0) {
		if (ctx->live)
			return 0;      /* the vCPU holds it */
		cpu_xsave_init(cpu);
	}
	if (ctx->xs_synced &&
	    memcmp(cpu->xsave, ctx->rec_xsave, cpu->xsave_size) == 0)
		return 0;
	int r = xstate_set(ctx->p, ctx->v->fd, cpu, ctx->xbuf);
	if (r)
		return r;
	memcpy(ctx->rec_xsave, cpu->xsave, CPU_XSAVE_MAX);
	ctx->xs_synced = true;
	return 0;
}

static void stop_syscall(struct platform_ctx *ctx, struct cpu_state *cpu,
			 struct platform_event *ev)
{
	regs_out(cpu, ctx->v->run);
	cpu->regs.orig_rax = cpu->regs.rax;
	cpu->regs.rax = (uint64_t)-ENOSYS;
	cpu->regs.rip = cpu->regs.rcx;
	cpu->regs.eflags = cpu->regs.r11;
	stopped(ctx, cpu);
	ev->stop = PLATFORM_SYSCALL;
}

static bool has_error_code(int v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 ||
	       v == 29 || v == 30;
}

static uint64_t debug_status(struct platform_ctx *ctx)
{
	struct kvm_debugregs d;
	if (ioctl(ctx->v->fd, KVM_GET_DEBUGREGS, &d))
		return 0;
	uint64_t dr6 = d.dr6;
	d.dr6 = 0xffff0ff0;        /* as Linux leaves it after a #DB */
	(void)ioctl(ctx->v->fd, KVM_SET_DEBUGREGS, &d);
	return dr6;
}

static int stop_exception(struct platform_ctx *ctx, struct platform_as *as,
			  struct cpu_state *cpu, int vector,
			  struct platform_event *ev)
{
	const struct kvm_run *run = ctx->v->run;
	uint64_t rsp = run->s.regs.regs.rsp, err = 0;
	if (has_error_code(vector)) {
		uint64_t *w = regs_stack(ctx, rsp, 1);
		if (!w)
			return -EIO;
		err = w[0];
		rsp += 8;
	}
	regs_out(cpu, run);
	int r = regs_frame_out(ctx, cpu, rsp);
	if (r || vector == 8 || vector == 18)
		return -EIO;           /* double fault, machine check: ours */
	stopped(ctx, cpu);
	uint64_t dr6 = vector == 1 ? debug_status(ctx) : 0;
	exc_to_event(ctx->p, as, vector, err, run->s.regs.sregs.cr2,
		     cpu->regs.rip, dr6, ev);
	if (vector == 16 || vector == 19) {
		r = kvm_ctx_pull_state(ctx, cpu);
		if (r)
			return r;
		ev->si_code = exc_fpu_code(cpu, vector);
	}
	return 0;
}

/* Port I/O the application did itself (the bitmap lets ring 3 reach the
 * syscall port): Linux would #GP at the instruction; the instruction has
 * completed here, so rip is past it. */
static void stop_port_io(struct platform_ctx *ctx, struct cpu_state *cpu,
			 struct platform_event *ev)
{
	regs_out(cpu, ctx->v->run);
	stopped(ctx, cpu);
	ev->stop = PLATFORM_EXCEPTION;
	ev->signo = SIGSEGV;
	ev->si_code = SI_KERNEL;
	ev->trapno = 13;
}

static int stop_interrupt(struct platform_ctx *ctx, struct cpu_state *cpu,
			  enum pos pos, struct platform_event *ev)
{
	int r = regs_state_out(ctx, cpu, pos);
	if (r)
		return r;
	stopped(ctx, cpu);
	ev->stop = PLATFORM_INTERRUPTED;
	return 0;
}

/* A KVM_RUN that returned because of a signal or immediate_exit. Returns
 * 0 with *ev filled, 1 to run again, or -errno. */
static int handle_intr(struct platform_ctx *ctx, struct platform_as *as,
		       struct cpu_state *cpu, struct platform_event *ev)
{
	struct kvm_run *run = ctx->v->run;
	int vector = -1;
	/* Clear before testing the flag: an interrupt from now on sets it
	 * again and is seen by the next KVM_RUN. */
	run->immediate_exit = 0;
	atomic_thread_fence(memory_order_seq_cst);
	kick_drain();
	enum pos pos = regs_where(run, &vector);
	if (pos == POS_BAD)
		return -EIO;
	/* An exit that had begun is reported; the interrupt stays pending
	 * for the next switch. */
	if (pos == POS_TRAMP) {
		stop_syscall(ctx, cpu, ev);
		return 0;
	}
	if (pos == POS_VECTOR)
		return stop_exception(ctx, as, cpu, vector, ev);
	if (pos != POS_USER)
		ctx->v->tlb_as = 0;    /* a flush may not have happened */
	if (atomic_exchange(&ctx->intr, false))
		return stop_interrupt(ctx, cpu, pos, ev);
	/* Spurious (a TLB shootdown, a late signal): take the state the
	 * application reached and go on. */
	int r = regs_state_out(ctx, cpu, pos);
	return r ? r : 1;
}

static int handle_exit(struct platform_ctx *ctx, struct platform_as *as,
		       struct cpu_state *cpu, struct platform_event *ev)
{
	struct kvm_run *run = ctx->v->run;
	int vector = -1;
	enum pos pos = regs_where(run, &vector);
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (pos == POS_TRAMP && run->io.port == KVM_SYSCALL_PORT &&
		    run->io.direction == KVM_EXIT_IO_OUT) {
			stop_syscall(ctx, cpu, ev);
			return 0;
		}
		if (run->s.regs.sregs.cs.dpl == 3) {
			stop_port_io(ctx, cpu, ev);
			return 0;
		}
		return -EIO;
	case KVM_EXIT_HLT:
		if (pos == POS_VECTOR)
			return stop_exception(ctx, as, cpu, vector, ev);
		return -EIO;
	case KVM_EXIT_INTR:
		return handle_intr(ctx, as, cpu, ev);
	}
	return -EIO;
}

/* One KVM_RUN. Returns 0 (ran: see the exit), 1 (an interrupt was
 * pending: not run) or -errno. */
static int run_once(struct platform_ctx *ctx, struct platform_as *as,
		    const struct cpu_state *cpu)
{
	struct kvm_vcpu_slot *v = ctx->v;
	/* Publish, then look at the flag and the TLB generation: an
	 * interrupter or shootdown from now on signals us. */
	atomic_store(&ctx->running_as, as->id);
	int r = regs_in(ctx, as, cpu);
	if (!r && atomic_exchange(&ctx->intr, false)) {
		v->tlb_as = 0;         /* a flush it set up did not run */
		r = 1;
	}
	if (!r && ioctl(v->fd, KVM_RUN, 0)) {
		r = -errno;
		if (r == -EINTR || r == -EAGAIN) {
			v->run->exit_reason = KVM_EXIT_INTR;
			r = 0;
		}
	}
	atomic_store(&ctx->running_as, 0);
	atomic_fetch_add(&ctx->run_seq, 1);
	return r;
}

int kvm_ctx_switch(struct platform_ctx *ctx, struct platform_as *as,
		   struct cpu_state *cpu, struct platform_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->trapno = -1;
	if (!pthread_equal(pthread_self(), ctx->owner))
		return -EPERM;
	int r = regs_check(cpu);
	if (r)
		return r;
	if (!regs_canonical(cpu->regs.rip)) {
		/* Linux's return to such an address faults: #GP. */
		ev->stop = PLATFORM_EXCEPTION;
		ev->signo = SIGSEGV;
		ev->si_code = SI_KERNEL;
		ev->trapno = 13;
		return 0;
	}
	if (cpu != ctx->cpu) {
		ctx->cpu = cpu;
		ctx->live = false;
		ctx->xs_synced = false;
	}
	if ((r = xstate_in(ctx, cpu)))
		return r;
	for (;;) {
		r = run_once(ctx, as, cpu);
		if (r == 1) {
			kick_drain();
			ctx->v->run->immediate_exit = 0;
			ev->stop = PLATFORM_INTERRUPTED;
			return 0;
		}
		if (!r)
			r = handle_exit(ctx, as, cpu, ev);
		if (r < 0) {
			ctx->v->reset = true;
			return r;
		}
		if (r == 0)
			return 0;
	}
}

int kvm_ctx_pull_state(struct platform_ctx *ctx, struct cpu_state *cpu)
{
	if (!pthread_equal(pthread_self(), ctx->owner))
		return -EPERM;
	if (cpu != ctx->cpu || !ctx->live || cpu->xsave_size != 0)
		return 0;
	int r = xstate_get(ctx->p, ctx->v->fd, cpu, ctx->xbuf);
	if (r)
		return r;
	memcpy(ctx->rec_xsave, cpu->xsave, CPU_XSAVE_MAX);
	ctx->xs_synced = true;
	return 0;
}
