/* pipe and pipe2 (the pipe itself is in pipe.c). */
#include <errno.h>
#include <fcntl.h>

#include "core/fdtable.h"
#include "core/mm.h"
#include "core/pipe.h"
#include "core/sys_fs.h"
#include "core/syscall.h"
#include "core/syscalls_poll.h"
#include "core/task.h"

/* Linux 5.8's watch-queue pipes, not in every installed header. */
#ifndef O_NOTIFICATION_PIPE
#define O_NOTIFICATION_PIPE O_EXCL
#endif

static int64_t do_pipe2(struct task *t, uint64_t addr, uint32_t flags)
{
	if (flags & ~(uint32_t)(O_CLOEXEC | O_NONBLOCK | O_DIRECT |
				O_NOTIFICATION_PIPE))
		return -EINVAL;
	/* Packet mode (O_DIRECT) and notification pipes are not
	 * implemented: refused, never faked. */
	if (flags & (O_DIRECT | O_NOTIFICATION_PIPE))
		return -EINVAL;
	struct file *rd, *wr;
	int rc = pipe_create(t, flags, &rd, &wr);
	if (rc < 0)
		return rc;
	bool cloexec = flags & O_CLOEXEC;
	int fds[2] = { fdtable_install(t->files, rd, 0, cloexec), -1 };
	if (fds[0] < 0) {
		file_put(rd);
		file_put(wr);
		return fds[0];
	}
	fds[1] = fdtable_install(t->files, wr, 0, cloexec);
	if (fds[1] < 0) {
		file_put(wr);
		fdtable_close(t->files, fds[0]);
		return fds[1];
	}
	if (mm_copy_to(t->mm, addr, fds, sizeof(fds)) < 0) {
		/* Linux installs the fds only once the copy succeeded. */
		fdtable_close(t->files, fds[0]);
		fdtable_close(t->files, fds[1]);
		return -EFAULT;
	}
	return 0;
}

SYSCALL_DECL(pipe)
{
	return do_pipe2(t, a[0], 0);
}

SYSCALL_DECL(pipe2)
{
	return do_pipe2(t, a[0], (uint32_t)a[1]);
}
