/* mremap: shrinking, growing in place, and moving -- which moves the
 * page-table entries (and the platform mappings), never the data. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mm_internal.h"

struct run_list {
	struct mm_pt_run *r;
	size_t n, cap;
};

static int collect_run(uint64_t vpn, uint64_t mpage, uint64_t n, void *arg)
{
	struct run_list *l = arg;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->r = realloc(l->r, l->cap * sizeof(*l->r));
		if (!l->r) {
			fputs("snapctl: out of memory (mremap)\n", stderr);
			abort();
		}
	}
	l->r[l->n++] = (struct mm_pt_run){ vpn, mpage, n };
	return 0;
}

/* Moves [old, old + len) -- inside one VMA -- to new (free), making the
 * new VMA new_len long; with keep_old the old VMA stays, emptied
 * (MREMAP_DONTUNMAP). */
static int64_t move_range(struct mm *mm, uint64_t old, uint64_t len,
			  uint64_t new, uint64_t new_len, bool keep_old)
{
	mm_vma_split(mm, old);
	mm_vma_split(mm, old + len);
	size_t i = mm_vma_index(mm, old);
	struct vma moved = mm->vmas[i];
	moved.start = new;
	moved.end = new + new_len;
	mm_vma_dup_refs(&moved);
	moved.fault_window = 0;
	struct run_list runs = { 0 };
	mm_pt_for_each_run(mm->pt, old / PAGE_SIZE, (old + len) / PAGE_SIZE,
			   collect_run, &runs);
	const struct platform_ops *ops = mm_platform(mm);
	if (ops && runs.n)
		ops->as_unmap(mm->as, old, len);
	mm_pt_clear(mm->pt, old / PAGE_SIZE, (old + len) / PAGE_SIZE);
	if (!keep_old)
		mm_vma_remove(mm, i, i + 1);
	for (size_t k = 0; k < runs.n; k++)
		for (uint64_t p = 0; p < runs.r[k].n; p++)
			mm_pt_set(mm->pt, runs.r[k].vpn - old / PAGE_SIZE +
					  new / PAGE_SIZE + p,
				  runs.r[k].mpage + p);
	free(runs.r);
	i = mm_vma_insert(mm, &moved);
	int rc = mm_sync_range(mm, &mm->vmas[i], new, new + len, false);
	mm_vma_merge(mm, i, i + 1);
	return rc < 0 ? rc : (int64_t)new;
}

/* Grows the VMA holding [old, old + old_len) in place if it ends there
 * and the room above is free. */
static bool grow_in_place(struct mm *mm, uint64_t old, uint64_t old_len,
			  uint64_t new_len)
{
	size_t i = mm_vma_index(mm, old);
	uint64_t end = old + new_len;
	if (mm->vmas[i].end != old + old_len || end > USER_ADDR_END ||
	    end < old)
		return false;
	if (i + 1 < mm->nvmas && mm_vma_start_gap(&mm->vmas[i + 1]) < end)
		return false;
	mm->vmas[i].end = end;
	mm_vma_merge(mm, i, i + 1);
	return true;
}

/* The old range must lie inside one VMA (Linux: -EFAULT otherwise). */
static bool one_vma(struct mm *mm, uint64_t old, uint64_t len)
{
	struct vma *v = mm_vma_find(mm, old);
	return v && len <= v->end - old;
}

static int64_t remap_fixed(struct mm *mm, uint64_t old, uint64_t old_len,
			   uint64_t new_len, uint64_t new, bool keep_old)
{
	if (!mm_aligned(new) || new > USER_ADDR_END ||
	    new_len > USER_ADDR_END - new)
		return -EINVAL;
	if (new < old + old_len && old < new + new_len)
		return -EINVAL;
	if (new < mm->map_min)
		return -EPERM;
	if (!mm_vma_find(mm, old))
		return -EFAULT;
	mm_unmap_range(mm, new, new + new_len);
	if (old_len > new_len) {
		mm_unmap_range(mm, old + new_len, old + old_len);
		old_len = new_len;
	}
	if (!one_vma(mm, old, old_len))
		return -EFAULT;
	return move_range(mm, old, old_len, new, new_len, keep_old);
}

int64_t mm_remap(struct mm *mm, uint64_t old, uint64_t old_len,
		 uint64_t new_len, unsigned flags, uint64_t new_addr)
{
	const unsigned known = MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP;
	bool may_move = flags & MREMAP_MAYMOVE;
	bool keep_old = flags & MREMAP_DONTUNMAP;
	if ((flags & ~known) || (!may_move && flags))
		return -EINVAL;
	if (keep_old && old_len != new_len)
		return -EINVAL;
	if (!mm_aligned(old))
		return -EINVAL;
	old_len = mm_page_up(old_len);
	new_len = mm_page_up(new_len);
	/* old_len 0 duplicates a shared mapping: needs shared objects. */
	if (new_len == 0 || old_len == 0 || old > USER_ADDR_END ||
	    old_len > USER_ADDR_END - old)
		return -EINVAL;
	struct vma *v = mm_vma_find(mm, old);
	if (!v)
		return -EFAULT;
	if (keep_old && (v->flags & VMA_SHARED))
		return -EINVAL;
	if (flags & MREMAP_FIXED)
		return remap_fixed(mm, old, old_len, new_len, new_addr, keep_old);
	if (old_len >= new_len && !keep_old) {
		mm_unmap_range(mm, old + new_len, old + old_len);
		return (int64_t)old;
	}
	if (!one_vma(mm, old, old_len))
		return -EFAULT;
	if (!keep_old && grow_in_place(mm, old, old_len, new_len))
		return (int64_t)old;
	if (!may_move)
		return -ENOMEM;
	int64_t to = mm_find_gap(mm, new_len, mm->map_min, mm->mmap_base);
	if (to < 0)
		return to;
	return move_range(mm, old, old_len, (uint64_t)to, new_len, keep_old);
}
