/* The mount table of a kernel and its setup. See vfs.h. */
#include "core/fs/vfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "core/fs/dentry.h"
#include "core/fs/devfs.h"
#include "core/fs/fs_context.h"
#include "core/fs/memfs.h"
#include "core/fs/namei.h"
#include "core/fs/procfs.h"
#include "core/fs/super.h"
#include "core/task.h"

/* Anonymous devices (major 0) get minors from here, like Linux's. */
#define VFS_FIRST_DEV_MINOR 0x30
#define VFS_FIRST_MNT_ID 20

struct path vfs_root(const struct vfs *v)
{
	return (struct path){ v->mounts, v->mounts ? v->mounts->root : NULL };
}

bool vfs_root_is_host(const struct vfs *v)
{
	struct superblock *sb = v && v->mounts ? v->mounts->sb : NULL;
	return sb && sb->ops == &memfs_overlay_ops &&
	       !strcmp(MEMFS_SB(sb)->lower_root, "/");
}

uint64_t vfs_new_dev(struct vfs *v)
{
	return makedev(0, v->next_dev++);
}

static struct mount *mount_new(struct vfs *v, struct superblock *sb,
			       struct dentry *root, const char *source,
			       uint32_t flags)
{
	struct mount *m = calloc(1, sizeof(*m));
	if (!m || !(m->source = strdup(source))) {
		free(m);
		return NULL;
	}
	m->refs = 1;
	m->id = v->next_mnt_id++;
	m->flags = flags;
	m->sb = sb;
	m->root = root;
	return m;
}

static void table_append(struct vfs *v, struct mount *m)
{
	struct mount **tail = &v->mounts;
	while (*tail)
		tail = &(*tail)->next;
	*tail = m;
}

int vfs_mount(struct vfs *v, const struct path *at, struct superblock *sb,
	      struct dentry *root, const char *source, uint32_t flags)
{
	if (!at->dentry->inode || !S_ISDIR(at->dentry->inode->mode))
		return -ENOTDIR;
	struct mount *m = mount_new(v, sb, root, source, flags);
	if (!m)
		return -ENOMEM;
	m->parent = at->mnt;
	m->mountpoint = at->dentry;
	path_get(at);
	at->dentry->mounted++;
	table_append(v, m);
	return 0;
}

/* The directory name under dir, made (upper, root's, 0755) if missing:
 * mountpoints a lower root may lack. With a reference. */
static int kernel_mkdir(struct dentry *dir, const char *name,
			struct dentry **out)
{
	int rc = vfs_lookup_child(dir, name, out);
	if (rc != -ENOENT)
		return rc;
	struct create_args a = { .mode = S_IFDIR | 0755 };
	return dir->inode->ops->create(dir, name, &a, out);
}

/* The filesystems the kernel mounts at boot. */
enum boot_fs { BOOT_TMPFS, BOOT_DEVFS, BOOT_PROC, BOOT_SYSFS };
static const char *const source_names[] = {
	[BOOT_TMPFS] = "tmpfs", [BOOT_DEVFS] = "devtmpfs",
	[BOOT_PROC] = "proc", [BOOT_SYSFS] = "sysfs",
};

static int make_fs(struct vfs *v, enum boot_fs kind, uint32_t mode,
		   struct superblock **sb, struct dentry **root)
{
	uint64_t dev = vfs_new_dev(v);
	switch (kind) {
	case BOOT_DEVFS:
		return devfs_create(v->kernel, dev, sb, root);
	case BOOT_PROC:
		return procfs_create(v->kernel, dev, PROCFS_PROC, sb, root);
	case BOOT_SYSFS:
		return procfs_create(v->kernel, dev, PROCFS_SYS, sb, root);
	default:
		return memfs_create_tmpfs(v->kernel, dev, mode, sb, root);
	}
}

/* Mounts a new filesystem of kind (a tmpfs's root has mode) on path, a
 * list of names below the root, made where missing. */
static int mount_fs(struct vfs *v, enum boot_fs kind,
		    const char *const *names, uint32_t mode, uint32_t flags)
{
	struct path at = vfs_root(v);
	path_get(&at);
	int rc = 0;
	for (; *names && rc == 0; names++) {
		struct dentry *d;
		rc = kernel_mkdir(at.dentry, *names, &d);
		if (rc == 0) {
			dentry_put(at.dentry);
			at.dentry = d;
			path_follow_mounts(&at, v->mounts);
		}
	}
	struct superblock *sb;
	struct dentry *root;
	if (rc == 0)
		rc = make_fs(v, kind, mode, &sb, &root);
	if (rc == 0) {
		rc = vfs_mount(v, &at, sb, root, source_names[kind], flags);
		if (rc < 0) {
			dentry_put(root);
			super_put(sb);
		}
	}
	path_put(&at);
	return rc;
}

static int make_mounts(struct vfs *v, const char *lower_root,
		       struct error *err)
{
	struct superblock *sb;
	struct dentry *root;
	int rc = memfs_create_overlay(v->kernel, vfs_new_dev(v), lower_root,
				      &sb, &root, err);
	if (rc < 0)
		return rc;
	struct mount *m = mount_new(v, sb, root, "overlay", 0);
	if (!m) {
		dentry_put(root);
		super_put(sb);
		return error_set(err, ENOMEM, "out of memory");
	}
	table_append(v, m);
	/* tmpfs on /dev/shm, and on /tmp when the root is a chosen
	 * directory, mode 1777 as on Linux. With the host's / as root, /tmp
	 * stays part of the overlay, like the rest of /: the host's files
	 * there show through read-only (programs and projects live there
	 * too) and the sandbox's writes stay in memory. The sandbox's own
	 * /dev (devfs.c), /proc and /sys (procfs.h) hide the host's, which
	 * describe the host and snapctl, not the sandbox. */
	static const char *const tmp[] = { "tmp", NULL };
	static const char *const dev[] = { "dev", NULL };
	static const char *const shm[] = { "dev", "shm", NULL };
	static const char *const proc[] = { "proc", NULL };
	static const char *const sys[] = { "sys", NULL };
	unsigned fl = MS_NOSUID | MS_NODEV;
	unsigned pfl = fl | MS_NOEXEC;
	bool host_root = strcmp(lower_root, "/") == 0;
	if ((!host_root &&
	     (rc = mount_fs(v, BOOT_TMPFS, tmp, 01777, fl)) < 0) ||
	    (rc = mount_fs(v, BOOT_DEVFS, dev, 0755, MS_NOSUID)) < 0 ||
	    (rc = mount_fs(v, BOOT_TMPFS, shm, 01777, fl)) < 0 ||
	    (rc = mount_fs(v, BOOT_PROC, proc, 0555, pfl)) < 0 ||
	    (rc = mount_fs(v, BOOT_SYSFS, sys, 0555, pfl)) < 0)
		return error_set_errno(err, -rc, "mounting /dev, /proc, /sys, tmpfs");
	rc = memfs_create_tmpfs(v->kernel, vfs_new_dev(v), 01777, &sb, &root);
	if (rc == 0 && !(v->anon = mount_new(v, sb, root, "tmpfs", 0))) {
		dentry_put(root);
		super_put(sb);
		rc = -ENOMEM;
	}
	return rc < 0 ? error_set_errno(err, -rc, "memfd filesystem") : 0;
}

int vfs_create(struct kernel *k, const char *lower_root, struct vfs **out,
	       struct error *err)
{
	struct vfs *v = calloc(1, sizeof(*v));
	if (!v)
		return error_set(err, ENOMEM, "out of memory");
	v->kernel = k;
	v->next_dev = VFS_FIRST_DEV_MINOR;
	v->next_mnt_id = VFS_FIRST_MNT_ID;
	int rc = make_mounts(v, lower_root ? lower_root : "/", err);
	if (rc < 0) {
		vfs_destroy(v);
		return rc;
	}
	*out = v;
	return 0;
}

void vfs_destroy(struct vfs *v)
{
	if (!v)
		return;
	/* The trees hold their pinned entries; once those are let go,
	 * dropping the mounts frees everything nothing else holds. */
	for (struct mount *m = v->mounts; m; m = m->next)
		dentry_unpin_tree(m->root);
	if (v->anon)
		dentry_unpin_tree(v->anon->root);
	for (struct mount *m = v->mounts, *next; m; m = next) {
		next = m->next;
		mount_put(m);
	}
	mount_put(v->anon);
	free(v);
}

int vfs_setup_task(struct vfs *v, struct task *t, const char *cwd)
{
	struct path root = vfs_root(v);
	t->fs = fs_context_create(&root);
	if (!t->fs)
		return -ENOMEM;
	struct path p;
	if (cwd && namei(t, AT_FDCWD, cwd, WALK_FOLLOW | WALK_DIRECTORY,
			 &p) == 0) {
		path_set(&t->fs->cwd, &p);
		path_put(&p);
	}
	return 0;
}

/* ---- serialization ---------------------------------------------------- */

/* Layout (version 1): u32 next_dev, next_mnt_id; u32 nmounts, nmounts x
 * ref mount (the root mount first); ref anon mount. */
static void vfs_save(struct encoder *enc, const void *obj)
{
	const struct vfs *v = obj;
	enc_u32(enc, v->next_dev);
	enc_u32(enc, v->next_mnt_id);
	uint32_t n = 0;
	for (const struct mount *m = v->mounts; m; m = m->next)
		n++;
	enc_u32(enc, n);
	for (const struct mount *m = v->mounts; m; m = m->next)
		enc_ref(enc, &codec_type_mount, m);
	enc_ref(enc, &codec_type_mount, v->anon);
}

static void list_mount(struct decoder *dec, struct mount *m, uint32_t i)
{
	if (!m || m->listed) {
		dec_fail(dec, "mount table entry %u is missing or repeated", i);
		return;
	}
	m->listed = true;
	m->refs++;
}

static void vfs_load(struct decoder *dec, void *obj)
{
	struct vfs *v = obj;
	v->next_dev = dec_u32(dec);
	v->next_mnt_id = dec_u32(dec);
	uint32_t n = dec_count(dec, 4);
	if (dec_ok(dec) && n == 0)
		dec_fail(dec, "no root mount");
	struct mount **tail = &v->mounts;
	for (uint32_t i = 0; i < n && dec_ok(dec); i++) {
		struct mount *m = dec_ref(dec, &codec_type_mount);
		list_mount(dec, m, i);
		if (!dec_ok(dec))
			return;
		*tail = m;
		tail = &m->next;
	}
	v->anon = dec_ref(dec, &codec_type_mount);
	if (v->anon)
		list_mount(dec, v->anon, n);
}

/* The mount tree must be a tree: the root mount has no parent, every
 * other mount's parents lead to it, and each mountpoint is a dentry of
 * its parent mount's filesystem tree. (Mount and dentry after-loads, in
 * the phase before, have checked roots and dentry parents.) */
static const char *check_tree(const struct vfs *v)
{
	uint32_t n = 0;
	for (const struct mount *m = v->mounts; m; m = m->next)
		n++;
	if (v->mounts->parent || (v->anon && v->anon->parent))
		return "the root mount has a parent";
	for (const struct mount *m = v->mounts->next; m; m = m->next) {
		const struct mount *p = m;
		for (uint32_t k = 0; p->parent && k <= n; k++)
			p = p->parent;
		if (p != v->mounts)
			return "a mount is not under the root mount";
		const struct dentry *d = m->mountpoint;
		while (d->parent)
			d = d->parent;
		if (d != m->parent->root)
			return "a mountpoint is outside its parent mount";
	}
	return NULL;
}

static int vfs_after_load(void *obj, void *ctx, struct error *err)
{
	struct vfs *v = obj;
	v->kernel = kernel_restoring(ctx);
	const char *bad = check_tree(v);
	return bad ? error_set(err, EINVAL, "mount table: %s", bad) : 0;
}

const struct codec_type codec_type_vfs = {
	.name = "vfs",
	.version = 1,
	.size = sizeof(struct vfs),
	.after_load_phase = INODE_RESTORE_PHASE,
	.save = vfs_save,
	.load = vfs_load,
	.after_load = vfs_after_load,
};
