/* The errors of file system calls: each case prints the call and the
 * errno name it got, so a difference from Linux shows as a diff line.
 * EACCES needs a non-root user; as root it is skipped (both runs). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/progs/check.h"

static char top[64] = "/tmp/fs_errors-XXXXXX";

static const char *name(int e)
{
	switch (e) {
	case 0: return "ok";
	case ENOENT: return "ENOENT";
	case EEXIST: return "EEXIST";
	case ENOTDIR: return "ENOTDIR";
	case EISDIR: return "EISDIR";
	case ENOTEMPTY: return "ENOTEMPTY";
	case ELOOP: return "ELOOP";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case EBADF: return "EBADF";
	case EACCES: return "EACCES";
	case EINVAL: return "EINVAL";
	case EPERM: return "EPERM";
	case EFAULT: return "EFAULT";
	case ESPIPE: return "ESPIPE";
	case EBUSY: return "EBUSY";
	case ERANGE: return "ERANGE";
	default: return "other";
	}
}

#define TRY(expr)                                                         \
	do {                                                               \
		errno = 0;                                                 \
		long r_ = (long)(expr);                                    \
		printf("%-50s %s\n", #expr, r_ < 0 ? name(errno) : "ok");   \
		if (r_ > 2)                                                \
			close((int)r_);                                    \
	} while (0)

int main(void)
{
	CHECK(mkdtemp(top) && chdir(top) == 0);
	CHECK(mkdir("d", 0755) == 0 && mkdir("d/sub", 0755) == 0);
	int fd = open("file", O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1);
	close(fd);
	CHECK(symlink("loop1", "loop2") == 0 && symlink("loop2", "loop1") == 0);
	CHECK(symlink("file", "tofile") == 0);
	char longname[NAME_MAX + 2], longpath[PATH_MAX + 10];
	memset(longname, 'n', NAME_MAX + 1);
	longname[NAME_MAX + 1] = 0;
	memset(longpath, 'p', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = 0;

	TRY(open("missing", O_RDONLY));
	TRY(open("missing/x", O_RDONLY | O_CREAT, 0644));
	TRY(open("file", O_RDONLY | O_CREAT | O_EXCL, 0644));
	TRY(open("file/x", O_RDONLY));
	TRY(open("file/", O_RDONLY));
	TRY(open("d", O_WRONLY));
	TRY(open("d", O_RDONLY | O_CREAT, 0644));
	TRY(open("d/", O_RDWR | O_CREAT, 0644));
	TRY(open("file", O_RDONLY | O_DIRECTORY));
	TRY(open("loop1", O_RDONLY));
	TRY(open("tofile", O_RDONLY | O_NOFOLLOW));
	TRY(open("tofile", O_RDONLY | O_CREAT | O_EXCL, 0644));
	TRY(open(longname, O_RDONLY | O_CREAT, 0644));
	TRY(open(longpath, O_RDONLY));
	TRY(syscall(SYS_open, 0L, O_RDONLY));
	TRY(mkdir("d", 0755));
	TRY(mkdir("file/x", 0755));
	TRY(mkdir("missing/x", 0755));
	TRY(mkdir(".", 0755));
	TRY(rmdir("d"));
	TRY(rmdir("file"));
	TRY(rmdir("missing"));
	TRY(rmdir("d/sub/."));
	TRY(rmdir("d/sub/.."));
	TRY(unlink("d"));
	TRY(unlink("missing"));
	TRY(unlink("file/"));
	TRY(rename("missing", "x"));
	TRY(rename("d", "d/sub/inner"));
	TRY(rename("file", "d"));
	TRY(rename("d", "file"));
	TRY(rename("d/sub", "d/sub2/"));
	TRY(rename("file", "file2/"));
	TRY(link("d", "dlink"));
	TRY(link("missing", "x"));
	TRY(link("file", "tofile"));
	TRY(symlink("x", "file"));
	TRY(symlink("", "emptylink"));
	TRY(readlink("file", longpath, 10));
	TRY(readlink("missing", longpath, 10));
	TRY(chdir("file"));
	TRY(chdir("missing"));
	TRY(truncate("d", 0));
	TRY(truncate("file", -1));
	TRY(access("missing", F_OK));
	TRY(access("file", 0100));
	TRY(read(99, longpath, 1));
	TRY(write(99, "x", 1));
	TRY(close(99));
	TRY(fstat(99, (struct stat *)longpath));
	TRY(lseek(99, 0, SEEK_SET));
	TRY(dup(99));
	TRY(fchdir(99));
	TRY(syscall(SYS_getdents64, 99, longpath, 100));
	fd = open("file", O_RDONLY);
	TRY(syscall(SYS_getdents64, fd, longpath, 100));
	TRY(fchdir(fd));
	TRY(openat(fd, "x", O_RDONLY));
	close(fd);
	fd = open("d", O_RDONLY | O_DIRECTORY);
	TRY(read(fd, longpath, 1));
	TRY(syscall(SYS_getdents64, fd, longpath, 10));
	close(fd);
	fd = open("file", O_PATH);
	TRY(read(fd, longpath, 1));
	TRY(fchmod(fd, 0644));
	TRY(fstat(fd, (struct stat *)longpath));
	close(fd);
	if (geteuid() != 0) {
		CHECK(chmod("file", 0) == 0);
		TRY(open("file", O_RDONLY));
		TRY(open("file", O_WRONLY));
		TRY(access("file", R_OK));
		CHECK(chmod("d", 0500) == 0);
		TRY(open("d/new", O_WRONLY | O_CREAT, 0644));
		TRY(unlink("d/sub"));
		CHECK(chmod("d", 0) == 0);
		TRY(open("d/sub", O_RDONLY));
		CHECK(chmod("d", 0755) == 0);
		TRY(chown("file", 0, 0));
	} else {
		printf("(as root: no EACCES cases)\n");
	}
	CHECK(unlink("file") == 0 && unlink("tofile") == 0);
	CHECK(unlink("loop1") == 0 && unlink("loop2") == 0);
	CHECK(rmdir("d/sub2") == 0 && rmdir("d") == 0);
	CHECK(chdir("/") == 0 && rmdir(top) == 0);
	return 0;
}
