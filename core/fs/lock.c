/* File locks. See lock.h. */
#include "core/fs/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>

#include "core/file.h"
#include "core/fs/dentry.h"
#include "core/fs/inode.h"
#include "core/fs/super.h"
#include "core/kernel.h"
#include "core/waitq.h"

static bool overlaps(const struct file_lock *l, uint64_t start, uint64_t end)
{
	return l->start <= end && start <= l->end;
}

static bool conflicts(int a, int b)
{
	return a == F_WRLCK || b == F_WRLCK;
}

const struct file_lock *lock_posix_test(const struct inode *i, uint32_t pid,
					int type, uint64_t start, uint64_t end)
{
	for (const struct file_lock *l = i->locks; l; l = l->next)
		if (!l->flock && l->pid != pid && overlaps(l, start, end) &&
		    conflicts(l->type, type))
			return l;
	return NULL;
}

static struct file_lock *lock_new(int type, uint32_t pid, uint64_t start,
				  uint64_t end)
{
	struct file_lock *l = calloc(1, sizeof(*l));
	if (l)
		*l = (struct file_lock){ .type = type, .pid = pid,
					 .start = start, .end = end };
	return l;
}

/* Takes [start, end] out of pid's locks, splitting one that spans it. */
static int posix_cut(struct inode *i, uint32_t pid, uint64_t start,
		     uint64_t end)
{
	for (struct file_lock **pp = &i->locks; *pp;) {
		struct file_lock *l = *pp;
		if (l->flock || l->pid != pid || !overlaps(l, start, end)) {
			pp = &l->next;
			continue;
		}
		if (l->start < start && l->end > end) {
			struct file_lock *tail = lock_new(l->type, pid, end + 1,
							  l->end);
			if (!tail)
				return -ENOMEM;
			tail->next = l->next;
			l->next = tail;
			l->end = start - 1;
			return 0;
		}
		if (l->start < start) {
			l->end = start - 1;
		} else if (l->end > end) {
			l->start = end + 1;
		} else {
			*pp = l->next;
			free(l);
			continue;
		}
		pp = &l->next;
	}
	return 0;
}

/* Locks of i changed: tasks blocked in F_SETLKW or flock look again. */
static void locks_changed(const struct inode *i)
{
	struct kernel *k = i->sb ? i->sb->kernel : NULL;
	if (k)
		waitq_notify(&k->lock_waiters, 0);
}

int lock_posix_set(struct inode *i, uint32_t pid, int type, uint64_t start,
		   uint64_t end)
{
	if (type != F_UNLCK && lock_posix_test(i, pid, type, start, end))
		return -EAGAIN;
	struct file_lock *l = NULL;
	if (type != F_UNLCK && !(l = lock_new(type, pid, start, end)))
		return -ENOMEM;
	int rc = posix_cut(i, pid, start, end);
	if (rc < 0) {
		free(l);
		return rc;
	}
	if (l) {
		l->next = i->locks;
		i->locks = l;
	}
	locks_changed(i);
	return 0;
}

static void remove_if(struct inode *i,
		      bool (*match)(const struct file_lock *, const void *),
		      const void *arg)
{
	for (struct file_lock **pp = &i->locks; *pp;) {
		struct file_lock *l = *pp;
		if (match(l, arg)) {
			*pp = l->next;
			free(l);
		} else {
			pp = &l->next;
		}
	}
}

static bool of_pid(const struct file_lock *l, const void *arg)
{
	return !l->flock && l->pid == *(const uint32_t *)arg;
}

static bool of_file(const struct file_lock *l, const void *arg)
{
	return l->flock && l->file == arg;
}

void lock_posix_release(struct inode *i, uint32_t pid)
{
	remove_if(i, of_pid, &pid);
	locks_changed(i);
}

void lock_flock_release(struct inode *i, struct file *f)
{
	remove_if(i, of_file, f);
	locks_changed(i);
}

int lock_flock(struct inode *i, struct file *f, int op)
{
	int kind = op & ~LOCK_NB;
	if (kind != LOCK_SH && kind != LOCK_EX && kind != LOCK_UN)
		return -EINVAL;
	lock_flock_release(i, f);
	if (kind == LOCK_UN)
		return 0;
	int type = kind == LOCK_EX ? F_WRLCK : F_RDLCK;
	for (const struct file_lock *l = i->locks; l; l = l->next)
		if (l->flock && conflicts(l->type, type))
			return -EWOULDBLOCK;
	struct file_lock *l = lock_new(type, 0, 0, UINT64_MAX);
	if (!l)
		return -ENOMEM;
	l->flock = true;
	l->file = f;
	l->next = i->locks;
	i->locks = l;
	return 0;
}

void lock_free_all(struct inode *i)
{
	while (i->locks) {
		struct file_lock *l = i->locks;
		i->locks = l->next;
		free(l);
	}
}

/* Layout: u32 count, count x { u32 type; bool flock; u32 pid;
 * ref file (flock owner, or none); u64 start, end }. */
void lock_save(struct encoder *enc, const struct inode *i)
{
	uint32_t n = 0;
	for (const struct file_lock *l = i->locks; l; l = l->next)
		n++;
	enc_u32(enc, n);
	for (const struct file_lock *l = i->locks; l; l = l->next) {
		enc_u32(enc, (uint32_t)l->type);
		enc_bool(enc, l->flock);
		enc_u32(enc, l->pid);
		enc_ref(enc, l->file ? l->file->ops->codec_type : NULL, l->file);
		enc_u64(enc, l->start);
		enc_u64(enc, l->end);
	}
}

static bool load_one(struct decoder *dec, struct file_lock *l)
{
	uint32_t type = dec_u32(dec);
	l->flock = dec_bool(dec);
	l->pid = dec_u32(dec);
	const struct codec_type *ft;
	l->file = dec_ref_any(dec, &ft);
	l->start = dec_u64(dec);
	l->end = dec_u64(dec);
	if (!dec_ok(dec))
		return false;
	l->type = (int)type;
	if ((type != F_RDLCK && type != F_WRLCK) || l->start > l->end ||
	    l->flock != (l->file != NULL) ||
	    (l->file && !file_ops_of_type(ft))) {
		dec_fail(dec, "a file lock is inconsistent");
		return false;
	}
	return true;
}

void lock_load(struct decoder *dec, struct inode *i)
{
	uint32_t n = dec_count(dec, 4 + 1 + 4 + 4 + 16);
	struct file_lock **tail = &i->locks;
	for (uint32_t k = 0; k < n && dec_ok(dec); k++) {
		struct file_lock *l = calloc(1, sizeof(*l));
		if (!l) {
			dec_fail(dec, "out of memory for file locks");
			return;
		}
		*tail = l;
		tail = &l->next;
		if (!load_one(dec, l))
			return;
	}
}

bool lock_check(const struct inode *i)
{
	for (const struct file_lock *l = i->locks; l; l = l->next)
		if (l->flock && (l->file->refs <= 0 || !l->file->dentry ||
				 l->file->dentry->inode != i))
			return false;
	return true;
}
