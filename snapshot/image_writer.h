/* Inside the image writer (private to image_write*.c): image_write.c owns
 * the temporary file, the sections and the commit; image_write_memory.c
 * turns pages into chunks and builds the memory index. */
#ifndef SNAPSHOT_IMAGE_WRITER_H
#define SNAPSHOT_IMAGE_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot/chunk_pool.h"
#include "snapshot/image.h"
#include "snapshot/image_format.h"

struct writer_section {
	uint32_t kind;
	uint64_t offset, length, checksum;
};

/* A section added while memory-data is being written: it is kept (the
 * caller's data is copied) and written after memory-data, since a section
 * must be one byte range. */
struct pending_section {
	uint32_t kind;
	void *data;
	size_t len;
};

struct writer_memory {
	struct chunk_pool *pool;       /* started by the first add_memory */
	bool started;
	uint64_t data_offset;          /* file offset of memory-data */
	uint64_t data_length;
	uint64_t next_page;            /* the lowest page a call may add */
	uint64_t pages_total;
	uint64_t chunks_submitted;     /* the filling chunk's index */
	struct image_page_run *runs;
	size_t nruns, cap_runs;
	struct image_disk_chunk *chunks; /* host byte order until encoded */
	size_t nchunks, cap_chunks;
};

struct image_writer {
	char *path;                    /* the target, for messages too */
	char *tmp_path;
	char *dir;
	int fd;
	struct image_options opts;
	struct image_header_info info;
	uint64_t end;                  /* file length so far */
	uint64_t writeback;            /* writeback started below this */
	uint64_t written;              /* bytes written, for fail_after_bytes */
	bool failed;                   /* the image is lost; commit refuses */
	struct error failure;          /* why */
	struct writer_section *sections;
	size_t nsections, cap_sections;
	struct pending_section *pending;
	size_t npending, cap_pending;
	struct writer_memory mem;
};

/* Appends len bytes at the end of the file (retrying short writes). */
int writer_append(struct image_writer *w, const void *buf, size_t len,
		  struct error *err);

/* Adds a section table entry for bytes already written. */
int writer_note_section(struct image_writer *w, uint32_t kind,
			uint64_t offset, uint64_t length, uint64_t checksum,
			struct error *err);

/* Records that the image cannot be completed (copying *err), stops the
 * compression threads, and returns -err->code. */
int writer_fail(struct image_writer *w, struct error *err);

/* Grows *arr (elements of `size` bytes, *cap of them) to hold `need`. */
int writer_grow(void **arr, size_t *cap, size_t need, size_t size);

/* Commit, step one: writes the last chunks and the memory-data section
 * entry, leaving the encoded memory index in *index (malloc'ed). */
int writer_memory_finish(struct image_writer *w, void **index,
			 size_t *index_len, struct error *err);

void writer_memory_free(struct writer_memory *m);

#endif
