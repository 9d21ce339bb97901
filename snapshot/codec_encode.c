/* The encoder: walks the object graph breadth-first from the root. Each
 * object is numbered the first time a reference to it is written, queued,
 * and its body is written when its turn comes, so the output depends only
 * on the graph and the save functions -- never on addresses. */
#include "snapshot/codec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/codec_stream.h"

struct buf {
	uint8_t *data;
	size_t len, cap;
};

struct enc_object {
	const void *ptr;
	const struct codec_type *type;
	uint32_t body_len;
};

struct encoder {
	struct buf body;            /* all bodies, in id order */
	struct enc_object *objs;    /* index = id - 1 */
	size_t nobjs, cap_objs;
	const void **slots;         /* open-addressing set: ptr -> id */
	uint32_t *slot_ids;
	size_t nslots;
	const struct codec_type **types; /* distinct types, first-seen order */
	size_t ntypes, cap_types;
	struct error err;
	bool failed;
};

/* Out of memory in the kernel's own bookkeeping is fatal (STYLE.md);
 * nothing an application or an image does gets here. */
static void __attribute__((noreturn)) out_of_memory(size_t n)
{
	fprintf(stderr, "snapctl: out of memory (%zu bytes)\n", n);
	abort();
}

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		out_of_memory(n);
	return q;
}

static void buf_reserve(struct buf *b, size_t more)
{
	if (b->cap - b->len >= more)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len < more)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

static void buf_put(struct buf *b, const void *p, size_t n)
{
	if (!n)
		return;
	buf_reserve(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void buf_put_le(struct buf *b, uint64_t v, unsigned n)
{
	buf_reserve(b, n);
	codec_put_le(b->data + b->len, v, n);
	b->len += n;
}

void enc_fail(struct encoder *enc, const char *fmt, ...)
{
	if (enc->failed)
		return;
	enc->failed = true;
	enc->err.code = EINVAL;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(enc->err.msg, sizeof(enc->err.msg), fmt, ap);
	va_end(ap);
}

void enc_u8(struct encoder *enc, uint8_t v) { buf_put_le(&enc->body, v, 1); }
void enc_u16(struct encoder *enc, uint16_t v) { buf_put_le(&enc->body, v, 2); }
void enc_u32(struct encoder *enc, uint32_t v) { buf_put_le(&enc->body, v, 4); }
void enc_u64(struct encoder *enc, uint64_t v) { buf_put_le(&enc->body, v, 8); }
void enc_i32(struct encoder *enc, int32_t v) { enc_u32(enc, (uint32_t)v); }
void enc_i64(struct encoder *enc, int64_t v) { enc_u64(enc, (uint64_t)v); }
void enc_bool(struct encoder *enc, bool v) { enc_u8(enc, v ? 1 : 0); }

void enc_blob(struct encoder *enc, const void *data, size_t len)
{
	buf_put(&enc->body, data, len);
}

void enc_bytes(struct encoder *enc, const void *data, size_t len)
{
	enc_u64(enc, len);
	enc_blob(enc, data, len);
}

/* Strings carry a u32 length; UINT32_MAX stands for NULL. */
void enc_str(struct encoder *enc, const char *s)
{
	if (!s) {
		enc_u32(enc, UINT32_MAX);
		return;
	}
	size_t n = strlen(s);
	if (n >= UINT32_MAX) {
		enc_fail(enc, "string of %zu bytes is too long to save", n);
		n = 0;
	}
	enc_u32(enc, (uint32_t)n);
	enc_blob(enc, s, n);
}

static size_t ptr_hash(const void *p, size_t nslots)
{
	uint64_t x = (uint64_t)(uintptr_t)p;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (size_t)x & (nslots - 1);
}

static void set_insert(struct encoder *enc, const void *p, uint32_t id)
{
	size_t i = ptr_hash(p, enc->nslots);
	while (enc->slots[i])
		i = (i + 1) & (enc->nslots - 1);
	enc->slots[i] = p;
	enc->slot_ids[i] = id;
}

static void set_grow(struct encoder *enc)
{
	const void **old = enc->slots;
	uint32_t *old_ids = enc->slot_ids;
	size_t old_n = enc->nslots;
	enc->nslots = old_n ? old_n * 2 : 64;
	enc->slots = calloc(enc->nslots, sizeof(*enc->slots));
	enc->slot_ids = calloc(enc->nslots, sizeof(*enc->slot_ids));
	if (!enc->slots || !enc->slot_ids)
		out_of_memory(enc->nslots * sizeof(*enc->slots));
	for (size_t i = 0; i < old_n; i++)
		if (old[i])
			set_insert(enc, old[i], old_ids[i]);
	free(old);
	free(old_ids);
}

static uint32_t set_find(const struct encoder *enc, const void *p)
{
	if (!enc->nslots)
		return 0;
	size_t i = ptr_hash(p, enc->nslots);
	while (enc->slots[i]) {
		if (enc->slots[i] == p)
			return enc->slot_ids[i];
		i = (i + 1) & (enc->nslots - 1);
	}
	return 0;
}

static void note_type(struct encoder *enc, const struct codec_type *type)
{
	for (size_t i = 0; i < enc->ntypes; i++)
		if (enc->types[i] == type)
			return;
	if (enc->ntypes == enc->cap_types) {
		enc->cap_types = enc->cap_types ? enc->cap_types * 2 : 16;
		enc->types = xrealloc(enc->types,
				      enc->cap_types * sizeof(*enc->types));
	}
	enc->types[enc->ntypes++] = type;
}

static uint32_t add_object(struct encoder *enc, const struct codec_type *type,
			   const void *obj)
{
	if (enc->nobjs == enc->cap_objs) {
		enc->cap_objs = enc->cap_objs ? enc->cap_objs * 2 : 64;
		enc->objs = xrealloc(enc->objs,
				     enc->cap_objs * sizeof(*enc->objs));
	}
	if ((enc->nobjs + 1) * 2 > enc->nslots)
		set_grow(enc);
	uint32_t id = (uint32_t)++enc->nobjs;
	enc->objs[id - 1] = (struct enc_object){ obj, type, 0 };
	set_insert(enc, obj, id);
	note_type(enc, type);
	return id;
}

void enc_ref(struct encoder *enc, const struct codec_type *type,
	     const void *obj)
{
	uint32_t id = 0;
	if (obj) {
		id = set_find(enc, obj);
		if (!id)
			id = add_object(enc, type, obj);
		else if (enc->objs[id - 1].type != type)
			enc_fail(enc, "object %u saved as '%s' and as '%s'", id,
				 enc->objs[id - 1].type->name, type->name);
	}
	enc_u32(enc, id);
}

static uint32_t type_index(const struct encoder *enc,
			   const struct codec_type *type)
{
	for (size_t i = 0; i < enc->ntypes; i++)
		if (enc->types[i] == type)
			return (uint32_t)i;
	return 0; /* unreachable: every object's type was noted */
}

static void write_stream(struct encoder *enc, struct buf *out)
{
	buf_put_le(out, CODEC_MAGIC, 4);
	buf_put_le(out, enc->ntypes, 4);
	for (size_t i = 0; i < enc->ntypes; i++) {
		const char *name = enc->types[i]->name;
		size_t n = strlen(name);
		buf_put_le(out, n, 2);
		buf_put(out, name, n);
		buf_put_le(out, enc->types[i]->version, 4);
	}
	buf_put_le(out, enc->nobjs, 4);
	for (size_t i = 0; i < enc->nobjs; i++) {
		buf_put_le(out, type_index(enc, enc->objs[i].type), 4);
		buf_put_le(out, enc->objs[i].body_len, 4);
	}
	buf_put(out, enc->body.data, enc->body.len);
}

static void save_all(struct encoder *enc)
{
	/* Saving object i may discover more objects: nobjs grows. */
	for (size_t i = 0; i < enc->nobjs && !enc->failed; i++) {
		size_t start = enc->body.len;
		const struct enc_object o = enc->objs[i];
		if (strlen(o.type->name) > CODEC_NAME_MAX)
			enc_fail(enc, "type name '%s' is too long",
				 o.type->name);
		o.type->save(enc, o.ptr);
		size_t n = enc->body.len - start;
		if (n > UINT32_MAX)
			enc_fail(enc, "object %zu ('%s') body too large", i + 1,
				 o.type->name);
		enc->objs[i].body_len = (uint32_t)n;
	}
}

static void encoder_free(struct encoder *enc)
{
	free(enc->body.data);
	free(enc->objs);
	free(enc->slots);
	free(enc->slot_ids);
	free(enc->types);
}

int codec_encode(const struct codec_type *root_type, const void *root,
		 void **out, size_t *out_len, struct error *err)
{
	struct encoder enc = { 0 };
	if (root)
		add_object(&enc, root_type, root);
	save_all(&enc);
	if (enc.failed) {
		int rc = error_set(err, enc.err.code, "%s", enc.err.msg);
		encoder_free(&enc);
		return rc;
	}
	struct buf stream = { 0 };
	buf_reserve(&stream, 64 + enc.nobjs * CODEC_OBJECT_ENTRY +
				     enc.body.len);
	write_stream(&enc, &stream);
	encoder_free(&enc);
	*out = stream.data;
	*out_len = stream.len;
	return 0;
}
