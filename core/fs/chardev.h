/* Character devices: what opening a device node does, chosen by its
 * device number (st_rdev) as Linux's chrdev table chooses a driver, so
 * the nodes of /dev and nodes made with mknod(2) behave alike.
 *
 *   1:3 null, 1:5 zero, 1:7 full, 1:8 random, 1:9 urandom (the host's
 *   getrandom), 5:0 tty and 5:1 console (the host terminal the sandbox
 *   was started from, through the stdio passthrough; -ENXIO when none
 *   of the host's stdio is a terminal, as Linux without a controlling
 *   terminal).
 *
 * Other numbers, and block devices, have no driver: -ENXIO. Nodes on a
 * MS_NODEV mount cannot be opened: -EACCES. An open memory device saves
 * its path and which device it is. */
#ifndef CORE_FS_CHARDEV_H
#define CORE_FS_CHARDEV_H

#include <stdint.h>

#include "core/file.h"

struct dentry;
struct mount;

/* Opens the device node d reached through mnt (the permission checks
 * are done): what a filesystem's open does for its device nodes. */
int chardev_open(struct dentry *d, struct mount *mnt, uint32_t flags,
		 struct file **out);

/* The devices /dev holds (devfs.c makes a node for each). */
struct chardev_node {
	const char *name;
	uint32_t major, minor;
	uint32_t mode;             /* permissions */
};
extern const struct chardev_node chardev_nodes[];
extern const unsigned chardev_node_count;

extern const struct file_ops chardev_file_ops;
extern const struct codec_type codec_type_chardev_file;

#endif
