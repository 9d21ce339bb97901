/* read, write, their positional and vector forms, and lseek, on whatever
 * file an fd holds. Data moves through a kernel bounce buffer in bounded
 * pieces, so a huge count never means a huge allocation. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/uio.h>

#include "core/fdtable.h"
#include "core/file.h"
#include "core/kernel.h"
#include "core/mm.h"
#include "core/sys_fs.h"
#include "core/syscall.h"
#include "core/task.h"

#define IO_CHUNK (1u << 20)
/* Linux caps one read or write at this many bytes. */
#define IO_MAX 0x7ffff000ull
/* "No offset": use and advance the file position. */
#define AT_POS INT64_MIN

static struct file *file_for(struct task *t, uint64_t fd, int want_mode,
			     int64_t *err)
{
	struct file *f = fd_file_io(t, fd);
	int mode = f ? (int)(f->flags & O_ACCMODE) : 0;
	if (!f || (want_mode == O_RDONLY && mode == O_WRONLY) ||
	    (want_mode == O_WRONLY && mode == O_RDONLY)) {
		*err = -EBADF;
		return NULL;
	}
	return f;
}

/* One transfer at off (AT_POS: the file position) through the file's
 * operations. */
static int64_t file_io(struct task *t, struct file *f, void *buf, size_t n,
		       int64_t off, bool writing)
{
	if (off == AT_POS)
		return writing ? f->ops->write(f, t, buf, n)
			       : f->ops->read(f, t, buf, n);
	if (writing ? !f->ops->pwrite : !f->ops->pread)
		return -ESPIPE;
	return writing ? f->ops->pwrite(f, t, buf, n, off)
		       : f->ops->pread(f, t, buf, n, off);
}

/* A read into application memory. A seekable file (one with pread) is
 * read until count or its end, as Linux reads regular files; any other
 * file at most once, like Linux returns what one read yields. */
static int64_t read_to_user(struct task *t, struct file *f, uint64_t addr,
			    uint64_t count, int64_t off)
{
	if (!f->ops->read)
		return -EINVAL;
	size_t cap = count < IO_CHUNK ? (size_t)count : IO_CHUNK;
	void *buf = malloc(cap ? cap : 1);
	if (!buf)
		return -ENOMEM;
	uint64_t done = 0;
	int64_t rc;
	do {
		size_t n = count - done < cap ? (size_t)(count - done) : cap;
		rc = file_io(t, f, buf, n, off == AT_POS ? AT_POS
					 : off + (int64_t)done, false);
		if (rc > 0 && mm_copy_to(t->mm, addr + done, buf, (size_t)rc) < 0)
			rc = -EFAULT;
		if (rc > 0)
			done += (uint64_t)rc;
		if (rc < (int64_t)n || !f->ops->pread)
			break;
	} while (done < count);
	free(buf);
	return done ? (int64_t)done : rc;
}

/* Writes count bytes from application memory in pieces; stops at the
 * first short write or error (reporting the bytes written before it). */
static int64_t write_from_user(struct task *t, struct file *f, uint64_t addr,
			       uint64_t count, int64_t off)
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
		rc = file_io(t, f, buf, n, off == AT_POS ? AT_POS
					 : off + (int64_t)done, true);
		if (rc > 0)
			done += (uint64_t)rc;
		if (rc < (int64_t)n)
			break;
	} while (done < count);
	free(buf);
	return done ? (int64_t)done : rc;
}

static int64_t rw(struct task *t, const uint64_t a[6], int64_t off,
		  bool writing)
{
	int64_t err;
	struct file *f = file_for(t, a[0], writing ? O_WRONLY : O_RDONLY, &err);
	if (!f)
		return err;
	if (off != AT_POS && off < 0)
		return -EINVAL;
	uint64_t count = a[2] < IO_MAX ? a[2] : IO_MAX;
	/* A reference for the call: a blocked read or write releases the
	 * lock, and another thread may close the fd meanwhile. */
	file_get(f);
	int64_t rc = writing ? write_from_user(t, f, a[1], count, off)
			     : read_to_user(t, f, a[1], count, off);
	file_put(f);
	return rc;
}

SYSCALL_DECL(read)
{
	return rw(t, a, AT_POS, false);
}

SYSCALL_DECL(write)
{
	return rw(t, a, AT_POS, true);
}

SYSCALL_DECL(pread64)
{
	return rw(t, a, (int64_t)a[3], false);
}

SYSCALL_DECL(pwrite64)
{
	return rw(t, a, (int64_t)a[3], true);
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

/* A small writev in one write: a pipe keeps a write of at most PIPE_BUF
 * bytes whole (Linux's pipe_write takes the whole iovec), so records
 * written with writev (stdio does) never interleave. Returns the write's
 * result, or NOT_GATHERED when the vector is not small (or a part of
 * it faults after the start: the piecewise path then reports it). */
#define GATHER_MAX 4096
#define NOT_GATHERED INT64_MIN

static int64_t gathered_write(struct task *t, struct file *f,
			      const struct iovec *iov, int64_t n)
{
	uint64_t total = 0;
	for (int64_t i = 0; i < n; i++)
		total += iov[i].iov_len;
	if (n < 2 || total > GATHER_MAX || !f->ops->write)
		return NOT_GATHERED;
	char buf[GATHER_MAX];
	size_t at = 0;
	for (int64_t i = 0; i < n; i++) {
		if (iov[i].iov_len &&
		    mm_copy_from(t->mm, buf + at,
				 (uint64_t)(uintptr_t)iov[i].iov_base,
				 iov[i].iov_len) < 0)
			return at ? NOT_GATHERED : -EFAULT;
		at += iov[i].iov_len;
	}
	return f->ops->write(f, t, buf, at);
}

/* Vector I/O as a sequence of single transfers, stopping at the first
 * short one, as Linux does for files without a vector operation. */
static int64_t vector_io(struct task *t, const uint64_t a[6], int64_t off,
			 bool writing)
{
	int64_t err;
	struct file *f = file_for(t, a[0], writing ? O_WRONLY : O_RDONLY, &err);
	if (!f)
		return err;
	if (off != AT_POS && off < 0)
		return -EINVAL;
	if (off != AT_POS && (writing ? !f->ops->pwrite : !f->ops->pread))
		return -ESPIPE;
	struct iovec *iov;
	int64_t n = load_iov(t, a[1], a[2], &iov);
	if (n < 0)
		return n;
	int64_t done = 0, rc = 0;
	file_get(f);  /* for the call, as in rw() */
	if (writing && off == AT_POS) {
		rc = gathered_write(t, f, iov, n);
		if (rc != NOT_GATHERED)
			n = 0;
		else
			rc = 0;
	}
	for (int64_t i = 0; i < n; i++) {
		uint64_t base = (uint64_t)(uintptr_t)iov[i].iov_base;
		uint64_t len = iov[i].iov_len;
		if (!len)
			continue;
		int64_t at = off == AT_POS ? AT_POS : off + done;
		rc = writing ? write_from_user(t, f, base, len, at)
			     : read_to_user(t, f, base, len, at);
		if (rc > 0)
			done += rc;
		if (rc < (int64_t)len)
			break;
	}
	file_put(f);
	free(iov);
	return done ? done : rc;
}

SYSCALL_DECL(readv)
{
	return vector_io(t, a, AT_POS, false);
}

SYSCALL_DECL(writev)
{
	return vector_io(t, a, AT_POS, true);
}

/* On x86-64 the whole offset is in pos_l (a[3]); pos_h is unused. */
SYSCALL_DECL(preadv)
{
	return vector_io(t, a, (int64_t)a[3], false);
}

SYSCALL_DECL(pwritev)
{
	return vector_io(t, a, (int64_t)a[3], true);
}

/* preadv2/pwritev2: offset -1 means the file position; the RWF_* hints
 * (HIPRI, DSYNC, SYNC, NOWAIT, APPEND) are accepted and, for memory
 * files, change nothing but APPEND. */
#define RWF_KNOWN 0x1fu

static int64_t rw2(struct task *t, const uint64_t a[6], bool writing)
{
	if ((uint32_t)a[5] & ~RWF_KNOWN)
		return -EOPNOTSUPP;
	int64_t off = (int64_t)a[3];
	return vector_io(t, a, off == -1 ? AT_POS : off, writing);
}

SYSCALL_DECL(preadv2)
{
	return rw2(t, a, false);
}

SYSCALL_DECL(pwritev2)
{
	return rw2(t, a, true);
}

SYSCALL_DECL(lseek)
{
	struct file *f = fd_file_io(t, a[0]);
	if (!f)
		return -EBADF;
	if (!f->ops->llseek)
		return -ESPIPE;
	return f->ops->llseek(f, (int64_t)a[1], int_arg(a[2]));
}
