/* prctl and scheduling: names, parent-death signal, child subreaper,
 * no_new_privs, dumpable, unknown options; scheduling policies and
 * priorities, affinity, nice values. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/progs/check.h"

static int wait_exit(pid_t pid)
{
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void test_name(void)
{
	char name[32];
	memset(name, 'x', sizeof(name));
	CHECK(prctl(PR_GET_NAME, name) == 0);
	CHECK(strcmp(name, "prctl") == 0);
	CHECK(prctl(PR_SET_NAME, "a-rather-long-process-name") == 0);
	CHECK(prctl(PR_GET_NAME, name) == 0);
	CHECK(strcmp(name, "a-rather-long-p") == 0);
	/* A child starts with its parent's name. */
	pid_t c = fork();
	if (c == 0) {
		prctl(PR_GET_NAME, name);
		_exit(strcmp(name, "a-rather-long-p") == 0 ? 3 : 1);
	}
	CHECK(wait_exit(c) == 3);
	CHECK(prctl(PR_SET_NAME, "prctl") == 0);
	printf("name ok\n");
}

static int death_pipe = -1;

static void on_death(int sig)
{
	char c = sig == SIGUSR1 ? 'd' : '?';
	CHECK(write(death_pipe, &c, 1) == 1);
	_exit(0);
}

static void test_pdeathsig(void)
{
	int v = -1;
	CHECK(prctl(PR_GET_PDEATHSIG, &v) == 0 && v == 0);
	CHECK(prctl(PR_SET_PDEATHSIG, 65) == -1 && errno == EINVAL);
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t mid = fork();
	if (mid == 0) {
		int ready[2];
		CHECK(pipe(ready) == 0);
		pid_t g = fork();
		if (g == 0) {
			death_pipe = p[1];
			signal(SIGUSR1, on_death);
			CHECK(prctl(PR_SET_PDEATHSIG, SIGUSR1) == 0);
			CHECK(prctl(PR_GET_PDEATHSIG, &v) == 0 && v == SIGUSR1);
			/* Not inherited by a child. */
			pid_t gg = fork();
			if (gg == 0) {
				prctl(PR_GET_PDEATHSIG, &v);
				_exit(v == 0 ? 0 : 1);
			}
			CHECK(wait_exit(gg) == 0);
			CHECK(write(ready[1], "r", 1) == 1);
			for (;;)
				pause();
		}
		char c;
		CHECK(read(ready[0], &c, 1) == 1);
		_exit(0);
	}
	close(p[1]);
	CHECK(wait_exit(mid) == 0);
	char c = 0;
	CHECK(read(p[0], &c, 1) == 1 && c == 'd');
	close(p[0]);
	printf("pdeathsig ok\n");
}

/* A subreaper gets its orphaned descendants and can wait for them. */
static void test_subreaper(void)
{
	int v = -1;
	CHECK(prctl(PR_GET_CHILD_SUBREAPER, &v) == 0 && v == 0);
	CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
	CHECK(prctl(PR_GET_CHILD_SUBREAPER, &v) == 0 && v == 1);
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t top = getpid();
	pid_t mid = fork();
	if (mid == 0) {
		mid = getpid();
		pid_t g = fork();
		if (g == 0) {
			while (getppid() == mid)
				usleep(1000);
			_exit(getppid() == top ? 9 : 8);
		}
		CHECK(write(p[1], &g, sizeof(g)) == sizeof(g));
		_exit(0);
	}
	CHECK(wait_exit(mid) == 0);
	pid_t g;
	CHECK(read(p[0], &g, sizeof(g)) == sizeof(g));
	int st;
	CHECK(waitpid(g, &st, 0) == g && WIFEXITED(st));
	CHECK(WEXITSTATUS(st) == 9);
	CHECK(prctl(PR_SET_CHILD_SUBREAPER, 0) == 0);
	close(p[0]);
	close(p[1]);
	printf("subreaper ok\n");
}

static void test_flags(void)
{
	CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0);
	CHECK(prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0) == -1 && errno == EINVAL);
	pid_t c = fork();
	if (c == 0) {
		CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
		CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
		pid_t g = fork();
		if (g == 0)
			_exit(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 4 : 1);
		_exit(wait_exit(g));
	}
	CHECK(wait_exit(c) == 4);
	CHECK(prctl(PR_GET_DUMPABLE) == 1);
	CHECK(prctl(PR_SET_DUMPABLE, 2) == -1 && errno == EINVAL);
	CHECK(prctl(PR_SET_DUMPABLE, 0) == 0 && prctl(PR_GET_DUMPABLE) == 0);
	CHECK(prctl(PR_SET_DUMPABLE, 1) == 0 && prctl(PR_GET_DUMPABLE) == 1);
	CHECK(prctl(PR_GET_SECCOMP) == 0);
	CHECK(prctl(PR_CAPBSET_READ, 0) == 1);
	CHECK(prctl(PR_CAPBSET_READ, 1000) == -1 && errno == EINVAL);
	CHECK(prctl(0x7fff1234) == -1 && errno == EINVAL);
	printf("flags ok\n");
}

static void test_sched(void)
{
	struct sched_param sp = { 0 };
	CHECK(sched_getscheduler(0) == SCHED_OTHER);
	CHECK(sched_getparam(0, &sp) == 0 && sp.sched_priority == 0);
	CHECK(sched_get_priority_max(SCHED_FIFO) == 99);
	CHECK(sched_get_priority_min(SCHED_RR) == 1);
	CHECK(sched_get_priority_max(SCHED_OTHER) == 0);
	CHECK(sched_get_priority_min(SCHED_BATCH) == 0);
	CHECK(sched_get_priority_max(12345) == -1 && errno == EINVAL);
	CHECK(sched_setscheduler(0, SCHED_BATCH, &sp) == 0);
	CHECK(sched_getscheduler(0) == SCHED_BATCH);
	CHECK(sched_setscheduler(0, SCHED_OTHER, &sp) == 0);
	sp.sched_priority = 5;
	CHECK(sched_setscheduler(0, SCHED_OTHER, &sp) == -1 && errno == EINVAL);
	sp.sched_priority = 0;
	CHECK(sched_setscheduler(0, SCHED_FIFO, &sp) == -1 && errno == EINVAL);
	CHECK(sched_setscheduler(0, 12345, &sp) == -1 && errno == EINVAL);
	CHECK(sched_setscheduler(999999, SCHED_OTHER, &sp) == -1 &&
	      errno == ESRCH);
	CHECK(sched_setparam(0, &sp) == 0);
	struct timespec ts;
	CHECK(sched_rr_get_interval(999999, &ts) == -1 && errno == ESRCH);
	cpu_set_t set;
	CHECK(sched_getaffinity(0, sizeof(set), &set) == 0);
	CHECK(sched_setaffinity(0, sizeof(set), &set) == 0);
	cpu_set_t none;
	CPU_ZERO(&none);
	CHECK(sched_setaffinity(0, sizeof(none), &none) == -1 &&
	      errno == EINVAL);
	CHECK(sched_setaffinity(999999, sizeof(set), &set) == -1 &&
	      errno == ESRCH);
	printf("sched ok\n");
}

static void test_nice(void)
{
	errno = 0;
	int base = getpriority(PRIO_PROCESS, 0);
	CHECK(errno == 0 && base < 19);
	CHECK(setpriority(PRIO_PROCESS, 0, base + 1) == 0);
	CHECK(getpriority(PRIO_PROCESS, 0) == base + 1);
	CHECK(getpriority(PRIO_PROCESS, getpid()) == base + 1);
	pid_t c = fork();
	if (c == 0) {
		/* Inherited; clamped at 19. */
		int ok = getpriority(PRIO_PROCESS, 0) == base + 1;
		CHECK(setpriority(PRIO_PROCESS, 0, 100) == 0);
		ok = ok && getpriority(PRIO_PROCESS, 0) == 19;
		_exit(ok ? 2 : 1);
	}
	CHECK(wait_exit(c) == 2);
	CHECK(getpriority(PRIO_PROCESS, 999999) == -1 && errno == ESRCH);
	CHECK(setpriority(99, 0, 0) == -1 && errno == EINVAL);
	if (geteuid() == 0) {
		c = fork();
		if (c == 0) {
			CHECK(setuid(1000) == 0);
			/* Raising one's priority needs CAP_SYS_NICE. */
			_exit(setpriority(PRIO_PROCESS, 0, base) == -1 &&
					      errno == EACCES
				      ? 2
				      : 1);
		}
		CHECK(wait_exit(c) == 2);
		CHECK(setpriority(PRIO_PROCESS, 0, base) == 0);
	}
	printf("nice ok\n");
}

int main(void)
{
	test_name();
	test_pdeathsig();
	test_subreaper();
	test_flags();
	test_sched();
	test_nice();
	return 0;
}
