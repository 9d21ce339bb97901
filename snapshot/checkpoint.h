/* Checkpoint and restore of a whole kernel: the image's kernel section
 * is the codec's encoding of struct kernel; its memory is every in-use
 * page of the memory file, under the page's own number. */
#ifndef SNAPSHOT_CHECKPOINT_H
#define SNAPSHOT_CHECKPOINT_H

#include <stdbool.h>

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

/* Reads, verifies and decodes an image into a new kernel (platform
 * opts->platform), with its memory loaded, its host stdio rebound to this
 * process's fds 0-2, and its tasks not started (kernel_start runs them).
 * Everything is checked before anything is created: header, checksums,
 * every chunk, the CPU features the image may use against this host's.
 * Returns 0, or a negative errno with *err naming what is wrong. */
struct kernel_options;
int checkpoint_restore(const char *path, const struct kernel_options *opts,
		       struct kernel **out, struct error *err);

/* Saves a running kernel: freezes it, writes the image, then thaws it
 * (leave_running) or stops the sandbox (its status: 0). If the write
 * fails the sandbox keeps running and nothing changes at path. */
int checkpoint_save_running(struct kernel *k, const char *path,
			    const struct image_options *opts,
			    bool leave_running, struct error *err);

/* Torture mode's cycle: freeze *kp, write it to path, tear every kernel
 * object and all platform state down, restore from the image and start
 * it again in *kp. On failure *kp is left running (or, past the point of
 * no return, NULL with *err saying why). */
int checkpoint_cycle(struct kernel **kp, const char *path,
		     const struct kernel_options *opts, struct error *err);

#endif
