/* memfs directories: entries are dentries; a directory with a lower path
 * merges the host directory's entries, which removals hide with
 * whiteouts. The VFS has checked permissions, existence and types. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fs/dir_listing.h"
#include "core/fs/memfs_internal.h"

int memfs_lookup(struct dentry *dir, const char *name, struct dentry **out)
{
	struct memfs_inode *di = MEMFS_I(dir->inode);
	if (!di->lower)
		return -ENOENT;        /* every upper entry is in the cache */
	char *rel = memfs_lower_join(di->lower, name);
	if (!rel)
		return -ENOMEM;
	struct memfs_inode *mi;
	int rc = memfs_lower_inode(dir->inode->sb, rel, &mi);
	free(rel);
	if (rc < 0)
		return rc;
	struct dentry *d = dentry_alloc(dir, name);
	dentry_instantiate(d, &mi->vfs);
	dentry_add_child(dir, d);
	*out = d;
	return 0;
}

/* The dentry to hold a new entry name in dir: a whiteout cached there,
 * or a new one. With a reference. */
static struct dentry *new_entry(struct dentry *dir, const char *name)
{
	struct dentry *d = dentry_find_child(dir, name);
	if (d) {
		dentry_get(d);
		return d;
	}
	d = dentry_alloc(dir, name);
	dentry_add_child(dir, d);
	return d;
}

/* Leaves a whiteout for name in dir when the lower layer has it, so
 * the host's entry stays hidden. name must be free in dir. */
static void whiteout_if_lower(struct dentry *dir, const char *name)
{
	struct memfs_inode *di = MEMFS_I(dir->inode);
	if (!di->lower)
		return;
	char *rel = memfs_lower_join(di->lower, name);
	bool lower = !rel || memfs_lower_exists(dir->inode->sb, rel);
	free(rel);
	if (!lower)
		return;
	struct dentry *w = dentry_alloc(dir, name);
	w->flags |= DENTRY_WHITEOUT;
	dentry_add_child(dir, w);
	dentry_pin(w);
	dentry_put(w);
}

/* Takes d out of its directory (it lives on while referenced). */
static void drop_entry(struct dentry *d)
{
	dentry_unhash(d);
	dentry_unpin(d);
}

/* A removed directory's whiteouts go with it. */
static void drop_whiteouts(struct dentry *dir)
{
	for (struct dentry *c = dir->first_child, *next; c; c = next) {
		next = c->next_sibling;
		if (c->flags & DENTRY_WHITEOUT)
			drop_entry(c);
	}
}

static void dir_changed(struct dentry *dir)
{
	inode_touch(dir->inode, INODE_MTIME | INODE_CTIME);
	memfs_dirty(dir);
}

int memfs_create(struct dentry *dir, const char *name,
		 const struct create_args *a, struct dentry **out)
{
	struct memfs_inode *mi = memfs_inode_new(dir->inode->sb, a);
	if (!mi)
		return -ENOMEM;
	struct dentry *d = new_entry(dir, name);
	dentry_instantiate(d, &mi->vfs);
	memfs_dirty(d);
	if (S_ISDIR(a->mode))
		dir->inode->nlink++;
	dir_changed(dir);
	*out = d;
	return 0;
}

int memfs_link(struct dentry *old, struct dentry *dir, const char *name)
{
	struct inode *i = old->inode;
	struct dentry *d = new_entry(dir, name);
	inode_get(i);
	dentry_instantiate(d, i);
	memfs_dirty(d);
	/* Both names now share state the lower layer does not have. */
	memfs_dirty(old);
	i->nlink++;
	inode_touch(i, INODE_CTIME);
	dir_changed(dir);
	dentry_put(d);
	return 0;
}

int memfs_unlink(struct dentry *dir, struct dentry *victim)
{
	struct inode *i = victim->inode;
	if (i->nlink)
		i->nlink--;
	inode_touch(i, INODE_CTIME);
	drop_entry(victim);
	whiteout_if_lower(dir, victim->name);
	dir_changed(dir);
	return 0;
}

int memfs_rmdir(struct dentry *dir, struct dentry *victim)
{
	drop_whiteouts(victim);
	victim->inode->nlink = 0;
	if (dir->inode->nlink > 2)
		dir->inode->nlink--;
	drop_entry(victim);
	whiteout_if_lower(dir, victim->name);
	dir_changed(dir);
	return 0;
}

/* Link counts of directories when a directory changes parents. */
static void moved_dir(struct dentry *d, struct dentry *from, struct dentry *to)
{
	if (from == to || !S_ISDIR(d->inode->mode))
		return;
	if (from->inode->nlink > 2)
		from->inode->nlink--;
	to->inode->nlink++;
}

static int exchange(struct dentry *odir, struct dentry *a, struct dentry *ndir,
		    struct dentry *b)
{
	dentry_exchange(a, b);
	memfs_dirty(a);
	memfs_dirty(b);
	moved_dir(a, odir, ndir);
	moved_dir(b, ndir, odir);
	inode_touch(a->inode, INODE_CTIME);
	inode_touch(b->inode, INODE_CTIME);
	dir_changed(odir);
	dir_changed(ndir);
	return 0;
}

/* Removes what rename replaces: a positive target, or a whiteout. */
static void drop_target(struct dentry *ndir, const char *name,
			struct dentry *target)
{
	if (!target) {
		struct dentry *w = dentry_find_child(ndir, name);
		if (w)
			drop_entry(w);
		return;
	}
	struct inode *i = target->inode;
	if (S_ISDIR(i->mode)) {
		drop_whiteouts(target);
		i->nlink = 0;
		if (ndir->inode->nlink > 2)
			ndir->inode->nlink--;
	} else if (i->nlink) {
		i->nlink--;
	}
	inode_touch(i, INODE_CTIME);
	drop_entry(target);
}

int memfs_rename(struct dentry *odir, struct dentry *old, struct dentry *ndir,
		 const char *name, struct dentry *target, unsigned flags)
{
	if (flags & RENAME_EXCHANGE)
		return exchange(odir, old, ndir, target);
	char *oldname = strdup(old->name);
	if (!oldname)
		return -ENOMEM;
	drop_target(ndir, name, target);
	dentry_move(old, ndir, name);
	memfs_dirty(old);
	moved_dir(old, odir, ndir);
	whiteout_if_lower(odir, oldname);
	free(oldname);
	inode_touch(old->inode, INODE_CTIME);
	dir_changed(odir);
	dir_changed(ndir);
	return 0;
}

int memfs_readdir(struct dentry *dir, struct dir_listing *out)
{
	struct inode *i = dir->inode;
	const struct dentry *up = dir->parent ? dir->parent : dir;
	int rc = dir_listing_add(out, ".", i->ino, DT_DIR);
	if (rc == 0)
		rc = dir_listing_add(out, "..", up->inode ? up->inode->ino
							   : i->ino, DT_DIR);
	if (i->nlink == 0)
		return rc;                  /* removed: nothing else */
	for (struct dentry *c = dir->first_child; c && rc == 0;
	     c = c->next_sibling)
		if (c->inode)
			rc = dir_listing_add(out, c->name, c->inode->ino,
					     (uint8_t)IFTODT(c->inode->mode));
	struct memfs_inode *mi = MEMFS_I(i);
	if (rc == 0 && mi->lower)
		rc = memfs_lower_readdir(dir, mi->lower, out);
	return rc;
}

bool memfs_is_empty(struct dentry *dir)
{
	for (struct dentry *c = dir->first_child; c; c = c->next_sibling)
		if (c->inode)
			return false;
	struct memfs_inode *mi = MEMFS_I(dir->inode);
	return !mi->lower || !memfs_lower_has_entries(dir, mi->lower);
}
