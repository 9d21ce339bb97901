/* Making and removing names: mkdir(at), mknod(at), rmdir, unlink(at),
 * rename(at)(2), link(at), symlink(at). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "core/fs/namei.h"
#include "core/fs/vfs.h"
#include "core/sys_fs.h"
#include "core/syscall.h"
#include "core/task.h"

/* Copies two path arguments. */
static int copy_paths(struct task *t, uint64_t a1, char **p1, uint64_t a2,
		      char **p2)
{
	*p1 = *p2 = NULL;
	int rc = namei_copy_path(t, a1, p1);
	if (rc == 0 && (rc = namei_copy_path(t, a2, p2)) < 0) {
		free(*p1);
		*p1 = NULL;
	}
	return rc;
}

static int64_t mknod_common(struct task *t, int dirfd, uint64_t addr,
			    uint32_t mode, uint64_t dev)
{
	char *path;
	int rc = namei_copy_path(t, addr, &path);
	if (rc < 0)
		return rc;
	rc = vfs_mknod(t, dirfd, path, mode, dev);
	free(path);
	return rc;
}

SYSCALL_DECL(mkdir)
{
	return mknod_common(t, AT_FDCWD, a[0], S_IFDIR | ((uint32_t)a[1] & 07777),
			    0);
}

SYSCALL_DECL(mkdirat)
{
	return mknod_common(t, int_arg(a[0]), a[1],
			    S_IFDIR | ((uint32_t)a[2] & 07777), 0);
}

/* mknod(2) makes no directories (EPERM), and the kernel's dev_t is
 * 32 bits: major in bits 8-19, minor in 0-7 and 20-31. */
static int64_t mknod_checked(struct task *t, int dirfd, uint64_t addr,
			     uint32_t mode, uint64_t dev)
{
	if (S_ISDIR(mode))
		return -EPERM;
	uint32_t d = (uint32_t)dev;
	uint64_t rdev = makedev((d >> 8) & 0xfff, (d & 0xff) | ((d >> 12) & 0xfff00));
	return mknod_common(t, dirfd, addr, mode, rdev);
}

SYSCALL_DECL(mknod)
{
	return mknod_checked(t, AT_FDCWD, a[0], (uint32_t)a[1], a[2]);
}

SYSCALL_DECL(mknodat)
{
	return mknod_checked(t, int_arg(a[0]), a[1], (uint32_t)a[2], a[3]);
}

static int64_t remove_common(struct task *t, int dirfd, uint64_t addr,
			     bool dir)
{
	char *path;
	int rc = namei_copy_path(t, addr, &path);
	if (rc < 0)
		return rc;
	rc = dir ? vfs_rmdir(t, dirfd, path) : vfs_unlink(t, dirfd, path);
	free(path);
	return rc;
}

SYSCALL_DECL(rmdir)
{
	return remove_common(t, AT_FDCWD, a[0], true);
}

SYSCALL_DECL(unlink)
{
	return remove_common(t, AT_FDCWD, a[0], false);
}

SYSCALL_DECL(unlinkat)
{
	int flags = int_arg(a[2]);
	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	return remove_common(t, int_arg(a[0]), a[1], flags & AT_REMOVEDIR);
}

static int64_t rename_common(struct task *t, int olddirfd, uint64_t oldp,
			     int newdirfd, uint64_t newp, unsigned flags)
{
	char *from, *to;
	int rc = copy_paths(t, oldp, &from, newp, &to);
	if (rc < 0)
		return rc;
	rc = vfs_rename(t, olddirfd, from, newdirfd, to, flags);
	free(from);
	free(to);
	return rc;
}

SYSCALL_DECL(rename)
{
	return rename_common(t, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

SYSCALL_DECL(renameat)
{
	return rename_common(t, int_arg(a[0]), a[1], int_arg(a[2]), a[3], 0);
}

SYSCALL_DECL(renameat2)
{
	return rename_common(t, int_arg(a[0]), a[1], int_arg(a[2]), a[3],
			     (unsigned)a[4]);
}

static int64_t link_common(struct task *t, int olddirfd, uint64_t oldp,
			   int newdirfd, uint64_t newp, int flags)
{
	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	char *from, *to;
	int rc = copy_paths(t, oldp, &from, newp, &to);
	if (rc < 0)
		return rc;
	rc = vfs_link(t, olddirfd, from, newdirfd, to,
		      flags & AT_SYMLINK_FOLLOW, flags & AT_EMPTY_PATH);
	free(from);
	free(to);
	return rc;
}

SYSCALL_DECL(link)
{
	return link_common(t, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

SYSCALL_DECL(linkat)
{
	return link_common(t, int_arg(a[0]), a[1], int_arg(a[2]), a[3],
			   int_arg(a[4]));
}

static int64_t symlink_common(struct task *t, uint64_t target, int dirfd,
			      uint64_t linkpath)
{
	char *to, *path;
	int rc = copy_paths(t, target, &to, linkpath, &path);
	if (rc < 0)
		return rc;
	rc = vfs_symlink(t, to, dirfd, path);
	free(to);
	free(path);
	return rc;
}

SYSCALL_DECL(symlink)
{
	return symlink_common(t, a[0], AT_FDCWD, a[1]);
}

SYSCALL_DECL(symlinkat)
{
	return symlink_common(t, a[0], int_arg(a[1]), a[2]);
}
