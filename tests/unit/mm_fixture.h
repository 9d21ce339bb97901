/* A fake platform and a small kernel for the mm unit tests.
 *
 * The fake platform keeps a model of each address space (which virtual
 * page maps which memory-file page, with what protection) and counts the
 * calls made on it, so tests can check both that the platform's view
 * matches the page table and how many (expensive) calls it took. All
 * definitions are static: include this from one file per program. */
#ifndef TESTS_UNIT_MM_FIXTURE_H
#define TESTS_UNIT_MM_FIXTURE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/kernel.h"
#include "core/memfile.h"
#include "core/mm.h"
#include "core/mm_internal.h"
#include "core/mm_pagetable.h"

struct fake_page {
	uint64_t vpn, mpage;
	int prot;
};

struct fake_as {
	struct fake_page *pages;
	size_t n, cap;
	int maps, unmaps, protects;
	uint64_t max_map_pages;      /* largest single as_map */
	bool bad;                    /* a call the real platform would fail */
};

static struct {
	int created, destroyed;
} fake;

static struct fake_page *fake_find(struct fake_as *as, uint64_t vpn)
{
	for (size_t i = 0; i < as->n; i++)
		if (as->pages[i].vpn == vpn)
			return &as->pages[i];
	return NULL;
}

static int fake_as_create(struct platform *p, struct platform_as **out)
{
	(void)p;
	struct fake_as *as = calloc(1, sizeof(*as));
	if (!as)
		return -ENOMEM;
	fake.created++;
	*out = (struct platform_as *)as;
	return 0;
}

static void fake_as_destroy(struct platform_as *a)
{
	struct fake_as *as = (struct fake_as *)a;
	fake.destroyed++;
	free(as->pages);
	free(as);
}

static bool fake_args_ok(uint64_t addr, uint64_t len)
{
	return len && !(addr % PAGE_SIZE) && !(len % PAGE_SIZE) &&
	       addr + len <= USER_ADDR_END;
}

static int fake_as_map(struct platform_as *a, uint64_t addr, uint64_t len,
		       uint64_t off, int prot)
{
	struct fake_as *as = (struct fake_as *)a;
	as->maps++;
	if (!fake_args_ok(addr, len) || off % PAGE_SIZE)
		as->bad = true;
	if (len / PAGE_SIZE > as->max_map_pages)
		as->max_map_pages = len / PAGE_SIZE;
	for (uint64_t i = 0; i < len / PAGE_SIZE; i++) {
		struct fake_page *p = fake_find(as, addr / PAGE_SIZE + i);
		if (!p) {
			if (as->n == as->cap) {
				as->cap = as->cap ? 2 * as->cap : 64;
				as->pages = realloc(as->pages,
						    as->cap * sizeof(*p));
				if (!as->pages)
					abort();
			}
			p = &as->pages[as->n++];
		}
		*p = (struct fake_page){ addr / PAGE_SIZE + i,
					 off / PAGE_SIZE + i, prot };
	}
	return 0;
}

static int fake_as_unmap(struct platform_as *a, uint64_t addr, uint64_t len)
{
	struct fake_as *as = (struct fake_as *)a;
	as->unmaps++;
	if (!fake_args_ok(addr, len))
		as->bad = true;
	for (size_t i = 0; i < as->n;) {
		uint64_t va = as->pages[i].vpn * PAGE_SIZE;
		if (va >= addr && va < addr + len)
			as->pages[i] = as->pages[--as->n];
		else
			i++;
	}
	return 0;
}

/* Like mprotect, fails on a range with holes. */
static int fake_as_protect(struct platform_as *a, uint64_t addr, uint64_t len,
			   int prot)
{
	struct fake_as *as = (struct fake_as *)a;
	as->protects++;
	if (!fake_args_ok(addr, len))
		as->bad = true;
	for (uint64_t i = 0; i < len / PAGE_SIZE; i++) {
		struct fake_page *p = fake_find(as, addr / PAGE_SIZE + i);
		if (!p) {
			as->bad = true;
			return -ENOMEM;
		}
		p->prot = prot;
	}
	return 0;
}

static const struct platform_ops fake_ops = {
	.name = "fake",
	.as_create = fake_as_create,
	.as_destroy = fake_as_destroy,
	.as_map = fake_as_map,
	.as_unmap = fake_as_unmap,
	.as_protect = fake_as_protect,
};

static inline struct fake_as *fake_of(const struct mm *mm)
{
	return (struct fake_as *)mm->as;
}

static inline bool fake_present(const struct mm *mm, uint64_t addr)
{
	return fake_find(fake_of(mm), addr / PAGE_SIZE) != NULL;
}

static inline int fake_prot(const struct mm *mm, uint64_t addr)
{
	struct fake_page *p = fake_find(fake_of(mm), addr / PAGE_SIZE);
	return p ? p->prot : -1;
}

/* The platform maps exactly the present pages, each with the memory-file
 * page and the protection the page table says. */
static inline bool fake_matches(struct mm *mm)
{
	struct fake_as *as = fake_of(mm);
	if (as->bad || as->n != mm_pt_count(mm->pt)) {
		fprintf(stderr, "fake: bad=%d mapped=%zu present=%llu\n",
			as->bad, as->n,
			(unsigned long long)mm_pt_count(mm->pt));
		return false;
	}
	for (size_t i = 0; i < as->n; i++) {
		const struct fake_page *p = &as->pages[i];
		uint64_t mpage;
		struct vma *v = mm_vma_find(mm, p->vpn * PAGE_SIZE);
		if (!v || !mm_pt_lookup(mm->pt, p->vpn, &mpage) ||
		    mpage != p->mpage || p->prot != mm_page_prot(mm, v, mpage)) {
			fprintf(stderr, "fake: page %llx differs\n",
				(unsigned long long)p->vpn);
			return false;
		}
	}
	return true;
}

/* ---- a kernel with just a memory file (and maybe the fake platform) ---- */

static struct kernel kern;

static inline struct mm *setup(bool platform)
{
	memset(&kern, 0, sizeof(kern));
	memset(&fake, 0, sizeof(fake));
	if (memfile_create(&kern.memfile, 64ull << 20) < 0)
		abort();
	kern.platform_ops = platform ? &fake_ops : NULL;
	struct mm *mm;
	if (mm_create(&kern, &mm) < 0)
		abort();
	return mm;
}

/* Frees mm and the memory file; false if pages leaked or address spaces
 * were not destroyed. */
static inline bool teardown(struct mm *mm)
{
	mm_put(mm);
	bool ok = kern.memfile->pages_in_use == 0 &&
		  fake.created == fake.destroyed;
	if (!ok)
		fprintf(stderr, "teardown: %llu pages in use, %d/%d as\n",
			(unsigned long long)kern.memfile->pages_in_use,
			fake.created, fake.destroyed);
	memfile_destroy(kern.memfile);
	kern.memfile = NULL;
	return ok;
}

static inline uint64_t mpage_of(const struct mm *mm, uint64_t addr)
{
	uint64_t mpage = UINT64_MAX;
	mm_pt_lookup(mm->pt, addr / PAGE_SIZE, &mpage);
	return mpage;
}

#define RW (PROT_READ | PROT_WRITE)
#define P PAGE_SIZE

#endif
