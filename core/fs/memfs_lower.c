/* The lower layer of a memfs: a host directory, read only. Every host
 * access is by a path relative to the lower root's O_PATH fd, resolved
 * with RESOLVE_BENEATH and RESOLVE_NO_SYMLINKS: the sandbox resolves
 * symlinks itself, so a lower path never holds one, and nothing -- a
 * crafted path in an image, a host directory changed under us -- can
 * reach a host file outside the lower root. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/fs/dir_listing.h"
#include "core/fs/memfs_internal.h"

static int lower_open(struct superblock *sb, const char *rel, int flags)
{
	struct memfs_sb *ms = MEMFS_SB(sb);
	if (!ms->lower_open)
		return -ENOENT;
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC | O_NOFOLLOW),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, ms->lower_fd, rel, &how,
			      sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		fd = openat(ms->lower_fd, rel, flags | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

int memfs_open_lower(struct memfs_inode *mi, int flags)
{
	if (!mi->lower)
		return -ENOENT;
	return lower_open(mi->vfs.sb, mi->lower, flags);
}

char *memfs_lower_join(const char *dir, const char *name)
{
	if (!strcmp(dir, "."))
		return strdup(name);
	size_t a = strlen(dir), b = strlen(name);
	char *s = malloc(a + b + 2);
	if (s) {
		memcpy(s, dir, a);
		s[a] = '/';
		memcpy(s + a + 1, name, b + 1);
	}
	return s;
}

static int lower_stat(struct superblock *sb, const char *rel, struct stat *st)
{
	int fd = lower_open(sb, rel, O_PATH);
	if (fd < 0)
		return fd == -ENOTDIR || fd == -ELOOP ? -ENOENT : fd;
	int rc = fstat(fd, st) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

int memfs_lower_inode(struct superblock *sb, const char *rel,
		      struct memfs_inode **out)
{
	struct stat st;
	int rc = lower_stat(sb, rel, &st);
	if (rc < 0)
		return rc;
	struct memfs_inode *mi = calloc(1, sizeof(*mi));
	if (!mi || !(mi->lower = strdup(rel))) {
		free(mi);
		return -ENOMEM;
	}
	struct create_args a = { .mode = st.st_mode, .uid = st.st_uid,
				 .gid = st.st_gid, .rdev = st.st_rdev };
	inode_init(&mi->vfs, &memfs_inode_ops, sb, st.st_ino, &a);
	struct inode *i = &mi->vfs;
	i->nlink = (uint32_t)st.st_nlink;
	i->size = (uint64_t)st.st_size;
	mi->lower_blocks = (uint64_t)st.st_blocks;
	i->atime = st.st_atim;
	i->mtime = st.st_mtim;
	i->ctime = st.st_ctim;
	*out = mi;
	return 0;
}

bool memfs_lower_exists(struct superblock *sb, const char *rel)
{
	struct stat st;
	return lower_stat(sb, rel, &st) == 0;
}

int memfs_lower_readlink(struct superblock *sb, const char *rel, char *buf,
			 size_t size)
{
	int fd = lower_open(sb, rel, O_PATH);
	if (fd < 0)
		return fd;
	ssize_t n = readlinkat(fd, "", buf, size);
	int rc = n < 0 ? -errno : (int)n;
	close(fd);
	return rc;
}

static uint8_t entry_type(DIR *dir, const struct dirent *e)
{
	if (e->d_type != DT_UNKNOWN)
		return e->d_type;
	struct stat st;
	if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return DT_UNKNOWN;
	return (uint8_t)IFTODT(st.st_mode);
}

/* Calls fn for each host entry of rel that dir neither hides (whiteout)
 * nor already has; stops at fn's first non-zero result. */
static int for_each_visible(struct dentry *dir, const char *rel,
			    int (*fn)(DIR *d, const struct dirent *e,
				      void *arg),
			    void *arg)
{
	int fd = lower_open(dir->inode->sb, rel, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd == -ENOENT || fd == -ENOTDIR ? 0 : fd;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!dentry_find_child(dir, e->d_name))
			rc = fn(d, e, arg);
	}
	closedir(d);
	return rc;
}

static int add_entry(DIR *d, const struct dirent *e, void *arg)
{
	return dir_listing_add(arg, e->d_name, e->d_ino, entry_type(d, e));
}

int memfs_lower_readdir(struct dentry *dir, const char *rel,
			struct dir_listing *out)
{
	return for_each_visible(dir, rel, add_entry, out);
}

static int found_entry(DIR *d, const struct dirent *e, void *arg)
{
	(void)d, (void)e, (void)arg;
	return 1;
}

bool memfs_lower_has_entries(struct dentry *dir, const char *rel)
{
	return for_each_visible(dir, rel, found_entry, NULL) != 0;
}

/* ---- copy-up --------------------------------------------------------------- */

#define COPY_CHUNK (256u << 10)

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Reads the host file into pages, leaving holes where it reads zero. */
static int copy_data(struct memfs_inode *mi)
{
	int fd = memfs_open_lower(mi, O_RDONLY);
	if (fd < 0)
		return fd;
	uint8_t *buf = malloc(COPY_CHUNK);
	int rc = buf ? 0 : -ENOMEM;
	uint64_t size = mi->vfs.size;
	for (uint64_t off = 0; rc == 0 && off < size; off += COPY_CHUNK) {
		ssize_t n = pread(fd, buf, COPY_CHUNK, (off_t)off);
		if (n <= 0) {
			rc = n < 0 ? -errno : 0;
			break;
		}
		if ((uint64_t)n > size - off)
			n = (ssize_t)(size - off);
		for (ssize_t at = 0; at < n && rc == 0; at += PAGE_SIZE) {
			size_t len = (size_t)(n - at) < PAGE_SIZE
					     ? (size_t)(n - at) : PAGE_SIZE;
			if (!all_zero(buf + at, len)) {
				int64_t w = memfs_write(mi, buf + at, len,
							off + (uint64_t)at);
				rc = w < 0 ? (int)w : 0;
			}
		}
	}
	free(buf);
	close(fd);
	if (rc < 0)
		filepages_truncate(&mi->pages, memfs_memfile(mi->vfs.sb), 0);
	return rc;
}

int memfs_copy_up(struct dentry *d)
{
	struct memfs_inode *mi = MEMFS_I(d->inode);
	if (mi->lower && S_ISREG(mi->vfs.mode)) {
		int rc = copy_data(mi);
		if (rc < 0)
			return rc;
		free(mi->lower);
		mi->lower = NULL;
	} else if (mi->lower && S_ISLNK(mi->vfs.mode)) {
		char buf[PATH_MAX];
		int n = memfs_lower_readlink(mi->vfs.sb, mi->lower, buf,
					     sizeof(buf) - 1);
		if (n < 0)
			return n;
		buf[n] = 0;
		char *target = strdup(buf);
		if (!target)
			return -ENOMEM;
		mi->target = target;
		mi->vfs.size = (uint64_t)n;
		free(mi->lower);
		mi->lower = NULL;
	}
	memfs_dirty(d);
	return 0;
}
