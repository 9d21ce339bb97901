/* A kernel with a filesystem and one task, without a platform, for the
 * VFS unit tests: the overlay's lower layer is a scratch directory the
 * test fills on the host. All definitions are static: include this from
 * one file per program. */
#ifndef TESTS_UNIT_FS_FIXTURE_H
#define TESTS_UNIT_FS_FIXTURE_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fdtable.h"
#include "core/file.h"
#include "core/fs/vfs.h"
#include "core/kernel.h"
#include "tests/unit/kernel_roundtrip.h"
#include "core/memfile.h"
#include "core/mm.h"
#include "core/task.h"
#include "tests/unit/harness.h"

struct fs_fixture {
	struct kernel *k;
	struct task *t;
	char lower[512];           /* host path of the lower layer */
};

/* Writes a host file under the lower layer (path relative to it). */
static inline void host_write(const struct fs_fixture *fx, const char *rel,
		       const char *data)
{
	char p[1024];
	snprintf(p, sizeof(p), "%s/%s", fx->lower, rel);
	FILE *f = fopen(p, "w");
	if (f) {
		fputs(data, f);
		fclose(f);
	}
}

static inline void host_mkdir(const struct fs_fixture *fx, const char *rel)
{
	char p[1024];
	snprintf(p, sizeof(p), "%s/%s", fx->lower, rel);
	mkdir(p, 0755);
}

static inline void host_symlink(const struct fs_fixture *fx, const char *target,
			 const char *rel)
{
	char p[1024];
	snprintf(p, sizeof(p), "%s/%s", fx->lower, rel);
	if (symlink(target, p) < 0)
		perror(p);
}

/* Reads a host file under the lower layer into buf (NUL-terminated);
 * returns its length or -1. */
static inline int host_read(const struct fs_fixture *fx, const char *rel, char *buf,
		     size_t size)
{
	char p[1024];
	snprintf(p, sizeof(p), "%s/%s", fx->lower, rel);
	int fd = open(p, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = 0;
	return (int)n;
}

/* A lower layer under the harness's scratch directory: a tree of files,
 * directories and symlinks the tests expect. */
static inline void make_lower(struct fs_fixture *fx, const char *name)
{
	snprintf(fx->lower, sizeof(fx->lower), "%s/%s", harness_tmpdir(),
		 name);
	mkdir(fx->lower, 0755);
	host_mkdir(fx, "etc");
	host_write(fx, "etc/hostname", "lowerhost\n");
	host_write(fx, "etc/passwd", "root:x:0:0\n");
	host_mkdir(fx, "data");
	host_write(fx, "data/a.txt", "alpha\n");
	host_write(fx, "data/b.txt", "bravo\n");
	host_mkdir(fx, "data/sub");
	host_write(fx, "data/sub/c.txt", "charlie\n");
	host_symlink(fx, "a.txt", "data/link-a");
	host_symlink(fx, "/etc/hostname", "data/abs-link");
	host_symlink(fx, "loop", "data/loop");
	host_symlink(fx, "missing", "data/dangling");
	host_mkdir(fx, "private");
	host_write(fx, "private/secret", "s\n");
	char p[1024];
	snprintf(p, sizeof(p), "%s/private", fx->lower);
	chmod(p, 0700);
	host_mkdir(fx, "tmp");
}

static inline int fx_setup(struct fs_fixture *fx, const char *name)
{
	memset(fx, 0, sizeof(*fx));
	make_lower(fx, name);
	struct kernel *k = calloc(1, sizeof(*k));
	if (!k || memfile_create(&k->memfile, 1ull << 30) < 0)
		return -1;
	fx->k = k;
	k->next_tid = 1;
	struct error err = { 0 };
	if (vfs_create(k, fx->lower, &k->vfs, &err) < 0) {
		fprintf(stderr, "vfs_create: %s\n", err.msg);
		return -1;
	}
	if (task_create_process(k, NULL, &fx->t) < 0 ||
	    mm_create(k, &fx->t->mm) < 0 || !(fx->t->files = fdtable_create()))
		return -1;
	fx->t->uid = fx->t->euid = getuid();
	fx->t->gid = fx->t->egid = getgid();
	return vfs_setup_task(k->vfs, fx->t, "/");
}

static inline void fx_teardown(struct fs_fixture *fx)
{
	kernel_destroy(fx->k);
	fx->k = NULL;
}

/* The task's credentials, for permission tests. */
static inline void fx_become(struct fs_fixture *fx, uint32_t uid, uint32_t gid)
{
	fx->t->uid = fx->t->euid = fx->t->suid = fx->t->fsuid = uid;
	fx->t->gid = fx->t->egid = fx->t->sgid = fx->t->fsgid = gid;
}

/* Opens path and reads it whole into buf (NUL-terminated); the length
 * or -errno. */
static inline int fx_read(struct fs_fixture *fx, const char *path, char *buf,
		   size_t size)
{
	struct file *f;
	int rc = vfs_open(fx->t, AT_FDCWD, path, O_RDONLY, 0, &f);
	if (rc < 0)
		return rc;
	int64_t n = f->ops->read(f, fx->t, buf, size - 1);
	file_put(f);
	buf[n < 0 ? 0 : n] = 0;
	return (int)n;
}

/* Creates (or truncates) path with data; 0 or -errno. */
static inline int fx_write(struct fs_fixture *fx, const char *path, const char *data,
		    uint32_t flags)
{
	struct file *f;
	int rc = vfs_open(fx->t, AT_FDCWD, path, O_WRONLY | O_CREAT | flags,
			  0644, &f);
	if (rc < 0)
		return rc;
	int64_t n = f->ops->write(f, fx->t, data, strlen(data));
	file_put(f);
	return n == (int64_t)strlen(data) ? 0 : (int)n;
}

/* populate()'s result rc, then the round trip of fx's kernel; tears fx
 * down either way. */
static inline bool fx_round_trips(struct fs_fixture *fx, int rc,
				  struct error *err)
{
	bool ok = rc == 0 && kernel_round_trips(fx->k, err);
	fx_teardown(fx);
	return ok;
}

#endif
