/* Freeing what a zombie group leaves behind once it is reaped. */
#include "core/kernel.h"
#include "core/task.h"

void task_reap_group(struct kernel *k, struct thread_group *tg)
{
	struct task *threads = NULL, *leader = NULL;
	cputime_reap(tg);
	for (struct task **p = &k->tasks; *p;) {
		struct task *x = *p;
		if (x->tg != tg) {
			p = &x->next;
			continue;
		}
		*p = x->next;
		if (x == tg->leader) {
			leader = x;
		} else {
			x->next = threads;
			threads = x;
		}
	}
	/* Each thread ran task_leave already; what is left of it is its
	 * return from task_main, which needs no lock. */
	kernel_unlock(k);
	while (threads) {
		struct task *x = threads;
		threads = x->next;
		if (x->thread_started)
			pthread_join(x->thread, NULL);
		task_free(x);
	}
	/* The leader last: freeing it frees the group. */
	if (leader && leader->thread_started)
		pthread_join(leader->thread, NULL);
	task_free(leader);
	kernel_lock(k);
}

static struct thread_group *unwanted_zombie(const struct kernel *k)
{
	for (const struct task *x = k->tasks; x; x = x->next)
		if (x->tg->leader == x && x->tg->zombie && x->tg->autoreap)
			return x->tg;
	return NULL;
}

void task_reap_orphans(struct kernel *k)
{
	struct thread_group *tg;
	while ((tg = unwanted_zombie(k)))
		task_reap_group(k, tg);
}
