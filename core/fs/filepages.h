/* The page index of a memory-backed file: file page number -> memory-file
 * page, for the pages that hold data (absent pages are holes and read as
 * zero). Upper-layer, tmpfs and memfd files keep their bytes this way, in
 * the memory file (DESIGN.md "Files"), so a checkpoint saves them with the
 * rest of application memory and a shared file mapping can map the very
 * same pages.
 *
 * A radix tree of 64-slot nodes whose height grows with the highest index
 * (like Linux's xarray): a small file costs one node, a sparse huge one
 * only the nodes on the paths to its pages. Each page in the index holds
 * one memory-file reference, which the index owns.
 *
 * Out of memory for the tree itself is fatal (kernel bookkeeping,
 * STYLE.md); memory-file exhaustion is the caller's -ENOSPC. */
#ifndef CORE_FS_FILEPAGES_H
#define CORE_FS_FILEPAGES_H

#include <stdbool.h>
#include <stdint.h>

struct fp_node;
struct memfile;

/* Indexes below this: 6 levels of 6 bits, files up to 2^48 bytes. */
#define FILEPAGES_INDEX_LIMIT (1ull << 36)

struct filepages {
	struct fp_node *root;      /* NULL when empty */
	unsigned height;           /* levels below root, 0 when empty */
	uint64_t count;            /* pages present */
};

/* Stores the memory-file page of file page idx in *mpage; false if the
 * page is a hole. */
bool filepages_lookup(const struct filepages *fp, uint64_t idx,
		      uint64_t *mpage);
/* Makes idx map mpage; the index takes over the caller's reference. idx
 * must be below FILEPAGES_INDEX_LIMIT and absent. */
void filepages_set(struct filepages *fp, uint64_t idx, uint64_t mpage);
/* Removes every page at or above idx, dropping each one's memory-file
 * reference (mf may be NULL: a decode that failed throws the memory
 * file away, and the references with it). */
void filepages_truncate(struct filepages *fp, struct memfile *mf,
			uint64_t idx);

/* Calls fn for each maximal run of present pages in [lo, hi) whose file
 * and memory-file page numbers both ascend by one, in ascending order;
 * stops at and returns fn's first non-zero result. */
typedef int (*filepages_run_fn)(uint64_t idx, uint64_t mpage, uint64_t n,
				void *arg);
int filepages_for_each_run(const struct filepages *fp, uint64_t lo,
			   uint64_t hi, filepages_run_fn fn, void *arg);

#endif
