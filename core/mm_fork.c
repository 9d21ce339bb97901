/* fork's copy of an address space: the same VMAs, and every present page
 * shared with the parent -- copy-on-write for private mappings (each
 * page's memory-file reference count goes up, and mm_page_prot maps a
 * page read-only while it is above one, so the first write of either
 * side faults and copies), directly for shared ones. No byte is copied
 * here: fork costs page-table and mapping work, not memory. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/memfile.h"
#include "core/mm.h"
#include "core/mm_internal.h"
#include "core/mm_pagetable.h"

struct share {
	struct mm *child;
	struct memfile *mf;
};

static int share_run(uint64_t vpn, uint64_t mpage, uint64_t n, void *arg)
{
	struct share *s = arg;
	memfile_ref(s->mf, mpage, n);
	for (uint64_t i = 0; i < n; i++)
		mm_pt_set(s->child->pt, vpn + i, mpage + i);
	return 0;
}

static int copy_vmas(const struct mm *parent, struct mm *child)
{
	for (size_t i = 0; i < parent->nvmas; i++) {
		struct vma v = parent->vmas[i];
		mm_vma_dup_refs(&v);
		mm_vma_insert(child, &v);
	}
	return 0;
}

static void copy_layout(const struct mm *parent, struct mm *child)
{
	child->brk_start = parent->brk_start;
	child->brk = parent->brk;
	child->mmap_base = parent->mmap_base;
	child->map_min = parent->map_min;
	child->stack_top = parent->stack_top;
	child->arg_start = parent->arg_start;
	child->arg_end = parent->arg_end;
	child->env_start = parent->env_start;
	child->env_end = parent->env_end;
	memcpy(child->auxv, parent->auxv, sizeof(child->auxv));
	child->auxv_len = parent->auxv_len;
	child->exe_path = parent->exe_path ? strdup(parent->exe_path) : NULL;
}

int mm_fork(struct mm *parent, struct mm **out)
{
	struct mm *child;
	int rc = mm_create(parent->kernel, &child);
	if (rc < 0)
		return rc;
	copy_layout(parent, child);
	rc = copy_vmas(parent, child);
	struct share s = { child, mm_memfile(parent) };
	for (size_t i = 0; rc == 0 && i < parent->nvmas; i++) {
		const struct vma *v = &parent->vmas[i];
		mm_pt_for_each_run(parent->pt, v->start / PAGE_SIZE,
				   v->end / PAGE_SIZE, share_run, &s);
	}
	/* The parent's writable private pages are shared now: write-protect
	 * them, so its next write copies too. The child's present pages are
	 * mapped at once, since the mm keeps every present page mapped on
	 * the platform (read-only where shared, by mm_page_prot). */
	for (size_t i = 0; rc == 0 && i < parent->nvmas; i++) {
		const struct vma *v = &parent->vmas[i];
		if (!(v->flags & VMA_SHARED) && (v->prot & PROT_WRITE))
			rc = mm_sync_range(parent, v, v->start, v->end, true);
	}
	for (size_t i = 0; rc == 0 && i < child->nvmas; i++) {
		const struct vma *v = &child->vmas[i];
		rc = mm_sync_range(child, v, v->start, v->end, false);
	}
	if (rc < 0) {
		mm_put(child);
		return rc;
	}
	*out = child;
	return 0;
}
