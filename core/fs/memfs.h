/* memfs: the memory filesystem behind tmpfs, memfd and the overlay root.
 *
 * Every memfs directory lives in the dentry tree (pinned dentries); file
 * data lives in memory-file pages (filepages.h); symlink targets in the
 * inode. A memfs may also have a LOWER LAYER: a host directory, read
 * only, never written. Its directories then merge the host's entries
 * with their own, and that is the overlay root (DESIGN.md "Files"):
 *
 *  - an inode found in the lower layer records its host path (relative
 *    to the lower root) in `lower`; a directory with `lower` merges that
 *    host directory's entries; a regular file or symlink with `lower`
 *    reads its data from the host;
 *  - writing data (open for writing, truncate) COPIES UP a regular file
 *    or symlink: its data moves into memory pages and `lower` is
 *    dropped. Metadata is always the inode's own (read from the host
 *    once, at lookup); changing it only pins the dentry;
 *  - removing or renaming away a name the host has leaves a WHITEOUT
 *    (a pinned negative dentry) that hides it; a directory created in
 *    its place has no `lower`, so it is opaque;
 *  - a dentry whose inode has no upper-layer state is only a cache and
 *    goes with its last reference.
 * tmpfs is memfs without a lower layer.
 *
 * Host access to the lower layer is by path, relative to an O_PATH fd of
 * the lower root, reopened at restore. */
#ifndef CORE_FS_MEMFS_H
#define CORE_FS_MEMFS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/fs/filepages.h"
#include "core/memfile.h"
#include "core/fs/inode.h"
#include "core/fs/super.h"
#include "snapshot/error.h"

struct kernel;

enum memfs_kind {
	MEMFS_TMPFS = 0,
	MEMFS_OVERLAY = 1,
};

struct memfs_sb {
	struct superblock sb;
	enum memfs_kind kind;
	char *lower_root;          /* host path of the lower layer, or NULL */
	int lower_fd;              /* host-only: O_PATH fd of lower_root */
	bool lower_open;           /* host-only: lower_fd is valid */
};

/* A run of a file's pages as saved: n file pages from idx backed by
 * memory-file pages from mpage. */
struct memfs_page_run {
	uint64_t idx, mpage, n;
};

struct memfs_inode {
	struct inode vfs;          /* first: a memfs inode is an inode */
	char *lower;               /* host path relative to the lower root
	                              ("." for it), or NULL: upper only */
	struct filepages pages;    /* regular file data (upper), or the
	                              page cache of a lower file's data
	                              (file mappings) */
	char *target;              /* symlink target (upper) */
	uint64_t lower_blocks;     /* st_blocks the host reported */
	/* Decode only: the saved page runs, checked against the memory file
	 * and turned into pages by after-load. */
	struct memfs_page_run *pending;
	uint32_t npending;
};

static inline struct memfs_inode *MEMFS_I(struct inode *i)
{
	return (struct memfs_inode *)i;
}

static inline struct memfs_sb *MEMFS_SB(struct superblock *sb)
{
	return (struct memfs_sb *)sb;
}

/* Largest file: what the page index can hold. */
#define MEMFS_MAX_FILE_SIZE (FILEPAGES_INDEX_LIMIT * PAGE_SIZE)

/* A new tmpfs with a root directory of mode (S_IFDIR added) owned by
 * root; *sb and *root each get one reference. */
int memfs_create_tmpfs(struct kernel *k, uint64_t dev, uint32_t mode,
		       struct superblock **sb, struct dentry **root);
/* A new overlay over the host directory lower_root. */
int memfs_create_overlay(struct kernel *k, uint64_t dev,
			 const char *lower_root, struct superblock **sb,
			 struct dentry **root, struct error *err);

/* A new regular file of sb named by an anonymous dentry (in no
 * directory): memfd_create's file. *out has one reference. */
int memfs_create_anon(struct superblock *sb, const char *name,
		      const struct create_args *a, struct dentry **out);

/* ---- file data (memfs_data.c), for open files and file mappings ------- */

/* Reads / writes an upper file's bytes at off; reads stop at the size.
 * Writes grow the file; -ENOSPC when the memory file is full, -EFBIG
 * past MEMFS_MAX_FILE_SIZE. */
int64_t memfs_read(struct memfs_inode *mi, void *buf, size_t n, uint64_t off);
int64_t memfs_write(struct memfs_inode *mi, const void *buf, size_t n,
		    uint64_t off);
/* Sets an upper file's size, freeing the pages past it. */
int memfs_set_size(struct memfs_inode *mi, uint64_t size);
/* Allocates the pages of [off, off+len) (fallocate mode 0). */
int memfs_allocate(struct memfs_inode *mi, uint64_t off, uint64_t len);
/* The memory-file page holding file page idx of an upper file, allocated
 * (zeroed) when alloc is set and it is a hole: what a shared file mapping
 * maps. -ENOENT for a hole without alloc, -ENOSPC. */
int memfs_get_page(struct memfs_inode *mi, uint64_t idx, bool alloc,
		   uint64_t *mpage);

/* File mappings: stores the memory-file pages of file pages [idx, idx +
 * n) in mpages, each with a new reference for the caller, stopping at the
 * end of the file; returns how many (0 past the end) or -errno. Holes of
 * an upper file get (zeroed) pages of the file. A lower-layer file's
 * pages are read from host_fd (its host file, open) into its page index
 * once, which then serves as its page cache: shared by every mapping,
 * saved with the sandbox, and kept as the upper data by a copy-up. */
int64_t memfs_map_pages(struct memfs_inode *mi, int host_fd, uint64_t idx,
			uint64_t n, uint64_t *mpages);

/* Copies d's inode up from the lower layer if it is there (its data
 * into memory) and pins d; needed before the data changes. */
int memfs_copy_up(struct dentry *d);
/* True for a regular file whose data is still the lower layer's. */
static inline bool memfs_is_lower_data(const struct memfs_inode *mi)
{
	return mi->lower != NULL;
}
/* Opens the lower-layer object of mi on the host (O_RDONLY|O_CLOEXEC,
 * never following a host symlink); a host fd or -errno. */
int memfs_open_lower(struct memfs_inode *mi, int flags);

extern const struct fs_ops memfs_tmpfs_ops;
extern const struct fs_ops memfs_overlay_ops;
extern const struct inode_ops memfs_inode_ops;
extern const struct codec_type codec_type_memfs_sb;
extern const struct codec_type codec_type_memfs_inode;

#endif
