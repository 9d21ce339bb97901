/* The contents of /proc/PID/ files, from the thread group, its tasks,
 * address space, fd table and fs context. Zombies have no address space
 * and show empty memory files, as Linux's do. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sysmacros.h>

#include "core/fdtable.h"
#include "core/file.h"
#include "core/fs/dentry.h"
#include "core/fs/fs_context.h"
#include "core/fs/inode.h"
#include "core/fs/mount.h"
#include "core/fs/procfs_internal.h"
#include "core/fs/super.h"
#include "core/fs/vfs.h"
#include "core/kernel.h"
#include "core/memfile.h"
#include "core/mm.h"
#include "core/mm_pagetable.h"
#include "core/task.h"

#define KB(pages) ((uint64_t)(pages) * (PAGE_SIZE / 1024))

static struct mm *ctx_mm(const struct proc_ctx *c)
{
	return c->task ? c->task->mm : NULL;
}

int procfs_gen_maps(const struct proc_ctx *c, struct pbuf *b)
{
	struct mm *mm = ctx_mm(c);
	if (!mm)
		return 0;
	size_t n = mm_format_maps(mm, NULL, 0);
	char *s = malloc(n + 1);
	if (!s)
		return -ENOMEM;
	mm_format_maps(mm, s, n + 1);
	pbuf_put(b, s, n);
	free(s);
	return 0;
}

/* ---- memory figures --------------------------------------------------- */

struct mem_use {
	uint64_t size, rss, data, stack, exec;   /* pages */
};

static struct mem_use mem_use(struct mm *mm)
{
	struct mem_use u = { 0 };
	if (!mm)
		return u;
	for (size_t i = 0; i < mm->nvmas; i++) {
		const struct vma *v = &mm->vmas[i];
		uint64_t pages = (v->end - v->start) / PAGE_SIZE;
		u.size += pages;
		if (v->flags & VMA_STACK)
			u.stack += pages;
		else if ((v->prot & PROT_EXEC) && !(v->prot & PROT_WRITE))
			u.exec += pages;
		else if ((v->prot & PROT_WRITE) && !(v->flags & VMA_SHARED))
			u.data += pages;
	}
	u.rss = mm->pt ? mm_pt_count(mm->pt) : 0;
	return u;
}

/* ---- stat, statm, status --------------------------------------------- */

static char task_state(const struct proc_ctx *c, const struct task *t)
{
	if (c->tg->zombie || !t || t->state == TASK_EXITED)
		return 'Z';
	if (c->tg->stopped)
		return 'T';
	return t == c->caller ? 'R' : 'S';
}

static const char *state_name(char s)
{
	switch (s) {
	case 'R': return "R (running)";
	case 'Z': return "Z (zombie)";
	case 'T': return "T (stopped)";
	default: return "S (sleeping)";
	}
}

/* Signal masks of the group's dispositions: ignored and caught. */
static void sig_dispositions(const struct thread_group *tg, uint64_t *ign,
			     uint64_t *cgt)
{
	*ign = *cgt = 0;
	for (int s = 1; s <= SIG_COUNT; s++) {
		uint64_t h = tg->actions[s - 1].handler;
		if (h == (uint64_t)(uintptr_t)SIG_IGN)
			*ign |= sig_bit(s);
		else if (h != (uint64_t)(uintptr_t)SIG_DFL)
			*cgt |= sig_bit(s);
	}
}

static uint32_t ppid_of(const struct thread_group *tg)
{
	return tg->parent ? tg->parent->tgid : 0;
}

static uint64_t rlim_value(rlim_t v)
{
	return v == RLIM_INFINITY ? UINT64_MAX : (uint64_t)v;
}

/* stat's signal fields are "obsolete": the first 31 signals only. */
#define LOW_SIGNALS ((uint64_t)0x7fffffff)

int procfs_gen_stat(const struct proc_ctx *c, struct pbuf *b)
{
	const struct thread_group *tg = c->tg;
	const struct task *t = c->task;
	struct mm *mm = ctx_mm(c);
	struct mem_use u = mem_use(mm);
	uint64_t ign, cgt;
	sig_dispositions(tg, &ign, &cgt);
	uint64_t pending = tg->shared_pending.set |
			   (t ? t->sig_pending.set : 0);
	/* Times are not accounted yet: utime, stime and starttime are 0. */
	pbuf_printf(b, "%u (%s) %c %u %u %u 0 -1 4194560 0 0 0 0 0 0 0 0 "
		    "20 %d %d 0 0 %" PRIu64 " %" PRIu64 " %" PRIu64 " ",
		    t ? t->tid : tg->tgid, tg->comm, task_state(c, t),
		    ppid_of(tg), tg->pgid, tg->sid, tg->nice,
		    tg->nthreads > 0 ? tg->nthreads : 1,
		    (uint64_t)(u.size * PAGE_SIZE), u.rss,
		    rlim_value(tg->rlim[RLIMIT_RSS].rlim_cur));
	pbuf_printf(b, "0 0 %" PRIu64 " 0 0 %" PRIu64 " %" PRIu64 " %" PRIu64
		    " %" PRIu64 " 0 0 0 %d 0 0 0 0 0 0 0 0 %" PRIu64 " %"
		    PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %d\n",
		    mm ? mm->stack_top : 0, pending & LOW_SIGNALS,
		    (t ? t->sig_blocked : 0) & LOW_SIGNALS,
		    ign & LOW_SIGNALS, cgt & LOW_SIGNALS,
		    tg->exit_signal,
		    mm ? mm->brk_start : 0, mm ? mm->arg_start : 0,
		    mm ? mm->arg_end : 0, mm ? mm->env_start : 0,
		    mm ? mm->env_end : 0, tg->zombie ? tg->exit_status : 0);
	return 0;
}

int procfs_gen_statm(const struct proc_ctx *c, struct pbuf *b)
{
	struct mem_use u = mem_use(ctx_mm(c));
	pbuf_printf(b, "%" PRIu64 " %" PRIu64 " 0 %" PRIu64 " 0 %" PRIu64
		    " 0\n", u.size, u.rss, u.exec, u.data + u.stack);
	return 0;
}

static void status_ids(const struct proc_ctx *c, struct pbuf *b)
{
	const struct task *t = c->task;
	const struct thread_group *tg = c->tg;
	uint32_t umask = t && t->fs ? t->fs->umask : 022;
	pbuf_printf(b, "Name:\t%s\nUmask:\t%04o\nState:\t%s\nTgid:\t%u\n"
		    "Ngid:\t0\nPid:\t%u\nPPid:\t%u\nTracerPid:\t0\n",
		    tg->comm, umask, state_name(task_state(c, t)), tg->tgid,
		    t ? t->tid : tg->tgid, ppid_of(tg));
	if (t)
		pbuf_printf(b, "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n",
			    t->uid, t->euid, t->suid, t->fsuid,
			    t->gid, t->egid, t->sgid, t->fsgid);
	uint32_t fdsize = t && t->files ? t->files->nfds : 0;
	pbuf_printf(b, "FDSize:\t%u\nGroups:\t\nNStgid:\t%u\nNSpid:\t%u\n"
		    "NSpgid:\t%u\nNSsid:\t%u\n", fdsize, tg->tgid,
		    t ? t->tid : tg->tgid, tg->pgid, tg->sid);
}

static void status_memory(const struct proc_ctx *c, struct pbuf *b)
{
	if (!ctx_mm(c))
		return;
	struct mem_use u = mem_use(ctx_mm(c));
	pbuf_printf(b, "VmPeak:\t%8" PRIu64 " kB\nVmSize:\t%8" PRIu64 " kB\n"
		    "VmLck:\t       0 kB\nVmPin:\t       0 kB\n"
		    "VmHWM:\t%8" PRIu64 " kB\nVmRSS:\t%8" PRIu64 " kB\n"
		    "RssAnon:\t%8" PRIu64 " kB\nRssFile:\t       0 kB\n"
		    "RssShmem:\t       0 kB\nVmData:\t%8" PRIu64 " kB\n"
		    "VmStk:\t%8" PRIu64 " kB\nVmExe:\t%8" PRIu64 " kB\n"
		    "VmLib:\t       0 kB\nVmPTE:\t       0 kB\n"
		    "VmSwap:\t       0 kB\n",
		    KB(u.size), KB(u.size), KB(u.rss), KB(u.rss), KB(u.rss),
		    KB(u.data), KB(u.stack), KB(u.exec));
}

int procfs_gen_status(const struct proc_ctx *c, struct pbuf *b)
{
	const struct task *t = c->task;
	const struct thread_group *tg = c->tg;
	status_ids(c, b);
	status_memory(c, b);
	uint64_t ign, cgt;
	sig_dispositions(tg, &ign, &cgt);
	pbuf_printf(b, "Threads:\t%d\nSigQ:\t0/%" PRIu64 "\n"
		    "SigPnd:\t%016" PRIx64 "\nShdPnd:\t%016" PRIx64 "\n"
		    "SigBlk:\t%016" PRIx64 "\nSigIgn:\t%016" PRIx64 "\n"
		    "SigCgt:\t%016" PRIx64 "\n",
		    tg->nthreads, rlim_value(tg->rlim[RLIMIT_SIGPENDING].rlim_cur),
		    t ? t->sig_pending.set : 0, tg->shared_pending.set,
		    t ? t->sig_blocked : 0, ign, cgt);
	pbuf_printf(b, "CapInh:\t0000000000000000\nCapPrm:\t0000000000000000\n"
		    "CapEff:\t0000000000000000\nCapBnd:\t000001ffffffffff\n"
		    "CapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t0\n"
		    "voluntary_ctxt_switches:\t0\n"
		    "nonvoluntary_ctxt_switches:\t0\n");
	return 0;
}

/* ---- memory contents -------------------------------------------------- */

/* The bytes of [start, end) of the process's memory, as far as they can
 * be read. */
static int copy_range(const struct proc_ctx *c, uint64_t start, uint64_t end,
		      struct pbuf *b)
{
	struct mm *mm = ctx_mm(c);
	if (!mm || end <= start)
		return 0;
	char chunk[4096];
	for (uint64_t a = start; a < end;) {
		size_t n = end - a < sizeof(chunk) ? (size_t)(end - a)
						   : sizeof(chunk);
		if (mm_copy_from(mm, chunk, a, n) < 0)
			break;
		pbuf_put(b, chunk, n);
		a += n;
	}
	return 0;
}

int procfs_gen_cmdline(const struct proc_ctx *c, struct pbuf *b)
{
	struct mm *mm = ctx_mm(c);
	return mm ? copy_range(c, mm->arg_start, mm->arg_end, b) : 0;
}

int procfs_gen_environ(const struct proc_ctx *c, struct pbuf *b)
{
	struct mm *mm = ctx_mm(c);
	return mm ? copy_range(c, mm->env_start, mm->env_end, b) : 0;
}

int procfs_gen_auxv(const struct proc_ctx *c, struct pbuf *b)
{
	struct mm *mm = ctx_mm(c);
	if (mm)
		pbuf_put(b, mm->auxv, mm->auxv_len);
	return 0;
}

int procfs_gen_comm(const struct proc_ctx *c, struct pbuf *b)
{
	pbuf_printf(b, "%s\n", c->tg->comm);
	return 0;
}

/* ---- limits ------------------------------------------------------------ */

static const struct {
	const char *name, *unit;
} limit_names[RLIMIT_NLIMITS] = {
	[RLIMIT_CPU] = { "Max cpu time", "seconds" },
	[RLIMIT_FSIZE] = { "Max file size", "bytes" },
	[RLIMIT_DATA] = { "Max data size", "bytes" },
	[RLIMIT_STACK] = { "Max stack size", "bytes" },
	[RLIMIT_CORE] = { "Max core file size", "bytes" },
	[RLIMIT_RSS] = { "Max resident set", "bytes" },
	[RLIMIT_NPROC] = { "Max processes", "processes" },
	[RLIMIT_NOFILE] = { "Max open files", "files" },
	[RLIMIT_MEMLOCK] = { "Max locked memory", "bytes" },
	[RLIMIT_AS] = { "Max address space", "bytes" },
	[RLIMIT_LOCKS] = { "Max file locks", "locks" },
	[RLIMIT_SIGPENDING] = { "Max pending signals", "signals" },
	[RLIMIT_MSGQUEUE] = { "Max msgqueue size", "bytes" },
	[RLIMIT_NICE] = { "Max nice priority", "" },
	[RLIMIT_RTPRIO] = { "Max realtime priority", "" },
	[RLIMIT_RTTIME] = { "Max realtime timeout", "us" },
};

static void limit_value(char *buf, size_t size, rlim_t v)
{
	if (v == RLIM_INFINITY)
		snprintf(buf, size, "unlimited");
	else
		snprintf(buf, size, "%llu", (unsigned long long)v);
}

int procfs_gen_limits(const struct proc_ctx *c, struct pbuf *b)
{
	pbuf_printf(b, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit",
		    "Hard Limit", "Units");
	for (int i = 0; i < RLIMIT_NLIMITS; i++) {
		char soft[24], hard[24];
		limit_value(soft, sizeof(soft), c->tg->rlim[i].rlim_cur);
		limit_value(hard, sizeof(hard), c->tg->rlim[i].rlim_max);
		pbuf_printf(b, "%-25s %-20s %-20s %-10s\n",
			    limit_names[i].name, soft, hard,
			    limit_names[i].unit);
	}
	return 0;
}

/* ---- mounts ------------------------------------------------------------- */

static void mount_options(const struct mount *m, struct pbuf *b)
{
	pbuf_printf(b, "%s", (m->flags & MS_RDONLY) ? "ro" : "rw");
	if (m->flags & MS_NOSUID)
		pbuf_printf(b, ",nosuid");
	if (m->flags & MS_NODEV)
		pbuf_printf(b, ",nodev");
	if (m->flags & MS_NOEXEC)
		pbuf_printf(b, ",noexec");
	pbuf_printf(b, ",relatime");
}

/* Mounts as the process sees them: mount points named from its root;
 * mounts outside its root are left out. */
int procfs_gen_mounts(const struct proc_ctx *c, struct pbuf *b)
{
	struct task *t = c->task;
	if (!t || !t->fs || !c->k->vfs)
		return 0;
	char path[4096];
	for (struct mount *m = c->k->vfs->mounts; m; m = m->next) {
		struct path p = { m, m->root };
		if (vfs_path_name(t, &p, path, sizeof(path)) < 0)
			continue;
		pbuf_printf(b, "%s %s %s ", m->source, path, m->sb->ops->name);
		mount_options(m, b);
		pbuf_printf(b, " 0 0\n");
	}
	return 0;
}

/* /proc/PID/mountinfo: id, parent id, device, root of the mount in
 * its filesystem (always the filesystem's root here), mount point,
 * options, no optional fields, type, source, superblock options. */
int procfs_gen_mountinfo(const struct proc_ctx *c, struct pbuf *b)
{
	struct task *t = c->task;
	if (!t || !t->fs || !c->k->vfs)
		return 0;
	char path[4096];
	for (struct mount *m = c->k->vfs->mounts; m; m = m->next) {
		struct path p = { m, m->root };
		if (vfs_path_name(t, &p, path, sizeof(path)) < 0)
			continue;
		pbuf_printf(b, "%u %u %u:%u / %s ", m->id,
			    m->parent ? m->parent->id : 1,
			    major(m->sb->dev), minor(m->sb->dev), path);
		mount_options(m, b);
		pbuf_printf(b, " - %s %s %s\n", m->sb->ops->name, m->source,
			    (m->flags & MS_RDONLY) ? "ro" : "rw");
	}
	return 0;
}

/* ---- fdinfo ---------------------------------------------------------------- */

int procfs_gen_fdinfo(const struct proc_ctx *c, struct pbuf *b)
{
	struct fdtable *ft = c->task ? c->task->files : NULL;
	struct file *f = ft ? fdtable_get(ft, c->fd) : NULL;
	if (!f)
		return -ENOENT;
	uint32_t flags = f->flags;
	if (fdtable_cloexec(ft, c->fd))
		flags |= 02000000;   /* O_CLOEXEC, as Linux shows it */
	uint64_t ino = f->dentry && f->dentry->inode ? f->dentry->inode->ino
						     : 0;
	pbuf_printf(b, "pos:\t%lld\nflags:\t0%o\nmnt_id:\t%u\nino:\t%" PRIu64
		    "\n", (long long)f->pos, flags, f->mnt ? f->mnt->id : 0,
		    ino);
	return 0;
}
