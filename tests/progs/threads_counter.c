/* threads_counter [ROUNDS]: four threads take turns on one mutex,
 * sleeping now and then, until each has counted ROUNDS; prints
 * "started" once all run, then the total and a checksum. The output does
 * not depend on timing, so a run saved and restored in the middle
 * (threads blocked on the lock, sleeping, running) prints exactly what
 * an uninterrupted one does. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "tests/progs/check.h"

#define THREADS 4
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t start;
static uint64_t total, mix;
static long rounds;

static void *worker(void *arg)
{
	uint64_t id = (uint64_t)(uintptr_t)arg;
	pthread_barrier_wait(&start);
	for (long i = 0; i < rounds; i++) {
		pthread_mutex_lock(&lock);
		total++;
		mix += (id + 1) * (uint64_t)i;
		pthread_mutex_unlock(&lock);
		if (i % 200 == 0) {
			struct timespec ts = { 0, 1000000 };
			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	rounds = argc > 1 ? atol(argv[1]) : 20000;
	pthread_t th[THREADS];
	CHECK(pthread_barrier_init(&start, NULL, THREADS + 1) == 0);
	for (uintptr_t i = 0; i < THREADS; i++)
		CHECK(pthread_create(&th[i], NULL, worker, (void *)i) == 0);
	pthread_barrier_wait(&start);
	printf("started\n");
	fflush(stdout);
	for (int i = 0; i < THREADS; i++)
		CHECK(pthread_join(th[i], NULL) == 0);
	printf("total %llu mix %llu\n", (unsigned long long)total,
	       (unsigned long long)mix);
	return 0;
}
