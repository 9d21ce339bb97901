/* Looking at files: stat, fstat, lstat, newfstatat, statx, access,
 * faccessat(2), readlink(at), statfs, fstatfs. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "core/file.h"
#include "core/fs/namei.h"
#include "core/fs/vfs.h"
#include "core/mm.h"
#include "core/sys_fs.h"
#include "core/syscall.h"
#include "core/task.h"

/* stat of dirfd + path with *at() flags (AT_SYMLINK_NOFOLLOW,
 * AT_EMPTY_PATH). A file without a path (host stdio) is stat'ed as the
 * open file it is. */
static int stat_at(struct task *t, int dirfd, uint64_t addr, int flags,
		   struct vfs_stat *st)
{
	if (flags & AT_EMPTY_PATH) {
		char c = 0;
		if (addr && mm_copy_from(t->mm, &c, addr, 1) < 0)
			return -EFAULT;
		struct file *f = dirfd == AT_FDCWD ? NULL
			       : fd_file(t, (uint64_t)(uint32_t)dirfd);
		if (!c && f && !f->dentry)
			return vfs_fstat(f, st);
	}
	struct path p;
	int rc = path_at(t, dirfd, addr, !(flags & AT_SYMLINK_NOFOLLOW),
			 flags & AT_EMPTY_PATH, &p);
	if (rc < 0)
		return rc;
	rc = vfs_getattr(&p, st);
	path_put(&p);
	return rc;
}

static int64_t stat_common(struct task *t, int dirfd, uint64_t path,
			   uint64_t buf, int flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	struct vfs_stat st;
	int rc = stat_at(t, dirfd, path, flags, &st);
	return rc < 0 ? rc : put_stat(t, buf, &st);
}

SYSCALL_DECL(stat)
{
	return stat_common(t, AT_FDCWD, a[0], a[1], 0);
}

SYSCALL_DECL(lstat)
{
	return stat_common(t, AT_FDCWD, a[0], a[1], AT_SYMLINK_NOFOLLOW);
}

SYSCALL_DECL(newfstatat)
{
	return stat_common(t, int_arg(a[0]), a[1], a[2], int_arg(a[3]));
}

SYSCALL_DECL(fstat)
{
	struct file *f = fd_file(t, a[0]);
	if (!f)
		return -EBADF;
	struct vfs_stat st;
	int rc = vfs_fstat(f, &st);
	return rc < 0 ? rc : put_stat(t, a[1], &st);
}

static struct statx_timestamp stx_time(struct timespec ts)
{
	return (struct statx_timestamp){ ts.tv_sec, (uint32_t)ts.tv_nsec, 0 };
}

SYSCALL_DECL(statx)
{
	int flags = int_arg(a[2]);
	unsigned mask = (unsigned)a[3];
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT |
		      AT_STATX_SYNC_TYPE) ||
	    (flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE ||
	    (mask & STATX__RESERVED))
		return -EINVAL;
	struct vfs_stat st;
	int rc = stat_at(t, int_arg(a[0]), a[1],
			 flags & (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH), &st);
	if (rc < 0)
		return rc;
	struct statx sx = {
		.stx_mask = STATX_BASIC_STATS | STATX_MNT_ID,
		.stx_blksize = st.blksize,
		.stx_nlink = st.nlink,
		.stx_uid = st.uid,
		.stx_gid = st.gid,
		.stx_mode = (uint16_t)st.mode,
		.stx_ino = st.ino,
		.stx_size = st.size,
		.stx_blocks = st.blocks,
		.stx_atime = stx_time(st.atime),
		.stx_ctime = stx_time(st.ctime),
		.stx_mtime = stx_time(st.mtime),
		.stx_rdev_major = major(st.rdev),
		.stx_rdev_minor = minor(st.rdev),
		.stx_dev_major = major(st.dev),
		.stx_dev_minor = minor(st.dev),
		.stx_mnt_id = st.mnt_id,
	};
	return mm_copy_to(t->mm, a[4], &sx, sizeof(sx)) < 0 ? -EFAULT : 0;
}

static int64_t access_common(struct task *t, int dirfd, uint64_t addr,
			     int mode, int flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EACCESS | AT_EMPTY_PATH))
		return -EINVAL;
	char *path;
	int rc = namei_copy_path(t, addr, &path);
	if (rc < 0)
		return rc;
	unsigned wf = (flags & AT_SYMLINK_NOFOLLOW) ? 0 : WALK_FOLLOW;
	if (flags & AT_EMPTY_PATH)
		wf |= WALK_EMPTY;
	rc = vfs_access(t, dirfd, path, mode, wf, flags & AT_EACCESS);
	free(path);
	return rc;
}

SYSCALL_DECL(access)
{
	return access_common(t, AT_FDCWD, a[0], int_arg(a[1]), 0);
}

SYSCALL_DECL(faccessat)
{
	return access_common(t, int_arg(a[0]), a[1], int_arg(a[2]), 0);
}

SYSCALL_DECL(faccessat2)
{
	return access_common(t, int_arg(a[0]), a[1], int_arg(a[2]),
			     int_arg(a[3]));
}

static int64_t readlink_common(struct task *t, int dirfd, uint64_t addr,
			       uint64_t buf, int64_t size)
{
	if (size <= 0)
		return -EINVAL;
	char *path;
	int rc = namei_copy_path(t, addr, &path);
	if (rc < 0)
		return rc;
	char *target = malloc(PATH_MAX);
	rc = target ? vfs_readlink(t, dirfd, path, target,
				   size < PATH_MAX ? (size_t)size : PATH_MAX)
		    : -ENOMEM;
	if (rc > 0 && mm_copy_to(t->mm, buf, target, (size_t)rc) < 0)
		rc = -EFAULT;
	free(target);
	free(path);
	return rc;
}

SYSCALL_DECL(readlink)
{
	return readlink_common(t, AT_FDCWD, a[0], a[1], int_arg(a[2]));
}

SYSCALL_DECL(readlinkat)
{
	return readlink_common(t, int_arg(a[0]), a[1], a[2], int_arg(a[3]));
}

static int64_t put_statfs(struct task *t, const struct path *p, uint64_t buf)
{
	struct statfs sf;
	int rc = vfs_statfs(p, &sf);
	if (rc == 0 && mm_copy_to(t->mm, buf, &sf, sizeof(sf)) < 0)
		rc = -EFAULT;
	return rc;
}

SYSCALL_DECL(statfs)
{
	struct path p;
	int rc = path_at(t, AT_FDCWD, a[0], true, false, &p);
	if (rc < 0)
		return rc;
	rc = (int)put_statfs(t, &p, a[1]);
	path_put(&p);
	return rc;
}

SYSCALL_DECL(fstatfs)
{
	struct file *f = fd_file(t, a[0]);
	if (!f)
		return -EBADF;
	if (!f->dentry)
		return -EINVAL;
	struct path p = { f->mnt, f->dentry };
	return put_statfs(t, &p, a[1]);
}
