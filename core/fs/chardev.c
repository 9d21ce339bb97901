/* Character devices by device number. See chardev.h. */
#include "core/fs/chardev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/fs/dentry.h"
#include "core/fs/inode.h"
#include "core/fs/mount.h"
#include "core/fs/super.h"
#include "core/hostfile.h"
#include "core/kernel.h"
#include "core/task.h"

enum chardev_kind { DEV_NULL, DEV_ZERO, DEV_FULL, DEV_RANDOM, DEV_URANDOM,
		    DEV_KINDS };

const struct chardev_node chardev_nodes[] = {
	{ "null", 1, 3, 0666 },
	{ "zero", 1, 5, 0666 },
	{ "full", 1, 7, 0666 },
	{ "random", 1, 8, 0666 },
	{ "urandom", 1, 9, 0666 },
	{ "tty", 5, 0, 0666 },
	{ "console", 5, 1, 0600 },
};
const unsigned chardev_node_count =
	sizeof(chardev_nodes) / sizeof(chardev_nodes[0]);

struct chardev_file {
	struct file file;          /* first: a device file is a file */
	uint32_t kind;             /* enum chardev_kind */
};

static uint32_t file_kind(const struct file *f)
{
	return ((const struct chardev_file *)f)->kind;
}

static int64_t chardev_pread(struct file *f, struct task *t, void *buf,
			     size_t n, int64_t off)
{
	(void)t, (void)off;
	switch (file_kind(f)) {
	case DEV_NULL:
		return 0;
	case DEV_RANDOM:
	case DEV_URANDOM: {
		ssize_t got = getrandom(buf, n, 0);
		return got < 0 ? -errno : got;
	}
	default:                   /* zero, full */
		memset(buf, 0, n);
		return (int64_t)n;
	}
}

static int64_t chardev_pwrite(struct file *f, struct task *t,
			      const void *buf, size_t n, int64_t off)
{
	(void)t, (void)buf, (void)off;
	/* random and urandom take what is written as entropy, unused. */
	return file_kind(f) == DEV_FULL ? -ENOSPC : (int64_t)n;
}

static int64_t chardev_read(struct file *f, struct task *t, void *buf,
			    size_t n)
{
	return chardev_pread(f, t, buf, n, 0);
}

static int64_t chardev_write(struct file *f, struct task *t, const void *buf,
			     size_t n)
{
	return chardev_pwrite(f, t, buf, n, 0);
}

/* The memory devices ignore seeks: the offset stays 0, as Linux's
 * null_lseek and noop_llseek leave it. */
static int64_t chardev_llseek(struct file *f, int64_t off, int whence)
{
	(void)off;
	if (whence < SEEK_SET || whence > SEEK_END)
		return -EINVAL;
	f->pos = 0;
	return 0;
}

const struct file_ops chardev_file_ops = {
	.codec_type = &codec_type_chardev_file,
	.read = chardev_read,
	.write = chardev_write,
	.pread = chardev_pread,
	.pwrite = chardev_pwrite,
	.llseek = chardev_llseek,
};

/* The memory device of a device number, or -1. */
static int mem_kind(uint64_t rdev)
{
	if (major(rdev) != 1)
		return -1;
	switch (minor(rdev)) {
	case 3: return DEV_NULL;
	case 5: return DEV_ZERO;
	case 7: return DEV_FULL;
	case 8: return DEV_RANDOM;
	case 9: return DEV_URANDOM;
	default: return -1;
	}
}

/* /dev/tty and /dev/console: the host terminal among the sandbox's
 * stdio streams, through the passthrough. */
static int open_terminal(struct kernel *k, uint32_t flags,
			 struct file **out)
{
	for (int s = 0; s < 3; s++) {
		if (k->host_stdio[s] < 0 || !isatty(k->host_stdio[s]))
			continue;
		struct file *f = hostfile_open(k, s);
		if (!f)
			return -ENOMEM;
		f->flags = (flags & ~(uint32_t)(O_CREAT | O_EXCL | O_NOCTTY |
						O_TRUNC | O_CLOEXEC)) |
			   FILE_O_LARGEFILE;
		*out = f;
		return 0;
	}
	return -ENXIO;
}

int chardev_open(struct dentry *d, struct mount *mnt, uint32_t flags,
		 struct file **out)
{
	const struct inode *i = d->inode;
	if (mnt->flags & MS_NODEV)
		return -EACCES;
	if (!S_ISCHR(i->mode))
		return -ENXIO;
	if (major(i->rdev) == 5 && minor(i->rdev) <= 1)
		return open_terminal(i->sb->kernel, flags, out);
	int kind = mem_kind(i->rdev);
	if (kind < 0)
		return -ENXIO;
	struct chardev_file *cf = calloc(1, sizeof(*cf));
	if (!cf)
		return -ENOMEM;
	file_init_path(&cf->file, &chardev_file_ops, mnt, d, flags);
	cf->kind = (uint32_t)kind;
	*out = &cf->file;
	return 0;
}

/* ---- serialization ---------------------------------------------------- */

/* Layout (version 1): file common part; path; u64 kind. */
static void chardev_file_save(struct encoder *enc, const void *obj)
{
	const struct chardev_file *cf = obj;
	file_save_common(enc, &cf->file);
	file_save_path(enc, &cf->file);
	enc_u64(enc, cf->kind);
}

static void chardev_file_load(struct decoder *dec, void *obj)
{
	struct chardev_file *cf = obj;
	file_load_common(dec, &cf->file, &chardev_file_ops);
	file_load_path(dec, &cf->file);
	cf->kind = (uint32_t)dec_u64_range(dec, 0, DEV_KINDS - 1,
					   "memory device");
}

static int chardev_file_after_load(void *obj, void *ctx, struct error *err)
{
	(void)ctx;
	const struct file *f = obj;
	if (!f->dentry->inode || !S_ISCHR(f->dentry->inode->mode))
		return error_set(err, EINVAL, "device file of no device node");
	return 0;
}

const struct codec_type codec_type_chardev_file = {
	.name = "chardev_file",
	.version = 1,
	.size = sizeof(struct chardev_file),
	.after_load_phase = FILE_RESTORE_PHASE,
	.save = chardev_file_save,
	.load = chardev_file_load,
	.after_load = chardev_file_after_load,
};
