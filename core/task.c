#include "core/task.h"

#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "core/cred.h"
#include "core/fdtable.h"
#include "core/fs/fs_context.h"
#include "core/jobctl.h"
#include "core/kernel.h"
#include "core/proc_timers.h"
#include "core/mm.h"
#include "core/syscall.h"

static void task_init_host(struct task *t)
{
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&t->wake, &attr);
	pthread_condattr_destroy(&attr);
}

static void kernel_add_task(struct kernel *k, struct task *t)
{
	struct task **tail = &k->tasks;
	while (*tail)
		tail = &(*tail)->next;
	*tail = t;
	k->live_tasks++;
}

int task_create_thread(struct kernel *k, struct task *parent, bool thread,
		       struct task **out)
{
	struct task *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->kernel = k;
	t->tid = k->next_tid++;
	if (thread) {
		t->tg = parent->tg;
		t->tg->nthreads++;
	}
	task_init_host(t);
	kernel_add_task(k, t);
	*out = t;
	return 0;
}

int task_create_process(struct kernel *k, struct thread_group *parent,
			struct task **out)
{
	struct task *t = calloc(1, sizeof(*t));
	struct thread_group *tg = calloc(1, sizeof(*tg));
	if (!t || !tg) {
		free(t);
		free(tg);
		return -ENOMEM;
	}
	t->kernel = k;
	t->tid = k->next_tid++;
	t->tg = tg;
	tg->tgid = t->tid;
	tg->parent = parent;
	tg->leader = t;
	tg->nthreads = 1;
	if (parent)
		memcpy(tg->rlim, parent->rlim, sizeof(tg->rlim));
	else
		thread_group_default_rlimits(tg);
	/* pid 1 leads its own session and process group. */
	tg->pgid = parent ? parent->pgid : tg->tgid;
	tg->sid = parent ? parent->sid : tg->tgid;
	tg->dumpable = true;
	/* The sandbox's stdio terminal is pid 1's controlling terminal. */
	tg->ctty = !parent;
	tg->tty_pgrp = parent ? 0 : tg->tgid;
	task_init_host(t);
	kernel_add_task(k, t);
	*out = t;
	return 0;
}

int task_sleep_until(struct task *t, int64_t deadline_ns)
{
	struct kernel *k = t->kernel;
	for (;;) {
		if (kernel_monotonic_ns(k) >= deadline_ns)
			return 0;
		if (task_must_stop(t))
			return -EINTR;
		int64_t host = deadline_ns - k->monotonic_offset_ns;
		struct timespec ts = { host / 1000000000, host % 1000000000 };
		pthread_cond_timedwait(&t->wake, &k->lock, &ts);
	}
}

/* What a stop that is not a syscall means for the task. Signals are
 * delivered to handlers once they exist (processes issue); until then a
 * synchronous signal takes its default action: the group dies by it. */
static void task_handle_fault(struct task *t, const struct platform_event *ev)
{
	int rc = mm_handle_fault(t->mm, ev->fault_addr, ev->access);
	if (rc == -EFAULT || rc == -EACCES)
		signal_force_fault(t, SIGSEGV,
				   rc == -EFAULT ? SEGV_MAPERR : SEGV_ACCERR,
				   ev->fault_addr);
	else if (rc < 0) /* the memory file is full */
		signal_force_fault(t, SIGBUS, BUS_ADRERR, ev->fault_addr);
}

static void task_handle_stop(struct task *t, const struct platform_event *ev)
{
	switch (ev->stop) {
	case PLATFORM_SYSCALL:
		syscall_dispatch(t);
		break;
	case PLATFORM_FAULT:
		task_handle_fault(t, ev);
		break;
	case PLATFORM_EXCEPTION:
		signal_force_fault(t, ev->signo, ev->si_code, ev->fault_addr);
		break;
	case PLATFORM_INTERRUPTED:
		break;
	}
}

static void task_run(struct task *t)
{
	struct kernel *k = t->kernel;
	struct platform_event ev;
	for (;;) {
		task_park(t);
		task_wait_vfork(t);
		if (k->detaching || task_leaving(t))
			break;
		if (k->freezing)
			continue;
		if (jobctl_stopped_wait(t))
			continue;
		/* A signal that came while the task was parked or stopped
		 * (sent then, or a continue let it through) is delivered
		 * before the task returns to application code, as Linux does
		 * on every return to user mode. */
		if (signal_pending(t)) {
			signal_deliver(t);
			continue;
		}
		cputime_enter_user(t);
		kernel_unlock(k);
		int rc = k->platform_ops->ctx_switch(t->ctx, t->mm->as, &t->cpu,
						     &ev);
		kernel_lock(k);
		cputime_leave_user(t);
		if (rc < 0) {
			fprintf(stderr, "snapctl: task %u: platform failed: %s\n",
				t->tid, strerror(-rc));
			task_exit_group(t, SIGKILL);
			break;
		}
		task_handle_stop(t, &ev);
		signal_deliver(t);
	}
}

static void *task_main(void *arg)
{
	struct task *t = arg;
	struct kernel *k = t->kernel;
	struct platform_ctx *ctx = NULL;
	int rc = k->platform_ops->ctx_create(k->platform, &ctx);
	kernel_lock(k);
	/* Published under the lock: a freezer reads it to interrupt us. */
	t->ctx = ctx;
	cputime_start(t);
	if (rc < 0) {
		fprintf(stderr, "snapctl: task %u: no platform context: %s\n",
			t->tid, strerror(-rc));
		task_exit_group(t, SIGKILL);
	} else {
		task_run(t);
	}
	/* Detaching (torture mode) leaves the task exactly as parked: the
	 * image holds it, and the restored kernel runs it on. */
	if (!k->detaching)
		task_leave(t);
	t->ctx = NULL;
	kernel_unlock(k);
	if (ctx)
		k->platform_ops->ctx_destroy(ctx);
	return NULL;
}

int task_start(struct task *t)
{
	int rc = pthread_create(&t->thread, NULL, task_main, t);
	if (rc != 0)
		return -rc;
	t->thread_started = true;
	return 0;
}

void task_free(struct task *t)
{
	if (!t)
		return;
	mm_put(t->mm);
	fdtable_put(t->files);
	fs_context_put(t->fs);
	if (t->tg && t->tg->leader == t) {
		waitq_release(&t->tg->signalfd_wq);
		ktimer_proc_exit(t->tg);
		free(t->tg);
	}
	pthread_cond_destroy(&t->wake);
	if (t->host_wake_made)
		close(t->host_wake_fd);
	free(t);
}

/* ---- serialization ---------------------------------------------------- */

#define CPU_NREGS (sizeof(struct user_regs_struct) / sizeof(uint64_t))
static_assert(sizeof(struct user_regs_struct) == 27 * sizeof(uint64_t),
	      "user_regs_struct is 27 registers on x86-64");

static void task_save(struct encoder *enc, const void *obj)
{
	const struct task *t = obj;
	enc_u32(enc, t->tid);
	enc_ref(enc, &codec_type_thread_group, t->tg);
	enc_ref(enc, &codec_type_mm, t->mm);
	enc_ref(enc, &codec_type_fdtable, t->files);
	enc_ref(enc, &codec_type_fs_context, t->fs);
	uint64_t regs[CPU_NREGS];
	memcpy(regs, &t->cpu.regs, sizeof(regs));
	for (size_t i = 0; i < CPU_NREGS; i++)
		enc_u64(enc, regs[i]);
	enc_u32(enc, t->cpu.xsave_size);
	enc_blob(enc, t->cpu.xsave, t->cpu.xsave_size);
	enc_u64(enc, (uint64_t)t->state);
	enc_u64(enc, t->clear_child_tid);
	enc_u64(enc, t->robust_list);
	enc_u64(enc, t->robust_list_len);
	enc_u32(enc, t->uid);
	enc_u32(enc, t->gid);
	enc_u32(enc, t->euid);
	enc_u32(enc, t->egid);
	task_save_creds(enc, t);
	enc_u64(enc, t->restart.kind);
	enc_i64(enc, t->restart.deadline_ns);
	enc_u64(enc, t->restart.rem);
	enc_u64(enc, t->sig_blocked);
	enc_u64(enc, t->sig_saved_mask);
	enc_bool(enc, t->sig_restore_mask);
	signal_save_pending(enc, &t->sig_pending);
	enc_u64(enc, (uint64_t)(uintptr_t)t->altstack.ss_sp);
	enc_i32(enc, t->altstack.ss_flags);
	enc_u64(enc, t->altstack.ss_size);
	enc_i64(enc, t->syscall_restart);
	enc_bool(enc, t->exit_self);
	enc_i32(enc, t->exit_code);
	enc_u32(enc, t->vfork_child);
	enc_bool(enc, t->vfork_released);
	cputime_save(enc, &t->cputime);
	enc_u64(enc, t->restart_arg);
}

static void task_load_cpu(struct decoder *dec, struct task *t)
{
	uint64_t regs[CPU_NREGS];
	for (size_t i = 0; i < CPU_NREGS; i++)
		regs[i] = dec_u64(dec);
	memcpy(&t->cpu.regs, regs, sizeof(regs));
	t->cpu.xsave_size = dec_u32(dec);
	if (t->cpu.xsave_size > CPU_XSAVE_MAX) {
		dec_fail(dec, "XSAVE area of %u bytes exceeds %d",
			 t->cpu.xsave_size, CPU_XSAVE_MAX);
		return;
	}
	dec_blob(dec, t->cpu.xsave, t->cpu.xsave_size);
}

static void task_load(struct decoder *dec, void *obj)
{
	struct task *t = obj;
	t->tid = dec_u32(dec);
	t->tg = dec_ref(dec, &codec_type_thread_group);
	t->mm = dec_ref(dec, &codec_type_mm);
	t->files = dec_ref(dec, &codec_type_fdtable);
	t->fs = dec_ref(dec, &codec_type_fs_context);
	if (t->fs)
		t->fs->refs++;
	task_load_cpu(dec, t);
	t->state = (enum task_state)dec_u64_range(dec, TASK_RUNNABLE,
						  TASK_EXITED, "task state");
	t->clear_child_tid = dec_u64(dec);
	t->robust_list = dec_u64(dec);
	t->robust_list_len = dec_u64(dec);
	t->uid = dec_u32(dec);
	t->gid = dec_u32(dec);
	t->euid = dec_u32(dec);
	t->egid = dec_u32(dec);
	task_load_creds(dec, t);
	t->restart.kind = (uint32_t)dec_u64_range(dec, RESTART_NONE,
						  RESTART_SIGTIMEDWAIT,
						  "restart kind");
	t->restart.deadline_ns = dec_i64(dec);
	t->restart.rem = dec_u64(dec);
	t->sig_blocked = dec_u64(dec) & ~SIG_UNBLOCKABLE;
	t->sig_saved_mask = dec_u64(dec);
	t->sig_restore_mask = dec_bool(dec);
	signal_load_pending(dec, &t->sig_pending);
	t->altstack.ss_sp = (void *)(uintptr_t)dec_u64(dec);
	t->altstack.ss_flags = dec_i32(dec);
	t->altstack.ss_size = dec_u64(dec);
	t->syscall_restart = dec_i64(dec);
	t->exit_self = dec_bool(dec);
	t->exit_code = dec_i32(dec) & 0xff;
	t->vfork_child = dec_u32(dec);
	t->vfork_released = dec_bool(dec);
	cputime_load(dec, &t->cputime);
	if (dec_version(dec) >= 3)
		t->restart_arg = dec_u64(dec);
	if (!dec_ok(dec))
		return;
	if (t->tid == 0 || !t->tg)
		dec_fail(dec, "task without an id or a thread group");
	else if (t->state != TASK_EXITED && (!t->mm || !t->files))
		dec_fail(dec, "live task %u without memory or files", t->tid);
	if (t->mm)
		t->mm->users++;
	if (t->files)
		t->files->refs++;
}

static int task_after_load(void *obj, void *ctx, struct error *err)
{
	(void)err;
	struct task *t = obj;
	t->kernel = kernel_restoring(ctx);
	task_init_host(t);
	return 0;
}

const struct codec_type codec_type_task = {
	.name = "task",
	.version = 3,
	.size = sizeof(struct task),
	.after_load_phase = 20,
	.save = task_save,
	.load = task_load,
	.after_load = task_after_load,
};

void thread_group_default_rlimits(struct thread_group *tg)
{
	for (int i = 0; i < RLIMIT_NLIMITS; i++)
		tg->rlim[i] = (struct rlimit){ RLIM_INFINITY, RLIM_INFINITY };
	tg->rlim[RLIMIT_STACK].rlim_cur = 8u << 20;
	tg->rlim[RLIMIT_CORE].rlim_cur = 0;
	tg->rlim[RLIMIT_NOFILE] = (struct rlimit){ 1024, 4096 };
	tg->rlim[RLIMIT_MEMLOCK] = (struct rlimit){ 8u << 20, 8u << 20 };
	tg->rlim[RLIMIT_NPROC] = (struct rlimit){ 4096, 4096 };
	tg->rlim[RLIMIT_SIGPENDING] = (struct rlimit){ 4096, 4096 };
	tg->rlim[RLIMIT_MSGQUEUE] = (struct rlimit){ 819200, 819200 };
	tg->rlim[RLIMIT_NICE] = (struct rlimit){ 0, 0 };
	tg->rlim[RLIMIT_RTPRIO] = (struct rlimit){ 0, 0 };
}

static void thread_group_save(struct encoder *enc, const void *obj)
{
	const struct thread_group *tg = obj;
	enc_u32(enc, tg->tgid);
	enc_ref(enc, &codec_type_thread_group, tg->parent);
	enc_ref(enc, &codec_type_task, tg->leader);
	enc_i32(enc, tg->nthreads);
	enc_bool(enc, tg->exiting);
	enc_i32(enc, tg->exit_status);
	enc_blob(enc, tg->comm, sizeof(tg->comm));
	for (int i = 0; i < RLIMIT_NLIMITS; i++) {
		enc_u64(enc, tg->rlim[i].rlim_cur);
		enc_u64(enc, tg->rlim[i].rlim_max);
	}
	signal_save_actions(enc, tg->actions);
	signal_save_pending(enc, &tg->shared_pending);
	enc_bool(enc, tg->zombie);
	enc_bool(enc, tg->autoreap);
	enc_u64(enc, (uint64_t)tg->exit_signal);
	jobctl_save_group(enc, tg);
	enc_ref(enc, &codec_type_proc_timers, tg->timers);
	cputime_save(enc, &tg->cputime_exited);
	cputime_save(enc, &tg->cputime_children);
	enc_u64(enc, tg->maxrss_kb);
	enc_u64(enc, tg->maxrss_children_kb);
}

static void thread_group_load(struct decoder *dec, void *obj)
{
	struct thread_group *tg = obj;
	tg->tgid = dec_u32(dec);
	tg->parent = dec_ref(dec, &codec_type_thread_group);
	tg->leader = dec_ref(dec, &codec_type_task);
	tg->nthreads = dec_i32(dec);
	tg->exiting = dec_bool(dec);
	tg->exit_status = dec_i32(dec);
	dec_blob(dec, tg->comm, sizeof(tg->comm));
	tg->comm[sizeof(tg->comm) - 1] = 0;
	for (int i = 0; i < RLIMIT_NLIMITS; i++) {
		tg->rlim[i].rlim_cur = dec_u64(dec);
		tg->rlim[i].rlim_max = dec_u64(dec);
		if (tg->rlim[i].rlim_cur > tg->rlim[i].rlim_max)
			dec_fail(dec, "rlimit %d: soft limit above hard", i);
	}
	signal_load_actions(dec, tg->actions);
	signal_load_pending(dec, &tg->shared_pending);
	tg->zombie = dec_bool(dec);
	tg->autoreap = dec_bool(dec);
	tg->exit_signal = (int)dec_u64_range(dec, 0, SIG_COUNT, "exit signal");
	jobctl_load_group(dec, tg);
	tg->timers = dec_ref(dec, &codec_type_proc_timers);
	cputime_load(dec, &tg->cputime_exited);
	cputime_load(dec, &tg->cputime_children);
	tg->maxrss_kb = dec_u64(dec);
	tg->maxrss_children_kb = dec_u64(dec);
	if (dec_ok(dec) && (tg->tgid == 0 || !tg->leader || tg->nthreads < 0))
		dec_fail(dec, "thread group is inconsistent");
}

const struct codec_type codec_type_thread_group = {
	.name = "thread_group",
	.version = 2,
	.size = sizeof(struct thread_group),
	.save = thread_group_save,
	.load = thread_group_load,
};
