#include "snapshot/codec_frame.h"

#include <errno.h>
#include <stdlib.h>

#include "snapshot/codec.h"
#include "snapshot/codec_stream.h"

/* Smallest type-table entry: u16 length, one name byte, u32 version. */
#define MIN_TYPE_ENTRY 7u

static int parse_types(struct codec_frame *f, struct codec_cursor *c,
		       struct error *err)
{
	uint64_t magic, ntypes;
	if (codec_cursor_take(c, 4, &magic) < 0 || magic != CODEC_MAGIC)
		return error_set(err, EINVAL, "bad magic (not a codec stream)");
	if (codec_cursor_take(c, 4, &ntypes) < 0 ||
	    ntypes > c->left / MIN_TYPE_ENTRY)
		return error_set(err, EINVAL, "type count is malformed");
	f->types = calloc((size_t)ntypes + 1, sizeof(*f->types));
	if (!f->types)
		return error_set(err, ENOMEM, "out of memory");
	f->ntypes = (size_t)ntypes;
	for (size_t i = 0; i < f->ntypes; i++) {
		uint64_t n, version;
		if (codec_cursor_take(c, 2, &n) < 0 || n == 0 ||
		    n > CODEC_NAME_MAX || c->left < n)
			return error_set(err, EINVAL,
					 "type table entry %zu is malformed", i);
		f->types[i].name = (const char *)c->p;
		f->types[i].name_len = (uint16_t)n;
		c->p += n;
		c->left -= n;
		if (codec_cursor_take(c, 4, &version) < 0)
			return error_set(err, EINVAL, "type table is truncated");
		f->types[i].version = (uint32_t)version;
	}
	return 0;
}

static int parse_objects(struct codec_frame *f, struct codec_cursor *c,
			 struct error *err)
{
	uint64_t nobjs;
	if (codec_cursor_take(c, 4, &nobjs) < 0 ||
	    nobjs > c->left / CODEC_OBJECT_ENTRY)
		return error_set(err, EINVAL, "object count is malformed");
	f->objs = calloc((size_t)nobjs + 1, sizeof(*f->objs));
	if (!f->objs)
		return error_set(err, ENOMEM, "out of memory");
	f->nobjs = (size_t)nobjs;
	uint64_t body_total = 0;
	for (size_t i = 0; i < f->nobjs; i++) {
		uint64_t ti = 0, blen = 0;   /* the count check above means */
		codec_cursor_take(c, 4, &ti); /* these takes succeed */
		codec_cursor_take(c, 4, &blen);
		if (ti >= f->ntypes)
			return error_set(err, EINVAL,
					 "object %zu has type index %llu of %zu",
					 i + 1, (unsigned long long)ti,
					 f->ntypes);
		f->objs[i].type = (uint32_t)ti;
		f->objs[i].body_len = (uint32_t)blen;
		body_total += blen;
	}
	if (body_total != c->left)
		return error_set(err, EINVAL,
				 "object bodies take %llu bytes but %zu remain",
				 (unsigned long long)body_total, c->left);
	const uint8_t *body = c->p;
	for (size_t i = 0; i < f->nobjs; i++) {
		f->objs[i].body = body;
		body += f->objs[i].body_len;
	}
	return 0;
}

int codec_frame_parse(struct codec_frame *f, const void *buf, size_t len,
		      struct error *err)
{
	struct codec_cursor c = { buf, len };
	*f = (struct codec_frame){ 0 };
	int rc = parse_types(f, &c, err);
	return rc < 0 ? rc : parse_objects(f, &c, err);
}

void codec_frame_free(struct codec_frame *f)
{
	free(f->types);
	free(f->objs);
	*f = (struct codec_frame){ 0 };
}
