/* Shared between the files of the ptrace platform; see README.md. */
#ifndef PLATFORM_PTRACE_INTERNAL_H
#define PLATFORM_PTRACE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "platform/platform.h"
#include "platform/ptrace/chan.h"
#include "platform/ptrace/prot_map.h"

struct platform {
	pid_t self;                /* the kernel process: stubs' parent */
	uint64_t thread_exit_rip;  /* where detached stub threads go */

	/* XSAVE as ptrace moves it (NT_X86_XSTATE). */
	uint32_t regset_size;      /* bytes the host's regset may hold */
	uint32_t xsave_size;       /* bytes of it a cpu_state keeps */
	uint64_t xfeatures;        /* components a cpu_state keeps */
	uint32_t mxcsr_mask;

	/* The master stub, which forks every address space's stub. */
	struct stub_chan master;
	pid_t master_pid;

	/* The forker: a thread that forks the master and then waits, so
	 * the stubs' parent-death signal fires exactly when the platform
	 * (or the whole kernel) goes. */
	pthread_t forker;
	bool forker_started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	const uint8_t *image;      /* for the forker */
	pid_t spawned;             /* 0 until the forker reports */
	bool stopping;

	/* Address spaces not yet reaped, for destroy. */
	pthread_mutex_t list_lock;
	struct platform_as *list;

	/* Bumped whenever a stub dies; contexts then reap their threads. */
	atomic_uint dead_gen;
};

/* An address space: one stub process. Reference counted: the kernel's
 * handle and each context thread in it hold one; the process is reaped
 * when the last goes. */
struct platform_as {
	struct platform *p;
	pid_t pid;
	struct stub_chan chan;
	atomic_int refs;
	atomic_bool dead;          /* killed or died: no more requests */
	atomic_bool destroyed;     /* the kernel's handle is gone */

	pthread_mutex_t map_lock;  /* prots: read by faulting contexts */
	struct prot_map prots;

	struct platform_as *prev, *next;   /* p->list, under list_lock */
};

/* ptrace.c */
int ptrace_platform_fork_stub(struct platform *p, int ctl, int req,
			      pid_t *pid);

/* as.c */
int ptrace_as_create(struct platform *p, struct platform_as **out);
void ptrace_as_destroy(struct platform_as *as);
int ptrace_as_map(struct platform_as *as, uint64_t addr, uint64_t len,
		  uint64_t offset, int prot);
int ptrace_as_unmap(struct platform_as *as, uint64_t addr, uint64_t len);
int ptrace_as_protect(struct platform_as *as, uint64_t addr, uint64_t len,
		      int prot);
void ptrace_as_ref(struct platform_as *as);
void ptrace_as_unref(struct platform_as *as);
void ptrace_as_mark_dead(struct platform_as *as);
/* A new thread parked in the stub; the caller seizes it. */
int ptrace_as_new_thread(struct platform_as *as, pid_t *tid);
/* PLATFORM_ACCESS_* of a SIGSEGV at addr with si_code, rip at the time. */
int ptrace_as_fault_access(struct platform_as *as, uint64_t addr,
			   uint64_t rip, int si_code);
/* Kills and reaps what platform destroy finds left over. */
void ptrace_as_reap_all(struct platform *p);

/* ctx.c */
int ptrace_ctx_create(struct platform *p, struct platform_ctx **out);
void ptrace_ctx_destroy(struct platform_ctx *ctx);
int ptrace_ctx_switch(struct platform_ctx *ctx, struct platform_as *as,
		      struct cpu_state *cpu, struct platform_event *ev);
void ptrace_ctx_interrupt(struct platform_ctx *ctx);
int ptrace_ctx_pull_state(struct platform_ctx *ctx, struct cpu_state *cpu);

#endif
