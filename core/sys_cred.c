/* Credential syscalls: the set*id family, getres*id, setfs*id,
 * supplementary groups and capget/capset, with Linux's permission rules
 * (kernel/sys.c, kernel/groups.c, kernel/capability.c). See cred.h. */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cred.h"
#include "core/kernel.h"
#include "core/mm.h"
#include "core/syscall.h"
#include "core/syscalls_proc.h"
#include "core/task.h"

#define NO_ID UINT32_MAX

/* An id argument: -1 (as a 32-bit value) means "unchanged". */
static uint32_t id_arg(uint64_t v)
{
	return (uint32_t)v;
}

static bool one_of(uint32_t id, uint32_t a, uint32_t b, uint32_t c)
{
	return id == a || id == b || id == c;
}

SYSCALL_DECL(setuid)
{
	uint32_t uid = id_arg(a[0]);
	if (uid == NO_ID)
		return -EINVAL;
	if (cred_capable(t, CAP_SETUID))
		cred_set_uids(t, uid, uid, uid);
	else if (uid == t->uid || uid == t->suid)
		cred_set_uids(t, NO_ID, uid, NO_ID);
	else
		return -EPERM;
	return 0;
}

SYSCALL_DECL(setgid)
{
	uint32_t gid = id_arg(a[0]);
	if (gid == NO_ID)
		return -EINVAL;
	if (cred_capable(t, CAP_SETGID))
		cred_set_gids(t, gid, gid, gid);
	else if (gid == t->gid || gid == t->sgid)
		cred_set_gids(t, NO_ID, gid, NO_ID);
	else
		return -EPERM;
	return 0;
}

/* setreuid/setregid: the new real id must be the old real or effective
 * one; the new effective one any of the three. The saved id follows the
 * effective one when the real id is set or the effective one leaves the
 * real one. Fills *s with the saved id to set (NO_ID: unchanged). */
static int re_rule(bool capable, uint32_t r, uint32_t e, uint32_t cr,
		   uint32_t ce, uint32_t cs, uint32_t *s)
{
	if (!capable && ((r != NO_ID && r != cr && r != ce) ||
			 (e != NO_ID && !one_of(e, cr, ce, cs))))
		return -EPERM;
	*s = NO_ID;
	if (r != NO_ID || (e != NO_ID && e != cr))
		*s = e != NO_ID ? e : ce;
	return 0;
}

SYSCALL_DECL(setreuid)
{
	uint32_t r = id_arg(a[0]), e = id_arg(a[1]), s;
	int rc = re_rule(cred_capable(t, CAP_SETUID), r, e, t->uid, t->euid,
			 t->suid, &s);
	if (rc == 0)
		cred_set_uids(t, r, e, s);
	return rc;
}

SYSCALL_DECL(setregid)
{
	uint32_t r = id_arg(a[0]), e = id_arg(a[1]), s;
	int rc = re_rule(cred_capable(t, CAP_SETGID), r, e, t->gid, t->egid,
			 t->sgid, &s);
	if (rc == 0)
		cred_set_gids(t, r, e, s);
	return rc;
}

/* setresuid/setresgid: unprivileged, each new id must be one of the
 * current three. */
static bool res_allowed(bool capable, const uint32_t ids[3], uint32_t cr,
			uint32_t ce, uint32_t cs)
{
	if (capable)
		return true;
	for (int i = 0; i < 3; i++)
		if (ids[i] != NO_ID && !one_of(ids[i], cr, ce, cs))
			return false;
	return true;
}

SYSCALL_DECL(setresuid)
{
	const uint32_t ids[3] = { id_arg(a[0]), id_arg(a[1]), id_arg(a[2]) };
	if (!res_allowed(cred_capable(t, CAP_SETUID), ids, t->uid, t->euid,
			 t->suid))
		return -EPERM;
	cred_set_uids(t, ids[0], ids[1], ids[2]);
	return 0;
}

SYSCALL_DECL(setresgid)
{
	const uint32_t ids[3] = { id_arg(a[0]), id_arg(a[1]), id_arg(a[2]) };
	if (!res_allowed(cred_capable(t, CAP_SETGID), ids, t->gid, t->egid,
			 t->sgid))
		return -EPERM;
	cred_set_gids(t, ids[0], ids[1], ids[2]);
	return 0;
}

static int64_t put_three(struct task *t, const uint64_t a[6], uint32_t r,
			 uint32_t e, uint32_t s)
{
	if (mm_copy_to(t->mm, a[0], &r, 4) < 0 ||
	    mm_copy_to(t->mm, a[1], &e, 4) < 0 ||
	    mm_copy_to(t->mm, a[2], &s, 4) < 0)
		return -EFAULT;
	return 0;
}

SYSCALL_DECL(getresuid)
{
	return put_three(t, a, t->uid, t->euid, t->suid);
}

SYSCALL_DECL(getresgid)
{
	return put_three(t, a, t->gid, t->egid, t->sgid);
}

/* setfsuid/setfsgid return the old id whether or not they change it. */
SYSCALL_DECL(setfsuid)
{
	uint32_t old = t->fsuid, id = id_arg(a[0]);
	if (id != NO_ID && (cred_capable(t, CAP_SETUID) ||
			    one_of(id, t->uid, t->euid, t->suid) ||
			    id == t->fsuid))
		cred_set_fsuid(t, id);
	return old;
}

SYSCALL_DECL(setfsgid)
{
	uint32_t old = t->fsgid, id = id_arg(a[0]);
	if (id != NO_ID && (cred_capable(t, CAP_SETGID) ||
			    one_of(id, t->gid, t->egid, t->sgid) ||
			    id == t->fsgid))
		t->fsgid = id;
	return old;
}

static int cmp_gid(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	return (a > b) - (a < b);
}

SYSCALL_DECL(setgroups)
{
	int64_t n = (int32_t)a[0];
	if (!cred_capable(t, CAP_SETGID))
		return -EPERM;
	if (n < 0 || n > 65536)
		return -EINVAL;
	if (n > TASK_NGROUPS_MAX) {
		fprintf(stderr, "snapctl: setgroups: %lld groups, at most %d "
			"supported\n", (long long)n, TASK_NGROUPS_MAX);
		return -EINVAL;
	}
	uint32_t g[TASK_NGROUPS_MAX];
	if (n && mm_copy_from(t->mm, g, a[1], (size_t)n * 4) < 0)
		return -EFAULT;
	/* Linux keeps them sorted (groups_sort): getgroups shows that. */
	qsort(g, (size_t)n, sizeof(g[0]), cmp_gid);
	memcpy(t->groups, g, (size_t)n * 4);
	t->ngroups = (int)n;
	return 0;
}

SYSCALL_DECL(getgroups)
{
	int64_t n = (int32_t)a[0];
	if (n < 0)
		return -EINVAL;
	if (n == 0)
		return t->ngroups;
	if (n < t->ngroups)
		return -EINVAL;
	if (mm_copy_to(t->mm, a[1], t->groups, (size_t)t->ngroups * 4) < 0)
		return -EFAULT;
	return t->ngroups;
}

/* ---- capabilities ----------------------------------------------------- */

struct cap_header {
	uint32_t version;
	int32_t pid;
};

struct cap_data {
	uint32_t effective, permitted, inheritable;
};

/* How many cap_data words the header's version has: 1 or 2; or, for an
 * unknown version, writes the kernel's preferred one back and fails. */
static int cap_words(struct task *t, uint64_t hdr, struct cap_header *h)
{
	if (mm_copy_from(t->mm, h, hdr, sizeof(*h)) < 0)
		return -EFAULT;
	switch (h->version) {
	case _LINUX_CAPABILITY_VERSION_1:
		return 1;
	case _LINUX_CAPABILITY_VERSION_2:
	case _LINUX_CAPABILITY_VERSION_3:
		return 2;
	}
	uint32_t v = _LINUX_CAPABILITY_VERSION_3;
	if (mm_copy_to(t->mm, hdr, &v, sizeof(v)) < 0)
		return -EFAULT;
	return -EINVAL;
}

static struct task *cap_target(struct task *t, int32_t pid)
{
	if (pid == 0 || (uint32_t)pid == t->tid)
		return t;
	for (struct task *x = t->kernel->tasks; x; x = x->next)
		if (x->tid == (uint32_t)pid && x->state != TASK_EXITED)
			return x;
	return NULL;
}

SYSCALL_DECL(capget)
{
	struct cap_header h;
	int n = cap_words(t, a[0], &h);
	if (!a[1] || n < 0)
		return !a[1] && n == -EINVAL ? 0 : n;
	if (h.pid < 0)
		return -EINVAL;
	struct task *x = cap_target(t, h.pid);
	if (!x)
		return -ESRCH;
	struct cap_data d[2];
	for (int i = 0; i < 2; i++)
		d[i] = (struct cap_data){
			(uint32_t)(x->cap_effective >> (32 * i)),
			(uint32_t)(x->cap_permitted >> (32 * i)),
			(uint32_t)(x->cap_inheritable >> (32 * i)),
		};
	return mm_copy_to(t->mm, a[1], d, sizeof(d[0]) * (size_t)n);
}

SYSCALL_DECL(capset)
{
	struct cap_header h;
	int n = cap_words(t, a[0], &h);
	if (n < 0)
		return n;
	if (h.pid != 0 && (uint32_t)h.pid != t->tid)
		return -EPERM;
	struct cap_data d[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
	if (mm_copy_from(t->mm, d, a[1], sizeof(d[0]) * (size_t)n) < 0)
		return -EFAULT;
	uint64_t eff = d[0].effective | (uint64_t)d[1].effective << 32;
	uint64_t perm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	uint64_t inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	eff &= CRED_CAP_FULL, perm &= CRED_CAP_FULL, inh &= CRED_CAP_FULL;
	/* Only dropping: permitted may shrink, effective stays within it,
	 * inheritable within the old inheritable and permitted sets. */
	if ((perm & ~t->cap_permitted) || (eff & ~perm) ||
	    (inh & ~(t->cap_inheritable | t->cap_permitted)))
		return -EPERM;
	t->cap_effective = eff;
	t->cap_permitted = perm;
	t->cap_inheritable = inh;
	return 0;
}
