/* The pool of page-table pages (the private region above its fixed part).
 *
 * Pages are handed out zeroed: a page never used is zero (anonymous
 * memory), and a page comes back only once every entry in it has been
 * cleared (pgtable.c clears what was present from inside the guest, so a
 * hypervisor that shadows page tables has cleared its copy too). That
 * second rule is what makes reuse safe where the host cannot see our
 * writes: a stale shadow of a reused page could otherwise resurrect old
 * mappings. Caller holds p->lock. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "platform/kvm/internal.h"

int pool_init(struct pt_pool *pool, uint32_t npages)
{
	memset(pool, 0, sizeof(*pool));
	pool->npages = npages;
	pool->free = calloc(npages, sizeof(*pool->free));
	pool->used = calloc(npages, sizeof(*pool->used));
	return pool->free && pool->used ? 0 : -ENOMEM;
}

void pool_destroy(struct pt_pool *pool)
{
	free(pool->free);
	free(pool->used);
	memset(pool, 0, sizeof(*pool));
}

int pool_alloc(struct platform *p, uint32_t *page)
{
	struct pt_pool *pool = &p->pool;
	if (pool->nfree)
		*page = pool->free[--pool->nfree];
	else if (pool->next < pool->npages)
		*page = pool->next++;
	else
		return -ENOMEM;
	pool->used[*page] = 0;
	pool->in_use++;
	return 0;
}

void pool_release(struct platform *p, uint32_t page)
{
	struct pt_pool *pool = &p->pool;
	/* Entries that were never present (PROT_NONE marks) may be left:
	 * no shadow ever saw them as mappings, so zeroing here is enough. */
	memset(pool_table(p, page), 0, KVM_PAGE);
	pool->used[page] = 0;
	pool->free[pool->nfree++] = page;
	pool->in_use--;
}

int64_t pool_page_of(const struct platform *p, uint64_t gpa)
{
	uint64_t base = p->priv_gpa + KVM_FIXED_SIZE;
	if (gpa < base || gpa >= p->priv_gpa + KVM_PRIV_SIZE)
		return -1;
	return (int64_t)((gpa - base) / KVM_PAGE);
}
