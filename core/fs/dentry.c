/* The dentry cache. See dentry.h. */
#include "core/fs/dentry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fs/inode.h"

/* Directories with more children than this get a name index. */
#define DENTRY_HASH_MIN 16u

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p) {
		fputs("snapctl: out of memory (dentry cache)\n", stderr);
		abort();
	}
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p) {
		fputs("snapctl: out of memory (dentry cache)\n", stderr);
		abort();
	}
	return p;
}

struct dentry *dentry_alloc(struct dentry *parent, const char *name)
{
	struct dentry *d = xcalloc(1, sizeof(*d));
	d->refs = 1;
	d->name = xstrdup(name);
	d->parent = parent;
	if (parent)
		dentry_get(parent);
	return d;
}

void dentry_get(struct dentry *d)
{
	d->refs++;
}

void dentry_put(struct dentry *d)
{
	/* Iterative: freeing a deep chain of unpinned lower entries must
	 * not recurse once per level. */
	while (d && --d->refs == 0) {
		struct dentry *parent = d->parent;
		if (dentry_hashed(d))
			dentry_unhash(d);
		if (d->inode)
			inode_put(d->inode);
		free(d->hash);
		free(d->pending);
		free(d->name);
		free(d);
		d = parent;
	}
}

void dentry_instantiate(struct dentry *d, struct inode *inode)
{
	d->inode = inode;
	d->flags &= ~DENTRY_WHITEOUT;
}

/* ---- the children index --------------------------------------------------- */

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;          /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static void hash_insert(struct dentry *dir, struct dentry *c)
{
	uint32_t b = name_hash(c->name) & (dir->hash_size - 1);
	c->hash_next = dir->hash[b];
	dir->hash[b] = c;
}

static void hash_rebuild(struct dentry *dir, uint32_t size)
{
	free(dir->hash);
	dir->hash = xcalloc(size, sizeof(*dir->hash));
	dir->hash_size = size;
	for (struct dentry *c = dir->first_child; c; c = c->next_sibling)
		hash_insert(dir, c);
}

static void hash_remove(struct dentry *dir, struct dentry *c)
{
	struct dentry **pp = &dir->hash[name_hash(c->name) & (dir->hash_size - 1)];
	while (*pp && *pp != c)
		pp = &(*pp)->hash_next;
	if (*pp)
		*pp = c->hash_next;
	c->hash_next = NULL;
}

struct dentry *dentry_find_child(const struct dentry *dir, const char *name)
{
	if (dir->hash) {
		struct dentry *c = dir->hash[name_hash(name) & (dir->hash_size - 1)];
		for (; c; c = c->hash_next)
			if (!strcmp(c->name, name))
				return c;
		return NULL;
	}
	for (struct dentry *c = dir->first_child; c; c = c->next_sibling)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

void dentry_add_child(struct dentry *dir, struct dentry *child)
{
	child->prev_sibling = dir->last_child;
	child->next_sibling = NULL;
	if (dir->last_child)
		dir->last_child->next_sibling = child;
	else
		dir->first_child = child;
	dir->last_child = child;
	dir->nchildren++;
	child->flags |= DENTRY_HASHED;
	if (dir->hash && dir->nchildren <= dir->hash_size)
		hash_insert(dir, child);
	else if (dir->nchildren > DENTRY_HASH_MIN)
		hash_rebuild(dir, dir->hash_size ? dir->hash_size * 2
						 : DENTRY_HASH_MIN * 2);
}

void dentry_unhash(struct dentry *d)
{
	struct dentry *dir = d->parent;
	if (!dentry_hashed(d) || !dir)
		return;
	if (dir->hash)
		hash_remove(dir, d);
	if (d->prev_sibling)
		d->prev_sibling->next_sibling = d->next_sibling;
	else
		dir->first_child = d->next_sibling;
	if (d->next_sibling)
		d->next_sibling->prev_sibling = d->prev_sibling;
	else
		dir->last_child = d->prev_sibling;
	d->prev_sibling = d->next_sibling = NULL;
	dir->nchildren--;
	d->flags &= ~DENTRY_HASHED;
}

/* ---- pinning and moving ------------------------------------------------- */

void dentry_pin(struct dentry *d)
{
	if (d->flags & DENTRY_PINNED)
		return;
	d->flags |= DENTRY_PINNED;
	dentry_get(d);
}

void dentry_unpin(struct dentry *d)
{
	if (!(d->flags & DENTRY_PINNED))
		return;
	d->flags &= ~DENTRY_PINNED;
	dentry_put(d);
}

void dentry_move(struct dentry *d, struct dentry *new_parent,
		 const char *name)
{
	struct dentry *old_parent = d->parent;
	dentry_unhash(d);
	if (strcmp(d->name, name) != 0) {
		free(d->name);
		d->name = xstrdup(name);
	}
	if (new_parent != old_parent) {
		dentry_get(new_parent);
		d->parent = new_parent;
	}
	dentry_add_child(new_parent, d);
	if (new_parent != old_parent)
		dentry_put(old_parent);
}

void dentry_exchange(struct dentry *a, struct dentry *b)
{
	dentry_unhash(a);
	dentry_unhash(b);
	/* Each parent keeps one child reference: the pointers just swap. */
	struct dentry *pa = a->parent;
	char *na = a->name;
	a->parent = b->parent;
	a->name = b->name;
	b->parent = pa;
	b->name = na;
	dentry_add_child(a->parent, a);
	dentry_add_child(b->parent, b);
}

bool dentry_is_ancestor(const struct dentry *a, const struct dentry *d)
{
	for (; d; d = d->parent)
		if (d == a)
			return true;
	return false;
}

void dentry_unpin_tree(struct dentry *root)
{
	/* Post-order walk holding a reference on every dentry of the path
	 * from root, so unpinning one never frees one still to be visited. */
	dentry_get(root);
	struct dentry *d = root;
	bool descend = true;
	for (;;) {
		if (descend && d->first_child) {
			d = d->first_child;
			dentry_get(d);
			continue;
		}
		dentry_unpin(d);
		if (d == root) {
			dentry_put(d);
			return;
		}
		struct dentry *parent = d->parent, *next = d->next_sibling;
		if (next)
			dentry_get(next);
		dentry_put(d);
		d = next ? next : parent;
		descend = next != NULL;
	}
}
