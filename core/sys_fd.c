/* Descriptors and their flags: dup, dup2, dup3, fcntl, ioctl, flock. */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "core/fdtable.h"
#include "core/file.h"
#include "core/fs/dentry.h"
#include "core/fs/inode.h"
#include "core/fs/lock.h"
#include "core/kernel.h"
#include "core/mm.h"
#include "core/pipe.h"
#include "core/sys_fs.h"
#include "core/syscall.h"
#include "core/task.h"
#include "core/waitq.h"

/* The status flags F_SETFL may change. */
#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME)

static int64_t dup_min(struct task *t, uint64_t oldfd, int64_t min,
		       bool cloexec)
{
	struct file *f = fd_file(t, oldfd);
	if (!f)
		return -EBADF;
	if (min < 0 || min >= FDTABLE_MAX)
		return -EINVAL;
	file_get(f);
	int fd = fdtable_install(t->files, f, (int)min, cloexec);
	if (fd < 0)
		file_put(f);
	return fd;
}

static int64_t dup_to(struct task *t, uint64_t oldfd, uint64_t newfd_arg,
		      bool cloexec)
{
	struct file *f = fd_file(t, oldfd);
	int newfd = int_arg(newfd_arg);
	if (!f)
		return -EBADF;
	if (newfd < 0 || newfd >= FDTABLE_MAX)
		return -EBADF;
	/* What was at newfd is closed as close(2) would. */
	if (fdtable_get(t->files, newfd))
		fd_close(t, newfd);
	struct file *old;
	file_get(f);
	int rc = fdtable_install_at(t->files, newfd, f, cloexec, &old);
	if (rc < 0) {
		file_put(f);
		return rc;
	}
	if (old)
		file_put(old);
	return newfd;
}

SYSCALL_DECL(dup)
{
	return dup_min(t, a[0], 0, false);
}

SYSCALL_DECL(dup2)
{
	if (int_arg(a[0]) == int_arg(a[1]))
		return fd_file(t, a[0]) ? int_arg(a[1]) : -EBADF;
	return dup_to(t, a[0], a[1], false);
}

SYSCALL_DECL(dup3)
{
	int flags = int_arg(a[2]);
	if ((flags & ~O_CLOEXEC) || int_arg(a[0]) == int_arg(a[1]))
		return -EINVAL;
	return dup_to(t, a[0], a[1], flags & O_CLOEXEC);
}

/* ---- record locks ---------------------------------------------------------- */

/* struct flock on x86-64. */
struct kflock {
	int16_t l_type, l_whence;
	int64_t l_start, l_len;
	int32_t l_pid;
};

/* The byte range [*start, *end] a struct flock describes for f. */
static int lock_range(struct file *f, const struct kflock *fl,
		      uint64_t *start, uint64_t *end)
{
	int64_t base;
	switch (fl->l_whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = f->pos; break;
	case SEEK_END: base = (int64_t)f->dentry->inode->size; break;
	default: return -EINVAL;
	}
	if ((fl->l_start > 0 && base > INT64_MAX - fl->l_start) ||
	    base + fl->l_start < 0)
		return -EINVAL;
	int64_t s = base + fl->l_start, len = fl->l_len;
	if (len > 0) {
		*start = (uint64_t)s;
		*end = len - 1 > INT64_MAX - s ? UINT64_MAX
					       : (uint64_t)(s + len - 1);
	} else if (len == 0) {
		*start = (uint64_t)s;
		*end = UINT64_MAX;
	} else {
		if (s + len < 0)
			return -EINVAL;
		*start = (uint64_t)(s + len);
		*end = (uint64_t)s - 1;
	}
	return 0;
}

/* Sleeps until some file lock changes (or a signal, a freeze): 0 to
 * try again, -ERESTARTSYS when interrupted, as Linux's lock waits. */
static int lock_wait(struct task *t)
{
	struct waiter w;
	waiter_init_task(&w, t);
	waitq_add(&t->kernel->lock_waiters, &w);
	int rc = task_block(t, -1, NULL, 0);
	waitq_remove(&w);
	return rc == -EINTR ? -ERESTARTSYS : 0;
}

/* Linux's posix_locks_deadlock: would pid waiting for owner close a
 * cycle of processes each waiting for the next one's lock? Followed
 * for at most 10 steps, as Linux does. */
static bool lock_deadlock(struct kernel *k, uint32_t pid, uint32_t owner)
{
	for (int step = 0; step < 10 && owner; step++) {
		if (owner == pid)
			return true;
		uint32_t next = 0;
		for (struct task *x = k->tasks; x && !next; x = x->next)
			if (x->tg->tgid == owner && x->state != TASK_EXITED)
				next = x->lock_wait_pid;
		owner = next;
	}
	return false;
}

/* F_SETLKW: sets the lock, waiting while another process's conflicts. */
static int64_t posix_lock_wait(struct task *t, struct file *f, int type,
			       uint64_t start, uint64_t end)
{
	struct inode *i = f->dentry->inode;
	uint32_t pid = t->tg->tgid;
	int rc;
	file_get(f);   /* another thread may close the fd meanwhile */
	while ((rc = lock_posix_set(i, pid, type, start, end)) == -EAGAIN) {
		const struct file_lock *l = lock_posix_test(i, pid, type,
							    start, end);
		if (l && lock_deadlock(t->kernel, pid, l->pid)) {
			rc = -EDEADLK;
			break;
		}
		t->lock_wait_pid = l ? l->pid : 0;
		rc = lock_wait(t);
		t->lock_wait_pid = 0;
		if (rc < 0)
			break;
	}
	file_put(f);
	return rc;
}

static int64_t fcntl_lock(struct task *t, struct file *f, int cmd,
			  uint64_t addr)
{
	struct kflock fl;
	if (!f->dentry || !f->dentry->inode || (f->flags & O_PATH))
		return -EBADF;
	if (mm_copy_from(t->mm, &fl, addr, sizeof(fl)) < 0)
		return -EFAULT;
	uint64_t start, end;
	int rc = lock_range(f, &fl, &start, &end);
	if (rc < 0)
		return rc;
	struct inode *i = f->dentry->inode;
	uint32_t acc = f->flags & O_ACCMODE, pid = t->tg->tgid;
	if (fl.l_type != F_RDLCK && fl.l_type != F_WRLCK &&
	    fl.l_type != F_UNLCK)
		return -EINVAL;
	if (cmd == F_GETLK) {
		if (fl.l_type == F_UNLCK)
			return -EINVAL;
		const struct file_lock *l = lock_posix_test(i, pid, fl.l_type,
							    start, end);
		if (!l) {
			fl.l_type = F_UNLCK;
		} else {
			fl = (struct kflock){
				.l_type = (int16_t)l->type,
				.l_whence = SEEK_SET,
				.l_start = (int64_t)l->start,
				.l_len = l->end == UINT64_MAX
					 ? 0 : (int64_t)(l->end - l->start + 1),
				.l_pid = (int32_t)l->pid,
			};
		}
		return mm_copy_to(t->mm, addr, &fl, sizeof(fl)) < 0 ? -EFAULT
								    : 0;
	}
	if ((fl.l_type == F_RDLCK && acc == O_WRONLY) ||
	    (fl.l_type == F_WRLCK && acc == O_RDONLY))
		return -EBADF;
	if (cmd == F_SETLKW)
		return posix_lock_wait(t, f, fl.l_type, start, end);
	return lock_posix_set(i, pid, fl.l_type, start, end);
}

SYSCALL_DECL(fcntl)
{
	struct file *f = fd_file(t, a[0]);
	int cmd = int_arg(a[1]);
	if (!f)
		return -EBADF;
	int fd = int_arg(a[0]);
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		return dup_min(t, a[0], (int64_t)int_arg(a[2]),
			       cmd == F_DUPFD_CLOEXEC);
	case F_GETFD:
		return fdtable_cloexec(t->files, fd) ? FD_CLOEXEC : 0;
	case F_SETFD:
		fdtable_set_cloexec(t->files, fd, a[2] & FD_CLOEXEC);
		return 0;
	case F_GETFL:
		return f->flags;
	case F_SETFL:
		if (f->flags & O_PATH)
			return -EBADF;
		f->flags = (f->flags & ~(uint32_t)SETFL_MASK) |
			   ((uint32_t)a[2] & SETFL_MASK);
		return 0;
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
		return fcntl_lock(t, f, cmd, a[2]);
	case F_GETPIPE_SZ:
	case F_SETPIPE_SZ:
		return pipe_fcntl(t, f, cmd, a[2]);
	default:
		return -EINVAL;
	}
}

/* ---- ioctl and flock ------------------------------------------------------- */

static int64_t set_flag_from_int(struct task *t, struct file *f,
				 uint64_t addr, uint32_t flag)
{
	int v;
	if (mm_copy_from(t->mm, &v, addr, sizeof(v)) < 0)
		return -EFAULT;
	f->flags = v ? f->flags | flag : f->flags & ~flag;
	return 0;
}

SYSCALL_DECL(ioctl)
{
	struct file *f = fd_file_io(t, a[0]);
	unsigned cmd = (unsigned)a[1];
	if (!f)
		return -EBADF;
	switch (cmd) {
	case FIOCLEX:
	case FIONCLEX:
		fdtable_set_cloexec(t->files, int_arg(a[0]), cmd == FIOCLEX);
		return 0;
	case FIONBIO:
		return set_flag_from_int(t, f, a[2], O_NONBLOCK);
	case FIOASYNC:
		return set_flag_from_int(t, f, a[2], O_ASYNC);
	case FIONREAD:
		if (f->ops->nread) {
			int64_t n = f->ops->nread(f);
			int v = n > INT32_MAX ? INT32_MAX : (int)n;
			return mm_copy_to(t->mm, a[2], &v, sizeof(v)) < 0
				       ? -EFAULT : 0;
		}
		break;
	}
	return f->ops->ioctl ? f->ops->ioctl(f, t, cmd, a[2]) : -ENOTTY;
}

SYSCALL_DECL(flock)
{
	struct file *f = fd_file_io(t, a[0]);
	if (!f)
		return -EBADF;
	if (!f->dentry || !f->dentry->inode)
		return -EINVAL;
	int op = int_arg(a[1]);
	int rc = lock_flock(f->dentry->inode, f, op);
	if (rc != -EWOULDBLOCK || (op & LOCK_NB))
		return rc;
	file_get(f);
	while (rc == -EWOULDBLOCK && (rc = lock_wait(t)) == 0)
		rc = lock_flock(f->dentry->inode, f, op);
	file_put(f);
	return rc;
}
