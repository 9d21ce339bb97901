/* The page table of an address space: virtual page number -> memory-file
 * page number, for the pages that have been filled in.
 *
 * A four-level radix tree of 512-entry nodes (like x86-64's own), so a
 * lookup is four loads, memory is proportional to the pages present, and
 * walking a range skips empty subtrees -- munmap of a huge, barely
 * touched reservation costs what was touched, not its size.
 *
 * Internal to core/mm*.c. Out of memory for the tree itself is fatal
 * (kernel bookkeeping, STYLE.md). */
#ifndef CORE_MM_PAGETABLE_H
#define CORE_MM_PAGETABLE_H

#include <stdbool.h>
#include <stdint.h>

struct mm_pagetable;

/* Virtual page numbers the table can hold: 36 bits, beyond x86-64's 35
 * bits of user pages. */
#define MM_PT_VPN_LIMIT (1ull << 36)

struct mm_pagetable *mm_pt_create(void);
void mm_pt_destroy(struct mm_pagetable *pt);

/* Pages present. */
uint64_t mm_pt_count(const struct mm_pagetable *pt);

/* Stores the memory-file page of vpn in *mpage; false if absent. */
bool mm_pt_lookup(const struct mm_pagetable *pt, uint64_t vpn,
		  uint64_t *mpage);
/* Maps vpn to mpage, replacing any previous entry. */
void mm_pt_set(struct mm_pagetable *pt, uint64_t vpn, uint64_t mpage);
/* Removes every entry in [vstart, vend). */
void mm_pt_clear(struct mm_pagetable *pt, uint64_t vstart, uint64_t vend);

/* Calls fn for each maximal run of present pages in [vstart, vend) whose
 * virtual and memory-file page numbers both ascend by one, in ascending
 * order; stops at and returns fn's first non-zero result. fn must not
 * change the table. */
typedef int (*mm_pt_run_fn)(uint64_t vpn, uint64_t mpage, uint64_t n,
			    void *arg);
int mm_pt_for_each_run(const struct mm_pagetable *pt, uint64_t vstart,
		       uint64_t vend, mm_pt_run_fn fn, void *arg);

#endif
