/* timer_tick [TICKS [MS]]: a periodic ITIMER_REAL of MS milliseconds
 * counted by a SIGALRM handler while the program waits in sigsuspend,
 * printing progress every 5 ticks; a timerfd of the same period is read
 * at the end. The output depends only on the arguments, so a run saved
 * and restored in the middle prints what an uninterrupted run prints
 * (tests/cli/timer_restore.sh). */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "tests/progs/check.h"

static volatile sig_atomic_t ticks;

static void on_alarm(int sig)
{
	(void)sig;
	ticks++;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ll + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	int want = argc > 1 ? atoi(argv[1]) : 40;
	int ms = argc > 2 ? atoi(argv[2]) : 20;
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	CHECK(sigprocmask(SIG_BLOCK, &block, &old) == 0);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	CHECK(tfd >= 0);
	struct itimerspec its = { { 0, ms * 1000000L }, { 0, ms * 1000000L } };
	CHECK(timerfd_settime(tfd, 0, &its, NULL) == 0);
	int64_t start = now_ms();
	struct itimerval iv = { { 0, ms * 1000 }, { 0, ms * 1000 } };
	CHECK(setitimer(ITIMER_REAL, &iv, NULL) == 0);
	int printed = 0;
	while (ticks < want) {
		sigsuspend(&old);
		CHECK(errno == EINTR);
		while (printed + 5 <= ticks && printed + 5 <= want) {
			printed += 5;
			printf("tick %d\n", printed);
		}
	}
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	CHECK(setitimer(ITIMER_REAL, &off, NULL) == 0);
	int64_t elapsed = now_ms() - start;
	CHECK(elapsed >= (int64_t)(want - 1) * ms);
	uint64_t n = 0;
	CHECK(read(tfd, &n, sizeof(n)) == 8);
	CHECK(n >= (uint64_t)want - 1);
	printf("done: %d ticks, timerfd kept pace\n", want);
	return 0;
}
