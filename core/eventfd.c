/* eventfd objects and the eventfd, eventfd2 syscalls. */
#include "core/eventfd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>

#include "core/anon_file.h"
#include "core/fdtable.h"
#include "core/syscall.h"
#include "core/task.h"

static struct eventfd *efd_of(struct file *f)
{
	return (struct eventfd *)f;
}

/* Sleeps until the eventfd's queue is notified; -ERESTARTSYS when the
 * task must stop first (a signal, a freeze, the group's exit): the read
 * or write then runs again, as Linux restarts it. */
static int wait_change(struct eventfd *e, struct task *t)
{
	struct waiter w;
	waiter_init_task(&w, t);
	waitq_add(&e->wq, &w);
	int rc = task_block(t, -1, NULL, 0);
	waitq_remove(&w);
	return rc < 0 ? -ERESTARTSYS : 0;
}

static int64_t efd_read(struct file *f, struct task *t, void *buf,
			    size_t n)
{
	struct eventfd *e = efd_of(f);
	if (n < sizeof(uint64_t))
		return -EINVAL;
	while (e->count == 0) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		int rc = wait_change(e, t);
		if (rc < 0)
			return rc;
	}
	uint64_t v = e->semaphore ? 1 : e->count;
	e->count -= v;
	memcpy(buf, &v, sizeof(v));
	waitq_notify(&e->wq, POLLOUT | POLLWRNORM);
	return sizeof(v);
}

static int64_t efd_write(struct file *f, struct task *t, const void *buf,
			     size_t n)
{
	struct eventfd *e = efd_of(f);
	uint64_t v;
	if (n < sizeof(v))
		return -EINVAL;
	memcpy(&v, buf, sizeof(v));
	if (v == UINT64_MAX)
		return -EINVAL;
	while (EVENTFD_MAX - e->count < v) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		int rc = wait_change(e, t);
		if (rc < 0)
			return rc;
	}
	e->count += v;
	/* Even for 0, as Linux: an edge-triggered epoll reports again. */
	waitq_notify(&e->wq, POLLIN | POLLRDNORM);
	return sizeof(v);
}

/* As Linux's eventfd_poll: readable while non-zero, writable while a
 * write of 1 would not block, an error once overflowed (which only the
 * kernel's own signalling could do). */
static uint32_t eventfd_poll(struct file *f, struct poll_table *pt)
{
	struct eventfd *e = efd_of(f);
	poll_wait(pt, &e->wq);
	uint32_t ev = 0;
	if (e->count > 0)
		ev |= POLLIN;
	if (e->count == UINT64_MAX)
		ev |= POLLERR;
	if (e->count < EVENTFD_MAX)
		ev |= POLLOUT;
	return ev;
}

static void eventfd_release(struct file *f)
{
	waitq_release(&efd_of(f)->wq);
}

const struct file_ops eventfd_ops = {
	.codec_type = &codec_type_eventfd,
	.read = efd_read,
	.write = efd_write,
	.release = eventfd_release,
	.stat = anon_file_stat,
	.llseek = anon_file_llseek,
	.poll = eventfd_poll,
};

struct file *eventfd_create(uint64_t count, unsigned flags)
{
	struct eventfd *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->file.ops = &eventfd_ops;
	e->file.refs = 1;
	/* Linux: O_RDWR plus O_NONBLOCK; anonymous files lack O_LARGEFILE. */
	e->file.flags = O_RDWR | (flags & EFD_NONBLOCK);
	e->count = count;
	e->semaphore = flags & EFD_SEMAPHORE;
	return &e->file;
}

static int64_t do_eventfd(struct task *t, uint64_t initval, unsigned flags)
{
	if (flags & ~(unsigned)(EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE))
		return -EINVAL;
	struct file *f = eventfd_create((uint32_t)initval, flags);
	if (!f)
		return -ENOMEM;
	int fd = fdtable_install(t->files, f, 0, flags & EFD_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

SYSCALL_DECL(eventfd)
{
	return do_eventfd(t, a[0], 0);
}

SYSCALL_DECL(eventfd2)
{
	return do_eventfd(t, a[0], (unsigned)a[1]);
}

/* ---- serialization ------------------------------------------------------ */

static void eventfd_save(struct encoder *enc, const void *obj)
{
	const struct eventfd *e = obj;
	file_save_common(enc, &e->file);
	enc_u64(enc, e->count);
	enc_bool(enc, e->semaphore);
}

static void eventfd_load(struct decoder *dec, void *obj)
{
	struct eventfd *e = obj;
	file_load_common(dec, &e->file, &eventfd_ops);
	e->count = dec_u64(dec);
	e->semaphore = dec_bool(dec);
}

const struct codec_type codec_type_eventfd = {
	.name = "eventfd",
	.version = 1,
	.size = sizeof(struct eventfd),
	.save = eventfd_save,
	.load = eventfd_load,
};
