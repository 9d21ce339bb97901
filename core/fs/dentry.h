/* Dentries: the name cache. A dentry is a name in a directory (its
 * parent) bound to an inode, or negative. Children are kept in creation
 * order (readdir order) and, in big directories, hashed by name.
 *
 * For memory filesystems the dentry tree is the directory structure
 * itself: upper-layer entries and whiteouts are PINNED (the tree holds a
 * reference to them) and live until removed. Entries looked up in a
 * host lower layer are a cache: unpinned, they go away with their last
 * reference, and the next lookup asks the host again.
 *
 * References: a child holds one on its parent; the pin holds one; and
 * open files, fs contexts (cwd, root) and mounts hold theirs. A removed
 * (unlinked) dentry is unhashed -- no longer found by name -- but keeps
 * its parent and inode for as long as something holds it (an open file
 * of a deleted file).
 *
 * Serialized (codec_type_dentry): name, parent, inode, flags and the
 * list of hashed children, which the after-load hook (phase
 * DENTRY_RESTORE_PHASE) checks and links. */
#ifndef CORE_FS_DENTRY_H
#define CORE_FS_DENTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/kernel.h"
#include "snapshot/codec.h"

struct inode;

#define DENTRY_PINNED   0x1u   /* held by the tree: upper-layer state */
#define DENTRY_WHITEOUT 0x2u   /* negative, hides a lower-layer entry */
#define DENTRY_SAVED_FLAGS (DENTRY_PINNED | DENTRY_WHITEOUT)
#define DENTRY_HASHED   0x100u /* in its parent's children (not saved:
                                  being listed by the parent is that) */

/* After-load phases of the filesystem objects: dentries, mounts and
 * superblocks first (the tree is linked, lower roots reopened), then
 * inodes (their pages checked against the memory file), then open files
 * (host fds reopened). All before address spaces (10) and tasks (20). */
#define DENTRY_RESTORE_PHASE (KERNEL_RESTORE_PHASE + 1)
#define INODE_RESTORE_PHASE  (KERNEL_RESTORE_PHASE + 2)
#define FILE_RESTORE_PHASE   (KERNEL_RESTORE_PHASE + 3)

struct dentry {
	int refs;
	uint32_t flags;
	char *name;                /* "/" for a filesystem root */
	struct dentry *parent;     /* holds a reference; NULL for a root or
	                              an anonymous dentry (memfd) */
	struct inode *inode;       /* holds a reference; NULL: negative */
	int mounted;               /* mounts on this dentry */

	/* Hashed children, in creation order, and their name index. */
	struct dentry *first_child, *last_child;
	struct dentry *prev_sibling, *next_sibling;
	uint32_t nchildren;
	struct dentry **hash;      /* NULL while the directory is small */
	uint32_t hash_size;
	struct dentry *hash_next;

	/* Decode only: saved children, linked by after-load; who listed
	 * this dentry; the depth (distance from a root), which proves the
	 * parents form no cycle; how many mounts have it as their root. */
	struct dentry **pending;
	uint32_t npending;
	struct dentry *listed_by;
	uint32_t depth;
	uint32_t mnt_roots;
};

/* A new, unhashed, negative dentry named name under parent (which gets
 * a reference; NULL for roots and anonymous dentries), with one
 * reference for the caller. */
struct dentry *dentry_alloc(struct dentry *parent, const char *name);
void dentry_get(struct dentry *d);
/* Drops a reference; the last one frees the dentry, unhashing it and
 * dropping its inode and parent. */
void dentry_put(struct dentry *d);

/* Binds a negative dentry to inode (taking the caller's reference). */
void dentry_instantiate(struct dentry *d, struct inode *inode);

/* The cached child of dir named name (a whiteout included), without a
 * new reference; NULL if none. */
struct dentry *dentry_find_child(const struct dentry *dir, const char *name);
/* Hashes child (whose parent is dir) into dir; the name must be free. */
void dentry_add_child(struct dentry *dir, struct dentry *child);
/* Unhashes d from its parent; it keeps its parent and inode. */
void dentry_unhash(struct dentry *d);

/* Pinning: the tree holds d (upper-layer state) / lets go of it. */
void dentry_pin(struct dentry *d);
void dentry_unpin(struct dentry *d);

/* Moves hashed d to name under new_parent (rename), replacing nothing:
 * the caller has removed what was there. */
void dentry_move(struct dentry *d, struct dentry *new_parent,
		 const char *name);
/* Swaps the places of two hashed dentries (RENAME_EXCHANGE). */
void dentry_exchange(struct dentry *a, struct dentry *b);

/* True if a is d or one of its ancestors. */
bool dentry_is_ancestor(const struct dentry *a, const struct dentry *d);

static inline bool dentry_hashed(const struct dentry *d)
{
	return d->flags & DENTRY_HASHED;
}

/* Unpins every pinned dentry under root (root included), children
 * first, without recursion: the teardown of a filesystem tree. */
void dentry_unpin_tree(struct dentry *root);

extern const struct codec_type codec_type_dentry;

#endif
