/* Open regular files of procfs and sysfs: the bytes made by the entry's
 * generator when the file is read from offset 0, served by offset.
 * Saved with those bytes (procfs.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/file.h"
#include "core/fs/dentry.h"
#include "core/fs/procfs_internal.h"

/* Largest content a procfs file keeps (a huge maps or environ is cut,
 * which Linux does not do; far above what programs have). */
#define PROCFS_FILE_MAX (4u << 20)

struct procfs_file {
	struct file file;          /* first: a procfs file is a file */
	char *data;                /* what was made at offset 0 */
	size_t len;
	bool made;
};

/* ---- the text buffer ------------------------------------------------------ */

static bool pbuf_reserve(struct pbuf *b, size_t more)
{
	if (b->failed)
		return false;
	if (b->len + more <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 1024;
	while (cap < b->len + more)
		cap *= 2;
	char *p = cap <= PROCFS_FILE_MAX ? realloc(b->data, cap) : NULL;
	if (!p) {
		b->failed = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void pbuf_put(struct pbuf *b, const void *s, size_t n)
{
	if (n && pbuf_reserve(b, n)) {
		memcpy(b->data + b->len, s, n);
		b->len += n;
	}
}

void pbuf_printf(struct pbuf *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		pbuf_put(b, small, (size_t)n);
		return;
	}
	if (!pbuf_reserve(b, (size_t)n + 1))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void pbuf_free(struct pbuf *b)
{
	free(b->data);
	*b = (struct pbuf){ 0 };
}

int procfs_generate(struct procfs_inode *pi, struct task *caller,
		    struct pbuf *b)
{
	struct proc_ctx c;
	int rc = procfs_resolve(pi, &c);
	if (rc < 0)
		return rc;
	c.caller = caller;
	c.entry = procfs_entry(pi);
	rc = procfs_entry(pi)->gen(&c, b);
	if (rc == 0 && b->failed)
		rc = -ENOMEM;
	return rc;
}

/* ---- open files ------------------------------------------------------------ */

static struct procfs_inode *file_pinode(struct file *f)
{
	return PROCFS_I(f->dentry->inode);
}

int procfs_file_open(struct dentry *d, struct mount *mnt, uint32_t flags,
		     struct file **out)
{
	struct proc_ctx c;
	int rc = procfs_resolve(PROCFS_I(d->inode), &c);
	if (rc < 0)
		return rc;
	struct procfs_file *pf = calloc(1, sizeof(*pf));
	if (!pf)
		return -ENOMEM;
	file_init_path(&pf->file, &procfs_file_ops, mnt, d, flags);
	*out = &pf->file;
	return 0;
}

/* Makes the contents anew (reading from offset 0). */
static int remake(struct procfs_file *pf, struct task *t)
{
	struct pbuf b = { 0 };
	int rc = procfs_generate(file_pinode(&pf->file), t, &b);
	if (rc < 0) {
		pbuf_free(&b);
		return rc;
	}
	free(pf->data);
	pf->data = b.data;
	pf->len = b.len;
	pf->made = true;
	return 0;
}

static int64_t procfs_file_pread(struct file *f, struct task *t, void *buf,
				 size_t n, int64_t off)
{
	struct procfs_file *pf = (struct procfs_file *)f;
	if (off < 0)
		return -EINVAL;
	if (off == 0 || !pf->made) {
		int rc = remake(pf, t);
		if (rc < 0)
			return rc;
	}
	if ((uint64_t)off >= pf->len)
		return 0;
	size_t left = pf->len - (size_t)off;
	if (n > left)
		n = left;
	memcpy(buf, pf->data + off, n);
	return (int64_t)n;
}

static int64_t procfs_file_read(struct file *f, struct task *t, void *buf,
				size_t n)
{
	int64_t rc = procfs_file_pread(f, t, buf, n, f->pos);
	if (rc > 0)
		f->pos += rc;
	return rc;
}

/* Nothing here can be written (Linux: EACCES at open for the 0444 mode
 * unless privileged; then the write fails). */
static int64_t procfs_file_write(struct file *f, struct task *t,
				 const void *buf, size_t n)
{
	(void)f, (void)t, (void)buf, (void)n;
	return -EINVAL;
}

static int64_t procfs_file_llseek(struct file *f, int64_t off, int whence)
{
	int64_t base;
	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = f->pos; break;
	default: return -EINVAL;   /* seq_file has no end to seek from */
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -EINVAL;
	f->pos = base + off;
	return f->pos;
}

static void procfs_file_release(struct file *f)
{
	free(((struct procfs_file *)f)->data);
}

const struct file_ops procfs_file_ops = {
	.codec_type = &codec_type_procfs_file,
	.read = procfs_file_read,
	.write = procfs_file_write,
	.pread = procfs_file_pread,
	.llseek = procfs_file_llseek,
	.release = procfs_file_release,
};

/* ---- serialization ------------------------------------------------------- */

/* Layout (version 1): file common part; path; bool made; bytes data. */
static void procfs_file_save(struct encoder *enc, const void *obj)
{
	const struct procfs_file *pf = obj;
	file_save_common(enc, &pf->file);
	file_save_path(enc, &pf->file);
	enc_bool(enc, pf->made);
	enc_bytes(enc, pf->data, pf->len);
}

static void procfs_file_load(struct decoder *dec, void *obj)
{
	struct procfs_file *pf = obj;
	file_load_common(dec, &pf->file, &procfs_file_ops);
	file_load_path(dec, &pf->file);
	pf->made = dec_bool(dec);
	pf->data = dec_bytes(dec, PROCFS_FILE_MAX, &pf->len);
}

static int procfs_file_after_load(void *obj, void *ctx, struct error *err)
{
	(void)ctx;
	struct file *f = obj;
	struct inode *i = f->dentry->inode;
	if (!i || i->ops != &procfs_inode_ops || !S_ISREG(i->mode) ||
	    !procfs_entry(PROCFS_I(i))->gen)
		return error_set(err, EINVAL, "procfs file of no procfs "
				 "regular file");
	return 0;
}

static void procfs_file_codec_release(void *obj)
{
	struct procfs_file *pf = obj;
	free(pf->data);
	pf->data = NULL;
}

const struct codec_type codec_type_procfs_file = {
	.name = "procfs_file",
	.version = 1,
	.size = sizeof(struct procfs_file),
	.after_load_phase = FILE_RESTORE_PHASE,
	.save = procfs_file_save,
	.load = procfs_file_load,
	.after_load = procfs_file_after_load,
	.release = procfs_file_codec_release,
};
