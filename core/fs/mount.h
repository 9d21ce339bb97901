/* Mounts and paths. A mount attaches a filesystem's root dentry at a
 * dentry (the mountpoint) of another mount; a path is a (mount, dentry)
 * pair, because the same dentry can be reached through several mounts.
 *
 * References: a mount holds its superblock, its root and its mountpoint
 * dentries and its parent mount; the mount table (struct vfs), open
 * files and fs contexts hold mounts. Mounts are never detached yet (no
 * umount), so a mount lives as long as the kernel. */
#ifndef CORE_FS_MOUNT_H
#define CORE_FS_MOUNT_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mount.h>

#include "snapshot/codec.h"

struct dentry;
struct superblock;

struct mount {
	int refs;
	uint32_t id;               /* statx's stx_mnt_id, mountinfo's id */
	uint32_t flags;            /* MS_RDONLY, MS_NOSUID, ... */
	struct superblock *sb;
	struct dentry *root;
	struct mount *parent;      /* NULL: the root mount, or internal */
	struct dentry *mountpoint; /* in parent */
	struct mount *next;        /* the mount table's list */
	char *source;              /* for /proc/mounts: "tmpfs", "overlay" */
	bool listed;               /* decode only: in the mount table */
};

struct path {
	struct mount *mnt;
	struct dentry *dentry;
};

/* -EROFS when m is mounted read-only: what every change through it
 * checks first. */
static inline int mount_writable(const struct mount *m)
{
	return (m->flags & MS_RDONLY) ? -EROFS : 0;
}

void mount_get(struct mount *m);
void mount_put(struct mount *m);

/* Takes / drops a reference to both halves of a path. */
void path_get(const struct path *p);
void path_put(struct path *p);
/* *dst = *src with new references (dst's old ones dropped). */
void path_set(struct path *dst, const struct path *src);

static inline bool path_equal(const struct path *a, const struct path *b)
{
	return a->mnt == b->mnt && a->dentry == b->dentry;
}

/* Steps into whatever is mounted on p (the topmost mount), repeatedly. */
void path_follow_mounts(struct path *p, const struct mount *mounts);
/* "..": the parent of p, crossing mount roots upward, but never above
 * root (the sandbox root: ".." of it is itself). */
void path_up(struct path *p, const struct path *root,
	     const struct mount *mounts);

extern const struct codec_type codec_type_mount;

/* Saved reference pairs, for every object that holds a path. */
void path_save(struct encoder *enc, const struct path *p);
/* Loads a path (both halves or neither) and counts its references. */
void path_load(struct decoder *dec, struct path *p);

#endif
