/* Job control: SIGSTOP/SIGCONT of a child, waitpid with WUNTRACED and
 * WCONTINUED (each event reported once), waitid with WSTOPPED, WNOWAIT,
 * the parent's SIGCHLD with CLD_STOPPED / CLD_CONTINUED (and none under
 * SA_NOCLDSTOP), SIGTSTP with a handler, stop and continue discarding
 * each other's pending signals, a multi-threaded child stopping as a
 * whole, and SIGKILL ending a stopped child. The workers get process
 * groups of their own inside a new session, so their groups are not
 * orphaned (terminal stops would be discarded) natively or sandboxed. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/progs/check.h"

static int wait_status(pid_t pid, int options)
{
	int st;
	CHECK(waitpid(pid, &st, options) == pid);
	return st;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int ready_fd = -1;

/* Called by a worker once its handlers are in place. */
static void ready(void)
{
	char c = 'r';
	CHECK(write(ready_fd, &c, 1) == 1);
}

/* A worker in a process group of its own; returns once it is ready. */
static pid_t spawn_worker(void (*body)(void))
{
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		ready_fd = p[1];
		setpgid(0, 0);
		body();
		_exit(0);
	}
	close(p[1]);
	setpgid(pid, pid);
	char c;
	CHECK(read(p[0], &c, 1) == 1);
	close(p[0]);
	return pid;
}

static void spin(void)
{
	ready();
	for (;;)
		pause();
}

static void test_stop_cont_statuses(void)
{
	pid_t w = spawn_worker(spin);
	CHECK(kill(w, SIGSTOP) == 0);
	int st = wait_status(w, WUNTRACED);
	CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
	/* Reported once. */
	CHECK(waitpid(w, &st, WNOHANG | WUNTRACED) == 0);
	CHECK(kill(w, SIGCONT) == 0);
	st = wait_status(w, WCONTINUED);
	CHECK(WIFCONTINUED(st));
	CHECK(waitpid(w, &st, WNOHANG | WCONTINUED | WUNTRACED) == 0);
	/* Without WUNTRACED a stop is not reported. */
	CHECK(kill(w, SIGSTOP) == 0);
	sleep_ms(20);
	CHECK(waitpid(w, &st, WNOHANG) == 0);
	CHECK(kill(w, SIGKILL) == 0);
	st = wait_status(w, 0);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	printf("stop and continue statuses ok\n");
}

static void test_waitid(void)
{
	pid_t w = spawn_worker(spin);
	CHECK(kill(w, SIGTSTP) == 0);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PID, (id_t)w, &si, WSTOPPED | WNOWAIT) == 0);
	CHECK(si.si_pid == w && si.si_code == CLD_STOPPED &&
	      si.si_status == SIGTSTP && si.si_signo == SIGCHLD);
	/* WNOWAIT left it reportable. */
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PID, (id_t)w, &si, WSTOPPED) == 0);
	CHECK(si.si_code == CLD_STOPPED && si.si_status == SIGTSTP);
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PID, (id_t)w, &si, WSTOPPED | WNOHANG) == 0);
	CHECK(si.si_pid == 0);
	CHECK(kill(w, SIGCONT) == 0);
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PGID, (id_t)w, &si, WCONTINUED) == 0);
	CHECK(si.si_code == CLD_CONTINUED && si.si_status == SIGCONT);
	/* Without WEXITED, a zombie is no child to wait for. */
	CHECK(kill(w, SIGTERM) == 0);
	do {
		memset(&si, 0, sizeof(si));
		CHECK(waitid(P_PID, (id_t)w, &si,
			     WEXITED | WNOWAIT | WNOHANG) == 0);
	} while (si.si_pid == 0 && (sleep_ms(1), 1));
	CHECK(waitid(P_PID, (id_t)w, &si, WSTOPPED | WCONTINUED | WNOHANG) ==
	      -1 && errno == ECHILD);
	CHECK(waitid(P_PID, (id_t)w, &si, WEXITED) == 0);
	CHECK(si.si_code == CLD_KILLED && si.si_status == SIGTERM);
	CHECK(waitid(P_ALL, 0, &si, 0) == -1 && errno == EINVAL);
	printf("waitid ok\n");
}

static volatile sig_atomic_t chld_code[8];
static volatile sig_atomic_t chld_status[8];
static volatile sig_atomic_t nchld;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	if (nchld < 8) {
		chld_code[nchld] = si->si_code;
		chld_status[nchld] = si->si_status;
		nchld++;
	}
}

static void wait_chld(int n)
{
	for (int i = 0; i < 2000 && nchld < n; i++)
		sleep_ms(1);
	CHECK(nchld == n);
}

static void test_sigchld_codes(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	CHECK(sigaction(SIGCHLD, &sa, NULL) == 0);
	nchld = 0;
	pid_t w = spawn_worker(spin);
	kill(w, SIGSTOP);
	wait_chld(1);
	CHECK(chld_code[0] == CLD_STOPPED && chld_status[0] == SIGSTOP);
	kill(w, SIGCONT);
	wait_chld(2);
	CHECK(chld_code[1] == CLD_CONTINUED && chld_status[1] == SIGCONT);
	/* SA_NOCLDSTOP: no SIGCHLD for stop or continue, only the exit. */
	sa.sa_flags |= SA_NOCLDSTOP;
	CHECK(sigaction(SIGCHLD, &sa, NULL) == 0);
	kill(w, SIGSTOP);
	CHECK(WIFSTOPPED(wait_status(w, WUNTRACED)));
	kill(w, SIGCONT);
	CHECK(WIFCONTINUED(wait_status(w, WCONTINUED)));
	kill(w, SIGKILL);
	wait_chld(3);
	CHECK(chld_code[2] == CLD_KILLED && chld_status[2] == SIGKILL);
	wait_status(w, 0);
	signal(SIGCHLD, SIG_DFL);
	printf("SIGCHLD codes ok\n");
}

static volatile sig_atomic_t got_tstp, got_cont;

static void on_tstp(int sig)
{
	(void)sig;
	got_tstp++;
}

static void on_cont(int sig)
{
	(void)sig;
	got_cont++;
}

/* Blocks sig1 and sig2 (with extra, which stays blocked); returns the
 * mask to wait with: signals arrive only inside sigsuspend, so none can
 * slip in between a test of its flag and the wait. */
static sigset_t block_for_wait(int sig1, int sig2, int extra)
{
	sigset_t b, wait;
	sigemptyset(&b);
	sigaddset(&b, sig1);
	sigaddset(&b, sig2);
	if (extra)
		sigaddset(&b, extra);
	sigprocmask(SIG_BLOCK, &b, &wait);
	if (extra)
		sigaddset(&wait, extra);
	return wait;
}

/* Catches SIGTSTP (not stopped), then SIGCONT; exits with the counts. */
static void tstp_body(void)
{
	signal(SIGTSTP, on_tstp);
	signal(SIGCONT, on_cont);
	sigset_t wait = block_for_wait(SIGTSTP, SIGCONT, 0);
	ready();
	while (!got_tstp || !got_cont)
		sigsuspend(&wait);
	_exit(got_tstp * 10 + got_cont);
}

static void test_tstp_handler(void)
{
	pid_t w = spawn_worker(tstp_body);
	CHECK(kill(w, SIGTSTP) == 0);
	sleep_ms(20);
	int st;
	CHECK(waitpid(w, &st, WNOHANG | WUNTRACED) == 0);
	CHECK(kill(w, SIGCONT) == 0);
	st = wait_status(w, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 11);
	printf("SIGTSTP handler ok\n");
}

/* A SIGCONT handler runs after the stop it ends; a stop pending behind
 * a blocked mask is discarded by SIGCONT. */
static void cont_body(void)
{
	signal(SIGCONT, on_cont);
	sigset_t wait = block_for_wait(SIGCONT, SIGTSTP, SIGTSTP);
	ready();
	while (!got_cont)
		sigsuspend(&wait);
	/* SIGTSTP sent while blocked was discarded by the SIGCONT. */
	sigset_t pend;
	sigpending(&pend);
	_exit(sigismember(&pend, SIGTSTP) ? 1 : 4);
}

static void test_cont_discards_stop(void)
{
	pid_t w = spawn_worker(cont_body);
	CHECK(kill(w, SIGTSTP) == 0);
	sleep_ms(10);
	CHECK(kill(w, SIGCONT) == 0);
	int st = wait_status(w, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 4);
	printf("SIGCONT discards stops ok\n");
}

static atomic_long *counter;

static void *count_thread(void *arg)
{
	(void)arg;
	for (;;)
		atomic_fetch_add(counter, 1);
	return NULL;
}

static void threads_body(void)
{
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, count_thread, NULL);
	ready();
	for (;;)
		atomic_fetch_add(counter, 1);
}

/* Every thread of a stopped process stops; all go on after SIGCONT. */
static void test_threads_stop(void)
{
	counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(counter != MAP_FAILED);
	atomic_store(counter, 0);
	pid_t w = spawn_worker(threads_body);
	while (atomic_load(counter) < 1000)
		sleep_ms(1);
	kill(w, SIGSTOP);
	CHECK(WIFSTOPPED(wait_status(w, WUNTRACED)));
	long before = atomic_load(counter);
	sleep_ms(50);
	CHECK(atomic_load(counter) == before);
	kill(w, SIGCONT);
	for (int i = 0; i < 5000 && atomic_load(counter) == before; i++)
		sleep_ms(1);
	CHECK(atomic_load(counter) != before);
	kill(w, SIGKILL);
	int st = wait_status(w, 0);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	munmap(counter, 4096);
	printf("threads stop together ok\n");
}

/* A stopped child sleeping in a syscall resumes it after SIGCONT. */
static void sleeper_body(void)
{
	struct timespec ts = { 0, 500 * 1000000L };
	ready();
	_exit(nanosleep(&ts, NULL) == 0 ? 6 : 1);
}

static void test_stop_during_sleep(void)
{
	pid_t w = spawn_worker(sleeper_body);
	kill(w, SIGSTOP);
	CHECK(WIFSTOPPED(wait_status(w, WUNTRACED)));
	kill(w, SIGCONT);
	int st = wait_status(w, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 6);
	printf("stop during sleep ok\n");
}

int main(void)
{
	/* Our own session: its process groups are ours to shape. */
	pid_t s = fork();
	if (s == 0) {
		CHECK(setsid() == getpid());
		test_stop_cont_statuses();
		test_waitid();
		test_sigchld_codes();
		test_tstp_handler();
		test_cont_discards_stop();
		test_threads_stop();
		test_stop_during_sleep();
		fflush(stdout);
		_exit(0);
	}
	int st = wait_status(s, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return 0;
}
