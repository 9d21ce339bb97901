/* CPU-time accounting per task, for times(2), getrusage(2) and the
 * CPU-time clocks.
 *
 * What is measured: the CPU time of the task's host thread (its
 * CLOCK_THREAD_CPUTIME_ID), split at the platform switch -- inside
 * ctx_switch counts as user time, the rest (syscalls, faults, signal
 * delivery) as system time. Under kvm the guest runs on that host
 * thread, so this is the application's real CPU time. Under ptrace the
 * application runs in a stub thread the host thread only waits for, so
 * user time is under-counted (it is the tracer's side of each switch);
 * system time is exact. Either way both only grow, as CPU clocks must.
 * Another thread's time is brought up to date when it next stops.
 *
 * Everything runs under the kernel lock. */
#ifndef CORE_CPUTIME_H
#define CORE_CPUTIME_H

#include <stdint.h>

#include "snapshot/codec.h"

struct task;
struct thread_group;

struct cputime {
	uint64_t user_ns, sys_ns;
};

/* The task's host thread starts (or starts again after a restore). */
void cputime_start(struct task *t);
/* Around the platform switch: what the host thread used since the last
 * mark is charged as system time before, as user time after. */
void cputime_enter_user(struct task *t);
void cputime_leave_user(struct task *t);
/* The calling task (in a syscall) charges its system time so far, so
 * what it reads of itself is current. */
void cputime_sync(struct task *t);
/* Raises the group's peak resident size to what t's memory holds now
 * (getrusage's ru_maxrss; sampled then and at exit). */
void cputime_note_rss(struct task *t);
/* The task leaves: its time moves to its group's account of exited
 * threads. */
void cputime_task_exit(struct task *t);
/* tg is reaped by a wait: its time and its children's go to its
 * parent's children account. */
void cputime_reap(struct thread_group *tg);

struct rusage;
/* wait4/waitid's rusage of a child being reported: its own time and
 * its waited-for children's, and its peak resident size. */
void cputime_child_rusage(const struct thread_group *child,
			  struct rusage *ru);

struct cputime cputime_of_task(const struct task *t);
/* The whole group: live threads and exited ones. */
struct cputime cputime_of_group(const struct thread_group *tg);

void cputime_save(struct encoder *enc, const struct cputime *c);
void cputime_load(struct decoder *dec, struct cputime *c);

#endif
