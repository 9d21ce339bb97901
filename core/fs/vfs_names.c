/* Operations on names: mknod/mkdir, symlink, link, unlink, rmdir,
 * rename -- Linux's checks and error rules, then the filesystem's inode
 * operation. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "core/fs/dentry.h"
#include "core/fs/fs_context.h"
#include "core/fs/namei.h"
#include "core/fs/vfs.h"
#include "core/task.h"

static bool is_dir(const struct dentry *d)
{
	return S_ISDIR(d->inode->mode);
}

/* Walks to the parent of path's final component. */
static int walk_to_parent(struct walk *w, struct task *t, int dirfd,
			  const char *path, unsigned flags)
{
	int rc = walk_start(w, t, dirfd, path, flags);
	return rc < 0 ? rc : walk_parent(w);
}

/* The entry w->last, or NULL when it does not exist. */
static int lookup_last(struct walk *w, struct dentry **out)
{
	int rc = walk_lookup_name(w, out);
	if (rc == -ENOENT) {
		*out = NULL;
		return 0;
	}
	return rc;
}

static int may_create(struct walk *w)
{
	struct inode *dir = w->cur.dentry->inode;
	int rc = mount_writable(w->cur.mnt);
	if (rc == 0)
		rc = inode_permission(dir, &w->cred, MAY_WRITE | MAY_EXEC);
	if (rc == 0 && dir->nlink == 0)
		rc = -ENOENT;
	if (rc == 0 && !dir->ops->create)
		rc = -EPERM;
	return rc;
}

/* Linux's filename_create: the final name must be new; a trailing slash
 * is only for directories. */
static int new_name(struct walk *w, bool want_dir)
{
	if (w->last_type != LAST_NORM)
		return -EEXIST;
	struct dentry *d;
	int rc = lookup_last(w, &d);
	if (rc < 0)
		return rc;
	if (d) {
		dentry_put(d);
		return -EEXIST;
	}
	if (w->trailing_slash && !want_dir)
		return -ENOENT;
	return may_create(w);
}

static int create_entry(struct task *t, int dirfd, const char *path,
			uint32_t mode, uint64_t rdev, const char *target)
{
	struct walk w;
	int rc = walk_to_parent(&w, t, dirfd, path, 0);
	if (rc == 0)
		rc = new_name(&w, S_ISDIR(mode));
	if (rc == 0) {
		struct dentry *dir = w.cur.dentry, *d;
		struct create_args a = {
			.mode = mode,
			.uid = w.cred.uid,
			.gid = new_inode_gid(dir->inode, &w.cred),
			.rdev = rdev,
			.target = target,
		};
		/* New directories inherit set-group-ID. */
		if (S_ISDIR(mode) && (dir->inode->mode & S_ISGID))
			a.mode |= S_ISGID;
		rc = dir->inode->ops->create(dir, w.last, &a, &d);
		if (rc == 0)
			dentry_put(d);
	}
	walk_end(&w);
	return rc;
}

int vfs_mknod(struct task *t, int dirfd, const char *path, uint32_t mode,
	      uint64_t rdev)
{
	uint32_t type = mode & S_IFMT;
	if (type == 0)
		type = S_IFREG;
	switch (type) {
	case S_IFREG: case S_IFDIR: case S_IFIFO: case S_IFSOCK:
		rdev = 0;
		break;
	case S_IFCHR: case S_IFBLK:
		if (t->euid != 0)
			return -EPERM;
		break;
	default:
		return -EINVAL;
	}
	uint32_t perm = mode & 07777 & ~t->fs->umask;
	if (type == S_IFDIR)
		perm = mode & 01777 & ~t->fs->umask;
	return create_entry(t, dirfd, path, type | perm, rdev, NULL);
}

int vfs_symlink(struct task *t, const char *target, int dirfd,
		const char *path)
{
	if (!target[0])
		return -ENOENT;
	return create_entry(t, dirfd, path, S_IFLNK | 0777, 0, target);
}

/* fs.protected_hardlinks, on by default: linking a file one does not own
 * needs it to be a regular file one may read and write. */
static int may_link(const struct cred *c, const struct inode *i)
{
	if (cred_owns(c, i))
		return 0;
	if (S_ISREG(i->mode) && !(i->mode & S_ISUID) &&
	    !((i->mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP)) &&
	    inode_permission(i, c, MAY_READ | MAY_WRITE) == 0)
		return 0;
	return -EPERM;
}

int vfs_link(struct task *t, int olddirfd, const char *oldpath, int newdirfd,
	     const char *newpath, bool follow, bool empty)
{
	struct path old;
	unsigned wf = (follow ? WALK_FOLLOW : 0) | (empty ? WALK_EMPTY : 0);
	int rc = namei(t, olddirfd, oldpath, wf, &old);
	if (rc < 0)
		return rc;
	struct walk w;
	rc = walk_to_parent(&w, t, newdirfd, newpath, 0);
	if (rc == 0)
		rc = new_name(&w, false);
	struct inode *i = old.dentry->inode;
	if (rc == 0 && is_dir(old.dentry))
		rc = -EPERM;
	if (rc == 0 && old.mnt != w.cur.mnt)
		rc = -EXDEV;
	if (rc == 0 && i->nlink == 0)
		rc = -ENOENT;
	if (rc == 0)
		rc = may_link(&w.cred, i);
	if (rc == 0 && !w.cur.dentry->inode->ops->link)
		rc = -EPERM;
	if (rc == 0)
		rc = w.cur.dentry->inode->ops->link(old.dentry, w.cur.dentry,
						    w.last);
	walk_end(&w);
	path_put(&old);
	return rc;
}

/* The existing entry an unlink or rmdir removes, checked for the
 * operation (dir: rmdir). *out has a reference. */
static int victim_of(struct walk *w, bool dir, struct dentry **out)
{
	static const int not_norm[2][5] = {
		/* LAST_NORM, LAST_ROOT, LAST_DOT, LAST_DOTDOT, LAST_EMPTY */
		{ 0, -EISDIR, -EISDIR, -EISDIR, -ENOENT },
		{ 0, -EBUSY, -EINVAL, -ENOTEMPTY, -ENOENT },
	};
	int rc = not_norm[dir][w->last_type];
	if (rc == 0)
		rc = lookup_last(w, out);
	if (rc == 0 && !*out)
		rc = -ENOENT;
	if (rc < 0)
		return rc;
	struct dentry *v = *out;
	if (!dir && (is_dir(v) || w->trailing_slash))
		rc = is_dir(v) ? -EISDIR : -ENOTDIR;
	else if (dir && !is_dir(v))
		rc = -ENOTDIR;
	if (rc == 0)
		rc = mount_writable(w->cur.mnt);
	if (rc == 0)
		rc = may_delete(w->cur.dentry->inode, v->inode, &w->cred);
	if (rc == 0 && (v->mounted || v == w->cur.mnt->root))
		rc = -EBUSY;
	if (rc < 0) {
		dentry_put(v);
		*out = NULL;
	}
	return rc;
}

static int remove_entry(struct task *t, int dirfd, const char *path,
			bool dir)
{
	struct walk w;
	struct dentry *v = NULL;
	int rc = walk_to_parent(&w, t, dirfd, path, 0);
	if (rc == 0)
		rc = victim_of(&w, dir, &v);
	struct dentry *parent = w.cur.dentry;
	if (rc == 0 && dir && !v->inode->ops->is_empty(v))
		rc = -ENOTEMPTY;
	if (rc == 0)
		rc = dir ? parent->inode->ops->rmdir(parent, v)
			 : parent->inode->ops->unlink(parent, v);
	if (v)
		dentry_put(v);
	walk_end(&w);
	return rc;
}

int vfs_unlink(struct task *t, int dirfd, const char *path)
{
	return remove_entry(t, dirfd, path, false);
}

int vfs_rmdir(struct task *t, int dirfd, const char *path)
{
	return remove_entry(t, dirfd, path, true);
}

/* ---- rename -------------------------------------------------------------- */

struct rename_ctx {
	struct walk ow, nw;
	struct dentry *old, *target;   /* target may be NULL */
	unsigned flags;
};

/* Linux's checks between the two names, in its order. */
static int rename_check(struct rename_ctx *r)
{
	struct dentry *old = r->old, *target = r->target;
	struct dentry *odir = r->ow.cur.dentry, *ndir = r->nw.cur.dentry;
	bool exchange = r->flags & RENAME_EXCHANGE;
	if (!is_dir(old) && (r->ow.trailing_slash || r->nw.trailing_slash))
		return -ENOTDIR;
	if (target && (r->flags & RENAME_NOREPLACE))
		return -EEXIST;
	if (!target && exchange)
		return -ENOENT;
	if (target && exchange && !is_dir(target) && r->ow.trailing_slash)
		return -ENOTDIR;
	if (dentry_is_ancestor(old, ndir))
		return -EINVAL;
	if (target && dentry_is_ancestor(target, odir))
		return exchange ? -EINVAL : -ENOTEMPTY;
	int rc = mount_writable(r->ow.cur.mnt);
	if (rc == 0)
		rc = may_delete(odir->inode, old->inode, &r->ow.cred);
	if (rc == 0)
		rc = target ? may_delete(ndir->inode, target->inode,
					 &r->nw.cred)
			    : may_create(&r->nw);
	if (rc == 0 && odir != ndir && is_dir(old))
		rc = inode_permission(old->inode, &r->ow.cred, MAY_WRITE);
	if (rc == 0 && exchange && odir != ndir && is_dir(target))
		rc = inode_permission(target->inode, &r->ow.cred, MAY_WRITE);
	if (rc < 0 || !target || exchange)
		return rc;
	if (is_dir(old) && !is_dir(target))
		return -ENOTDIR;
	if (!is_dir(old) && is_dir(target))
		return -EISDIR;
	if (is_dir(target) && !target->inode->ops->is_empty(target))
		return -ENOTEMPTY;
	return 0;
}

static int rename_names(struct rename_ctx *r)
{
	if (r->ow.last_type != LAST_NORM)
		return -EBUSY;
	if (r->nw.last_type != LAST_NORM)
		return (r->flags & RENAME_NOREPLACE) ? -EEXIST : -EBUSY;
	if (r->ow.cur.mnt != r->nw.cur.mnt)
		return -EXDEV;
	int rc = lookup_last(&r->ow, &r->old);
	if (rc == 0 && !r->old)
		rc = -ENOENT;
	if (rc == 0)
		rc = lookup_last(&r->nw, &r->target);
	if (rc < 0)
		return rc;
	if (r->old == r->target ||
	    (r->target && r->old->inode == r->target->inode))
		return 1;                /* nothing to do */
	rc = rename_check(r);
	if (rc == 0 && (r->old->mounted || (r->target && r->target->mounted) ||
			r->old == r->ow.cur.mnt->root))
		rc = -EBUSY;
	return rc;
}

int vfs_rename(struct task *t, int olddirfd, const char *oldpath,
	       int newdirfd, const char *newpath, unsigned flags)
{
	if ((flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE)) ||
	    ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE)))
		return -EINVAL;
	struct rename_ctx r = { .flags = flags };
	int rc = walk_to_parent(&r.ow, t, olddirfd, oldpath, 0);
	int rc2 = walk_to_parent(&r.nw, t, newdirfd, newpath, 0);
	if (rc == 0)
		rc = rc2;
	if (rc == 0)
		rc = rename_names(&r);
	struct dentry *odir = r.ow.cur.dentry, *ndir = r.nw.cur.dentry;
	if (rc == 0 && !odir->inode->ops->rename)
		rc = -EPERM;
	if (rc == 0)
		rc = odir->inode->ops->rename(odir, r.old, ndir, r.nw.last,
					      r.target, flags);
	if (r.old)
		dentry_put(r.old);
	if (r.target)
		dentry_put(r.target);
	walk_end(&r.ow);
	walk_end(&r.nw);
	return rc > 0 ? 0 : rc;
}
