/* Address spaces: one stub process each, forked by the master stub.
 *
 * Mapping requests go to the stub's control thread over its channel: one
 * round trip, no ptrace stop. The platform remembers the protection it gave
 * each range (prots) to infer the access type of faults.
 *
 * Lifetime: as_destroy kills the process at once, but the process can be
 * reaped only after every traced thread in it has been reaped by its
 * tracer, a context's host thread. So each context thread holds a
 * reference; contexts reap their threads when they next run (dead_gen) or
 * are destroyed, and whoever drops the last reference reaps the process. */
#include "platform/ptrace/internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform/ptrace/ptrace.h"

#define PAGE_LOW_BITS 0xfffULL

static void list_add(struct platform *p, struct platform_as *as)
{
	pthread_mutex_lock(&p->list_lock);
	as->prev = NULL;
	as->next = p->list;
	if (p->list)
		p->list->prev = as;
	p->list = as;
	pthread_mutex_unlock(&p->list_lock);
}

static void list_del(struct platform *p, struct platform_as *as)
{
	pthread_mutex_lock(&p->list_lock);
	if (as->prev)
		as->prev->next = as->next;
	else
		p->list = as->next;
	if (as->next)
		as->next->prev = as->prev;
	pthread_mutex_unlock(&p->list_lock);
}

static void reap(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR)
		;
}

static void as_free(struct platform_as *as)
{
	stub_chan_close(&as->chan);
	prot_map_free(&as->prots);
	pthread_mutex_destroy(&as->map_lock);
	free(as);
}

int ptrace_as_create(struct platform *p, struct platform_as **out)
{
	struct platform_as *as = calloc(1, sizeof(*as));
	int stub_ctl, stub_req, r;
	int64_t res;

	if (!as)
		return -ENOMEM;
	as->p = p;
	atomic_init(&as->refs, 1);
	atomic_init(&as->dead, false);
	atomic_init(&as->destroyed, false);
	r = pthread_mutex_init(&as->map_lock, NULL);
	if (r) {
		free(as);
		return -r;
	}
	r = stub_chan_open(&as->chan, &stub_ctl, &stub_req);
	if (r) {
		pthread_mutex_destroy(&as->map_lock);
		free(as);
		return r;
	}
	r = ptrace_platform_fork_stub(p, stub_ctl, stub_req, &as->pid);
	close(stub_ctl);
	close(stub_req);
	if (r) {
		as_free(as);
		return r;
	}
	/* The stub answers only once it has started: its descriptors are
	 * in place and its parent checked. */
	r = stub_chan_call(&as->chan, STUB_OP_NOP, NULL, 0, NULL, &res);
	if (!r && res != 0)
		r = -EIO;
	if (r) {
		kill(as->pid, SIGKILL);
		reap(as->pid);
		as_free(as);
		return r == -ESRCH ? -EIO : r;
	}
	list_add(p, as);
	*out = as;
	return 0;
}

void ptrace_as_ref(struct platform_as *as)
{
	atomic_fetch_add(&as->refs, 1);
}

void ptrace_as_unref(struct platform_as *as)
{
	if (atomic_fetch_sub(&as->refs, 1) != 1)
		return;
	/* Dead (as_destroy killed it) and no traced thread left. */
	reap(as->pid);
	list_del(as->p, as);
	as_free(as);
}

void ptrace_as_mark_dead(struct platform_as *as)
{
	if (!atomic_exchange(&as->dead, true)) {
		kill(as->pid, SIGKILL);
		atomic_fetch_add(&as->p->dead_gen, 1);
	}
}

void ptrace_as_destroy(struct platform_as *as)
{
	if (!as || atomic_exchange(&as->destroyed, true))
		return;
	ptrace_as_mark_dead(as);
	pthread_mutex_lock(&as->map_lock);
	prot_map_free(&as->prots);
	pthread_mutex_unlock(&as->map_lock);
	ptrace_as_unref(as);
}

static int as_call(struct platform_as *as, uint64_t op, const uint64_t *args,
		   int nargs, int64_t *res)
{
	if (atomic_load(&as->dead))
		return -ESRCH;
	int r = stub_chan_call(&as->chan, op, args, nargs, NULL, res);
	if (r == -ESRCH)
		ptrace_as_mark_dead(as);
	return r;
}

/* A stub's reply to a mapping request: 0 or -errno; anything else means
 * the stub's reply word was tampered with or it misbehaved. */
static int map_result(int64_t res)
{
	if (res == 0 || (res < 0 && res >= -4095))
		return (int)res;
	return -EIO;
}

static int check_range(uint64_t addr, uint64_t len)
{
	if ((addr | len) & PAGE_LOW_BITS || len == 0)
		return -EINVAL;
	if (addr >= PLATFORM_APP_END || len > PLATFORM_APP_END - addr)
		return -EINVAL;
	return 0;
}

static int check_prot(int prot)
{
	return prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC) ? -EINVAL : 0;
}

int ptrace_as_map(struct platform_as *as, uint64_t addr, uint64_t len,
		  uint64_t offset, int prot)
{
	int64_t res;
	int r = check_range(addr, len);
	if (!r)
		r = check_prot(prot);
	if (!r && (offset & PAGE_LOW_BITS || offset + len < offset ||
		   offset + len > (uint64_t)INT64_MAX))
		r = -EINVAL;
	if (r)
		return r;
	uint64_t args[] = { addr, len, (uint64_t)prot, offset };
	r = as_call(as, STUB_OP_MAP, args, 4, &res);
	if (r)
		return r;
	r = map_result(res);
	pthread_mutex_lock(&as->map_lock);
	/* A failed MAP_FIXED may have unmapped the old range already: forget
	 * it rather than trust it. */
	int q = r ? prot_map_clear(&as->prots, addr, addr + len)
		  : prot_map_set(&as->prots, addr, addr + len, prot);
	pthread_mutex_unlock(&as->map_lock);
	return r ? r : q;
}

int ptrace_as_unmap(struct platform_as *as, uint64_t addr, uint64_t len)
{
	int64_t res;
	int r = check_range(addr, len);
	if (r)
		return r;
	uint64_t args[] = { addr, len };
	r = as_call(as, STUB_OP_UNMAP, args, 2, &res);
	if (r)
		return r;
	r = map_result(res);
	if (r)
		return r;
	pthread_mutex_lock(&as->map_lock);
	r = prot_map_clear(&as->prots, addr, addr + len);
	pthread_mutex_unlock(&as->map_lock);
	return r;
}

int ptrace_as_protect(struct platform_as *as, uint64_t addr, uint64_t len,
		      int prot)
{
	int64_t res;
	int r = check_range(addr, len);
	if (!r)
		r = check_prot(prot);
	if (r)
		return r;
	uint64_t args[] = { addr, len, (uint64_t)prot };
	r = as_call(as, STUB_OP_PROTECT, args, 3, &res);
	if (r)
		return r;
	r = map_result(res);
	/* mprotect changes what is mapped up to a hole, then fails with
	 * ENOMEM: recording the whole request is as close as it gets. */
	pthread_mutex_lock(&as->map_lock);
	int q = prot_map_protect(&as->prots, addr, addr + len, prot);
	pthread_mutex_unlock(&as->map_lock);
	return r ? r : q;
}

int ptrace_as_new_thread(struct platform_as *as, pid_t *tid)
{
	int64_t res;
	int r = as_call(as, STUB_OP_THREAD, NULL, 0, &res);
	if (r)
		return r;
	if (res < 0 && res >= -4095)
		return (int)res;
	/* The tid comes from memory the application can write: accept only
	 * a thread of this stub other than its control thread, or the
	 * kernel could end up tracing a stranger. */
	if (res <= 0 || res > INT32_MAX || res == as->pid ||
	    syscall(SYS_tgkill, as->pid, (pid_t)res, 0) != 0)
		return -EIO;
	*tid = (pid_t)res;
	return 0;
}

int ptrace_as_fault_access(struct platform_as *as, uint64_t addr,
			   uint64_t rip, int si_code)
{
	/* An instruction fetch faults at rip, or at the next page when the
	 * instruction straddles (x86 instructions are at most 15 bytes). */
	bool at_ip = addr == rip;
	bool maybe_fetch = at_ip || (!(addr & PAGE_LOW_BITS) && addr > rip &&
				     addr - rip < 15);

	pthread_mutex_lock(&as->map_lock);
	int prot = prot_map_lookup(&as->prots, addr);
	pthread_mutex_unlock(&as->map_lock);

	/* Nothing mapped: no way to know whether the access was a read or
	 * a write. Say read; if the kernel then maps the page read-only and
	 * it was a write, the retry faults again on a page known to be
	 * read-only, and that one is reported as a write. */
	if (si_code != SEGV_ACCERR || prot < 0)
		return at_ip ? PLATFORM_ACCESS_EXEC : PLATFORM_ACCESS_READ;
	if (prot & PROT_WRITE)
		prot |= PROT_READ;     /* x86 has no write-only pages */
	if (!(prot & PROT_READ))
		return at_ip ? PLATFORM_ACCESS_EXEC : PLATFORM_ACCESS_READ;
	if (!(prot & PROT_WRITE) && !(prot & PROT_EXEC))
		return maybe_fetch ? PLATFORM_ACCESS_EXEC
				   : PLATFORM_ACCESS_WRITE;
	if (!(prot & PROT_WRITE))
		return PLATFORM_ACCESS_WRITE;
	if (!(prot & PROT_EXEC))
		return PLATFORM_ACCESS_EXEC;
	/* Everything allowed yet refused: the host and the map disagree. */
	return PLATFORM_ACCESS_READ;
}

void ptrace_as_reap_all(struct platform *p)
{
	for (;;) {
		pthread_mutex_lock(&p->list_lock);
		struct platform_as *as = p->list;
		while (as && atomic_load(&as->destroyed))
			as = as->next;
		pthread_mutex_unlock(&p->list_lock);
		if (!as)
			break;
		ptrace_as_destroy(as);     /* leaked by the kernel */
	}
	/* What is left is still referenced by a context that was not
	 * destroyed: its process is killed, but waiting for it would wait
	 * for a thread only that context's host thread can reap. */
}

pid_t ptrace_as_pid(struct platform_as *as)
{
	return as->pid;
}

int ptrace_as_debug_syscall(struct platform_as *as, long nr, long a0,
			    long a1, long a2, long *result)
{
	int64_t res;
	uint64_t args[] = { (uint64_t)nr, (uint64_t)a0, (uint64_t)a1,
			    (uint64_t)a2 };
	int r = as_call(as, STUB_OP_SYSCALL, args, 4, &res);
	if (!r)
		*result = (long)res;
	return r;
}
