/* strace-style formatting of a system call: the table of how each call's
 * arguments and result are decoded, and the two entry points. */
#include <inttypes.h>
#include <sys/syscall.h>

#include "core/strace_impl.h"
#include "core/syscall.h"

enum ret_kind {
	R_DEC,    /* signed decimal */
	R_HEX,    /* an address */
	R_OCT,    /* a mode (umask) */
	R_FCNTL,  /* depends on the command */
	R_PRCTL,  /* depends on the option */
	R_POLL,   /* the count, then which fds are ready */
};

/* How one syscall prints. nargs == 0 means "not in the table". */
struct sc_desc {
	uint8_t nargs;  /* argument count + 1 */
	uint8_t ret;    /* enum ret_kind */
	uint8_t arg[6]; /* enum arg_kind */
};

#define COUNT_(a, b, c, d, e, f, n, ...) n
#define COUNT(...) COUNT_(__VA_ARGS__, 6, 5, 4, 3, 2, 1, 0)
/* A call returning kind r, with the listed argument kinds. */
#define D(r, ...) { COUNT(__VA_ARGS__) + 1, r, { __VA_ARGS__ } }
/* A call without arguments. */
#define D0(r) { 1, r, { 0 } }

static const struct sc_desc descs[] = {
	[SYS_read] = D(R_DEC, A_INT, A_BUF_OUT, A_ULONG),
	[SYS_write] = D(R_DEC, A_INT, A_BUF_IN, A_ULONG),
	[SYS_open] = D(R_DEC, A_PATH, A_OPEN_FLAGS, A_OPEN_MODE),
	[SYS_close] = D(R_DEC, A_INT),
	[SYS_stat] = D(R_DEC, A_PATH, A_STAT_OUT),
	[SYS_fstat] = D(R_DEC, A_INT, A_STAT_OUT),
	[SYS_lstat] = D(R_DEC, A_PATH, A_STAT_OUT),
	[SYS_poll] = D(R_POLL, A_POLLFDS, A_UINT, A_INT),
	[SYS_lseek] = D(R_DEC, A_INT, A_LONG, A_WHENCE),
	[SYS_mmap] = D(R_HEX, A_PTR, A_ULONG, A_PROT, A_MAP_FLAGS, A_INT,
		       A_HEX),
	[SYS_mprotect] = D(R_DEC, A_PTR, A_ULONG, A_PROT),
	[SYS_munmap] = D(R_DEC, A_PTR, A_ULONG),
	[SYS_brk] = D(R_HEX, A_PTR),
	[SYS_rt_sigaction] = D(R_DEC, A_SIGNUM, A_SIGACTION_IN,
			       A_SIGACTION_OUT, A_ULONG),
	[SYS_rt_sigprocmask] = D(R_DEC, A_SIGHOW, A_SIGSET_IN, A_SIGSET_OUT,
				 A_ULONG),
	[SYS_rt_sigreturn] = D0(R_DEC),
	[SYS_ioctl] = D(R_DEC, A_INT, A_IOCTL),
	[SYS_pread64] = D(R_DEC, A_INT, A_BUF_OUT, A_ULONG, A_LONG),
	[SYS_pwrite64] = D(R_DEC, A_INT, A_BUF_IN, A_ULONG, A_LONG),
	[SYS_readv] = D(R_DEC, A_INT, A_IOV_OUT, A_INT),
	[SYS_writev] = D(R_DEC, A_INT, A_IOV_IN, A_INT),
	[SYS_access] = D(R_DEC, A_PATH, A_ACCESS_MODE),
	[SYS_pipe] = D(R_DEC, A_PIPEFDS_OUT),
	[SYS_sched_yield] = D0(R_DEC),
	[SYS_mremap] = D(R_HEX, A_PTR, A_ULONG, A_ULONG, A_MREMAP_FLAGS),
	[SYS_msync] = D(R_DEC, A_PTR, A_ULONG, A_MSYNC_FLAGS),
	[SYS_madvise] = D(R_DEC, A_PTR, A_ULONG, A_MADVISE),
	[SYS_dup] = D(R_DEC, A_INT),
	[SYS_dup2] = D(R_DEC, A_INT, A_INT),
	[SYS_pause] = D0(R_DEC),
	/* strace prints the remainder only after EINTR; we print it as an
	 * address, as strace does after a full sleep. */
	[SYS_nanosleep] = D(R_DEC, A_TIMESPEC_IN, A_PTR),
	[SYS_alarm] = D(R_DEC, A_UINT),
	[SYS_getpid] = D0(R_DEC),
	[SYS_socket] = D(R_DEC, A_SOCK_DOMAIN, A_SOCK_TYPE, A_SOCK_PROTO),
	[SYS_connect] = D(R_DEC, A_INT, A_SOCKADDR_IN, A_INT),
	[SYS_accept] = D(R_DEC, A_INT, A_PTR, A_PTR),
	[SYS_sendto] = D(R_DEC, A_INT, A_BUF_IN, A_ULONG, A_MSG_FLAGS,
			 A_SOCKADDR_IN, A_INT),
	[SYS_recvfrom] = D(R_DEC, A_INT, A_BUF_OUT, A_ULONG, A_MSG_FLAGS,
			   A_PTR, A_PTR),
	[SYS_shutdown] = D(R_DEC, A_INT, A_SHUT_HOW),
	[SYS_bind] = D(R_DEC, A_INT, A_SOCKADDR_IN, A_INT),
	[SYS_listen] = D(R_DEC, A_INT, A_INT),
	[SYS_getsockname] = D(R_DEC, A_INT, A_PTR, A_PTR),
	[SYS_getpeername] = D(R_DEC, A_INT, A_PTR, A_PTR),
	[SYS_socketpair] = D(R_DEC, A_SOCK_DOMAIN, A_SOCK_TYPE, A_SOCK_PROTO,
			     A_PIPEFDS_OUT),
	[SYS_clone] = D(R_DEC, A_CLONE),
	[SYS_fork] = D0(R_DEC),
	[SYS_vfork] = D0(R_DEC),
	[SYS_execve] = D(R_DEC, A_PATH, A_ARGV, A_ENVP),
	[SYS_exit] = D(R_DEC, A_INT),
	[SYS_wait4] = D(R_DEC, A_INT, A_WAIT_STATUS_OUT, A_WAIT_OPTIONS,
			A_RUSAGE_OUT),
	[SYS_kill] = D(R_DEC, A_INT, A_SIGNUM),
	[SYS_uname] = D(R_DEC, A_UTSNAME_OUT),
	[SYS_fcntl] = D(R_FCNTL, A_INT, A_FCNTL),
	[SYS_flock] = D(R_DEC, A_INT, A_HEX),
	[SYS_fsync] = D(R_DEC, A_INT),
	[SYS_fdatasync] = D(R_DEC, A_INT),
	[SYS_truncate] = D(R_DEC, A_PATH, A_LONG),
	[SYS_ftruncate] = D(R_DEC, A_INT, A_LONG),
	[SYS_getdents] = D(R_DEC, A_INT, A_DIRENTS_OUT, A_UINT),
	[SYS_getcwd] = D(R_DEC, A_CWD_OUT, A_ULONG),
	[SYS_chdir] = D(R_DEC, A_PATH),
	[SYS_fchdir] = D(R_DEC, A_INT),
	[SYS_rename] = D(R_DEC, A_PATH, A_PATH),
	[SYS_mkdir] = D(R_DEC, A_PATH, A_MODE),
	[SYS_rmdir] = D(R_DEC, A_PATH),
	[SYS_creat] = D(R_DEC, A_PATH, A_MODE),
	[SYS_link] = D(R_DEC, A_PATH, A_PATH),
	[SYS_unlink] = D(R_DEC, A_PATH),
	[SYS_symlink] = D(R_DEC, A_PATH, A_PATH),
	[SYS_readlink] = D(R_DEC, A_PATH, A_BUF_OUT, A_ULONG),
	[SYS_chmod] = D(R_DEC, A_PATH, A_MODE),
	[SYS_fchmod] = D(R_DEC, A_INT, A_MODE),
	[SYS_chown] = D(R_DEC, A_PATH, A_INT, A_INT),
	[SYS_fchown] = D(R_DEC, A_INT, A_INT, A_INT),
	[SYS_lchown] = D(R_DEC, A_PATH, A_INT, A_INT),
	[SYS_umask] = D(R_OCT, A_MODE),
	[SYS_gettimeofday] = D(R_DEC, A_TIMEVAL_OUT, A_TIMEZONE_OUT),
	[SYS_getrlimit] = D(R_DEC, A_RLIMIT_RES, A_RLIMIT_OUT),
	[SYS_getuid] = D0(R_DEC),
	[SYS_getgid] = D0(R_DEC),
	[SYS_setuid] = D(R_DEC, A_INT),
	[SYS_setgid] = D(R_DEC, A_INT),
	[SYS_geteuid] = D0(R_DEC),
	[SYS_getegid] = D0(R_DEC),
	[SYS_setpgid] = D(R_DEC, A_INT, A_INT),
	[SYS_getppid] = D0(R_DEC),
	[SYS_getpgrp] = D0(R_DEC),
	[SYS_setsid] = D0(R_DEC),
	[SYS_getpgid] = D(R_DEC, A_INT),
	[SYS_getsid] = D(R_DEC, A_INT),
	[SYS_rt_sigpending] = D(R_DEC, A_SIGSET_OUT, A_ULONG),
	[SYS_rt_sigsuspend] = D(R_DEC, A_SIGSET_IN, A_ULONG),
	[SYS_prctl] = D(R_PRCTL, A_PRCTL),
	[SYS_arch_prctl] = D(R_DEC, A_ARCH_PRCTL),
	[SYS_setrlimit] = D(R_DEC, A_RLIMIT_RES, A_RLIMIT_IN),
	[SYS_chroot] = D(R_DEC, A_PATH),
	[SYS_sync] = D0(R_DEC),
	[SYS_gettid] = D0(R_DEC),
	[SYS_tkill] = D(R_DEC, A_INT, A_SIGNUM),
	[SYS_time] = D(R_DEC, A_PTR),
	[SYS_futex] = D(R_DEC, A_PTR, A_FUTEX),
	[SYS_epoll_create] = D(R_DEC, A_INT),
	[SYS_getdents64] = D(R_DEC, A_INT, A_DIRENTS_OUT, A_UINT),
	[SYS_set_tid_address] = D(R_DEC, A_PTR),
	[SYS_restart_syscall] = D0(R_DEC),
	[SYS_clock_settime] = D(R_DEC, A_CLOCK, A_TIMESPEC_IN),
	[SYS_clock_gettime] = D(R_DEC, A_CLOCK, A_TIMESPEC_OUT),
	[SYS_clock_getres] = D(R_DEC, A_CLOCK, A_TIMESPEC_OUT),
	[SYS_clock_nanosleep] = D(R_DEC, A_CLOCK, A_TIMER_FLAGS,
				  A_TIMESPEC_IN, A_PTR),
	[SYS_exit_group] = D(R_DEC, A_INT),
	[SYS_epoll_wait] = D(R_DEC, A_INT, A_EPOLL_EVENTS_OUT, A_INT, A_INT),
	[SYS_epoll_ctl] = D(R_DEC, A_INT, A_EPOLL_OP, A_INT,
			    A_EPOLL_EVENT_IN),
	[SYS_tgkill] = D(R_DEC, A_INT, A_INT, A_SIGNUM),
	[SYS_openat] = D(R_DEC, A_DIRFD, A_PATH, A_OPEN_FLAGS, A_OPEN_MODE),
	[SYS_mkdirat] = D(R_DEC, A_DIRFD, A_PATH, A_MODE),
	[SYS_fchownat] = D(R_DEC, A_DIRFD, A_PATH, A_INT, A_INT, A_AT_FLAGS),
	[SYS_newfstatat] = D(R_DEC, A_DIRFD, A_PATH, A_STAT_OUT, A_AT_FLAGS),
	[SYS_unlinkat] = D(R_DEC, A_DIRFD, A_PATH, A_UNLINKAT_FLAGS),
	[SYS_renameat] = D(R_DEC, A_DIRFD, A_PATH, A_DIRFD, A_PATH),
	[SYS_linkat] = D(R_DEC, A_DIRFD, A_PATH, A_DIRFD, A_PATH, A_AT_FLAGS),
	[SYS_symlinkat] = D(R_DEC, A_PATH, A_DIRFD, A_PATH),
	[SYS_readlinkat] = D(R_DEC, A_DIRFD, A_PATH, A_BUF_OUT, A_ULONG),
	[SYS_fchmodat] = D(R_DEC, A_DIRFD, A_PATH, A_MODE),
	[SYS_faccessat] = D(R_DEC, A_DIRFD, A_PATH, A_ACCESS_MODE),
	[SYS_set_robust_list] = D(R_DEC, A_PTR, A_ULONG),
	[SYS_get_robust_list] = D(R_DEC, A_INT, A_PTR, A_PTR),
	[SYS_eventfd] = D(R_DEC, A_UINT),
	[SYS_eventfd2] = D(R_DEC, A_UINT, A_EFD_FLAGS),
	[SYS_epoll_create1] = D(R_DEC, A_EPOLL_FLAGS),
	[SYS_dup3] = D(R_DEC, A_INT, A_INT, A_FD_FLAGS),
	[SYS_pipe2] = D(R_DEC, A_PIPEFDS_OUT, A_FD_FLAGS),
	[SYS_accept4] = D(R_DEC, A_INT, A_PTR, A_PTR, A_HEX),
	[SYS_prlimit64] = D(R_DEC, A_INT, A_RLIMIT_RES, A_RLIMIT_IN,
			    A_RLIMIT_OUT),
	[SYS_getrandom] = D(R_DEC, A_BUF_OUT_HEX, A_ULONG, A_GRND_FLAGS),
	[SYS_memfd_create] = D(R_DEC, A_STR, A_HEX),
	[SYS_rseq] = D(R_DEC, A_PTR, A_HEX, A_HEX, A_HEX),
	[SYS_faccessat2] = D(R_DEC, A_DIRFD, A_PATH, A_ACCESS_MODE,
			     A_ACCESSAT_FLAGS),
};

/* Argument counts of every x86-64 syscall (its SYSCALL_DEFINEn), ten
 * numbers a row; '.' has no syscall. For the calls not in descs, whose
 * arguments print in hex. */
static const char nargs_rows[][11] = {
	/*   0 */ "3331222336", "3214403443", "3215053333", "3312022130",
	/*  40 */ "4333663323", "2334555003", "1421334124", "5332112232",
	/*  80 */ "1122122123", "2233312221", "1403011002", "0002222333",
	/* 120 */ "3111122243", "2223112223", "2322311122", "2100321521",
	/* 160 */ "2101252214", "2213232154", "3555330355", "5444333222",
	/* 200 */ "2163312153", "3131445310", "4434211222", "4144325635",
	/* 240 */ "4155234554", "5320324434", "5343453433", "6512364446",
	/* 280 */ "4632144244", "2132144455", "2545321423", "6653345332",
	/* 320 */ "5351336664", "21564.....", "..........", "..........",
	/* 360 */ "..........", "..........", "..........", "..........",
	/* 400 */ "..........", "..........", "....426435", "2533223434",
	/* 440 */ "5654342125", "4443464444", "43366545..",
};

static const struct sc_desc *desc_of(uint64_t nr)
{
	const size_t n = sizeof(descs) / sizeof(descs[0]);
	return nr < n && descs[nr].nargs ? &descs[nr] : NULL;
}

static unsigned nargs_of(uint64_t nr)
{
	const size_t rows = sizeof(nargs_rows) / sizeof(nargs_rows[0]);
	char c = nr / 10 < rows ? nargs_rows[nr / 10][nr % 10] : '.';
	return c >= '0' && c <= '6' ? (unsigned)(c - '0') : 6;
}

static bool is_output_kind(unsigned k)
{
	return k > A_LAST_INPUT && k < A_IOCTL;
}

static void print_args(struct sfmt *f, const struct sc_desc *d)
{
	for (unsigned i = 0; i + 1 < d->nargs && !f->stop; i++) {
		unsigned k = d->arg[i];
		if (is_output_kind(k) && sf_stop_for_output(f))
			break;
		strace_arg_printers[k](f, i);
	}
}

static void print_raw_args(struct sfmt *f, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		sf_next(f);
		sout_hex(&f->out, f->a[i]);
	}
}

/* "name(args" */
static void print_call(struct sfmt *f)
{
	const char *name = syscall_name(f->nr);
	const struct sc_desc *d = desc_of(f->nr);
	if (name)
		sout_puts(&f->out, name);
	else
		sout_printf(&f->out, "syscall_%#" PRIx64, f->nr);
	sout_putc(&f->out, '(');
	if (d)
		print_args(f, d);
	else
		print_raw_args(f, name ? nargs_of(f->nr) : 6);
}

/* The restart codes strace prints as "? ERESTARTSYS (...)". */
static bool is_restart(int err)
{
	return err == 512 || err == 513 || err == 514 || err == 516;
}

static void print_error(struct sfmt *f)
{
	int err = (int)-f->ret;
	const char *name = strace_errno_name(err);
	const char *text = strace_errno_text(err);
	sout_puts(&f->out, is_restart(err) ? "? " : "-1 ");
	if (name)
		sout_printf(&f->out, "%s (%s)", name, text);
	else
		sout_printf(&f->out, "ERRNO_%d (Unknown error %d)", err, err);
}

static void print_result(struct sfmt *f)
{
	const struct sc_desc *d = desc_of(f->nr);
	if (sf_failed(f)) {
		print_error(f);
		return;
	}
	switch (d ? d->ret : R_DEC) {
	case R_HEX:
		sout_hex(&f->out, (uint64_t)f->ret);
		break;
	case R_OCT:
		sout_octal(&f->out, (uint64_t)f->ret);
		break;
	case R_FCNTL:
		sf_fcntl_result(f);
		break;
	case R_PRCTL:
		sf_prctl_result(f);
		break;
	case R_POLL:
		sout_printf(&f->out, "%" PRId64, f->ret);
		sf_poll_result(f);
		break;
	default:
		sout_printf(&f->out, "%" PRId64, f->ret);
	}
}

static void sfmt_init(struct sfmt *f, char *buf, size_t len, uint64_t nr,
		      const uint64_t a[6], strace_read_fn read, void *ctx)
{
	*f = (struct sfmt){ .nr = nr, .a = a, .read = read, .ctx = ctx };
	sout_init(&f->out, buf, len);
}

size_t strace_format(char *buf, size_t len, uint64_t nr, const uint64_t a[6],
		     int64_t ret, strace_read_fn read, void *ctx)
{
	struct sfmt f;
	sfmt_init(&f, buf, len, nr, a, read, ctx);
	f.exiting = true;
	f.ret = ret;
	print_call(&f);
	sout_puts(&f.out, ") = ");
	print_result(&f);
	return f.out.pos;
}

size_t strace_format_enter(char *buf, size_t len, uint64_t nr,
			   const uint64_t a[6], strace_read_fn read,
			   void *ctx)
{
	struct sfmt f;
	sfmt_init(&f, buf, len, nr, a, read, ctx);
	print_call(&f);
	return f.out.pos;
}
