/* The kernel side of a stub's control channel. */
#include "platform/ptrace/chan.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

int stub_chan_open(struct stub_chan *c, int *stub_ctl, int *stub_req)
{
	int sv[2], req = -1, r;
	void *page = MAP_FAILED;

	memset(c, 0, sizeof(*c));
	c->ctl = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	req = memfd_create("snapctl-stub-req", MFD_CLOEXEC);
	if (req < 0)
		goto fail;
	if (ftruncate(req, 4096))
		goto fail;
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, req, 0);
	if (page == MAP_FAILED)
		goto fail;
	r = pthread_mutex_init(&c->lock, NULL);
	if (r) {
		errno = r;
		goto fail;
	}
	c->ctl = sv[0];
	c->req = page;
	*stub_ctl = sv[1];
	*stub_req = req;
	return 0;
fail:
	r = -errno;
	if (page != MAP_FAILED)
		munmap(page, 4096);
	if (req >= 0)
		close(req);
	close(sv[0]);
	close(sv[1]);
	return r;
}

void stub_chan_close(struct stub_chan *c)
{
	if (!c->req)
		return;                /* never opened, or closed */
	close(c->ctl);
	munmap(c->req, 4096);
	c->ctl = -1;
	c->req = NULL;
	pthread_mutex_destroy(&c->lock);
}

static int chan_send(int ctl, const int fds[2])
{
	char byte = 0;
	struct iovec iov = { &byte, 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fds) {
		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		struct cmsghdr *h = CMSG_FIRSTHDR(&msg);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN(2 * sizeof(int));
		memcpy(CMSG_DATA(h), fds, 2 * sizeof(int));
	}
	for (;;) {
		ssize_t n = sendmsg(ctl, &msg, MSG_NOSIGNAL);
		if (n == 1)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EPIPE && errno != ECONNRESET)
			return -errno;
		return -ESRCH;
	}
}

static int chan_recv(int ctl, int64_t *result)
{
	for (;;) {
		int64_t v;
		ssize_t n = recv(ctl, &v, sizeof(v), 0);
		if (n == (ssize_t)sizeof(v)) {
			*result = v;
			return 0;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != ECONNRESET)
			return -errno;
		/* EOF, a reset, or a reply of the wrong size: the stub is
		 * gone or not itself any more. */
		return -ESRCH;
	}
}

int stub_chan_call(struct stub_chan *c, uint64_t op, const uint64_t *args,
		   int nargs, const int fds[2], int64_t *result)
{
	int r;

	pthread_mutex_lock(&c->lock);
	if (c->dead || c->ctl < 0) {
		r = -ESRCH;
		goto out;
	}
	struct stub_req req = { .op = op };
	for (int i = 0; i < nargs && i < 7; i++)
		req.arg[i] = args[i];
	/* The stub reads the page only after the doorbell below, and the
	 * send is a full barrier. */
	memcpy(c->req, &req, sizeof(req));
	r = chan_send(c->ctl, fds);
	if (!r)
		r = chan_recv(c->ctl, result);
	if (r == -ESRCH)
		c->dead = true;
out:
	pthread_mutex_unlock(&c->lock);
	return r;
}
