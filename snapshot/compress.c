#include "snapshot/compress.h"

#include <errno.h>
#include <limits.h>
#include <lz4.h>
#include <lz4hc.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "snapshot/image.h"

#define ZSTD_DEFAULT_LEVEL 3

int compress_ctx_init(struct compress_ctx *c, uint32_t method, int level)
{
	memset(c, 0, sizeof(*c));
	c->method = method;
	c->level = level;
	switch (method) {
	case IMAGE_COMPRESS_NONE:
		return 0;
	case IMAGE_COMPRESS_ZSTD:
		if (c->level == 0)
			c->level = ZSTD_DEFAULT_LEVEL;
		if (c->level > ZSTD_maxCLevel())
			c->level = ZSTD_maxCLevel();
		c->zstd = ZSTD_createCCtx();
		return c->zstd ? 0 : -ENOMEM;
	case IMAGE_COMPRESS_LZ4:
		if (level < 3)
			return 0;
		if (c->level > LZ4HC_CLEVEL_MAX)
			c->level = LZ4HC_CLEVEL_MAX;
		/* LZ4_compress_HC would malloc its 256 KiB state per call. */
		c->lz4hc = malloc((size_t)LZ4_sizeofStateHC());
		return c->lz4hc ? 0 : -ENOMEM;
	default:
		return -EINVAL;
	}
}

void compress_ctx_fini(struct compress_ctx *c)
{
	ZSTD_freeCCtx(c->zstd);
	free(c->lz4hc);
	memset(c, 0, sizeof(*c));
}

static size_t compress_lz4(struct compress_ctx *c, void *dst, size_t cap,
			   const void *src, size_t n)
{
	if (n > INT_MAX)
		return 0;
	int icap = cap > INT_MAX ? INT_MAX : (int)cap;
	int r = c->lz4hc ? LZ4_compress_HC_extStateHC(c->lz4hc, src, dst,
						       (int)n, icap, c->level)
			 : LZ4_compress_default(src, dst, (int)n, icap);
	return r > 0 ? (size_t)r : 0;
}

size_t compress_chunk(struct compress_ctx *c, void *dst, size_t cap,
		      const void *src, size_t n)
{
	switch (c->method) {
	case IMAGE_COMPRESS_ZSTD: {
		size_t r = ZSTD_compressCCtx(c->zstd, dst, cap, src, n,
					     c->level);
		/* dstSize_tooSmall is the expected "does not shrink". */
		return ZSTD_isError(r) ? 0 : r;
	}
	case IMAGE_COMPRESS_LZ4:
		return compress_lz4(c, dst, cap, src, n);
	default:
		return 0;
	}
}

void decompress_ctx_fini(struct decompress_ctx *d)
{
	ZSTD_freeDCtx(d->zstd);
	d->zstd = NULL;
}

static int decompress_zstd(struct decompress_ctx *d, void *dst, size_t raw,
			   const void *src, size_t n)
{
	if (!d->zstd && !(d->zstd = ZSTD_createDCtx()))
		return -ENOMEM;
	size_t r = ZSTD_decompressDCtx(d->zstd, dst, raw, src, n);
	if (ZSTD_isError(r)) {
		if (ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation)
			return -ENOMEM;
		return -EBADMSG;
	}
	return r == raw ? 0 : -EBADMSG;
}

int decompress_chunk(struct decompress_ctx *d, uint32_t method, void *dst,
		     size_t raw, const void *src, size_t n)
{
	switch (method) {
	case IMAGE_COMPRESS_NONE:
		if (n != raw)
			return -EBADMSG;
		memcpy(dst, src, n);
		return 0;
	case IMAGE_COMPRESS_LZ4: {
		if (n > INT_MAX || raw > INT_MAX)
			return -EBADMSG;
		int r = LZ4_decompress_safe(src, dst, (int)n, (int)raw);
		return r >= 0 && (size_t)r == raw ? 0 : -EBADMSG;
	}
	case IMAGE_COMPRESS_ZSTD:
		return decompress_zstd(d, dst, raw, src, n);
	default:
		return -EINVAL;
	}
}
