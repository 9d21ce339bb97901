/* Open regular files of a memfs. See memfs_file.h. */
#include "core/fs/memfs_file.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fs/chardev.h"
#include "core/fs/memfs_internal.h"
#include "core/fs/mount.h"
#include "core/kernel.h"
#include "core/pipe.h"

static struct memfs_inode *file_inode(struct file *f)
{
	return MEMFS_I(f->dentry->inode);
}

int memfs_open(struct dentry *d, struct mount *mnt, uint32_t flags,
	       struct file **out)
{
	if (S_ISCHR(d->inode->mode) || S_ISBLK(d->inode->mode))
		return chardev_open(d, mnt, flags, out);
	if (S_ISFIFO(d->inode->mode))
		return fifo_open(d, mnt, flags, out);
	if (!S_ISREG(d->inode->mode))
		return -ENXIO;         /* sockets: no driver */
	if ((flags & O_ACCMODE) != O_RDONLY) {
		int rc = memfs_copy_up(d);
		if (rc < 0)
			return rc;
	}
	struct memfs_file *mf = calloc(1, sizeof(*mf));
	if (!mf)
		return -ENOMEM;
	file_init_path(&mf->file, &memfs_file_ops, mnt, d, flags);
	*out = &mf->file;
	return 0;
}

/* Linux's relatime: the access time moves when it is older than the
 * last change, or a day old. */
static void touch_atime(struct inode *i)
{
	struct timespec now = inode_now();
	if (i->atime.tv_sec <= i->mtime.tv_sec ||
	    i->atime.tv_sec <= i->ctime.tv_sec ||
	    now.tv_sec - i->atime.tv_sec >= 24 * 3600)
		i->atime = now;
}

static int lower_fd(struct memfs_file *mf)
{
	if (!mf->host_open) {
		int fd = memfs_open_lower(file_inode(&mf->file), O_RDONLY);
		if (fd < 0)
			return fd;
		mf->host_fd = fd;
		mf->host_open = true;
	}
	return mf->host_fd;
}

static int64_t memfs_file_pread(struct file *f, struct task *t, void *buf,
				size_t n, int64_t off)
{
	(void)t;
	if (off < 0)
		return -EINVAL;
	struct memfs_inode *mi = file_inode(f);
	if (mi->lower) {
		/* Read straight from the host: a local disk read is quick
		 * enough to make under the kernel lock. */
		int fd = lower_fd((struct memfs_file *)f);
		if (fd < 0)
			return fd;
		ssize_t r = pread(fd, buf, n, off);
		return r < 0 ? -errno : r;
	}
	int64_t r = memfs_read(mi, buf, n, (uint64_t)off);
	if (r >= 0)
		touch_atime(&mi->vfs);
	return r;
}

static int64_t memfs_file_pwrite(struct file *f, struct task *t,
				 const void *buf, size_t n, int64_t off)
{
	(void)t;
	if (off < 0)
		return -EINVAL;
	struct memfs_inode *mi = file_inode(f);
	if (mi->lower)
		return -EBADF;         /* opened for writing: copied up */
	if (f->flags & O_APPEND)
		off = (int64_t)mi->vfs.size;
	int64_t r = memfs_write(mi, buf, n, (uint64_t)off);
	if (r > 0)
		inode_touch(&mi->vfs, INODE_MTIME | INODE_CTIME);
	return r;
}

static int64_t memfs_file_read(struct file *f, struct task *t, void *buf,
			       size_t n)
{
	int64_t r = memfs_file_pread(f, t, buf, n, f->pos);
	if (r > 0)
		f->pos += r;
	return r;
}

static int64_t memfs_file_write(struct file *f, struct task *t,
				const void *buf, size_t n)
{
	if (f->flags & O_APPEND)
		f->pos = (int64_t)file_inode(f)->vfs.size;
	int64_t r = memfs_file_pwrite(f, t, buf, n, f->pos);
	if (r > 0)
		f->pos += r;
	return r;
}

static int64_t memfs_file_llseek(struct file *f, int64_t off, int whence)
{
	int64_t size = (int64_t)file_inode(f)->vfs.size, base;
	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = f->pos; break;
	case SEEK_END: base = size; break;
	case SEEK_DATA:
	case SEEK_HOLE:
		/* All of a file is data as far as this goes (Linux's generic
		 * answer): the only hole is at the end. */
		if (off < 0 || off >= size)
			return -ENXIO;
		f->pos = whence == SEEK_DATA ? off : size;
		return f->pos;
	default:
		return -EINVAL;
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -EINVAL;
	f->pos = base + off;
	return f->pos;
}

static int memfs_file_fallocate(struct file *f, int mode, uint64_t off,
				uint64_t len)
{
	if (mode & ~FALLOC_FL_KEEP_SIZE)
		return -EOPNOTSUPP;
	struct memfs_inode *mi = file_inode(f);
	if (mi->lower)
		return -EBADF;
	uint64_t end = off + len, size = mi->vfs.size;
	/* Pages past the end are never kept (the page index holds the
	 * file's bytes, and only those). */
	if ((mode & FALLOC_FL_KEEP_SIZE) && end > size)
		end = size > off ? size : off;
	int rc = memfs_allocate(mi, off, end - off);
	if (rc == 0 && !(mode & FALLOC_FL_KEEP_SIZE) && end > size) {
		mi->vfs.size = end;
		inode_touch(&mi->vfs, INODE_MTIME | INODE_CTIME);
	}
	return rc;
}

static int memfs_file_fsync(struct file *f)
{
	(void)f;
	return 0;
}

static int64_t memfs_file_nread(struct file *f)
{
	int64_t left = (int64_t)file_inode(f)->vfs.size - f->pos;
	return left > 0 ? left : 0;
}

/* A shared mapping of a lower file can only be read-only (a file opened
 * for writing was copied up at open), so it maps the page cache too,
 * which a later copy-up keeps as the file's data. */
static int64_t memfs_file_map_pages(struct file *f, uint64_t idx, uint64_t n,
				    bool shared, uint64_t *mpages)
{
	(void)shared;
	struct memfs_inode *mi = file_inode(f);
	int fd = -1;
	if (mi->lower) {
		fd = lower_fd((struct memfs_file *)f);
		if (fd < 0)
			return fd;
	}
	return memfs_map_pages(mi, fd, idx, n, mpages);
}

static void memfs_file_release(struct file *f)
{
	struct memfs_file *mf = (struct memfs_file *)f;
	if (mf->host_open)
		close(mf->host_fd);
	mf->host_open = false;
}

const struct file_ops memfs_file_ops = {
	.codec_type = &codec_type_memfs_file,
	.read = memfs_file_read,
	.write = memfs_file_write,
	.release = memfs_file_release,
	.pread = memfs_file_pread,
	.pwrite = memfs_file_pwrite,
	.llseek = memfs_file_llseek,
	.fallocate = memfs_file_fallocate,
	.fsync = memfs_file_fsync,
	.nread = memfs_file_nread,
	.map_pages = memfs_file_map_pages,
};

/* ---- serialization ---------------------------------------------------- */

static void memfs_file_codec_release(void *obj)
{
	memfs_file_release(obj);
}

static void memfs_file_save(struct encoder *enc, const void *obj)
{
	const struct memfs_file *mf = obj;
	file_save_common(enc, &mf->file);
	file_save_path(enc, &mf->file);
}

static void memfs_file_load(struct decoder *dec, void *obj)
{
	struct memfs_file *mf = obj;
	file_load_common(dec, &mf->file, &memfs_file_ops);
	file_load_path(dec, &mf->file);
}

/* A lower-layer file open at save time must be the same file now: it is
 * reopened by path and its size and modification time compared with
 * what the image recorded. */
static int reopen_lower(struct memfs_file *mf, struct error *err)
{
	struct memfs_inode *mi = file_inode(&mf->file);
	struct memfs_sb *ms = MEMFS_SB(mi->vfs.sb);
	const char *root = ms->lower_root ? ms->lower_root : "";
	const char *sep = root[0] && root[strlen(root) - 1] == '/' ? "" : "/";
	int fd = lower_fd(mf);
	if (fd < 0)
		return error_set_errno(err, -fd, "%s%s%s", root, sep, mi->lower);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return error_set_errno(err, errno, "%s%s%s", root, sep,
				       mi->lower);
	if ((uint64_t)st.st_size != mi->vfs.size ||
	    st.st_mtim.tv_sec != mi->vfs.mtime.tv_sec ||
	    st.st_mtim.tv_nsec != mi->vfs.mtime.tv_nsec)
		return error_set(err, ESTALE, "%s%s%s changed since the image "
				 "was saved", root, sep, mi->lower);
	return 0;
}

static int memfs_file_after_load(void *obj, void *ctx, struct error *err)
{
	(void)ctx;
	struct memfs_file *mf = obj;
	struct inode *i = mf->file.dentry->inode;
	if (!i || i->ops != &memfs_inode_ops || !S_ISREG(i->mode))
		return error_set(err, EINVAL, "memfs file of no memfs "
				 "regular file");
	if (MEMFS_I(i)->lower)
		return reopen_lower(mf, err);
	return 0;
}

const struct codec_type codec_type_memfs_file = {
	.name = "memfs_file",
	.version = 1,
	.size = sizeof(struct memfs_file),
	.after_load_phase = FILE_RESTORE_PHASE,
	.save = memfs_file_save,
	.load = memfs_file_load,
	.after_load = memfs_file_after_load,
	.release = memfs_file_codec_release,
};
