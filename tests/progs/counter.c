/* counter [STEPS [MS]]: counts to STEPS, mixing each step into 16 MiB of
 * memory and sleeping MS milliseconds between steps, printing the count
 * and a checksum of all of memory every 10 steps. The output depends
 * only on the arguments: a run saved and restored in the middle must
 * print exactly what an uninterrupted run prints. */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "tests/progs/check.h"

#define WORDS (16u << 20) / 8

static uint64_t checksum(const uint64_t *m)
{
	uint64_t h = 0;
	for (size_t i = 0; i < WORDS; i++)
		h = (h ^ m[i]) * 0x100000001b3ull;
	return h;
}

int main(int argc, char **argv)
{
	int steps = argc > 1 ? atoi(argv[1]) : 100;
	int ms = argc > 2 ? atoi(argv[2]) : 10;
	uint64_t *m = calloc(WORDS, sizeof(*m));
	CHECK(m != NULL);
	uint64_t x = 88172645463325252ull;
	for (int step = 1; step <= steps; step++) {
		for (int i = 0; i < 4096; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			m[x % WORDS] += x;
		}
		if (step % 10 == 0) {
			printf("step %d checksum %016llx\n", step,
			       (unsigned long long)checksum(m));
			fflush(stdout);
		}
		struct timespec ts = { 0, ms * 1000000L };
		nanosleep(&ts, NULL);
	}
	free(m);
	return 0;
}
