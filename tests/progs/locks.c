/* Blocking file locks between processes: F_SETLKW waits for another
 * process's record lock, flock(2) without LOCK_NB for another open
 * file's lock; a signal interrupts the wait (EINTR); two processes each
 * waiting for the other's lock: one of them gets EDEADLK. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/progs/check.h"

static char path[] = "/tmp/snapctl-locks-XXXXXX";

static int setlk(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET,
			    .l_start = start, .l_len = len };
	return fcntl(fd, cmd, &fl);
}

static int child_status(pid_t c)
{
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void record_lock_waits(int fd)
{
	CHECK(setlk(fd, F_SETLK, F_WRLCK, 0, 10) == 0);
	pid_t c = fork();
	if (c == 0) {
		int rc = setlk(fd, F_SETLK, F_WRLCK, 0, 10);
		if (rc != -1 || (errno != EAGAIN && errno != EACCES))
			_exit(1);
		if (setlk(fd, F_SETLKW, F_WRLCK, 5, 1) != 0)  /* waits */
			_exit(2);
		_exit(0);
	}
	usleep(100000);
	CHECK(setlk(fd, F_SETLK, F_UNLCK, 0, 10) == 0);
	CHECK(child_status(c) == 0);
	printf("F_SETLKW waited for the other process's lock\n");
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void wait_interrupted(int fd)
{
	CHECK(setlk(fd, F_SETLK, F_WRLCK, 0, 0) == 0);
	pid_t c = fork();
	if (c == 0) {
		struct sigaction sa = { .sa_handler = on_alarm };
		sigaction(SIGALRM, &sa, NULL);
		alarm(1);
		int rc = setlk(fd, F_SETLKW, F_RDLCK, 0, 1);
		_exit(rc == -1 && errno == EINTR ? 0 : 1);
	}
	CHECK(child_status(c) == 0);
	CHECK(setlk(fd, F_SETLK, F_UNLCK, 0, 0) == 0);
	printf("a signal interrupts F_SETLKW with EINTR\n");
}

static void deadlock_detected(int fd)
{
	CHECK(setlk(fd, F_SETLK, F_WRLCK, 0, 1) == 0);
	pid_t c = fork();
	if (c == 0) {
		if (setlk(fd, F_SETLK, F_WRLCK, 1, 1) != 0)
			_exit(3);
		int rc = setlk(fd, F_SETLKW, F_WRLCK, 0, 1);
		int dead = rc == -1 && errno == EDEADLK;
		setlk(fd, F_SETLK, F_UNLCK, 0, 0);
		_exit(dead ? 1 : 0);
	}
	usleep(100000);
	int rc = setlk(fd, F_SETLKW, F_WRLCK, 1, 1);
	int dead = rc == -1 && errno == EDEADLK;
	CHECK(setlk(fd, F_SETLK, F_UNLCK, 0, 0) == 0);
	int child_dead = child_status(c);
	CHECK(child_dead != 3);
	CHECK(dead + child_dead == 1);
	printf("crossed F_SETLKW waits: exactly one EDEADLK\n");
}

static void flock_waits(void)
{
	int a = open(path, O_RDWR), b = open(path, O_RDWR);
	CHECK(a >= 0 && b >= 0);
	CHECK(flock(a, LOCK_EX) == 0);
	CHECK(flock(b, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK);
	pid_t c = fork();
	if (c == 0)
		_exit(flock(b, LOCK_EX) == 0 ? 0 : 1);  /* waits */
	usleep(100000);
	CHECK(flock(a, LOCK_UN) == 0);
	CHECK(child_status(c) == 0);
	CHECK(flock(a, LOCK_SH | LOCK_NB) == -1 && errno == EWOULDBLOCK);
	close(b);   /* the child's lock was on b's open file: it goes */
	CHECK(flock(a, LOCK_SH | LOCK_NB) == 0);
	close(a);
	printf("flock waited for the other open file's lock\n");
}

int main(void)
{
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK(write(fd, "0123456789abcdef", 16) == 16);
	record_lock_waits(fd);
	wait_interrupted(fd);
	deadlock_detected(fd);
	flock_waits();
	close(fd);
	unlink(path);
	return 0;
}
