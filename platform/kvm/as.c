/* Address spaces: a set of page tables (pgtable.c) with a root in the
 * pool, the trampoline mapped at KVM_TRAMP_VA, and a generation that
 * counts lost or changed translations.
 *
 * TLBs. Where the host shadows our tables it sees every change (they are
 * made from inside the guest) and flushes what it must on every vCPU
 * itself. Where it walks them in hardware, stale translations stay in
 * the TLBs of vCPUs that ran the address space: a vCPU flushes (CR3
 * reload, ctx.c) before it next runs application code of an address
 * space whose generation moved since it last did, and vCPUs running it
 * right now are made to leave the guest before an unmap returns, so that
 * no thread keeps writing to a page the kernel may already be reusing. */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "platform/kvm/internal.h"

#define PAGE_LOW_BITS (KVM_PAGE - 1)
#define AS_NO_ROOT UINT32_MAX

static int check_range(uint64_t addr, uint64_t len)
{
	if ((addr | len) & PAGE_LOW_BITS || len == 0)
		return -EINVAL;
	if (addr >= PLATFORM_APP_END || len > PLATFORM_APP_END - addr)
		return -EINVAL;
	return 0;
}

static int check_prot(int prot)
{
	return prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC) ? -EINVAL : 0;
}

/* After a commit that lost or changed translations. */
static void invalidate(struct platform_as *as)
{
	struct platform *p = as->p;
	atomic_fetch_add(&as->gen, 1);
	if (p->hw_paging || p->force_flush)
		ctx_kick_running(p, as);
}

enum edit_kind { EDIT_MAP, EDIT_UNMAP, EDIT_PROTECT };

struct edit_req {
	enum edit_kind kind;
	uint64_t addr, len, gpa;
	int prot;
};

static int apply(struct pt_edit *e, struct platform_as *as,
		 const struct edit_req *q)
{
	switch (q->kind) {
	case EDIT_MAP:
		return pt_map_range(e, as->root, q->addr, q->len, q->gpa,
				    q->prot);
	case EDIT_UNMAP:
		return pt_unmap_range(e, as->root, q->addr, q->len);
	case EDIT_PROTECT:
		return pt_protect_range(e, as->root, q->addr, q->len, q->prot);
	}
	return -EINVAL;
}

/* Runs one edit of as under the platform lock. */
static int edit(struct platform_as *as, const struct edit_req *q)
{
	struct platform *p = as->p;
	struct pt_edit *e;
	bool changed = false;
	pthread_mutex_lock(&p->lock);
	int r = pt_edit_begin(&e, p);
	int c = 0;
	if (!r) {
		r = apply(e, as, q);
		/* Whatever happened so far must reach the guest. */
		c = pt_edit_commit(e, &changed);
	}
	if (changed)
		invalidate(as);
	pthread_mutex_unlock(&p->lock);
	return r ? r : c;
}

int kvm_as_create(struct platform *p, struct platform_as **out)
{
	struct platform_as *as = calloc(1, sizeof(*as));
	if (!as)
		return -ENOMEM;
	as->p = p;
	atomic_init(&as->gen, 0);
	as->root = AS_NO_ROOT;
	pthread_mutex_lock(&p->lock);
	as->id = ++p->next_as_id;
	int r = pool_alloc(p, &as->root);
	if (!r)
		pt_init_root(p, as->root);
	else
		as->root = AS_NO_ROOT;
	pthread_mutex_unlock(&p->lock);
	if (!r)
		r = as_map_gpa(as, KVM_TRAMP_VA, KVM_PAGE,
			       priv_gpa(p, KVM_OFF_TRAMP),
			       PROT_READ | PROT_EXEC);
	if (r) {
		kvm_as_destroy(as);
		return r;
	}
	*out = as;
	return 0;
}

void kvm_as_destroy(struct platform_as *as)
{
	if (!as)
		return;
	struct platform *p = as->p;
	struct pt_edit *e;
	bool changed;
	pthread_mutex_lock(&p->lock);
	/* No context runs it (the kernel's contract); ones that did have a
	 * stale tlb_as, never reused, so they flush before their next run. */
	if (as->root != AS_NO_ROOT && pt_edit_begin(&e, p) == 0) {
		pt_destroy_tree(e, as->root);
		pt_edit_commit(e, &changed);
	}
	pthread_mutex_unlock(&p->lock);
	free(as);
}

/* The memory file's pages must be known to KVM before any guest table
 * points at them. */
static int cover(struct platform *p, uint64_t end)
{
	pthread_mutex_lock(&p->lock);
	int r = memslots_cover(p, end);
	pthread_mutex_unlock(&p->lock);
	return r;
}

int kvm_as_map(struct platform_as *as, uint64_t addr, uint64_t len,
	       uint64_t offset, int prot)
{
	int r = check_range(addr, len);
	if (!r)
		r = check_prot(prot);
	if (!r && (offset & PAGE_LOW_BITS || offset + len < offset))
		r = -EINVAL;
	if (!r)
		r = cover(as->p, offset + len);
	struct edit_req q = { EDIT_MAP, addr, len, offset, prot };
	return r ? r : edit(as, &q);
}

int as_map_gpa(struct platform_as *as, uint64_t addr, uint64_t len,
	       uint64_t gpa, int prot)
{
	struct edit_req q = { EDIT_MAP, addr, len, gpa, prot };
	return edit(as, &q);
}

int kvm_as_unmap(struct platform_as *as, uint64_t addr, uint64_t len)
{
	int r = check_range(addr, len);
	struct edit_req q = { EDIT_UNMAP, addr, len, 0, 0 };
	return r ? r : edit(as, &q);
}

int kvm_as_protect(struct platform_as *as, uint64_t addr, uint64_t len,
		   int prot)
{
	int r = check_range(addr, len);
	if (!r)
		r = check_prot(prot);
	struct edit_req q = { EDIT_PROTECT, addr, len, 0, prot };
	return r ? r : edit(as, &q);
}
