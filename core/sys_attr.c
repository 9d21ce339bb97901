/* Changing files: chmod, chown (all forms), truncate, ftruncate,
 * fallocate, utimensat, utimes, futimesat, utime, umask; and the calls
 * that are no-ops on memory filesystems: sync, syncfs, fsync,
 * fdatasync, fadvise64. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <utime.h>

#include "core/file.h"
#include "core/fs/dentry.h"
#include "core/fs/fs_context.h"
#include "core/fs/inode.h"
#include "core/fs/vfs.h"
#include "core/mm.h"
#include "core/sys_fs.h"
#include "core/syscall.h"
#include "core/task.h"

/* The path of an open file for f*() calls on it; O_PATH files only when
 * allowed (fchown, fchmod refuse them with EBADF). */
static int file_path(struct task *t, uint64_t fd, struct path *out)
{
	struct file *f = fd_file_io(t, fd);
	if (!f)
		return -EBADF;
	if (!f->dentry)
		return -EINVAL;
	*out = (struct path){ f->mnt, f->dentry };
	path_get(out);
	return 0;
}

static int64_t chmod_path(struct task *t, int rc, struct path *p,
			  uint32_t mode)
{
	if (rc < 0)
		return rc;
	rc = vfs_chmod(t, p, mode);
	path_put(p);
	return rc;
}

SYSCALL_DECL(chmod)
{
	struct path p;
	int rc = path_at(t, AT_FDCWD, a[0], true, false, &p);
	return chmod_path(t, rc, &p, (uint32_t)a[1]);
}

SYSCALL_DECL(fchmodat)
{
	struct path p;
	int rc = path_at(t, int_arg(a[0]), a[1], true, false, &p);
	return chmod_path(t, rc, &p, (uint32_t)a[2]);
}

SYSCALL_DECL(fchmod)
{
	struct path p;
	int rc = file_path(t, a[0], &p);
	return chmod_path(t, rc, &p, (uint32_t)a[1]);
}

static int64_t chown_path(struct task *t, int rc, struct path *p,
			  uint64_t uid, uint64_t gid)
{
	if (rc < 0)
		return rc;
	rc = vfs_chown(t, p, (uint32_t)uid, (uint32_t)gid);
	path_put(p);
	return rc;
}

SYSCALL_DECL(chown)
{
	struct path p;
	int rc = path_at(t, AT_FDCWD, a[0], true, false, &p);
	return chown_path(t, rc, &p, a[1], a[2]);
}

SYSCALL_DECL(lchown)
{
	struct path p;
	int rc = path_at(t, AT_FDCWD, a[0], false, false, &p);
	return chown_path(t, rc, &p, a[1], a[2]);
}

SYSCALL_DECL(fchown)
{
	struct path p;
	int rc = file_path(t, a[0], &p);
	return chown_path(t, rc, &p, a[1], a[2]);
}

SYSCALL_DECL(fchownat)
{
	int flags = int_arg(a[4]);
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct path p;
	int rc = path_at(t, int_arg(a[0]), a[1], !(flags & AT_SYMLINK_NOFOLLOW),
			 flags & AT_EMPTY_PATH, &p);
	return chown_path(t, rc, &p, a[2], a[3]);
}

SYSCALL_DECL(truncate)
{
	if ((int64_t)a[1] < 0)
		return -EINVAL;
	struct path p;
	int rc = path_at(t, AT_FDCWD, a[0], true, false, &p);
	if (rc < 0)
		return rc;
	rc = vfs_truncate(t, &p, a[1]);
	path_put(&p);
	return rc;
}

SYSCALL_DECL(ftruncate)
{
	struct file *f = fd_file_io(t, a[0]);
	if (!f)
		return -EBADF;
	if ((int64_t)a[1] < 0 || (f->flags & O_ACCMODE) == O_RDONLY)
		return -EINVAL;
	if (!f->dentry)
		return f->ops->truncate ? f->ops->truncate(f, a[1]) : -EINVAL;
	struct inode *i = f->dentry->inode;
	if (!S_ISREG(i->mode))
		return -EINVAL;
	struct iattr ia = { .valid = IATTR_SIZE, .size = a[1] };
	return i->ops->setattr ? i->ops->setattr(f->dentry, &ia) : -EINVAL;
}

SYSCALL_DECL(fallocate)
{
	struct file *f = fd_file_io(t, a[0]);
	int64_t off = (int64_t)a[2], len = (int64_t)a[3];
	if (!f)
		return -EBADF;
	if (off < 0 || len <= 0 || off > INT64_MAX - len)
		return off > INT64_MAX - len ? -EFBIG : -EINVAL;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (f->dentry && S_ISDIR(f->dentry->inode->mode))
		return -EISDIR;
	if (!f->ops->fallocate)
		return f->dentry ? -EOPNOTSUPP : -ESPIPE;
	return f->ops->fallocate(f, int_arg(a[1]), (uint64_t)off,
				 (uint64_t)len);
}

/* ---- timestamps ------------------------------------------------------------ */

static int64_t utimens_path(struct task *t, int rc, struct path *p,
			    const struct timespec *ts)
{
	if (rc < 0)
		return rc;
	rc = vfs_utimens(t, p, ts);
	path_put(p);
	return rc;
}

SYSCALL_DECL(utimensat)
{
	int flags = int_arg(a[3]);
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct timespec ts[2];
	if (a[2] && mm_copy_from(t->mm, ts, a[2], sizeof(ts)) < 0)
		return -EFAULT;
	struct path p;
	/* A NULL path means dirfd itself (futimens). */
	int rc = path_at(t, int_arg(a[0]), a[1], !(flags & AT_SYMLINK_NOFOLLOW),
			 !a[1] || (flags & AT_EMPTY_PATH), &p);
	if (rc == 0 && !a[1] && int_arg(a[0]) == AT_FDCWD) {
		path_put(&p);
		rc = -EFAULT;
	}
	return utimens_path(t, rc, &p, a[2] ? ts : NULL);
}

/* utimes/futimesat: struct timeval pairs, microseconds checked. */
static int64_t utimes_common(struct task *t, int dirfd, uint64_t path,
			     uint64_t tvp)
{
	struct timespec ts[2], *tsp = NULL;
	if (tvp) {
		struct timeval tv[2];
		if (mm_copy_from(t->mm, tv, tvp, sizeof(tv)) < 0)
			return -EFAULT;
		for (int i = 0; i < 2; i++) {
			if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
				return -EINVAL;
			ts[i] = (struct timespec){ tv[i].tv_sec,
						   tv[i].tv_usec * 1000 };
		}
		tsp = ts;
	}
	struct path p;
	int rc = path_at(t, dirfd, path, true, false, &p);
	return utimens_path(t, rc, &p, tsp);
}

SYSCALL_DECL(utimes)
{
	return utimes_common(t, AT_FDCWD, a[0], a[1]);
}

SYSCALL_DECL(futimesat)
{
	return utimes_common(t, int_arg(a[0]), a[1], a[2]);
}

SYSCALL_DECL(utime)
{
	struct timespec ts[2], *tsp = NULL;
	if (a[1]) {
		struct utimbuf ub;
		if (mm_copy_from(t->mm, &ub, a[1], sizeof(ub)) < 0)
			return -EFAULT;
		ts[0] = (struct timespec){ ub.actime, 0 };
		ts[1] = (struct timespec){ ub.modtime, 0 };
		tsp = ts;
	}
	struct path p;
	int rc = path_at(t, AT_FDCWD, a[0], true, false, &p);
	return utimens_path(t, rc, &p, tsp);
}

SYSCALL_DECL(umask)
{
	if (!t->fs)
		return 022;
	uint32_t old = t->fs->umask;
	t->fs->umask = (uint32_t)a[0] & 0777;
	return old;
}

/* ---- syncing: memory filesystems have nothing to write back ------------ */

SYSCALL_DECL(sync)
{
	(void)t, (void)a;
	return 0;
}

SYSCALL_DECL(syncfs)
{
	return fd_file(t, a[0]) ? 0 : -EBADF;
}

static int64_t fsync_common(struct task *t, uint64_t fd)
{
	struct file *f = fd_file_io(t, fd);
	if (!f)
		return -EBADF;
	return f->ops->fsync ? f->ops->fsync(f) : -EINVAL;
}

SYSCALL_DECL(fsync)
{
	return fsync_common(t, a[0]);
}

SYSCALL_DECL(fdatasync)
{
	return fsync_common(t, a[0]);
}

SYSCALL_DECL(fadvise64)
{
	struct file *f = fd_file_io(t, a[0]);
	int advice = int_arg(a[3]);
	if (!f)
		return -EBADF;
	if (advice < POSIX_FADV_NORMAL || advice > POSIX_FADV_NOREUSE)
		return -EINVAL;
	return f->dentry ? 0 : -ESPIPE;
}
