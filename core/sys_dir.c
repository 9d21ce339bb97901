/* Directories and the working directory: getdents64, getcwd, chdir,
 * fchdir. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>

#include "core/file.h"
#include "core/fs/dentry.h"
#include "core/fs/fs_context.h"
#include "core/fs/vfs.h"
#include "core/mm.h"
#include "core/sys_fs.h"
#include "core/syscall.h"
#include "core/task.h"

/* Directory entries are gathered in a kernel buffer of at most this. */
#define GETDENTS_MAX (256u << 10)

SYSCALL_DECL(getdents64)
{
	struct file *f = fd_file_io(t, a[0]);
	if (!f)
		return -EBADF;
	if (!f->ops->getdents)
		return -ENOTDIR;
	size_t n = (uint32_t)a[2] < GETDENTS_MAX ? (uint32_t)a[2]
						 : GETDENTS_MAX;
	void *buf = malloc(n ? n : 1);
	if (!buf)
		return -ENOMEM;
	int64_t r = f->ops->getdents(f, buf, n);
	if (r > 0 && mm_copy_to(t->mm, a[1], buf, (size_t)r) < 0)
		r = -EFAULT;
	free(buf);
	return r;
}

SYSCALL_DECL(getcwd)
{
	if (!t->fs)
		return -ENOENT;
	char *buf = malloc(PATH_MAX);
	if (!buf)
		return -ENOMEM;
	int n = vfs_path_name(t, &t->fs->cwd, buf, PATH_MAX);
	if (n > 0 && (uint64_t)n > a[1])
		n = -ERANGE;
	if (n > 0 && mm_copy_to(t->mm, a[0], buf, (size_t)n) < 0)
		n = -EFAULT;
	free(buf);
	return n;
}

SYSCALL_DECL(chdir)
{
	struct path p;
	int rc = path_at(t, AT_FDCWD, a[0], true, false, &p);
	if (rc < 0)
		return rc;
	rc = vfs_chdir(t, &p);
	path_put(&p);
	return rc;
}

SYSCALL_DECL(fchdir)
{
	struct file *f = fd_file(t, a[0]);
	if (!f)
		return -EBADF;
	if (!f->dentry || !t->fs)
		return -ENOTDIR;
	struct path p = { f->mnt, f->dentry };
	return vfs_chdir(t, &p);
}
