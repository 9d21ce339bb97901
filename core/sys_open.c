/* Opening and closing: open, openat, creat, close, close_range,
 * memfd_create. */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "core/fdtable.h"
#include "core/file.h"
#include "core/fs/dentry.h"
#include "core/fs/memfs.h"
#include "core/fs/namei.h"
#include "core/fs/perm.h"
#include "core/fs/vfs.h"
#include "core/kernel.h"
#include "core/mm.h"
#include "core/pipe.h"
#include "core/sys_fs.h"
#include "core/syscall.h"
#include "core/task.h"

/* Installs a new open file at the lowest free fd; drops it on failure. */
static int64_t install(struct task *t, struct file *f, bool cloexec)
{
	int fd = fdtable_install(t->files, f, 0, cloexec);
	if (fd < 0)
		file_put(f);
	return fd;
}

static int64_t do_open(struct task *t, int dirfd, uint64_t addr,
		       uint32_t flags, uint32_t mode)
{
	char *path;
	int rc = namei_copy_path(t, addr, &path);
	if (rc < 0)
		return rc;
	struct file *f;
	rc = vfs_open(t, dirfd, path, flags, mode, &f);
	free(path);
	/* A FIFO's open waits for the other end (it may need the lock
	 * released and be interrupted, which the inode's open can't). */
	if (rc == 0 && file_is_pipe(f)) {
		rc = fifo_open_wait(t, f);
		if (rc < 0)
			file_put(f);
	}
	return rc < 0 ? rc : install(t, f, flags & O_CLOEXEC);
}

SYSCALL_DECL(open)
{
	return do_open(t, AT_FDCWD, a[0], (uint32_t)a[1], (uint32_t)a[2]);
}

SYSCALL_DECL(openat)
{
	return do_open(t, int_arg(a[0]), a[1], (uint32_t)a[2], (uint32_t)a[3]);
}

SYSCALL_DECL(creat)
{
	return do_open(t, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC,
		       (uint32_t)a[1]);
}

SYSCALL_DECL(close)
{
	return fd_close(t, int_arg(a[0]));
}

SYSCALL_DECL(close_range)
{
	uint32_t first = (uint32_t)a[0], last = (uint32_t)a[1];
	unsigned flags = (unsigned)a[2];
	if (flags & ~(unsigned)(CLOSE_RANGE_CLOEXEC | CLOSE_RANGE_UNSHARE) ||
	    first > last)
		return -EINVAL;
	if (last >= t->files->nfds)
		last = t->files->nfds ? t->files->nfds - 1 : 0;
	for (uint64_t fd = first; fd <= last && fd < t->files->nfds; fd++) {
		if (!fdtable_get(t->files, (int)fd))
			continue;
		if (flags & CLOSE_RANGE_CLOEXEC)
			fdtable_set_cloexec(t->files, (int)fd, true);
		else
			fd_close(t, (int)fd);
	}
	return 0;
}

/* Linux's limit on a memfd's name, and "memfd:" before it. */
#define MFD_NAME_MAX 249
/* Linux 6.3's flags, newer than the installed headers. */
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#define MFD_EXEC 0x0010U
#endif

SYSCALL_DECL(memfd_create)
{
	unsigned flags = (unsigned)a[1];
	if (flags & ~(unsigned)(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC |
				MFD_NOEXEC_SEAL))
		return -EINVAL;
	char name[6 + MFD_NAME_MAX + 1] = "memfd:";
	int64_t n = mm_copy_string_from(t->mm, name + 6, a[0],
					MFD_NAME_MAX + 1);
	if (n < 0)
		return n == -ENAMETOOLONG ? -EINVAL : n;
	struct vfs *v = t->kernel->vfs;
	if (!v || !v->anon)
		return -ENOSYS;
	struct cred c = task_cred(t);
	struct create_args ca = { .mode = S_IFREG | 0777, .uid = c.uid,
				  .gid = c.gid };
	struct dentry *d;
	int rc = memfs_create_anon(v->anon->sb, name, &ca, &d);
	struct file *f = NULL;
	if (rc == 0) {
		rc = d->inode->ops->open(d, v->anon, O_RDWR, &f);
		dentry_put(d);
	}
	return rc < 0 ? rc : install(t, f, flags & MFD_CLOEXEC);
}
