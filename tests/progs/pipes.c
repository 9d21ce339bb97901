/* Pipes: a large transfer between processes with a checksum, EOF,
 * EPIPE and SIGPIPE, O_NONBLOCK, PIPE_BUF atomicity with concurrent
 * writers, F_SETPIPE_SZ, FIONREAD, pipe2 flags, fstat, ESPIPE. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/progs/check.h"
#include "tests/progs/pester.h"

/* Prints what a call returned and, when it failed, its errno. */
#define SHOW(label, expr)                                                  \
	do {                                                               \
		errno = 0;                                                 \
		long r_ = (long)(expr);                                    \
		int e_ = errno;                                            \
		printf("%s: %ld %s\n", label, r_,                          \
		       r_ < 0 ? strerror(e_) : "ok");                      \
	} while (0)

static uint64_t mix(uint64_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static void fill(unsigned char *buf, size_t n, uint64_t *seed)
{
	for (size_t i = 0; i < n; i++) {
		*seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
		buf[i] = (unsigned char)(*seed >> 33);
	}
}

static int wait_child(pid_t pid)
{
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	return st;
}

/* 8 MiB from a child in odd-sized writes; the parent reads in other
 * sizes and checks the checksum and the EOF. */
static void big_transfer(void)
{
	enum { TOTAL = 8 << 20 };
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		static unsigned char buf[70000];
		uint64_t seed = 42, h = 0xcbf29ce484222325ull;
		size_t sent = 0, step = 1;
		while (sent < TOTAL) {
			size_t n = (step * 7919) % sizeof(buf) + 1;
			if (n > TOTAL - sent)
				n = TOTAL - sent;
			fill(buf, n, &seed);
			h = mix(h, buf, n);
			size_t off = 0;
			while (off < n) {
				ssize_t w = write(p[1], buf + off, n - off);
				if (w < 0)
					_exit(2);
				off += (size_t)w;
			}
			sent += n;
			step++;
		}
		/* The checksum travels as the exit code's source: print it. */
		printf("child sent %d bytes, hash %016llx\n", TOTAL,
		       (unsigned long long)h);
		fflush(stdout);
		_exit(0);
	}
	close(p[1]);
	static unsigned char buf[65536 + 123];
	uint64_t h = 0xcbf29ce484222325ull;
	size_t got = 0, reads = 0;
	for (;;) {
		ssize_t r = read(p[0], buf, (reads++ % 3) ? sizeof(buf) : 1000);
		CHECK(r >= 0);
		if (r == 0)
			break;
		h = mix(h, buf, (size_t)r);
		got += (size_t)r;
	}
	CHECK(wait_child(pid) == 0);
	printf("parent got %zu bytes, hash %016llx\n", got,
	       (unsigned long long)h);
	/* EOF again, and still EOF. */
	CHECK(read(p[0], buf, 10) == 0);
	close(p[0]);
}

static volatile sig_atomic_t sigpipes;
static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

/* Writing with no reader: SIGPIPE kills by default; ignored, EPIPE. */
static void epipe(void)
{
	int p[2];
	CHECK(pipe(p) == 0);
	close(p[0]);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		(void)!write(p[1], "x", 1);
		_exit(0);
	}
	int st = wait_child(pid);
	printf("default SIGPIPE: signaled %d sig %d\n", WIFSIGNALED(st),
	       WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	signal(SIGPIPE, SIG_IGN);
	errno = 0;
	CHECK(write(p[1], "x", 1) == -1);
	printf("ignored SIGPIPE: %s\n", strerror(errno));
	/* A handler sees it too. */
	signal(SIGPIPE, SIG_DFL);
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, &old);
	CHECK(write(p[1], "x", 1) == -1 && errno == EPIPE);
	sigset_t pend;
	sigpending(&pend);
	printf("blocked SIGPIPE pending: %d\n", sigismember(&pend, SIGPIPE));
	signal(SIGPIPE, on_sigpipe);
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("handled SIGPIPE: %d\n", (int)sigpipes);
	signal(SIGPIPE, SIG_DFL);
	close(p[1]);
}

static void nonblock(void)
{
	int p[2];
	CHECK(pipe2(p, O_NONBLOCK) == 0);
	char c;
	errno = 0;
	CHECK(read(p[0], &c, 1) == -1);
	printf("empty nonblocking read: %s\n", strerror(errno));
	static char buf[1 << 20];
	memset(buf, 'a', sizeof(buf));
	ssize_t w = write(p[1], buf, sizeof(buf));
	printf("nonblocking big write: %zd\n", w);
	errno = 0;
	CHECK(write(p[1], buf, 1) == -1);
	printf("full pipe write: %s\n", strerror(errno));
	int n = -1;
	CHECK(ioctl(p[0], FIONREAD, &n) == 0);
	printf("FIONREAD full: %d\n", n);
	CHECK(read(p[0], buf, 100) == 100);
	/* 100 bytes free: an atomic write of PIPE_BUF does not fit. */
	errno = 0;
	CHECK(write(p[1], buf, PIPE_BUF) == -1);
	printf("atomic write into 100 free bytes: %s\n", strerror(errno));
	CHECK(read(p[0], buf, PIPE_BUF) == PIPE_BUF);
	CHECK(write(p[1], buf, PIPE_BUF) == PIPE_BUF);
	CHECK(ioctl(p[0], FIONREAD, &n) == 0);
	printf("FIONREAD after: %d\n", n);
	close(p[0]);
	close(p[1]);
}

/* Four writers, records of PIPE_BUF bytes each made of one repeated
 * letter: the reader must never see two letters inside a record. */
static void atomic_writers(void)
{
	enum { WRITERS = 4, RECORDS = 200 };
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t pids[WRITERS];
	for (int i = 0; i < WRITERS; i++) {
		pids[i] = fork();
		CHECK(pids[i] >= 0);
		if (pids[i] == 0) {
			close(p[0]);
			char rec[PIPE_BUF];
			memset(rec, 'A' + i, sizeof(rec));
			/* Half the records in one write, half as a writev
			 * of three pieces: both are one atomic write. */
			struct iovec iov[3] = { { rec, 1000 },
						{ rec + 1000, 96 },
						{ rec + 1096, 3000 } };
			for (int r = 0; r < RECORDS; r++)
				if ((r % 2 ? writev(p[1], iov, 3)
					   : write(p[1], rec, sizeof(rec))) !=
				    sizeof(rec))
					_exit(2);
			_exit(0);
		}
	}
	close(p[1]);
	char rec[PIPE_BUF];
	int counts[WRITERS] = { 0 }, bad = 0;
	for (;;) {
		size_t got = 0;
		while (got < sizeof(rec)) {
			ssize_t r = read(p[0], rec + got, sizeof(rec) - got);
			CHECK(r >= 0);
			if (r == 0)
				break;
			got += (size_t)r;
		}
		if (got == 0)
			break;
		CHECK(got == sizeof(rec));
		for (size_t k = 1; k < sizeof(rec); k++)
			if (rec[k] != rec[0])
				bad++;
		if (rec[0] >= 'A' && rec[0] < 'A' + WRITERS)
			counts[rec[0] - 'A']++;
	}
	for (int i = 0; i < WRITERS; i++)
		CHECK(wait_child(pids[i]) == 0);
	printf("atomic records: %d %d %d %d, interleaved %d\n", counts[0],
	       counts[1], counts[2], counts[3], bad);
	close(p[0]);
}

static void pipe_size(void)
{
	int p[2];
	CHECK(pipe(p) == 0);
	printf("F_GETPIPE_SZ: %d\n", fcntl(p[0], F_GETPIPE_SZ));
	printf("F_SETPIPE_SZ 1: %d\n", fcntl(p[1], F_SETPIPE_SZ, 1));
	printf("F_SETPIPE_SZ 5000: %d\n", fcntl(p[1], F_SETPIPE_SZ, 5000));
	printf("F_GETPIPE_SZ: %d\n", fcntl(p[1], F_GETPIPE_SZ));
	static char buf[9000];
	memset(buf, 'z', sizeof(buf));
	CHECK(fcntl(p[1], F_SETFL, O_NONBLOCK) == 0);
	printf("write into 8 KiB pipe: %zd\n", write(p[1], buf, sizeof(buf)));
	SHOW("shrink below data", fcntl(p[1], F_SETPIPE_SZ, 4096));
	printf("grow with data: %d\n", fcntl(p[1], F_SETPIPE_SZ, 1 << 20));
	char got[9000];
	CHECK(read(p[0], got, sizeof(got)) == 8192);
	CHECK(memcmp(got, buf, 8192) == 0);
	SHOW("F_GETPIPE_SZ on stdout", fcntl(1, F_GETPIPE_SZ));
	close(p[0]);
	close(p[1]);
}

static void flags_and_stat(void)
{
	int p[2];
	CHECK(pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0);
	printf("pipe2 flags: rd %#o wr %#o, cloexec %d %d\n",
	       fcntl(p[0], F_GETFL), fcntl(p[1], F_GETFL),
	       fcntl(p[0], F_GETFD), fcntl(p[1], F_GETFD));
	close(p[0]);
	close(p[1]);
	CHECK(pipe(p) == 0);
	printf("pipe flags: rd %#o wr %#o, cloexec %d %d\n",
	       fcntl(p[0], F_GETFL), fcntl(p[1], F_GETFL),
	       fcntl(p[0], F_GETFD), fcntl(p[1], F_GETFD));
	int bad[2];
	SHOW("pipe2 bad flags", pipe2(bad, O_TRUNC));
	struct stat a, b, c;
	CHECK(fstat(p[0], &a) == 0 && fstat(p[1], &b) == 0);
	int q[2];
	CHECK(pipe(q) == 0);
	CHECK(fstat(q[0], &c) == 0);
	printf("fifo %d %d, perm %o, same ino %d, other pipe differs %d, "
	       "size %lld, nlink %d, blksize %ld\n",
	       S_ISFIFO(a.st_mode), S_ISFIFO(b.st_mode), a.st_mode & 0777,
	       a.st_ino == b.st_ino, a.st_ino != c.st_ino,
	       (long long)a.st_size, (int)a.st_nlink, (long)a.st_blksize);
	char link[64], want[64], fdpath[64];
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", p[1]);
	ssize_t ln = readlink(fdpath, link, sizeof(link) - 1);
	link[ln > 0 ? ln : 0] = 0;
	snprintf(want, sizeof(want), "pipe:[%llu]",
		 (unsigned long long)a.st_ino);
	printf("/proc/self/fd link is pipe:[ino] %d\n", !strcmp(link, want));
	char x;
	SHOW("lseek", lseek(p[0], 0, SEEK_CUR));
	SHOW("pread", pread(p[0], &x, 1, 0));
	SHOW("write to read end", write(p[0], "x", 1));
	SHOW("read from write end", read(p[1], &x, 1));
	SHOW("ioctl TCGETS", ioctl(p[0], TCGETS, &a));
	SHOW("pipe bad address", syscall(SYS_pipe, 8L));
	/* dup keeps the writer: no EOF until the last one goes. */
	int d = dup(p[1]);
	close(p[1]);
	CHECK(write(d, "hi", 2) == 2);
	close(d);
	char buf[4];
	CHECK(read(p[0], buf, 4) == 2);
	CHECK(read(p[0], buf, 4) == 0);
	printf("zero-length read and write: %zd %zd\n", read(p[0], buf, 0),
	       write(q[1], buf, 0));
	close(p[0]);
	close(q[0]);
	close(q[1]);
}

/* A read blocked in a parent until a child writes after a while; a
 * blocked read interrupted by a handler without SA_RESTART. */
static volatile sig_atomic_t alarms;
static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void blocking(void)
{
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		usleep(100000);
		(void)!write(p[1], "late", 4);
		_exit(0);
	}
	char buf[8];
	ssize_t r = read(p[0], buf, sizeof(buf));
	printf("blocked read got %zd: %.4s\n", r, buf);
	CHECK(wait_child(pid) == 0);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	pid = pester(SIGALRM);
	errno = 0;
	r = read(p[0], buf, sizeof(buf));
	printf("interrupted read: %zd %s, handler ran %d\n", r,
	       strerror(errno), alarms > 0);
	pester_stop(pid);
	alarms = 0;

	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		usleep(100000);
		kill(getppid(), SIGALRM);
		usleep(100000);
		(void)!write(p[1], "rs", 2);
		_exit(0);
	}
	r = read(p[0], buf, sizeof(buf));
	printf("restarted read: %zd %.2s, handler ran %d\n", r, buf,
	       alarms > 0);
	CHECK(wait_child(pid) == 0);
	signal(SIGALRM, SIG_DFL);
	close(p[0]);
	close(p[1]);
}

/* Named FIFOs: open waits for the other end; O_NONBLOCK rules; O_RDWR;
 * the data goes with the last opener; an interrupted open. */
static void fifos(void)
{
	char path[64];
	snprintf(path, sizeof(path), "/tmp/snapctl-pipes-fifo.%d", getpid());
	unlink(path);
	CHECK(mkfifo(path, 0600) == 0);
	struct stat st;
	CHECK(stat(path, &st) == 0);
	printf("mkfifo: fifo %d perm %o\n", S_ISFIFO(st.st_mode),
	       st.st_mode & 0777);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		int w = open(path, O_WRONLY);
		if (w < 0 || write(w, "hello fifo", 10) != 10)
			_exit(2);
		close(w);
		_exit(0);
	}
	int r = open(path, O_RDONLY);
	CHECK(r >= 0);
	char buf[32];
	size_t got = 0;
	ssize_t n;
	while ((n = read(r, buf + got, sizeof(buf) - got)) > 0)
		got += (size_t)n;
	printf("fifo between processes: %.*s\n", (int)got, buf);
	struct stat fst;
	CHECK(fstat(r, &fst) == 0);
	printf("fstat: fifo %d, same inode as the path %d\n",
	       S_ISFIFO(fst.st_mode), fst.st_ino == st.st_ino);
	close(r);
	CHECK(wait_child(pid) == 0);

	SHOW("nonblocking writer, no reader", open(path, O_WRONLY | O_NONBLOCK));
	r = open(path, O_RDONLY | O_NONBLOCK);
	CHECK(r >= 0);
	SHOW("nonblocking reader, no writer: read", read(r, buf, 4));
	struct pollfd pf = { r, POLLIN, 0 };
	n = poll(&pf, 1, 0);
	printf("poll before any writer: %zd %#x\n", n, pf.revents);
	int w = open(path, O_WRONLY | O_NONBLOCK);
	CHECK(w >= 0);
	CHECK(write(w, "ab", 2) == 2);
	n = poll(&pf, 1, 0);
	printf("poll with data: %zd %#x\n", n, pf.revents);
	close(w);
	n = poll(&pf, 1, 0);
	printf("poll after the writer left: %zd %#x\n", n, pf.revents);
	CHECK(read(r, buf, 4) == 2);
	close(r);

	int rw = open(path, O_RDWR);
	CHECK(rw >= 0);
	CHECK(write(rw, "xyz", 3) == 3);
	CHECK(read(rw, buf, 2) == 2);
	close(rw);
	rw = open(path, O_RDWR);
	int left = -1;
	CHECK(ioctl(rw, FIONREAD, &left) == 0);
	printf("O_RDWR: data after the last close: %d\n", left);
	close(rw);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	pid = pester(SIGALRM);
	SHOW("open interrupted by a handler", open(path, O_RDONLY));
	pester_stop(pid);
	signal(SIGALRM, SIG_DFL);
	CHECK(unlink(path) == 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	big_transfer();
	epipe();
	nonblock();
	atomic_writers();
	pipe_size();
	flags_and_stat();
	blocking();
	fifos();
	printf("done\n");
	return 0;
}
