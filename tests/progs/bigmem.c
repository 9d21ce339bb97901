/* bigmem [MS]: 512 MiB touched page by page, then checksummed; with MS,
 * it pauses MS milliseconds halfway (a window for saving it mid-work). */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "tests/progs/check.h"

#define SIZE (512ul << 20)

int main(int argc, char **argv)
{
	long pause_ms = argc > 1 ? atol(argv[1]) : 0;
	uint8_t *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	for (size_t i = 0; i < SIZE; i += 4096) {
		p[i] = (uint8_t)(i >> 12) ^ 0x5a;
		if (i == SIZE / 2 && pause_ms) {
			printf("halfway\n");
			fflush(stdout);
			struct timespec ts = { pause_ms / 1000,
					       (pause_ms % 1000) * 1000000 };
			nanosleep(&ts, NULL);
		}
	}
	uint64_t sum = 0;
	for (size_t i = 0; i < SIZE; i += 4096)
		sum = sum * 31 + p[i] + p[i + 4095];
	printf("pages %zu checksum %016llx\n", SIZE / 4096,
	       (unsigned long long)sum);
	CHECK(munmap(p, SIZE) == 0);
	return 0;
}
