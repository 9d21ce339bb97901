/* Open file descriptions and their operations.
 *
 * A `struct file` is what an fd refers to (shared by dup and fork): its
 * ops, status flags and offset, and -- for files opened through the VFS
 * -- the path it was opened by (mount and dentry, which give the inode).
 * Each kind of file (host stdio passthrough, memfs files, directories,
 * O_PATH files; pipes, sockets later) embeds struct file as its first
 * member and has its own codec type, named by its ops, so a file saves
 * and loads as its concrete kind. A kind that has a path saves it with
 * file_save_path.
 *
 * Every operation but read, write and release may be NULL; the system
 * calls then answer as Linux does for a file without it (ESPIPE for
 * positional I/O and lseek, ENOTTY for ioctl, EINVAL for the rest).
 *
 * Operations run under the kernel lock; one that blocks on the host
 * releases the lock around the blocking call. */
#ifndef CORE_FILE_H
#define CORE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot/codec.h"

struct task;
struct file;
struct mount;
struct dentry;
struct vfs_stat;
struct poll_table;
struct epitem;

/* O_LARGEFILE as the kernel has it: glibc defines O_LARGEFILE as 0 on
 * x86-64, but Linux sets this bit in every file's flags there. */
#define FILE_O_LARGEFILE 0100000u

struct file_ops {
	const struct codec_type *codec_type;  /* the concrete kind */
	/* buf is kernel memory; return bytes or -errno. */
	int64_t (*read)(struct file *f, struct task *t, void *buf, size_t n);
	int64_t (*write)(struct file *f, struct task *t, const void *buf,
			 size_t n);
	/* Frees the kind's own resources (not the struct). */
	void (*release)(struct file *f);
	/* pread/pwrite at off; f->pos is not used nor changed. */
	int64_t (*pread)(struct file *f, struct task *t, void *buf, size_t n,
			 int64_t off);
	int64_t (*pwrite)(struct file *f, struct task *t, const void *buf,
			  size_t n, int64_t off);
	/* lseek: the new offset or -errno. */
	int64_t (*llseek)(struct file *f, int64_t off, int whence);
	/* fstat; NULL: the inode of f->dentry. */
	int (*stat)(struct file *f, struct vfs_stat *st);
	/* getdents64 into kernel memory: bytes, 0 at the end, -errno. */
	int64_t (*getdents)(struct file *f, void *buf, size_t n);
	/* ioctl: the result or -errno; arg is an application address or
	 * value, as the command defines. */
	int64_t (*ioctl)(struct file *f, struct task *t, unsigned cmd,
			 uint64_t arg);
	/* ftruncate; fallocate (mode as fallocate(2)); fsync. */
	int (*truncate)(struct file *f, uint64_t size);
	int (*fallocate)(struct file *f, int mode, uint64_t off, uint64_t len);
	int (*fsync)(struct file *f);
	/* Bytes readable now (FIONREAD); NULL: ENOTTY. */
	int64_t (*nread)(struct file *f);
	/* Optional: what /proc/PID/fd/N shows for a file without a path
	 * ("pipe:[N]", "anon_inode:[eventfd]"), snprintf-like; NULL:
	 * "anon_inode:[<codec type name>]". */
	int (*name)(struct file *f, char *buf, size_t size);
	/* File mappings (mmap): stores in mpages the memory-file pages
	 * holding file pages [idx, idx + n), each with a new reference the
	 * caller owns, stopping at the end of the file. shared: for a
	 * MAP_SHARED mapping (the pages must be the file's own). Returns how
	 * many (0: idx is past the end) or -errno. NULL: mmap gives ENODEV,
	 * unless map_anonymous says yes. */
	int64_t (*map_pages)(struct file *f, uint64_t idx, uint64_t n,
			     bool shared, uint64_t *mpages);
	/* True if mmap of f maps anonymous memory instead (/dev/zero);
	 * NULL: never. */
	bool (*map_anonymous)(const struct file *f);
	/* Readiness as POLL* bits, registering with pt (core/waitq.h)
	 * every wait queue or host fd that may change it; pt may be NULL.
	 * NULL: always ready (POLL_DEFAULT_MASK), like a regular file. */
	uint32_t (*poll)(struct file *f, struct poll_table *pt);
};

struct file {
	const struct file_ops *ops;
	int refs;
	uint32_t flags;            /* O_ACCMODE and status flags */
	int64_t pos;
	struct mount *mnt;         /* the path it was opened by, or NULL;   */
	struct dentry *dentry;     /* each holds a reference             */
	struct epitem *epitems;    /* host-only: epoll items watching it
	                              (core/epoll.h), gone at release */
};

void file_get(struct file *f);
void file_put(struct file *f);

/* Helpers for each kind's save/load of the common part. */
void file_save_common(struct encoder *enc, const struct file *f);
void file_load_common(struct decoder *dec, struct file *f,
		      const struct file_ops *ops);
/* The path of a VFS file: saved, and loaded (a file of such a kind must
 * have one) with its references counted. */
void file_save_path(struct encoder *enc, const struct file *f);
void file_load_path(struct decoder *dec, struct file *f);

/* Initializes a new VFS file of one reference for (mnt, dentry), taking
 * new references to both. flags are open(2)'s, less what only opening
 * uses. */
void file_init_path(struct file *f, const struct file_ops *ops,
		    struct mount *mnt, struct dentry *dentry, uint32_t flags);

/* The ops of a concrete file codec type, or NULL if the type is not a
 * file (fd tables check what they load). */
const struct file_ops *file_ops_of_type(const struct codec_type *type);

#endif
