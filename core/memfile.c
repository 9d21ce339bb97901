/* The memory file: a memfd, the kernel's mapping of it, and a page
 * allocator with reference counts. See memfile.h. */
#include "core/memfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The memfd grows in steps this big: ftruncate is cheap, but not free,
 * and a bigger file costs nothing until its pages are touched. */
#define MEMFILE_GROW_PAGES (64ull << 20 >> PAGE_SHIFT)

/* Out of memory in the kernel's own bookkeeping is fatal (STYLE.md). */
static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fputs("snapctl: out of memory (memory file)\n", stderr);
		abort();
	}
	return p;
}

/* ---- host resources ----------------------------------------------------- */

static void memfile_close_host(struct memfile *mf)
{
	if (!mf->base)
		return;
	munmap(mf->base, mf->max_pages * PAGE_SIZE);
	close(mf->fd);
	mf->base = NULL;
	mf->fd = -1;
	mf->file_pages = 0;
}

/* Makes a fresh, all-zero memfd of end_page pages and maps max_pages of
 * it, so the file can grow without the kernel's view ever moving. */
static int memfile_open_host(struct memfile *mf)
{
	int fd = memfd_create("snapctl-memory", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	void *p = mmap(NULL, mf->max_pages * PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (p == MAP_FAILED) {
		int e = errno;
		close(fd);
		return -e;
	}
	if (ftruncate(fd, (off_t)(mf->end_page * PAGE_SIZE)) < 0) {
		int e = errno;
		munmap(p, mf->max_pages * PAGE_SIZE);
		close(fd);
		return -e;
	}
	mf->fd = fd;
	mf->base = p;
	mf->file_pages = mf->end_page;
	return 0;
}

/* Grows the memfd to cover pages below upto (reading past its end would
 * be SIGBUS in the kernel). */
static int file_reserve(struct memfile *mf, uint64_t upto)
{
	if (!mf->base || upto <= mf->file_pages)
		return 0;
	uint64_t want = (upto + MEMFILE_GROW_PAGES - 1) / MEMFILE_GROW_PAGES *
			MEMFILE_GROW_PAGES;
	if (want > mf->max_pages)
		want = mf->max_pages;
	if (ftruncate(mf->fd, (off_t)(want * PAGE_SIZE)) < 0)
		return -errno;
	mf->file_pages = want;
	return 0;
}

/* Returns the pages' memory to the host; they read as zero afterwards.
 * memset is the fallback should the host refuse the hole punch. */
static void release_memory(struct memfile *mf, uint64_t page, uint64_t n)
{
	if (!mf->base)
		return;
	if (fallocate(mf->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)(page * PAGE_SIZE), (off_t)(n * PAGE_SIZE)) < 0)
		memset(memfile_ptr(mf, page), 0, n * PAGE_SIZE);
}

int memfile_create(struct memfile **out, uint64_t max_bytes)
{
	uint64_t max_pages = max_bytes / PAGE_SIZE;
	if (max_pages == 0 || max_pages > MEMFILE_MAX_PAGES)
		return -EINVAL;
	struct memfile *mf = calloc(1, sizeof(*mf));
	if (!mf)
		return -ENOMEM;
	mf->max_pages = max_pages;
	int rc = memfile_open_host(mf);
	if (rc < 0) {
		free(mf);
		return rc;
	}
	*out = mf;
	return 0;
}

static void memfile_release(void *obj)
{
	struct memfile *mf = obj;
	memfile_close_host(mf);
	free(mf->refs);
	free(mf->free);
	mf->refs = NULL;
	mf->free = NULL;
	mf->refs_cap = mf->nfree = mf->cap_free = 0;
}

void memfile_destroy(struct memfile *mf)
{
	if (!mf)
		return;
	memfile_release(mf);
	free(mf);
}

/* ---- free extents ------------------------------------------------------- */

static void refs_reserve(struct memfile *mf, uint64_t upto)
{
	if (upto <= mf->refs_cap)
		return;
	uint64_t cap = mf->refs_cap ? mf->refs_cap : 1024;
	while (cap < upto)
		cap *= 2;
	if (cap > mf->max_pages && upto <= mf->max_pages)
		cap = mf->max_pages;
	mf->refs = xrealloc(mf->refs, cap * sizeof(*mf->refs));
	memset(mf->refs + mf->refs_cap, 0,
	       (cap - mf->refs_cap) * sizeof(*mf->refs));
	mf->refs_cap = cap;
}

static void free_insert_at(struct memfile *mf, size_t i,
			   struct memfile_extent e)
{
	if (mf->nfree == mf->cap_free) {
		mf->cap_free = mf->cap_free ? 2 * mf->cap_free : 16;
		mf->free = xrealloc(mf->free, mf->cap_free * sizeof(*mf->free));
	}
	memmove(&mf->free[i + 1], &mf->free[i],
		(mf->nfree - i) * sizeof(*mf->free));
	mf->free[i] = e;
	mf->nfree++;
}

static void free_remove_at(struct memfile *mf, size_t i)
{
	memmove(&mf->free[i], &mf->free[i + 1],
		(mf->nfree - i - 1) * sizeof(*mf->free));
	mf->nfree--;
}

/* Adds [start, start + n) to the free list, merging with neighbours so
 * the list stays sorted and coalesced. */
static void free_add(struct memfile *mf, uint64_t start, uint64_t n)
{
	size_t lo = 0, hi = mf->nfree;
	while (lo < hi) {               /* first extent starting after us */
		size_t mid = (lo + hi) / 2;
		if (mf->free[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	bool join_prev = lo > 0 &&
			 mf->free[lo - 1].start + mf->free[lo - 1].count == start;
	bool join_next = lo < mf->nfree && start + n == mf->free[lo].start;
	if (join_prev && join_next) {
		mf->free[lo - 1].count += n + mf->free[lo].count;
		free_remove_at(mf, lo);
	} else if (join_prev) {
		mf->free[lo - 1].count += n;
	} else if (join_next) {
		mf->free[lo].start = start;
		mf->free[lo].count += n;
	} else {
		free_insert_at(mf, lo, (struct memfile_extent){ start, n });
	}
}

/* Marks [start, start + n) in use with one reference each; the range is
 * either the head of free extent i or starts in the tail (i == nfree). */
static int64_t take(struct memfile *mf, size_t i, uint64_t start, uint64_t n)
{
	if (file_reserve(mf, start + n) < 0)
		return -ENOMEM;
	if (i < mf->nfree) {
		struct memfile_extent *e = &mf->free[i];
		uint64_t used = n < e->count ? n : e->count;
		e->start += used;
		e->count -= used;
		if (e->count == 0)
			free_remove_at(mf, i);
	}
	if (start + n > mf->end_page)
		mf->end_page = start + n;
	refs_reserve(mf, start + n);
	for (uint64_t p = start; p < start + n; p++)
		mf->refs[p] = 1;
	mf->pages_in_use += n;
	return (int64_t)start;
}

/* The free space at the top: the last free extent if it reaches
 * end_page, plus everything never handed out. */
static uint64_t tail_start(const struct memfile *mf, size_t *idx)
{
	*idx = mf->nfree;
	if (mf->nfree) {
		const struct memfile_extent *e = &mf->free[mf->nfree - 1];
		if (e->start + e->count == mf->end_page) {
			*idx = mf->nfree - 1;
			return e->start;
		}
	}
	return mf->end_page;
}

/* First fit over the free extents, else the top of the file; when
 * neither has npages and partial is set, the biggest free run there is. */
static int64_t alloc_run(struct memfile *mf, uint64_t npages, bool partial,
			 uint64_t *got)
{
	*got = 0;
	if (npages > mf->max_pages && partial)
		npages = mf->max_pages;
	if (npages == 0 || npages > mf->max_pages)
		return -ENOMEM;
	size_t best = mf->nfree;
	for (size_t i = 0; i < mf->nfree; i++) {
		if (mf->free[i].count >= npages) {
			*got = npages;
			return take(mf, i, mf->free[i].start, npages);
		}
		if (best == mf->nfree || mf->free[i].count > mf->free[best].count)
			best = i;
	}
	size_t ti;
	uint64_t ts = tail_start(mf, &ti);
	uint64_t tail = mf->max_pages - ts;
	if (tail >= npages) {
		*got = npages;
		return take(mf, ti, ts, npages);
	}
	if (!partial)
		return -ENOMEM;
	if (tail > 0 && (best == mf->nfree || tail >= mf->free[best].count)) {
		*got = tail;
		return take(mf, ti, ts, tail);
	}
	if (best == mf->nfree)
		return -ENOMEM;
	*got = mf->free[best].count;
	return take(mf, best, mf->free[best].start, *got);
}

int64_t memfile_alloc_upto(struct memfile *mf, uint64_t npages,
			   uint64_t *got)
{
	int64_t page = alloc_run(mf, npages, true, got);
	if (page < 0)
		*got = 0;
	return page;
}

int64_t memfile_alloc(struct memfile *mf, uint64_t npages)
{
	uint64_t got;
	return alloc_run(mf, npages, false, &got);
}

/* ---- reference counts --------------------------------------------------- */

uint32_t memfile_refcount(const struct memfile *mf, uint64_t page)
{
	return page < mf->refs_cap ? mf->refs[page] : 0;
}

void memfile_ref(struct memfile *mf, uint64_t page, uint64_t npages)
{
	for (uint64_t p = page; p < page + npages && p < mf->refs_cap; p++)
		if (mf->refs[p] != 0 && mf->refs[p] != UINT32_MAX)
			mf->refs[p]++;
}

static void free_run(struct memfile *mf, uint64_t page, uint64_t n)
{
	free_add(mf, page, n);
	release_memory(mf, page, n);
	mf->pages_in_use -= n;
}

void memfile_unref(struct memfile *mf, uint64_t page, uint64_t npages)
{
	uint64_t run = 0, run_start = 0;
	uint64_t end = page + npages;
	if (end > mf->refs_cap || end < page)
		end = mf->refs_cap;
	for (uint64_t p = page; p < end; p++) {
		if (mf->refs[p] != 0 && --mf->refs[p] == 0) {
			if (run == 0)
				run_start = p;
			run++;
			continue;
		}
		if (run)
			free_run(mf, run_start, run);
		run = 0;
	}
	if (run)
		free_run(mf, run_start, run);
}

int memfile_for_each_used(const struct memfile *mf,
			  int (*fn)(uint64_t page, uint64_t npages, void *arg),
			  void *arg)
{
	uint64_t at = 0;
	for (size_t i = 0; i <= mf->nfree; i++) {
		uint64_t next = i < mf->nfree ? mf->free[i].start : mf->end_page;
		if (next > at) {
			int rc = fn(at, next - at, arg);
			if (rc)
				return rc;
		}
		if (i < mf->nfree)
			at = mf->free[i].start + mf->free[i].count;
	}
	return 0;
}

/* ---- serialization ------------------------------------------------------ *
 * end_page, max_pages, then the in-use pages as runs of equal reference
 * count: { u64 start, u64 count, u32 refs }, ascending, never two
 * adjacent runs with the same count (so the encoding is canonical). */

struct run_writer {
	struct encoder *enc;    /* NULL: just count */
	const struct memfile *mf;
	uint32_t nruns;
};

static int write_runs(uint64_t page, uint64_t npages, void *arg)
{
	struct run_writer *w = arg;
	const uint32_t *refs = w->mf->refs;
	for (uint64_t p = page, end = page + npages; p < end;) {
		uint64_t q = p + 1;
		while (q < end && refs[q] == refs[p])
			q++;
		if (w->enc) {
			enc_u64(w->enc, p);
			enc_u64(w->enc, q - p);
			enc_u32(w->enc, refs[p]);
		}
		w->nruns++;
		p = q;
	}
	return 0;
}

static void memfile_save(struct encoder *enc, const void *obj)
{
	const struct memfile *mf = obj;
	enc_u64(enc, mf->max_pages);
	enc_u64(enc, mf->end_page);
	struct run_writer w = { NULL, mf, 0 };
	memfile_for_each_used(mf, write_runs, &w);
	enc_u32(enc, w.nruns);
	w.enc = enc;
	w.nruns = 0;
	memfile_for_each_used(mf, write_runs, &w);
}

struct saved_run {
	uint64_t start, count;
	uint32_t refs;
};

/* Reads and checks the runs; returns a malloc'd array or NULL. */
static struct saved_run *load_runs(struct decoder *dec, uint64_t end_page,
				   uint32_t *nruns)
{
	*nruns = dec_count(dec, 8 + 8 + 4);
	if (!dec_ok(dec))
		return NULL;
	struct saved_run *r = xrealloc(NULL, (*nruns + 1) * sizeof(*r));
	uint64_t prev_end = 0;
	for (uint32_t i = 0; i < *nruns && dec_ok(dec); i++) {
		r[i].start = dec_u64(dec);
		r[i].count = dec_u64(dec);
		r[i].refs = dec_u32(dec);
		if (!dec_ok(dec))
			break;
		if (r[i].start < prev_end || r[i].start > end_page ||
		    r[i].count == 0 || r[i].count > end_page - r[i].start)
			dec_fail(dec, "page run %u (%llu+%llu) is out of order "
				 "or outside the %llu pages in use", i,
				 (unsigned long long)r[i].start,
				 (unsigned long long)r[i].count,
				 (unsigned long long)end_page);
		else if (r[i].refs == 0)
			dec_fail(dec, "page run %u has no references", i);
		else if (i > 0 && r[i].start == prev_end &&
			 r[i].refs == r[i - 1].refs)
			dec_fail(dec, "page runs %u and %u should be one", i - 1,
				 i);
		prev_end = r[i].start + r[i].count;
	}
	return r;
}

/* Rebuilds refs and the free list (the gaps between runs) from runs. */
static void rebuild_from_runs(struct memfile *mf, const struct saved_run *r,
			      uint32_t nruns)
{
	uint64_t at = 0;
	if (nruns) {
		mf->refs = calloc(r[nruns - 1].start + r[nruns - 1].count,
				  sizeof(*mf->refs));
		if (!mf->refs)
			return;
		mf->refs_cap = r[nruns - 1].start + r[nruns - 1].count;
	}
	for (uint32_t i = 0; i < nruns; i++) {
		if (r[i].start > at)
			free_add(mf, at, r[i].start - at);
		for (uint64_t p = r[i].start; p < r[i].start + r[i].count; p++)
			mf->refs[p] = r[i].refs;
		mf->pages_in_use += r[i].count;
		at = r[i].start + r[i].count;
	}
	if (mf->end_page > at)
		free_add(mf, at, mf->end_page - at);
}

static void memfile_load(struct decoder *dec, void *obj)
{
	struct memfile *mf = obj;
	mf->fd = -1;
	mf->max_pages = dec_u64_range(dec, 1, MEMFILE_MAX_PAGES,
				      "reservation (pages)");
	mf->end_page = dec_u64_range(dec, 0, mf->max_pages, "end page");
	uint32_t nruns;
	struct saved_run *runs = load_runs(dec, mf->end_page, &nruns);
	if (dec_ok(dec)) {
		rebuild_from_runs(mf, runs, nruns);
		if (nruns && !mf->refs)
			dec_fail(dec, "out of memory for reference counts");
	}
	free(runs);
}

/* ctx (the kernel being restored) is not needed: the memory file stands
 * alone. The page contents are written afterwards by the snapshot layer. */
static int memfile_after_load(void *obj, void *ctx, struct error *err)
{
	(void)ctx;
	struct memfile *mf = obj;
	int rc = memfile_open_host(mf);
	if (rc < 0)
		return error_set_errno(err, -rc, "memory file of %llu MiB",
				       (unsigned long long)(mf->max_pages >> 8));
	return 0;
}

const struct codec_type codec_type_memfile = {
	.name = "memfile",
	.version = 1,
	.size = sizeof(struct memfile),
	.after_load_phase = 0,
	.save = memfile_save,
	.load = memfile_load,
	.after_load = memfile_after_load,
	.release = memfile_release,
};
