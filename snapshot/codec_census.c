/* Object counts by type, for `snapctl inspect`: framing only, no types
 * need to be known. */
#include "snapshot/codec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/codec_frame.h"

int codec_census(const void *buf, size_t len,
		 void (*cb)(const char *name, uint32_t version,
			    uint64_t count, void *arg),
		 void *arg, struct error *err)
{
	struct codec_frame f;
	int rc = codec_frame_parse(&f, buf, len, err);
	uint64_t *counts = rc < 0 ? NULL : calloc(f.ntypes + 1, sizeof(*counts));
	if (rc == 0 && !counts)
		rc = error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; rc == 0 && i < f.nobjs; i++)
		counts[f.objs[i].type]++;
	for (size_t i = 0; rc == 0 && i < f.ntypes; i++) {
		char name[CODEC_NAME_MAX + 1];
		memcpy(name, f.types[i].name, f.types[i].name_len);
		name[f.types[i].name_len] = 0;
		cb(name, f.types[i].version, counts[i], arg);
	}
	free(counts);
	codec_frame_free(&f);
	return rc;
}
