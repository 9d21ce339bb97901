/* Address spaces: creation and teardown, mmap/munmap/mprotect at the VMA
 * level, and keeping the platform's mappings equal to the page table.
 * See mm.h; faults and copies are in mm_fault.c, mremap in mm_remap.c,
 * serialization in mm_codec.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "core/file.h"
#include "core/fs/dentry.h"
#include "core/mm_internal.h"
#include "core/task.h"

bool mm_prot_allows(int prot, int access)
{
	if ((access & PLATFORM_ACCESS_WRITE) && !(prot & PROT_WRITE))
		return false;
	if ((access & PLATFORM_ACCESS_EXEC) && !(prot & PROT_EXEC))
		return false;
	return (prot & MM_PROT_ALL) != 0;
}

int mm_create(struct kernel *k, struct mm **out)
{
	struct mm *mm = calloc(1, sizeof(*mm));
	if (!mm)
		return -ENOMEM;
	mm->kernel = k;
	mm->users = 1;
	mm->pt = mm_pt_create();
	mm->mmap_base = MM_MMAP_BASE_DEFAULT;
	mm->map_min = MM_MAP_MIN_DEFAULT;
	if (k && k->platform_ops) {
		int rc = k->platform_ops->as_create(k->platform, &mm->as);
		if (rc < 0) {
			mm_pt_destroy(mm->pt);
			free(mm);
			return rc;
		}
	}
	*out = mm;
	return 0;
}

static int unref_run(uint64_t vpn, uint64_t mpage, uint64_t n, void *arg)
{
	(void)vpn;
	memfile_unref(arg, mpage, n);
	return 0;
}

void mm_put(struct mm *mm)
{
	if (!mm || --mm->users > 0)
		return;
	const struct platform_ops *ops = mm_platform(mm);
	if (ops)
		ops->as_destroy(mm->as);
	struct memfile *mf = mm_memfile(mm);
	if (mf)
		mm_pt_for_each_run(mm->pt, 0, MM_PT_VPN_LIMIT, unref_run, mf);
	mm_pt_destroy(mm->pt);
	mm_vma_free_all(mm);
	free(mm->pt_pending);
	free(mm->exe_path);
	free(mm);
}

/* ---- the platform's view ------------------------------------------------ */

int mm_page_prot(const struct mm *mm, const struct vma *v, uint64_t mpage)
{
	const struct memfile *mf = mm_memfile(mm);
	if (!(v->flags & VMA_SHARED) && mf && memfile_refcount(mf, mpage) > 1)
		return v->prot & ~PROT_WRITE;
	return v->prot;
}

/* Gathers present pages into runs that one platform call can map:
 * virtually contiguous, with one protection and -- for as_map --
 * contiguous in the memory file too. */
struct sync {
	struct mm *mm;
	const struct vma *v;
	bool protect_only;
	uint64_t vpn, mpage, n;
	int prot;
	int rc;
};

static void sync_flush(struct sync *s)
{
	const struct platform_ops *ops = mm_platform(s->mm);
	if (!s->n || !ops)
		return;
	int rc = s->protect_only
		? ops->as_protect(s->mm->as, s->vpn * PAGE_SIZE,
				  s->n * PAGE_SIZE, s->prot)
		: ops->as_map(s->mm->as, s->vpn * PAGE_SIZE, s->n * PAGE_SIZE,
			      s->mpage * PAGE_SIZE, s->prot);
	if (rc < 0 && s->rc == 0)
		s->rc = rc;
	s->n = 0;
}

static int sync_run(uint64_t vpn, uint64_t mpage, uint64_t n, void *arg)
{
	struct sync *s = arg;
	for (uint64_t i = 0; i < n; i++) {
		int prot = mm_page_prot(s->mm, s->v, mpage + i);
		bool joins = s->n && s->vpn + s->n == vpn + i && s->prot == prot &&
			     (s->protect_only || s->mpage + s->n == mpage + i);
		if (!joins) {
			sync_flush(s);
			s->vpn = vpn + i;
			s->mpage = mpage + i;
			s->prot = prot;
		}
		s->n++;
	}
	return 0;
}

int mm_sync_range(struct mm *mm, const struct vma *v, uint64_t start,
		  uint64_t end, bool protect_only)
{
	if (!mm_platform(mm))
		return 0;
	struct sync s = { .mm = mm, .v = v, .protect_only = protect_only };
	mm_pt_for_each_run(mm->pt, start / PAGE_SIZE, end / PAGE_SIZE,
			   sync_run, &s);
	sync_flush(&s);
	return s.rc;
}

/* The platform mapping goes first, so no page is still mapped when the
 * memory file punches it out and may hand it to someone else. */
static int any_run(uint64_t vpn, uint64_t mpage, uint64_t n, void *arg)
{
	(void)vpn, (void)mpage, (void)n, (void)arg;
	return 1;
}

void mm_drop_range(struct mm *mm, uint64_t start, uint64_t end)
{
	/* Untouched ranges (most of a big reservation) cost no platform
	 * call: only present pages are mapped there. */
	if (!mm_pt_for_each_run(mm->pt, start / PAGE_SIZE, end / PAGE_SIZE,
				any_run, NULL))
		return;
	const struct platform_ops *ops = mm_platform(mm);
	if (ops)
		ops->as_unmap(mm->as, start, end - start);
	struct memfile *mf = mm_memfile(mm);
	if (mf)
		mm_pt_for_each_run(mm->pt, start / PAGE_SIZE, end / PAGE_SIZE,
				   unref_run, mf);
	mm_pt_clear(mm->pt, start / PAGE_SIZE, end / PAGE_SIZE);
}

int mm_rebuild_platform(struct mm *mm)
{
	const struct platform_ops *ops = mm->kernel ? mm->kernel->platform_ops
						    : NULL;
	if (!ops)
		return 0;
	if (mm->as)
		ops->as_destroy(mm->as);
	mm->as = NULL;
	int rc = ops->as_create(mm->kernel->platform, &mm->as);
	if (rc < 0) {
		mm->as = NULL;
		return rc;
	}
	for (size_t i = 0; i < mm->nvmas && rc == 0; i++)
		rc = mm_sync_range(mm, &mm->vmas[i], mm->vmas[i].start,
				   mm->vmas[i].end, false);
	return rc;
}

/* ---- mmap, munmap, mprotect --------------------------------------------- */

void mm_unmap_range(struct mm *mm, uint64_t start, uint64_t end)
{
	size_t i = mm_vma_index(mm, start);
	if (i == mm->nvmas || mm->vmas[i].start >= end)
		return;
	mm_vma_split(mm, start);
	mm_vma_split(mm, end);
	i = mm_vma_index(mm, start);
	size_t j = i;
	while (j < mm->nvmas && mm->vmas[j].start < end)
		j++;
	mm_drop_range(mm, mm->vmas[i].start, mm->vmas[j - 1].end);
	mm_vma_remove(mm, i, j);
}

static void truncate_mappings(struct mm *mm, const struct inode *inode,
			      uint64_t pages)
{
	for (size_t i = 0; i < mm->nvmas; i++) {
		const struct vma *v = &mm->vmas[i];
		if (!v->file || !v->file->dentry ||
		    v->file->dentry->inode != inode)
			continue;
		uint64_t n = (v->end - v->start) / PAGE_SIZE;
		if (v->pgoff + n <= pages)
			continue;
		uint64_t from = pages > v->pgoff
			? v->start + (pages - v->pgoff) * PAGE_SIZE : v->start;
		mm_drop_range(mm, from, v->end);
	}
}

void mm_file_truncated(struct kernel *k, const struct inode *inode,
		       uint64_t pages)
{
	/* Threads share an mm: a second pass over it finds nothing. */
	for (struct task *t = k ? k->tasks : NULL; t; t = t->next)
		if (t->mm)
			truncate_mappings(t->mm, inode, pages);
}

/* Checks an application range: page-aligned start, non-empty, inside
 * user space. Stores the page-rounded end. */
static int check_range(uint64_t addr, uint64_t len, uint64_t *end)
{
	if (!mm_aligned(addr) || len == 0)
		return -EINVAL;
	uint64_t plen = mm_page_up(len);
	if (plen == 0 || addr > USER_ADDR_END || plen > USER_ADDR_END - addr)
		return -EINVAL;
	*end = addr + plen;
	return 0;
}

int mm_unmap(struct mm *mm, uint64_t addr, uint64_t len)
{
	uint64_t end;
	int rc = check_range(addr, len, &end);
	if (rc == 0)
		mm_unmap_range(mm, addr, end);
	return rc;
}

/* Where a non-fixed mapping goes: the hint if that range is free (as
 * Linux does), else the highest gap below mmap_base. */
static int64_t place(const struct mm *mm, uint64_t hint, uint64_t len)
{
	hint = mm_page_up(hint);
	if (hint && hint >= mm->map_min && hint <= USER_ADDR_END &&
	    len <= USER_ADDR_END - hint && mm_range_free(mm, hint, hint + len)) {
		size_t i = mm_vma_index(mm, hint);
		if (i == mm->nvmas ||
		    hint + len <= mm_vma_start_gap(&mm->vmas[i]))
			return (int64_t)hint;
	}
	return mm_find_gap(mm, len, mm->map_min, mm->mmap_base);
}

/* Places and inserts tmpl (its range set here), which owns its
 * references only once inserted. */
static int64_t map_vma(struct mm *mm, uint64_t addr, uint64_t len,
		       bool fixed, bool noreplace, struct vma *tmpl)
{
	if (len == 0 || (tmpl->prot & ~MM_PROT_ALL) ||
	    (tmpl->flags & ~VMA_FLAGS_ALL))
		return -EINVAL;
	len = mm_page_up(len);
	if (len == 0 || len > USER_ADDR_END)
		return -ENOMEM;
	if (fixed) {
		if (!mm_aligned(addr))
			return -EINVAL;
		if (addr > USER_ADDR_END - len)
			return -ENOMEM;
		if (addr < mm->map_min)
			return -EPERM;
		if (noreplace && !mm_range_free(mm, addr, addr + len))
			return -EEXIST;
		mm_unmap_range(mm, addr, addr + len);
	} else {
		int64_t at = place(mm, addr, len);
		if (at < 0)
			return at;
		addr = (uint64_t)at;
	}
	tmpl->start = addr;
	tmpl->end = addr + len;
	mm_vma_dup_refs(tmpl);
	size_t i = mm_vma_insert(mm, tmpl);
	mm_vma_merge(mm, i, i + 1);
	return (int64_t)addr;
}

int64_t mm_map_anon(struct mm *mm, uint64_t addr, uint64_t len, int prot,
		    uint32_t vma_flags, bool fixed, bool noreplace)
{
	struct vma v = { .prot = prot, .flags = vma_flags };
	return map_vma(mm, addr, len, fixed, noreplace, &v);
}

int64_t mm_map_file(struct mm *mm, uint64_t addr, uint64_t len, int prot,
		    uint32_t vma_flags, bool fixed, bool noreplace,
		    const struct mm_file_map *fm)
{
	struct vma v = {
		.prot = prot, .flags = vma_flags, .pgoff = fm->pgoff,
		.name = (char *)fm->name, .file = fm->file,
		.dev = fm->dev, .ino = fm->ino,
	};
	return map_vma(mm, addr, len, fixed, noreplace, &v);
}

/* Whether every shared file mapping in [start, end) may be made
 * writable: its file is open for writing (Linux's VM_MAYWRITE). */
static bool shared_writable(const struct mm *mm, uint64_t start,
			    uint64_t end)
{
	for (size_t i = mm_vma_index(mm, start);
	     i < mm->nvmas && mm->vmas[i].start < end; i++) {
		const struct vma *v = &mm->vmas[i];
		if ((v->flags & VMA_SHARED) && v->file &&
		    (v->file->flags & O_ACCMODE) != O_RDWR)
			return false;
	}
	return true;
}

int mm_protect(struct mm *mm, uint64_t addr, uint64_t len, int prot)
{
	if (!mm_aligned(addr) || (prot & ~MM_PROT_ALL))
		return -EINVAL;
	if (len == 0)
		return 0;
	uint64_t plen = mm_page_up(len);
	if (plen == 0 || addr > USER_ADDR_END || plen > USER_ADDR_END - addr)
		return -ENOMEM;
	uint64_t end = addr + plen;
	if (!mm_range_mapped(mm, addr, end))
		return -ENOMEM;
	if ((prot & PROT_WRITE) && !shared_writable(mm, addr, end))
		return -EACCES;
	mm_vma_split(mm, addr);
	mm_vma_split(mm, end);
	size_t i = mm_vma_index(mm, addr), j = i;
	int rc = 0;
	for (; j < mm->nvmas && mm->vmas[j].start < end; j++) {
		mm->vmas[j].prot = prot;
		int r = mm_sync_range(mm, &mm->vmas[j], mm->vmas[j].start,
				      mm->vmas[j].end, true);
		if (r < 0 && rc == 0)
			rc = r;
	}
	mm_vma_merge(mm, i, j);
	return rc;
}

/* ---- ranges: populate, discard, residency ------------------------------- */

int mm_populate(struct mm *mm, uint64_t addr, uint64_t len)
{
	uint64_t end;
	if (len > USER_ADDR_END ||
	    check_range(mm_page_down(addr), len + (addr & MM_PAGE_OFF), &end))
		return -ENOMEM;
	addr = mm_page_down(addr);
	if (!mm_range_mapped(mm, addr, end))
		return -ENOMEM;
	for (uint64_t at = addr; at < end;) {
		struct vma *v = mm_vma_find(mm, at);
		uint64_t stop = v->end < end ? v->end : end;
		if (v->prot & MM_PROT_ALL) {
			int rc = mm_fill_range(mm, v, at, stop);
			if (rc < 0)
				return rc;
		}
		at = stop;
	}
	return 0;
}

int mm_discard(struct mm *mm, uint64_t addr, uint64_t len)
{
	uint64_t end;
	int rc = check_range(addr, len, &end);
	if (rc < 0)
		return rc;
	bool holes = !mm_range_mapped(mm, addr, end);
	for (size_t i = mm_vma_index(mm, addr);
	     i < mm->nvmas && mm->vmas[i].start < end; i++) {
		const struct vma *v = &mm->vmas[i];
		/* Shared pages live on in the shared object (here: only in
		 * this table), so dropping them would lose data. */
		if (v->flags & VMA_SHARED)
			continue;
		uint64_t lo = v->start > addr ? v->start : addr;
		uint64_t hi = v->end < end ? v->end : end;
		mm_drop_range(mm, lo, hi);
	}
	return holes ? -ENOMEM : 0;
}

bool mm_page_present(const struct mm *mm, uint64_t addr)
{
	uint64_t mpage;
	return mm_pt_lookup(mm->pt, addr / PAGE_SIZE, &mpage);
}
