/* Process groups, sessions and job control: which groups exist, which
 * are orphaned, stopping a thread group on SIGSTOP/SIGTSTP/SIGTTIN/
 * SIGTTOU and continuing it on SIGCONT, and telling the parent
 * (SIGCHLD with CLD_STOPPED / CLD_CONTINUED, and wait(2) reports).
 *
 * A stopped group's tasks sleep at the top of their run loop
 * (jobctl_stopped_wait), where a freeze still parks them; the stop is
 * saved with the group, so a restored group is stopped too.
 *
 * Everything here runs under the kernel lock. */
#ifndef CORE_JOBCTL_H
#define CORE_JOBCTL_H

#include <stdbool.h>
#include <stdint.h>

#include "snapshot/codec.h"

struct kernel;
struct task;
struct thread_group;

/* thread_group.wait_report bits: what wait(2) has yet to report. */
enum { JOBCTL_REPORT_STOPPED = 1, JOBCTL_REPORT_CONTINUED = 2 };

/* A new process's group state from its parent's (fork). */
void jobctl_fork_group(struct thread_group *tg,
		       const struct thread_group *parent);

/* The live (not zombie) thread group with this tgid, or NULL. */
struct thread_group *jobctl_find_group(struct kernel *k, uint32_t tgid);
/* A thread group in process group pgid (zombies included: they keep the
 * group's id in use, as in Linux), or NULL. */
struct thread_group *jobctl_pgrp_member(struct kernel *k, uint32_t pgid);
/* Linux's orphaned process group: no member has a parent in another
 * process group of the same session. Empty groups count as orphaned. */
bool jobctl_pgrp_orphaned(struct kernel *k, uint32_t pgid);

/* The default action of a stop signal, taken by t: stops t's group
 * unless it is an orphaned process group (SIGSTOP stops regardless). */
void jobctl_stop(struct task *t, int sig);
/* What sending sig to tg does before it is queued: SIGCONT continues a
 * stopped group and discards pending stop signals; a stop signal
 * discards a pending SIGCONT. */
void jobctl_prepare_signal(struct thread_group *tg, int sig);

/* At the top of t's run loop: while its group is stopped, sleeps until
 * continued, killed or frozen. Returns true when the loop must look
 * again instead of running application code. */
bool jobctl_stopped_wait(struct task *t);

/* As tg exits (before its children are reparented): process groups its
 * exit orphans -- its own, its children's -- that have stopped members
 * get SIGHUP then SIGCONT, as Linux's kill_orphaned_pgrp does. */
void jobctl_exit_orphans(struct kernel *k, struct thread_group *tg);

/* Wakes every thread of tg's parent that may sleep in wait(2). */
void jobctl_wake_parent(struct thread_group *tg);

/* The group's job-control, process-control and scheduling state in its
 * saved record (task.c). */
void jobctl_save_group(struct encoder *enc, const struct thread_group *tg);
void jobctl_load_group(struct decoder *dec, struct thread_group *tg);

#endif
