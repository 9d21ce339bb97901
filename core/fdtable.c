#include "core/fdtable.h"

#include <errno.h>
#include <stdlib.h>

#include "core/file.h"

struct fdtable *fdtable_create(void)
{
	struct fdtable *t = calloc(1, sizeof(*t));
	if (t)
		t->refs = 1;
	return t;
}

static void fdtable_release(void *obj)
{
	struct fdtable *t = obj;
	free(t->fds);
}

void fdtable_put(struct fdtable *t)
{
	if (!t || --t->refs > 0)
		return;
	for (uint32_t i = 0; i < t->nfds; i++)
		if (t->fds[i].file)
			file_put(t->fds[i].file);
	fdtable_release(t);
	free(t);
}

struct file *fdtable_get(const struct fdtable *t, int fd)
{
	if (fd < 0 || (uint32_t)fd >= t->nfds)
		return NULL;
	return t->fds[fd].file;
}

static int fdtable_grow(struct fdtable *t, uint32_t need)
{
	if (need <= t->nfds)
		return 0;
	uint32_t n = t->nfds ? t->nfds : 16;
	while (n < need)
		n *= 2;
	if (n > FDTABLE_MAX)
		n = FDTABLE_MAX;
	struct fd_entry *fds = realloc(t->fds, n * sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	for (uint32_t i = t->nfds; i < n; i++)
		fds[i] = (struct fd_entry){ 0 };
	t->fds = fds;
	t->nfds = n;
	return 0;
}

int fdtable_install(struct fdtable *t, struct file *f, int min, bool cloexec)
{
	if (min < 0 || min >= FDTABLE_MAX)
		return -EINVAL;
	for (uint32_t fd = (uint32_t)min; fd < FDTABLE_MAX; fd++) {
		if (fdtable_grow(t, fd + 1) < 0)
			return -ENOMEM;
		if (!t->fds[fd].file) {
			t->fds[fd] = (struct fd_entry){ f, cloexec };
			return (int)fd;
		}
	}
	return -EMFILE;
}

int fdtable_install_at(struct fdtable *t, int fd, struct file *f,
		       bool cloexec, struct file **old)
{
	if (fd < 0 || fd >= FDTABLE_MAX)
		return -EBADF;
	if (fdtable_grow(t, (uint32_t)fd + 1) < 0)
		return -ENOMEM;
	*old = t->fds[fd].file;
	t->fds[fd] = (struct fd_entry){ f, cloexec };
	return 0;
}

bool fdtable_cloexec(const struct fdtable *t, int fd)
{
	return fdtable_get(t, fd) && t->fds[fd].cloexec;
}

void fdtable_set_cloexec(struct fdtable *t, int fd, bool on)
{
	if (fdtable_get(t, fd))
		t->fds[fd].cloexec = on;
}

int fdtable_close(struct fdtable *t, int fd)
{
	struct file *f = fdtable_get(t, fd);
	if (!f)
		return -EBADF;
	t->fds[fd].file = NULL;
	file_put(f);
	return 0;
}

/* Saved: the highest open fd + 1, then each slot (a file reference, NULL
 * for a hole, and its close-on-exec bit). */
static void fdtable_save(struct encoder *enc, const void *obj)
{
	const struct fdtable *t = obj;
	uint32_t n = t->nfds;
	while (n && !t->fds[n - 1].file)
		n--;
	enc_u32(enc, n);
	for (uint32_t i = 0; i < n; i++) {
		const struct file *f = t->fds[i].file;
		enc_ref(enc, f ? f->ops->codec_type : NULL, f);
		enc_bool(enc, t->fds[i].cloexec);
	}
}

static void fdtable_load(struct decoder *dec, void *obj)
{
	struct fdtable *t = obj;
	/* refs is not touched: objects arrive zeroed and each task that
	 * loads (before or after this) counts itself in. */
	uint32_t n = dec_count(dec, 5);
	if (n > FDTABLE_MAX)
		dec_fail(dec, "%u descriptors exceed the limit %d", n,
			 FDTABLE_MAX);
	if (!dec_ok(dec) || fdtable_grow(t, n) < 0)
		return;
	for (uint32_t i = 0; i < n && dec_ok(dec); i++) {
		const struct codec_type *type;
		struct file *f = dec_ref_any(dec, &type);
		t->fds[i].cloexec = dec_bool(dec);
		if (f && !file_ops_of_type(type)) {
			dec_fail(dec, "fd %u refers to a '%s', not a file", i,
				 type->name);
			return;
		}
		t->fds[i].file = f;
		if (f)
			f->refs++;
	}
}

const struct codec_type codec_type_fdtable = {
	.name = "fdtable",
	.version = 1,
	.size = sizeof(struct fdtable),
	.save = fdtable_save,
	.load = fdtable_load,
	.release = fdtable_release,
};

struct fdtable *fdtable_dup(const struct fdtable *t)
{
	struct fdtable *c = fdtable_create();
	if (!c || fdtable_grow(c, t->nfds) < 0) {
		fdtable_put(c);
		return NULL;
	}
	for (uint32_t i = 0; i < t->nfds; i++) {
		c->fds[i] = t->fds[i];
		if (c->fds[i].file)
			file_get(c->fds[i].file);
	}
	return c;
}
