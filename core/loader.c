/* Loading a program: opening the file as execve(2) does, handing it to
 * the binary formats (ELF, "#!" scripts) until one runs, and pid 1's
 * start. */
#include "core/loader.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fdtable.h"
#include "core/file.h"
#include "core/fs/dentry.h"
#include "core/fs/inode.h"
#include "core/fs/namei.h"
#include "core/fs/vfs.h"
#include "core/kernel.h"
#include "core/loader_internal.h"
#include "core/mm.h"
#include "core/task.h"

/* ---- opening executables ---------------------------------------------- */

int exec_file_read(const struct exec_file *ef, void *buf, size_t n,
		   uint64_t off)
{
	struct file *f = ef->file;
	int64_t r = f ? f->ops->pread(f, ef->t, buf, n, (int64_t)off)
		      : pread(ef->host_fd, buf, n, (off_t)off);
	return r == (int64_t)n ? 0 : -1;
}

/* The first bytes, zero padded: what the formats recognize files by. */
static void read_head(struct exec_file *ef)
{
	memset(ef->buf, 0, sizeof(ef->buf));
	struct file *f = ef->file;
	for (size_t got = 0; got < sizeof(ef->buf);) {
		int64_t r = f ? f->ops->pread(f, ef->t, ef->buf + got,
					      sizeof(ef->buf) - got, (int64_t)got)
			      : pread(ef->host_fd, ef->buf + got,
				      sizeof(ef->buf) - got, (off_t)got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
}

/* Linux's do_open_execat: a regular file, execute permission (not read
 * permission: a mode 0711 program runs), a mount without noexec. */
static int open_resolved(struct task *t, const char *path,
			 const struct path *p, struct file **out,
			 struct error *err)
{
	struct inode *i = p->dentry->inode;
	if (S_ISLNK(i->mode))  /* AT_SYMLINK_NOFOLLOW on a symlink */
		return error_set_errno(err, ELOOP, "%s", path);
	if (!S_ISREG(i->mode) || !i->ops->open)
		return error_set(err, EACCES, "%s: not a regular file", path);
	if (p->mnt->flags & MS_NOEXEC)
		return error_set(err, EACCES, "%s: on a noexec mount", path);
	struct cred c = task_cred(t);
	if (inode_permission(i, &c, MAY_EXEC) < 0)
		return error_set(err, EACCES, "%s: not executable", path);
	int rc = i->ops->open(p->dentry, p->mnt, O_RDONLY | O_LARGEFILE, out);
	if (rc < 0)
		return error_set_errno(err, -rc, "%s", path);
	if (!(*out)->ops->pread) {
		file_put(*out);
		return error_set(err, EACCES, "%s: cannot be read", path);
	}
	return 0;
}

static int open_host(const char *path, int *out, struct error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, errno, "%s", path);
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		rc = error_set(err, EACCES, "%s: not a regular file", path);
	else if (access(path, X_OK) < 0)
		rc = error_set(err, EACCES, "%s: not executable", path);
	if (rc < 0)
		close(fd);
	else
		*out = fd;
	return rc;
}

int exec_file_open(struct task *t, int dirfd, const char *path,
		   unsigned walk_flags, bool host_fallback,
		   struct exec_file *ef, struct error *err)
{
	*ef = (struct exec_file){ .t = t, .host_fd = -1 };
	struct path p;
	int rc = namei(t, dirfd, path, walk_flags, &p);
	if (rc == 0) {
		rc = open_resolved(t, path, &p, &ef->file, err);
		path_put(&p);
	} else if (rc == -ENOENT && host_fallback &&
		   vfs_root_is_host(t->kernel->vfs)) {
		rc = open_host(path, &ef->host_fd, err);
	} else {
		rc = error_set_errno(err, -rc, "%s", path);
	}
	if (rc < 0)
		return rc;
	if (!(ef->name = strdup(path))) {
		exec_file_close(ef);
		return error_set(err, ENOMEM, "out of memory");
	}
	read_head(ef);
	return 0;
}

void exec_file_close(struct exec_file *ef)
{
	if (ef->file)
		file_put(ef->file);
	else if (ef->host_fd >= 0)
		close(ef->host_fd);
	free(ef->name);
	ef->file = NULL;
	ef->host_fd = -1;
	ef->name = NULL;
}

/* ---- the binary formats ----------------------------------------------- */

void *exec_state_own(struct exec_state *es, void *p)
{
	if (p && es->nowned < (int)(sizeof(es->owned) / sizeof(es->owned[0]))) {
		es->owned[es->nowned++] = p;
		return p;
	}
	free(p);
	return NULL;
}

static void exec_state_free(struct exec_state *es)
{
	while (es->nowned > 0)
		free(es->owned[--es->nowned]);
}

/* Linux's exec_binprm: the formats in turn, a script handing on to its
 * interpreter, at most LOADER_MAX_DEPTH times. */
static int load_formats(struct exec_state *es, struct exec_file *ef,
			struct loader_program *out, struct error *err)
{
	for (int depth = 0;; depth++) {
		if (depth > LOADER_MAX_DEPTH)
			return error_set(err, ELOOP, "%s: too many levels of "
					 "interpreters", es->filename);
		if (memcmp(ef->buf, ELFMAG, SELFMAG) == 0)
			return loader_elf(es, ef, out, err);
		if (ef->buf[0] != '#' || ef->buf[1] != '!')
			return error_set(err, ENOEXEC, "%s: not an ELF "
					 "executable nor a \"#!\" script",
					 ef->name);
		const char *interp;
		int rc = loader_script(es, ef, &interp, err);
		if (rc < 0)
			return rc;
		exec_file_close(ef);
		rc = exec_file_open(es->t, AT_FDCWD, interp, WALK_FOLLOW, false,
				    ef, err);
		if (rc < 0)
			return rc;
	}
}

/* Linux's bprm->filename: what AT_EXECFN and the task's name say. */
static char *exec_filename(const struct loader_args *a)
{
	char *s = NULL;
	if (a->dirfd == AT_FDCWD || a->path[0] == '/')
		s = strdup(a->path);
	else if (a->path[0] == '\0' && asprintf(&s, "/dev/fd/%d", a->dirfd) < 0)
		s = NULL;
	else if (a->path[0] != '\0' &&
		 asprintf(&s, "/dev/fd/%d/%s", a->dirfd, a->path) < 0)
		s = NULL;
	return s;
}

static bool fd_cloexec(struct task *t, int fd)
{
	return t->files && fdtable_get(t->files, fd) &&
	       fdtable_cloexec(t->files, fd);
}

/* Linux 5.18+: a program started with no argv gets argv[0] = "". */
static char *const empty_argv[] = { "", NULL };

int loader_load(struct task *t, const struct loader_args *a,
		struct loader_program *out, struct error *err)
{
	struct exec_state es = {
		.t = t,
		.argv = (char **)(a->argv && a->argv[0] ? a->argv : empty_argv),
		.envp = a->envp,
		.comm_from_file = a->path[0] == '\0',
	};
	char *filename = exec_state_own(&es, exec_filename(a));
	if (!filename)
		return error_set(err, ENOMEM, "out of memory");
	es.filename = filename;
	es.path_inaccessible = a->dirfd != AT_FDCWD && a->path[0] != '/' &&
			       fd_cloexec(t, a->dirfd);
	struct exec_file ef;
	int rc = exec_file_open(t, a->dirfd, a->path, a->walk_flags,
				a->host_fallback, &ef, err);
	if (rc == 0) {
		/* The script's name for its interpreter is the given one. */
		char *name = strdup(filename);
		if (name) {
			free(ef.name);
			ef.name = name;
		}
		rc = load_formats(&es, &ef, out, err);
		exec_file_close(&ef);
	}
	exec_state_free(&es);
	return rc;
}

/* ---- pid 1 ------------------------------------------------------------- */

void loader_install_fresh(struct task *t, struct loader_program *prog)
{
	if (t->mm)
		mm_put(t->mm);
	t->mm = prog->mm;
	prog->mm = NULL;
	memcpy(t->tg->comm, prog->comm, sizeof(t->tg->comm));
	cpu_state_init_exec(&t->cpu, prog->entry, prog->sp);
}

int loader_exec_initial(struct task *t, const char *path, char *const argv[],
			char *const envp[], struct error *err)
{
	const struct loader_args a = {
		.dirfd = AT_FDCWD, .path = path, .walk_flags = WALK_FOLLOW,
		.argv = argv, .envp = envp, .host_fallback = true,
	};
	struct loader_program prog;
	int rc = loader_load(t, &a, &prog, err);
	if (rc == 0)
		loader_install_fresh(t, &prog);
	return rc;
}

int loader_find_program(const char *name, char *const envp[], char *out,
			size_t outlen, struct error *err)
{
	if (strchr(name, '/')) {
		if (strlen(name) >= outlen)
			return error_set(err, ENAMETOOLONG, "%s: name too long",
					 name);
		strcpy(out, name);
		return 0;
	}
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
			   "/sbin:/bin";
	for (size_t i = 0; envp && envp[i]; i++)
		if (strncmp(envp[i], "PATH=", 5) == 0)
			path = envp[i] + 5;
	for (const char *p = path; *p;) {
		const char *end = strchrnul(p, ':');
		int n = snprintf(out, outlen, "%.*s/%s", (int)(end - p), p, name);
		if (n > 0 && (size_t)n < outlen && access(out, X_OK) == 0)
			return 0;
		p = *end ? end + 1 : end;
	}
	return error_set(err, ENOENT, "%s: command not found", name);
}
