/* Host stdio passthrough: the sandbox's fds 0, 1 and 2 start as the
 * caller's stdin, stdout and stderr (like `runsc do`). What is saved is
 * which stream a file is, not a host fd: at restore it is rebound to the
 * restoring snapctl's own stdio (DESIGN.md "Life of a restore"). */
#ifndef CORE_HOSTFILE_H
#define CORE_HOSTFILE_H

#include "core/file.h"

struct kernel;

struct hostfile {
	struct file file;          /* first: a hostfile is a file */
	int stream;                /* 0 stdin, 1 stdout, 2 stderr */
	struct kernel *kernel;     /* host-only: where host_stdio lives */
};

extern const struct file_ops hostfile_ops;
extern const struct codec_type codec_type_hostfile;

/* Passed through to the host fd (hostfile_passthrough.c). */
int hostfile_stat(struct file *f, struct vfs_stat *st);
/* What /proc/PID/fd/N shows: the host's name of the stream ("/dev/pts/0",
 * "pipe:[N]", a file's host path), as the host's /proc shows it. */
int hostfile_name(struct file *f, char *buf, size_t size);
/* ftruncate of a host file the sandbox's stdio is (`> /dev/stdout`
 * truncates it, as on Linux). */
int hostfile_truncate(struct file *f, uint64_t size);
int64_t hostfile_llseek(struct file *f, int64_t off, int whence);
int64_t hostfile_ioctl(struct file *f, struct task *t, unsigned cmd,
		       uint64_t arg);

/* A new file for host stream 0, 1 or 2 with one reference. */
struct file *hostfile_open(struct kernel *k, int stream);

#endif
