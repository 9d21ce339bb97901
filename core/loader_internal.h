/* Shared by the loader's files (loader.c, loader_elf.c, loader_script.c,
 * loader_stack.c); nothing else includes it. */
#ifndef CORE_LOADER_INTERNAL_H
#define CORE_LOADER_INTERNAL_H

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/loader.h"
#include "snapshot/error.h"

struct file;
struct mm;
struct task;

#define PAGE 4096ull
#define PAGE_DOWN(x) ((x) & ~(PAGE - 1))
#define PAGE_UP(x) (((x) + PAGE - 1) & ~(PAGE - 1))

/* Linux: the stack sits at the top of the user range, mmap_base 128 MiB
 * below it (the minimum stack gap), with randomization off. */
#define STACK_TOP USER_ADDR_END
#define MMAP_BASE (USER_ADDR_END - (128ull << 20))
#define PHDRS_MAX 128
/* Linux's BINPRM_BUF_SIZE: what binary format handlers look at. */
#define LOADER_BUF_SIZE 256

/* An opened executable: read through the VFS, or -- only the first
 * program, see loader_exec_initial -- from a host fd. */
struct exec_file {
	struct task *t;
	struct file *file;         /* NULL: read host_fd */
	int host_fd;
	char *name;                /* the path it was opened by (owned) */
	char buf[LOADER_BUF_SIZE]; /* its first bytes, zero padded */
};

/* Opens path (relative to dirfd, WALK_* flags) for execution: a regular
 * file the task may execute, on a mount that allows it. Fills in ef,
 * buf included. 0 or -errno with *err filled. */
int exec_file_open(struct task *t, int dirfd, const char *path,
		   unsigned walk_flags, bool host_fallback,
		   struct exec_file *ef, struct error *err);
void exec_file_close(struct exec_file *ef);
/* 0 when exactly n bytes were read at off, else -1. */
int exec_file_read(const struct exec_file *ef, void *buf, size_t n,
		   uint64_t off);

/* The state of one exec while binary formats hand it on (a script to
 * its interpreter). */
struct exec_state {
	struct task *t;
	char **argv;               /* current argument vector */
	char *const *envp;
	const char *filename;      /* as given: AT_EXECFN, comm */
	bool comm_from_file;       /* execveat(fd, "", AT_EMPTY_PATH) */
	bool path_inaccessible;    /* the fd is close-on-exec: a script
	                              could not be reopened by the name */
	char *owned[32];           /* strings and vectors to free */
	int nowned;
};

/* Keeps p to be freed with the state; returns p (NULL: no memory). */
void *exec_state_own(struct exec_state *es, void *p);

/* binfmt_script, for a file that starts with "#!": rewrites es->argv
 * for the interpreter and returns its name (owned by es) in *interp. */
int loader_script(struct exec_state *es, const struct exec_file *ef,
		  const char **interp, struct error *err);

/* What the initial stack's auxv says about the program. */
struct exec_aux {
	uint64_t phdr, phnum;      /* the program's headers in memory */
	uint64_t entry;            /* the program's entry point */
	uint64_t base;             /* the interpreter's base, or 0 */
};

/* Maps the stack of mm and lays out argc, argv, envp, auxv and the
 * strings on it; *sp gets the initial rsp. */
int loader_setup_stack(struct exec_state *es, struct mm *mm,
		       const struct exec_aux *aux, uint64_t *sp,
		       struct error *err);

/* binfmt_elf, for a file with the ELF magic: loads ef (and its
 * PT_INTERP interpreter) into a new mm, stack included; fills out. */
int loader_elf(struct exec_state *es, struct exec_file *ef,
	       struct loader_program *out, struct error *err);

#endif
