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
/* fork's copy: the same open files, each with one more reference. */
struct fdtable *fdtable_dup(const struct fdtable *t);
void fdtable_put(struct fdtable *t);

/* The file at fd (no new reference), or NULL. */
struct file *fdtable_get(const struct fdtable *t, int fd);

/* Installs f (taking the caller's reference) at the lowest free fd >=
 * min; returns the fd or -EMFILE. */
int fdtable_install(struct fdtable *t, struct file *f, int min, bool cloexec);

/* Installs f (taking the caller's reference) at exactly fd, which may be
 * open (dup2): *old gets the file that was there, for the caller to
 * release, or NULL. 0, -EBADF (fd out of range), -ENOMEM. */
int fdtable_install_at(struct fdtable *t, int fd, struct file *f,
		       bool cloexec, struct file **old);

/* The close-on-exec bit of an open fd (fdtable_get checks it is open). */
bool fdtable_cloexec(const struct fdtable *t, int fd);
void fdtable_set_cloexec(struct fdtable *t, int fd, bool on);

/* Closes fd; returns 0 or -EBADF. */
int fdtable_close(struct fdtable *t, int fd);

extern const struct codec_type codec_type_fdtable;

#endif
