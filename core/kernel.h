/* struct kernel: the one root of all sandbox state (DESIGN.md invariant
 * 1). Everything a checkpoint saves is reachable from here; fields marked
 * host-only are rebuilt at restore from saved data, never saved.
 *
 * Concurrency: one kernel lock, held while kernel code runs and released
 * while a task runs application code or sleeps. */
#ifndef CORE_KERNEL_H
#define CORE_KERNEL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/waitq.h"
#include "platform/platform.h"
#include "snapshot/codec.h"

struct futex_waiter;
struct ktimer_queue;
struct memfile;
struct task;
struct vfs;
struct thread_group;

/* Largest application address + 1: Linux's TASK_SIZE on x86-64 with
 * 4-level paging (0x7ffffffff000) less the top range the platforms keep
 * for themselves (platform.h). */
#define USER_ADDR_END PLATFORM_APP_END

/* Options that shape a kernel; chosen by `snapctl run`. */
struct kernel_options {
	const char *platform;      /* "ptrace" (default) */
	bool strace;               /* print each syscall to strace_out */
	uint64_t memory_max;       /* memory-file reservation, bytes */
	const char *cpu_model;     /* "host" (default) or "baseline" */
	const char *root;          /* host directory under the overlay root
	                              (`--root`); NULL: "/" */
};

struct kernel {
	pthread_mutex_t lock;               /* host-only */
	pthread_cond_t exit_cond;           /* host-only: last task gone */
	bool host_ready;                    /* host-only: lock, cond made */
	const struct platform_ops *platform_ops; /* host-only */
	struct platform *platform;          /* host-only */
	FILE *strace_out;                   /* host-only: NULL = off */
	int host_stdio[3];                  /* host-only: the sandbox's
	                                       stdin/stdout/stderr */

	struct memfile *memfile;
	struct vfs *vfs;                    /* mounts and filesystems */
	struct task *tasks;                 /* all tasks, by tid */
	uint32_t next_tid;                  /* next pid/tid to hand out */
	int64_t monotonic_offset_ns;        /* app = host + offset */
	int64_t frozen_monotonic_ns;        /* app CLOCK_MONOTONIC when last
	                                       frozen for a checkpoint */
	char hostname[65];                  /* the sandbox's UTS name */
	uint32_t cpu_model;                 /* KERNEL_CPU_MODEL_* */
	uint64_t boot_realtime_ns;          /* for uptime in sysinfo */
	int live_tasks;                     /* tasks not yet exited */
	int exit_status;                    /* wait status of pid 1 */
	bool exited;                        /* pid 1's group has exited */
	uint64_t enosys_seen[8];            /* host-only: one log per nr */

	/* Freezing (core/freeze.c), all host-only. */
	bool freezing;                      /* tasks park at stop points */
	bool detaching;                     /* parked tasks leave their host
	                                       threads, state untouched */
	pthread_cond_t parked_cond;         /* a task parked or left */
	int wake_fd;                        /* eventfd, readable while
	                                       freezing: ends host waits */
	uint64_t syscalls;                  /* syscalls dispatched */
	uint64_t torture_every_sys;         /* 0, or request a checkpoint
	                                       every N syscalls */
	bool checkpoint_wanted;             /* set when that count is hit */
	struct ktimer_queue *timerq;        /* host-only: armed timers and the
	                                       thread firing them (ktimer.c) */
	struct wait_queue lock_waiters;     /* host-only: tasks blocked on a
	                                       file lock (core/fs/lock.h) */
	struct futex_waiter *futex_waiters; /* host-only: a freeze ends every
	                                       wait; the calls restart */
};

enum { KERNEL_CPU_MODEL_HOST = 0, KERNEL_CPU_MODEL_BASELINE = 1 };

struct image_cpu_features;
/* The CPU features the sandbox's programs see (what an image records):
 * the platform's CPUID under kvm, the host's under ptrace. */
void kernel_cpu_features(const struct kernel *k,
			 struct image_cpu_features *f);

/* Creates a kernel: memory file and platform. Returns 0 or -errno. */
int kernel_create(const struct kernel_options *opts, struct kernel **out,
		  struct error *err);
/* Frees everything. No task may be running. */
void kernel_destroy(struct kernel *k);

/* Loads path (looked up in envp's PATH when it has no '/') as pid 1 with
 * argv/envp (NULL-terminated), ready to run but not started. */
int kernel_prepare_init(struct kernel *k, const char *path,
			char *const argv[], char *const envp[],
			struct error *err);
/* Starts the host thread of every task that is not running yet (after
 * kernel_prepare_init, or after a restore). */
int kernel_start(struct kernel *k, struct error *err);
/* kernel_prepare_init, then kernel_start. */
int kernel_spawn_init(struct kernel *k, const char *path,
		      char *const argv[], char *const envp[],
		      struct error *err);

/* Waits until pid 1's thread group has exited and all task threads
 * are gone; returns its exit status in shell form (code, or 128+N for
 * signal N). */
int kernel_wait(struct kernel *k);

/* Brings every task to a stop point: tasks running application code are
 * interrupted, tasks sleeping in the kernel are woken (their syscalls
 * restart on thaw or after restore). Returns with the kernel lock held
 * (the caller holds it too) and every live task parked, its complete
 * register state in task->cpu. */
void kernel_freeze(struct kernel *k);
/* Lets parked tasks continue. */
void kernel_thaw(struct kernel *k);
/* With the kernel frozen: makes every task leave its host thread without
 * changing its state, and joins them. The kernel can then be destroyed
 * while its saved image lives on (torture mode). Releases and retakes
 * the lock. */
void kernel_detach_tasks(struct kernel *k);
/* With the kernel frozen: ends every thread group (as if killed by
 * signo) and thaws, so the sandbox exits; the wait status is `status`. */
void kernel_stop_all(struct kernel *k, int status);

/* Waits until every task is gone (returns true), a checkpoint was asked
 * for by the syscall count (torture_every_sys), or the host's
 * CLOCK_MONOTONIC passes deadline_ns (0: no deadline). */
bool kernel_wait_event(struct kernel *k, int64_t deadline_ns);

/* The application's CLOCK_MONOTONIC in ns (host monotonic + offset). */
int64_t kernel_monotonic_ns(const struct kernel *k);

void kernel_lock(struct kernel *k);
void kernel_unlock(struct kernel *k);

/* The ctx of every after-load hook when a kernel image is decoded. The
 * decoder allocates the kernel itself, so hooks cannot be handed it up
 * front: the kernel's own hook (phase KERNEL_RESTORE_PHASE, after the
 * memory file's phase 0 has made the new memfd) fills in `kernel` and
 * creates the platform; hooks of later phases use it. */
struct kernel_restore {
	struct kernel *kernel;             /* set at KERNEL_RESTORE_PHASE */
	const struct kernel_options *opts; /* NULL: no platform (tests) */
};
#define KERNEL_RESTORE_PHASE 5

/* The kernel being restored, for after-load hooks of phases after
 * KERNEL_RESTORE_PHASE. */
static inline struct kernel *kernel_restoring(void *ctx)
{
	return ctx ? ((struct kernel_restore *)ctx)->kernel : NULL;
}

extern const struct codec_type codec_type_kernel;
/* All types a kernel image may contain. */
extern const struct codec_registry kernel_registry;

#endif
