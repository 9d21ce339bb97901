/* Signal extras: rt_sigtimedwait (timeout, a signal from a child, EINTR
 * by another signal), sigqueue with a value (to itself and to a child),
 * rt_sigqueueinfo's rule against forged si_codes, rt_tgsigqueueinfo,
 * robust mutexes whose owner dies (thread and process), and signalfd
 * (non-blocking, blocking, poll, mask update, errors). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/progs/check.h"

static void block(int sig)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	CHECK(sigprocmask(SIG_BLOCK, &s, NULL) == 0);
}

static void unblock(int sig)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	CHECK(sigprocmask(SIG_UNBLOCK, &s, NULL) == 0);
}

static int wait_exit(pid_t pid)
{
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* A child that sends sig to its parent after ms milliseconds. */
static pid_t send_later(int sig, int ms)
{
	pid_t parent = getpid();
	pid_t c = fork();
	if (c == 0) {
		usleep((useconds_t)ms * 1000);
		kill(parent, sig);
		_exit(0);
	}
	return c;
}

static void test_timedwait(void)
{
	block(SIGUSR1);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	struct timespec ts = { 0, 20 * 1000000L };
	siginfo_t si;
	CHECK(sigtimedwait(&set, &si, &ts) == -1 && errno == EAGAIN);
	ts = (struct timespec){ 0, 0 };
	CHECK(sigtimedwait(&set, &si, &ts) == -1 && errno == EAGAIN);
	ts = (struct timespec){ 0, -1 };
	CHECK(sigtimedwait(&set, &si, &ts) == -1 && errno == EINVAL);
	pid_t c = send_later(SIGUSR1, 20);
	ts = (struct timespec){ 30, 0 };
	memset(&si, 0, sizeof(si));
	CHECK(sigtimedwait(&set, &si, &ts) == SIGUSR1);
	CHECK(si.si_signo == SIGUSR1 && si.si_code == SI_USER &&
	      si.si_pid == c && si.si_uid == getuid());
	wait_exit(c);
	/* Already pending: returned at once. */
	kill(getpid(), SIGUSR1);
	CHECK(sigwaitinfo(&set, &si) == SIGUSR1 && si.si_code == SI_USER);
	unblock(SIGUSR1);
	printf("sigtimedwait ok\n");
}

static volatile sig_atomic_t got_usr2;

static void on_usr2(int sig)
{
	(void)sig;
	got_usr2 = 1;
}

static void test_timedwait_eintr(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr2;
	sa.sa_flags = SA_RESTART;  /* sigtimedwait is never restarted */
	CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
	block(SIGUSR1);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pid_t c = send_later(SIGUSR2, 20);
	struct timespec ts = { 30, 0 };
	CHECK(sigtimedwait(&set, NULL, &ts) == -1 && errno == EINTR);
	CHECK(got_usr2);
	wait_exit(c);
	unblock(SIGUSR1);
	signal(SIGUSR2, SIG_DFL);
	printf("sigtimedwait EINTR ok\n");
}

static void test_sigqueue(void)
{
	int rt = SIGRTMIN + 1;
	block(rt);
	CHECK(sigqueue(getpid(), rt, (union sigval){ .sival_int = 42 }) == 0);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, rt);
	siginfo_t si;
	CHECK(sigwaitinfo(&set, &si) == rt);
	CHECK(si.si_code == SI_QUEUE && si.si_value.sival_int == 42 &&
	      si.si_pid == getpid());
	/* To a child that waits for it. */
	pid_t c = fork();
	if (c == 0) {
		siginfo_t ci;
		CHECK(sigwaitinfo(&set, &ci) == rt);
		_exit(ci.si_value.sival_int);
	}
	CHECK(sigqueue(c, rt, (union sigval){ .sival_int = 77 }) == 0);
	CHECK(wait_exit(c) == 77);
	/* A forged si_code (SI_USER, >= 0) to another process is refused;
	 * to oneself it is allowed. */
	c = fork();
	if (c == 0) {
		for (;;)
			pause();
	}
	siginfo_t forged;
	memset(&forged, 0, sizeof(forged));
	forged.si_code = SI_USER;
	CHECK(syscall(SYS_rt_sigqueueinfo, c, SIGUSR1, &forged) == -1 &&
	      errno == EPERM);
	forged.si_code = SI_TKILL;
	CHECK(syscall(SYS_rt_sigqueueinfo, c, SIGUSR1, &forged) == -1 &&
	      errno == EPERM);
	CHECK(syscall(SYS_rt_sigqueueinfo, 999999, SIGUSR1, &forged) == -1);
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	forged.si_code = SI_USER;
	forged.si_int = 5;
	CHECK(syscall(SYS_rt_sigqueueinfo, getpid(), rt, &forged) == 0);
	CHECK(sigwaitinfo(&set, &si) == rt && si.si_code == SI_USER);
	/* rt_tgsigqueueinfo to our own thread. */
	forged.si_code = SI_QUEUE;
	forged.si_int = 9;
	CHECK(syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), rt,
		      &forged) == 0);
	CHECK(sigwaitinfo(&set, &si) == rt && si.si_code == SI_QUEUE &&
	      si.si_int == 9);
	CHECK(syscall(SYS_rt_tgsigqueueinfo, getpid(), 999999, rt, &forged) ==
	      -1 && errno == ESRCH);
	CHECK(syscall(SYS_rt_tgsigqueueinfo, 0, gettid(), rt, &forged) ==
	      -1 && errno == EINVAL);
	unblock(rt);
	printf("sigqueue ok\n");
}

static void make_robust(pthread_mutex_t *m, bool shared)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	if (shared)
		pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	CHECK(pthread_mutex_init(m, &a) == 0);
	pthread_mutexattr_destroy(&a);
}

static void *lock_and_exit(void *arg)
{
	CHECK(pthread_mutex_lock(arg) == 0);
	return NULL;
}

static pthread_mutex_t hold_mutex;
static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;

/* Holds the robust mutex until the gate opens, then exits holding it. */
static void *hold_until_gate(void *arg)
{
	(void)arg;
	CHECK(pthread_mutex_lock(&hold_mutex) == 0);
	pthread_mutex_unlock(&gate);
	usleep(20000);
	return NULL;
}

static void test_robust(void)
{
	pthread_mutex_t m;
	make_robust(&m, false);
	pthread_t th;
	CHECK(pthread_create(&th, NULL, lock_and_exit, &m) == 0);
	CHECK(pthread_join(th, NULL) == 0);
	CHECK(pthread_mutex_lock(&m) == EOWNERDEAD);
	CHECK(pthread_mutex_consistent(&m) == 0);
	CHECK(pthread_mutex_unlock(&m) == 0);
	CHECK(pthread_mutex_lock(&m) == 0 && pthread_mutex_unlock(&m) == 0);
	/* A waiter already sleeping on it is woken by the death. */
	make_robust(&hold_mutex, false);
	pthread_mutex_lock(&gate);
	CHECK(pthread_create(&th, NULL, hold_until_gate, NULL) == 0);
	pthread_mutex_lock(&gate);
	CHECK(pthread_mutex_lock(&hold_mutex) == EOWNERDEAD);
	CHECK(pthread_mutex_consistent(&hold_mutex) == 0);
	pthread_mutex_unlock(&hold_mutex);
	pthread_mutex_unlock(&gate);
	pthread_join(th, NULL);
	/* Between processes, in shared memory. */
	pthread_mutex_t *sm = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(sm != MAP_FAILED);
	make_robust(sm, true);
	pid_t c = fork();
	if (c == 0) {
		CHECK(pthread_mutex_lock(sm) == 0);
		_exit(0);
	}
	CHECK(wait_exit(c) == 0);
	CHECK(pthread_mutex_lock(sm) == EOWNERDEAD);
	CHECK(pthread_mutex_consistent(sm) == 0);
	CHECK(pthread_mutex_unlock(sm) == 0);
	munmap(sm, 4096);
	printf("robust mutexes ok\n");
}

static void test_signalfd(void)
{
	block(SIGUSR1);
	block(SIGUSR2);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	CHECK(fd >= 0);
	struct signalfd_siginfo ssi[2];
	CHECK(read(fd, ssi, sizeof(ssi)) == -1 && errno == EAGAIN);
	CHECK(read(fd, ssi, 10) == -1 && errno == EINVAL);
	struct pollfd p = { fd, POLLIN, 0 };
	CHECK(poll(&p, 1, 0) == 0);
	kill(getpid(), SIGUSR1);
	CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLIN));
	CHECK(read(fd, ssi, sizeof(ssi)) == (ssize_t)sizeof(ssi[0]));
	CHECK(ssi[0].ssi_signo == SIGUSR1 && ssi[0].ssi_code == SI_USER &&
	      ssi[0].ssi_pid == (uint32_t)getpid());
	/* Not in the mask: left pending. */
	raise(SIGUSR2);
	CHECK(read(fd, ssi, sizeof(ssi)) == -1 && errno == EAGAIN);
	/* The mask changes through the same fd. */
	sigaddset(&set, SIGUSR2);
	CHECK(signalfd(fd, &set, 0) == fd);
	CHECK(read(fd, ssi, sizeof(ssi)) == (ssize_t)sizeof(ssi[0]));
	CHECK(ssi[0].ssi_signo == SIGUSR2);
	/* Two at once, lowest first. */
	raise(SIGUSR2);
	raise(SIGUSR1);
	CHECK(read(fd, ssi, sizeof(ssi)) == (ssize_t)sizeof(ssi));
	CHECK(ssi[0].ssi_signo == SIGUSR1 && ssi[1].ssi_signo == SIGUSR2);
	/* sigqueue's value comes through. */
	CHECK(sigqueue(getpid(), SIGUSR1, (union sigval){ .sival_int = 31 }) ==
	      0);
	CHECK(read(fd, ssi, sizeof(ssi)) == (ssize_t)sizeof(ssi[0]));
	CHECK(ssi[0].ssi_code == SI_QUEUE && ssi[0].ssi_int == 31);
	close(fd);
	/* Blocking: waits for a signal from a child. */
	fd = signalfd(-1, &set, 0);
	CHECK(fd >= 0);
	pid_t c = send_later(SIGUSR2, 20);
	CHECK(read(fd, ssi, sizeof(ssi)) == (ssize_t)sizeof(ssi[0]));
	CHECK(ssi[0].ssi_signo == SIGUSR2 && ssi[0].ssi_pid == (uint32_t)c);
	wait_exit(c);
	/* poll waits too. */
	c = send_later(SIGUSR1, 20);
	p = (struct pollfd){ fd, POLLIN, 0 };
	CHECK(poll(&p, 1, 30000) == 1 && (p.revents & POLLIN));
	CHECK(read(fd, ssi, sizeof(ssi)) == (ssize_t)sizeof(ssi[0]));
	wait_exit(c);
	/* Errors. */
	CHECK(signalfd(0, &set, 0) == -1 && errno == EINVAL);
	CHECK(signalfd(999, &set, 0) == -1 && errno == EBADF);
	CHECK(syscall(SYS_signalfd4, -1, &set, 8, 0x1234) == -1 &&
	      errno == EINVAL);
	CHECK(syscall(SYS_signalfd4, -1, &set, 4, 0) == -1 && errno == EINVAL);
	close(fd);
	unblock(SIGUSR1);
	unblock(SIGUSR2);
	printf("signalfd ok\n");
}

int main(void)
{
	test_timedwait();
	test_timedwait_eintr();
	test_sigqueue();
	test_robust();
	test_signalfd();
	return 0;
}
