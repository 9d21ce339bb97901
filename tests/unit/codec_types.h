/* Object types for exercising the codec, shared by the unit test and the
 * fuzz target: a node with every primitive, a string, a byte string, a
 * fixed blob, a counted array and references (so graphs can have cycles
 * and shared objects), and a leaf. All definitions are static: include
 * this from one file per program. */
#ifndef TESTS_UNIT_CODEC_TYPES_H
#define TESTS_UNIT_CODEC_TYPES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "snapshot/codec.h"

struct leaf {
	uint32_t value;
};

struct node {
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	int32_t i32;
	int64_t i64;
	bool flag;
	char *name;
	void *bytes;
	size_t nbytes;
	uint8_t blob[16];
	struct node *left, *right;
	struct leaf *leaf;
	uint32_t nvals;
	uint64_t *vals;
};

static const struct codec_type leaf_type, node_type;

static void leaf_save(struct encoder *enc, const void *obj)
{
	enc_u32(enc, ((const struct leaf *)obj)->value);
}

static void leaf_load(struct decoder *dec, void *obj)
{
	((struct leaf *)obj)->value = dec_u32(dec);
}

static void node_save(struct encoder *enc, const void *obj)
{
	const struct node *n = obj;
	enc_u8(enc, n->u8);
	enc_u16(enc, n->u16);
	enc_u32(enc, n->u32);
	enc_u64(enc, n->u64);
	enc_i32(enc, n->i32);
	enc_i64(enc, n->i64);
	enc_bool(enc, n->flag);
	enc_str(enc, n->name);
	enc_bytes(enc, n->bytes, n->nbytes);
	enc_blob(enc, n->blob, sizeof(n->blob));
	enc_ref(enc, &node_type, n->left);
	enc_ref(enc, &node_type, n->right);
	enc_ref(enc, &leaf_type, n->leaf);
	enc_u32(enc, n->nvals);
	for (uint32_t i = 0; i < n->nvals; i++)
		enc_u64(enc, n->vals[i]);
}

static void node_load(struct decoder *dec, void *obj)
{
	struct node *n = obj;
	n->u8 = dec_u8(dec);
	n->u16 = dec_u16(dec);
	n->u32 = dec_u32(dec);
	n->u64 = dec_u64(dec);
	n->i32 = dec_i32(dec);
	n->i64 = dec_i64(dec);
	n->flag = dec_bool(dec);
	n->name = dec_str(dec, 4096);
	n->bytes = dec_bytes(dec, 1 << 20, &n->nbytes);
	dec_blob(dec, n->blob, sizeof(n->blob));
	n->left = dec_ref(dec, &node_type);
	n->right = dec_ref(dec, &node_type);
	n->leaf = dec_ref(dec, &leaf_type);
	n->nvals = dec_count(dec, 8);
	if (!dec_ok(dec))
		return;
	n->vals = calloc(n->nvals + 1, sizeof(*n->vals));
	for (uint32_t i = 0; i < n->nvals; i++)
		n->vals[i] = dec_u64(dec);
}

static void node_release(void *obj)
{
	struct node *n = obj;
	free(n->name);
	free(n->bytes);
	free(n->vals);
}

static const struct codec_type leaf_type = {
	.name = "leaf", .version = 1, .size = sizeof(struct leaf),
	.save = leaf_save, .load = leaf_load,
};
static const struct codec_type node_type = {
	.name = "node", .version = 2, .size = sizeof(struct node),
	.save = node_save, .load = node_load, .release = node_release,
};
static const struct codec_type *const all_types[] = { &leaf_type, &node_type };
static const struct codec_registry registry = { all_types, 2 };

/* Frees a decoded graph (it may have cycles): collects every reachable
 * object once, then frees them. */
struct seen {
	void **p;
	size_t n, cap;
};

static bool seen_add(struct seen *s, void *p)
{
	if (!p)
		return false;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->p = realloc(s->p, s->cap * sizeof(*s->p));
		if (!s->p)
			abort();
	}
	for (size_t i = 0; i < s->n; i++)
		if (s->p[i] == p)
			return false;
	s->p[s->n++] = p;
	return true;
}

static void collect(struct seen *nodes, struct seen *leaves, struct node *n)
{
	if (!seen_add(nodes, n))
		return;
	seen_add(leaves, n->leaf);
	collect(nodes, leaves, n->left);
	collect(nodes, leaves, n->right);
}

static void free_graph(struct node *root)
{
	struct seen nodes = { 0 }, leaves = { 0 };
	collect(&nodes, &leaves, root);
	for (size_t i = 0; i < nodes.n; i++) {
		node_release(nodes.p[i]);
		free(nodes.p[i]);
	}
	for (size_t i = 0; i < leaves.n; i++)
		free(leaves.p[i]);
	free(nodes.p);
	free(leaves.p);
}

#endif
