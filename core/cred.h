/* Credentials of a task beyond its real and effective ids (task.h has
 * the fields): saved and filesystem ids, supplementary groups and
 * capability sets, with Linux's rules for how they change together
 * (capabilities follow the ids: commoncap.c's cap_emulate_setxuid).
 *
 * The capability model is small: root starts with the full set, other
 * users with none; capset may drop; nothing grants (no file
 * capabilities, no ambient or bounding sets). Under the kernel lock. */
#ifndef CORE_CRED_H
#define CORE_CRED_H

#include <stdbool.h>
#include <stdint.h>

#include "snapshot/codec.h"

struct task;

/* Every capability up to CAP_CHECKPOINT_RESTORE (40), Linux 5.9+. */
#define CRED_CAP_FULL ((1ull << 41) - 1)

/* The task holds capability cap (CAP_*) in its effective set. */
bool cred_capable(const struct task *t, int cap);

/* pid 1's credentials: the caller's (so ids and files match a native
 * run), capabilities full for root. */
void cred_init_from_host(struct task *t);

/* A child's credentials: a copy of the parent's. */
void cred_copy(struct task *child, const struct task *parent);

/* Sets the ids (UINT32_MAX leaves one unchanged), keeping fsuid equal to
 * euid and adjusting capabilities as Linux does. No permission check. */
void cred_set_uids(struct task *t, uint32_t r, uint32_t e, uint32_t s);
void cred_set_gids(struct task *t, uint32_t r, uint32_t e, uint32_t s);
void cred_set_fsuid(struct task *t, uint32_t fsuid);

/* kill(2)'s permission rule: the sender's real or effective uid is the
 * target's real or saved uid, or it has CAP_KILL; SIGCONT within one
 * session is always allowed. */
bool cred_may_signal(const struct task *sender, const struct task *target,
		     int sig);

/* The task's credentials in its saved record (task.c). */
void task_save_creds(struct encoder *enc, const struct task *t);
void task_load_creds(struct decoder *dec, struct task *t);

#endif
