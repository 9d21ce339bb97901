/* Filling pages in: application faults (with fault-around, stack growth
 * and copy-on-write) and the kernel's own accesses to application memory,
 * which take the same path so a page is filled the same way whoever
 * touches it first. */
#include <errno.h>
#include <string.h>

#include "core/file.h"
#include "core/mm_internal.h"

/* ---- stack growth ------------------------------------------------------- */

/* Grows the stack VMA i down to cover addr, as Linux does for a fault
 * below a VM_GROWSDOWN mapping: the stack may not exceed MM_STACK_LIMIT
 * or come within MM_STACK_GUARD_GAP of the mapping below. It grows in
 * steps of the minimum fault window rather than to the exact page,
 * since every growth costs a fault. */
static bool stack_grow(struct mm *mm, size_t i, uint64_t addr)
{
	struct vma *v = &mm->vmas[i];
	uint64_t page = mm_page_down(addr);
	uint64_t floor = v->end > MM_STACK_LIMIT ? v->end - MM_STACK_LIMIT : 0;
	if (i > 0 && mm->vmas[i - 1].end + MM_STACK_GUARD_GAP > floor)
		floor = mm->vmas[i - 1].end + MM_STACK_GUARD_GAP;
	if (floor < mm->map_min)
		floor = mm_page_up(mm->map_min);
	if (page < floor)
		return false;
	uint64_t step = (uint64_t)MM_FAULT_WINDOW_MIN * PAGE_SIZE;
	uint64_t start = page - page % step;
	v->start = start < floor ? floor : start;
	return true;
}

struct vma *mm_vma_find_or_grow(struct mm *mm, uint64_t addr)
{
	size_t i = mm_vma_index(mm, addr);
	if (i == mm->nvmas)
		return NULL;
	struct vma *v = &mm->vmas[i];
	if (v->start <= addr)
		return v;
	if ((v->flags & VMA_GROWSDOWN) && stack_grow(mm, i, addr))
		return v;
	return NULL;
}

/* ---- filling ------------------------------------------------------------ */

/* Fills n missing pages from vpn: as few memory-file runs as the free
 * space allows, each mapped with one platform call. The pages stay in the
 * table even if the platform fails (a later fault maps them again). */
static int fill_gap(struct mm *mm, const struct vma *v, uint64_t vpn,
		    uint64_t n)
{
	struct memfile *mf = mm_memfile(mm);
	const struct platform_ops *ops = mm_platform(mm);
	int rc = 0;
	while (n) {
		uint64_t got;
		int64_t mp = mf ? memfile_alloc_upto(mf, n, &got) : -ENOMEM;
		if (mp < 0)
			return -ENOMEM;
		for (uint64_t i = 0; i < got; i++)
			mm_pt_set(mm->pt, vpn + i, (uint64_t)mp + i);
		if (ops && rc == 0)
			rc = ops->as_map(mm->as, vpn * PAGE_SIZE, got * PAGE_SIZE,
					 (uint64_t)mp * PAGE_SIZE, v->prot);
		vpn += got;
		n -= got;
	}
	return rc;
}

/* Fills n missing pages from vpn of a file VMA with the file's pages
 * (its own for a shared mapping; for a private one too, mapped read-only
 * until a write copies them), as far as the file goes: nothing past its
 * end. One platform call per run of contiguous memory-file pages. */
static int fill_file_gap(struct mm *mm, const struct vma *v, uint64_t vpn,
			 uint64_t n)
{
	uint64_t mpages[MM_FAULT_WINDOW_MAX];
	struct file *f = v->file;
	uint64_t first = vpn;
	int rc = 0;
	while (n) {
		uint64_t want = n < MM_FAULT_WINDOW_MAX ? n
						       : MM_FAULT_WINDOW_MAX;
		uint64_t idx = v->pgoff + (vpn - v->start / PAGE_SIZE);
		int64_t got = f->ops->map_pages(f, idx, want,
						(v->flags & VMA_SHARED) != 0,
						mpages);
		if (got <= 0) {
			rc = (int)got;
			break;
		}
		for (int64_t k = 0; k < got; k++)
			mm_pt_set(mm->pt, vpn + (uint64_t)k, mpages[k]);
		vpn += (uint64_t)got;
		n -= (uint64_t)got;
		if ((uint64_t)got < want)
			break;
	}
	if (vpn > first) {
		int r = mm_sync_range(mm, v, first * PAGE_SIZE, vpn * PAGE_SIZE,
				      false);
		if (rc == 0)
			rc = r;
	}
	return rc;
}

int mm_fill_range(struct mm *mm, struct vma *v, uint64_t start,
		  uint64_t end)
{
	uint64_t vpn = start / PAGE_SIZE, vend = end / PAGE_SIZE, mp;
	int rc = 0;
	while (vpn < vend) {
		if (mm_pt_lookup(mm->pt, vpn, &mp)) {
			vpn++;
			continue;
		}
		uint64_t gap = vpn + 1;
		while (gap < vend && !mm_pt_lookup(mm->pt, gap, &mp))
			gap++;
		int r = v->file ? fill_file_gap(mm, v, vpn, gap - vpn)
				: fill_gap(mm, v, vpn, gap - vpn);
		if (r == -ENOMEM)
			return r;
		if (r < 0 && rc == 0)
			rc = r;
		vpn = gap;
	}
	return rc;
}

/* Chooses the pages to fill for a fault at vpn: a window that doubles
 * while faults follow on from the previous window (up or down: heaps
 * grow up, stacks down) and halves when they jump about, so streaming
 * through memory takes few faults and scattered touches waste little. */
static void fault_window(struct vma *v, uint64_t vpn, uint64_t *lo,
			 uint64_t *hi)
{
	uint64_t w = v->fault_window ? v->fault_window : MM_FAULT_WINDOW_MIN;
	bool warm = v->fault_window != 0;
	bool up = warm && vpn >= v->fault_hi && vpn < v->fault_hi + w;
	bool down = warm && vpn < v->fault_lo && vpn + w >= v->fault_lo;
	if (up || down)
		w = w * 2 > MM_FAULT_WINDOW_MAX ? MM_FAULT_WINDOW_MAX : w * 2;
	else if (warm)
		w = w / 2 < MM_FAULT_WINDOW_MIN ? MM_FAULT_WINDOW_MIN : w / 2;
	uint64_t s = up ? vpn : down ? (vpn + 1 > w ? vpn + 1 - w : 0)
				 : vpn - vpn % w;
	/* Slide a window that sticks out of the VMA back in, so it keeps
	 * its size where the VMA allows. */
	uint64_t vs = v->start / PAGE_SIZE, ve = v->end / PAGE_SIZE;
	if (s < vs)
		s = vs;
	if (s + w > ve)
		s = ve > vs + w ? ve - w : vs;
	uint64_t e = s + w < ve ? s + w : ve;
	v->fault_window = (uint32_t)w;
	v->fault_lo = s;
	v->fault_hi = e;
	*lo = s;
	*hi = e;
}

/* Fills the window around vpn, stretched to cover [vpn, want) too (the
 * rest of a kernel copy) as far as the VMA goes. */
static int fault_around(struct mm *mm, struct vma *v, uint64_t vpn,
			uint64_t want)
{
	uint64_t lo, hi;
	fault_window(v, vpn, &lo, &hi);
	if (want > v->end / PAGE_SIZE)
		want = v->end / PAGE_SIZE;
	if (want > hi)
		hi = want;
	return mm_fill_range(mm, v, lo * PAGE_SIZE, hi * PAGE_SIZE);
}

static int map_one(struct mm *mm, const struct vma *v, uint64_t vpn,
		   uint64_t mpage)
{
	const struct platform_ops *ops = mm_platform(mm);
	if (!ops)
		return 0;
	return ops->as_map(mm->as, vpn * PAGE_SIZE, PAGE_SIZE,
			   mpage * PAGE_SIZE, mm_page_prot(mm, v, mpage));
}

static bool needs_copy(const struct mm *mm, const struct vma *v,
		       uint64_t mpage)
{
	const struct memfile *mf = mm_memfile(mm);
	return !(v->flags & VMA_SHARED) && mf &&
	       memfile_refcount(mf, mpage) > 1;
}

/* Copy-on-write: gives vpn a private copy of the shared page mpage. */
static int cow_page(struct mm *mm, const struct vma *v, uint64_t vpn,
		    uint64_t mpage)
{
	struct memfile *mf = mm_memfile(mm);
	int64_t np = memfile_alloc(mf, 1);
	if (np < 0)
		return -ENOMEM;
	memcpy(memfile_ptr(mf, (uint64_t)np), memfile_ptr(mf, mpage),
	       PAGE_SIZE);
	mm_pt_set(mm->pt, vpn, (uint64_t)np);
	memfile_unref(mf, mpage, 1);
	return map_one(mm, v, vpn, (uint64_t)np);
}

int mm_handle_fault(struct mm *mm, uint64_t addr, int access)
{
	struct vma *v = mm_vma_find_or_grow(mm, addr);
	if (!v)
		return -EFAULT;
	if (!mm_prot_allows(v->prot, access))
		return -EACCES;
	uint64_t vpn = addr / PAGE_SIZE, mpage;
	if (!mm_pt_lookup(mm->pt, vpn, &mpage)) {
		int rc = fault_around(mm, v, vpn, 0);
		if (rc < 0)
			return rc;
		/* A file mapping has no page past the end of its file. */
		if (!mm_pt_lookup(mm->pt, vpn, &mpage))
			return -EIO;
		/* A write to a private file page copies it now rather
		 * than in a second fault. */
		if (!(access & PLATFORM_ACCESS_WRITE) ||
		    !needs_copy(mm, v, mpage))
			return 0;
		return cow_page(mm, v, vpn, mpage);
	}
	if ((access & PLATFORM_ACCESS_WRITE) && needs_copy(mm, v, mpage))
		return cow_page(mm, v, vpn, mpage);
	/* Present and allowed: the page was shared and no longer is, or
	 * the platform lost the mapping. Map it as it should be. */
	return map_one(mm, v, vpn, mpage);
}

/* ---- kernel access ------------------------------------------------------ */

/* The memory-file page behind addr for a kernel access, filled in and
 * copied-on-write as the application's own access would be; force skips
 * the protection check (the loader writing read-only segments). want is
 * the page after the last one the whole access touches. */
static int64_t kernel_page(struct mm *mm, uint64_t addr, int access,
			   bool force, uint64_t want)
{
	struct vma *v = mm_vma_find_or_grow(mm, addr);
	if (!v || !mm_memfile(mm) || (!force && !mm_prot_allows(v->prot, access)))
		return -EFAULT;
	uint64_t vpn = addr / PAGE_SIZE, mpage;
	if (!mm_pt_lookup(mm->pt, vpn, &mpage)) {
		fault_around(mm, v, vpn, want);
		if (!mm_pt_lookup(mm->pt, vpn, &mpage))
			return -EFAULT;
	}
	if ((access & PLATFORM_ACCESS_WRITE) && needs_copy(mm, v, mpage)) {
		cow_page(mm, v, vpn, mpage);
		if (!mm_pt_lookup(mm->pt, vpn, &mpage) ||
		    needs_copy(mm, v, mpage))
			return -EFAULT;
	}
	return (int64_t)mpage;
}

static bool user_range_ok(uint64_t addr, size_t n)
{
	return addr < USER_ADDR_END && n <= USER_ADDR_END - addr;
}

/* Copies n bytes between buf and application memory at addr, a page at a
 * time: to_user writes the application's memory. */
static int copy_pages(struct mm *mm, uint64_t addr, uint8_t *buf, size_t n,
		      bool to_user, bool force)
{
	if (n == 0)
		return 0;
	if (!user_range_ok(addr, n))
		return -EFAULT;
	int access = to_user ? PLATFORM_ACCESS_WRITE : PLATFORM_ACCESS_READ;
	uint64_t end = addr + n, want = mm_page_up(end) / PAGE_SIZE;
	while (addr < end) {
		uint64_t next = mm_page_down(addr) + PAGE_SIZE;
		size_t chunk = (size_t)((next < end ? next : end) - addr);
		int64_t mp = kernel_page(mm, addr, access, force, want);
		if (mp < 0)
			return -EFAULT;
		uint8_t *p = memfile_ptr(mm_memfile(mm), (uint64_t)mp) +
			     (addr & MM_PAGE_OFF);
		if (to_user)
			memcpy(p, buf, chunk);
		else
			memcpy(buf, p, chunk);
		buf += chunk;
		addr += chunk;
	}
	return 0;
}

int mm_copy_from(struct mm *mm, void *dst, uint64_t src, size_t n)
{
	return copy_pages(mm, src, dst, n, false, false);
}

int mm_copy_to(struct mm *mm, uint64_t dst, const void *src, size_t n)
{
	return copy_pages(mm, dst, (uint8_t *)src, n, true, false);
}

int mm_poke(struct mm *mm, uint64_t dst, const void *src, size_t n)
{
	return copy_pages(mm, dst, (uint8_t *)src, n, true, true);
}

int64_t mm_copy_string_from(struct mm *mm, char *dst, uint64_t src,
			    size_t max)
{
	size_t done = 0;
	while (done < max) {
		uint64_t addr = src + done;
		if (addr < src || !user_range_ok(addr, 1))
			return -EFAULT;
		uint64_t next = mm_page_down(addr) + PAGE_SIZE;
		size_t chunk = (size_t)(next - addr);
		if (chunk > max - done)
			chunk = max - done;
		int64_t mp = kernel_page(mm, addr, PLATFORM_ACCESS_READ, false,
					 next / PAGE_SIZE);
		if (mp < 0)
			return -EFAULT;
		const uint8_t *p = memfile_ptr(mm_memfile(mm), (uint64_t)mp) +
				   (addr & MM_PAGE_OFF);
		const uint8_t *nul = memchr(p, 0, chunk);
		size_t take = nul ? (size_t)(nul - p) + 1 : chunk;
		memcpy(dst + done, p, take);
		done += take;
		if (nul)
			return (int64_t)(done - 1);
	}
	return -ENAMETOOLONG;
}
