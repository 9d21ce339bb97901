/* A process's filesystem context: its root (the sandbox root; ".." never
 * leads above it), its working directory and its umask. Shared by tasks
 * created with CLONE_FS, copied otherwise; hung off the task as t->fs. */
#ifndef CORE_FS_FS_CONTEXT_H
#define CORE_FS_FS_CONTEXT_H

#include <stdint.h>

#include "core/fs/mount.h"
#include "snapshot/codec.h"

struct fs_context {
	int refs;
	struct path root, cwd;     /* each holds its references */
	uint32_t umask;
};

/* A context with root and cwd at root and umask 022; NULL when out of
 * memory. */
struct fs_context *fs_context_create(const struct path *root);
/* A copy (fork without CLONE_FS). */
struct fs_context *fs_context_copy(const struct fs_context *fs);
void fs_context_get(struct fs_context *fs);
void fs_context_put(struct fs_context *fs);

extern const struct codec_type codec_type_fs_context;

#endif
