/* Extended attributes: the argument and path checks every file system
 * makes. Whether a file system keeps attributes is its own business
 * (ext4 answers ENODATA for a missing one, the sandbox's file systems
 * keep none: EOPNOTSUPP), so either answer passes where they differ. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "tests/progs/check.h"

static int no_attr(ssize_t r)
{
	return r == -1 && (errno == ENODATA || errno == EOPNOTSUPP);
}

int main(void)
{
	char path[] = "/tmp/snapctl-xattr-XXXXXX", buf[64], longname[300];
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK(no_attr(getxattr(path, "user.none", buf, sizeof(buf))));
	CHECK(no_attr(lgetxattr(path, "user.none", buf, sizeof(buf))));
	CHECK(no_attr(fgetxattr(fd, "user.none", buf, sizeof(buf))));
	CHECK(no_attr(removexattr(path, "user.none")));
	ssize_t n = listxattr(path, buf, sizeof(buf));
	CHECK(n >= 0);
	errno = 0;
	CHECK(getxattr("/nonexistent/x", "user.a", buf, sizeof(buf)) == -1 &&
	      errno == ENOENT);
	CHECK(listxattr("/nonexistent/x", buf, sizeof(buf)) == -1 && errno == ENOENT);
	CHECK(getxattr(path, "", buf, sizeof(buf)) == -1 && errno == ERANGE);
	memset(longname, 'a', sizeof(longname) - 1);
	memcpy(longname, "user.", 5);
	longname[sizeof(longname) - 1] = 0;
	CHECK(getxattr(path, longname, buf, sizeof(buf)) == -1 && errno == ERANGE);
	CHECK(fgetxattr(9999, "user.a", buf, sizeof(buf)) == -1 && errno == EBADF);
	CHECK(flistxattr(9999, buf, sizeof(buf)) == -1 && errno == EBADF);
	CHECK(setxattr(path, "user.a", "v", 1, 0x40) == -1 && errno == EINVAL);
	static char big[70000];
	CHECK(setxattr(path, "user.a", big, sizeof(big), 0) == -1 && errno == E2BIG);
	CHECK(getxattr(path, (const char *)8, buf, sizeof(buf)) == -1 && errno == EFAULT);
	close(fd);
	unlink(path);
	printf("xattr checks passed\n");
	return 0;
}
