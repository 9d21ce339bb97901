/* A process's file-descriptor table: fd -> open file, plus the
 * close-on-exec bit per fd. Shared by threads (CLONE_FILES). */
#ifndef CORE_FDTABLE_H
#define CORE_FDTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "snapshot/codec.h"

struct file;

/* Linux's default RLIMIT_NOFILE soft limit. */
#define FDTABLE_MAX 1024

struct fd_entry {
	struct file *file;         /* NULL: fd not open */
	bool cloexec;
};

struct fdtable {
	int refs;
	struct fd_entry *fds;
	uint32_t nfds;             /* slots allocated */
};

struct fdtable *fdtable_create(void);
void fdtable_put(struct fdtable *t);

/* The file at fd (no new reference), or NULL. */
struct file *fdtable_get(const struct fdtable *t, int fd);

/* Installs f (taking the caller's reference) at the lowest free fd >=
 * min; returns the fd or -EMFILE. */
int fdtable_install(struct fdtable *t, struct file *f, int min, bool cloexec);

/* Closes fd; returns 0 or -EBADF. */
int fdtable_close(struct fdtable *t, int fd);

extern const struct codec_type codec_type_fdtable;

#endif
