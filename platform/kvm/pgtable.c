/* Four-level page tables for the guest, built and changed by the host.
 *
 * Guest virtual = application virtual address; guest physical = memory
 * file offset. Leaves are 4 KiB; permissions live in the leaves only
 * (intermediate entries allow everything). Accessed and dirty bits are
 * set from the start so that no one ever needs to write them back.
 *
 * The rule that keeps every hypervisor honest: an entry may go from not
 * present to present by a plain host write, but any change to an entry
 * that was present (unmap, protect, replace) is also made from inside
 * the guest (mmu.c rewrites the entry with its new value). A hypervisor
 * that shadows page tables (no EPT/NPT: the development host's kvm_pvm
 * does) write-protects every table it has shadowed and learns of changes
 * only through guest writes; host writes are invisible to it, and its
 * copy would keep the old translation forever (measured: neither a CR3
 * reload nor INVLPG helps). Additions need no such care, since a shadow
 * never caches an absent translation: the guest's next access faults
 * into the hypervisor, which walks our tables again.
 *
 * An edit collects the ranges of entries it changed from present, then
 * commits: the mmu vCPU rewrites each range, and only then are emptied
 * tables given back to the pool (pool.c says why). Caller holds p->lock. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "platform/kvm/internal.h"

#define LEVELS 4
#define ENTRIES 512
#define TABLE_FLAGS (PTE_P | PTE_W | PTE_U | PTE_A)
#define KERNEL_TABLE (PTE_P | PTE_W | PTE_A)
#define USER_TOP (1ULL << 47)

struct pt_range {
	uint32_t page;
	uint16_t lo, hi;           /* entries [lo, hi] */
};

struct pt_edit {
	struct platform *p;
	struct pt_range *ranges;
	size_t nranges, cap;
	uint32_t *freed;
	size_t nfreed, capfreed;
	bool changed;              /* a present entry went or changed */
	int err;                   /* out of memory while recording */
};

enum pt_kind { PT_MAP, PT_UNMAP, PT_PROTECT };

struct pt_op {
	enum pt_kind kind;
	uint64_t va0, gpa0;        /* PT_MAP: va maps gpa0 + (va - va0) */
	uint64_t flags;            /* leaf flags for PT_MAP, PT_PROTECT */
	bool none;                 /* PROT_NONE: keep a mark, not present */
};

static uint64_t span_of(int level)
{
	return 1ULL << (12 + 9 * (level - 1));
}

int pt_edit_begin(struct pt_edit **out, struct platform *p)
{
	struct pt_edit *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->p = p;
	*out = e;
	return 0;
}

static void note_range(struct pt_edit *e, uint32_t page, unsigned i)
{
	if (e->nranges && e->ranges[e->nranges - 1].page == page) {
		struct pt_range *r = &e->ranges[e->nranges - 1];
		if (i < r->lo)
			r->lo = (uint16_t)i;
		if (i > r->hi)
			r->hi = (uint16_t)i;
		return;
	}
	if (e->nranges == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		struct pt_range *v = realloc(e->ranges, cap * sizeof(*v));
		if (!v) {
			e->err = -ENOMEM;
			return;
		}
		e->ranges = v;
		e->cap = cap;
	}
	e->ranges[e->nranges++] = (struct pt_range){ page, (uint16_t)i,
						     (uint16_t)i };
}

static void note_freed(struct pt_edit *e, uint32_t page)
{
	if (e->nfreed == e->capfreed) {
		size_t cap = e->capfreed ? e->capfreed * 2 : 16;
		uint32_t *v = realloc(e->freed, cap * sizeof(*v));
		if (!v) {
			/* Leaked, not reused: safe, if wasteful. */
			e->err = -ENOMEM;
			return;
		}
		e->freed = v;
		e->capfreed = cap;
	}
	e->freed[e->nfreed++] = page;
}

/* Writes entry i of pool page `page`; a change of a present entry is
 * noted for the guest-side rewrite. */
static void set_entry(struct pt_edit *e, uint32_t page, unsigned i,
		      uint64_t val)
{
	uint64_t *t = pool_table(e->p, page);
	uint64_t old = t[i];
	if (old == val)
		return;
	t[i] = val;
	uint16_t *used = &e->p->pool.used[page];
	*used = (uint16_t)(*used + (val != 0) - (old != 0));
	if (old & PTE_P) {
		note_range(e, page, i);
		e->changed = true;
	}
}

static uint64_t leaf_value(const struct pt_op *op, uint64_t gpa)
{
	if (op->none)
		return (gpa & PTE_ADDR) | PTE_NONE_MARK;
	return (gpa & PTE_ADDR) | op->flags;
}

static uint64_t leaf_new(const struct pt_op *op, uint64_t va, uint64_t old)
{
	switch (op->kind) {
	case PT_MAP:
		return leaf_value(op, op->gpa0 + (va - op->va0));
	case PT_UNMAP:
		return 0;
	case PT_PROTECT:
		return old ? leaf_value(op, old & PTE_ADDR) : 0;
	}
	return old;
}

static int child_of(struct pt_edit *e, uint32_t page, unsigned i,
		    bool create, uint32_t *child)
{
	uint64_t ent = pool_table(e->p, page)[i];
	if (ent & PTE_P) {
		int64_t c = pool_page_of(e->p, ent & PTE_ADDR);
		if (c < 0)
			return -EIO;   /* not ours: a corrupt table */
		*child = (uint32_t)c;
		return 0;
	}
	if (!create)
		return -ENOENT;
	int r = pool_alloc(e->p, child);
	if (r)
		return r;
	set_entry(e, page, i, priv_gpa(e->p, pool_off(*child)) | TABLE_FLAGS);
	return 0;
}

/* A table emptied by an unmap goes: its parent entry is cleared (from
 * the guest: it was present), the page returns to the pool at commit. */
static void drop_child(struct pt_edit *e, uint32_t page, unsigned i,
		       uint32_t child)
{
	set_entry(e, page, i, 0);
	note_freed(e, child);
}

static int walk(struct pt_edit *e, uint32_t page, int level, uint64_t base,
		uint64_t start, uint64_t end, const struct pt_op *op)
{
	uint64_t span = span_of(level);
	for (unsigned i = (unsigned)((start - base) / span);
	     i < ENTRIES && base + i * span < end; i++) {
		uint64_t lo = base + i * span;
		uint64_t s = start > lo ? start : lo;
		uint64_t t = end < lo + span ? end : lo + span;
		if (level == 1) {
			uint64_t old = pool_table(e->p, page)[i];
			set_entry(e, page, i, leaf_new(op, s, old));
			continue;
		}
		uint32_t child;
		int r = child_of(e, page, i, op->kind == PT_MAP, &child);
		if (r == -ENOENT)
			continue;
		if (!r)
			r = walk(e, child, level - 1, lo, s, t, op);
		if (op->kind == PT_UNMAP && !r && e->p->pool.used[child] == 0)
			drop_child(e, page, i, child);
		if (r)
			return r;
	}
	return 0;
}

static uint64_t leaf_flags(int prot)
{
	uint64_t f = PTE_P | PTE_U | PTE_A | PTE_D;
	if (prot & PROT_WRITE)
		f |= PTE_W;
	if (!(prot & PROT_EXEC))
		f |= PTE_NX;
	return f;
}

static int run_op(struct pt_edit *e, uint32_t root, uint64_t va,
		  uint64_t len, struct pt_op *op)
{
	if (va >= USER_TOP || len > USER_TOP - va)
		return -EINVAL;
	return walk(e, root, LEVELS, 0, va, va + len, op);
}

int pt_map_range(struct pt_edit *e, uint32_t root, uint64_t va,
		 uint64_t len, uint64_t gpa, int prot)
{
	struct pt_op op = { PT_MAP, va, gpa, leaf_flags(prot),
			    !(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) };
	return run_op(e, root, va, len, &op);
}

int pt_unmap_range(struct pt_edit *e, uint32_t root, uint64_t va,
		   uint64_t len)
{
	struct pt_op op = { PT_UNMAP, 0, 0, 0, false };
	return run_op(e, root, va, len, &op);
}

int pt_protect_range(struct pt_edit *e, uint32_t root, uint64_t va,
		     uint64_t len, int prot)
{
	struct pt_op op = { PT_PROTECT, 0, 0, leaf_flags(prot),
			    !(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) };
	return run_op(e, root, va, len, &op);
}

int pt_destroy_tree(struct pt_edit *e, uint32_t root)
{
	int r = pt_unmap_range(e, root, 0, USER_TOP);
	/* The kernel half's entry was present: cleared from the guest too,
	 * then the root itself goes. */
	set_entry(e, root, KVM_KERN_PML4_INDEX, 0);
	note_freed(e, root);
	return r;
}

int pt_edit_commit(struct pt_edit *e, bool *changed)
{
	int r = e->err;
	for (size_t i = 0; i < e->nranges; i++) {
		int q = mmu_rewrite(e->p, e->ranges[i].page, e->ranges[i].lo,
				    e->ranges[i].hi);
		if (q && !r)
			r = q;
	}
	/* A table whose clearing the guest did not confirm may still be
	 * shadowed with its old entries: leak it rather than reuse it. */
	for (size_t i = 0; i < e->nfreed && !r; i++)
		pool_release(e->p, e->freed[i]);
	*changed = e->changed;
	free(e->ranges);
	free(e->freed);
	free(e);
	return r;
}

bool pt_leaf_slot(const struct platform *p, uint32_t root, uint64_t va,
		  uint32_t *page, unsigned *index)
{
	uint32_t t = root;
	if (va >= USER_TOP)
		return false;
	for (int level = LEVELS; level >= 1; level--) {
		unsigned i = (unsigned)((va >> (12 + 9 * (level - 1))) & 511);
		if (level == 1) {
			*page = t;
			*index = i;
			return true;
		}
		uint64_t ent = pool_table(p, t)[i];
		int64_t c = ent & PTE_P ? pool_page_of(p, ent & PTE_ADDR) : -1;
		if (c < 0)
			return false;
		t = (uint32_t)c;
	}
	return false;
}

uint64_t pt_lookup(const struct platform *p, uint32_t root, uint64_t va)
{
	uint32_t page;
	unsigned i;
	return pt_leaf_slot(p, root, va, &page, &i) ? pool_table(p, page)[i]
						    : 0;
}

/* The fixed part's 4 KiB mappings: code and trampoline read+exec, the
 * IDT read-only, everything else read+write, no execute. */
static uint64_t fixed_flags(uint64_t off)
{
	uint64_t page = off & ~(KVM_PAGE - 1);
	if (page == KVM_OFF_CODE || page == KVM_OFF_TRAMP)
		return PTE_P | PTE_A;
	if (page == KVM_OFF_IDT)
		return PTE_P | PTE_A | PTE_NX;
	return PTE_P | PTE_W | PTE_A | PTE_D | PTE_NX;
}

void pt_init_fixed(struct platform *p)
{
	uint64_t *kpdpt = priv_ptr(p, KVM_OFF_KPDPT);
	uint64_t *kpd = priv_ptr(p, KVM_OFF_KPD);
	uint64_t *kpt = priv_ptr(p, KVM_OFF_KPT);
	kpdpt[0] = priv_gpa(p, KVM_OFF_KPD) | KERNEL_TABLE;
	for (unsigned j = 0; j < ENTRIES; j++) {
		uint64_t off = (uint64_t)j << 21;
		if (j < KVM_FIXED_PTS)
			kpd[j] = priv_gpa(p, KVM_OFF_KPT + j * KVM_PAGE) |
				 KERNEL_TABLE;
		else
			kpd[j] = priv_gpa(p, off) | PTE_P | PTE_W | PTE_A |
				 PTE_D | PTE_PS | PTE_NX;
	}
	for (uint64_t off = 0; off < KVM_FIXED_SIZE; off += KVM_PAGE)
		kpt[off / KVM_PAGE] = priv_gpa(p, off) | fixed_flags(off);
	((uint64_t *)priv_ptr(p, KVM_OFF_MMU_PML4))[KVM_KERN_PML4_INDEX] =
		priv_gpa(p, KVM_OFF_KPDPT) | KERNEL_TABLE;
}

void pt_init_root(struct platform *p, uint32_t root)
{
	pool_table(p, root)[KVM_KERN_PML4_INDEX] =
		priv_gpa(p, KVM_OFF_KPDPT) | KERNEL_TABLE;
	p->pool.used[root]++;
}
