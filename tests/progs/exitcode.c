/* Exit statuses: exit(N), and death by a signal from a fault (the
 * runner compares the status with the native run's). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "segv") == 0) {
		/* An address the compiler can't see through. */
		volatile uintptr_t addr = 8;
		*(volatile int *)addr = 1;
	}
	if (argc > 1 && strcmp(argv[1], "ud2") == 0)
		__asm__ volatile("ud2");
	if (argc > 1 && strcmp(argv[1], "abort") == 0)
		abort();              /* SIGABRT: status 134 */
	if (argc > 1 && strcmp(argv[1], "term") == 0)
		kill(getpid(), SIGTERM); /* default action: terminate */
	if (argc > 1 && strcmp(argv[1], "guard") == 0) {
		/* A guard page below a buffer, as thread stacks have. */
		char *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED || mprotect(p, 4096, PROT_NONE) != 0)
			return 3;
		p[4096] = 1;             /* fine */
		((volatile char *)p)[100] = 1; /* the guard: SIGSEGV */
	}
	return argc > 1 ? atoi(argv[1]) : 0;
}
