/* uname, ids, limits and affinity: what every libc start-up asks. */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "tests/progs/check.h"

int main(void)
{
	struct utsname u;
	CHECK(uname(&u) == 0);
	printf("%s %s\n", u.sysname, u.machine);
	CHECK(getpid() > 0 && getppid() >= 0);
	CHECK(getuid() == geteuid() && getgid() == getegid());

	struct rlimit r, saved;
	CHECK(getrlimit(RLIMIT_NOFILE, &saved) == 0);
	CHECK(saved.rlim_cur <= saved.rlim_max);
	r = saved;
	r.rlim_cur = 64;
	CHECK(setrlimit(RLIMIT_NOFILE, &r) == 0);
	CHECK(getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur == 64);
	r.rlim_cur = r.rlim_max + 1;
	if (r.rlim_max != RLIM_INFINITY)
		CHECK(setrlimit(RLIMIT_NOFILE, &r) == -1 && errno == EINVAL);
	CHECK(setrlimit(RLIMIT_NOFILE, &saved) == 0);
	CHECK(prlimit(0, 99, NULL, &r) == -1 && errno == EINVAL);

	cpu_set_t set;
	CHECK(sched_getaffinity(0, sizeof(set), &set) == 0);
	CHECK(CPU_COUNT(&set) >= 1);
	CHECK(sched_yield() == 0);

	struct sysinfo si;
	CHECK(sysinfo(&si) == 0);
	CHECK(si.totalram > 0 && si.mem_unit > 0 && si.procs >= 1);
	printf("sysinfo ok\n");
	return 0;
}
