/* File locks on an inode: POSIX record locks (fcntl F_SETLK & co.),
 * owned by a process and released when it closes any fd of the inode,
 * and flock(2) locks, owned by an open file description and released
 * with it. Locks of one owner never conflict with each other.
 *
 * Blocking waits (F_SETLKW, flock without LOCK_NB) are the syscalls':
 * they wait on kernel->lock_waiters, which every change here notifies. */
#ifndef CORE_FS_LOCK_H
#define CORE_FS_LOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "snapshot/codec.h"

struct file;
struct inode;

struct file_lock {
	struct file_lock *next;
	int type;                  /* F_RDLCK or F_WRLCK */
	bool flock;                /* flock(2): owned by file, else by pid */
	uint32_t pid;              /* POSIX owner: the thread group id */
	struct file *file;         /* flock owner (no reference: the file
	                              drops its locks when released) */
	uint64_t start, end;       /* bytes [start, end]; flock: all */
};

/* F_GETLK: the first lock of another owner conflicting with a lock of
 * type over [start, end], or NULL. */
const struct file_lock *lock_posix_test(const struct inode *i, uint32_t pid,
					int type, uint64_t start, uint64_t end);
/* F_SETLK: sets (F_RDLCK, F_WRLCK) or removes (F_UNLCK) pid's lock over
 * [start, end], splitting and merging its other locks. 0, -EAGAIN on a
 * conflict, -ENOMEM. */
int lock_posix_set(struct inode *i, uint32_t pid, int type, uint64_t start,
		   uint64_t end);
/* Drops every POSIX lock pid holds on i (a close by that process). */
void lock_posix_release(struct inode *i, uint32_t pid);
/* flock(2) operation op (LOCK_SH, LOCK_EX, LOCK_UN, | LOCK_NB) for f:
 * 0, or -EWOULDBLOCK on a conflict (the caller waits without LOCK_NB);
 * an old lock of f is released first, as in Linux. */
int lock_flock(struct inode *i, struct file *f, int op);
/* Drops f's flock (the open file description goes away). */
void lock_flock_release(struct inode *i, struct file *f);
void lock_free_all(struct inode *i);

/* Saved with the inode; loading checks every lock, and lock_check
 * (after load) that each flock's owner is a live open file of i. */
void lock_save(struct encoder *enc, const struct inode *i);
void lock_load(struct decoder *dec, struct inode *i);
bool lock_check(const struct inode *i);

#endif
