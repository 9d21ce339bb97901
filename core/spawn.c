/* Starting the sandbox's first process, pid 1. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include "core/cred.h"
#include "core/fdtable.h"
#include "core/fs/vfs.h"
#include "core/hostfile.h"
#include "core/kernel.h"
#include "core/ktimer.h"
#include "core/loader.h"
#include "core/task.h"

/* fds 0-2 are the caller's stdio, as with `runsc do`. */
static int spawn_stdio(struct kernel *k, struct task *t)
{
	t->files = fdtable_create();
	if (!t->files)
		return -ENOMEM;
	for (int fd = 0; fd < 3; fd++) {
		struct file *f = hostfile_open(k, fd);
		if (!f)
			return -ENOMEM;
		if (fdtable_install(t->files, f, fd, false) != fd) {
			file_put(f);
			return -EMFILE;
		}
	}
	return 0;
}

/* The filesystem context: the working directory is the caller's when
 * the sandbox's filesystem has it, as with `runsc do`. */
static int spawn_fs(struct kernel *k, struct task *t)
{
	char cwd[PATH_MAX];
	return vfs_setup_task(k->vfs, t, getcwd(cwd, sizeof(cwd)) ? cwd : "/");
}

static void spawn_credentials(struct task *t)
{
	/* The sandbox's user is the caller's, so files it creates and ids
	 * it prints match a native run. */
	cred_init_from_host(t);
}

int kernel_prepare_init(struct kernel *k, const char *name,
			char *const argv[], char *const envp[],
			struct error *err)
{
	char path[PATH_MAX];
	int rc = loader_find_program(name, envp, path, sizeof(path), err);
	if (rc < 0)
		return rc;
	struct task *t;
	kernel_lock(k);
	rc = task_create_process(k, NULL, &t);
	if (rc < 0) {
		kernel_unlock(k);
		return error_set_errno(err, -rc, "creating pid 1");
	}
	spawn_credentials(t);
	rc = spawn_stdio(k, t);
	if (rc == 0)
		rc = spawn_fs(k, t);
	if (rc < 0)
		error_set_errno(err, -rc, "stdio");
	else
		rc = loader_exec_initial(t, path, argv, envp, err);
	if (rc < 0) {
		/* Never ran: it leaves the kernel as if it had exited. */
		t->state = TASK_EXITED;
		k->live_tasks--;
	}
	kernel_unlock(k);
	return rc;
}

int kernel_start(struct kernel *k, struct error *err)
{
	int rc = 0;
	kernel_lock(k);
	for (struct task *t = k->tasks; t && rc == 0; t = t->next) {
		if (t->state == TASK_EXITED || t->thread_started)
			continue;
		rc = task_start(t);
		if (rc < 0) {
			error_set_errno(err, -rc, "starting task %u", t->tid);
			/* Stop the rest; the started ones see the group end. */
			task_exit_group(t, SIGKILL);
			t->state = TASK_EXITED;
			k->live_tasks--;
		}
	}
	kernel_unlock(k);
	if (rc == 0 && ktimer_thread_start(k) < 0)
		rc = error_set(err, EAGAIN, "starting the timer thread");
	return rc;
}

int kernel_spawn_init(struct kernel *k, const char *name,
		      char *const argv[], char *const envp[],
		      struct error *err)
{
	int rc = kernel_prepare_init(k, name, argv, envp, err);
	return rc < 0 ? rc : kernel_start(k, err);
}
