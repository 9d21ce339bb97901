/* Path walking: from a path string to a (mount, dentry), as Linux does
 * it -- absolute paths from the process root, relative ones from the
 * working directory or a directory fd; "." and ".."; ".." never leaves
 * the sandbox root; mounts are crossed both ways; symlinks are followed
 * in every component but the last, and in the last when asked (or when a
 * trailing slash demands a directory), at most NAMEI_MAXSYMLINKS per
 * walk (ELOOP beyond); every directory searched needs search (x)
 * permission; components longer than NAME_MAX give ENAMETOOLONG.
 *
 * namei() resolves a whole path. Operations that create or remove a name
 * walk to its parent instead: walk_start, walk_parent (which leaves the
 * final component in w->last), then walk_lookup_last / walk_follow_link
 * as the operation needs (open(O_CREAT) follows a symlink that exists,
 * mkdir does not), and walk_end. */
#ifndef CORE_FS_NAMEI_H
#define CORE_FS_NAMEI_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/fs/mount.h"
#include "core/fs/perm.h"

struct dentry;
struct task;
struct vfs;

#define NAMEI_MAXSYMLINKS 40

#define WALK_FOLLOW    0x01u  /* follow a symlink in the final component */
#define WALK_DIRECTORY 0x02u  /* the result must be a directory */
#define WALK_EMPTY     0x04u  /* "" names the starting point (AT_EMPTY_PATH) */

enum last_type {
	LAST_NORM,                 /* a name */
	LAST_ROOT,                 /* the path was only slashes */
	LAST_DOT,
	LAST_DOTDOT,
	LAST_EMPTY,                /* "" with WALK_EMPTY */
};

struct walk {
	struct vfs *vfs;
	struct task *task;         /* who walks (links like /proc/self) */
	struct cred cred;
	struct path root;          /* the process root */
	struct path cur;           /* where the walk is */
	char *buf;                 /* what is left to walk starts at pos */
	size_t pos;
	int links;                 /* symlinks followed so far */
	unsigned flags;
	/* After walk_parent: the final component. */
	char last[NAME_MAX + 1];
	enum last_type last_type;
	bool trailing_slash;       /* "name/": must be a directory */
};

/* Starts a walk of path for t, relative to dirfd (AT_FDCWD: the working
 * directory). 0, or -ENOENT (empty path without WALK_EMPTY), -EBADF,
 * -ENOTDIR (dirfd is not a directory), -ENOMEM. Call walk_end after. */
int walk_start(struct walk *w, struct task *t, int dirfd, const char *path,
	       unsigned flags);
/* Walks every component but the last. */
int walk_parent(struct walk *w);
/* Looks up the final component in w->cur: *out gets it (with references)
 * or the call fails (-ENOENT when it does not exist). No symlink is
 * followed. */
int walk_lookup_last(struct walk *w, struct path *out);
/* Looks up the final component, a name (LAST_NORM), in w->cur itself:
 * no mount on it is crossed (what operations on names need). */
int walk_lookup_name(struct walk *w, struct dentry **out);
/* Continues the walk at the target of the final component, a symlink:
 * call walk_parent again afterwards. */
int walk_follow_link(struct walk *w, struct dentry *link);
void walk_end(struct walk *w);

/* Resolves path (WALK_* flags) into *out, with references. */
int namei(struct task *t, int dirfd, const char *path, unsigned flags,
	  struct path *out);

/* The child of dir named name, from the dentry cache or the filesystem,
 * with a reference: -ENOENT when absent (or dir was removed), -ENOTDIR
 * when dir is not a directory. No permission check. */
int vfs_lookup_child(struct dentry *dir, const char *name,
		     struct dentry **out);

/* Copies a path argument from application memory into a malloc'd
 * string: -EFAULT, -ENAMETOOLONG (PATH_MAX with the NUL), -ENOMEM. */
int namei_copy_path(struct task *t, uint64_t addr, char **out);

#endif
