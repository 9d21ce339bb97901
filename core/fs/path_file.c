/* O_PATH files. See path_file.h. */
#include "core/fs/path_file.h"

#include <errno.h>
#include <stdlib.h>

#include "core/fs/dentry.h"

int path_file_open(struct mount *mnt, struct dentry *d, uint32_t flags,
		   struct file **out)
{
	struct file *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	file_init_path(f, &path_file_ops, mnt, d, flags);
	*out = f;
	return 0;
}

static int64_t path_file_read(struct file *f, struct task *t, void *buf,
			      size_t n)
{
	(void)f, (void)t, (void)buf, (void)n;
	return -EBADF;
}

static int64_t path_file_write(struct file *f, struct task *t,
			       const void *buf, size_t n)
{
	(void)f, (void)t, (void)buf, (void)n;
	return -EBADF;
}

const struct file_ops path_file_ops = {
	.codec_type = &codec_type_path_file,
	.read = path_file_read,
	.write = path_file_write,
};

static void path_file_save(struct encoder *enc, const void *obj)
{
	const struct file *f = obj;
	file_save_common(enc, f);
	file_save_path(enc, f);
}

static void path_file_load(struct decoder *dec, void *obj)
{
	struct file *f = obj;
	file_load_common(dec, f, &path_file_ops);
	file_load_path(dec, f);
}

static int path_file_after_load(void *obj, void *ctx, struct error *err)
{
	(void)ctx;
	const struct file *f = obj;
	if (!f->dentry->inode)
		return error_set(err, EINVAL, "O_PATH file of a negative "
				 "dentry");
	return 0;
}

const struct codec_type codec_type_path_file = {
	.name = "path_file",
	.version = 1,
	.size = sizeof(struct file),
	.after_load_phase = FILE_RESTORE_PHASE,
	.save = path_file_save,
	.load = path_file_load,
	.after_load = path_file_after_load,
};
