/* Syscalls that describe the system and the process's limits: uname,
 * sysinfo, resource limits, CPU affinity, randomness. */
#include <errno.h>
#include <stdio.h>
#include <sched.h>
#include <string.h>
#include <sys/random.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/kernel.h"
#include "core/mm.h"
#include "core/syscall.h"
#include "core/task.h"

/* The Linux the sandbox presents. A fixed identity, not the host's, so an
 * image restores to the same answers on any host. */
#define UTS_SYSNAME "Linux"
#define UTS_RELEASE "6.1.0-snapctl"
#define UTS_VERSION "#1 SMP PREEMPT_DYNAMIC snapctl"
#define UTS_MACHINE "x86_64"

SYSCALL_DECL(uname)
{
	struct utsname u;
	memset(&u, 0, sizeof(u));
	strcpy(u.sysname, UTS_SYSNAME);
	snprintf(u.nodename, sizeof(u.nodename), "%s", t->kernel->hostname);
	strcpy(u.release, UTS_RELEASE);
	strcpy(u.version, UTS_VERSION);
	strcpy(u.machine, UTS_MACHINE);
	strcpy(u.domainname, "(none)");
	return mm_copy_to(t->mm, a[0], &u, sizeof(u));
}

SYSCALL_DECL(sysinfo)
{
	struct sysinfo host, si;
	if (sysinfo(&host) < 0)
		return -errno;
	memset(&si, 0, sizeof(si));
	si.uptime = kernel_monotonic_ns(t->kernel) / 1000000000;
	si.totalram = host.totalram;
	si.freeram = host.freeram;
	si.bufferram = host.bufferram;
	si.sharedram = host.sharedram;
	si.procs = (unsigned short)t->kernel->live_tasks;
	si.mem_unit = host.mem_unit;
	return mm_copy_to(t->mm, a[0], &si, sizeof(si));
}

SYSCALL_DECL(getrandom)
{
	if (a[2] & ~(uint64_t)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	/* Linux returns at most 32 MiB - 1 per call. */
	size_t want = a[1] < 33554431 ? a[1] : 33554431, done = 0;
	uint8_t buf[4096];
	while (done < want) {
		size_t n = want - done < sizeof(buf) ? want - done : sizeof(buf);
		ssize_t got = getrandom(buf, n, 0);
		if (got < 0)
			return done ? (int64_t)done : -errno;
		if (mm_copy_to(t->mm, a[0] + done, buf, (size_t)got) < 0)
			return done ? (int64_t)done : -EFAULT;
		done += (size_t)got;
	}
	return (int64_t)done;
}

static struct thread_group *rlimit_target(struct task *t, uint64_t pid)
{
	/* Other processes' limits come with the processes issue. */
	return pid == 0 || pid == t->tg->tgid ? t->tg : NULL;
}

SYSCALL_DECL(prlimit64)
{
	struct thread_group *tg = rlimit_target(t, a[0]);
	if (!tg)
		return -ESRCH;
	if (a[1] >= RLIMIT_NLIMITS)
		return -EINVAL;
	struct rlimit old = tg->rlim[a[1]], new;
	if (a[2]) {
		if (mm_copy_from(t->mm, &new, a[2], sizeof(new)) < 0)
			return -EFAULT;
		if (new.rlim_cur > new.rlim_max)
			return -EINVAL;
		if (a[1] == RLIMIT_NOFILE && new.rlim_max > 1048576)
			return -EPERM;
	}
	if (a[3] && mm_copy_to(t->mm, a[3], &old, sizeof(old)) < 0)
		return -EFAULT;
	if (a[2])
		tg->rlim[a[1]] = new;
	return 0;
}

SYSCALL_DECL(getrlimit)
{
	const uint64_t args[6] = { 0, a[0], 0, a[1], 0, 0 };
	return sys_prlimit64(t, args);
}

SYSCALL_DECL(setrlimit)
{
	const uint64_t args[6] = { 0, a[0], a[1], 0, 0, 0 };
	return sys_prlimit64(t, args);
}

SYSCALL_DECL(sched_getaffinity)
{
	if (a[0] != 0 && a[0] != t->tid)
		return -ESRCH;
	/* Like Linux: the kernel's mask is nr_cpu_ids bits rounded up to
	 * longs, and a smaller user buffer is an error. */
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	size_t bytes = (size_t)((ncpu + 63) / 64) * 8;
	if (a[1] < bytes || (a[1] & 7))
		return -EINVAL;
	uint8_t mask[128] = { 0 };
	cpu_set_t host;
	if (sched_getaffinity(0, sizeof(host), &host) < 0)
		return -errno;
	for (long i = 0; i < ncpu && i < 1024; i++)
		if (CPU_ISSET(i, &host))
			mask[i / 8] |= (uint8_t)(1u << (i % 8));
	if (bytes > sizeof(mask))
		bytes = sizeof(mask);
	if (mm_copy_to(t->mm, a[2], mask, bytes) < 0)
		return -EFAULT;
	return (int64_t)bytes;
}

SYSCALL_DECL(sched_yield)
{
	(void)a;
	kernel_unlock(t->kernel);
	sched_yield();
	kernel_lock(t->kernel);
	return 0;
}
