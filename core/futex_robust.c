/* Robust futexes at thread exit (set_robust_list(2)): the kernel walks
 * the list of mutexes the dying thread holds, as Linux's
 * exit_robust_list does, so the next locker gets EOWNERDEAD instead of
 * waiting for ever. */
#include <linux/futex.h>
#include <stdint.h>

#include "core/futex.h"
#include "core/mm.h"
#include "core/task.h"

/* Linux's ROBUST_LIST_LIMIT: a bound against circular lists. */
#define ROBUST_LIST_LIMIT 2048

/* struct robust_list_head: the list's first pointer, the offset from an
 * entry to its futex word, and the entry being locked or unlocked. */
struct robust_head {
	uint64_t next;
	int64_t futex_offset;
	uint64_t pending;
};

/* Linux's handle_futex_death for one word (non-PI futexes; a PI entry,
 * marked by bit 0, is skipped: PI futexes are not offered). */
static void futex_death(struct task *t, uint64_t uaddr, bool pending)
{
	if (uaddr & 3)
		return;
	uint32_t *word = mm_user_ptr(t->mm, uaddr, true);
	if (!word)
		return;
	uint32_t uval = __atomic_load_n(word, __ATOMIC_SEQ_CST);
	for (;;) {
		/* The exit came between the lock and the list update of a
		 * pending op: someone may wait for the free word. */
		if (pending && uval == 0) {
			futex_wake_user(t, uaddr, false, 1);
			return;
		}
		if ((uval & FUTEX_TID_MASK) != t->tid)
			return;
		uint32_t mval = (uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
		if (__atomic_compare_exchange_n(word, &uval, mval, false,
						__ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST))
			break;
	}
	if (uval & FUTEX_WAITERS)
		futex_wake_user(t, uaddr, false, 1);
}

static bool read_word(struct task *t, uint64_t addr, uint64_t *v)
{
	return mm_copy_from(t->mm, v, addr, sizeof(*v)) == 0;
}

void futex_exit_robust_list(struct task *t)
{
	struct robust_head h;
	if (!t->mm || !t->robust_list ||
	    mm_copy_from(t->mm, &h, t->robust_list, sizeof(h)) < 0)
		return;
	uint64_t pending = h.pending & ~1ull;
	uint64_t entry = h.next;
	for (int limit = ROBUST_LIST_LIMIT; entry != t->robust_list; limit--) {
		uint64_t next;
		if (!limit || !read_word(t, entry & ~1ull, &next))
			break;
		if ((entry & ~1ull) != pending && !(entry & 1))
			futex_death(t, (entry & ~1ull) + (uint64_t)h.futex_offset,
				    false);
		entry = next;
	}
	if (pending && !(h.pending & 1))
		futex_death(t, pending + (uint64_t)h.futex_offset, true);
	t->robust_list = 0;
}
