/* Shared by the files of the mm subsystem (mm.c, mm_vma.c, mm_fault.c,
 * mm_remap.c, mm_codec.c, sys_mm.c); nothing else includes it. */
#ifndef CORE_MM_INTERNAL_H
#define CORE_MM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>

#include "core/kernel.h"
#include "core/memfile.h"
#include "core/mm.h"
#include "core/mm_pagetable.h"

#define MM_PROT_ALL (PROT_READ | PROT_WRITE | PROT_EXEC)
#define MM_PAGE_OFF (PAGE_SIZE - 1)

/* The mmap search area when the loader has not set one: the top of user
 * space less room for the stack, as Linux does without randomization. */
#define MM_MMAP_BASE_DEFAULT (USER_ADDR_END - (128ull << 20))

/* Fault-around window, in pages (see mm_handle_fault). */
#define MM_FAULT_WINDOW_MIN 16u
#define MM_FAULT_WINDOW_MAX 512u

static inline bool mm_aligned(uint64_t x)
{
	return (x & MM_PAGE_OFF) == 0;
}

/* Rounds len up to whole pages; 0 when that overflows (callers treat
 * it like Linux treats PAGE_ALIGN wrapping). */
static inline uint64_t mm_page_up(uint64_t len)
{
	return len > UINT64_MAX - MM_PAGE_OFF ? 0 : (len + MM_PAGE_OFF) &
						      ~MM_PAGE_OFF;
}

static inline uint64_t mm_page_down(uint64_t x)
{
	return x & ~MM_PAGE_OFF;
}

/* An anonymous VMA: no backing file, nor a name (a VMA may carry a
 * file's name and offset without the file: what the loader maps). */
static inline bool vma_is_anon(const struct vma *v)
{
	return v->file == NULL && v->name == NULL;
}

/* Whether a VMA's protection admits an access (PLATFORM_ACCESS_* bits):
 * on x86 any mapped page can be read. */
bool mm_prot_allows(int prot, int access);

/* The memory file (NULL in unit tests that do not need one). */
static inline struct memfile *mm_memfile(const struct mm *mm)
{
	return mm->kernel ? mm->kernel->memfile : NULL;
}

/* The platform, or NULL when this mm has no platform address space. */
static inline const struct platform_ops *mm_platform(const struct mm *mm)
{
	return mm->kernel && mm->as ? mm->kernel->platform_ops : NULL;
}

/* ---- VMA array (mm_vma.c) --------------------------------------------- */

/* Index of the first VMA that ends above addr (nvmas if none). */
size_t mm_vma_index(const struct mm *mm, uint64_t addr);
/* The VMA containing addr, or NULL. */
struct vma *mm_vma_find(struct mm *mm, uint64_t addr);
/* Makes addr a VMA boundary if it falls inside a VMA. */
void mm_vma_split(struct mm *mm, uint64_t addr);
/* Inserts v (not overlapping any VMA) and returns its index. Takes
 * ownership of v->name. */
size_t mm_vma_insert(struct mm *mm, const struct vma *v);
/* Gives a copy of a VMA its own references: a copy of the name and a
 * reference to the file. */
void mm_vma_dup_refs(struct vma *v);
/* Removes VMAs [i, j), freeing their names and dropping their files. */
void mm_vma_remove(struct mm *mm, size_t i, size_t j);
/* Merges VMAs in [i - 1, j] with equal neighbours; returns how many
 * VMAs were removed. */
size_t mm_vma_merge(struct mm *mm, size_t i, size_t j);
/* True if no VMA overlaps [start, end). */
bool mm_range_free(const struct mm *mm, uint64_t start, uint64_t end);
/* The lowest address a mapping right below v may end at. */
uint64_t mm_vma_start_gap(const struct vma *v);
/* Frees every VMA. */
void mm_vma_free_all(struct mm *mm);

/* ---- pages and the platform (mm.c) ------------------------------------ */

/* The protection the platform maps a present page of v with: private
 * pages shared with another mapping are read-only until copied. */
int mm_page_prot(const struct mm *mm, const struct vma *v, uint64_t mpage);
/* Maps (or, if protect_only, re-protects) every present page of
 * [start, end) inside v on the platform, one call per run. */
int mm_sync_range(struct mm *mm, const struct vma *v, uint64_t start,
		  uint64_t end, bool protect_only);
/* Unmaps [start, end) on the platform and drops the pages there. */
void mm_drop_range(struct mm *mm, uint64_t start, uint64_t end);
/* Removes every VMA part and page in [start, end) (page aligned). */
void mm_unmap_range(struct mm *mm, uint64_t start, uint64_t end);

/* ---- filling pages (mm_fault.c) --------------------------------------- */

/* Allocates and maps every missing page of [start, end) inside v. */
int mm_fill_range(struct mm *mm, struct vma *v, uint64_t start,
		  uint64_t end);
/* The VMA containing addr, growing a stack down to it if that is
 * allowed; NULL if none. */
struct vma *mm_vma_find_or_grow(struct mm *mm, uint64_t addr);

#endif
