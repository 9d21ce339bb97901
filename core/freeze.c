/* Freezing the sandbox: every task brought to a stop point, so the whole
 * object graph and all of memory hold still while a checkpoint is
 * written (DESIGN.md "Life of a checkpoint").
 *
 * A task parks at the top of its run loop, with its registers complete in
 * task->cpu. Getting it there: a task in application code is interrupted
 * through the platform; one sleeping on its condition variable is
 * signalled; one blocked in a host read or write is woken by wake_fd, an
 * eventfd that stays readable while the kernel is freezing. Blocked
 * syscalls return a restart code, so they run again on thaw or after a
 * restore -- the application never sees the freeze. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/kernel.h"
#include "core/ktimer.h"
#include "core/task.h"

static bool task_is_running_thread(const struct task *t)
{
	return t->thread_started && t->state != TASK_EXITED;
}

bool task_must_stop(const struct task *t)
{
	/* A group stop (job control) ends waits too, as Linux's does:
	 * the calls restart once the group is continued. */
	return t->tg->exiting || t->exit_self || t->kernel->freezing ||
	       t->tg->stopped || signal_pending(t);
}

void task_park(struct task *t)
{
	struct kernel *k = t->kernel;
	if (!k->freezing)
		return;
	/* A checkpoint needs every register, not just the ones the
	 * platform fetched for the last stop. */
	if (t->ctx) {
		int rc = k->platform_ops->ctx_pull_state(t->ctx, &t->cpu);
		if (rc < 0)
			fprintf(stderr, "snapctl: task %u: registers: %s\n",
				t->tid, strerror(-rc));
	}
	t->parked = true;
	pthread_cond_broadcast(&k->parked_cond);
	while (k->freezing && !k->detaching)
		pthread_cond_wait(&t->wake, &k->lock);
	t->parked = false;
}

static bool all_parked(const struct kernel *k)
{
	for (const struct task *t = k->tasks; t; t = t->next)
		if (task_is_running_thread(t) && !t->parked)
			return false;
	return true;
}

static void wake_fd_set(struct kernel *k, bool readable)
{
	uint64_t v = 1;
	if (readable) {
		if (write(k->wake_fd, &v, sizeof(v)) < 0)
			perror("snapctl: wake_fd");
	} else {
		/* Drains the counter; EAGAIN when already empty. */
		if (read(k->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			perror("snapctl: wake_fd");
	}
}

void kernel_freeze(struct kernel *k)
{
	k->freezing = true;
	wake_fd_set(k, true);
	ktimer_kick(k);
	for (struct task *t = k->tasks; t; t = t->next) {
		if (!task_is_running_thread(t))
			continue;
		if (t->ctx)
			k->platform_ops->ctx_interrupt(t->ctx);
		pthread_cond_broadcast(&t->wake);
	}
	while (!all_parked(k))
		pthread_cond_wait(&k->parked_cond, &k->lock);
}

void kernel_thaw(struct kernel *k)
{
	k->freezing = false;
	wake_fd_set(k, false);
	ktimer_kick(k);
	for (struct task *t = k->tasks; t; t = t->next)
		pthread_cond_broadcast(&t->wake);
}

void kernel_detach_tasks(struct kernel *k)
{
	k->detaching = true;
	for (struct task *t = k->tasks; t; t = t->next)
		pthread_cond_broadcast(&t->wake);
	kernel_unlock(k);
	for (struct task *t = k->tasks; t; t = t->next)
		if (t->thread_started) {
			pthread_join(t->thread, NULL);
			t->thread_started = false;
		}
	kernel_lock(k);
}

void kernel_stop_all(struct kernel *k, int status)
{
	for (struct task *t = k->tasks; t; t = t->next)
		if (t->state != TASK_EXITED)
			task_exit_group(t, status);
	kernel_thaw(k);
}
