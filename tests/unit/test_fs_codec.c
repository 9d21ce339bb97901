/* Serialization of the file system: a kernel with an overlay and tmpfs
 * holding upper files, copied-up files, whiteouts, an opaque directory,
 * links, and open files of every kind (upper, lower, directory half
 * read, O_PATH, memfd, unlinked) round-trips exactly; a full decode
 * (after-load hooks included) gives back a kernel whose files read the
 * same, whose descriptors continue where they were; a lower file that
 * changed on the host fails the restore, naming it; malformed encodings
 * fail cleanly. */
#include <errno.h>
#include <sys/file.h>

#include "core/fs/dentry.h"
#include "core/fs/fs_context.h"
#include "core/fs/lock.h"
#include "core/fs/memfs.h"
#include "core/fs/namei.h"
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

/* Builds the state every test saves. 0 or a negative value. */
static int populate(const char *name)
{
	if (fx_setup(&fx, name) < 0)
		return -1;
	struct task *t = fx.t;
	char page[4096];
	memset(page, 'p', sizeof(page));
	int rc = vfs_mknod(t, AT_FDCWD, "/tmp/dir", S_IFDIR | 0750, 0);
	rc = rc ?: fx_write(&fx, "/tmp/dir/file", "tmpfs data", 0);
	rc = rc ?: vfs_symlink(t, "file", AT_FDCWD, "/tmp/dir/sym");
	rc = rc ?: vfs_link(t, AT_FDCWD, "/tmp/dir/file", AT_FDCWD,
			    "/tmp/dir/hard", false, false);
	rc = rc ?: fx_write(&fx, "/data/a.txt", "copied up", O_TRUNC);
	rc = rc ?: vfs_unlink(t, AT_FDCWD, "/data/b.txt");
	rc = rc ?: vfs_unlink(t, AT_FDCWD, "/data/sub/c.txt");
	rc = rc ?: vfs_rmdir(t, AT_FDCWD, "/data/sub");
	rc = rc ?: vfs_mknod(t, AT_FDCWD, "/data/sub", S_IFDIR | 0700, 0);
	rc = rc ?: vfs_rename(t, AT_FDCWD, "/etc/hostname", AT_FDCWD,
			      "/etc/renamed", 0);
	if (rc < 0)
		return rc;
	/* Descriptors: 3 upper (big, sparse), 4 lower, 5 directory half
	 * read, 6 O_PATH, 7 unlinked, 8 memfd-like anonymous file. */
	if (open_fd("/tmp/big", O_RDWR | O_CREAT, 3) != 3 ||
	    open_fd("/etc/passwd", O_RDONLY, 4) != 4 ||
	    open_fd("/data", O_RDONLY | O_DIRECTORY, 5) != 5 ||
	    open_fd("/tmp/dir", O_PATH, 6) != 6 ||
	    open_fd("/tmp/gone", O_RDWR | O_CREAT, 7) != 7)
		return -1;
	struct file *big = fdtable_get(t->files, 3);
	if (big->ops->pwrite(big, t, page, 4096, 3 << 20) != 4096 ||
	    big->ops->write(big, t, "head", 4) != 4)
		return -1;
	char buf[64];
	struct file *low = fdtable_get(t->files, 4);
	if (low->ops->read(low, t, buf, 4) != 4)
		return -1;
	struct file *dir = fdtable_get(t->files, 5);
	if (dir->ops->getdents(dir, buf, 64) <= 0)
		return -1;
	struct file *gone = fdtable_get(t->files, 7);
	if (gone->ops->write(gone, t, "orphan", 6) != 6 ||
	    vfs_unlink(t, AT_FDCWD, "/tmp/gone") < 0)
		return -1;
	struct dentry *d;
	struct create_args ca = { .mode = S_IFREG | 0777 };
	struct file *mfd;
	if (memfs_create_anon(fx.k->vfs->anon->sb, "memfd:t", &ca, &d) < 0 ||
	    d->inode->ops->open(d, fx.k->vfs->anon, O_RDWR, &mfd) < 0)
		return -1;
	dentry_put(d);
	if (mfd->ops->write(mfd, t, "anon", 4) != 4 ||
	    fdtable_install(t->files, mfd, 8, true) != 8)
		return -1;
	/* Locks, cwd, umask. */
	if (lock_posix_set(big->dentry->inode, t->tg->tgid, F_WRLCK, 10, 20) ||
	    lock_flock(big->dentry->inode, big, LOCK_EX))
		return -1;
	struct path p;
	if (namei(t, AT_FDCWD, "/tmp/dir", WALK_FOLLOW, &p) < 0)
		return -1;
	vfs_chdir(t, &p);
	path_put(&p);
	t->fs->umask = 027;
	return 0;
}

TEST(fs_graph_round_trip_is_exact)
{
	CHECK(fx_round_trips(&fx, populate(__func__), &err));
}

struct image {
	void *buf;
	size_t len;
	uint8_t *pages;            /* the memory file's bytes */
	uint64_t npages;
};

static int save(struct image *im)
{
	if (codec_encode(&codec_type_kernel, fx.k, &im->buf, &im->len, &err) < 0)
		return -1;
	struct memfile *mf = fx.k->memfile;
	im->npages = mf->end_page;
	im->pages = malloc(im->npages * PAGE_SIZE + 1);
	memcpy(im->pages, mf->base, im->npages * PAGE_SIZE);
	return 0;
}

static int restore(const struct image *im, struct kernel **out)
{
	struct kernel_restore r = { NULL, NULL };
	void *root = NULL;
	int rc = codec_decode(&kernel_registry, &codec_type_kernel, im->buf,
			      im->len, &r, 0, &root, &err);
	*out = root;
	if (rc == 0)
		memcpy((*out)->memfile->base, im->pages,
		       im->npages * PAGE_SIZE);
	return rc;
}

static void image_free(struct image *im)
{
	free(im->buf);
	free(im->pages);
}

TEST(full_decode_restores_files_and_descriptors)
{
	struct image im = { 0 };
	int rc = populate(__func__);
	if (rc == 0)
		rc = save(&im);
	struct kernel *saved = fx.k;
	fx_teardown(&fx);
	CHECK(rc == 0 && saved);
	struct kernel *k;
	rc = restore(&im, &k);
	image_free(&im);
	if (rc < 0)
		fprintf(stderr, "%s\n", err.msg);
	CHECK(rc == 0);
	fx.k = k;
	fx.t = k->tasks;
	struct task *t = fx.t;
	char buf[64];
	/* Paths: relative to the restored cwd, umask kept. */
	CHECK_EQ(t->fs->umask, 027);
	CHECK_EQ(fx_read(&fx, "file", buf, sizeof(buf)), 10);
	CHECK(!strcmp(buf, "tmpfs data"));
	CHECK_EQ(fx_read(&fx, "sym", buf, sizeof(buf)), 10);
	struct vfs_stat st;
	CHECK_EQ(vfs_stat(t, AT_FDCWD, "hard", 0, &st), 0);
	CHECK_EQ(st.nlink, 2);
	CHECK_EQ(fx_read(&fx, "/data/a.txt", buf, sizeof(buf)), 9);
	CHECK(!strcmp(buf, "copied up"));
	CHECK_EQ(vfs_stat(t, AT_FDCWD, "/data/b.txt", 0, &st), -ENOENT);
	CHECK_EQ(vfs_stat(t, AT_FDCWD, "/data/sub/c.txt", 0, &st), -ENOENT);
	CHECK_EQ(vfs_stat(t, AT_FDCWD, "/etc/hostname", 0, &st), -ENOENT);
	CHECK_EQ(fx_read(&fx, "/etc/renamed", buf, sizeof(buf)), 10);
	/* Descriptors continue where they were. */
	struct file *big = fdtable_get(t->files, 3);
	CHECK(big && big->pos == 4);
	CHECK_EQ(big->ops->pread(big, t, buf, 4, (3 << 20) + 4092), 4);
	CHECK(!memcmp(buf, "pppp", 4));
	CHECK(lock_posix_test(big->dentry->inode, 99, F_RDLCK, 15, 15));
	struct file *low = fdtable_get(t->files, 4);
	CHECK_EQ(low->ops->read(low, t, buf, 6), 6);
	CHECK(!memcmp(buf, ":x:0:0", 6));
	struct file *dir = fdtable_get(t->files, 5);
	CHECK(dir->pos > 0);
	CHECK(dir->ops->getdents(dir, buf, 64) > 0);
	CHECK(fdtable_get(t->files, 6)->flags & O_PATH);
	struct file *gone = fdtable_get(t->files, 7);
	CHECK_EQ(gone->ops->pread(gone, t, buf, 6, 0), 6);
	CHECK(!memcmp(buf, "orphan", 6));
	struct file *mfd = fdtable_get(t->files, 8);
	CHECK(t->files->fds[8].cloexec);
	CHECK_EQ(mfd->ops->pread(mfd, t, buf, 4, 0), 4);
	CHECK(!memcmp(buf, "anon", 4));
	/* The restored tree works like any other. */
	CHECK_EQ(fx_write(&fx, "/data/new", "after", 0), 0);
	CHECK_EQ(vfs_unlink(t, AT_FDCWD, "/data/link-a"), 0);
	fx_teardown(&fx);
}

TEST(changed_lower_file_fails_restore)
{
	struct image im = { 0 };
	int rc = populate(__func__);
	if (rc == 0)
		rc = save(&im);
	char lower[512];
	strcpy(lower, fx.lower);
	fx_teardown(&fx);
	CHECK(rc == 0);
	fx.lower[0] = 0;
	strcpy(fx.lower, lower);
	host_write(&fx, "etc/passwd", "root:x:0:0:changed\n");
	struct kernel *k;
	rc = restore(&im, &k);
	CHECK(rc < 0 && k == NULL);
	CHECK(strstr(err.msg, "/etc/passwd changed since the image was saved"));
	/* A lower layer that is gone is named too. */
	char moved[600];
	snprintf(moved, sizeof(moved), "%s.moved", lower);
	CHECK(rename(lower, moved) == 0);
	rc = restore(&im, &k);
	CHECK(rc < 0 && strstr(err.msg, lower));
	image_free(&im);
}

TEST(malformed_fs_encodings_fail_cleanly)
{
	struct image im = { 0 };
	int rc = populate(__func__);
	if (rc == 0)
		rc = save(&im);
	fx_teardown(&fx);
	CHECK(rc == 0);
	uint8_t *copy = malloc(im.len);
	struct image bad = im;
	bad.buf = copy;
	size_t accepted = 0;
	for (size_t cut = 0; cut < im.len; cut += 11) {
		struct kernel *k;
		memcpy(copy, im.buf, cut);
		bad.len = cut;
		CHECK(restore(&bad, &k) < 0 && k == NULL);
	}
	bad.len = im.len;
	for (size_t i = 0; i < im.len; i += 3) {
		struct kernel *k;
		memcpy(copy, im.buf, im.len);
		copy[i] ^= 0x41;
		if (restore(&bad, &k) == 0) {
			accepted++;
			kernel_destroy(k);
		}
	}
	free(copy);
	image_free(&im);
	CHECK(accepted < im.len / 3);
}
