/* Open directories, of any filesystem with a readdir operation:
 * getdents64 serves a listing made when the directory is read from
 * offset 0 (dir_listing.h). */
#ifndef CORE_FS_DIR_FILE_H
#define CORE_FS_DIR_FILE_H

#include "core/file.h"
#include "core/fs/dir_listing.h"

struct mount;
struct dentry;

struct dir_file {
	struct file file;          /* first: a directory file is a file */
	struct dir_listing list;
};

/* Opens the directory (mnt, d) with open(2) flags. */
int dir_file_open(struct mount *mnt, struct dentry *d, uint32_t flags,
		  struct file **out);

extern const struct file_ops dir_file_ops;
extern const struct codec_type codec_type_dir_file;

#endif
