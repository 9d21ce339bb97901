/* Where sandboxes' control sockets live: $SNAPCTL_ROOT, else /run/snapctl
 * for root, else $XDG_RUNTIME_DIR/snapctl (DESIGN.md). */
#ifndef CLI_STATE_DIR_H
#define CLI_STATE_DIR_H

#include <stdbool.h>
#include <stddef.h>

#include "snapshot/error.h"

/* Writes the state directory into out, creating it (mode 0700) when
 * create is true. Returns 0 or a negative errno with *err filled. */
int state_dir(char *out, size_t n, bool create, struct error *err);

/* The control socket path of sandbox id. */
int state_socket_path(const char *id, char *out, size_t n, bool create,
		      struct error *err);

#endif
