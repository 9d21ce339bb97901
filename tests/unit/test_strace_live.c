/* The strace formatter against the real strace.
 *
 * A child process makes a list of system calls (raw syscall(2), so libc
 * adds nothing) while /usr/bin/strace is attached to it, and records
 * each call's number, arguments and result. It then formats every call
 * with strace_format(), reading its own memory, and sends the lines to
 * the parent, which compares them with what strace wrote, line by line
 * (strace pads " = " to a column; that padding is ignored).
 *
 * Skipped when strace is missing or cannot attach (no ptrace). Written
 * against strace 6.1; where another version decodes differently, the
 * difference shows as a failure naming both lines. */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <netinet/in.h>
#include <poll.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "core/strace.h"
#include "tests/unit/harness.h"

#define STRACE "/usr/bin/strace"
#define MAX_RECS 160
#define LINE_MAX_ 1024

/* ---- the child: make calls, record them ---- */

struct rec {
	uint64_t nr;
	uint64_t a[6];
	int64_t ret;
};

struct recorder {
	struct rec r[MAX_RECS];
	unsigned n;
};

static int64_t rec6(struct recorder *rc, uint64_t nr, uint64_t a0,
		    uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		    uint64_t a5)
{
	long v = syscall((long)nr, a0, a1, a2, a3, a4, a5);
	int64_t ret = v == -1 ? -errno : v;
	if (rc->n < MAX_RECS)
		rc->r[rc->n++] = (struct rec){ nr, { a0, a1, a2, a3, a4, a5 },
					       ret };
	return ret;
}

#define U(x) ((uint64_t)(uintptr_t)(x))
#define FIRST7_(a, b, c, d, e, f, g, ...) a, b, c, d, e, f, g
#define FIRST7(...) FIRST7_(__VA_ARGS__)
/* R(nr, args...): make and record a call; missing arguments are 0. */
#define R(...) rec6(rc, FIRST7(__VA_ARGS__, 0, 0, 0, 0, 0, 0))

/* Memory the calls use; static so it outlives them until formatting. */
struct scratch {
	char path[256], path2[256], dir[256], buf[256], buf2[256], cwd[4096];
	char dents[4096], uts[512], link[16];
	char b1[3], b2[100], rnd[8], name[16], msg[8];
	struct pollfd pfd[2];
	struct timespec ts[4];
	struct iovec iov_w[2], iov_r[2];
	uint64_t sa[4], osa[4], set, oset, fsbase, rl[2], rl2[2];
	int fds[2], pty_fds[2], status, status2, futex_word, futex_word2;
	int nread, nread2, sv[2];
	struct timeval tv;
	struct timezone tz;
	struct flock fl;
	long stat_buf[3][18], rusage[18];
	struct termios tios;
	struct winsize ws;
	struct epoll_event ev, evs[2];
	struct sockaddr_un sun;
	struct sockaddr_in sin;
	char *argv[3], *envp[2];
};

static void handler(int sig)
{
	(void)sig;
}

/* Calls on an open file; closes it. */
static void calls_fd(struct recorder *rc, struct scratch *s, int fd)
{
	R(SYS_fcntl, fd, F_GETFD);
	R(SYS_fcntl, fd, F_SETFD, 0);
	R(SYS_fcntl, fd, F_GETFL);
	R(SYS_fcntl, fd, F_SETFL, O_NONBLOCK | O_APPEND);
	R(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 20);
	R(SYS_ioctl, fd, TCGETS, U(&s->tios));
	R(SYS_ioctl, fd, FIONREAD, U(&s->nread));
	R(SYS_ioctl, fd, 0xc0081234, 0);
	s->fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET,
				.l_len = 10 };
	R(SYS_fcntl, fd, F_SETLK, U(&s->fl));
	R(SYS_dup3, fd, 30, O_CLOEXEC);
	R(SYS_dup2, fd, 31);
	R(SYS_lstat, U(s->path), U(s->stat_buf[0] + 0));
	R(SYS_chmod, U(s->path), 04755);
	R(SYS_rename, U(s->path), U(s->path2));
	R(SYS_unlink, U(s->path2));
	R(SYS_mkdir, U(s->path2), 0755);
	R(SYS_rmdir, U(s->path2));
	R(SYS_close, fd);
}

static void calls_files(struct recorder *rc, struct scratch *s)
{
	R(SYS_openat, U(AT_FDCWD), U("/nonexistent/strace-test"), O_RDONLY);
	int fd = (int)R(SYS_openat, U(AT_FDCWD), U(s->path),
			O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	static const char esc[] = "hello\n\t\"q\"\\ \001\0022\0018\377\0end";
	R(SYS_write, fd, U(esc), sizeof(esc));
	R(SYS_write, fd, U("0123456789012345678901234567890123456789"), 40);
	R(SYS_write, fd, 1, 5);
	R(SYS_lseek, fd, 0, SEEK_SET);
	R(SYS_read, fd, U(s->buf), 100);
	R(SYS_pread64, fd, U(s->buf2), 10, 3);
	R(SYS_pwrite64, fd, U("abc"), 3, 100);
	s->iov_w[0] = (struct iovec){ "hello", 5 };
	s->iov_w[1] = (struct iovec){ " world\n", 7 };
	R(SYS_writev, fd, U(s->iov_w), 2);
	R(SYS_lseek, fd, (uint64_t)-12, SEEK_END);
	s->iov_r[0] = (struct iovec){ s->b1, sizeof(s->b1) };
	s->iov_r[1] = (struct iovec){ s->b2, sizeof(s->b2) };
	R(SYS_readv, fd, U(s->iov_r), 2);
	R(SYS_fstat, fd, U(s->stat_buf[0]));
	R(SYS_newfstatat, U(AT_FDCWD), U("/dev/null"), U(s->stat_buf[1]), 0);
	R(SYS_newfstatat, U(AT_FDCWD), U(s->dir), U(s->stat_buf[2]),
	  AT_SYMLINK_NOFOLLOW);
	R(SYS_stat, U("/nonexistent"), U(s->stat_buf[0]));
	R(SYS_access, U(s->path), R_OK | W_OK);
	R(SYS_faccessat, U(AT_FDCWD), U(s->path), X_OK);
	calls_fd(rc, s, fd);
	int dfd = (int)R(SYS_openat, U(AT_FDCWD), U(s->dir),
			 O_RDONLY | O_DIRECTORY);
	R(SYS_getdents64, dfd, U(s->dents), sizeof(s->dents));
	R(SYS_close, dfd);
	R(SYS_readlink, U("/proc/self/exe"), U(s->link), sizeof(s->link));
	R(SYS_getcwd, U(s->cwd), sizeof(s->cwd));
	R(SYS_umask, 022);
	R(SYS_umask, 022);
}

static void calls_memory(struct recorder *rc, struct scratch *s)
{
	int64_t m = R(SYS_mmap, 0, 8192, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, (uint64_t)-1, 0);
	m = R(SYS_mremap, (uint64_t)m, 8192, 16384, MREMAP_MAYMOVE);
	R(SYS_mprotect, (uint64_t)m, 4096, PROT_READ);
	R(SYS_madvise, (uint64_t)m, 4096, MADV_DONTNEED);
	R(SYS_mmap, 0, 4096, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE,
	  (uint64_t)-1, 4096);
	R(SYS_munmap, (uint64_t)m, 16384);
	R(SYS_brk, 0);
	R(SYS_clock_gettime, CLOCK_MONOTONIC, U(&s->ts[0]));
	R(SYS_clock_getres, CLOCK_REALTIME, U(&s->ts[1]));
	R(SYS_clock_gettime, 77, U(&s->ts[2]));
	s->ts[3] = (struct timespec){ 0, 1000 };
	R(SYS_nanosleep, U(&s->ts[3]), 0);
	R(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, U(&s->ts[3]), 0);
	R(SYS_gettimeofday, U(&s->tv), U(&s->tz));
	R(SYS_uname, U(s->uts));
	R(SYS_getrandom, U(s->rnd), sizeof(s->rnd), GRND_NONBLOCK);
	R(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, U(s->rl));
	R(SYS_getrlimit, RLIMIT_STACK, U(s->rl2));
	R(SYS_prlimit64, 0, RLIMIT_NOFILE, U(s->rl), 0);
	R(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, U(&s->fsbase));
	R(SYS_prctl, PR_GET_DUMPABLE);
	R(SYS_prctl, PR_SET_NAME, U("strace-live"));
	R(SYS_prctl, PR_GET_NAME, U(s->name));
	R(SYS_futex, U(&s->futex_word), FUTEX_WAKE_PRIVATE, 1);
	R(SYS_futex, U(&s->futex_word), FUTEX_WAIT_PRIVATE, 1, 0);
	R(SYS_futex, U(&s->futex_word),
	  FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 1, 0, 0,
	  FUTEX_BITSET_MATCH_ANY);
	R(SYS_futex, U(&s->futex_word), FUTEX_WAKE_OP_PRIVATE, 1, 1,
	  U(&s->futex_word2), FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_GT, 0));
	R(SYS_getpid);
	R(SYS_sched_yield);
}

static void calls_signals(struct recorder *rc, struct scratch *s, int pid)
{
	R(SYS_kill, pid, 0);
	R(SYS_kill, 999999, SIGTERM);
	s->sa[0] = U(handler);
	s->sa[1] = 0x04000000 | SA_RESTART;  /* SA_RESTORER */
	s->sa[2] = 0x1234;
	s->sa[3] = (1u << (SIGINT - 1)) | (1u << (SIGTERM - 1));
	R(SYS_rt_sigaction, SIGUSR1, U(s->sa), U(s->osa), 8);
	s->set = 1u << (SIGUSR1 - 1);
	R(SYS_rt_sigprocmask, SIG_BLOCK, U(&s->set), U(&s->oset), 8);
	R(SYS_rt_sigprocmask, SIG_SETMASK, U(&s->oset), 0, 8);
	R(SYS_wait4, (uint64_t)-1, 0, WNOHANG, 0);
	int64_t child = R(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (child == 0)
		syscall(SYS_exit_group, 7);
	R(SYS_wait4, (uint64_t)child, U(&s->status), 0, U(s->rusage));
	child = R(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (child == 0)
		syscall(SYS_kill, syscall(SYS_getpid), SIGKILL);
	R(SYS_wait4, (uint64_t)-1, U(&s->status2), __WALL, 0);
	s->argv[0] = "a";
	s->argv[1] = "bb\n";
	s->envp[0] = "X=1";
	R(SYS_execve, U("/nonexistent"), U(s->argv), U(s->envp));
}

static void calls_ipc(struct recorder *rc, struct scratch *s)
{
	R(SYS_pipe2, U(s->fds), O_CLOEXEC);
	R(SYS_write, s->fds[1], U("x"), 1);
	R(SYS_ioctl, s->fds[0], FIONREAD, U(&s->nread2));
	s->pfd[0] = (struct pollfd){ s->fds[0], POLLIN | POLLPRI, 0 };
	s->pfd[1] = (struct pollfd){ s->fds[1], POLLOUT, 0 };
	R(SYS_poll, U(s->pfd), 2, 0);
	int ep = (int)R(SYS_epoll_create1, EPOLL_CLOEXEC);
	s->ev = (struct epoll_event){ EPOLLIN | EPOLLET, { .u64 = 7 } };
	R(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, s->fds[0], U(&s->ev));
	R(SYS_epoll_wait, ep, U(s->evs), 2, 0);
	int sk = (int)R(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	s->sun.sun_family = AF_UNIX;
	strcpy(s->sun.sun_path, "/nonexistent/sock");
	R(SYS_connect, sk, U(&s->sun), sizeof(s->sun));
	int sk2 = (int)R(SYS_socket, AF_INET, SOCK_STREAM, 0);
	s->sin = (struct sockaddr_in){ AF_INET, htons(1),
				       { htonl(INADDR_LOOPBACK) }, { 0 } };
	if (sk2 >= 0)
		R(SYS_connect, sk2, U(&s->sin), sizeof(s->sin));
	R(SYS_socketpair, AF_UNIX, SOCK_DGRAM, 0, U(s->sv));
	R(SYS_sendto, s->sv[0], U("ping"), 4, MSG_DONTWAIT, 0, 0);
	R(SYS_recvfrom, s->sv[1], U(s->msg), sizeof(s->msg), 0, 0, 0);
	R(SYS_shutdown, s->sv[0], SHUT_RDWR);
	if (s->pty_fds[1] >= 0) {
		R(SYS_ioctl, s->pty_fds[1], TCGETS, U(&s->tios));
		R(SYS_ioctl, s->pty_fds[1], TIOCGWINSZ, U(&s->ws));
	}
}

/* Waits (up to ~10 s) until a tracer is attached to this process. */
static bool wait_for_tracer(void)
{
	for (int i = 0; i < 2000; i++) {
		char st[4096];
		FILE *f = fopen("/proc/self/status", "r");
		if (!f)
			return false;
		size_t n = fread(st, 1, sizeof(st) - 1, f);
		fclose(f);
		st[n] = '\0';
		const char *t = strstr(st, "TracerPid:");
		if (t && atoi(t + 10) != 0)
			return true;
		usleep(5000);
	}
	return false;
}

static int self_read(void *ctx, void *dst, uint64_t addr, size_t n)
{
	struct iovec local = { dst, n };
	struct iovec remote = { (void *)(uintptr_t)addr, n };
	ssize_t r = process_vm_readv(*(pid_t *)ctx, &local, 1, &remote, 1, 0);
	return r == (ssize_t)n ? 0 : -EFAULT;
}

static void open_pty(int fds[2])
{
	fds[0] = posix_openpt(O_RDWR | O_NOCTTY);
	fds[1] = -1;
	if (fds[0] >= 0 && grantpt(fds[0]) == 0 && unlockpt(fds[0]) == 0)
		fds[1] = open(ptsname(fds[0]), O_RDWR | O_NOCTTY);
}

/* The child: signal ready, wait for strace, run the calls, then send one
 * formatted line per call to out. Never returns. */
static void child_main(int ready, int out, const char *tmp)
{
	static struct recorder recs;
	static struct scratch s;
	struct recorder *rc = &recs;
	pid_t pid = getpid();
	snprintf(s.path, sizeof(s.path), "%s/strace-live-file", tmp);
	snprintf(s.path2, sizeof(s.path2), "%s/strace-live-renamed", tmp);
	snprintf(s.dir, sizeof(s.dir), "%s", tmp);
	open_pty(s.pty_fds);
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	if (write(ready, "r", 1) != 1 || !wait_for_tracer())
		_exit(3);
	R(SYS_close, (uint64_t)-12345);  /* the start marker */
	calls_files(rc, &s);
	calls_memory(rc, &s);
	calls_signals(rc, &s, pid);
	calls_ipc(rc, &s);
	for (unsigned i = 0; i < recs.n; i++) {
		char line[LINE_MAX_];
		const struct rec *r = &recs.r[i];
		size_t n = strace_format(line, sizeof(line) - 1, r->nr, r->a,
					 r->ret, self_read, &pid);
		line[n++] = '\n';
		if (write(out, line, n) != (ssize_t)n)
			_exit(4);
	}
	_exit(0);
}

/* ---- the parent: run strace, compare ---- */

static pid_t spawn_strace(pid_t target, const char *outfile)
{
	char pidstr[16];
	snprintf(pidstr, sizeof(pidstr), "%d", (int)target);
	pid_t p = fork();
	if (p == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execl(STRACE, "strace", "-o", outfile, "-p", pidstr,
		      (char *)NULL);
		_exit(127);
	}
	return p;
}

/* Reads all of fd into a malloc'd NUL-terminated string. */
static char *slurp_fd(int fd)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	ssize_t n;
	while (buf && (n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 2) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (buf)
		buf[len] = '\0';
	return buf;
}

/* strace pads before the " = " that starts the result: drop the
 * padding. */
static void unpad(char *line)
{
	char *eq = NULL;
	for (char *p = strstr(line, " = "); p; p = strstr(p + 1, " = "))
		eq = p;
	if (!eq)
		return;
	char *start = eq;
	while (start > line && start[-1] == ' ')
		start--;
	memmove(start, eq, strlen(eq) + 1);
}

/* strace's next line about a syscall: not "--- SIGCHLD ..." or "+++". */
static char *next_call_line(char *s, char **save)
{
	char *t = strtok_r(s, "\n", save);
	while (t && (!strncmp(t, "--- ", 4) || !strncmp(t, "+++ ", 4)))
		t = strtok_r(NULL, "\n", save);
	return t;
}

/* Compares our lines with strace's from the start marker on; reports
 * every difference on stderr, and the first as the failure. */
static void compare(char *ours, char *theirs)
{
	char *save1, *save2;
	char *t = next_call_line(theirs, &save2);
	while (t && strncmp(t, "close(-12345)", 13) != 0)
		t = next_call_line(NULL, &save2);
	int n = 0, bad = 0;
	for (char *o = strtok_r(ours, "\n", &save1); o;
	     o = strtok_r(NULL, "\n", &save1), n++) {
		if (t)
			unpad(t);
		if (!t || strcmp(o, t) != 0) {
			fprintf(stderr, "line %d\n  ours: %s\nstrace: %s\n", n,
				o, t ? t : "(none)");
			if (!bad++)
				harness_fail(__FILE__, __LINE__,
					     "line %d differs\n  ours: %s\n"
					     "strace: %s", n, o,
					     t ? t : "(none)");
		}
		if (t)
			t = next_call_line(NULL, &save2);
	}
	if (n < 50)
		harness_fail(__FILE__, __LINE__, "only %d lines", n);
}

static char *read_file(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	char *s = slurp_fd(fd);
	close(fd);
	return s;
}

TEST(strace_matches_real_strace)
{
	if (access(STRACE, X_OK) != 0)
		SKIP("no " STRACE);
	const char *tmp = harness_tmpdir();
	char outfile[512];
	snprintf(outfile, sizeof(outfile), "%s/strace.out", tmp);
	int ready[2], lines[2];
	CHECK(pipe(ready) == 0 && pipe(lines) == 0);
	fflush(NULL);
	pid_t child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		close(ready[0]);
		close(lines[0]);
		child_main(ready[1], lines[1], tmp);
	}
	close(ready[1]);
	close(lines[1]);
	char c;
	CHECK(read(ready[0], &c, 1) == 1);
	close(ready[0]);
	pid_t tracer = spawn_strace(child, outfile);
	char *ours = slurp_fd(lines[0]);
	close(lines[0]);
	int cst = 0, tst = 0;
	waitpid(child, &cst, 0);
	waitpid(tracer, &tst, 0);
	char *theirs = read_file(outfile);
	bool ok = WIFEXITED(cst) && WEXITSTATUS(cst) == 0 && theirs && ours;
	if (ok)
		compare(ours, theirs);
	free(ours);
	free(theirs);
	if (!ok && WIFEXITED(cst) && WEXITSTATUS(cst) == 3)
		SKIP("strace could not attach (status %#x)", tst);
	CHECK(ok);
}
