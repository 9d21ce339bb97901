/* procfs and sysfs: superblocks, inodes, directories and links. See
 * procfs.h; contents are made in procfs_pid.c and procfs_info.c. */
#include "core/fs/procfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/fdtable.h"
#include "core/file.h"
#include "core/fs/dentry.h"
#include "core/fs/dir_listing.h"
#include "core/fs/fs_context.h"
#include "core/fs/mount.h"
#include "core/fs/procfs_internal.h"
#include "core/fs/vfs.h"
#include "core/kernel.h"
#include "core/mm.h"
#include "core/task.h"

#ifndef SYSFS_MAGIC
#define SYSFS_MAGIC 0x62656572
#endif

/* ---- finding what an inode shows ------------------------------------- */

struct task *procfs_find_task(struct kernel *k, uint32_t tid)
{
	for (struct task *t = k ? k->tasks : NULL; t; t = t->next)
		if (t->tid == tid && t->tg)
			return t;
	return NULL;
}

struct thread_group *procfs_find_group(struct kernel *k, uint32_t tgid)
{
	struct task *t = procfs_find_task(k, tgid);
	return t && t->tg->tgid == tgid ? t->tg : NULL;
}

struct task *procfs_group_task(struct kernel *k, struct thread_group *tg)
{
	for (struct task *t = k->tasks; t; t = t->next)
		if (t->tg == tg && t->state != TASK_EXITED && t->mm)
			return t;
	return tg->leader;
}

int procfs_resolve(struct procfs_inode *pi, struct proc_ctx *c)
{
	*c = (struct proc_ctx){ .k = pi->vfs.sb->kernel, .fd = pi->fd };
	if (!pi->tgid)
		return 0;
	c->tg = procfs_find_group(c->k, pi->tgid);
	if (!c->tg)
		return -ENOENT;
	if (pi->tid != pi->tgid) {
		c->task = procfs_find_task(c->k, pi->tid);
		if (!c->task || c->task->tg != c->tg)
			return -ENOENT;
	} else {
		c->task = procfs_group_task(c->k, c->tg);
	}
	if (pi->fd >= 0 && !(c->task && c->task->files &&
			     fdtable_get(c->task->files, pi->fd)))
		return -ENOENT;
	return 0;
}

/* ---- inodes ------------------------------------------------------------ */

/* Inode numbers are a function of what an inode shows, so a listing and
 * a later lookup agree, and they stay stable across save and restore. */
static uint64_t entry_ino(uint32_t table, uint32_t index, uint32_t tid,
			  int32_t fd)
{
	uint64_t low = fd >= 0 ? 0x1000u + (uint32_t)fd : index;
	return ((uint64_t)tid << 32) | ((uint64_t)table << 24) | (low + 1);
}

static struct procfs_inode *inode_new(struct superblock *sb, uint32_t table,
				      uint32_t index, uint32_t tgid,
				      uint32_t tid, int32_t fd)
{
	struct procfs_inode *pi = calloc(1, sizeof(*pi));
	if (!pi)
		return NULL;
	const struct proc_entry *e = &procfs_tables[table].entries[index];
	struct create_args a = { .mode = e->mode };
	inode_init(&pi->vfs, &procfs_inode_ops, sb,
		   entry_ino(table, index, tid, fd), &a);
	pi->table = table;
	pi->index = index;
	pi->tgid = tgid;
	pi->tid = tid;
	pi->fd = fd;
	if (S_ISDIR(e->mode))
		pi->vfs.nlink = 2;
	return pi;
}

static void procfs_inode_destroy(struct inode *i)
{
	free(PROCFS_I(i));
}

static bool is_fd_object(const struct procfs_inode *pi)
{
	return pi->table == PT_DYN && pi->index == DYN_E_FDOBJ;
}

/* The open file an fd entry shows, or NULL when it is gone. */
static struct file *fd_file(struct procfs_inode *pi)
{
	struct proc_ctx c;
	if (procfs_resolve(pi, &c) < 0 || !c.task || !c.task->files)
		return NULL;
	return fdtable_get(c.task->files, pi->fd);
}

/* A per-process entry belongs to the process's effective user, as in
 * Linux (ps shows the owner from it). */
static void procfs_getattr(struct dentry *d, struct vfs_stat *st)
{
	struct procfs_inode *pi = PROCFS_I(d->inode);
	struct proc_ctx c;
	st->blocks = 0;
	struct file *f = is_fd_object(pi) ? fd_file(pi) : NULL;
	if (f) {
		vfs_fstat(f, st);
		return;
	}
	if (pi->table == PT_DYN && pi->index == DYN_E_FD &&
	    (f = fd_file(pi))) {
		/* As Linux: the link's permissions are the file's access. */
		uint32_t acc = f->flags & O_ACCMODE;
		st->mode = S_IFLNK |
			   (acc != O_WRONLY ? 0500 : 0100) |
			   (acc != O_RDONLY ? 0200 : 0);
	}
	if (pi->tgid && procfs_resolve(pi, &c) == 0 && c.task) {
		st->uid = c.task->euid;
		st->gid = c.task->egid;
	}
}

/* ---- directories -------------------------------------------------------- */

static bool parse_number(const char *s, uint32_t *out)
{
	if (!*s || (*s == '0' && s[1]) || strlen(s) > 10)
		return false;
	uint64_t v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > INT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* "cpuN" for a CPU the sandbox shows. */
static bool cpu_number(const char *name, uint32_t *n)
{
	if (strncmp(name, "cpu", 3))
		return false;
	if (!parse_number(name + 3, n))
		return false;
	return *n < procfs_cpu_count();
}

/* Does the dynamic name n exist in directory pi? Which entry it is. */
static int dyn_lookup(struct procfs_inode *pi, uint32_t n, uint32_t *index,
		      uint32_t *tgid, uint32_t *tid, int32_t *fd)
{
	struct proc_ctx c;
	int rc = procfs_resolve(pi, &c);
	if (rc < 0)
		return rc;
	switch (procfs_tables[pi->table].dyn) {
	case DYN_PIDS:
		if (!procfs_find_group(c.k, n))
			return -ENOENT;
		*index = DYN_E_PID;
		*tgid = *tid = n;
		return 0;
	case DYN_TIDS: {
		struct task *t = procfs_find_task(c.k, n);
		if (!t || t->tg != c.tg)
			return -ENOENT;
		*index = DYN_E_TID;
		*tid = n;
		return 0;
	}
	case DYN_FDS:
	case DYN_FDINFOS:
		if (!c.task || !c.task->files || n > INT32_MAX ||
		    !fdtable_get(c.task->files, (int)n))
			return -ENOENT;
		*index = procfs_tables[pi->table].dyn == DYN_FDS
				 ? DYN_E_FD : DYN_E_FDINFO;
		*fd = (int32_t)n;
		return 0;
	default:
		return -ENOENT;
	}
}

static int procfs_lookup(struct dentry *dir, const char *name,
			 struct dentry **out)
{
	struct procfs_inode *pi = PROCFS_I(dir->inode);
	const struct proc_entry *e = procfs_entry(pi);
	const struct proc_table *tab = &procfs_tables[e->sub];
	uint32_t table = (uint32_t)e->sub, index = 0, n;
	uint32_t tgid = pi->tgid, tid = pi->tid;
	int32_t fd = -1;
	int rc = -ENOENT;
	struct proc_ctx c;
	if (pi->tgid && (rc = procfs_resolve(pi, &c)) < 0)
		return rc;
	rc = -ENOENT;
	for (uint32_t i = 0; i < tab->n; i++)
		if (!strcmp(tab->entries[i].name, name)) {
			index = i;
			rc = 0;
		}
	if (rc < 0 && tab->dyn == DYN_CPUS && cpu_number(name, &n)) {
		table = PT_DYN;
		index = DYN_E_CPU;
		fd = (int32_t)n;
		rc = 0;
	} else if (rc < 0 && tab->dyn != DYN_NONE && tab->dyn != DYN_CPUS &&
		   parse_number(name, &n)) {
		struct procfs_inode view = *pi;
		view.table = table;    /* the directory's own table */
		rc = dyn_lookup(&view, n, &index, &tgid, &tid, &fd);
		table = PT_DYN;
	}
	if (rc < 0)
		return rc;
	struct procfs_inode *ci = inode_new(dir->inode->sb, table, index,
					    tgid, tid, fd);
	if (!ci)
		return -ENOMEM;
	struct dentry *d = dentry_alloc(dir, name);
	dentry_instantiate(d, &ci->vfs);
	dentry_add_child(dir, d);
	*out = d;
	return 0;
}

static int add_entry(struct dir_listing *out, const char *name,
		     uint32_t table, uint32_t index, uint32_t tid, int32_t fd)
{
	uint32_t mode = procfs_tables[table].entries[index].mode;
	return dir_listing_add(out, name, entry_ino(table, index, tid, fd),
			       (uint8_t)IFTODT(mode));
}

static int add_number(struct dir_listing *out, uint32_t n, uint32_t index,
		      uint32_t tid, int32_t fd)
{
	char name[16];
	snprintf(name, sizeof(name), "%" PRIu32, n);
	return add_entry(out, name, PT_DYN, index, tid, fd);
}

static int readdir_dyn(const struct proc_ctx *c, enum proc_dyn dyn,
		       uint32_t dir_tid, struct dir_listing *out)
{
	int rc = 0;
	if (dyn == DYN_PIDS || dyn == DYN_TIDS) {
		for (struct task *t = c->k->tasks; t && rc == 0; t = t->next) {
			if (!t->tg)
				continue;
			if (dyn == DYN_PIDS && t->tid == t->tg->tgid)
				rc = add_number(out, t->tid, DYN_E_PID, t->tid,
						-1);
			else if (dyn == DYN_TIDS && t->tg == c->tg)
				rc = add_number(out, t->tid, DYN_E_TID, t->tid,
						-1);
		}
		return rc;
	}
	if (dyn == DYN_CPUS) {
		char name[24];
		for (long n = 0; n < procfs_cpu_count() && rc == 0; n++) {
			snprintf(name, sizeof(name), "cpu%ld", n);
			rc = add_entry(out, name, PT_DYN, DYN_E_CPU, 0,
				       (int32_t)n);
		}
		return rc;
	}
	const struct fdtable *ft = c->task ? c->task->files : NULL;
	uint32_t index = dyn == DYN_FDS ? DYN_E_FD : DYN_E_FDINFO;
	for (uint32_t fd = 0; ft && fd < ft->nfds && rc == 0; fd++)
		if (ft->fds[fd].file)
			rc = add_number(out, fd, index, dir_tid,
					(int32_t)fd);
	return rc;
}

static int procfs_readdir(struct dentry *dir, struct dir_listing *out)
{
	struct procfs_inode *pi = PROCFS_I(dir->inode);
	struct proc_ctx c;
	int rc = procfs_resolve(pi, &c);
	if (rc < 0)
		return rc;
	const struct dentry *up = dir->parent ? dir->parent : dir;
	rc = dir_listing_add(out, ".", pi->vfs.ino, DT_DIR);
	if (rc == 0)
		rc = dir_listing_add(out, "..", up->inode->ino, DT_DIR);
	uint32_t table = (uint32_t)procfs_entry(pi)->sub;
	const struct proc_table *tab = &procfs_tables[table];
	for (uint32_t i = 0; i < tab->n && rc == 0; i++)
		rc = add_entry(out, tab->entries[i].name, table, i, pi->tid,
			       -1);
	if (rc == 0 && tab->dyn != DYN_NONE)
		rc = readdir_dyn(&c, tab->dyn, pi->tid, out);
	return rc;
}

/* Names in /proc and /sys are not the program's to make or change: a
 * new name fails as Linux's proc lookups make it fail. */
static int procfs_new_name(struct dentry *dir, const char *name,
			 const struct create_args *a, struct dentry **out)
{
	(void)dir, (void)name, (void)a, (void)out;
	return -ENOENT;
}

static int procfs_unlink(struct dentry *dir, struct dentry *victim)
{
	(void)dir, (void)victim;
	return -EPERM;
}

static bool procfs_is_empty(struct dentry *dir)
{
	(void)dir;
	return false;
}

/* ---- links ---------------------------------------------------------------- */

/* The text of a link to an open file: its path, or what Linux shows for
 * files without one ("pipe:[N]", "anon_inode:[eventfd]"). */
static int file_link_text(struct task *t, struct file *f, char *buf,
			  size_t size)
{
	if (f->mnt && f->dentry) {
		struct path p = { f->mnt, f->dentry };
		int n = vfs_path_name(t, &p, buf, size);
		if (n != -ENOENT)
			return n < 0 ? n : n - 1;
		/* Removed: its old place, as Linux shows it. */
		struct path dir = { f->mnt, f->dentry->parent };
		n = dir.dentry ? vfs_path_name(t, &dir, buf, size) : -ENOENT;
		if (n < 0)
			n = snprintf(buf, size, "/%s (deleted)",
				     f->dentry->name);
		else
			n = (n - 1) + snprintf(buf + n - 1, size - (size_t)n + 1,
					       "%s%s (deleted)",
					       n == 2 ? "" : "/",
					       f->dentry->name);
		return n < (int)size ? n : -ENAMETOOLONG;
	}
	int n = f->ops->name ? f->ops->name(f, buf, size)
			     : snprintf(buf, size, "anon_inode:[%s]",
					f->ops->codec_type->name);
	return n < (int)size ? n : -ENAMETOOLONG;
}

/* The path a magic link leads to in c (new references), or -ENOENT. */
static int magic_path(const struct proc_ctx *c, enum proc_link link,
		      struct path *out, struct file **file)
{
	*file = NULL;
	struct task *t = c->task;
	switch (link) {
	case LINK_CWD:
	case LINK_ROOT:
		if (!t || !t->fs)
			return -ENOENT;
		*out = link == LINK_CWD ? t->fs->cwd : t->fs->root;
		path_get(out);
		return 0;
	case LINK_FD:
		*file = t && t->files ? fdtable_get(t->files, c->fd) : NULL;
		if (!*file)
			return -ENOENT;
		if (!(*file)->mnt || !(*file)->dentry)
			return 1;      /* no path: shown by name only */
		*out = (struct path){ (*file)->mnt, (*file)->dentry };
		path_get(out);
		return 0;
	default:
		return -EINVAL;
	}
}

static int procfs_readlink_task(struct dentry *d, struct task *t, char *buf,
				size_t size)
{
	struct procfs_inode *pi = PROCFS_I(d->inode);
	const struct proc_entry *e = procfs_entry(pi);
	struct proc_ctx c;
	int rc = procfs_resolve(pi, &c);
	if (rc < 0)
		return rc;
	char tmp[4096];
	int n;
	switch (e->link) {
	case LINK_SELF:
		n = snprintf(tmp, sizeof(tmp), "%u", t->tg->tgid);
		break;
	case LINK_THREAD_SELF:
		n = snprintf(tmp, sizeof(tmp), "%u/task/%u", t->tg->tgid,
			     t->tid);
		break;
	case LINK_TEXT:
		n = snprintf(tmp, sizeof(tmp), "%s", e->target);
		break;
	case LINK_EXE:
		if (!c.task || !c.task->mm || !c.task->mm->exe_path)
			return -ENOENT;
		n = snprintf(tmp, sizeof(tmp), "%s", c.task->mm->exe_path);
		break;
	default: {
		struct path p;
		struct file *f;
		rc = magic_path(&c, e->link, &p, &f);
		if (rc < 0)
			return rc;
		if (f) {
			n = file_link_text(t, f, tmp, sizeof(tmp));
		} else {
			n = vfs_path_name(t, &p, tmp, sizeof(tmp));
			n = n > 0 ? n - 1 : n;
		}
		if (rc == 0)
			path_put(&p);
		if (n < 0)
			return n;
	}
	}
	size_t len = (size_t)n < size ? (size_t)n : size;
	memcpy(buf, tmp, len);
	return (int)len;
}

/* The mount of sb's root (for a path into this procfs). */
static struct mount *procfs_mount(struct superblock *sb)
{
	struct kernel *k = sb->kernel;
	for (struct mount *m = k && k->vfs ? k->vfs->mounts : NULL; m;
	     m = m->next)
		if (m->sb == sb)
			return m;
	return NULL;
}

/* An anonymous entry for f, the file of fd link d without a path: the
 * walk ends there, stat shows the file and opening it gives the file. */
static int fd_object_path(struct dentry *d, struct file *f, struct path *out)
{
	struct procfs_inode *link = PROCFS_I(d->inode);
	struct mount *m = procfs_mount(d->inode->sb);
	struct vfs_stat st;
	if (!m || vfs_fstat(f, &st) < 0)
		return -ENXIO;
	struct procfs_inode *pi = inode_new(d->inode->sb, PT_DYN, DYN_E_FDOBJ,
					    link->tgid, link->tid, link->fd);
	if (!pi)
		return -ENOMEM;
	pi->vfs.mode = st.mode;
	pi->vfs.uid = st.uid;
	pi->vfs.gid = st.gid;
	pi->vfs.rdev = st.rdev;
	struct dentry *obj = dentry_alloc(NULL, d->name);
	dentry_instantiate(obj, &pi->vfs);
	mount_get(m);
	*out = (struct path){ m, obj };
	return 0;
}

static int procfs_get_link(struct dentry *d, struct task *t, struct path *out)
{
	struct procfs_inode *pi = PROCFS_I(d->inode);
	enum proc_link link = procfs_entry(pi)->link;
	if (link == LINK_SELF || link == LINK_THREAD_SELF || link == LINK_TEXT ||
	    link == LINK_EXE)
		return 1;    /* exe: followed by name (mm keeps no path) */
	(void)t;
	struct proc_ctx c;
	int rc = procfs_resolve(pi, &c);
	if (rc < 0)
		return rc;
	struct file *f;
	rc = magic_path(&c, link, out, &f);
	return rc == 1 ? fd_object_path(d, f, out) : rc;
}

/* Only what an fd object stands for changes: O_TRUNC of the open
 * file (`> /dev/stdout` when stdout is a file). */
static int procfs_setattr(struct dentry *d, const struct iattr *ia)
{
	struct procfs_inode *pi = PROCFS_I(d->inode);
	struct file *f = is_fd_object(pi) ? fd_file(pi) : NULL;
	if (!f || ia->valid != IATTR_SIZE)
		return -EPERM;
	return f->ops->truncate ? f->ops->truncate(f, ia->size) : -EINVAL;
}

static int procfs_open(struct dentry *d, struct mount *mnt, uint32_t flags,
		       struct file **out)
{
	struct procfs_inode *pi = PROCFS_I(d->inode);
	if (is_fd_object(pi)) {
		/* Opening a pipe or the host's stdio through /proc: the same
		 * open file, as dup gives (Linux opens the object anew). */
		struct file *f = fd_file(pi);
		if (!f)
			return -ENOENT;
		file_get(f);
		*out = f;
		return 0;
	}
	if (!S_ISREG(d->inode->mode))
		return -ENXIO;
	return procfs_file_open(d, mnt, flags, out);
}

const struct inode_ops procfs_inode_ops = {
	.codec_type = &codec_type_procfs_inode,
	.lookup = procfs_lookup,
	.create = procfs_new_name,
	.unlink = procfs_unlink,
	.rmdir = procfs_unlink,
	.readdir = procfs_readdir,
	.is_empty = procfs_is_empty,
	.readlink_task = procfs_readlink_task,
	.get_link = procfs_get_link,
	.getattr = procfs_getattr,
	.setattr = procfs_setattr,
	.open = procfs_open,
	.destroy = procfs_inode_destroy,
};

/* ---- superblocks ------------------------------------------------------- */

static void procfs_sb_destroy(struct superblock *sb)
{
	free(sb);
}

static int procfs_statfs(struct superblock *sb, struct statfs *st)
{
	memset(st, 0, sizeof(*st));
	st->f_type = ((struct procfs_sb *)sb)->flavor == PROCFS_SYS
			     ? SYSFS_MAGIC : PROC_SUPER_MAGIC;
	st->f_bsize = st->f_frsize = 4096;
	st->f_namelen = 255;
	return 0;
}

const struct fs_ops procfs_ops = {
	.name = "proc",
	.codec_type = &codec_type_procfs_sb,
	.statfs = procfs_statfs,
	.destroy = procfs_sb_destroy,
};

const struct fs_ops sysfs_ops = {
	.name = "sysfs",
	.codec_type = &codec_type_procfs_sb,
	.statfs = procfs_statfs,
	.destroy = procfs_sb_destroy,
};

int procfs_create(struct kernel *k, uint64_t dev, enum procfs_flavor flavor,
		  struct superblock **sb, struct dentry **root)
{
	struct procfs_sb *ps = calloc(1, sizeof(*ps));
	if (!ps)
		return -ENOMEM;
	super_init(&ps->sb, flavor == PROCFS_SYS ? &sysfs_ops : &procfs_ops,
		   k, dev);
	ps->flavor = flavor;
	struct procfs_inode *pi = inode_new(&ps->sb, PT_ROOTS, flavor, 0, 0,
					    -1);
	if (!pi) {
		free(ps);
		return -ENOMEM;
	}
	/* The root inode holds its own reference to the superblock. */
	*sb = &ps->sb;
	*root = dentry_alloc(NULL, "/");
	dentry_instantiate(*root, &pi->vfs);
	return 0;
}

/* ---- serialization ------------------------------------------------------ */

/* Layout (version 1): superblock common part; u32 flavor. */
static void procfs_sb_save(struct encoder *enc, const void *obj)
{
	const struct procfs_sb *ps = obj;
	super_save_common(enc, &ps->sb);
	enc_u32(enc, ps->flavor);
}

static void procfs_sb_load(struct decoder *dec, void *obj)
{
	struct procfs_sb *ps = obj;
	super_load_common(dec, &ps->sb, &procfs_ops);
	ps->flavor = dec_u32(dec);
	if (dec_ok(dec) && ps->flavor > PROCFS_SYS)
		dec_fail(dec, "procfs flavor %u", ps->flavor);
	if (ps->flavor == PROCFS_SYS)
		ps->sb.ops = &sysfs_ops;
}

static int procfs_sb_after_load(void *obj, void *ctx, struct error *err)
{
	(void)err;
	((struct procfs_sb *)obj)->sb.kernel = kernel_restoring(ctx);
	return 0;
}

const struct codec_type codec_type_procfs_sb = {
	.name = "procfs_sb",
	.version = 1,
	.size = sizeof(struct procfs_sb),
	.after_load_phase = DENTRY_RESTORE_PHASE,
	.save = procfs_sb_save,
	.load = procfs_sb_load,
	.after_load = procfs_sb_after_load,
};

/* Layout (version 1): inode common part; u32 table, index, tgid, tid;
 * i32 fd. The entry must exist and agree with the saved mode. */
static void procfs_inode_save(struct encoder *enc, const void *obj)
{
	const struct procfs_inode *pi = obj;
	inode_save_common(enc, &pi->vfs);
	enc_u32(enc, pi->table);
	enc_u32(enc, pi->index);
	enc_u32(enc, pi->tgid);
	enc_u32(enc, pi->tid);
	enc_i32(enc, pi->fd);
}

static void procfs_inode_load(struct decoder *dec, void *obj)
{
	struct procfs_inode *pi = obj;
	inode_load_common(dec, &pi->vfs, &procfs_inode_ops);
	pi->table = dec_u32(dec);
	pi->index = dec_u32(dec);
	pi->tgid = dec_u32(dec);
	pi->tid = dec_u32(dec);
	pi->fd = dec_i32(dec);
	if (!dec_ok(dec))
		return;
	if (pi->table >= PT_COUNT || pi->index >= procfs_tables[pi->table].n)
		dec_fail(dec, "procfs entry %u/%u", pi->table, pi->index);
	else if (procfs_entry(pi)->mode &&
		 procfs_entry(pi)->mode != pi->vfs.mode)
		dec_fail(dec, "procfs entry %u/%u has mode %#o", pi->table,
			 pi->index, pi->vfs.mode);
	else if (S_ISDIR(pi->vfs.mode) != S_ISDIR(procfs_entry(pi)->mode) ||
		 S_ISLNK(pi->vfs.mode) != S_ISLNK(procfs_entry(pi)->mode))
		dec_fail(dec, "procfs entry %u/%u of the wrong type", pi->table,
			 pi->index);
	else if (pi->fd < -1 || (pi->tgid == 0) != (pi->tid == 0))
		dec_fail(dec, "procfs entry with fd %d, pid %u, tid %u",
			 pi->fd, pi->tgid, pi->tid);
}

const struct codec_type codec_type_procfs_inode = {
	.name = "procfs_inode",
	.version = 1,
	.size = sizeof(struct procfs_inode),
	.save = procfs_inode_save,
	.load = procfs_inode_load,
};
