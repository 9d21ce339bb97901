/* Superblocks: one per filesystem instance (the overlay root, each tmpfs
 * mount, the internal memfd filesystem). A filesystem kind embeds struct
 * superblock first and has its own codec type, named in its fs_ops.
 * Referenced by its inodes and the mounts of it. */
#ifndef CORE_FS_SUPER_H
#define CORE_FS_SUPER_H

#include <stdint.h>
#include <sys/statfs.h>

#include "snapshot/codec.h"

struct kernel;
struct superblock;

struct fs_ops {
	const char *name;                    /* "tmpfs", "overlay" */
	const struct codec_type *codec_type; /* the concrete kind */
	/* statfs(2) of this filesystem (f_type, sizes, name length). */
	int (*statfs)(struct superblock *sb, struct statfs *out);
	/* Frees the kind's data and the struct itself. */
	void (*destroy)(struct superblock *sb);
};

struct superblock {
	const struct fs_ops *ops;
	int refs;
	uint64_t dev;              /* st_dev of its inodes */
	uint64_t next_ino;         /* inode numbers handed out */
	struct kernel *kernel;     /* host-only: set at creation and after
	                              load (the memory file lives there) */
};

void super_init(struct superblock *sb, const struct fs_ops *ops,
		struct kernel *k, uint64_t dev);
void super_get(struct superblock *sb);
void super_put(struct superblock *sb);

/* Each kind's save/load of the common part. refs is counted by the
 * inodes and mounts that load. */
void super_save_common(struct encoder *enc, const struct superblock *sb);
void super_load_common(struct decoder *dec, struct superblock *sb,
		       const struct fs_ops *ops);

/* A reference to a superblock of any kind, checked on load. */
void super_enc_ref(struct encoder *enc, const struct superblock *sb);
struct superblock *super_dec_ref(struct decoder *dec);

#endif
