#include "core/anon_file.h"

#include <string.h>

#include "core/file.h"
#include "core/fs/inode.h"

/* Linux's anon_inode_inode has no file type bits and a fixed identity;
 * the numbers here are stable but arbitrary. */
#define ANON_INODE_DEV 0xdu
#define ANON_INODE_INO 1u

int anon_file_stat(struct file *f, struct vfs_stat *st)
{
	(void)f;
	memset(st, 0, sizeof(*st));
	st->dev = ANON_INODE_DEV;
	st->ino = ANON_INODE_INO;
	st->mode = 0600;
	st->nlink = 1;
	st->blksize = 4096;
	return 0;
}

int64_t anon_file_llseek(struct file *f, int64_t off, int whence)
{
	(void)off, (void)whence;
	return f->pos;
}
