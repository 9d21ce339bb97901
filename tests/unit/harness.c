#include "tests/unit/harness.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Test-binary state; the kernel itself keeps no globals (DESIGN.md,
 * invariant 1), but a test runner is not the kernel. */
static struct test_case *tests_head, **tests_tail = &tests_head;
static int current_failed, current_skipped;
static char current_why[1024];
static char tmpdir[256];

void harness_register(struct test_case *tc)
{
	*tests_tail = tc;
	tests_tail = &tc->next;
}

void harness_fail(const char *file, int line, const char *fmt, ...)
{
	if (current_failed)
		return;
	current_failed = 1;
	int n = snprintf(current_why, sizeof(current_why), "%s:%d: ", file,
			 line);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(current_why + n, sizeof(current_why) - (size_t)n, fmt, ap);
	va_end(ap);
}

void harness_skip(const char *fmt, ...)
{
	current_skipped = 1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(current_why, sizeof(current_why), fmt, ap);
	va_end(ap);
}

int harness_failed(void)
{
	return current_failed;
}

static void remove_tmpdir(void)
{
	if (!tmpdir[0])
		return;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "harness: could not remove %s\n", tmpdir);
}

const char *harness_tmpdir(void)
{
	if (!tmpdir[0]) {
		const char *base = getenv("TMPDIR");
		snprintf(tmpdir, sizeof(tmpdir), "%s/snapctl-test.XXXXXX",
			 base ? base : "/tmp");
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			exit(2);
		}
		atexit(remove_tmpdir);
	}
	return tmpdir;
}

static int selected(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int failures = 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (struct test_case *tc = tests_head; tc; tc = tc->next) {
		if (!selected(tc->name, argc, argv))
			continue;
		current_failed = current_skipped = 0;
		current_why[0] = 0;
		tc->fn();
		if (current_failed) {
			printf("not ok %s: %s\n", tc->name, current_why);
			failures++;
		} else if (current_skipped) {
			printf("skip %s: %s\n", tc->name, current_why);
		} else {
			printf("ok %s\n", tc->name);
		}
	}
	return failures ? 1 : 0;
}
