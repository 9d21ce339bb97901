/* Attributes and the rest of the path operations: stat, readlink,
 * access, chmod, chown, truncate, utimens, statfs, chdir, and the name
 * of a path (getcwd). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "core/fs/dentry.h"
#include "core/fs/fs_context.h"
#include "core/fs/namei.h"
#include "core/fs/super.h"
#include "core/fs/vfs.h"
#include "core/task.h"

int vfs_getattr(const struct path *p, struct vfs_stat *st)
{
	struct inode *i = p->dentry->inode;
	inode_stat(i, st);
	if (i->ops->getattr)
		i->ops->getattr(p->dentry, st);
	st->mnt_id = p->mnt->id;
	return 0;
}

int vfs_stat(struct task *t, int dirfd, const char *path, unsigned flags,
	     struct vfs_stat *st)
{
	struct path p;
	int rc = namei(t, dirfd, path, flags, &p);
	if (rc < 0)
		return rc;
	rc = vfs_getattr(&p, st);
	path_put(&p);
	return rc;
}

int vfs_fstat(struct file *f, struct vfs_stat *st)
{
	if (f->ops->stat)
		return f->ops->stat(f, st);
	if (!f->dentry || !f->dentry->inode)
		return -EINVAL;
	struct path p = { f->mnt, f->dentry };
	return vfs_getattr(&p, st);
}

int vfs_readlink(struct task *t, int dirfd, const char *path, char *buf,
		 size_t size)
{
	struct path p;
	int rc = namei(t, dirfd, path, path[0] ? 0 : WALK_EMPTY, &p);
	if (rc < 0)
		return rc;
	struct inode *i = p.dentry->inode;
	if (!S_ISLNK(i->mode))
		rc = -EINVAL;
	else if (i->ops->readlink_task)
		rc = i->ops->readlink_task(p.dentry, t, buf, size);
	else if (i->ops->readlink)
		rc = i->ops->readlink(p.dentry, buf, size);
	else
		rc = -EINVAL;
	path_put(&p);
	return rc;
}

int vfs_access(struct task *t, int dirfd, const char *path, int mode,
	       unsigned walk_flags, bool eaccess)
{
	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	struct path p;
	int rc = namei(t, dirfd, path, walk_flags, &p);
	if (rc < 0)
		return rc;
	struct cred c = eaccess ? task_cred(t) : task_real_cred(t);
	int mask = ((mode & R_OK) ? MAY_READ : 0) |
		   ((mode & W_OK) ? MAY_WRITE : 0) |
		   ((mode & X_OK) ? MAY_EXEC : 0);
	rc = inode_permission(p.dentry->inode, &c, mask);
	uint32_t type = p.dentry->inode->mode & S_IFMT;
	if (rc == 0 && (mode & W_OK) &&
	    (type == S_IFREG || type == S_IFDIR || type == S_IFLNK))
		rc = mount_writable(p.mnt);
	path_put(&p);
	return rc;
}

static int setattr(const struct path *p, const struct iattr *ia)
{
	struct inode *i = p->dentry->inode;
	int rc = mount_writable(p->mnt);
	if (rc < 0)
		return rc;
	return i->ops->setattr ? i->ops->setattr(p->dentry, ia) : -EPERM;
}

int vfs_chmod(struct task *t, const struct path *p, uint32_t mode)
{
	struct cred c = task_cred(t);
	const struct inode *i = p->dentry->inode;
	if (!cred_owns(&c, i))
		return -EPERM;
	mode &= 07777;
	/* Without CAP_FSETID, set-group-ID needs the file's group. */
	if (c.uid != 0 && !cred_in_group(&c, i->gid))
		mode &= ~(uint32_t)S_ISGID;
	struct iattr ia = { .valid = IATTR_MODE, .mode = mode };
	return setattr(p, &ia);
}

int vfs_chown(struct task *t, const struct path *p, uint32_t uid,
	      uint32_t gid)
{
	struct cred c = task_cred(t);
	const struct inode *i = p->dentry->inode;
	struct iattr ia = { 0 };
	if (uid != (uint32_t)-1) {
		if (c.uid != 0 && uid != i->uid)
			return -EPERM;
		ia.valid |= IATTR_UID;
		ia.uid = uid;
	}
	if (gid != (uint32_t)-1) {
		if (c.uid != 0 && (c.uid != i->uid || !cred_in_group(&c, gid)))
			return -EPERM;
		ia.valid |= IATTR_GID;
		ia.gid = gid;
	}
	/* A change of owner ends set-user-ID (and set-group-ID where it
	 * means executing as the group), as on Linux. */
	if (ia.valid && !S_ISDIR(i->mode) &&
	    (i->mode & (S_ISUID | S_ISGID))) {
		ia.valid |= IATTR_MODE;
		ia.mode = i->mode & 07777 & ~(uint32_t)S_ISUID;
		if (i->mode & S_IXGRP)
			ia.mode &= ~(uint32_t)S_ISGID;
	}
	return setattr(p, &ia);
}

int vfs_truncate(struct task *t, const struct path *p, uint64_t size)
{
	const struct inode *i = p->dentry->inode;
	if (S_ISDIR(i->mode))
		return -EISDIR;
	if (!S_ISREG(i->mode))
		return -EINVAL;
	struct cred c = task_cred(t);
	int rc = inode_permission(i, &c, MAY_WRITE);
	if (rc < 0)
		return rc;
	struct iattr ia = { .valid = IATTR_SIZE, .size = size };
	return setattr(p, &ia);
}

static int utime_field(const struct timespec *ts, struct timespec now,
		       unsigned bit, struct iattr *ia, struct timespec *out)
{
	if (ts->tv_nsec == UTIME_OMIT)
		return 0;
	if (ts->tv_nsec != UTIME_NOW &&
	    (ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000))
		return -EINVAL;
	*out = ts->tv_nsec == UTIME_NOW ? now : *ts;
	ia->valid |= bit;
	return 0;
}

int vfs_utimens(struct task *t, const struct path *p,
		const struct timespec times[2])
{
	struct timespec now = inode_now();
	struct timespec both_now[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
	const struct timespec *ts = times ? times : both_now;
	struct iattr ia = { 0 };
	int rc = utime_field(&ts[0], now, IATTR_ATIME, &ia, &ia.atime);
	if (rc == 0)
		rc = utime_field(&ts[1], now, IATTR_MTIME, &ia, &ia.mtime);
	if (rc < 0 || !ia.valid)
		return rc;
	struct cred c = task_cred(t);
	const struct inode *i = p->dentry->inode;
	bool to_now = ts[0].tv_nsec != UTIME_OMIT && ts[1].tv_nsec != UTIME_OMIT &&
		      (ts[0].tv_nsec == UTIME_NOW) && (ts[1].tv_nsec == UTIME_NOW);
	/* Setting both to now needs only write permission; any other time
	 * needs ownership. */
	if (!cred_owns(&c, i)) {
		if (!to_now)
			return -EPERM;
		rc = inode_permission(i, &c, MAY_WRITE);
		if (rc < 0)
			return rc;
	}
	return setattr(p, &ia);
}

int vfs_statfs(const struct path *p, struct statfs *out)
{
	struct superblock *sb = p->dentry->inode->sb;
	return sb->ops->statfs(sb, out);
}

int vfs_chdir(struct task *t, const struct path *p)
{
	const struct inode *i = p->dentry->inode;
	if (!S_ISDIR(i->mode))
		return -ENOTDIR;
	struct cred c = task_cred(t);
	int rc = inode_permission(i, &c, MAY_EXEC);
	if (rc == 0)
		path_set(&t->fs->cwd, p);
	return rc;
}

/* Puts "/name" in front of what *end points at, within buf. */
static int prepend(char *buf, char **end, const char *name)
{
	size_t n = strlen(name);
	if ((size_t)(*end - buf) < n + 1)
		return -ENAMETOOLONG;
	*end -= n;
	memcpy(*end, name, n);
	*--*end = '/';
	return 0;
}

int vfs_path_name(struct task *t, const struct path *p, char *buf,
		  size_t size)
{
	if (size == 0)
		return -ERANGE;
	char *end = buf + size - 1;
	*end = 0;
	struct path cur = *p, root = t->fs->root;
	while (!path_equal(&cur, &root)) {
		if (cur.dentry == cur.mnt->root) {
			if (!cur.mnt->parent)
				break;  /* outside the root: shown from it */
			cur = (struct path){ cur.mnt->parent,
					     cur.mnt->mountpoint };
			continue;
		}
		if (!dentry_hashed(cur.dentry) || !cur.dentry->parent)
			return -ENOENT;
		int rc = prepend(buf, &end, cur.dentry->name);
		if (rc < 0)
			return rc;
		cur.dentry = cur.dentry->parent;
	}
	if (!*end) {
		if (end == buf)
			return -ENAMETOOLONG;
		*--end = '/';
	}
	size_t len = (size_t)(buf + size - 1 - end);
	memmove(buf, end, len + 1);
	return (int)(len + 1);
}
