/* libFuzzer target for the codec decoder (DESIGN.md invariant 6): any
 * input either decodes or fails with a message -- never a crash, a leak
 * or a huge allocation -- and what decodes re-encodes stably. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/codec_types.h"

static void check_stable(struct node *root)
{
	void *first, *second;
	size_t first_len, second_len;
	struct error err = { 0 };
	if (codec_encode(&node_type, root, &first, &first_len, &err) < 0)
		abort();
	void *copy = NULL;
	if (codec_decode(&registry, &node_type, first, first_len, NULL, 0,
			 &copy, &err) < 0) {
		fprintf(stderr, "re-decode failed: %s\n", err.msg);
		abort();
	}
	if (codec_encode(&node_type, copy, &second, &second_len, &err) < 0)
		abort();
	if (first_len != second_len || memcmp(first, second, first_len))
		abort();
	free_graph(copy);
	free(first);
	free(second);
}

static void census_cb(const char *name, uint32_t version, uint64_t count,
		      void *arg)
{
	(void)name, (void)version, (void)count, (void)arg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *root = NULL;
	struct error err = { 0 };
	codec_census(data, size, census_cb, NULL, &err);
	if (codec_decode(&registry, &node_type, data, size, NULL, 0, &root,
			 &err) == 0) {
		check_stable(root);
		free_graph(root);
	} else if (root != NULL || err.msg[0] == 0) {
		abort();
	}
	return 0;
}
