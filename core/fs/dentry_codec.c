/* Saving and restoring dentries (codec_type_dentry).
 *
 * Layout (version 1):
 *   str name; ref parent (dentry); ref inode (any inode kind);
 *   u32 flags (DENTRY_SAVED_FLAGS); u32 depth;
 *   u32 nchildren, nchildren x ref child (hashed children, in order)
 *
 * Loading checks what it can alone and records, in each listed child,
 * who listed it. The after-load hook (phase DENTRY_RESTORE_PHASE, when
 * every object is loaded) checks each dentry against its parent -- the
 * parent lists it exactly when it says so, its depth is one more than
 * the parent's (so parents form no cycle), pinned and negative entries
 * are listed children, a root with children is a mount's root -- and
 * then links its children into the name index. So every pinned dentry
 * is reachable from a mount root through hashed links, which is what
 * tearing a filesystem down walks. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/fs/dentry.h"
#include "core/fs/inode.h"

static uint32_t dentry_depth(const struct dentry *d)
{
	uint32_t n = 0;
	for (d = d->parent; d; d = d->parent)
		n++;
	return n;
}

static void dentry_save(struct encoder *enc, const void *obj)
{
	const struct dentry *d = obj;
	enc_str(enc, d->name);
	enc_ref(enc, &codec_type_dentry, d->parent);
	enc_ref(enc, d->inode ? d->inode->ops->codec_type : NULL, d->inode);
	enc_u32(enc, d->flags & DENTRY_SAVED_FLAGS);
	enc_u32(enc, dentry_depth(d));
	if (d->pending) {
		enc_u32(enc, d->npending);
		for (uint32_t i = 0; i < d->npending; i++)
			enc_ref(enc, &codec_type_dentry, d->pending[i]);
		return;
	}
	enc_u32(enc, d->nchildren);
	for (const struct dentry *c = d->first_child; c; c = c->next_sibling)
		enc_ref(enc, &codec_type_dentry, c);
}

static void load_inode(struct decoder *dec, struct dentry *d)
{
	const struct codec_type *type;
	struct inode *inode = dec_ref_any(dec, &type);
	if (inode && !inode_ops_of_type(type)) {
		dec_fail(dec, "dentry '%s' names a '%s', not an inode", d->name,
			 type->name);
		return;
	}
	d->inode = inode;
	if (inode)
		inode->refs++;
}

static void load_children(struct decoder *dec, struct dentry *d)
{
	uint32_t n = dec_count(dec, 4);
	if (!dec_ok(dec))
		return;
	d->pending = calloc((size_t)n + 1, sizeof(*d->pending));
	if (!d->pending) {
		dec_fail(dec, "out of memory for %u dentries", n);
		return;
	}
	for (uint32_t i = 0; i < n && dec_ok(dec); i++) {
		struct dentry *c = dec_ref(dec, &codec_type_dentry);
		if (!c || c->listed_by) {
			dec_fail(dec, "child %u of '%s' is missing or listed "
				 "twice", i, d->name);
			return;
		}
		c->listed_by = d;
		d->pending[d->npending++] = c;
	}
}

static void dentry_load(struct decoder *dec, void *obj)
{
	struct dentry *d = obj;
	/* refs is counted by whoever refers to d: children, the pin, open
	 * files, fs contexts and mounts, whether they load before or after. */
	d->name = dec_str(dec, NAME_MAX);
	if (dec_ok(dec) && (!d->name || !d->name[0]))
		dec_fail(dec, "dentry without a name");
	d->parent = dec_ref(dec, &codec_type_dentry);
	if (d->parent)
		d->parent->refs++;
	load_inode(dec, d);
	uint32_t flags = dec_u32(dec);
	if (flags & ~DENTRY_SAVED_FLAGS)
		dec_fail(dec, "dentry '%s' has unknown flags %#x",
			 d->name ? d->name : "", flags);
	d->flags |= flags & DENTRY_SAVED_FLAGS;
	if (d->flags & DENTRY_PINNED)
		d->refs++;
	d->depth = dec_u32(dec);
	load_children(dec, d);
}

/* A child's name must be a single path component. */
static bool child_name_ok(const char *name)
{
	return name && name[0] && strcmp(name, ".") && strcmp(name, "..") &&
	       !strchr(name, '/');
}

static const char *dentry_check(const struct dentry *d)
{
	const struct dentry *p = d->parent;
	bool whiteout = d->flags & DENTRY_WHITEOUT;
	if (p ? d->depth != p->depth + 1 : d->depth != 0)
		return "is at the wrong depth (a cycle of parents?)";
	if (p && (!p->inode || !S_ISDIR(p->inode->mode)))
		return "has a parent that is no directory";
	if (d->listed_by && d->listed_by != p)
		return "is listed by a directory that is not its parent";
	if (whiteout && d->inode)
		return "is a whiteout with an inode";
	if ((whiteout || (d->flags & DENTRY_PINNED)) && !d->listed_by)
		return "is pinned but in no directory";
	if (!d->inode && !whiteout)
		return "is negative";
	if (d->listed_by && p->parent && !p->listed_by)
		return "is listed in a removed directory";
	if (!p && d->npending && !d->mnt_roots)
		return "has children but is no mount's root";
	if (d->npending && (!d->inode || !S_ISDIR(d->inode->mode)))
		return "has children but is no directory";
	return NULL;
}

static int dentry_after_load(void *obj, void *ctx, struct error *err)
{
	(void)ctx;
	struct dentry *d = obj;
	const char *bad = dentry_check(d);
	if (bad)
		return error_set(err, EINVAL, "dentry '%s' %s", d->name, bad);
	for (uint32_t i = 0; i < d->npending; i++) {
		struct dentry *c = d->pending[i];
		if (!child_name_ok(c->name) || dentry_find_child(d, c->name))
			return error_set(err, EINVAL, "directory '%s': bad or "
					 "repeated entry name", d->name);
		dentry_add_child(d, c);
	}
	free(d->pending);
	d->pending = NULL;
	d->npending = 0;
	return 0;
}

/* Frees what load made; the children lists may be half linked, which
 * only concerns objects that are all being freed. */
static void dentry_release(void *obj)
{
	struct dentry *d = obj;
	free(d->name);
	free(d->pending);
	free(d->hash);
	d->name = NULL;
	d->pending = NULL;
	d->hash = NULL;
}

const struct codec_type codec_type_dentry = {
	.name = "dentry",
	.version = 1,
	.size = sizeof(struct dentry),
	.after_load_phase = DENTRY_RESTORE_PHASE,
	.save = dentry_save,
	.load = dentry_load,
	.after_load = dentry_after_load,
	.release = dentry_release,
};
