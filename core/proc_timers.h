/* A process's timers: the ITIMER_REAL interval timer (alarm(2),
 * setitimer(2)) and its POSIX timers (timer_create(2)). They belong to
 * the thread group, are not inherited by fork, end with the group, and
 * at execve the POSIX timers go while the itimer stays, as in Linux.
 *
 * Timer signals: a POSIX timer whose signal is still pending when it
 * expires again is not queued twice; the expiry is counted as an overrun
 * in the pending siginfo's si_overrun instead, and timer_getoverrun(2)
 * gives the count of the last delivered signal. Whether the signal was
 * delivered is read from the pending set (its siginfo still names the
 * timer), so signal delivery needs no hook here.
 *
 * The syscalls are in sys_timer.c; all of this runs under the kernel
 * lock. */
#ifndef CORE_PROC_TIMERS_H
#define CORE_PROC_TIMERS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/ktimer.h"
#include "snapshot/codec.h"

struct task;
struct thread_group;

/* Linux counts timers against RLIMIT_SIGPENDING; a plain bound here. */
#define PROC_TIMERS_MAX 4096

struct posix_timer {
	struct ktimer timer;
	struct proc_timers *owner;
	int32_t id;                   /* timer_t: 0, 1, ... per process */
	int32_t clock;                /* what TIMER_ABSTIME times are on */
	int32_t notify;               /* SIGEV_NONE, _SIGNAL, _THREAD_ID */
	int32_t signo;
	uint32_t tid;                 /* SIGEV_THREAD_ID's thread */
	uint64_t sival;               /* sigev_value */
	int32_t overrun;              /* expiries while the signal pends */
	int32_t overrun_last;         /* of the last delivered signal */
	bool queued;                  /* its signal is (or was) pending */
	struct posix_timer *next;     /* by ascending id */
};

struct proc_timers {
	struct thread_group *tg;
	struct ktimer itimer_real;    /* SIGALRM to the process */
	struct posix_timer *posix;
	int32_t next_id;
	uint32_t count;
};

/* t's process's timers, made on first use; NULL when out of memory. */
struct proc_timers *proc_timers_get(struct task *t);

/* The POSIX timer id of t's process, or NULL. */
struct posix_timer *posix_timer_find(struct task *t, int64_t id);
/* A new disarmed POSIX timer with the next id; NULL: -EAGAIN/-ENOMEM
 * in *err. */
struct posix_timer *posix_timer_add(struct task *t, int *err);
/* Disarms and frees p; its pending signal, if any, stays (callers
 * that want it gone call posix_timer_drop_signal first). */
void posix_timer_delete(struct posix_timer *p);
/* Brings the overrun counts up to date (was the signal delivered?). */
void posix_timer_sync(struct posix_timer *p);
/* Takes p's signal back if it is still pending: a timer that is set
 * again or deleted does not deliver its old expiry (Linux since 6.13
 * drops such a signal at delivery). */
void posix_timer_drop_signal(struct posix_timer *p);

/* Group exit and reap: every timer goes. */
void ktimer_proc_exit(struct thread_group *tg);
/* execve: the POSIX timers go, the itimers stay (Linux's exec). */
void ktimer_proc_exec(struct thread_group *tg);

extern const struct codec_type codec_type_proc_timers;

#endif
