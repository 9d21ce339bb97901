/* Tasks (application threads) and thread groups (processes).
 *
 * Each task runs on its own host thread: it switches into application
 * code through the platform, and on each stop dispatches the syscall or
 * fault under the kernel lock, then switches back (DESIGN.md "Life of a
 * system call"). Its registers live in task->cpu whenever it is not
 * running application code (invariant 5). */
#ifndef CORE_TASK_H
#define CORE_TASK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>

#include "core/cputime.h"
#include "core/signal.h"
#include "core/waitq.h"
#include "platform/cpu.h"
#include "snapshot/codec.h"

struct kernel;
struct mm;
struct fdtable;
struct fs_context;
struct platform_ctx;
struct proc_timers;

struct thread_group {
	uint32_t tgid;
	struct thread_group *parent;       /* NULL for pid 1 */
	struct task *leader;
	int nthreads;                      /* live tasks in the group */
	bool exiting;                      /* exit_group or fatal signal */
	int exit_status;                   /* wait(2) status word */
	bool zombie;                       /* all threads gone, not reaped */
	bool autoreap;                     /* parent ignores SIGCHLD: never
	                                      reported by wait */
	int exit_signal;                   /* sent to the parent (SIGCHLD) */
	char comm[16];                     /* PR_SET_NAME / exec basename */
	struct rlimit rlim[RLIMIT_NLIMITS];  /* getrlimit / prlimit64 */
	struct k_sigaction actions[SIG_COUNT]; /* shared by the threads */
	struct sigpending shared_pending;  /* kill(2): any thread takes it */
	struct proc_timers *timers;        /* alarm, itimers, POSIX timers
	                                      (proc_timers.c); NULL: none */
	struct cputime cputime_exited;     /* of its exited threads, and */
	struct cputime cputime_children;   /*   of waited-for children */
	uint64_t maxrss_kb;                /* getrusage's ru_maxrss, and */
	uint64_t maxrss_children_kb;       /*   its children's largest */
	/* Process control (core/jobctl.c, sys_pgrp.c, sys_prctl.c). */
	uint32_t pgid, sid;                /* process group and session */
	bool did_exec;                     /* set by execve: setpgid on it
	                                      from the parent is EACCES */
	bool stopped;                      /* job control: group stop */
	bool stop_notify;                  /* stopped, parent not yet told:
	                                      waits for every thread */
	int stop_waiters;                  /* host-only: threads sleeping
	                                      stopped */
	int stop_sig;                      /* the signal that stopped it */
	int wait_report;                   /* JOBCTL_REPORT_*: a stop or
	                                      continue wait(2) has not
	                                      reported yet */
	bool subreaper;                    /* PR_SET_CHILD_SUBREAPER */
	int pdeathsig;                     /* PR_SET_PDEATHSIG (per group
	                                      here; per thread in Linux) */
	bool dumpable;                     /* PR_SET_DUMPABLE */
	int nice;                          /* setpriority(PRIO_PROCESS) */
	int sched_policy, sched_priority;  /* sched_setscheduler */
	bool ctty;                         /* (a session leader) its session
	                                      holds the sandbox terminal */
	uint32_t tty_pgrp;                 /* then: the foreground group */
	struct wait_queue signalfd_wq;     /* host-only: signalfds polled
	                                      for this group's signals */
};

/* Linux's defaults for a new init process. */
void thread_group_default_rlimits(struct thread_group *tg);

/* Supplementary groups a task holds at most (Linux: NGROUPS_MAX 65536;
 * setgroups beyond this is EINVAL here, a documented limit). */
#define TASK_NGROUPS_MAX 64

enum task_state {
	TASK_RUNNABLE = 0,
	TASK_EXITED = 1,
};

struct task {
	struct kernel *kernel;
	uint32_t tid;
	struct thread_group *tg;
	struct task *next;                 /* kernel->tasks list */
	struct mm *mm;
	struct fdtable *files;
	struct fs_context *fs;             /* root, cwd, umask (CLONE_FS) */
	struct cpu_state cpu;
	enum task_state state;
	uint64_t clear_child_tid;          /* set_tid_address */
	uint64_t robust_list, robust_list_len;
	uint32_t uid, gid, euid, egid;
	uint32_t suid, sgid, fsuid, fsgid; /* saved and filesystem ids */
	int ngroups;                       /* setgroups(2) */
	uint32_t groups[TASK_NGROUPS_MAX];
	uint64_t cap_effective, cap_permitted, cap_inheritable;
	bool no_new_privs;                 /* PR_SET_NO_NEW_PRIVS */
	bool exit_self;                    /* exit(2): this thread only */
	int exit_code;
	uint32_t vfork_child;              /* waiting for this vfork child
	                                      to exit or exec */
	bool vfork_released;               /* (as a vfork child) has exec'd */
	struct restart_block {             /* restart_syscall(2) */
		uint32_t kind;             /* RESTART_NONE, _NANOSLEEP */
		int64_t deadline_ns;       /* app CLOCK_MONOTONIC */
		uint64_t rem;              /* nanosleep's rem pointer,
		                              poll's fds */
	} restart;
	uint64_t restart_arg;              /* RESTART_POLL: poll's nfds */
	uint64_t sig_blocked;              /* rt_sigprocmask */
	uint64_t sig_saved_mask;           /* restored after sigsuspend's */
	bool sig_restore_mask;             /*   handler runs */
	struct sigpending sig_pending;     /* tkill(2), faults */
	stack_t altstack;                  /* sigaltstack(2) */
	int64_t syscall_restart;           /* -ERESTART* of the syscall the
	                                      task was backed onto, or 0 */
	struct cputime cputime;            /* CPU time used (cputime.c) */
	int64_t cpu_mark_ns;               /* host-only: host thread's CPU
	                                      clock when last charged */

	pthread_t thread;                  /* host-only */
	pthread_cond_t wake;               /* host-only: sleeps wait here */
	bool thread_started;               /* host-only */
	bool parked;                       /* host-only: stopped for a freeze */
	struct platform_ctx *ctx;          /* host-only: on its own thread */
	bool host_waiting;                 /* host-only: in task_block's
	                                      host poll(2) */
	bool host_wake_made;               /* host-only: host_wake_fd open */
	int host_wake_fd;                  /* host-only: eventfd that ends
	                                      that poll (task_wake_sleeper) */
	uint32_t lock_wait_pid;            /* host-only: in F_SETLKW, waiting
	                                      for this process's lock */
};

/* Creates a task in a new thread group (pid = tid) sharing nothing;
 * the caller sets mm, files and cpu before starting it. */
int task_create_process(struct kernel *k, struct thread_group *parent,
			struct task **out);

/* Creates a task with a new tid: in parent's group when thread, else
 * with no group yet (the caller makes one). Counted live, not started. */
int task_create_thread(struct kernel *k, struct task *parent, bool thread,
		       struct task **out);

/* A vfork parent waits here before returning to application code. */
void task_wait_vfork(struct task *t);

/* Starts the task's host thread. */
int task_start(struct task *t);

/* Ends the whole thread group with the wait status `status` (code << 8,
 * or a signal number): every task of the group stops at its next kernel
 * entry. */
void task_exit_group(struct task *t, int status);
/* Ends this task only (exit(2)); the group ends with it if it is the
 * last thread. */
void task_exit(struct task *t, int code);
/* True once the task must leave its run loop for good. */
bool task_leaving(const struct task *t);
/* Called by the task's own thread when it leaves (exit.c): releases
 * what it holds, and when it is the group's last thread makes the group
 * a zombie and tells the parent. Under the kernel lock. */
void task_leave(struct task *t);
/* Frees the tasks of a reaped zombie group (releases the lock while it
 * joins their host threads). */
void task_reap_group(struct kernel *k, struct thread_group *tg);
/* Frees zombies nobody will wait for (their parent ignores SIGCHLD). */
void task_reap_orphans(struct kernel *k);

/* Wakes a task wherever it waits: sleeping in the kernel or running
 * application code. */
void task_wake(struct task *t);
/* Wakes a task sleeping in the kernel (task_block, task_sleep_until,
 * futex waits) but does not interrupt application code: for wait-queue
 * notifies, whose sleepers are known to be in the kernel (waitq.c). */
void task_wake_sleeper(struct task *t);

enum { RESTART_NONE = 0, RESTART_NANOSLEEP = 1, RESTART_POLL = 2,
       RESTART_EPOLL = 3,
       RESTART_SIGTIMEDWAIT = 4 /* rem: the siginfo pointer; restart_arg:
                                   the signal set (sys_sigwait.c) */ };

/* Parks the calling task while the kernel is freezing (see
 * kernel_freeze); returns at once otherwise. Called by the task's own
 * thread with the lock held, at a stop point. */
void task_park(struct task *t);

/* True when a sleeping or blocked task must return to a stop point: its
 * group is exiting or stopped (job control), the kernel is freezing, or
 * a signal is deliverable. */
bool task_must_stop(const struct task *t);

/* Sleeps with the kernel lock released until the application's
 * CLOCK_MONOTONIC reaches deadline_ns; returns 0, or -EINTR when it has
 * to stop early (task_must_stop). */
int task_sleep_until(struct task *t, int64_t deadline_ns);

/* Frees a task that has exited and whose host thread has been joined. */
void task_free(struct task *t);

extern const struct codec_type codec_type_task;
extern const struct codec_type codec_type_thread_group;

#endif
