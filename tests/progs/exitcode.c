/* Exit statuses: exit(N), and death by a signal from a fault (the
 * runner compares the status with the native run's). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "segv") == 0) {
		/* An address the compiler can't see through. */
		volatile uintptr_t addr = 8;
		*(volatile int *)addr = 1;
	}
	if (argc > 1 && strcmp(argv[1], "ud2") == 0)
		__asm__ volatile("ud2");
	return argc > 1 ? atoi(argv[1]) : 0;
}
