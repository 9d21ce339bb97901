/* The v1 image file as bytes on disk (private to snapshot/image_*.c; the
 * public contract is image.h, the prose description IMAGE.md).
 *
 * Every struct here is exactly its on-disk bytes: fixed-width fields laid
 * out without padding (the static_asserts prove it), stored little-endian.
 * Code never reads these structs in place from a mapped file (sections
 * need not be aligned): it memcpy()s them out and converts each field with
 * le*toh(), and builds them with htole*() before writing. */
#ifndef SNAPSHOT_IMAGE_FORMAT_H
#define SNAPSHOT_IMAGE_FORMAT_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot/image.h"

#define IMAGE_MAGIC "SNAPCTL\0"
#define IMAGE_MAGIC_LEN 8

/* A chunk holds at most this many pages (1 MiB raw): small enough that one
 * page fault in a lazy restore decompresses little, big enough that zstd
 * and lz4 find their matches. */
#define IMAGE_CHUNK_MAX_PAGES 256u
#define IMAGE_CHUNK_MAX_BYTES (IMAGE_CHUNK_MAX_PAGES * IMAGE_PAGE_SIZE)

/* Page numbers are bounded so that page * IMAGE_PAGE_SIZE, and the end of
 * any run in bytes, fits in 64 bits. */
#define IMAGE_PAGE_LIMIT (UINT64_MAX / IMAGE_PAGE_SIZE)

/* Offset 0 of the file. header_size lets a later v1 writer append fields
 * that older v1 readers ignore; the checksum covers the whole header_size
 * bytes with the checksum field itself read as zero. */
struct image_disk_header {
	uint8_t magic[IMAGE_MAGIC_LEN]; /*   0 "SNAPCTL\0" */
	uint32_t format_version;        /*   8 IMAGE_FORMAT_VERSION */
	uint32_t header_size;           /*  12 >= 128 */
	uint32_t arch;                  /*  16 ELF e_machine */
	uint32_t flags;                 /*  20 the caller's, opaque here */
	uint64_t created_ns;            /*  24 CLOCK_REALTIME at save */
	uint32_t cpu_leaf1_ecx;         /*  32 */
	uint32_t cpu_leaf1_edx;         /*  36 */
	uint32_t cpu_leaf7_ebx;         /*  40 */
	uint32_t cpu_leaf7_ecx;         /*  44 */
	uint32_t cpu_leaf7_edx;         /*  48 */
	uint32_t cpu_ext1_ecx;          /*  52 */
	uint32_t cpu_ext1_edx;          /*  56 */
	uint32_t cpu_xsave_size;        /*  60 */
	uint64_t cpu_xcr0;              /*  64 */
	uint64_t table_offset;          /*  72 section table position */
	uint32_t table_count;           /*  80 entries */
	uint32_t table_entry_size;      /*  84 >= 32 */
	uint64_t table_checksum;        /*  88 xxh3-64 of the whole table */
	uint8_t reserved[24];           /*  96 zero */
	uint64_t header_checksum;       /* 120 */
};
static_assert(sizeof(struct image_disk_header) == 128, "header size");
static_assert(offsetof(struct image_disk_header, table_offset) == 72,
	      "header layout");
static_assert(offsetof(struct image_disk_header, header_checksum) == 120,
	      "header layout");

/* One section table entry. Section bytes lie between the header and the
 * table. For IMAGE_SECTION_MEMDATA the checksum is not over the bytes but
 * image_memdata_digest() of the chunk checksums: opening an image then
 * does not read every chunk, and each chunk is verified when read. */
struct image_disk_section {
	uint32_t kind;                  /*  0 enum image_section_kind */
	uint32_t flags;                 /*  4 zero */
	uint64_t offset;                /*  8 from the start of the file */
	uint64_t length;                /* 16 bytes */
	uint64_t checksum;              /* 24 xxh3-64 */
};
static_assert(sizeof(struct image_disk_section) == 32, "section entry");

/* The memory index section: this header, then nruns run entries of
 * run_entry_size bytes, then nchunks chunk entries of chunk_entry_size
 * bytes, and nothing else. Entry sizes may grow within v1. */
struct image_disk_memindex {
	uint32_t page_size;             /*  0 IMAGE_PAGE_SIZE */
	uint32_t compression;           /*  4 what the writer was asked for */
	uint32_t run_entry_size;        /*  8 >= 24 */
	uint32_t chunk_entry_size;      /* 12 >= 32 */
	uint64_t nruns;                 /* 16 */
	uint64_t nchunks;               /* 24 < 2^32 */
	uint64_t pages_total;           /* 32 stored + elided zero pages */
	uint64_t reserved;              /* 40 zero */
};
static_assert(sizeof(struct image_disk_memindex) == 48, "memindex header");

/* Pages first_page .. first_page+npages-1 are pages chunk_page ..
 * chunk_page+npages-1 of chunk `chunk`. Runs ascend and do not overlap. */
struct image_disk_run {
	uint64_t first_page;            /*  0 */
	uint32_t npages;                /*  8 >= 1 */
	uint32_t chunk;                 /* 12 index in the chunk table */
	uint32_t chunk_page;            /* 16 */
	uint32_t reserved;              /* 20 zero */
};
static_assert(sizeof(struct image_disk_run) == 24, "run entry");

/* One chunk: stored_size bytes at `offset` within the memory-data
 * section, which decompress to exactly npages * IMAGE_PAGE_SIZE bytes.
 * Chunks follow each other without gaps and fill the section exactly. */
struct image_disk_chunk {
	uint64_t offset;                /*  0 from the start of memory-data */
	uint32_t stored_size;           /*  8 bytes in the file */
	uint32_t npages;                /* 12 1 .. IMAGE_CHUNK_MAX_PAGES */
	uint32_t compression;           /* 16 this chunk's method */
	uint32_t reserved;              /* 20 zero */
	uint64_t checksum;              /* 24 xxh3-64 of the stored bytes */
};
static_assert(sizeof(struct image_disk_chunk) == 32, "chunk entry");

/* The memory-data section checksum: xxh3-64 over the chunk checksums as
 * little-endian 64-bit words, in chunk order. (Defined in image_read.c.) */
uint64_t image_memdata_digest(const uint64_t *checksums_le, size_t n);

/* Header checksum: xxh3-64 of the header_size bytes at hdr with the
 * header_checksum field read as zero. (Defined in image_read.c.) */
uint64_t image_header_checksum(const uint8_t *hdr, size_t header_size);

#endif
