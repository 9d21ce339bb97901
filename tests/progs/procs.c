/* Processes and threads: fork with copy-on-write memory, wait4 statuses
 * (exit codes, signals), getppid, zombies reaped, orphans, vfork, a fork
 * tree, pthreads with a contended mutex, a condition variable and a
 * barrier (futexes), thread exit with pthread_join (CLONE_CHILD_CLEARTID),
 * and a bounded fork storm. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/progs/check.h"

static int wait_status(pid_t pid)
{
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	return st;
}

static void test_fork_cow(void)
{
	static int value = 1;
	char *big = malloc(1 << 20);
	memset(big, 'p', 1 << 20);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		value = 2;
		memset(big, 'c', 1 << 20);
		_exit(getppid() > 0 && value == 2 && big[12345] == 'c' ? 7 : 1);
	}
	int st = wait_status(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7);
	CHECK(value == 1 && big[12345] == 'p' && big[(1 << 20) - 1] == 'p');
	free(big);
	printf("fork cow ok\n");
}

static void test_shared_anon(void)
{
	int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(shared != MAP_FAILED);
	*shared = 0;
	pid_t pid = fork();
	if (pid == 0) {
		*shared = 42;
		_exit(0);
	}
	wait_status(pid);
	CHECK(*shared == 42);
	printf("shared memory ok\n");
}

static void test_statuses(void)
{
	pid_t a = fork();
	if (a == 0)
		_exit(3);
	pid_t b = fork();
	if (b == 0) {
		raise(SIGTERM);
		_exit(0);
	}
	pid_t c = fork();
	if (c == 0) {
		volatile uintptr_t bad = 8;
		*(volatile int *)bad = 1;
		_exit(0);
	}
	int st = wait_status(b);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	st = wait_status(c);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	st = wait_status(a);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
	CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD);
	CHECK(wait(&st) == -1 && errno == ECHILD);
	printf("statuses ok\n");
}

static void test_wnohang_and_sigchld(void)
{
	int p[2];
	CHECK(pipe(p) == 0 || errno == ENOSYS);
	pid_t pid = fork();
	if (pid == 0) {
		struct timespec ts = { 0, 50 * 1000000 };
		nanosleep(&ts, NULL);
		_exit(0);
	}
	int st;
	CHECK(waitpid(pid, &st, WNOHANG) == 0);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st));
	sigset_t pend;
	sigpending(&pend);
	printf("wnohang ok\n");
}

static void test_tree(int depth)
{
	if (depth == 0)
		return;
	pid_t kids[2];
	for (int i = 0; i < 2; i++) {
		kids[i] = fork();
		CHECK(kids[i] >= 0);
		if (kids[i] == 0) {
			test_tree(depth - 1);
			_exit(depth);
		}
	}
	for (int i = 0; i < 2; i++) {
		int st = wait_status(kids[i]);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == depth);
	}
}

static void test_vfork(void)
{
	volatile int touched = 0;
	pid_t pid = vfork();
	if (pid == 0) {
		touched = 1; /* the parent's memory, while it waits */
		_exit(5);
	}
	CHECK(touched == 1);
	int st = wait_status(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 5);
	printf("vfork ok\n");
}

#define THREADS 4
#define ROUNDS 20000
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t barrier;
static long counter, turns;

static void *worker(void *arg)
{
	long id = (long)arg;
	pthread_barrier_wait(&barrier);
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	pthread_mutex_lock(&lock);
	while (turns != id)
		pthread_cond_wait(&cond, &lock);
	turns++;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	return (void *)(id * 10);
}

static void test_threads(void)
{
	pthread_t th[THREADS];
	CHECK(pthread_barrier_init(&barrier, NULL, THREADS) == 0);
	for (long i = 0; i < THREADS; i++)
		CHECK(pthread_create(&th[i], NULL, worker, (void *)i) == 0);
	for (long i = 0; i < THREADS; i++) {
		void *ret;
		CHECK(pthread_join(th[i], &ret) == 0);
		CHECK((long)ret == i * 10);
	}
	CHECK(counter == (long)THREADS * ROUNDS && turns == THREADS);
	printf("threads ok\n");
}

static void test_storm(void)
{
	for (int i = 0; i < 64; i++) {
		pid_t pid = fork();
		CHECK(pid >= 0);
		if (pid == 0)
			_exit(i & 0x7f);
		int st = wait_status(pid);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == (i & 0x7f));
	}
	printf("fork storm ok\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_fork_cow();
	test_shared_anon();
	test_statuses();
	test_wnohang_and_sigchld();
	test_tree(3);
	printf("fork tree ok\n");
	test_vfork();
	test_threads();
	test_storm();
	return 0;
}
