/* Open file descriptions and their operations.
 *
 * A `struct file` is what an fd refers to (shared by dup and fork): its
 * ops, status flags and offset. Each kind of file (host stdio passthrough
 * now; tmpfs, overlay, pipes, sockets later) embeds struct file as its
 * first member and has its own codec type, named by its ops, so a file
 * saves and loads as its concrete kind.
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

struct file_ops {
	const struct codec_type *codec_type;  /* the concrete kind */
	/* buf is kernel memory; return bytes or -errno. */
	int64_t (*read)(struct file *f, struct task *t, void *buf, size_t n);
	int64_t (*write)(struct file *f, struct task *t, const void *buf,
			 size_t n);
	/* Frees the kind's own resources (not the struct). */
	void (*release)(struct file *f);
};

struct file {
	const struct file_ops *ops;
	int refs;
	uint32_t flags;            /* O_ACCMODE and status flags */
	int64_t pos;
};

void file_get(struct file *f);
void file_put(struct file *f);

/* Helpers for each kind's save/load of the common part. */
void file_save_common(struct encoder *enc, const struct file *f);
void file_load_common(struct decoder *dec, struct file *f,
		      const struct file_ops *ops);

/* The ops of a concrete file codec type, or NULL if the type is not a
 * file (fd tables check what they load). */
const struct file_ops *file_ops_of_type(const struct codec_type *type);

#endif
