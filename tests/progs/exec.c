/* execve(2) and execveat(2): a chain of re-execs of this program (execve,
 * then execveat(fd, "", AT_EMPTY_PATH), then "#!" scripts naming it),
 * arguments and environment arriving exactly, close-on-exec, signal
 * state across exec, exec from a multi-threaded process (and from a
 * thread that is not the leader), vfork + exec, the error cases, exit
 * statuses through wait.
 *
 * The driver (no arguments) runs each case in a child and prints how
 * the child ended; modes (argv[1], or EXEC_MODE in the environment) are
 * what the re-exec'd program checks. */
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/progs/check.h"

extern char **environ;

static char self[PATH_MAX];     /* this program, absolute */
static char dir[64];            /* scratch directory under /tmp */

static void path_in_dir(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CHECK(fd >= 0);
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	CHECK(close(fd) == 0);
	CHECK(chmod(path, mode) == 0);
}

/* Runs fn in a child and prints how it ended. */
static void run_child(const char *label, void (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		fn();
		_exit(99);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	if (WIFEXITED(st))
		printf("%s: exit %d\n", label, WEXITSTATUS(st));
	else
		printf("%s: signal %d\n", label, WTERMSIG(st));
}

static void exec_self(char *const argv[], char *const envp[])
{
	fflush(stdout);
	execve(self, argv, envp);
	printf("execve: %s\n", strerror(errno));
	exit(98);
}

/* ---- the chain: execve N times, execveat, a script -------------------- */

static int mode_chain(int n)
{
	printf("chain %d\n", n);
	char num[16];
	snprintf(num, sizeof(num), "%d", n - 1);
	if (n > 0)
		exec_self((char *[]){ self, "chain", num, NULL }, environ);
	/* fexecve's way: an O_PATH fd names the program. */
	int fd = open(self, O_PATH | O_CLOEXEC);
	CHECK(fd >= 0);
	fflush(stdout);
	syscall(SYS_execveat, fd, "", (char *[]){ "by-fd", "fdexec", NULL },
		environ, AT_EMPTY_PATH);
	printf("execveat: %s\n", strerror(errno));
	return 98;
}

static int mode_fdexec(void)
{
	printf("fdexec\n");
	char script[PATH_MAX + 16];
	path_in_dir(script, sizeof(script), "chain.sh");
	char text[PATH_MAX + 64];
	snprintf(text, sizeof(text), "#!%s script-arg\n", self);
	write_file(script, text, 0755);
	exec_self((char *[]){ self, "script-run", script, NULL }, environ);
	return 98;
}

/* Runs the script: argv[0] is replaced by the script's path. */
static int mode_script_run(const char *script)
{
	fflush(stdout);
	execve(script, (char *[]){ "ignored-argv0", "x", "", "y z", NULL },
	       environ);
	printf("execve script: %s\n", strerror(errno));
	return 98;
}

static int mode_script_arg(int argc, char **argv)
{
	char script[PATH_MAX + 16];
	path_in_dir(script, sizeof(script), "chain.sh");
	CHECK(argc == 6);
	CHECK(strcmp(argv[0], self) == 0);
	CHECK(strcmp(argv[2], script) == 0);
	CHECK(strcmp(argv[3], "x") == 0);
	CHECK(strcmp(argv[4], "") == 0);
	CHECK(strcmp(argv[5], "y z") == 0);
	printf("script: argc %d, argv ok\n", argc);
	return 42;
}

static void case_chain(void)
{
	exec_self((char *[]){ self, "chain", "3", NULL }, environ);
}

/* ---- arguments and environment ----------------------------------------- */

#define BIG_LEN 100000

static char *big_string(void)
{
	static char *s;
	if (!s) {
		s = malloc(BIG_LEN + 1);
		CHECK(s);
		for (int i = 0; i < BIG_LEN; i++)
			s[i] = (char)('a' + i % 26);
		s[BIG_LEN] = 0;
	}
	return s;
}

static char **expected_env(void)
{
	static char *env[] = { "A=1", "EMPTY=", "=noname", "SPACES=a b  c",
			       "EXEC_MODE=args", NULL, NULL };
	env[5] = big_string();
	return env;
}

static void case_args(void)
{
	exec_self((char *[]){ "argv0-name", "", "two words", "tab\there",
			      big_string(), "last", NULL },
		  expected_env());
}

static int mode_args(int argc, char **argv)
{
	char *want[] = { "argv0-name", "", "two words", "tab\there",
			 big_string(), "last" };
	CHECK(argc == 6);
	for (int i = 0; i < argc; i++)
		CHECK(strcmp(argv[i], want[i]) == 0);
	CHECK(argv[argc] == NULL);
	char **env = expected_env();
	int n = 0;
	for (; environ[n]; n++) {
		CHECK(env[n]);
		CHECK(strcmp(environ[n], env[n]) == 0);
	}
	CHECK(env[n] == NULL);
	printf("args: %d arguments, %d environment strings exact\n", argc, n);
	return 0;
}

static void case_empty_argv(void)
{
	fflush(stdout);
	execve(self, (char *[]){ NULL },
	       (char *[]){ "EXEC_MODE=emptyargv", NULL });
	exit(98);
}

static int mode_empty_argv(int argc, char **argv)
{
	/* Linux 5.18+ makes an empty argv {""}. */
	printf("empty argv: argc %d, argv[0] \"%s\"\n", argc,
	       argc ? argv[0] : "(none)");
	return 0;
}

/* ---- close-on-exec ----------------------------------------------------- */

static void case_cloexec(void)
{
	int keep = open(self, O_RDONLY);
	int gone = open(self, O_RDONLY | O_CLOEXEC);
	int gone2 = fcntl(keep, F_DUPFD_CLOEXEC, 20);
	int gone3 = dup(keep);
	int keep2 = dup3(gone, 30, 0);
	CHECK(keep >= 0 && gone >= 0 && gone2 == 20 && gone3 >= 0 &&
	      keep2 == 30);
	CHECK(fcntl(gone3, F_SETFD, FD_CLOEXEC) == 0);
	CHECK(lseek(keep, 123, SEEK_SET) == 123);
	char fds[5][16];
	int all[5] = { keep, gone, gone2, gone3, keep2 };
	for (int i = 0; i < 5; i++)
		snprintf(fds[i], sizeof(fds[i]), "%d", all[i]);
	exec_self((char *[]){ self, "cloexec", fds[0], fds[1], fds[2], fds[3],
			      fds[4], NULL },
		  environ);
}

static int mode_cloexec(char **argv)
{
	int keep = atoi(argv[2]), keep2 = atoi(argv[6]);
	CHECK(fcntl(keep, F_GETFD) == 0);
	CHECK(fcntl(keep2, F_GETFD) == 0);
	/* The open file description, offset included, carried over. */
	CHECK(lseek(keep, 0, SEEK_CUR) == 123);
	for (int i = 3; i <= 5; i++) {
		errno = 0;
		CHECK(fcntl(atoi(argv[i]), F_GETFD) == -1 && errno == EBADF);
	}
	for (int fd = 0; fd < 3; fd++)
		CHECK(fcntl(fd, F_GETFD) >= 0);
	printf("cloexec: 2 kept, 3 closed\n");
	return 0;
}

/* ---- signals ----------------------------------------------------------- */

static void on_signal(int sig)
{
	(void)sig;
}

static void case_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal,
				.sa_flags = SA_RESTART | SA_ONSTACK };
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGHUP);
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	CHECK(sigaction(SIGTERM, &sa, NULL) == 0);
	CHECK(signal(SIGUSR2, SIG_IGN) != SIG_ERR);
	CHECK(signal(SIGCHLD, SIG_IGN) != SIG_ERR);
	static char altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	CHECK(sigaltstack(&ss, NULL) == 0);
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGQUIT);
	CHECK(sigprocmask(SIG_BLOCK, &block, NULL) == 0);
	CHECK(kill(getpid(), SIGINT) == 0);
	exec_self((char *[]){ self, "signals", NULL }, environ);
}

static int mode_signals(void)
{
	struct sigaction sa;
	CHECK(sigaction(SIGUSR1, NULL, &sa) == 0);
	CHECK(sa.sa_handler == SIG_DFL);
	CHECK((sa.sa_flags & ~0x04000000) == 0); /* SA_RESTORER */
	CHECK(!sigismember(&sa.sa_mask, SIGHUP));
	CHECK(sigaction(SIGTERM, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL);
	CHECK(sigaction(SIGUSR2, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN);
	CHECK(sigaction(SIGCHLD, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN);
	stack_t ss;
	CHECK(sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_DISABLE));
	sigset_t set;
	CHECK(sigprocmask(SIG_BLOCK, NULL, &set) == 0);
	CHECK(sigismember(&set, SIGINT) && sigismember(&set, SIGQUIT));
	CHECK(!sigismember(&set, SIGUSR1));
	CHECK(sigpending(&set) == 0);
	CHECK(sigismember(&set, SIGINT) && !sigismember(&set, SIGQUIT));
	printf("signals: handlers reset, ignored kept, mask and pending kept\n");
	fflush(stdout);
	/* The pending SIGINT, now with its default action, ends us. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	return 97;
}

/* The interval timer stays across exec; POSIX timers go. */
static void case_timers(void)
{
	timer_t id;
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL,
				.sigev_signo = SIGUSR1 };
	CHECK(timer_create(CLOCK_MONOTONIC, &sev, &id) == 0);
	struct itimerspec its = { .it_value = { 100, 0 } };
	CHECK(timer_settime(id, 0, &its, NULL) == 0);
	char ids[32];
	snprintf(ids, sizeof(ids), "%ld", (long)(intptr_t)id);
	struct itimerval iv = { .it_value = { 1, 0 } };
	CHECK(setitimer(ITIMER_REAL, &iv, NULL) == 0);
	exec_self((char *[]){ self, "timers", ids, NULL }, environ);
}

static int mode_timers(const char *ids)
{
	struct itimerval iv;
	CHECK(getitimer(ITIMER_REAL, &iv) == 0);
	/* Running, and not set anew. */
	CHECK(iv.it_value.tv_sec > 0 || iv.it_value.tv_usec > 0);
	CHECK(iv.it_value.tv_sec == 0);
	struct itimerspec its;
	errno = 0;
	long rc = syscall(SYS_timer_gettime, atoi(ids), &its);
	CHECK(rc == -1 && errno == EINVAL);
	printf("timers: itimer kept, POSIX timer gone\n");
	fflush(stdout);
	for (;;)
		pause();  /* until SIGALRM's default action */
}

/* A robust mutex held across exec is marked FUTEX_OWNER_DIED: the next
 * locker learns of it. */
static void case_robust(void)
{
	pthread_mutex_t *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	pthread_mutexattr_t at;
	pthread_mutexattr_init(&at);
	pthread_mutexattr_setpshared(&at, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST);
	CHECK(pthread_mutex_init(m, &at) == 0);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		CHECK(pthread_mutex_lock(m) == 0);
		exec_self((char *[]){ self, "vforked", NULL }, environ);
	}
	CHECK(waitpid(pid, NULL, 0) == pid);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	int rc = pthread_mutex_timedlock(m, &ts);
	printf("robust: the next locker gets %s\n",
	       rc == EOWNERDEAD ? "EOWNERDEAD" : strerror(rc));
	exit(0);
}

/* ---- threads ----------------------------------------------------------- */

static int counter_fd = -1;

static void *spin_writer(void *arg)
{
	(void)arg;
	for (;;)
		if (write(counter_fd, "x", 1) != 1)
			break;
	return NULL;
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static void *cond_waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	for (;;)
		pthread_cond_wait(&cv, &mu);
	return NULL;
}

static void start_threads(void)
{
	char path[PATH_MAX];
	path_in_dir(path, sizeof(path), "counter");
	counter_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	CHECK(counter_fd >= 0);
	pthread_t th;
	void *(*fns[])(void *) = { spin_writer, sleeper, cond_waiter,
				   spin_writer };
	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&th, NULL, fns[i], NULL) == 0);
	/* The writers are running. */
	struct stat st;
	do
		CHECK(fstat(counter_fd, &st) == 0);
	while (st.st_size < 10);
}

static void exec_threads_after(void)
{
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", getpid());
	exec_self((char *[]){ self, "threads-after", pid, NULL }, environ);
}

static void case_threads(void)
{
	start_threads();
	exec_threads_after();
}

static void *exec_from_thread(void *arg)
{
	(void)arg;
	exec_threads_after();
	return NULL;
}

static void case_thread_exec(void)
{
	start_threads();
	pthread_t th;
	CHECK(pthread_create(&th, NULL, exec_from_thread, NULL) == 0);
	for (;;)
		pause();
}

static int mode_threads_after(const char *pid)
{
	/* The exec'ing thread has the process's pid as its tid. */
	CHECK(getpid() == atoi(pid));
	CHECK(syscall(SYS_gettid) == getpid());
	char path[PATH_MAX];
	path_in_dir(path, sizeof(path), "counter");
	struct stat a, b;
	CHECK(stat(path, &a) == 0);
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	CHECK(stat(path, &b) == 0);
	CHECK(a.st_size == b.st_size);
	printf("threads: the other threads are gone\n");
	return 5;
}

/* ---- vfork -------------------------------------------------------------- */

static void case_vfork(void)
{
	static volatile int touched;
	fflush(stdout);
	pid_t pid = vfork();
	if (pid == 0) {
		touched = 1;  /* our parent's memory, until the exec */
		execve(self, (char *[]){ self, "vforked", NULL }, environ);
		_exit(98);
	}
	CHECK(pid > 0);
	CHECK(touched == 1);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 6);
	printf("vfork: the child exec'd, the parent went on\n");
	exit(0);
}

/* ---- errors ------------------------------------------------------------- */

static void expect_error(const char *label, const char *path, char **argv,
			 int err)
{
	errno = 0;
	int rc = execve(path, argv, environ);
	CHECK(rc == -1);
	printf("%s: %s%s\n", label, strerror(errno),
	       errno == err ? "" : " (unexpected)");
}

static void expect_execveat_error(const char *label, int fd, const char *path,
				  int flags, int err)
{
	errno = 0;
	long rc = syscall(SYS_execveat, fd, path,
			  (char *[]){ self, "never", NULL }, environ, flags);
	CHECK(rc == -1);
	printf("%s: %s%s\n", label, strerror(errno),
	       errno == err ? "" : " (unexpected)");
}

static void errors_e2big(void)
{
	char **argv = calloc(80, sizeof(*argv));
	CHECK(argv);
	char *huge = malloc(200000);
	CHECK(huge);
	memset(huge, 'h', 199999);
	huge[199999] = 0;
	argv[0] = self;
	argv[1] = huge;
	expect_error("one string over 128 KiB", self, argv, E2BIG);
	/* Over a quarter of the stack limit, and over Linux's 6 MiB cap
	 * whatever the limit. */
	for (int i = 1; i < 79; i++)
		argv[i] = big_string();
	expect_error("strings over 6 MiB", self, argv, E2BIG);
	free(argv);
	free(huge);
}

static void errors_files(void)
{
	char p[PATH_MAX + 32], q[PATH_MAX + 32];
	char *argv[] = { self, "never", NULL };
	expect_error("missing file", "/nonexistent/program", argv, ENOENT);
	snprintf(p, sizeof(p), "%s/x", self);
	expect_error("file as a directory", p, argv, ENOTDIR);
	expect_error("a directory", dir, argv, EACCES);
	path_in_dir(p, sizeof(p), "noexec");
	write_file(p, "#!/bin/sh\n", 0644);
	expect_error("no execute permission", p, argv, EACCES);
	path_in_dir(p, sizeof(p), "garbage");
	write_file(p, "this is not a program\n", 0755);
	expect_error("garbage", p, argv, ENOEXEC);
	path_in_dir(p, sizeof(p), "empty");
	write_file(p, "", 0755);
	expect_error("empty file", p, argv, ENOEXEC);
	path_in_dir(p, sizeof(p), "elfhead");
	write_file(p, "\177ELF", 0755);
	expect_error("truncated ELF", p, argv, ENOEXEC);
	path_in_dir(p, sizeof(p), "nointerp");
	write_file(p, "#!/nonexistent/interpreter -x\n", 0755);
	expect_error("missing interpreter", p, argv, ENOENT);
	path_in_dir(p, sizeof(p), "bang");
	write_file(p, "#!   \n", 0755);
	expect_error("\"#!\" without a name", p, argv, ENOEXEC);
	path_in_dir(p, sizeof(p), "loop1");
	path_in_dir(q, sizeof(q), "loop2");
	CHECK(symlink(p, q) == 0 && symlink(q, p) == 0);
	expect_error("symlink loop", p, argv, ELOOP);
	errno = 0;
	CHECK(syscall(SYS_execve, self, 8L, environ) == -1);
	printf("bad argv pointer: %s\n", strerror(errno));
}

static void errors_execveat(void)
{
	char p[PATH_MAX + 32];
	path_in_dir(p, sizeof(p), "selflink");
	CHECK(symlink(self, p) == 0);
	expect_execveat_error("AT_SYMLINK_NOFOLLOW on a symlink", AT_FDCWD, p,
			      AT_SYMLINK_NOFOLLOW, ELOOP);
	expect_execveat_error("bad flags", AT_FDCWD, self, 0x1234, EINVAL);
	expect_execveat_error("empty path without AT_EMPTY_PATH", AT_FDCWD, "",
			      0, ENOENT);
	expect_execveat_error("bad fd", 1000, "", AT_EMPTY_PATH, EBADF);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	expect_execveat_error("a directory by fd", dfd, "", AT_EMPTY_PATH,
			      EACCES);
	/* A script by a close-on-exec fd: its interpreter could not
	 * reopen it by /dev/fd/N. */
	path_in_dir(p, sizeof(p), "chain.sh");
	char text[PATH_MAX + 64];
	snprintf(text, sizeof(text), "#!%s script-arg\n", self);
	write_file(p, text, 0755);
	int sfd = open(p, O_RDONLY | O_CLOEXEC);
	CHECK(sfd >= 0);
	expect_execveat_error("script by a close-on-exec fd", sfd, "",
			      AT_EMPTY_PATH, ENOENT);
	close(sfd);
	close(dfd);
}

static void case_errors(void)
{
	errors_files();
	errors_execveat();
	errors_e2big();
	/* The failed calls changed nothing: this process goes on. */
	printf("errors: still running\n");
	exit(3);
}

/* ---- scripts ------------------------------------------------------------ */

/* "#!" lines: spaces and tabs around the name, one argument with its
 * inner spaces kept, nesting up to the limit. */
static void case_script_forms(void)
{
	char p[PATH_MAX + 32];
	char text[PATH_MAX + 64];
	path_in_dir(p, sizeof(p), "spaced.sh");
	snprintf(text, sizeof(text), "#! \t%s \t one  arg \t \nbody\n", self);
	write_file(p, text, 0755);
	exec_self((char *[]){ self, "script-run", p, NULL }, environ);
}

static int mode_one_arg(int argc, char **argv)
{
	char p[PATH_MAX + 32];
	path_in_dir(p, sizeof(p), "spaced.sh");
	CHECK(argc == 6 && strcmp(argv[1], "one  arg") == 0);
	CHECK(strcmp(argv[2], p) == 0);
	printf("script forms: one argument \"%s\"\n", argv[1]);
	return 0;
}

/* Without a newline in the first 256 bytes: a truncated interpreter name
 * is refused, a truncated argument is passed as far as it goes. */
static void case_long_lines(void)
{
	char p[PATH_MAX + 32], text[PATH_MAX + 400];
	char *argv[] = { "x", NULL };
	path_in_dir(p, sizeof(p), "longname");
	memset(text, 'a', 300);
	memcpy(text, "#!/", 3);
	text[300] = 0;
	write_file(p, text, 0755);
	expect_error("truncated interpreter name", p, argv, ENOEXEC);
	path_in_dir(p, sizeof(p), "longarg");
	int n = snprintf(text, sizeof(text), "#!%s ", self);
	memset(text + n, 'b', 300);
	text[n + 300] = 0;
	write_file(p, text, 0755);
	fflush(stdout);
	execve(p, argv, environ);
	printf("long argument: %s\n", strerror(errno));
	exit(98);
}

static int mode_long_arg(const char *arg)
{
	size_t n = strlen(arg);
	CHECK(strspn(arg, "b") == n);
	/* The 256-byte buffer less "#!", the name, a space, the NUL. */
	CHECK(n == 256 - 2 - strlen(self) - 1 - 1);
	printf("long argument: cut at the end of 256 bytes\n");
	return 0;
}

/* Scripts nested n deep: nest1 names this program, nestK nest(K-1). */
static void write_nest(int n)
{
	char p[PATH_MAX + 32], q[PATH_MAX + 32], text[PATH_MAX + 64];
	for (int i = 1; i <= n; i++) {
		snprintf(q, sizeof(q), "%s/nest%d", dir, i);
		if (i == 1)
			snprintf(text, sizeof(text), "#!%s nested\n", self);
		else
			snprintf(text, sizeof(text), "#!%s\n", p);
		write_file(q, text, 0755);
		memcpy(p, q, sizeof(p));
	}
}

static void case_nesting(void)
{
	write_nest(7);
	for (int n = 1; n <= 7; n++) {
		char p[PATH_MAX + 32];
		snprintf(p, sizeof(p), "%s/nest%d", dir, n);
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			execve(p, (char *[]){ p, NULL }, environ);
			printf("nesting %d: %s\n", n, strerror(errno));
			exit(0);
		}
		int st;
		CHECK(waitpid(pid, &st, 0) == pid);
	}
	exit(0);
}

static int mode_nested(int argc, char **argv)
{
	/* [self, "nested", nest1, nest2, ..., nestN]. */
	int depth = argc - 2;
	for (int i = 2; i < argc; i++) {
		char p[PATH_MAX + 32];
		snprintf(p, sizeof(p), "%s/nest%d", dir, i - 1);
		CHECK(strcmp(argv[i], p) == 0);
	}
	printf("nesting %d: ran\n", depth);
	return 0;
}

/* ---- AT_EXECFN and the task's name ----------------------------------- */

static void case_names(void)
{
	char d[PATH_MAX];
	snprintf(d, sizeof(d), "%s", self);
	*strrchr(d, '/') = 0;
	int dfd = open(d, O_RDONLY | O_DIRECTORY);
	int fd = open(self, O_RDONLY);
	CHECK(dfd >= 0 && fd >= 0);
	const char *base = strrchr(self, '/') + 1;
	char *argv[] = { "names", "names", NULL };
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		syscall(SYS_execveat, dfd, base, argv, environ, 0);
		exit(98);
	}
	CHECK(waitpid(pid, NULL, 0) == pid);
	syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
	exit(98);
}

static int mode_names(void)
{
	char comm[32] = "";
	FILE *f = fopen("/proc/self/comm", "r");
	if (f) {
		CHECK(fgets(comm, sizeof(comm), f));
		fclose(f);
		comm[strcspn(comm, "\n")] = 0;
	}
	printf("AT_EXECFN %s, comm %s\n", (char *)getauxval(AT_EXECFN),
	       comm);
	return 0;
}

/* ---- main ------------------------------------------------------------- */

static int run_mode(int argc, char **argv)
{
	const char *m = argv[1];
	if (!strcmp(m, "chain"))
		return mode_chain(atoi(argv[2]));
	if (!strcmp(m, "fdexec"))
		return mode_fdexec();
	if (!strcmp(m, "script-run"))
		return mode_script_run(argv[2]);
	if (!strcmp(m, "script-arg"))
		return mode_script_arg(argc, argv);
	if (!strcmp(m, "one  arg"))
		return mode_one_arg(argc, argv);
	if (m[0] == 'b')
		return mode_long_arg(m);
	if (!strcmp(m, "timers"))
		return mode_timers(argv[2]);
	if (!strcmp(m, "names"))
		return mode_names();
	if (!strcmp(m, "nested"))
		return mode_nested(argc, argv);
	if (!strcmp(m, "cloexec"))
		return mode_cloexec(argv);
	if (!strcmp(m, "signals"))
		return mode_signals();
	if (!strcmp(m, "threads-after"))
		return mode_threads_after(argv[2]);
	if (!strcmp(m, "vforked")) {
		printf("vforked: running\n");
		return 6;
	}
	printf("unknown mode %s\n", m);
	return 2;
}

/* The driver finds itself from argv[0]; what it runs is told by the
 * environment (argv[0] is not always this program's path). */
static void setup(const char *argv0)
{
	const char *d = getenv("EXEC_TEST_DIR");
	const char *s = getenv("EXEC_SELF");
	if (d && s) {
		snprintf(dir, sizeof(dir), "%s", d);
		snprintf(self, sizeof(self), "%s", s);
		return;
	}
	snprintf(dir, sizeof(dir), "/tmp/exectest.XXXXXX");
	CHECK(mkdtemp(dir));
	CHECK(realpath(argv0, self));
	setenv("EXEC_TEST_DIR", dir, 1);
	setenv("EXEC_SELF", self, 1);
}

static void cleanup(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "%s", dir);
	const char *names[] = { "chain.sh", "counter", "noexec", "garbage",
				"empty", "elfhead", "nointerp", "bang",
				"loop1", "loop2", "selflink", "spaced.sh",
				"longname", "longarg" };
	char p[PATH_MAX + 32];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		path_in_dir(p, sizeof(p), names[i]);
		unlink(p);
	}
	for (int i = 1; i <= 7; i++) {
		snprintf(p, sizeof(p), "%s/nest%d", dir, i);
		unlink(p);
	}
	CHECK(rmdir(cmd) == 0);
}

int main(int argc, char **argv)
{
	const char *mode = getenv("EXEC_MODE");
	if (mode && !strcmp(mode, "emptyargv"))
		return mode_empty_argv(argc, argv);
	if (mode && !strcmp(mode, "args"))
		return mode_args(argc, argv);
	setup(argv[0]);
	if (argc > 1)
		return run_mode(argc, argv);
	run_child("chain", case_chain);
	run_child("args", case_args);
	run_child("empty argv", case_empty_argv);
	run_child("cloexec", case_cloexec);
	run_child("signals", case_signals);
	run_child("timers", case_timers);
	run_child("robust", case_robust);
	run_child("threads", case_threads);
	run_child("exec from a thread", case_thread_exec);
	run_child("vfork", case_vfork);
	run_child("errors", case_errors);
	run_child("script forms", case_script_forms);
	run_child("nesting", case_nesting);
	run_child("long lines", case_long_lines);
	run_child("names", case_names);
	cleanup();
	return 0;
}
