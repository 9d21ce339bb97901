/* The memory file: one memfd that holds every byte of application memory
 * (DESIGN.md invariant 4), with a page allocator and per-page reference
 * counts (pages shared copy-on-write after fork count their sharers).
 *
 * The kernel maps the whole file into its own address space once (a large
 * MAP_NORESERVE reservation), so it reads and writes application memory
 * with plain memory accesses; platforms map ranges of the file into
 * application address spaces. Freed pages are hole-punched, so a page
 * handed out by memfile_alloc always reads as zero.
 *
 * Saved state: the page-number ranges in use with their reference counts;
 * the bytes go to the image's memory chunks (snapshot/), keyed by page
 * number, and come back into the same page numbers at restore: the
 * after-load hook (phase 0, before anything maps memory) makes a fresh,
 * all-zero memfd of end_page pages, and the snapshot layer then copies
 * each saved page into memfile_ptr(mf, page). Pages the image does not
 * list stay zero, which is what an elided zero page means.
 *
 * Locking: the kernel lock, like everything in core/. */
#ifndef CORE_MEMFILE_H
#define CORE_MEMFILE_H

#include <stddef.h>
#include <stdint.h>

#include "snapshot/codec.h"

/* PAGE_SIZE and PAGE_SHIFT: <sys/user.h> defines them (4096, 12), and
 * platform/cpu.h includes it, so they are taken from there everywhere. */
#include <sys/user.h>

/* Largest reservation, and so the largest memory file an image may
 * describe: bounds what a crafted image can make the decoder allocate
 * (4 bytes of reference count per page in use). */
#define MEMFILE_MAX_BYTES (1ull << 40)
#define MEMFILE_MAX_PAGES (MEMFILE_MAX_BYTES / PAGE_SIZE)

/* A run of free pages [start, start + count). */
struct memfile_extent {
	uint64_t start, count;
};

struct memfile {
	int fd;                    /* host-only: the memfd; valid only while
	                              base is non-NULL */
	uint8_t *base;             /* host-only: kernel mapping of the file
	                              (max_pages long), or NULL */
	uint64_t file_pages;       /* host-only: the memfd's size, grown in
	                              steps ahead of end_page */
	uint64_t max_pages;        /* size of the reservation */
	uint64_t end_page;         /* pages below this have been handed out
	                              at least once */
	uint32_t *refs;            /* refs[page] for pages < refs_cap; pages
	                              at or above refs_cap are free */
	uint64_t refs_cap;
	struct memfile_extent *free; /* free runs below end_page, sorted,
	                                coalesced */
	size_t nfree, cap_free;
	uint64_t pages_in_use;
};

/* Creates an empty memory file able to grow to max_bytes (rounded down
 * to pages); -EINVAL if that is no page or more than MEMFILE_MAX_BYTES,
 * or the host's -errno for the memfd and its mapping. */
int memfile_create(struct memfile **out, uint64_t max_bytes);
void memfile_destroy(struct memfile *mf);

/* Allocates npages contiguous zeroed pages, each with one reference;
 * returns the first page number, or -ENOMEM. */
int64_t memfile_alloc(struct memfile *mf, uint64_t npages);
/* Like memfile_alloc, but when no run of npages is free it settles for
 * the largest free run there is: allocates 1..npages contiguous pages,
 * stores how many in *got and returns the first, or -ENOMEM when the file
 * is full. For callers that want few, large runs but can use pieces. */
int64_t memfile_alloc_upto(struct memfile *mf, uint64_t npages,
			   uint64_t *got);

/* Adds / drops one reference to each page of [page, page + npages).
 * A page whose count drops to zero is freed and its memory released
 * (hole-punched); the pages of the range that reach zero are freed as
 * runs, not one by one. Pages that are not in use are skipped: that is a
 * kernel bug or an inconsistent image, and must not corrupt the
 * allocator. */
void memfile_ref(struct memfile *mf, uint64_t page, uint64_t npages);
void memfile_unref(struct memfile *mf, uint64_t page, uint64_t npages);
uint32_t memfile_refcount(const struct memfile *mf, uint64_t page);

static inline void *memfile_ptr(const struct memfile *mf, uint64_t page)
{
	return mf->base + page * PAGE_SIZE;
}

/* Calls fn for each maximal run of in-use pages, in ascending order. */
int memfile_for_each_used(const struct memfile *mf,
			  int (*fn)(uint64_t page, uint64_t npages, void *arg),
			  void *arg);

extern const struct codec_type codec_type_memfile;

#endif
