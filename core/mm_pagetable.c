/* The radix-tree page table. See mm_pagetable.h. */
#include "core/mm_pagetable.h"

#include <stdio.h>
#include <stdlib.h>

#define PT_BITS 9
#define PT_FANOUT (1u << PT_BITS)
#define PT_LEVELS 4                 /* PT_LEVELS * PT_BITS = 36 bits */

/* Leaf entries hold mpage + 1, so that zero means absent. */
struct pt_node {
	uint32_t used;                  /* non-empty slots */
	union {
		struct pt_node *child[PT_FANOUT];
		uint64_t ent[PT_FANOUT];
	} u;
};

struct mm_pagetable {
	struct pt_node *root;           /* level PT_LEVELS - 1 */
	uint64_t count;
};

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);
	if (!p) {
		fputs("snapctl: out of memory (page table)\n", stderr);
		abort();
	}
	return p;
}

/* Index of vpn in a node of the given level (0 = leaf). */
static unsigned slot(uint64_t vpn, int level)
{
	return (unsigned)(vpn >> (level * PT_BITS)) & (PT_FANOUT - 1);
}

/* Virtual pages one slot of a node at this level covers. */
static uint64_t slot_span(int level)
{
	return 1ull << (level * PT_BITS);
}

struct mm_pagetable *mm_pt_create(void)
{
	struct mm_pagetable *pt = xcalloc(1, sizeof(*pt));
	pt->root = xcalloc(1, sizeof(*pt->root));
	return pt;
}

static void node_free(struct pt_node *n, int level)
{
	if (level > 0)
		for (unsigned i = 0; i < PT_FANOUT && n->used; i++)
			if (n->u.child[i]) {
				node_free(n->u.child[i], level - 1);
				n->used--;
			}
	free(n);
}

void mm_pt_destroy(struct mm_pagetable *pt)
{
	if (!pt)
		return;
	node_free(pt->root, PT_LEVELS - 1);
	free(pt);
}

uint64_t mm_pt_count(const struct mm_pagetable *pt)
{
	return pt->count;
}

bool mm_pt_lookup(const struct mm_pagetable *pt, uint64_t vpn,
		  uint64_t *mpage)
{
	if (vpn >= MM_PT_VPN_LIMIT)
		return false;
	const struct pt_node *n = pt->root;
	for (int level = PT_LEVELS - 1; level > 0; level--) {
		n = n->u.child[slot(vpn, level)];
		if (!n)
			return false;
	}
	uint64_t e = n->u.ent[slot(vpn, 0)];
	if (e == 0)
		return false;
	*mpage = e - 1;
	return true;
}

void mm_pt_set(struct mm_pagetable *pt, uint64_t vpn, uint64_t mpage)
{
	if (vpn >= MM_PT_VPN_LIMIT)
		abort();                /* callers check against VMAs */
	struct pt_node *n = pt->root;
	for (int level = PT_LEVELS - 1; level > 0; level--) {
		struct pt_node **c = &n->u.child[slot(vpn, level)];
		if (!*c) {
			*c = xcalloc(1, sizeof(**c));
			n->used++;
		}
		n = *c;
	}
	uint64_t *e = &n->u.ent[slot(vpn, 0)];
	if (*e == 0) {
		n->used++;
		pt->count++;
	}
	*e = mpage + 1;
}

/* Clears [lo, hi) (absolute vpns) under node n, which covers vpns from
 * base; frees the children that become empty. */
static void node_clear(struct mm_pagetable *pt, struct pt_node *n, int level,
		       uint64_t base, uint64_t lo, uint64_t hi)
{
	uint64_t span = slot_span(level);
	unsigned first = lo > base ? (unsigned)((lo - base) / span) : 0;
	for (unsigned i = first; i < PT_FANOUT && n->used; i++) {
		uint64_t s = base + i * span;
		if (s >= hi)
			break;
		if (level == 0) {
			if (n->u.ent[i]) {
				n->u.ent[i] = 0;
				n->used--;
				pt->count--;
			}
			continue;
		}
		struct pt_node *c = n->u.child[i];
		if (!c)
			continue;
		node_clear(pt, c, level - 1, s, lo, hi);
		if (c->used == 0) {
			free(c);
			n->u.child[i] = NULL;
			n->used--;
		}
	}
}

void mm_pt_clear(struct mm_pagetable *pt, uint64_t vstart, uint64_t vend)
{
	if (vend > MM_PT_VPN_LIMIT)
		vend = MM_PT_VPN_LIMIT;
	if (vstart < vend)
		node_clear(pt, pt->root, PT_LEVELS - 1, 0, vstart, vend);
}

/* The run being gathered while walking. */
struct run_walk {
	mm_pt_run_fn fn;
	void *arg;
	uint64_t vpn, mpage, n;
	int rc;
};

static void run_add(struct run_walk *w, uint64_t vpn, uint64_t mpage)
{
	if (w->n && vpn == w->vpn + w->n && mpage == w->mpage + w->n) {
		w->n++;
		return;
	}
	if (w->n)
		w->rc = w->fn(w->vpn, w->mpage, w->n, w->arg);
	w->vpn = vpn;
	w->mpage = mpage;
	w->n = 1;
}

static void node_walk(const struct pt_node *n, int level, uint64_t base,
		      uint64_t lo, uint64_t hi, struct run_walk *w)
{
	uint64_t span = slot_span(level);
	unsigned first = lo > base ? (unsigned)((lo - base) / span) : 0;
	for (unsigned i = first; i < PT_FANOUT && w->rc == 0; i++) {
		uint64_t s = base + i * span;
		if (s >= hi)
			break;
		if (level == 0) {
			if (n->u.ent[i])
				run_add(w, s, n->u.ent[i] - 1);
		} else if (n->u.child[i]) {
			node_walk(n->u.child[i], level - 1, s, lo, hi, w);
		}
	}
}

int mm_pt_for_each_run(const struct mm_pagetable *pt, uint64_t vstart,
		       uint64_t vend, mm_pt_run_fn fn, void *arg)
{
	if (vend > MM_PT_VPN_LIMIT)
		vend = MM_PT_VPN_LIMIT;
	if (vstart >= vend || pt->count == 0)
		return 0;
	struct run_walk w = { .fn = fn, .arg = arg };
	node_walk(pt->root, PT_LEVELS - 1, 0, vstart, vend, &w);
	if (w.rc == 0 && w.n)
		w.rc = fn(w.vpn, w.mpage, w.n, arg);
	return w.rc;
}
