#include "cli/state_dir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int state_dir(char *out, size_t n, bool create, struct error *err)
{
	const char *root = getenv("SNAPCTL_ROOT");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int len;
	if (root && *root)
		len = snprintf(out, n, "%s", root);
	else if (geteuid() == 0)
		len = snprintf(out, n, "/run/snapctl");
	else if (xdg && *xdg)
		len = snprintf(out, n, "%s/snapctl", xdg);
	else
		return error_set(err, ENOENT,
				 "no state directory: set SNAPCTL_ROOT or "
				 "XDG_RUNTIME_DIR");
	if (len < 0 || (size_t)len >= n)
		return error_set(err, ENAMETOOLONG, "state directory path too long");
	if (create && mkdir(out, 0700) < 0 && errno != EEXIST)
		return error_set_errno(err, errno, "%s", out);
	return 0;
}

int state_socket_path(const char *id, char *out, size_t n, bool create,
		      struct error *err)
{
	char dir[512];
	int rc = state_dir(dir, sizeof(dir), create, err);
	if (rc < 0)
		return rc;
	int len = snprintf(out, n, "%s/%s.sock", dir, id);
	/* sun_path holds 108 bytes. */
	if (len < 0 || (size_t)len >= n || len >= 108)
		return error_set(err, ENAMETOOLONG, "%s/%s.sock: path too long",
				 dir, id);
	return 0;
}
