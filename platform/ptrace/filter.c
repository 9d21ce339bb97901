/* The seccomp filter of every stub process.
 *
 * It confines what the stub itself can do (its control thread, its parked
 * threads) to the few calls stub.c makes, with their arguments pinned
 * where that is cheap; anything else kills the whole stub. Application
 * system calls never reach it: a thread traced with PTRACE_SYSEMU has its
 * calls skipped before seccomp runs (Linux >= 4.8). The exception is the
 * legacy vsyscall page, whose emulation consults seccomp but not ptrace:
 * time, gettimeofday and getcpu fail with ENOSYS rather than letting an
 * application kill its own stub. */
#include "platform/ptrace/stub.h"

#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <fcntl.h>

#include "platform/platform.h"

struct rule {
	int nr;
	unsigned n;
	struct scmp_arg_cmp arg[4];
};

/* Plain initializers: libseccomp's SCMP_CMP() is a compound literal. */
#define ARG(i, op, v) { (i), (op), (scmp_datum_t)(v), 0 }
#define EQ(i, v) ARG(i, SCMP_CMP_EQ, v)
#define BELOW_APP_END ARG(0, SCMP_CMP_LT, PLATFORM_APP_END)

static const struct rule rules[] = {
	/* The control channel. */
	{ SYS_recvfrom, 1, { EQ(0, STUB_FD_CTL) } },
	{ SYS_recvmsg, 1, { EQ(0, STUB_FD_CTL) } },
	{ SYS_write, 1, { EQ(0, STUB_FD_CTL) } },
	/* Mapping the memory file into the application range, and the
	 * request page read-only into its place. */
	{ SYS_mmap, 3, { EQ(4, STUB_FD_MEM),
			 EQ(3, STUB_MAP_FLAGS), BELOW_APP_END } },
	{ SYS_mmap, 4, { EQ(4, STUB_FD_REQ), EQ(2, PROT_READ),
			 EQ(3, STUB_MAP_FLAGS), EQ(0, STUB_REQ) } },
	{ SYS_munmap, 1, { BELOW_APP_END } },
	{ SYS_mprotect, 1, { BELOW_APP_END } },
	/* Threads for contexts; stubs forked by the master. */
	{ SYS_clone, 1, { EQ(0, STUB_CLONE_THREAD) } },
	{ SYS_clone, 1, { EQ(0, STUB_CLONE_STUB) } },
	/* A new stub's start. */
	{ SYS_fcntl, 1, { EQ(1, F_DUPFD) } },
	{ SYS_dup3, 1, { EQ(2, 0) } },
	{ SYS_close, 0, { { 0, 0, 0, 0 } } },
	{ SYS_close_range, 0, { { 0, 0, 0, 0 } } },
	{ SYS_prctl, 2, { EQ(0, PR_SET_PDEATHSIG),
			  EQ(1, SIGKILL) } },
	{ SYS_getppid, 0, { { 0, 0, 0, 0 } } },
	/* Parked threads, and leaving. */
	{ SYS_pause, 0, { { 0, 0, 0, 0 } } },
	{ SYS_exit, 0, { { 0, 0, 0, 0 } } },
	{ SYS_exit_group, 0, { { 0, 0, 0, 0 } } },
};

static const int vsyscalls[] = { SYS_time, SYS_gettimeofday, SYS_getcpu };

int stub_filter_build(struct sock_filter *out, size_t max, size_t *len)
{
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int r, fd = -1;

	if (!f)
		return -ENOMEM;
	r = seccomp_attr_set(f, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	for (size_t i = 0; !r && i < sizeof(rules) / sizeof(rules[0]); i++)
		r = seccomp_rule_add_array(f, SCMP_ACT_ALLOW, rules[i].nr,
					   rules[i].n, rules[i].arg);
	for (size_t i = 0; !r && i < sizeof(vsyscalls) / sizeof(vsyscalls[0]);
	     i++)
		r = seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), vsyscalls[i],
				     0);
	if (r)
		goto out;

	/* libseccomp 2.5 exports to a descriptor only. */
	fd = memfd_create("snapctl-stub-filter", MFD_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	r = seccomp_export_bpf(f, fd);
	if (r)
		goto out;
	off_t size = lseek(fd, 0, SEEK_END);
	if (size < 0) {
		r = -errno;
		goto out;
	}
	if (size == 0 || size % sizeof(*out) ||
	    (size_t)size / sizeof(*out) > max) {
		r = -E2BIG;
		goto out;
	}
	ssize_t got = pread(fd, out, (size_t)size, 0);
	if (got != size) {
		r = got < 0 ? -errno : -EIO;
		goto out;
	}
	*len = (size_t)size / sizeof(*out);
out:
	if (fd >= 0)
		close(fd);
	seccomp_release(f);
	return r;
}
