/* Torture mode (`snapctl run --cr-torture=N[sys]`): the sandbox is saved,
 * torn down completely and restored from the image every N milliseconds
 * or every N syscalls, and carries on. A program's output and status must
 * be the same as without it: this proves every object's save and load on
 * real work. */
#ifndef CLI_TORTURE_H
#define CLI_TORTURE_H

#include <stdbool.h>
#include <stdint.h>

struct sandbox;

struct torture {
	uint64_t every;            /* 0: off */
	bool by_syscalls;          /* every N syscalls, else N ms */
};

/* Parses "N" or "Nsys"; returns 0 or -1. */
int torture_parse(const char *arg, struct torture *t);

/* Runs the sandbox to its end under torture, replacing sb->k (under
 * sb->lock) on every cycle; returns its status like kernel_wait, or -1
 * after printing why a cycle failed. */
int torture_run(struct sandbox *sb, const struct torture *t);

#endif
