/* Round trip of the process-control state (issue 5): process groups and
 * sessions, a stopped group with its pending wait report, the
 * controlling terminal, credentials with supplementary groups and
 * capabilities, nice and scheduling policy, pdeathsig and subreaper,
 * and a signalfd in an fd table. encode(decode(encode(k))) ==
 * encode(k), and the decoded values are the saved ones. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/cred.h"
#include "core/fdtable.h"
#include "core/file.h"
#include "core/hostfile.h"
#include "core/jobctl.h"
#include "core/kernel.h"
#include "core/memfile.h"
#include "core/mm.h"
#include "core/signalfd.h"
#include "core/task.h"
#include "tests/unit/harness.h"
#include "tests/unit/kernel_roundtrip.h"

static struct task *make_process(struct kernel *k, struct thread_group *parent)
{
	struct task *t;
	if (task_create_process(k, parent, &t) < 0 || mm_create(k, &t->mm) < 0)
		return NULL;
	t->cpu.xsave_size = 64;
	strcpy(t->tg->comm, "proc");
	return t;
}

static struct file *make_signalfd(struct kernel *k, uint64_t mask,
				  uint32_t owner)
{
	struct signalfd *s = calloc(1, sizeof(*s));
	s->file.ops = &signalfd_ops;
	s->file.refs = 1;
	s->file.flags = 02 | 04000;  /* O_RDWR | O_NONBLOCK */
	s->mask = mask;
	s->owner_tgid = owner;
	s->kernel = k;
	return &s->file;
}

/* pid 1 (session and group 1, holding the terminal, foreground group
 * 2); pid 2, its child, stopped by SIGTSTP in group 2, with dropped
 * credentials, a nice value, a pdeathsig and a signalfd. */
static struct kernel *make_kernel(void)
{
	struct kernel *k = calloc(1, sizeof(*k));
	if (!k || memfile_create(&k->memfile, 1ull << 30) < 0)
		return NULL;
	k->next_tid = 1;
	struct task *init = make_process(k, NULL);
	if (!init || !(init->files = fdtable_create()))
		return NULL;
	init->tg->subreaper = true;
	init->tg->tty_pgrp = 2;
	init->uid = init->euid = init->suid = init->fsuid = 0;
	init->cap_effective = init->cap_permitted = CRED_CAP_FULL;
	struct task *child = make_process(k, init->tg);
	if (!child || !(child->files = fdtable_create()))
		return NULL;
	struct thread_group *g = child->tg;
	g->pgid = 2;
	g->did_exec = true;
	g->stopped = true;
	g->stop_sig = SIGTSTP;
	g->wait_report = JOBCTL_REPORT_STOPPED;
	g->pdeathsig = SIGTERM;
	g->nice = 7;
	g->sched_policy = 3;  /* SCHED_BATCH */
	g->dumpable = false;
	child->uid = 1000, child->euid = 1001, child->suid = 1002;
	child->fsuid = 1003;
	child->gid = 2000, child->egid = 2001, child->sgid = 2002;
	child->fsgid = 2003;
	child->ngroups = 3;
	child->groups[0] = 5, child->groups[1] = 6, child->groups[2] = 7;
	child->cap_permitted = 1ull << 40;
	child->cap_inheritable = 1ull << 3;
	child->no_new_privs = true;
	uint64_t mask = (1ull << (SIGUSR1 - 1)) | (1ull << (SIGCHLD - 1));
	fdtable_install(child->files, make_signalfd(k, mask, 2), 3, true);
	return k;
}

static struct error err;

TEST(procctl_state_round_trip_is_exact)
{
	struct kernel *k = make_kernel();
	CHECK(k != NULL);
	bool ok = kernel_round_trips(k, &err);
	kernel_destroy(k);
	CHECK(ok);
}

TEST(procctl_state_decodes_to_the_saved_values)
{
	struct kernel *k = make_kernel();
	CHECK(k != NULL);
	void *buf;
	size_t len;
	CHECK(codec_encode(&codec_type_kernel, k, &buf, &len, &err) == 0);
	kernel_destroy(k);
	struct kernel_restore r = { NULL, NULL };
	void *root = NULL;
	int rc = codec_decode(&kernel_registry, &codec_type_kernel, buf, len,
			      &r, 0, &root, &err);
	free(buf);
	if (rc < 0)
		fprintf(stderr, "%s\n", err.msg);
	CHECK(rc == 0 && root != NULL);
	struct kernel *d = root;
	struct task *init = d->tasks, *child = init ? init->next : NULL;
	CHECK(init && child);
	CHECK_EQ(init->tg->pgid, 1);
	CHECK_EQ(init->tg->sid, 1);
	CHECK(init->tg->ctty && init->tg->subreaper);
	CHECK_EQ(init->tg->tty_pgrp, 2);
	CHECK_EQ(init->cap_effective, CRED_CAP_FULL);
	struct thread_group *g = child->tg;
	CHECK_EQ(g->pgid, 2);
	CHECK_EQ(g->sid, 1);
	CHECK(g->did_exec && g->stopped && !g->ctty && !g->dumpable);
	CHECK_EQ(g->stop_sig, SIGTSTP);
	CHECK_EQ(g->wait_report, JOBCTL_REPORT_STOPPED);
	CHECK_EQ(g->pdeathsig, SIGTERM);
	CHECK_EQ(g->nice, 7);
	CHECK_EQ(g->sched_policy, 3);
	CHECK_EQ(child->suid, 1002);
	CHECK_EQ(child->fsuid, 1003);
	CHECK_EQ(child->sgid, 2002);
	CHECK_EQ(child->fsgid, 2003);
	CHECK_EQ(child->ngroups, 3);
	CHECK_EQ(child->groups[2], 7);
	CHECK_EQ(child->cap_permitted, 1ull << 40);
	CHECK_EQ(child->cap_inheritable, 1ull << 3);
	CHECK(child->no_new_privs);
	struct file *f = fdtable_get(child->files, 3);
	CHECK(f && f->ops == &signalfd_ops);
	struct signalfd *s = (struct signalfd *)f;
	CHECK_EQ(s->mask, (1ull << (SIGUSR1 - 1)) | (1ull << (SIGCHLD - 1)));
	CHECK_EQ(s->owner_tgid, 2);
	CHECK(s->kernel == d);
	kernel_destroy(d);
}

TEST(procctl_bad_values_are_refused)
{
	struct kernel *k = make_kernel();
	CHECK(k != NULL);
	/* Out of range: a nice value, a group count. */
	k->tasks->next->tg->nice = 40;
	void *buf;
	size_t len;
	CHECK(codec_encode(&codec_type_kernel, k, &buf, &len, &err) == 0);
	struct kernel_restore r = { NULL, NULL };
	void *root = NULL;
	CHECK(codec_decode(&kernel_registry, &codec_type_kernel, buf, len, &r,
			   0, &root, &err) < 0);
	CHECK(root == NULL);
	free(buf);
	k->tasks->next->tg->nice = 0;
	k->tasks->next->cap_effective = 1ull << 50;
	CHECK(codec_encode(&codec_type_kernel, k, &buf, &len, &err) == 0);
	CHECK(codec_decode(&kernel_registry, &codec_type_kernel, buf, len, &r,
			   0, &root, &err) < 0);
	free(buf);
	kernel_destroy(k);
}
