/* Contexts: a kernel host thread running application code in stub
 * threads it traces with PTRACE_SYSEMU, one per address space it has run
 * in (ptrace requests must come from the tracer thread).
 *
 * The cost that matters is the system call round trip. A bare
 * PTRACE_SYSEMU stop and resume is the floor; PTRACE_GETREGS and SETREGS
 * would add about a third to it, the XSAVE regset more. So a SYSCALL stop
 * fetches only what PTRACE_GET_SYSCALL_INFO returns in one call (number,
 * arguments, rip, rsp, and the ABI, which catches int $0x80), and the
 * return pokes only the registers the kernel changed, usually just rax.
 * Everything else is fetched when ctx_pull_state asks for it; registers
 * not fetched read as PLATFORM_REG_UNFETCHED, and the XSAVE area is marked
 * not current (xsave_size 0). Changes are found by comparing *cpu with a
 * record of what the thread holds.
 *
 * The live state of a cpu is in one stub thread (ctx->live) until pulled;
 * when the cpu moves to another address space's thread, what it lacks is
 * pulled from the old one first. */
#include "platform/ptrace/internal.h"

#include <elf.h>
#include <errno.h>
#include <linux/audit.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform/ptrace/ptrace.h"

/* ptrace() is variadic and reads pointers: pass every argument as one. */
#define PT(req, tid, addr, data)                                         \
	ptrace((req), (tid), (void *)(uintptr_t)(addr),                   \
	       (void *)(uintptr_t)(data))

#define USER_CS 0x33
#define USER_DS 0x2b
#define POISON PLATFORM_REG_UNFETCHED

#define NREGS (sizeof(struct user_regs_struct) / 8)
#define REG(f) (offsetof(struct user_regs_struct, f) / 8)
/* What a SYSCALL stop fetches. */
#define VISIBLE                                                           \
	((1u << REG(rax)) | (1u << REG(orig_rax)) | (1u << REG(rdi)) |    \
	 (1u << REG(rsi)) | (1u << REG(rdx)) | (1u << REG(r10)) |         \
	 (1u << REG(r8)) | (1u << REG(r9)) | (1u << REG(rip)) |           \
	 (1u << REG(rsp)) | (1u << REG(rcx)))
/* The kernel's orig_rax is information, never pushed (see set_regs). */
#define PUSHED (((1u << NREGS) - 1) & ~(1u << REG(orig_rax)))

_Static_assert(NREGS == 27 && NREGS < 32, "user_regs_struct layout");

/* Errors a host kernel uses internally for restarts; a thread stopped at
 * a system call whose rax holds one would be restarted by the host. */
#define ERESTARTSYS 512
#define ERESTART_RESTARTBLOCK 516

struct ctx_thread {
	struct platform_as *as;    /* a reference */
	pid_t tid;
	bool fresh;                /* never run: needs everything pushed */
	bool gone;                 /* reaped (its stub died) */
};

struct platform_ctx {
	struct platform *p;
	pthread_t owner;           /* the tracer: ptrace works from it only */
	struct ctx_thread **threads;
	size_t n, cap, last;
	unsigned seen_gen;

	/* The cpu last switched and where its live state is. */
	struct cpu_state *cpu;
	struct ctx_thread *live;   /* NULL: *cpu is all there is */
	bool regs_partial;         /* only VISIBLE registers were fetched */
	bool at_syscall;           /* live is at a system-call stop */
	bool xs_synced;            /* rec_xsave is the thread's and was
	                              pulled or pushed since it last ran */
	struct user_regs_struct rec;       /* the live thread's registers */
	uint8_t *rec_xsave;                /* CPU_XSAVE_MAX */
	uint8_t *bounce;                   /* p->regset_size */

	/* Interrupts. run_target is the running thread, (pid << 32 | tid),
	 * or 0; senders counts ctx_interrupt calls that may be about to
	 * signal it, so that no thread is reaped (and its ids reused) under
	 * them. */
	atomic_bool intr;
	_Atomic uint64_t run_target;
	atomic_int senders;
};

static uint64_t reg_get(const struct user_regs_struct *r, unsigned i)
{
	uint64_t v;
	memcpy(&v, (const char *)r + i * 8, 8);
	return v;
}

static void reg_set(struct user_regs_struct *r, unsigned i, uint64_t v)
{
	memcpy((char *)r + i * 8, &v, 8);
}

static int ptrace_err(void)
{
	/* EIO/EINVAL: the host refused a value; ESRCH: the thread is not
	 * stopped or not there. */
	return errno == EIO || errno == EINVAL ? -EINVAL : -errno;
}

int ptrace_ctx_create(struct platform *p, struct platform_ctx **out)
{
	struct platform_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->p = p;
	ctx->owner = pthread_self();
	ctx->seen_gen = atomic_load(&p->dead_gen);
	atomic_init(&ctx->intr, false);
	atomic_init(&ctx->run_target, 0);
	atomic_init(&ctx->senders, 0);
	ctx->rec_xsave = aligned_alloc(64, CPU_XSAVE_MAX);
	ctx->bounce = aligned_alloc(64, p->regset_size);
	if (!ctx->rec_xsave || !ctx->bounce) {
		free(ctx->rec_xsave);
		free(ctx->bounce);
		free(ctx);
		return -ENOMEM;
	}
	*out = ctx;
	return 0;
}

static int wait_thread(pid_t tid, int *status)
{
	for (;;) {
		if (waitpid(tid, status, __WALL) == tid)
			return 0;
		if (errno != EINTR)
			return errno == ECHILD ? -ESRCH : -errno;
	}
}

static void reap_thread(struct ctx_thread *t)
{
	int status;
	if (!t->gone)
		wait_thread(t->tid, &status);
	t->gone = true;
}

static void wait_senders(struct platform_ctx *ctx)
{
	while (atomic_load(&ctx->senders))
		sched_yield();
}

static void drop_thread(struct platform_ctx *ctx, struct ctx_thread *t)
{
	/* The last reference may reap the stub and free its pid. */
	wait_senders(ctx);
	for (size_t i = 0; i < ctx->n; i++) {
		if (ctx->threads[i] != t)
			continue;
		ctx->threads[i] = ctx->threads[--ctx->n];
		break;
	}
	ctx->last = 0;
	if (ctx->live == t)
		ctx->live = NULL;
	ptrace_as_unref(t->as);
	free(t);
}

/* Reaps our threads in stubs that died since we last looked. */
static void sweep(struct platform_ctx *ctx)
{
	unsigned gen = atomic_load(&ctx->p->dead_gen);
	if (gen == ctx->seen_gen)
		return;
	ctx->seen_gen = gen;
	for (size_t i = 0; i < ctx->n;) {
		struct ctx_thread *t = ctx->threads[i];
		if (!atomic_load(&t->as->dead)) {
			i++;
			continue;
		}
		reap_thread(t);
		/* The live thread stands for the cpu's unfetched state until
		 * the cpu moves on: keep the entry. */
		if (t == ctx->live) {
			i++;
			continue;
		}
		drop_thread(ctx, t);
	}
}

/* A ptrace request or wait failed with r: if the thread is gone, so is
 * its stub. */
static int thread_failed(struct ctx_thread *t, int r)
{
	int status;
	if (r == -ESRCH || r == -ECHILD) {
		if (waitpid(t->tid, &status, __WALL | WNOHANG) == t->tid &&
		    !WIFSTOPPED(status))
			t->gone = true;
		ptrace_as_mark_dead(t->as);
		return -ESRCH;
	}
	return r;
}

static int new_thread(struct platform_ctx *ctx, struct platform_as *as,
		      struct ctx_thread **out)
{
	struct ctx_thread *t = calloc(1, sizeof(*t));
	int status, r;

	if (!t)
		return -ENOMEM;
	if (ctx->n == ctx->cap) {
		size_t cap = ctx->cap ? ctx->cap * 2 : 4;
		struct ctx_thread **v = realloc(ctx->threads, cap * sizeof(*v));
		if (!v) {
			free(t);
			return -ENOMEM;
		}
		ctx->threads = v;
		ctx->cap = cap;
	}
	t->as = as;                /* no reference until it is ours */
	r = ptrace_as_new_thread(as, &t->tid);
	if (r) {
		free(t);
		return r;
	}
	/* EXITKILL: if this host thread dies without ctx_destroy, the stub
	 * dies with it rather than run application code untraced. */
	if (PT(PTRACE_SEIZE, t->tid, 0,
		   PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL)) {
		/* The parked thread stays parked; it goes with its stub. */
		r = -errno;
		free(t);
		return r;
	}
	if (PT(PTRACE_INTERRUPT, t->tid, 0, 0))
		r = -errno;
	else
		r = wait_thread(t->tid, &status);
	if (!r && !WIFSTOPPED(status)) {
		t->gone = true;
		r = -ESRCH;
	}
	if (r) {
		/* Half attached: take no chances with the stub. */
		r = thread_failed(t, r);
		ptrace_as_mark_dead(as);
		reap_thread(t);
		free(t);
		return r;
	}
	/* Any stop will do: every register is pushed before it runs. */
	ptrace_as_ref(as);
	t->fresh = true;
	ctx->threads[ctx->n++] = t;
	*out = t;
	return 0;
}

static int thread_get(struct platform_ctx *ctx, struct platform_as *as,
		      struct ctx_thread **out)
{
	if (ctx->last < ctx->n && ctx->threads[ctx->last]->as == as) {
		*out = ctx->threads[ctx->last];
		return 0;
	}
	for (size_t i = 0; i < ctx->n; i++) {
		if (ctx->threads[i]->as == as) {
			ctx->last = i;
			*out = ctx->threads[i];
			return 0;
		}
	}
	int r = new_thread(ctx, as, out);
	if (!r)
		ctx->last = ctx->n - 1;
	return r;
}

/* ---- Registers ---- */

static int get_regs(struct ctx_thread *t, struct user_regs_struct *r)
{
	if (PT(PTRACE_GETREGS, t->tid, 0, r))
		return thread_failed(t, ptrace_err());
	return 0;
}

static int set_regs(struct platform_ctx *ctx, struct ctx_thread *t,
		    const struct user_regs_struct *regs)
{
	struct user_regs_struct r = *regs;
	/* orig_rax -1: the host must never restart a system call of ours. */
	r.orig_rax = (uint64_t)-1;
	if (PT(PTRACE_SETREGS, t->tid, 0, &r))
		return thread_failed(t, ptrace_err());
	ctx->rec = r;
	ctx->regs_partial = false;
	ctx->at_syscall = false;
	return 0;
}

static int poke_reg(struct platform_ctx *ctx, struct ctx_thread *t,
		    unsigned i, uint64_t v)
{
	if (PT(PTRACE_POKEUSER, t->tid, i * 8, v))
		return thread_failed(t, ptrace_err());
	reg_set(&ctx->rec, i, v);
	return 0;
}

static bool hidden_written(const struct cpu_state *cpu)
{
	for (unsigned i = 0; i < NREGS; i++)
		if (!(VISIBLE & (1u << i)) && reg_get(&cpu->regs, i) != POISON)
			return true;
	return false;
}

static bool has_poison(const struct cpu_state *cpu)
{
	for (unsigned i = 0; i < NREGS; i++)
		if (reg_get(&cpu->regs, i) == POISON)
			return true;
	return false;
}

/* Fetches every register of the live thread; the kernel's writes to
 * *cpu win over the fetched values. */
static int merge_regs(struct platform_ctx *ctx, struct cpu_state *cpu)
{
	struct user_regs_struct now;
	int r = get_regs(ctx->live, &now);
	if (r)
		return r;
	for (unsigned i = 0; i < NREGS; i++)
		if (reg_get(&cpu->regs, i) == POISON)
			reg_set(&cpu->regs, i, reg_get(&now, i));
	ctx->rec = now;
	ctx->regs_partial = false;
	return 0;
}

static int push_regs(struct platform_ctx *ctx, struct ctx_thread *t,
		     struct cpu_state *cpu)
{
	unsigned mask = PUSHED, changed = 0, n = 0;
	int r;

	if (ctx->regs_partial) {
		if (hidden_written(cpu)) {
			r = merge_regs(ctx, cpu);
			if (r)
				return r;
		} else {
			mask &= VISIBLE;
		}
	}
	for (unsigned i = 0; i < NREGS; i++) {
		if ((mask & (1u << i)) &&
		    reg_get(&cpu->regs, i) != reg_get(&ctx->rec, i)) {
			changed |= 1u << i;
			n++;
		}
	}
	if (n == 0)
		return 0;
	/* One poke costs about a third of a SETREGS. */
	if (n > 2 && !ctx->regs_partial)
		return set_regs(ctx, t, &cpu->regs);
	for (unsigned i = 0; i < NREGS; i++) {
		if (!(changed & (1u << i)))
			continue;
		r = poke_reg(ctx, t, i, reg_get(&cpu->regs, i));
		if (r)
			return r;
	}
	int64_t rax = (int64_t)cpu->regs.rax;
	if (ctx->at_syscall && rax <= -ERESTARTSYS &&
	    rax >= -ERESTART_RESTARTBLOCK) {
		r = poke_reg(ctx, t, REG(orig_rax), (uint64_t)-1);
		if (r)
			return r;
		ctx->at_syscall = false;
	}
	return 0;
}

/* ---- Extended state ---- */

static int set_xstate(struct platform_ctx *ctx, struct ctx_thread *t,
		      struct cpu_state *cpu)
{
	struct platform *p = ctx->p;
	uint32_t n = cpu->xsave_size < CPU_XSAVE_MAX ? cpu->xsave_size
						       : CPU_XSAVE_MAX;
	memset(ctx->bounce, 0, p->regset_size);
	memcpy(ctx->bounce, cpu->xsave, n);
	cpu_xsave_sanitize(ctx->bounce, p->xfeatures, p->mxcsr_mask);
	struct iovec iov = { ctx->bounce, p->regset_size };
	if (PT(PTRACE_SETREGSET, t->tid, NT_X86_XSTATE, &iov))
		return thread_failed(t, ptrace_err());
	memcpy(ctx->rec_xsave, cpu->xsave, CPU_XSAVE_MAX);
	ctx->xs_synced = true;
	return 0;
}

static int get_xstate(struct platform_ctx *ctx, struct ctx_thread *t,
		      struct cpu_state *cpu)
{
	struct platform *p = ctx->p;
	struct iovec iov = { ctx->bounce, p->regset_size };
	uint64_t bv;

	if (PT(PTRACE_GETREGSET, t->tid, NT_X86_XSTATE, &iov))
		return thread_failed(t, ptrace_err());
	size_t n = iov.iov_len < CPU_XSAVE_MAX ? iov.iov_len : CPU_XSAVE_MAX;
	memcpy(cpu->xsave, ctx->bounce, n);
	memset(cpu->xsave + n, 0, CPU_XSAVE_MAX - n);
	/* Components that do not fit (AMX) are in their initial state: an
	 * application cannot enable them without the kernel's say. */
	memcpy(&bv, cpu->xsave + CPU_XSAVE_HEADER, 8);
	bv &= p->xfeatures;
	memcpy(cpu->xsave + CPU_XSAVE_HEADER, &bv, 8);
	cpu->xsave_size = p->xsave_size;
	memcpy(ctx->rec_xsave, cpu->xsave, CPU_XSAVE_MAX);
	ctx->xs_synced = true;
	return 0;
}

/* Makes *cpu complete from the live thread. */
static int pull(struct platform_ctx *ctx, struct cpu_state *cpu)
{
	struct ctx_thread *t = ctx->live;
	bool want_regs = ctx->regs_partial && has_poison(cpu);
	bool want_xs = cpu->xsave_size == 0;
	int r;

	if (!t || (!want_regs && !want_xs))
		return 0;
	if (t->gone)
		return -ESRCH;
	if (want_regs) {
		r = merge_regs(ctx, cpu);
		if (r)
			return r;
	}
	return want_xs ? get_xstate(ctx, t, cpu) : 0;
}

int ptrace_ctx_pull_state(struct platform_ctx *ctx, struct cpu_state *cpu)
{
	if (!pthread_equal(pthread_self(), ctx->owner))
		return -EPERM;
	if (cpu != ctx->cpu)
		return 0;              /* never switched here: all in *cpu */
	return pull(ctx, cpu);
}

/* The cpu's state no longer lives in a thread; one whose stub died was
 * kept only for that. */
static void live_release(struct platform_ctx *ctx)
{
	struct ctx_thread *old = ctx->live;
	ctx->live = NULL;
	if (old && old->gone)
		drop_thread(ctx, old);
}

static int push_state(struct platform_ctx *ctx, struct ctx_thread *t,
		      struct cpu_state *cpu)
{
	int r;

	if (ctx->live && ctx->live != t) {
		/* Moving to another address space: bring along what the old
		 * thread still holds. */
		r = pull(ctx, cpu);
		if (r)
			return r;
		live_release(ctx);
	}
	if (!ctx->live || t->fresh) {
		if (cpu->xsave_size == 0)
			cpu_xsave_init(cpu);
		r = set_regs(ctx, t, &cpu->regs);
		if (!r)
			r = set_xstate(ctx, t, cpu);
		if (r)
			return r;
		t->fresh = false;
		ctx->live = t;
		return 0;
	}
	r = push_regs(ctx, t, cpu);
	if (r)
		return r;
	if (cpu->xsave_size != 0 &&
	    (!ctx->xs_synced ||
	     memcmp(cpu->xsave, ctx->rec_xsave, cpu->xsave_size) != 0))
		return set_xstate(ctx, t, cpu);
	return 0;
}

/* ---- Stops ---- */

static void publish(struct platform_ctx *ctx, pid_t pid, pid_t tid)
{
	atomic_store(&ctx->run_target, (uint64_t)(uint32_t)pid << 32 |
					       (uint32_t)tid);
}

/* Bookkeeping common to every stop reported after running. */
static void stopped(struct platform_ctx *ctx, struct ctx_thread *t,
		    struct cpu_state *cpu)
{
	ctx->live = t;
	ctx->xs_synced = false;
	cpu->xsave_size = 0;
}

static int fetch_regs(struct platform_ctx *ctx, struct ctx_thread *t,
		      struct cpu_state *cpu)
{
	int r = get_regs(t, &cpu->regs);
	if (r)
		return r;
	ctx->rec = cpu->regs;
	ctx->regs_partial = false;
	return 0;
}

static int stop_syscall(struct platform_ctx *ctx, struct ctx_thread *t,
			struct cpu_state *cpu, struct platform_event *ev)
{
	struct __ptrace_syscall_info si;
	long n = PT(PTRACE_GET_SYSCALL_INFO, t->tid, sizeof(si), &si);
	int r;

	stopped(ctx, t, cpu);
	ctx->at_syscall = true;
	if (n < (long)offsetof(struct __ptrace_syscall_info, entry.args) +
		     (long)sizeof(si.entry.args) ||
	    si.op != PTRACE_SYSCALL_INFO_ENTRY) {
		r = fetch_regs(ctx, t, cpu);
		if (r)
			return r;
		ev->stop = PLATFORM_SYSCALL;
		return 0;
	}
	if (si.arch != AUDIT_ARCH_X86_64) {
		/* int $0x80, or a 32-bit code segment: the 32-bit ABI, which
		 * the kernel does not offer. Report what a host without IA32
		 * emulation reports: #GP at the instruction, rax untouched. */
		r = fetch_regs(ctx, t, cpu);
		if (r)
			return r;
		cpu->regs.rip -= 2;
		cpu->regs.rax = cpu->regs.orig_rax;
		ev->stop = PLATFORM_EXCEPTION;
		ev->signo = SIGSEGV;
		ev->si_code = SI_KERNEL;
		ev->trapno = 13;
		return 0;
	}
	for (unsigned i = 0; i < NREGS; i++)
		if (!(VISIBLE & (1u << i)))
			reg_set(&cpu->regs, i, POISON);
	cpu->regs.rax = (uint64_t)-ENOSYS;     /* as the host left it */
	cpu->regs.orig_rax = si.entry.nr;
	cpu->regs.rdi = si.entry.args[0];
	cpu->regs.rsi = si.entry.args[1];
	cpu->regs.rdx = si.entry.args[2];
	cpu->regs.r10 = si.entry.args[3];
	cpu->regs.r8 = si.entry.args[4];
	cpu->regs.r9 = si.entry.args[5];
	cpu->regs.rip = si.instruction_pointer;
	cpu->regs.rsp = si.stack_pointer;
	cpu->regs.rcx = si.instruction_pointer;   /* syscall put it there */
	ctx->rec = cpu->regs;
	ctx->regs_partial = true;
	ev->stop = PLATFORM_SYSCALL;
	return 0;
}

static int trapno_of(int sig, int code)
{
	switch (sig) {
	case SIGSEGV:
		return code == SI_KERNEL ? 13 : code == SEGV_PKUERR ? 14 : -1;
	case SIGBUS:
		if (code == BUS_ADRALN)
			return 17;
		if (code == BUS_ADRERR || code == BUS_OBJERR)
			return 14;
		return code == BUS_MCEERR_AR ? 18 : -1;
	case SIGILL:
		return 6;
	case SIGFPE:
		return code == FPE_INTDIV ? 0 : -1;
	case SIGTRAP:
		if (code == SI_KERNEL)
			return 3;
		return code == TRAP_BRKPT || code == TRAP_TRACE ||
		       code == TRAP_HWBKPT ? 1 : -1;
	}
	return -1;
}

/* Returns 1 to resume (the stop is not the application's), 0 with *ev
 * filled, or -errno. */
static int stop_signal(struct platform_ctx *ctx, struct ctx_thread *t,
		       struct cpu_state *cpu, struct platform_event *ev,
		       int sig)
{
	siginfo_t si;
	int r;

	if (PT(PTRACE_GETSIGINFO, t->tid, 0, &si))
		return thread_failed(t, ptrace_err());
	if (sig == SIGCHLD && si.si_code == SI_TKILL &&
	    si.si_pid == ctx->p->self) {
		/* Our interrupt, unless it is a late one already reported. */
		if (!atomic_exchange(&ctx->intr, false))
			return 1;
		stopped(ctx, t, cpu);
		ctx->at_syscall = false;
		r = fetch_regs(ctx, t, cpu);
		if (r)
			return r;
		ev->stop = PLATFORM_INTERRUPTED;
		return 0;
	}
	/* Signals sent by some process are not the application's business
	 * (it cannot send host signals); nor are host signals other than
	 * the synchronous ones its instructions cause. */
	if (si.si_code <= 0)
		return 1;
	if (sig != SIGSEGV && sig != SIGBUS && sig != SIGILL &&
	    sig != SIGFPE && sig != SIGTRAP)
		return 1;
	stopped(ctx, t, cpu);
	ctx->at_syscall = false;
	r = fetch_regs(ctx, t, cpu);
	if (r)
		return r;
	ev->signo = sig;
	ev->si_code = si.si_code;
	ev->fault_addr = (uint64_t)(uintptr_t)si.si_addr;
	ev->trapno = trapno_of(sig, si.si_code);
	if (sig == SIGSEGV &&
	    (si.si_code == SEGV_MAPERR || si.si_code == SEGV_ACCERR)) {
		ev->stop = PLATFORM_FAULT;
		ev->trapno = 14;
		ev->access = ptrace_as_fault_access(t->as, ev->fault_addr,
						    cpu->regs.rip, si.si_code);
	} else {
		ev->stop = PLATFORM_EXCEPTION;
	}
	return 0;
}

static int run(struct platform_ctx *ctx, struct ctx_thread *t,
	       struct cpu_state *cpu, struct platform_event *ev)
{
	for (;;) {
		int status, r = 0;

		publish(ctx, t->as->pid, t->tid);
		/* After publishing: an interrupt from now on signals the
		 * thread; one from before is seen here. */
		if (atomic_exchange(&ctx->intr, false)) {
			publish(ctx, 0, 0);
			ev->stop = PLATFORM_INTERRUPTED;
			return 0;
		}
		if (PT(PTRACE_SYSEMU, t->tid, 0, 0))
			r = -errno;
		else
			r = wait_thread(t->tid, &status);
		publish(ctx, 0, 0);
		if (r)
			return thread_failed(t, r);
		if (!WIFSTOPPED(status)) {
			t->gone = true;        /* that wait reaped it */
			ptrace_as_mark_dead(t->as);
			return -ESRCH;
		}
		int sig = WSTOPSIG(status);
		if (sig == (SIGTRAP | 0x80))
			return stop_syscall(ctx, t, cpu, ev);
		if (status >> 16)
			continue;              /* group or interrupt stop */
		r = stop_signal(ctx, t, cpu, ev, sig);
		if (r <= 0)
			return r;
	}
}

int ptrace_ctx_switch(struct platform_ctx *ctx, struct platform_as *as,
		      struct cpu_state *cpu, struct platform_event *ev)
{
	struct ctx_thread *t = NULL;
	int r;

	memset(ev, 0, sizeof(*ev));
	ev->trapno = -1;
	/* From another thread every ptrace request would fail as if the
	 * stub had died; say what is wrong instead. */
	if (!pthread_equal(pthread_self(), ctx->owner))
		return -EPERM;
	sweep(ctx);
	if (atomic_load(&as->dead))
		return -ESRCH;
	r = thread_get(ctx, as, &t);
	if (r)
		return r;
	if (cpu != ctx->cpu) {
		/* Another register file: it is all there is. */
		ctx->cpu = cpu;
		live_release(ctx);
	}
	r = push_state(ctx, t, cpu);
	if (r)
		return r;
	return run(ctx, t, cpu, ev);
}

void ptrace_ctx_interrupt(struct platform_ctx *ctx)
{
	/* Pairs with run(): it publishes, then tests intr; we set intr,
	 * then read what it published. One of us sees the other. */
	atomic_store(&ctx->intr, true);
	atomic_fetch_add(&ctx->senders, 1);
	uint64_t target = atomic_load(&ctx->run_target);
	/* Even if the thread stopped meanwhile, its stub is not reaped
	 * while we count as a sender: the ids are still its own. A late
	 * signal is recognised as stale and dropped. */
	if (target)
		syscall(SYS_tgkill, (pid_t)(target >> 32),
			(pid_t)(uint32_t)target, SIGCHLD);
	atomic_fetch_sub(&ctx->senders, 1);
}

/* Lets a thread exit without ever running untraced application code:
 * point it at the stub's exit and let go. */
static void detach_thread(struct platform_ctx *ctx, struct ctx_thread *t)
{
	struct user_regs_struct r;
	int status;

	memset(&r, 0, sizeof(r));
	r.rip = ctx->p->thread_exit_rip;
	r.cs = USER_CS;
	r.ss = USER_DS;
	r.eflags = 0x202;
	r.orig_rax = (uint64_t)-1;
	for (int tries = 0; tries < 2; tries++) {
		if (PT(PTRACE_SETREGS, t->tid, 0, &r) == 0 &&
		    PT(PTRACE_DETACH, t->tid, 0, 0) == 0)
			return;
		if (errno != ESRCH)
			break;
		/* Not stopped (a switch failed halfway), or dead. */
		if (PT(PTRACE_INTERRUPT, t->tid, 0, 0) ||
		    wait_thread(t->tid, &status))
			break;
		if (!WIFSTOPPED(status)) {
			t->gone = true;
			break;
		}
	}
	/* Could not let it go cleanly: the stub goes instead. */
	ptrace_as_mark_dead(t->as);
	reap_thread(t);
}

void ptrace_ctx_destroy(struct platform_ctx *ctx)
{
	if (!ctx)
		return;
	while (ctx->n > 0) {
		struct ctx_thread *t = ctx->threads[ctx->n - 1];
		if (atomic_load(&t->as->dead))
			reap_thread(t);
		else if (!t->gone)
			detach_thread(ctx, t);
		drop_thread(ctx, t);
	}
	wait_senders(ctx);
	free(ctx->threads);
	free(ctx->rec_xsave);
	free(ctx->bounce);
	free(ctx);
}

pid_t ptrace_ctx_tid(struct platform_ctx *ctx, struct platform_as *as)
{
	for (size_t i = 0; i < ctx->n; i++)
		if (ctx->threads[i]->as == as && !ctx->threads[i]->gone)
			return ctx->threads[i]->tid;
	return 0;
}
