/* snapctl restore --image PATH [--platform=NAME] [--id NAME] [--strace]
 *                 [--cr-torture=N[sys]]
 * Starts a new sandbox from an image, in the foreground, with this
 * process's stdin/stdout/stderr; exits with the program's status. One
 * image restores any number of times, each an independent sandbox. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/sandbox.h"
#include "cli/torture.h"
#include "snapshot/checkpoint.h"

static int parse_restore(int argc, char **argv, struct sandbox *sb,
			 const char **image, struct torture *t)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--image") && i + 1 < argc) {
			*image = argv[++i];
		} else if (!strncmp(a, "--platform=", 11)) {
			sb->opts.platform = a + 11;
		} else if (!strcmp(a, "--strace")) {
			sb->opts.strace = true;
		} else if (!strcmp(a, "--id") && i + 1 < argc) {
			if (!sandbox_id_valid(argv[++i]))
				return cli_error("restore: bad id '%s'", argv[i]),
				       -1;
			snprintf(sb->id, sizeof(sb->id), "%s", argv[i]);
		} else if (!strncmp(a, "--cr-torture=", 13) &&
			   torture_parse(a + 13, t) == 0) {
			continue;
		} else {
			return cli_error("restore: unknown argument '%s' (see "
					 "'snapctl help')", a), -1;
		}
	}
	if (!*image)
		return cli_error("restore: usage: snapctl restore --image PATH "
				 "[--platform=X] [--id NAME]"), -1;
	if (!platform_find(sb->opts.platform))
		return cli_error("restore: unknown platform '%s'",
				 sb->opts.platform), -1;
	return 0;
}

int cmd_restore(int argc, char **argv)
{
	struct sandbox sb = { .opts = { .platform = "ptrace" } };
	struct torture torture = { 0 };
	const char *image = NULL;
	if (parse_restore(argc, argv, &sb, &image, &torture) < 0)
		return CLI_EXIT_USAGE;
	snprintf(sb.command, sizeof(sb.command), "(restored from %s)", image);
	struct error err = { 0 };
	if (checkpoint_restore(image, &sb.opts, &sb.k, &err) < 0) {
		cli_error("restore: %s", err.msg);
		/* A missing, corrupt or unusable image is bad input (2);
		 * the host failing us (memory, the platform) is 1. */
		bool host = err.code == ENOMEM || err.code == EPERM ||
			    err.code == EAGAIN;
		return host ? CLI_EXIT_FAILURE : CLI_EXIT_USAGE;
	}
	int status = sandbox_run(&sb, &torture);
	return status < 0 ? CLI_EXIT_FAILURE : status;
}
