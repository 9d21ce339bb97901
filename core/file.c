#include "core/file.h"

#include <fcntl.h>
#include <stdlib.h>

#include "core/epoll.h"
#include "core/eventfd.h"
#include "core/fs/chardev.h"
#include "core/fs/dentry.h"
#include "core/fs/dir_file.h"
#include "core/fs/inode.h"
#include "core/fs/lock.h"
#include "core/fs/memfs_file.h"
#include "core/fs/mount.h"
#include "core/fs/path_file.h"
#include "core/fs/procfs.h"
#include "core/hostfile.h"
#include "core/pipe.h"
#include "core/signalfd.h"
#include "core/timerfd.h"

void file_get(struct file *f)
{
	f->refs++;
}

void file_put(struct file *f)
{
	if (--f->refs > 0)
		return;
	/* flock(2) locks belong to the open file description. */
	if (f->dentry && f->dentry->inode && f->dentry->inode->locks)
		lock_flock_release(f->dentry->inode, f);
	if (f->epitems)
		epoll_file_released(f);
	if (f->ops->release)
		f->ops->release(f);
	struct path p = { f->mnt, f->dentry };
	path_put(&p);
	free(f);
}

void file_init_path(struct file *f, const struct file_ops *ops,
		    struct mount *mnt, struct dentry *dentry, uint32_t flags)
{
	f->ops = ops;
	f->refs = 1;
	/* What F_GETFL shows: Linux drops the flags that act only at open
	 * and always sets O_LARGEFILE on 64-bit. */
	f->flags = (flags & ~(uint32_t)(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC |
					O_CLOEXEC)) | FILE_O_LARGEFILE;
	f->mnt = mnt;
	f->dentry = dentry;
	struct path p = { mnt, dentry };
	path_get(&p);
}

void file_save_path(struct encoder *enc, const struct file *f)
{
	struct path p = { f->mnt, f->dentry };
	path_save(enc, &p);
}

void file_load_path(struct decoder *dec, struct file *f)
{
	struct path p;
	path_load(dec, &p);
	if (dec_ok(dec) && !p.mnt)
		dec_fail(dec, "file without a path");
	f->mnt = p.mnt;
	f->dentry = p.dentry;
}

void file_save_common(struct encoder *enc, const struct file *f)
{
	enc_u32(enc, f->flags);
	enc_i64(enc, f->pos);
}

void file_load_common(struct decoder *dec, struct file *f,
		      const struct file_ops *ops)
{
	f->ops = ops;
	/* refs is not touched: each fd table slot that loads (before or
	 * after this) counts itself in. */
	f->flags = dec_u32(dec);
	f->pos = dec_i64(dec);
	if (f->pos < 0)
		dec_fail(dec, "negative file offset");
}

/* Every kind of file, for checking polymorphic references. */
static const struct file_ops *const file_kinds[] = {
	&hostfile_ops,
	&memfs_file_ops,
	&dir_file_ops,
	&path_file_ops,
	&procfs_file_ops,
	&chardev_file_ops,
	&pipe_file_ops,
	&timerfd_ops,
	&eventfd_ops,
	&epoll_ops,
	&signalfd_ops,
};

const struct file_ops *file_ops_of_type(const struct codec_type *type)
{
	for (size_t i = 0; i < sizeof(file_kinds) / sizeof(file_kinds[0]); i++)
		if (file_kinds[i]->codec_type == type)
			return file_kinds[i];
	return NULL;
}
