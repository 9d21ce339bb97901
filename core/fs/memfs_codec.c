/* Saving and restoring memfs superblocks and inodes.
 *
 * memfs_sb (version 1): u32 kind; super common; str lower_root (overlay
 * only). After load (DENTRY_RESTORE_PHASE) the lower root is reopened
 * by path: a missing one fails the restore, naming it.
 *
 * memfs_inode (version 1): inode common; str lower; str target;
 * u64 lower_blocks; u32 nruns, nruns x { u64 idx, mpage, n } (maximal runs of the page
 * index). Pages are the memory file's: loading keeps the runs, and the
 * after-load hook (INODE_RESTORE_PHASE, after the memory file's) checks
 * every page is in use before building the index -- like address spaces
 * do. Release never touches memory-file reference counts: a decode that
 * fails throws the memory file away too. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fs/lock.h"
#include "core/fs/memfs_internal.h"
#include "core/kernel.h"

/* ---- superblocks --------------------------------------------------------- */

static void memfs_sb_save(struct encoder *enc, const void *obj)
{
	const struct memfs_sb *ms = obj;
	enc_u32(enc, (uint32_t)ms->kind);
	super_save_common(enc, &ms->sb);
	enc_str(enc, ms->lower_root);
}

static void memfs_sb_load(struct decoder *dec, void *obj)
{
	struct memfs_sb *ms = obj;
	uint32_t kind = dec_u32(dec);
	if (kind > MEMFS_OVERLAY)
		dec_fail(dec, "unknown memory filesystem kind %u", kind);
	ms->kind = (enum memfs_kind)kind;
	super_load_common(dec, &ms->sb, kind == MEMFS_OVERLAY
						? &memfs_overlay_ops
						: &memfs_tmpfs_ops);
	ms->lower_root = dec_str(dec, PATH_MAX - 1);
	if (!dec_ok(dec))
		return;
	bool overlay = kind == MEMFS_OVERLAY;
	if (overlay != (ms->lower_root != NULL) ||
	    (overlay && ms->lower_root[0] != '/'))
		dec_fail(dec, "%s with a bad lower layer", overlay ? "overlay"
								  : "tmpfs");
}

static int memfs_sb_after_load(void *obj, void *ctx, struct error *err)
{
	struct memfs_sb *ms = obj;
	ms->sb.kernel = kernel_restoring(ctx);
	if (!ms->lower_root)
		return 0;
	ms->lower_fd = open(ms->lower_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ms->lower_fd < 0)
		return error_set_errno(err, errno, "root filesystem %s",
				       ms->lower_root);
	ms->lower_open = true;
	return 0;
}

static void memfs_sb_release(void *obj)
{
	struct memfs_sb *ms = obj;
	if (ms->lower_open)
		close(ms->lower_fd);
	ms->lower_open = false;
	free(ms->lower_root);
	ms->lower_root = NULL;
}

const struct codec_type codec_type_memfs_sb = {
	.name = "memfs_sb",
	.version = 1,
	.size = sizeof(struct memfs_sb),
	.after_load_phase = DENTRY_RESTORE_PHASE,
	.save = memfs_sb_save,
	.load = memfs_sb_load,
	.after_load = memfs_sb_after_load,
	.release = memfs_sb_release,
};

/* ---- inodes ---------------------------------------------------------------- */

struct run_enc {
	struct encoder *enc;       /* NULL: count only */
	uint32_t n;
};

static int save_run(uint64_t idx, uint64_t mpage, uint64_t n, void *arg)
{
	struct run_enc *r = arg;
	if (r->enc) {
		enc_u64(r->enc, idx);
		enc_u64(r->enc, mpage);
		enc_u64(r->enc, n);
	}
	r->n++;
	return 0;
}

static void walk_runs(const struct memfs_inode *mi, struct run_enc *r)
{
	for (uint32_t i = 0; i < mi->npending; i++)
		save_run(mi->pending[i].idx, mi->pending[i].mpage,
			 mi->pending[i].n, r);
	if (!mi->pending)
		filepages_for_each_run(&mi->pages, 0, FILEPAGES_INDEX_LIMIT,
				       save_run, r);
}

static void memfs_inode_save(struct encoder *enc, const void *obj)
{
	const struct memfs_inode *mi = obj;
	inode_save_common(enc, &mi->vfs);
	enc_str(enc, mi->lower);
	enc_str(enc, mi->target);
	enc_u64(enc, mi->lower_blocks);
	struct run_enc r = { NULL, 0 };
	walk_runs(mi, &r);
	enc_u32(enc, r.n);
	r = (struct run_enc){ enc, 0 };
	walk_runs(mi, &r);
}

/* A lower path is relative, "." or components that are neither empty,
 * "." nor "..": it never leads outside the lower root. */
static bool lower_path_ok(const char *p)
{
	if (!strcmp(p, "."))
		return true;
	for (const char *s = p;;) {
		const char *e = strchrnul(s, '/');
		size_t n = (size_t)(e - s);
		if (n == 0 || n > NAME_MAX || (n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		if (!*e)
			return true;
		s = e + 1;
	}
}

static const char *check_kind(const struct memfs_inode *mi)
{
	uint32_t type = mi->vfs.mode & S_IFMT;
	if (mi->lower && !lower_path_ok(mi->lower))
		return "has a bad lower-layer path";
	if (mi->target && (type != S_IFLNK || mi->lower))
		return "has a target but is no upper symlink";
	if (type == S_IFLNK && !mi->target == !mi->lower)
		return "is a symlink without one target";
	if (mi->target && mi->vfs.size != strlen(mi->target))
		return "has a symlink size that is not its target's";
	if (type == S_IFREG && mi->vfs.size > MEMFS_MAX_FILE_SIZE)
		return "is larger than files can be";
	return NULL;
}

static void load_runs(struct decoder *dec, struct memfs_inode *mi)
{
	uint32_t n = dec_count(dec, 3 * 8);
	if (!dec_ok(dec) || n == 0)
		return;
	/* A lower file's pages are its page cache (file mappings). */
	if (!S_ISREG(mi->vfs.mode)) {
		dec_fail(dec, "inode %llu has pages but is no regular file",
			 (unsigned long long)mi->vfs.ino);
		return;
	}
	mi->pending = calloc(n, sizeof(*mi->pending));
	if (!mi->pending) {
		dec_fail(dec, "out of memory for %u page runs", n);
		return;
	}
	uint64_t limit = (mi->vfs.size + PAGE_SIZE - 1) / PAGE_SIZE, next = 0;
	for (uint32_t i = 0; i < n && dec_ok(dec); i++) {
		struct memfs_page_run *r = &mi->pending[i];
		r->idx = dec_u64(dec);
		r->mpage = dec_u64(dec);
		r->n = dec_u64(dec);
		if (!dec_ok(dec))
			return;
		if (r->n == 0 || r->idx < next || r->idx > limit ||
		    r->n > limit - r->idx || r->mpage >= MEMFILE_MAX_PAGES ||
		    r->n > MEMFILE_MAX_PAGES - r->mpage ||
		    (i && r->idx == next && r->mpage == r[-1].mpage + r[-1].n)) {
			dec_fail(dec, "page run %u of inode %llu is out of "
				 "order, past the end or not maximal", i,
				 (unsigned long long)mi->vfs.ino);
			return;
		}
		next = r->idx + r->n;
		mi->npending = i + 1;
	}
}

static void memfs_inode_load(struct decoder *dec, void *obj)
{
	struct memfs_inode *mi = obj;
	inode_load_common(dec, &mi->vfs, &memfs_inode_ops);
	mi->lower = dec_str(dec, PATH_MAX - 1);
	mi->target = dec_str(dec, PATH_MAX - 1);
	mi->lower_blocks = dec_u64(dec);
	const char *bad = dec_ok(dec) ? check_kind(mi) : NULL;
	if (bad)
		dec_fail(dec, "inode %llu %s", (unsigned long long)mi->vfs.ino,
			 bad);
	load_runs(dec, mi);
}

/* Every page must be one of the restored memory file's, in use. */
static int build_pages(struct memfs_inode *mi, const struct memfile *mf,
		       struct error *err)
{
	for (uint32_t i = 0; i < mi->npending; i++) {
		const struct memfs_page_run *r = &mi->pending[i];
		for (uint64_t p = r->mpage; p < r->mpage + r->n; p++)
			if (p >= mf->end_page || memfile_refcount(mf, p) == 0)
				return error_set(err, EINVAL, "inode %llu: "
						 "memory-file page %llu is not "
						 "in use",
						 (unsigned long long)mi->vfs.ino,
						 (unsigned long long)p);
	}
	for (uint32_t i = 0; i < mi->npending; i++) {
		const struct memfs_page_run *r = &mi->pending[i];
		for (uint64_t k = 0; k < r->n; k++)
			filepages_set(&mi->pages, r->idx + k, r->mpage + k);
	}
	free(mi->pending);
	mi->pending = NULL;
	mi->npending = 0;
	return 0;
}

static int memfs_inode_after_load(void *obj, void *ctx, struct error *err)
{
	struct memfs_inode *mi = obj;
	struct kernel *k = kernel_restoring(ctx);
	if (!lock_check(&mi->vfs))
		return error_set(err, EINVAL, "inode %llu: a flock's owner is "
				 "no open file of it",
				 (unsigned long long)mi->vfs.ino);
	if (!mi->npending)
		return 0;
	if (!k || !k->memfile)
		return error_set(err, EINVAL, "no memory file for the pages "
				 "of inode %llu",
				 (unsigned long long)mi->vfs.ino);
	return build_pages(mi, k->memfile, err);
}

static void memfs_inode_release(void *obj)
{
	struct memfs_inode *mi = obj;
	filepages_truncate(&mi->pages, NULL, 0);
	lock_free_all(&mi->vfs);
	free(mi->lower);
	free(mi->target);
	free(mi->pending);
	mi->lower = mi->target = NULL;
	mi->pending = NULL;
}

const struct codec_type codec_type_memfs_inode = {
	.name = "memfs_inode",
	.version = 1,
	.size = sizeof(struct memfs_inode),
	.after_load_phase = INODE_RESTORE_PHASE,
	.save = memfs_inode_save,
	.load = memfs_inode_load,
	.after_load = memfs_inode_after_load,
	.release = memfs_inode_release,
};
