/* The object-graph codec: how every kernel object saves and loads itself.
 *
 * Each kernel object type describes itself with a `struct codec_type`
 * defined beside the object (pipe.c holds codec_type_pipe with pipe_save
 * and pipe_load). Encoding walks the graph from a root: a save function
 * writes the object's fields with enc_*() and its references with
 * enc_ref(), which assigns each distinct object one id the first time it
 * is seen -- so shared objects are written once and cycles are fine.
 *
 * Decoding has three phases: allocate every object (zeroed, type->size
 * bytes), load each object's fields (references resolve to the allocated
 * objects, so load order does not matter), then run each type's
 * after_load hook, by ascending after_load_phase then object id, which
 * rebuilds host-only resources (host fds, platform handles, timers).
 *
 * The decoder never trusts its input (DESIGN.md invariant 6): every read
 * is bounds checked against the object's body, every count and length is
 * checked against the bytes that remain, every reference against the
 * object count and its expected type, and the memory it allocates is
 * bounded by a constant factor of the input size. The first error is
 * sticky: later reads return zeroes, and the message names the object.
 *
 * Stream layout (little-endian, fixed width):
 *   u32 magic "CDC1"   u32 type_count
 *   type_count x { u16 name_len, name, u32 version }
 *   u32 object_count
 *   object_count x { u32 type_index, u32 body_len }
 *   bodies, concatenated; object ids are 1..object_count, the root is 1.
 */
#ifndef SNAPSHOT_CODEC_H
#define SNAPSHOT_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot/error.h"

struct encoder;
struct decoder;

struct codec_type {
	const char *name;          /* unique and stable: it is in images */
	uint32_t version;          /* bump when the saved layout changes */
	size_t size;               /* bytes allocated for one object */
	int after_load_phase;      /* after_load order: lower phases first */
	void (*save)(struct encoder *enc, const void *obj);
	/* Reads the fields back; reports problems with dec_fail (or simply
	 * by reading past the end: the decoder notices). Objects load in id
	 * order, so a referenced object may not be loaded yet: load must
	 * not read (or reset) its fields -- derive state that depends on
	 * other objects in after_load. */
	void (*load)(struct decoder *dec, void *obj);
	/* Optional. ctx is codec_decode's ctx. Returns 0 or fills err. */
	int (*after_load)(void *obj, void *ctx, struct error *err);
	/* Optional. Frees what load and after_load created inside obj -- not
	 * obj itself, not objects it references. Called for every object of
	 * a decode that fails; must cope with a partially loaded object
	 * (fields never loaded are zero). */
	void (*release)(void *obj);
};

/* The set of types a decoder accepts, looked up by name. */
struct codec_registry {
	const struct codec_type *const *types;
	size_t count;
};

/* Longest type name the stream format accepts. */
#define CODEC_NAME_MAX 64

/* Decoding allocates at most this many bytes of objects per input byte
 * (plus CODEC_ALLOC_SLACK): an image can't make us allocate unboundedly. */
#define CODEC_ALLOC_FACTOR 64
#define CODEC_ALLOC_SLACK (1u << 20)

/* ---- encoding --------------------------------------------------------- */

/* Encodes the graph reachable from root (NULL gives an empty graph) into
 * a malloc'd buffer. Returns 0, or a negative value with *err filled. */
int codec_encode(const struct codec_type *root_type, const void *root,
		 void **out, size_t *out_len, struct error *err);

void enc_u8(struct encoder *enc, uint8_t v);
void enc_u16(struct encoder *enc, uint16_t v);
void enc_u32(struct encoder *enc, uint32_t v);
void enc_u64(struct encoder *enc, uint64_t v);
void enc_i32(struct encoder *enc, int32_t v);
void enc_i64(struct encoder *enc, int64_t v);
void enc_bool(struct encoder *enc, bool v);
/* A length-prefixed byte string (data may be NULL when len is 0). */
void enc_bytes(struct encoder *enc, const void *data, size_t len);
/* Exactly len bytes, no prefix: the loader knows the length. */
void enc_blob(struct encoder *enc, const void *data, size_t len);
/* A C string, or NULL. */
void enc_str(struct encoder *enc, const char *s);
/* A reference to obj (may be NULL) of the given type. */
void enc_ref(struct encoder *enc, const struct codec_type *type,
	     const void *obj);
/* Marks the encoding failed (e.g. a host resource can't be described). */
void enc_fail(struct encoder *enc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- decoding --------------------------------------------------------- */

enum codec_decode_flags {
	CODEC_SKIP_AFTER_LOAD = 1,   /* unit tests: no host resources */
};

/* Decodes buf into a new graph and stores its root in *root_out (NULL
 * for an empty graph). On success the objects belong to the caller (the
 * root's own teardown frees them); on failure every object created is
 * released and freed, *root_out is NULL and *err says what was wrong. */
int codec_decode(const struct codec_registry *reg,
		 const struct codec_type *root_type, const void *buf,
		 size_t len, void *ctx, unsigned flags, void **root_out,
		 struct error *err);

uint8_t dec_u8(struct decoder *dec);
uint16_t dec_u16(struct decoder *dec);
uint32_t dec_u32(struct decoder *dec);
uint64_t dec_u64(struct decoder *dec);
int32_t dec_i32(struct decoder *dec);
int64_t dec_i64(struct decoder *dec);
bool dec_bool(struct decoder *dec);      /* anything but 0 or 1 fails */
/* A length-prefixed byte string, malloc'd (never NULL on success, even
 * for length 0); fails if longer than max. *len gets the length. */
void *dec_bytes(struct decoder *dec, size_t max, size_t *len);
/* Reads exactly len bytes into dst. */
void dec_blob(struct decoder *dec, void *dst, size_t len);
/* A C string or NULL, malloc'd; fails on embedded NULs or > max bytes. */
char *dec_str(struct decoder *dec, size_t max);
/* A reference: NULL, or the decoded object, which must be of `type`. */
void *dec_ref(struct decoder *dec, const struct codec_type *type);
/* A reference whose type the loader learns from the stream (an fd table
 * refers to files of several kinds). *type gets the object's type (NULL
 * with a NULL result); the caller must check it is one it accepts. */
void *dec_ref_any(struct decoder *dec, const struct codec_type **type);
/* An element count that was written with enc_u32: fails unless count *
 * min_elem_bytes fits in what remains of this object's body. */
uint32_t dec_count(struct decoder *dec, size_t min_elem_bytes);
/* An integer that must lie in [lo, hi] (enums, flags, small values). */
uint64_t dec_u64_range(struct decoder *dec, uint64_t lo, uint64_t hi,
		       const char *what);
/* The version the stream records for the type being loaded (loaders of
 * a type whose version was bumped read older layouts by it). */
uint32_t dec_version(const struct decoder *dec);
bool dec_ok(const struct decoder *dec);
void dec_fail(struct decoder *dec, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- inspection and testing ------------------------------------------- */

/* Calls cb once per type in the stream with its object count, without
 * decoding any object. Checks the stream's framing only. */
int codec_census(const void *buf, size_t len,
		 void (*cb)(const char *name, uint32_t version,
			    uint64_t count, void *arg),
		 void *arg, struct error *err);

/* The round-trip invariant (DESIGN.md invariant 3) for one graph: encodes
 * root, decodes it (without after_load), re-encodes the decoded graph and
 * checks the two encodings are byte-identical; frees the decoded copy.
 * Returns 0, or a negative value with *err saying what differed. */
int codec_check_roundtrip(const struct codec_registry *reg,
			  const struct codec_type *root_type,
			  const void *root, struct error *err);

#endif
