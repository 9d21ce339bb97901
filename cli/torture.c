#include "cli/torture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/sandbox.h"
#include "core/kernel.h"
#include "snapshot/checkpoint.h"

int torture_parse(const char *arg, struct torture *t)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(arg, &end, 10);
	if (errno || end == arg || n == 0 || n > 1000000000ull)
		return -1;
	t->every = n;
	t->by_syscalls = strcmp(end, "sys") == 0;
	return t->by_syscalls || *end == 0 ? 0 : -1;
}

static int64_t host_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void arm(struct kernel *k, const struct torture *t)
{
	k->torture_every_sys = t->by_syscalls ? t->every : 0;
}

int torture_run(struct sandbox *sb, const struct torture *t)
{
	char path[256];
	const char *dir = getenv("TMPDIR");
	snprintf(path, sizeof(path), "%s/snapctl-torture-%d.img",
		 dir ? dir : "/tmp", (int)getpid());
	arm(sb->k, t);
	unsigned long cycles = 0;
	for (;;) {
		int64_t deadline = t->by_syscalls
					   ? 0
					   : host_now_ns() + (int64_t)t->every * 1000000;
		if (kernel_wait_event(sb->k, deadline))
			break;
		struct error err = { 0 };
		pthread_mutex_lock(&sb->lock);
		int rc = checkpoint_cycle(&sb->k, path, &sb->opts, &err);
		if (rc == 0)
			arm(sb->k, t);
		pthread_mutex_unlock(&sb->lock);
		if (rc < 0) {
			cli_error("torture: %s", err.msg);
			unlink(path);
			return sb->k ? kernel_wait(sb->k) : -1;
		}
		cycles++;
	}
	unlink(path);
	/* Evidence for the tests that the cycles happened. */
	fprintf(stderr, "snapctl: torture: %lu save/restore cycles\n", cycles);
	return kernel_wait(sb->k);
}
