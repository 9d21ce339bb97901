/* Self-checks for test programs: a failed CHECK prints the condition
 * and exits 1, so the comparison with the native run fails loudly. */
#ifndef TESTS_PROGS_CHECK_H
#define TESTS_PROGS_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                       \
	do {                                                               \
		if (!(cond)) {                                             \
			printf("FAIL %s:%d: %s\n", __FILE__, __LINE__,     \
			       #cond);                                     \
			fflush(stdout);                                    \
			exit(1);                                           \
		}                                                          \
	} while (0)

#endif
