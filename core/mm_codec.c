/* Saving and restoring an address space (codec_type_mm).
 *
 * Layout (version 2; version 1 had no file, dev nor ino):
 *   u64 brk_start, brk, mmap_base, stack_top, map_min,
 *       arg_start, arg_end, env_start, env_end
 *   bytes auxv (<= 512), str exe_path ("" for none)
 *   u32 nvmas, nvmas x { u64 start, end; u32 prot, flags; u64 pgoff;
 *                        str name; ref file (any file kind, or none:
 *                        anonymous); u64 dev, ino }
 *   u32 nruns, nruns x { u64 vpn, mpage, count }
 * Page-table runs are maximal within one VMA: virtual and memory-file
 * page numbers both ascending by one; a run never crosses a VMA boundary.
 *
 * A file mapping's pages are the file's pages (memory-file pages with a
 * reference from the file's page index and one from each mapping), so
 * they stay shared after restore as they were: the memory file saves
 * each page once, with its count.
 *
 * Not saved: the kernel back-pointer (after-load gets it as ctx), the
 * users count (each restored task adds itself), the platform address
 * space (rebuilt), and the fault-around heuristics (restart cold).
 *
 * A decoded mm keeps the page table as the saved runs (pt_pending) until
 * after-load, which checks every page against the restored memory file
 * -- in use, below its end -- and only then builds the table. So a
 * crafted image cannot make the decoder build huge tables, nor make the
 * kernel touch memory outside the memory file.
 *
 * Release frees what the mm owns and never touches memory-file reference
 * counts: a decode that fails throws the memory file away too, and its
 * counts already include this mm's pages. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/mm_internal.h"

#define MM_NAME_MAX 4096

/* ---- save --------------------------------------------------------------- */

struct run_enc {
	struct encoder *enc;    /* NULL: count only */
	uint32_t n;
};

static int save_run(uint64_t vpn, uint64_t mpage, uint64_t n, void *arg)
{
	struct run_enc *r = arg;
	if (r->enc) {
		enc_u64(r->enc, vpn);
		enc_u64(r->enc, mpage);
		enc_u64(r->enc, n);
	}
	r->n++;
	return 0;
}

static void walk_runs(const struct mm *mm, struct run_enc *r)
{
	for (uint32_t i = 0; i < mm->npt_pending; i++)
		save_run(mm->pt_pending[i].vpn, mm->pt_pending[i].mpage,
			 mm->pt_pending[i].n, r);
	if (mm->pt_pending || !mm->pt)
		return;
	for (size_t i = 0; i < mm->nvmas; i++)
		mm_pt_for_each_run(mm->pt, mm->vmas[i].start / PAGE_SIZE,
				   mm->vmas[i].end / PAGE_SIZE, save_run, r);
}

static void mm_save(struct encoder *enc, const void *obj)
{
	const struct mm *mm = obj;
	enc_u64(enc, mm->brk_start);
	enc_u64(enc, mm->brk);
	enc_u64(enc, mm->mmap_base);
	enc_u64(enc, mm->stack_top);
	enc_u64(enc, mm->map_min);
	enc_u64(enc, mm->arg_start);
	enc_u64(enc, mm->arg_end);
	enc_u64(enc, mm->env_start);
	enc_u64(enc, mm->env_end);
	enc_bytes(enc, mm->auxv, mm->auxv_len);
	enc_str(enc, mm->exe_path ? mm->exe_path : "");
	enc_u32(enc, (uint32_t)mm->nvmas);
	for (size_t i = 0; i < mm->nvmas; i++) {
		const struct vma *v = &mm->vmas[i];
		enc_u64(enc, v->start);
		enc_u64(enc, v->end);
		enc_u32(enc, (uint32_t)v->prot);
		enc_u32(enc, v->flags);
		enc_u64(enc, v->pgoff);
		enc_str(enc, v->name);
		enc_ref(enc, v->file ? v->file->ops->codec_type : NULL,
			v->file);
		enc_u64(enc, v->dev);
		enc_u64(enc, v->ino);
	}
	struct run_enc r = { NULL, 0 };
	walk_runs(mm, &r);
	enc_u32(enc, r.n);
	r = (struct run_enc){ enc, 0 };
	walk_runs(mm, &r);
}

/* ---- load --------------------------------------------------------------- */

static uint64_t dec_addr(struct decoder *dec, uint64_t lo, const char *what)
{
	return dec_u64_range(dec, lo, USER_ADDR_END, what);
}

static void load_addresses(struct decoder *dec, struct mm *mm)
{
	mm->brk_start = dec_addr(dec, 0, "brk start");
	mm->brk = dec_addr(dec, mm->brk_start, "brk");
	mm->mmap_base = dec_addr(dec, 0, "mmap base");
	mm->stack_top = dec_addr(dec, 0, "stack top");
	mm->map_min = dec_addr(dec, 0, "lowest mapping address");
	mm->arg_start = dec_addr(dec, 0, "argument start");
	mm->arg_end = dec_addr(dec, mm->arg_start, "argument end");
	mm->env_start = dec_addr(dec, 0, "environment start");
	mm->env_end = dec_addr(dec, mm->env_start, "environment end");
	if (dec_ok(dec) && !mm_aligned(mm->map_min))
		dec_fail(dec, "lowest mapping address is not page aligned");
	size_t n;
	void *auxv = dec_bytes(dec, sizeof(mm->auxv), &n);
	if (auxv)
		memcpy(mm->auxv, auxv, n);
	mm->auxv_len = (uint32_t)n;
	free(auxv);
	mm->exe_path = dec_str(dec, PATH_MAX);
	if (mm->exe_path && !mm->exe_path[0]) {
		free(mm->exe_path);
		mm->exe_path = NULL;
	}
}

static bool vma_valid(struct decoder *dec, const struct vma *v,
		      uint64_t prev_end, size_t i)
{
	if (!dec_ok(dec))
		return false;
	const char *bad = NULL;
	if (!mm_aligned(v->start) || !mm_aligned(v->end) || v->start >= v->end ||
	    v->end > USER_ADDR_END)
		bad = "is not a page-aligned user range";
	else if (v->start < prev_end)
		bad = "overlaps or precedes the one before";
	else if ((unsigned)v->prot & ~(unsigned)MM_PROT_ALL)
		bad = "has unknown protection bits";
	else if (v->flags & ~VMA_FLAGS_ALL)
		bad = "has unknown flags";
	else if (vma_is_anon(v) ? v->pgoff != 0
				: v->pgoff > UINT64_MAX / PAGE_SIZE -
						     (v->end - v->start) / PAGE_SIZE)
		bad = "has an impossible file offset";
	if (bad)
		dec_fail(dec, "VMA %zu (%llx-%llx) %s", i,
			 (unsigned long long)v->start,
			 (unsigned long long)v->end, bad);
	return !bad;
}

/* The file a VMA maps (counted: the mapping holds a reference, as an
 * fd table slot does) and its identity for maps. */
static void load_vma_file(struct decoder *dec, struct vma *v, uint32_t i)
{
	const struct codec_type *type;
	struct file *f = dec_ref_any(dec, &type);
	v->dev = dec_u64(dec);
	v->ino = dec_u64(dec);
	if (f && !file_ops_of_type(type)) {
		dec_fail(dec, "VMA %u maps a '%s', not a file", i, type->name);
		return;
	}
	v->file = f;
	if (f)
		f->refs++;
}

static void load_vmas(struct decoder *dec, struct mm *mm)
{
	uint32_t n = dec_count(dec, 8 + 8 + 4 + 4 + 8 + 4);
	if (!dec_ok(dec))
		return;
	mm->vmas = calloc((size_t)n + 1, sizeof(*mm->vmas));
	if (!mm->vmas) {
		dec_fail(dec, "out of memory for %u VMAs", n);
		return;
	}
	mm->cap_vmas = (size_t)n + 1;
	uint64_t prev_end = 0;
	for (uint32_t i = 0; i < n && dec_ok(dec); i++) {
		struct vma *v = &mm->vmas[i];
		v->start = dec_u64(dec);
		v->end = dec_u64(dec);
		v->prot = (int)dec_u32(dec);
		v->flags = dec_u32(dec);
		v->pgoff = dec_u64(dec);
		v->name = dec_str(dec, MM_NAME_MAX);
		mm->nvmas = i + 1;      /* release frees the name */
		if (dec_version(dec) >= 2)
			load_vma_file(dec, v, i);
		if (!vma_valid(dec, v, prev_end, i))
			return;
		prev_end = v->end;
	}
}

/* Checks a run against the VMAs (it must lie inside VMA *k, which only
 * moves forward) and the one before it. */
static bool run_valid(struct decoder *dec, const struct mm *mm,
		      const struct mm_pt_run *r, const struct mm_pt_run *prev,
		      size_t *k, uint32_t i)
{
	size_t first_k = *k;
	while (*k < mm->nvmas && mm->vmas[*k].end / PAGE_SIZE <= r->vpn)
		(*k)++;
	const struct vma *v = *k < mm->nvmas ? &mm->vmas[*k] : NULL;
	const char *bad = NULL;
	if (r->n == 0 || r->mpage >= MEMFILE_MAX_PAGES ||
	    r->n > MEMFILE_MAX_PAGES - r->mpage)
		bad = "is empty or beyond any memory file";
	else if (prev && r->vpn < prev->vpn + prev->n)
		bad = "overlaps or precedes the one before";
	else if (!v || r->vpn < v->start / PAGE_SIZE ||
		 r->n > v->end / PAGE_SIZE - r->vpn)
		bad = "is not inside one VMA";
	else if (prev && *k == first_k && r->vpn == prev->vpn + prev->n &&
		 r->mpage == prev->mpage + prev->n)
		bad = "continues the one before (not canonical)";
	if (bad)
		dec_fail(dec, "page-table run %u (page %llx, %llu pages) %s", i,
			 (unsigned long long)r->vpn,
			 (unsigned long long)r->n, bad);
	return !bad;
}

static void load_runs(struct decoder *dec, struct mm *mm)
{
	uint32_t n = dec_count(dec, 3 * 8);
	if (!dec_ok(dec))
		return;
	mm->pt_pending = calloc((size_t)n + 1, sizeof(*mm->pt_pending));
	if (!mm->pt_pending) {
		dec_fail(dec, "out of memory for %u page-table runs", n);
		return;
	}
	size_t k = 0;
	for (uint32_t i = 0; i < n && dec_ok(dec); i++) {
		struct mm_pt_run *r = &mm->pt_pending[i];
		r->vpn = dec_u64(dec);
		r->mpage = dec_u64(dec);
		r->n = dec_u64(dec);
		if (!dec_ok(dec) ||
		    !run_valid(dec, mm, r, i ? r - 1 : NULL, &k, i))
			return;
		mm->npt_pending = i + 1;
	}
}

static void mm_load(struct decoder *dec, void *obj)
{
	struct mm *mm = obj;
	mm->pt = mm_pt_create();
	load_addresses(dec, mm);
	load_vmas(dec, mm);
	load_runs(dec, mm);
}

/* ---- after load ---------------------------------------------------------- */

/* Every page the table will map must be a page of the restored memory
 * file that is in use; then the table is built. */
static int build_table(struct mm *mm, const struct memfile *mf,
		       struct error *err)
{
	for (uint32_t i = 0; i < mm->npt_pending; i++) {
		const struct mm_pt_run *r = &mm->pt_pending[i];
		for (uint64_t p = r->mpage; p < r->mpage + r->n; p++)
			if (p >= mf->end_page || memfile_refcount(mf, p) == 0)
				return error_set(err, EINVAL,
						 "page %llx maps memory-file "
						 "page %llu, which is not in use",
						 (unsigned long long)(r->vpn +
							p - r->mpage),
						 (unsigned long long)p);
	}
	for (uint32_t i = 0; i < mm->npt_pending; i++) {
		const struct mm_pt_run *r = &mm->pt_pending[i];
		for (uint64_t p = 0; p < r->n; p++)
			mm_pt_set(mm->pt, r->vpn + p, r->mpage + p);
	}
	free(mm->pt_pending);
	mm->pt_pending = NULL;
	mm->npt_pending = 0;
	return 0;
}

/* ctx is the struct kernel_restore; by this phase its kernel's memory
 * file has been restored (phase 0) and its platform created (phase 5). */
static int mm_after_load(void *obj, void *ctx, struct error *err)
{
	struct mm *mm = obj;
	struct kernel *k = kernel_restoring(ctx);
	if (!k || !k->memfile)
		return error_set(err, EINVAL, "no memory file to restore the "
				 "address space into");
	mm->kernel = k;
	/* Files are loaded by now (FILE_RESTORE_PHASE is earlier). */
	for (size_t i = 0; i < mm->nvmas; i++)
		if (mm->vmas[i].file && !mm->vmas[i].file->ops->map_pages)
			return error_set(err, EINVAL, "VMA %zu maps a file "
					 "that cannot be mapped", i);
	int rc = build_table(mm, k->memfile, err);
	if (rc < 0)
		return rc;
	rc = mm_rebuild_platform(mm);
	if (rc < 0)
		return error_set_errno(err, -rc, "platform address space");
	return 0;
}

static void mm_release(void *obj)
{
	struct mm *mm = obj;
	const struct platform_ops *ops = mm_platform(mm);
	if (ops)
		ops->as_destroy(mm->as);
	mm->as = NULL;
	mm_pt_destroy(mm->pt);
	mm->pt = NULL;
	free(mm->exe_path);
	mm->exe_path = NULL;
	/* The files are the decoder's to release, not this mm's. */
	for (size_t i = 0; i < mm->nvmas; i++)
		mm->vmas[i].file = NULL;
	mm_vma_free_all(mm);
	free(mm->pt_pending);
	mm->pt_pending = NULL;
	mm->npt_pending = 0;
}

const struct codec_type codec_type_mm = {
	.name = "mm",
	.version = 2,
	.size = sizeof(struct mm),
	.after_load_phase = 10,
	.save = mm_save,
	.load = mm_load,
	.after_load = mm_after_load,
	.release = mm_release,
};
