#include "core/futex.h"

#include <errno.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <time.h>

#include "core/kernel.h"
#include "core/mm.h"
#include "core/mm_internal.h"
#include "core/mm_pagetable.h"
#include "core/syscall.h"
#include "core/task.h"

#define NSEC_PER_SEC 1000000000ll

static bool key_eq(const struct futex_key *x, const struct futex_key *y)
{
	return x->kind == y->kind && x->a == y->a && x->b == y->b;
}

/* Shared mappings key by memory-file page, so every address space
 * mapping that page meets on it; everything else by (mm, address). */
static int futex_key(struct task *t, uint64_t addr, bool private,
		     struct futex_key *key)
{
	if (addr & 3)
		return -EINVAL;
	struct vma *v = mm_vma_find(t->mm, addr);
	if (!v)
		return -EFAULT;
	uint64_t mpage;
	if (!private && (v->flags & VMA_SHARED) && mm_user_ptr(t->mm, addr, false) &&
	    mm_pt_lookup(t->mm->pt, addr / PAGE_SIZE, &mpage)) {
		*key = (struct futex_key){ 1, mpage, addr % PAGE_SIZE };
		return 0;
	}
	*key = (struct futex_key){ 0, (uint64_t)(uintptr_t)t->mm, addr };
	return 0;
}

static void unlink_waiter(struct kernel *k, struct futex_waiter *w)
{
	for (struct futex_waiter **p = &k->futex_waiters; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			return;
		}
}

static int wake_key(struct kernel *k, const struct futex_key *key, int n,
		    uint32_t bitset)
{
	int woken = 0;
	struct futex_waiter **p = &k->futex_waiters;
	while (*p && woken < n) {
		struct futex_waiter *w = *p;
		if (key_eq(&w->key, key) && (w->bitset & bitset)) {
			*p = w->next;
			w->woken = true;
			pthread_cond_broadcast(&w->task->wake);
			woken++;
		} else {
			p = &w->next;
		}
	}
	return woken;
}

int futex_wake_user(struct task *t, uint64_t addr, bool private, int n)
{
	struct futex_key key;
	if (futex_key(t, addr, private, &key) < 0)
		return 0;
	return wake_key(t->kernel, &key, n, FUTEX_BITSET_MATCH_ANY);
}

int futex_wake_address(struct task *t, uint64_t addr, int n)
{
	struct futex_key key = { 0, (uint64_t)(uintptr_t)t->mm, addr };
	return wake_key(t->kernel, &key, n, FUTEX_BITSET_MATCH_ANY);
}

/* The deadline of a wait on the application's CLOCK_MONOTONIC, or 0 for
 * none. FUTEX_WAIT's timeout is relative; WAIT_BITSET's absolute, on
 * CLOCK_REALTIME when asked. */
static int wait_deadline(struct task *t, uint64_t uts, int cmd, bool realtime,
			 int64_t *deadline)
{
	*deadline = 0;
	if (!uts)
		return 0;
	struct timespec ts;
	if (mm_copy_from(t->mm, &ts, uts, sizeof(ts)) < 0)
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NSEC_PER_SEC)
		return -EINVAL;
	int64_t ns = ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
	int64_t now = kernel_monotonic_ns(t->kernel);
	if (cmd == FUTEX_WAIT) {
		*deadline = now + ns;
	} else if (realtime) {
		struct timespec rt;
		clock_gettime(CLOCK_REALTIME, &rt);
		*deadline = now + ns - (rt.tv_sec * NSEC_PER_SEC + rt.tv_nsec);
	} else {
		*deadline = ns;
	}
	if (*deadline == 0)
		*deadline = 1;
	return 0;
}

static int64_t futex_wait(struct task *t, const uint64_t a[6], int cmd,
			  bool private, bool realtime)
{
	uint32_t bitset = cmd == FUTEX_WAIT_BITSET ? (uint32_t)a[5]
						   : FUTEX_BITSET_MATCH_ANY;
	if (!bitset)
		return -EINVAL;
	int64_t deadline;
	int rc = wait_deadline(t, a[3], cmd, realtime, &deadline);
	struct futex_waiter w = { .bitset = bitset, .task = t };
	if (rc == 0)
		rc = futex_key(t, a[0], private, &w.key);
	if (rc < 0)
		return rc;
	uint32_t *word = mm_user_ptr(t->mm, a[0], false);
	if (!word)
		return -EFAULT;
	if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != (uint32_t)a[2])
		return -EAGAIN;
	struct kernel *k = t->kernel;
	w.next = k->futex_waiters;
	k->futex_waiters = &w;
	while (!w.woken) {
		if (task_must_stop(t)) {
			unlink_waiter(k, &w);
			return -ERESTARTSYS;
		}
		if (!deadline) {
			pthread_cond_wait(&t->wake, &k->lock);
			continue;
		}
		if (kernel_monotonic_ns(k) >= deadline) {
			unlink_waiter(k, &w);
			return -ETIMEDOUT;
		}
		int64_t host = deadline - k->monotonic_offset_ns;
		struct timespec ts = { host / NSEC_PER_SEC, host % NSEC_PER_SEC };
		pthread_cond_timedwait(&t->wake, &k->lock, &ts);
	}
	return 0;
}

/* Wakes nr_wake waiters on uaddr, then moves up to nr_requeue of the rest
 * to uaddr2 (glibc's condition variables use this). CMP_REQUEUE first
 * checks *uaddr == val3. */
static int64_t futex_requeue(struct task *t, const uint64_t a[6], bool cmp,
			     bool private)
{
	struct futex_key k1, k2;
	int rc = futex_key(t, a[0], private, &k1);
	if (rc == 0)
		rc = futex_key(t, a[4], private, &k2);
	if (rc < 0)
		return rc;
	if (cmp) {
		uint32_t *word = mm_user_ptr(t->mm, a[0], false);
		if (!word)
			return -EFAULT;
		if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != (uint32_t)a[5])
			return -EAGAIN;
	}
	int n = wake_key(t->kernel, &k1, (int)a[2], FUTEX_BITSET_MATCH_ANY);
	int moved = 0, limit = (int)(uint32_t)a[3];
	for (struct futex_waiter *w = t->kernel->futex_waiters;
	     w && moved < limit; w = w->next)
		if (key_eq(&w->key, &k1)) {
			w->key = k2;
			moved++;
		}
	return n + moved;
}

static bool wake_op_cmp(uint32_t cmp, uint32_t old, uint32_t arg)
{
	switch (cmp) {
	case FUTEX_OP_CMP_EQ: return old == arg;
	case FUTEX_OP_CMP_NE: return old != arg;
	case FUTEX_OP_CMP_LT: return (int32_t)old < (int32_t)arg;
	case FUTEX_OP_CMP_LE: return (int32_t)old <= (int32_t)arg;
	case FUTEX_OP_CMP_GT: return (int32_t)old > (int32_t)arg;
	case FUTEX_OP_CMP_GE: return (int32_t)old >= (int32_t)arg;
	default: return false;
	}
}

/* Atomically applies the operation encoded in val3 to *uaddr2, wakes
 * uaddr, and wakes uaddr2 too if the old value passes the comparison. */
static int64_t futex_wake_op(struct task *t, const uint64_t a[6], bool private)
{
	uint32_t enc = (uint32_t)a[5], op = (enc >> 28) & 7;
	uint32_t cmp = (enc >> 24) & 15, cmparg = enc & 0xfff;
	uint32_t oparg = (enc >> 12) & 0xfff;
	if ((enc >> 28) & FUTEX_OP_OPARG_SHIFT)
		oparg = oparg < 32 ? 1u << oparg : 0;
	struct futex_key k1, k2;
	int rc = futex_key(t, a[0], private, &k1);
	if (rc == 0)
		rc = futex_key(t, a[4], private, &k2);
	uint32_t *word = rc == 0 ? mm_user_ptr(t->mm, a[4], true) : NULL;
	if (rc < 0 || !word)
		return rc < 0 ? rc : -EFAULT;
	uint32_t old;
	switch (op) {
	case FUTEX_OP_SET: old = __atomic_exchange_n(word, oparg, __ATOMIC_SEQ_CST); break;
	case FUTEX_OP_ADD: old = __atomic_fetch_add(word, oparg, __ATOMIC_SEQ_CST); break;
	case FUTEX_OP_OR: old = __atomic_fetch_or(word, oparg, __ATOMIC_SEQ_CST); break;
	case FUTEX_OP_ANDN: old = __atomic_fetch_and(word, ~oparg, __ATOMIC_SEQ_CST); break;
	case FUTEX_OP_XOR: old = __atomic_fetch_xor(word, oparg, __ATOMIC_SEQ_CST); break;
	default: return -ENOSYS;
	}
	int n = wake_key(t->kernel, &k1, (int)a[2], FUTEX_BITSET_MATCH_ANY);
	if (wake_op_cmp(cmp, old, cmparg))
		n += wake_key(t->kernel, &k2, (int)(uint32_t)a[3],
			      FUTEX_BITSET_MATCH_ANY);
	return n;
}

SYSCALL_DECL(futex)
{
	int cmd = (int)(a[1] & FUTEX_CMD_MASK);
	bool private = a[1] & FUTEX_PRIVATE_FLAG;
	bool realtime = a[1] & FUTEX_CLOCK_REALTIME;
	struct futex_key key;
	int rc;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		return futex_wait(t, a, cmd, private, realtime);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		rc = futex_key(t, a[0], private, &key);
		if (rc < 0)
			return rc;
		if (cmd == FUTEX_WAKE_BITSET && !(uint32_t)a[5])
			return -EINVAL;
		return wake_key(t->kernel, &key, (int)a[2],
				cmd == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY
						  : (uint32_t)a[5]);
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(t, a, cmd == FUTEX_CMP_REQUEUE, private);
	case FUTEX_WAKE_OP:
		return futex_wake_op(t, a, private);
	default:
		/* Priority-inheritance futexes: loud, not fatal. */
		return -ENOSYS;
	}
}
