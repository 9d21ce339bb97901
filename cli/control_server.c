#include "cli/control.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/sandbox.h"
#include "cli/state_dir.h"
#include "snapshot/checkpoint.h"

#define REQUEST_MAX 4096

struct control_server {
	struct sandbox *sb;
	int fd;
	int stop_pipe[2];          /* written by control_stop */
	pthread_t thread;
	char path[108];
};

static int reply(int fd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int reply(int fd, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	return write(fd, line, (size_t)n) == n ? 0 : -1;
}

static const char *state_name(const struct kernel *k)
{
	return k->live_tasks > 0 ? "running" : "exited";
}

static void handle_info(struct control_server *cs, int fd)
{
	struct sandbox *sb = cs->sb;
	pthread_mutex_lock(&sb->lock);
	kernel_lock(sb->k);
	const char *state = state_name(sb->k);
	kernel_unlock(sb->k);
	reply(fd, "ok\t%s\t%d\t%s\t%s\t%lld\t%s", sb->id, (int)getpid(),
	      sb->opts.platform, state, (long long)sb->started, sb->command);
	pthread_mutex_unlock(&sb->lock);
}

static void handle_kill(struct control_server *cs, int fd, const char *arg)
{
	int sig = atoi(arg);
	if (sig <= 0 || sig >= 65) {
		reply(fd, "err\tbad signal '%s'", arg);
		return;
	}
	struct sandbox *sb = cs->sb;
	pthread_mutex_lock(&sb->lock);
	kernel_lock(sb->k);
	/* Until signal handlers exist (processes issue), a signal sent from
	 * outside takes its default action on every process: termination. */
	kernel_freeze(sb->k);
	kernel_stop_all(sb->k, sig);
	kernel_unlock(sb->k);
	pthread_mutex_unlock(&sb->lock);
	reply(fd, "ok");
}

static void handle_save(struct control_server *cs, int fd, char *args)
{
	/* leave-running, compression, level; the path is the rest. */
	char *fields[3];
	for (int i = 0; i < 3; i++) {
		fields[i] = strsep(&args, "\t");
		if (!fields[i] || !args) {
			reply(fd, "err\tmalformed save request");
			return;
		}
	}
	const char *path = args;
	struct image_options opts = {
		.compression = (enum image_compression)atoi(fields[1]),
		.level = atoi(fields[2]),
	};
	bool leave = strcmp(fields[0], "1") == 0;
	struct error err = { 0 };
	struct sandbox *sb = cs->sb;
	pthread_mutex_lock(&sb->lock);
	int rc = checkpoint_save_running(sb->k, path, &opts, leave, &err);
	pthread_mutex_unlock(&sb->lock);
	if (rc < 0)
		reply(fd, "err\t%s", err.msg);
	else
		reply(fd, "ok");
}

/* Only the sandbox's own user, or root, controls it. */
static bool peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	return cred.uid == 0 || cred.uid == geteuid();
}

/* Reads one request line, waiting at most a few seconds for it. */
static ssize_t read_request(int fd, char *buf, size_t n)
{
	size_t got = 0;
	while (got < n - 1) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 5000) <= 0)
			return -1;
		ssize_t r = read(fd, buf + got, n - 1 - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
		buf[got] = 0;
		char *nl = strchr(buf, '\n');
		if (nl) {
			*nl = 0;
			return nl - buf;
		}
	}
	return -1;
}

static void serve_one(struct control_server *cs, int fd)
{
	char req[REQUEST_MAX];
	if (!peer_allowed(fd)) {
		reply(fd, "err\tpermission denied");
		return;
	}
	if (read_request(fd, req, sizeof(req)) < 0)
		return;
	char *args = req;
	char *verb = strsep(&args, "\t");
	if (!strcmp(verb, "info"))
		handle_info(cs, fd);
	else if (!strcmp(verb, "kill") && args)
		handle_kill(cs, fd, args);
	else if (!strcmp(verb, "save") && args)
		handle_save(cs, fd, args);
	else
		reply(fd, "err\tunknown request '%s'", verb);
}

static void *serve(void *arg)
{
	struct control_server *cs = arg;
	for (;;) {
		struct pollfd p[2] = { { cs->fd, POLLIN, 0 },
				       { cs->stop_pipe[0], POLLIN, 0 } };
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		int fd = accept4(cs->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		serve_one(cs, fd);
		close(fd);
	}
	return NULL;
}

/* A socket file left by a sandbox that died is removed; one a live
 * sandbox answers on means the id is taken. */
static int claim_path(const char *path, const char *id, struct error *err)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	int e = errno;
	close(fd);
	if (rc == 0)
		return error_set(err, EEXIST, "a sandbox named '%s' is already "
				 "running", id);
	if (e == ECONNREFUSED)
		unlink(path);
	return 0;
}

static int bind_socket(struct control_server *cs, struct error *err)
{
	cs->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cs->fd < 0)
		return error_set_errno(err, errno, "control socket");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", cs->path);
	/* Created 0600 from the start: no window where others may connect. */
	mode_t old = umask(0177);
	int rc = bind(cs->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0 || listen(cs->fd, 8) < 0)
		return error_set_errno(err, errno, "%s", cs->path);
	return 0;
}

int control_start(struct sandbox *sb, struct control_server **out,
		  struct error *err)
{
	struct control_server *cs = calloc(1, sizeof(*cs));
	if (!cs)
		return error_set(err, ENOMEM, "out of memory");
	cs->sb = sb;
	cs->fd = -1;
	cs->stop_pipe[0] = cs->stop_pipe[1] = -1;
	int rc = state_socket_path(sb->id, cs->path, sizeof(cs->path), true, err);
	if (rc == 0)
		rc = claim_path(cs->path, sb->id, err);
	if (rc == 0)
		rc = bind_socket(cs, err);
	if (rc == 0 && pipe2(cs->stop_pipe, O_CLOEXEC) < 0)
		rc = error_set_errno(err, errno, "pipe");
	if (rc == 0 && (rc = -pthread_create(&cs->thread, NULL, serve, cs)) < 0)
		error_set_errno(err, -rc, "control thread");
	if (rc < 0) {
		if (cs->fd >= 0) {
			close(cs->fd);
			unlink(cs->path);
		}
		for (int i = 0; i < 2; i++)
			if (cs->stop_pipe[i] >= 0)
				close(cs->stop_pipe[i]);
		free(cs);
		return rc;
	}
	*out = cs;
	return 0;
}

void control_stop(struct control_server *cs)
{
	if (!cs)
		return;
	if (write(cs->stop_pipe[1], "x", 1) < 0)
		perror("snapctl: control");
	pthread_join(cs->thread, NULL);
	close(cs->fd);
	close(cs->stop_pipe[0]);
	close(cs->stop_pipe[1]);
	unlink(cs->path);
	free(cs);
}
