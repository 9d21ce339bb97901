/* The interrupt signal: how ctx_interrupt and TLB shootdowns make a
 * vCPU leave KVM_RUN promptly.
 *
 * A flag says why; kvm_run.immediate_exit covers a KVM_RUN about to start;
 * a signal covers one running. The signal is blocked in a context's
 * thread except inside KVM_RUN (KVM_SET_SIGNAL_MASK), so it never
 * interrupts anything else the kernel does (no EINTR in its host I/O),
 * and a stray one stays pending until drained after an exit. The handler
 * never runs unless someone else sends the signal; it is installed only
 * so that such a stray one cannot kill the process. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "platform/kvm/internal.h"

#define KICK_SIGNAL (SIGRTMAX - 1)

static void kick_handler(int sig)
{
	(void)sig;             /* never runs unless someone else sends it */
}

static pthread_once_t kick_once = PTHREAD_ONCE_INIT;

static void kick_install(void)
{
	struct sigaction old, sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(KICK_SIGNAL, NULL, &old) == 0 &&
	    old.sa_handler == SIG_DFL)
		sigaction(KICK_SIGNAL, &sa, NULL);
}

static void kick_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, KICK_SIGNAL);
}

void kick_drain(void)
{
	sigset_t set;
	struct timespec zero = { 0, 0 };
	kick_set(&set);
	while (sigtimedwait(&set, NULL, &zero) > 0)
		;
}

/* Blocks the signal in this thread; KVM unblocks it for KVM_RUN only. */
int kick_setup(struct platform_ctx *ctx)
{
	sigset_t set, old;
	/* struct kvm_signal_mask ends in the kernel's 64-bit sigset. */
	uint32_t buf[(sizeof(struct kvm_signal_mask) + 8) / 4];
	struct kvm_signal_mask *km = (struct kvm_signal_mask *)buf;
	pthread_once(&kick_once, kick_install);
	kick_set(&set);
	if (pthread_sigmask(SIG_BLOCK, &set, &old))
		return -EINVAL;
	ctx->kick_was_blocked = sigismember(&old, KICK_SIGNAL);
	sigdelset(&old, KICK_SIGNAL);
	km->len = 8;
	memcpy(km->sigset, &old, 8);
	return ioctl(ctx->v->fd, KVM_SET_SIGNAL_MASK, km) ? -errno : 0;
}

void kick_teardown(struct platform_ctx *ctx)
{
	sigset_t set;
	kick_drain();
	kick_set(&set);
	if (!ctx->kick_was_blocked)
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

void kvm_ctx_interrupt(struct platform_ctx *ctx)
{
	atomic_fetch_add(&ctx->senders, 1);
	atomic_store(&ctx->intr, true);
	ctx->v->run->immediate_exit = 1;
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load(&ctx->running_as))
		pthread_kill(ctx->owner, KICK_SIGNAL);
	atomic_fetch_sub(&ctx->senders, 1);
}

void ctx_kick_running(struct platform *p, struct platform_as *as)
{
	for (struct platform_ctx *c = p->ctxs; c; c = c->next) {
		if (atomic_load(&c->running_as) != as->id)
			continue;
		unsigned seq = atomic_load(&c->run_seq);
		c->v->run->immediate_exit = 1;
		atomic_thread_fence(memory_order_seq_cst);
		pthread_kill(c->owner, KICK_SIGNAL);
		while (atomic_load(&c->run_seq) == seq &&
		       atomic_load(&c->running_as) == as->id)
			sched_yield();
	}
}
