/* Internals of the strace formatter (core/strace*.c); nothing outside
 * those files includes this.
 *
 *   strace.c          the per-syscall table, the argument loop, results
 *   strace_out.c      the output buffer, quoting, named values and flags
 *   strace_mem.c      reading application memory: buffers and strings
 *   strace_args.c     the printer of each argument kind
 *   strace_struct.c   structs and arrays (stat, timespec, iovec, argv...)
 *   strace_signal.c   signal names, signal sets, sigaction
 *   strace_net.c      sockets, sockaddrs, poll, epoll
 *   strace_ioctl.c    ioctl requests, termios, winsize
 *   strace_special.c  calls whose arguments depend on one another
 *                     (fcntl, futex, prctl, arch_prctl, clone)
 *   strace_xlat.c     constant tables shared between the files
 *   strace_errno.c    errno names and texts */
#ifndef CORE_STRACE_IMPL_H
#define CORE_STRACE_IMPL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/strace.h"

/* strace's default -s: strings and buffers print at most this many bytes,
 * arrays at most this many elements. */
#define STRACE_STRLEN 32
/* Paths print whole, up to PATH_MAX. */
#define STRACE_PATHLEN 4096

/* ---- output (strace_out.c) ---- */

/* A bounded output buffer: writes past the end are dropped, and buf stays
 * NUL-terminated. */
struct sout {
	char *buf;
	size_t len;  /* size of buf */
	size_t pos;  /* characters written so far, < len */
};

void sout_init(struct sout *o, char *buf, size_t len);
void sout_puts(struct sout *o, const char *s);
void sout_putc(struct sout *o, char c);
void sout_printf(struct sout *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A named constant. Tables end with { 0, NULL }. */
struct xlat {
	uint64_t val;
	const char *name;
};
#define X(v) { (uint64_t)(v), #v }
#define XEND { 0, NULL }

/* The name of v in x, or NULL. */
const char *strace_xlat_name(const struct xlat *x, uint64_t v);
/* The name of v, else strace's unknown value: 0x1f and dflt in a
 * comment. */
void sout_xval(struct sout *o, const struct xlat *x, uint64_t v,
	       const char *dflt);
/* Bit flags "A|B|0x40": entries in table order, each printed when all its
 * bits are set (entries with value 0 never match); leftover bits in hex.
 * v == 0 prints zero_name, or "0" if that is NULL. If no entry matched,
 * the leftover prints in hex followed by dflt in a comment (dflt may be
 * NULL). */
void sout_flags(struct sout *o, const struct xlat *x, uint64_t v,
		const char *zero_name, const char *dflt);
/* strace's "%#lx": 0 prints as "0". */
void sout_hex(struct sout *o, uint64_t v);
/* A pointer: NULL or 0x7ffc... */
void sout_ptr(struct sout *o, uint64_t v);
/* strace's "%#03o" for modes: 0644, 000. */
void sout_octal(struct sout *o, uint64_t v);
/* Bytes as a quoted C string with strace's escapes. hex forces \xNN for
 * every byte (getrandom). */
void sout_quote(struct sout *o, const unsigned char *s, size_t n, bool hex);

/* ---- one call being formatted ---- */

struct sfmt {
	struct sout out;
	uint64_t nr;
	const uint64_t *a;
	int64_t ret;
	bool exiting;        /* ret is valid: the call has returned */
	bool stop;           /* stop printing arguments */
	unsigned printed;    /* arguments printed so far */
	strace_read_fn read;
	void *ctx;
};

/* Starts the next argument: ", " unless it is the first. */
void sf_next(struct sfmt *f);
/* The call failed: the result is an errno. */
bool sf_failed(const struct sfmt *f);
/* An output argument can be decoded: exiting and the call succeeded. When
 * it cannot, prints the address instead (after sf_next). */
bool sf_out_ready(struct sfmt *f, uint64_t addr);
/* At entry, stop before an argument only known after the call (prints
 * the separator, like strace's "read(0, "). Returns true if stopped. */
bool sf_stop_for_output(struct sfmt *f);

/* ---- memory (strace_mem.c) ---- */

/* Reads n bytes at addr; false on a fault, or if addr is 0 and n is
 * not. */
bool sf_read(const struct sfmt *f, void *dst, uint64_t addr, size_t n);
/* Reads a NUL-terminated string of at most max bytes (page by page) into
 * dst (size max + 1): returns its length; max + 1 if there is no NUL in
 * its first max bytes (dst then holds those); -1 if a fault comes first. */
long sf_read_str(const struct sfmt *f, char *dst, uint64_t addr, size_t max);
/* A C string, quoted; "..." after it when longer than max; the address
 * if it cannot be read. */
void sf_print_str(struct sfmt *f, uint64_t addr, size_t max);
/* n bytes as a quoted string, at most STRACE_STRLEN of them, "..." after
 * when there were more; the address if unreadable. */
void sf_print_buf(struct sfmt *f, uint64_t addr, uint64_t n, bool hex);
/* Reads a struct at addr, or prints the address (NULL) and returns
 * false. */
bool sf_read_or_addr(struct sfmt *f, void *dst, uint64_t addr, size_t n);

/* ---- argument kinds (strace_args.c) ---- */

enum arg_kind {
	A_HEX,          /* raw, %#lx (the default) */
	A_INT,          /* int: fds, pids, int values */
	A_UINT,         /* unsigned int */
	A_LONG,         /* signed long: offsets */
	A_ULONG,        /* unsigned long: sizes */
	A_PTR,          /* NULL or 0x... */
	A_DIRFD,        /* AT_FDCWD or int */
	A_PATH,         /* path, printed whole */
	A_STR,          /* C string, at most 32 bytes */
	A_BUF_IN,       /* buffer whose length is the next argument */
	A_IOV_IN,       /* iovec array, count in the next argument */
	A_OPEN_FLAGS,   /* O_RDONLY|O_CLOEXEC */
	A_OPEN_MODE,    /* mode, only when the flags before it create */
	A_MODE,         /* 0644 */
	A_FD_FLAGS,     /* O_CLOEXEC|O_NONBLOCK (pipe2, dup3) */
	A_PROT,         /* PROT_READ|PROT_WRITE */
	A_MAP_FLAGS,    /* MAP_PRIVATE|MAP_ANONYMOUS */
	A_MREMAP_FLAGS, /* MREMAP_MAYMOVE (and the new address if FIXED) */
	A_MADVISE,      /* MADV_DONTNEED */
	A_MSYNC_FLAGS,  /* MS_SYNC */
	A_CLOCK,        /* CLOCK_MONOTONIC */
	A_TIMER_FLAGS,  /* TIMER_ABSTIME */
	A_ACCESS_MODE,  /* R_OK|W_OK, F_OK */
	A_AT_FLAGS,     /* AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH */
	A_ACCESSAT_FLAGS, /* AT_EACCESS ... (faccessat2) */
	A_UNLINKAT_FLAGS, /* AT_REMOVEDIR */
	A_WHENCE,       /* SEEK_SET */
	A_SIGNUM,       /* SIGINT */
	A_SIGHOW,       /* SIG_BLOCK */
	A_SIGSET_IN,    /* [INT TERM] */
	A_SIGACTION_IN, /* {sa_handler=..., ...} */
	A_TIMESPEC_IN,  /* {tv_sec=1, tv_nsec=0} */
	A_RLIMIT_RES,   /* RLIMIT_STACK */
	A_RLIMIT_IN,    /* {rlim_cur=..., rlim_max=...} */
	A_WAIT_OPTIONS, /* WNOHANG */
	A_GRND_FLAGS,   /* GRND_NONBLOCK */
	A_ARGV,         /* ["ls", "-l"] */
	A_ENVP,         /* its address and a count of variables */
	A_SOCK_DOMAIN,  /* AF_UNIX */
	A_SOCK_TYPE,    /* SOCK_STREAM|SOCK_CLOEXEC */
	A_SOCK_PROTO,   /* IPPROTO_TCP (after an AF_INET domain) */
	A_SOCKADDR_IN,  /* struct sockaddr, length in the next argument */
	A_SHUT_HOW,     /* SHUT_RDWR */
	A_MSG_FLAGS,    /* MSG_DONTWAIT|MSG_NOSIGNAL */
	A_POLLFDS,      /* [{fd=3, events=POLLIN}] */
	A_EFD_FLAGS,    /* EFD_CLOEXEC */
	A_EPOLL_FLAGS,  /* EPOLL_CLOEXEC */
	A_EPOLL_OP,     /* EPOLL_CTL_ADD */
	A_EPOLL_EVENT_IN, /* {events=EPOLLIN, data=...} */
	A_LAST_INPUT = A_EPOLL_EVENT_IN,
	/* Kinds from here on are outputs: decoded only after the call. */
	A_BUF_OUT,      /* the ret bytes read into it (read, readlink) */
	A_BUF_OUT_HEX,  /* the same, every byte as \xNN (getrandom) */
	A_IOV_OUT,      /* iovecs filled by readv, ret bytes in all */
	A_CWD_OUT,      /* getcwd's path */
	A_SIGSET_OUT,
	A_SIGACTION_OUT,
	A_TIMESPEC_OUT,
	A_TIMEVAL_OUT,
	A_TIMEZONE_OUT,
	A_UTSNAME_OUT,
	A_RLIMIT_OUT,
	A_WAIT_STATUS_OUT,
	A_RUSAGE_OUT,
	A_STAT_OUT,
	A_PIPEFDS_OUT,  /* [3, 4] */
	A_DIRENTS_OUT,  /* its address and a count of entries */
	A_EPOLL_EVENTS_OUT, /* epoll_wait's events, ret of them */
	/* Whole-call printers: print this and every later argument. */
	A_IOCTL,        /* request, argument */
	A_FCNTL,        /* command, argument */
	A_FUTEX,        /* uaddr, op, then what op uses */
	A_PRCTL,        /* option, then what it uses */
	A_ARCH_PRCTL,   /* code, address */
	A_CLONE,        /* child_stack=..., flags=..., ... */
	A_KIND_COUNT
};

typedef void (*arg_printer)(struct sfmt *f, unsigned i);

/* The printer of each kind, indexed by enum arg_kind. */
extern const arg_printer strace_arg_printers[A_KIND_COUNT];

/* Printers of kinds defined outside strace_args.c. */
void sf_arg_sock_domain(struct sfmt *f, unsigned i);
void sf_arg_sock_type(struct sfmt *f, unsigned i);
void sf_arg_sock_proto(struct sfmt *f, unsigned i);
void sf_arg_sockaddr(struct sfmt *f, unsigned i);
void sf_arg_shut_how(struct sfmt *f, unsigned i);
void sf_arg_msg_flags(struct sfmt *f, unsigned i);
void sf_arg_pollfds(struct sfmt *f, unsigned i);
void sf_arg_epoll_flags(struct sfmt *f, unsigned i);
void sf_arg_epoll_op(struct sfmt *f, unsigned i);
void sf_arg_epoll_events(struct sfmt *f, unsigned i);
void sf_arg_ioctl(struct sfmt *f, unsigned i);
void sf_arg_fcntl(struct sfmt *f, unsigned i);
void sf_arg_futex(struct sfmt *f, unsigned i);
void sf_arg_prctl(struct sfmt *f, unsigned i);
void sf_arg_arch_prctl(struct sfmt *f, unsigned i);
void sf_arg_clone(struct sfmt *f, unsigned i);

/* Results that need more than a number. */
void sf_fcntl_result(struct sfmt *f);   /* "0x8002 (flags O_RDWR|...)" */
void sf_prctl_result(struct sfmt *f);   /* "1 (SUID_DUMP_USER)" */
void sf_poll_result(struct sfmt *f); /* " ([{fd=3, revents=...}])" */

/* ---- values and structs (strace_signal.c, strace_struct.c, ...) ----
 * Each prints the value at addr, or the address if it is unreadable. */

void sout_signo(struct sout *o, uint64_t sig);     /* SIGINT or 65 */
void sout_sigmask(struct sout *o, uint64_t mask, unsigned nbytes);
void sout_open_flags(struct sout *o, uint64_t flags);
void sout_mode(struct sout *o, uint64_t mode);     /* S_IFREG|0644 */
void sf_print_sigset(struct sfmt *f, uint64_t addr);
void sf_print_sigaction(struct sfmt *f, uint64_t addr);
void sf_print_timespec(struct sfmt *f, uint64_t addr);
void sf_print_timeval(struct sfmt *f, uint64_t addr);
void sf_print_timezone(struct sfmt *f, uint64_t addr);
void sf_print_utsname(struct sfmt *f, uint64_t addr);
void sf_print_rlimit(struct sfmt *f, uint64_t addr);
void sf_print_stat(struct sfmt *f, uint64_t addr);
void sf_print_rusage(struct sfmt *f, uint64_t addr);
void sf_print_wait_status(struct sfmt *f, uint64_t addr);
void sf_print_int_at(struct sfmt *f, uint64_t addr);   /* [5] */
void sf_print_pipefds(struct sfmt *f, uint64_t addr);  /* [3, 4] */
void sf_print_dirents(struct sfmt *f, uint64_t addr, uint64_t size);
void sf_print_epoll_event(struct sfmt *f, uint64_t addr);
/* data: bytes to show in all (readv's result), UINT64_MAX for all. */
void sf_print_iov(struct sfmt *f, uint64_t addr, uint64_t count, uint64_t data);
void sf_print_argv(struct sfmt *f, uint64_t addr);
void sf_print_envp(struct sfmt *f, uint64_t addr);

/* ---- constant tables shared between files (strace_xlat.c) ---- */

extern const struct xlat sxl_open_access[];
extern const struct xlat sxl_open_flags[];
extern const struct xlat sxl_prot[];
extern const struct xlat sxl_map_type[];
extern const struct xlat sxl_map_flags[];
extern const struct xlat sxl_mremap_flags[];
extern const struct xlat sxl_madvise[];
extern const struct xlat sxl_msync_flags[];
extern const struct xlat sxl_clocks[];
extern const struct xlat sxl_timer_flags[];
extern const struct xlat sxl_access_modes[];
extern const struct xlat sxl_at_flags[];
extern const struct xlat sxl_accessat_flags[];
extern const struct xlat sxl_unlinkat_flags[];
extern const struct xlat sxl_whence[];
extern const struct xlat sxl_sighow[];
extern const struct xlat sxl_sa_flags[];
extern const struct xlat sxl_rlimits[];
extern const struct xlat sxl_wait_options[];
extern const struct xlat sxl_grnd_flags[];
extern const struct xlat sxl_efd_flags[];
extern const struct xlat sxl_clone_flags[];
extern const struct xlat sxl_file_types[];
extern const struct xlat sxl_seccomp_modes[];
extern const struct xlat sxl_caps[];

#endif
