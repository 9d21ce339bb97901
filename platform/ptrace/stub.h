/* The stub: the only code an address space's host process ever runs on its
 * own (its traced threads run application code). Position-independent
 * x86-64 assembly (stub.c) copied to a fixed address at the top of the user
 * range, no stack, no libc.
 *
 * Layout of the reserved range [STUB_BASE, STUB_TOP):
 *   STUB_BASE      image: code, then the parameter page (read-only, exec)
 *   STUB_REQ       request page: a shared page the kernel writes and the
 *                  stub maps read-only, so application code (which shares
 *                  the stub's address space) cannot forge a request
 *   STUB_SCRATCH   private read-write page: reply word, master's msghdr
 * Everything else in every stub process is unmapped.
 *
 * The numeric macros here are pasted into assembly: plain literals only. */
#ifndef PLATFORM_PTRACE_STUB_H
#define PLATFORM_PTRACE_STUB_H

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define STUB_BASE 0x7ffffff00000   /* == PLATFORM_APP_END */
#define STUB_TOP 0x7ffffffff000    /* end of the 47-bit user range */
#define STUB_IMAGE_SIZE 0x4000
#define STUB_PARAMS_OFF 0x3000
#define STUB_PARAMS (STUB_BASE + 0x3000)
#define STUB_REQ (STUB_BASE + 0x8000)
#define STUB_SCRATCH (STUB_BASE + 0x9000)
#define STUB_MAPPED_END (STUB_BASE + 0xa000)

/* The stub's descriptors; nothing else is open in a stub. */
#define STUB_FD_MEM 3
#define STUB_FD_CTL 4
#define STUB_FD_REQ 5              /* only while mapping the request page */

/* Requests (stub_req.op). Results are 0 or -errno unless noted. */
#define STUB_OP_NOP 0
#define STUB_OP_MAP 1              /* addr, len, prot, offset */
#define STUB_OP_UNMAP 2            /* addr, len */
#define STUB_OP_PROTECT 3          /* addr, len, prot */
#define STUB_OP_THREAD 4           /* -> tid of a new thread, parked in
                                      pause() */
#define STUB_OP_FORK 5             /* master only; SCM_RIGHTS ctl, req fds
                                      -> pid of a new stub */
#define STUB_OP_SYSCALL 6          /* nr, six args: a debugging hook that
                                      proves the seccomp filter */

/* Flags of the stub's clone calls; the seccomp filter allows exactly
 * these. Threads: CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM. Stubs:
 * CLONE_PARENT, so each is the kernel's child, not the master's. */
#define STUB_CLONE_THREAD 0x50f00
#define STUB_CLONE_STUB 0x8000

/* MAP_SHARED|MAP_FIXED: the only mmap flags a stub uses. */
#define STUB_MAP_FLAGS 0x11

/* Room for the seccomp program in the parameter page. */
#define STUB_FILTER_MAX ((0x1000 - 64) / 8)

struct stub_params {
	uint64_t kernel_pid;       /* what getppid() must return */
	uint64_t fd_mem;           /* master: the kernel's descriptors, */
	uint64_t fd_ctl;           /* moved to STUB_FD_* at start */
	uint64_t fd_req;
	struct sock_fprog prog;    /* offset 32; filter points below */
	uint64_t pad[2];
	struct sock_filter filter[STUB_FILTER_MAX];   /* offset 64 */
};

struct stub_req {
	uint64_t op;
	uint64_t arg[7];
};

/* Fills image (STUB_IMAGE_SIZE bytes) with the code and the master's
 * parameters. fd_* are descriptors of the calling process that the master
 * inherits. Returns 0 or -EINVAL (filter too long). */
int stub_image_build(uint8_t *image, pid_t kernel_pid, int fd_mem,
		     int fd_ctl, int fd_req, const struct sock_filter *filter,
		     size_t filter_len);

/* Forks the master stub from the calling thread, which must outlive it
 * (the stub's parent-death signal follows that thread), must have every
 * signal blocked and no rseq registration (see stub_thread_prepare).
 * Returns the pid or -errno. */
pid_t stub_spawn_master(const uint8_t *image);

/* Readies the calling thread to fork stubs: blocks all signals and drops
 * its rseq area, which a child would inherit pointing at memory the stub
 * unmaps (the host kernel would then kill it). Returns 0 or -errno. */
int stub_thread_prepare(void);

/* Where a detached stub thread should resume to exit quietly. */
uint64_t stub_thread_exit_rip(void);

/* The seccomp program every stub runs under (filter.c). */
int stub_filter_build(struct sock_filter *out, size_t max, size_t *len);

#endif
