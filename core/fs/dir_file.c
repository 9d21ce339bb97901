/* Open directories. See dir_file.h. */
#include "core/fs/dir_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "core/fs/dentry.h"
#include "core/fs/inode.h"

int dir_file_open(struct mount *mnt, struct dentry *d, uint32_t flags,
		  struct file **out)
{
	struct dir_file *df = calloc(1, sizeof(*df));
	if (!df)
		return -ENOMEM;
	file_init_path(&df->file, &dir_file_ops, mnt, d, flags);
	*out = &df->file;
	return 0;
}

static int64_t dir_file_read(struct file *f, struct task *t, void *buf,
			     size_t n)
{
	(void)f, (void)t, (void)buf, (void)n;
	return -EISDIR;
}

static int64_t dir_file_write(struct file *f, struct task *t,
			      const void *buf, size_t n)
{
	(void)f, (void)t, (void)buf, (void)n;
	return -EBADF;
}

static int64_t dir_file_pread(struct file *f, struct task *t, void *buf,
			      size_t n, int64_t off)
{
	(void)off;
	return dir_file_read(f, t, buf, n);
}

static int64_t dir_file_getdents(struct file *f, void *buf, size_t n)
{
	struct dir_file *df = (struct dir_file *)f;
	struct dentry *d = f->dentry;
	if (f->pos == 0) {
		/* Reading from the start lists anew (rewinddir sees what
		 * changed since). */
		dir_listing_clear(&df->list);
		if (!d->inode->ops->readdir)
			return -ENOTDIR;
		int rc = d->inode->ops->readdir(d, &df->list);
		if (rc < 0) {
			dir_listing_clear(&df->list);
			return rc;
		}
	}
	uint64_t index = (uint64_t)f->pos;
	int64_t r = dir_listing_emit(&df->list, &index, buf, n);
	if (r >= 0)
		f->pos = (int64_t)index;
	return r;
}

static int64_t dir_file_llseek(struct file *f, int64_t off, int whence)
{
	int64_t base;
	if (whence == SEEK_SET)
		base = 0;
	else if (whence == SEEK_CUR)
		base = f->pos;
	else
		return -EINVAL;
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -EINVAL;
	f->pos = base + off;
	return f->pos;
}

static int dir_file_fsync(struct file *f)
{
	(void)f;
	return 0;
}

static void dir_file_release(struct file *f)
{
	dir_listing_clear(&((struct dir_file *)f)->list);
}

const struct file_ops dir_file_ops = {
	.codec_type = &codec_type_dir_file,
	.read = dir_file_read,
	.write = dir_file_write,
	.release = dir_file_release,
	.pread = dir_file_pread,
	.llseek = dir_file_llseek,
	.getdents = dir_file_getdents,
	.fsync = dir_file_fsync,
};

/* Layout (version 1): file common, path, listing. */
static void dir_file_save(struct encoder *enc, const void *obj)
{
	const struct dir_file *df = obj;
	file_save_common(enc, &df->file);
	file_save_path(enc, &df->file);
	dir_listing_save(enc, &df->list);
}

static void dir_file_load(struct decoder *dec, void *obj)
{
	struct dir_file *df = obj;
	file_load_common(dec, &df->file, &dir_file_ops);
	file_load_path(dec, &df->file);
	dir_listing_load(dec, &df->list);
}

static int dir_file_after_load(void *obj, void *ctx, struct error *err)
{
	(void)ctx;
	struct dir_file *df = obj;
	const struct inode *i = df->file.dentry->inode;
	if (!i || !S_ISDIR(i->mode))
		return error_set(err, EINVAL, "open directory '%s' is no "
				 "directory", df->file.dentry->name);
	return 0;
}

static void dir_file_codec_release(void *obj)
{
	dir_file_release(obj);
}

const struct codec_type codec_type_dir_file = {
	.name = "dir_file",
	.version = 1,
	.size = sizeof(struct dir_file),
	.after_load_phase = FILE_RESTORE_PHASE,
	.save = dir_file_save,
	.load = dir_file_load,
	.after_load = dir_file_after_load,
	.release = dir_file_codec_release,
};
