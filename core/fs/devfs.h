/* /dev (devfs.c): a tmpfs holding the device nodes and links. */
#ifndef CORE_FS_DEVFS_H
#define CORE_FS_DEVFS_H

#include <stdint.h>

struct dentry;
struct kernel;
struct superblock;

/* A new /dev filesystem; *sb and *root each get one reference. */
int devfs_create(struct kernel *k, uint64_t dev, struct superblock **sb,
		 struct dentry **root);

#endif
