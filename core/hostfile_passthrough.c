/* What host stdio files pass through to the host fd besides read and
 * write: fstat (so libc sees a terminal as a character device and
 * line-buffers stdout as it would natively), lseek, and the terminal
 * ioctls a program may use on its stdio. A host fd that is no terminal
 * answers ENOTTY itself, as Linux does. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fs/inode.h"
#include "core/hostfile.h"
#include "core/kernel.h"
#include "core/mm.h"
#include "core/task.h"
#include "core/tty.h"

static int host_fd(const struct file *f)
{
	const struct hostfile *h = (const struct hostfile *)f;
	return h->kernel->host_stdio[h->stream];
}

int hostfile_name(struct file *f, char *buf, size_t size)
{
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", host_fd(f));
	ssize_t n = readlink(link, buf, size);
	if (n < 0)
		return snprintf(buf, size, "anon_inode:[hostfile]");
	return (int)n;
}

int hostfile_truncate(struct file *f, uint64_t size)
{
	if (size > INT64_MAX)
		return -EINVAL;
	return ftruncate(host_fd(f), (off_t)size) < 0 ? -errno : 0;
}

int hostfile_stat(struct file *f, struct vfs_stat *st)
{
	struct stat hs;
	if (fstat(host_fd(f), &hs) < 0)
		return -errno;
	*st = (struct vfs_stat){
		.dev = hs.st_dev, .ino = hs.st_ino, .rdev = hs.st_rdev,
		.size = (uint64_t)hs.st_size, .blocks = (uint64_t)hs.st_blocks,
		.mode = hs.st_mode, .nlink = (uint32_t)hs.st_nlink,
		.uid = hs.st_uid, .gid = hs.st_gid,
		.blksize = (uint32_t)hs.st_blksize,
		.atime = hs.st_atim, .mtime = hs.st_mtim, .ctime = hs.st_ctim,
	};
	return 0;
}

int64_t hostfile_llseek(struct file *f, int64_t off, int whence)
{
	off_t r = lseek(host_fd(f), off, whence);
	return r < 0 ? -errno : r;
}

/* termios2 requests, numbered without struct termios2 (which glibc's
 * headers do not declare): _IOR/_IOW('T', 0x2a..0x2d, 44 bytes). */
#define K_TCGETS2  0x802c542au
#define K_TCSETS2  0x402c542bu
#define K_TCSETSW2 0x402c542cu
#define K_TCSETSF2 0x402c542du

/* The ioctls passed through, with the bytes each reads from (in) or
 * writes to (out) application memory; 0 and 0: the argument is a
 * value. Sizes are the kernel's structs (termios 36, termios2 44,
 * winsize 8). */
static const struct {
	unsigned cmd;
	uint8_t in, out;
} passthrough[] = {
	{ TCGETS, 0, 36 },   { TCSETS, 36, 0 },   { TCSETSW, 36, 0 },
	{ TCSETSF, 36, 0 },  { K_TCGETS2, 0, 44 }, { K_TCSETS2, 44, 0 },
	{ K_TCSETSW2, 44, 0 }, { K_TCSETSF2, 44, 0 }, { TIOCGWINSZ, 0, 8 },
	{ TIOCSWINSZ, 8, 0 }, { FIONREAD, 0, 4 }, { TCFLSH, 0, 0 },
	{ TCXONC, 0, 0 },    { TCSBRK, 0, 0 },    { TCSBRKP, 0, 0 },
};

/* Requests that change the terminal: a background process group is
 * sent SIGTTOU first (tty_check_change). */
static bool changes_terminal(unsigned cmd)
{
	return cmd == TCSETS || cmd == TCSETSW || cmd == TCSETSF ||
	       cmd == K_TCSETS2 || cmd == K_TCSETSW2 || cmd == K_TCSETSF2 ||
	       cmd == TCFLSH || cmd == TCXONC;
}

int64_t hostfile_ioctl(struct file *f, struct task *t, unsigned cmd,
		       uint64_t arg)
{
	/* Job control stays in the kernel (core/tty.c): the host's
	 * foreground group is the caller of snapctl's. */
	int64_t ret;
	if (tty_ioctl(t, host_fd(f), cmd, arg, &ret))
		return ret;
	if (changes_terminal(cmd) && (ret = tty_check_change(t, host_fd(f))))
		return ret;
	for (size_t i = 0; i < sizeof(passthrough) / sizeof(passthrough[0]);
	     i++) {
		if (passthrough[i].cmd != cmd)
			continue;
		uint8_t buf[64];
		size_t in = passthrough[i].in, out = passthrough[i].out;
		if (in && mm_copy_from(t->mm, buf, arg, in) < 0)
			return -EFAULT;
		int r = ioctl(host_fd(f), cmd, in || out ? (uintptr_t)buf
							 : (uintptr_t)arg);
		if (r < 0)
			return -errno;
		if (out && mm_copy_to(t->mm, arg, buf, out) < 0)
			return -EFAULT;
		return r;
	}
	return -ENOTTY;
}
