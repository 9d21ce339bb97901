/* The checkpoint benchmark's program (tests/bench/checkpoint.sh).
 *
 *   memfill MIB
 *
 * Touches MIB MiB in 1 MiB stretches -- half pseudo-random bytes, a
 * quarter zeros, a quarter repeating text -- prints "ready", then waits
 * for a save and a restore: it spins on CLOCK_REALTIME and, on the first
 * jump of more than 200 ms (the time the program was not running), prints
 * "resumed NS" (CLOCK_REALTIME at that moment, for the benchmark to time
 * the restore), checks its memory and exits 0 if intact. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MIB (1u << 20)

static int64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static uint64_t next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fill_stretch(uint8_t *p, size_t i, uint64_t *seed)
{
	switch (i % 4) {
	case 0:
	case 2:
		for (size_t k = 0; k < MIB; k += 8) {
			uint64_t r = next_random(seed);
			memcpy(p + k, &r, 8);
		}
		break;
	case 1:
		memset(p, 0, MIB);
		break;
	default:
		for (size_t k = 0; k < MIB;) {
			char line[96];
			int n = snprintf(line, sizeof(line),
					 "%zu request %zu served in %zu us\n",
					 i, k, (k * 7) % 1000);
			size_t take = (size_t)n < MIB - k ? (size_t)n : MIB - k;
			memcpy(p + k, line, take);
			k += take;
		}
	}
}

static uint64_t checksum(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t k = 0; k < n; k += 8) {
		uint64_t v;
		memcpy(&v, p + k, 8);
		h = (h ^ v) * 1099511628211ull;
	}
	return h;
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
	uint8_t *mem = malloc(mib * MIB);
	if (!mem)
		return 2;
	uint64_t seed = 88172645463325252ull;
	for (size_t i = 0; i < mib; i++)
		fill_stretch(mem + i * MIB, i, &seed);
	uint64_t sum = checksum(mem, mib * MIB);
	printf("ready\n");
	fflush(stdout);
	int64_t last = realtime_ns();
	for (;;) {
		int64_t now = realtime_ns();
		if (now - last > 200000000) {
			printf("resumed %lld\n", (long long)now);
			fflush(stdout);
			break;
		}
		last = now;
	}
	if (checksum(mem, mib * MIB) != sum) {
		printf("memory differs after restore\n");
		return 1;
	}
	return 0;
}
