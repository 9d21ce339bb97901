/* Futexes: waiters keyed by address -- (address space, address) for
 * private mappings, (memory-file page, offset) for shared ones, so
 * processes sharing memory meet on the same word. Waiters are host-only:
 * a freeze ends every wait and the futex call restarts, so nothing of a
 * wait is saved (the application re-checks its word, as after any
 * spurious wake-up). */
#ifndef CORE_FUTEX_H
#define CORE_FUTEX_H

#include <stdbool.h>
#include <stdint.h>

struct task;

struct futex_key {
	int kind;                  /* 0: private (mm, addr); 1: shared */
	uint64_t a, b;
};

struct futex_waiter {
	struct futex_key key;
	uint32_t bitset;
	struct task *task;
	bool woken;
	struct futex_waiter *next;
};

/* Wakes up to n waiters on the private word at addr of t's address
 * space (thread exit's CLONE_CHILD_CLEARTID). */
int futex_wake_address(struct task *t, uint64_t addr, int n);

/* Wakes up to n waiters on the word at addr as a futex call with or
 * without FUTEX_PRIVATE_FLAG would (robust-list death handling). */
int futex_wake_user(struct task *t, uint64_t addr, bool private, int n);

/* At thread exit: marks every robust futex the thread still holds
 * FUTEX_OWNER_DIED and wakes a waiter of each (futex_robust.c). */
void futex_exit_robust_list(struct task *t);

#endif
