/* Permission checks by uid, gid and mode, as Linux's generic_permission
 * does them. The sandbox's filesystem ids are the task's fsuid and fsgid
 * (its effective ids unless setfsuid changed them) and its supplementary
 * groups; uid 0 has CAP_DAC_OVERRIDE, CAP_FOWNER and CAP_CHOWN (it
 * bypasses read/write/search checks, and execute checks when some x bit
 * is set). */
#ifndef CORE_FS_PERM_H
#define CORE_FS_PERM_H

#include <stdbool.h>
#include <stdint.h>

struct inode;
struct task;

#define MAY_EXEC  1
#define MAY_WRITE 2
#define MAY_READ  4

struct cred {
	uint32_t uid, gid;         /* filesystem user and group */
	const uint32_t *groups;    /* supplementary groups (the task's) */
	int ngroups;
};

/* The task's filesystem ids (fsuid, fsgid) and groups; valid while the
 * task's credentials do not change. */
struct cred task_cred(const struct task *t);
/* The same with the real ids, for access(2). */
struct cred task_real_cred(const struct task *t);
/* gid is the cred's group or one of its supplementary groups. */
bool cred_in_group(const struct cred *c, uint32_t gid);

/* 0 or -EACCES. */
int inode_permission(const struct inode *i, const struct cred *c, int mask);
/* The caller owns i or is root (chmod, utimes to a chosen time...). */
bool cred_owns(const struct cred *c, const struct inode *i);
/* May c remove or rename victim from dir? Write and search permission on
 * dir, and in a sticky directory (/tmp) ownership of the entry or the
 * directory. 0, -EACCES or -EPERM. */
int may_delete(const struct inode *dir, const struct inode *victim,
	       const struct cred *c);
/* The group of a new inode in dir: dir's if it is set-group-ID. */
uint32_t new_inode_gid(const struct inode *dir, const struct cred *c);

#endif
