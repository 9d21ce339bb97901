/* The control socket of a running sandbox: `snapctl run --id NAME` (and
 * `restore --id NAME`) listen on STATE_DIR/NAME.sock, mode 0600, and
 * serve `snapctl save`, `ps` and `kill` from other snapctl processes.
 * Only the same uid or root may talk to it (SO_PEERCRED).
 *
 * Protocol: one request line, one reply line, fields separated by tabs.
 *   save <leave-running 0|1> <compression> <level> <absolute path>
 *   info
 *   kill <signal number>
 * Replies: "ok[\t...]" or "err\t<message>". info's reply:
 *   ok <id> <pid> <platform> <state> <started, unix time> <command> */
#ifndef CLI_CONTROL_H
#define CLI_CONTROL_H

#include <stddef.h>

#include "snapshot/error.h"

struct sandbox;
struct control_server;

/* Binds the socket for sb->id (replacing a stale one from a dead
 * sandbox; refusing if a live sandbox has the id) and serves it on a
 * thread of its own. */
int control_start(struct sandbox *sb, struct control_server **out,
		  struct error *err);
/* Stops serving and removes the socket. */
void control_stop(struct control_server *cs);

/* Sends one request to sandbox id and stores the reply line (without
 * its newline) in reply. Returns 0, or -ENOENT with a message when no
 * such sandbox runs (a stale socket is removed), or another -errno. */
int control_request(const char *id, const char *request, char *reply,
		    size_t n, struct error *err);

#endif
