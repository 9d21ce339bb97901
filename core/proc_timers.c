#include "core/proc_timers.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/kernel.h"
#include "core/signal.h"
#include "core/task.h"

#define container_of(p, type, member) \
	((type *)((char *)(p) - offsetof(type, member)))

/* ---- signals ---------------------------------------------------------- */

static struct task *group_thread(struct thread_group *tg, uint32_t tid)
{
	for (struct task *x = tg->leader->kernel->tasks; x; x = x->next)
		if (x->tid == tid && x->tg == tg && x->state != TASK_EXITED)
			return x;
	return NULL;
}

/* Where the timer's signal pends: its thread's set or the process's. */
static struct sigpending *target_pending(struct posix_timer *p)
{
	struct thread_group *tg = p->owner->tg;
	if (p->notify != (SIGEV_SIGNAL | SIGEV_THREAD_ID))
		return &tg->shared_pending;
	struct task *x = group_thread(tg, p->tid);
	return x ? &x->sig_pending : NULL;
}

/* The pending siginfo of p's signal, or NULL once it was delivered. */
static siginfo_t *pending_info(struct posix_timer *p)
{
	struct sigpending *sp = target_pending(p);
	if (!sp || !(sp->set & sig_bit(p->signo)))
		return NULL;
	siginfo_t *i = &sp->info[p->signo - 1];
	return i->si_code == SI_TIMER && i->si_timerid == p->id ? i : NULL;
}

void posix_timer_sync(struct posix_timer *p)
{
	if (!p->queued || pending_info(p))
		return;
	p->queued = false;
	p->overrun_last = p->overrun;
	p->overrun = 0;
}

void posix_timer_drop_signal(struct posix_timer *p)
{
	posix_timer_sync(p);
	if (!p->queued)
		return;
	target_pending(p)->set &= ~sig_bit(p->signo);
	p->queued = false;
	p->overrun = 0;
}

static int32_t add_overrun(int32_t a, uint64_t b)
{
	return b >= (uint64_t)(INT_MAX - a) ? INT_MAX : a + (int32_t)b;
}

static void posix_timer_fire(struct ktimer *kt, uint64_t n)
{
	struct posix_timer *p = container_of(kt, struct posix_timer, timer);
	if (p->notify == SIGEV_NONE)
		return;
	posix_timer_sync(p);
	siginfo_t *pending = pending_info(p);
	if (p->queued && pending) {
		p->overrun = add_overrun(p->overrun, n);
		pending->si_overrun = p->overrun;
		return;
	}
	struct thread_group *tg = p->owner->tg;
	struct task *thread = NULL;
	if (p->notify == (SIGEV_SIGNAL | SIGEV_THREAD_ID) &&
	    !(thread = group_thread(tg, p->tid)))
		return;  /* the thread is gone: Linux drops the signal too */
	p->overrun = add_overrun(0, n - 1);
	siginfo_t info;
	memset(&info, 0, sizeof(info));
	info.si_signo = p->signo;
	info.si_code = SI_TIMER;
	info.si_timerid = p->id;
	info.si_overrun = p->overrun;
	info.si_value.sival_ptr = (void *)(uintptr_t)p->sival;
	signal_send(tg, thread, p->signo, &info);
	p->queued = pending_info(p) != NULL;
}

static void itimer_real_fire(struct ktimer *kt, uint64_t n)
{
	(void)n;  /* SIGALRM coalesces, as in Linux */
	struct proc_timers *pt = container_of(kt, struct proc_timers,
					      itimer_real);
	siginfo_t info;
	memset(&info, 0, sizeof(info));
	info.si_signo = SIGALRM;
	info.si_code = SI_KERNEL;
	signal_send(pt->tg, NULL, SIGALRM, &info);
}

/* ---- the set ---------------------------------------------------------- */

struct proc_timers *proc_timers_get(struct task *t)
{
	struct thread_group *tg = t->tg;
	if (tg->timers)
		return tg->timers;
	struct proc_timers *pt = calloc(1, sizeof(*pt));
	if (!pt)
		return NULL;
	pt->tg = tg;
	ktimer_init(&pt->itimer_real, t->kernel, itimer_real_fire);
	tg->timers = pt;
	return pt;
}

struct posix_timer *posix_timer_find(struct task *t, int64_t id)
{
	struct proc_timers *pt = t->tg->timers;
	for (struct posix_timer *p = pt ? pt->posix : NULL; p; p = p->next)
		if (p->id == id)
			return p;
	return NULL;
}

struct posix_timer *posix_timer_add(struct task *t, int *err)
{
	struct proc_timers *pt = proc_timers_get(t);
	struct posix_timer *p = pt ? calloc(1, sizeof(*p)) : NULL;
	*err = -ENOMEM;
	if (!p)
		return NULL;
	if (pt->count >= PROC_TIMERS_MAX || pt->next_id == INT32_MAX) {
		free(p);
		*err = -EAGAIN;
		return NULL;
	}
	ktimer_init(&p->timer, t->kernel, posix_timer_fire);
	p->owner = pt;
	p->id = pt->next_id++;
	struct posix_timer **tail = &pt->posix;
	while (*tail)
		tail = &(*tail)->next;
	*tail = p;
	pt->count++;
	return p;
}

void posix_timer_delete(struct posix_timer *p)
{
	struct proc_timers *pt = p->owner;
	for (struct posix_timer **pp = &pt->posix; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	pt->count--;
	ktimer_disarm(&p->timer);
	free(p);
}

static void delete_posix(struct proc_timers *pt)
{
	while (pt->posix)
		posix_timer_delete(pt->posix);
}

void ktimer_proc_exec(struct thread_group *tg)
{
	if (!tg->timers)
		return;
	for (struct posix_timer *p = tg->timers->posix; p; p = p->next)
		posix_timer_drop_signal(p);
	delete_posix(tg->timers);
}

static void proc_timers_free(struct proc_timers *pt)
{
	if (!pt)
		return;
	delete_posix(pt);
	ktimer_disarm(&pt->itimer_real);
	free(pt);
}

void ktimer_proc_exit(struct thread_group *tg)
{
	proc_timers_free(tg->timers);
	tg->timers = NULL;
}

/* ---- serialization ---------------------------------------------------- */

static void posix_timer_save(struct encoder *enc, const struct posix_timer *p)
{
	enc_i32(enc, p->id);
	enc_i32(enc, p->clock);
	enc_i32(enc, p->notify);
	enc_i32(enc, p->signo);
	enc_u32(enc, p->tid);
	enc_u64(enc, p->sival);
	enc_i32(enc, p->overrun);
	enc_i32(enc, p->overrun_last);
	enc_bool(enc, p->queued);
	ktimer_save(enc, &p->timer);
}

static void proc_timers_save(struct encoder *enc, const void *obj)
{
	const struct proc_timers *pt = obj;
	enc_ref(enc, &codec_type_thread_group, pt->tg);
	ktimer_save(enc, &pt->itimer_real);
	enc_i32(enc, pt->next_id);
	enc_u32(enc, pt->count);
	for (const struct posix_timer *p = pt->posix; p; p = p->next)
		posix_timer_save(enc, p);
}

static bool notify_valid(int32_t notify)
{
	return notify == SIGEV_NONE || notify == SIGEV_SIGNAL ||
	       notify == SIGEV_THREAD ||
	       notify == (SIGEV_SIGNAL | SIGEV_THREAD_ID);
}

static void posix_timer_load(struct decoder *dec, struct posix_timer *p,
			     int32_t min_id, int32_t next_id)
{
	p->id = dec_i32(dec);
	p->clock = dec_i32(dec);
	p->notify = dec_i32(dec);
	p->signo = dec_i32(dec);
	p->tid = dec_u32(dec);
	p->sival = dec_u64(dec);
	p->overrun = dec_i32(dec);
	p->overrun_last = dec_i32(dec);
	p->queued = dec_bool(dec);
	ktimer_load(dec, &p->timer);
	if (!dec_ok(dec))
		return;
	if (p->id < min_id || p->id >= next_id)
		dec_fail(dec, "POSIX timer id %d out of order", p->id);
	else if (!notify_valid(p->notify))
		dec_fail(dec, "POSIX timer %d: notify %d", p->id, p->notify);
	else if (p->notify != SIGEV_NONE &&
		 (p->signo < 1 || p->signo > SIG_COUNT))
		dec_fail(dec, "POSIX timer %d: signal %d", p->id, p->signo);
	else if (p->overrun < 0 || p->overrun_last < 0)
		dec_fail(dec, "POSIX timer %d: negative overrun", p->id);
}

static void proc_timers_load(struct decoder *dec, void *obj)
{
	struct proc_timers *pt = obj;
	pt->tg = dec_ref(dec, &codec_type_thread_group);
	ktimer_load(dec, &pt->itimer_real);
	pt->next_id = dec_i32(dec);
	uint32_t n = dec_count(dec, 45);
	if (dec_ok(dec) &&
	    (!pt->tg || pt->next_id < 0 || n > PROC_TIMERS_MAX)) {
		dec_fail(dec, "process timers are inconsistent");
		return;
	}
	struct posix_timer **tail = &pt->posix;
	int32_t min_id = 0;
	for (uint32_t i = 0; i < n && dec_ok(dec); i++) {
		struct posix_timer *p = calloc(1, sizeof(*p));
		if (!p) {
			dec_fail(dec, "out of memory");
			return;
		}
		p->owner = pt;
		*tail = p;
		tail = &p->next;
		pt->count++;
		posix_timer_load(dec, p, min_id, pt->next_id);
		min_id = p->id + 1;
	}
}

static int proc_timers_after_load(void *obj, void *ctx, struct error *err)
{
	(void)err;
	struct proc_timers *pt = obj;
	struct kernel *k = kernel_restoring(ctx);
	ktimer_restore(&pt->itimer_real, k, itimer_real_fire);
	for (struct posix_timer *p = pt->posix; p; p = p->next)
		ktimer_restore(&p->timer, k, posix_timer_fire);
	return 0;
}

/* A failed decode: the timers go, the object itself is the decoder's. */
static void proc_timers_release(void *obj)
{
	struct proc_timers *pt = obj;
	delete_posix(pt);
	ktimer_disarm(&pt->itimer_real);
}

const struct codec_type codec_type_proc_timers = {
	.name = "proc_timers",
	.version = 1,
	.size = sizeof(struct proc_timers),
	.after_load_phase = 21,
	.save = proc_timers_save,
	.load = proc_timers_load,
	.after_load = proc_timers_after_load,
	.release = proc_timers_release,
};
