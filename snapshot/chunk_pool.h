/* Compressing memory chunks on several threads while one thread (the
 * image writer) fills new chunks and writes finished ones in order.
 *
 * The pool is a ring of job slots; its size bounds the memory in flight
 * (about 2 MiB per slot). The writer fills the slot chunk_pool_fill()
 * returns, submits it, and takes finished jobs back with
 * chunk_pool_oldest() in submission order -- which is chunk order in the
 * file -- releasing each after writing it. Workers gather the job's pages
 * into one buffer (unless they are contiguous already), compress, fall
 * back to raw when compression does not shrink the chunk, and hash the
 * stored bytes. */
#ifndef SNAPSHOT_CHUNK_POOL_H
#define SNAPSHOT_CHUNK_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "snapshot/error.h"
#include "snapshot/image_format.h"

/* npages pages at src, consecutive in memory. */
struct chunk_seg {
	const uint8_t *src;
	uint32_t npages;
};

struct chunk_job {
	/* Filled by the writer. Segment memory must stay valid until the job
	 * is released. */
	uint32_t npages;
	uint32_t nseg;
	struct chunk_seg seg[IMAGE_CHUNK_MAX_PAGES];
	uint8_t *gather;           /* IMAGE_CHUNK_MAX_BYTES, owned by the slot */

	/* Set by the worker. stored points at the gather buffer, the output
	 * buffer or (single segment, stored raw) the segment itself. */
	const uint8_t *stored;
	uint32_t stored_size;
	uint32_t compression;
	uint64_t checksum;

	uint8_t *out;              /* IMAGE_CHUNK_MAX_BYTES, owned by the slot */
	bool done;
};

struct chunk_pool;

/* Starts `threads` workers (at least one) compressing with method/level. */
int chunk_pool_new(struct chunk_pool **out, unsigned threads,
		   uint32_t method, int level, struct error *err);

/* Stops the workers and frees every slot. Jobs still queued are dropped
 * (after the worker on each finishes). */
void chunk_pool_free(struct chunk_pool *p);

/* True when every slot is submitted and not yet released: the writer must
 * take the oldest job before filling another. */
bool chunk_pool_full(const struct chunk_pool *p);

/* The slot to fill next (npages = nseg = 0). Only when !chunk_pool_full;
 * returns the same slot until it is submitted. */
struct chunk_job *chunk_pool_fill(struct chunk_pool *p);

/* Hands the filled slot to the workers. */
void chunk_pool_submit(struct chunk_pool *p);

/* The oldest submitted, unreleased job, once finished: waits for it when
 * `wait`, else returns NULL if it is still being worked on. NULL when no
 * job is in flight. */
struct chunk_job *chunk_pool_oldest(struct chunk_pool *p, bool wait);

/* Frees the oldest job's slot for reuse. */
void chunk_pool_release(struct chunk_pool *p);

/* Copies the job's segments into its gather buffer, leaving one segment.
 * The writer uses it to keep a partly filled chunk across calls whose
 * memory it may not keep pointing into. */
void chunk_job_gather(struct chunk_job *job);

#endif
