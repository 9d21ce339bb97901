/* Pipes (core/pipe.c): the ring buffer, readiness, capacity changes,
 * and save/restore -- an exact round trip of pipes holding wrapped data,
 * a pipe whose writer is gone, a resized one and a FIFO holding data; a
 * full decode gives back pipes that read the same bytes, with reader
 * and writer counts derived from the restored ends and the FIFO's inode
 * pointing at its pipe; malformed encodings fail cleanly. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>

#include "core/fs/dentry.h"
#include "core/fs/inode.h"
#include "core/pipe.h"
#include "tests/unit/fs_fixture.h"

static struct fs_fixture fx;
static struct error err;

static struct file *fd_at(int fd)
{
	return fdtable_get(fx.t->files, fd);
}

static int install_pipe(uint32_t flags, int rd_fd, int wr_fd)
{
	struct file *rd, *wr;
	int rc = pipe_create(fx.t, flags, &rd, &wr);
	if (rc < 0)
		return rc;
	if (fdtable_install(fx.t->files, rd, rd_fd, false) != rd_fd ||
	    fdtable_install(fx.t->files, wr, wr_fd, false) != wr_fd)
		return -1;
	return 0;
}

/* Pipe A (3, 4): 11 bytes that wrap around the ring's end; pipe B (5, and 6
 * closed): "tail" and no writer; pipe C (7, 8): 8 KiB capacity, full. */
static int populate(const char *name)
{
	if (fx_setup(&fx, name) < 0)
		return -1;
	struct task *t = fx.t;
	if (install_pipe(O_NONBLOCK, 3, 4) < 0 || install_pipe(0, 5, 6) < 0 ||
	    install_pipe(O_NONBLOCK, 7, 8) < 0)
		return -1;
	static char big[PIPE_DEFAULT_SIZE];
	memset(big, 'x', sizeof(big));
	struct file *a = fd_at(4), *ar = fd_at(3);
	if (a->ops->write(a, t, big, sizeof(big) - 5) != sizeof(big) - 5 ||
	    ar->ops->read(ar, t, big, sizeof(big) - 6) != sizeof(big) - 6 ||
	    a->ops->write(a, t, "0123456789", 10) != 10)
		return -1;
	struct file *b = fd_at(6);
	if (b->ops->write(b, t, "tail", 4) != 4 ||
	    fdtable_close(t->files, 6) < 0)
		return -1;
	struct file *c = fd_at(8);
	if (pipe_fcntl(t, c, F_SETPIPE_SZ, 8000) != 8192 ||
	    c->ops->write(c, t, big, 9000) != 8192)
		return -1;
	/* A FIFO (9), open for reading and writing, holding data. */
	struct file *ff;
	if (vfs_mknod(t, AT_FDCWD, "/tmp/fifo", S_IFIFO | 0640, 0) < 0 ||
	    vfs_open(t, AT_FDCWD, "/tmp/fifo", O_RDWR, 0, &ff) < 0 ||
	    fdtable_install(t->files, ff, 9, false) != 9 ||
	    ff->ops->write(ff, t, "fifo data", 9) != 9)
		return -1;
	return 0;
}

TEST(pipe_semantics)
{
	CHECK(populate(__func__) == 0);
	struct task *t = fx.t;
	struct file *ar = fd_at(3), *aw = fd_at(4), *br = fd_at(5);
	struct file *cr = fd_at(7), *cw = fd_at(8);
	CHECK(file_is_pipe(ar) && pipe_file_ino(ar) == pipe_file_ino(aw));
	CHECK(pipe_file_ino(ar) != pipe_file_ino(br));
	CHECK_EQ(ar->ops->nread(ar), 11);
	CHECK_EQ(ar->ops->poll(ar, NULL), POLLIN | POLLRDNORM);
	CHECK_EQ(aw->ops->poll(aw, NULL), POLLOUT | POLLWRNORM);
	CHECK_EQ(br->ops->poll(br, NULL), POLLIN | POLLRDNORM | POLLHUP);
	CHECK_EQ(cw->ops->poll(cw, NULL), 0);
	CHECK_EQ(cw->ops->write(cw, t, "y", 1), -EAGAIN);
	CHECK_EQ(pipe_fcntl(t, cw, F_SETPIPE_SZ, 4096), -EBUSY);
	CHECK_EQ(pipe_fcntl(t, cw, F_GETPIPE_SZ, 0), 8192);
	char buf[16];
	CHECK_EQ(cr->ops->read(cr, t, buf, 16), 16);
	/* 16 bytes free: an atomic write of 17 does not fit, 16 does. */
	CHECK_EQ(cw->ops->write(cw, t, buf, 17), -EAGAIN);
	CHECK_EQ(cw->ops->write(cw, t, buf, 16), 16);
	CHECK_EQ(br->ops->read(br, t, buf, 16), 4);
	CHECK_EQ(br->ops->read(br, t, buf, 16), 0);
	/* No reader: EPIPE (and SIGPIPE queued for the task). */
	CHECK_EQ(fdtable_close(t->files, 3), 0);
	CHECK_EQ(aw->ops->write(aw, t, "z", 1), -EPIPE);
	CHECK(t->sig_pending.set & sig_bit(SIGPIPE));
	CHECK_EQ(aw->ops->poll(aw, NULL) & POLLERR, POLLERR);
	fx_teardown(&fx);
}

TEST(pipe_round_trip_is_exact)
{
	CHECK(fx_round_trips(&fx, populate(__func__), &err));
}

static int save(void **buf, size_t *len)
{
	return codec_encode(&codec_type_kernel, fx.k, buf, len, &err);
}

static int restore(const void *buf, size_t len, struct kernel **out)
{
	struct kernel_restore r = { NULL, NULL };
	void *root = NULL;
	int rc = codec_decode(&kernel_registry, &codec_type_kernel, buf, len,
			      &r, 0, &root, &err);
	*out = root;
	return rc;
}

TEST(pipe_full_decode_restores_data_and_counts)
{
	void *buf = NULL;
	size_t len = 0;
	int rc = populate(__func__);
	uint64_t ino = rc == 0 ? pipe_file_ino(fd_at(3)) : 0;
	if (rc == 0)
		rc = save(&buf, &len);
	fx_teardown(&fx);
	CHECK(rc == 0);
	struct kernel *k;
	rc = restore(buf, len, &k);
	free(buf);
	if (rc < 0)
		fprintf(stderr, "%s\n", err.msg);
	CHECK(rc == 0);
	fx.k = k;
	fx.t = k->tasks;
	struct task *t = fx.t;
	struct file *ar = fd_at(3), *aw = fd_at(4), *br = fd_at(5);
	struct file *cw = fd_at(8);
	CHECK(ar && file_is_pipe(ar) && pipe_file_ino(ar) == ino);
	struct pipe *a = ((struct pipe_file *)ar)->pipe;
	CHECK(a == ((struct pipe_file *)aw)->pipe);
	CHECK_EQ(a->readers, 1);
	CHECK_EQ(a->writers, 1);
	CHECK_EQ(a->refs, 2);
	CHECK(ar->flags & O_NONBLOCK);
	char got[16];
	CHECK_EQ(ar->ops->read(ar, t, got, sizeof(got)), 11);
	CHECK(!memcmp(got, "x0123456789", 11));
	CHECK_EQ(ar->ops->read(ar, t, got, sizeof(got)), -EAGAIN);
	CHECK_EQ(br->ops->read(br, t, got, sizeof(got)), 4);
	CHECK(!memcmp(got, "tail", 4));
	CHECK_EQ(br->ops->read(br, t, got, sizeof(got)), 0);
	CHECK_EQ(((struct pipe_file *)br)->pipe->writers, 0);
	CHECK_EQ(pipe_fcntl(t, cw, F_GETPIPE_SZ, 0), 8192);
	CHECK_EQ(cw->ops->nread(cw), 8192);
	/* The FIFO: its inode finds the pipe again; the data is there;
	 * fstat is the inode's. */
	struct file *ff = fd_at(9);
	CHECK(ff && file_is_pipe(ff) && ff->dentry);
	struct pipe *fp = ((struct pipe_file *)ff)->pipe;
	struct inode *fi = ff->dentry->inode;
	CHECK(fi->fifo == fp && fp->fifo_inode == fi);
	CHECK_EQ(fp->readers, 1);
	CHECK_EQ(fp->writers, 1);
	struct vfs_stat st;
	CHECK_EQ(vfs_fstat(ff, &st), 0);
	CHECK(S_ISFIFO(st.mode) && (st.mode & 0777) == 0640);
	CHECK_EQ(ff->ops->read(ff, t, got, sizeof(got)), 9);
	CHECK(!memcmp(got, "fifo data", 9));
	/* Closed for good, the inode forgets the pipe. */
	CHECK_EQ(fdtable_close(t->files, 9), 0);
	CHECK(fi->fifo == NULL);
	fx_teardown(&fx);
}

TEST(malformed_pipe_encodings_fail_cleanly)
{
	void *buf = NULL;
	size_t len = 0;
	int rc = populate(__func__);
	if (rc == 0)
		rc = save(&buf, &len);
	fx_teardown(&fx);
	CHECK(rc == 0);
	uint8_t *copy = malloc(len);
	/* Truncations everywhere, flipped bytes near the end (where the
	 * pipes and files are). */
	for (size_t cut = 0; cut < len; cut += 97) {
		struct kernel *k;
		memcpy(copy, buf, cut);
		CHECK(restore(copy, cut, &k) < 0 && k == NULL);
	}
	size_t from = len > 40000 ? len - 40000 : 0;
	for (size_t i = from; i < len; i += 7) {
		struct kernel *k;
		memcpy(copy, buf, len);
		copy[i] ^= 0x41;
		if (restore(copy, len, &k) == 0)
			kernel_destroy(k);
	}
	free(copy);
	free(buf);
}
