/* procfs's own declarations: the entry tables, the text buffer files
 * are made in, and the generators. Only core/fs/procfs*.c include this. */
#ifndef CORE_FS_PROCFS_INTERNAL_H
#define CORE_FS_PROCFS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/fs/procfs.h"

struct file;
struct mount;

/* A growing text buffer; a failed allocation is remembered (-ENOMEM at
 * the end) so generators need not check every append. */
struct pbuf {
	char *data;
	size_t len, cap;
	bool failed;
};

void pbuf_put(struct pbuf *b, const void *s, size_t n);
void pbuf_printf(struct pbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void pbuf_free(struct pbuf *b);

/* What a generator shows: tg and task are NULL for system-wide files;
 * task is the thread for task/TID entries, else a live thread of tg
 * (the leader may have exited), or the leader of a zombie. */
struct proc_ctx {
	struct kernel *k;
	struct thread_group *tg;
	struct task *task;
	int fd;
	struct task *caller;       /* who reads (NULL: nobody, in tests) */
	const struct proc_entry *entry;  /* the file being made */
};

typedef int (*proc_gen_fn)(const struct proc_ctx *c, struct pbuf *b);

enum proc_link {
	LINK_NONE = 0,
	LINK_SELF,                 /* "PID" of the caller */
	LINK_THREAD_SELF,          /* "PID/task/TID" of the caller */
	LINK_TEXT,                 /* the entry's fixed target */
	LINK_EXE,                  /* magic links */
	LINK_CWD,
	LINK_ROOT,
	LINK_FD,
};

/* What lists a directory's entries beyond its static ones. */
enum proc_dyn {
	DYN_NONE = 0,
	DYN_PIDS,                  /* /proc: every thread group */
	DYN_TIDS,                  /* PID/task: the group's threads */
	DYN_FDS,                   /* PID/fd: links */
	DYN_FDINFOS,               /* PID/fdinfo: files */
	DYN_CPUS,                  /* /sys/devices/system/cpu: cpuN dirs */
};

struct proc_entry {
	const char *name;
	uint32_t mode;             /* type and permissions */
	int32_t sub;               /* directories: their table */
	proc_gen_fn gen;           /* regular files */
	enum proc_link link;       /* symlinks */
	const char *target;        /* LINK_TEXT */
};

struct proc_table {
	const struct proc_entry *entries;
	uint32_t n;
	enum proc_dyn dyn;
};

enum {
	PT_ROOTS, PT_ROOT, PT_SYS, PT_SYS_KERNEL, PT_SYS_VM, PT_PID, PT_TID, PT_TASK,
	PT_FD, PT_FDINFO, PT_DYN, PT_SYSFS_ROOT, PT_SYSFS_DEVICES,
	PT_SYSFS_SYSTEM, PT_SYSFS_CPU, PT_SYSFS_CPUN, PT_SYS_FS,
	PT_SYS_KERNEL_RANDOM, PT_COUNT,
};

/* PT_ROOTS's entries: the roots of /proc and /sys (by flavor). */

/* PT_DYN's entries: what dynamic names are. */
enum { DYN_E_PID, DYN_E_TID, DYN_E_FD, DYN_E_FDINFO, DYN_E_CPU,
       DYN_E_FDOBJ };

/* How many CPUs the sandbox shows (as sched_getaffinity sizes its
 * mask); cpuN entries keep N in their fd field. */
long procfs_cpu_count(void);

extern const struct proc_table procfs_tables[PT_COUNT];

static inline const struct proc_entry *procfs_entry(
	const struct procfs_inode *pi)
{
	return &procfs_tables[pi->table].entries[pi->index];
}

/* Resolves what pi shows into c: 0, or -ENOENT when its process,
 * thread or fd has gone. */
int procfs_resolve(struct procfs_inode *pi, struct proc_ctx *c);
/* The thread group tgid / the task tid, alive or zombie; NULL if gone. */
struct thread_group *procfs_find_group(struct kernel *k, uint32_t tgid);
struct task *procfs_find_task(struct kernel *k, uint32_t tid);
/* The task whose mm, files and fs stand for tg (see proc_ctx). */
struct task *procfs_group_task(struct kernel *k, struct thread_group *tg);

/* Makes the contents of a regular file entry. */
int procfs_generate(struct procfs_inode *pi, struct task *caller,
		    struct pbuf *b);

/* Opens a regular file entry (procfs_file.c). */
int procfs_file_open(struct dentry *d, struct mount *mnt, uint32_t flags,
		     struct file **out);

/* Generators: per process (procfs_pid.c), system-wide (procfs_info.c). */
int procfs_gen_maps(const struct proc_ctx *c, struct pbuf *b);
int procfs_gen_stat(const struct proc_ctx *c, struct pbuf *b);
int procfs_gen_statm(const struct proc_ctx *c, struct pbuf *b);
int procfs_gen_status(const struct proc_ctx *c, struct pbuf *b);
int procfs_gen_cmdline(const struct proc_ctx *c, struct pbuf *b);
int procfs_gen_environ(const struct proc_ctx *c, struct pbuf *b);
int procfs_gen_auxv(const struct proc_ctx *c, struct pbuf *b);
int procfs_gen_comm(const struct proc_ctx *c, struct pbuf *b);
int procfs_gen_limits(const struct proc_ctx *c, struct pbuf *b);
int procfs_gen_mounts(const struct proc_ctx *c, struct pbuf *b);
int procfs_gen_mountinfo(const struct proc_ctx *c, struct pbuf *b);
/* A fixed text: the entry's target with a newline. */
int procfs_gen_text(const struct proc_ctx *c, struct pbuf *b);
int procfs_gen_uuid(const struct proc_ctx *c, struct pbuf *b);
int procfs_gen_fdinfo(const struct proc_ctx *c, struct pbuf *b);
int procfs_gen_meminfo(const struct proc_ctx *c, struct pbuf *b);
int procfs_gen_cpuinfo(const struct proc_ctx *c, struct pbuf *b);
int procfs_gen_kstat(const struct proc_ctx *c, struct pbuf *b);
int procfs_gen_uptime(const struct proc_ctx *c, struct pbuf *b);
int procfs_gen_loadavg(const struct proc_ctx *c, struct pbuf *b);
int procfs_gen_filesystems(const struct proc_ctx *c, struct pbuf *b);
int procfs_gen_version(const struct proc_ctx *c, struct pbuf *b);
int procfs_gen_hostname(const struct proc_ctx *c, struct pbuf *b);
int procfs_gen_ostype(const struct proc_ctx *c, struct pbuf *b);
int procfs_gen_osrelease(const struct proc_ctx *c, struct pbuf *b);
int procfs_gen_pid_max(const struct proc_ctx *c, struct pbuf *b);
int procfs_gen_overcommit(const struct proc_ctx *c, struct pbuf *b);
int procfs_gen_cpu_online(const struct proc_ctx *c, struct pbuf *b);
int procfs_gen_cpus(const struct proc_ctx *c, struct pbuf *b);

#endif
