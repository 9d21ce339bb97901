#include "core/cputime.h"

#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>

#include "core/kernel.h"
#include "core/mm.h"
#include "core/mm_pagetable.h"
#include "core/task.h"

static int64_t thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* CPU time since the mark, and a new mark; only the task's own host
 * thread calls this (the clock is that thread's). */
static uint64_t since_mark(struct task *t)
{
	int64_t now = thread_cpu_ns();
	int64_t d = now - t->cpu_mark_ns;
	t->cpu_mark_ns = now;
	return d > 0 ? (uint64_t)d : 0;
}

void cputime_start(struct task *t)
{
	t->cpu_mark_ns = thread_cpu_ns();
}

void cputime_enter_user(struct task *t)
{
	t->cputime.sys_ns += since_mark(t);
}

void cputime_sync(struct task *t)
{
	t->cputime.sys_ns += since_mark(t);
}

void cputime_leave_user(struct task *t)
{
	t->cputime.user_ns += since_mark(t);
}

static void add(struct cputime *to, struct cputime c)
{
	to->user_ns += c.user_ns;
	to->sys_ns += c.sys_ns;
}

void cputime_note_rss(struct task *t)
{
	if (!t->mm || !t->mm->pt)
		return;
	uint64_t kb = mm_pt_count(t->mm->pt) * 4;
	if (kb > t->tg->maxrss_kb)
		t->tg->maxrss_kb = kb;
}

void cputime_task_exit(struct task *t)
{
	cputime_note_rss(t);
	add(&t->tg->cputime_exited, t->cputime);
	t->cputime = (struct cputime){ 0, 0 };
}

void cputime_reap(struct thread_group *tg)
{
	if (!tg->parent || tg->autoreap)
		return;  /* only what a wait collects counts, as in Linux */
	add(&tg->parent->cputime_children, cputime_of_group(tg));
	add(&tg->parent->cputime_children, tg->cputime_children);
	uint64_t *max = &tg->parent->maxrss_children_kb;
	if (tg->maxrss_kb > *max)
		*max = tg->maxrss_kb;
	if (tg->maxrss_children_kb > *max)
		*max = tg->maxrss_children_kb;
}

static struct timeval timeval_of(uint64_t ns)
{
	return (struct timeval){ (time_t)(ns / 1000000000),
				 (suseconds_t)(ns % 1000000000 / 1000) };
}

void cputime_child_rusage(const struct thread_group *child,
			  struct rusage *ru)
{
	struct cputime c = cputime_of_group(child);
	add(&c, child->cputime_children);
	memset(ru, 0, sizeof(*ru));
	ru->ru_utime = timeval_of(c.user_ns);
	ru->ru_stime = timeval_of(c.sys_ns);
	ru->ru_maxrss = (long)child->maxrss_kb;
}

struct cputime cputime_of_task(const struct task *t)
{
	return t->cputime;
}

struct cputime cputime_of_group(const struct thread_group *tg)
{
	struct cputime c = tg->cputime_exited;
	for (const struct task *x = tg->leader->kernel->tasks; x; x = x->next)
		if (x->tg == tg)
			add(&c, x->cputime);
	return c;
}

void cputime_save(struct encoder *enc, const struct cputime *c)
{
	enc_u64(enc, c->user_ns);
	enc_u64(enc, c->sys_ns);
}

void cputime_load(struct decoder *dec, struct cputime *c)
{
	c->user_ns = dec_u64(dec);
	c->sys_ns = dec_u64(dec);
}
