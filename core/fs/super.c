/* Superblocks: the common part of every filesystem instance. */
#include "core/fs/super.h"

#include "core/fs/memfs.h"
#include "core/fs/procfs.h"

void super_init(struct superblock *sb, const struct fs_ops *ops,
		struct kernel *k, uint64_t dev)
{
	sb->ops = ops;
	sb->refs = 1;
	sb->dev = dev;
	sb->next_ino = 1;
	sb->kernel = k;
}

void super_get(struct superblock *sb)
{
	sb->refs++;
}

void super_put(struct superblock *sb)
{
	if (sb && --sb->refs == 0)
		sb->ops->destroy(sb);
}

void super_save_common(struct encoder *enc, const struct superblock *sb)
{
	enc_u64(enc, sb->dev);
	enc_u64(enc, sb->next_ino);
}

void super_load_common(struct decoder *dec, struct superblock *sb,
		       const struct fs_ops *ops)
{
	sb->ops = ops;
	sb->dev = dec_u64(dec);
	sb->next_ino = dec_u64(dec);
}

/* Every filesystem kind, for checking polymorphic references. */
static const struct fs_ops *const fs_kinds[] = {
	&memfs_tmpfs_ops,
	&memfs_overlay_ops,
	&procfs_ops,
	&sysfs_ops,
};

static bool is_super_type(const struct codec_type *type)
{
	for (size_t i = 0; i < sizeof(fs_kinds) / sizeof(fs_kinds[0]); i++)
		if (fs_kinds[i]->codec_type == type)
			return true;
	return false;
}

void super_enc_ref(struct encoder *enc, const struct superblock *sb)
{
	enc_ref(enc, sb ? sb->ops->codec_type : NULL, sb);
}

struct superblock *super_dec_ref(struct decoder *dec)
{
	const struct codec_type *type;
	struct superblock *sb = dec_ref_any(dec, &type);
	if (sb && !is_super_type(type)) {
		dec_fail(dec, "reference to a '%s' as a filesystem", type->name);
		return NULL;
	}
	return sb;
}
