/* read, write and their vector forms, on whatever file an fd holds. Data
 * moves through a kernel bounce buffer in bounded pieces, so a huge count
 * never means a huge allocation. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/uio.h>

#include "core/fdtable.h"
#include "core/file.h"
#include "core/kernel.h"
#include "core/mm.h"
#include "core/syscall.h"
#include "core/task.h"

#define IO_CHUNK (1u << 20)
/* Linux caps one read or write at this many bytes. */
#define IO_MAX 0x7ffff000ull

static struct file *file_for(struct task *t, uint64_t fd, int want_mode,
			     int64_t *err)
{
	struct file *f = fd <= INT_MAX ? fdtable_get(t->files, (int)fd) : NULL;
	int mode = f ? (int)(f->flags & O_ACCMODE) : 0;
	if (!f || (want_mode == O_RDONLY && mode == O_WRONLY) ||
	    (want_mode == O_WRONLY && mode == O_RDONLY)) {
		*err = -EBADF;
		return NULL;
	}
	return f;
}

/* One read into application memory: at most one call of the file's read,
 * like Linux returns what one read yields. */
static int64_t read_to_user(struct task *t, struct file *f, uint64_t addr,
			    uint64_t count)
{
	if (!f->ops->read)
		return -EINVAL;
	size_t n = count < IO_CHUNK ? (size_t)count : IO_CHUNK;
	void *buf = malloc(n ? n : 1);
	if (!buf)
		return -ENOMEM;
	int64_t got = f->ops->read(f, t, buf, n);
	if (got > 0 && mm_copy_to(t->mm, addr, buf, (size_t)got) < 0)
		got = -EFAULT;
	free(buf);
	return got;
}

/* Writes count bytes from application memory in pieces; stops at the
 * first short write or error (reporting the bytes written before it). */
static int64_t write_from_user(struct task *t, struct file *f, uint64_t addr,
			       uint64_t count)
{
	if (!f->ops->write)
		return -EINVAL;
	size_t cap = count < IO_CHUNK ? (size_t)count : IO_CHUNK;
	void *buf = malloc(cap ? cap : 1);
	if (!buf)
		return -ENOMEM;
	uint64_t done = 0;
	int64_t rc = 0;
	do {
		size_t n = count - done < cap ? (size_t)(count - done) : cap;
		if (mm_copy_from(t->mm, buf, addr + done, n) < 0) {
			rc = -EFAULT;
			break;
		}
		rc = f->ops->write(f, t, buf, n);
		if (rc > 0)
			done += (uint64_t)rc;
		if (rc < (int64_t)n)
			break;
	} while (done < count);
	free(buf);
	return done ? (int64_t)done : rc;
}

SYSCALL_DECL(read)
{
	int64_t err;
	struct file *f = file_for(t, a[0], O_RDONLY, &err);
	if (!f)
		return err;
	return read_to_user(t, f, a[1], a[2] < IO_MAX ? a[2] : IO_MAX);
}

SYSCALL_DECL(write)
{
	int64_t err;
	struct file *f = file_for(t, a[0], O_WRONLY, &err);
	if (!f)
		return err;
	return write_from_user(t, f, a[1], a[2] < IO_MAX ? a[2] : IO_MAX);
}

/* Reads and checks an iovec array like Linux: at most IOV_MAX entries and
 * a total that fits in ssize_t. Returns the count or -errno. */
static int64_t load_iov(struct task *t, uint64_t addr, uint64_t n,
			struct iovec **out)
{
	if (n > IOV_MAX)
		return -EINVAL;
	struct iovec *iov = calloc(n ? n : 1, sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	if (mm_copy_from(t->mm, iov, addr, n * sizeof(*iov)) < 0) {
		free(iov);
		return -EFAULT;
	}
	uint64_t total = 0;
	for (uint64_t i = 0; i < n; i++) {
		total += iov[i].iov_len;
		if (iov[i].iov_len > SSIZE_MAX || total > SSIZE_MAX) {
			free(iov);
			return -EINVAL;
		}
	}
	*out = iov;
	return (int64_t)n;
}

/* Vector I/O as a sequence of single transfers, stopping at the first
 * short one, as Linux does for files without a vector operation. */
static int64_t vector_io(struct task *t, const uint64_t a[6], bool writing)
{
	int64_t err;
	struct file *f = file_for(t, a[0], writing ? O_WRONLY : O_RDONLY, &err);
	if (!f)
		return err;
	struct iovec *iov;
	int64_t n = load_iov(t, a[1], a[2], &iov);
	if (n < 0)
		return n;
	int64_t done = 0, rc = 0;
	for (int64_t i = 0; i < n; i++) {
		uint64_t base = (uint64_t)(uintptr_t)iov[i].iov_base;
		uint64_t len = iov[i].iov_len;
		if (!len)
			continue;
		rc = writing ? write_from_user(t, f, base, len)
			     : read_to_user(t, f, base, len);
		if (rc > 0)
			done += rc;
		if (rc < (int64_t)len)
			break;
	}
	free(iov);
	return done ? done : rc;
}

SYSCALL_DECL(readv)
{
	return vector_io(t, a, false);
}

SYSCALL_DECL(writev)
{
	return vector_io(t, a, true);
}
