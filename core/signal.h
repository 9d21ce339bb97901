/* Signals: dispositions (per thread group), masks and pending signals
 * (per task, plus the group's shared set), delivery to handlers through a
 * Linux-compatible rt_sigframe, default actions, and synchronous signals
 * from faults.
 *
 * Pending signals are a set with one siginfo per signal number: a
 * standard signal is never queued twice in Linux either; real-time
 * signals, which Linux queues, coalesce here (a documented limit).
 *
 * Everything here runs under the kernel lock. */
#ifndef CORE_SIGNAL_H
#define CORE_SIGNAL_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "snapshot/codec.h"

struct task;
struct thread_group;
struct kernel;

#define SIG_COUNT 64

/* Bit of signal sig (1-based) in a mask, as the kernel's sigset_t. */
static inline uint64_t sig_bit(int sig)
{
	return 1ull << (sig - 1);
}

/* SIGKILL and SIGSTOP can be neither blocked, caught nor ignored. */
#define SIG_UNBLOCKABLE (sig_bit(SIGKILL) | sig_bit(SIGSTOP))

/* The kernel's struct sigaction (not glibc's): handler, flags, restorer,
 * then the mask -- the layout rt_sigaction(2) reads and writes. */
struct k_sigaction {
	uint64_t handler;          /* SIG_DFL (0), SIG_IGN (1) or address */
	uint64_t flags;            /* SA_* */
	uint64_t restorer;
	uint64_t mask;
};

struct sigpending {
	uint64_t set;
	siginfo_t info[SIG_COUNT]; /* info[sig - 1] while pending */
};

/* Queues sig for one task (thread-directed: tkill, faults) or, with
 * task NULL, for thread group tg (kill); wakes a task that can take it. */
void signal_send(struct thread_group *tg, struct task *task, int sig,
		 const siginfo_t *info);

/* A synchronous signal from a fault or exception: delivered even when
 * blocked or ignored (then with the default action), as Linux's
 * force_sig_fault does. */
void signal_force_fault(struct task *t, int sig, int code, uint64_t addr);

/* Takes t's lowest-numbered pending signal in mask (its own or its
 * group's), whatever its mask: rt_sigtimedwait and signalfd read
 * blocked signals this way. Returns it with its info, or 0. */
int signal_dequeue(struct task *t, uint64_t mask, siginfo_t *info);

/* True when t has a pending signal it does not block. */
bool signal_pending(const struct task *t);

/* Delivers t's pending unblocked signals before it returns to
 * application code: default actions, or a handler frame. Needs t's
 * platform context (it pulls the full register state). */
void signal_deliver(struct task *t);

/* Default dispositions for a new init process. */
void signal_reset_actions(struct thread_group *tg);

/* Save/load helpers for the owners of the state (task.c). */
void signal_save_pending(struct encoder *enc, const struct sigpending *p);
void signal_load_pending(struct decoder *dec, struct sigpending *p);
void signal_save_actions(struct encoder *enc, const struct k_sigaction *a);
void signal_load_actions(struct decoder *dec, struct k_sigaction *a);

/* Builds the handler frame on the application stack and points the
 * registers at the handler (signal_frame.c). Returns 0 or -EFAULT when
 * the stack cannot take the frame. */
int signal_frame_push(struct task *t, int sig, const siginfo_t *info,
		      const struct k_sigaction *ka, uint64_t old_mask);

#endif
