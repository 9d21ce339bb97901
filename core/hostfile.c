#include "core/hostfile.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/kernel.h"
#include "core/syscall.h"
#include "core/task.h"
#include "core/tty.h"

static int host_fd(const struct hostfile *h)
{
	return h->kernel->host_stdio[h->stream];
}

/* Readiness of the host fd now, as POLL* bits. */
static uint32_t host_ready(int fd, short events)
{
	struct pollfd p = { fd, events, 0 };
	return poll(&p, 1, 0) > 0 ? (uint16_t)p.revents : 0;
}

/* Waits until the host fd is ready for `events` (or hung up, or in
 * error: the read or write then says what happened), in task_block:
 * a signal, a freeze or the group's exit ends the wait, and the read or
 * write returns -ERESTARTSYS -- restarted after a handler with
 * SA_RESTART, after the thaw or the restore; EINTR otherwise. Called
 * with the lock held. */
static int wait_host(struct hostfile *h, struct task *t, short events)
{
	struct pollfd p = { host_fd(h), events, 0 };
	for (;;) {
		if (host_ready(p.fd, events))
			return 0;
		int rc = task_block(t, -1, &p, 1);
		if (rc == -EINTR)
			return -ERESTARTSYS;
		if (rc < 0)
			return rc;
	}
}

/* One host read or write once the fd is ready: the lock is released
 * around it, since other tasks must run meanwhile. */
static int64_t host_io(struct file *f, struct task *t, void *rbuf,
		       const void *wbuf, size_t n)
{
	struct hostfile *h = (struct hostfile *)f;
	struct kernel *k = h->kernel;
	int64_t r = wait_host(h, t, rbuf ? POLLIN : POLLOUT);
	if (r < 0)
		return r;
	kernel_unlock(k);
	ssize_t got = rbuf ? read(host_fd(h), rbuf, n)
			   : write(host_fd(h), wbuf, n);
	r = got < 0 ? -errno : got;
	kernel_lock(k);
	return r;
}

/* Readiness is the host fd's; a waiter sleeps in host poll(2) on it
 * for the events the file's access mode implies. */
static uint32_t hostfile_poll(struct file *f, struct poll_table *pt)
{
	struct hostfile *h = (struct hostfile *)f;
	poll_wait_host(pt, host_fd(h), h->stream == 0 ? POLLIN : POLLOUT);
	return host_ready(host_fd(h), POLLIN | POLLOUT | POLLPRI |
					  POLLRDNORM | POLLWRNORM);
}

/* A background process group reading or (under TOSTOP) writing the
 * terminal is stopped first (core/tty.c). */
static int64_t hostfile_read(struct file *f, struct task *t, void *buf,
			     size_t n)
{
	int rc = tty_check_read(t, host_fd((struct hostfile *)f));
	return rc < 0 ? rc : host_io(f, t, buf, NULL, n);
}

static int64_t hostfile_write(struct file *f, struct task *t, const void *buf,
			      size_t n)
{
	int rc = tty_check_write(t, host_fd((struct hostfile *)f));
	return rc < 0 ? rc : host_io(f, t, NULL, buf, n);
}

const struct file_ops hostfile_ops = {
	.codec_type = &codec_type_hostfile,
	.read = hostfile_read,
	.write = hostfile_write,
	.stat = hostfile_stat,
	.name = hostfile_name,
	.truncate = hostfile_truncate,
	.llseek = hostfile_llseek,
	.ioctl = hostfile_ioctl,
	.poll = hostfile_poll,
};

struct file *hostfile_open(struct kernel *k, int stream)
{
	struct hostfile *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->file.ops = &hostfile_ops;
	h->file.refs = 1;
	h->file.flags = stream == 0 ? O_RDONLY : O_WRONLY;
	h->stream = stream;
	h->kernel = k;
	return &h->file;
}

static void hostfile_save(struct encoder *enc, const void *obj)
{
	const struct hostfile *h = obj;
	file_save_common(enc, &h->file);
	enc_u64(enc, (uint64_t)h->stream);
}

static void hostfile_load(struct decoder *dec, void *obj)
{
	struct hostfile *h = obj;
	file_load_common(dec, &h->file, &hostfile_ops);
	h->stream = (int)dec_u64_range(dec, 0, 2, "stdio stream");
}

static int hostfile_after_load(void *obj, void *ctx, struct error *err)
{
	(void)err;
	((struct hostfile *)obj)->kernel = kernel_restoring(ctx);
	return 0;
}

const struct codec_type codec_type_hostfile = {
	.name = "hostfile",
	.version = 1,
	.size = sizeof(struct hostfile),
	.after_load_phase = KERNEL_RESTORE_PHASE + 1,
	.save = hostfile_save,
	.load = hostfile_load,
	.after_load = hostfile_after_load,
};
