/* Shared by the files of memfs (memfs.c, memfs_dir.c, memfs_lower.c,
 * memfs_data.c, memfs_file.c, memfs_codec.c); nothing else includes it. */
#ifndef CORE_FS_MEMFS_INTERNAL_H
#define CORE_FS_MEMFS_INTERNAL_H

#include <stdbool.h>
#include <sys/stat.h>

#include "core/fs/dentry.h"
#include "core/fs/memfs.h"

struct dir_listing;

/* A new upper inode of sb (next inode number) from a; NULL when out of
 * memory. */
struct memfs_inode *memfs_inode_new(struct superblock *sb,
				    const struct create_args *a);
/* The memory file of sb's kernel, or NULL (a decode that failed). */
struct memfile *memfs_memfile(const struct superblock *sb);

/* ---- the lower layer (memfs_lower.c) ----------------------------------- */

/* dir's lower path joined with name (malloc'd), or NULL. */
char *memfs_lower_join(const char *dir, const char *name);
/* A new inode for the host object at rel: -ENOENT when there is none. */
int memfs_lower_inode(struct superblock *sb, const char *rel,
		      struct memfs_inode **out);
/* Whether the host has an entry at rel (so removing it needs a
 * whiteout). */
bool memfs_lower_exists(struct superblock *sb, const char *rel);
/* Adds the host directory rel's entries that dir (its dentry) does not
 * hide or already have to out. */
int memfs_lower_readdir(struct dentry *dir, const char *rel,
			struct dir_listing *out);
/* True when the host directory rel has an entry dir does not hide. */
bool memfs_lower_has_entries(struct dentry *dir, const char *rel);
/* readlink of the host symlink rel. */
int memfs_lower_readlink(struct superblock *sb, const char *rel, char *buf,
			 size_t size);

/* ---- inode operations (memfs_dir.c, memfs_attr.c, memfs_file.c) ------- */

int memfs_lookup(struct dentry *dir, const char *name, struct dentry **out);
int memfs_create(struct dentry *dir, const char *name,
		 const struct create_args *a, struct dentry **out);
int memfs_link(struct dentry *old, struct dentry *dir, const char *name);
int memfs_unlink(struct dentry *dir, struct dentry *victim);
int memfs_rmdir(struct dentry *dir, struct dentry *victim);
int memfs_rename(struct dentry *odir, struct dentry *old, struct dentry *ndir,
		 const char *name, struct dentry *target, unsigned flags);
int memfs_readdir(struct dentry *dir, struct dir_listing *out);
bool memfs_is_empty(struct dentry *dir);
int memfs_readlink(struct dentry *d, char *buf, size_t size);
int memfs_setattr(struct dentry *d, const struct iattr *ia);
int memfs_open(struct dentry *d, struct mount *mnt, uint32_t flags,
	       struct file **out);

/* Keeps d (and so its inode's state) in the tree: an upper-layer
 * change. Only entries in a directory are pinned: a filesystem root is
 * held by its mount, and a removed or anonymous (memfd) entry by whoever
 * still uses it, and must go with them. */
static inline void memfs_dirty(struct dentry *d)
{
	if (dentry_hashed(d))
		dentry_pin(d);
}

#endif
