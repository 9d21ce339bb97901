/* snapctl ps: the sandboxes running with an id, one line each. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/control.h"
#include "cli/sandbox.h"
#include "cli/state_dir.h"

static void print_row(char *reply)
{
	char *f[7] = { 0 };
	char *p = reply;
	for (int i = 0; i < 7 && p; i++)
		f[i] = strsep(&p, "\t");
	if (!f[6] || strcmp(f[0], "ok"))
		return;
	time_t started = (time_t)atoll(f[5]);
	char when[32] = "?";
	struct tm tm;
	if (localtime_r(&started, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	printf("%-20s %8s  %-8s %-8s %-19s  %s\n", f[1], f[2], f[3], f[4],
	       when, f[6]);
}

int cmd_ps(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		cli_error("ps: takes no arguments");
		return CLI_EXIT_USAGE;
	}
	char dir[512];
	struct error err = { 0 };
	printf("%-20s %8s  %-8s %-8s %-19s  %s\n", "ID", "PID", "PLATFORM",
	       "STATE", "STARTED", "COMMAND");
	if (state_dir(dir, sizeof(dir), false, &err) < 0)
		return CLI_EXIT_OK;
	DIR *d = opendir(dir);
	if (!d)
		return CLI_EXIT_OK;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n < 6 || strcmp(e->d_name + n - 5, ".sock"))
			continue;
		char id[65];
		snprintf(id, sizeof(id), "%.*s", (int)(n - 5), e->d_name);
		char reply[1024];
		/* Stale sockets are removed by control_request. */
		if (sandbox_id_valid(id) &&
		    control_request(id, "info", reply, sizeof(reply), &err) == 0)
			print_row(reply);
	}
	closedir(d);
	return CLI_EXIT_OK;
}
