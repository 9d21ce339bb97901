/* Files without a path (eventfd, epoll...): Linux backs them with one
 * shared anonymous inode ("anon_inode:[eventfd]" in /proc/self/fd). */
#ifndef CORE_ANON_FILE_H
#define CORE_ANON_FILE_H

#include <stdint.h>

struct file;
struct vfs_stat;

/* fstat of an anonymous file, as Linux shows anon_inode's: mode 0600
 * without a file type, one link, owned by root, 4096-byte blocks. */
int anon_file_stat(struct file *f, struct vfs_stat *st);
/* lseek as Linux's noop_llseek: nothing moves; the position (0). */
int64_t anon_file_llseek(struct file *f, int64_t off, int whence);

#endif
