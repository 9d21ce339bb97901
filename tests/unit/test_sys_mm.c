/* Unit tests for core/sys_mm.c: the memory system calls' argument
 * checking (what Linux returns for what) and their effects. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/syscall.h"
#include "core/task.h"
#include "tests/unit/harness.h"
#include "tests/unit/mm_fixture.h"

SYSCALL_DECL(brk);
SYSCALL_DECL(mmap);
SYSCALL_DECL(munmap);
SYSCALL_DECL(mprotect);
SYSCALL_DECL(mremap);
SYSCALL_DECL(madvise);
SYSCALL_DECL(msync);
SYSCALL_DECL(mincore);

#define SYS(name, ...) sys_##name(&task, (const uint64_t[6]){ __VA_ARGS__ })

static const uint64_t A = 0x10000000;
static const uint64_t ANON = MAP_PRIVATE | MAP_ANONYMOUS;

TEST(brk_grows_and_shrinks_the_heap)
{
	struct task task = { .mm = setup(true) };
	struct mm *mm = task.mm;
	mm->brk_start = mm->brk = 0x600000;
	CHECK_EQ(SYS(brk, 0), 0x600000);
	CHECK_EQ(SYS(brk, 0x600000 + 100), 0x600064);
	CHECK_EQ(mm->nvmas, 1);
	CHECK(mm->vmas[0].end == 0x601000 && (mm->vmas[0].flags & VMA_HEAP));
	CHECK_EQ(mm_copy_to(mm, 0x600000, "heap", 5), 0);
	CHECK_EQ(SYS(brk, 0x605000), 0x605000);
	CHECK_EQ(mm->nvmas, 1);                   /* merged */
	CHECK_EQ(mm->vmas[0].end, 0x605000);
	char buf[5];
	CHECK_EQ(mm_copy_from(mm, buf, 0x600000, 5), 0);
	CHECK(strcmp(buf, "heap") == 0);
	/* Shrinking frees; growing again reads zero. */
	CHECK_EQ(SYS(brk, 0x600000), 0x600000);
	CHECK_EQ(mm->nvmas, 0);
	CHECK_EQ(kern.memfile->pages_in_use, 0);
	CHECK_EQ(SYS(brk, 0x602000), 0x602000);
	CHECK_EQ(mm_copy_from(mm, buf, 0x600000, 5), 0);
	CHECK_EQ(buf[0], 0);
	/* Below the start, into another mapping, past user space: no. */
	CHECK_EQ(SYS(brk, 0x500000), 0x602000);
	CHECK_EQ(mm_map_anon(mm, 0x610000, P, RW, 0, true, false), 0x610000);
	CHECK_EQ(SYS(brk, 0x620000), 0x602000);
	CHECK_EQ(SYS(brk, 0x610000), 0x602000);  /* a page must stay free */
	CHECK_EQ(SYS(brk, 0x60f000), 0x60f000);
	CHECK_EQ(SYS(brk, 0x602000), 0x602000);
	CHECK_EQ(SYS(brk, UINT64_MAX), 0x602000);
	char maps[256];
	mm_format_maps(mm, maps, sizeof(maps));
	CHECK(strstr(maps, "[heap]") != NULL);
	CHECK(fake_matches(mm));
	CHECK(teardown(mm));
}

TEST(mmap_checks_its_arguments)
{
	struct task task = { .mm = setup(false) };
	CHECK_EQ(SYS(mmap, 0, P, RW, MAP_ANONYMOUS, -1, 0), -EINVAL);
	CHECK_EQ(SYS(mmap, 0, P, RW, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1,
		     0), -EINVAL);
	CHECK_EQ(SYS(mmap, 0, 0, RW, ANON, -1, 0), -EINVAL);
	CHECK_EQ(SYS(mmap, 0, P, RW, ANON, -1, 100), -EINVAL);
	CHECK_EQ(SYS(mmap, 0, -P, RW, ANON, -1, 0), -ENOMEM);
	CHECK_EQ(SYS(mmap, 0, P, RW, MAP_PRIVATE, 3, 0), -EBADF);
	CHECK_EQ(SYS(mmap, 0, P, RW, MAP_PRIVATE, 3, 100), -EINVAL);
	CHECK_EQ(SYS(mmap, 0, 0, RW, MAP_PRIVATE, 3, 0), -EBADF);
	CHECK_EQ(SYS(mmap, A + 1, P, RW, ANON | MAP_FIXED, -1, 0), -EINVAL);
	CHECK_EQ(SYS(mmap, A + 1, P, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0),
		 -EINVAL);
	CHECK_EQ(SYS(mmap, 0, P, RW,
		     MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0),
		 -EINVAL);
	CHECK_EQ(task.mm->nvmas, 0);
	CHECK(teardown(task.mm));
}

TEST(mmap_maps_anonymous_memory)
{
	struct task task = { .mm = setup(true) };
	struct mm *mm = task.mm;
	int64_t a1 = SYS(mmap, 0, 10000, RW, ANON, -1, 0);
	CHECK_EQ(a1, mm->mmap_base - 3 * P);
	CHECK_EQ(SYS(mmap, A, P, RW, ANON | MAP_FIXED, -1, 0), A);
	CHECK_EQ(SYS(mmap, A, P, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0),
		 -EEXIST);
	CHECK_EQ(SYS(mmap, A, P, RW, ANON | MAP_FIXED | MAP_FIXED_NOREPLACE,
		     -1, 0), -EEXIST);
	int64_t s = SYS(mmap, 0, P, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(s > 0);
	CHECK(mm_vma_find(mm, (uint64_t)s)->flags & VMA_SHARED);
	int64_t g = SYS(mmap, 0, P, RW, ANON | MAP_GROWSDOWN | MAP_STACK |
			MAP_NORESERVE, -1, 0);
	CHECK(g > 0);
	CHECK_EQ(mm_vma_find(mm, (uint64_t)g)->flags,
		 VMA_GROWSDOWN | VMA_NORESERVE);
	int64_t low = SYS(mmap, 0, P, RW, ANON | MAP_32BIT, -1, 0);
	CHECK(low >= 0x40000000 && low < 0x80000000);
	/* Unknown prot bits are ignored, as Linux does. */
	int64_t odd = SYS(mmap, 0, P, RW | 0x100, ANON, -1, 0);
	CHECK(odd > 0 && mm_vma_find(mm, (uint64_t)odd)->prot == RW);
	/* MAP_POPULATE fills every page with one platform call. */
	int maps = fake_of(mm)->maps;
	int64_t pop = SYS(mmap, 0, 100 * P, RW, ANON | MAP_POPULATE, -1, 0);
	CHECK(pop > 0);
	CHECK_EQ(fake_of(mm)->maps, maps + 1);
	CHECK(mm_page_present(mm, (uint64_t)pop + 99 * P));
	CHECK_EQ(SYS(munmap, (uint64_t)pop, 100 * P), 0);
	CHECK_EQ(SYS(munmap, (uint64_t)pop + 1, P), -EINVAL);
	CHECK_EQ(SYS(munmap, (uint64_t)pop, 0), -EINVAL);
	CHECK(fake_matches(mm));
	CHECK(teardown(mm));
}

TEST(mprotect_splits_and_checks)
{
	struct task task = { .mm = setup(true) };
	struct mm *mm = task.mm;
	CHECK_EQ(SYS(mmap, A, 8 * P, RW, ANON | MAP_FIXED, -1, 0), A);
	CHECK_EQ(SYS(mprotect, A + 2 * P, 2 * P, PROT_READ), 0);
	CHECK_EQ(mm->nvmas, 3);
	CHECK_EQ(SYS(mprotect, A + 2 * P, 2 * P, RW | 0x8 /* PROT_SEM */), 0);
	CHECK_EQ(mm->nvmas, 1);
	CHECK_EQ(SYS(mprotect, A + 1, P, PROT_READ), -EINVAL);
	CHECK_EQ(SYS(mprotect, A, P, 0x40), -EINVAL);
	CHECK_EQ(SYS(mprotect, A, P, PROT_READ | PROT_GROWSDOWN |
		     PROT_GROWSUP), -EINVAL);
	CHECK_EQ(SYS(mprotect, A, 9 * P, PROT_READ), -ENOMEM);
	CHECK_EQ(SYS(mprotect, A + 9 * P, 0, PROT_READ), 0);
	CHECK_EQ(SYS(mprotect, A, -P, PROT_READ), -ENOMEM);
	/* PROT_GROWSDOWN reaches down to the stack's start. */
	CHECK_EQ(SYS(mprotect, A + 4 * P, P, PROT_READ | PROT_GROWSDOWN),
		 -EINVAL);
	CHECK_EQ(SYS(mmap, 0x20000000, 8 * P, RW, ANON | MAP_FIXED |
		     MAP_GROWSDOWN, -1, 0), 0x20000000);
	CHECK_EQ(SYS(mprotect, 0x20000000 + 4 * P, P,
		     PROT_READ | PROT_GROWSDOWN), 0);
	CHECK_EQ(mm_vma_find(mm, 0x20000000)->prot, PROT_READ);
	CHECK_EQ(mm_vma_find(mm, 0x20000000 + 5 * P)->prot, RW);
	CHECK(fake_matches(mm));
	CHECK(teardown(mm));
}

TEST(mremap_syscall)
{
	struct task task = { .mm = setup(true) };
	struct mm *mm = task.mm;
	CHECK_EQ(SYS(mmap, A, 2 * P, RW, ANON | MAP_FIXED, -1, 0), A);
	CHECK_EQ(mm_copy_to(mm, A, "mr", 3), 0);
	CHECK_EQ(SYS(mremap, A, 2 * P, 4 * P, 0, 0), A);
	CHECK_EQ(SYS(mremap, A, 4 * P, 4 * P, 1ull << 40, 0), -EINVAL);
	CHECK_EQ(SYS(mremap, A, 4 * P, 8 * P, MREMAP_MAYMOVE | MREMAP_FIXED,
		     0x30000000), 0x30000000);
	char buf[3];
	CHECK_EQ(mm_copy_from(mm, buf, 0x30000000, 3), 0);
	CHECK(strcmp(buf, "mr") == 0);
	CHECK(fake_matches(mm));
	CHECK(teardown(mm));
}

TEST(madvise_dontneed_zeroes)
{
	struct task task = { .mm = setup(true) };
	struct mm *mm = task.mm;
	CHECK_EQ(SYS(mmap, A, 8 * P, RW, ANON | MAP_FIXED, -1, 0), A);
	CHECK_EQ(mm_copy_to(mm, A + P, "gone", 5), 0);
	CHECK_EQ(SYS(madvise, A, 8 * P, MADV_DONTNEED), 0);
	CHECK_EQ(kern.memfile->pages_in_use, 0);
	char buf[5] = "x";
	CHECK_EQ(mm_copy_from(mm, buf, A + P, 5), 0);
	CHECK_EQ(buf[0], 0);
	CHECK_EQ(mm_copy_to(mm, A + P, "free", 5), 0);
	CHECK_EQ(SYS(madvise, A, 8 * P, MADV_FREE), 0);
	CHECK_EQ(mm_copy_from(mm, buf, A + P, 5), 0);
	CHECK_EQ(buf[0], 0);
	/* Hints are accepted; unknown advice is not. */
	static const uint64_t hints[] = {
		MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED,
		MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTFORK, MADV_DOFORK,
		MADV_DONTDUMP, MADV_DODUMP,
	};
	for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		CHECK_EQ(SYS(madvise, A, 8 * P, hints[i]), 0);
	CHECK_EQ(SYS(madvise, A, 8 * P, 12345), -EINVAL);
	CHECK_EQ(SYS(madvise, A + 1, P, MADV_NORMAL), -EINVAL);
	CHECK_EQ(SYS(madvise, A, 0, MADV_DONTNEED), 0);
	CHECK_EQ(SYS(madvise, A, 9 * P, MADV_NORMAL), -ENOMEM);
	CHECK_EQ(SYS(madvise, A, -1ull, MADV_NORMAL), -EINVAL);
	/* Populating asks for the pages now. */
	CHECK_EQ(SYS(madvise, A, 8 * P, MADV_POPULATE_WRITE), 0);
	CHECK_EQ(kern.memfile->pages_in_use, 8);
	/* Shared anonymous memory keeps its contents; MADV_FREE refuses. */
	int64_t s = SYS(mmap, 0, P, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK_EQ(mm_copy_to(mm, (uint64_t)s, "kept", 5), 0);
	CHECK_EQ(SYS(madvise, (uint64_t)s, P, MADV_DONTNEED), 0);
	CHECK_EQ(mm_copy_from(mm, buf, (uint64_t)s, 5), 0);
	CHECK(strcmp(buf, "kept") == 0);
	CHECK_EQ(SYS(madvise, (uint64_t)s, P, MADV_FREE), -EINVAL);
	CHECK(fake_matches(mm));
	CHECK(teardown(mm));
}

TEST(msync_and_mincore)
{
	struct task task = { .mm = setup(false) };
	struct mm *mm = task.mm;
	CHECK_EQ(SYS(mmap, A, 4 * P, RW, ANON | MAP_FIXED, -1, 0), A);
	CHECK_EQ(SYS(msync, A, 4 * P, MS_SYNC), 0);
	CHECK_EQ(SYS(msync, A, 5 * P, MS_ASYNC), -ENOMEM);
	CHECK_EQ(SYS(msync, A, P, MS_SYNC | MS_ASYNC), -EINVAL);
	CHECK_EQ(SYS(msync, A, P, 0x100), -EINVAL);
	CHECK_EQ(SYS(msync, A + 1, P, MS_SYNC), -EINVAL);
	CHECK_EQ(SYS(msync, A, 0, MS_SYNC), 0);
	/* mincore: which pages are filled in. */
	CHECK_EQ(SYS(mmap, A + 4 * P, 40 * P, RW, ANON | MAP_FIXED, -1, 0),
		 A + 4 * P);
	CHECK_EQ(mm_copy_to(mm, A + 4 * P + 20 * P, "x", 1), 0);
	CHECK_EQ(mm_copy_to(mm, A, "x", 1), 0);
	uint64_t vaddr = 0x30000000;     /* the vector, already filled in */
	CHECK_EQ(SYS(mmap, vaddr, P, RW, ANON | MAP_FIXED | MAP_POPULATE, -1,
		     0), vaddr);
	uint8_t vec[44];
	CHECK_EQ(SYS(mincore, A, 44 * P, vaddr), 0);
	CHECK_EQ(mm_copy_from(mm, vec, vaddr, sizeof(vec)), 0);
	CHECK_EQ(vec[0], 1);
	CHECK_EQ(vec[24], 1);
	CHECK_EQ(vec[43], 0);
	for (size_t i = 0; i < sizeof(vec); i++)
		CHECK_EQ(vec[i], mm_page_present(mm, A + i * P));
	CHECK_EQ(SYS(mincore, A, 45 * P, vaddr), -ENOMEM);
	CHECK_EQ(SYS(mincore, A + 1, P, vaddr), -EINVAL);
	CHECK_EQ(SYS(mincore, A, P, 0x1000), -EFAULT);
	CHECK(teardown(mm));
}
