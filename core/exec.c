/* execve(2), execveat(2): replacing the calling process's program.
 *
 * The new program is loaded into a new address space first (loader.h),
 * so a failed exec returns its error to the caller unchanged. Then the
 * point of no return, as Linux's begin_new_exec: the other threads of
 * the group exit (the caller waits for them, and takes over the group
 * leader's tid when it was not the leader), the fd table is unshared and
 * its close-on-exec fds closed, the old address space goes (CLONE_VM
 * sharers keep it), caught signals are reset to SIG_DFL (ignored ones
 * stay ignored; the blocked mask and pending signals stay), the
 * alternate signal stack, robust list and clear_child_tid are cleared,
 * POSIX timers deleted (itimers stay), a vfork parent is released. Set-user-ID bits are ignored (as with
 * no_new_privs): the ids do not change.
 *
 * Nothing here adds saved state: a freeze while the other threads exit
 * makes the call restart from the start (they stay marked exit_self,
 * which the image keeps). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "core/fdtable.h"
#include "core/fs/namei.h"
#include "core/futex.h"
#include "core/kernel.h"
#include "core/loader.h"
#include "core/mm.h"
#include "core/proc_timers.h"
#include "core/sys_fs.h"
#include "core/syscall.h"
#include "core/syscalls.h"
#include "core/task.h"

/* ---- copying argv and envp in ------------------------------------------ */

struct strvec {
	char **v;                  /* NULL-terminated */
	size_t n, cap;
};

static void strvec_free(struct strvec *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	*s = (struct strvec){ 0 };
}

static int strvec_push(struct strvec *s, char *str)
{
	if (s->n + 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		char **v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = str;
	s->v[s->n] = NULL;
	return 0;
}

/* One string of at most LOADER_ARG_STRLEN bytes (NUL included). */
static int copy_string(struct task *t, uint64_t addr, char *tmp, char **out)
{
	int64_t n = mm_copy_string_from(t->mm, tmp, addr, LOADER_ARG_STRLEN);
	if (n == -ENAMETOOLONG)
		return -E2BIG;
	if (n < 0)
		return (int)n;
	*out = malloc((size_t)n + 1);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, tmp, (size_t)n + 1);
	return 0;
}

/* Linux's bprm_stack_limits: strings and pointers may take a quarter of
 * the stack limit, at most 6 MiB, at least 128 KiB. */
static size_t arg_limit(const struct task *t)
{
	uint64_t lim = t->tg->rlim[RLIMIT_STACK].rlim_cur / 4;
	if (lim > (6u << 20))
		lim = 6u << 20;
	if (lim < LOADER_ARG_STRLEN)
		lim = LOADER_ARG_STRLEN;
	return (size_t)lim;
}

/* The vector at addr (NULL: empty); *total counts strings and pointers
 * against the limit, as Linux's copy_strings does (E2BIG). */
static int copy_vector(struct task *t, uint64_t addr, char *tmp,
		       struct strvec *out, size_t *total)
{
	size_t limit = arg_limit(t);
	if (strvec_push(out, NULL) < 0)
		return -ENOMEM;
	out->n = 0;  /* an empty vector is {NULL} */
	for (uint64_t i = 0; addr; i++) {
		uint64_t p;
		if (mm_copy_from(t->mm, &p, addr + i * 8, sizeof(p)) < 0)
			return -EFAULT;
		if (!p)
			return 0;
		char *s = NULL;
		int rc = copy_string(t, p, tmp, &s);
		if (rc < 0)
			return rc;
		*total += strlen(s) + 1 + sizeof(uint64_t);
		if (*total > limit || strvec_push(out, s) < 0) {
			free(s);
			return *total > limit ? -E2BIG : -ENOMEM;
		}
	}
	return 0;
}

static int copy_args(struct task *t, uint64_t uargv, uint64_t uenvp,
		     struct strvec *argv, struct strvec *envp)
{
	char *tmp = malloc(LOADER_ARG_STRLEN);
	if (!tmp)
		return -ENOMEM;
	size_t total = 0;
	int rc = copy_vector(t, uargv, tmp, argv, &total);
	if (rc == 0)
		rc = copy_vector(t, uenvp, tmp, envp, &total);
	free(tmp);
	return rc;
}

/* ---- the other threads ------------------------------------------------- */

/* Linux's de_thread: every other thread of the group exits; waits until
 * they have. 0, -ERESTARTNOINTR when a freeze comes first (the call
 * runs again; the threads stay marked), -EINTR when the group is dying
 * or another thread's exec won. */
static int kill_other_threads(struct task *t)
{
	struct kernel *k = t->kernel;
	struct thread_group *tg = t->tg;
	for (struct task *x = k->tasks; x; x = x->next) {
		if (x->tg != tg || x == t || x->state == TASK_EXITED)
			continue;
		if (!x->exit_self)
			task_exit(x, 0);
		task_wake(x);
	}
	while (tg->nthreads > 1) {
		if (task_leaving(t))
			return -EINTR;
		if (k->freezing)
			return -ERESTARTNOINTR;
		/* task_leave wakes the last thread standing. */
		pthread_cond_wait(&t->wake, &k->lock);
	}
	return task_leaving(t) ? -EINTR : 0;
}

/* Keeps k->tasks in tid order after two tasks swapped tids. */
static void tasks_resort(struct kernel *k, struct task *x)
{
	for (struct task **p = &k->tasks; *p; p = &(*p)->next)
		if (*p == x) {
			*p = x->next;
			break;
		}
	struct task **p = &k->tasks;
	while (*p && (*p)->tid < x->tid)
		p = &(*p)->next;
	x->next = *p;
	*p = x;
}

/* A thread other than the leader exec'd: it becomes the leader, with the
 * leader's tid (the pid); the old leader, gone, takes its tid and is
 * freed with the group's other exited threads. Returns t's old tid. */
static uint32_t take_over_leader(struct task *t)
{
	struct thread_group *tg = t->tg;
	struct task *old = tg->leader;
	uint32_t tid = t->tid;
	if (old == t)
		return tid;
	t->tid = old->tid;
	old->tid = tid;
	tg->leader = t;
	tasks_resort(t->kernel, t);
	tasks_resort(t->kernel, old);
	return tid;
}

/* ---- the point of no return -------------------------------------------- */

/* An fd table shared with another process (CLONE_FILES) is copied
 * first; then the close-on-exec fds close. */
static int exec_files(struct task *t)
{
	if (t->files->refs > 1) {
		struct fdtable *copy = fdtable_dup(t->files);
		if (!copy)
			return -ENOMEM;
		fdtable_put(t->files);
		t->files = copy;
	}
	for (uint32_t fd = 0; fd < t->files->nfds; fd++)
		if (fdtable_cloexec(t->files, (int)fd))
			fd_close(t, (int)fd);
	return 0;
}

/* Linux's exec_mm_release: robust futexes still held are marked
 * FUTEX_OWNER_DIED; clear_child_tid is written (and its futex woken)
 * only while someone else still uses the memory. */
static void exec_mm(struct task *t, struct loader_program *prog)
{
	struct mm *old = t->mm;
	futex_exit_robust_list(t);
	if (t->clear_child_tid && old->users > 1) {
		uint32_t zero = 0;
		if (mm_copy_to(old, t->clear_child_tid, &zero, sizeof(zero)) == 0)
			futex_wake_address(t, t->clear_child_tid, 1);
	}
	t->clear_child_tid = 0;
	t->robust_list = t->robust_list_len = 0;
	t->mm = prog->mm;
	prog->mm = NULL;
	mm_put(old);
}

/* Linux's flush_signal_handlers: handlers to SIG_DFL, SIG_IGN stays,
 * flags and masks cleared. */
static void exec_signals(struct task *t)
{
	for (int i = 0; i < SIG_COUNT; i++) {
		struct k_sigaction *ka = &t->tg->actions[i];
		if (ka->handler != (uint64_t)(uintptr_t)SIG_IGN)
			ka->handler = (uint64_t)(uintptr_t)SIG_DFL;
		ka->flags = ka->restorer = ka->mask = 0;
	}
	t->altstack = (stack_t){ NULL, SS_DISABLE, 0 };
	t->sig_restore_mask = false;
	t->syscall_restart = 0;
	t->restart.kind = RESTART_NONE;
}

/* The vfork parent waits for its child's exec (clone.c); it may know
 * the child by either tid when a tid changed hands. */
static void release_vfork_parent(struct task *t, uint32_t old_tid)
{
	t->vfork_released = true;
	for (struct task *x = t->kernel->tasks; x; x = x->next)
		if (x->vfork_child && (x->vfork_child == t->tid ||
				       x->vfork_child == old_tid))
			pthread_cond_broadcast(&x->wake);
}

static void exec_commit(struct task *t, struct loader_program *prog)
{
	uint32_t old_tid = take_over_leader(t);
	if (exec_files(t) < 0) {
		/* Out of memory past the point of no return. */
		mm_put(prog->mm);
		task_exit_group(t, SIGKILL);
		return;
	}
	exec_mm(t, prog);
	exec_signals(t);
	ktimer_proc_exec(t->tg);
	t->tg->did_exec = true;  /* setpgid from the parent: EACCES */
	memcpy(t->tg->comm, prog->comm, sizeof(t->tg->comm));
	cpu_state_init_exec(&t->cpu, prog->entry, prog->sp);
	release_vfork_parent(t, old_tid);
}

/* ---- the system calls -------------------------------------------------- */

static unsigned walk_flags(int flags)
{
	return ((flags & AT_SYMLINK_NOFOLLOW) ? 0 : WALK_FOLLOW) |
	       ((flags & AT_EMPTY_PATH) ? WALK_EMPTY : 0);
}

static int64_t load_and_commit(struct task *t, int dirfd, const char *path,
			       int flags, struct strvec *argv,
			       struct strvec *envp)
{
	const struct loader_args la = {
		.dirfd = dirfd, .path = path, .walk_flags = walk_flags(flags),
		.argv = argv->v, .envp = envp->v,
	};
	struct loader_program prog;
	struct error err = { 0 };
	int rc = loader_load(t, &la, &prog, &err);
	if (rc < 0)
		return rc;
	rc = kill_other_threads(t);
	if (rc < 0) {
		mm_put(prog.mm);
		return rc;
	}
	exec_commit(t, &prog);
	/* rax of the new program starts at 0, as Linux's. */
	return 0;
}

static int64_t do_execveat(struct task *t, int dirfd, uint64_t upath,
			   uint64_t uargv, uint64_t uenvp, int flags)
{
	if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	if (task_leaving(t))
		return -EINTR;
	char *path;
	int rc = namei_copy_path(t, upath, &path);
	if (rc < 0)
		return rc;
	struct strvec argv = { 0 }, envp = { 0 };
	int64_t ret = copy_args(t, uargv, uenvp, &argv, &envp);
	if (ret == 0)
		ret = load_and_commit(t, dirfd, path, flags, &argv, &envp);
	strvec_free(&argv);
	strvec_free(&envp);
	free(path);
	return ret;
}

SYSCALL_DECL(execve)
{
	return do_execveat(t, AT_FDCWD, a[0], a[1], a[2], 0);
}

SYSCALL_DECL(execveat)
{
	return do_execveat(t, (int)a[0], a[1], a[2], a[3], (int)a[4]);
}
