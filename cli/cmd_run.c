/* snapctl run [--platform=NAME] [--strace] [--cr-torture=N[sys]] [--root DIR]
 *             -- PROG [ARGS...]
 * [--id NAME] Runs PROG in a new sandbox in the foreground: the sandbox's stdio is
 * snapctl's, and snapctl exits with the program's status (128+N when a
 * signal N killed it). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/sandbox.h"
#include "cli/torture.h"
#include "core/kernel.h"

extern char **environ;

/* --root DIR: the host directory under the sandbox's root overlay, kept
 * as an absolute path (the image records it for restore). */
static int parse_root(const char *dir, struct kernel_options *o)
{
	static char root[PATH_MAX];
	struct stat st;
	if (!realpath(dir, root) || stat(root, &st) < 0) {
		cli_error("run: --root %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		cli_error("run: --root %s: not a directory", dir);
		return -1;
	}
	o->root = root;
	return 0;
}

/* Parses options up to "--" or the first non-option; returns the index
 * of PROG in argv, or -1 after printing an error. */
static int parse_run_options(int argc, char **argv, struct kernel_options *o,
			     struct torture *torture, char *id)
{
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[0] != '-')
			break;
		if (!strcmp(a, "--strace")) {
			o->strace = true;
		} else if (!strncmp(a, "--cr-torture=", 13)) {
			if (torture_parse(a + 13, torture) < 0) {
				cli_error("run: --cr-torture takes N (milliseconds) "
					  "or Nsys (syscalls), N > 0");
				return -1;
			}
		} else if (!strcmp(a, "--id") && i + 1 < argc) {
			if (!sandbox_id_valid(argv[++i])) {
				cli_error("run: bad id '%s' (1-64 of A-Z a-z 0-9 _ . -)",
					  argv[i]);
				return -1;
			}
			snprintf(id, 65, "%s", argv[i]);
		} else if (!strncmp(a, "--root=", 7) ||
			   (!strcmp(a, "--root") && i + 1 < argc)) {
			if (parse_root(a[6] ? a + 7 : argv[++i], o) < 0)
				return -1;
		} else if (!strncmp(a, "--cpu-model=", 12)) {
			o->cpu_model = a + 12;
			if (strcmp(o->cpu_model, "host") &&
			    strcmp(o->cpu_model, "baseline")) {
				cli_error("run: --cpu-model takes host or baseline");
				return -1;
			}
		} else if (!strncmp(a, "--platform=", 11)) {
			o->platform = a + 11;
		} else if (!strcmp(a, "--platform") && i + 1 < argc) {
			o->platform = argv[++i];
		} else {
			cli_error("run: unknown option '%s' (see 'snapctl help')",
				  a);
			return -1;
		}
	}
	if (i >= argc) {
		cli_error("run: no program given (usage: snapctl run [OPTIONS] "
			  "-- PROG [ARGS...])");
		return -1;
	}
	if (o->cpu_model && !strcmp(o->cpu_model, "baseline") &&
	    strcmp(o->platform ? o->platform : "ptrace", "kvm")) {
		cli_error("run: --cpu-model=baseline needs --platform=kvm "
			  "(under ptrace programs see the host's CPU)");
		return -1;
	}
	if (o->platform && !platform_find(o->platform)) {
		cli_error("run: unknown platform '%s' (available: ptrace)",
			  o->platform);
		return -1;
	}
	return i;
}

static void join_command(char *out, size_t n, char **argv)
{
	size_t len = 0;
	out[0] = 0;
	for (int i = 0; argv[i] && len + 1 < n; i++)
		len += (size_t)snprintf(out + len, n - len, "%s%s", i ? " " : "",
					argv[i]);
}

int cmd_run(int argc, char **argv)
{
	struct sandbox sb = { .opts = { .platform = "ptrace" } };
	struct torture torture = { 0 };
	int prog = parse_run_options(argc, argv, &sb.opts, &torture, sb.id);
	if (prog < 0)
		return CLI_EXIT_USAGE;
	join_command(sb.command, sizeof(sb.command), argv + prog);
	struct error err = { 0 };
	if (kernel_create(&sb.opts, &sb.k, &err) < 0) {
		cli_error("run: %s", err.msg);
		return CLI_EXIT_FAILURE;
	}
	if (kernel_prepare_init(sb.k, argv[prog], argv + prog, environ,
				&err) < 0) {
		cli_error("run: %s", err.msg);
		kernel_destroy(sb.k);
		/* Like a shell: 127 for a program not found, 126 for one
		 * that cannot be executed. */
		return err.code == ENOENT ? 127 : 126;
	}
	int status = sandbox_run(&sb, &torture);
	return status < 0 ? CLI_EXIT_FAILURE : status;
}
