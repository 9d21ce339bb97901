/* CPU-bound integer and vector work interleaved with syscalls: the
 * vector registers must survive every trip into the kernel. */
#include <immintrin.h>
#include <stdint.h>
#include <sys/syscall.h>

#include "tests/progs/check.h"

static uint64_t integer_work(uint64_t rounds)
{
	uint64_t h = 1469598103934665603ull;
	for (uint64_t i = 0; i < rounds; i++) {
		h ^= i;
		h *= 1099511628211ull;
	}
	return h;
}

/* A raw getppid: unlike a libc call, the compiler may keep vector values
 * in registers across it, so the kernel trip is what must preserve them. */
static inline void raw_getppid(void)
{
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"((long)SYS_getppid)
			 : "rcx", "r11", "memory");
	(void)ret;
}

/* Keeps values live in xmm registers across syscalls. */
static double vector_work(int syscalls)
{
	__m128d acc = _mm_set_pd(1.0, 2.0);
	__m128d step = _mm_set_pd(1.0000001, 0.9999999);
	for (int i = 0; i < 20000; i++) {
		acc = _mm_mul_pd(acc, step);
		if (syscalls && i % 100 == 0)
			raw_getppid();
	}
	double out[2];
	_mm_storeu_pd(out, acc);
	return out[0] + out[1];
}

int main(void)
{
	printf("fnv %016llx\n",
	       (unsigned long long)integer_work(300ull * 1000 * 1000));
	double quiet = vector_work(0), busy = vector_work(1);
	CHECK(quiet == busy);
	printf("vector %.12f\n", busy);
	return 0;
}
