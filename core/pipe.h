/* Pipes: pipe(2)/pipe2(2). A struct pipe is the buffer both ends share;
 * each end is a struct pipe_file (one file kind for both: the O_ACCMODE
 * of its flags says which end it is).
 *
 * Linux semantics: a 64 KiB default capacity (F_SETPIPE_SZ changes it),
 * reads return what is there (0 at EOF once no writer is left), writes of
 * at most PIPE_BUF bytes are atomic, larger ones may be partial, writing
 * with no reader left is EPIPE plus SIGPIPE for the writing thread.
 * Blocking waits on the pipe's wait queue (core/waitq.h) and returns
 * -ERESTARTSYS, or the partial count, when the task must stop (a signal,
 * a freeze, its group's exit).
 *
 * Named FIFOs (mkfifo, mknod S_IFIFO in memfs) share the code: opening
 * one gives an end with a path whose pipe hangs off the inode while any
 * end is open (inode->fifo); open waits for the other end (not with
 * O_RDWR; O_NONBLOCK: a reader does not wait, a writer gets ENXIO).
 *
 * Saved: the buffered bytes, capacity, inode number, owner and times;
 * reader and writer counts are derived after load from the ends that
 * load (pipe_file's after_load), wait queues are host-only. */
#ifndef CORE_PIPE_H
#define CORE_PIPE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/file.h"
#include "core/waitq.h"

struct task;

#define PIPE_DEFAULT_SIZE (64u * 1024)
#define PIPE_ATOMIC 4096u               /* PIPE_BUF */
#define PIPE_MAX_SIZE (1024u * 1024)    /* /proc/sys/fs/pipe-max-size */
/* Above pipe-max-size, what even a CAP_SYS_RESOURCE task may ask for
 * here (the buffer is kernel memory; Linux allows up to 2 GiB). */
#define PIPE_HARD_MAX_SIZE (16u * 1024 * 1024)

struct pipe {
	uint8_t *buf;              /* ring of cap bytes, allocated on the
	                              first write */
	uint32_t cap, head, len;   /* capacity, read offset, bytes held */
	uint64_t ino, dev;         /* fstat's st_ino, st_dev */
	uint32_t uid, gid;         /* the creator's fsuid and fsgid */
	int64_t atime_ns, mtime_ns, ctime_ns;  /* CLOCK_REALTIME */
	uint32_t r_counter, w_counter;  /* FIFO opens so far, of each kind */
	int refs;                  /* derived: pipe_files */
	int readers, writers;      /* derived: open ends of each kind */
	struct inode *fifo_inode;  /* derived: a FIFO's inode, or NULL */
	struct wait_queue wq;      /* host-only: readers, writers, pollers */
};

struct pipe_file {
	struct file file;          /* first: a pipe_file is a file; a FIFO
	                              end has a path (file.dentry) */
	struct pipe *pipe;         /* counted in pipe->refs */
	uint32_t hup_after;        /* a FIFO read end opened O_NONBLOCK with
	                              no writer: no POLLHUP until w_counter
	                              moves past this (Linux's f_version) */
	bool hup_wait;
};

extern const struct file_ops pipe_file_ops;
extern const struct codec_type codec_type_pipe;
extern const struct codec_type codec_type_pipe_file;

/* A new pipe and its two ends, each with one reference. flags:
 * pipe2's O_NONBLOCK (O_CLOEXEC is the caller's, for the fds). */
int pipe_create(struct task *t, uint32_t flags, struct file **rd,
		struct file **wr);

/* Opens FIFO d (memfs's inode open): the end, counted in, without
 * waiting; -ENXIO for O_WRONLY|O_NONBLOCK with no reader. */
int fifo_open(struct dentry *d, struct mount *mnt, uint32_t flags,
	      struct file **out);
/* The wait of a FIFO open for the other end, after fifo_open, in
 * open(2): 0, or -ERESTARTSYS when the task must stop (the caller drops
 * f). Returns 0 at once for anything but a FIFO end that must wait. */
int fifo_open_wait(struct task *t, struct file *f);

/* True for either end of a pipe or FIFO. */
bool file_is_pipe(const struct file *f);
/* The pipe's inode number (/proc/PID/fd's "pipe:[ino]" comes from the
 * name op); f must be an anonymous pipe's end (a FIFO end has a path:
 * f->dentry). */
uint64_t pipe_file_ino(const struct file *f);

/* fcntl F_GETPIPE_SZ / F_SETPIPE_SZ: the capacity, or -EBADF when f is
 * not a pipe, -EBUSY when the data does not fit, -EPERM above
 * pipe-max-size without CAP_SYS_RESOURCE. */
int64_t pipe_fcntl(struct task *t, struct file *f, int cmd, uint64_t arg);

#endif
