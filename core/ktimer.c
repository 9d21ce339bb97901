#include "core/ktimer.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/kernel.h"

struct ktimer_queue {
	struct ktimer *armed;       /* unsorted: a process has few timers */
	pthread_cond_t cond;        /* the timer thread sleeps here */
	pthread_t thread;
	bool thread_started;
	bool stopping;
};

void ktimer_init(struct ktimer *t, struct kernel *k, ktimer_fire_fn fire)
{
	memset(t, 0, sizeof(*t));
	t->kernel = k;
	t->fire = fire;
}

static void queue_unlink(struct ktimer *t)
{
	if (!t->queued)
		return;
	struct ktimer_queue *q = t->kernel->timerq;
	if (t->prev)
		t->prev->next = t->next;
	else
		q->armed = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->next = t->prev = NULL;
	t->queued = false;
}

/* Puts t on the armed list and makes the timer thread recompute its
 * sleep. Without a queue (a kernel being torn down) t stays unqueued. */
static void queue_link(struct ktimer *t)
{
	struct ktimer_queue *q = t->kernel ? t->kernel->timerq : NULL;
	if (!q)
		return;
	if (!t->queued) {
		t->prev = NULL;
		t->next = q->armed;
		if (q->armed)
			q->armed->prev = t;
		q->armed = t;
		t->queued = true;
	}
	pthread_cond_broadcast(&q->cond);
}

void ktimer_arm(struct ktimer *t, int64_t expiry_ns, int64_t interval_ns)
{
	t->expiry_ns = expiry_ns > 0 ? expiry_ns : 1;
	t->interval_ns = interval_ns > 0 ? interval_ns : 0;
	queue_link(t);
}

void ktimer_disarm(struct ktimer *t)
{
	queue_unlink(t);
	t->expiry_ns = 0;
	t->interval_ns = 0;
}

int64_t ktimer_remaining(const struct ktimer *t)
{
	if (!ktimer_armed(t))
		return 0;
	int64_t left = t->expiry_ns - kernel_monotonic_ns(t->kernel);
	return left > 0 ? left : 1;
}

/* Advances a due timer: the next expiry of an interval timer (counting
 * the intervals that elapsed), or disarmed; then its action. */
static void expire(struct ktimer *t, int64_t now)
{
	uint64_t n = 1;
	if (t->interval_ns) {
		n += (uint64_t)(now - t->expiry_ns) / (uint64_t)t->interval_ns;
		t->expiry_ns += (int64_t)n * t->interval_ns;
	} else {
		queue_unlink(t);
		t->expiry_ns = 0;
	}
	if (t->fire)
		t->fire(t, n);
}

void ktimer_run_if_due(struct ktimer *t)
{
	if (!ktimer_armed(t) || t->kernel->freezing)
		return;
	int64_t now = kernel_monotonic_ns(t->kernel);
	if (t->expiry_ns <= now)
		expire(t, now);
}

static struct ktimer *earliest(const struct ktimer_queue *q)
{
	struct ktimer *best = q->armed;
	for (struct ktimer *t = q->armed; t; t = t->next)
		if (t->expiry_ns < best->expiry_ns)
			best = t;
	return best;
}

/* Sleeps until the host's CLOCK_MONOTONIC reaches the application
 * time app_ns, or a kick. */
static void sleep_until(struct kernel *k, int64_t app_ns)
{
	int64_t host = app_ns - k->monotonic_offset_ns;
	if (host < 0)
		host = 0;
	struct timespec ts = { host / KTIMER_NSEC_PER_SEC,
			       host % KTIMER_NSEC_PER_SEC };
	pthread_cond_timedwait(&k->timerq->cond, &k->lock, &ts);
}

static void *timer_thread(void *arg)
{
	struct kernel *k = arg;
	struct ktimer_queue *q = k->timerq;
	kernel_lock(k);
	while (!q->stopping) {
		/* A frozen sandbox must hold still: nothing fires (and no
		 * signal is queued) until the thaw kicks us. */
		if (k->freezing || !q->armed) {
			pthread_cond_wait(&q->cond, &k->lock);
			continue;
		}
		struct ktimer *t = earliest(q);
		int64_t now = kernel_monotonic_ns(k);
		if (t->expiry_ns <= now)
			expire(t, now);
		else
			sleep_until(k, t->expiry_ns);
	}
	kernel_unlock(k);
	return NULL;
}

int ktimer_queue_create(struct kernel *k)
{
	struct ktimer_queue *q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cond, &attr);
	pthread_condattr_destroy(&attr);
	k->timerq = q;
	return 0;
}

int ktimer_thread_start(struct kernel *k)
{
	struct ktimer_queue *q = k->timerq;
	if (!q)
		return -EINVAL;
	kernel_lock(k);
	int rc = 0;
	if (!q->thread_started) {
		rc = -pthread_create(&q->thread, NULL, timer_thread, k);
		q->thread_started = rc == 0;
	}
	kernel_unlock(k);
	return rc;
}

void ktimer_queue_destroy(struct kernel *k)
{
	struct ktimer_queue *q = k->timerq;
	if (!q)
		return;
	if (q->thread_started) {
		kernel_lock(k);
		q->stopping = true;
		pthread_cond_broadcast(&q->cond);
		kernel_unlock(k);
		pthread_join(q->thread, NULL);
	}
	/* Owners freed later find their timers unqueued. */
	while (q->armed)
		queue_unlink(q->armed);
	k->timerq = NULL;
	pthread_cond_destroy(&q->cond);
	free(q);
}

void ktimer_kick(struct kernel *k)
{
	if (k->timerq)
		pthread_cond_broadcast(&k->timerq->cond);
}

/* ---- serialization ---------------------------------------------------- */

void ktimer_save(struct encoder *enc, const struct ktimer *t)
{
	enc_i64(enc, t->expiry_ns);
	enc_i64(enc, t->interval_ns);
}

void ktimer_load(struct decoder *dec, struct ktimer *t)
{
	t->expiry_ns = dec_i64(dec);
	t->interval_ns = dec_i64(dec);
	if (t->expiry_ns < 0 || t->interval_ns < 0) {
		dec_fail(dec, "timer with a negative expiry or interval");
		t->expiry_ns = t->interval_ns = 0;
	}
}

void ktimer_restore(struct ktimer *t, struct kernel *k, ktimer_fire_fn fire)
{
	t->kernel = k;
	t->fire = fire;
	t->next = t->prev = NULL;
	t->queued = false;
	if (ktimer_armed(t))
		queue_link(t);
}
