/* Unit tests for the strace formatter (core/strace*.c) and the syscall
 * name table (core/syscall_names.c).
 *
 * The cases here run against a fake address space, so they can cover
 * what a live process cannot easily show: unreadable pointers, strings
 * that end at an unmapped page, kernel-internal errnos, unknown syscall
 * numbers, and the output buffer's truncation.
 *
 * How the expected lines were verified: each call was made once, with
 * the same arguments and memory contents, by a small C program (raw
 * syscall(2)) run under `strace -o FILE` (strace 6.1), and strace's line
 * copied without its padding before " = ". The results no program can
 * produce on demand -- ERESTARTSYS, an unnamed errno, a stopped, dumped
 * or continued child's status -- follow the format strings in strace's
 * own source (syscall.c, wait.c). test_strace_live.c compares the
 * formatter with a running strace for the common calls. */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "core/strace.h"
#include "core/strace_impl.h"
#include "core/syscall.h"
#include "tests/unit/harness.h"

/* ---- a fake address space ---- */

struct region {
	uint64_t addr;
	const void *data;
	size_t len;
};

static const char path_passwd[] = "/etc/passwd";
/* "abcde" and its NUL end exactly at a page end; the next page is
 * unmapped, so only a page-by-page string read finds the NUL. */
static const char at_page_end[] = "abcde";
static const char long_text[] =
	"0123456789012345678901234567890123456789";  /* 40 bytes */
static const char escapes[] = "a\"b\\c\n\t\001\0022\0018\377";
static const uint64_t argv_ptrs[] = { 0x30000, 0x30010, 0 };
static const uint64_t envp_ptrs[] = { 0x30000, 0 };
static const uint32_t status_stopped = 0x137f;   /* SIGSTOP, stopped */
static const uint32_t status_core = 0x8b;        /* SIGSEGV + core */
static const uint32_t status_cont = 0xffff;
static const uint64_t sigset_rt = 3ull << 31;    /* RTMIN and RT_1 */
static const uint64_t sigset_most = ~(1ull << 8); /* all but SIGKILL */
static const struct sockaddr_in6 sin6 = {
	.sin6_family = AF_INET6, .sin6_port = 0xbb01 /* htons(443) */,
	.sin6_addr = IN6ADDR_LOOPBACK_INIT,
};

static const struct region regions[] = {
	{ 0x10000, path_passwd, sizeof(path_passwd) },
	{ 0x14000 - sizeof(at_page_end), at_page_end, sizeof(at_page_end) },
	{ 0x20000, long_text, sizeof(long_text) },
	{ 0x21000, escapes, sizeof(escapes) - 1 },
	{ 0x30000, "ls", 3 },
	{ 0x30010, "-l", 3 },
	{ 0x31000, argv_ptrs, sizeof(argv_ptrs) },
	{ 0x32000, envp_ptrs, sizeof(envp_ptrs) },
	{ 0x40000, &status_stopped, 4 },
	{ 0x40010, &status_core, 4 },
	{ 0x40020, &status_cont, 4 },
	{ 0x41000, &sigset_rt, 8 },
	{ 0x41010, &sigset_most, 8 },
	{ 0x42000, &sin6, sizeof(sin6) },
};

/* Like real memory, the fake is mapped a page at a time: bytes of a
 * region's pages outside its data read as zero. */
static bool byte_at(uint64_t addr, unsigned char *out)
{
	bool mapped = false;
	*out = 0;
	for (size_t i = 0; i < sizeof(regions) / sizeof(regions[0]); i++) {
		const struct region *r = &regions[i];
		if (addr >= r->addr && addr < r->addr + r->len)
			*out = ((const unsigned char *)r->data)[addr - r->addr];
		if (addr / 4096 >= r->addr / 4096 &&
		    addr / 4096 <= (r->addr + r->len - 1) / 4096)
			mapped = true;
	}
	return mapped;
}

static int fake_read(void *ctx, void *dst, uint64_t addr, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++)
		if (!byte_at(addr + i, (unsigned char *)dst + i))
			return -EFAULT;
	return 0;
}

/* ---- cases ---- */

struct scase {
	uint64_t nr;
	uint64_t a[6];
	int64_t ret;
	const char *want;
};

static const struct scase cases[] = {
	{ SYS_open, { 0x10000, 0 }, 3, "open(\"/etc/passwd\", O_RDONLY) = 3" },
	{ SYS_open, { 0, 0 }, -EFAULT,
	  "open(NULL, O_RDONLY) = -1 EFAULT (Bad address)" },
	/* An unreadable string prints as its address. */
	{ SYS_openat, { (uint64_t)-100, 0xdead0000, 02000000 }, -EFAULT,
	  "openat(AT_FDCWD, 0xdead0000, O_RDONLY|O_CLOEXEC) = "
	  "-1 EFAULT (Bad address)" },
	{ SYS_access, { 0x14000 - 6, 0 }, -ENOENT,
	  "access(\"abcde\", F_OK) = -1 ENOENT (No such file or directory)" },
	{ SYS_write, { 1, 0x20000, 40 }, 40,
	  "write(1, \"01234567890123456789012345678901\"..., 40) = 40" },
	{ SYS_write, { 2, 0x21000, 13 }, 13,
	  "write(2, \"a\\\"b\\\\c\\n\\t\\1\\0022\\18\\377\", 13) = 13" },
	{ SYS_write, { 1, 0x1, 5 }, -EFAULT,
	  "write(1, 0x1, 5) = -1 EFAULT (Bad address)" },
	{ SYS_read, { 0, 0x20000, 10 }, -512,
	  "read(0, 0x20000, 10) = ? ERESTARTSYS "
	  "(To be restarted if SA_RESTART is set)" },
	{ SYS_read, { 0, 0x20000, 10 }, -200,
	  "read(0, 0x20000, 10) = -1 ERRNO_200 (Unknown error 200)" },
	{ SYS_read, { 0, 0x20000, 64 }, 0, "read(0, \"\", 64) = 0" },
	{ 0x1ff, { 1, 2, 3, 4, 5, 6 }, -ENOSYS,
	  "syscall_0x1ff(0x1, 0x2, 0x3, 0x4, 0x5, 0x6) = "
	  "-1 ENOSYS (Function not implemented)" },
	/* A named call the formatter does not decode: its argument count,
	 * in hex. */
	{ SYS_getpriority, { 0, 0 }, 20, "getpriority(0, 0) = 20" },
	{ SYS_mmap, { 0, 4096, 0, 0xf | (21 << 26), 3, 0 }, -EINVAL,
	  "mmap(NULL, 4096, PROT_NONE, 0xf /* MAP_??? */|21<<MAP_HUGE_SHIFT, "
	  "3, 0) = -1 EINVAL (Invalid argument)" },
	{ SYS_mmap, { 0, 8192, 3, 0x22, (uint64_t)-1, 0 }, 0x7f0000001000,
	  "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, "
	  "-1, 0) = 0x7f0000001000" },
	{ SYS_execve, { 0x10000, 0x31000, 0x32000 }, -ENOENT,
	  "execve(\"/etc/passwd\", [\"ls\", \"-l\"], 0x32000 /* 1 var */) = "
	  "-1 ENOENT (No such file or directory)" },
	{ SYS_execve, { 0x10000, 0, 0 }, -EFAULT,
	  "execve(\"/etc/passwd\", NULL, NULL) = -1 EFAULT (Bad address)" },
	{ SYS_wait4, { (uint64_t)-1, 0x40000, 2, 0 }, 42,
	  "wait4(-1, [{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}], WSTOPPED, "
	  "NULL) = 42" },
	{ SYS_wait4, { 42, 0x40010, 0, 0 }, 42,
	  "wait4(42, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && "
	  "WCOREDUMP(s)}], 0, NULL) = 42" },
	{ SYS_wait4, { 42, 0x40020, 8, 0 }, 42,
	  "wait4(42, [{WIFCONTINUED(s)}], WCONTINUED, NULL) = 42" },
	{ SYS_rt_sigprocmask, { 0, 0x41000, 0x41010, 8 }, 0,
	  "rt_sigprocmask(SIG_BLOCK, [RTMIN RT_1], ~[KILL], 8) = 0" },
	{ SYS_kill, { 5, 64 }, 0, "kill(5, SIGRT_32) = 0" },
	/* parent_tid points at 0x137f (4991). */
	{ SYS_clone, { 0x7f180000 | 10, 0, 0x40000, 0x40000, 0x1234 }, 77,
	  "clone(child_stack=NULL, flags=CLONE_SETTLS|CLONE_PARENT_SETTID|"
	  "CLONE_CHILD_SETTID|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|"
	  "CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET|SIGUSR1, "
	  "parent_tid=[4991], tls=0x1234, child_tidptr=0x40000) = 77" },
	{ SYS_poll, { 0x20000, 0, 0 }, 0, "poll([], 0, 0) = 0 (Timeout)" },
	{ SYS_futex, { 0x20000, 0x85, 1, 2, 0x20000, 0x10001 }, 0,
	  "futex(0x20000, FUTEX_WAKE_OP_PRIVATE, 1, 2, 0x20000, "
	  "FUTEX_OP_SET<<28|0x10<<12|FUTEX_OP_CMP_EQ<<24|0x1) = 0" },
	{ SYS_prctl, { 9999, 1, 2, 3, 4 }, -EINVAL,
	  "prctl(0x270f /* PR_??? */, 0x1, 0x2, 0x3, 0x4) = "
	  "-1 EINVAL (Invalid argument)" },
	{ SYS_ioctl, { 3, 0xc0081234, 0 }, -ENOTTY,
	  "ioctl(3, _IOC(_IOC_READ|_IOC_WRITE, 0x12, 0x34, 0x8), 0) = "
	  "-1 ENOTTY (Inappropriate ioctl for device)" },
	{ SYS_umask, { 022 }, 077, "umask(022) = 077" },
	{ SYS_bind, { 3, 0x42000, sizeof(sin6) }, -EAFNOSUPPORT,
	  "bind(3, {sa_family=AF_INET6, sin6_port=htons(443), "
	  "sin6_flowinfo=htonl(0), inet_pton(AF_INET6, \"::1\", &sin6_addr), "
	  "sin6_scope_id=0}, 28) = "
	  "-1 EAFNOSUPPORT (Address family not supported by protocol)" },
	{ SYS_getrandom, { 0x20000, 40, 0 }, 40,
	  "getrandom(\"\\x30\\x31\\x32\\x33\\x34\\x35\\x36\\x37\\x38\\x39"
	  "\\x30\\x31\\x32\\x33\\x34\\x35\\x36\\x37\\x38\\x39"
	  "\\x30\\x31\\x32\\x33\\x34\\x35\\x36\\x37\\x38\\x39"
	  "\\x30\\x31\"..., 40, 0) = 40" },
	{ SYS_futex, { 0x20000, 99, 1, 2, 3, 4 }, -ENOSYS,
	  "futex(0x20000, 0x63 /* FUTEX_??? */, 1, 0x2, 0x3, 0x4) = "
	  "-1 ENOSYS (Function not implemented)" },
	{ SYS_futex, { 0x20000, 0x83, 1, 2, 0x21000, 0 }, 0,
	  "futex(0x20000, FUTEX_REQUEUE_PRIVATE, 1, 2, 0x21000) = 0" },
	{ SYS_futex, { 0x20000, 6, 0, 0 }, 0,
	  "futex(0x20000, FUTEX_LOCK_PI, NULL) = 0" },
	{ SYS_fcntl, { 3, 1234, 5 }, -EINVAL,
	  "fcntl(3, 0x4d2 /* F_??? */, 0x5) = -1 EINVAL (Invalid argument)" },
	{ SYS_prctl, { 1, 9 }, 0, "prctl(PR_SET_PDEATHSIG, SIGKILL) = 0" },
	{ SYS_prctl, { 23, 1 }, 1,
	  "prctl(PR_CAPBSET_READ, CAP_DAC_OVERRIDE) = 1" },
	{ SYS_prctl, { 38, 1 }, 0,
	  "prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) = 0" },
	{ SYS_rseq, { 0x20000, 0x20, 0, 0x53053053 }, 0,
	  "rseq(0x20000, 0x20, 0, 0x53053053) = 0" },
	{ SYS_set_tid_address, { 0x20000 }, 77,
	  "set_tid_address(0x20000) = 77" },
	{ SYS_eventfd2, { 0, 02004000 }, 5,
	  "eventfd2(0, EFD_CLOEXEC|EFD_NONBLOCK) = 5" },
	{ SYS_exit_group, { 0 }, 0, "exit_group(0) = 0" },
};

static void check_case(const struct scase *c)
{
	char buf[512];
	size_t n = strace_format(buf, sizeof(buf), c->nr, c->a, c->ret,
				 fake_read, NULL);
	if (strcmp(buf, c->want) != 0)
		harness_fail(__FILE__, __LINE__, "\n got: %s\nwant: %s", buf,
			     c->want);
	else if (n != strlen(buf))
		harness_fail(__FILE__, __LINE__, "length %zu for \"%s\"", n,
			     buf);
}

TEST(strace_cases)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check_case(&cases[i]);
		if (harness_failed())
			return;
	}
}

/* strace_format_enter prints the input arguments only. */
TEST(strace_enter)
{
	char buf[256];
	const uint64_t exit0[6] = { 0 };
	const uint64_t rd[6] = { 0, 0x20000, 10 };
	const uint64_t tcgets[6] = { 0, 0x5401, 0x20000 };
	const uint64_t ex[6] = { 0x10000, 0x31000, 0x32000 };
	strace_format_enter(buf, sizeof(buf), SYS_exit_group, exit0,
			    fake_read, NULL);
	CHECK(strcmp(buf, "exit_group(0") == 0);
	strace_format_enter(buf, sizeof(buf), SYS_read, rd, fake_read, NULL);
	CHECK(strcmp(buf, "read(0, ") == 0);
	strace_format_enter(buf, sizeof(buf), SYS_ioctl, tcgets, fake_read,
			    NULL);
	CHECK(strcmp(buf, "ioctl(0, TCGETS, ") == 0);
	strace_format_enter(buf, sizeof(buf), SYS_execve, ex, fake_read, NULL);
	CHECK(strcmp(buf, "execve(\"/etc/passwd\", [\"ls\", \"-l\"], "
			  "0x32000 /* 1 var */") == 0);
}

/* The output is cut to the buffer, NUL-terminated, and the length is
 * what the buffer holds. */
TEST(strace_truncates_output)
{
	char buf[16];
	const uint64_t a[6] = { 1, 0x20000, 40 };
	memset(buf, 'x', sizeof(buf));
	size_t n = strace_format(buf, 10, SYS_write, a, 40, fake_read, NULL);
	CHECK_EQ(n, 9);
	CHECK(strcmp(buf, "write(1, ") == 0);
	CHECK_EQ(buf[10], 'x');
	n = strace_format(buf, 1, SYS_write, a, 40, fake_read, NULL);
	CHECK_EQ(n, 0);
	CHECK_EQ(buf[0], '\0');
	buf[0] = 'x';
	n = strace_format(buf, 0, SYS_write, a, 40, fake_read, NULL);
	CHECK_EQ(n, 0);
	CHECK_EQ(buf[0], 'x');
}

/* No reader at all: every pointer prints as an address. */
TEST(strace_without_reader)
{
	char buf[256];
	const uint64_t a[6] = { 0x10000, 0 };
	strace_format(buf, sizeof(buf), SYS_open, a, 3, NULL, NULL);
	CHECK(strcmp(buf, "open(0x10000, O_RDONLY) = 3") == 0);
}

/* Every argument kind has a printer (the table is indexed by kind). */
TEST(strace_every_kind_has_a_printer)
{
	for (int k = 0; k < A_KIND_COUNT; k++)
		if (!strace_arg_printers[k])
			harness_fail(__FILE__, __LINE__, "kind %d", k);
}

TEST(syscall_names)
{
	CHECK(strcmp(syscall_name(0), "read") == 0);
	CHECK(strcmp(syscall_name(1), "write") == 0);
	CHECK(strcmp(syscall_name(13), "rt_sigaction") == 0);
	CHECK(strcmp(syscall_name(SYS_execve), "execve") == 0);
	CHECK(strcmp(syscall_name(231), "exit_group") == 0);
	CHECK(strcmp(syscall_name(334), "rseq") == 0);
	CHECK(strcmp(syscall_name(424), "pidfd_send_signal") == 0);
	CHECK(strcmp(syscall_name(435), "clone3") == 0);
	CHECK(strcmp(syscall_name(SYS_newfstatat), "newfstatat") == 0);
	CHECK(syscall_name(335) == NULL);
	CHECK(syscall_name(423) == NULL);
	CHECK(syscall_name(1000) == NULL);
	CHECK(syscall_name(UINT64_MAX) == NULL);
}

/* Every errno glibc names has the same name and text here. */
TEST(strace_errno_table)
{
	for (int e = 1; e < 512; e++) {
		const char *name = strerrorname_np(e);
		const char *mine = strace_errno_name(e);
		if (!name) {
			CHECK(mine == NULL);
			continue;
		}
		if (!mine || strcmp(mine, name) != 0)
			harness_fail(__FILE__, __LINE__, "errno %d: %s, not %s",
				     e, mine ? mine : "NULL", name);
		else if (strcmp(strace_errno_text(e), strerrordesc_np(e)))
			harness_fail(__FILE__, __LINE__, "errno %d text: %s", e,
				     strace_errno_text(e));
		if (harness_failed())
			return;
	}
	CHECK(strcmp(strace_errno_name(512), "ERESTARTSYS") == 0);
	CHECK(strcmp(strace_errno_name(516), "ERESTART_RESTARTBLOCK") == 0);
	CHECK(strace_errno_name(0) == NULL);
	CHECK(strace_errno_name(-1) == NULL);
	CHECK(strace_errno_name(4095) == NULL);
}

TEST(strace_signal_names)
{
	CHECK(strcmp(strace_signal_name(SIGINT), "SIGINT") == 0);
	CHECK(strcmp(strace_signal_name(SIGSYS), "SIGSYS") == 0);
	CHECK(strcmp(strace_signal_name(32), "SIGRTMIN") == 0);
	CHECK(strcmp(strace_signal_name(33), "SIGRT_1") == 0);
	CHECK(strcmp(strace_signal_name(64), "SIGRT_32") == 0);
	CHECK(strace_signal_name(0) == NULL);
	CHECK(strace_signal_name(65) == NULL);
	CHECK(strace_signal_name(-2) == NULL);
}
