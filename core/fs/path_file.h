/* O_PATH files: a path held open, for *at() calls, fstat, fchdir, and
 * nothing that touches data. */
#ifndef CORE_FS_PATH_FILE_H
#define CORE_FS_PATH_FILE_H

#include "core/file.h"

struct mount;
struct dentry;

int path_file_open(struct mount *mnt, struct dentry *d, uint32_t flags,
		   struct file **out);

extern const struct file_ops path_file_ops;
extern const struct codec_type codec_type_path_file;

#endif
