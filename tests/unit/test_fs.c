/* Unit tests for core/fs: path walking, the overlay (copy-up, whiteouts,
 * opaque directories, rename and link over lower files), tmpfs, file
 * pages, permissions and locks -- through the VFS operations the system
 * calls use, on a kernel without a platform. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <sys/file.h>

#include "core/fs/dentry.h"
#include "core/fs/filepages.h"
#include "core/fs/fs_context.h"
#include "core/fs/lock.h"
#include "core/fs/memfs.h"
#include "core/fs/namei.h"
#include "tests/unit/fs_fixture.h"

static struct fs_fixture fx;

#define SETUP()                                                           \
	do {                                                               \
		if (fx_setup(&fx, __func__) < 0) {                          \
			fx_teardown(&fx);                                  \
			harness_fail(__FILE__, __LINE__, "setup failed");  \
			return;                                            \
		}                                                          \
	} while (0)

static int stat_mode(const char *path, unsigned flags, uint32_t *mode)
{
	struct vfs_stat st;
	int rc = vfs_stat(fx.t, AT_FDCWD, path, flags, &st);
	if (rc == 0 && mode)
		*mode = st.mode;
	return rc;
}

static int exists(const char *path)
{
	return stat_mode(path, 0, NULL);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a directory, sorted, "." and ".." left out, joined with
 * spaces into out; or -errno. Reads with a small buffer, so several
 * getdents calls are made. */
static int list_dir(const char *path, char *out, size_t size)
{
	struct file *f;
	int rc = vfs_open(fx.t, AT_FDCWD, path, O_RDONLY | O_DIRECTORY, 0, &f);
	if (rc < 0)
		return rc;
	char *names[256];
	int n = 0;
	/* Small on purpose: several getdents calls per directory. */
	uint64_t buf[8];
	int64_t got;
	while ((got = f->ops->getdents(f, buf, sizeof(buf))) > 0) {
		for (int64_t at = 0; at < got;) {
			const char *rec = (const char *)buf + at;
			uint16_t reclen;
			memcpy(&reclen, rec + 16, 2);
			const char *name = rec + 19;
			if (strcmp(name, ".") && strcmp(name, "..") && n < 256)
				names[n++] = strdup(name);
			at += reclen;
		}
	}
	file_put(f);
	qsort(names, (size_t)n, sizeof(names[0]), cmp_str);
	out[0] = 0;
	for (int i = 0; i < n; i++) {
		if (i)
			strncat(out, " ", size - strlen(out) - 1);
		strncat(out, names[i], size - strlen(out) - 1);
		free(names[i]);
	}
	return got < 0 ? (int)got : n;
}

/* ---- path walk ---------------------------------------------------------- */

TEST(walk_absolute_relative_dot_dotdot)
{
	SETUP();
	char buf[64];
	CHECK_EQ(fx_read(&fx, "/etc/hostname", buf, sizeof(buf)), 10);
	CHECK(!strcmp(buf, "lowerhost\n"));
	CHECK_EQ(fx_read(&fx, "/data/../etc/./hostname", buf, sizeof(buf)), 10);
	CHECK_EQ(fx_read(&fx, "/../../etc//hostname", buf, sizeof(buf)), 10);
	struct path p;
	CHECK_EQ(namei(fx.t, AT_FDCWD, "/data", WALK_FOLLOW, &p), 0);
	CHECK_EQ(vfs_chdir(fx.t, &p), 0);
	path_put(&p);
	CHECK_EQ(fx_read(&fx, "a.txt", buf, sizeof(buf)), 6);
	CHECK_EQ(fx_read(&fx, "sub/../b.txt", buf, sizeof(buf)), 6);
	CHECK(!strcmp(buf, "bravo\n"));
	CHECK_EQ(fx_read(&fx, "../../../etc/passwd", buf, sizeof(buf)), 11);
	char cwd[64];
	CHECK_EQ(vfs_path_name(fx.t, &fx.t->fs->cwd, cwd, sizeof(cwd)), 6);
	CHECK(!strcmp(cwd, "/data"));
	fx_teardown(&fx);
}

TEST(walk_errors)
{
	SETUP();
	char buf[64], longname[300];
	CHECK_EQ(exists("/nope"), -ENOENT);
	CHECK_EQ(exists("/etc/hostname/x"), -ENOTDIR);
	CHECK_EQ(exists("/etc/hostname/"), -ENOTDIR);
	CHECK_EQ(exists("/data/sub/"), 0);
	memset(longname, 'x', 256);
	longname[0] = '/';
	longname[257] = 0;
	memset(longname + 1, 'x', 256);
	CHECK_EQ(exists(longname), -ENAMETOOLONG);
	CHECK_EQ(exists(""), -ENOENT);
	CHECK_EQ(fx_read(&fx, "/data", buf, sizeof(buf)), -EISDIR);
	fx_teardown(&fx);
}

TEST(walk_symlinks)
{
	SETUP();
	char buf[64];
	uint32_t mode;
	CHECK_EQ(fx_read(&fx, "/data/link-a", buf, sizeof(buf)), 6);
	CHECK(!strcmp(buf, "alpha\n"));
	/* An absolute target resolves from the sandbox root (the lower
	 * layer), not the host's. */
	CHECK_EQ(fx_read(&fx, "/data/abs-link", buf, sizeof(buf)), 10);
	CHECK(!strcmp(buf, "lowerhost\n"));
	CHECK_EQ(stat_mode("/data/link-a", 0, &mode), 0);
	CHECK(S_ISLNK(mode));
	CHECK_EQ(stat_mode("/data/link-a", WALK_FOLLOW, &mode), 0);
	CHECK(S_ISREG(mode));
	CHECK_EQ(exists("/data/loop"), 0);
	CHECK_EQ(stat_mode("/data/loop", WALK_FOLLOW, NULL), -ELOOP);
	CHECK_EQ(stat_mode("/data/dangling", WALK_FOLLOW, NULL), -ENOENT);
	struct file *f;
	CHECK_EQ(vfs_open(fx.t, AT_FDCWD, "/data/link-a", O_RDONLY | O_NOFOLLOW,
			  0, &f), -ELOOP);
	CHECK_EQ(vfs_open(fx.t, AT_FDCWD, "/data/link-a",
			  O_PATH | O_NOFOLLOW, 0, &f), 0);
	CHECK(S_ISLNK(f->dentry->inode->mode));
	file_put(f);
	CHECK_EQ(vfs_readlink(fx.t, AT_FDCWD, "/data/abs-link", buf, 64), 13);
	CHECK(!memcmp(buf, "/etc/hostname", 13));
	CHECK_EQ(vfs_readlink(fx.t, AT_FDCWD, "/data/a.txt", buf, 64), -EINVAL);
	/* A chain of 41 links is one too many. */
	for (int i = 0; i < 41; i++) {
		char name[32], target[32];
		snprintf(name, sizeof(name), "/tmp/l%d", i);
		snprintf(target, sizeof(target), i < 40 ? "l%d" : "/etc/passwd",
			 i + 1);
		CHECK_EQ(vfs_symlink(fx.t, target, AT_FDCWD, name), 0);
	}
	CHECK_EQ(stat_mode("/tmp/l1", WALK_FOLLOW, NULL), 0);
	CHECK_EQ(stat_mode("/tmp/l0", WALK_FOLLOW, NULL), -ELOOP);
	/* A trailing slash follows a link to a directory. */
	CHECK_EQ(vfs_symlink(fx.t, "/data", AT_FDCWD, "/tmp/dl"), 0);
	CHECK_EQ(stat_mode("/tmp/dl/", 0, &mode), 0);
	CHECK(S_ISDIR(mode));
	fx_teardown(&fx);
}

TEST(walk_mounts_and_dirfd)
{
	SETUP();
	CHECK_EQ(fx_write(&fx, "/tmp/x", "in tmpfs", 0), 0);
	struct vfs_stat tmp, root, x;
	CHECK_EQ(vfs_stat(fx.t, AT_FDCWD, "/tmp", WALK_FOLLOW, &tmp), 0);
	CHECK_EQ(vfs_stat(fx.t, AT_FDCWD, "/", WALK_FOLLOW, &root), 0);
	CHECK_EQ(vfs_stat(fx.t, AT_FDCWD, "/tmp/x", WALK_FOLLOW, &x), 0);
	CHECK(tmp.dev != root.dev && x.dev == tmp.dev);
	CHECK_EQ(tmp.mode, S_IFDIR | 01777);
	/* ".." of a mount root crosses back to the mountpoint's parent. */
	struct vfs_stat up;
	CHECK_EQ(vfs_stat(fx.t, AT_FDCWD, "/tmp/..", WALK_FOLLOW, &up), 0);
	CHECK(up.dev == root.dev && up.ino == root.ino);
	/* The host's /tmp under the lower layer is hidden by the mount. */
	char host[1024];
	snprintf(host, sizeof(host), "%s/tmp/x", fx.lower);
	CHECK(access(host, F_OK) < 0);
	struct file *d;
	CHECK_EQ(vfs_open(fx.t, AT_FDCWD, "/data", O_RDONLY | O_DIRECTORY, 0,
			  &d), 0);
	int fd = fdtable_install(fx.t->files, d, 3, false);
	CHECK_EQ(fd, 3);
	CHECK_EQ(vfs_stat(fx.t, fd, "sub/c.txt", 0, &x), 0);
	CHECK_EQ(x.size, 8);
	struct file *f;
	CHECK_EQ(vfs_open(fx.t, AT_FDCWD, "/etc/passwd", O_RDONLY, 0, &f), 0);
	CHECK_EQ(fdtable_install(fx.t->files, f, 4, false), 4);
	CHECK_EQ(vfs_stat(fx.t, 4, "x", 0, &x), -ENOTDIR);
	CHECK_EQ(vfs_stat(fx.t, 9, "x", 0, &x), -EBADF);
	fx_teardown(&fx);
}

TEST(permissions_by_uid_and_mode)
{
	SETUP();
	char buf[64];
	CHECK_EQ(fx_write(&fx, "/tmp/mine", "x", 0), 0);
	CHECK_EQ(fx_write(&fx, "/tmp/locked", "x", 0), 0);
	struct path p;
	CHECK_EQ(namei(fx.t, AT_FDCWD, "/tmp/locked", 0, &p), 0);
	CHECK_EQ(vfs_chmod(fx.t, &p, 0), 0);
	/* root reads and writes anything, but executes only x files. */
	fx_become(&fx, 0, 0);
	CHECK_EQ(fx_read(&fx, "/tmp/locked", buf, sizeof(buf)), 1);
	CHECK_EQ(vfs_access(fx.t, AT_FDCWD, "/tmp/locked", X_OK, 0, true),
		 -EACCES);
	CHECK_EQ(fx_read(&fx, "/private/secret", buf, sizeof(buf)), 2);
	fx_become(&fx, 1000, 1000);
	CHECK_EQ(fx_read(&fx, "/tmp/locked", buf, sizeof(buf)), -EACCES);
	CHECK_EQ(fx_read(&fx, "/private/secret", buf, sizeof(buf)), -EACCES);
	CHECK_EQ(fx_write(&fx, "/etc/new", "x", 0), -EACCES);
	CHECK_EQ(vfs_chmod(fx.t, &p, 0644), -EPERM);
	/* In sticky /tmp, others' files can't be removed or renamed. */
	CHECK_EQ(vfs_unlink(fx.t, AT_FDCWD, "/tmp/mine"), -EPERM);
	CHECK_EQ(fx_write(&fx, "/tmp/users", "u", 0), 0);
	CHECK_EQ(vfs_unlink(fx.t, AT_FDCWD, "/tmp/users"), 0);
	fx_become(&fx, 0, 0);
	CHECK_EQ(vfs_chown(fx.t, &p, 1000, 1000), 0);
	fx_become(&fx, 1000, 1000);
	CHECK_EQ(vfs_chmod(fx.t, &p, 0600), 0);
	CHECK_EQ(fx_read(&fx, "/tmp/locked", buf, sizeof(buf)), 1);
	CHECK_EQ(vfs_chown(fx.t, &p, 0, (uint32_t)-1), -EPERM);
	path_put(&p);
	/* umask applies to new files. */
	fx.t->fs->umask = 077;
	CHECK_EQ(fx_write(&fx, "/tmp/masked", "m", 0), 0);
	uint32_t mode;
	CHECK_EQ(stat_mode("/tmp/masked", 0, &mode), 0);
	CHECK_EQ(mode, S_IFREG | 0600);
	fx_teardown(&fx);
}

/* ---- the overlay ---------------------------------------------------------- */

TEST(overlay_copy_up_never_writes_lower)
{
	SETUP();
	char buf[64];
	CHECK_EQ(fx_write(&fx, "/data/a.txt", "ALPHA!\n", O_TRUNC), 0);
	CHECK_EQ(fx_read(&fx, "/data/a.txt", buf, sizeof(buf)), 7);
	CHECK(!strcmp(buf, "ALPHA!\n"));
	CHECK_EQ(host_read(&fx, "data/a.txt", buf, sizeof(buf)), 6);
	CHECK(!strcmp(buf, "alpha\n"));
	/* Append to a lower file: its data comes along. */
	CHECK_EQ(fx_write(&fx, "/data/b.txt", "more\n", O_APPEND), 0);
	CHECK_EQ(fx_read(&fx, "/data/b.txt", buf, sizeof(buf)), 11);
	CHECK(!strcmp(buf, "bravo\nmore\n"));
	CHECK_EQ(host_read(&fx, "data/b.txt", buf, sizeof(buf)), 6);
	/* chmod and truncate of lower files stay in the sandbox. */
	struct path p;
	CHECK_EQ(namei(fx.t, AT_FDCWD, "/etc/passwd", 0, &p), 0);
	CHECK_EQ(vfs_chmod(fx.t, &p, 0600), 0);
	CHECK_EQ(vfs_truncate(fx.t, &p, 4), 0);
	path_put(&p);
	uint32_t mode;
	CHECK_EQ(stat_mode("/etc/passwd", 0, &mode), 0);
	CHECK_EQ(mode, S_IFREG | 0600);
	CHECK_EQ(fx_read(&fx, "/etc/passwd", buf, sizeof(buf)), 4);
	CHECK_EQ(host_read(&fx, "etc/passwd", buf, sizeof(buf)), 11);
	struct stat hs;
	char host[1024];
	snprintf(host, sizeof(host), "%s/etc/passwd", fx.lower);
	CHECK(stat(host, &hs) == 0 && (hs.st_mode & 07777) == 0644);
	/* The changes survive the dentry cache letting go of the entry. */
	CHECK_EQ(fx_read(&fx, "/etc/passwd", buf, sizeof(buf)), 4);
	fx_teardown(&fx);
}

TEST(overlay_whiteouts_hide_lower_entries)
{
	SETUP();
	char names[256];
	CHECK_EQ(vfs_unlink(fx.t, AT_FDCWD, "/data/a.txt"), 0);
	CHECK_EQ(exists("/data/a.txt"), -ENOENT);
	CHECK_EQ(host_read(&fx, "data/a.txt", names, sizeof(names)), 6);
	CHECK_EQ(list_dir("/data", names, sizeof(names)), 6);
	CHECK(!strcmp(names, "abs-link b.txt dangling link-a loop sub"));
	CHECK_EQ(vfs_unlink(fx.t, AT_FDCWD, "/data/a.txt"), -ENOENT);
	/* The link to it now dangles. */
	CHECK_EQ(stat_mode("/data/link-a", WALK_FOLLOW, NULL), -ENOENT);
	/* A new file in its place is the upper layer's. */
	CHECK_EQ(fx_write(&fx, "/data/a.txt", "new\n", O_EXCL), 0);
	CHECK_EQ(fx_read(&fx, "/data/a.txt", names, sizeof(names)), 4);
	CHECK_EQ(list_dir("/data", names, sizeof(names)), 7);
	/* rmdir needs the merged directory empty. */
	CHECK_EQ(vfs_rmdir(fx.t, AT_FDCWD, "/data/sub"), -ENOTEMPTY);
	CHECK_EQ(vfs_unlink(fx.t, AT_FDCWD, "/data/sub/c.txt"), 0);
	CHECK_EQ(vfs_rmdir(fx.t, AT_FDCWD, "/data/sub"), 0);
	CHECK_EQ(exists("/data/sub"), -ENOENT);
	/* A directory made in its place is opaque: c.txt stays hidden. */
	CHECK_EQ(vfs_mknod(fx.t, AT_FDCWD, "/data/sub", S_IFDIR | 0755, 0), 0);
	CHECK_EQ(list_dir("/data/sub", names, sizeof(names)), 0);
	CHECK_EQ(exists("/data/sub/c.txt"), -ENOENT);
	char host[1024];
	snprintf(host, sizeof(host), "%s/data/sub/c.txt", fx.lower);
	CHECK(access(host, F_OK) == 0);
	fx_teardown(&fx);
}

TEST(overlay_rename_and_link_lower_files)
{
	SETUP();
	char buf[64], names[256];
	CHECK_EQ(vfs_rename(fx.t, AT_FDCWD, "/data/a.txt", AT_FDCWD,
			    "/data/b.txt", 0), 0);
	CHECK_EQ(fx_read(&fx, "/data/b.txt", buf, sizeof(buf)), 6);
	CHECK(!strcmp(buf, "alpha\n"));
	CHECK_EQ(exists("/data/a.txt"), -ENOENT);
	/* A lower directory moves with its lower contents. */
	CHECK_EQ(vfs_rename(fx.t, AT_FDCWD, "/data/sub", AT_FDCWD, "/etc/moved",
			    0), 0);
	CHECK_EQ(fx_read(&fx, "/etc/moved/c.txt", buf, sizeof(buf)), 8);
	CHECK_EQ(list_dir("/data", names, sizeof(names)), 5);
	CHECK(!strcmp(names, "abs-link b.txt dangling link-a loop"));
	/* Hard links share the inode, lower data included. */
	CHECK_EQ(vfs_link(fx.t, AT_FDCWD, "/etc/hostname", AT_FDCWD,
			  "/etc/hn2", false, false), 0);
	struct vfs_stat a, b;
	CHECK_EQ(vfs_stat(fx.t, AT_FDCWD, "/etc/hostname", 0, &a), 0);
	CHECK_EQ(vfs_stat(fx.t, AT_FDCWD, "/etc/hn2", 0, &b), 0);
	CHECK(a.ino == b.ino && a.nlink == 2 && b.nlink == 2);
	CHECK_EQ(fx_write(&fx, "/etc/hn2", "changed\n", O_TRUNC), 0);
	CHECK_EQ(fx_read(&fx, "/etc/hostname", buf, sizeof(buf)), 8);
	CHECK(!strcmp(buf, "changed\n"));
	CHECK_EQ(host_read(&fx, "etc/hostname", buf, sizeof(buf)), 10);
	/* Exchange swaps the two names. */
	CHECK_EQ(vfs_rename(fx.t, AT_FDCWD, "/etc/passwd", AT_FDCWD,
			    "/data/b.txt", RENAME_EXCHANGE), 0);
	CHECK_EQ(fx_read(&fx, "/etc/passwd", buf, sizeof(buf)), 6);
	CHECK(!strcmp(buf, "alpha\n"));
	CHECK_EQ(vfs_rename(fx.t, AT_FDCWD, "/etc/passwd", AT_FDCWD,
			    "/data/b.txt", RENAME_NOREPLACE), -EEXIST);
	fx_teardown(&fx);
}

/* ---- tmpfs and names ------------------------------------------------------ */

TEST(tmpfs_files_and_directories)
{
	SETUP();
	char buf[64], names[256];
	CHECK_EQ(vfs_mknod(fx.t, AT_FDCWD, "/tmp/d", S_IFDIR | 0755, 0), 0);
	CHECK_EQ(vfs_mknod(fx.t, AT_FDCWD, "/tmp/d", S_IFDIR | 0755, 0), -EEXIST);
	CHECK_EQ(vfs_mknod(fx.t, AT_FDCWD, "/tmp/d/e/", S_IFDIR | 0755, 0), 0);
	CHECK_EQ(vfs_mknod(fx.t, AT_FDCWD, "/tmp/nodir/e", S_IFDIR | 0755, 0),
		 -ENOENT);
	CHECK_EQ(fx_write(&fx, "/tmp/d/f", "ff", O_EXCL), 0);
	CHECK_EQ(fx_write(&fx, "/tmp/d/f", "gg", O_EXCL), -EEXIST);
	uint32_t mode;
	struct vfs_stat st;
	CHECK_EQ(vfs_stat(fx.t, AT_FDCWD, "/tmp/d", 0, &st), 0);
	CHECK_EQ(st.nlink, 3);
	CHECK_EQ(list_dir("/tmp/d", names, sizeof(names)), 2);
	CHECK(!strcmp(names, "e f"));
	CHECK_EQ(vfs_rmdir(fx.t, AT_FDCWD, "/tmp/d"), -ENOTEMPTY);
	CHECK_EQ(vfs_rmdir(fx.t, AT_FDCWD, "/tmp/d/f"), -ENOTDIR);
	CHECK_EQ(vfs_unlink(fx.t, AT_FDCWD, "/tmp/d/e"), -EISDIR);
	CHECK_EQ(vfs_unlink(fx.t, AT_FDCWD, "/tmp/d/f/"), -ENOTDIR);
	CHECK_EQ(vfs_rename(fx.t, AT_FDCWD, "/tmp/d", AT_FDCWD, "/tmp/d/e/x", 0),
		 -EINVAL);
	CHECK_EQ(vfs_rename(fx.t, AT_FDCWD, "/tmp/d/f", AT_FDCWD, "/tmp/d/e", 0),
		 -EISDIR);
	CHECK_EQ(vfs_rename(fx.t, AT_FDCWD, "/tmp/d/e", AT_FDCWD, "/tmp/d/f", 0),
		 -ENOTDIR);
	CHECK_EQ(vfs_rename(fx.t, AT_FDCWD, "/tmp/d/f", AT_FDCWD, "/data/f", 0),
		 -EXDEV);
	CHECK_EQ(vfs_rename(fx.t, AT_FDCWD, "/tmp/d/e", AT_FDCWD, "/tmp/e2", 0), 0);
	CHECK_EQ(vfs_stat(fx.t, AT_FDCWD, "/tmp/d", 0, &st), 0);
	CHECK_EQ(st.nlink, 2);
	CHECK_EQ(vfs_unlink(fx.t, AT_FDCWD, "/tmp/d/f"), 0);
	CHECK_EQ(vfs_rmdir(fx.t, AT_FDCWD, "/tmp/d"), 0);
	CHECK_EQ(vfs_rmdir(fx.t, AT_FDCWD, "/tmp/."), -EINVAL);
	CHECK_EQ(vfs_rmdir(fx.t, AT_FDCWD, "/tmp/e2/.."), -ENOTEMPTY);
	CHECK_EQ(vfs_rmdir(fx.t, AT_FDCWD, "/tmp"), -EBUSY);
	CHECK_EQ(stat_mode("/tmp/e2", 0, &mode), 0);
	CHECK(S_ISDIR(mode));
	CHECK_EQ(fx_read(&fx, "/tmp/e2", buf, sizeof(buf)), -EISDIR);
	fx_teardown(&fx);
}

TEST(tmpfs_data_sparse_truncate_and_unlinked_open_files)
{
	SETUP();
	struct memfile *mf = fx.k->memfile;
	uint64_t base = mf->pages_in_use;
	struct file *f;
	CHECK_EQ(vfs_open(fx.t, AT_FDCWD, "/tmp/big", O_RDWR | O_CREAT, 0600,
			  &f), 0);
	char page[4096];
	memset(page, 'z', sizeof(page));
	CHECK_EQ(f->ops->pwrite(f, fx.t, page, 10, 10 << 20), 10);
	CHECK_EQ(f->ops->pwrite(f, fx.t, page, 4096, 4000), 4096);
	CHECK_EQ(mf->pages_in_use, base + 3);
	struct vfs_stat st;
	CHECK_EQ(vfs_fstat(f, &st), 0);
	CHECK_EQ(st.size, (10 << 20) + 10);
	CHECK_EQ(st.blocks, 3 * 8);
	char back[16];
	CHECK_EQ(f->ops->pread(f, fx.t, back, 16, 1 << 20), 16);
	CHECK(back[0] == 0 && back[15] == 0);
	CHECK_EQ(f->ops->pread(f, fx.t, back, 16, (10 << 20) + 4), 6);
	/* Truncation frees pages and zeroes the tail of the last one. */
	struct path p = { f->mnt, f->dentry };
	CHECK_EQ(vfs_truncate(fx.t, &p, 4001), 0);
	CHECK_EQ(mf->pages_in_use, base + 1);
	CHECK_EQ(vfs_truncate(fx.t, &p, 8192), 0);
	CHECK_EQ(f->ops->pread(f, fx.t, back, 4, 4000), 4);
	CHECK(back[0] == 'z' && back[1] == 0);
	/* An unlinked open file keeps its data until the last close. */
	CHECK_EQ(vfs_unlink(fx.t, AT_FDCWD, "/tmp/big"), 0);
	CHECK_EQ(exists("/tmp/big"), -ENOENT);
	CHECK_EQ(f->ops->pread(f, fx.t, back, 1, 4000), 1);
	CHECK_EQ(vfs_fstat(f, &st), 0);
	CHECK_EQ(st.nlink, 0);
	CHECK_EQ(mf->pages_in_use, base + 1);
	file_put(f);
	CHECK_EQ(mf->pages_in_use, base);
	fx_teardown(&fx);
}

TEST(getdents_resumes_and_rewinds)
{
	SETUP();
	for (int i = 0; i < 40; i++) {
		char name[32];
		snprintf(name, sizeof(name), "/tmp/file-%02d", i);
		CHECK_EQ(fx_write(&fx, name, "", 0), 0);
	}
	char names[2048];
	CHECK_EQ(list_dir("/tmp", names, sizeof(names)), 40);
	CHECK(!strncmp(names, "file-00 file-01 ", 16));
	/* Entries removed while a reader is half way do not confuse it. */
	struct file *d;
	CHECK_EQ(vfs_open(fx.t, AT_FDCWD, "/tmp", O_RDONLY, 0, &d), 0);
	char buf[128];
	CHECK(d->ops->getdents(d, buf, sizeof(buf)) > 0);
	int64_t pos = d->pos;
	CHECK_EQ(vfs_unlink(fx.t, AT_FDCWD, "/tmp/file-39"), 0);
	int64_t total = 0, got;
	while ((got = d->ops->getdents(d, buf, sizeof(buf))) > 0)
		total += got;
	CHECK(total > 0 && d->pos == 42);
	CHECK_EQ(d->ops->llseek(d, 0, SEEK_SET), 0);
	CHECK(d->ops->getdents(d, buf, sizeof(buf)) > 0);
	CHECK(pos > 0);
	CHECK_EQ(d->ops->getdents(d, buf, 10), -EINVAL);
	file_put(d);
	fx_teardown(&fx);
}

/* ---- pieces ------------------------------------------------------------------ */

static int count_run(uint64_t idx, uint64_t mpage, uint64_t n, void *arg)
{
	(void)idx, (void)mpage;
	*(uint64_t *)arg += n;
	return 0;
}

TEST(filepages_sparse_index)
{
	struct memfile *mf;
	CHECK(memfile_create(&mf, 1 << 26) == 0);
	struct filepages fp = { 0 };
	uint64_t idx[] = { 0, 1, 63, 64, 4095, 1ull << 20, FILEPAGES_INDEX_LIMIT - 1 };
	for (size_t i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
		int64_t p = memfile_alloc(mf, 1);
		CHECK(p >= 0);
		filepages_set(&fp, idx[i], (uint64_t)p);
	}
	CHECK_EQ(fp.count, 7);
	uint64_t mp, n = 0;
	CHECK(filepages_lookup(&fp, 4095, &mp));
	CHECK(!filepages_lookup(&fp, 4096, &mp));
	CHECK(!filepages_lookup(&fp, FILEPAGES_INDEX_LIMIT, &mp));
	filepages_for_each_run(&fp, 0, FILEPAGES_INDEX_LIMIT, count_run, &n);
	CHECK_EQ(n, 7);
	filepages_truncate(&fp, mf, 64);
	CHECK_EQ(fp.count, 3);
	CHECK_EQ(mf->pages_in_use, 3);
	filepages_truncate(&fp, mf, 0);
	CHECK(fp.root == NULL && fp.count == 0);
	CHECK_EQ(mf->pages_in_use, 0);
	memfile_destroy(mf);
}

TEST(record_locks_and_flock)
{
	SETUP();
	struct file *a, *b;
	CHECK_EQ(vfs_open(fx.t, AT_FDCWD, "/tmp/l", O_RDWR | O_CREAT, 0600, &a),
		 0);
	CHECK_EQ(vfs_open(fx.t, AT_FDCWD, "/tmp/l", O_RDWR, 0, &b), 0);
	struct inode *i = a->dentry->inode;
	CHECK_EQ(lock_posix_set(i, 1, F_WRLCK, 0, 99), 0);
	CHECK_EQ(lock_posix_set(i, 1, F_RDLCK, 10, 19), 0);
	CHECK(lock_posix_test(i, 1, F_WRLCK, 0, 99) == NULL);
	const struct file_lock *l = lock_posix_test(i, 2, F_RDLCK, 50, 60);
	CHECK(l && l->type == F_WRLCK && l->start == 20 && l->end == 99);
	CHECK_EQ(lock_posix_set(i, 2, F_RDLCK, 10, 15), 0);
	CHECK_EQ(lock_posix_set(i, 2, F_RDLCK, 0, 0), -EAGAIN);
	lock_posix_release(i, 1);
	CHECK(lock_posix_test(i, 2, F_WRLCK, 0, 1000) == NULL);
	CHECK_EQ(lock_flock(i, a, LOCK_EX | LOCK_NB), 0);
	CHECK_EQ(lock_flock(i, b, LOCK_SH | LOCK_NB), -EWOULDBLOCK);
	CHECK_EQ(lock_flock(i, a, LOCK_SH), 0);
	CHECK_EQ(lock_flock(i, b, LOCK_SH | LOCK_NB), 0);
	file_put(a);
	CHECK_EQ(lock_flock(i, b, LOCK_EX | LOCK_NB), 0);
	file_put(b);
	fx_teardown(&fx);
}

TEST(memfd_and_o_path_files)
{
	SETUP();
	struct dentry *d;
	struct create_args ca = { .mode = S_IFREG | 0777 };
	CHECK_EQ(memfs_create_anon(fx.k->vfs->anon->sb, "memfd:x", &ca, &d), 0);
	struct file *f;
	CHECK_EQ(d->inode->ops->open(d, fx.k->vfs->anon, O_RDWR, &f), 0);
	dentry_put(d);
	CHECK_EQ(f->ops->write(f, fx.t, "hello", 5), 5);
	CHECK_EQ(f->ops->llseek(f, 0, SEEK_SET), 0);
	char buf[8] = { 0 };
	CHECK_EQ(f->ops->read(f, fx.t, buf, 8), 5);
	char name[64];
	struct path p = { f->mnt, f->dentry };
	CHECK_EQ(vfs_path_name(fx.t, &p, name, sizeof(name)), -ENOENT);
	file_put(f);
	fx_teardown(&fx);
}
