/* 512 MiB touched page by page, then checksummed. */
#include <stdint.h>
#include <sys/mman.h>

#include "tests/progs/check.h"

#define SIZE (512ul << 20)

int main(void)
{
	uint8_t *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	for (size_t i = 0; i < SIZE; i += 4096)
		p[i] = (uint8_t)(i >> 12) ^ 0x5a;
	uint64_t sum = 0;
	for (size_t i = 0; i < SIZE; i += 4096)
		sum = sum * 31 + p[i] + p[i + 4095];
	printf("pages %zu checksum %016llx\n", SIZE / 4096,
	       (unsigned long long)sum);
	CHECK(munmap(p, SIZE) == 0);
	return 0;
}
