#include "core/hostfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/kernel.h"

static int host_fd(const struct hostfile *h)
{
	return h->kernel->host_stdio[h->stream];
}

static int64_t hostfile_read(struct file *f, struct task *t, void *buf,
			     size_t n)
{
	(void)t;
	struct hostfile *h = (struct hostfile *)f;
	struct kernel *k = h->kernel;
	/* Reading a terminal or a pipe may block for ever: other tasks
	 * must run meanwhile, so the kernel lock is released. */
	kernel_unlock(k);
	ssize_t r = read(host_fd(h), buf, n);
	int e = errno;
	kernel_lock(k);
	return r < 0 ? -e : r;
}

static int64_t hostfile_write(struct file *f, struct task *t, const void *buf,
			      size_t n)
{
	(void)t;
	struct hostfile *h = (struct hostfile *)f;
	struct kernel *k = h->kernel;
	kernel_unlock(k);
	ssize_t r = write(host_fd(h), buf, n);
	int e = errno;
	kernel_lock(k);
	return r < 0 ? -e : r;
}

const struct file_ops hostfile_ops = {
	.codec_type = &codec_type_hostfile,
	.read = hostfile_read,
	.write = hostfile_write,
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
