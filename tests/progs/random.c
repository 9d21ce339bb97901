/* getrandom: sizes, flags, and that the bytes look random. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include "tests/progs/check.h"

static unsigned char big[1 << 20];

int main(void)
{
	unsigned char a[32], b[32];
	CHECK(getrandom(a, sizeof(a), 0) == sizeof(a));
	CHECK(getrandom(b, sizeof(b), GRND_NONBLOCK) == sizeof(b));
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	CHECK(getrandom(big, sizeof(big), 0) == sizeof(big));
	int counts[256] = { 0 };
	for (size_t i = 0; i < sizeof(big); i++)
		counts[big[i]]++;
	for (int v = 0; v < 256; v++)
		CHECK(counts[v] > 3000 && counts[v] < 5200);
	CHECK(getrandom(a, 0, 0) == 0);
	CHECK(getrandom(a, 4, 0x100) == -1 && errno == EINVAL);
	volatile uintptr_t bad = 8; /* hidden from the compiler's checks */
	CHECK(getrandom((void *)bad, 4, 0) == -1 && errno == EFAULT);
	printf("getrandom ok\n");
	return 0;
}
