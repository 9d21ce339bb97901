/* memfs inode attributes and symlink targets. The VFS has checked who
 * may change what. */
#include <errno.h>
#include <string.h>

#include "core/fs/memfs_internal.h"

int memfs_setattr(struct dentry *d, const struct iattr *ia)
{
	struct inode *i = d->inode;
	struct memfs_inode *mi = MEMFS_I(i);
	if (ia->valid & IATTR_SIZE) {
		if (!S_ISREG(i->mode))
			return -EINVAL;
		int rc = memfs_copy_up(d);
		if (rc == 0)
			rc = memfs_set_size(mi, ia->size);
		if (rc < 0)
			return rc;
		inode_touch(i, INODE_MTIME);
	}
	if (ia->valid & IATTR_MODE)
		i->mode = (i->mode & S_IFMT) | (ia->mode & 07777);
	if (ia->valid & IATTR_UID)
		i->uid = ia->uid;
	if (ia->valid & IATTR_GID)
		i->gid = ia->gid;
	if (ia->valid & IATTR_ATIME)
		i->atime = ia->atime;
	if (ia->valid & IATTR_MTIME)
		i->mtime = ia->mtime;
	inode_touch(i, INODE_CTIME);
	memfs_dirty(d);
	return 0;
}

int memfs_readlink(struct dentry *d, char *buf, size_t size)
{
	struct memfs_inode *mi = MEMFS_I(d->inode);
	if (!S_ISLNK(mi->vfs.mode))
		return -EINVAL;
	if (mi->lower)
		return memfs_lower_readlink(mi->vfs.sb, mi->lower, buf, size);
	size_t n = strlen(mi->target);
	if (n > size)
		n = size;
	memcpy(buf, mi->target, n);
	return (int)n;
}
