/* /proc, /sys and /dev (core/fs/procfs*.c, devfs.c, chardev.c): what
 * they show for a task, their links (self, fd/N as magic links), device
 * nodes by number (mknod'ed ones too, not on nodev mounts), and that a
 * kernel holding open procfs files, device files, a procfs cwd and
 * cached procfs dentries round-trips exactly and restores into files
 * that continue where they were. */
#include <errno.h>
#include <sys/sysmacros.h>

#include "core/fs/dentry.h"
#include "core/fs/fs_context.h"
#include "core/fs/namei.h"
#include "core/fs/procfs.h"
#include "core/hostfile.h"
#include "tests/unit/fs_fixture.h"

static struct fs_fixture fx;
static struct error err;

static int open_fd(const char *path, uint32_t flags, int fd)
{
	struct file *f;
	int rc = vfs_open(fx.t, AT_FDCWD, path, flags, 0644, &f);
	if (rc < 0)
		return rc;
	return fdtable_install(fx.t->files, f, fd, false);
}

static int readlink_s(const char *path, char *buf, size_t size)
{
	int n = vfs_readlink(fx.t, AT_FDCWD, path, buf, size - 1);
	buf[n < 0 ? 0 : n] = 0;
	return n;
}

TEST(proc_shows_the_task)
{
	CHECK_EQ(fx_setup(&fx, __func__), 0);
	char buf[4096];
	CHECK(fx_read(&fx, "/proc/self/status", buf, sizeof(buf)) > 0);
	CHECK(strstr(buf, "\nPid:\t1\n") && strstr(buf, "\nPPid:\t0\n"));
	CHECK_EQ(fx_read(&fx, "/proc/1/stat", buf, sizeof(buf)) > 0, 1);
	CHECK(!strncmp(buf, "1 (", 3));
	CHECK_EQ(readlink_s("/proc/self", buf, sizeof(buf)), 1);
	CHECK(!strcmp(buf, "1"));
	CHECK_EQ(readlink_s("/proc/thread-self", buf, sizeof(buf)), 8);
	CHECK(!strcmp(buf, "1/task/1"));
	CHECK_EQ(readlink_s("/proc/mounts", buf, sizeof(buf)), 11);
	CHECK(fx_read(&fx, "/proc/mounts", buf, sizeof(buf)) > 0);
	CHECK(strstr(buf, "proc /proc proc rw,nosuid,nodev,noexec"));
	CHECK(strstr(buf, "devtmpfs /dev tmpfs rw,nosuid"));
	CHECK(strstr(buf, "tmpfs /dev/shm tmpfs"));
	CHECK(fx_read(&fx, "/sys/devices/system/cpu/online", buf,
		      sizeof(buf)) > 0);
	CHECK(buf[0] == '0');
	struct vfs_stat st;
	CHECK_EQ(vfs_stat(fx.t, AT_FDCWD, "/sys/devices/system/cpu/cpu0", 0,
			  &st), 0);
	CHECK_EQ(vfs_stat(fx.t, AT_FDCWD, "/proc/2", 0, &st), -ENOENT);
	CHECK_EQ(vfs_stat(fx.t, AT_FDCWD, "/proc/self/fd/9", 0, &st), -ENOENT);
	CHECK_EQ(vfs_mknod(fx.t, AT_FDCWD, "/proc/x", S_IFDIR | 0755, 0),
		 -ENOENT);
	CHECK_EQ(vfs_unlink(fx.t, AT_FDCWD, "/proc/self/stat"), -EPERM);
	struct file *f;
	CHECK_EQ(vfs_open(fx.t, AT_FDCWD, "/proc/new", O_CREAT | O_WRONLY, 0,
			  &f), -ENOENT);
	fx_teardown(&fx);
}

TEST(fd_links_lead_to_the_open_file)
{
	CHECK_EQ(fx_setup(&fx, __func__), 0);
	CHECK_EQ(fx_write(&fx, "/tmp/f", "data", 0), 0);
	CHECK_EQ(open_fd("/tmp/f", O_RDONLY, 3), 3);
	char buf[256];
	CHECK_EQ(readlink_s("/proc/self/fd/3", buf, sizeof(buf)), 6);
	CHECK(!strcmp(buf, "/tmp/f"));
	CHECK_EQ(fx_read(&fx, "/proc/self/fd/3", buf, sizeof(buf)), 4);
	CHECK(!strcmp(buf, "data"));
	/* Removed, still reachable through the fd. */
	CHECK_EQ(vfs_unlink(fx.t, AT_FDCWD, "/tmp/f"), 0);
	CHECK_EQ(readlink_s("/proc/self/fd/3", buf, sizeof(buf)), 16);
	CHECK(!strcmp(buf, "/tmp/f (deleted)"));
	CHECK_EQ(fx_read(&fx, "/dev/fd/3", buf, sizeof(buf)), 4);
	CHECK(fx_read(&fx, "/proc/self/fdinfo/3", buf, sizeof(buf)) > 0);
	CHECK(!strncmp(buf, "pos:\t0\nflags:\t0100000\n", 22));
	/* The host stdio passthrough has no path: the link leads to the
	 * open file itself. */
	struct file *out = hostfile_open(fx.k, 1);
	fdtable_install(fx.t->files, out, 1, false);
	struct file *f;
	CHECK_EQ(vfs_open(fx.t, AT_FDCWD, "/proc/self/fd/1", O_WRONLY, 0, &f),
		 0);
	CHECK(f == out);
	file_put(f);
	CHECK(readlink_s("/proc/self/fd/1", buf, sizeof(buf)) > 0);
	/* cwd and root are links to directories. */
	CHECK_EQ(fx_write(&fx, "/proc/self/cwd/tmp/g", "x", 0), 0);
	CHECK_EQ(fx_read(&fx, "/tmp/g", buf, sizeof(buf)), 1);
	fx_teardown(&fx);
}

TEST(device_nodes_by_number)
{
	CHECK_EQ(fx_setup(&fx, __func__), 0);
	struct vfs_stat st;
	CHECK_EQ(vfs_stat(fx.t, AT_FDCWD, "/dev/full", WALK_FOLLOW, &st), 0);
	CHECK(S_ISCHR(st.mode) && st.rdev == makedev(1, 7) &&
	      (st.mode & 0777) == 0666);
	struct file *f;
	char buf[8] = "xxxxxxx";
	CHECK_EQ(vfs_open(fx.t, AT_FDCWD, "/dev/full", O_RDWR, 0, &f), 0);
	CHECK_EQ(f->ops->write(f, fx.t, "a", 1), -ENOSPC);
	CHECK_EQ(f->ops->read(f, fx.t, buf, 4), 4);
	CHECK(!memcmp(buf, "\0\0\0\0xxx", 7));
	file_put(f);
	CHECK_EQ(vfs_mknod(fx.t, AT_FDCWD, "/data/null", S_IFCHR | 0666,
			   makedev(1, 3)), 0);
	CHECK_EQ(vfs_open(fx.t, AT_FDCWD, "/data/null", O_RDWR, 0, &f), 0);
	CHECK_EQ(f->ops->read(f, fx.t, buf, 4), 0);
	CHECK_EQ(f->ops->write(f, fx.t, "abc", 3), 3);
	file_put(f);
	CHECK_EQ(vfs_mknod(fx.t, AT_FDCWD, "/dev/shm/null", S_IFCHR | 0666,
			   makedev(1, 3)), 0);
	CHECK_EQ(vfs_open(fx.t, AT_FDCWD, "/dev/shm/null", O_RDWR, 0, &f),
		 -EACCES);
	CHECK_EQ(vfs_mknod(fx.t, AT_FDCWD, "/data/what", S_IFCHR | 0666,
			   makedev(42, 42)), 0);
	CHECK_EQ(vfs_open(fx.t, AT_FDCWD, "/data/what", O_RDWR, 0, &f),
		 -ENXIO);
	CHECK_EQ(fx_write(&fx, "/dev/shm/file", "shm", 0), 0);
	fx_teardown(&fx);
}

/* A kernel with procfs and device state: open /proc files (one half
 * read), /dev/zero, an open /proc directory, cwd in /proc/self/fd. */
static int populate(const char *name)
{
	if (fx_setup(&fx, name) < 0)
		return -1;
	char buf[16];
	if (fx_write(&fx, "/tmp/f", "data", 0) < 0 ||
	    open_fd("/tmp/f", O_RDONLY, 3) != 3 ||
	    open_fd("/proc/self/status", O_RDONLY, 4) != 4 ||
	    open_fd("/dev/zero", O_RDONLY, 5) != 5 ||
	    open_fd("/proc", O_RDONLY | O_DIRECTORY, 6) != 6 ||
	    open_fd("/sys/devices/system/cpu/possible", O_RDONLY, 7) != 7)
		return -1;
	struct file *f = fdtable_get(fx.t->files, 4);
	if (f->ops->read(f, fx.t, buf, 5) != 5)
		return -1;
	struct path p;
	if (namei(fx.t, AT_FDCWD, "/proc/self/fd", WALK_FOLLOW, &p) < 0)
		return -1;
	vfs_chdir(fx.t, &p);
	path_put(&p);
	return 0;
}

TEST(procfs_round_trip_is_exact)
{
	CHECK(fx_round_trips(&fx, populate(__func__), &err));
}

TEST(procfs_files_continue_after_restore)
{
	int rc = populate(__func__);
	char before[4096];
	struct file *f = fx.k ? fdtable_get(fx.t->files, 4) : NULL;
	CHECK(f && f->ops->pread(f, fx.t, before, sizeof(before) - 1, 0) > 0);
	f->pos = 5;
	void *img = NULL;
	size_t len = 0;
	if (rc == 0)
		rc = codec_encode(&codec_type_kernel, fx.k, &img, &len, &err);
	struct memfile *mf = fx.k->memfile;
	uint64_t npages = mf->end_page;
	uint8_t *pages = malloc(npages * PAGE_SIZE + 1);
	memcpy(pages, mf->base, npages * PAGE_SIZE);
	fx_teardown(&fx);
	CHECK(rc == 0);
	struct kernel_restore r = { NULL, NULL };
	void *root = NULL;
	rc = codec_decode(&kernel_registry, &codec_type_kernel, img, len, &r, 0,
			  &root, &err);
	free(img);
	if (rc < 0)
		fprintf(stderr, "%s\n", err.msg);
	CHECK(rc == 0);
	fx.k = root;
	memcpy(fx.k->memfile->base, pages, npages * PAGE_SIZE);
	free(pages);
	fx.t = fx.k->tasks;
	char buf[4096];
	f = fdtable_get(fx.t->files, 4);
	int64_t n = f->ops->read(f, fx.t, buf, sizeof(buf) - 1);
	CHECK(n > 0 && !memcmp(buf, before + 5, (size_t)n));
	f = fdtable_get(fx.t->files, 5);
	buf[0] = 1;
	CHECK(f->ops->read(f, fx.t, buf, 8) == 8 && buf[0] == 0);
	f = fdtable_get(fx.t->files, 6);
	CHECK(f->ops->getdents(f, buf, sizeof(buf)) > 0);
	/* cwd is /proc/1/fd: the links there work. */
	CHECK_EQ(readlink_s("3", buf, sizeof(buf)), 6);
	CHECK(!strcmp(buf, "/tmp/f"));
	CHECK_EQ(fx_read(&fx, "3", buf, sizeof(buf)), 4);
	fx_teardown(&fx);
}

TEST(malformed_procfs_encodings_fail_cleanly)
{
	int rc = populate(__func__);
	void *img = NULL;
	size_t len = 0;
	if (rc == 0)
		rc = codec_encode(&codec_type_kernel, fx.k, &img, &len, &err);
	fx_teardown(&fx);
	CHECK(rc == 0);
	for (size_t cut = 0; cut < len; cut += 13) {
		struct kernel_restore r = { NULL, NULL };
		void *root = NULL;
		CHECK(codec_decode(&kernel_registry, &codec_type_kernel, img, cut,
				   &r, 0, &root, &err) < 0 && root == NULL);
	}
	free(img);
}
