/* Files in /tmp: create, read, write, seek, truncate, O_APPEND, O_EXCL,
 * positional and vector I/O, dup/dup2/dup3, fcntl flags, FIONREAD,
 * sendfile, copy_file_range, fallocate, memfd, locks. Prints what it
 * sees; the native run is the reference. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "tests/progs/check.h"

static char dir[64];

static const char *at(const char *name)
{
	static char buf[2][128];
	static int i;
	i ^= 1;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void show_file(const char *name)
{
	char buf[256];
	int fd = open(at(name), O_RDONLY);
	CHECK(fd >= 0);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	CHECK(n >= 0);
	buf[n] = 0;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == 0)
			buf[i] = '.';
	printf("%s: %zd bytes \"%s\"\n", name, n, buf);
	close(fd);
}

static void basic_io(void)
{
	int fd = open(at("f"), O_RDWR | O_CREAT | O_EXCL, 0644);
	CHECK(fd >= 0);
	CHECK(open(at("f"), O_RDWR | O_CREAT | O_EXCL, 0644) < 0 &&
	      errno == EEXIST);
	CHECK(write(fd, "hello world", 11) == 11);
	CHECK(lseek(fd, 0, SEEK_CUR) == 11);
	CHECK(lseek(fd, 6, SEEK_SET) == 6);
	char buf[32] = { 0 };
	CHECK(read(fd, buf, sizeof(buf)) == 5 && !strcmp(buf, "world"));
	CHECK(read(fd, buf, sizeof(buf)) == 0);
	CHECK(lseek(fd, -5, SEEK_END) == 6);
	CHECK(write(fd, "WORLD!", 6) == 6);
	CHECK(lseek(fd, 20, SEEK_END) == 32);
	CHECK(write(fd, "x", 1) == 1);
	CHECK(lseek(fd, -100, SEEK_SET) < 0 && errno == EINVAL);
	CHECK(lseek(fd, 0, 99) < 0 && errno == EINVAL);
	show_file("f");
	CHECK(ftruncate(fd, 5) == 0);
	CHECK(ftruncate(fd, 8) == 0);
	show_file("f");
	CHECK(pwrite(fd, "AB", 2, 1) == 2);
	CHECK(pread(fd, buf, 4, 0) == 4 && !memcmp(buf, "hABl", 4));
	CHECK(pread(fd, buf, 4, -1) < 0 && errno == EINVAL);
	CHECK(lseek(fd, 0, SEEK_CUR) == 33);
	struct iovec iov[2] = { { "one ", 4 }, { "two", 3 } };
	CHECK(pwritev(fd, iov, 2, 2) == 7);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	char a[3] = { 0 }, b[6] = { 0 };
	struct iovec riov[2] = { { a, 2 }, { b, 5 } };
	CHECK(readv(fd, riov, 2) == 7);
	printf("readv: \"%s\" \"%s\"\n", a, b);
	int n;
	CHECK(ioctl(fd, FIONREAD, &n) == 0);
	printf("FIONREAD at 7: %d\n", n);
	struct stat st;
	CHECK(fstat(fd, &st) == 0);
	printf("size %lld mode %o nlink %lu\n", (long long)st.st_size,
	       st.st_mode, (unsigned long)st.st_nlink);
	close(fd);
	CHECK(truncate(at("f"), 3) == 0);
	show_file("f");
	CHECK(truncate(at("nope"), 3) < 0 && errno == ENOENT);
}

static void append_and_trunc(void)
{
	int fd = open(at("log"), O_WRONLY | O_CREAT | O_APPEND, 0600);
	CHECK(fd >= 0);
	CHECK(write(fd, "one\n", 4) == 4);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	CHECK(write(fd, "two\n", 4) == 4);
	CHECK(lseek(fd, 0, SEEK_CUR) == 8);
	close(fd);
	show_file("log");
	fd = open(at("log"), O_WRONLY | O_TRUNC);
	CHECK(fd >= 0);
	CHECK(write(fd, "3", 1) == 1);
	close(fd);
	show_file("log");
	fd = open(at("log"), O_RDONLY);
	CHECK(write(fd, "x", 1) < 0 && errno == EBADF);
	CHECK(ftruncate(fd, 0) < 0 && errno == EINVAL);
	close(fd);
	fd = creat(at("created"), 0640);
	CHECK(fd >= 0);
	CHECK(read(fd, &fd, 1) < 0 && errno == EBADF);
	close(fd);
	struct stat st;
	CHECK(stat(at("created"), &st) == 0);
	printf("creat mode %o\n", st.st_mode & 07777);
}

static void descriptors(void)
{
	int fd = open(at("d"), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	printf("cloexec %d\n", fcntl(fd, F_GETFD));
	int fl = fcntl(fd, F_GETFL);
	printf("getfl acc %d append %d nonblock %d\n", fl & O_ACCMODE,
	       !!(fl & O_APPEND), !!(fl & O_NONBLOCK));
	CHECK(fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK) == 0);
	fl = fcntl(fd, F_GETFL);
	printf("getfl acc %d append %d nonblock %d\n", fl & O_ACCMODE,
	       !!(fl & O_APPEND), !!(fl & O_NONBLOCK));
	int d = dup(fd);
	CHECK(d > fd);
	printf("dup cloexec %d\n", fcntl(d, F_GETFD));
	CHECK(write(fd, "abc", 3) == 3);
	CHECK(lseek(d, 0, SEEK_CUR) == 3);        /* shared offset */
	CHECK(dup2(fd, 50) == 50);
	CHECK(dup2(50, 50) == 50);
	CHECK(dup3(fd, 51, O_CLOEXEC) == 51);
	printf("dup3 cloexec %d\n", fcntl(51, F_GETFD));
	CHECK(dup3(fd, fd, 0) < 0 && errno == EINVAL);
	CHECK(fcntl(fd, F_DUPFD, 60) == 60);
	CHECK(fcntl(fd, F_DUPFD_CLOEXEC, 60) == 61);
	CHECK(fcntl(61, F_GETFD) == FD_CLOEXEC);
	CHECK(fcntl(61, F_SETFD, 0) == 0 && fcntl(61, F_GETFD) == 0);
	CHECK(ioctl(61, FIOCLEX) == 0 && fcntl(61, F_GETFD) == FD_CLOEXEC);
	CHECK(close(61) == 0 && close(61) < 0 && errno == EBADF);
	CHECK(close_range(50, 60, 0) == 0);
	CHECK(fcntl(50, F_GETFD) < 0 && errno == EBADF);
	CHECK(fcntl(1000, F_GETFD) < 0 && errno == EBADF);
	CHECK(dup2(fd, 100000) < 0 && errno == EBADF);
	close(d);
	close(fd);
}

static void copies(void)
{
	int in = open(at("src"), O_RDWR | O_CREAT, 0600);
	char big[20000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	CHECK(write(in, big, sizeof(big)) == sizeof(big));
	int out = open(at("dst"), O_RDWR | O_CREAT, 0600);
	off_t off = 100;
	CHECK(sendfile(out, in, &off, 5000) == 5000 && off == 5100);
	CHECK(lseek(in, 0, SEEK_SET) == 0);
	CHECK(sendfile(out, in, NULL, 10) == 10);
	CHECK(lseek(in, 0, SEEK_CUR) == 10);
	loff_t ioff = 0, ooff = 3;
	CHECK(copy_file_range(in, &ioff, out, &ooff, 4, 0) == 4);
	struct stat st;
	CHECK(fstat(out, &st) == 0);
	char head[12] = { 0 };
	CHECK(pread(out, head, 11, 0) == 11);
	printf("copies: size %lld head %s\n", (long long)st.st_size, head);
	CHECK(fallocate(out, 0, 0, 100000) == 0);
	CHECK(fstat(out, &st) == 0);
	printf("fallocate size %lld\n", (long long)st.st_size);
	CHECK(posix_fadvise(out, 0, 0, POSIX_FADV_SEQUENTIAL) == 0);
	CHECK(fsync(out) == 0 && fdatasync(out) == 0);
	close(in);
	close(out);
}

static void memfd_and_locks(void)
{
	int m = memfd_create("test", MFD_CLOEXEC);
	CHECK(m >= 0);
	CHECK(write(m, "in memory", 9) == 9);
	struct stat st;
	CHECK(fstat(m, &st) == 0);
	printf("memfd size %lld reg %d cloexec %d\n", (long long)st.st_size,
	       S_ISREG(st.st_mode), fcntl(m, F_GETFD));
	CHECK(pread(m, &st, 2, 3) == 2);
	close(m);
	int fd = open(at("lock"), O_RDWR | O_CREAT, 0600);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
			    .l_start = 0, .l_len = 10 };
	CHECK(fcntl(fd, F_SETLK, &fl) == 0);
	fl.l_type = F_RDLCK;
	CHECK(fcntl(fd, F_GETLK, &fl) == 0);
	printf("getlk own lock: %s\n", fl.l_type == F_UNLCK ? "unlocked" : "?");
	CHECK(flock(fd, LOCK_EX | LOCK_NB) == 0);
	int fd2 = open(at("lock"), O_RDWR);
	CHECK(flock(fd2, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK);
	CHECK(flock(fd, LOCK_UN) == 0);
	CHECK(flock(fd2, LOCK_SH | LOCK_NB) == 0);
	close(fd2);
	close(fd);
}

static void cleanup(void)
{
	const char *names[] = { "f", "log", "created", "d", "src", "dst",
				"lock" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		CHECK(unlink(at(names[i])) == 0);
	CHECK(rmdir(dir) == 0);
}

int main(void)
{
	strcpy(dir, "/tmp/fs_files-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	basic_io();
	append_and_trunc();
	descriptors();
	copies();
	memfd_and_locks();
	cleanup();
	printf("done\n");
	return 0;
}
