/* procfs and sysfs: synthetic filesystems whose contents are made from
 * kernel state when they are looked at (issue 4). Nothing in them is
 * state of their own: an inode says only WHICH object it shows -- an
 * entry of a static table (procfs_tables.c), and for per-process entries
 * the thread group, task and fd -- and its contents or link target are
 * made when it is opened, read or followed.
 *
 *  - /proc: self, thread-self, one directory per live thread group
 *    (zombies included, as Linux), and PID/task/TID; system-wide files
 *    (meminfo, cpuinfo, stat, uptime, loadavg, mounts, filesystems,
 *    version, sys/kernel/..., sys/vm/...).
 *  - /sys (the same code, another table): devices/system/cpu/{online,
 *    possible}.
 *
 * Links come in two kinds: /proc/self and /proc/thread-self name a
 * path that depends on who asks; exe, cwd, root and fd/N are "magic
 * links" as in Linux, leading to the object itself (a removed file, a
 * pipe) rather than to a name (inode_ops.get_link).
 *
 * Dentries are a cache (never pinned); an entry whose process or fd has
 * gone stays while held and answers -ENOENT.
 *
 * Open files (procfs_file.c) hold the bytes made when they were read
 * from offset 0 (reading from 0 again, after lseek or with pread, makes
 * them anew, as seq_file does); a checkpoint SAVES THOSE BYTES with the
 * file, so a restored reader continues through the same contents. */
#ifndef CORE_FS_PROCFS_H
#define CORE_FS_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/fs/inode.h"
#include "core/fs/super.h"

struct kernel;
struct task;
struct thread_group;

enum procfs_flavor { PROCFS_PROC = 0, PROCFS_SYS = 1 };

struct procfs_sb {
	struct superblock sb;
	uint32_t flavor;           /* enum procfs_flavor */
};

struct procfs_inode {
	struct inode vfs;          /* first: a procfs inode is an inode */
	uint32_t table, index;     /* its entry: procfs_tables[table][index] */
	uint32_t tgid, tid;        /* the process / thread shown, or 0 */
	int32_t fd;                /* fd/N and fdinfo/N entries, else -1 */
};

static inline struct procfs_inode *PROCFS_I(struct inode *i)
{
	return (struct procfs_inode *)i;
}

/* A new procfs or sysfs; *sb and *root each get one reference. */
int procfs_create(struct kernel *k, uint64_t dev, enum procfs_flavor flavor,
		  struct superblock **sb, struct dentry **root);

extern const struct fs_ops procfs_ops;
extern const struct fs_ops sysfs_ops;
extern const struct inode_ops procfs_inode_ops;
extern const struct file_ops procfs_file_ops;
extern const struct codec_type codec_type_procfs_sb;
extern const struct codec_type codec_type_procfs_inode;
extern const struct codec_type codec_type_procfs_file;

#endif
