/* Helpers for the file system calls. See sys_fs.h. */
#include "core/sys_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "core/fdtable.h"
#include "core/file.h"
#include "core/fs/dentry.h"
#include "core/fs/fs_context.h"
#include "core/fs/lock.h"
#include "core/fs/namei.h"
#include "core/fs/vfs.h"
#include "core/mm.h"
#include "core/task.h"

struct file *fd_file(struct task *t, uint64_t fd)
{
	return t->files ? fdtable_get(t->files, int_arg(fd)) : NULL;
}

struct file *fd_file_io(struct task *t, uint64_t fd)
{
	struct file *f = fd_file(t, fd);
	return f && !(f->flags & O_PATH) ? f : NULL;
}

int path_at(struct task *t, int dirfd, uint64_t addr, bool follow,
	    bool empty_ok, struct path *out)
{
	char *path = NULL;
	if (!addr && !empty_ok)
		return -EFAULT;
	if (addr) {
		int rc = namei_copy_path(t, addr, &path);
		if (rc < 0)
			return rc;
	}
	if (path && path[0]) {
		int rc = namei(t, dirfd, path, follow ? WALK_FOLLOW : 0, out);
		free(path);
		return rc;
	}
	free(path);
	if (!empty_ok)
		return -ENOENT;
	/* "" with AT_EMPTY_PATH, or no path: the fd itself. */
	if (dirfd == AT_FDCWD) {
		if (!t->fs)
			return -ENOENT;
		path_get(&t->fs->cwd);
		*out = t->fs->cwd;
		return 0;
	}
	struct file *f = fd_file(t, (uint64_t)(uint32_t)dirfd);
	if (!f)
		return -EBADF;
	if (!f->dentry)
		return -EINVAL;         /* no path: host stdio, pipes */
	*out = (struct path){ f->mnt, f->dentry };
	path_get(out);
	return 0;
}

int fd_close(struct task *t, int fd)
{
	struct file *f = t->files ? fdtable_get(t->files, fd) : NULL;
	if (!f)
		return -EBADF;
	if (f->dentry && f->dentry->inode && f->dentry->inode->locks)
		lock_posix_release(f->dentry->inode, t->tg->tgid);
	return fdtable_close(t->files, fd);
}

int put_stat(struct task *t, uint64_t addr, const struct vfs_stat *st)
{
	struct stat s = {
		.st_dev = st->dev, .st_ino = st->ino, .st_nlink = st->nlink,
		.st_mode = st->mode, .st_uid = st->uid, .st_gid = st->gid,
		.st_rdev = st->rdev, .st_size = (off_t)st->size,
		.st_blksize = st->blksize, .st_blocks = (blkcnt_t)st->blocks,
		.st_atim = st->atime, .st_mtim = st->mtime,
		.st_ctim = st->ctime,
	};
	return mm_copy_to(t->mm, addr, &s, sizeof(s)) < 0 ? -EFAULT : 0;
}
