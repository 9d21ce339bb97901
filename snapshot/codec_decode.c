/* The decoder: frames the stream, allocates every object, loads each one
 * from its own bounded body, then runs the after-load hooks. Everything
 * read is checked; see codec.h for the rules. */
#include "snapshot/codec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/codec_frame.h"
#include "snapshot/codec_stream.h"

struct dec_object {
	const struct codec_type *type;
	uint32_t version;           /* as stored in the stream */
	uint32_t body_len;
	const uint8_t *body;
	void *ptr;
};

struct decoder {
	const struct codec_registry *reg;
	struct dec_object *objs;
	size_t nobjs;
	const struct codec_type **types;  /* stream type index -> type */
	uint32_t *versions;
	size_t ntypes;
	size_t cur;                 /* object being loaded, 0-based */
	bool loading;
	size_t max_ref;             /* highest id referenced so far */
	const uint8_t *p;           /* cursor in the current body */
	size_t left;
	struct error err;
	bool failed;
};

void dec_fail(struct decoder *dec, const char *fmt, ...)
{
	if (dec->failed)
		return;
	dec->failed = true;
	dec->err.code = EINVAL;
	int n = 0;
	if (dec->loading)
		n = snprintf(dec->err.msg, sizeof(dec->err.msg),
			     "object %zu ('%s'): ", dec->cur + 1,
			     dec->objs[dec->cur].type->name);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(dec->err.msg + n, sizeof(dec->err.msg) - (size_t)n, fmt, ap);
	va_end(ap);
}

bool dec_ok(const struct decoder *dec)
{
	return !dec->failed;
}

uint32_t dec_version(const struct decoder *dec)
{
	return dec->loading ? dec->objs[dec->cur].version : 0;
}

static const uint8_t *take(struct decoder *dec, size_t n, const char *what)
{
	if (dec->failed)
		return NULL;
	if (dec->left < n) {
		dec_fail(dec, "truncated: %s needs %zu bytes, %zu left", what,
			 n, dec->left);
		return NULL;
	}
	const uint8_t *p = dec->p;
	dec->p += n;
	dec->left -= n;
	return p;
}

static uint64_t take_le(struct decoder *dec, unsigned n, const char *what)
{
	const uint8_t *p = take(dec, n, what);
	return p ? codec_get_le(p, n) : 0;
}

uint8_t dec_u8(struct decoder *dec) { return (uint8_t)take_le(dec, 1, "u8"); }
uint16_t dec_u16(struct decoder *dec) { return (uint16_t)take_le(dec, 2, "u16"); }
uint32_t dec_u32(struct decoder *dec) { return (uint32_t)take_le(dec, 4, "u32"); }
uint64_t dec_u64(struct decoder *dec) { return take_le(dec, 8, "u64"); }
int32_t dec_i32(struct decoder *dec) { return (int32_t)dec_u32(dec); }
int64_t dec_i64(struct decoder *dec) { return (int64_t)dec_u64(dec); }

bool dec_bool(struct decoder *dec)
{
	uint8_t v = dec_u8(dec);
	if (v > 1)
		dec_fail(dec, "boolean holds %u", v);
	return v == 1;
}

uint64_t dec_u64_range(struct decoder *dec, uint64_t lo, uint64_t hi,
		       const char *what)
{
	uint64_t v = dec_u64(dec);
	if (dec->failed)
		return lo;
	if (v < lo || v > hi) {
		dec_fail(dec, "%s is %llu, outside %llu..%llu", what,
			 (unsigned long long)v, (unsigned long long)lo,
			 (unsigned long long)hi);
		return lo;
	}
	return v;
}

void dec_blob(struct decoder *dec, void *dst, size_t len)
{
	const uint8_t *p = take(dec, len, "blob");
	if (p)
		memcpy(dst, p, len);
	else
		memset(dst, 0, len);
}

void *dec_bytes(struct decoder *dec, size_t max, size_t *len)
{
	*len = 0;
	uint64_t n = dec_u64(dec);
	if (dec->failed)
		return NULL;
	if (n > max) {
		dec_fail(dec, "byte string of %llu bytes exceeds %zu",
			 (unsigned long long)n, max);
		return NULL;
	}
	const uint8_t *p = take(dec, (size_t)n, "byte string");
	if (!p)
		return NULL;
	void *out = malloc(n ? n : 1);
	if (!out) {
		dec_fail(dec, "out of memory for %llu bytes",
			 (unsigned long long)n);
		return NULL;
	}
	memcpy(out, p, n);
	*len = (size_t)n;
	return out;
}

char *dec_str(struct decoder *dec, size_t max)
{
	uint32_t n = dec_u32(dec);
	if (dec->failed || n == UINT32_MAX)
		return NULL;
	if (n > max) {
		dec_fail(dec, "string of %u bytes exceeds %zu", n, max);
		return NULL;
	}
	const uint8_t *p = take(dec, n, "string");
	if (!p)
		return NULL;
	if (memchr(p, 0, n)) {
		dec_fail(dec, "string holds a NUL byte");
		return NULL;
	}
	char *s = malloc((size_t)n + 1);
	if (!s) {
		dec_fail(dec, "out of memory for a string of %u bytes", n);
		return NULL;
	}
	memcpy(s, p, n);
	s[n] = 0;
	return s;
}

uint32_t dec_count(struct decoder *dec, size_t min_elem_bytes)
{
	uint32_t n = dec_u32(dec);
	if (dec->failed)
		return 0;
	size_t min = min_elem_bytes ? min_elem_bytes : 1;
	if (n > dec->left / min) {
		dec_fail(dec, "count %u needs at least %llu bytes, %zu left", n,
			 (unsigned long long)n * min, dec->left);
		return 0;
	}
	return n;
}

/* Resolves a reference id read from the stream; NULL for id 0. */
static struct dec_object *resolve_ref(struct decoder *dec)
{
	uint32_t id = dec_u32(dec);
	if (dec->failed || id == 0)
		return NULL;
	if (id > dec->nobjs) {
		dec_fail(dec, "reference to object %u, but there are %zu", id,
			 dec->nobjs);
		return NULL;
	}
	/* The encoder numbers objects in the order their first reference is
	 * written, so a new id must be exactly the next one. Holding the
	 * stream to that keeps it canonical and proves every object is
	 * reachable from the root (none could be leaked by the caller). */
	if (id > dec->max_ref + 1) {
		dec_fail(dec, "reference to object %u before object %zu "
			 "(not a canonical stream)", id, dec->max_ref + 1);
		return NULL;
	}
	if (id > dec->max_ref)
		dec->max_ref = id;
	return &dec->objs[id - 1];
}

void *dec_ref(struct decoder *dec, const struct codec_type *type)
{
	struct dec_object *o = resolve_ref(dec);
	if (!o)
		return NULL;
	if (o->type != type) {
		dec_fail(dec, "reference to object %zu as '%s', but it is '%s'",
			 (size_t)(o - dec->objs) + 1, type->name, o->type->name);
		return NULL;
	}
	return o->ptr;
}

void *dec_ref_any(struct decoder *dec, const struct codec_type **type)
{
	struct dec_object *o = resolve_ref(dec);
	*type = o ? o->type : NULL;
	return o ? o->ptr : NULL;
}

/* ---- framing ---------------------------------------------------------- */

static const struct codec_type *registry_find(const struct codec_registry *r,
					      const struct codec_frame_type *ft)
{
	for (size_t i = 0; i < r->count; i++)
		if (strlen(r->types[i]->name) == ft->name_len &&
		    memcmp(r->types[i]->name, ft->name, ft->name_len) == 0)
			return r->types[i];
	return NULL;
}

/* Resolves every stream type against the registry: unknown names and
 * newer versions are refused, naming the type. */
static int resolve_types(struct decoder *dec, const struct codec_frame *f,
			 struct error *err)
{
	dec->ntypes = f->ntypes;
	dec->types = calloc(f->ntypes + 1, sizeof(*dec->types));
	dec->versions = calloc(f->ntypes + 1, sizeof(*dec->versions));
	if (!dec->types || !dec->versions)
		return error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < f->ntypes; i++) {
		const struct codec_frame_type *ft = &f->types[i];
		const struct codec_type *t = registry_find(dec->reg, ft);
		if (!t)
			return error_set(err, EINVAL,
					 "unknown object type '%.*s' (saved by "
					 "a different snapctl?)",
					 (int)ft->name_len, ft->name);
		if (ft->version > t->version)
			return error_set(err, EINVAL,
					 "object type '%s' version %u is newer "
					 "than this snapctl reads (%u)",
					 t->name, ft->version, t->version);
		for (size_t j = 0; j < i; j++)
			if (dec->types[j] == t)
				return error_set(err, EINVAL,
						 "type '%s' is listed twice",
						 t->name);
		dec->types[i] = t;
		dec->versions[i] = ft->version;
	}
	return 0;
}

/* Builds the object table, keeping the total object size within the
 * allocation budget the input size justifies. */
static int build_objects(struct decoder *dec, const struct codec_frame *f,
			 size_t input_len, struct error *err)
{
	dec->objs = calloc(f->nobjs + 1, sizeof(*dec->objs));
	if (!dec->objs)
		return error_set(err, ENOMEM, "out of memory");
	dec->nobjs = f->nobjs;
	uint64_t alloc_total = 0;
	for (size_t i = 0; i < f->nobjs; i++) {
		const struct codec_frame_object *fo = &f->objs[i];
		dec->objs[i] = (struct dec_object){
			.type = dec->types[fo->type],
			.version = dec->versions[fo->type],
			.body_len = fo->body_len,
			.body = fo->body,
		};
		alloc_total += dec->objs[i].type->size;
	}
	if (alloc_total > (uint64_t)input_len * CODEC_ALLOC_FACTOR +
				  CODEC_ALLOC_SLACK)
		return error_set(err, EINVAL,
				 "objects would need %llu bytes for %zu bytes "
				 "of input",
				 (unsigned long long)alloc_total, input_len);
	return 0;
}

/* ---- phases ----------------------------------------------------------- */

static int allocate_all(struct decoder *dec, struct error *err)
{
	for (size_t i = 0; i < dec->nobjs; i++) {
		size_t size = dec->objs[i].type->size;
		dec->objs[i].ptr = calloc(1, size ? size : 1);
		if (!dec->objs[i].ptr)
			return error_set(err, ENOMEM,
					 "out of memory for object %zu", i + 1);
	}
	return 0;
}

static int load_all(struct decoder *dec, struct error *err)
{
	dec->loading = true;
	dec->max_ref = 1; /* the root */
	for (dec->cur = 0; dec->cur < dec->nobjs && !dec->failed; dec->cur++) {
		/* Referenced by an object loaded before it, and so, by
		 * induction, reachable from the root: an object that only
		 * refers to itself (or to later objects of its own island)
		 * would otherwise count as referenced and leak. */
		if (dec->cur + 1 > dec->max_ref) {
			dec_fail(dec, "object %zu is never referenced",
				 dec->cur + 1);
			break;
		}
		struct dec_object *o = &dec->objs[dec->cur];
		dec->p = o->body;
		dec->left = o->body_len;
		o->type->load(dec, o->ptr);
		if (!dec->failed && dec->left)
			dec_fail(dec, "%zu bytes left unread", dec->left);
	}
	if (dec->failed)
		return error_set(err, dec->err.code, "%s", dec->err.msg);
	dec->loading = false;
	if (dec->nobjs && dec->max_ref != dec->nobjs)
		return error_set(err, EINVAL,
				 "object %zu is never referenced", dec->max_ref + 1);
	return 0;
}

static int run_after_load(struct decoder *dec, void *ctx, struct error *err)
{
	/* Phases are few and small; walk them in ascending order. */
	int phase = INT32_MIN;
	for (;;) {
		bool found = false;
		int next = INT32_MAX;
		for (size_t i = 0; i < dec->nobjs; i++) {
			const struct codec_type *t = dec->objs[i].type;
			if (!t->after_load)
				continue;
			if (t->after_load_phase == phase) {
				int rc = t->after_load(dec->objs[i].ptr, ctx,
						       err);
				if (rc < 0)
					return error_prefix(
						err, "restoring object %zu ('%s')",
						i + 1, t->name);
			} else if (t->after_load_phase > phase &&
				   t->after_load_phase <= next) {
				next = t->after_load_phase;
				found = true;
			}
		}
		if (!found)
			return 0;
		phase = next;
	}
}

static void release_all(struct decoder *dec)
{
	for (size_t i = 0; i < dec->nobjs; i++) {
		if (!dec->objs[i].ptr)
			continue;
		if (dec->objs[i].type->release)
			dec->objs[i].type->release(dec->objs[i].ptr);
		free(dec->objs[i].ptr);
	}
}

static void decoder_free(struct decoder *dec)
{
	free(dec->objs);
	free(dec->types);
	free(dec->versions);
}

/* Frames and loads; on success dec holds a complete graph. */
static int decode_graph(struct decoder *dec, const struct codec_type *root_type,
			const void *buf, size_t len, struct error *err)
{
	struct codec_frame f;
	int rc = codec_frame_parse(&f, buf, len, err);
	if (rc < 0)
		error_prefix(err, "kernel state");
	if (rc == 0)
		rc = resolve_types(dec, &f, err);
	if (rc == 0)
		rc = build_objects(dec, &f, len, err);
	codec_frame_free(&f);
	if (rc == 0 && dec->nobjs && dec->objs[0].type != root_type)
		rc = error_set(err, EINVAL, "root object is '%s', expected '%s'",
			       dec->objs[0].type->name, root_type->name);
	if (rc == 0)
		rc = allocate_all(dec, err);
	if (rc == 0)
		rc = load_all(dec, err);
	return rc;
}

int codec_decode(const struct codec_registry *reg,
		 const struct codec_type *root_type, const void *buf,
		 size_t len, void *ctx, unsigned flags, void **root_out,
		 struct error *err)
{
	struct decoder dec = { .reg = reg };
	*root_out = NULL;
	int rc = decode_graph(&dec, root_type, buf, len, err);
	if (rc == 0 && !(flags & CODEC_SKIP_AFTER_LOAD))
		rc = run_after_load(&dec, ctx, err);
	if (rc < 0)
		release_all(&dec);
	else if (dec.nobjs)
		*root_out = dec.objs[0].ptr;
	decoder_free(&dec);
	return rc;
}

int codec_check_roundtrip(const struct codec_registry *reg,
			  const struct codec_type *root_type,
			  const void *root, struct error *err)
{
	void *first = NULL, *second = NULL;
	size_t first_len = 0, second_len = 0;
	int rc = codec_encode(root_type, root, &first, &first_len, err);
	if (rc < 0)
		return rc;
	struct decoder dec = { .reg = reg };
	rc = decode_graph(&dec, root_type, first, first_len, err);
	if (rc == 0) {
		const void *copy = dec.nobjs ? dec.objs[0].ptr : NULL;
		rc = codec_encode(root_type, copy, &second, &second_len, err);
	}
	if (rc == 0 && (first_len != second_len ||
			memcmp(first, second, first_len) != 0)) {
		size_t at = 0;
		while (at < first_len && at < second_len &&
		       ((uint8_t *)first)[at] == ((uint8_t *)second)[at])
			at++;
		rc = error_set(err, EINVAL,
			       "re-encoding differs at byte %zu (%zu vs %zu "
			       "bytes)",
			       at, first_len, second_len);
	}
	release_all(&dec);
	decoder_free(&dec);
	free(first);
	free(second);
	return rc;
}
