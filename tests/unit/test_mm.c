/* Unit tests for core/mm*: VMAs, faults (fault-around, copy-on-write,
 * stack growth), protections, kernel copies, mremap, /proc maps, and
 * serialization. Syscall-level tests are in test_sys_mm.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/mm_fixture.h"

#define R PLATFORM_ACCESS_READ
#define W PLATFORM_ACCESS_WRITE
#define X PLATFORM_ACCESS_EXEC

static const uint64_t A = 0x10000000;   /* 2 MiB aligned */

/* ---- VMAs --------------------------------------------------------------- */

/* After-load hooks get a struct kernel_restore (core/kernel.h); the
 * fixture's kernel stands for the one being restored. */
static struct kernel_restore restoring = { &kern, NULL };

TEST(map_unmap_split_and_merge)
{
	struct mm *mm = setup(false);
	CHECK_EQ(mm_map_anon(mm, A, 10 * P, RW, 0, true, false), A);
	CHECK_EQ(mm->nvmas, 1);
	CHECK_EQ(mm_unmap(mm, A + 4 * P, 2 * P), 0);
	CHECK_EQ(mm->nvmas, 2);
	CHECK(mm->vmas[0].end == A + 4 * P && mm->vmas[1].start == A + 6 * P);
	/* Filling the hole with the same kind of mapping merges all three. */
	CHECK_EQ(mm_map_anon(mm, A + 4 * P, 2 * P, RW, 0, true, false),
		 A + 4 * P);
	CHECK_EQ(mm->nvmas, 1);
	CHECK(mm->vmas[0].start == A && mm->vmas[0].end == A + 10 * P);
	CHECK_EQ(mm_protect(mm, A + 2 * P, 3 * P, PROT_READ), 0);
	CHECK_EQ(mm->nvmas, 3);
	CHECK_EQ(mm->vmas[1].prot, PROT_READ);
	CHECK(mm->vmas[1].start == A + 2 * P && mm->vmas[1].end == A + 5 * P);
	CHECK_EQ(mm_protect(mm, A + 2 * P, 3 * P, RW), 0);
	CHECK_EQ(mm->nvmas, 1);
	/* Different flags never merge. */
	CHECK_EQ(mm_map_anon(mm, A + 10 * P, P, RW, VMA_SHARED, true, false),
		 A + 10 * P);
	CHECK_EQ(mm->nvmas, 2);
	/* Unmapping across both, and over nothing at all. */
	CHECK_EQ(mm_unmap(mm, A + 9 * P, 10 * P), 0);
	CHECK_EQ(mm->nvmas, 1);
	CHECK_EQ(mm_unmap(mm, 0x50000000, P), 0);
	CHECK_EQ(mm_unmap(mm, A + 1, P), -EINVAL);
	CHECK_EQ(mm_unmap(mm, A, 0), -EINVAL);
	CHECK_EQ(mm_unmap(mm, USER_ADDR_END - P, 2 * P), -EINVAL);
	CHECK(teardown(mm));
}

TEST(fixed_mappings_replace_unless_noreplace)
{
	struct mm *mm = setup(true);
	CHECK_EQ(mm_map_anon(mm, A, 4 * P, RW, 0, true, false), A);
	CHECK_EQ(mm_copy_to(mm, A + P, "data", 4), 0);
	CHECK_EQ(mm_map_anon(mm, A + P, P, RW, 0, true, true), -EEXIST);
	CHECK_EQ(mm_map_anon(mm, A + 4 * P, P, RW, 0, true, true), A + 4 * P);
	/* Replacing drops the old pages: the new mapping reads zero. */
	CHECK_EQ(mm_map_anon(mm, A, 2 * P, PROT_READ, 0, true, false), A);
	char buf[4];
	CHECK_EQ(mm_copy_from(mm, buf, A + P, 4), 0);
	CHECK(memcmp(buf, "\0\0\0\0", 4) == 0);
	CHECK_EQ(mm->nvmas, 2);
	CHECK_EQ(mm_map_anon(mm, A + 1, P, RW, 0, true, false), -EINVAL);
	CHECK_EQ(mm_map_anon(mm, 0x1000, P, RW, 0, true, false), -EPERM);
	CHECK_EQ(mm_map_anon(mm, USER_ADDR_END - P, 2 * P, RW, 0, true, false),
		 -ENOMEM);
	CHECK_EQ(mm_map_anon(mm, A, 0, RW, 0, true, false), -EINVAL);
	CHECK_EQ(mm_map_anon(mm, A, P, 8, 0, true, false), -EINVAL);
	CHECK(fake_matches(mm));
	CHECK(teardown(mm));
}

TEST(gap_search_goes_down_from_mmap_base)
{
	struct mm *mm = setup(false);
	mm->mmap_base = 0x20000000;
	mm->map_min = 0x1ff00000;
	CHECK_EQ(mm_map_anon(mm, 0, 3 * P, RW, 0, false, false),
		 0x20000000 - 3 * P);
	CHECK_EQ(mm_map_anon(mm, 0, P, PROT_READ, 0, false, false),
		 0x20000000 - 4 * P);
	/* A free hint is honoured; a taken one is not. */
	CHECK_EQ(mm_map_anon(mm, 0x1ff10000, P, RW, 0, false, false),
		 0x1ff10000);
	CHECK_EQ(mm_map_anon(mm, 0x1ff10000, P, RW, 0, false, false),
		 0x20000000 - 5 * P);
	/* A hole below is found once the top is full. */
	CHECK_EQ(mm_unmap(mm, 0x20000000 - 3 * P, P), 0);
	CHECK_EQ(mm_map_anon(mm, 0, P, PROT_EXEC, 0, false, false),
		 0x20000000 - 3 * P);
	CHECK_EQ(mm_map_anon(mm, 0, 2 * P, PROT_EXEC, 0, false, false),
		 0x20000000 - 7 * P);
	/* Everything taken: ENOMEM. */
	CHECK_EQ(mm_map_anon(mm, 0, 0x100000, RW, 0, false, false), -ENOMEM);
	CHECK_EQ(mm_find_gap(mm, P, 0x1ff10000, 0x1ff11000), -ENOMEM);
	CHECK_EQ(mm_find_gap(mm, P, 0x1ff11000, 0x1ff12000), 0x1ff11000);
	CHECK(teardown(mm));
}

TEST(gap_search_keeps_a_guard_below_stacks)
{
	struct mm *mm = setup(false);
	mm->mmap_base = 0x30000000;
	CHECK_EQ(mm_map_anon(mm, 0x30000000 - 4 * P, 4 * P, RW,
			     VMA_GROWSDOWN, true, false), 0x30000000 - 4 * P);
	CHECK_EQ(mm_map_anon(mm, 0, P, RW, 0, false, false),
		 0x30000000 - 4 * P - MM_STACK_GUARD_GAP - P);
	CHECK(teardown(mm));
}

TEST(protect_needs_the_whole_range_mapped)
{
	struct mm *mm = setup(false);
	CHECK_EQ(mm_map_anon(mm, A, 2 * P, RW, 0, true, false), A);
	CHECK_EQ(mm_map_anon(mm, A + 3 * P, 2 * P, RW, 0, true, false),
		 A + 3 * P);
	CHECK_EQ(mm_protect(mm, A, 5 * P, PROT_READ), -ENOMEM);
	CHECK_EQ(mm->vmas[0].prot, RW);      /* nothing changed */
	CHECK_EQ(mm_protect(mm, A + 3 * P, 2 * P, PROT_READ), 0);
	CHECK_EQ(mm_protect(mm, A, 0, PROT_READ), 0);
	CHECK_EQ(mm_protect(mm, A + 1, P, PROT_READ), -EINVAL);
	CHECK_EQ(mm_protect(mm, A, P, 0x10), -EINVAL);
	CHECK(teardown(mm));
}

/* ---- faults ------------------------------------------------------------- */

TEST(one_fault_maps_a_window_with_one_call)
{
	struct mm *mm = setup(true);
	CHECK_EQ(mm_map_anon(mm, A, 4 << 20, RW, 0, true, false), A);
	CHECK_EQ(mm_handle_fault(mm, A + 5 * P + 123, W), 0);
	CHECK_EQ(fake_of(mm)->maps, 1);
	CHECK_EQ(mm_pt_count(mm->pt), MM_FAULT_WINDOW_MIN);
	CHECK(fake_present(mm, A) && fake_present(mm, A + 15 * P));
	CHECK(!fake_present(mm, A + 16 * P));
	for (uint64_t i = 0; i < MM_FAULT_WINDOW_MIN; i++)
		CHECK_EQ(mpage_of(mm, A + i * P), mpage_of(mm, A) + i);
	CHECK_EQ(fake_prot(mm, A), RW);
	/* Clipped to a small VMA. */
	CHECK_EQ(mm_map_anon(mm, 0x20000000, 3 * P, PROT_READ, 0, true, false),
		 0x20000000);
	CHECK_EQ(mm_handle_fault(mm, 0x20000000 + 2 * P, R), 0);
	CHECK_EQ(fake_of(mm)->maps, 2);
	CHECK_EQ(mm_pt_count(mm->pt), MM_FAULT_WINDOW_MIN + 3);
	CHECK_EQ(fake_prot(mm, 0x20000000), PROT_READ);
	CHECK(fake_matches(mm));
	CHECK(teardown(mm));
}

/* Touches every page of [start, start + n pages) in order (backwards if
 * down), faulting where the platform has no mapping, like a program
 * streaming through memory. Returns the number of faults, -1 on error. */
static int stream(struct mm *mm, uint64_t start, uint64_t n, bool down)
{
	int faults = 0;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t addr = start + (down ? n - 1 - i : i) * P;
		if (fake_present(mm, addr))
			continue;
		faults++;
		if (mm_handle_fault(mm, addr, W) < 0)
			return -1;
	}
	return faults;
}

TEST(sequential_faults_grow_the_window)
{
	struct mm *mm = setup(true);
	CHECK_EQ(mm_map_anon(mm, A, 4 << 20, RW, 0, true, false), A);
	int faults = stream(mm, A, 1024, false);
	/* 16 + 32 + 64 + 128 + 256 + 512 + the rest */
	CHECK_EQ(faults, 7);
	CHECK_EQ(fake_of(mm)->maps, 7);
	CHECK_EQ(fake_of(mm)->max_map_pages, MM_FAULT_WINDOW_MAX);
	/* Downwards (a stack) too. */
	CHECK_EQ(mm_map_anon(mm, 0x20000000, 4 << 20, RW, 0, true, false),
		 0x20000000);
	CHECK_EQ(stream(mm, 0x20000000, 1024, true), 7);
	CHECK(fake_matches(mm));
	CHECK_EQ(mm_pt_count(mm->pt), 2048);
	CHECK(teardown(mm));
}

TEST(scattered_faults_shrink_the_window)
{
	struct mm *mm = setup(true);
	CHECK_EQ(mm_map_anon(mm, A, 16 << 20, RW, 0, true, false), A);
	CHECK_EQ(stream(mm, A, 500, false), 6);      /* window now 512 */
	uint64_t before = mm_pt_count(mm->pt);
	CHECK_EQ(mm_handle_fault(mm, A + 3000 * P, R), 0);
	CHECK_EQ(mm_pt_count(mm->pt) - before, 256);
	before = mm_pt_count(mm->pt);
	CHECK_EQ(mm_handle_fault(mm, A + 1000 * P, R), 0); /* present */
	CHECK_EQ(mm_pt_count(mm->pt), before);
	CHECK_EQ(mm_handle_fault(mm, A + 2000 * P, R), 0);
	CHECK_EQ(mm_pt_count(mm->pt) - before, 128);
	before = mm_pt_count(mm->pt);
	CHECK_EQ(mm_handle_fault(mm, A + 1500 * P, R), 0);
	CHECK_EQ(mm_pt_count(mm->pt) - before, 64);
	CHECK(fake_matches(mm));
	CHECK(teardown(mm));
}

TEST(window_skips_present_pages)
{
	struct mm *mm = setup(true);
	CHECK_EQ(mm_map_anon(mm, A, 16 * P, RW, 0, true, false), A);
	CHECK_EQ(mm_poke(mm, A + 5 * P, "x", 1), 0);
	CHECK_EQ(mm_pt_count(mm->pt), 16);  /* the poke filled the window */
	CHECK_EQ(mm_discard(mm, A, 4 * P), 0);
	CHECK_EQ(mm_discard(mm, A + 8 * P, 2 * P), 0);
	int maps = fake_of(mm)->maps;
	CHECK_EQ(mm_handle_fault(mm, A, W), 0);
	CHECK_EQ(fake_of(mm)->maps - maps, 2);  /* two holes, two runs */
	CHECK_EQ(mm_pt_count(mm->pt), 16);
	char c;
	CHECK_EQ(mm_copy_from(mm, &c, A + 5 * P, 1), 0);
	CHECK_EQ(c, 'x');
	CHECK(fake_matches(mm));
	CHECK(teardown(mm));
}

TEST(write_fault_copies_a_shared_page)
{
	struct mm *mm = setup(true);
	struct memfile *mf = kern.memfile;
	CHECK_EQ(mm_map_anon(mm, A, 4 * P, RW, 0, true, false), A);
	CHECK_EQ(mm_copy_to(mm, A, "hello", 6), 0);
	uint64_t old = mpage_of(mm, A);
	memfile_ref(mf, old, 1);          /* as if a fork shared it */
	CHECK_EQ(mm_rebuild_platform(mm), 0);
	CHECK_EQ(fake_prot(mm, A), PROT_READ);  /* shared: read-only */
	CHECK_EQ(fake_prot(mm, A + P), RW);
	/* A read fault does not copy. */
	CHECK_EQ(mm_handle_fault(mm, A, R), 0);
	CHECK_EQ(mpage_of(mm, A), old);
	/* A write fault does. */
	CHECK_EQ(mm_handle_fault(mm, A, W), 0);
	uint64_t copy = mpage_of(mm, A);
	CHECK(copy != old);
	CHECK_EQ(memfile_refcount(mf, old), 1);
	CHECK_EQ(memfile_refcount(mf, copy), 1);
	CHECK(strcmp(memfile_ptr(mf, copy), "hello") == 0);
	CHECK(strcmp(memfile_ptr(mf, old), "hello") == 0);
	CHECK_EQ(fake_prot(mm, A), RW);
	memfile_unref(mf, old, 1);        /* the "child" goes away */
	/* The kernel's writes copy too. */
	uint64_t p1 = mpage_of(mm, A + P);
	memfile_ref(mf, p1, 1);
	CHECK_EQ(mm_copy_to(mm, A + P, "k", 1), 0);
	CHECK(mpage_of(mm, A + P) != p1);
	CHECK_EQ(*(char *)memfile_ptr(mf, p1), 0);
	memfile_unref(mf, p1, 1);
	CHECK(fake_matches(mm));
	CHECK(teardown(mm));
}

TEST(write_fault_on_no_longer_shared_page_just_remaps)
{
	struct mm *mm = setup(true);
	struct memfile *mf = kern.memfile;
	CHECK_EQ(mm_map_anon(mm, A, P, RW, 0, true, false), A);
	CHECK_EQ(mm_handle_fault(mm, A, R), 0);
	uint64_t page = mpage_of(mm, A);
	memfile_ref(mf, page, 1);
	CHECK_EQ(mm_rebuild_platform(mm), 0);
	CHECK_EQ(fake_prot(mm, A), PROT_READ);
	memfile_unref(mf, page, 1);       /* the sharer left */
	CHECK_EQ(mm_handle_fault(mm, A, W), 0);
	CHECK_EQ(mpage_of(mm, A), page);
	CHECK_EQ(fake_prot(mm, A), RW);
	CHECK(teardown(mm));
}

TEST(shared_mappings_never_copy)
{
	struct mm *mm = setup(true);
	struct memfile *mf = kern.memfile;
	CHECK_EQ(mm_map_anon(mm, A, P, RW, VMA_SHARED, true, false), A);
	CHECK_EQ(mm_handle_fault(mm, A, W), 0);
	uint64_t page = mpage_of(mm, A);
	memfile_ref(mf, page, 1);
	CHECK_EQ(mm_rebuild_platform(mm), 0);
	CHECK_EQ(fake_prot(mm, A), RW);
	CHECK_EQ(mm_copy_to(mm, A, "s", 1), 0);
	CHECK_EQ(mpage_of(mm, A), page);
	memfile_unref(mf, page, 1);
	CHECK(teardown(mm));
}

TEST(faults_check_protections)
{
	struct mm *mm = setup(true);
	CHECK_EQ(mm_map_anon(mm, A, P, PROT_READ, 0, true, false), A);
	CHECK_EQ(mm_map_anon(mm, A + P, P, PROT_NONE, 0, true, false), A + P);
	CHECK_EQ(mm_map_anon(mm, A + 2 * P, P, PROT_WRITE, 0, true, false),
		 A + 2 * P);
	CHECK_EQ(mm_handle_fault(mm, A, W), -EACCES);
	CHECK_EQ(mm_handle_fault(mm, A, X), -EACCES);
	CHECK_EQ(mm_handle_fault(mm, A, R), 0);
	CHECK_EQ(mm_handle_fault(mm, A + P, R), -EACCES);
	CHECK_EQ(mm_handle_fault(mm, A + 3 * P, R), -EFAULT);
	CHECK_EQ(mm_handle_fault(mm, A - 1, R), -EFAULT);
	CHECK_EQ(mm_handle_fault(mm, USER_ADDR_END, R), -EFAULT);
	CHECK_EQ(mm_handle_fault(mm, UINT64_MAX, R), -EFAULT);
	/* The kernel's accesses obey the same rules ... */
	char buf[8] = "abc";
	CHECK_EQ(mm_copy_to(mm, A, buf, 1), -EFAULT);
	CHECK_EQ(mm_copy_from(mm, buf, A + P, 1), -EFAULT);
	CHECK_EQ(mm_copy_from(mm, buf, A + 3 * P, 1), -EFAULT);
	/* ... a write-only page reads (x86) ... */
	CHECK_EQ(mm_copy_to(mm, A + 2 * P, "w", 1), 0);
	CHECK_EQ(mm_copy_from(mm, buf, A + 2 * P, 1), 0);
	CHECK_EQ(buf[0], 'w');
	/* ... and poke ignores them. */
	CHECK_EQ(mm_poke(mm, A, "ro", 2), 0);
	CHECK_EQ(mm_copy_from(mm, buf, A, 2), 0);
	CHECK(memcmp(buf, "ro", 2) == 0);
	CHECK_EQ(mm_poke(mm, A + P, "n", 1), 0);
	CHECK_EQ(fake_prot(mm, A + P), PROT_NONE);
	CHECK(fake_matches(mm));
	CHECK(teardown(mm));
}

TEST(protect_updates_present_pages)
{
	struct mm *mm = setup(true);
	CHECK_EQ(mm_map_anon(mm, A, 64 * P, RW, 0, true, false), A);
	CHECK_EQ(mm_handle_fault(mm, A, W), 0);      /* pages 0-15 */
	CHECK_EQ(mm_handle_fault(mm, A + 40 * P, W), 0); /* 32-47 (aligned) */
	CHECK_EQ(mm_protect(mm, A + 8 * P, 40 * P, PROT_READ), 0);
	CHECK_EQ(fake_of(mm)->protects, 2);   /* only the present runs */
	CHECK_EQ(fake_prot(mm, A + 7 * P), RW);
	CHECK_EQ(fake_prot(mm, A + 8 * P), PROT_READ);
	CHECK_EQ(fake_prot(mm, A + 47 * P), PROT_READ);
	CHECK_EQ(mm_handle_fault(mm, A + 8 * P, W), -EACCES);
	CHECK(fake_matches(mm));
	/* Unmapping a never-touched range costs no platform call. */
	int unmaps = fake_of(mm)->unmaps;
	CHECK_EQ(mm_unmap(mm, A + 50 * P, 10 * P), 0);
	CHECK_EQ(fake_of(mm)->unmaps, unmaps);
	CHECK_EQ(mm_unmap(mm, A, 64 * P), 0);
	CHECK_EQ(fake_of(mm)->unmaps, unmaps + 1);
	CHECK_EQ(kern.memfile->pages_in_use, 0);
	CHECK(fake_matches(mm));
	CHECK(teardown(mm));
}

TEST(stack_grows_down_on_faults)
{
	struct mm *mm = setup(true);
	uint64_t top = 0x7ff000000000ull, start = top - 128 * 1024;
	CHECK_EQ(mm_map_anon(mm, start, top - start, RW,
			     VMA_GROWSDOWN | VMA_STACK, true, false), start);
	CHECK_EQ(mm_handle_fault(mm, start - 100000, W), 0);
	struct vma *v = mm_vma_find(mm, start - 100000);
	CHECK(v && v->start <= start - 100000 &&
	      v->start > start - 100000 - 65536);
	CHECK(v->end == top && (v->flags & VMA_STACK));
	/* The kernel's accesses grow it too (signal frames). */
	CHECK_EQ(mm_copy_to(mm, start - 300000, "sig", 3), 0);
	/* Not beyond the stack limit. */
	CHECK_EQ(mm_handle_fault(mm, top - MM_STACK_LIMIT - P, W), -EFAULT);
	CHECK_EQ(mm_handle_fault(mm, top - MM_STACK_LIMIT, W), 0);
	CHECK_EQ(mm->vmas[mm->nvmas - 1].start, top - MM_STACK_LIMIT);
	CHECK(fake_matches(mm));
	CHECK(teardown(mm));
}

TEST(stack_keeps_a_guard_gap)
{
	struct mm *mm = setup(false);
	uint64_t top = 0x7ff000000000ull, start = top - 16 * P;
	uint64_t below = top - 64 * P;
	CHECK_EQ(mm_map_anon(mm, start, 16 * P, RW, VMA_GROWSDOWN, true,
			     false), start);
	CHECK_EQ(mm_map_anon(mm, below, 8 * P, RW, 0, true, false), below);
	CHECK_EQ(mm_handle_fault(mm, below + 8 * P, R), -EFAULT);
	CHECK_EQ(mm_handle_fault(mm, below + 8 * P + MM_STACK_GUARD_GAP, R), 0);
	CHECK_EQ(mm_vma_find(mm, start - P)->start,
		 below + 8 * P + MM_STACK_GUARD_GAP);
	/* A mapping without MAP_GROWSDOWN does not grow. */
	CHECK_EQ(mm_handle_fault(mm, below - P, R), -EFAULT);
	CHECK(teardown(mm));
}

/* ---- kernel copies ------------------------------------------------------ */

TEST(copies_cross_pages_and_fill_them)
{
	struct mm *mm = setup(true);
	CHECK_EQ(mm_map_anon(mm, A, 3 * P, RW, 0, true, false), A);
	uint8_t out[6000], in[6000];
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 7);
	CHECK_EQ(mm_copy_to(mm, A + P - 10, out, sizeof(out)), 0);
	CHECK_EQ(fake_of(mm)->maps, 1);      /* one fill for all three */
	CHECK_EQ(mm_copy_from(mm, in, A + P - 10, sizeof(in)), 0);
	CHECK(memcmp(in, out, sizeof(in)) == 0);
	CHECK_EQ(mm_copy_from(mm, in, A, 1), 0);
	CHECK_EQ(in[0], 0);
	/* Running off the end of the mapping fails. */
	CHECK_EQ(mm_copy_to(mm, A + 3 * P - 4, out, 8), -EFAULT);
	CHECK_EQ(mm_copy_from(mm, in, A + 3 * P - 4, 8), -EFAULT);
	CHECK_EQ(mm_copy_from(mm, in, USER_ADDR_END - 1, 2), -EFAULT);
	CHECK_EQ(mm_copy_from(mm, in, UINT64_MAX - 1, 4), -EFAULT);
	CHECK_EQ(mm_copy_from(mm, in, 0, 0), 0);
	CHECK(fake_matches(mm));
	CHECK(teardown(mm));
}

TEST(copies_fill_long_ranges_in_one_call)
{
	struct mm *mm = setup(true);
	CHECK_EQ(mm_map_anon(mm, A, 1 << 20, RW, 0, true, false), A);
	size_t n = 200 * P;
	uint8_t *buf = calloc(1, n);
	CHECK(buf != NULL);
	int rc = mm_copy_to(mm, A + 3 * P, buf, n);
	free(buf);
	CHECK_EQ(rc, 0);
	CHECK_EQ(fake_of(mm)->maps, 1);
	CHECK(teardown(mm));
}

TEST(copy_string_from)
{
	struct mm *mm = setup(false);
	CHECK_EQ(mm_map_anon(mm, A, 2 * P, RW, 0, true, false), A);
	const char *s = "abcdefghijklmnopqrstuvwxyz";
	CHECK_EQ(mm_copy_to(mm, A + P - 10, s, 27), 0);
	char buf[64];
	CHECK_EQ(mm_copy_string_from(mm, buf, A + P - 10, sizeof(buf)), 26);
	CHECK(strcmp(buf, s) == 0);
	CHECK_EQ(mm_copy_string_from(mm, buf, A + P - 10, 27), 26);
	CHECK_EQ(mm_copy_string_from(mm, buf, A + P - 10, 26), -ENAMETOOLONG);
	CHECK_EQ(mm_copy_string_from(mm, buf, A + P - 10, 0), -ENAMETOOLONG);
	CHECK_EQ(mm_copy_string_from(mm, buf, A + 2 * P - 1, 4), 0);
	CHECK_EQ(buf[0], 0);
	/* No NUL before the mapping ends. */
	char xs[16];
	memset(xs, 'x', sizeof(xs));
	CHECK_EQ(mm_copy_to(mm, A + 2 * P - 16, xs, 16), 0);
	CHECK_EQ(mm_copy_string_from(mm, buf, A + 2 * P - 16, 64), -EFAULT);
	CHECK_EQ(mm_copy_string_from(mm, buf, A + 2 * P - 16, 16),
		 -ENAMETOOLONG);
	CHECK_EQ(mm_copy_string_from(mm, buf, USER_ADDR_END - 1, 16), -EFAULT);
	CHECK(teardown(mm));
}

TEST(copies_without_a_memory_file_fail)
{
	struct mm *mm = NULL;
	CHECK_EQ(mm_create(NULL, &mm), 0);
	CHECK_EQ(mm_map_anon(mm, A, P, RW, 0, true, false), A);
	char c = 0;
	CHECK_EQ(mm_copy_to(mm, A, &c, 1), -EFAULT);
	CHECK_EQ(mm_handle_fault(mm, A, R), -ENOMEM);
	mm_put(mm);
}

TEST(memory_exhaustion_is_an_error_not_a_crash)
{
	struct mm *mm = setup(true);
	/* More than the 64 MiB memory file. */
	CHECK_EQ(mm_map_anon(mm, A, 128 << 20, RW, 0, true, false), A);
	CHECK_EQ(mm_populate(mm, A, 128 << 20), -ENOMEM);
	CHECK_EQ(kern.memfile->pages_in_use, kern.memfile->max_pages);
	CHECK_EQ(mm_handle_fault(mm, A + (100 << 20), W), -ENOMEM);
	char c = 1;
	CHECK_EQ(mm_copy_to(mm, A + (100 << 20), &c, 1), -EFAULT);
	CHECK(fake_matches(mm));
	CHECK(teardown(mm));
}

/* ---- mremap ------------------------------------------------------------- */

static bool pages_hold(struct mm *mm, uint64_t at, int n, char first)
{
	for (int i = 0; i < n; i++) {
		char c;
		if (mm_copy_from(mm, &c, at + (uint64_t)i * P, 1) < 0 ||
		    c != first + i)
			return false;
	}
	return true;
}

static void fill_pages(struct mm *mm, uint64_t at, int n, char first)
{
	for (int i = 0; i < n; i++) {
		char c = (char)(first + i);
		mm_copy_to(mm, at + (uint64_t)i * P, &c, 1);
	}
}

TEST(mremap_grows_and_shrinks_in_place)
{
	struct mm *mm = setup(true);
	CHECK_EQ(mm_map_anon(mm, A, 4 * P, RW, 0, true, false), A);
	fill_pages(mm, A, 4, 'a');
	CHECK_EQ(mm_remap(mm, A, 4 * P, 8 * P, 0, 0), A);
	CHECK_EQ(mm->nvmas, 1);
	CHECK_EQ(mm->vmas[0].end, A + 8 * P);
	CHECK(pages_hold(mm, A, 4, 'a'));
	CHECK_EQ(mm_remap(mm, A, 8 * P, 2 * P, 0, 0), A);
	CHECK_EQ(mm->vmas[0].end, A + 2 * P);
	CHECK(pages_hold(mm, A, 2, 'a'));
	CHECK_EQ(kern.memfile->pages_in_use, 2);
	CHECK_EQ(mm_remap(mm, A, 2 * P, 2 * P, 0, 0), A);
	CHECK(fake_matches(mm));
	CHECK(teardown(mm));
}

TEST(mremap_moves_page_table_entries)
{
	struct mm *mm = setup(true);
	CHECK_EQ(mm_map_anon(mm, A, 4 * P, RW, 0, true, false), A);
	CHECK_EQ(mm_map_anon(mm, A + 4 * P, P, PROT_READ, 0, true, false),
		 A + 4 * P);
	fill_pages(mm, A, 4, 'a');
	uint64_t mp = mpage_of(mm, A);
	CHECK_EQ(mm_remap(mm, A, 4 * P, 8 * P, 0, 0), -ENOMEM);
	int64_t to = mm_remap(mm, A, 4 * P, 8 * P, MREMAP_MAYMOVE, 0);
	CHECK(to > 0 && (uint64_t)to != A);
	CHECK_EQ(mpage_of(mm, (uint64_t)to), mp);   /* moved, not copied */
	CHECK(mm_vma_find(mm, A) == NULL);
	CHECK_EQ(mm_vma_find(mm, (uint64_t)to)->end, (uint64_t)to + 8 * P);
	CHECK(pages_hold(mm, (uint64_t)to, 4, 'a'));
	CHECK_EQ(kern.memfile->pages_in_use, 4);
	CHECK(!fake_present(mm, A));
	CHECK(fake_matches(mm));
	/* To a fixed place, shrinking on the way. */
	CHECK_EQ(mm_remap(mm, (uint64_t)to, 8 * P, 2 * P,
			  MREMAP_MAYMOVE | MREMAP_FIXED, 0x30000000),
		 0x30000000);
	CHECK_EQ(mpage_of(mm, 0x30000000), mp);
	CHECK(pages_hold(mm, 0x30000000, 2, 'a'));
	CHECK(mm_vma_find(mm, (uint64_t)to) == NULL);
	CHECK_EQ(kern.memfile->pages_in_use, 2);
	CHECK(fake_matches(mm));
	CHECK(teardown(mm));
}

TEST(mremap_dontunmap_leaves_an_empty_mapping)
{
	struct mm *mm = setup(true);
	CHECK_EQ(mm_map_anon(mm, A, 2 * P, RW, 0, true, false), A);
	fill_pages(mm, A, 2, 'a');
	int64_t to = mm_remap(mm, A, 2 * P, 2 * P,
			      MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
	CHECK(to > 0 && (uint64_t)to != A);
	CHECK(pages_hold(mm, (uint64_t)to, 2, 'a'));
	CHECK(mm_vma_find(mm, A) != NULL);
	char c = 1;
	CHECK_EQ(mm_copy_from(mm, &c, A, 1), 0);
	CHECK_EQ(c, 0);
	CHECK(fake_matches(mm));
	CHECK(teardown(mm));
}

TEST(mremap_checks_its_arguments)
{
	struct mm *mm = setup(false);
	CHECK_EQ(mm_map_anon(mm, A, 4 * P, RW, 0, true, false), A);
	CHECK_EQ(mm_remap(mm, A + 1, P, P, 0, 0), -EINVAL);
	CHECK_EQ(mm_remap(mm, A, P, P, MREMAP_FIXED, A + 8 * P), -EINVAL);
	CHECK_EQ(mm_remap(mm, A, P, P, 8, 0), -EINVAL);
	CHECK_EQ(mm_remap(mm, A, P, 0, 0, 0), -EINVAL);
	CHECK_EQ(mm_remap(mm, A, 0, P, MREMAP_MAYMOVE, 0), -EINVAL);
	CHECK_EQ(mm_remap(mm, A, P, 2 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP,
			  0), -EINVAL);
	CHECK_EQ(mm_remap(mm, 0x50000000, P, 2 * P, MREMAP_MAYMOVE, 0),
		 -EFAULT);
	CHECK_EQ(mm_remap(mm, A, 8 * P, 16 * P, MREMAP_MAYMOVE, 0), -EFAULT);
	CHECK_EQ(mm_remap(mm, A, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED,
			  A + P), -EINVAL);     /* overlaps */
	CHECK_EQ(mm_remap(mm, A, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED,
			  A + 8 * P + 1), -EINVAL);
	CHECK_EQ(mm->nvmas, 1);
	CHECK(teardown(mm));
}

/* ---- discard, populate -------------------------------------------------- */

TEST(discard_zeroes_private_pages_only)
{
	struct mm *mm = setup(true);
	CHECK_EQ(mm_map_anon(mm, A, 8 * P, RW, 0, true, false), A);
	CHECK_EQ(mm_map_anon(mm, A + 8 * P, 2 * P, RW, VMA_SHARED, true,
			     false), A + 8 * P);
	fill_pages(mm, A, 10, 'a');
	CHECK_EQ(mm_discard(mm, A, 10 * P), 0);
	CHECK_EQ(kern.memfile->pages_in_use, 2);
	char c = 1;
	CHECK_EQ(mm_copy_from(mm, &c, A + 3 * P, 1), 0);
	CHECK_EQ(c, 0);
	CHECK(pages_hold(mm, A + 8 * P, 2, 'a' + 8));
	CHECK_EQ(mm_discard(mm, A, 12 * P), -ENOMEM);
	CHECK(fake_matches(mm));
	CHECK(teardown(mm));
}

TEST(populate_fills_with_one_call)
{
	struct mm *mm = setup(true);
	CHECK_EQ(mm_map_anon(mm, A, 300 * P, RW, 0, true, false), A);
	CHECK_EQ(mm_populate(mm, A, 300 * P), 0);
	CHECK_EQ(fake_of(mm)->maps, 1);
	CHECK_EQ(mm_pt_count(mm->pt), 300);
	CHECK_EQ(mm_populate(mm, A, 301 * P), -ENOMEM);
	CHECK_EQ(mm_map_anon(mm, A + 400 * P, P, PROT_NONE, 0, true, false),
		 A + 400 * P);
	CHECK_EQ(mm_populate(mm, A + 400 * P, P), 0);
	CHECK(!mm_page_present(mm, A + 400 * P));
	CHECK(mm_page_present(mm, A + 299 * P));
	CHECK(fake_matches(mm));
	CHECK(teardown(mm));
}

/* ---- /proc/PID/maps ----------------------------------------------------- */

/* Where a name starts in a real /proc/self/maps line. */
static int host_name_column(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int col = -1;
	while (f && col < 0 && fgets(line, sizeof(line), f)) {
		char *slash = strchr(line, '/');
		if (slash)
			col = (int)(slash - line);
	}
	if (f)
		fclose(f);
	return col;
}

TEST(format_maps_matches_linux)
{
	struct mm *mm = setup(false);
	CHECK_EQ(mm_map_anon(mm, 0x400000, 2 * P, PROT_READ | PROT_EXEC, 0,
			     true, false), 0x400000);
	mm->vmas[0].name = strdup("/bin/prog");
	mm->vmas[0].pgoff = 2;
	CHECK_EQ(mm_map_anon(mm, 0x600000, P, RW, VMA_HEAP, true, false),
		 0x600000);
	CHECK_EQ(mm_map_anon(mm, 0x7f0000000000, P, RW, VMA_SHARED, true,
			     false), 0x7f0000000000);
	CHECK_EQ(mm_map_anon(mm, 0x7fffffedf000, 0x21000, RW,
			     VMA_STACK | VMA_GROWSDOWN, true, false),
		 0x7fffffedf000);
	char buf[1024];
	size_t n = mm_format_maps(mm, buf, sizeof(buf));
	const char *want =
		"00400000-00402000 r-xp 00002000 00:00 0"
		"                                  /bin/prog\n"
		"00600000-00601000 rw-p 00000000 00:00 0"
		"                                  [heap]\n"
		"7f0000000000-7f0000001000 rw-s 00000000 00:00 0 \n"
		"7fffffedf000-7ffffff00000 rw-p 00000000 00:00 0"
		"                          [stack]\n";
	CHECK(strcmp(buf, want) == 0);
	CHECK_EQ(n, strlen(want));
	CHECK_EQ(strstr(want, "/bin/prog") - want, 73);
	int col = host_name_column();
	if (col >= 0)
		CHECK_EQ(col, 73);
	/* Truncated output is NUL terminated and the length is still full. */
	char small[10];
	CHECK_EQ(mm_format_maps(mm, small, sizeof(small)), strlen(want));
	CHECK(strcmp(small, "00400000-") == 0);
	CHECK_EQ(mm_format_maps(mm, NULL, 0), strlen(want));
	CHECK(teardown(mm));
}

/* ---- serialization ------------------------------------------------------ */

static const struct codec_type *const types[] = { &codec_type_mm,
						  &codec_type_memfile };
static const struct codec_registry reg = { types, 2 };

/* An address space with a bit of everything. */
static struct mm *populated(bool platform)
{
	struct mm *mm = setup(platform);
	mm->brk_start = 0x600000;
	mm->brk = 0x602010;
	mm->stack_top = 0x7ffffff00000;
	mm->arg_start = 0x7fffffeff000;
	mm->arg_end = mm->env_start = 0x7fffffeff100;
	mm->env_end = 0x7fffffeff200;
	memcpy(mm->auxv, "\x06\0\0\0\0\0\0\0\0\x10\0\0\0\0\0\0", 16);
	mm->auxv_len = 16;
	mm_map_anon(mm, 0x400000, 3 * P, PROT_READ | PROT_EXEC, 0, true, false);
	mm->vmas[0].name = strdup("/bin/prog");
	mm->vmas[0].pgoff = 1;
	mm_poke(mm, 0x400000, "\x7f" "ELF", 4);
	mm_map_anon(mm, 0x600000, 3 * P, RW, VMA_HEAP, true, false);
	mm_copy_to(mm, 0x600000 + P, "heap", 5);
	mm_map_anon(mm, 0x603000, 2 * P, RW, 0, true, false); /* adjacent */
	mm_copy_to(mm, 0x603000, "anon", 5);
	mm_map_anon(mm, 0x7fffffedf000, 0x21000, RW,
		    VMA_STACK | VMA_GROWSDOWN, true, false);
	mm_copy_to(mm, 0x7fffffeff000, "stack", 6);
	mm_map_anon(mm, A, 64 * P, RW, VMA_SHARED | VMA_NORESERVE, true, false);
	mm_copy_to(mm, A + 20 * P, "shared", 7);
	/* Some pages shared copy-on-write with a (pretend) child. */
	memfile_ref(kern.memfile, mpage_of(mm, 0x600000), 2);
	if (platform)
		mm_rebuild_platform(mm);
	return mm;
}

static void unpopulate(struct mm *mm)
{
	memfile_unref(kern.memfile, mpage_of(mm, 0x600000), 2);
}

TEST(mm_round_trip_is_exact)
{
	struct mm *mm = populated(false);
	struct error err = { 0 };
	int rc = codec_check_roundtrip(&reg, &codec_type_mm, mm, &err);
	if (rc < 0)
		fprintf(stderr, "%s\n", err.msg);
	CHECK(rc == 0);
	unpopulate(mm);
	CHECK(teardown(mm));
	/* An empty address space too. */
	mm = setup(false);
	CHECK(codec_check_roundtrip(&reg, &codec_type_mm, mm, &err) == 0);
	CHECK(teardown(mm));
}

/* Frees a decoded mm without touching the memory file's counts (its
 * pages are the original's). */
static void free_decoded(struct mm *mm)
{
	if (!mm)
		return;
	codec_type_mm.release(mm);
	free(mm);
}

TEST(mm_restore_maps_everything_again)
{
	struct mm *mm = populated(true);
	void *buf;
	size_t len;
	struct error err = { 0 };
	CHECK(codec_encode(&codec_type_mm, mm, &buf, &len, &err) == 0);
	int created = fake.created;
	void *root = NULL;
	int rc = codec_decode(&reg, &codec_type_mm, buf, len, &restoring, 0, &root,
			      &err);
	free(buf);
	if (rc < 0)
		fprintf(stderr, "%s\n", err.msg);
	CHECK(rc == 0);
	struct mm *r = root;
	CHECK_EQ(fake.created, created + 1);
	CHECK(r->kernel == &kern && r->as && r->pt_pending == NULL);
	CHECK_EQ(r->users, 0);
	CHECK_EQ(r->nvmas, mm->nvmas);
	for (size_t i = 0; i < r->nvmas; i++) {
		CHECK(r->vmas[i].start == mm->vmas[i].start);
		CHECK(r->vmas[i].end == mm->vmas[i].end);
		CHECK_EQ(r->vmas[i].prot, mm->vmas[i].prot);
		CHECK_EQ(r->vmas[i].flags, mm->vmas[i].flags);
	}
	CHECK(strcmp(r->vmas[0].name, "/bin/prog") == 0);
	CHECK_EQ(r->brk, 0x602010);
	CHECK_EQ(r->auxv_len, 16);
	CHECK_EQ(mm_pt_count(r->pt), mm_pt_count(mm->pt));
	CHECK_EQ(mpage_of(r, A + 20 * P), mpage_of(mm, A + 20 * P));
	CHECK(fake_matches(r));
	CHECK_EQ(fake_prot(r, 0x600000), PROT_READ);   /* still shared */
	CHECK_EQ(fake_of(r)->maps, fake_of(mm)->maps); /* same runs */
	char s[8];
	CHECK_EQ(mm_copy_string_from(r, s, A + 20 * P, sizeof(s)), 6);
	CHECK(strcmp(s, "shared") == 0);
	free_decoded(r);
	unpopulate(mm);
	CHECK(teardown(mm));
}

TEST(mm_restore_refuses_pages_not_in_use)
{
	struct mm *mm = populated(false);
	void *buf;
	size_t len;
	struct error err = { 0 };
	CHECK(codec_encode(&codec_type_mm, mm, &buf, &len, &err) == 0);
	unpopulate(mm);
	CHECK(teardown(mm));
	/* A kernel whose memory file holds none of those pages. */
	struct mm *other = setup(true);
	void *root = (void *)1;
	int rc = codec_decode(&reg, &codec_type_mm, buf, len, &restoring, 0, &root,
			      &err);
	free(buf);
	CHECK(rc < 0 && root == NULL);
	CHECK(strstr(err.msg, "not in use") != NULL);
	CHECK(teardown(other));
}

static void decode_malformed(const void *buf, size_t len, size_t *failures)
{
	void *copy = malloc(len ? len : 1);
	memcpy(copy, buf, len);
	void *root = NULL;
	struct error err = { 0 };
	if (codec_decode(&reg, &codec_type_mm, copy, len, &restoring, 0, &root,
			 &err) < 0)
		(*failures)++;
	else
		free_decoded(root);
	free(copy);
}

TEST(mm_malformed_encodings_fail_cleanly)
{
	struct mm *mm = populated(true);
	void *buf;
	size_t len;
	struct error err = { 0 };
	CHECK(codec_encode(&codec_type_mm, mm, &buf, &len, &err) == 0);
	size_t failures = 0;
	for (size_t cut = 0; cut < len; cut++)
		decode_malformed(buf, cut, &failures);
	CHECK_EQ(failures, len);
	failures = 0;
	for (size_t i = 0; i < len; i++)
		for (int bit = 0; bit < 8; bit++) {
			((uint8_t *)buf)[i] ^= (uint8_t)(1u << bit);
			decode_malformed(buf, len, &failures);
			((uint8_t *)buf)[i] ^= (uint8_t)(1u << bit);
		}
	free(buf);
	CHECK(failures > 0);
	unpopulate(mm);
	CHECK(teardown(mm));
}
