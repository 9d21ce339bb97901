/* The image writer: a temporary file beside the target, a header
 * placeholder, the sections, the section table, then the real header, an
 * fsync and a rename. Memory pages are turned into chunks by
 * image_write_memory.c.
 *
 * Any failure marks the writer failed: the temporary file can no longer
 * become a valid image, so commit refuses and removes it, and the target
 * path is never touched. */
#include "snapshot/image_writer.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#define WRITEBACK_STEP (8u << 20)

int writer_grow(void **arr, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 16;
	while (n < need) {
		if (n > SIZE_MAX / 2 / size)
			return -ENOMEM;
		n *= 2;
	}
	void *p = realloc(*arr, n * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = n;
	return 0;
}

/* How much of a len-byte write may go through before the test hook
 * fail_after_bytes makes the disk "full". */
static size_t writer_allowance(const struct image_writer *w, size_t len)
{
	uint64_t limit = w->opts.fail_after_bytes;
	if (!limit)
		return len;
	uint64_t left = limit > w->written ? limit - w->written : 0;
	return left < len ? (size_t)left : len;
}

static int writer_pwrite(struct image_writer *w, const void *buf, size_t len,
			 uint64_t off, struct error *err)
{
	const uint8_t *p = buf;
	if (off > (uint64_t)INT64_MAX - len)
		return error_set_errno(err, EFBIG, "%s: writing at offset %llu",
				       w->path, (unsigned long long)off);
	while (len > 0) {
		size_t n = writer_allowance(w, len);
		ssize_t r = n ? pwrite(w->fd, p, n, (off_t)off) : -1;
		if (!n)
			errno = ENOSPC;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			/* A regular file that takes nothing is full. */
			int e = r < 0 ? errno : ENOSPC;
			return error_set_errno(err, e,
					       "%s: writing at offset %llu",
					       w->path, (unsigned long long)off);
		}
		p += r;
		len -= (size_t)r;
		off += (uint64_t)r;
		w->written += (uint64_t)r;
	}
	return 0;
}

/* Starts writeback of what was appended since the last call, without
 * waiting for it: the disk then works while chunks are compressed, and
 * the fsync at commit finds little left to do. Errors surface there. */
static void writer_start_writeback(struct image_writer *w)
{
	if (w->end - w->writeback < WRITEBACK_STEP)
		return;
	sync_file_range(w->fd, (off_t)w->writeback,
			(off_t)(w->end - w->writeback), SYNC_FILE_RANGE_WRITE);
	w->writeback = w->end;
}

int writer_append(struct image_writer *w, const void *buf, size_t len,
		  struct error *err)
{
	int rc = writer_pwrite(w, buf, len, w->end, err);
	if (rc == 0) {
		w->end += len;
		writer_start_writeback(w);
	}
	return rc;
}

int writer_note_section(struct image_writer *w, uint32_t kind,
			uint64_t offset, uint64_t length, uint64_t checksum,
			struct error *err)
{
	if (writer_grow((void **)&w->sections, &w->cap_sections,
			w->nsections + 1, sizeof(*w->sections)) < 0)
		return error_set(err, ENOMEM, "out of memory");
	w->sections[w->nsections++] = (struct writer_section){
		.kind = kind, .offset = offset, .length = length,
		.checksum = checksum,
	};
	return 0;
}

int writer_fail(struct image_writer *w, struct error *err)
{
	if (!w->failed) {
		w->failed = true;
		w->failure = *err;
	}
	/* The workers may point into the caller's memory: stop them before
	 * the failing call returns. */
	chunk_pool_free(w->mem.pool);
	w->mem.pool = NULL;
	return -err->code;
}

static int writer_refuse(const struct image_writer *w, struct error *err)
{
	return error_set(err, w->failure.code, "%s", w->failure.msg);
}

/* Sets up the target, directory and temporary file names. */
static int writer_names(struct image_writer *w, const char *path,
			struct error *err)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
		return error_set(err, EINVAL, "%s: not a file name", path);
	w->path = strdup(path);
	if (!slash)
		w->dir = strdup(".");
	else
		w->dir = slash == path ? strdup("/")
				       : strndup(path, (size_t)(slash - path));
	if (!w->path || !w->dir ||
	    asprintf(&w->tmp_path, "%s/.%s.tmp.XXXXXX", w->dir, base) < 0) {
		w->tmp_path = NULL;
		return error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

static void writer_header_info(struct image_writer *w)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	w->info.format_version = IMAGE_FORMAT_VERSION;
	w->info.arch = IMAGE_ARCH_X86_64;
	w->info.flags = w->opts.flags;
	w->info.created_ns = (uint64_t)ts.tv_sec * 1000000000u +
			     (uint64_t)ts.tv_nsec;
	if (w->opts.cpu)
		w->info.cpu = *w->opts.cpu;
	else
		image_cpu_features_host(&w->info.cpu);
}

static void writer_free(struct image_writer *w, bool remove_tmp)
{
	chunk_pool_free(w->mem.pool);
	w->mem.pool = NULL;
	if (w->fd >= 0) {
		close(w->fd);
		w->fd = -1;
	}
	if (remove_tmp && w->tmp_path)
		unlink(w->tmp_path);
	writer_memory_free(&w->mem);
	for (size_t i = 0; i < w->npending; i++)
		free(w->pending[i].data);
	free(w->pending);
	free(w->sections);
	free(w->path);
	free(w->tmp_path);
	free(w->dir);
	free(w);
}

static int writer_create(struct image_writer *w, const char *path,
			 struct error *err)
{
	int rc = writer_names(w, path, err);
	if (rc < 0)
		return rc;
	w->fd = mkostemp(w->tmp_path, O_CLOEXEC);
	if (w->fd < 0) {
		int e = errno;
		/* Nothing was created: keep writer_free from unlinking. */
		free(w->tmp_path);
		w->tmp_path = NULL;
		return error_set_errno(err, e, "%s: cannot create a file in %s",
				       path, w->dir);
	}
	writer_header_info(w);
	/* All zero until commit: a temporary file left by a crash is not
	 * mistaken for an image. */
	static const uint8_t placeholder[sizeof(struct image_disk_header)];
	return writer_append(w, placeholder, sizeof(placeholder), err);
}

int image_writer_open(struct image_writer **out, const char *path,
		      const struct image_options *opts, struct error *err)
{
	*out = NULL;
	struct image_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return error_set(err, ENOMEM, "out of memory");
	w->fd = -1;
	if (opts)
		w->opts = *opts;
	if (w->opts.compression > IMAGE_COMPRESS_ZSTD) {
		int rc = error_set(err, EINVAL, "%s: unknown compression %u",
				   path, (unsigned)w->opts.compression);
		writer_free(w, false);
		return rc;
	}
	int rc = writer_create(w, path, err);
	if (rc < 0) {
		writer_free(w, true);
		return rc;
	}
	*out = w;
	return 0;
}

static int writer_keep_pending(struct image_writer *w, uint32_t kind,
			       const void *data, size_t len, struct error *err)
{
	if (writer_grow((void **)&w->pending, &w->cap_pending,
			w->npending + 1, sizeof(*w->pending)) < 0)
		return error_set(err, ENOMEM, "out of memory");
	void *copy = malloc(len ? len : 1);
	if (!copy)
		return error_set(err, ENOMEM, "out of memory");
	if (len)
		memcpy(copy, data, len);
	w->pending[w->npending++] = (struct pending_section){ kind, copy, len };
	return 0;
}

static int writer_section(struct image_writer *w, uint32_t kind,
			  const void *data, size_t len, struct error *err)
{
	uint64_t offset = w->end;
	int rc = writer_append(w, data, len, err);
	if (rc < 0)
		return rc;
	return writer_note_section(w, kind, offset, len,
				   XXH3_64bits(data, len), err);
}

int image_writer_add_section(struct image_writer *w, uint32_t kind,
			     const void *data, size_t len, struct error *err)
{
	if (w->failed)
		return writer_refuse(w, err);
	if (kind == IMAGE_SECTION_MEMINDEX || kind == IMAGE_SECTION_MEMDATA)
		return error_set(err, EINVAL,
				 "%s: section '%s' is written by add_memory",
				 w->path, image_section_name(kind));
	if (len && !data)
		return error_set(err, EINVAL, "%s: section without data",
				 w->path);
	struct error e = { 0 };
	int rc = w->mem.started ? writer_keep_pending(w, kind, data, len, &e)
				: writer_section(w, kind, data, len, &e);
	if (rc < 0) {
		writer_fail(w, &e);
		return writer_refuse(w, err);
	}
	return 0;
}

static int writer_pending_sections(struct image_writer *w, struct error *err)
{
	for (size_t i = 0; i < w->npending; i++) {
		struct pending_section *s = &w->pending[i];
		int rc = writer_section(w, s->kind, s->data, s->len, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int writer_table(struct image_writer *w, uint64_t *checksum,
			struct error *err)
{
	size_t n = w->nsections;
	struct image_disk_section *t = calloc(n ? n : 1, sizeof(*t));
	if (!t)
		return error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		t[i].kind = htole32(w->sections[i].kind);
		t[i].offset = htole64(w->sections[i].offset);
		t[i].length = htole64(w->sections[i].length);
		t[i].checksum = htole64(w->sections[i].checksum);
	}
	*checksum = XXH3_64bits(t, n * sizeof(*t));
	int rc = writer_append(w, t, n * sizeof(*t), err);
	free(t);
	return rc;
}

static void writer_encode_header(const struct image_writer *w,
				 struct image_disk_header *h,
				 uint64_t table_offset,
				 uint64_t table_checksum)
{
	const struct image_cpu_features *c = &w->info.cpu;
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, IMAGE_MAGIC, IMAGE_MAGIC_LEN);
	h->format_version = htole32(w->info.format_version);
	h->header_size = htole32(sizeof(*h));
	h->arch = htole32(w->info.arch);
	h->flags = htole32(w->info.flags);
	h->created_ns = htole64(w->info.created_ns);
	h->cpu_leaf1_ecx = htole32(c->leaf1_ecx);
	h->cpu_leaf1_edx = htole32(c->leaf1_edx);
	h->cpu_leaf7_ebx = htole32(c->leaf7_ebx);
	h->cpu_leaf7_ecx = htole32(c->leaf7_ecx);
	h->cpu_leaf7_edx = htole32(c->leaf7_edx);
	h->cpu_ext1_ecx = htole32(c->ext1_ecx);
	h->cpu_ext1_edx = htole32(c->ext1_edx);
	h->cpu_xsave_size = htole32(c->xsave_size);
	h->cpu_xcr0 = htole64(c->xcr0);
	h->table_offset = htole64(table_offset);
	h->table_count = htole32((uint32_t)w->nsections);
	h->table_entry_size = htole32(sizeof(struct image_disk_section));
	h->table_checksum = htole64(table_checksum);
	h->header_checksum = htole64(
		image_header_checksum((const uint8_t *)h, sizeof(*h)));
}

/* Everything but the header is appended; the header goes last, at offset
 * 0, because it holds the table's position and checksum. */
static int writer_finish_file(struct image_writer *w, struct error *err)
{
	void *index = NULL;
	size_t index_len = 0;
	int rc = writer_memory_finish(w, &index, &index_len, err);
	if (rc == 0)
		rc = writer_pending_sections(w, err);
	if (rc == 0)
		rc = writer_section(w, IMAGE_SECTION_MEMINDEX, index,
				    index_len, err);
	free(index);
	if (rc < 0)
		return rc;
	if (w->nsections > UINT32_MAX)
		return error_set(err, EFBIG, "%s: too many sections", w->path);
	uint64_t table_offset = w->end, table_checksum = 0;
	rc = writer_table(w, &table_checksum, err);
	if (rc < 0)
		return rc;
	struct image_disk_header h;
	writer_encode_header(w, &h, table_offset, table_checksum);
	return writer_pwrite(w, &h, sizeof(h), 0, err);
}

static int writer_sync_dir(struct image_writer *w, struct error *err)
{
	int fd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, errno, "%s: saved, but opening %s "
				       "to sync it failed", w->path, w->dir);
	int rc = fsync(fd) < 0 && errno != EINVAL ? -errno : 0;
	close(fd);
	if (rc < 0)
		return error_set_errno(err, -rc, "%s: saved, but syncing %s "
				       "failed", w->path, w->dir);
	return 0;
}

/* The data must be on disk before the rename makes it the image, and the
 * rename must be on disk before we report success. */
static int writer_install(struct image_writer *w, struct error *err)
{
	if (fsync(w->fd) < 0)
		return error_set_errno(err, errno, "%s: fsync", w->path);
	int fd = w->fd;
	w->fd = -1;
	if (close(fd) < 0)
		return error_set_errno(err, errno, "%s: close", w->path);
	if (rename(w->tmp_path, w->path) < 0)
		return error_set_errno(err, errno, "%s: rename from %s",
				       w->path, w->tmp_path);
	free(w->tmp_path);
	w->tmp_path = NULL;
	return writer_sync_dir(w, err);
}

int image_writer_commit(struct image_writer *w, struct error *err)
{
	struct error e = { 0 };
	int rc = w->failed ? writer_refuse(w, &e) : writer_finish_file(w, &e);
	if (rc == 0)
		rc = writer_install(w, &e);
	if (rc < 0 && err)
		*err = e;
	writer_free(w, true);
	return rc;
}

void image_writer_abort(struct image_writer *w)
{
	if (w)
		writer_free(w, true);
}
