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

static int host_fd(const struct hostfile *h)
{
	return h->kernel->host_stdio[h->stream];
}

/* Waits until the host fd is ready for `events` or the task must stop
 * (a freeze or its group's exit, signalled through the kernel's wake_fd).
 * Returns 0 when ready, -ERESTARTSYS when the task must stop: the read
 * or write then runs again after the thaw or the restore. Called and
 * returns with the lock released. */
static int wait_host(struct hostfile *h, struct task *t, short events)
{
	struct kernel *k = h->kernel;
	struct pollfd p[2] = { { host_fd(h), events, 0 },
			       { k->wake_fd, POLLIN, 0 } };
	for (;;) {
		int n = poll(p, 2, -1);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0 && p[0].revents)
			return 0;
		if (n > 0 && p[1].revents) {
			kernel_lock(k);
			bool stop = task_must_stop(t);
			kernel_unlock(k);
			if (stop)
				return -ERESTARTSYS;
		}
	}
}

/* One host read or write: the lock is released, since a terminal or a
 * pipe may block for ever and other tasks must run meanwhile. */
static int64_t host_io(struct file *f, struct task *t, void *rbuf,
		       const void *wbuf, size_t n)
{
	struct hostfile *h = (struct hostfile *)f;
	struct kernel *k = h->kernel;
	kernel_unlock(k);
	int64_t r = wait_host(h, t, rbuf ? POLLIN : POLLOUT);
	if (r == 0) {
		ssize_t got = rbuf ? read(host_fd(h), rbuf, n)
				   : write(host_fd(h), wbuf, n);
		r = got < 0 ? -errno : got;
	}
	kernel_lock(k);
	return r;
}

static int64_t hostfile_read(struct file *f, struct task *t, void *buf,
			     size_t n)
{
	return host_io(f, t, buf, NULL, n);
}

static int64_t hostfile_write(struct file *f, struct task *t, const void *buf,
			      size_t n)
{
	return host_io(f, t, NULL, buf, n);
}

const struct file_ops hostfile_ops = {
	.codec_type = &codec_type_hostfile,
	.read = hostfile_read,
	.write = hostfile_write,
	.stat = hostfile_stat,
	.llseek = hostfile_llseek,
	.ioctl = hostfile_ioctl,
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
