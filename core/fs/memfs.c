/* memfs superblocks and inodes. See memfs.h. */
#include "core/fs/memfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/fs/dentry.h"
#include "core/fs/memfs_internal.h"
#include "core/kernel.h"

/* Inode numbers of upper-layer inodes in an overlay start here, above
 * those of ext4 and most host filesystems, whose numbers lower-layer
 * inodes keep. */
#define OVERLAY_FIRST_INO (1ull << 32)

struct memfile *memfs_memfile(const struct superblock *sb)
{
	return sb->kernel ? sb->kernel->memfile : NULL;
}

struct memfs_inode *memfs_inode_new(struct superblock *sb,
				    const struct create_args *a)
{
	struct memfs_inode *mi = calloc(1, sizeof(*mi));
	if (!mi)
		return NULL;
	if (S_ISLNK(a->mode)) {
		mi->target = strdup(a->target);
		if (!mi->target) {
			free(mi);
			return NULL;
		}
	}
	inode_init(&mi->vfs, &memfs_inode_ops, sb, sb->next_ino++, a);
	if (S_ISDIR(a->mode))
		mi->vfs.nlink = 2;
	if (mi->target)
		mi->vfs.size = strlen(mi->target);
	return mi;
}

static void memfs_inode_destroy(struct inode *i)
{
	struct memfs_inode *mi = MEMFS_I(i);
	filepages_truncate(&mi->pages, memfs_memfile(i->sb), 0);
	free(mi->lower);
	free(mi->target);
	free(mi->pending);
	free(mi);
}

/* ---- superblocks ------------------------------------------------------- */

static void memfs_sb_close(struct memfs_sb *ms)
{
	if (ms->lower_open)
		close(ms->lower_fd);
	ms->lower_open = false;
}

static void memfs_sb_destroy(struct superblock *sb)
{
	struct memfs_sb *ms = MEMFS_SB(sb);
	memfs_sb_close(ms);
	free(ms->lower_root);
	free(ms);
}

static void statfs_common(struct statfs *st)
{
	st->f_bsize = PAGE_SIZE;
	st->f_frsize = PAGE_SIZE;
	st->f_namelen = NAME_MAX;
}

static int tmpfs_statfs(struct superblock *sb, struct statfs *st)
{
	memset(st, 0, sizeof(*st));
	statfs_common(st);
	st->f_type = TMPFS_MAGIC;
	const struct memfile *mf = memfs_memfile(sb);
	if (mf) {
		st->f_blocks = mf->max_pages;
		st->f_bfree = st->f_bavail = mf->max_pages - mf->pages_in_use;
	}
	st->f_files = st->f_ffree = 1u << 20;
	st->f_flags = ST_NOSUID | ST_NODEV;
	return 0;
}

/* The overlay reports its lower layer's sizes, as overlayfs reports its
 * upper layer's; f_type says overlay. */
static int overlay_statfs(struct superblock *sb, struct statfs *st)
{
	struct memfs_sb *ms = MEMFS_SB(sb);
	memset(st, 0, sizeof(*st));
	if (ms->lower_open && fstatfs(ms->lower_fd, st) < 0)
		memset(st, 0, sizeof(*st));
	statfs_common(st);
	st->f_type = OVERLAYFS_SUPER_MAGIC;
	st->f_flags = 0;
	return 0;
}

const struct fs_ops memfs_tmpfs_ops = {
	.name = "tmpfs",
	.codec_type = &codec_type_memfs_sb,
	.statfs = tmpfs_statfs,
	.destroy = memfs_sb_destroy,
};

const struct fs_ops memfs_overlay_ops = {
	.name = "overlay",
	.codec_type = &codec_type_memfs_sb,
	.statfs = overlay_statfs,
	.destroy = memfs_sb_destroy,
};

static struct memfs_sb *memfs_sb_new(struct kernel *k, uint64_t dev,
				     enum memfs_kind kind)
{
	struct memfs_sb *ms = calloc(1, sizeof(*ms));
	if (!ms)
		return NULL;
	super_init(&ms->sb, kind == MEMFS_OVERLAY ? &memfs_overlay_ops
						   : &memfs_tmpfs_ops,
		   k, dev);
	ms->kind = kind;
	return ms;
}

/* A root dentry for inode (whose reference it takes). */
static struct dentry *root_dentry(struct inode *inode)
{
	struct dentry *d = dentry_alloc(NULL, "/");
	dentry_instantiate(d, inode);
	return d;
}

int memfs_create_tmpfs(struct kernel *k, uint64_t dev, uint32_t mode,
		       struct superblock **sb, struct dentry **root)
{
	struct memfs_sb *ms = memfs_sb_new(k, dev, MEMFS_TMPFS);
	if (!ms)
		return -ENOMEM;
	struct create_args a = { .mode = S_IFDIR | (mode & 07777) };
	struct memfs_inode *mi = memfs_inode_new(&ms->sb, &a);
	if (!mi) {
		memfs_sb_destroy(&ms->sb);
		return -ENOMEM;
	}
	/* The inode holds its own reference to the superblock. */
	*sb = &ms->sb;
	*root = root_dentry(&mi->vfs);
	return 0;
}

int memfs_create_overlay(struct kernel *k, uint64_t dev,
			 const char *lower_root, struct superblock **sb,
			 struct dentry **root, struct error *err)
{
	struct memfs_sb *ms = memfs_sb_new(k, dev, MEMFS_OVERLAY);
	if (!ms || !(ms->lower_root = strdup(lower_root))) {
		if (ms)
			memfs_sb_destroy(&ms->sb);
		return error_set(err, ENOMEM, "out of memory");
	}
	ms->sb.next_ino = OVERLAY_FIRST_INO;
	ms->lower_fd = open(lower_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ms->lower_fd < 0) {
		int e = errno;
		memfs_sb_destroy(&ms->sb);
		return error_set_errno(err, e, "root %s", lower_root);
	}
	ms->lower_open = true;
	struct memfs_inode *mi;
	int rc = memfs_lower_inode(&ms->sb, ".", &mi);
	if (rc < 0) {
		memfs_sb_destroy(&ms->sb);
		return error_set_errno(err, -rc, "root %s", lower_root);
	}
	*sb = &ms->sb;
	*root = root_dentry(&mi->vfs);
	return 0;
}

int memfs_create_anon(struct superblock *sb, const char *name,
		      const struct create_args *a, struct dentry **out)
{
	struct memfs_inode *mi = memfs_inode_new(sb, a);
	if (!mi)
		return -ENOMEM;
	*out = dentry_alloc(NULL, name);
	dentry_instantiate(*out, &mi->vfs);
	return 0;
}

/* Blocks in use: what the host said of a lower-layer object, an upper
 * file's pages (not its size: sparse files), and none for the rest of
 * the upper layer, as tmpfs reports. */
static void memfs_getattr(struct dentry *d, struct vfs_stat *st)
{
	struct memfs_inode *mi = MEMFS_I(d->inode);
	if (mi->lower)
		st->blocks = mi->lower_blocks;
	else if (S_ISREG(mi->vfs.mode))
		st->blocks = mi->pages.count * (PAGE_SIZE / 512);
	else
		st->blocks = 0;
}

/* ---- the inode operations ------------------------------------------------ */

const struct inode_ops memfs_inode_ops = {
	.codec_type = &codec_type_memfs_inode,
	.lookup = memfs_lookup,
	.create = memfs_create,
	.link = memfs_link,
	.unlink = memfs_unlink,
	.rmdir = memfs_rmdir,
	.rename = memfs_rename,
	.readdir = memfs_readdir,
	.is_empty = memfs_is_empty,
	.readlink = memfs_readlink,
	.getattr = memfs_getattr,
	.setattr = memfs_setattr,
	.open = memfs_open,
	.destroy = memfs_inode_destroy,
};
