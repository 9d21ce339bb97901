/* Filesystem contexts. See fs_context.h. */
#include "core/fs/fs_context.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "core/fs/dentry.h"
#include "core/fs/inode.h"

struct fs_context *fs_context_create(const struct path *root)
{
	struct fs_context *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return NULL;
	fs->refs = 1;
	fs->umask = 022;
	path_set(&fs->root, root);
	path_set(&fs->cwd, root);
	return fs;
}

struct fs_context *fs_context_copy(const struct fs_context *old)
{
	struct fs_context *fs = fs_context_create(&old->root);
	if (fs) {
		path_set(&fs->cwd, &old->cwd);
		fs->umask = old->umask;
	}
	return fs;
}

void fs_context_get(struct fs_context *fs)
{
	fs->refs++;
}

void fs_context_put(struct fs_context *fs)
{
	if (!fs || --fs->refs > 0)
		return;
	path_put(&fs->root);
	path_put(&fs->cwd);
	free(fs);
}

/* Layout (version 1): path root, path cwd, u32 umask. */
static void fs_context_save(struct encoder *enc, const void *obj)
{
	const struct fs_context *fs = obj;
	path_save(enc, &fs->root);
	path_save(enc, &fs->cwd);
	enc_u32(enc, fs->umask);
}

static void fs_context_load(struct decoder *dec, void *obj)
{
	struct fs_context *fs = obj;
	/* refs is counted by the tasks that load. */
	path_load(dec, &fs->root);
	path_load(dec, &fs->cwd);
	fs->umask = dec_u32(dec);
	if (fs->umask > 0777)
		dec_fail(dec, "umask %#o", fs->umask);
	if (dec_ok(dec) && (!fs->root.mnt || !fs->cwd.mnt))
		dec_fail(dec, "filesystem context without a root or a cwd");
}

static bool is_dir(const struct path *p)
{
	return p->dentry->inode && S_ISDIR(p->dentry->inode->mode);
}

/* Walks start at the root and the cwd: both must be directories. */
static int fs_context_after_load(void *obj, void *ctx, struct error *err)
{
	(void)ctx;
	struct fs_context *fs = obj;
	if (!is_dir(&fs->root) || !is_dir(&fs->cwd))
		return error_set(err, EINVAL, "filesystem context: root or "
				 "working directory is no directory");
	return 0;
}

const struct codec_type codec_type_fs_context = {
	.name = "fs_context",
	.version = 1,
	.size = sizeof(struct fs_context),
	.after_load_phase = INODE_RESTORE_PHASE,
	.save = fs_context_save,
	.load = fs_context_load,
	.after_load = fs_context_after_load,
};
