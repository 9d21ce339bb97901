/* What the host stdio fds look like from inside: fstat's file type (so
 * libc buffers stdout as it would natively), isatty, terminal ioctls
 * (ENOTTY unless a terminal), lseek and FIONREAD on stdin. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "tests/progs/check.h"

static const char *type(mode_t m)
{
	return S_ISREG(m) ? "regular" : S_ISCHR(m) ? "char device"
	       : S_ISFIFO(m) ? "fifo" : S_ISSOCK(m) ? "socket" : "other";
}

int main(void)
{
	for (int fd = 0; fd < 3; fd++) {
		struct stat st;
		CHECK(fstat(fd, &st) == 0);
		struct termios tio;
		int tty = tcgetattr(fd, &tio) == 0;
		int e = errno;
		printf("fd %d: %s, isatty %d, tcgetattr %s\n", fd,
		       type(st.st_mode), isatty(fd),
		       tty ? "ok" : e == ENOTTY ? "ENOTTY" : strerror(e));
	}
	struct winsize ws;
	printf("TIOCGWINSZ on stdout: %s\n",
	       ioctl(1, TIOCGWINSZ, &ws) == 0 ? "ok" : strerror(errno));
	off_t off = lseek(0, 0, SEEK_CUR);
	printf("lseek stdin: %s\n", off >= 0 ? "ok" : strerror(errno));
	int n = -1;
	printf("FIONREAD stdin: %s\n",
	       ioctl(0, FIONREAD, &n) == 0 ? "ok" : strerror(errno));
	printf("F_GETFL stdout write-only %d\n",
	       (fcntl(1, F_GETFL) & O_ACCMODE) != O_RDONLY);
	return 0;
}
