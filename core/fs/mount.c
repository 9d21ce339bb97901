/* Mounts and paths. See mount.h. */
#include "core/fs/mount.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "core/fs/dentry.h"
#include "core/fs/inode.h"
#include "core/fs/super.h"

void mount_get(struct mount *m)
{
	m->refs++;
}

void mount_put(struct mount *m)
{
	if (!m || --m->refs > 0)
		return;
	struct mount *parent = m->parent;
	if (m->mountpoint) {
		m->mountpoint->mounted--;
		dentry_put(m->mountpoint);
	}
	dentry_put(m->root);
	super_put(m->sb);
	free(m->source);
	free(m);
	mount_put(parent);
}

void path_get(const struct path *p)
{
	if (p->mnt)
		mount_get(p->mnt);
	if (p->dentry)
		dentry_get(p->dentry);
}

void path_put(struct path *p)
{
	if (p->dentry)
		dentry_put(p->dentry);
	if (p->mnt)
		mount_put(p->mnt);
	p->dentry = NULL;
	p->mnt = NULL;
}

void path_set(struct path *dst, const struct path *src)
{
	struct path old = *dst;
	path_get(src);
	*dst = *src;
	path_put(&old);
}

/* The topmost mount on (parent, mountpoint): the last one in the table. */
static struct mount *mounted_on(const struct path *p, const struct mount *list)
{
	struct mount *top = NULL;
	for (const struct mount *m = list; m; m = m->next)
		if (m->parent == p->mnt && m->mountpoint == p->dentry)
			top = (struct mount *)m;
	return top;
}

void path_follow_mounts(struct path *p, const struct mount *mounts)
{
	while (p->dentry->mounted) {
		struct mount *m = mounted_on(p, mounts);
		if (!m)
			return;
		struct path in = { m, m->root };
		path_set(p, &in);
	}
}

void path_up(struct path *p, const struct path *root,
	     const struct mount *mounts)
{
	for (;;) {
		if (path_equal(p, root))
			return;
		if (p->dentry != p->mnt->root) {
			if (!p->dentry->parent)
				return;
			struct path up = { p->mnt, p->dentry->parent };
			path_set(p, &up);
			break;
		}
		if (!p->mnt->parent)
			return;
		struct path below = { p->mnt->parent, p->mnt->mountpoint };
		path_set(p, &below);
	}
	path_follow_mounts(p, mounts);
}

/* ---- serialization ------------------------------------------------------ */

void path_save(struct encoder *enc, const struct path *p)
{
	enc_ref(enc, &codec_type_mount, p->mnt);
	enc_ref(enc, &codec_type_dentry, p->dentry);
}

void path_load(struct decoder *dec, struct path *p)
{
	p->mnt = dec_ref(dec, &codec_type_mount);
	p->dentry = dec_ref(dec, &codec_type_dentry);
	if (!p->mnt != !p->dentry) {
		dec_fail(dec, "half a path");
		p->mnt = NULL;
		p->dentry = NULL;
		return;
	}
	if (p->mnt) {
		p->mnt->refs++;
		p->dentry->refs++;
	}
}

/* Layout (version 1): u32 id, flags; ref superblock (any kind); ref root;
 * ref parent; ref mountpoint; str source. */
static void mount_save(struct encoder *enc, const void *obj)
{
	const struct mount *m = obj;
	enc_u32(enc, m->id);
	enc_u32(enc, m->flags);
	super_enc_ref(enc, m->sb);
	enc_ref(enc, &codec_type_dentry, m->root);
	enc_ref(enc, &codec_type_mount, m->parent);
	enc_ref(enc, &codec_type_dentry, m->mountpoint);
	enc_str(enc, m->source);
}

static void mount_load(struct decoder *dec, void *obj)
{
	struct mount *m = obj;
	m->id = dec_u32(dec);
	m->flags = dec_u32(dec);
	m->sb = super_dec_ref(dec);
	m->root = dec_ref(dec, &codec_type_dentry);
	m->parent = dec_ref(dec, &codec_type_mount);
	m->mountpoint = dec_ref(dec, &codec_type_dentry);
	m->source = dec_str(dec, 256);
	if (!dec_ok(dec))
		return;
	if (!m->sb || !m->root || !m->parent != !m->mountpoint) {
		dec_fail(dec, "mount %u is incomplete", m->id);
		return;
	}
	/* References are counted here, and the root's and mountpoint's
	 * marks, whichever of them loads first. */
	m->sb->refs++;
	m->root->refs++;
	m->root->mnt_roots++;
	if (m->parent) {
		m->parent->refs++;
		m->mountpoint->refs++;
		m->mountpoint->mounted++;
	}
}

static int mount_after_load(void *obj, void *ctx, struct error *err)
{
	(void)ctx;
	struct mount *m = obj;
	if (m->root->parent || !m->root->inode ||
	    !S_ISDIR(m->root->inode->mode))
		return error_set(err, EINVAL, "mount %u: root is not a "
				 "filesystem's root directory", m->id);
	if (m->mountpoint && (!m->mountpoint->inode ||
			      !S_ISDIR(m->mountpoint->inode->mode)))
		return error_set(err, EINVAL, "mount %u: mountpoint is not a "
				 "directory", m->id);
	if (!m->listed)
		return error_set(err, EINVAL, "mount %u is not in the mount "
				 "table", m->id);
	return 0;
}

static void mount_release(void *obj)
{
	struct mount *m = obj;
	free(m->source);
	m->source = NULL;
}

const struct codec_type codec_type_mount = {
	.name = "mount",
	.version = 1,
	.size = sizeof(struct mount),
	.after_load_phase = DENTRY_RESTORE_PHASE,
	.save = mount_save,
	.load = mount_load,
	.after_load = mount_after_load,
	.release = mount_release,
};
