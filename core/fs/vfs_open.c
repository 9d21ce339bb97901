/* open(2): walking (and creating) the path, Linux's checks, O_TRUNC,
 * and the open file description. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "core/file.h"
#include "core/fs/dentry.h"
#include "core/fs/dir_file.h"
#include "core/fs/fs_context.h"
#include "core/fs/namei.h"
#include "core/fs/path_file.h"
#include "core/fs/vfs.h"
#include "core/task.h"

static bool reads(uint32_t flags)
{
	uint32_t acc = flags & O_ACCMODE;
	return acc == O_RDONLY || acc == O_ACCMODE;
}

static bool writes(uint32_t flags)
{
	uint32_t acc = flags & O_ACCMODE;
	return acc == O_WRONLY || acc == O_RDWR || acc == O_ACCMODE;
}

/* Linux's may_open: what the file is and what the caller may do. */
static int may_open(struct task *t, const struct path *p, uint32_t flags,
		    bool created)
{
	const struct inode *i = p->dentry->inode;
	if (S_ISLNK(i->mode))
		return -ELOOP;
	if (S_ISDIR(i->mode) && (writes(flags) || (flags & O_TRUNC)))
		return -EISDIR;
	if (!S_ISDIR(i->mode) && (flags & O_DIRECTORY))
		return -ENOTDIR;
	if (S_ISREG(i->mode) && (writes(flags) || (flags & O_TRUNC)) &&
	    mount_writable(p->mnt) < 0)
		return -EROFS;
	if (created)
		return 0;
	struct cred c = task_cred(t);
	int mask = (reads(flags) ? MAY_READ : 0) |
		   (writes(flags) || (flags & O_TRUNC) ? MAY_WRITE : 0);
	return inode_permission(i, &c, mask);
}

static int open_resolved(struct task *t, const struct path *p, uint32_t flags,
			 bool created, struct file **out)
{
	struct inode *i = p->dentry->inode;
	if (flags & O_PATH)
		return path_file_open(p->mnt, p->dentry, flags, out);
	int rc = may_open(t, p, flags, created);
	if (rc < 0)
		return rc;
	if (S_ISDIR(i->mode))
		return dir_file_open(p->mnt, p->dentry, flags, out);
	if (!i->ops->open)
		return -ENXIO;
	if ((flags & O_TRUNC) && S_ISREG(i->mode) && !created) {
		struct iattr ia = { .valid = IATTR_SIZE, .size = 0 };
		rc = i->ops->setattr ? i->ops->setattr(p->dentry, &ia) : -EPERM;
		if (rc < 0)
			return rc;
	}
	return i->ops->open(p->dentry, p->mnt, flags, out);
}

int vfs_open_path(struct task *t, const struct path *p, uint32_t flags,
		  struct file **out)
{
	return open_resolved(t, p, flags, false, out);
}

/* Creates the regular file w->last in w->cur (which the lookup found
 * missing): permissions, umask, owner. */
static int create_last(struct task *t, struct walk *w, uint32_t mode,
		       struct path *out)
{
	struct dentry *dir = w->cur.dentry;
	struct cred c = task_cred(t);
	int rc = mount_writable(w->cur.mnt);
	if (rc == 0)
		rc = inode_permission(dir->inode, &c, MAY_WRITE | MAY_EXEC);
	if (rc < 0)
		return rc;
	if (dir->inode->nlink == 0)
		return -ENOENT;
	if (!dir->inode->ops->create)
		return -EACCES;        /* Linux's vfs_create without one */
	struct create_args a = {
		.mode = S_IFREG | (mode & 07777 & ~t->fs->umask),
		.uid = c.uid,
		.gid = new_inode_gid(dir->inode, &c),
	};
	struct dentry *d;
	rc = dir->inode->ops->create(dir, w->last, &a, &d);
	if (rc < 0)
		return rc;
	mount_get(w->cur.mnt);
	*out = (struct path){ w->cur.mnt, d };
	return 0;
}

/* O_CREAT: the final component is created unless it exists; a symlink
 * there is followed (to create its target), unless O_EXCL or
 * O_NOFOLLOW say otherwise. */
static int open_create(struct task *t, struct walk *w, uint32_t flags,
		       uint32_t mode, struct path *out, bool *created)
{
	for (;;) {
		int rc = walk_parent(w);
		if (rc < 0)
			return rc;
		/* LAST_EMPTY: a magic link (/proc/self/fd/N) led to an
		 * object that exists. */
		if (w->last_type != LAST_NORM && w->last_type != LAST_EMPTY)
			return -EISDIR;
		struct path p;
		rc = walk_lookup_last(w, &p);
		if (rc == -ENOENT) {
			if (w->trailing_slash)
				return -EISDIR;
			*created = true;
			return create_last(t, w, mode, out);
		}
		if (rc < 0)
			return rc;
		const struct inode *i = p.dentry->inode;
		if ((flags & O_EXCL) || S_ISDIR(i->mode) ||
		    (S_ISLNK(i->mode) && (flags & O_NOFOLLOW))) {
			rc = (flags & O_EXCL) ? -EEXIST
			     : S_ISDIR(i->mode) ? -EISDIR : -ELOOP;
			path_put(&p);
			return rc;
		}
		if (!S_ISLNK(i->mode)) {
			*out = p;
			return 0;
		}
		rc = walk_follow_link(w, p.dentry);
		path_put(&p);
		if (rc < 0)
			return rc;
	}
}

int vfs_open(struct task *t, int dirfd, const char *path, uint32_t flags,
	     uint32_t mode, struct file **out)
{
	if ((flags & O_TMPFILE) == O_TMPFILE)
		return -EOPNOTSUPP;
	if (flags & O_PATH)
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	struct path p = { 0 };
	bool created = false;
	int rc;
	if (flags & O_CREAT) {
		struct walk w;
		rc = walk_start(&w, t, dirfd, path, 0);
		if (rc == 0)
			rc = open_create(t, &w, flags, mode, &p, &created);
		walk_end(&w);
	} else {
		unsigned wf = (flags & O_NOFOLLOW) ? 0 : WALK_FOLLOW;
		if (flags & O_DIRECTORY)
			wf |= WALK_DIRECTORY;
		rc = namei(t, dirfd, path, wf, &p);
	}
	if (rc == 0)
		rc = open_resolved(t, &p, flags, created, out);
	path_put(&p);
	return rc;
}
