#include "snapshot/chunk_pool.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "snapshot/compress.h"

struct pool_worker {
	struct chunk_pool *pool;
	struct compress_ctx ctx;
	pthread_t tid;
};

struct chunk_pool {
	pthread_mutex_t lock;
	pthread_cond_t work;       /* workers: a job was submitted, or stop */
	pthread_cond_t done;       /* writer: a job finished */
	bool stop;
	/* Counters of jobs ever released <= taken <= submitted; job k lives
	 * in slot k % nslots. */
	uint64_t released, taken, submitted;
	unsigned nslots;
	struct chunk_job *slots;
	unsigned nworkers;         /* started */
	struct pool_worker *workers;
};

void chunk_job_gather(struct chunk_job *job)
{
	size_t pos = 0;
	for (uint32_t i = 0; i < job->nseg; i++) {
		size_t n = (size_t)job->seg[i].npages * IMAGE_PAGE_SIZE;
		/* A tail carried over from an earlier call is in place already. */
		if (job->seg[i].src != job->gather + pos)
			memcpy(job->gather + pos, job->seg[i].src, n);
		pos += n;
	}
	job->seg[0].src = job->gather;
	job->seg[0].npages = job->npages;
	job->nseg = 1;
}

static void chunk_job_run(struct chunk_job *job, struct compress_ctx *ctx)
{
	if (job->nseg > 1)
		chunk_job_gather(job);
	size_t n = (size_t)job->npages * IMAGE_PAGE_SIZE;
	job->stored = job->seg[0].src;
	job->stored_size = (uint32_t)n;
	job->compression = IMAGE_COMPRESS_NONE;
	if (ctx->method != IMAGE_COMPRESS_NONE) {
		/* Capacity n - 1: a result that does not shrink the chunk is
		 * not worth a decompression on every read. */
		size_t c = compress_chunk(ctx, job->out, n - 1, job->stored, n);
		if (c > 0) {
			job->stored = job->out;
			job->stored_size = (uint32_t)c;
			job->compression = ctx->method;
		}
	}
	job->checksum = XXH3_64bits(job->stored, job->stored_size);
}

static void *pool_worker_main(void *arg)
{
	struct pool_worker *wk = arg;
	struct chunk_pool *p = wk->pool;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->stop && p->taken == p->submitted)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->stop)
			break;
		struct chunk_job *job = &p->slots[p->taken++ % p->nslots];
		pthread_mutex_unlock(&p->lock);
		chunk_job_run(job, &wk->ctx);
		pthread_mutex_lock(&p->lock);
		job->done = true;
		pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static int pool_alloc_slots(struct chunk_pool *p, unsigned nslots)
{
	p->slots = calloc(nslots, sizeof(*p->slots));
	if (!p->slots)
		return -ENOMEM;
	p->nslots = nslots;
	for (unsigned i = 0; i < nslots; i++) {
		/* malloc, not calloc: pages never touched cost no memory. */
		p->slots[i].gather = malloc(IMAGE_CHUNK_MAX_BYTES);
		p->slots[i].out = malloc(IMAGE_CHUNK_MAX_BYTES);
		if (!p->slots[i].gather || !p->slots[i].out)
			return -ENOMEM;
	}
	return 0;
}

/* Workers block every signal: signals meant for the process (a Ctrl-C
 * the CLI handles) must reach the thread that can act on them. */
static int pool_start_worker(struct pool_worker *wk)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&wk->tid, NULL, pool_worker_main, wk);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -rc;
}

static int pool_start(struct chunk_pool *p, unsigned threads,
		      uint32_t method, int level)
{
	p->workers = calloc(threads, sizeof(*p->workers));
	if (!p->workers)
		return -ENOMEM;
	for (unsigned i = 0; i < threads; i++) {
		struct pool_worker *wk = &p->workers[i];
		wk->pool = p;
		int rc = compress_ctx_init(&wk->ctx, method, level);
		if (rc == 0)
			rc = pool_start_worker(wk);
		if (rc < 0) {
			compress_ctx_fini(&wk->ctx);
			return rc;
		}
		p->nworkers++;
	}
	return 0;
}

int chunk_pool_new(struct chunk_pool **out, unsigned threads,
		   uint32_t method, int level, struct error *err)
{
	*out = NULL;
	if (threads == 0)
		threads = 1;
	struct chunk_pool *p = calloc(1, sizeof(*p));
	if (!p)
		return error_set(err, ENOMEM, "out of memory");
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	/* One slot per worker busy, as many finished or waiting to be written
	 * behind them, and the one being filled: writing never waits for a
	 * compression it could have overlapped with. */
	int rc = pool_alloc_slots(p, 2 * threads + 2);
	if (rc == 0)
		rc = pool_start(p, threads, method, level);
	if (rc < 0) {
		chunk_pool_free(p);
		return error_set_errno(err, -rc, "starting compression threads");
	}
	*out = p;
	return 0;
}

void chunk_pool_free(struct chunk_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->nworkers; i++) {
		pthread_join(p->workers[i].tid, NULL);
		compress_ctx_fini(&p->workers[i].ctx);
	}
	free(p->workers);
	for (unsigned i = 0; p->slots && i < p->nslots; i++) {
		free(p->slots[i].gather);
		free(p->slots[i].out);
	}
	free(p->slots);
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* Only the writer thread changes released and submitted, so it may read
 * them without the lock. */
bool chunk_pool_full(const struct chunk_pool *p)
{
	return p->submitted - p->released == p->nslots;
}

struct chunk_job *chunk_pool_fill(struct chunk_pool *p)
{
	return &p->slots[p->submitted % p->nslots];
}

void chunk_pool_submit(struct chunk_pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->slots[p->submitted % p->nslots].done = false;
	p->submitted++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
}

struct chunk_job *chunk_pool_oldest(struct chunk_pool *p, bool wait)
{
	if (p->released == p->submitted)
		return NULL;
	struct chunk_job *job = &p->slots[p->released % p->nslots];
	pthread_mutex_lock(&p->lock);
	while (wait && !job->done)
		pthread_cond_wait(&p->done, &p->lock);
	bool done = job->done;
	pthread_mutex_unlock(&p->lock);
	return done ? job : NULL;
}

void chunk_pool_release(struct chunk_pool *p)
{
	struct chunk_job *job = &p->slots[p->released % p->nslots];
	job->npages = job->nseg = 0;
	p->released++;
}
