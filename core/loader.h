/* The program loader: what execve(2) does between naming a file and
 * running it. Builds a fresh address space from an ELF64 x86-64
 * executable -- static, static-PIE, or dynamic (PT_INTERP: the
 * interpreter, ld.so, is loaded too and started first) -- or from a
 * "#!" script's interpreter, with the initial stack Linux gives a new
 * program (argc, argv, envp, auxv). Loading never changes the task:
 * the caller installs the result (exec.c, or pid 1 here). */
#ifndef CORE_LOADER_H
#define CORE_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot/error.h"

struct mm;
struct task;

/* Where a position-independent executable is loaded: Linux's
 * ELF_ET_DYN_BASE with address randomization off. Deterministic on
 * purpose: replay and images want the same layout every run. An
 * interpreter goes, as in Linux, at the top of the mmap area. */
#define LOADER_PIE_BASE 0x555555554000ull

/* Linux's limits on exec's arguments: one string (MAX_ARG_STRLEN), and
 * strings with their pointers (exec.c checks a quarter of RLIMIT_STACK;
 * the loader, after a script's interpreter added some, this cap). */
#define LOADER_ARG_STRLEN (32u * 4096u)
#define LOADER_ARG_MAX (6u << 20)
/* Binary formats handing on to interpreters: at most this many (Linux
 * exec_binprm's depth), then ELOOP. */
#define LOADER_MAX_DEPTH 5

/* A program to load and what it gets. */
struct loader_args {
	int dirfd;                 /* AT_FDCWD or the task's fd */
	const char *path;          /* as given ("" with WALK_EMPTY) */
	unsigned walk_flags;       /* WALK_FOLLOW, WALK_EMPTY (namei.h) */
	char *const *argv;         /* NULL-terminated kernel strings */
	char *const *envp;
	bool host_fallback;        /* pid 1: see loader_exec_initial */
};

/* What loading built, for the caller to install. */
struct loader_program {
	struct mm *mm;             /* the new address space (one user),
	                              its exe_path set */
	uint64_t entry, sp;        /* the initial rip and rsp */
	char comm[16];             /* the task's new name */
};

/* Resolves a command name like execvp: a name without '/' is looked up
 * in PATH from envp (or the default PATH). Writes the path found into
 * out; returns 0 or a negative errno with *err filled. */
int loader_find_program(const char *name, char *const envp[], char *out,
			size_t outlen, struct error *err);

/* Opens and loads the program for t (its credentials, working directory
 * and fds name and open the files) without changing t. Returns 0 with
 * *out filled, or -errno as execve(2) fails (ENOENT, EACCES, ENOEXEC,
 * ELOOP, E2BIG, ELIBBAD...) with a message in *err. */
int loader_load(struct task *t, const struct loader_args *args,
		struct loader_program *out, struct error *err);

/* Gives a task that has no program yet (pid 1) the one loaded. */
void loader_install_fresh(struct task *t, struct loader_program *prog);

/* Loads path for the sandbox's first program, which the caller names on
 * the host: when the sandbox's root is the host's own "/" but the
 * sandbox does not see the file, it is read from the host. */
int loader_exec_initial(struct task *t, const char *path, char *const argv[],
			char *const envp[], struct error *err);

#endif
