/* snapctl save NAME --image PATH [--leave-running] [--compress=zstd|lz4|none]
 *              [--level N]
 * Asks the running sandbox NAME to save itself to PATH. Without
 * --leave-running the sandbox stops once the image is safely written; if
 * the save fails it keeps running and nothing changes at PATH. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/control.h"
#include "cli/sandbox.h"
#include "snapshot/image.h"

struct save_args {
	const char *id, *image;
	bool leave_running;
	enum image_compression compression;
	int level;
};

static int parse_compression(const char *s, enum image_compression *c)
{
	if (!strcmp(s, "zstd"))
		*c = IMAGE_COMPRESS_ZSTD;
	else if (!strcmp(s, "lz4"))
		*c = IMAGE_COMPRESS_LZ4;
	else if (!strcmp(s, "none"))
		*c = IMAGE_COMPRESS_NONE;
	else
		return -1;
	return 0;
}

static int parse_save(int argc, char **argv, struct save_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		char *end;
		if (!strcmp(s, "--image") && i + 1 < argc) {
			a->image = argv[++i];
		} else if (!strcmp(s, "--leave-running")) {
			a->leave_running = true;
		} else if (!strncmp(s, "--compress=", 11)) {
			if (parse_compression(s + 11, &a->compression) < 0)
				return cli_error("save: --compress takes zstd, lz4 "
						 "or none"), -1;
		} else if (!strcmp(s, "--level") && i + 1 < argc) {
			a->level = (int)strtol(argv[++i], &end, 10);
			if (*end || a->level < 1 || a->level > 19)
				return cli_error("save: --level takes 1 to 19"), -1;
		} else if (s[0] != '-' && !a->id) {
			a->id = s;
		} else {
			return cli_error("save: unknown argument '%s' (see "
					 "'snapctl help')", s), -1;
		}
	}
	if (!a->id || !a->image)
		return cli_error("save: usage: snapctl save NAME --image PATH "
				 "[--leave-running] [--compress=X] [--level N]"),
		       -1;
	if (!sandbox_id_valid(a->id))
		return cli_error("save: bad sandbox name '%s'", a->id), -1;
	return 0;
}

/* The sandbox's process writes the image: a relative path means this
 * process's working directory, so it is made absolute here. */
static int absolute_path(const char *path, char *out, size_t n)
{
	if (path[0] == '/')
		return snprintf(out, n, "%s", path) < (int)n ? 0 : -1;
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		return -1;
	return snprintf(out, n, "%s/%s", cwd, path) < (int)n ? 0 : -1;
}

int cmd_save(int argc, char **argv)
{
	struct save_args a = { .compression = IMAGE_COMPRESS_ZSTD };
	if (parse_save(argc, argv, &a) < 0)
		return CLI_EXIT_USAGE;
	char path[PATH_MAX], req[PATH_MAX + 64], reply[1024];
	if (absolute_path(a.image, path, sizeof(path)) < 0 ||
	    strchr(path, '\n') || strchr(path, '\t')) {
		cli_error("save: unusable image path '%s'", a.image);
		return CLI_EXIT_USAGE;
	}
	snprintf(req, sizeof(req), "save\t%d\t%d\t%d\t%s", a.leave_running,
		 (int)a.compression, a.level, path);
	struct error err = { 0 };
	if (control_request(a.id, req, reply, sizeof(reply), &err) < 0) {
		cli_error("save: %s", err.msg);
		return CLI_EXIT_FAILURE;
	}
	if (strncmp(reply, "ok", 2) != 0) {
		cli_error("save: %s", strncmp(reply, "err\t", 4) ? reply
								 : reply + 4);
		return CLI_EXIT_FAILURE;
	}
	return CLI_EXIT_OK;
}
