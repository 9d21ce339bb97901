/* Reads a host file a line at a time, slowly, keeping a log of what it
 * read in a file under /tmp, and at the end reads the log back: a
 * program with a lower-layer file and an upper-layer file open across a
 * save and restore (tests/cli/fs.sh). Usage: fs_slowcat FILE DELAY_MS */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/progs/check.h"

int main(int argc, char **argv)
{
	CHECK(argc == 3);
	long ms = atol(argv[2]);
	int in = open(argv[1], O_RDONLY);
	CHECK(in >= 0);
	char logname[] = "/tmp/fs_slowcat-XXXXXX";
	int log = mkstemp(logname);
	CHECK(log >= 0);
	char line[256];
	size_t n = 0;
	int lines = 0;
	for (;;) {
		char c;
		ssize_t r = read(in, &c, 1);
		CHECK(r >= 0);
		if (r == 1 && c != '\n' && n < sizeof(line) - 1) {
			line[n++] = c;
			continue;
		}
		if (r == 0 && n == 0)
			break;
		line[n] = 0;
		printf("line %d: %s\n", ++lines, line);
		fflush(stdout);
		CHECK(dprintf(log, "%d:%s;", lines, line) > 0);
		n = 0;
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
		nanosleep(&ts, NULL);
		if (r == 0)
			break;
	}
	char back[4096] = { 0 };
	CHECK(pread(log, back, sizeof(back) - 1, 0) >= 0);
	printf("log: %s\n", back);
	CHECK(unlink(logname) == 0);
	return 0;
}
