/* Checkpoint and restore of a whole kernel: the image's kernel section
 * is the codec's encoding of struct kernel; its memory is every in-use
 * page of the memory file, under the page's own number. */
#ifndef SNAPSHOT_CHECKPOINT_H
#define SNAPSHOT_CHECKPOINT_H

#include "snapshot/error.h"
#include "snapshot/image.h"

struct kernel;

/* Writes k into a new image at path (atomically: see image.h). The
 * kernel must be frozen: no task may be running application code or
 * kernel code, so the graph and memory hold still while written.
 * Returns 0, or a negative errno with *err naming what failed; on
 * failure nothing changes at path. */
int checkpoint_write(struct kernel *k, const char *path,
		     const struct image_options *opts, struct error *err);

#endif
