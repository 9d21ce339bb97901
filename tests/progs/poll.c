/* poll, ppoll, select, pselect: readiness of pipes (data, room, hang-up,
 * error), timeouts, POLLNVAL and EBADF, a child waking a blocked poll,
 * ppoll's signal mask with a signal from a child, select's time left,
 * stdin (/dev/null in the tests) and regular files. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
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

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void wait_child(pid_t pid)
{
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	      WEXITSTATUS(st) == 0);
}

static void pipe_readiness(void)
{
	int p[2];
	CHECK(pipe(p) == 0);
	struct pollfd f[2] = { { p[0], POLLIN | POLLOUT, 0 },
			       { p[1], POLLIN | POLLOUT, 0 } };
	int n = poll(f, 2, 0);
	printf("empty: n %d, rd %#x, wr %#x\n", n, f[0].revents, f[1].revents);
	CHECK(write(p[1], "abc", 3) == 3);
	n = poll(f, 2, 0);
	printf("data: n %d, rd %#x, wr %#x\n", n, f[0].revents, f[1].revents);
	close(p[1]);
	n = poll(f, 1, 0);
	printf("data, writer gone: n %d, rd %#x\n", n, f[0].revents);
	char buf[8];
	CHECK(read(p[0], buf, sizeof(buf)) == 3);
	f[0].events = POLLIN;
	n = poll(f, 1, 0);
	printf("writer gone: n %d, rd %#x\n", n, f[0].revents);
	f[0].events = 0;
	n = poll(f, 1, 0);
	printf("no events asked: n %d, rd %#x\n", n, f[0].revents);
	close(p[0]);

	CHECK(pipe(p) == 0);
	close(p[0]);
	f[1] = (struct pollfd){ p[1], POLLOUT, 0 };
	n = poll(f + 1, 1, 0);
	printf("reader gone: n %d, wr %#x\n", n, f[1].revents);
	close(p[1]);

	/* A full pipe is not writable; a closed fd is POLLNVAL, a negative
	 * one ignored. */
	CHECK(pipe2(p, O_NONBLOCK) == 0);
	static char big[1 << 17];
	while (write(p[1], big, sizeof(big)) > 0)
		;
	struct pollfd g[3] = { { p[1], POLLOUT, 0 }, { 99, POLLIN, 0 },
			       { -1, POLLIN, 0 } };
	n = poll(g, 3, 10);
	printf("full, bad fd, negative fd: n %d, %#x %#x %#x\n", n,
	       g[0].revents, g[1].revents, g[2].revents);
	close(p[0]);
	close(p[1]);
}

static void timeouts(void)
{
	int p[2];
	CHECK(pipe(p) == 0);
	struct pollfd f = { p[0], POLLIN, 0 };
	double t0 = now();
	int n = poll(&f, 1, 150);
	double dt = now() - t0;
	printf("poll timeout: n %d, waited enough %d\n", n, dt >= 0.14);
	fd_set rs;
	FD_ZERO(&rs);
	FD_SET(p[0], &rs);
	struct timeval tv = { 0, 150000 };
	t0 = now();
	n = select(p[0] + 1, &rs, NULL, NULL, &tv);
	dt = now() - t0;
	printf("select timeout: n %d, set %d, waited enough %d, left %ld.%06ld\n",
	       n, FD_ISSET(p[0], &rs), dt >= 0.14, (long)tv.tv_sec,
	       (long)tv.tv_usec);
	struct timespec ts = { 0, 100000000 };
	t0 = now();
	n = ppoll(&f, 1, &ts, NULL);
	printf("ppoll timeout: n %d, waited enough %d\n", n,
	       now() - t0 >= 0.09);
	/* Select with no fds sleeps. */
	tv = (struct timeval){ 0, 100000 };
	t0 = now();
	n = select(0, NULL, NULL, NULL, &tv);
	printf("select sleep: n %d, waited enough %d\n", n, now() - t0 >= 0.09);
	/* Select reports the time left when data comes early. */
	CHECK(write(p[1], "x", 1) == 1);
	tv = (struct timeval){ 5, 0 };
	FD_ZERO(&rs);
	FD_SET(p[0], &rs);
	n = select(p[0] + 1, &rs, NULL, NULL, &tv);
	printf("select ready: n %d, time left > 4s %d\n", n, tv.tv_sec >= 4);
	tv = (struct timeval){ -1, 0 };
	SHOW("select negative timeout", select(1, NULL, NULL, NULL, &tv));
	SHOW("select nfds -1", select(-1, NULL, NULL, NULL, NULL));
	close(p[0]);
	close(p[1]);
}

static void select_sets(void)
{
	int p[2];
	CHECK(pipe(p) == 0);
	fd_set r, w, e;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	FD_SET(p[0], &e);
	FD_SET(p[1], &r);
	struct timeval tv = { 0, 0 };
	int n = select(p[1] + 1, &r, &w, &e, &tv);
	printf("select empty pipe: n %d, r %d%d w %d e %d\n", n,
	       FD_ISSET(p[0], &r), FD_ISSET(p[1], &r), FD_ISSET(p[1], &w),
	       FD_ISSET(p[0], &e));
	int bad = 50;
	FD_ZERO(&r);
	FD_SET(bad, &r);
	tv = (struct timeval){ 0, 0 };
	SHOW("select closed fd", select(bad + 1, &r, NULL, NULL, &tv));
	/* Hang-up makes the read end readable, not exceptional. */
	close(p[1]);
	FD_ZERO(&r);
	FD_ZERO(&e);
	FD_SET(p[0], &r);
	FD_SET(p[0], &e);
	tv = (struct timeval){ 0, 0 };
	n = select(p[0] + 1, &r, NULL, &e, &tv);
	printf("select hung-up: n %d, r %d e %d\n", n, FD_ISSET(p[0], &r),
	       FD_ISSET(p[0], &e));
	/* Only the exceptional set: a hang-up does not count; times out. */
	FD_ZERO(&e);
	FD_SET(p[0], &e);
	tv = (struct timeval){ 0, 50000 };
	n = select(p[0] + 1, NULL, NULL, &e, &tv);
	printf("select hung-up, exceptions only: n %d\n", n);
	close(p[0]);
}

/* A child writes while the parent sleeps in poll / select. */
static void woken_by_child(void)
{
	int p[2], go[2];
	CHECK(pipe(p) == 0 && pipe(go) == 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(go[1]);
		usleep(100000);
		(void)!write(p[1], "wake", 4);
		/* Keeps the write end until the parent has looked. */
		char c;
		(void)!read(go[0], &c, 1);
		usleep(100000);
		close(p[1]);
		_exit(0);
	}
	close(go[0]);
	struct pollfd f = { p[0], POLLIN, 0 };
	int n = poll(&f, 1, -1);
	printf("woken poll: n %d, %#x\n", n, f.revents);
	close(go[1]);
	char buf[8];
	CHECK(read(p[0], buf, sizeof(buf)) == 4);
	close(p[1]);
	fd_set r;
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	n = select(p[0] + 1, &r, NULL, NULL, NULL);
	printf("woken select (EOF): n %d, r %d, read %zd\n", n,
	       FD_ISSET(p[0], &r), read(p[0], buf, sizeof(buf)));
	wait_child(pid);
	close(p[0]);
}

static volatile sig_atomic_t usr1;
static void on_usr1(int sig)
{
	(void)sig;
	usr1++;
}

/* SIGUSR1 is blocked; ppoll unblocks it for the wait only, so the
 * child's signal interrupts it (EINTR) and the handler runs; after it
 * the mask is back. pselect likewise. */
static void ppoll_mask(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sigset_t block, empty, cur;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigemptyset(&empty);
	sigprocmask(SIG_BLOCK, &block, NULL);
	int p[2];
	CHECK(pipe(p) == 0);
	for (int round = 0; round < 2; round++) {
		pid_t pid = fork();
		CHECK(pid >= 0);
		if (pid == 0) {
			usleep(100000);
			kill(getppid(), SIGUSR1);
			_exit(0);
		}
		errno = 0;
		int n;
		if (round == 0) {
			struct pollfd f = { p[0], POLLIN, 0 };
			n = ppoll(&f, 1, NULL, &empty);
		} else {
			fd_set r;
			FD_ZERO(&r);
			FD_SET(p[0], &r);
			n = pselect(p[0] + 1, &r, NULL, NULL, NULL, &empty);
		}
		int e = errno;
		sigprocmask(SIG_BLOCK, NULL, &cur);
		printf("%s: %d %s, handler ran %d, still blocked %d\n",
		       round ? "pselect" : "ppoll", n, strerror(e), (int)usr1,
		       sigismember(&cur, SIGUSR1));
		wait_child(pid);
	}
	/* A pending blocked signal the mask unblocks: EINTR at once. */
	kill(getpid(), SIGUSR1);
	struct pollfd f = { p[0], POLLIN, 0 };
	errno = 0;
	int n = ppoll(&f, 1, NULL, &empty);
	printf("ppoll with pending signal: %d %s, handler ran %d\n", n,
	       strerror(errno), (int)usr1);
	/* A bad sigset size. */
	struct timespec ts = { 0, 0 };
	SHOW("ppoll sigsetsize 4", syscall(SYS_ppoll, &f, 1, &ts, &empty, 4));
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	close(p[0]);
	close(p[1]);
}

static volatile sig_atomic_t alarms;
static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* A handler interrupts poll and select with EINTR, even with
 * SA_RESTART (as Linux). */
static void interrupted(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t pid = pester(SIGALRM);
	struct pollfd f = { p[0], POLLIN, 0 };
	errno = 0;
	int n = poll(&f, 1, 5000);
	printf("interrupted poll: %d %s, handler ran %d\n", n, strerror(errno),
	       alarms > 0);
	fd_set r;
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	struct timeval tv = { 5, 0 };
	alarms = 0;
	errno = 0;
	n = select(p[0] + 1, &r, NULL, NULL, &tv);
	printf("interrupted select: %d %s, handler ran %d, time left < 5s %d\n",
	       n, strerror(errno), alarms > 0, tv.tv_sec < 5);
	pester_stop(pid);
	signal(SIGALRM, SIG_DFL);
	close(p[0]);
	close(p[1]);
}

static void errors(void)
{
	struct rlimit rl;
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	SHOW("poll bad address", syscall(SYS_poll, 8L, 1, 0));
	SHOW("poll nfds above RLIMIT_NOFILE",
	     syscall(SYS_poll, 0L, (long)rl.rlim_cur + 1, 0));
	SHOW("poll no fds", poll(NULL, 0, 20));
	SHOW("select bad set address", syscall(SYS_select, 1, 8L, 0L, 0L, 0L));
	struct timespec ts = { 0, 2000000000 };
	SHOW("ppoll bad timespec", ppoll(NULL, 0, &ts, NULL));
	SHOW("ppoll bad timespec address", syscall(SYS_ppoll, 0L, 0, 8L, 0L, 8));
}

/* stdin is /dev/null in the tests: readable at once, read gives EOF. A
 * regular file is always ready. */
static void stdin_and_files(void)
{
	struct pollfd f = { 0, POLLIN, 0 };
	int n = poll(&f, 1, 1000);
	printf("stdin poll: n %d, %#x\n", n, f.revents);
	fd_set r;
	FD_ZERO(&r);
	FD_SET(0, &r);
	struct timeval tv = { 1, 0 };
	n = select(1, &r, NULL, NULL, &tv);
	char c;
	printf("stdin select: n %d, r %d, read %zd\n", n, FD_ISSET(0, &r),
	       read(0, &c, 1));
	int fd = open("/proc/self/exe", O_RDONLY);
	if (fd < 0)
		fd = open("/bin/sh", O_RDONLY);
	CHECK(fd >= 0);
	struct pollfd g = { fd, POLLIN | POLLOUT | POLLPRI, 0 };
	n = poll(&g, 1, -1);
	printf("regular file poll: n %d, %#x\n", n, g.revents);
	fd_set w, e;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	FD_SET(fd, &r);
	FD_SET(fd, &w);
	FD_SET(fd, &e);
	n = select(fd + 1, &r, &w, &e, NULL);
	printf("regular file select: n %d, r %d w %d e %d\n", n,
	       FD_ISSET(fd, &r), FD_ISSET(fd, &w), FD_ISSET(fd, &e));
	close(fd);
	fd = open("/", O_RDONLY | O_DIRECTORY);
	g = (struct pollfd){ fd, POLLIN, 0 };
	n = poll(&g, 1, 0);
	printf("directory poll: n %d, %#x\n", n, g.revents);
	close(fd);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	pipe_readiness();
	timeouts();
	select_sets();
	woken_by_child();
	ppoll_mask();
	interrupted();
	errors();
	stdin_and_files();
	printf("done\n");
	return 0;
}
