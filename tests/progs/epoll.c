/* epoll(7) on eventfds, pipes and other epoll sets: level- and
 * edge-triggered reports, ONESHOT and its re-arm, DEL, closing watched
 * files, nesting, timeouts, errors, waking a thread blocked in
 * epoll_wait, epoll_pwait's signal mask, epoll_pwait2. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/progs/check.h"

static void wr(int fd, uint64_t v)
{
	CHECK(write(fd, &v, sizeof(v)) == sizeof(v));
}

static uint64_t rd(int fd)
{
	uint64_t v = 0;
	CHECK(read(fd, &v, sizeof(v)) == sizeof(v));
	return v;
}

static int add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int mod(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };
	return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

/* epoll_wait, printing what it reports. */
static int waitp(const char *what, int ep, int max, int timeout)
{
	struct epoll_event evs[16];
	int n = epoll_wait(ep, evs, max, timeout);
	printf("%s: %d", what, n);
	for (int i = 0; i < n; i++)
		printf(" [%llu %#x]", (unsigned long long)evs[i].data.u64,
		       evs[i].events);
	printf("\n");
	return n;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { 0, ms * 1000000L };
	nanosleep(&ts, NULL);
}

static void level_and_edge(void)
{
	int ep = epoll_create1(0), lt = eventfd(1, 0), et = eventfd(1, 0);
	CHECK(ep >= 0 && add(ep, lt, EPOLLIN, 1) == 0);
	CHECK(add(ep, et, EPOLLIN | EPOLLET, 2) == 0);
	waitp("lt+et first", ep, 8, 0);
	waitp("lt+et second", ep, 8, 0);
	waitp("lt+et third", ep, 8, 0);
	wr(et, 1);
	waitp("after et write", ep, 8, 0);
	rd(lt);
	waitp("after lt read", ep, 8, 0);
	/* EPOLLOUT: always writable here; edge-triggered reports come on
	 * each change, reads included. */
	CHECK(mod(ep, et, EPOLLIN | EPOLLOUT | EPOLLET, 3) == 0);
	waitp("et in|out", ep, 8, 0);
	waitp("et in|out again", ep, 8, 0);
	rd(et);
	waitp("et after read", ep, 8, 0);
	close(lt);
	close(et);
	close(ep);
}

static void oneshot(void)
{
	int ep = epoll_create(1), e = eventfd(1, 0);
	CHECK(add(ep, e, EPOLLIN | EPOLLONESHOT, 7) == 0);
	waitp("oneshot first", ep, 8, 0);
	waitp("oneshot second", ep, 8, 0);
	wr(e, 1);
	waitp("oneshot after write", ep, 8, 0);
	CHECK(mod(ep, e, EPOLLIN | EPOLLONESHOT, 8) == 0);
	waitp("oneshot re-armed", ep, 8, 0);
	waitp("oneshot fired again", ep, 8, 0);
	/* A disabled item still exists. */
	CHECK(add(ep, e, EPOLLIN, 9) == -1 && errno == EEXIST);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, e, NULL) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, e, NULL) == -1 && errno == ENOENT);
	waitp("after del", ep, 8, 0);
	close(e);
	close(ep);
}

/* Several ready items and a small maxevents: the order Linux keeps. */
static void ordering(void)
{
	int ep = epoll_create1(0), e[4];
	for (int i = 0; i < 4; i++) {
		e[i] = eventfd(1, 0);
		CHECK(add(ep, e[i], EPOLLIN, 10 + i) == 0);
	}
	waitp("max 3", ep, 3, 0);
	waitp("max 3 again", ep, 3, 0);
	rd(e[1]);
	waitp("without 11", ep, 16, 0);
	wr(e[1], 1);
	waitp("11 back", ep, 16, 0);
	for (int i = 0; i < 4; i++)
		close(e[i]);
	close(ep);
}

static void errors(void)
{
	int ep = epoll_create1(EPOLL_CLOEXEC), e = eventfd(0, 0);
	CHECK(fcntl(ep, F_GETFD) & FD_CLOEXEC);
	CHECK(epoll_create(0) == -1 && errno == EINVAL);
	CHECK(epoll_create(-1) == -1 && errno == EINVAL);
	CHECK(epoll_create1(1) == -1 && errno == EINVAL);
	CHECK(add(ep, e, EPOLLIN, 0) == 0);
	CHECK(add(ep, e, EPOLLIN, 0) == -1 && errno == EEXIST);
	int e2 = eventfd(0, 0);
	CHECK(mod(ep, e2, EPOLLIN, 0) == -1 && errno == ENOENT);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, e2, NULL) == -1 && errno == ENOENT);
	CHECK(add(ep, 999, EPOLLIN, 0) == -1 && errno == EBADF);
	CHECK(add(999, e, EPOLLIN, 0) == -1 && errno == EBADF);
	CHECK(add(e2, e, EPOLLIN, 0) == -1 && errno == EINVAL);
	CHECK(add(ep, ep, EPOLLIN, 0) == -1 && errno == EINVAL);
	int reg = open("/proc/self/exe", O_RDONLY);
	CHECK(reg >= 0);
	CHECK(add(ep, reg, EPOLLIN, 0) == -1 && errno == EPERM);
	close(reg);
	CHECK(epoll_ctl(ep, 99, e2, NULL) == -1 && errno == EFAULT);
	struct epoll_event ev = { .events = EPOLLIN };
	CHECK(epoll_ctl(ep, 99, e2, &ev) == -1 && errno == EINVAL);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, e2, NULL) == -1 && errno == EFAULT);
	/* EPOLLEXCLUSIVE: ADD only, not with ONESHOT, never on a set. */
	CHECK(add(ep, e2, EPOLLIN | EPOLLEXCLUSIVE, 0) == 0);
	CHECK(mod(ep, e2, EPOLLIN, 0) == -1 && errno == EINVAL);
	CHECK(mod(ep, e, EPOLLIN | EPOLLEXCLUSIVE, 0) == -1 && errno == EINVAL);
	int e3 = eventfd(0, 0), inner = epoll_create1(0);
	CHECK(add(ep, e3, EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 0) == -1 &&
	      errno == EINVAL);
	CHECK(add(ep, inner, EPOLLIN | EPOLLEXCLUSIVE, 0) == -1 &&
	      errno == EINVAL);
	CHECK(add(ep, e3, EPOLLIN | EPOLLRDHUP, 0) == 0);
	/* epoll_wait's arguments. */
	struct epoll_event evs[2];
	CHECK(epoll_wait(ep, evs, 0, 0) == -1 && errno == EINVAL);
	CHECK(syscall(SYS_epoll_wait, ep, evs, -1, 0) == -1 && errno == EINVAL);
	CHECK(epoll_wait(999, evs, 2, 0) == -1 && errno == EBADF);
	CHECK(epoll_wait(e, evs, 2, 0) == -1 && errno == EINVAL);
	CHECK(syscall(SYS_epoll_wait, ep, (void *)-4096L, 2, 0) == -1 &&
	      errno == EFAULT);
	wr(e, 1);
	CHECK(syscall(SYS_epoll_wait, ep, 8L, 2, 0) == -1 && errno == EFAULT);
	CHECK(epoll_wait(ep, evs, 2, 0) == 1);  /* still there after EFAULT */
	/* An epoll fd is not for reading, and lseek does nothing. */
	char buf[8];
	CHECK(read(ep, buf, 8) == -1 && errno == EINVAL);
	CHECK(write(ep, buf, 8) == -1 && errno == EINVAL);
	CHECK(lseek(ep, 5, SEEK_SET) == 0);
	close(inner);
	close(e3);
	close(e2);
	close(e);
	close(ep);
	printf("errors ok\n");
}

/* Cycles and depth: ELOOP, as Linux counts it. */
static void loops(void)
{
	int a = epoll_create1(0), b = epoll_create1(0);
	CHECK(add(a, b, EPOLLIN, 0) == 0);
	CHECK(add(b, a, EPOLLIN, 0) == -1 && errno == ELOOP);
	close(a);
	close(b);
	int chain[8];
	int ok = 1;
	chain[0] = epoll_create1(0);
	for (int i = 1; i < 8; i++) {
		chain[i] = epoll_create1(0);
		if (add(chain[i - 1], chain[i], EPOLLIN, 0) < 0) {
			printf("chain: link %d fails, errno %d\n", i, errno);
			break;
		}
		ok = i;
	}
	printf("chain: %d links\n", ok);
	/* Adding below the top of a deep chain counts upwards too. */
	int top = epoll_create1(0);
	printf("above chain: %d\n", add(top, chain[0], EPOLLIN, 0) < 0 ? errno : 0);
	for (int i = 0; i <= ok + 1 && i < 8; i++)
		close(chain[i]);
	close(top);
}

static void nested(void)
{
	int outer = epoll_create1(0), inner = epoll_create1(0);
	int e = eventfd(0, 0);
	CHECK(add(inner, e, EPOLLIN, 1) == 0);
	CHECK(add(outer, inner, EPOLLIN, 2) == 0);
	waitp("nested idle", outer, 8, 0);
	struct pollfd p = { inner, POLLIN, 0 };
	CHECK(poll(&p, 1, 0) == 0);
	wr(e, 1);
	CHECK(poll(&p, 1, 0) == 1 && p.revents == POLLIN);
	waitp("nested outer", outer, 8, 0);
	waitp("nested inner", inner, 8, 0);
	rd(e);
	waitp("nested outer drained", outer, 8, 0);
	/* Edge-triggered outer item: once per inner change. */
	CHECK(mod(outer, inner, EPOLLIN | EPOLLET, 3) == 0);
	wr(e, 1);
	waitp("nested et", outer, 8, 0);
	waitp("nested et again", outer, 8, 0);
	close(e);
	close(inner);
	waitp("inner closed", outer, 8, 0);
	close(outer);
}

/* An item goes when its file does: closing one of two fds of the file
 * keeps it; closing the last removes it. */
static void close_removes(void)
{
	int ep = epoll_create1(0), e = eventfd(1, 0);
	CHECK(add(ep, e, EPOLLIN, 5) == 0);
	int d = dup(e);
	close(e);
	waitp("dup open", ep, 8, 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, d, NULL) == -1 && errno == ENOENT);
	close(d);
	waitp("all closed", ep, 8, 0);
	/* The same fd number with a new file is a new item. */
	int e2 = eventfd(1, 0);
	CHECK(e2 == e && add(ep, e2, EPOLLIN, 6) == 0);
	waitp("new file, same fd", ep, 8, 0);
	close(e2);
	close(ep);
}

static void timeouts(void)
{
	int ep = epoll_create1(0), e = eventfd(0, 0);
	CHECK(add(ep, e, EPOLLIN, 1) == 0);
	struct epoll_event ev;
	int64_t t0 = now_ms();
	CHECK(epoll_wait(ep, &ev, 1, 0) == 0);
	CHECK(epoll_wait(ep, &ev, 1, 30) == 0);
	CHECK(now_ms() - t0 >= 30);
	struct timespec ts = { 0, 20 * 1000000 };
	t0 = now_ms();
	CHECK(epoll_pwait2(ep, &ev, 1, &ts, NULL) == 0);
	CHECK(now_ms() - t0 >= 20);
	ts.tv_nsec = 1000000000;
	CHECK(epoll_pwait2(ep, &ev, 1, &ts, NULL) == -1 && errno == EINVAL);
	close(e);
	close(ep);
	printf("timeouts ok\n");
}

struct waiter_arg {
	int ep;
	int n;
	uint64_t data;
};

static void *waiter(void *p)
{
	struct waiter_arg *w = p;
	struct epoll_event ev;
	w->n = epoll_wait(w->ep, &ev, 1, -1);
	w->data = ev.data.u64;
	return NULL;
}

static void thread_wakeup(void)
{
	int ep = epoll_create1(0), e = eventfd(0, 0);
	CHECK(add(ep, e, EPOLLIN, 77) == 0);
	struct waiter_arg w = { ep, -2, 0 };
	pthread_t th;
	CHECK(pthread_create(&th, NULL, waiter, &w) == 0);
	sleep_ms(50);
	wr(e, 1);
	pthread_join(th, NULL);
	printf("thread woken: %d %llu\n", w.n, (unsigned long long)w.data);
	close(e);
	close(ep);
}

static volatile sig_atomic_t got;

static void on_usr1(int sig)
{
	(void)sig;
	got++;
}

static void pwait_mask(void)
{
	int ep = epoll_create1(0), e = eventfd(0, 0);
	CHECK(add(ep, e, EPOLLIN, 1) == 0);
	struct sigaction sa = { .sa_handler = on_usr1 };
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	sigset_t block, none, cur;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigemptyset(&none);
	CHECK(sigprocmask(SIG_BLOCK, &block, NULL) == 0);
	raise(SIGUSR1);
	struct epoll_event ev;
	/* Still blocked during the wait: it stays pending. */
	CHECK(epoll_pwait(ep, &ev, 1, 10, &block) == 0 && got == 0);
	/* Unblocked for the wait: the handler runs, EINTR. */
	CHECK(epoll_pwait(ep, &ev, 1, -1, &none) == -1 && errno == EINTR);
	CHECK(got == 1);
	CHECK(sigprocmask(SIG_BLOCK, NULL, &cur) == 0 &&
	      sigismember(&cur, SIGUSR1));
	/* A mask of the wrong size. */
	CHECK(syscall(SYS_epoll_pwait, ep, &ev, 1, 0, &none, 4) == -1 &&
	      errno == EINVAL);
	CHECK(sigprocmask(SIG_UNBLOCK, &block, NULL) == 0);
	close(e);
	close(ep);
	printf("pwait mask ok: %d\n", (int)got);
}

static void *kick(void *p)
{
	sleep_ms(50);
	pthread_kill(*(pthread_t *)p, SIGUSR1);
	return NULL;
}

/* A handler interrupts epoll_wait with EINTR, SA_RESTART or not. */
static void eintr_despite_restart(void)
{
	int ep = epoll_create1(0), e = eventfd(0, 0);
	CHECK(add(ep, e, EPOLLIN, 1) == 0);
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	pthread_t self = pthread_self(), th;
	CHECK(pthread_create(&th, NULL, kick, &self) == 0);
	struct epoll_event ev;
	int n = epoll_wait(ep, &ev, 1, -1);
	printf("interrupted: %d %s\n", n, n < 0 ? strerror(errno) : "");
	pthread_join(th, NULL);
	close(e);
	close(ep);
}

/* A set shared with a forked child: the child's write wakes the parent. */
static void fork_shared(void)
{
	int ep = epoll_create1(0), e = eventfd(0, 0);
	CHECK(add(ep, e, EPOLLIN, 9) == 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		sleep_ms(30);
		wr(e, 3);
		_exit(0);
	}
	waitp("woken by child", ep, 8, -1);
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && status == 0);
	close(e);
	close(ep);
}

static void pipes(void)
{
	int p[2], ep = epoll_create1(0);
	CHECK(pipe(p) == 0);
	CHECK(add(ep, p[0], EPOLLIN | EPOLLRDHUP, 100) == 0);
	CHECK(add(ep, p[1], EPOLLOUT, 101) == 0);
	waitp("pipe empty", ep, 8, 0);
	CHECK(write(p[1], "x", 1) == 1);
	waitp("pipe data", ep, 8, 0);
	CHECK(mod(ep, p[0], EPOLLIN | EPOLLET, 102) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL) == 0);
	waitp("pipe et", ep, 8, 0);
	waitp("pipe et again", ep, 8, 0);
	CHECK(write(p[1], "y", 1) == 1);
	waitp("pipe et write", ep, 8, 0);
	close(p[1]);
	waitp("pipe hup", ep, 8, 0);
	close(p[0]);
	close(ep);
}

/* Other pollable kinds: a timerfd expiring, a signalfd's signal. */
static void timer_and_signal(void)
{
	int ep = epoll_create1(0);
	int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
	CHECK(tfd >= 0 && add(ep, tfd, EPOLLIN, 50) == 0);
	struct itimerspec its = { .it_value = { 0, 30 * 1000000 } };
	CHECK(timerfd_settime(tfd, 0, &its, NULL) == 0);
	waitp("timerfd armed", ep, 8, 0);
	waitp("timerfd expired", ep, 8, -1);
	uint64_t ticks;
	CHECK(read(tfd, &ticks, sizeof(ticks)) == sizeof(ticks) && ticks == 1);
	waitp("timerfd read", ep, 8, 0);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	int sfd = signalfd(-1, &set, 0);
	CHECK(sfd >= 0 && add(ep, sfd, EPOLLIN, 51) == 0);
	waitp("signalfd idle", ep, 8, 0);
	raise(SIGUSR2);
	waitp("signalfd raised", ep, 8, -1);
	struct signalfd_siginfo si;
	CHECK(read(sfd, &si, sizeof(si)) == sizeof(si) &&
	      si.ssi_signo == SIGUSR2);
	waitp("signalfd read", ep, 8, 0);
	close(sfd);
	close(tfd);
	close(ep);
}

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : "";
	if (!*only || !strcmp(only, "basic")) {
		level_and_edge();
		oneshot();
		ordering();
		close_removes();
		nested();
	}
	if (!*only || !strcmp(only, "errors")) {
		errors();
		loops();
	}
	if (!*only || !strcmp(only, "wait")) {
		timeouts();
		thread_wakeup();
		pwait_mask();
		eintr_despite_restart();
		fork_shared();
	}
	if (!*only || !strcmp(only, "pipes"))
		pipes();
	if (!*only || !strcmp(only, "others"))
		timer_and_signal();
	return 0;
}
