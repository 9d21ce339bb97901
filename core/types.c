/* Every object type a kernel image may hold: the registry the decoder
 * resolves type names against. A type missing here can't be restored. */
#include "core/epoll.h"
#include "core/eventfd.h"
#include "core/fdtable.h"
#include "core/fs/chardev.h"
#include "core/fs/dentry.h"
#include "core/fs/dir_file.h"
#include "core/fs/fs_context.h"
#include "core/fs/memfs.h"
#include "core/fs/memfs_file.h"
#include "core/fs/mount.h"
#include "core/fs/path_file.h"
#include "core/fs/procfs.h"
#include "core/fs/vfs.h"
#include "core/hostfile.h"
#include "core/kernel.h"
#include "core/memfile.h"
#include "core/pipe.h"
#include "core/mm.h"
#include "core/proc_timers.h"
#include "core/signalfd.h"
#include "core/task.h"
#include "core/timerfd.h"

static const struct codec_type *const kernel_types[] = {
	&codec_type_kernel,
	&codec_type_memfile,
	&codec_type_mm,
	&codec_type_task,
	&codec_type_thread_group,
	&codec_type_proc_timers,
	&codec_type_timerfd,
	&codec_type_fdtable,
	&codec_type_hostfile,
	&codec_type_vfs,
	&codec_type_mount,
	&codec_type_memfs_sb,
	&codec_type_dentry,
	&codec_type_memfs_inode,
	&codec_type_fs_context,
	&codec_type_memfs_file,
	&codec_type_dir_file,
	&codec_type_path_file,
	&codec_type_procfs_sb,
	&codec_type_procfs_inode,
	&codec_type_procfs_file,
	&codec_type_chardev_file,
	&codec_type_pipe,
	&codec_type_pipe_file,
	&codec_type_eventfd,
	&codec_type_epoll,
	&codec_type_signalfd,
};

const struct codec_registry kernel_registry = {
	kernel_types,
	sizeof(kernel_types) / sizeof(kernel_types[0]),
};
