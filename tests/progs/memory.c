/* Address-space syscalls: brk, mmap, munmap, mprotect, mremap, madvise,
 * MAP_FIXED and MAP_FIXED_NOREPLACE, and stack growth. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/progs/check.h"

#define MiB (1ul << 20)

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i += 512)
		p[i] = (unsigned char)(seed + i / 512);
}

static int verify(const unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i += 512)
		if (p[i] != (unsigned char)(seed + i / 512))
			return 0;
	return 1;
}

static void test_brk(void)
{
	char *start = sbrk(0);
	CHECK(start != (void *)-1);
	CHECK(sbrk(4 * MiB) == start);
	fill((unsigned char *)start, 4 * MiB, 7);
	CHECK(verify((unsigned char *)start, 4 * MiB, 7));
	CHECK(sbrk(-(long)(2 * MiB)) == start + 4 * MiB);
	CHECK(sbrk(0) == start + 2 * MiB);
	CHECK(verify((unsigned char *)start, 2 * MiB, 7));
	/* Growing again gives zeroed memory where it had shrunk. */
	CHECK(sbrk(2 * MiB) == start + 2 * MiB);
	CHECK(start[3 * MiB] == 0);
	printf("brk ok\n");
}

static void test_mmap_basic(void)
{
	unsigned char *p = mmap(NULL, 64 * MiB, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	CHECK(((uintptr_t)p & 4095) == 0);
	CHECK(p[0] == 0 && p[64 * MiB - 1] == 0);
	fill(p, 64 * MiB, 3);
	CHECK(verify(p, 64 * MiB, 3));
	CHECK(munmap(p + 16 * MiB, 16 * MiB) == 0);  /* a hole */
	CHECK(verify(p, 16 * MiB, 3));
	CHECK(verify(p + 32 * MiB, 32 * MiB, 3 + 32 * MiB / 512));
	CHECK(munmap(p, 64 * MiB) == 0);
	CHECK(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
	      MAP_FAILED && errno == EINVAL);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_ANONYMOUS, -1, 0) == MAP_FAILED &&
	      errno == EINVAL);
	printf("mmap ok\n");
}

static void test_fixed(void)
{
	unsigned char *p = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	memset(p, 0xab, 8 * 4096);
	void *q = mmap(p + 4096, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(q == p + 4096);
	CHECK(p[4096] == 0 && p[0] == 0xab && p[8191 + 1] == 0xab);
	q = mmap(p + 2 * 4096, 4096, PROT_READ,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(q == MAP_FAILED && errno == EEXIST);
	CHECK(munmap(p, 8 * 4096) == 0);
	printf("fixed ok\n");
}

static void test_mprotect(void)
{
	unsigned char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	p[0] = 1;
	CHECK(mprotect(p, 4096, PROT_READ) == 0);
	CHECK(p[0] == 1);
	CHECK(mprotect(p, 4096, PROT_READ | PROT_WRITE) == 0);
	p[0] = 2;
	CHECK(p[0] == 2);
	CHECK(mprotect(p + 1, 4096, PROT_READ) == -1 && errno == EINVAL);
	CHECK(munmap(p, 4 * 4096) == 0);
	CHECK(mprotect(p, 4096, PROT_READ) == -1 && errno == ENOMEM);
	printf("mprotect ok\n");
}

static void test_mremap(void)
{
	/* Carve the mapping and a blocker right after it out of one
	 * reservation, so nothing else can be in the way (ASLR). */
	unsigned char *res = mmap(NULL, 8 * MiB, PROT_NONE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(res != MAP_FAILED);
	unsigned char *p = mmap(res, 4 * MiB, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(p == res);
	fill(p, 4 * MiB, 9);
	/* The rest of the reservation stays PROT_NONE and blocks growth in
	 * place, so the mapping has to move. */
	CHECK(mremap(p, 4 * MiB, 8 * MiB, 0) == MAP_FAILED && errno == ENOMEM);
	unsigned char *q = mremap(p, 4 * MiB, 8 * MiB, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED && q != p);
	CHECK(verify(q, 4 * MiB, 9));
	CHECK(q[6 * MiB] == 0);
	q[6 * MiB] = 5;
	unsigned char *r = mremap(q, 8 * MiB, 2 * MiB, 0);
	CHECK(r == q);
	CHECK(verify(r, 2 * MiB, 9));
	CHECK(munmap(r, 2 * MiB) == 0);
	CHECK(munmap(res + 4 * MiB, 4 * MiB) == 0);
	printf("mremap ok\n");
}

static void test_madvise(void)
{
	unsigned char *p = mmap(NULL, 1 * MiB, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	memset(p, 0x5a, MiB);
	CHECK(madvise(p, MiB / 2, MADV_DONTNEED) == 0);
	CHECK(p[0] == 0 && p[MiB / 2 - 1] == 0 && p[MiB / 2] == 0x5a);
	CHECK(madvise(p, MiB, MADV_WILLNEED) == 0);
	CHECK(madvise(p, MiB, 12345) == -1 && errno == EINVAL);
	CHECK(munmap(p, MiB) == 0);
	printf("madvise ok\n");
}

/* Uses about 2 MiB of stack: the stack VMA grows on faults below it. */
static unsigned long deep(int n)
{
	volatile char frame[4000];
	frame[0] = (char)n;
	frame[3999] = (char)n;
	if (n == 0)
		return 0;
	return deep(n - 1) + (unsigned char)frame[0] + frame[3999] % 2;
}

int main(void)
{
	test_brk();
	test_mmap_basic();
	test_fixed();
	test_mprotect();
	test_mremap();
	test_madvise();
	printf("stack %lu\n", deep(500));
	return 0;
}
