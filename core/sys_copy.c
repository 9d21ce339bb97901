/* Copies between files in the kernel: sendfile and copy_file_range,
 * through a bounded bounce buffer. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "core/file.h"
#include "core/fs/dentry.h"
#include "core/fs/inode.h"
#include "core/mm.h"
#include "core/sys_fs.h"
#include "core/syscall.h"
#include "core/task.h"

#define COPY_CHUNK (256u << 10)
#define COPY_MAX 0x7ffff000ull

/* One end of a copy: a file and its offset (an application address of
 * a loff_t, or 0 to use and advance the file position). */
struct copy_end {
	struct file *f;
	uint64_t off_addr;
	int64_t off;
};

static int end_load(struct task *t, struct copy_end *e)
{
	if (!e->off_addr)
		return 0;
	if (mm_copy_from(t->mm, &e->off, e->off_addr, sizeof(e->off)) < 0)
		return -EFAULT;
	return e->off < 0 ? -EINVAL : 0;
}

static int64_t end_io(struct task *t, struct copy_end *e, void *buf,
		      size_t n, bool writing)
{
	struct file *f = e->f;
	int64_t r;
	if (!e->off_addr)
		r = writing ? f->ops->write(f, t, buf, n)
			    : f->ops->read(f, t, buf, n);
	else if (writing ? !f->ops->pwrite : !f->ops->pread)
		return -ESPIPE;
	else
		r = writing ? f->ops->pwrite(f, t, buf, n, e->off)
			    : f->ops->pread(f, t, buf, n, e->off);
	if (r > 0 && e->off_addr)
		e->off += r;
	return r;
}

/* Copies up to count bytes; stores the offsets back. */
static int64_t copy(struct task *t, struct copy_end *in, struct copy_end *out,
		    uint64_t count)
{
	int rc = end_load(t, in);
	if (rc == 0)
		rc = end_load(t, out);
	if (rc < 0)
		return rc;
	if (count > COPY_MAX)
		count = COPY_MAX;
	void *buf = malloc(COPY_CHUNK);
	if (!buf)
		return -ENOMEM;
	uint64_t done = 0;
	int64_t r = 0;
	while (done < count) {
		size_t n = count - done < COPY_CHUNK ? (size_t)(count - done)
						     : COPY_CHUNK;
		r = end_io(t, in, buf, n, false);
		if (r <= 0)
			break;
		int64_t w = end_io(t, out, buf, (size_t)r, true);
		if (w < 0) {
			r = w;
			break;
		}
		done += (uint64_t)w;
		if (w < r || r < (int64_t)n)
			break;
	}
	free(buf);
	if (in->off_addr &&
	    mm_copy_to(t->mm, in->off_addr, &in->off, sizeof(in->off)) < 0)
		return -EFAULT;
	if (out->off_addr &&
	    mm_copy_to(t->mm, out->off_addr, &out->off, sizeof(out->off)) < 0)
		return -EFAULT;
	return done ? (int64_t)done : r;
}

static bool readable(const struct file *f)
{
	return (f->flags & O_ACCMODE) != O_WRONLY;
}

static bool writable(const struct file *f)
{
	return (f->flags & O_ACCMODE) != O_RDONLY;
}

SYSCALL_DECL(sendfile)
{
	struct copy_end out = { fd_file_io(t, a[0]), 0, 0 };
	struct copy_end in = { fd_file_io(t, a[1]), a[2], 0 };
	if (!in.f || !out.f || !readable(in.f) || !writable(out.f))
		return -EBADF;
	if (out.f->flags & O_APPEND)
		return -EINVAL;
	return copy(t, &in, &out, a[3]);
}

static bool is_regular(const struct file *f)
{
	return f->dentry && f->dentry->inode && S_ISREG(f->dentry->inode->mode);
}

SYSCALL_DECL(copy_file_range)
{
	struct copy_end in = { fd_file_io(t, a[0]), a[1], 0 };
	struct copy_end out = { fd_file_io(t, a[2]), a[3], 0 };
	if ((unsigned)a[5])
		return -EINVAL;
	if (!in.f || !out.f || !readable(in.f) || !writable(out.f) ||
	    (out.f->flags & O_APPEND))
		return -EBADF;
	if (!is_regular(in.f) || !is_regular(out.f))
		return (in.f->dentry && S_ISDIR(in.f->dentry->inode->mode)) ||
		       (out.f->dentry && S_ISDIR(out.f->dentry->inode->mode))
			       ? -EISDIR : -EINVAL;
	return copy(t, &in, &out, a[4]);
}
