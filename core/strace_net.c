/* Sockets, poll and epoll for the strace formatter. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <linux/eventpoll.h>
#include <linux/netlink.h>
#include <linux/poll.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "core/strace_impl.h"

static const struct xlat sxl_address_families[] = {
	X(AF_UNSPEC), X(AF_UNIX), X(AF_INET), X(AF_AX25), X(AF_IPX),
	X(AF_APPLETALK), X(AF_NETROM), X(AF_BRIDGE), X(AF_ATMPVC), X(AF_X25),
	X(AF_INET6), X(AF_ROSE), X(AF_DECnet), X(AF_NETBEUI), X(AF_SECURITY),
	X(AF_KEY), X(AF_NETLINK), X(AF_PACKET), X(AF_ASH), X(AF_ECONET),
	X(AF_ATMSVC), X(AF_RDS), X(AF_SNA), X(AF_IRDA), X(AF_PPPOX),
	X(AF_WANPIPE), X(AF_LLC), X(AF_IB), X(AF_MPLS), X(AF_CAN), X(AF_TIPC),
	X(AF_BLUETOOTH), X(AF_IUCV), X(AF_RXRPC), X(AF_ISDN), X(AF_PHONET),
	X(AF_IEEE802154), X(AF_CAIF), X(AF_ALG), X(AF_NFC), X(AF_VSOCK),
	X(AF_KCM), X(AF_QIPCRTR), X(AF_SMC), X(AF_XDP), XEND
};

static const struct xlat sxl_sock_types[] = {
	X(SOCK_STREAM), X(SOCK_DGRAM), X(SOCK_RAW), X(SOCK_RDM),
	X(SOCK_SEQPACKET), X(SOCK_DCCP), X(SOCK_PACKET), XEND
};

static const struct xlat sxl_sock_flags[] = {
	X(SOCK_NONBLOCK), X(SOCK_CLOEXEC), XEND
};

static const struct xlat sxl_ip_protos[] = {
	X(IPPROTO_IP), X(IPPROTO_ICMP), X(IPPROTO_IGMP), X(IPPROTO_TCP),
	X(IPPROTO_UDP), X(IPPROTO_IPV6), X(IPPROTO_ICMPV6), X(IPPROTO_SCTP),
	X(IPPROTO_UDPLITE), X(IPPROTO_RAW),
#ifdef IPPROTO_MPTCP
	X(IPPROTO_MPTCP),
#endif
	XEND
};

static const struct xlat sxl_netlink_protos[] = {
	X(NETLINK_ROUTE), X(NETLINK_UNUSED), X(NETLINK_USERSOCK),
	X(NETLINK_FIREWALL), X(NETLINK_SOCK_DIAG), X(NETLINK_NFLOG),
	X(NETLINK_XFRM), X(NETLINK_SELINUX), X(NETLINK_ISCSI),
	X(NETLINK_AUDIT), X(NETLINK_FIB_LOOKUP), X(NETLINK_CONNECTOR),
	X(NETLINK_NETFILTER), X(NETLINK_IP6_FW), X(NETLINK_DNRTMSG),
	X(NETLINK_KOBJECT_UEVENT), X(NETLINK_GENERIC), X(NETLINK_SCSITRANSPORT),
	X(NETLINK_ECRYPTFS), X(NETLINK_RDMA), X(NETLINK_CRYPTO),
	X(NETLINK_SMC), XEND
};

static const struct xlat sxl_shut_how[] = {
	X(SHUT_RD), X(SHUT_WR), X(SHUT_RDWR), XEND
};

static const struct xlat sxl_msg_flags[] = {
	X(MSG_OOB), X(MSG_PEEK), X(MSG_DONTROUTE), X(MSG_CTRUNC), X(MSG_PROXY),
	X(MSG_TRUNC), X(MSG_DONTWAIT), X(MSG_EOR), X(MSG_WAITALL), X(MSG_FIN),
	X(MSG_SYN), X(MSG_CONFIRM), X(MSG_RST), X(MSG_ERRQUEUE),
	X(MSG_NOSIGNAL), X(MSG_MORE), X(MSG_WAITFORONE), X(MSG_BATCH),
	X(MSG_ZEROCOPY), X(MSG_FASTOPEN), X(MSG_CMSG_CLOEXEC), XEND
};

static const struct xlat sxl_poll_events[] = {
	X(POLLIN), X(POLLPRI), X(POLLOUT), X(POLLERR), X(POLLHUP), X(POLLNVAL),
	X(POLLRDNORM), X(POLLRDBAND), X(POLLWRNORM), X(POLLWRBAND),
	X(POLLMSG), X(POLLREMOVE), X(POLLRDHUP), XEND
};

static const struct xlat sxl_epoll_flags[] = { X(EPOLL_CLOEXEC), XEND };

static const struct xlat sxl_epoll_ops[] = {
	X(EPOLL_CTL_ADD), X(EPOLL_CTL_DEL), X(EPOLL_CTL_MOD), XEND
};

static const struct xlat sxl_epoll_events[] = {
	X(EPOLLIN), X(EPOLLPRI), X(EPOLLOUT), X(EPOLLERR), X(EPOLLHUP),
	X(EPOLLNVAL), X(EPOLLRDNORM), X(EPOLLRDBAND), X(EPOLLWRNORM),
	X(EPOLLWRBAND), X(EPOLLMSG), X(EPOLLRDHUP), X(EPOLLEXCLUSIVE),
	X(EPOLLWAKEUP), X(EPOLLONESHOT), X(EPOLLET), XEND
};

void sf_arg_sock_domain(struct sfmt *f, unsigned i)
{
	sf_next(f);
	sout_xval(&f->out, sxl_address_families, (uint32_t)f->a[i], "AF_???");
}

void sf_arg_sock_type(struct sfmt *f, unsigned i)
{
	uint64_t t = (uint32_t)f->a[i];
	sf_next(f);
	sout_xval(&f->out, sxl_sock_types, t & 0xf, "SOCK_???");
	if (t & ~0xfull) {
		sout_putc(&f->out, '|');
		sout_flags(&f->out, sxl_sock_flags, t & ~0xfull, NULL, NULL);
	}
}

/* The protocol's names depend on the domain (argument 0). */
void sf_arg_sock_proto(struct sfmt *f, unsigned i)
{
	uint64_t domain = f->a[0], p = (uint32_t)f->a[i];
	sf_next(f);
	if (domain == AF_INET || domain == AF_INET6)
		sout_xval(&f->out, sxl_ip_protos, p, "IPPROTO_???");
	else if (domain == AF_NETLINK)
		sout_xval(&f->out, sxl_netlink_protos, p, "NETLINK_???");
	else
		sout_printf(&f->out, "%u", (unsigned)p);
}

void sf_arg_shut_how(struct sfmt *f, unsigned i)
{
	sf_next(f);
	sout_xval(&f->out, sxl_shut_how, (uint32_t)f->a[i], "SHUT_???");
}

static void put_sun(struct sout *o, const struct sockaddr_un *sun, size_t len)
{
	size_t n = len - offsetof(struct sockaddr_un, sun_path);
	const char *p = sun->sun_path;
	if (!n)
		return;
	sout_puts(o, ", sun_path=");
	if (p[0] == '\0') {  /* abstract: strace prints @"name" */
		sout_putc(o, '@');
		sout_quote(o, (const unsigned char *)p + 1, n - 1, false);
		return;
	}
	sout_quote(o, (const unsigned char *)p, strnlen(p, n), false);
}

static void put_sin(struct sout *o, const struct sockaddr_in *sin)
{
	char a[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
	sout_printf(o, ", sin_port=htons(%u), sin_addr=inet_addr(\"%s\")",
		    ntohs(sin->sin_port), a);
}

static void put_sin6(struct sout *o, const struct sockaddr_in6 *s6)
{
	char a[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
	sout_printf(o, ", sin6_port=htons(%u), sin6_flowinfo=htonl(%u), "
		    "inet_pton(AF_INET6, \"%s\", &sin6_addr), "
		    "sin6_scope_id=%u", ntohs(s6->sin6_port),
		    ntohl(s6->sin6_flowinfo), a, s6->sin6_scope_id);
}

static void put_sockaddr(struct sout *o, const struct sockaddr_storage *ss,
			 size_t len)
{
	sout_puts(o, "{sa_family=");
	sout_xval(o, sxl_address_families, ss->ss_family, "AF_???");
	if (ss->ss_family == AF_UNIX)
		put_sun(o, (const struct sockaddr_un *)ss, len);
	else if (ss->ss_family == AF_INET && len >= sizeof(struct sockaddr_in))
		put_sin(o, (const struct sockaddr_in *)ss);
	else if (ss->ss_family == AF_INET6 &&
		 len >= sizeof(struct sockaddr_in6))
		put_sin6(o, (const struct sockaddr_in6 *)ss);
	else if (len > sizeof(ss->ss_family))
		sout_puts(o, ", ...");
	sout_putc(o, '}');
}

void sf_arg_msg_flags(struct sfmt *f, unsigned i)
{
	sf_next(f);
	sout_flags(&f->out, sxl_msg_flags, (uint32_t)f->a[i], "0", "MSG_???");
}

/* A sockaddr whose length is the next argument. */
void sf_arg_sockaddr(struct sfmt *f, unsigned i)
{
	struct sockaddr_storage ss;
	uint64_t addr = f->a[i], len = i < 5 ? f->a[i + 1] : 0;
	sf_next(f);
	if (len < sizeof(ss.ss_family) || len > sizeof(ss)) {
		sout_ptr(&f->out, addr);
		return;
	}
	memset(&ss, 0, sizeof(ss));
	if (sf_read_or_addr(f, &ss, addr, len))
		put_sockaddr(&f->out, &ss, len);
}

/* ---- poll ---- */

struct k_pollfd {
	int32_t fd;
	int16_t events;
	int16_t revents;
};

static void put_pollfd(struct sout *o, const struct k_pollfd *p, bool rev)
{
	sout_printf(o, "{fd=%d", p->fd);
	if (p->fd >= 0 || rev) {
		sout_puts(o, rev ? ", revents=" : ", events=");
		uint16_t ev = (uint16_t)(rev ? p->revents : p->events);
		sout_flags(o, sxl_poll_events, ev, "0", "POLL???");
	}
	sout_putc(o, '}');
}

void sf_arg_pollfds(struct sfmt *f, unsigned i)
{
	uint64_t addr = f->a[i], n = i < 5 ? f->a[i + 1] : 0;
	struct k_pollfd p;
	sf_next(f);
	if (n && !sf_read_or_addr(f, &p, addr, sizeof(p)))
		return;
	sout_putc(&f->out, '[');
	for (uint64_t j = 0; j < n; j++) {
		if (j)
			sout_puts(&f->out, ", ");
		if (j >= STRACE_STRLEN ||
		    !sf_read(f, &p, addr + j * sizeof(p), sizeof(p))) {
			sout_puts(&f->out, "...");
			break;
		}
		put_pollfd(&f->out, &p, false);
	}
	sout_putc(&f->out, ']');
}

/* poll's result: " ([{fd=3, revents=POLLIN}])", or " (Timeout)". */
void sf_poll_result(struct sfmt *f)
{
	uint64_t addr = f->a[0], n = f->a[1];
	struct k_pollfd p;
	if (f->ret == 0) {
		sout_puts(&f->out, " (Timeout)");
		return;
	}
	sout_puts(&f->out, " ([");
	for (uint64_t j = 0, shown = 0; j < n && j < 1024; j++) {
		if (!sf_read(f, &p, addr + j * sizeof(p), sizeof(p)))
			break;
		if (!p.revents)
			continue;
		if (shown++)
			sout_puts(&f->out, ", ");
		put_pollfd(&f->out, &p, true);
	}
	sout_puts(&f->out, "])");
}

/* ---- epoll ---- */

void sf_arg_epoll_flags(struct sfmt *f, unsigned i)
{
	sf_next(f);
	sout_flags(&f->out, sxl_epoll_flags, f->a[i], "0", "EPOLL_???");
}

void sf_arg_epoll_op(struct sfmt *f, unsigned i)
{
	sf_next(f);
	sout_xval(&f->out, sxl_epoll_ops, (uint32_t)f->a[i], "EPOLL_CTL_???");
}

static void put_epoll_event(struct sout *o, const struct epoll_event *e)
{
	sout_puts(o, "{events=");
	sout_flags(o, sxl_epoll_events, e->events, "0", "EPOLL???");
	sout_printf(o, ", data={u32=%" PRIu32 ", u64=%" PRIu64 "}}",
		    (uint32_t)e->data, (uint64_t)e->data);
}

void sf_print_epoll_event(struct sfmt *f, uint64_t addr)
{
	struct epoll_event e;
	if (sf_read_or_addr(f, &e, addr, sizeof(e)))
		put_epoll_event(&f->out, &e);
}

/* epoll_wait's events: the ret that were filled in. */
void sf_arg_epoll_events(struct sfmt *f, unsigned i)
{
	uint64_t addr = f->a[i];
	struct epoll_event e;
	sf_next(f);
	if (!sf_out_ready(f, addr))
		return;
	if (f->ret && !sf_read_or_addr(f, &e, addr, sizeof(e)))
		return;
	sout_putc(&f->out, '[');
	for (uint64_t j = 0; j < (uint64_t)f->ret; j++) {
		if (j)
			sout_puts(&f->out, ", ");
		if (j >= STRACE_STRLEN ||
		    !sf_read(f, &e, addr + j * sizeof(e), sizeof(e))) {
			sout_puts(&f->out, "...");
			break;
		}
		put_epoll_event(&f->out, &e);
	}
	sout_putc(&f->out, ']');
}
