/* Compressing and decompressing one memory chunk by method (none, lz4,
 * zstd), so the image writer and reader need not know each library.
 *
 * A context holds one thread's compressor state (zstd CCtx, LZ4HC state,
 * zstd DCtx) so that chunks do not pay for allocating it each time; a
 * context is used by one thread at a time. */
#ifndef SNAPSHOT_COMPRESS_H
#define SNAPSHOT_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

struct compress_ctx {
	uint32_t method;           /* enum image_compression */
	int level;                 /* zstd level; lz4: >= 3 selects LZ4HC */
	void *zstd;                /* ZSTD_CCtx */
	void *lz4hc;               /* LZ4HC state */
};

/* Returns 0, or -ENOMEM / -EINVAL (unknown method). */
int compress_ctx_init(struct compress_ctx *c, uint32_t method, int level);
void compress_ctx_fini(struct compress_ctx *c);

/* Compresses src[0..n) into dst[0..cap). Returns the compressed size, or
 * 0 when the result does not fit in cap (the caller then stores the chunk
 * raw; passing cap = n asks "does it shrink?"). Never called for
 * IMAGE_COMPRESS_NONE. */
size_t compress_chunk(struct compress_ctx *c, void *dst, size_t cap,
		      const void *src, size_t n);

struct decompress_ctx {
	void *zstd;                /* ZSTD_DCtx, created on first use */
};

void decompress_ctx_fini(struct decompress_ctx *d);

/* Decompresses src[0..n), stored with `method`, into dst, which must come
 * out exactly `raw` bytes long. Returns 0, -EBADMSG when the data is not
 * valid or has another size, -ENOMEM, or -EINVAL for an unknown method. */
int decompress_chunk(struct decompress_ctx *d, uint32_t method, void *dst,
		     size_t raw, const void *src, size_t n);

#endif
