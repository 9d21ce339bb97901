/* Private to the codec: the stream's framing (magic, type table, object
 * table), parsed and checked without knowing any type. The decoder
 * resolves the names against its registry; the census only counts. */
#ifndef SNAPSHOT_CODEC_FRAME_H
#define SNAPSHOT_CODEC_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "snapshot/error.h"

struct codec_frame_type {
	const char *name;          /* not NUL-terminated: name_len bytes */
	uint16_t name_len;
	uint32_t version;
};

struct codec_frame_object {
	uint32_t type;             /* index into types, checked */
	uint32_t body_len;
	const uint8_t *body;       /* inside the parsed buffer */
};

struct codec_frame {
	struct codec_frame_type *types;
	size_t ntypes;
	struct codec_frame_object *objs;
	size_t nobjs;
};

/* Parses buf; on success the bodies exactly fill the rest of the stream.
 * Arrays are sized by what the input can hold. Free with
 * codec_frame_free (also after a failure). */
int codec_frame_parse(struct codec_frame *f, const void *buf, size_t len,
		      struct error *err);
void codec_frame_free(struct codec_frame *f);

#endif
