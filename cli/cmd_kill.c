/* snapctl kill NAME [SIGNAL]: sends a signal (default TERM; a number or
 * a name, with or without SIG) to every process of sandbox NAME. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "cli/control.h"
#include "cli/sandbox.h"

static int parse_signal(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);
	if (*s && !*end)
		return n > 0 && n < NSIG ? (int)n : -1;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (int sig = 1; sig < NSIG; sig++) {
		const char *abbrev = sigabbrev_np(sig);
		if (abbrev && !strcasecmp(abbrev, s))
			return sig;
	}
	return -1;
}

int cmd_kill(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		cli_error("kill: usage: snapctl kill NAME [SIGNAL]");
		return CLI_EXIT_USAGE;
	}
	int sig = argc == 3 ? parse_signal(argv[2]) : SIGTERM;
	if (sig < 0) {
		cli_error("kill: unknown signal '%s'", argv[2]);
		return CLI_EXIT_USAGE;
	}
	if (!sandbox_id_valid(argv[1])) {
		cli_error("kill: bad sandbox name '%s'", argv[1]);
		return CLI_EXIT_USAGE;
	}
	char req[32], reply[1024];
	snprintf(req, sizeof(req), "kill\t%d", sig);
	struct error err = { 0 };
	if (control_request(argv[1], req, reply, sizeof(reply), &err) < 0) {
		cli_error("kill: %s", err.msg);
		return CLI_EXIT_FAILURE;
	}
	if (strncmp(reply, "ok", 2)) {
		cli_error("kill: %s", reply);
		return CLI_EXIT_FAILURE;
	}
	return CLI_EXIT_OK;
}
