/* Inside an opened image (private to image_read*.c and image_memindex.c).
 * Everything here was checked by image_open_buffer: offsets and sizes are
 * within the buffer, so the reading code can trust them. */
#ifndef SNAPSHOT_IMAGE_READER_H
#define SNAPSHOT_IMAGE_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot/image.h"
#include "snapshot/image_format.h"

struct image_section_entry {
	uint32_t kind;
	uint64_t offset, length, checksum;
};

struct image {
	const uint8_t *buf;
	size_t len;
	void *map;                     /* image_open's mapping, or NULL */
	size_t map_len;
	struct image_header_info info;
	struct image_section_entry *sections;
	size_t nsections;

	/* The memory index, in host byte order. */
	struct image_page_run *runs;
	size_t nruns;
	struct image_disk_chunk *chunks;
	size_t nchunks;
	/* Runs by chunk: chunk c's runs are chunk_runs[chunk_run_start[c] ..
	 * chunk_run_start[c + 1]). */
	size_t *chunk_run_start;
	size_t *chunk_runs;
	const uint8_t *memdata;
	struct image_memory_stats stats;
	uint64_t end_page;
};

/* Parses and checks the memory index against the memory-data section
 * (image_memindex.c); called by image_open_buffer after the sections. */
int image_memindex_load(struct image *img, struct error *err);

void image_memindex_free(struct image *img);

#endif
