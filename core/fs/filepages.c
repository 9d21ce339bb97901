/* The radix page index of memory-backed files. See filepages.h. */
#include "core/fs/filepages.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/memfile.h"

#define FP_BITS 6
#define FP_FANOUT (1u << FP_BITS)
#define FP_MAX_HEIGHT 6            /* FP_MAX_HEIGHT * FP_BITS = 36 bits */

/* Leaf entries hold mpage + 1, so that zero means a hole. */
struct fp_node {
	uint32_t used;             /* non-empty slots */
	union {
		struct fp_node *child[FP_FANOUT];
		uint64_t ent[FP_FANOUT];
	} u;
};

static struct fp_node *node_new(void)
{
	struct fp_node *n = calloc(1, sizeof(*n));
	if (!n) {
		fputs("snapctl: out of memory (file page index)\n", stderr);
		abort();
	}
	return n;
}

/* Indexes one slot of a node at this level (0 = leaf) spans. */
static uint64_t slot_span(unsigned level)
{
	return 1ull << (level * FP_BITS);
}

static unsigned slot(uint64_t idx, unsigned level)
{
	return (unsigned)(idx >> (level * FP_BITS)) & (FP_FANOUT - 1);
}

bool filepages_lookup(const struct filepages *fp, uint64_t idx,
		      uint64_t *mpage)
{
	if (!fp->root || idx >= slot_span(fp->height))
		return false;
	const struct fp_node *n = fp->root;
	for (unsigned level = fp->height - 1; level > 0; level--) {
		n = n->u.child[slot(idx, level)];
		if (!n)
			return false;
	}
	uint64_t e = n->u.ent[slot(idx, 0)];
	if (!e)
		return false;
	*mpage = e - 1;
	return true;
}

void filepages_set(struct filepages *fp, uint64_t idx, uint64_t mpage)
{
	if (idx >= FILEPAGES_INDEX_LIMIT)
		abort();               /* callers bound the file size */
	if (!fp->root) {
		fp->root = node_new();
		fp->height = 1;
	}
	while (idx >= slot_span(fp->height)) {
		struct fp_node *top = node_new();
		top->u.child[0] = fp->root;
		top->used = 1;
		fp->root = top;
		fp->height++;
	}
	struct fp_node *n = fp->root;
	for (unsigned level = fp->height - 1; level > 0; level--) {
		struct fp_node **c = &n->u.child[slot(idx, level)];
		if (!*c) {
			*c = node_new();
			n->used++;
		}
		n = *c;
	}
	uint64_t *e = &n->u.ent[slot(idx, 0)];
	if (!*e) {
		n->used++;
		fp->count++;
	}
	*e = mpage + 1;
}

/* ---- walking runs ------------------------------------------------------ */

struct run_walk {
	filepages_run_fn fn;
	void *arg;
	uint64_t idx, mpage, n;
	int rc;
};

static void run_add(struct run_walk *w, uint64_t idx, uint64_t mpage)
{
	if (w->n && idx == w->idx + w->n && mpage == w->mpage + w->n) {
		w->n++;
		return;
	}
	if (w->n)
		w->rc = w->fn(w->idx, w->mpage, w->n, w->arg);
	w->idx = idx;
	w->mpage = mpage;
	w->n = 1;
}

static void node_walk(const struct fp_node *n, unsigned level, uint64_t base,
		      uint64_t lo, uint64_t hi, struct run_walk *w)
{
	uint64_t span = slot_span(level);
	unsigned first = lo > base ? (unsigned)((lo - base) / span) : 0;
	for (unsigned i = first; i < FP_FANOUT && w->rc == 0; i++) {
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

int filepages_for_each_run(const struct filepages *fp, uint64_t lo,
			   uint64_t hi, filepages_run_fn fn, void *arg)
{
	if (!fp->root || lo >= hi)
		return 0;
	struct run_walk w = { .fn = fn, .arg = arg };
	node_walk(fp->root, fp->height - 1, 0, lo, hi, &w);
	if (w.rc == 0 && w.n)
		w.rc = fn(w.idx, w.mpage, w.n, arg);
	return w.rc;
}

/* ---- truncation ---------------------------------------------------------- */

static int unref_run(uint64_t idx, uint64_t mpage, uint64_t n, void *arg)
{
	(void)idx;
	memfile_unref(arg, mpage, n);
	return 0;
}

/* Clears the slots at or above from under n (covering base..); frees the
 * children that become empty. */
static void node_clear(struct filepages *fp, struct fp_node *n,
		       unsigned level, uint64_t base, uint64_t from)
{
	uint64_t span = slot_span(level);
	unsigned first = from > base ? (unsigned)((from - base) / span) : 0;
	for (unsigned i = first; i < FP_FANOUT && n->used; i++) {
		if (level == 0) {
			if (n->u.ent[i]) {
				n->u.ent[i] = 0;
				n->used--;
				fp->count--;
			}
			continue;
		}
		struct fp_node *c = n->u.child[i];
		if (!c)
			continue;
		node_clear(fp, c, level - 1, base + i * span, from);
		if (c->used == 0) {
			free(c);
			n->u.child[i] = NULL;
			n->used--;
		}
	}
}

void filepages_truncate(struct filepages *fp, struct memfile *mf,
			uint64_t idx)
{
	if (!fp->root || idx >= slot_span(fp->height))
		return;
	if (mf)
		filepages_for_each_run(fp, idx, slot_span(fp->height),
				       unref_run, mf);
	node_clear(fp, fp->root, fp->height - 1, 0, idx);
	if (fp->root->used == 0) {
		free(fp->root);
		fp->root = NULL;
		fp->height = 0;
	}
}
