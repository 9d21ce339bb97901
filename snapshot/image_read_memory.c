/* Reading memory out of an opened image: one chunk, or all of them on
 * several threads. Each chunk's checksum is verified right before it is
 * decompressed (image_open checked only the chunk table), and it must
 * decompress to exactly its page count. */
#include "snapshot/image_reader.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "snapshot/compress.h"

#define READER_MAX_THREADS 64u

static int chunk_decode(const struct image *img, uint32_t chunk, void *dst,
			struct decompress_ctx *d, struct error *err)
{
	const struct image_disk_chunk *c = &img->chunks[chunk];
	const uint8_t *src = img->memdata + c->offset;
	if (XXH3_64bits(src, c->stored_size) != c->checksum)
		return error_set(err, EBADMSG, "section 'memory-data' checksum "
				 "mismatch at chunk %u", chunk);
	int rc = decompress_chunk(d, c->compression, dst,
				  (size_t)c->npages * IMAGE_PAGE_SIZE, src,
				  c->stored_size);
	if (rc == -ENOMEM)
		return error_set(err, ENOMEM, "out of memory");
	if (rc < 0)
		return error_set(err, EBADMSG, "section 'memory-data': chunk "
				 "%u does not decompress to %u pages", chunk,
				 c->npages);
	return 0;
}

int image_read_chunk(const struct image *img, uint32_t chunk, void *dst,
		     struct error *err)
{
	if (chunk >= img->nchunks)
		return error_set(err, EINVAL, "no chunk %u: the image has %zu",
				 chunk, img->nchunks);
	struct decompress_ctx d = { 0 };
	int rc = chunk_decode(img, chunk, dst, &d, err);
	decompress_ctx_fini(&d);
	return rc;
}

/* Shared by the threads of one image_read_memory call. */
struct memory_read {
	const struct image *img;
	uint8_t *base;                 /* NULL: verify only */
	uint32_t next;                 /* next chunk to take (atomic) */
	bool failed;                   /* stop taking chunks (atomic) */
	pthread_mutex_t lock;
	uint32_t err_chunk;            /* the lowest failing chunk ... */
	struct error err;              /* ... and why */
};

/* The common case, a chunk holding one run, decompresses straight into
 * place; any other goes through scratch and is scattered by run. */
static int chunk_restore(struct memory_read *mr, uint32_t chunk,
			 struct decompress_ctx *d, uint8_t **scratch,
			 struct error *err)
{
	const struct image *img = mr->img;
	const size_t *start = img->chunk_run_start;
	const struct image_page_run *one =
		start[chunk + 1] - start[chunk] == 1 ?
		&img->runs[img->chunk_runs[start[chunk]]] : NULL;
	if (mr->base && one && one->chunk_page == 0 &&
	    one->npages == img->chunks[chunk].npages)
		return chunk_decode(img, chunk,
				    mr->base + one->first_page * IMAGE_PAGE_SIZE,
				    d, err);
	if (!*scratch && !(*scratch = malloc(IMAGE_CHUNK_MAX_BYTES)))
		return error_set(err, ENOMEM, "out of memory");
	int rc = chunk_decode(img, chunk, *scratch, d, err);
	for (size_t i = start[chunk]; rc == 0 && mr->base && i < start[chunk + 1]; i++) {
		const struct image_page_run *r = &img->runs[img->chunk_runs[i]];
		memcpy(mr->base + r->first_page * IMAGE_PAGE_SIZE,
		       *scratch + (size_t)r->chunk_page * IMAGE_PAGE_SIZE,
		       (size_t)r->npages * IMAGE_PAGE_SIZE);
	}
	return rc;
}

static void read_note_error(struct memory_read *mr, uint32_t chunk,
			    const struct error *e)
{
	__atomic_store_n(&mr->failed, true, __ATOMIC_RELAXED);
	pthread_mutex_lock(&mr->lock);
	if (!mr->err.code || chunk < mr->err_chunk) {
		mr->err = *e;
		mr->err_chunk = chunk;
	}
	pthread_mutex_unlock(&mr->lock);
}

static void *read_worker(void *arg)
{
	struct memory_read *mr = arg;
	struct decompress_ctx d = { 0 };
	uint8_t *scratch = NULL;
	while (!__atomic_load_n(&mr->failed, __ATOMIC_RELAXED)) {
		uint32_t c = __atomic_fetch_add(&mr->next, 1, __ATOMIC_RELAXED);
		if (c >= mr->img->nchunks)
			break;
		struct error e = { 0 };
		if (chunk_restore(mr, c, &d, &scratch, &e) < 0)
			read_note_error(mr, c, &e);
	}
	free(scratch);
	decompress_ctx_fini(&d);
	return NULL;
}

static unsigned read_threads(const struct image *img, unsigned asked)
{
	if (asked == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		asked = n > 0 ? (unsigned)n : 1;
	}
	if (asked > READER_MAX_THREADS)
		asked = READER_MAX_THREADS;
	return asked < img->nchunks ? asked : (unsigned)img->nchunks;
}

/* The calling thread works too; helpers that fail to start are simply
 * missing (fewer threads, same result). Helpers block all signals so the
 * process's signals reach the caller. */
static int read_chunks(const struct image *img, uint8_t *base,
		       unsigned threads, struct error *err)
{
	struct memory_read mr = { .img = img, .base = base };
	pthread_mutex_init(&mr.lock, NULL);
	unsigned n = read_threads(img, threads), started = 0;
	pthread_t tids[READER_MAX_THREADS];
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	while (started + 1 < n &&
	       pthread_create(&tids[started], NULL, read_worker, &mr) == 0)
		started++;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	read_worker(&mr);
	for (unsigned i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	pthread_mutex_destroy(&mr.lock);
	if (mr.err.code)
		return error_set(err, mr.err.code, "%s", mr.err.msg);
	return 0;
}

int image_read_memory(const struct image *img, void *base, unsigned threads,
		      struct error *err)
{
	if (!base && img->nchunks)
		return error_set(err, EINVAL, "no memory to read into");
	return read_chunks(img, base, threads, err);
}

int image_verify_memory(const struct image *img, unsigned threads,
			struct error *err)
{
	return read_chunks(img, NULL, threads, err);
}
