/* Directories and names in /tmp: mkdir, getdents (sorted here), rmdir,
 * rename (and renameat2's NOREPLACE, EXCHANGE), link, symlink, readlink,
 * unlink of an open file, chdir/getcwd, fchdir, *at() calls with dirfds,
 * stat fields that compare between runs (size, mode, nlink, type), chmod,
 * umask, utimensat. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/progs/check.h"

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Prints a directory's entries (type letter and name), sorted. */
static void list(const char *label, const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	/* Small, so listing takes several calls; aligned for the records. */
	static union {
		struct dirent64 d;
		char b[sizeof(struct dirent64) + 32];
	} u;
	char *buf = u.b, *names[64];
	int n = 0;
	long got;
	while ((got = syscall(SYS_getdents64, fd, buf, 128)) > 0) {
		for (long off = 0; off < got;) {
			struct dirent64 *d = (void *)(buf + off);
			char t = d->d_type == DT_DIR ? 'd'
				 : d->d_type == DT_LNK ? 'l'
				 : d->d_type == DT_REG ? 'f' : '?';
			CHECK(n < 64);
			names[n] = malloc(strlen(d->d_name) + 3);
			sprintf(names[n++], "%s%c", d->d_name, t);
			off += d->d_reclen;
		}
	}
	CHECK(got == 0);
	close(fd);
	qsort(names, (size_t)n, sizeof(names[0]), cmp);
	printf("%s:", label);
	for (int i = 0; i < n; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");
}

static void show(const char *path, int nofollow)
{
	struct stat st;
	int rc = nofollow ? lstat(path, &st) : stat(path, &st);
	if (rc < 0) {
		printf("%s: %s\n", strrchr(path, '/') + 1, strerror(errno));
		return;
	}
	const char *type = S_ISDIR(st.st_mode) ? "dir" : S_ISLNK(st.st_mode)
			   ? "link" : S_ISREG(st.st_mode) ? "file" : "other";
	printf("%s: %s mode %o nlink %lu size %lld\n", strrchr(path, '/') + 1,
	       type, st.st_mode & 07777, (unsigned long)st.st_nlink,
	       S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size);
}

static void put(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK(write(fd, data, strlen(data)) == (ssize_t)strlen(data));
	close(fd);
}

int main(void)
{
	char top[64] = "/tmp/fs_dirs-XXXXXX", p[256], q[256];
	CHECK(mkdtemp(top));
	CHECK(chdir(top) == 0);
	umask(022);
	CHECK(mkdir("a", 0755) == 0 && mkdir("a/b", 0700) == 0);
	CHECK(mkdir("a/b/c/", 0755) == 0);
	put("a/f1", "one");
	put("a/b/f2", "two!");
	CHECK(symlink("f1", "a/sl") == 0);
	CHECK(symlink("../a/b", "a/dirlink") == 0);
	CHECK(link("a/f1", "a/hard") == 0);
	list("top", top);
	list("a", "a");
	snprintf(p, sizeof(p), "%s/a", top);
	show(p, 0);
	snprintf(p, sizeof(p), "%s/a/b", top);
	show(p, 0);
	snprintf(p, sizeof(p), "%s/a/f1", top);
	show(p, 0);
	snprintf(p, sizeof(p), "%s/a/sl", top);
	show(p, 1);
	show(p, 0);
	char target[64] = { 0 };
	CHECK(readlink("a/sl", target, sizeof(target)) == 2);
	printf("readlink a/sl: %s\n", target);
	CHECK(readlink("a/f1", target, sizeof(target)) < 0 && errno == EINVAL);
	memset(target, 0, sizeof(target));
	CHECK(readlink("a/dirlink", target, 3) == 3);
	printf("readlink truncated: %s\n", target);
	CHECK(access("a/dirlink/f2", R_OK) == 0);

	/* renames */
	CHECK(rename("a/f1", "a/f1-renamed") == 0);
	CHECK(rename("a/b/f2", "a/f1-renamed") == 0);     /* replaces */
	CHECK(syscall(SYS_renameat2, AT_FDCWD, "a/hard", AT_FDCWD,
		      "a/f1-renamed", RENAME_NOREPLACE) < 0 && errno == EEXIST);
	CHECK(syscall(SYS_renameat2, AT_FDCWD, "a/hard", AT_FDCWD, "a/b",
		      RENAME_EXCHANGE) == 0);
	list("a", "a");
	CHECK(syscall(SYS_renameat2, AT_FDCWD, "a/hard", AT_FDCWD, "a/b",
		      RENAME_EXCHANGE) == 0);
	CHECK(rename("a/b", "a/b/c/inside") < 0 && errno == EINVAL);
	CHECK(rename("a/b", "a/b2") == 0);
	snprintf(p, sizeof(p), "%s/a/hard", top);
	show(p, 0);

	/* An unlinked open file lives on. */
	int fd = open("a/hard", O_RDONLY);
	CHECK(fd >= 0 && unlink("a/hard") == 0);
	char buf[8] = { 0 };
	CHECK(read(fd, buf, 8) == 3);
	struct stat st;
	CHECK(fstat(fd, &st) == 0);
	printf("unlinked: \"%s\" nlink %lu\n", buf, (unsigned long)st.st_nlink);
	close(fd);

	/* *at() calls and fchdir. */
	int dfd = open("a", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	CHECK(mkdirat(dfd, "new", 0750) == 0);
	CHECK(symlinkat("new", dfd, "newlink") == 0);
	CHECK(linkat(dfd, "f1-renamed", dfd, "new/linked", 0) == 0);
	CHECK(renameat(dfd, "new/linked", dfd, "new/moved") == 0);
	CHECK(fstatat(dfd, "newlink", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	      S_ISLNK(st.st_mode));
	CHECK(fstatat(dfd, "newlink", &st, 0) == 0 && S_ISDIR(st.st_mode));
	CHECK(faccessat(dfd, "new/moved", W_OK, 0) == 0);
	CHECK(unlinkat(dfd, "new", AT_REMOVEDIR) < 0 && errno == ENOTEMPTY);
	CHECK(unlinkat(dfd, "new/moved", 0) == 0);
	CHECK(unlinkat(dfd, "new", AT_REMOVEDIR) == 0);
	CHECK(fchdir(dfd) == 0);
	CHECK(getcwd(p, sizeof(p)));
	snprintf(q, sizeof(q), "%s/a", top);
	CHECK(!strcmp(p, q));
	CHECK(chdir("b2/c") == 0 && getcwd(p, sizeof(p)));
	printf("cwd ends with %s\n", p + strlen(top));
	CHECK(getcwd(p, 5) == NULL && errno == ERANGE);
	CHECK(chdir("../../..") == 0);
	close(dfd);

	/* chmod, umask, times */
	CHECK(chmod("a/f1-renamed", 0600) == 0);
	umask(027);
	put("a/masked", "m");
	CHECK(mkdir("a/mdir", 0777) == 0);
	snprintf(p, sizeof(p), "%s/a/f1-renamed", top);
	show(p, 0);
	snprintf(p, sizeof(p), "%s/a/masked", top);
	show(p, 0);
	snprintf(p, sizeof(p), "%s/a/mdir", top);
	show(p, 0);
	struct timespec ts[2] = { { 1000000000, 5 }, { 1200000000, 7 } };
	CHECK(utimensat(AT_FDCWD, "a/masked", ts, 0) == 0);
	CHECK(stat("a/masked", &st) == 0);
	printf("times %lld.%ld %lld.%ld\n", (long long)st.st_atim.tv_sec,
	       st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec,
	       st.st_mtim.tv_nsec);
	struct timespec omit[2] = { { 0, UTIME_OMIT }, { 5, 0 } };
	CHECK(utimensat(AT_FDCWD, "a/masked", omit, 0) == 0);
	CHECK(stat("a/masked", &st) == 0);
	printf("times %lld %lld\n", (long long)st.st_atim.tv_sec,
	       (long long)st.st_mtim.tv_sec);

	/* Clean up, deepest first. */
	const char *files[] = { "a/f1-renamed", "a/sl", "a/dirlink", "a/masked",
				"a/newlink" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		CHECK(unlink(files[i]) == 0);
	const char *dirs[] = { "a/b2/c", "a/b2", "a/mdir", "a" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		CHECK(rmdir(dirs[i]) == 0);
	list("top", top);
	CHECK(chdir("/") == 0 && rmdir(top) == 0);
	printf("done\n");
	return 0;
}
