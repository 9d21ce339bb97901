/* The system-wide files of /proc and /sys. Memory and CPU descriptions
 * are the host's (as sysinfo(2) and sched_getaffinity(2) report them);
 * the kernel's identity is the sandbox's fixed one (core/sys_info.c). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/random.h>
#include <unistd.h>

#include "core/fs/procfs_internal.h"
#include "core/kernel.h"
#include "core/task.h"

/* As uname(2) answers in core/sys_info.c. */
#define PROC_OSTYPE "Linux"
#define PROC_OSRELEASE "6.1.0-snapctl"
#define PROC_VERSION "#1 SMP PREEMPT_DYNAMIC snapctl"
#define PROC_PID_MAX 4194304
#define CLOCK_TICKS 100

/* Copies a host file (a description of the machine, not of snapctl). */
static int pass_host_file(const char *path, struct pbuf *b)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -EIO;
	char chunk[4096];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		pbuf_put(b, chunk, (size_t)n);
	close(fd);
	return n < 0 ? -EIO : 0;
}

int procfs_gen_meminfo(const struct proc_ctx *c, struct pbuf *b)
{
	(void)c;
	return pass_host_file("/proc/meminfo", b);
}

int procfs_gen_cpuinfo(const struct proc_ctx *c, struct pbuf *b)
{
	(void)c;
	return pass_host_file("/proc/cpuinfo", b);
}

long procfs_cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);
	return n > 0 ? n : 1;
}

static uint64_t uptime_ticks(const struct kernel *k)
{
	int64_t ns = kernel_monotonic_ns(k);
	return ns > 0 ? (uint64_t)ns / (1000000000 / CLOCK_TICKS) : 0;
}

static void count_tasks(const struct kernel *k, uint32_t *tasks)
{
	*tasks = 0;
	for (const struct task *t = k->tasks; t; t = t->next)
		if (t->state != TASK_EXITED)
			(*tasks)++;
}

/* CPU time is not accounted: every CPU has been idle since boot. */
int procfs_gen_kstat(const struct proc_ctx *c, struct pbuf *b)
{
	long ncpu = procfs_cpu_count();
	uint64_t idle = uptime_ticks(c->k);
	pbuf_printf(b, "cpu  0 0 0 %" PRIu64 " 0 0 0 0 0 0\n",
		    idle * (uint64_t)ncpu);
	for (long i = 0; i < ncpu; i++)
		pbuf_printf(b, "cpu%ld 0 0 0 %" PRIu64 " 0 0 0 0 0 0\n", i,
			    idle);
	uint32_t tasks;
	count_tasks(c->k, &tasks);
	pbuf_printf(b, "intr 0\nctxt 0\nbtime %" PRIu64 "\nprocesses %u\n"
		    "procs_running 1\nprocs_blocked 0\nsoftirq 0\n",
		    c->k->boot_realtime_ns / 1000000000,
		    c->k->next_tid > 0 ? c->k->next_tid - 1 : 0);
	return 0;
}

int procfs_gen_uptime(const struct proc_ctx *c, struct pbuf *b)
{
	uint64_t t = uptime_ticks(c->k);
	uint64_t idle = t * (uint64_t)procfs_cpu_count();
	pbuf_printf(b, "%" PRIu64 ".%02" PRIu64 " %" PRIu64 ".%02" PRIu64 "\n",
		    t / CLOCK_TICKS, t % CLOCK_TICKS, idle / CLOCK_TICKS,
		    idle % CLOCK_TICKS);
	return 0;
}

int procfs_gen_loadavg(const struct proc_ctx *c, struct pbuf *b)
{
	uint32_t tasks;
	count_tasks(c->k, &tasks);
	pbuf_printf(b, "0.00 0.00 0.00 1/%u %u\n", tasks,
		    c->k->next_tid > 0 ? c->k->next_tid - 1 : 0);
	return 0;
}

int procfs_gen_filesystems(const struct proc_ctx *c, struct pbuf *b)
{
	(void)c;
	pbuf_printf(b, "nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\n"
		    "nodev\tdevtmpfs\nnodev\toverlay\n");
	return 0;
}

int procfs_gen_version(const struct proc_ctx *c, struct pbuf *b)
{
	(void)c;
	pbuf_printf(b, "%s version %s (snapctl) %s\n", PROC_OSTYPE,
		    PROC_OSRELEASE, PROC_VERSION);
	return 0;
}

int procfs_gen_hostname(const struct proc_ctx *c, struct pbuf *b)
{
	pbuf_printf(b, "%s\n", c->k->hostname);
	return 0;
}

int procfs_gen_ostype(const struct proc_ctx *c, struct pbuf *b)
{
	(void)c;
	pbuf_printf(b, "%s\n", PROC_OSTYPE);
	return 0;
}

int procfs_gen_osrelease(const struct proc_ctx *c, struct pbuf *b)
{
	(void)c;
	pbuf_printf(b, "%s\n", PROC_OSRELEASE);
	return 0;
}

int procfs_gen_pid_max(const struct proc_ctx *c, struct pbuf *b)
{
	(void)c;
	pbuf_printf(b, "%d\n", PROC_PID_MAX);
	return 0;
}

/* Heuristic overcommit, Linux's default. */
int procfs_gen_overcommit(const struct proc_ctx *c, struct pbuf *b)
{
	(void)c;
	pbuf_printf(b, "0\n");
	return 0;
}

/* /sys/devices/system/cpu/{online,possible,present}: the CPUs numbered
 * as sched_getaffinity(2) sizes its mask (core/sys_info.c). */
int procfs_gen_cpus(const struct proc_ctx *c, struct pbuf *b)
{
	(void)c;
	long n = procfs_cpu_count();
	if (n == 1)
		pbuf_printf(b, "0\n");
	else
		pbuf_printf(b, "0-%ld\n", n - 1);
	return 0;
}

int procfs_gen_cpu_online(const struct proc_ctx *c, struct pbuf *b)
{
	(void)c;
	pbuf_printf(b, "1\n");
	return 0;
}

int procfs_gen_text(const struct proc_ctx *c, struct pbuf *b)
{
	pbuf_printf(b, "%s\n", c->entry->target);
	return 0;
}

/* A new random (version 4) UUID at each read, as Linux's. */
int procfs_gen_uuid(const struct proc_ctx *c, struct pbuf *b)
{
	(void)c;
	uint8_t u[16];
	if (getrandom(u, sizeof(u), 0) != (ssize_t)sizeof(u))
		return -EIO;
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	for (int i = 0; i < 16; i++)
		pbuf_printf(b, "%02x%s", u[i],
			    i == 3 || i == 5 || i == 7 || i == 9 ? "-" : "");
	pbuf_printf(b, "\n");
	return 0;
}
