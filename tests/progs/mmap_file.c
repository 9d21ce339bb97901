/* File mappings: MAP_PRIVATE (copy-on-write) and MAP_SHARED of files in
 * /tmp, of a memfd and of a host file (the program's own binary), fork,
 * msync, mprotect, madvise, mremap, munmap, SIGBUS past the end of the
 * file, and the error cases. Prints one line per check group. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/progs/check.h"

#define P 4096
#define FILE_LEN (3 * P + 100)

static char path[64];
static const char *self;

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 7 + i / P);
}

/* A fresh file of FILE_LEN pattern bytes, open O_RDWR. */
static int make_file(void)
{
	unlink(path);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	static unsigned char buf[FILE_LEN];
	for (size_t i = 0; i < FILE_LEN; i++)
		buf[i] = pattern(i);
	CHECK(write(fd, buf, FILE_LEN) == FILE_LEN);
	return fd;
}

static bool has_pattern(const unsigned char *p, size_t off, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != pattern(off + i))
			return false;
	return true;
}

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static unsigned char file_byte(int fd, off_t off)
{
	unsigned char c = 0;
	CHECK(pread(fd, &c, 1, off) == 1);
	return c;
}

static void test_private(void)
{
	int fd = make_file();
	unsigned char *m = mmap(NULL, FILE_LEN, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(m != MAP_FAILED);
	CHECK(has_pattern(m, 0, FILE_LEN));
	/* The rest of the last page reads as zero. */
	CHECK(all_zero(m + FILE_LEN, 4 * P - FILE_LEN));
	/* A file offset. */
	unsigned char *o = mmap(NULL, P, PROT_READ, MAP_PRIVATE, fd, 2 * P);
	CHECK(o != MAP_FAILED);
	CHECK(has_pattern(o, 2 * P, P));
	/* Writes to a private mapping stay private. */
	unsigned char *w = mmap(NULL, FILE_LEN, PROT_READ | PROT_WRITE,
				MAP_PRIVATE, fd, 0);
	CHECK(w != MAP_FAILED);
	w[10] = 0xee;
	w[P + 5] = 0xdd;
	CHECK(file_byte(fd, 10) == pattern(10));
	CHECK(m[10] == pattern(10));
	CHECK(w[10] == 0xee && w[11] == pattern(11));
	/* A page not written yet still shows the file, even as it
	 * changes (Linux: until the page is copied). */
	unsigned char c = 0x5a;
	CHECK(pwrite(fd, &c, 1, 2 * P + 1) == 1);
	CHECK(w[2 * P + 1] == 0x5a && m[2 * P + 1] == 0x5a);
	/* MADV_DONTNEED drops the private copies: the file again. */
	CHECK(madvise(w, FILE_LEN, MADV_DONTNEED) == 0);
	CHECK(w[10] == pattern(10) && w[P + 5] == pattern(P + 5));
	/* mprotect to writable, then write: copy-on-write too. */
	CHECK(mprotect(m, P, PROT_READ | PROT_WRITE) == 0);
	m[0] = 1;
	CHECK(file_byte(fd, 0) == pattern(0));
	CHECK(munmap(m, FILE_LEN) == 0);
	CHECK(munmap(o, P) == 0);
	CHECK(munmap(w, FILE_LEN) == 0);
	close(fd);
	printf("private: ok\n");
}

static void test_shared(void)
{
	int fd = make_file();
	unsigned char *s = mmap(NULL, FILE_LEN, PROT_READ | PROT_WRITE,
				MAP_SHARED, fd, 0);
	CHECK(s != MAP_FAILED);
	CHECK(has_pattern(s, 0, FILE_LEN));
	s[100] = 0xab;
	CHECK(file_byte(fd, 100) == 0xab);
	unsigned char c = 0xcd;
	CHECK(pwrite(fd, &c, 1, P + 7) == 1);
	CHECK(s[P + 7] == 0xcd);
	/* A second shared mapping sees the same bytes. */
	unsigned char *s2 = mmap(NULL, P, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(s2 != MAP_FAILED && s2[100] == 0xab);
	CHECK(msync(s, FILE_LEN, MS_SYNC) == 0);
	CHECK(msync(s, FILE_LEN, MS_ASYNC | MS_INVALIDATE) == 0);
	CHECK(msync(s + 1, P, MS_SYNC) == -1 && errno == EINVAL);
	CHECK(msync(s, P, MS_SYNC | MS_ASYNC) == -1 && errno == EINVAL);
	/* fork: the shared mapping stays shared, the private one COW. */
	unsigned char *p = mmap(NULL, P, PROT_READ | PROT_WRITE, MAP_PRIVATE,
				fd, 0);
	CHECK(p != MAP_FAILED);
	p[1] = 0x11;
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		CHECK(s[100] == 0xab && p[1] == 0x11);
		s[200] = 0x77;
		p[1] = 0x22;
		p[2] = 0x33;
		_exit(0);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	      WEXITSTATUS(st) == 0);
	CHECK(s[200] == 0x77 && s2[200] == 0x77 && file_byte(fd, 200) == 0x77);
	CHECK(p[1] == 0x11 && p[2] == pattern(2));
	CHECK(munmap(p, P) == 0);
	/* The pages outlive close and unlink. */
	close(fd);
	CHECK(unlink(path) == 0);
	CHECK(s[100] == 0xab && s2[P - 1] == pattern(P - 1));
	s[0] = 9;
	CHECK(s2[0] == 9);
	CHECK(munmap(s, FILE_LEN) == 0);
	CHECK(munmap(s2, P) == 0);
	printf("shared: ok\n");
}

static void test_memfd(void)
{
	int fd = memfd_create("mmap-test", 0);
	CHECK(fd >= 0);
	CHECK(ftruncate(fd, 2 * P) == 0);
	unsigned char *a = mmap(NULL, 2 * P, PROT_READ | PROT_WRITE,
				MAP_SHARED, fd, 0);
	unsigned char *b = mmap(NULL, 2 * P, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(a != MAP_FAILED && b != MAP_FAILED);
	CHECK(all_zero(b, 2 * P));
	memset(a + P, 0x42, 16);
	CHECK(b[P] == 0x42 && b[P + 15] == 0x42 && b[P + 16] == 0);
	unsigned char buf[16];
	CHECK(pread(fd, buf, 16, P) == 16 && buf[0] == 0x42);
	CHECK(munmap(a, 2 * P) == 0);
	CHECK(munmap(b, 2 * P) == 0);
	close(fd);
	printf("memfd: ok\n");
}

/* The program's own binary: a host file (the lower layer). */
static void test_host_file(void)
{
	int fd = open(self, O_RDONLY);
	CHECK(fd >= 0);
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.st_size > 2 * P);
	size_t len = (size_t)st.st_size;
	unsigned char *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(m != MAP_FAILED);
	CHECK(memcmp(m, "\177ELF", 4) == 0);
	static unsigned char buf[P];
	CHECK(pread(fd, buf, P, P) == P);
	CHECK(memcmp(m + P, buf, P) == 0);
	/* The last, partial page: the file's tail, then zeros. */
	size_t tail = len % P, last = len - tail;
	if (tail) {
		CHECK(pread(fd, buf, tail, (off_t)last) == (ssize_t)tail);
		CHECK(memcmp(m + last, buf, tail) == 0);
		CHECK(all_zero(m + len, P - tail));
	}
	/* ld.so's way: reserve, then map segments over it at offsets. */
	unsigned char *r = mmap(NULL, 4 * P, PROT_NONE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(r != MAP_FAILED);
	unsigned char *seg = mmap(r + P, 2 * P, PROT_READ | PROT_EXEC,
				  MAP_PRIVATE | MAP_FIXED, fd, P);
	CHECK(seg == r + P);
	CHECK(memcmp(seg, m + P, 2 * P) == 0);
	/* Writable private copy: the host file never changes. */
	unsigned char *w = mmap(NULL, P, PROT_READ | PROT_WRITE, MAP_PRIVATE,
				fd, 0);
	CHECK(w != MAP_FAILED);
	w[0] = 'X';
	CHECK(m[0] == 0x7f && file_byte(fd, 0) == 0x7f);
	/* A shared read-only mapping of it. */
	unsigned char *s = mmap(NULL, P, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(s != MAP_FAILED && memcmp(s, "\177ELF", 4) == 0);
	CHECK(mprotect(s, P, PROT_READ | PROT_WRITE) == -1 && errno == EACCES);
	CHECK(munmap(r, 4 * P) == 0);
	CHECK(munmap(m, len) == 0);
	CHECK(munmap(w, P) == 0);
	CHECK(munmap(s, P) == 0);
	close(fd);
	printf("host file: ok\n");
}

static void test_remap(void)
{
	int fd = make_file();
	unsigned char *m = mmap(NULL, 2 * P, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(m != MAP_FAILED);
	CHECK(m[P] == pattern(P));
	/* Unmapping the first page leaves the second at its offset. */
	CHECK(munmap(m, P) == 0);
	CHECK(m[P + 1] == pattern(P + 1));
	/* Growing (and maybe moving) keeps the file offsets. */
	unsigned char *g = mremap(m + P, P, 3 * P, MREMAP_MAYMOVE);
	CHECK(g != MAP_FAILED);
	CHECK(has_pattern(g, P, 2 * P + 100));
	CHECK(munmap(g, 3 * P) == 0);
	close(fd);
	unlink(path);
	printf("remap: ok\n");
}

static sigjmp_buf jump;
static volatile int bus_code;

static void on_bus(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	bus_code = sig == SIGBUS ? si->si_code : -1;
	siglongjmp(jump, 1);
}

/* Reads *p; returns the SIGBUS si_code, or 0 if the read worked. */
static int try_read(volatile unsigned char *p, unsigned char *out)
{
	bus_code = 0;
	if (sigsetjmp(jump, 1) == 0)
		*out = *p;
	return bus_code;
}

static void test_sigbus(void)
{
	struct sigaction sa = { .sa_sigaction = on_bus,
				.sa_flags = SA_SIGINFO };
	CHECK(sigaction(SIGBUS, &sa, NULL) == 0);
	int fd = make_file();
	CHECK(ftruncate(fd, P + 10) == 0);
	unsigned char *m = mmap(NULL, 4 * P, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	unsigned char c = 1;
	CHECK(try_read(m + P + 9, &c) == 0 && c == pattern(P + 9));
	CHECK(try_read(m + P + 10, &c) == 0 && c == 0);
	CHECK(try_read(m + 2 * P, &c) == BUS_ADRERR);
	CHECK(try_read(m + 3 * P + 5, &c) == BUS_ADRERR);
	/* The file grows: the page is there now. */
	CHECK(ftruncate(fd, 3 * P) == 0);
	CHECK(try_read(m + 2 * P, &c) == 0 && c == 0);
	/* A private mapping past the end too. */
	unsigned char *p = mmap(NULL, 4 * P, PROT_READ | PROT_WRITE,
				MAP_PRIVATE, fd, 0);
	CHECK(p != MAP_FAILED);
	CHECK(try_read(p + 3 * P, &c) == BUS_ADRERR);
	/* read(2) into such a page fails with EFAULT. */
	CHECK(pread(fd, p + 3 * P, 1, 0) == -1 && errno == EFAULT);
	/* Shrinking the file takes its pages from every mapping, private
	 * copies included; the partial last page's tail reads zero. */
	CHECK(try_read(m + 2 * P, &c) == 0 && try_read(p + P, &c) == 0);
	p[2 * P] = 1;
	p[10] = 2;
	CHECK(ftruncate(fd, P / 2) == 0);
	CHECK(try_read(m + P, &c) == BUS_ADRERR);
	CHECK(try_read(p + 2 * P, &c) == BUS_ADRERR);
	CHECK(try_read(m + P / 2 + 1, &c) == 0 && c == 0);
	CHECK(try_read(p + 10, &c) == 0 && c == 2);
	CHECK(try_read(m + 10, &c) == 0 && c == pattern(10));
	CHECK(munmap(m, 4 * P) == 0);
	CHECK(munmap(p, 4 * P) == 0);
	close(fd);
	unlink(path);
	signal(SIGBUS, SIG_DFL);
	printf("sigbus: ok\n");
}

static void expect_err(void *r, int err, const char *what)
{
	if (r != MAP_FAILED || errno != err) {
		printf("FAIL %s: %s (%s)\n", what,
		       r == MAP_FAILED ? strerror(errno) : "mapped",
		       strerror(err));
		exit(1);
	}
}

static void test_errors(void)
{
	int rw = make_file();
	int ro = open(path, O_RDONLY);
	int wo = open(path, O_WRONLY);
	int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
	CHECK(ro >= 0 && wo >= 0 && dir >= 0);
	expect_err(mmap(NULL, P, PROT_READ, MAP_PRIVATE, dir, 0), ENODEV,
		   "directory");
	expect_err(mmap(NULL, P, PROT_READ, MAP_PRIVATE, wo, 0), EACCES,
		   "write-only fd");
	expect_err(mmap(NULL, P, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0),
		   EACCES, "shared writable of read-only fd");
	expect_err(mmap(NULL, P, PROT_READ, MAP_SHARED, 999, 0), EBADF,
		   "bad fd");
	expect_err(mmap(NULL, P, PROT_READ, MAP_PRIVATE, rw, 100), EINVAL,
		   "unaligned offset");
	expect_err(mmap(NULL, 0, PROT_READ, MAP_PRIVATE, rw, 0), EINVAL,
		   "zero length");
	expect_err(mmap(NULL, P, PROT_READ, 0, rw, 0), EINVAL, "no type");
	expect_err(mmap(NULL, P, PROT_READ, MAP_SHARED_VALIDATE | MAP_SYNC,
			rw, 0), EOPNOTSUPP, "unknown validated flag");
	int pfd = open(path, O_PATH);
	CHECK(pfd >= 0);
	expect_err(mmap(NULL, P, PROT_READ, MAP_PRIVATE, pfd, 0), EBADF,
		   "O_PATH fd");
	/* Read-only fd: private writable is fine, shared read-only too,
	 * but it can never become shared writable. */
	void *m = mmap(NULL, P, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
	CHECK(m != MAP_FAILED && munmap(m, P) == 0);
	m = mmap(NULL, P, PROT_READ, MAP_SHARED_VALIDATE, ro, 0);
	CHECK(m != MAP_FAILED);
	CHECK(mprotect(m, P, PROT_READ | PROT_WRITE) == -1 && errno == EACCES);
	CHECK(mprotect(m, P, PROT_NONE) == 0 && munmap(m, P) == 0);
	/* MAP_ANONYMOUS ignores the fd. */
	m = mmap(NULL, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 999, 0);
	CHECK(m != MAP_FAILED && munmap(m, P) == 0);
	close(pfd);
	close(dir);
	close(wo);
	close(ro);
	close(rw);
	unlink(path);
	printf("errors: ok\n");
}

int main(int argc, char **argv)
{
	(void)argc;
	self = argv[0];
	snprintf(path, sizeof(path), "/tmp/mmap_file.%d", (int)getpid());
	test_private();
	test_shared();
	test_memfd();
	test_host_file();
	test_remap();
	test_sigbus();
	test_errors();
	return 0;
}
