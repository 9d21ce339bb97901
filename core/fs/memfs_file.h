/* Open regular files of a memfs: upper-layer data from memory pages,
 * lower-layer data read through a host fd opened lazily by path (and
 * reopened at restore, which checks the host file did not change). */
#ifndef CORE_FS_MEMFS_FILE_H
#define CORE_FS_MEMFS_FILE_H

#include <stdbool.h>

#include "core/file.h"

struct memfs_file {
	struct file file;          /* first: a memfs file is a file */
	int host_fd;               /* host-only: lower data, if host_open */
	bool host_open;
};

extern const struct file_ops memfs_file_ops;
extern const struct codec_type codec_type_memfs_file;

#endif
