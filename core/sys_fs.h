/* Helpers shared by the file and filesystem system calls (sys_open.c,
 * sys_fd.c, sys_stat.c, sys_names.c, sys_dir.c, sys_attr.c, sys_io.c,
 * sys_copy.c). */
#ifndef CORE_SYS_FS_H
#define CORE_SYS_FS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/fs/mount.h"

struct file;
struct task;
struct vfs_stat;

/* The file open at fd (an int argument: the register's low 32 bits), or
 * NULL. No new reference: valid until the fd table changes. */
struct file *fd_file(struct task *t, uint64_t fd);
/* Like fd_file, but NULL for O_PATH files too, which serve no I/O, no
 * fchmod, no ioctl. */
struct file *fd_file_io(struct task *t, uint64_t fd);

/* An int argument (dirfd, flags) as Linux reads it: the low 32 bits. */
static inline int int_arg(uint64_t v)
{
	return (int)(uint32_t)v;
}

/* The path named by dirfd + the path at addr, for the *at() calls that
 * take AT_EMPTY_PATH or a NULL path (an fd's own path): follow is
 * AT_SYMLINK_NOFOLLOW's opposite. *out holds references. */
int path_at(struct task *t, int dirfd, uint64_t addr, bool follow,
	    bool empty_ok, struct path *out);

/* Closes fd as close(2) does (POSIX locks of the process go too). */
int fd_close(struct task *t, int fd);

/* Writes st as struct stat to application memory. */
int put_stat(struct task *t, uint64_t addr, const struct vfs_stat *st);

#endif
