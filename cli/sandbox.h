/* What the CLI keeps about the sandbox it runs in the foreground: the
 * kernel (which torture mode replaces on every cycle, hence the lock),
 * and what `snapctl ps` shows. */
#ifndef CLI_SANDBOX_H
#define CLI_SANDBOX_H

#include <pthread.h>
#include <time.h>

#include "core/kernel.h"

struct sandbox {
	pthread_mutex_t lock;      /* guards k against torture's swap */
	struct kernel *k;
	struct kernel_options opts;
	char id[65];               /* "" when run without --id */
	char command[256];         /* argv joined, for ps */
	time_t started;
};

struct torture;

/* Runs the sandbox in the foreground to its end: serves its control
 * socket when it has an id, starts its tasks, waits (under torture when
 * t->every), then destroys the kernel. Returns the program's status in
 * shell form, or -1 after printing an error. */
int sandbox_run(struct sandbox *sb, const struct torture *t);

/* Ids: 1-64 characters of [A-Za-z0-9_.-], not starting with '.'. */
int sandbox_id_valid(const char *id);

#endif
