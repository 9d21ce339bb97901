/* The ELF loader: builds a fresh address space from an ELF64 x86-64
 * executable (static or static-PIE) and the initial stack Linux gives a
 * new program (argc, argv, envp, auxv), and points the task's registers
 * at the entry point. */
#ifndef CORE_LOADER_H
#define CORE_LOADER_H

#include <stddef.h>

#include "snapshot/error.h"

struct task;

/* Where a position-independent executable is loaded: Linux's
 * ELF_ET_DYN_BASE with address randomization off. Deterministic on
 * purpose: replay and images want the same layout every run. */
#define LOADER_PIE_BASE 0x555555554000ull

/* Resolves a command name like execvp: a name without '/' is looked up
 * in PATH from envp (or the default PATH). Writes the path found into
 * out; returns 0 or a negative errno with *err filled. */
int loader_find_program(const char *name, char *const envp[], char *out,
			size_t outlen, struct error *err);

/* Loads path -- a file of the sandbox's filesystem, resolved from t's
 * working directory -- into a new mm for t (replacing t->mm), sets up the
 * stack and registers. Returns 0, or -errno with a message in *err
 * (missing file, not ELF, foreign architecture, ...). */
int loader_exec(struct task *t, const char *path, char *const argv[],
		char *const envp[], struct error *err);
/* loader_exec for the sandbox's first program, which the caller names
 * on the host: when the sandbox's root is the host's own "/" but the
 * sandbox does not see the file (one under the host's /tmp, hidden by
 * the sandbox's tmpfs), it is read from the host. */
int loader_exec_initial(struct task *t, const char *path, char *const argv[],
			char *const envp[], struct error *err);

#endif
