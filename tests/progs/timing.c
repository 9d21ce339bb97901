/* Clocks: monotonic never goes back, sleeps last at least as asked,
 * realtime agrees with time() and gettimeofday(), bad input is EINVAL. */
#include <errno.h>
#include <sys/time.h>
#include <time.h>

#include "tests/progs/check.h"

static long long ns(clockid_t c)
{
	struct timespec ts;
	CHECK(clock_gettime(c, &ts) == 0);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

int main(void)
{
	long long last = ns(CLOCK_MONOTONIC);
	for (int i = 0; i < 20000; i++) {
		long long now = ns(CLOCK_MONOTONIC);
		CHECK(now >= last);
		last = now;
	}
	long long t0 = ns(CLOCK_MONOTONIC);
	struct timespec req = { 0, 50 * 1000000 }, rem;
	CHECK(nanosleep(&req, &rem) == 0);
	CHECK(ns(CLOCK_MONOTONIC) - t0 >= 50 * 1000000);

	t0 = ns(CLOCK_MONOTONIC);
	struct timespec abs;
	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 30 * 1000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL) == 0);
	CHECK(ns(CLOCK_MONOTONIC) - t0 >= 29 * 1000000);

	time_t secs = time(NULL);
	struct timeval tv;
	CHECK(gettimeofday(&tv, NULL) == 0);
	CHECK(tv.tv_sec - secs <= 1 && tv.tv_sec >= secs);
	CHECK(ns(CLOCK_REALTIME) / 1000000000 - secs <= 1);

	struct timespec res;
	CHECK(clock_getres(CLOCK_MONOTONIC, &res) == 0);
	CHECK(res.tv_sec == 0 && res.tv_nsec > 0);
	CHECK(clock_gettime((clockid_t)99, &res) == -1 && errno == EINVAL);
	struct timespec bad = { 0, 1000000000 };
	CHECK(nanosleep(&bad, NULL) == -1 && errno == EINVAL);
	printf("clocks ok\n");
	return 0;
}
