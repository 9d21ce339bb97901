/* Path walking. See namei.h. */
#include "core/fs/namei.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/fdtable.h"
#include "core/file.h"
#include "core/fs/dentry.h"
#include "core/fs/fs_context.h"
#include "core/fs/inode.h"
#include "core/fs/vfs.h"
#include "core/kernel.h"
#include "core/mm.h"
#include "core/task.h"

int vfs_lookup_child(struct dentry *dir, const char *name,
		     struct dentry **out)
{
	struct inode *i = dir->inode;
	if (!i)
		return -ENOENT;
	if (!S_ISDIR(i->mode))
		return -ENOTDIR;
	struct dentry *c = dentry_find_child(dir, name);
	if (c) {
		if (!c->inode)
			return -ENOENT;        /* a whiteout */
		dentry_get(c);
		*out = c;
		return 0;
	}
	/* A removed directory has no entries and gets none. */
	if (i->nlink == 0 || !i->ops->lookup)
		return -ENOENT;
	return i->ops->lookup(dir, name, out);
}

static bool is_dir(const struct dentry *d)
{
	return d->inode && S_ISDIR(d->inode->mode);
}

static bool is_symlink(const struct dentry *d)
{
	return d->inode && S_ISLNK(d->inode->mode);
}

/* Where a relative walk starts: the working directory or dirfd's path. */
static int start_at_dirfd(struct walk *w, struct task *t, int dirfd,
			  bool empty)
{
	if (dirfd == AT_FDCWD) {
		path_set(&w->cur, &t->fs->cwd);
		return 0;
	}
	struct file *f = t->files ? fdtable_get(t->files, dirfd) : NULL;
	if (!f)
		return -EBADF;
	if (!f->dentry)
		return -ENOTDIR;
	if (!empty && !is_dir(f->dentry))
		return -ENOTDIR;
	struct path p = { f->mnt, f->dentry };
	path_set(&w->cur, &p);
	return 0;
}

int walk_start(struct walk *w, struct task *t, int dirfd, const char *path,
	       unsigned flags)
{
	memset(w, 0, sizeof(*w));
	struct vfs *v = t->kernel ? t->kernel->vfs : NULL;
	if (!t->fs || !v)
		return -ENOENT;
	w->vfs = v;
	w->task = t;
	w->cred = task_cred(t);
	w->flags = flags;
	path_set(&w->root, &t->fs->root);
	if (!path[0] && !(flags & WALK_EMPTY))
		return -ENOENT;
	int rc;
	if (path[0] == '/') {
		path_set(&w->cur, &w->root);
		rc = 0;
	} else {
		rc = start_at_dirfd(w, t, dirfd, !path[0]);
	}
	if (rc < 0)
		return rc;
	w->buf = strdup(path);
	return w->buf ? 0 : -ENOMEM;
}

void walk_end(struct walk *w)
{
	path_put(&w->cur);
	path_put(&w->root);
	free(w->buf);
	w->buf = NULL;
}

/* A magic link (inode_ops.get_link): the walk continues at the object
 * the link leads to, with rest still to walk. 0 when done, 1 when the
 * link is to be followed by its text instead, or -errno. */
static int follow_magic_link(struct walk *w, struct dentry *link,
			     const char *rest)
{
	struct path to;
	int rc = link->inode->ops->get_link(link, w->task, &to);
	if (rc != 0)
		return rc;
	char *buf = strdup(rest);
	if (!buf) {
		path_put(&to);
		return -ENOMEM;
	}
	free(w->buf);
	w->buf = buf;
	w->pos = 0;
	path_put(&w->cur);
	w->cur = to;
	return 0;
}

/* Replaces what is left to walk with the link's target followed by rest
 * (which starts with a slash, or is empty). */
static int splice_link(struct walk *w, struct dentry *link, const char *rest)
{
	if (++w->links > NAMEI_MAXSYMLINKS)
		return -ELOOP;
	const struct inode_ops *ops = link->inode->ops;
	if (ops->get_link) {
		int rc = follow_magic_link(w, link, rest);
		if (rc <= 0)
			return rc;
	}
	if (!ops->readlink && !ops->readlink_task)
		return -EINVAL;
	size_t restlen = strlen(rest);
	char *buf = malloc(PATH_MAX + restlen + 1);
	if (!buf)
		return -ENOMEM;
	int n = ops->readlink_task
			? ops->readlink_task(link, w->task, buf, PATH_MAX)
			: ops->readlink(link, buf, PATH_MAX);
	if (n <= 0) {
		free(buf);
		return n < 0 ? n : -ENOENT;
	}
	memcpy(buf + n, rest, restlen + 1);
	free(w->buf);
	w->buf = buf;
	w->pos = 0;
	if (buf[0] == '/')
		path_set(&w->cur, &w->root);
	return 0;
}

/* Checks that the walk may search w->cur. */
static int may_search(struct walk *w)
{
	if (!w->cur.dentry->inode)
		return -ENOENT;
	if (!is_dir(w->cur.dentry))
		return -ENOTDIR;
	return inode_permission(w->cur.dentry->inode, &w->cred, MAY_EXEC);
}

/* The child named w->last of w->cur, mounts followed. */
static int lookup_in_cur(struct walk *w, struct path *out)
{
	struct dentry *c;
	int rc = vfs_lookup_child(w->cur.dentry, w->last, &c);
	if (rc < 0)
		return rc;
	mount_get(w->cur.mnt);
	*out = (struct path){ w->cur.mnt, c };
	path_follow_mounts(out, w->vfs->mounts);
	return 0;
}

/* One component that is not the last: rest is what follows it. */
static int walk_step(struct walk *w, enum last_type type, size_t rest)
{
	int rc = may_search(w);
	if (rc < 0)
		return rc;
	if (type == LAST_DOT) {
		w->pos = rest;
		return 0;
	}
	if (type == LAST_DOTDOT) {
		path_up(&w->cur, &w->root, w->vfs->mounts);
		w->pos = rest;
		return 0;
	}
	struct path next;
	rc = lookup_in_cur(w, &next);
	if (rc < 0)
		return rc;
	if (is_symlink(next.dentry)) {
		rc = splice_link(w, next.dentry, w->buf + rest);
		path_put(&next);
		return rc;
	}
	path_put(&w->cur);
	w->cur = next;
	w->pos = rest;
	return 0;
}

static enum last_type name_type(const char *s, size_t len)
{
	if (len == 1 && s[0] == '.')
		return LAST_DOT;
	if (len == 2 && s[0] == '.' && s[1] == '.')
		return LAST_DOTDOT;
	return LAST_NORM;
}

int walk_parent(struct walk *w)
{
	for (;;) {
		const char *s = w->buf + w->pos;
		if (!*s && w->pos == 0) {
			w->last_type = LAST_EMPTY;   /* WALK_EMPTY checked */
			return 0;
		}
		while (*s == '/')
			s++;
		if (!*s) {
			w->last_type = LAST_ROOT;
			return 0;
		}
		const char *e = strchrnul(s, '/');
		const char *t = e;
		while (*t == '/')
			t++;
		size_t len = (size_t)(e - s);
		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(w->last, s, len);
		w->last[len] = 0;
		enum last_type type = name_type(s, len);
		if (!*t) {
			w->last_type = type;
			w->trailing_slash = t != e;
			w->pos = (size_t)(t - w->buf);
			return 0;
		}
		int rc = walk_step(w, type, (size_t)(e - w->buf));
		if (rc < 0)
			return rc;
	}
}

int walk_lookup_last(struct walk *w, struct path *out)
{
	if (w->last_type == LAST_EMPTY || w->last_type == LAST_ROOT) {
		path_get(&w->cur);
		*out = w->cur;
		return 0;
	}
	int rc = may_search(w);
	if (rc < 0)
		return rc;
	if (w->last_type == LAST_DOT || w->last_type == LAST_DOTDOT) {
		path_get(&w->cur);
		*out = w->cur;
		if (w->last_type == LAST_DOTDOT)
			path_up(out, &w->root, w->vfs->mounts);
		return 0;
	}
	return lookup_in_cur(w, out);
}

int walk_lookup_name(struct walk *w, struct dentry **out)
{
	int rc = may_search(w);
	return rc < 0 ? rc : vfs_lookup_child(w->cur.dentry, w->last, out);
}

int walk_follow_link(struct walk *w, struct dentry *link)
{
	return splice_link(w, link, w->trailing_slash ? "/" : "");
}

int namei(struct task *t, int dirfd, const char *path, unsigned flags,
	  struct path *out)
{
	struct walk w;
	int rc = walk_start(&w, t, dirfd, path, flags);
	while (rc == 0) {
		rc = walk_parent(&w);
		struct path p = { 0 };
		if (rc == 0)
			rc = walk_lookup_last(&w, &p);
		if (rc < 0)
			break;
		if (is_symlink(p.dentry) &&
		    ((flags & WALK_FOLLOW) || w.trailing_slash)) {
			rc = walk_follow_link(&w, p.dentry);
			path_put(&p);
			continue;
		}
		if (((flags & WALK_DIRECTORY) || w.trailing_slash) &&
		    !is_dir(p.dentry)) {
			path_put(&p);
			rc = -ENOTDIR;
			break;
		}
		*out = p;
		break;
	}
	walk_end(&w);
	return rc;
}

int namei_copy_path(struct task *t, uint64_t addr, char **out)
{
	char *buf = malloc(PATH_MAX);
	if (!buf)
		return -ENOMEM;
	int64_t n = t->mm ? mm_copy_string_from(t->mm, buf, addr, PATH_MAX)
			  : -EFAULT;
	if (n < 0) {
		free(buf);
		return (int)n;
	}
	*out = buf;
	return 0;
}
