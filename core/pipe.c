/* Pipes and FIFOs: the shared buffer, both ends' file operations, and
 * their save/load (see pipe.h). */
#include "core/pipe.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/cred.h"
#include "core/fs/dentry.h"
#include "core/fs/inode.h"
#include "core/fs/mount.h"
#include "core/fs/perm.h"
#include "core/fs/super.h"
#include "core/fs/vfs.h"
#include "core/kernel.h"
#include "core/syscall.h"
#include "core/task.h"

#define PAGE 4096u

static struct pipe *pipe_of(const struct file *f)
{
	return ((const struct pipe_file *)f)->pipe;
}

static bool end_reads(const struct file *f)
{
	return (f->flags & O_ACCMODE) != O_WRONLY;
}

static bool end_writes(const struct file *f)
{
	return (f->flags & O_ACCMODE) != O_RDONLY;
}

static int64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void pipe_free(struct pipe *p)
{
	/* A FIFO's data goes with its last opener, as in Linux. */
	if (p->fifo_inode)
		p->fifo_inode->fifo = NULL;
	waitq_release(&p->wq);
	free(p->buf);
	free(p);
}

static void pipe_put(struct pipe *p)
{
	if (--p->refs == 0)
		pipe_free(p);
}

/* ---- the ring buffer ---------------------------------------------------- */

static int ring_reserve(struct pipe *p)
{
	if (!p->buf)
		p->buf = malloc(p->cap);
	return p->buf ? 0 : -ENOMEM;
}

static void ring_put(struct pipe *p, const uint8_t *src, uint32_t n)
{
	uint32_t tail = (p->head + p->len) % p->cap;
	uint32_t first = n < p->cap - tail ? n : p->cap - tail;
	memcpy(p->buf + tail, src, first);
	memcpy(p->buf, src + first, n - first);
	p->len += n;
}

static void ring_get(struct pipe *p, uint8_t *dst, uint32_t n)
{
	uint32_t first = n < p->cap - p->head ? n : p->cap - p->head;
	memcpy(dst, p->buf + p->head, first);
	memcpy(dst + first, p->buf, n - first);
	p->head = (p->head + n) % p->cap;
	p->len -= n;
	if (!p->len)
		p->head = 0;
}

/* Moves the data to a buffer of new_cap bytes (>= len). */
static int ring_resize(struct pipe *p, uint32_t new_cap)
{
	uint8_t *nb = NULL;
	uint32_t len = p->len;
	if (len) {
		nb = malloc(new_cap);
		if (!nb)
			return -ENOMEM;
		ring_get(p, nb, len);
	}
	free(p->buf);
	p->buf = nb;
	p->head = 0;
	p->len = len;
	p->cap = new_cap;
	return 0;
}

/* ---- blocking ------------------------------------------------------------ */

/* Sleeps until the pipe changes; -EINTR when the task must stop. The
 * caller's file reference (sys_io holds one) keeps the pipe alive. */
static int pipe_wait(struct pipe *p, struct task *t)
{
	struct waiter w;
	waiter_init_task(&w, t);
	waitq_add(&p->wq, &w);
	int rc = task_block(t, -1, NULL, 0);
	waitq_remove(&w);
	return rc;
}

static void send_sigpipe(struct task *t)
{
	siginfo_t info;
	memset(&info, 0, sizeof(info));
	info.si_signo = SIGPIPE;
	info.si_code = SI_USER;
	info.si_pid = (pid_t)t->tg->tgid;
	info.si_uid = t->uid;
	signal_send(t->tg, t, SIGPIPE, &info);
}

/* ---- file operations ----------------------------------------------------- */

static int64_t pipe_read(struct file *f, struct task *t, void *buf, size_t n)
{
	struct pipe *p = pipe_of(f);
	if (!n)
		return 0;
	for (;;) {
		if (p->len) {
			uint32_t k = n < p->len ? (uint32_t)n : p->len;
			ring_get(p, buf, k);
			p->atime_ns = realtime_ns();
			waitq_notify(&p->wq, POLLOUT | POLLWRNORM);
			return k;
		}
		if (!p->writers)
			return 0;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (pipe_wait(p, t) < 0)
			return -ERESTARTSYS;
	}
}

/* Copies what fits now: all of an atomic write or nothing; as much as
 * fits of a larger one. Returns the bytes copied or -errno. */
static int64_t write_some(struct pipe *p, const uint8_t *src, size_t left,
			  bool atomic)
{
	uint32_t room = p->cap - p->len;
	if (!room || (atomic && room < left))
		return 0;
	int rc = ring_reserve(p);
	if (rc < 0)
		return rc;
	uint32_t k = left < room ? (uint32_t)left : room;
	ring_put(p, src, k);
	p->mtime_ns = p->ctime_ns = realtime_ns();
	waitq_notify(&p->wq, POLLIN | POLLRDNORM);
	return k;
}

static int64_t pipe_write(struct file *f, struct task *t, const void *buf,
			  size_t n)
{
	struct pipe *p = pipe_of(f);
	const uint8_t *src = buf;
	bool atomic = n <= PIPE_ATOMIC;
	size_t done = 0;
	if (!n)
		return 0;
	for (;;) {
		if (!p->readers) {
			send_sigpipe(t);
			return done ? (int64_t)done : -EPIPE;
		}
		int64_t k = write_some(p, src + done, n - done, atomic);
		if (k < 0)
			return done ? (int64_t)done : k;
		done += (size_t)k;
		if (done == n)
			return (int64_t)done;
		if (k > 0)
			continue;
		if (f->flags & O_NONBLOCK)
			return done ? (int64_t)done : -EAGAIN;
		if (pipe_wait(p, t) < 0)
			return done ? (int64_t)done : -ERESTARTSYS;
	}
}

static void pipe_file_release(struct file *f)
{
	struct pipe *p = pipe_of(f);
	if (!p)
		return;
	if (end_reads(f))
		p->readers--;
	if (end_writes(f))
		p->writers--;
	waitq_notify(&p->wq, POLLHUP | POLLERR | POLLIN | POLLOUT);
	pipe_put(p);
}

static uint32_t pipe_poll(struct file *f, struct poll_table *pt)
{
	struct pipe *p = pipe_of(f);
	const struct pipe_file *pf = (const struct pipe_file *)f;
	poll_wait(pt, &p->wq);
	uint32_t mask = 0;
	if (end_reads(f)) {
		if (p->len)
			mask |= POLLIN | POLLRDNORM;
		if (!p->writers &&
		    !(pf->hup_wait && p->w_counter == pf->hup_after))
			mask |= POLLHUP;
	}
	if (end_writes(f)) {
		if (p->cap - p->len >= PIPE_ATOMIC)
			mask |= POLLOUT | POLLWRNORM;
		if (!p->readers)
			mask |= POLLERR;
	}
	return mask;
}

static int64_t pipe_nread(struct file *f)
{
	return pipe_of(f)->len;
}

static struct timespec ts_of(int64_t ns)
{
	return (struct timespec){ ns / 1000000000, ns % 1000000000 };
}

static int pipe_stat(struct file *f, struct vfs_stat *st)
{
	if (f->dentry) {          /* a FIFO: its inode's */
		struct path path = { f->mnt, f->dentry };
		return vfs_getattr(&path, st);
	}
	const struct pipe *p = pipe_of(f);
	*st = (struct vfs_stat){
		.dev = p->dev, .ino = p->ino,
		.mode = S_IFIFO | S_IRUSR | S_IWUSR, .nlink = 1,
		.uid = p->uid, .gid = p->gid, .blksize = PAGE,
		.atime = ts_of(p->atime_ns), .mtime = ts_of(p->mtime_ns),
		.ctime = ts_of(p->ctime_ns),
	};
	return 0;
}

/* /proc/PID/fd/N of an anonymous pipe (a FIFO shows its path). */
static int pipe_name(struct file *f, char *buf, size_t size)
{
	return snprintf(buf, size, "pipe:[%llu]",
			(unsigned long long)pipe_of(f)->ino);
}

const struct file_ops pipe_file_ops = {
	.codec_type = &codec_type_pipe_file,
	.read = pipe_read,
	.write = pipe_write,
	.release = pipe_file_release,
	.stat = pipe_stat,
	.nread = pipe_nread,
	.poll = pipe_poll,
	.name = pipe_name,
};

bool file_is_pipe(const struct file *f)
{
	return f->ops == &pipe_file_ops;
}

uint64_t pipe_file_ino(const struct file *f)
{
	return pipe_of(f)->ino;
}

/* ---- creation and fcntl --------------------------------------------------- */

static struct file *pipe_end(struct pipe *p, uint32_t flags)
{
	struct pipe_file *pf = calloc(1, sizeof(*pf));
	if (!pf)
		return NULL;
	pf->file.ops = &pipe_file_ops;
	pf->file.refs = 1;
	pf->file.flags = flags;
	pf->pipe = p;
	p->refs++;
	if (end_reads(&pf->file))
		p->readers++;
	if (end_writes(&pf->file))
		p->writers++;
	return &pf->file;
}

/* Inode numbers (and st_dev) come from the internal anonymous mount, as
 * memfd's do: a counter that is saved with its superblock. */
static void pipe_number(struct pipe *p, struct task *t)
{
	struct vfs *v = t->kernel->vfs;
	if (v && v->anon) {
		p->ino = v->anon->sb->next_ino++;
		p->dev = v->anon->sb->dev;
	}
}

int pipe_create(struct task *t, uint32_t flags, struct file **rd,
		struct file **wr)
{
	struct pipe *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->cap = PIPE_DEFAULT_SIZE;
	struct cred c = task_cred(t);
	p->uid = c.uid;
	p->gid = c.gid;
	p->atime_ns = p->mtime_ns = p->ctime_ns = realtime_ns();
	pipe_number(p, t);
	uint32_t status = flags & O_NONBLOCK;
	*rd = pipe_end(p, O_RDONLY | status);
	*wr = *rd ? pipe_end(p, O_WRONLY | status) : NULL;
	if (!*wr) {
		if (*rd)
			file_put(*rd);
		else
			free(p);
		return -ENOMEM;
	}
	return 0;
}

/* Linux's round_pipe_size: at least a page, a power of two. */
static uint64_t round_pipe_size(uint64_t size)
{
	if (size < PAGE)
		return PAGE;
	uint64_t r = PAGE;
	while (r < size)
		r <<= 1;
	return r;
}

static int64_t pipe_set_size(struct task *t, struct pipe *p, uint64_t arg)
{
	uint64_t size = round_pipe_size((uint32_t)arg);
	if (size > PIPE_MAX_SIZE && !cred_capable(t, CAP_SYS_RESOURCE))
		return -EPERM;
	if (size > PIPE_HARD_MAX_SIZE)
		return -ENOMEM;
	if (size < p->len)
		return -EBUSY;
	int rc = ring_resize(p, (uint32_t)size);
	if (rc < 0)
		return rc;
	waitq_notify(&p->wq, POLLOUT | POLLWRNORM);
	return (int64_t)size;
}

int64_t pipe_fcntl(struct task *t, struct file *f, int cmd, uint64_t arg)
{
	if (!file_is_pipe(f))
		return -EBADF;
	struct pipe *p = pipe_of(f);
	if (cmd == F_GETPIPE_SZ)
		return p->cap;
	return pipe_set_size(t, p, arg);
}

/* ---- named FIFOs ------------------------------------------------------------ */

static struct pipe *fifo_pipe(struct inode *i)
{
	if (i->fifo)
		return i->fifo;
	struct pipe *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->cap = PIPE_DEFAULT_SIZE;
	p->ino = i->ino;
	p->dev = i->sb ? i->sb->dev : 0;
	p->uid = i->uid;
	p->gid = i->gid;
	p->fifo_inode = i;
	i->fifo = p;
	return p;
}

int fifo_open(struct dentry *d, struct mount *mnt, uint32_t flags,
	      struct file **out)
{
	struct inode *i = d->inode;
	bool rd = (flags & O_ACCMODE) != O_WRONLY;
	bool wr = (flags & O_ACCMODE) != O_RDONLY;
	if ((flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	if (wr && !rd && (flags & O_NONBLOCK) &&
	    (!i->fifo || !i->fifo->readers))
		return -ENXIO;
	struct pipe *p = fifo_pipe(i);
	struct pipe_file *pf = p ? calloc(1, sizeof(*pf)) : NULL;
	if (!pf) {
		if (p && !p->refs)
			pipe_free(p);
		return -ENOMEM;
	}
	file_init_path(&pf->file, &pipe_file_ops, mnt, d, flags);
	pf->pipe = p;
	p->refs++;
	p->readers += rd;
	p->writers += wr;
	p->r_counter += rd;
	p->w_counter += wr;
	if (rd && !wr && !p->writers && (flags & O_NONBLOCK)) {
		pf->hup_wait = true;
		pf->hup_after = p->w_counter;
	}
	waitq_notify(&p->wq, POLLIN | POLLOUT);  /* a partner's open */
	*out = &pf->file;
	return 0;
}

int fifo_open_wait(struct task *t, struct file *f)
{
	struct pipe *p = pipe_of(f);
	if (!f->dentry || (f->flags & O_ACCMODE) == O_RDWR)
		return 0;
	bool rd = (f->flags & O_ACCMODE) == O_RDONLY;
	if (rd && (f->flags & O_NONBLOCK))
		return 0;
	if ((rd ? p->writers : p->readers) > 0)
		return 0;
	/* Linux waits for the other kind's open count to move, so a
	 * partner that came and went meanwhile still counts. */
	uint32_t *partner = rd ? &p->w_counter : &p->r_counter;
	uint32_t seen = *partner;
	while (*partner == seen)
		if (pipe_wait(p, t) < 0)
			return -ERESTARTSYS;
	return 0;
}

/* ---- serialization --------------------------------------------------------- */

static void pipe_save(struct encoder *enc, const void *obj)
{
	const struct pipe *p = obj;
	enc_u64(enc, p->cap);
	enc_u64(enc, p->ino);
	enc_u64(enc, p->dev);
	enc_u32(enc, p->uid);
	enc_u32(enc, p->gid);
	enc_i64(enc, p->atime_ns);
	enc_i64(enc, p->mtime_ns);
	enc_i64(enc, p->ctime_ns);
	enc_u32(enc, p->r_counter);
	enc_u32(enc, p->w_counter);
	/* The bytes held, in reading order. */
	enc_u32(enc, p->len);
	uint32_t first = p->len < p->cap - p->head ? p->len : p->cap - p->head;
	if (p->len) {
		enc_blob(enc, p->buf + p->head, first);
		enc_blob(enc, p->buf, p->len - first);
	}
}

static void pipe_load(struct decoder *dec, void *obj)
{
	struct pipe *p = obj;
	p->cap = (uint32_t)dec_u64_range(dec, PAGE, PIPE_HARD_MAX_SIZE,
					 "pipe capacity");
	if (dec_ok(dec) && (p->cap & (p->cap - 1)))
		dec_fail(dec, "pipe capacity %u is not a power of two", p->cap);
	p->ino = dec_u64(dec);
	p->dev = dec_u64(dec);
	p->uid = dec_u32(dec);
	p->gid = dec_u32(dec);
	p->atime_ns = dec_i64(dec);
	p->mtime_ns = dec_i64(dec);
	p->ctime_ns = dec_i64(dec);
	p->r_counter = dec_u32(dec);
	p->w_counter = dec_u32(dec);
	uint32_t len = dec_count(dec, 1);
	if (!dec_ok(dec))
		return;
	if (len > p->cap) {
		dec_fail(dec, "pipe holds %u bytes, more than its capacity %u",
			 len, p->cap);
		return;
	}
	if (!len)
		return;
	p->buf = malloc(p->cap);
	if (!p->buf) {
		dec_fail(dec, "out of memory for a pipe buffer");
		return;
	}
	dec_blob(dec, p->buf, len);
	p->len = len;
}

static void pipe_codec_release(void *obj)
{
	struct pipe *p = obj;
	free(p->buf);
	p->buf = NULL;
}

const struct codec_type codec_type_pipe = {
	.name = "pipe",
	.version = 1,
	.size = sizeof(struct pipe),
	.save = pipe_save,
	.load = pipe_load,
	.release = pipe_codec_release,
};

static void pipe_file_save(struct encoder *enc, const void *obj)
{
	const struct pipe_file *pf = obj;
	file_save_common(enc, &pf->file);
	enc_ref(enc, &codec_type_pipe, pf->pipe);
	enc_bool(enc, pf->file.dentry != NULL);
	if (pf->file.dentry)
		file_save_path(enc, &pf->file);
	enc_bool(enc, pf->hup_wait);
	enc_u32(enc, pf->hup_after);
}

static void pipe_file_load(struct decoder *dec, void *obj)
{
	struct pipe_file *pf = obj;
	file_load_common(dec, &pf->file, &pipe_file_ops);
	pf->pipe = dec_ref(dec, &codec_type_pipe);
	if (dec_bool(dec))
		file_load_path(dec, &pf->file);
	pf->hup_wait = dec_bool(dec);
	pf->hup_after = dec_u32(dec);
	if (dec_ok(dec) && !pf->pipe)
		dec_fail(dec, "pipe end without a pipe");
	if (dec_ok(dec) && (pf->file.flags & O_ACCMODE) == O_ACCMODE)
		dec_fail(dec, "pipe end with access mode 3");
}

/* The pipe's counts come from the ends that load (loading must not
 * touch the referenced pipe); a FIFO's inode finds its pipe again. */
static int pipe_file_after_load(void *obj, void *ctx, struct error *err)
{
	(void)ctx;
	struct pipe_file *pf = obj;
	struct pipe *p = pf->pipe;
	p->refs++;
	if (end_reads(&pf->file))
		p->readers++;
	if (end_writes(&pf->file))
		p->writers++;
	if (!pf->file.dentry)
		return 0;
	struct inode *i = pf->file.dentry->inode;
	if (!i || !S_ISFIFO(i->mode) || (i->fifo && i->fifo != p) ||
	    (p->fifo_inode && p->fifo_inode != i))
		return error_set(err, EINVAL,
				 "a FIFO end does not match its inode");
	i->fifo = p;
	p->fifo_inode = i;
	return 0;
}

const struct codec_type codec_type_pipe_file = {
	.name = "pipe_file",
	.version = 1,
	.size = sizeof(struct pipe_file),
	.after_load_phase = FILE_RESTORE_PHASE,
	.save = pipe_file_save,
	.load = pipe_file_load,
	.after_load = pipe_file_after_load,
};
