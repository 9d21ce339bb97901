/* libFuzzer target for the image reader: any bytes must give an image or
 * an error -- never a crash, hang, overread or huge allocation.
 *
 * Each input is tried twice: as it is, and "resealed" -- every checksum
 * recomputed -- since random bytes almost never get past the checksums
 * and the structure checks behind them deserve fuzzing too. Seeds are in
 * tests/fuzz/corpus/fuzz_image. */
#include <endian.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "snapshot/image.h"
#include "snapshot/image_format.h"

/* Pages read into memory by image_read_memory: bigger images have their
 * chunks read one at a time only. */
#define FUZZ_MAX_MEMORY_PAGES 2048

static void read_everything(const struct image *img)
{
	struct error err;
	volatile uint8_t sink = 0;
	for (size_t i = 0; i < image_section_count(img); i++) {
		uint32_t kind;
		uint64_t off, len, sum;
		image_section_at(img, i, &kind, &off, &len, &sum);
		size_t n;
		const uint8_t *p = image_section(img, kind, &n);
		if (p && n)
			sink ^= p[0] ^ p[n - 1];
	}
	struct image_memory_stats st;
	image_memory_stats(img, &st);
	size_t nruns;
	const struct image_page_run *runs = image_page_runs(img, &nruns);
	if (nruns)
		sink ^= (uint8_t)runs[nruns - 1].npages;
	uint8_t *chunk = malloc(IMAGE_CHUNK_MAX_BYTES);
	for (uint32_t c = 0; chunk && c < st.chunks; c++)
		if (image_chunk_pages(img, c) <= IMAGE_CHUNK_MAX_PAGES)
			image_read_chunk(img, c, chunk, &err);
	free(chunk);
	uint64_t end = image_memory_end_page(img);
	if (end <= FUZZ_MAX_MEMORY_PAGES) {
		uint8_t *mem = calloc(end ? end : 1, IMAGE_PAGE_SIZE);
		if (mem)
			image_read_memory(img, mem, 2, &err);
		free(mem);
	}
	image_verify_memory(img, 1, &err);
	(void)sink;
}

static void try_open(const uint8_t *data, size_t size)
{
	struct image *img;
	struct error err;
	if (image_open_buffer(&img, data, size, &err) == 0) {
		read_everything(img);
		image_close(img);
	}
}

/* ---- resealing (bounds-checked: the input is arbitrary) ----------------- */

struct entry_ref {
	uint8_t *at;                   /* the table entry */
	uint64_t off, len;
};

static bool in_file(size_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

static struct entry_ref entry_get(uint8_t *buf, size_t size, uint64_t table,
				  uint32_t esize, uint32_t i)
{
	struct entry_ref e = { buf + table + (uint64_t)i * esize, 0, 0 };
	struct image_disk_section s;
	memcpy(&s, e.at, sizeof(s));
	e.off = le64toh(s.offset);
	e.len = le64toh(s.length);
	if (!in_file(size, e.off, e.len))
		e.at = NULL;
	return e;
}

static void entry_set_sum(struct entry_ref *e, uint64_t sum)
{
	sum = htole64(sum);
	memcpy(e->at + offsetof(struct image_disk_section, checksum), &sum, 8);
}

/* Chunk checksums of the index, then the memory-data digest. */
static void reseal_memory(uint8_t *buf, struct entry_ref *idx,
			  struct entry_ref *data)
{
	struct image_disk_memindex m;
	if (idx->len < sizeof(m))
		return;
	memcpy(&m, buf + idx->off, sizeof(m));
	uint64_t res = le32toh(m.run_entry_size), ces = le32toh(m.chunk_entry_size);
	uint64_t nruns = le64toh(m.nruns), nchunks = le64toh(m.nchunks);
	uint64_t room = idx->len - sizeof(m);
	if (res < sizeof(struct image_disk_run) ||
	    ces < sizeof(struct image_disk_chunk) || nruns > room / res ||
	    nchunks > (room - nruns * res) / ces)
		return;
	uint8_t *chunks = buf + idx->off + sizeof(m) + nruns * res;
	uint64_t *sums = malloc((nchunks ? nchunks : 1) * sizeof(*sums));
	if (!sums)
		return;
	for (uint64_t i = 0; i < nchunks; i++) {
		struct image_disk_chunk c;
		memcpy(&c, chunks + i * ces, sizeof(c));
		uint64_t off = le64toh(c.offset), n = le32toh(c.stored_size);
		if (data->at && in_file(data->len, off, n))
			c.checksum = htole64(XXH3_64bits(buf + data->off + off, n));
		memcpy(chunks + i * ces, &c, sizeof(c));
		sums[i] = c.checksum;
	}
	if (data->at)
		entry_set_sum(data, image_memdata_digest(sums, nchunks));
	free(sums);
}

static void reseal(uint8_t *buf, size_t size)
{
	struct image_disk_header h;
	memcpy(&h, buf, sizeof(h));
	uint64_t table = le64toh(h.table_offset);
	uint32_t count = le32toh(h.table_count), esize = le32toh(h.table_entry_size);
	uint32_t hsize = le32toh(h.header_size);
	if (esize < sizeof(struct image_disk_section) || hsize < sizeof(h) ||
	    hsize > size || !in_file(size, table, (uint64_t)count * esize))
		return;
	struct entry_ref idx = { 0 }, data = { 0 };
	for (uint32_t i = 0; i < count; i++) {
		struct entry_ref e = entry_get(buf, size, table, esize, i);
		uint32_t kind;
		memcpy(&kind, buf + table + (uint64_t)i * esize, 4);
		if (le32toh(kind) == IMAGE_SECTION_MEMINDEX && !idx.at)
			idx = e;
		if (le32toh(kind) == IMAGE_SECTION_MEMDATA && !data.at)
			data = e;
	}
	if (idx.at)
		reseal_memory(buf, &idx, &data);
	for (uint32_t i = 0; i < count; i++) {
		struct entry_ref e = entry_get(buf, size, table, esize, i);
		uint32_t kind;
		memcpy(&kind, e.at ? e.at : buf, 4);
		if (e.at && le32toh(kind) != IMAGE_SECTION_MEMDATA)
			entry_set_sum(&e, XXH3_64bits(buf + e.off, e.len));
	}
	h.table_checksum = htole64(XXH3_64bits(buf + table, (uint64_t)count * esize));
	memcpy(buf, &h, sizeof(h));
	h.header_checksum = htole64(image_header_checksum(buf, hsize));
	memcpy(buf, &h, sizeof(h));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	try_open(data, size);
	if (size >= sizeof(struct image_disk_header)) {
		uint8_t *copy = malloc(size);
		if (copy) {
			memcpy(copy, data, size);
			reseal(copy, size);
			try_open(copy, size);
			free(copy);
		}
	}
	return 0;
}
