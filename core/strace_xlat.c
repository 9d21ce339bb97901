/* Constant tables for the strace formatter, from the kernel's UAPI
 * headers. Flag tables are in strace's printing order (it prints the
 * names of a set in table order), which was checked against strace 6.1's
 * output; see tests/unit/test_strace.c. */
#include <unistd.h>                 /* R_OK.., SEEK_DATA, SEEK_HOLE */
#include <linux/fcntl.h>
#include <linux/mman.h>
#include <linux/time.h>
#include <linux/resource.h>
#include <linux/wait.h>
#include <linux/random.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <linux/sched.h>
#include <sys/stat.h>              /* S_IF*: <linux/stat.h> defers */
#include <asm/signal.h>

#include "core/strace_impl.h"

const struct xlat sxl_open_access[] = {
	X(O_RDONLY), X(O_WRONLY), X(O_RDWR), X(O_ACCMODE), XEND
};

/* O_SYNC before its part O_DSYNC, O_TMPFILE before its part O_DIRECTORY.
 * O_LARGEFILE is the kernel's value (glibc defines it as 0 on x86-64);
 * the kernel sets it in every x86-64 file's flags (F_GETFL shows it). */
const struct xlat sxl_open_flags[] = {
	X(O_CREAT), X(O_EXCL), X(O_NOCTTY), X(O_TRUNC), X(O_APPEND),
	X(O_NONBLOCK), X(O_SYNC), X(__O_SYNC), X(O_DSYNC), X(O_DIRECT),
	X(O_LARGEFILE), X(O_NOFOLLOW), X(O_NOATIME), X(O_CLOEXEC), X(O_PATH),
	X(O_TMPFILE), X(__O_TMPFILE), X(O_DIRECTORY), X(FASYNC), XEND
};

const struct xlat sxl_prot[] = {
	X(PROT_READ), X(PROT_WRITE), X(PROT_EXEC), X(PROT_SEM),
	X(PROT_GROWSDOWN), X(PROT_GROWSUP), XEND
};

/* The mapping type, the low bits of mmap's flags. */
const struct xlat sxl_map_type[] = {
	{ 0, "MAP_FILE" }, X(MAP_SHARED), X(MAP_PRIVATE),
	X(MAP_SHARED_VALIDATE), XEND
};

const struct xlat sxl_map_flags[] = {
	X(MAP_FIXED), X(MAP_ANONYMOUS), X(MAP_32BIT), X(MAP_NORESERVE),
	X(MAP_POPULATE), X(MAP_NONBLOCK), X(MAP_GROWSDOWN), X(MAP_DENYWRITE),
	X(MAP_EXECUTABLE), X(MAP_LOCKED), X(MAP_STACK), X(MAP_HUGETLB),
	X(MAP_SYNC), X(MAP_UNINITIALIZED), X(MAP_FIXED_NOREPLACE), XEND
};

const struct xlat sxl_mremap_flags[] = {
	X(MREMAP_MAYMOVE), X(MREMAP_FIXED),
#ifdef MREMAP_DONTUNMAP
	X(MREMAP_DONTUNMAP),
#endif
	XEND
};

const struct xlat sxl_madvise[] = {
	X(MADV_NORMAL), X(MADV_RANDOM), X(MADV_SEQUENTIAL), X(MADV_WILLNEED),
	X(MADV_DONTNEED), X(MADV_FREE), X(MADV_REMOVE), X(MADV_DONTFORK),
	X(MADV_DOFORK), X(MADV_MERGEABLE), X(MADV_UNMERGEABLE),
	X(MADV_HUGEPAGE), X(MADV_NOHUGEPAGE), X(MADV_DONTDUMP),
	X(MADV_DODUMP), X(MADV_WIPEONFORK), X(MADV_KEEPONFORK), X(MADV_COLD),
	X(MADV_PAGEOUT), X(MADV_HWPOISON), X(MADV_SOFT_OFFLINE),
#ifdef MADV_POPULATE_READ
	X(MADV_POPULATE_READ), X(MADV_POPULATE_WRITE),
#endif
#ifdef MADV_DONTNEED_LOCKED
	X(MADV_DONTNEED_LOCKED),
#endif
#ifdef MADV_COLLAPSE
	X(MADV_COLLAPSE),
#endif
	XEND
};

const struct xlat sxl_msync_flags[] = {
	X(MS_ASYNC), X(MS_INVALIDATE), X(MS_SYNC), XEND
};

const struct xlat sxl_clocks[] = {
	X(CLOCK_REALTIME), X(CLOCK_MONOTONIC), X(CLOCK_PROCESS_CPUTIME_ID),
	X(CLOCK_THREAD_CPUTIME_ID), X(CLOCK_MONOTONIC_RAW),
	X(CLOCK_REALTIME_COARSE), X(CLOCK_MONOTONIC_COARSE), X(CLOCK_BOOTTIME),
	X(CLOCK_REALTIME_ALARM), X(CLOCK_BOOTTIME_ALARM), X(CLOCK_SGI_CYCLE),
	X(CLOCK_TAI), XEND
};

const struct xlat sxl_timer_flags[] = { X(TIMER_ABSTIME), XEND };

const struct xlat sxl_access_modes[] = { X(R_OK), X(W_OK), X(X_OK), XEND };

const struct xlat sxl_at_flags[] = {
	X(AT_SYMLINK_NOFOLLOW), X(AT_REMOVEDIR), X(AT_SYMLINK_FOLLOW),
	X(AT_NO_AUTOMOUNT), X(AT_EMPTY_PATH),
#ifdef AT_RECURSIVE
	X(AT_RECURSIVE),
#endif
	XEND
};

const struct xlat sxl_accessat_flags[] = {
	X(AT_SYMLINK_NOFOLLOW), X(AT_EACCESS), X(AT_EMPTY_PATH), XEND
};

const struct xlat sxl_unlinkat_flags[] = { X(AT_REMOVEDIR), XEND };

const struct xlat sxl_whence[] = {
	X(SEEK_SET), X(SEEK_CUR), X(SEEK_END), X(SEEK_DATA), X(SEEK_HOLE),
	XEND
};

const struct xlat sxl_sighow[] = {
	X(SIG_BLOCK), X(SIG_UNBLOCK), X(SIG_SETMASK), XEND
};

const struct xlat sxl_sa_flags[] = {
	X(SA_RESTORER), X(SA_ONSTACK), X(SA_RESTART), X(SA_NODEFER),
	X(SA_RESETHAND), X(SA_SIGINFO), X(SA_NOCLDSTOP), X(SA_NOCLDWAIT),
#ifdef SA_UNSUPPORTED
	X(SA_UNSUPPORTED),
#endif
#ifdef SA_EXPOSE_TAGBITS
	X(SA_EXPOSE_TAGBITS),
#endif
	XEND
};

const struct xlat sxl_rlimits[] = {
	X(RLIMIT_CPU), X(RLIMIT_FSIZE), X(RLIMIT_DATA), X(RLIMIT_STACK),
	X(RLIMIT_CORE), X(RLIMIT_RSS), X(RLIMIT_NPROC), X(RLIMIT_NOFILE),
	X(RLIMIT_MEMLOCK), X(RLIMIT_AS), X(RLIMIT_LOCKS), X(RLIMIT_SIGPENDING),
	X(RLIMIT_MSGQUEUE), X(RLIMIT_NICE), X(RLIMIT_RTPRIO), X(RLIMIT_RTTIME),
	XEND
};

/* WUNTRACED and WSTOPPED are one bit; strace names it WSTOPPED. */
const struct xlat sxl_wait_options[] = {
	X(WNOHANG), X(WSTOPPED), X(WEXITED), X(WCONTINUED), X(WNOWAIT),
	X(__WNOTHREAD), X(__WALL), X(__WCLONE), XEND
};

const struct xlat sxl_grnd_flags[] = {
	X(GRND_NONBLOCK), X(GRND_RANDOM),
#ifdef GRND_INSECURE
	X(GRND_INSECURE),
#endif
	XEND
};

/* The kernel defines the EFD_ flags as these O_ flags (they are not in
 * its UAPI headers). */
const struct xlat sxl_efd_flags[] = {
	{ 1, "EFD_SEMAPHORE" }, { O_CLOEXEC, "EFD_CLOEXEC" },
	{ O_NONBLOCK, "EFD_NONBLOCK" }, XEND
};

const struct xlat sxl_clone_flags[] = {
	X(CLONE_VM), X(CLONE_FS), X(CLONE_FILES), X(CLONE_SIGHAND),
	X(CLONE_PIDFD), X(CLONE_PTRACE), X(CLONE_VFORK), X(CLONE_PARENT),
	X(CLONE_THREAD), X(CLONE_NEWNS), X(CLONE_SYSVSEM), X(CLONE_SETTLS),
	X(CLONE_PARENT_SETTID), X(CLONE_CHILD_CLEARTID), X(CLONE_DETACHED),
	X(CLONE_UNTRACED), X(CLONE_CHILD_SETTID), X(CLONE_NEWCGROUP),
	X(CLONE_NEWUTS), X(CLONE_NEWIPC), X(CLONE_NEWUSER), X(CLONE_NEWPID),
	X(CLONE_NEWNET), X(CLONE_IO), XEND
};

const struct xlat sxl_file_types[] = {
	X(S_IFREG), X(S_IFSOCK), X(S_IFIFO), X(S_IFLNK), X(S_IFDIR),
	X(S_IFBLK), X(S_IFCHR), XEND
};

const struct xlat sxl_seccomp_modes[] = {
	X(SECCOMP_MODE_DISABLED), X(SECCOMP_MODE_STRICT),
	X(SECCOMP_MODE_FILTER), XEND
};

const struct xlat sxl_caps[] = {
	X(CAP_CHOWN), X(CAP_DAC_OVERRIDE), X(CAP_DAC_READ_SEARCH),
	X(CAP_FOWNER), X(CAP_FSETID), X(CAP_KILL), X(CAP_SETGID),
	X(CAP_SETUID), X(CAP_SETPCAP), X(CAP_LINUX_IMMUTABLE),
	X(CAP_NET_BIND_SERVICE), X(CAP_NET_BROADCAST), X(CAP_NET_ADMIN),
	X(CAP_NET_RAW), X(CAP_IPC_LOCK), X(CAP_IPC_OWNER), X(CAP_SYS_MODULE),
	X(CAP_SYS_RAWIO), X(CAP_SYS_CHROOT), X(CAP_SYS_PTRACE),
	X(CAP_SYS_PACCT), X(CAP_SYS_ADMIN), X(CAP_SYS_BOOT), X(CAP_SYS_NICE),
	X(CAP_SYS_RESOURCE), X(CAP_SYS_TIME), X(CAP_SYS_TTY_CONFIG),
	X(CAP_MKNOD), X(CAP_LEASE), X(CAP_AUDIT_WRITE), X(CAP_AUDIT_CONTROL),
	X(CAP_SETFCAP), X(CAP_MAC_OVERRIDE), X(CAP_MAC_ADMIN), X(CAP_SYSLOG),
	X(CAP_WAKE_ALARM), X(CAP_BLOCK_SUSPEND), X(CAP_AUDIT_READ),
	X(CAP_PERFMON), X(CAP_BPF), X(CAP_CHECKPOINT_RESTORE), XEND
};
