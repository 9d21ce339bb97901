/* The v1 image file: what a saved sandbox looks like on disk.
 *
 *   header    fixed size: magic, format version, architecture, the saving
 *             host's CPU features, flags, creation time, where the section
 *             table is; its own xxh3-64 checksum
 *   sections  byte ranges, each listed in the section table with its
 *             kind, offset, length and xxh3-64 checksum
 *   table     the section table, at the end (written last)
 *
 * Sections: IMAGE_SECTION_KERNEL (the codec's encoding of struct kernel),
 * IMAGE_SECTION_MEMINDEX (memory index: page runs -> chunks, and the chunk
 * table with each chunk's offset, sizes, compression and checksum) and
 * IMAGE_SECTION_MEMDATA (the chunks). Chunks are compressed independently,
 * so any one can be read and verified alone (lazy and incremental restore
 * build on that). All-zero pages are not stored: a page the index does not
 * list reads as zero.
 *
 * Integers are little-endian and fixed width. The format version changes
 * only when old images can no longer be read; new section kinds may be
 * added and readers skip kinds they do not know.
 *
 * Writing is atomic: data goes to a temporary file beside the target, is
 * fsynced and renamed over it, so a failure (disk full, a signal, a bug)
 * never leaves half an image at the target path and never destroys an
 * older image there.
 *
 * Reading verifies everything -- header, table, every section checksum,
 * the index's consistency, each chunk's checksum -- before handing any data
 * out; a bad image yields an error naming what is wrong. */
#ifndef SNAPSHOT_IMAGE_H
#define SNAPSHOT_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "snapshot/error.h"

#define IMAGE_FORMAT_VERSION 1
#define IMAGE_PAGE_SIZE 4096u
#define IMAGE_ARCH_X86_64 62u /* ELF e_machine EM_X86_64 */

enum image_section_kind {
	IMAGE_SECTION_KERNEL = 1,
	IMAGE_SECTION_MEMINDEX = 2,
	IMAGE_SECTION_MEMDATA = 3,
};

enum image_compression {
	IMAGE_COMPRESS_NONE = 0,
	IMAGE_COMPRESS_LZ4 = 1,
	IMAGE_COMPRESS_ZSTD = 2,
};

/* CPUID words that say what instructions the saved programs may be using.
 * Restore on a host must offer every bit set here. */
struct image_cpu_features {
	uint32_t leaf1_ecx, leaf1_edx;
	uint32_t leaf7_ebx, leaf7_ecx, leaf7_edx;
	uint32_t ext1_ecx, ext1_edx;   /* leaf 0x80000001 */
	uint32_t xsave_size;           /* leaf 0xd ebx: XSAVE area size */
	uint64_t xcr0;                 /* enabled XSAVE components */
};

/* Fills *f from this host's CPUID. */
void image_cpu_features_host(struct image_cpu_features *f);

/* Writes into buf (a comma-separated list of names, or hex bits for
 * unnamed ones) the features `need` has that `have` lacks; returns the
 * number of missing bits (0: have offers everything need uses). */
int image_cpu_features_missing(const struct image_cpu_features *need,
			       const struct image_cpu_features *have,
			       char *buf, size_t buflen);

struct image_header_info {
	uint32_t format_version;
	uint32_t arch;
	uint32_t flags;
	uint64_t created_ns;           /* CLOCK_REALTIME at save */
	struct image_cpu_features cpu;
};

struct image_options {
	enum image_compression compression;
	int level;                     /* zstd level; lz4: >= 3 selects LZ4HC */
	unsigned threads;              /* compression threads; 0 = #cpus */
	uint32_t flags;                /* stored in the header for the caller */
	/* Test hook (0 = off): once this many bytes are written (counting
	 * the header twice: a placeholder at open, the real one at commit),
	 * writes fail with ENOSPC as on a full disk, so tests reach the
	 * failure paths. */
	uint64_t fail_after_bytes;
	/* The CPU features the saved programs may use; NULL: this host's.
	 * A kernel that presents a masked CPUID (kvm's --cpu-model) records
	 * that set, so the image restores on any host offering it. */
	const struct image_cpu_features *cpu;
};

/* ---- writing ---------------------------------------------------------- */

struct image_writer;

/* Opens a temporary file beside `path` to write an image into. Nothing
 * appears at `path` until image_writer_commit succeeds. */
int image_writer_open(struct image_writer **out, const char *path,
		      const struct image_options *opts, struct error *err);

/* Appends a section holding a copy of data[0..len). */
int image_writer_add_section(struct image_writer *w, uint32_t kind,
			     const void *data, size_t len, struct error *err);

/* Adds npages pages starting at `base` as memory pages first_page ..
 * first_page+npages-1 (page numbers are the caller's: offsets in the
 * memory file). All-zero pages are elided; the rest are grouped into
 * chunks and compressed on `threads` threads. May be called several
 * times with increasing, non-overlapping page ranges. */
int image_writer_add_memory(struct image_writer *w, uint64_t first_page,
			    const void *base, uint64_t npages,
			    struct error *err);

/* Writes the memory index and section table, fsyncs, renames the file to
 * its path and fsyncs the directory. Frees w whatever the outcome; on
 * failure the temporary file is removed and `path` is untouched. */
int image_writer_commit(struct image_writer *w, struct error *err);

/* Abandons the image: removes the temporary file and frees w. */
void image_writer_abort(struct image_writer *w);

/* ---- reading ---------------------------------------------------------- */

struct image;

struct image_memory_stats {
	uint64_t pages_total;          /* pages handed to the writer */
	uint64_t pages_stored;         /* non-zero pages in chunks */
	uint64_t pages_zero;           /* elided */
	uint64_t chunks;
	uint64_t bytes_raw;            /* stored pages, uncompressed */
	uint64_t bytes_compressed;     /* chunk bytes in the file */
	uint32_t compression;          /* enum image_compression */
};

/* One run of consecutive stored pages; pages of a run are consecutive in
 * their chunk starting at chunk_page. */
struct image_page_run {
	uint64_t first_page;
	uint32_t npages;
	uint32_t chunk;
	uint32_t chunk_page;
};

/* Opens and verifies an image file (mapped read-only): header, section
 * table, section checksums and the memory index. Chunk bytes are verified
 * as they are read (image_verify_memory checks them all); see
 * snapshot/IMAGE.md. The file must not be truncated while open (the
 * mapping would fault). */
int image_open(struct image **out, const char *path, struct error *err);

/* Verifies an image held in memory; buf must stay valid until
 * image_close. (image_open maps the file and calls this.) */
int image_open_buffer(struct image **out, const void *buf, size_t len,
		      struct error *err);

void image_close(struct image *img);

const struct image_header_info *image_header(const struct image *img);

/* The first section of the given kind, or NULL with *len = 0. */
const void *image_section(const struct image *img, uint32_t kind,
			  size_t *len);

/* Section table access for `snapctl inspect`. */
size_t image_section_count(const struct image *img);
void image_section_at(const struct image *img, size_t i, uint32_t *kind,
		      uint64_t *offset, uint64_t *length, uint64_t *checksum);
const char *image_section_name(uint32_t kind);

void image_memory_stats(const struct image *img,
			struct image_memory_stats *st);

/* The page runs the image stores, in ascending page order. */
const struct image_page_run *image_page_runs(const struct image *img,
					     size_t *count);

/* Decompresses chunk `chunk` into dst (which has room for the chunk's
 * pages: image_chunk_pages()), after checking its checksum. Reading never
 * changes the image: several threads may read chunks at once. */
uint32_t image_chunk_pages(const struct image *img, uint32_t chunk);
int image_read_chunk(const struct image *img, uint32_t chunk, void *dst,
		     struct error *err);

/* Writes every stored page into base + page * IMAGE_PAGE_SIZE (base must
 * cover the highest stored page; pages not stored are left untouched, so
 * pass zeroed memory). Uses `threads` threads, the caller's included
 * (0: one per CPU). */
int image_read_memory(const struct image *img, void *base, unsigned threads,
		      struct error *err);

/* One past the highest stored page (0 if none). */
uint64_t image_memory_end_page(const struct image *img);

/* Checks every chunk (checksum, then decompression to its exact size)
 * without writing memory anywhere: image_open verifies the chunk table
 * but leaves the chunk bytes to be checked when read, so that opening a
 * large image for a lazy restore does not read all of it. */
int image_verify_memory(const struct image *img, unsigned threads,
			struct error *err);

#endif
