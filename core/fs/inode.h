/* Inodes: the objects of a filesystem (files, directories, symlinks,
 * devices, fifos, sockets) with their attributes, and the operations each
 * filesystem implements on them.
 *
 * A filesystem's inode embeds struct inode as its first member and has its
 * own codec type, named by its ops (like files do), so inodes save and
 * load as their concrete kind. An inode is referenced by the dentries that
 * name it (its links in the dentry tree, plus unlinked dentries kept by
 * open files); the last reference destroys it.
 *
 * Operations take dentries, not bare inodes: a filesystem may need the
 * name and parent (the overlay finds lower-layer objects by path, and
 * pins a dentry when its inode gains upper-layer state). The generic
 * checks -- permissions, existence, types, emptiness, sticky directories
 * -- are done by the VFS (vfs.h) before an operation is called, so each
 * filesystem implements only what is specific to it.
 *
 * Locking: the kernel lock, like everything in core/. */
#ifndef CORE_FS_INODE_H
#define CORE_FS_INODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "snapshot/codec.h"

struct dentry;
struct dir_listing;
struct file;
struct file_lock;
struct inode;
struct mount;
struct path;
struct pipe;
struct superblock;
struct task;

/* What stat(2) and statx(2) report. */
struct vfs_stat {
	uint64_t dev, ino, rdev, size, blocks;
	uint32_t mode, nlink, uid, gid, blksize;
	uint64_t mnt_id;
	struct timespec atime, mtime, ctime;
};

/* setattr: which fields of struct iattr to apply. */
#define IATTR_MODE  0x01u
#define IATTR_UID   0x02u
#define IATTR_GID   0x04u
#define IATTR_SIZE  0x08u
#define IATTR_ATIME 0x10u
#define IATTR_MTIME 0x20u

struct iattr {
	unsigned valid;
	uint32_t mode;             /* permission bits only */
	uint32_t uid, gid;
	uint64_t size;
	struct timespec atime, mtime;
};

/* What a new inode is made from: type and permissions (umask already
 * applied), owner, device number, symlink target. */
struct create_args {
	uint32_t mode;
	uint32_t uid, gid;
	uint64_t rdev;
	const char *target;        /* S_IFLNK only */
};

struct inode_ops {
	const struct codec_type *codec_type;  /* the concrete kind */

	/* ---- directories (NULL in other inodes) ---- */
	/* Called when dir's dentry cache has no entry for name: makes a
	 * new positive child dentry (added to the cache, one reference for
	 * the caller) or returns -ENOENT. */
	int (*lookup)(struct dentry *dir, const char *name,
		      struct dentry **out);
	/* Makes a new entry (any type) that does not exist yet (a whiteout
	 * may be cached under the name); returns it with a reference. */
	int (*create)(struct dentry *dir, const char *name,
		      const struct create_args *a, struct dentry **out);
	/* A new name in dir for old's inode (not a directory). */
	int (*link)(struct dentry *old, struct dentry *dir, const char *name);
	/* Removes a non-directory / an empty directory named by victim. */
	int (*unlink)(struct dentry *dir, struct dentry *victim);
	int (*rmdir)(struct dentry *dir, struct dentry *victim);
	/* Moves old (a child of odir) to name in ndir, replacing target
	 * (the existing entry there, or NULL); flags RENAME_EXCHANGE swaps
	 * old and target. The VFS has checked the types and emptiness. */
	int (*rename)(struct dentry *odir, struct dentry *old,
		      struct dentry *ndir, const char *name,
		      struct dentry *target, unsigned flags);
	/* Lists every entry of dir, "." and ".." first. */
	int (*readdir)(struct dentry *dir, struct dir_listing *out);
	/* True when dir has no entries but "." and "..". */
	bool (*is_empty)(struct dentry *dir);

	/* ---- every inode ---- */
	/* Copies a symlink's target into buf (not NUL-terminated); returns
	 * its length, at most size. */
	int (*readlink)(struct dentry *d, char *buf, size_t size);
	/* Optional, for links whose target depends on the task following
	 * them (/proc/self) or that lead to an object rather than a name
	 * (/proc/PID/fd/N, cwd, root: "magic links"). readlink_task
	 * replaces readlink when set. get_link gives the path a walk
	 * continues at (with references), or returns 1 when the link is to
	 * be followed by its text, or -errno. */
	int (*readlink_task)(struct dentry *d, struct task *t, char *buf,
			     size_t size);
	int (*get_link)(struct dentry *d, struct task *t, struct path *out);
	/* Optional: adjusts what stat reports beyond the inode's fields
	 * (blocks in use, say). */
	void (*getattr)(struct dentry *d, struct vfs_stat *st);
	/* Applies attribute changes (permission checks are done). */
	int (*setattr)(struct dentry *d, const struct iattr *ia);
	/* Opens d for the open(2) flags; makes the open file description.
	 * NULL: the VFS opens directories and O_PATH files itself and
	 * refuses the rest with -ENXIO. */
	int (*open)(struct dentry *d, struct mount *mnt, uint32_t flags,
		    struct file **out);
	/* Frees the inode (the kind's data and the struct itself). */
	void (*destroy)(struct inode *inode);
};

struct inode {
	const struct inode_ops *ops;
	struct superblock *sb;     /* holds a reference */
	int refs;                  /* dentries naming this inode */
	uint64_t ino;
	uint32_t mode;             /* S_IFMT type and permission bits */
	uint32_t uid, gid;
	uint32_t nlink;
	uint64_t size;
	uint64_t rdev;
	struct timespec atime, mtime, ctime;
	struct file_lock *locks;   /* record locks and flocks (lock.h) */
	struct pipe *fifo;         /* host-only: a FIFO's pipe while it is
	                              open (core/pipe.c; derived after load
	                              from the open ends) */
};

void inode_init(struct inode *i, const struct inode_ops *ops,
		struct superblock *sb, uint64_t ino, const struct create_args *a);
void inode_get(struct inode *i);
void inode_put(struct inode *i);

/* Sets the named timestamps to now. */
#define INODE_ATIME 1u
#define INODE_MTIME 2u
#define INODE_CTIME 4u
void inode_touch(struct inode *i, unsigned which);
/* The time now, as timestamps are kept (the host's CLOCK_REALTIME). */
struct timespec inode_now(void);

/* stat of an inode from its fields (dev from its superblock). */
void inode_stat(const struct inode *i, struct vfs_stat *st);

/* Each inode kind's save/load of the common part. The superblock is a
 * reference; refs is counted by the dentries that load. */
void inode_save_common(struct encoder *enc, const struct inode *i);
void inode_load_common(struct decoder *dec, struct inode *i,
		       const struct inode_ops *ops);

/* The ops of a concrete inode codec type, or NULL if the type is not an
 * inode (dentries check what they load). */
const struct inode_ops *inode_ops_of_type(const struct codec_type *type);

#endif
