/* The printer of each argument kind (enum arg_kind). A printer prints
 * argument i of the call, starting with sf_next(). Output kinds run only
 * after the call (the argument loop in strace.c stops before them at
 * entry) and print the address when the call failed. */
#include <inttypes.h>
#include <linux/fcntl.h>
#include <linux/mman.h>

#include "core/strace_impl.h"

static void p_hex(struct sfmt *f, unsigned i)
{
	sf_next(f);
	sout_hex(&f->out, f->a[i]);
}

static void p_int(struct sfmt *f, unsigned i)
{
	sf_next(f);
	sout_printf(&f->out, "%d", (int)f->a[i]);
}

static void p_uint(struct sfmt *f, unsigned i)
{
	sf_next(f);
	sout_printf(&f->out, "%u", (unsigned)f->a[i]);
}

static void p_long(struct sfmt *f, unsigned i)
{
	sf_next(f);
	sout_printf(&f->out, "%" PRId64, (int64_t)f->a[i]);
}

static void p_ulong(struct sfmt *f, unsigned i)
{
	sf_next(f);
	sout_printf(&f->out, "%" PRIu64, f->a[i]);
}

static void p_ptr(struct sfmt *f, unsigned i)
{
	sf_next(f);
	sout_ptr(&f->out, f->a[i]);
}

static void p_dirfd(struct sfmt *f, unsigned i)
{
	sf_next(f);
	if ((int)f->a[i] == AT_FDCWD)
		sout_puts(&f->out, "AT_FDCWD");
	else
		sout_printf(&f->out, "%d", (int)f->a[i]);
}

static void p_path(struct sfmt *f, unsigned i)
{
	sf_next(f);
	sf_print_str(f, f->a[i], STRACE_PATHLEN);
}

static void p_str(struct sfmt *f, unsigned i)
{
	sf_next(f);
	sf_print_str(f, f->a[i], STRACE_STRLEN);
}

static void p_buf_in(struct sfmt *f, unsigned i)
{
	sf_next(f);
	sf_print_buf(f, f->a[i], i < 5 ? f->a[i + 1] : 0, false);
}

static void p_iov_in(struct sfmt *f, unsigned i)
{
	sf_next(f);
	sf_print_iov(f, f->a[i], i < 5 ? f->a[i + 1] : 0, UINT64_MAX);
}

void sout_open_flags(struct sout *o, uint64_t flags)
{
	uint64_t rest = flags & ~(uint64_t)O_ACCMODE;
	sout_xval(o, sxl_open_access, flags & O_ACCMODE, NULL);
	if (rest) {
		sout_putc(o, '|');
		sout_flags(o, sxl_open_flags, rest, NULL, NULL);
	}
}

/* The kernel takes the flags as an int. */
static void p_open_flags(struct sfmt *f, unsigned i)
{
	sf_next(f);
	sout_open_flags(&f->out, (uint32_t)f->a[i]);
}

/* open's mode is printed only when the flags (the argument before)
 * create a file. */
static void p_open_mode(struct sfmt *f, unsigned i)
{
	if (!i || !(f->a[i - 1] & (O_CREAT | __O_TMPFILE)))
		return;
	sf_next(f);
	sout_octal(&f->out, f->a[i]);
}

static void p_mode(struct sfmt *f, unsigned i)
{
	sf_next(f);
	sout_octal(&f->out, f->a[i]);
}

static void p_fd_flags(struct sfmt *f, unsigned i)
{
	sf_next(f);
	sout_flags(&f->out, sxl_open_flags, f->a[i], "0", NULL);
}

static void p_prot(struct sfmt *f, unsigned i)
{
	sf_next(f);
	sout_flags(&f->out, sxl_prot, f->a[i], "PROT_NONE", "PROT_???");
}

/* The mapping type, the flags, then MAP_HUGE_ bits as "21<<MAP_HUGE_SHIFT". */
static void p_map_flags(struct sfmt *f, unsigned i)
{
	const uint64_t huge = (uint64_t)MAP_HUGE_MASK << MAP_HUGE_SHIFT;
	uint64_t v = f->a[i];
	sf_next(f);
	sout_xval(&f->out, sxl_map_type, v & MAP_TYPE, "MAP_???");
	uint64_t rest = v & ~(uint64_t)MAP_TYPE & ~huge;
	if (rest) {
		sout_putc(&f->out, '|');
		sout_flags(&f->out, sxl_map_flags, rest, NULL, NULL);
	}
	if (v & huge)
		sout_printf(&f->out, "|%" PRIu64 "<<MAP_HUGE_SHIFT",
			    (v & huge) >> MAP_HUGE_SHIFT);
}

/* mremap's new address is printed only with MAYMOVE|FIXED. */
static void p_mremap_flags(struct sfmt *f, unsigned i)
{
	const uint64_t fixed = MREMAP_MAYMOVE | MREMAP_FIXED;
	sf_next(f);
	sout_flags(&f->out, sxl_mremap_flags, f->a[i], "0", "MREMAP_???");
	if ((f->a[i] & fixed) == fixed && i < 5) {
		sf_next(f);
		sout_ptr(&f->out, f->a[i + 1]);
	}
}

#define XVAL_PRINTER(fn, table, dflt)                                \
	static void fn(struct sfmt *f, unsigned i)                    \
	{                                                             \
		sf_next(f);                                          \
		sout_xval(&f->out, table, f->a[i], dflt);               \
	}

#define XVAL32_PRINTER(fn, table, dflt)                              \
	static void fn(struct sfmt *f, unsigned i)                    \
	{                                                             \
		sf_next(f);                                          \
		sout_xval(&f->out, table, (uint32_t)f->a[i], dflt);     \
	}

#define FLAGS_PRINTER(fn, table, zero, dflt)                         \
	static void fn(struct sfmt *f, unsigned i)                    \
	{                                                             \
		sf_next(f);                                          \
		sout_flags(&f->out, table, f->a[i], zero, dflt);        \
	}

XVAL32_PRINTER(p_madvise, sxl_madvise, "MADV_???")
XVAL32_PRINTER(p_clock, sxl_clocks, "CLOCK_???")
XVAL32_PRINTER(p_whence, sxl_whence, "SEEK_???")
XVAL32_PRINTER(p_sighow, sxl_sighow, "SIG_???")
XVAL32_PRINTER(p_rlimit_res, sxl_rlimits, "RLIMIT_???")
FLAGS_PRINTER(p_msync_flags, sxl_msync_flags, "0", "MS_???")
FLAGS_PRINTER(p_timer_flags, sxl_timer_flags, "0", "TIMER_???")
FLAGS_PRINTER(p_access_mode, sxl_access_modes, "F_OK", NULL)
FLAGS_PRINTER(p_at_flags, sxl_at_flags, "0", "AT_???")
FLAGS_PRINTER(p_accessat_flags, sxl_accessat_flags, "0", "AT_???")
FLAGS_PRINTER(p_unlinkat_flags, sxl_unlinkat_flags, "0", "AT_???")
FLAGS_PRINTER(p_wait_options, sxl_wait_options, "0", "W???")
FLAGS_PRINTER(p_grnd_flags, sxl_grnd_flags, "0", "GRND_???")
FLAGS_PRINTER(p_efd_flags, sxl_efd_flags, "0", "EFD_???")

static void p_signum(struct sfmt *f, unsigned i)
{
	sf_next(f);
	sout_signo(&f->out, f->a[i]);
}

/* Struct arguments: an input prints at entry; an output prints after a
 * successful call, else its address. */
#define IN_PRINTER(fn, print)                                        \
	static void fn(struct sfmt *f, unsigned i)                    \
	{                                                             \
		sf_next(f);                                          \
		print(f, f->a[i]);                                    \
	}

#define OUT_PRINTER(fn, print)                                       \
	static void fn(struct sfmt *f, unsigned i)                    \
	{                                                             \
		sf_next(f);                                          \
		if (sf_out_ready(f, f->a[i]))                            \
			print(f, f->a[i]);                            \
	}

IN_PRINTER(p_sigset_in, sf_print_sigset)
IN_PRINTER(p_sigaction_in, sf_print_sigaction)
IN_PRINTER(p_timespec_in, sf_print_timespec)
IN_PRINTER(p_rlimit_in, sf_print_rlimit)
IN_PRINTER(p_argv, sf_print_argv)
IN_PRINTER(p_envp, sf_print_envp)
IN_PRINTER(p_epoll_event_in, sf_print_epoll_event)
OUT_PRINTER(p_sigset_out, sf_print_sigset)
OUT_PRINTER(p_sigaction_out, sf_print_sigaction)
OUT_PRINTER(p_timespec_out, sf_print_timespec)
OUT_PRINTER(p_timeval_out, sf_print_timeval)
OUT_PRINTER(p_timezone_out, sf_print_timezone)
OUT_PRINTER(p_utsname_out, sf_print_utsname)
OUT_PRINTER(p_rlimit_out, sf_print_rlimit)
OUT_PRINTER(p_stat_out, sf_print_stat)
OUT_PRINTER(p_pipefds_out, sf_print_pipefds)

static void p_buf_out(struct sfmt *f, unsigned i)
{
	sf_next(f);
	if (sf_out_ready(f, f->a[i]))
		sf_print_buf(f, f->a[i], (uint64_t)f->ret, false);
}

static void p_buf_out_hex(struct sfmt *f, unsigned i)
{
	sf_next(f);
	if (sf_out_ready(f, f->a[i]))
		sf_print_buf(f, f->a[i], (uint64_t)f->ret, true);
}

static void p_iov_out(struct sfmt *f, unsigned i)
{
	sf_next(f);
	if (sf_out_ready(f, f->a[i]))
		sf_print_iov(f, f->a[i], i < 5 ? f->a[i + 1] : 0,
			     (uint64_t)f->ret);
}

/* getcwd returns the length with the NUL; the path prints whole. */
static void p_cwd_out(struct sfmt *f, unsigned i)
{
	sf_next(f);
	if (sf_out_ready(f, f->a[i]))
		sf_print_str(f, f->a[i], STRACE_PATHLEN);
}

/* wait4 writes the status and usage only when it reaped a child. */
static void p_wait_status_out(struct sfmt *f, unsigned i)
{
	sf_next(f);
	if (!sf_out_ready(f, f->a[i]))
		return;
	if (f->ret > 0)
		sf_print_wait_status(f, f->a[i]);
	else
		sout_ptr(&f->out, f->a[i]);
}

static void p_rusage_out(struct sfmt *f, unsigned i)
{
	sf_next(f);
	if (!sf_out_ready(f, f->a[i]))
		return;
	if (f->ret > 0)
		sf_print_rusage(f, f->a[i]);
	else
		sout_ptr(&f->out, f->a[i]);
}

static void p_dirents_out(struct sfmt *f, unsigned i)
{
	sf_next(f);
	if (sf_out_ready(f, f->a[i]))
		sf_print_dirents(f, f->a[i], (uint64_t)f->ret);
}

const arg_printer strace_arg_printers[A_KIND_COUNT] = {
	[A_HEX] = p_hex,
	[A_INT] = p_int,
	[A_UINT] = p_uint,
	[A_LONG] = p_long,
	[A_ULONG] = p_ulong,
	[A_PTR] = p_ptr,
	[A_DIRFD] = p_dirfd,
	[A_PATH] = p_path,
	[A_STR] = p_str,
	[A_BUF_IN] = p_buf_in,
	[A_IOV_IN] = p_iov_in,
	[A_OPEN_FLAGS] = p_open_flags,
	[A_OPEN_MODE] = p_open_mode,
	[A_MODE] = p_mode,
	[A_FD_FLAGS] = p_fd_flags,
	[A_PROT] = p_prot,
	[A_MAP_FLAGS] = p_map_flags,
	[A_MREMAP_FLAGS] = p_mremap_flags,
	[A_MADVISE] = p_madvise,
	[A_MSYNC_FLAGS] = p_msync_flags,
	[A_CLOCK] = p_clock,
	[A_TIMER_FLAGS] = p_timer_flags,
	[A_ACCESS_MODE] = p_access_mode,
	[A_AT_FLAGS] = p_at_flags,
	[A_ACCESSAT_FLAGS] = p_accessat_flags,
	[A_UNLINKAT_FLAGS] = p_unlinkat_flags,
	[A_WHENCE] = p_whence,
	[A_SIGNUM] = p_signum,
	[A_SIGHOW] = p_sighow,
	[A_SIGSET_IN] = p_sigset_in,
	[A_SIGACTION_IN] = p_sigaction_in,
	[A_TIMESPEC_IN] = p_timespec_in,
	[A_RLIMIT_RES] = p_rlimit_res,
	[A_RLIMIT_IN] = p_rlimit_in,
	[A_WAIT_OPTIONS] = p_wait_options,
	[A_GRND_FLAGS] = p_grnd_flags,
	[A_ARGV] = p_argv,
	[A_ENVP] = p_envp,
	[A_SOCK_DOMAIN] = sf_arg_sock_domain,
	[A_SOCK_TYPE] = sf_arg_sock_type,
	[A_SOCK_PROTO] = sf_arg_sock_proto,
	[A_SOCKADDR_IN] = sf_arg_sockaddr,
	[A_SHUT_HOW] = sf_arg_shut_how,
	[A_MSG_FLAGS] = sf_arg_msg_flags,
	[A_POLLFDS] = sf_arg_pollfds,
	[A_EFD_FLAGS] = p_efd_flags,
	[A_EPOLL_FLAGS] = sf_arg_epoll_flags,
	[A_EPOLL_OP] = sf_arg_epoll_op,
	[A_EPOLL_EVENT_IN] = p_epoll_event_in,
	[A_BUF_OUT] = p_buf_out,
	[A_BUF_OUT_HEX] = p_buf_out_hex,
	[A_IOV_OUT] = p_iov_out,
	[A_CWD_OUT] = p_cwd_out,
	[A_SIGSET_OUT] = p_sigset_out,
	[A_SIGACTION_OUT] = p_sigaction_out,
	[A_TIMESPEC_OUT] = p_timespec_out,
	[A_TIMEVAL_OUT] = p_timeval_out,
	[A_TIMEZONE_OUT] = p_timezone_out,
	[A_UTSNAME_OUT] = p_utsname_out,
	[A_RLIMIT_OUT] = p_rlimit_out,
	[A_WAIT_STATUS_OUT] = p_wait_status_out,
	[A_RUSAGE_OUT] = p_rusage_out,
	[A_STAT_OUT] = p_stat_out,
	[A_PIPEFDS_OUT] = p_pipefds_out,
	[A_DIRENTS_OUT] = p_dirents_out,
	[A_EPOLL_EVENTS_OUT] = sf_arg_epoll_events,
	[A_IOCTL] = sf_arg_ioctl,
	[A_FCNTL] = sf_arg_fcntl,
	[A_FUTEX] = sf_arg_futex,
	[A_PRCTL] = sf_arg_prctl,
	[A_ARCH_PRCTL] = sf_arg_arch_prctl,
	[A_CLONE] = sf_arg_clone,
};
