/* snapctl: dispatches to a subcommand. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

#define SNAPCTL_VERSION "0.1.0"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
};

static const struct command commands[] = {
	{ "run", cmd_run,
	  "run [--platform=ptrace|kvm] [--cpu-model=host|baseline] [--strace]\n"
	  "      [--id NAME] [--cr-torture=N[sys]]\n"
	  "      [--root DIR] -- PROG [ARGS...]\n"
	  "                        run PROG in a new sandbox, in the foreground;\n"
	  "                        / is DIR (default the host's /), read-only,\n"
	  "                        under a writable layer kept in memory" },
	{ "save", cmd_save,
	  "save NAME --image PATH [--leave-running] [--compress=zstd|lz4|none]\n"
	  "      [--level N]         save running sandbox NAME to an image" },
	{ "restore", cmd_restore,
	  "restore --image PATH [--platform=ptrace|kvm] [--id NAME]\n"
	  "                          start a sandbox from an image, in the "
	  "foreground" },
	{ "ps", cmd_ps, "ps                    list the running sandboxes" },
	{ "kill", cmd_kill,
	  "kill NAME [SIGNAL]    signal every process of sandbox NAME" },
	{ "inspect", cmd_inspect,
	  "inspect PATH          print an image's header, sections, objects "
	  "and memory statistics" },
};

void cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("snapctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void usage(FILE *out)
{
	fprintf(out, "usage: snapctl COMMAND [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %s\n", commands[i].usage);
	fprintf(out, "  help                  print this help\n"
		     "  version               print the version\n");
}

int main(int argc, char **argv)
{
	/* A file-size limit must make an image write fail (EFBIG, handled:
	 * the sandbox keeps running), not kill snapctl with its sandbox. */
	signal(SIGXFSZ, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (!strcmp(name, "help") || !strcmp(name, "--help") ||
	    !strcmp(name, "-h")) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(name, "version") || !strcmp(name, "--version")) {
		printf("snapctl %s (image format 1)\n", SNAPCTL_VERSION);
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(name, commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	cli_error("unknown command '%s' (try 'snapctl help')", name);
	return CLI_EXIT_USAGE;
}
