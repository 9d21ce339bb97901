/* The VFS: the mount table of a kernel, and the filesystem operations the
 * system calls use. Each operation does the generic part -- path walk,
 * permission checks, Linux's error rules (EEXIST, EISDIR, ENOTEMPTY,
 * EXDEV, sticky directories, ...) -- and calls the filesystem's inode
 * operations for the rest (inode.h).
 *
 * The filesystems (DESIGN.md "Files"): the root is the overlay -- a
 * read-only host directory (kernel_options.root, default "/") under a
 * writable upper layer kept in memory (memfs.h); tmpfs is mounted on
 * /tmp and /dev/shm; memfd files live on an internal tmpfs mount.
 *
 * Operations return 0 (or a count) or -errno, and run under the kernel
 * lock. Paths are kernel strings (namei_copy_path copies them in). */
#ifndef CORE_FS_VFS_H
#define CORE_FS_VFS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/statfs.h>

#include "core/fs/inode.h"
#include "core/fs/mount.h"
#include "snapshot/codec.h"
#include "snapshot/error.h"

struct file;
struct kernel;
struct task;

struct vfs {
	struct kernel *kernel;     /* host-only */
	struct mount *mounts;      /* the mount table: the root mount first,
	                              then in mount order; holds each */
	struct mount *anon;        /* internal mount for memfd files */
	uint32_t next_dev;         /* minor numbers for new filesystems */
	uint32_t next_mnt_id;
};

/* Builds the filesystem tree of a new kernel: the overlay of lower_root
 * (a host directory; NULL for "/") as root, tmpfs on /tmp and /dev/shm.
 * Returns 0, or -errno with *err saying what failed. */
int vfs_create(struct kernel *k, const char *lower_root, struct vfs **out,
	       struct error *err);
void vfs_destroy(struct vfs *v);

/* Gives a new task (pid 1) its filesystem context: root at the mount
 * tree's root, working directory cwd when the sandbox has it (the
 * caller's, as with `runsc do`), else "/". */
int vfs_setup_task(struct vfs *v, struct task *t, const char *cwd);

/* True when the root filesystem is the overlay of the host's own "/". */
bool vfs_root_is_host(const struct vfs *v);

/* The root of the mount tree (no new references). */
struct path vfs_root(const struct vfs *v);
/* A new anonymous device number (st_dev of a new filesystem). */
uint64_t vfs_new_dev(struct vfs *v);
/* Mounts root (of superblock sb, both taken over from the caller) on
 * the directory at; source names it in /proc/mounts. */
int vfs_mount(struct vfs *v, const struct path *at, struct superblock *sb,
	      struct dentry *root, const char *source, uint32_t flags);

/* ---- operations (vfs_open.c, vfs_names.c, vfs_attr.c) ---------------- */

/* open(2)/openat(2): flags and mode as given; *out gets a new open file
 * description with one reference. */
int vfs_open(struct task *t, int dirfd, const char *path, uint32_t flags,
	     uint32_t mode, struct file **out);
/* Opens an already-resolved path (the loader, /proc/self/fd later). */
int vfs_open_path(struct task *t, const struct path *p, uint32_t flags,
		  struct file **out);

/* mknod/mkdir: type and permissions in mode (umask applied here). */
int vfs_mknod(struct task *t, int dirfd, const char *path, uint32_t mode,
	      uint64_t rdev);
int vfs_symlink(struct task *t, const char *target, int dirfd,
		const char *path);
/* linkat: follow is AT_SYMLINK_FOLLOW, empty AT_EMPTY_PATH. */
int vfs_link(struct task *t, int olddirfd, const char *oldpath, int newdirfd,
	     const char *newpath, bool follow, bool empty);
int vfs_unlink(struct task *t, int dirfd, const char *path);
int vfs_rmdir(struct task *t, int dirfd, const char *path);
/* renameat2 with RENAME_NOREPLACE / RENAME_EXCHANGE. */
int vfs_rename(struct task *t, int olddirfd, const char *oldpath,
	       int newdirfd, const char *newpath, unsigned flags);

/* stat of what a path names (WALK_* flags); of an open file. */
int vfs_stat(struct task *t, int dirfd, const char *path, unsigned flags,
	     struct vfs_stat *st);
int vfs_getattr(const struct path *p, struct vfs_stat *st);
int vfs_fstat(struct file *f, struct vfs_stat *st);
/* readlink: the target's length, at most size bytes copied. */
int vfs_readlink(struct task *t, int dirfd, const char *path, char *buf,
		 size_t size);
/* faccessat2: mode F_OK or R_OK|W_OK|X_OK; eaccess uses the effective
 * ids (AT_EACCESS), else the real ones. */
int vfs_access(struct task *t, int dirfd, const char *path, int mode,
	       unsigned walk_flags, bool eaccess);
/* Attribute changes with their permission rules: chmod, chown (-1 =
 * unchanged), truncate, utimens (NULL times: now; UTIME_NOW/UTIME_OMIT
 * honoured). */
int vfs_chmod(struct task *t, const struct path *p, uint32_t mode);
int vfs_chown(struct task *t, const struct path *p, uint32_t uid,
	      uint32_t gid);
int vfs_truncate(struct task *t, const struct path *p, uint64_t size);
int vfs_utimens(struct task *t, const struct path *p,
		const struct timespec times[2]);
int vfs_statfs(const struct path *p, struct statfs *out);

/* chdir to a resolved path (must be a searchable directory). */
int vfs_chdir(struct task *t, const struct path *p);
/* The path of p from the process root into buf: its length with the NUL,
 * -ENAMETOOLONG, or -ENOENT when p was removed. */
int vfs_path_name(struct task *t, const struct path *p, char *buf,
		  size_t size);

extern const struct codec_type codec_type_vfs;

#endif
