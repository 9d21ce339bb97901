/* Structs and arrays in application memory, printed as strace prints
 * them (abbreviated where strace abbreviates by default). Each printer
 * prints the address instead when the memory cannot be read. Layouts are
 * the kernel's x86-64 ones (glibc's struct stat is the kernel's there;
 * <linux/stat.h> defers to it). */
#include <inttypes.h>
#include <linux/time_types.h>
#include <linux/resource.h>
#include <linux/utsname.h>
#include <sys/stat.h>

#include "core/strace_impl.h"

void sf_print_timespec(struct sfmt *f, uint64_t addr)
{
	struct __kernel_timespec ts;
	if (sf_read_or_addr(f, &ts, addr, sizeof(ts)))
		sout_printf(&f->out, "{tv_sec=%lld, tv_nsec=%lld}",
			    (long long)ts.tv_sec, (long long)ts.tv_nsec);
}

static void put_timeval(struct sout *o, const struct __kernel_old_timeval *tv)
{
	sout_printf(o, "{tv_sec=%lld, tv_usec=%lld}", (long long)tv->tv_sec,
		    (long long)tv->tv_usec);
}

void sf_print_timeval(struct sfmt *f, uint64_t addr)
{
	struct __kernel_old_timeval tv;
	if (sf_read_or_addr(f, &tv, addr, sizeof(tv)))
		put_timeval(&f->out, &tv);
}

void sf_print_timezone(struct sfmt *f, uint64_t addr)
{
	int32_t tz[2];  /* struct timezone: minuteswest, dsttime */
	if (sf_read_or_addr(f, tz, addr, sizeof(tz)))
		sout_printf(&f->out, "{tz_minuteswest=%d, tz_dsttime=%d}",
			    tz[0], tz[1]);
}

/* A fixed-size char field, up to its NUL. */
static void put_field_str(struct sout *o, const char *s, size_t size)
{
	size_t n = 0;
	while (n < size && s[n])
		n++;
	sout_quote(o, (const unsigned char *)s, n, false);
}

void sf_print_utsname(struct sfmt *f, uint64_t addr)
{
	struct new_utsname u;
	if (!sf_read_or_addr(f, &u, addr, sizeof(u)))
		return;
	sout_puts(&f->out, "{sysname=");
	put_field_str(&f->out, u.sysname, sizeof(u.sysname));
	sout_puts(&f->out, ", nodename=");
	put_field_str(&f->out, u.nodename, sizeof(u.nodename));
	sout_puts(&f->out, ", ...}");
}

static void put_rlim(struct sout *o, uint64_t v)
{
	if (v == UINT64_MAX)
		sout_puts(o, "RLIM64_INFINITY");
	else if (v > 1024 && v % 1024 == 0)
		sout_printf(o, "%" PRIu64 "*1024", v / 1024);
	else
		sout_printf(o, "%" PRIu64, v);
}

void sf_print_rlimit(struct sfmt *f, uint64_t addr)
{
	struct rlimit64 r;
	if (!sf_read_or_addr(f, &r, addr, sizeof(r)))
		return;
	sout_puts(&f->out, "{rlim_cur=");
	put_rlim(&f->out, r.rlim_cur);
	sout_puts(&f->out, ", rlim_max=");
	put_rlim(&f->out, r.rlim_max);
	sout_putc(&f->out, '}');
}

void sout_mode(struct sout *o, uint64_t mode)
{
	const char *type = strace_xlat_name(sxl_file_types, mode & S_IFMT);
	if (!type) {
		sout_octal(o, mode);
		return;
	}
	sout_puts(o, type);
	if (mode & S_ISUID)
		sout_puts(o, "|S_ISUID");
	if (mode & S_ISGID)
		sout_puts(o, "|S_ISGID");
	if (mode & S_ISVTX)
		sout_puts(o, "|S_ISVTX");
	sout_putc(o, '|');
	sout_octal(o, mode & ~(uint64_t)(S_IFMT | S_ISUID | S_ISGID | S_ISVTX));
}

/* glibc's major()/minor() of a 64-bit dev_t. */
static void put_makedev(struct sout *o, uint64_t dev)
{
	uint64_t major = ((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfffull);
	uint64_t minor = (dev & 0xff) | ((dev >> 12) & ~0xffull);
	sout_printf(o, "makedev(%#" PRIx64 ", %#" PRIx64 ")", major, minor);
}

_Static_assert(sizeof(struct stat) == 144, "x86-64 kernel struct stat");

void sf_print_stat(struct sfmt *f, uint64_t addr)
{
	struct stat st;
	if (!sf_read_or_addr(f, &st, addr, sizeof(st)))
		return;
	sout_puts(&f->out, "{st_mode=");
	sout_mode(&f->out, st.st_mode);
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		sout_puts(&f->out, ", st_rdev=");
		put_makedev(&f->out, st.st_rdev);
	} else {
		sout_printf(&f->out, ", st_size=%lld", (long long)st.st_size);
	}
	sout_puts(&f->out, ", ...}");
}

void sf_print_rusage(struct sfmt *f, uint64_t addr)
{
	struct { struct __kernel_old_timeval utime, stime; long rest[14]; } ru;
	if (!sf_read_or_addr(f, &ru, addr, sizeof(ru)))
		return;
	sout_puts(&f->out, "{ru_utime=");
	put_timeval(&f->out, &ru.utime);
	sout_puts(&f->out, ", ru_stime=");
	put_timeval(&f->out, &ru.stime);
	sout_puts(&f->out, ", ...}");
}

/* The first part of a wait status: what it says; returns the bits it
 * did not explain, or -1 if it printed the status whole. */
static int64_t put_status_kind(struct sout *o, uint32_t s)
{
	uint32_t sig = s & 0x7f;
	if ((s & 0xff) == 0x7f) {
		sout_puts(o, "[{WIFSTOPPED(s) && WSTOPSIG(s) == ");
		sout_signo(o, (s >> 8) & 0x7f);
		sout_puts(o, s & 0x8000 ? " | 0x80}" : "}");
		return s & ~0xffffu;
	}
	if (sig && sig != 0x7f) {
		sout_puts(o, "[{WIFSIGNALED(s) && WTERMSIG(s) == ");
		sout_signo(o, sig);
		sout_puts(o, s & 0x80 ? " && WCOREDUMP(s)}" : "}");
		return s & ~0xffu;
	}
	if (!sig) {
		sout_printf(o, "[{WIFEXITED(s) && WEXITSTATUS(s) == %u}",
			    (s >> 8) & 0xff);
		return s & ~0xffffu;
	}
	if (s == 0xffff) {
		sout_puts(o, "[{WIFCONTINUED(s)}");
		return 0;
	}
	sout_printf(o, "[%#x]", s);
	return -1;
}

void sf_print_wait_status(struct sfmt *f, uint64_t addr)
{
	uint32_t s;
	if (!sf_read_or_addr(f, &s, addr, sizeof(s)))
		return;
	int64_t rest = put_status_kind(&f->out, s);
	if (rest < 0)
		return;
	if (rest)
		sout_printf(&f->out, " | %#" PRIx64, (uint64_t)rest);
	sout_putc(&f->out, ']');
}

void sf_print_int_at(struct sfmt *f, uint64_t addr)
{
	int32_t v;
	if (sf_read_or_addr(f, &v, addr, sizeof(v)))
		sout_printf(&f->out, "[%d]", v);
}

void sf_print_pipefds(struct sfmt *f, uint64_t addr)
{
	int32_t fds[2];
	if (sf_read_or_addr(f, fds, addr, sizeof(fds)))
		sout_printf(&f->out, "[%d, %d]", fds[0], fds[1]);
}

/* getdents64 fills ret bytes of records; strace counts them. */
void sf_print_dirents(struct sfmt *f, uint64_t addr, uint64_t size)
{
	unsigned count = 0;
	uint64_t off = 0;
	uint16_t reclen;
	while (off < size && sf_read(f, &reclen, addr + off + 16, 2) &&
	       reclen) {
		count++;
		off += reclen;
	}
	sout_ptr(&f->out, addr);
	sout_printf(&f->out, " /* %u entries */", count);
}

struct k_iovec {
	uint64_t base;
	uint64_t len;
};

static void put_iovec(struct sfmt *f, const struct k_iovec *v, uint64_t *left)
{
	uint64_t n = v->len < *left ? v->len : *left;
	if (*left != UINT64_MAX)
		*left -= n;
	sout_puts(&f->out, "{iov_base=");
	sf_print_buf(f, v->base, n, false);
	sout_printf(&f->out, ", iov_len=%" PRIu64 "}", v->len);
}

void sf_print_iov(struct sfmt *f, uint64_t addr, uint64_t count, uint64_t data)
{
	struct k_iovec v;
	if (count && !sf_read_or_addr(f, &v, addr, sizeof(v)))
		return;
	sout_putc(&f->out, '[');
	for (uint64_t j = 0; j < count; j++) {
		if (j)
			sout_puts(&f->out, ", ");
		if (j >= STRACE_STRLEN ||
		    (j && !sf_read(f, &v, addr + j * sizeof(v), sizeof(v)))) {
			sout_puts(&f->out, "...");
			break;
		}
		put_iovec(f, &v, &data);
	}
	sout_putc(&f->out, ']');
}

void sf_print_argv(struct sfmt *f, uint64_t addr)
{
	uint64_t p;
	if (!sf_read_or_addr(f, &p, addr, sizeof(p)))
		return;
	sout_putc(&f->out, '[');
	for (unsigned j = 0; p; j++) {
		if (j)
			sout_puts(&f->out, ", ");
		if (j >= STRACE_STRLEN) {
			sout_puts(&f->out, "...");
			break;
		}
		sf_print_str(f, p, STRACE_STRLEN);
		if (!sf_read(f, &p, addr + (j + 1) * sizeof(p), sizeof(p))) {
			sout_puts(&f->out, ", ...");
			break;
		}
	}
	sout_putc(&f->out, ']');
}

/* strace prints an environment as its address and a count. */
void sf_print_envp(struct sfmt *f, uint64_t addr)
{
	const unsigned max = 1u << 20;
	uint64_t p;
	unsigned n = 0;
	bool readable = sf_read(f, &p, addr, sizeof(p));
	while (readable && p && ++n < max)
		readable = sf_read(f, &p, addr + n * sizeof(p), sizeof(p));
	sout_ptr(&f->out, addr);
	if (addr && (n || readable))
		sout_printf(&f->out, " /* %u var%s */", n, n == 1 ? "" : "s");
}
