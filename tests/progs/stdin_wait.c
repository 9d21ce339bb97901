/* Waits on stdin while it stays open and empty (tests/cli/pipes.sh
 * feeds it late): a handler without SA_RESTART interrupts a blocked
 * read (EINTR), one with SA_RESTART lets it restart and get the data;
 * poll on stdin wakes when data comes; ppoll is interrupted by a signal
 * its mask lets through. "wait" (the argument) only blocks in read, for
 * snapctl kill / save tests. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t alarms;
static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void handle_alarm(int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = flags;
	sigaction(SIGALRM, &sa, NULL);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	char buf[64];
	if (argc > 1 && !strcmp(argv[1], "wait")) {
		printf("waiting\n");
		ssize_t n = read(0, buf, sizeof(buf));
		printf("read %zd\n", n);
		return 0;
	}
	/* 1: interrupted, EINTR. */
	handle_alarm(0);
	alarm(1);
	errno = 0;
	ssize_t n = read(0, buf, sizeof(buf));
	printf("read without SA_RESTART: %zd %s, alarms %d\n", n,
	       n < 0 ? strerror(errno) : "", (int)alarms);
	/* 2: ppoll with SIGALRM blocked but let through by its mask. */
	sigset_t block, empty;
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	sigemptyset(&empty);
	sigprocmask(SIG_BLOCK, &block, NULL);
	alarm(1);
	struct pollfd f = { 0, POLLIN, 0 };
	errno = 0;
	int r = ppoll(&f, 1, NULL, &empty);
	printf("ppoll on stdin: %d %s, alarms %d\n", r,
	       r < 0 ? strerror(errno) : "", (int)alarms);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	/* 3: restarted read; the data comes (about 4 s in). */
	handle_alarm(SA_RESTART);
	alarm(1);
	n = read(0, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	printf("read with SA_RESTART: %zd %s", n, buf);
	printf("alarms %d\n", (int)alarms);
	/* 4: poll until the writer closes. */
	r = poll(&f, 1, -1);
	n = read(0, buf, sizeof(buf));
	printf("poll at EOF: %d %#x, read %zd\n", r, f.revents, n);
	return 0;
}
