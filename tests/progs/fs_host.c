/* Host files under the overlay: reads a tree the test runner makes (argv
 * [1], outside /tmp, the same path natively and sandboxed), then changes
 * it -- writes, appends, renames, removals, links, chmod. Natively that
 * changes the host tree (the runner makes it anew for every run); in
 * the sandbox the changes stay in the upper layer (tests/cli/fs.sh checks
 * the host tree is untouched). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/progs/check.h"

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *label, const char *path)
{
	DIR *d = opendir(path);
	CHECK(d);
	char *names[64];
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 64)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp);
	printf("%s:", label);
	for (int i = 0; i < n; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");
}

static void cat(const char *path)
{
	char buf[512];
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		printf("%s: %s\n", path, strerror(errno));
		return;
	}
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	CHECK(n >= 0);
	buf[n] = 0;
	printf("%s: [%s]\n", path, buf);
	close(fd);
}

static void show(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		printf("%s: %s\n", path, strerror(errno));
		return;
	}
	printf("%s: %s mode %o nlink %lu size %lld\n", path,
	       S_ISDIR(st.st_mode) ? "dir" : S_ISLNK(st.st_mode) ? "link"
	       : "file", st.st_mode & 07777, (unsigned long)st.st_nlink,
	       S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size);
}

static void read_only(void)
{
	list(".", ".");
	list("dir1", "dir1");
	cat("a.txt");
	cat("link");
	show("a.txt");
	show("b.txt");
	show("dir1");
	show("link");
	char buf[16] = { 0 };
	CHECK(readlink("link", buf, sizeof(buf)) == 5);
	printf("link -> %s\n", buf);
	int fd = open("a.txt", O_RDONLY);
	CHECK(pread(fd, buf, 8, 5) == 8);
	printf("pread: %.8s\n", buf);
	CHECK(lseek(fd, 0, SEEK_END) == 29);
	close(fd);
	CHECK(access("a.txt", R_OK | W_OK) == 0);
}

static void changes(void)
{
	int fd = open("a.txt", O_RDWR);
	CHECK(fd >= 0 && write(fd, "LINE", 4) == 4);
	close(fd);
	cat("a.txt");
	cat("link");
	fd = open("b.txt", O_WRONLY | O_APPEND);
	CHECK(fd >= 0 && write(fd, "kiwi\n", 5) == 5);
	close(fd);
	cat("b.txt");
	CHECK(unlink("dir1/c.txt") == 0);
	CHECK(rename("a.txt", "renamed.txt") == 0);
	CHECK(mkdir("dir1/new", 0755) == 0);
	CHECK(rmdir("dir1/sub") < 0 && errno == ENOTEMPTY);
	CHECK(unlink("dir1/sub/d.txt") == 0 && rmdir("dir1/sub") == 0);
	CHECK(mkdir("dir1/sub", 0700) == 0);
	list("dir1/sub after mkdir", "dir1/sub");
	CHECK(chmod("b.txt", 0640) == 0);
	CHECK(link("b.txt", "b2.txt") == 0);
	CHECK(symlink("renamed.txt", "link2") == 0);
	CHECK(truncate("renamed.txt", 10) == 0);
	fd = open("new.txt", O_WRONLY | O_CREAT | O_EXCL, 0644);
	CHECK(fd >= 0 && write(fd, "fresh\n", 6) == 6);
	close(fd);
	CHECK(rename("new.txt", "b.txt") == 0);
	list(".", ".");
	list("dir1", "dir1");
	cat("link");
	cat("link2");
	cat("b.txt");
	cat("b2.txt");
	show("b2.txt");
	show("renamed.txt");
	show("dir1/sub");
}

int main(int argc, char **argv)
{
	CHECK(argc == 2 && chdir(argv[1]) == 0);
	read_only();
	changes();
	return 0;
}
