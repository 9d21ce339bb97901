/* Memory pages into chunks: the writer side of the memory index.
 *
 * The calling thread scans pages (all-zero ones are skipped), gathers the
 * others into chunks of up to IMAGE_CHUNK_MAX_PAGES and hands each to the
 * chunk pool; while workers compress, it writes finished chunks in order.
 * A call returns only when no chunk points into its memory any more: the
 * last, partly filled chunk is copied into the pool's buffer so the next
 * call can keep filling it. */
#include "snapshot/image_writer.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* More threads than this only add memory in flight. */
#define WRITER_MAX_THREADS 64u

/* Pages that are not zero nearly always differ in their first bytes, so
 * one 64-byte line is tested at a time and the first non-zero ends it. */
static bool page_is_zero(const uint8_t *p)
{
	for (size_t off = 0; off < IMAGE_PAGE_SIZE; off += 64) {
		uint64_t w[8];
		memcpy(w, p + off, sizeof(w));
		if (w[0] | w[1] | w[2] | w[3] | w[4] | w[5] | w[6] | w[7])
			return false;
	}
	return true;
}

static unsigned writer_threads(unsigned asked)
{
	if (asked == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		asked = n > 0 ? (unsigned)n : 1;
	}
	return asked < WRITER_MAX_THREADS ? asked : WRITER_MAX_THREADS;
}

static int memory_start(struct image_writer *w, struct error *err)
{
	struct writer_memory *m = &w->mem;
	if (!m->started) {
		m->started = true;
		m->data_offset = w->end;
	}
	if (m->pool)
		return 0;
	int rc = chunk_pool_new(&m->pool, writer_threads(w->opts.threads),
				w->opts.compression, w->opts.level, err);
	return rc < 0 ? error_prefix(err, "%s", w->path) : 0;
}

static int memory_write_job(struct image_writer *w, struct chunk_job *job,
			    struct error *err)
{
	struct writer_memory *m = &w->mem;
	if (writer_grow((void **)&m->chunks, &m->cap_chunks, m->nchunks + 1,
			sizeof(*m->chunks)) < 0)
		return error_set(err, ENOMEM, "out of memory");
	int rc = writer_append(w, job->stored, job->stored_size, err);
	if (rc < 0)
		return rc;
	m->chunks[m->nchunks++] = (struct image_disk_chunk){
		.offset = m->data_length,
		.stored_size = job->stored_size,
		.npages = job->npages,
		.compression = job->compression,
		.checksum = job->checksum,
	};
	m->data_length += job->stored_size;
	chunk_pool_release(m->pool);
	return 0;
}

/* Writes the finished chunks at the head of the queue; with `wait`, every
 * chunk submitted. */
static int memory_write_done(struct image_writer *w, bool wait,
			     struct error *err)
{
	struct chunk_job *job;
	while ((job = chunk_pool_oldest(w->mem.pool, wait))) {
		int rc = memory_write_job(w, job, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The chunk being filled, after making room for it if every slot is in
 * flight. */
static int memory_fill_job(struct image_writer *w, struct chunk_job **job,
			   struct error *err)
{
	struct chunk_pool *p = w->mem.pool;
	while (chunk_pool_full(p)) {
		int rc = memory_write_job(w, chunk_pool_oldest(p, true), err);
		if (rc < 0)
			return rc;
	}
	*job = chunk_pool_fill(p);
	return 0;
}

static int memory_submit(struct image_writer *w, struct error *err)
{
	chunk_pool_submit(w->mem.pool);
	w->mem.chunks_submitted++;
	return memory_write_done(w, false, err);
}

static int memory_note_run(struct image_writer *w, uint64_t page,
			   uint32_t npages, uint32_t chunk_page,
			   struct error *err)
{
	struct writer_memory *m = &w->mem;
	if (m->chunks_submitted >= UINT32_MAX)
		return error_set(err, EFBIG, "%s: too many chunks", w->path);
	uint32_t chunk = (uint32_t)m->chunks_submitted;
	struct image_page_run *last = m->nruns ? &m->runs[m->nruns - 1] : NULL;
	if (last && last->chunk == chunk &&
	    last->first_page + last->npages == page &&
	    last->chunk_page + last->npages == chunk_page) {
		last->npages += npages;
		return 0;
	}
	if (writer_grow((void **)&m->runs, &m->cap_runs, m->nruns + 1,
			sizeof(*m->runs)) < 0)
		return error_set(err, ENOMEM, "out of memory");
	m->runs[m->nruns++] = (struct image_page_run){
		.first_page = page, .npages = npages,
		.chunk = chunk, .chunk_page = chunk_page,
	};
	return 0;
}

/* Adds n non-zero pages at src, pages page.., to the filling chunk (which
 * has room for them). */
static int memory_add_stretch(struct image_writer *w, struct chunk_job *job,
			      uint64_t page, const uint8_t *src, uint32_t n,
			      struct error *err)
{
	int rc = memory_note_run(w, page, n, job->npages, err);
	if (rc < 0)
		return rc;
	struct chunk_seg *last = job->nseg ? &job->seg[job->nseg - 1] : NULL;
	if (last && last->src + (size_t)last->npages * IMAGE_PAGE_SIZE == src)
		last->npages += n;
	else
		job->seg[job->nseg++] = (struct chunk_seg){ src, n };
	job->npages += n;
	return job->npages == IMAGE_CHUNK_MAX_PAGES ? memory_submit(w, err)
						    : 0;
}

static int memory_scan(struct image_writer *w, uint64_t first_page,
		       const uint8_t *base, uint64_t npages,
		       struct error *err)
{
	for (uint64_t i = 0; i < npages;) {
		const uint8_t *pg = base + i * IMAGE_PAGE_SIZE;
		if (page_is_zero(pg)) {
			i++;
			continue;
		}
		struct chunk_job *job;
		int rc = memory_fill_job(w, &job, err);
		if (rc < 0)
			return rc;
		uint64_t room = IMAGE_CHUNK_MAX_PAGES - job->npages, j = i + 1;
		while (j < npages && j - i < room &&
		       !page_is_zero(base + j * IMAGE_PAGE_SIZE))
			j++;
		rc = memory_add_stretch(w, job, first_page + i, pg,
					(uint32_t)(j - i), err);
		if (rc < 0)
			return rc;
		i = j;
	}
	return 0;
}

/* The filling chunk, if it holds pages (it is not in flight). */
static struct chunk_job *memory_partial_job(struct writer_memory *m)
{
	if (!m->pool || chunk_pool_full(m->pool))
		return NULL;
	struct chunk_job *job = chunk_pool_fill(m->pool);
	return job->npages ? job : NULL;
}

static int memory_add(struct image_writer *w, uint64_t first_page,
		      const uint8_t *base, uint64_t npages, struct error *err)
{
	int rc = memory_start(w, err);
	if (rc == 0)
		rc = memory_scan(w, first_page, base, npages, err);
	if (rc < 0)
		return rc;
	struct chunk_job *partial = memory_partial_job(&w->mem);
	if (partial)
		chunk_job_gather(partial);
	return memory_write_done(w, true, err);
}

int image_writer_add_memory(struct image_writer *w, uint64_t first_page,
			    const void *base, uint64_t npages,
			    struct error *err)
{
	struct writer_memory *m = &w->mem;
	if (w->failed)
		return error_set(err, w->failure.code, "%s", w->failure.msg);
	if (npages == 0)
		return 0;
	if (!base)
		return error_set(err, EINVAL, "%s: no memory to add", w->path);
	if (first_page < m->next_page)
		return error_set(err, EINVAL, "%s: memory pages must be added "
				 "in increasing order (page %llu after %llu)",
				 w->path, (unsigned long long)first_page,
				 (unsigned long long)m->next_page);
	if (first_page > IMAGE_PAGE_LIMIT || npages > IMAGE_PAGE_LIMIT - first_page)
		return error_set(err, EINVAL, "%s: page numbers too large",
				 w->path);
	struct error e = { 0 };
	int rc = memory_add(w, first_page, base, npages, &e);
	if (rc < 0) {
		writer_fail(w, &e);
		return error_set(err, e.code, "%s", e.msg);
	}
	m->next_page = first_page + npages;
	m->pages_total += npages;
	return 0;
}

static uint8_t *encode_runs(uint8_t *p, const struct writer_memory *m)
{
	for (size_t i = 0; i < m->nruns; i++) {
		const struct image_page_run *r = &m->runs[i];
		struct image_disk_run d = {
			.first_page = htole64(r->first_page),
			.npages = htole32(r->npages),
			.chunk = htole32(r->chunk),
			.chunk_page = htole32(r->chunk_page),
		};
		memcpy(p, &d, sizeof(d));
		p += sizeof(d);
	}
	return p;
}

static uint8_t *encode_chunks(uint8_t *p, const struct writer_memory *m)
{
	for (size_t i = 0; i < m->nchunks; i++) {
		const struct image_disk_chunk *c = &m->chunks[i];
		struct image_disk_chunk d = {
			.offset = htole64(c->offset),
			.stored_size = htole32(c->stored_size),
			.npages = htole32(c->npages),
			.compression = htole32(c->compression),
			.checksum = htole64(c->checksum),
		};
		memcpy(p, &d, sizeof(d));
		p += sizeof(d);
	}
	return p;
}

/* The memory-index section (IMAGE.md), malloc'ed. */
static void *memory_encode_index(const struct image_writer *w, size_t *len)
{
	const struct writer_memory *m = &w->mem;
	struct image_disk_memindex h = {
		.page_size = htole32(IMAGE_PAGE_SIZE),
		.compression = htole32(w->opts.compression),
		.run_entry_size = htole32(sizeof(struct image_disk_run)),
		.chunk_entry_size = htole32(sizeof(struct image_disk_chunk)),
		.nruns = htole64(m->nruns),
		.nchunks = htole64(m->nchunks),
		.pages_total = htole64(m->pages_total),
	};
	*len = sizeof(h) + m->nruns * sizeof(struct image_disk_run) +
	       m->nchunks * sizeof(struct image_disk_chunk);
	uint8_t *buf = malloc(*len);
	if (!buf)
		return NULL;
	memcpy(buf, &h, sizeof(h));
	encode_chunks(encode_runs(buf + sizeof(h), m), m);
	return buf;
}

static int memory_note_data(struct image_writer *w, struct error *err)
{
	struct writer_memory *m = &w->mem;
	uint64_t *sums = malloc(m->nchunks ? m->nchunks * sizeof(*sums) : 1);
	if (!sums)
		return error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < m->nchunks; i++)
		sums[i] = htole64(m->chunks[i].checksum);
	uint64_t digest = image_memdata_digest(sums, m->nchunks);
	free(sums);
	return writer_note_section(w, IMAGE_SECTION_MEMDATA, m->data_offset,
				   m->data_length, digest, err);
}

int writer_memory_finish(struct image_writer *w, void **index,
			 size_t *index_len, struct error *err)
{
	struct writer_memory *m = &w->mem;
	int rc = 0;
	if (memory_partial_job(m))
		rc = memory_submit(w, err);
	if (rc == 0 && m->pool)
		rc = memory_write_done(w, true, err);
	if (rc < 0)
		return rc;
	if (!m->started) {
		m->started = true;
		m->data_offset = w->end;
	}
	rc = memory_note_data(w, err);
	if (rc < 0)
		return rc;
	*index = memory_encode_index(w, index_len);
	return *index ? 0 : error_set(err, ENOMEM, "out of memory");
}

void writer_memory_free(struct writer_memory *m)
{
	chunk_pool_free(m->pool);
	m->pool = NULL;
	free(m->runs);
	free(m->chunks);
}
