/* The smallest program: stdout, stderr, an exit code. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	printf("hello, world\n");
	fflush(stdout);
	static const char msg[] = "to stdout via write(2)\n";
	if (write(1, msg, sizeof(msg) - 1) != sizeof(msg) - 1)
		return 2;
	fprintf(stderr, "to stderr\n");
	return 0;
}
