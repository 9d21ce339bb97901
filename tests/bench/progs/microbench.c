/* Micro-benchmarks of the system calls programs lean on, run natively,
 * under snapctl and under runsc by tests/bench/syscalls.sh.
 *
 *   microbench NAME N [DIR]
 *
 * prints one number: ns per operation, or MB/s for "pipe". DIR is a
 * scratch directory for the file cases (created and removed here). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *scratch = "/tmp";

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "microbench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void path_of(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", scratch, name);
}

static void write_small_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "a small file of forty bytes, or nearly.\n", 40) != 40)
		die(path);
	close(fd);
}

static void bench_open_read_close(long n)
{
	char path[4096], buf[256];
	path_of(path, sizeof(path), "microbench.small");
	write_small_file(path);
	for (long i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY);
		if (fd < 0 || read(fd, buf, sizeof(buf)) != 40)
			die("open+read");
		close(fd);
	}
	unlink(path);
}

static void bench_stat(long n)
{
	char path[4096];
	struct stat st;
	path_of(path, sizeof(path), "microbench.small");
	write_small_file(path);
	for (long i = 0; i < n; i++)
		if (stat(path, &st) < 0)
			die("stat");
	unlink(path);
}

static void make_dir_of(const char *dir, int entries)
{
	char path[4096 + 16];
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		die(dir);
	for (int i = 0; i < entries; i++) {
		snprintf(path, sizeof(path), "%s/entry-%04d", dir, i);
		int fd = open(path, O_WRONLY | O_CREAT, 0644);
		if (fd < 0)
			die(path);
		close(fd);
	}
}

static void remove_dir_of(const char *dir, int entries)
{
	char path[4096 + 16];
	for (int i = 0; i < entries; i++) {
		snprintf(path, sizeof(path), "%s/entry-%04d", dir, i);
		unlink(path);
	}
	rmdir(dir);
}

/* One pass over a 1000-entry directory per operation. */
static void bench_getdents(long n)
{
	char dir[4096];
	path_of(dir, sizeof(dir), "microbench.dir");
	make_dir_of(dir, 1000);
	for (long i = 0; i < n; i++) {
		DIR *d = opendir(dir);
		if (!d)
			die("opendir");
		int seen = 0;
		while (readdir(d))
			seen++;
		closedir(d);
		if (seen != 1002)
			die("readdir count");
	}
	remove_dir_of(dir, 1000);
}

static void bench_fork_wait(long n)
{
	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0)
			die("fork");
		if (p == 0)
			_exit(0);
		int st;
		if (waitpid(p, &st, 0) != p)
			die("waitpid");
	}
}

static void *nothing(void *arg)
{
	return arg;
}

static void bench_thread(long n)
{
	for (long i = 0; i < n; i++) {
		pthread_t th;
		if (pthread_create(&th, NULL, nothing, NULL) != 0)
			die("pthread_create");
		pthread_join(th, NULL);
	}
}

static _Atomic uint32_t turn;

static void futex_wait_for(uint32_t want)
{
	uint32_t v;
	while ((v = atomic_load(&turn)) != want)
		syscall(SYS_futex, &turn, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}

static void futex_pass(uint32_t to)
{
	atomic_store(&turn, to);
	syscall(SYS_futex, &turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static long pingpong_rounds;

static void *ponger(void *arg)
{
	(void)arg;
	for (long i = 0; i < pingpong_rounds; i++) {
		futex_wait_for(1);
		futex_pass(0);
	}
	return NULL;
}

/* One operation = one round trip: ping, then pong. */
static void bench_futex(long n)
{
	pthread_t th;
	pingpong_rounds = n;
	if (pthread_create(&th, NULL, ponger, NULL) != 0)
		die("pthread_create");
	for (long i = 0; i < n; i++) {
		futex_pass(1);
		futex_wait_for(0);
	}
	pthread_join(th, NULL);
}

static volatile sig_atomic_t caught;

static void on_usr1(int sig)
{
	(void)sig;
	caught++;
}

/* kill to self, handler, sigreturn. */
static void bench_signal(long n)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigaction(SIGUSR1, &sa, NULL);
	for (long i = 0; i < n; i++)
		kill(getpid(), SIGUSR1);
	if (caught != n)
		die("signal count");
}

/* MB/s through a pipe from a child to its parent, 64 KiB writes. */
static double bench_pipe(long mbytes)
{
	int p[2];
	static char buf[65536];
	if (pipe(p) < 0)
		die("pipe");
	int64_t t0 = now_ns();
	pid_t c = fork();
	if (c == 0) {
		close(p[0]);
		for (long i = 0; i < mbytes * 16; i++)
			if (write(p[1], buf, sizeof(buf)) != sizeof(buf))
				_exit(1);
		_exit(0);
	}
	close(p[1]);
	long total = 0;
	ssize_t got;
	while ((got = read(p[0], buf, sizeof(buf))) > 0)
		total += got;
	waitpid(c, NULL, 0);
	if (total != mbytes << 20)
		die("pipe total");
	double s = (double)(now_ns() - t0) / 1e9;
	return (double)mbytes / s;
}

struct bench {
	const char *name;
	void (*run)(long n);
};

static const struct bench benches[] = {
	{ "open-read-close", bench_open_read_close },
	{ "stat", bench_stat },
	{ "getdents-1000", bench_getdents },
	{ "fork-exit-wait", bench_fork_wait },
	{ "thread-create-join", bench_thread },
	{ "futex-pingpong", bench_futex },
	{ "signal", bench_signal },
};

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: microbench NAME N [DIR]\n");
		return 2;
	}
	long n = atol(argv[2]);
	if (argc > 3)
		scratch = argv[3];
	if (strcmp(argv[1], "pipe") == 0) {
		printf("%.0f\n", bench_pipe(n));
		return 0;
	}
	for (size_t i = 0; i < sizeof(benches) / sizeof(benches[0]); i++) {
		if (strcmp(argv[1], benches[i].name) != 0)
			continue;
		int64_t t0 = now_ns();
		benches[i].run(n);
		printf("%.0f\n", (double)(now_ns() - t0) / (double)n);
		return 0;
	}
	fprintf(stderr, "microbench: unknown benchmark %s\n", argv[1]);
	return 2;
}
