/* What /proc and /sys contain: one table per kind of directory. A new
 * file is a line here and a generator. Read only: tables are not state. */
#include <sys/stat.h>

#include "core/fs/procfs_internal.h"

#define DIR_(n, t)   { .name = n, .mode = S_IFDIR | 0555, .sub = t }
#define FILE_(n, g)  { .name = n, .mode = S_IFREG | 0444, .sub = -1, \
		       .gen = g }
#define LINK_(n, l)  { .name = n, .mode = S_IFLNK | 0777, .sub = -1, \
		       .link = l }
#define TEXT_(n, s)  { .name = n, .mode = S_IFLNK | 0777, .sub = -1, \
		       .link = LINK_TEXT, .target = s }
/* A file whose contents never change. */
#define FIXED_(n, s) { .name = n, .mode = S_IFREG | 0444, .sub = -1, \
		       .gen = procfs_gen_text, .target = s }
#define N(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

static const struct proc_entry roots[] = {
	[PROCFS_PROC] = DIR_("/", PT_ROOT),
	[PROCFS_SYS] = DIR_("/", PT_SYSFS_ROOT),
};

static const struct proc_entry root_entries[] = {
	LINK_("self", LINK_SELF),
	LINK_("thread-self", LINK_THREAD_SELF),
	FILE_("cpuinfo", procfs_gen_cpuinfo),
	FILE_("filesystems", procfs_gen_filesystems),
	FILE_("loadavg", procfs_gen_loadavg),
	FILE_("meminfo", procfs_gen_meminfo),
	TEXT_("mounts", "self/mounts"),
	FILE_("stat", procfs_gen_kstat),
	DIR_("sys", PT_SYS),
	FILE_("uptime", procfs_gen_uptime),
	FILE_("version", procfs_gen_version),
};

static const struct proc_entry sys_entries[] = {
	DIR_("fs", PT_SYS_FS),
	DIR_("kernel", PT_SYS_KERNEL),
	DIR_("vm", PT_SYS_VM),
};

/* Linux's defaults, as programs and libraries probe them. */
static const struct proc_entry sys_fs_entries[] = {
	FIXED_("file-max", "9223372036854775807"),
	FIXED_("nr_open", "1048576"),
};

static const struct proc_entry sys_kernel_random_entries[] = {
	FIXED_("entropy_avail", "256"),
	FIXED_("poolsize", "256"),
	FILE_("uuid", procfs_gen_uuid),
};

static const struct proc_entry sys_kernel_entries[] = {
	FIXED_("cap_last_cap", "40"),
	FILE_("hostname", procfs_gen_hostname),
	FIXED_("ngroups_max", "65536"),
	FILE_("ostype", procfs_gen_ostype),
	FILE_("osrelease", procfs_gen_osrelease),
	FILE_("pid_max", procfs_gen_pid_max),
	DIR_("random", PT_SYS_KERNEL_RANDOM),
	FIXED_("threads-max", "4194304"),
};

static const struct proc_entry sys_vm_entries[] = {
	FILE_("overcommit_memory", procfs_gen_overcommit),
};

/* PID/ and PID/task/TID/ (which has no task/). */
#define PID_COMMON \
	FILE_("auxv", procfs_gen_auxv), \
	FILE_("cmdline", procfs_gen_cmdline), \
	FILE_("comm", procfs_gen_comm), \
	LINK_("cwd", LINK_CWD), \
	FILE_("environ", procfs_gen_environ), \
	LINK_("exe", LINK_EXE), \
	DIR_("fd", PT_FD), \
	DIR_("fdinfo", PT_FDINFO), \
	FILE_("limits", procfs_gen_limits), \
	FILE_("maps", procfs_gen_maps), \
	FILE_("mountinfo", procfs_gen_mountinfo), \
	FILE_("mounts", procfs_gen_mounts), \
	LINK_("root", LINK_ROOT), \
	FILE_("stat", procfs_gen_stat), \
	FILE_("statm", procfs_gen_statm), \
	FILE_("status", procfs_gen_status)

static const struct proc_entry pid_entries[] = {
	PID_COMMON,
	DIR_("task", PT_TASK),
};

static const struct proc_entry tid_entries[] = {
	PID_COMMON,
};

/* The entries dynamic names stand for; their names are numbers. */
static const struct proc_entry dyn_entries[] = {
	[DYN_E_PID] = DIR_("PID", PT_PID),
	[DYN_E_TID] = DIR_("TID", PT_TID),
	[DYN_E_FD] = { .name = "FD", .mode = S_IFLNK | 0700, .sub = -1,
		       .link = LINK_FD },
	[DYN_E_FDINFO] = { .name = "FD", .mode = S_IFREG | 0400, .sub = -1,
			   .gen = procfs_gen_fdinfo },
	[DYN_E_CPU] = DIR_("cpuN", PT_SYSFS_CPUN),
	/* What fd/N leads to when its file has no path (a pipe, the host's
	 * stdio): an anonymous entry standing for the open file itself,
	 * with its type (mode 0 here: whatever the file's fstat says). */
	[DYN_E_FDOBJ] = { .name = "FDOBJ", .mode = 0, .sub = -1 },
};

static const struct proc_entry sysfs_root_entries[] = {
	DIR_("devices", PT_SYSFS_DEVICES),
};

static const struct proc_entry sysfs_devices_entries[] = {
	DIR_("system", PT_SYSFS_SYSTEM),
};

static const struct proc_entry sysfs_system_entries[] = {
	DIR_("cpu", PT_SYSFS_CPU),
};

static const struct proc_entry sysfs_cpu_entries[] = {
	FILE_("online", procfs_gen_cpus),
	FILE_("possible", procfs_gen_cpus),
	FILE_("present", procfs_gen_cpus),
};

static const struct proc_entry sysfs_cpun_entries[] = {
	FILE_("online", procfs_gen_cpu_online),
};

const struct proc_table procfs_tables[PT_COUNT] = {
	[PT_ROOTS] = { roots, N(roots), DYN_NONE },
	[PT_ROOT] = { root_entries, N(root_entries), DYN_PIDS },
	[PT_SYS] = { sys_entries, N(sys_entries), DYN_NONE },
	[PT_SYS_KERNEL] = { sys_kernel_entries, N(sys_kernel_entries),
			    DYN_NONE },
	[PT_SYS_FS] = { sys_fs_entries, N(sys_fs_entries), DYN_NONE },
	[PT_SYS_KERNEL_RANDOM] = { sys_kernel_random_entries,
				   N(sys_kernel_random_entries), DYN_NONE },
	[PT_SYS_VM] = { sys_vm_entries, N(sys_vm_entries), DYN_NONE },
	[PT_PID] = { pid_entries, N(pid_entries), DYN_NONE },
	[PT_TID] = { tid_entries, N(tid_entries), DYN_NONE },
	[PT_TASK] = { NULL, 0, DYN_TIDS },
	[PT_FD] = { NULL, 0, DYN_FDS },
	[PT_FDINFO] = { NULL, 0, DYN_FDINFOS },
	[PT_DYN] = { dyn_entries, N(dyn_entries), DYN_NONE },
	[PT_SYSFS_ROOT] = { sysfs_root_entries, N(sysfs_root_entries),
			    DYN_NONE },
	[PT_SYSFS_DEVICES] = { sysfs_devices_entries,
			       N(sysfs_devices_entries), DYN_NONE },
	[PT_SYSFS_SYSTEM] = { sysfs_system_entries, N(sysfs_system_entries),
			      DYN_NONE },
	[PT_SYSFS_CPU] = { sysfs_cpu_entries, N(sysfs_cpu_entries),
			   DYN_CPUS },
	[PT_SYSFS_CPUN] = { sysfs_cpun_entries, N(sysfs_cpun_entries),
			    DYN_NONE },
};
