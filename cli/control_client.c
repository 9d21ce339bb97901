#include "cli/control.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/state_dir.h"

static int connect_sandbox(const char *id, struct error *err)
{
	char path[108];
	int rc = state_socket_path(id, path, sizeof(path), false, err);
	if (rc < 0)
		return rc;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return error_set_errno(err, errno, "socket");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	int e = errno;
	close(fd);
	/* A socket nobody listens on was left by a sandbox that died. */
	if (e == ECONNREFUSED)
		unlink(path);
	if (e == ECONNREFUSED || e == ENOENT)
		return error_set(err, ENOENT, "no sandbox named '%s' is running",
				 id);
	return error_set_errno(err, e, "%s", path);
}

/* Reads the reply line; saving a large sandbox takes a while, so there
 * is no time limit, but the peer closing early is an error. */
static int read_reply(int fd, char *reply, size_t n, struct error *err)
{
	size_t got = 0;
	while (got < n - 1) {
		ssize_t r = read(fd, reply + got, n - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		reply[got] = 0;
		char *nl = strchr(reply, '\n');
		if (nl) {
			*nl = 0;
			return 0;
		}
	}
	return error_set(err, EPROTO, "the sandbox closed the connection "
			 "without an answer");
}

int control_request(const char *id, const char *request, char *reply,
		    size_t n, struct error *err)
{
	int fd = connect_sandbox(id, err);
	if (fd < 0)
		return fd;
	size_t len = strlen(request);
	int rc = 0;
	if (write(fd, request, len) != (ssize_t)len || write(fd, "\n", 1) != 1)
		rc = error_set_errno(err, errno, "sending to sandbox '%s'", id);
	if (rc == 0)
		rc = read_reply(fd, reply, n, err);
	close(fd);
	return rc;
}
