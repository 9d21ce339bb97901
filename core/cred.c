#include "core/cred.h"

#include <linux/capability.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "core/task.h"

#define NO_ID UINT32_MAX

/* The capabilities a change of fsuid to or from 0 gives or takes
 * (Linux's CAP_FS_MASK). */
#define CAP_FS_MASK                                                       \
	((1ull << CAP_CHOWN) | (1ull << CAP_DAC_OVERRIDE) |                \
	 (1ull << CAP_DAC_READ_SEARCH) | (1ull << CAP_FOWNER) |            \
	 (1ull << CAP_FSETID) | (1ull << CAP_LINUX_IMMUTABLE) |            \
	 (1ull << CAP_MAC_OVERRIDE))

bool cred_capable(const struct task *t, int cap)
{
	return (t->cap_effective >> cap) & 1;
}

void cred_init_from_host(struct task *t)
{
	t->uid = t->suid = getuid();
	t->euid = t->fsuid = geteuid();
	t->gid = t->sgid = getgid();
	t->egid = t->fsgid = getegid();
	gid_t host[TASK_NGROUPS_MAX];
	int n = getgroups(TASK_NGROUPS_MAX, host);
	t->ngroups = n > 0 ? n : 0;
	for (int i = 0; i < t->ngroups; i++)
		t->groups[i] = host[i];
	uint64_t caps = t->euid == 0 ? CRED_CAP_FULL : 0;
	t->cap_effective = t->cap_permitted = caps;
	t->cap_inheritable = 0;
}

void cred_copy(struct task *c, const struct task *p)
{
	c->uid = p->uid, c->euid = p->euid, c->suid = p->suid;
	c->fsuid = p->fsuid;
	c->gid = p->gid, c->egid = p->egid, c->sgid = p->sgid;
	c->fsgid = p->fsgid;
	c->ngroups = p->ngroups;
	memcpy(c->groups, p->groups, sizeof(c->groups));
	c->cap_effective = p->cap_effective;
	c->cap_permitted = p->cap_permitted;
	c->cap_inheritable = p->cap_inheritable;
	c->no_new_privs = p->no_new_privs;
}

static void fix_fs_caps(struct task *t, uint32_t old_fsuid)
{
	if (old_fsuid == 0 && t->fsuid != 0)
		t->cap_effective &= ~CAP_FS_MASK;
	else if (old_fsuid != 0 && t->fsuid == 0)
		t->cap_effective |= t->cap_permitted & CAP_FS_MASK;
}

void cred_set_uids(struct task *t, uint32_t r, uint32_t e, uint32_t s)
{
	uint32_t or = t->uid, oe = t->euid, os = t->suid, ofs = t->fsuid;
	if (r != NO_ID)
		t->uid = r;
	if (e != NO_ID)
		t->euid = e;
	if (s != NO_ID)
		t->suid = s;
	t->fsuid = t->euid;
	/* cap_emulate_setxuid: losing uid 0 everywhere loses every
	 * capability; the effective set follows the effective uid. */
	if ((or == 0 || oe == 0 || os == 0) &&
	    (t->uid != 0 && t->euid != 0 && t->suid != 0))
		t->cap_permitted = t->cap_effective = 0;
	if (oe == 0 && t->euid != 0)
		t->cap_effective = 0;
	if (oe != 0 && t->euid == 0)
		t->cap_effective = t->cap_permitted;
	fix_fs_caps(t, ofs);
}

void cred_set_gids(struct task *t, uint32_t r, uint32_t e, uint32_t s)
{
	if (r != NO_ID)
		t->gid = r;
	if (e != NO_ID)
		t->egid = e;
	if (s != NO_ID)
		t->sgid = s;
	t->fsgid = t->egid;
}

void cred_set_fsuid(struct task *t, uint32_t fsuid)
{
	uint32_t old = t->fsuid;
	t->fsuid = fsuid;
	fix_fs_caps(t, old);
}

bool cred_may_signal(const struct task *sender, const struct task *target,
		     int sig)
{
	if (sender->tg == target->tg || cred_capable(sender, CAP_KILL))
		return true;
	if (sig == SIGCONT && sender->tg->sid == target->tg->sid)
		return true;
	return sender->euid == target->suid || sender->euid == target->uid ||
	       sender->uid == target->suid || sender->uid == target->uid;
}

/* ---- serialization ---------------------------------------------------- */

void task_save_creds(struct encoder *enc, const struct task *t)
{
	enc_u32(enc, t->suid);
	enc_u32(enc, t->sgid);
	enc_u32(enc, t->fsuid);
	enc_u32(enc, t->fsgid);
	enc_u64(enc, (uint64_t)t->ngroups);
	for (int i = 0; i < t->ngroups; i++)
		enc_u32(enc, t->groups[i]);
	enc_u64(enc, t->cap_effective);
	enc_u64(enc, t->cap_permitted);
	enc_u64(enc, t->cap_inheritable);
	enc_bool(enc, t->no_new_privs);
}

void task_load_creds(struct decoder *dec, struct task *t)
{
	if (dec_version(dec) < 2) {
		/* Images before version 2 had only real and effective ids. */
		t->suid = t->uid, t->fsuid = t->euid;
		t->sgid = t->gid, t->fsgid = t->egid;
		t->cap_effective = t->cap_permitted =
			t->euid == 0 ? CRED_CAP_FULL : 0;
		return;
	}
	t->suid = dec_u32(dec);
	t->sgid = dec_u32(dec);
	t->fsuid = dec_u32(dec);
	t->fsgid = dec_u32(dec);
	t->ngroups = (int)dec_u64_range(dec, 0, TASK_NGROUPS_MAX,
					"supplementary group count");
	for (int i = 0; i < t->ngroups && dec_ok(dec); i++)
		t->groups[i] = dec_u32(dec);
	t->cap_effective = dec_u64(dec);
	t->cap_permitted = dec_u64(dec);
	t->cap_inheritable = dec_u64(dec);
	t->no_new_privs = dec_bool(dec);
	if (dec_ok(dec) && ((t->cap_effective | t->cap_inheritable |
			     t->cap_permitted) & ~CRED_CAP_FULL))
		dec_fail(dec, "capability bits beyond the last capability");
}
