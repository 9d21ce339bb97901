/* The round-trip check every kernel-object test ends with: the whole
 * kernel encodes, decodes and encodes again to the same bytes. */
#ifndef TESTS_UNIT_KERNEL_ROUNDTRIP_H
#define TESTS_UNIT_KERNEL_ROUNDTRIP_H

#include <stdbool.h>
#include <stdio.h>

#include "core/kernel.h"
#include "snapshot/codec.h"
#include "snapshot/error.h"

/* True if k round-trips exactly; prints why not. */
static inline bool kernel_round_trips(struct kernel *k, struct error *err)
{
	int rc = codec_check_roundtrip(&kernel_registry, &codec_type_kernel,
				       k, err);
	if (rc < 0)
		fprintf(stderr, "%s\n", err->msg);
	return rc == 0;
}

#endif
