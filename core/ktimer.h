/* Kernel timers: an expiry on the application's CLOCK_MONOTONIC, an
 * optional interval, and an action run under the kernel lock when the
 * timer expires. Interval timers, POSIX timers and timerfds are built on
 * them (proc_timers.c, timerfd.c).
 *
 * One host thread per kernel (the timer thread) sleeps until the
 * earliest armed expiry and fires what is due, so timers fire while every
 * task runs application code or is blocked. It fires nothing while the
 * kernel is frozen for a checkpoint (kernel_freeze); what fell due then
 * fires on thaw, or after a restore.
 *
 * Saving: a timer saves its absolute expiry and interval. Monotonic time
 * continues across save and restore (DESIGN.md "Time"), so a timer that
 * was 300 ms from expiry when saved fires 300 ms after the restore. The
 * owner re-queues it in its after-load hook (ktimer_restore).
 *
 * Everything here runs under the kernel lock, except the queue's
 * creation, thread start and destruction, which say so. */
#ifndef CORE_KTIMER_H
#define CORE_KTIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "snapshot/codec.h"

struct kernel;
struct ktimer;

#define KTIMER_NSEC_PER_SEC 1000000000ll

/* Runs under the kernel lock on expiry. expirations >= 1: how many
 * intervals elapsed since the last firing (a late timer catches up in
 * one call). The timer is already re-armed (or disarmed) when it runs. */
typedef void (*ktimer_fire_fn)(struct ktimer *t, uint64_t expirations);

struct ktimer {
	int64_t expiry_ns;          /* app CLOCK_MONOTONIC; 0: disarmed */
	int64_t interval_ns;        /* 0: one-shot */
	struct kernel *kernel;      /* host-only */
	ktimer_fire_fn fire;        /* host-only */
	struct ktimer *next, *prev; /* host-only: the armed list */
	bool queued;                /* host-only: on the armed list */
};

void ktimer_init(struct ktimer *t, struct kernel *k, ktimer_fire_fn fire);
/* Arms t to expire at expiry_ns (clamped to >= 1: a time in the past
 * fires at once) and every interval_ns after (0: once). */
void ktimer_arm(struct ktimer *t, int64_t expiry_ns, int64_t interval_ns);
void ktimer_disarm(struct ktimer *t);
static inline bool ktimer_armed(const struct ktimer *t)
{
	return t->expiry_ns > 0;
}
/* Nanoseconds until the next expiry: 0 when disarmed, at least 1 when
 * armed (due but not yet fired counts as about to fire). */
int64_t ktimer_remaining(const struct ktimer *t);
/* Fires t now if it is due, without waiting for the timer thread: for
 * readers whose answer depends on it (timerfd read, timer_gettime). */
void ktimer_run_if_due(struct ktimer *t);

/* Save and load the saved part (expiry, interval); load checks it. */
void ktimer_save(struct encoder *enc, const struct ktimer *t);
void ktimer_load(struct decoder *dec, struct ktimer *t);
/* In the owner's after-load hook (phase > KERNEL_RESTORE_PHASE):
 * attaches the loaded timer to k and queues it if armed. */
void ktimer_restore(struct ktimer *t, struct kernel *k, ktimer_fire_fn fire);

/* The kernel's queue of armed timers (host-only, in kernel->timerq).
 * Created with the kernel's host state; -ENOMEM or 0. No lock needed. */
int ktimer_queue_create(struct kernel *k);
/* Starts the timer thread if it is not running (kernel_start). Takes
 * the lock itself. Returns 0 or -errno. */
int ktimer_thread_start(struct kernel *k);
/* Stops and joins the timer thread and frees the queue; armed timers
 * stay armed but unqueued. Idempotent; call without the lock, before
 * any timer's owner is freed (kernel_destroy). */
void ktimer_queue_destroy(struct kernel *k);
/* The kernel froze or thawed: the timer thread looks again. */
void ktimer_kick(struct kernel *k);

#endif
