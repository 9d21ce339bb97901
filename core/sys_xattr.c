/* Extended attributes: none of the sandbox's file systems keep any, so
 * the calls answer as Linux does for a file system without xattr
 * handlers -- get, set and remove fail with EOPNOTSUPP, list returns an
 * empty list -- after the same argument and path checks. Programs (ls,
 * cp -a, tar, python's shutil) take EOPNOTSUPP as "no attributes". */
#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h>
#include <sys/xattr.h>

#include "core/fs/mount.h"
#include "core/mm.h"
#include "core/sys_fs.h"
#include "core/syscall.h"
#include "core/task.h"

/* The attribute name as Linux imports it: ERANGE when empty or longer
 * than XATTR_NAME_MAX. */
static int check_name(struct task *t, uint64_t addr)
{
	char name[XATTR_NAME_MAX + 1];
	int64_t n = mm_copy_string_from(t->mm, name, addr, sizeof(name));
	if (n == -ENAMETOOLONG)
		return -ERANGE;
	if (n < 0)
		return (int)n;
	return n == 0 || (size_t)n >= sizeof(name) ? -ERANGE : 0;
}

static int check_path(struct task *t, uint64_t addr, bool follow)
{
	struct path p;
	int rc = path_at(t, AT_FDCWD, addr, follow, false, &p);
	if (rc == 0)
		path_put(&p);
	return rc;
}

static int check_fd(struct task *t, uint64_t fd)
{
	return fd_file_io(t, fd) ? 0 : -EBADF;
}

static int64_t set_args(struct task *t, const uint64_t a[6])
{
	if (int_arg(a[4]) & ~(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	int rc = check_name(t, a[1]);
	if (rc == 0 && a[3] > XATTR_SIZE_MAX)
		rc = -E2BIG;
	return rc;
}

SYSCALL_DECL(getxattr)
{
	int rc = check_name(t, a[1]);
	return rc ? rc : (rc = check_path(t, a[0], true)) ? rc : -EOPNOTSUPP;
}

SYSCALL_DECL(lgetxattr)
{
	int rc = check_name(t, a[1]);
	return rc ? rc : (rc = check_path(t, a[0], false)) ? rc : -EOPNOTSUPP;
}

SYSCALL_DECL(fgetxattr)
{
	int rc = check_fd(t, a[0]);
	return rc ? rc : (rc = check_name(t, a[1])) ? rc : -EOPNOTSUPP;
}

SYSCALL_DECL(listxattr)
{
	return check_path(t, a[0], true);
}

SYSCALL_DECL(llistxattr)
{
	return check_path(t, a[0], false);
}

SYSCALL_DECL(flistxattr)
{
	return check_fd(t, a[0]);
}

SYSCALL_DECL(setxattr)
{
	int64_t rc = set_args(t, a);
	return rc ? rc : (rc = check_path(t, a[0], true)) ? rc : -EOPNOTSUPP;
}

SYSCALL_DECL(lsetxattr)
{
	int64_t rc = set_args(t, a);
	return rc ? rc : (rc = check_path(t, a[0], false)) ? rc : -EOPNOTSUPP;
}

SYSCALL_DECL(fsetxattr)
{
	int64_t rc = check_fd(t, a[0]);
	return rc ? rc : (rc = set_args(t, a)) ? rc : -EOPNOTSUPP;
}

SYSCALL_DECL(removexattr)
{
	int rc = check_name(t, a[1]);
	return rc ? rc : (rc = check_path(t, a[0], true)) ? rc : -EOPNOTSUPP;
}

SYSCALL_DECL(lremovexattr)
{
	int rc = check_name(t, a[1]);
	return rc ? rc : (rc = check_path(t, a[0], false)) ? rc : -EOPNOTSUPP;
}

SYSCALL_DECL(fremovexattr)
{
	int rc = check_fd(t, a[0]);
	return rc ? rc : (rc = check_name(t, a[1])) ? rc : -EOPNOTSUPP;
}
