/* The image file library: round trips with every compression, the
 * memory statistics, single chunks, and the failures it must survive --
 * corrupt, truncated, foreign and newer images, a full disk, an abandoned
 * writer, a missing directory. */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "snapshot/image.h"
#include "snapshot/image_format.h"
#include "tests/unit/harness.h"

#define PAGE IMAGE_PAGE_SIZE

/* ---- test data ---------------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fill_random(uint8_t *p, size_t n, uint64_t seed)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;
	for (size_t i = 0; i + 8 <= n; i += 8) {
		uint64_t v = rng_next(&s);
		memcpy(p + i, &v, 8);
	}
}

static void fill_text(uint8_t *p, size_t n, uint64_t seed)
{
	static const char *words[] = { "kernel", "page", "sandbox", "restore",
				       "checkpoint", "the", "of", "memory",
				       "file", "and", "chunk", "snapshot" };
	uint64_t s = seed + 77;
	size_t i = 0;
	while (i < n) {
		const char *w = words[rng_next(&s) % 12];
		for (size_t k = 0; w[k] && i < n; k++)
			p[i++] = (uint8_t)w[k];
		if (i < n)
			p[i++] = rng_next(&s) % 9 ? ' ' : '\n';
	}
}

/* Page i of a region: random, zero or text by a fixed pattern, with a
 * longer stretch of zero pages in the middle. */
static uint8_t *make_region(uint64_t npages, uint64_t seed, uint64_t *zeros)
{
	uint8_t *buf = calloc(npages ? npages : 1, PAGE);
	*zeros = 0;
	for (uint64_t i = 0; i < npages; i++) {
		uint8_t *pg = buf + i * PAGE;
		unsigned kind = (unsigned)((i * 7 + seed) % 5);
		if ((i >= npages / 3 && i < npages / 3 + 40) || kind == 2) {
			(*zeros)++;
			continue;
		}
		if (kind < 2)
			fill_random(pg, PAGE, seed * 1000 + i);
		else
			fill_text(pg, PAGE, seed * 1000 + i);
	}
	return buf;
}

struct part {
	uint64_t first_page, npages, zeros;
	uint8_t *buf;
};

/* Three calls: 300 pages at 0 (more than one chunk), 50 at 1000, and 20
 * at a page whose byte offset is beyond 4 GiB. */
static void make_parts(struct part p[3])
{
	const uint64_t first[3] = { 0, 1000, (1ull << 20) + 3 };
	const uint64_t n[3] = { 300, 50, 20 };
	for (int i = 0; i < 3; i++) {
		p[i].first_page = first[i];
		p[i].npages = n[i];
		p[i].buf = make_region(n[i], (uint64_t)i + 1, &p[i].zeros);
	}
}

static void free_parts(struct part p[3])
{
	for (int i = 0; i < 3; i++)
		free(p[i].buf);
}

/* The page the image should hold at `page`, or NULL for zero. */
static const uint8_t *expected_page(const struct part p[3], uint64_t page)
{
	for (int i = 0; i < 3; i++)
		if (page >= p[i].first_page &&
		    page < p[i].first_page + p[i].npages)
			return p[i].buf + (page - p[i].first_page) * PAGE;
	return NULL;
}

static const char kernel_blob[] = "struct kernel, as the codec encodes it";

static void tpath(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", harness_tmpdir(), name);
}

static uint8_t *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	*len = 0;
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	*len = (size_t)st.st_size;
	uint8_t *buf = malloc(*len ? *len : 1);
	if (buf && read(fd, buf, *len) != (ssize_t)*len) {
		free(buf);
		buf = NULL;
	}
	close(fd);
	return buf;
}

static int write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	int rc = write(fd, buf, len) == (ssize_t)len ? 0 : -1;
	close(fd);
	return rc;
}

/* Writes kernel_blob and the parts; kernel_last adds the section after
 * the memory (the writer then keeps it until commit). */
static int write_image(const char *path, const struct image_options *o,
		       const struct part *parts, int nparts, bool kernel_last,
		       struct error *err)
{
	struct image_writer *w;
	int rc = image_writer_open(&w, path, o, err);
	if (rc < 0)
		return rc;
	if (!kernel_last)
		rc = image_writer_add_section(w, IMAGE_SECTION_KERNEL,
					      kernel_blob, sizeof(kernel_blob),
					      err);
	for (int i = 0; rc == 0 && i < nparts; i++)
		rc = image_writer_add_memory(w, parts[i].first_page,
					     parts[i].buf, parts[i].npages, err);
	if (rc == 0 && kernel_last)
		rc = image_writer_add_section(w, IMAGE_SECTION_KERNEL,
					      kernel_blob, sizeof(kernel_blob),
					      err);
	if (rc < 0) {
		image_writer_abort(w);
		return rc;
	}
	return image_writer_commit(w, err);
}

/* A small image for the corruption tests: a few pages, some compressible
 * (stored compressed), some random (stored raw), a zero page. */
static uint8_t *small_image(size_t *len)
{
	char path[512];
	tpath(path, sizeof(path), "small.snap");
	uint8_t *pages = calloc(6, PAGE);
	fill_text(pages, PAGE, 1);
	fill_random(pages + 2 * PAGE, PAGE, 2);
	fill_text(pages + 3 * PAGE, 2 * PAGE, 3);
	fill_random(pages + 5 * PAGE, PAGE, 4);
	struct part p = { .first_page = 10, .npages = 6, .buf = pages };
	struct image_options o = { .compression = IMAGE_COMPRESS_LZ4 };
	struct error err;
	int rc = write_image(path, &o, &p, 1, false, &err);
	free(pages);
	if (rc < 0)
		return NULL;
	uint8_t *buf = read_file(path, len);
	unlink(path);
	return buf;
}

/* ---- round trips -------------------------------------------------------- */

static void check_memory(const struct image *img, const struct part p[3],
			 const char **why)
{
	uint64_t end = image_memory_end_page(img);
	size_t size = end * PAGE;
	*why = NULL;
	uint8_t *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED) {
		*why = "mmap";
		return;
	}
	struct error err;
	if (image_read_memory(img, mem, 2, &err) < 0)
		*why = "image_read_memory failed";
	for (int i = 0; !*why && i < 3; i++) {
		/* The pages around each part too: nothing may spill. */
		uint64_t lo = p[i].first_page ? p[i].first_page - 2 : 0;
		for (uint64_t pg = lo; pg < p[i].first_page + p[i].npages + 2 &&
				       pg < end; pg++) {
			const uint8_t *want = expected_page(p, pg);
			static const uint8_t zero[PAGE];
			if (memcmp(mem + pg * PAGE, want ? want : zero, PAGE))
				*why = "memory differs";
		}
	}
	munmap(mem, size);
}

/* Every chunk read alone matches what its runs say it holds. */
static bool check_chunks(const struct image *img, const struct part p[3])
{
	size_t nruns;
	const struct image_page_run *runs = image_page_runs(img, &nruns);
	struct image_memory_stats st;
	image_memory_stats(img, &st);
	uint8_t *buf = malloc(IMAGE_CHUNK_MAX_BYTES);
	bool ok = true;
	for (uint32_t c = 0; ok && c < st.chunks; c++) {
		struct error err;
		uint32_t n = image_chunk_pages(img, c);
		ok = n >= 1 && n <= IMAGE_CHUNK_MAX_PAGES &&
		     image_read_chunk(img, c, buf, &err) == 0;
		for (size_t r = 0; ok && r < nruns; r++) {
			if (runs[r].chunk != c)
				continue;
			for (uint32_t k = 0; ok && k < runs[r].npages; k++) {
				const uint8_t *want = expected_page(
					p, runs[r].first_page + k);
				ok = want && !memcmp(buf + (size_t)(runs[r].chunk_page + k) * PAGE,
						     want, PAGE);
			}
		}
	}
	free(buf);
	return ok;
}

static void round_trip(enum image_compression method, int level,
		       bool kernel_last)
{
	char path[512];
	tpath(path, sizeof(path), "rt.snap");
	struct part p[3];
	make_parts(p);
	struct image_options o = { .compression = method, .level = level,
				   .threads = 3, .flags = 0x5a };
	struct error err = { 0 };
	int rc = write_image(path, &o, p, 3, kernel_last, &err);
	uint64_t total = 0, zeros = 0;
	for (int i = 0; i < 3; i++) {
		total += p[i].npages;
		zeros += p[i].zeros;
	}
	if (rc < 0) {
		free_parts(p);
		harness_fail(__FILE__, __LINE__, "write: %s", err.msg);
		return;
	}
	struct image *img;
	rc = image_open(&img, path, &err);
	if (rc < 0) {
		free_parts(p);
		harness_fail(__FILE__, __LINE__, "open: %s", err.msg);
		return;
	}
	struct image_header_info hdr = *image_header(img), *h = &hdr;
	struct image_cpu_features host;
	image_cpu_features_host(&host);
	size_t klen;
	const void *k = image_section(img, IMAGE_SECTION_KERNEL, &klen);
	bool kernel_ok = k && klen == sizeof(kernel_blob) &&
			 !memcmp(k, kernel_blob, klen);
	struct image_memory_stats st;
	image_memory_stats(img, &st);
	const char *why;
	check_memory(img, p, &why);
	bool chunks_ok = check_chunks(img, p);
	int verify = image_verify_memory(img, 0, &err);
	uint8_t one[PAGE];
	int beyond = image_read_chunk(img, (uint32_t)st.chunks, one, &err);
	image_close(img);
	unlink(path);
	free_parts(p);

	CHECK(why == NULL);
	CHECK(chunks_ok);
	CHECK_EQ(verify, 0);
	CHECK_EQ(beyond, -EINVAL);
	CHECK_EQ(h->format_version, IMAGE_FORMAT_VERSION);
	CHECK_EQ(h->arch, IMAGE_ARCH_X86_64);
	CHECK_EQ(h->flags, 0x5a);
	CHECK(h->created_ns > 0);
	CHECK(!memcmp(&h->cpu, &host, sizeof(host)));
	CHECK(kernel_ok);
	CHECK_EQ(st.pages_total, total);
	CHECK_EQ(st.pages_zero, zeros);
	CHECK_EQ(st.pages_stored, total - zeros);
	CHECK_EQ(st.bytes_raw, st.pages_stored * PAGE);
	CHECK_EQ(st.compression, method);
	CHECK(st.chunks >= (st.pages_stored + 255) / 256);
	if (method == IMAGE_COMPRESS_NONE)
		CHECK_EQ(st.bytes_compressed, st.bytes_raw);
	else
		CHECK(st.bytes_compressed < st.bytes_raw);
}

TEST(round_trip_none) { round_trip(IMAGE_COMPRESS_NONE, 0, false); }
TEST(round_trip_lz4) { round_trip(IMAGE_COMPRESS_LZ4, 0, false); }
TEST(round_trip_lz4hc) { round_trip(IMAGE_COMPRESS_LZ4, 3, false); }
TEST(round_trip_zstd1) { round_trip(IMAGE_COMPRESS_ZSTD, 1, false); }
TEST(round_trip_zstd3) { round_trip(IMAGE_COMPRESS_ZSTD, 3, false); }
TEST(round_trip_zstd_default) { round_trip(IMAGE_COMPRESS_ZSTD, 0, false); }
TEST(round_trip_section_after_memory)
{
	round_trip(IMAGE_COMPRESS_ZSTD, 1, true);
}

/* Chunks do not depend on the thread count: same memory-data bytes. */
TEST(threads_do_not_change_chunks)
{
	char a[512], b[512];
	tpath(a, sizeof(a), "t1.snap");
	tpath(b, sizeof(b), "t5.snap");
	struct part p[3];
	make_parts(p);
	struct image_options o1 = { .compression = IMAGE_COMPRESS_ZSTD,
				    .threads = 1 };
	struct image_options o5 = o1;
	o5.threads = 5;
	struct error err;
	int rc1 = write_image(a, &o1, p, 3, false, &err);
	int rc5 = write_image(b, &o5, p, 3, false, &err);
	free_parts(p);
	CHECK(rc1 == 0 && rc5 == 0);
	size_t la, lb;
	uint8_t *ba = read_file(a, &la), *bb = read_file(b, &lb);
	bool same = ba && bb && la == lb &&
		    !memcmp(ba + sizeof(struct image_disk_header),
			    bb + sizeof(struct image_disk_header),
			    la - sizeof(struct image_disk_header));
	free(ba);
	free(bb);
	unlink(a);
	unlink(b);
	CHECK(same);
}

TEST(zero_pages_only)
{
	char path[512];
	tpath(path, sizeof(path), "zero.snap");
	struct part p = { .first_page = 5, .npages = 600 };
	p.buf = calloc(p.npages, PAGE);
	struct error err;
	int rc = write_image(path, NULL, &p, 1, false, &err);
	free(p.buf);
	CHECK_EQ(rc, 0);
	struct image *img;
	CHECK_EQ(image_open(&img, path, &err), 0);
	struct image_memory_stats st;
	image_memory_stats(img, &st);
	uint8_t dummy = 0;
	rc = image_read_memory(img, &dummy, 0, &err);
	uint64_t end = image_memory_end_page(img);
	image_close(img);
	unlink(path);
	CHECK_EQ(rc, 0);
	CHECK_EQ(st.pages_total, 600);
	CHECK_EQ(st.pages_zero, 600);
	CHECK_EQ(st.pages_stored, 0);
	CHECK_EQ(st.chunks, 0);
	CHECK_EQ(end, 0);
}

TEST(empty_image)
{
	char path[512];
	tpath(path, sizeof(path), "empty.snap");
	struct image_writer *w;
	struct error err;
	CHECK_EQ(image_writer_open(&w, path, NULL, &err), 0);
	CHECK_EQ(image_writer_commit(w, &err), 0);
	struct image *img;
	CHECK_EQ(image_open(&img, path, &err), 0);
	size_t n = image_section_count(img), klen;
	const void *k = image_section(img, IMAGE_SECTION_KERNEL, &klen);
	struct image_memory_stats st;
	image_memory_stats(img, &st);
	image_close(img);
	unlink(path);
	CHECK_EQ(n, 2); /* memory-data and memory-index, both empty */
	CHECK(k == NULL && klen == 0);
	CHECK_EQ(st.pages_total, 0);
}

TEST(section_table_access)
{
	char path[512];
	tpath(path, sizeof(path), "table.snap");
	struct part p[3];
	make_parts(p);
	struct error err;
	int rc = write_image(path, NULL, p, 3, false, &err);
	free_parts(p);
	CHECK_EQ(rc, 0);
	struct image *img;
	CHECK_EQ(image_open(&img, path, &err), 0);
	size_t n = image_section_count(img);
	uint32_t kinds[3] = { 0 };
	uint64_t off[3], len[3], sum[3];
	for (size_t i = 0; i < n && i < 3; i++)
		image_section_at(img, i, &kinds[i], &off[i], &len[i], &sum[i]);
	image_close(img);
	unlink(path);
	CHECK_EQ(n, 3);
	CHECK_EQ(kinds[0], IMAGE_SECTION_KERNEL);
	CHECK_EQ(kinds[1], IMAGE_SECTION_MEMDATA);
	CHECK_EQ(kinds[2], IMAGE_SECTION_MEMINDEX);
	CHECK_EQ(off[0], sizeof(struct image_disk_header));
	CHECK_EQ(len[0], sizeof(kernel_blob));
	CHECK_EQ(sum[0], XXH3_64bits(kernel_blob, sizeof(kernel_blob)));
	CHECK_EQ(off[1], off[0] + len[0]);
	CHECK(!strcmp(image_section_name(IMAGE_SECTION_MEMINDEX),
		      "memory-index"));
}

/* ---- damaged images ----------------------------------------------------- */

/* After changing bytes of an image on purpose, makes every checksum right
 * again so the check under test is the one that fires. */
static void reseal(uint8_t *buf)
{
	struct image_disk_header h;
	memcpy(&h, buf, sizeof(h));
	uint64_t table = le64toh(h.table_offset);
	uint32_t count = le32toh(h.table_count);
	for (uint32_t i = 0; i < count; i++) {
		struct image_disk_section s;
		memcpy(&s, buf + table + i * sizeof(s), sizeof(s));
		uint64_t off = le64toh(s.offset), n = le64toh(s.length);
		if (le32toh(s.kind) != IMAGE_SECTION_MEMDATA)
			s.checksum = htole64(XXH3_64bits(buf + off, n));
		memcpy(buf + table + i * sizeof(s), &s, sizeof(s));
	}
	h.table_checksum = htole64(XXH3_64bits(buf + table,
					       count * sizeof(struct image_disk_section)));
	memcpy(buf, &h, sizeof(h));
	h.header_checksum = htole64(image_header_checksum(buf, sizeof(h)));
	memcpy(buf, &h, sizeof(h));
}

static int open_msg(const uint8_t *buf, size_t len, char *msg, size_t n)
{
	struct image *img;
	struct error err = { 0 };
	int rc = image_open_buffer(&img, buf, len, &err);
	if (rc == 0) {
		rc = image_verify_memory(img, 1, &err);
		image_close(img);
	}
	snprintf(msg, n, "%s", rc < 0 ? err.msg : "");
	return rc;
}

/* Where section `kind` is in an image buffer. */
static uint64_t section_offset(const uint8_t *buf, size_t buflen,
			       uint32_t kind, uint64_t *len)
{
	struct image *img;
	struct error err;
	uint64_t off = 0;
	*len = 0;
	if (image_open_buffer(&img, buf, buflen, &err) < 0)
		return 0;
	for (size_t i = 0; i < image_section_count(img); i++) {
		uint32_t k;
		uint64_t o, l, c;
		image_section_at(img, i, &k, &o, &l, &c);
		if (k == kind) {
			off = o;
			*len = l;
		}
	}
	image_close(img);
	return off;
}

TEST(every_flipped_byte_is_detected)
{
	size_t len;
	uint8_t *img = small_image(&len);
	CHECK(img != NULL);
	uint8_t *copy = malloc(len);
	char msg[ERROR_MSG_MAX];
	size_t undetected = len;
	for (size_t i = 0; i < len && undetected == len; i++) {
		memcpy(copy, img, len);
		copy[i] ^= 0x5a;
		if (open_msg(copy, len, msg, sizeof(msg)) == 0)
			undetected = i;
	}
	CHECK_EQ(open_msg(img, len, msg, sizeof(msg)), 0);
	free(copy);
	free(img);
	CHECK_EQ(undetected, len);
}

static void flip_and_expect(uint8_t *img, size_t len, uint64_t at,
			    const char *want, const char **why)
{
	char msg[ERROR_MSG_MAX];
	img[at] ^= 1;
	int rc = open_msg(img, len, msg, sizeof(msg));
	img[at] ^= 1;
	*why = rc == 0 ? "not detected" : strstr(msg, want) ? NULL : "message";
	if (*why && rc)
		fprintf(stderr, "got \"%s\", want \"%s\"\n", msg, want);
}

TEST(checksum_mismatch_names_the_section)
{
	size_t len;
	uint8_t *img = small_image(&len);
	CHECK(img != NULL);
	uint64_t klen, ilen, dlen;
	uint64_t koff = section_offset(img, len, IMAGE_SECTION_KERNEL, &klen);
	uint64_t ioff = section_offset(img, len, IMAGE_SECTION_MEMINDEX, &ilen);
	uint64_t doff = section_offset(img, len, IMAGE_SECTION_MEMDATA, &dlen);
	const char *why[5];
	flip_and_expect(img, len, 30, "header checksum mismatch", &why[0]);
	flip_and_expect(img, len, koff + 3, "section 'kernel' checksum mismatch",
			&why[1]);
	flip_and_expect(img, len, ioff + ilen - 1,
			"section 'memory-index' checksum mismatch", &why[2]);
	flip_and_expect(img, len, doff + dlen / 2,
			"section 'memory-data' checksum mismatch at chunk",
			&why[3]);
	flip_and_expect(img, len, len - 5, "section table checksum mismatch",
			&why[4]);
	free(img);
	CHECK(klen > 0 && ilen > 0 && dlen > 0);
	for (int i = 0; i < 5; i++)
		CHECK(why[i] == NULL);
}

TEST(every_truncation_is_detected)
{
	size_t len;
	uint8_t *img = small_image(&len);
	CHECK(img != NULL);
	char msg[ERROR_MSG_MAX], at_500[ERROR_MSG_MAX];
	size_t accepted = len;
	for (size_t n = 0; n < len && accepted == len; n++) {
		/* A fresh buffer of exactly n bytes, so ASan sees overreads. */
		uint8_t *cut = malloc(n ? n : 1);
		memcpy(cut, img, n);
		if (open_msg(cut, n, msg, sizeof(msg)) == 0)
			accepted = n;
		if (n == 500)
			memcpy(at_500, msg, sizeof(msg));
		free(cut);
	}
	free(img);
	CHECK_EQ(accepted, len);
	CHECK(strstr(at_500, "truncated: file is 500 bytes, section table needs"));
}

TEST(truncated_file_on_disk)
{
	char path[512];
	tpath(path, sizeof(path), "trunc.snap");
	size_t len;
	uint8_t *img = small_image(&len);
	CHECK(img != NULL);
	const size_t cuts[] = { 0, 3, 100, 128, len / 2, len - 1 };
	const char *want[] = { "empty file", "truncated", "truncated",
			       "truncated", "truncated", "truncated" };
	int bad = -1;
	for (int i = 0; i < 6 && bad < 0; i++) {
		struct image *im;
		struct error err;
		write_file(path, img, cuts[i]);
		if (image_open(&im, path, &err) == 0) {
			image_close(im);
			bad = i;
		} else if (!strstr(err.msg, want[i]) ||
			   strncmp(err.msg, path, strlen(path))) {
			bad = i;
		}
	}
	free(img);
	unlink(path);
	CHECK_EQ(bad, -1);
}

TEST(bad_magic)
{
	size_t len;
	uint8_t *img = small_image(&len);
	CHECK(img != NULL);
	char msg[ERROR_MSG_MAX];
	img[0] = 'X';
	int rc = open_msg(img, len, msg, sizeof(msg));
	static const char garbage[] = "#!/bin/sh\necho this is not an image\n";
	char msg2[ERROR_MSG_MAX];
	int rc2 = open_msg((const uint8_t *)garbage, sizeof(garbage), msg2,
			   sizeof(msg2));
	free(img);
	CHECK(rc < 0 && rc2 < 0);
	CHECK(!strcmp(msg, "bad magic: not a snapctl image"));
	CHECK(!strcmp(msg2, "bad magic: not a snapctl image"));
}

TEST(newer_version_is_refused)
{
	size_t len;
	uint8_t *img = small_image(&len);
	CHECK(img != NULL);
	uint32_t v = htole32(7);
	memcpy(img + offsetof(struct image_disk_header, format_version), &v, 4);
	char msg[ERROR_MSG_MAX];
	int rc = open_msg(img, len, msg, sizeof(msg));
	free(img);
	CHECK_EQ(rc, -ENOTSUP);
	CHECK(!strcmp(msg, "image format version 7 is newer than this "
			   "snapctl reads (1)"));
}

TEST(wrong_arch_is_refused)
{
	size_t len;
	uint8_t *img = small_image(&len);
	CHECK(img != NULL);
	uint32_t arch = htole32(183); /* EM_AARCH64 */
	memcpy(img + offsetof(struct image_disk_header, arch), &arch, 4);
	reseal(img);
	char msg[ERROR_MSG_MAX];
	int rc = open_msg(img, len, msg, sizeof(msg));
	free(img);
	CHECK_EQ(rc, -ENOTSUP);
	CHECK(strstr(msg, "wrong architecture") && strstr(msg, "183"));
}

/* Index entries changed on purpose (and resealed) are caught by the
 * index checks, each with its own message. */
static void index_damage(size_t entry_off, size_t field, uint32_t value,
			 const char *want, const char **why)
{
	size_t len;
	uint8_t *img = small_image(&len);
	uint64_t ilen, ioff = section_offset(img, len, IMAGE_SECTION_MEMINDEX,
					    &ilen);
	uint32_t v = htole32(value);
	memcpy(img + ioff + entry_off + field, &v, 4);
	reseal(img);
	char msg[ERROR_MSG_MAX];
	int rc = open_msg(img, len, msg, sizeof(msg));
	*why = rc == 0 ? "accepted" : strstr(msg, want) ? NULL : msg;
	free(img);
}

TEST(memory_index_checks)
{
	const size_t run0 = sizeof(struct image_disk_memindex);
	const char *why[6];
	/* The small image: one chunk of 5 pages; runs: page 10 (chunk page
	 * 0) and pages 12..15 (chunk pages 1..4). */
	index_damage(run0, offsetof(struct image_disk_run, npages), 0,
		     "run 0", &why[0]);
	index_damage(run0, offsetof(struct image_disk_run, chunk), 1,
		     "run 0", &why[1]);
	index_damage(run0, offsetof(struct image_disk_run, chunk_page), 5,
		     "not in chunk", &why[2]);
	index_damage(run0 + sizeof(struct image_disk_run),
		     offsetof(struct image_disk_run, first_page), 10,
		     "out of order", &why[3]);
	index_damage(run0 + 2 * sizeof(struct image_disk_run),
		     offsetof(struct image_disk_chunk, npages), 300,
		     "has 300 pages", &why[4]);
	index_damage(0, offsetof(struct image_disk_memindex, page_size), 8192,
		     "page size", &why[5]);
	for (int i = 0; i < 6; i++) {
		if (why[i])
			harness_fail(__FILE__, __LINE__, "case %d: %s", i,
				     why[i]);
	}
}

TEST(unknown_section_is_skipped)
{
	char path[512];
	tpath(path, sizeof(path), "unknown.snap");
	struct image_writer *w;
	struct error err;
	CHECK_EQ(image_writer_open(&w, path, NULL, &err), 0);
	CHECK_EQ(image_writer_add_section(w, 99, "future", 6, &err), 0);
	CHECK_EQ(image_writer_commit(w, &err), 0);
	size_t len;
	uint8_t *img = read_file(path, &len);
	unlink(path);
	CHECK(img != NULL);
	/* Corrupt the unknown section: nobody reads it, so no error. */
	img[sizeof(struct image_disk_header)] ^= 0xff;
	char msg[ERROR_MSG_MAX];
	int rc = open_msg(img, len, msg, sizeof(msg));
	free(img);
	CHECK_EQ(rc, 0);
}

/* ---- writer failures ---------------------------------------------------- */

static int count_temp_files(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		if (strstr(e->d_name, ".tmp."))
			n++;
	if (d)
		closedir(d);
	return n;
}

TEST(full_disk_leaves_old_image)
{
	char dir[512], path[600], probe[600];
	tpath(dir, sizeof(dir), "full");
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/img.snap", dir);
	snprintf(probe, sizeof(probe), "%s/probe.snap", dir);
	struct part p[3];
	make_parts(p);
	struct image_options o = { .compression = IMAGE_COMPRESS_LZ4 };
	struct error err;
	/* The old image holds only the first part; the new one all three. */
	CHECK_EQ(write_image(path, &o, p, 1, false, &err), 0);
	CHECK_EQ(write_image(probe, &o, p, 3, false, &err), 0);
	size_t old_len, new_len;
	uint8_t *old = read_file(path, &old_len);
	free(read_file(probe, &new_len));
	unlink(probe);
	/* The header is written twice (a placeholder, then at commit): the
	 * last limits fail on the final header write. */
	const size_t hdr = sizeof(struct image_disk_header);
	const uint64_t limits[] = { 1, 127, 128, 129, 4096, 100000,
				    new_len / 2, new_len - 100, new_len - 1,
				    new_len, new_len + hdr - 1 };
	const int nlimits = sizeof(limits) / sizeof(limits[0]);
	int bad = -1;
	for (int i = 0; i < nlimits && bad < 0; i++) {
		o.fail_after_bytes = limits[i];
		struct error e = { 0 };
		int rc = write_image(path, &o, p, 3, i % 2, &e);
		size_t now_len;
		uint8_t *now = read_file(path, &now_len);
		if (rc != -ENOSPC || e.code != ENOSPC ||
		    !strstr(e.msg, "No space left on device") || !now ||
		    now_len != old_len || memcmp(now, old, old_len) ||
		    count_temp_files(dir) != 0)
			bad = i;
		free(now);
	}
	/* Exactly enough succeeds. */
	o.fail_after_bytes = new_len + hdr;
	int rc = write_image(path, &o, p, 3, false, &err);
	free_parts(p);
	free(old);
	CHECK_EQ(bad, -1);
	CHECK_EQ(rc, 0);
	CHECK_EQ(count_temp_files(dir), 0);
}

/* A real write error: RLIMIT_FSIZE makes the write that crosses the limit
 * short, and the next one fail with EFBIG. */
TEST(file_size_limit_fails_cleanly)
{
	char dir[512], path[600];
	tpath(dir, sizeof(dir), "fsize");
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/img.snap", dir);
	struct part p[3];
	make_parts(p);
	struct rlimit old;
	getrlimit(RLIMIT_FSIZE, &old);
	struct rlimit lim = { 200000, old.rlim_max };
	if (old.rlim_max != RLIM_INFINITY && old.rlim_max < lim.rlim_cur) {
		free_parts(p);
		SKIP("RLIMIT_FSIZE hard limit too low");
	}
	void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &lim);
	struct error err = { 0 };
	int rc = write_image(path, NULL, p, 3, false, &err);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, old_handler);
	free_parts(p);
	CHECK_EQ(rc, -EFBIG);
	CHECK(strstr(err.msg, "File too large"));
	CHECK(access(path, F_OK) < 0);
	CHECK_EQ(count_temp_files(dir), 0);
}

TEST(abort_removes_temp_file)
{
	char dir[512], path[600];
	tpath(dir, sizeof(dir), "abort");
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/img.snap", dir);
	struct image_writer *w;
	struct error err;
	CHECK_EQ(image_writer_open(&w, path, NULL, &err), 0);
	uint8_t *pages = malloc(4 * PAGE);
	fill_text(pages, 4 * PAGE, 9);
	int rc = image_writer_add_memory(w, 0, pages, 4, &err);
	int during = count_temp_files(dir);
	image_writer_abort(w);
	free(pages);
	CHECK_EQ(rc, 0);
	CHECK_EQ(during, 1);
	CHECK_EQ(count_temp_files(dir), 0);
	CHECK(access(path, F_OK) < 0);
}

TEST(missing_directory)
{
	char path[512];
	tpath(path, sizeof(path), "no/such/dir/img.snap");
	struct image_writer *w = (void *)1;
	struct error err;
	int rc = image_writer_open(&w, path, NULL, &err);
	CHECK_EQ(rc, -ENOENT);
	CHECK(w == NULL);
	CHECK(strstr(err.msg, "no/such/dir") &&
	      strstr(err.msg, "No such file or directory"));
}

TEST(pages_out_of_order)
{
	char path[512];
	tpath(path, sizeof(path), "order.snap");
	struct image_writer *w;
	struct error err;
	uint8_t *pages = malloc(4 * PAGE);
	fill_text(pages, 4 * PAGE, 5);
	CHECK_EQ(image_writer_open(&w, path, NULL, &err), 0);
	int rc1 = image_writer_add_memory(w, 10, pages, 4, &err);
	int rc2 = image_writer_add_memory(w, 12, pages, 4, &err);
	bool msg_ok = strstr(err.msg, "increasing order") != NULL;
	int rc3 = image_writer_commit(w, &err);
	free(pages);
	unlink(path);
	CHECK_EQ(rc1, 0);
	CHECK_EQ(rc2, -EINVAL);
	CHECK(msg_ok);
	CHECK_EQ(rc3, 0); /* a refused call leaves the image usable */
}

/* ---- CPU features ------------------------------------------------------- */

TEST(cpu_features)
{
	struct image_cpu_features host, need;
	image_cpu_features_host(&host);
	char buf[256];
	CHECK(host.leaf1_edx & (1u << 26)); /* every x86-64 has sse2 */
	CHECK_EQ(image_cpu_features_missing(&host, &host, buf, sizeof(buf)), 0);
	CHECK_EQ(buf[0], 0);

	struct image_cpu_features have = { 0 };
	need = have;
	need.leaf7_ebx = 1u << 16 | 1u << 5;     /* avx512f, avx2 */
	need.leaf7_ebx |= 1u << 6;                /* unnamed */
	need.leaf1_ecx = 1u << 31;                /* hypervisor: ignored */
	need.ext1_ecx = 1u << 5;                  /* lzcnt */
	need.xcr0 = 0xe7;
	have.xcr0 = 0x7;
	int n = image_cpu_features_missing(&need, &have, buf, sizeof(buf));
	CHECK_EQ(n, 7);
	CHECK(!strcmp(buf, "avx2, avx512f, leaf7_ebx=0x40, lzcnt, "
			   "xcr0.opmask, xcr0.zmm_hi256, xcr0.hi16_zmm"));
	need = have;
	need.xsave_size = 2696;
	have.xsave_size = 832;
	CHECK_EQ(image_cpu_features_missing(&need, &have, buf, 8), 1);
	CHECK_EQ(strlen(buf), 7); /* truncated, terminated */
}
