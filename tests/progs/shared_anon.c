/* MAP_SHARED|MAP_ANONYMOUS after fork: pages first touched by either
 * process after the fork are still shared (Linux backs the mapping with
 * an unnamed tmpfs file, named "/dev/zero (deleted)" in maps). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/progs/check.h"

static int maps_line_for(uintptr_t addr, char *out, size_t n)
{
	FILE *f = fopen("/proc/self/maps", "r");
	CHECK(f);
	char line[512];
	int found = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo == addr) {
			snprintf(out, n, "%s", line);
			found = 1;
		}
	}
	fclose(f);
	return found;
}

int main(void)
{
	const size_t len = 64 * 4096;
	int *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	p[0] = 1;                     /* touched before the fork */
	pid_t c = fork();
	CHECK(c >= 0);
	if (c == 0) {
		p[1024] = 42;         /* first touched in the child */
		p[0] = 2;
		while (p[2048] != 7)  /* first touched by the parent */
			usleep(1000);
		p[3072] = 9;
		_exit(0);
	}
	p[2048] = 7;
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st));
	CHECK(p[0] == 2 && p[1024] == 42 && p[3072] == 9);
	printf("shared after fork: %d %d %d\n", p[0], p[1024], p[3072]);
	char line[512];
	CHECK(maps_line_for((uintptr_t)p, line, sizeof(line)));
	CHECK(strstr(line, " rw-s ") != NULL);
	CHECK(strstr(line, "/dev/zero (deleted)") != NULL);
	printf("maps: rw-s /dev/zero (deleted)\n");
	CHECK(munmap(p, len) == 0);
	return 0;
}
