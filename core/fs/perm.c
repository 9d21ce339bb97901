/* Permission checks. See perm.h. */
#include "core/fs/perm.h"

#include <errno.h>
#include <sys/stat.h>

#include "core/fs/inode.h"
#include "core/task.h"

struct cred task_cred(const struct task *t)
{
	return (struct cred){ t->fsuid, t->fsgid, t->groups, t->ngroups };
}

struct cred task_real_cred(const struct task *t)
{
	return (struct cred){ t->uid, t->gid, t->groups, t->ngroups };
}

bool cred_in_group(const struct cred *c, uint32_t gid)
{
	if (c->gid == gid)
		return true;
	for (int i = 0; i < c->ngroups; i++)
		if (c->groups[i] == gid)
			return true;
	return false;
}

int inode_permission(const struct inode *i, const struct cred *c, int mask)
{
	uint32_t mode = i->mode;
	mask &= MAY_READ | MAY_WRITE | MAY_EXEC;
	if (c->uid == 0) {
		if (!(mask & MAY_EXEC) || S_ISDIR(mode) || (mode & 0111))
			return 0;
		return -EACCES;
	}
	unsigned perm;
	if (c->uid == i->uid)
		perm = (mode >> 6) & 7;
	else if (cred_in_group(c, i->gid))
		perm = (mode >> 3) & 7;
	else
		perm = mode & 7;
	return ((unsigned)mask & ~perm) ? -EACCES : 0;
}

bool cred_owns(const struct cred *c, const struct inode *i)
{
	return c->uid == 0 || c->uid == i->uid;
}

int may_delete(const struct inode *dir, const struct inode *victim,
	       const struct cred *c)
{
	int rc = inode_permission(dir, c, MAY_WRITE | MAY_EXEC);
	if (rc < 0)
		return rc;
	if ((dir->mode & S_ISVTX) && c->uid != 0 && c->uid != victim->uid &&
	    c->uid != dir->uid)
		return -EPERM;
	return 0;
}

uint32_t new_inode_gid(const struct inode *dir, const struct cred *c)
{
	return (dir->mode & S_ISGID) ? dir->gid : c->gid;
}
