/* Private to the codec: the stream's framing constants and little-endian
 * helpers shared by the encoder, the decoder and the census. */
#ifndef SNAPSHOT_CODEC_STREAM_H
#define SNAPSHOT_CODEC_STREAM_H

#include <stdint.h>
#include <string.h>

#define CODEC_MAGIC 0x31434443u /* "CDC1" little-endian */

/* Bytes of the per-object table entry: u32 type_index, u32 body_len. */
#define CODEC_OBJECT_ENTRY 8u

static inline uint64_t codec_get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static inline void codec_put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A cursor over untrusted bytes for the stream's header tables. */
struct codec_cursor {
	const uint8_t *p;
	size_t left;
};

static inline int codec_cursor_take(struct codec_cursor *c, unsigned n,
				    uint64_t *v)
{
	if (c->left < n)
		return -1;
	*v = codec_get_le(c->p, n);
	c->p += n;
	c->left -= n;
	return 0;
}

#endif
