/* Unit tests for core/memfile: the page allocator, reference counts,
 * hole punching, and serialization (round trip, restore into a fresh
 * memfd, malformed input). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/memfile.h"
#include "tests/unit/harness.h"

static const struct codec_type *const types[] = { &codec_type_memfile };
static const struct codec_registry reg = { types, 1 };

static struct memfile *new_memfile(uint64_t pages)
{
	struct memfile *mf = NULL;
	if (memfile_create(&mf, pages * PAGE_SIZE) < 0)
		return NULL;
	return mf;
}

static bool page_is_zero(const struct memfile *mf, uint64_t page)
{
	const uint8_t *p = memfile_ptr(mf, page);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		if (p[i])
			return false;
	return true;
}

static uint64_t file_size(const struct memfile *mf)
{
	struct stat st;
	return fstat(mf->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
}

TEST(create_checks_size)
{
	struct memfile *mf = NULL;
	CHECK_EQ(memfile_create(&mf, 100), -EINVAL);
	CHECK_EQ(memfile_create(&mf, MEMFILE_MAX_BYTES * 2), -EINVAL);
	mf = new_memfile(64);
	CHECK(mf != NULL);
	CHECK(mf->fd >= 0 && mf->base != NULL);
	CHECK_EQ(mf->end_page, 0);
	memfile_destroy(mf);
	memfile_destroy(NULL);
}

TEST(alloc_is_contiguous_and_first_fit)
{
	struct memfile *mf = new_memfile(1024);
	CHECK_EQ(memfile_alloc(mf, 4), 0);
	CHECK_EQ(memfile_alloc(mf, 4), 4);
	CHECK_EQ(memfile_alloc(mf, 8), 8);
	CHECK_EQ(mf->pages_in_use, 16);
	memfile_unref(mf, 0, 4);
	CHECK_EQ(mf->nfree, 1);
	CHECK_EQ(mf->pages_in_use, 12);
	/* Too big for the hole: taken from the top. */
	CHECK_EQ(memfile_alloc(mf, 5), 16);
	/* Fits: first fit reuses the hole. */
	CHECK_EQ(memfile_alloc(mf, 2), 0);
	CHECK_EQ(memfile_alloc(mf, 2), 2);
	CHECK_EQ(mf->nfree, 0);
	CHECK_EQ(memfile_alloc(mf, 0), -ENOMEM);
	memfile_destroy(mf);
}

TEST(frees_coalesce)
{
	struct memfile *mf = new_memfile(1024);
	CHECK_EQ(memfile_alloc(mf, 10), 0);
	memfile_unref(mf, 2, 2);
	memfile_unref(mf, 6, 2);
	CHECK_EQ(mf->nfree, 2);
	memfile_unref(mf, 4, 2);         /* joins both neighbours */
	CHECK_EQ(mf->nfree, 1);
	CHECK_EQ(mf->free[0].start, 2);
	CHECK_EQ(mf->free[0].count, 6);
	memfile_unref(mf, 8, 2);         /* joins on the left */
	memfile_unref(mf, 0, 1);         /* separate, then ... */
	CHECK_EQ(mf->nfree, 2);
	memfile_unref(mf, 1, 1);         /* ... joins on the right too */
	CHECK_EQ(mf->nfree, 1);
	CHECK_EQ(mf->free[0].start, 0);
	CHECK_EQ(mf->free[0].count, 10);
	CHECK_EQ(mf->pages_in_use, 0);
	/* The free tail is reused before the file grows. */
	CHECK_EQ(memfile_alloc(mf, 12), 0);
	CHECK_EQ(mf->end_page, 12);
	CHECK_EQ(mf->nfree, 0);
	memfile_destroy(mf);
}

TEST(unref_of_a_run_frees_it_in_one_extent)
{
	struct memfile *mf = new_memfile(1024);
	CHECK_EQ(memfile_alloc(mf, 64), 0);
	memfile_ref(mf, 10, 1);          /* page 10 stays in use */
	memfile_unref(mf, 0, 64);
	CHECK_EQ(mf->nfree, 2);
	CHECK_EQ(mf->free[0].count, 10);
	CHECK_EQ(mf->free[1].start, 11);
	CHECK_EQ(mf->free[1].count, 53);
	CHECK_EQ(memfile_refcount(mf, 10), 1);
	CHECK_EQ(mf->pages_in_use, 1);
	memfile_destroy(mf);
}

TEST(reused_pages_read_zero)
{
	struct memfile *mf = new_memfile(1024);
	CHECK_EQ(memfile_alloc(mf, 8), 0);
	for (uint64_t p = 0; p < 8; p++)
		memset(memfile_ptr(mf, p), 0xa5, PAGE_SIZE);
	memfile_unref(mf, 0, 8);
	CHECK_EQ(memfile_alloc(mf, 8), 0);
	for (uint64_t p = 0; p < 8; p++)
		CHECK(page_is_zero(mf, p));
	memfile_destroy(mf);
}

TEST(refcounts)
{
	struct memfile *mf = new_memfile(1024);
	CHECK_EQ(memfile_alloc(mf, 3), 0);
	CHECK_EQ(memfile_refcount(mf, 1), 1);
	memfile_ref(mf, 1, 2);
	CHECK_EQ(memfile_refcount(mf, 0), 1);
	CHECK_EQ(memfile_refcount(mf, 1), 2);
	CHECK_EQ(memfile_refcount(mf, 2), 2);
	memfile_unref(mf, 0, 3);
	CHECK_EQ(memfile_refcount(mf, 0), 0);
	CHECK_EQ(memfile_refcount(mf, 1), 1);
	CHECK_EQ(mf->pages_in_use, 2);
	/* Unreferencing free pages (a bug or a bad image) changes nothing. */
	memfile_unref(mf, 0, 1);
	memfile_ref(mf, 0, 1);
	CHECK_EQ(memfile_refcount(mf, 0), 0);
	CHECK_EQ(mf->nfree, 1);
	memfile_unref(mf, 500, 10);      /* beyond the end */
	memfile_unref(mf, UINT64_MAX - 1, 10);
	CHECK_EQ(memfile_refcount(mf, UINT64_MAX), 0);
	memfile_unref(mf, 1, 2);
	CHECK_EQ(mf->pages_in_use, 0);
	memfile_destroy(mf);
}

TEST(full_file_and_fragmentation)
{
	struct memfile *mf = new_memfile(16);
	CHECK_EQ(memfile_alloc(mf, 17), -ENOMEM);
	CHECK_EQ(memfile_alloc(mf, 16), 0);
	CHECK_EQ(memfile_alloc(mf, 1), -ENOMEM);
	for (uint64_t p = 0; p < 16; p += 2)
		memfile_unref(mf, p, 1);
	CHECK_EQ(memfile_alloc(mf, 2), -ENOMEM);
	uint64_t got = 99;
	CHECK_EQ(memfile_alloc_upto(mf, 4, &got), 0);
	CHECK_EQ(got, 1);
	memfile_unref(mf, 3, 3);         /* frees 3 and 5; 4 was free */
	CHECK_EQ(memfile_alloc_upto(mf, 4, &got), 2);
	CHECK_EQ(got, 4);
	memfile_destroy(mf);
	/* The partial allocation prefers the top when it is bigger. */
	mf = new_memfile(16);
	CHECK_EQ(memfile_alloc(mf, 10), 0);
	memfile_unref(mf, 2, 1);
	CHECK_EQ(memfile_alloc_upto(mf, 8, &got), 10);
	CHECK_EQ(got, 6);
	memfile_destroy(mf);
}

TEST(file_grows_ahead_in_steps)
{
	struct memfile *mf = new_memfile(1 << 20);
	CHECK_EQ(file_size(mf), 0);
	CHECK_EQ(memfile_alloc(mf, 1), 0);
	uint64_t step = file_size(mf);
	CHECK(step >= (16ull << 20));    /* a big step, not one page */
	int64_t p = memfile_alloc(mf, step / PAGE_SIZE);
	CHECK_EQ(p, 1);
	CHECK(file_size(mf) >= mf->end_page * PAGE_SIZE);
	memset(memfile_ptr(mf, mf->end_page - 1), 1, PAGE_SIZE); /* no SIGBUS */
	memfile_destroy(mf);
}

static int collect(uint64_t page, uint64_t n, void *arg)
{
	uint64_t *out = arg;
	out[out[0] * 2 + 1] = page;
	out[out[0] * 2 + 2] = n;
	out[0]++;
	return 0;
}

static int stop_at_first(uint64_t page, uint64_t n, void *arg)
{
	(void)page, (void)n;
	++*(int *)arg;
	return 7;
}

TEST(for_each_used_lists_runs)
{
	struct memfile *mf = new_memfile(1024);
	CHECK_EQ(memfile_alloc(mf, 20), 0);
	memfile_unref(mf, 0, 2);
	memfile_unref(mf, 5, 5);
	memfile_unref(mf, 18, 2);
	uint64_t out[16] = { 0 };
	CHECK_EQ(memfile_for_each_used(mf, collect, out), 0);
	CHECK_EQ(out[0], 2);
	CHECK_EQ(out[1], 2);
	CHECK_EQ(out[2], 3);
	CHECK_EQ(out[3], 10);
	CHECK_EQ(out[4], 8);
	int calls = 0;
	CHECK_EQ(memfile_for_each_used(mf, stop_at_first, &calls), 7);
	CHECK_EQ(calls, 1);
	memfile_destroy(mf);
}

/* ---- serialization ------------------------------------------------------ */

/* Pages 0-2 ref 1, 3-4 ref 3, 5 free, 6 ref 2, 7-9 free (tail), 10-11
 * ref 1, then a free tail up to end_page 14. */
static struct memfile *sample(void)
{
	struct memfile *mf = new_memfile(256);
	if (!mf || memfile_alloc(mf, 14) != 0)
		abort();
	memfile_ref(mf, 3, 2);
	memfile_ref(mf, 3, 2);
	memfile_ref(mf, 6, 1);
	memfile_unref(mf, 5, 1);
	memfile_unref(mf, 7, 3);
	memfile_unref(mf, 12, 2);
	for (uint64_t p = 0; p < 14; p++)
		if (memfile_refcount(mf, p))
			memset(memfile_ptr(mf, p), (int)p + 1, PAGE_SIZE);
	return mf;
}

TEST(round_trip_is_exact)
{
	struct memfile *mf = sample();
	struct error err = { 0 };
	int rc = codec_check_roundtrip(&reg, &codec_type_memfile, mf, &err);
	if (rc < 0)
		fprintf(stderr, "%s\n", err.msg);
	CHECK(rc == 0);
	memfile_destroy(mf);
	/* And an empty one. */
	mf = new_memfile(1);
	CHECK(codec_check_roundtrip(&reg, &codec_type_memfile, mf, &err) == 0);
	memfile_destroy(mf);
}

static int encode(const struct memfile *mf, void **buf, size_t *len)
{
	struct error err = { 0 };
	return codec_encode(&codec_type_memfile, mf, buf, len, &err);
}

TEST(restore_makes_a_fresh_memfd_with_the_same_pages)
{
	struct memfile *mf = sample();
	void *buf;
	size_t len;
	CHECK(encode(mf, &buf, &len) == 0);
	void *root = NULL;
	struct error err = { 0 };
	int rc = codec_decode(&reg, &codec_type_memfile, buf, len, NULL, 0,
			      &root, &err);
	free(buf);
	if (rc < 0)
		fprintf(stderr, "%s\n", err.msg);
	CHECK(rc == 0);
	struct memfile *r = root;
	CHECK(r->fd >= 0 && r->fd != mf->fd && r->base && r->base != mf->base);
	CHECK_EQ(r->max_pages, mf->max_pages);
	CHECK_EQ(r->end_page, 14);
	CHECK_EQ(file_size(r), 14 * PAGE_SIZE);
	CHECK_EQ(r->pages_in_use, mf->pages_in_use);
	for (uint64_t p = 0; p < 16; p++)
		CHECK_EQ(memfile_refcount(r, p), memfile_refcount(mf, p));
	CHECK_EQ(r->nfree, mf->nfree);
	CHECK_EQ(r->nfree, 3);
	/* The snapshot layer would now fill the pages in: */
	memcpy(memfile_ptr(r, 3), memfile_ptr(mf, 3), PAGE_SIZE);
	CHECK(((uint8_t *)memfile_ptr(r, 3))[100] == 4);
	CHECK(page_is_zero(r, 4));
	/* Allocation continues exactly where the original would. */
	CHECK_EQ(memfile_alloc(r, 1), memfile_alloc(mf, 1));
	CHECK_EQ(memfile_alloc(r, 4), memfile_alloc(mf, 4));
	CHECK_EQ(memfile_alloc(r, 1), memfile_alloc(mf, 1));
	CHECK(page_is_zero(r, 14));
	memset(memfile_ptr(r, r->end_page - 1), 1, PAGE_SIZE);
	memfile_destroy(r);
	memfile_destroy(mf);
}

TEST(skipped_after_load_leaves_no_host_resources)
{
	struct memfile *mf = sample();
	void *buf;
	size_t len;
	CHECK(encode(mf, &buf, &len) == 0);
	void *root = NULL;
	struct error err = { 0 };
	CHECK(codec_decode(&reg, &codec_type_memfile, buf, len, NULL,
			   CODEC_SKIP_AFTER_LOAD, &root, &err) == 0);
	free(buf);
	struct memfile *r = root;
	CHECK(r->base == NULL);
	CHECK_EQ(memfile_refcount(r, 6), 2);
	int before = fcntl(0, F_GETFD);
	memfile_destroy(r);              /* must not close fd 0 */
	CHECK_EQ(fcntl(0, F_GETFD), before);
	memfile_destroy(mf);
}

/* Hand-made bodies: max_pages, end_page, then runs. */
struct body {
	uint8_t b[256];
	size_t n;
};

static void put(struct body *s, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		s->b[s->n++] = (uint8_t)(v >> (8 * i));
}

/* A one-object stream around the body. */
static int decode_body(const struct body *body, struct error *err)
{
	struct body s = { .n = 0 };
	put(&s, 0x31434443u, 4);
	put(&s, 1, 4);
	put(&s, 7, 2);
	memcpy(s.b + s.n, "memfile", 7);
	s.n += 7;
	put(&s, 1, 4);
	put(&s, 1, 4);
	put(&s, 0, 4);
	put(&s, body->n, 4);
	memcpy(s.b + s.n, body->b, body->n);
	s.n += body->n;
	void *root = NULL;
	int rc = codec_decode(&reg, &codec_type_memfile, s.b, s.n, NULL,
			      CODEC_SKIP_AFTER_LOAD, &root, err);
	memfile_destroy(root);
	return rc;
}

static void put_run(struct body *s, uint64_t start, uint64_t n, uint32_t refs)
{
	put(s, start, 8);
	put(s, n, 8);
	put(s, refs, 4);
}

static struct body header(uint64_t max, uint64_t end, uint32_t nruns)
{
	struct body s = { .n = 0 };
	put(&s, max, 8);
	put(&s, end, 8);
	put(&s, nruns, 4);
	return s;
}

TEST(load_checks_every_field)
{
	struct error err = { 0 };
	struct body s = header(16, 8, 2);
	put_run(&s, 0, 2, 1);
	put_run(&s, 4, 4, 2);
	CHECK(decode_body(&s, &err) == 0);

	s = header(0, 0, 0);
	CHECK(decode_body(&s, &err) < 0);
	CHECK(strstr(err.msg, "reservation") != NULL);
	s = header(MEMFILE_MAX_PAGES + 1, 0, 0);
	CHECK(decode_body(&s, &err) < 0);
	s = header(16, 17, 0);
	CHECK(decode_body(&s, &err) < 0);
	CHECK(strstr(err.msg, "end page") != NULL);

	s = header(16, 8, 1);
	put_run(&s, 6, 4, 1);            /* past end_page */
	CHECK(decode_body(&s, &err) < 0);
	CHECK(strstr(err.msg, "outside") != NULL);
	s = header(16, 8, 1);
	put_run(&s, 2, 0, 1);            /* empty */
	CHECK(decode_body(&s, &err) < 0);
	s = header(16, 8, 1);
	put_run(&s, UINT64_MAX, 2, 1);   /* wraps */
	CHECK(decode_body(&s, &err) < 0);
	s = header(16, 8, 1);
	put_run(&s, 0, 2, 0);            /* no references */
	CHECK(decode_body(&s, &err) < 0);
	CHECK(strstr(err.msg, "no references") != NULL);
	s = header(16, 8, 2);
	put_run(&s, 4, 2, 1);
	put_run(&s, 0, 2, 1);            /* out of order */
	CHECK(decode_body(&s, &err) < 0);
	s = header(16, 8, 2);
	put_run(&s, 0, 2, 1);
	put_run(&s, 2, 2, 1);            /* should have been one run */
	CHECK(decode_body(&s, &err) < 0);
	CHECK(strstr(err.msg, "should be one") != NULL);
	s = header(16, 8, 200);          /* more runs than bytes */
	CHECK(decode_body(&s, &err) < 0);
}

static void check_malformed(const void *buf, size_t len, size_t *failures)
{
	void *copy = malloc(len ? len : 1);
	memcpy(copy, buf, len);
	void *root = NULL;
	struct error err = { 0 };
	if (codec_decode(&reg, &codec_type_memfile, copy, len, NULL, 0, &root,
			 &err) < 0)
		(*failures)++;
	else
		memfile_destroy(root);
	free(copy);
}

TEST(malformed_encodings_fail_cleanly)
{
	struct memfile *mf = sample();
	void *buf;
	size_t len;
	CHECK(encode(mf, &buf, &len) == 0);
	memfile_destroy(mf);
	size_t failures = 0;
	for (size_t cut = 0; cut < len; cut++)
		check_malformed(buf, cut, &failures);
	CHECK_EQ(failures, len);
	failures = 0;
	for (size_t i = 0; i < len; i++)
		for (int bit = 0; bit < 8; bit++) {
			((uint8_t *)buf)[i] ^= (uint8_t)(1u << bit);
			check_malformed(buf, len, &failures);
			((uint8_t *)buf)[i] ^= (uint8_t)(1u << bit);
		}
	free(buf);
	CHECK(failures > 0);
}
