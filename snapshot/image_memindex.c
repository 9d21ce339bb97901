/* The memory index of an opened image: parsed into host order and
 * checked so that reading chunks can trust it. Runs ascend without
 * overlapping and lie within their chunks; chunks fill the memory-data
 * section exactly, in order, with sane sizes; the memory-data checksum
 * (a digest of the chunk checksums) matches, so each chunk's own checksum
 * can be trusted to verify its bytes when it is read. */
#include "snapshot/image_reader.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct index_view {
	const uint8_t *p;
	size_t len;
	struct image_disk_memindex h;  /* host order */
	const uint8_t *runs, *chunks;
	uint64_t digest;               /* of the chunk checksums */
};

static int index_header(struct index_view *v, struct error *err)
{
	if (v->len < sizeof(v->h))
		return error_set(err, EBADMSG, "memory index is %zu bytes, "
				 "shorter than its header", v->len);
	memcpy(&v->h, v->p, sizeof(v->h));
	struct image_disk_memindex *h = &v->h;
	h->page_size = le32toh(h->page_size);
	h->compression = le32toh(h->compression);
	h->run_entry_size = le32toh(h->run_entry_size);
	h->chunk_entry_size = le32toh(h->chunk_entry_size);
	h->nruns = le64toh(h->nruns);
	h->nchunks = le64toh(h->nchunks);
	h->pages_total = le64toh(h->pages_total);
	if (h->page_size != IMAGE_PAGE_SIZE)
		return error_set(err, EBADMSG, "memory index page size %u, "
				 "expected %u", h->page_size, IMAGE_PAGE_SIZE);
	if (h->run_entry_size < sizeof(struct image_disk_run) ||
	    h->chunk_entry_size < sizeof(struct image_disk_chunk))
		return error_set(err, EBADMSG, "memory index entry sizes %u "
				 "and %u are too small", h->run_entry_size,
				 h->chunk_entry_size);
	return 0;
}

/* The index holds exactly its header and entries: counts are bounded by
 * the section's size before anything is allocated from them. */
static int index_layout(struct index_view *v, struct error *err)
{
	struct image_disk_memindex *h = &v->h;
	size_t room = v->len - sizeof(*h);
	bool fits = h->nruns <= room / h->run_entry_size;
	if (fits) {
		room -= h->nruns * h->run_entry_size;
		fits = h->nchunks <= room / h->chunk_entry_size &&
		       room == h->nchunks * h->chunk_entry_size;
	}
	if (!fits)
		return error_set(err, EBADMSG, "memory index is %zu bytes, "
				 "which does not match %llu runs and %llu "
				 "chunks", v->len,
				 (unsigned long long)h->nruns,
				 (unsigned long long)h->nchunks);
	if (h->nchunks > UINT32_MAX)
		return error_set(err, EBADMSG, "memory index has %llu chunks",
				 (unsigned long long)h->nchunks);
	v->runs = v->p + sizeof(*h);
	v->chunks = v->runs + h->nruns * h->run_entry_size;
	return 0;
}

static int check_chunk(const struct image_disk_chunk *c, size_t i,
		       uint64_t expect_offset, uint64_t data_len,
		       struct error *err)
{
	uint64_t raw = (uint64_t)c->npages * IMAGE_PAGE_SIZE;
	if (c->offset != expect_offset)
		return error_set(err, EBADMSG, "chunk %zu at offset %llu, "
				 "expected %llu", i,
				 (unsigned long long)c->offset,
				 (unsigned long long)expect_offset);
	if (c->npages == 0 || c->npages > IMAGE_CHUNK_MAX_PAGES)
		return error_set(err, EBADMSG, "chunk %zu has %u pages", i,
				 c->npages);
	if (c->compression > IMAGE_COMPRESS_ZSTD)
		return error_set(err, EBADMSG, "chunk %zu: unknown compression "
				 "%u", i, c->compression);
	if (c->stored_size == 0 || c->stored_size > raw ||
	    (c->compression == IMAGE_COMPRESS_NONE && c->stored_size != raw))
		return error_set(err, EBADMSG, "chunk %zu stores %u bytes for "
				 "%u pages", i, c->stored_size, c->npages);
	if (c->stored_size > data_len - c->offset)
		return error_set(err, EBADMSG, "chunk %zu extends past the "
				 "memory-data section", i);
	return 0;
}

static void decode_chunk(struct image_disk_chunk *c, const uint8_t *p)
{
	memcpy(c, p, sizeof(*c));
	c->offset = le64toh(c->offset);
	c->stored_size = le32toh(c->stored_size);
	c->npages = le32toh(c->npages);
	c->compression = le32toh(c->compression);
	c->checksum = le64toh(c->checksum);
}

static int load_chunks(struct image *img, struct index_view *v,
		       const struct image_section_entry *data,
		       struct error *err)
{
	size_t n = v->h.nchunks;
	uint64_t data_len = data ? data->length : 0, offset = 0;
	img->chunks = calloc(n ? n : 1, sizeof(*img->chunks));
	uint64_t *sums = malloc(n ? n * sizeof(*sums) : 1);
	int rc = img->chunks && sums ? 0 : error_set(err, ENOMEM,
						     "out of memory");
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct image_disk_chunk *c = &img->chunks[i];
		decode_chunk(c, v->chunks + i * v->h.chunk_entry_size);
		rc = check_chunk(c, i, offset, data_len, err);
		offset += c->stored_size;
		img->stats.bytes_raw += (uint64_t)c->npages * IMAGE_PAGE_SIZE;
		sums[i] = htole64(c->checksum);
	}
	img->nchunks = n;
	if (rc == 0 && offset != data_len)
		rc = error_set(err, EBADMSG, "memory-data section is %llu "
			       "bytes, its chunks %llu",
			       (unsigned long long)data_len,
			       (unsigned long long)offset);
	if (rc == 0)
		v->digest = image_memdata_digest(sums, n);
	free(sums);
	img->stats.chunks = n;
	img->stats.bytes_compressed = offset;
	return rc;
}

static void decode_run(struct image_page_run *r, const uint8_t *p)
{
	struct image_disk_run d;
	memcpy(&d, p, sizeof(d));
	r->first_page = le64toh(d.first_page);
	r->npages = le32toh(d.npages);
	r->chunk = le32toh(d.chunk);
	r->chunk_page = le32toh(d.chunk_page);
}

static int check_run(const struct image *img, const struct image_page_run *r,
		     size_t i, uint64_t prev_end, struct error *err)
{
	if (r->npages == 0 || r->chunk >= img->nchunks)
		return error_set(err, EBADMSG, "run %zu: %u pages in chunk %u "
				 "of %zu", i, r->npages, r->chunk,
				 img->nchunks);
	uint32_t chunk_pages = img->chunks[r->chunk].npages;
	if (r->chunk_page > chunk_pages ||
	    r->npages > chunk_pages - r->chunk_page)
		return error_set(err, EBADMSG, "run %zu: pages %u..+%u are "
				 "not in chunk %u (%u pages)", i,
				 r->chunk_page, r->npages, r->chunk,
				 chunk_pages);
	if (r->first_page < prev_end || r->first_page > IMAGE_PAGE_LIMIT ||
	    r->npages > IMAGE_PAGE_LIMIT - r->first_page)
		return error_set(err, EBADMSG, "run %zu: page %llu is out of "
				 "order or out of range", i,
				 (unsigned long long)r->first_page);
	return 0;
}

static int load_runs(struct image *img, const struct index_view *v,
		     struct error *err)
{
	size_t n = v->h.nruns;
	img->runs = calloc(n ? n : 1, sizeof(*img->runs));
	if (!img->runs)
		return error_set(err, ENOMEM, "out of memory");
	img->nruns = n;
	uint64_t end = 0, pages = 0;
	for (size_t i = 0; i < n; i++) {
		struct image_page_run *r = &img->runs[i];
		decode_run(r, v->runs + i * v->h.run_entry_size);
		int rc = check_run(img, r, i, end, err);
		if (rc < 0)
			return rc;
		end = r->first_page + r->npages;
		pages += r->npages;
	}
	img->end_page = end;
	img->stats.pages_stored = pages;
	if (pages * IMAGE_PAGE_SIZE != img->stats.bytes_raw)
		return error_set(err, EBADMSG, "memory index runs hold %llu "
				 "pages, its chunks %llu",
				 (unsigned long long)pages,
				 (unsigned long long)(img->stats.bytes_raw /
						      IMAGE_PAGE_SIZE));
	return 0;
}

/* Groups run indices by chunk (a counting sort) for reading by chunk. */
static int index_runs_by_chunk(struct image *img, struct error *err)
{
	img->chunk_run_start = calloc(img->nchunks + 1,
				      sizeof(*img->chunk_run_start));
	img->chunk_runs = malloc((img->nruns ? img->nruns : 1) *
				 sizeof(*img->chunk_runs));
	if (!img->chunk_run_start || !img->chunk_runs)
		return error_set(err, ENOMEM, "out of memory");
	size_t *start = img->chunk_run_start;
	for (size_t i = 0; i < img->nruns; i++)
		start[img->runs[i].chunk + 1]++;
	for (size_t c = 0; c < img->nchunks; c++)
		start[c + 1] += start[c];
	/* Filling advances start[c] to chunk c's end, which is where chunk
	 * c + 1 starts: shift back by one. */
	for (size_t i = 0; i < img->nruns; i++)
		img->chunk_runs[start[img->runs[i].chunk]++] = i;
	memmove(start + 1, start, img->nchunks * sizeof(*start));
	start[0] = 0;
	return 0;
}

static const struct image_section_entry *
find_section(const struct image *img, uint32_t kind)
{
	for (size_t i = 0; i < img->nsections; i++)
		if (img->sections[i].kind == kind)
			return &img->sections[i];
	return NULL;
}

int image_memindex_load(struct image *img, struct error *err)
{
	const struct image_section_entry *idx =
		find_section(img, IMAGE_SECTION_MEMINDEX);
	const struct image_section_entry *data =
		find_section(img, IMAGE_SECTION_MEMDATA);
	if (!idx)
		return data && data->length ? error_set(err, EBADMSG,
			"section 'memory-data' without 'memory-index'") : 0;
	struct index_view v = { .p = img->buf + idx->offset,
				.len = idx->length };
	int rc = index_header(&v, err);
	if (rc == 0)
		rc = index_layout(&v, err);
	if (rc == 0)
		rc = load_chunks(img, &v, data, err);
	if (rc == 0)
		rc = load_runs(img, &v, err);
	if (rc == 0 && v.h.pages_total < img->stats.pages_stored)
		rc = error_set(err, EBADMSG, "memory index counts %llu pages "
			       "but stores %llu",
			       (unsigned long long)v.h.pages_total,
			       (unsigned long long)img->stats.pages_stored);
	if (rc == 0)
		rc = index_runs_by_chunk(img, err);
	if (rc < 0)
		return error_prefix(err, "memory index");
	if (data && v.digest != data->checksum)
		return error_set(err, EBADMSG,
				 "section 'memory-data' checksum mismatch");
	img->memdata = data ? img->buf + data->offset : NULL;
	img->stats.pages_total = v.h.pages_total;
	img->stats.pages_zero = v.h.pages_total - img->stats.pages_stored;
	img->stats.compression = v.h.compression;
	return 0;
}

void image_memindex_free(struct image *img)
{
	free(img->runs);
	free(img->chunks);
	free(img->chunk_run_start);
	free(img->chunk_runs);
}

void image_memory_stats(const struct image *img,
			struct image_memory_stats *st)
{
	*st = img->stats;
}

const struct image_page_run *image_page_runs(const struct image *img,
					     size_t *count)
{
	*count = img->nruns;
	return img->runs;
}

uint32_t image_chunk_pages(const struct image *img, uint32_t chunk)
{
	return chunk < img->nchunks ? img->chunks[chunk].npages : 0;
}

uint64_t image_memory_end_page(const struct image *img)
{
	return img->end_page;
}
