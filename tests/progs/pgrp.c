/* Process groups and sessions: setsid, setpgid and their errors,
 * getpgid/getsid, kill to a process group (kill(0), kill(-pgid)),
 * waitpid on a group, and orphaned process groups (terminal stops
 * discarded; a stopped group orphaned by its parent's exit gets SIGHUP
 * and SIGCONT). Every test runs in a session of its own, so that
 * natively and sandboxed the process tree is the same. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "tests/progs/check.h"

static int wait_status(pid_t pid)
{
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	return st;
}

static void expect_exit(pid_t pid, int code)
{
	int st = wait_status(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == code);
}

/* Runs fn in a child that leads a new session. */
static void in_session(const char *name, void (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		CHECK(setsid() == getpid());
		fn();
		fflush(stdout);
		_exit(0);
	}
	expect_exit(pid, 0);
	printf("%s ok\n", name);
}

static void on_usr1(int sig)
{
	(void)sig;
}

/* A child that waits for SIGUSR1 and exits 7 when it gets it; in
 * process group pgid (0: its own; -1: ours). Returns once it is set. */
static pid_t usr1_child(pid_t pgid)
{
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		if (pgid >= 0)
			CHECK(setpgid(0, pgid) == 0);
		signal(SIGUSR1, on_usr1);
		CHECK(write(p[1], "r", 1) == 1);
		sigset_t wait;
		sigemptyset(&wait);
		sigsuspend(&wait);
		_exit(7);
	}
	close(p[1]);
	if (pgid >= 0) {
		/* Both sides set it, as shells do, so neither waits. */
		int rc = setpgid(pid, pgid == 0 ? pid : pgid);
		CHECK(rc == 0 || errno == EACCES);
	}
	char c;
	CHECK(read(p[0], &c, 1) == 1);
	close(p[0]);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

static void test_session_basics(void)
{
	pid_t me = getpid();
	CHECK(getsid(0) == me && getpgrp() == me && getpgid(0) == me);
	CHECK(getsid(me) == me);
	errno = 0;
	CHECK(setsid() == -1 && errno == EPERM);
	/* A session leader cannot leave its group. */
	CHECK(setpgid(0, 0) == -1 && errno == EPERM);
	CHECK(getpgid(999999) == -1 && errno == ESRCH);
	CHECK(getsid(999999) == -1 && errno == ESRCH);
	/* A child inherits group and session. */
	pid_t c = fork();
	if (c == 0)
		_exit(getpgrp() == me && getsid(0) == me ? 3 : 1);
	expect_exit(c, 3);
}

static void test_setpgid_errors(void)
{
	pid_t a = usr1_child(0);
	CHECK(getpgid(a) == a && getsid(a) == getpid());
	CHECK(setpgid(0, -1) == -1 && errno == EINVAL);
	CHECK(setpgid(999999, 0) == -1 && errno == ESRCH);
	/* Not ourselves nor our child. */
	CHECK(setpgid(getppid(), 0) == -1 && errno == ESRCH);
	/* No such group in our session. */
	CHECK(setpgid(a, 999999) == -1 && errno == EPERM);
	/* Back into our own group, which exists. */
	CHECK(setpgid(a, getpid()) == 0 && getpgid(a) == getpid());
	CHECK(setpgid(a, a) == 0 && getpgid(a) == a);
	/* A child that made its own session is out of reach. */
	pid_t s = fork();
	if (s == 0) {
		setsid();
		pause();
		_exit(0);
	}
	while (getsid(s) != s)
		usleep(1000);
	CHECK(setpgid(s, s) == -1 && errno == EPERM);
	CHECK(setpgid(s, getpid()) == -1 && errno == EPERM);
	kill(s, SIGKILL);
	wait_status(s);
	kill(a, SIGUSR1);
	expect_exit(a, 7);
}

static void test_kill_group(void)
{
	pid_t a = usr1_child(0);
	pid_t b = usr1_child(a), c = usr1_child(a);
	pid_t other = usr1_child(0);
	CHECK(getpgid(b) == a && getpgid(c) == a && getpgid(other) == other);
	CHECK(kill(-a, SIGUSR1) == 0);
	/* waitpid(-pgid) takes only members of that group. */
	int n = 0, st;
	pid_t got;
	while ((got = waitpid(-a, &st, 0)) > 0) {
		CHECK(got == a || got == b || got == c);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7);
		n++;
	}
	CHECK(n == 3 && errno == ECHILD);
	CHECK(waitpid(other, &st, WNOHANG) == 0);
	CHECK(kill(-a, SIGUSR1) == -1 && errno == ESRCH);
	CHECK(kill(-999999, 0) == -1 && errno == ESRCH);
	CHECK(kill(-other, 0) == 0);
	kill(other, SIGUSR1);
	expect_exit(other, 7);
}

static volatile sig_atomic_t usr2_count;

static void on_usr2(int sig)
{
	(void)sig;
	usr2_count++;
}

/* kill(0) signals the caller's whole group, the caller included;
 * waitpid(0) waits for children of the caller's group. */
static void test_kill_own_group(void)
{
	signal(SIGUSR2, on_usr2);
	pid_t stranger = usr1_child(0);
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, &old);
	pid_t member = fork();
	if (member == 0) {
		sigset_t wait;
		sigemptyset(&wait);
		usr2_count = 0;
		while (!usr2_count)
			sigsuspend(&wait);
		_exit(5);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	CHECK(kill(0, SIGUSR2) == 0);
	CHECK(usr2_count == 1);
	int st;
	CHECK(waitpid(0, &st, 0) == member);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 5);
	CHECK(waitpid(0, &st, WNOHANG) == -1 && errno == ECHILD);
	kill(stranger, SIGUSR1);
	expect_exit(stranger, 7);
	signal(SIGUSR2, SIG_DFL);
}

/* A process alone in its group whose parent exits: the group is
 * orphaned, and a terminal stop (SIGTSTP) is then discarded. */
static void test_orphan_discards_tstp(void)
{
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t mid = fork();
	if (mid == 0) {
		mid = getpid();
		pid_t g = fork();
		if (g == 0) {
			setpgid(0, 0);
			/* Wait until the parent has gone. */
			while (getppid() == mid)
				usleep(1000);
			raise(SIGTSTP);
			char ok = 'k';
			CHECK(write(p[1], &ok, 1) == 1);
			_exit(0);
		}
		setpgid(g, g);
		_exit(0);
	}
	close(p[1]);
	expect_exit(mid, 0);
	char c = 0;
	CHECK(read(p[0], &c, 1) == 1 && c == 'k');
	close(p[0]);
}

static int hup_pipe = -1;

static void on_hup(int sig)
{
	(void)sig;
	char h = 'h';
	CHECK(write(hup_pipe, &h, 1) == 1);
}

/* A stopped group orphaned by its parent's exit gets SIGHUP, then
 * SIGCONT. */
static void test_orphaned_stopped_group(void)
{
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t mid = fork();
	if (mid == 0) {
		pid_t g = fork();
		if (g == 0) {
			hup_pipe = p[1];
			signal(SIGHUP, on_hup);
			setpgid(0, 0);
			raise(SIGSTOP);
			char c = 'c';
			CHECK(write(p[1], &c, 1) == 1);
			_exit(0);
		}
		setpgid(g, g);
		int st;
		CHECK(waitpid(g, &st, WUNTRACED) == g && WIFSTOPPED(st));
		_exit(0);
	}
	close(p[1]);
	expect_exit(mid, 0);
	char buf[2] = { 0, 0 };
	CHECK(read(p[0], &buf[0], 1) == 1 && read(p[0], &buf[1], 1) == 1);
	/* The SIGHUP handler runs before raise returns. */
	CHECK(buf[0] == 'h' && buf[1] == 'c');
	close(p[0]);
}

/* After its execve, a child's group is no longer its parent's to
 * change. */
static void test_setpgid_after_exec(void)
{
	pid_t c = fork();
	if (c == 0) {
		execl("/bin/busybox", "sleep", "30", (char *)NULL);
		_exit(127);
	}
	int rc, tries = 0;
	while ((rc = setpgid(c, c)) == 0 && tries++ < 30000)
		usleep(1000);
	CHECK(rc == -1 && errno == EACCES);
	kill(c, SIGKILL);
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFSIGNALED(st));
}

/* Without a terminal on stdin (the tests run with it on /dev/null),
 * the terminal job-control requests fail with ENOTTY. */
static void test_no_terminal(void)
{
	if (isatty(0))
		return;
	CHECK(tcgetpgrp(0) == -1 && errno == ENOTTY);
	CHECK(tcsetpgrp(0, getpgrp()) == -1 && errno == ENOTTY);
	CHECK(tcgetsid(0) == -1 && errno == ENOTTY);
}

int main(void)
{
	in_session("session basics", test_session_basics);
	in_session("setpgid errors", test_setpgid_errors);
	in_session("kill group", test_kill_group);
	in_session("kill own group", test_kill_own_group);
	in_session("orphan discards SIGTSTP", test_orphan_discards_tstp);
	in_session("orphaned stopped group", test_orphaned_stopped_group);
	in_session("setpgid after exec", test_setpgid_after_exec);
	in_session("no terminal", test_no_terminal);
	return 0;
}
