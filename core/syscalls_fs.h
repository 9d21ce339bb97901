/* The file and filesystem syscall handlers (issue 4), for the table in
 * syscall_table.c; syscalls.h includes this. */
#ifndef CORE_SYSCALLS_FS_H
#define CORE_SYSCALLS_FS_H

#include "core/syscall.h"

/* sys_io.c (read, write, readv, writev are in syscalls.h) */
SYSCALL_DECL(pread64);
SYSCALL_DECL(pwrite64);
SYSCALL_DECL(preadv);
SYSCALL_DECL(pwritev);
SYSCALL_DECL(preadv2);
SYSCALL_DECL(pwritev2);
SYSCALL_DECL(lseek);

/* sys_open.c */
SYSCALL_DECL(open);
SYSCALL_DECL(openat);
SYSCALL_DECL(creat);
SYSCALL_DECL(close);
SYSCALL_DECL(close_range);
SYSCALL_DECL(memfd_create);

/* sys_fd.c */
SYSCALL_DECL(dup);
SYSCALL_DECL(dup2);
SYSCALL_DECL(dup3);
SYSCALL_DECL(fcntl);
SYSCALL_DECL(ioctl);
SYSCALL_DECL(flock);

/* sys_stat.c */
SYSCALL_DECL(stat);
SYSCALL_DECL(fstat);
SYSCALL_DECL(lstat);
SYSCALL_DECL(newfstatat);
SYSCALL_DECL(statx);
SYSCALL_DECL(access);
SYSCALL_DECL(faccessat);
SYSCALL_DECL(faccessat2);
SYSCALL_DECL(readlink);
SYSCALL_DECL(readlinkat);
SYSCALL_DECL(statfs);
SYSCALL_DECL(fstatfs);

/* sys_names.c */
SYSCALL_DECL(mkdir);
SYSCALL_DECL(mkdirat);
SYSCALL_DECL(mknod);
SYSCALL_DECL(mknodat);
SYSCALL_DECL(rmdir);
SYSCALL_DECL(unlink);
SYSCALL_DECL(unlinkat);
SYSCALL_DECL(rename);
SYSCALL_DECL(renameat);
SYSCALL_DECL(renameat2);
SYSCALL_DECL(link);
SYSCALL_DECL(linkat);
SYSCALL_DECL(symlink);
SYSCALL_DECL(symlinkat);

/* sys_dir.c */
SYSCALL_DECL(getdents64);
SYSCALL_DECL(getcwd);
SYSCALL_DECL(chdir);
SYSCALL_DECL(fchdir);

/* sys_attr.c */
SYSCALL_DECL(chmod);
SYSCALL_DECL(fchmod);
SYSCALL_DECL(fchmodat);
SYSCALL_DECL(chown);
SYSCALL_DECL(fchown);
SYSCALL_DECL(lchown);
SYSCALL_DECL(fchownat);
SYSCALL_DECL(truncate);
SYSCALL_DECL(ftruncate);
SYSCALL_DECL(fallocate);
SYSCALL_DECL(utimensat);
SYSCALL_DECL(utimes);
SYSCALL_DECL(futimesat);
SYSCALL_DECL(utime);
SYSCALL_DECL(umask);
SYSCALL_DECL(sync);
SYSCALL_DECL(syncfs);
SYSCALL_DECL(fsync);
SYSCALL_DECL(fdatasync);
SYSCALL_DECL(fadvise64);

/* sys_xattr.c */
SYSCALL_DECL(getxattr);
SYSCALL_DECL(lgetxattr);
SYSCALL_DECL(fgetxattr);
SYSCALL_DECL(listxattr);
SYSCALL_DECL(llistxattr);
SYSCALL_DECL(flistxattr);
SYSCALL_DECL(setxattr);
SYSCALL_DECL(lsetxattr);
SYSCALL_DECL(fsetxattr);
SYSCALL_DECL(removexattr);
SYSCALL_DECL(lremovexattr);
SYSCALL_DECL(fremovexattr);

/* sys_copy.c */
SYSCALL_DECL(sendfile);
SYSCALL_DECL(copy_file_range);

/* The table entries, for syscall_table.c. */
#define SYSCALL_ENTRIES_FS                                                 \
	ENTRY(pread64), ENTRY(pwrite64), ENTRY(preadv), ENTRY(pwritev),     \
	ENTRY(preadv2), ENTRY(pwritev2), ENTRY(lseek),                      \
	ENTRY(open), ENTRY(openat), ENTRY(creat), ENTRY(close),             \
	ENTRY(close_range), ENTRY(memfd_create),                            \
	ENTRY(dup), ENTRY(dup2), ENTRY(dup3), ENTRY(fcntl), ENTRY(ioctl),   \
	ENTRY(flock),                                                       \
	ENTRY(stat), ENTRY(fstat), ENTRY(lstat), ENTRY(newfstatat),         \
	ENTRY(statx), ENTRY(access), ENTRY(faccessat), ENTRY(faccessat2),   \
	ENTRY(readlink), ENTRY(readlinkat), ENTRY(statfs), ENTRY(fstatfs),  \
	ENTRY(mkdir), ENTRY(mkdirat), ENTRY(mknod), ENTRY(mknodat),         \
	ENTRY(rmdir), ENTRY(unlink), ENTRY(unlinkat), ENTRY(rename),        \
	ENTRY(renameat), ENTRY(renameat2), ENTRY(link), ENTRY(linkat),      \
	ENTRY(symlink), ENTRY(symlinkat),                                   \
	ENTRY(getdents64), ENTRY(getcwd), ENTRY(chdir), ENTRY(fchdir),      \
	ENTRY(chmod), ENTRY(fchmod), ENTRY(fchmodat), ENTRY(chown),         \
	ENTRY(fchown), ENTRY(lchown), ENTRY(fchownat), ENTRY(truncate),     \
	ENTRY(ftruncate), ENTRY(fallocate), ENTRY(utimensat),               \
	ENTRY(utimes), ENTRY(futimesat), ENTRY(utime), ENTRY(umask),        \
	ENTRY(sync), ENTRY(syncfs), ENTRY(fsync), ENTRY(fdatasync),         \
	ENTRY(fadvise64), ENTRY(sendfile), ENTRY(copy_file_range),          \
	ENTRY(getxattr), ENTRY(lgetxattr), ENTRY(fgetxattr),                \
	ENTRY(listxattr), ENTRY(llistxattr), ENTRY(flistxattr),             \
	ENTRY(setxattr), ENTRY(lsetxattr), ENTRY(fsetxattr),                \
	ENTRY(removexattr), ENTRY(lremovexattr), ENTRY(fremovexattr)

#endif
