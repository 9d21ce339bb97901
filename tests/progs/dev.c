/* /dev: the memory devices' semantics and errors, their stat (type,
 * device numbers, mode), the links to /proc/self/fd, and a node made
 * with mknod behaving as the device its number names. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "tests/progs/check.h"

static void show_node(const char *path)
{
	struct stat st;
	CHECK(stat(path, &st) == 0);
	printf("%s: %s %u:%u mode %04o\n", path,
	       S_ISCHR(st.st_mode) ? "char" : "other", major(st.st_rdev),
	       minor(st.st_rdev), st.st_mode & 07777);
}

static int all_zero(const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

static void test_null(void)
{
	char b[64];
	int fd = open("/dev/null", O_RDWR);
	CHECK(fd >= 0);
	CHECK(read(fd, b, sizeof(b)) == 0);
	CHECK(write(fd, "abc", 3) == 3);
	CHECK(lseek(fd, 100, SEEK_SET) == 0);
	CHECK(pread(fd, b, sizeof(b), 10) == 0);
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) &&
	      st.st_rdev == makedev(1, 3));
	close(fd);
	printf("null ok\n");
}

static void test_zero_full(void)
{
	char b[4096];
	memset(b, 1, sizeof(b));
	int fd = open("/dev/zero", O_RDWR);
	CHECK(fd >= 0);
	CHECK(read(fd, b, sizeof(b)) == sizeof(b) && all_zero(b, sizeof(b)));
	CHECK(write(fd, b, 10) == 10);
	close(fd);
	fd = open("/dev/full", O_RDWR);
	CHECK(fd >= 0);
	memset(b, 1, sizeof(b));
	CHECK(read(fd, b, 100) == 100 && all_zero(b, 100));
	errno = 0;
	CHECK(write(fd, "x", 1) == -1);
	printf("full write: %s\n", strerror(errno));
	close(fd);
	printf("zero ok\n");
}

static void test_random(void)
{
	const char *names[] = { "/dev/urandom", "/dev/random" };
	for (int i = 0; i < 2; i++) {
		char a[64] = { 0 }, b[64] = { 0 };
		int fd = open(names[i], O_RDONLY);
		CHECK(fd >= 0);
		CHECK(read(fd, a, sizeof(a)) == sizeof(a));
		CHECK(read(fd, b, sizeof(b)) == sizeof(b));
		CHECK(memcmp(a, b, sizeof(a)) != 0 && !all_zero(a, sizeof(a)));
		close(fd);
	}
	int fd = open("/dev/urandom", O_WRONLY);
	CHECK(fd >= 0 && write(fd, "seed", 4) == 4);
	close(fd);
	printf("random ok\n");
}

static void test_links(void)
{
	const char *links[] = { "/dev/fd", "/dev/stdin", "/dev/stdout",
				"/dev/stderr" };
	for (int i = 0; i < 4; i++) {
		char t[256];
		ssize_t n = readlink(links[i], t, sizeof(t) - 1);
		CHECK(n > 0);
		t[n] = 0;
		printf("%s -> %s\n", links[i], t);
	}
	/* /dev/fd/N reaches an open file. */
	int fd = open("/dev/zero", O_RDONLY);
	char path[32];
	snprintf(path, sizeof(path), "/dev/fd/%d", fd);
	struct stat st;
	CHECK(stat(path, &st) == 0 && st.st_rdev == makedev(1, 5));
	int again = open(path, O_RDONLY);
	CHECK(again >= 0);
	char c = 1;
	CHECK(read(again, &c, 1) == 1 && c == 0);
	close(again);
	close(fd);
	printf("/dev/fd/N ok\n");
	/* The stdio streams: stat and open reach the open files. */
	struct stat a;
	CHECK(fstat(0, &a) == 0 && stat("/dev/stdin", &st) == 0);
	CHECK(a.st_mode == st.st_mode && a.st_rdev == st.st_rdev &&
	      a.st_ino == st.st_ino);
	/* (Opening one is a dup in the sandbox, a new open file
	 * description on Linux: offsets differ, so nothing is written.) */
	fd = open("/dev/stdout", O_WRONLY);
	CHECK(fd >= 0);
	close(fd);
}

static void test_mknod(void)
{
	const char *path = "/tmp/snapctl-dev-null";
	unlink(path);
	CHECK(mknod(path, S_IFCHR | 0666, makedev(1, 3)) == 0);
	int fd = open(path, O_RDWR);
	CHECK(fd >= 0);
	char b[8];
	CHECK(read(fd, b, sizeof(b)) == 0 && write(fd, "x", 1) == 1);
	close(fd);
	unlink(path);
	CHECK(mknod(path, S_IFCHR | 0666, makedev(1, 7)) == 0);
	fd = open(path, O_WRONLY);
	CHECK(fd >= 0 && write(fd, "x", 1) == -1 && errno == ENOSPC);
	close(fd);
	unlink(path);
	/* A number no driver has. */
	CHECK(mknod(path, S_IFCHR | 0666, makedev(250, 250)) == 0);
	errno = 0;
	CHECK(open(path, O_RDONLY) < 0);
	printf("unknown device: %s\n", strerror(errno));
	unlink(path);
	printf("mknod ok\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	const char *nodes[] = { "/dev/null", "/dev/zero", "/dev/full",
				"/dev/random", "/dev/urandom", "/dev/tty" };
	for (int i = 0; i < 6; i++)
		show_node(nodes[i]);
	struct stat st;
	CHECK(stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode));
	printf("/dev/shm mode %04o\n", st.st_mode & 07777);
	test_null();
	test_zero_full();
	test_random();
	test_links();
	test_mknod();
	return 0;
}
