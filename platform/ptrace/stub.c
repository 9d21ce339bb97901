/* The stub's code and how the master stub is born.
 *
 * The code below is never executed by the kernel process: it sits in
 * .rodata, is copied to STUB_BASE in a freshly forked child, and runs
 * there without a stack, so nothing an application writes into the stub's
 * writable page can steer it. Registers it keeps across system calls:
 *   r15  0 in the master, 1 in an address-space stub
 *   r12, r13, r14  descriptors being set up; rbx, rbp  scratch
 *
 * Master start: move the inherited memory-file, control and request
 * descriptors to 3, 4, 5 and close everything else; unmap every page but
 * the image; map the scratch and request pages; reset signal dispositions
 * (the kernel's handlers point at memory that is gone), forbid core
 * dumps, and unblock signals (a traced thread must receive the interrupt
 * signal); ask for
 * SIGKILL when the forking thread dies and check it has not already; then
 * seccomp. Each address-space stub is forked by the master (STUB_OP_FORK,
 * clone(CLONE_PARENT)) and goes through the same start minus what it
 * inherits: unmapping, signals, the filter.
 *
 * The loop: wait for a doorbell on the control socket, read the request
 * from the read-only request page, do it, write the 8-byte result back.
 * Address-space stubs read the doorbell with recvfrom(NULL, 0, MSG_TRUNC)
 * so no input ever lands in application-writable memory; the master uses
 * recvmsg, since its requests carry descriptors (nothing else runs in
 * it). Threads made for contexts park in pause() until the kernel seizes
 * them with ptrace. */
#include "platform/ptrace/stub.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__GLIBC__) && \
	(__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
#include <sys/rseq.h>
#define HAVE_GLIBC_RSEQ 1
#endif

#include "platform/platform.h"

#define S_(x) #x
#define S(x) S_(x)

_Static_assert(STUB_BASE == PLATFORM_APP_END, "stub sits at the app end");
_Static_assert(offsetof(struct stub_params, prog) == 32, "asm offset");
_Static_assert(offsetof(struct stub_params, filter) == 64, "asm offset");
_Static_assert(sizeof(struct stub_params) <= STUB_IMAGE_SIZE - STUB_PARAMS_OFF,
	       "parameters fit the image");
_Static_assert(sizeof(struct stub_req) == 64, "asm offsets");

/* System call numbers and constants are spelled out: this is x86-64 only
 * and the assembler cannot see the C headers. */
__asm__(
	".pushsection .rodata.snapctl_stub,\"a\",@progbits\n"
	".balign 64\n"
	".globl snapctl_stub_start\n"
	".hidden snapctl_stub_start\n"
	"snapctl_stub_start:\n"
	/* Master entry, image offset 0. */
	"	xor %r15d, %r15d\n"
	"	movabs $" S(STUB_PARAMS) ", %rbx\n"
	"	mov 8(%rbx), %r12\n"
	"	mov 16(%rbx), %r13\n"
	"	mov 24(%rbx), %r14\n"
	".Lsetup:\n"
	/* fcntl(fd, F_DUPFD, 16) for each: out of the way of 3..5. */
	"	mov $72, %eax\n"
	"	mov %r12, %rdi\n"
	"	xor %esi, %esi\n"
	"	mov $16, %edx\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	js .Lfail\n"
	"	mov %rax, %r12\n"
	"	mov $72, %eax\n"
	"	mov %r13, %rdi\n"
	"	xor %esi, %esi\n"
	"	mov $16, %edx\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	js .Lfail\n"
	"	mov %rax, %r13\n"
	"	mov $72, %eax\n"
	"	mov %r14, %rdi\n"
	"	xor %esi, %esi\n"
	"	mov $16, %edx\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	js .Lfail\n"
	"	mov %rax, %r14\n"
	/* dup3 to the fixed numbers. */
	"	mov $292, %eax\n"
	"	mov %r12, %rdi\n"
	"	mov $" S(STUB_FD_MEM) ", %esi\n"
	"	xor %edx, %edx\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	js .Lfail\n"
	"	mov $292, %eax\n"
	"	mov %r13, %rdi\n"
	"	mov $" S(STUB_FD_CTL) ", %esi\n"
	"	xor %edx, %edx\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	js .Lfail\n"
	"	mov $292, %eax\n"
	"	mov %r14, %rdi\n"
	"	mov $" S(STUB_FD_REQ) ", %esi\n"
	"	xor %edx, %edx\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	js .Lfail\n"
	/* close_range(0, 2, 0); close_range(6, ~0U, 0) */
	"	mov $436, %eax\n"
	"	xor %edi, %edi\n"
	"	mov $2, %esi\n"
	"	xor %edx, %edx\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz .Lfail\n"
	"	mov $436, %eax\n"
	"	mov $6, %edi\n"
	"	mov $-1, %esi\n"
	"	xor %edx, %edx\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz .Lfail\n"
	"	test %r15, %r15\n"
	"	jnz .Lmap_req\n"
	/* Master: munmap(0, STUB_BASE); munmap(image end, up to STUB_TOP). */
	"	mov $11, %eax\n"
	"	xor %edi, %edi\n"
	"	movabs $" S(STUB_BASE) ", %rsi\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz .Lfail\n"
	"	mov $11, %eax\n"
	"	movabs $(" S(STUB_BASE) " + " S(STUB_IMAGE_SIZE) "), %rdi\n"
	"	movabs $(" S(STUB_TOP) " - " S(STUB_BASE) " - "
	S(STUB_IMAGE_SIZE) "), %rsi\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz .Lfail\n"
	/* mmap(STUB_SCRATCH, 4096, RW, PRIVATE|ANONYMOUS|FIXED, -1, 0) */
	"	mov $9, %eax\n"
	"	movabs $" S(STUB_SCRATCH) ", %rdi\n"
	"	mov $4096, %esi\n"
	"	mov $3, %edx\n"
	"	mov $0x32, %r10d\n"
	"	mov $-1, %r8\n"
	"	xor %r9d, %r9d\n"
	"	syscall\n"
	"	cmp %rdi, %rax\n"
	"	jne .Lfail\n"
	/* rt_sigaction(sig, &zeroes, NULL, 8) for every signal: SIG_DFL. */
	"	mov $1, %ebp\n"
	"1:	mov $13, %eax\n"
	"	mov %ebp, %edi\n"
	"	movabs $(" S(STUB_SCRATCH) " + 512), %rsi\n"
	"	xor %edx, %edx\n"
	"	mov $8, %r10d\n"
	"	syscall\n"
	"	inc %ebp\n"
	"	cmp $64, %ebp\n"
	"	jbe 1b\n"
	/* setrlimit(RLIMIT_CORE, {1, 1}): a stub's core would hold
	 * application memory; 1, not 0, also stops piped core helpers. */
	"	movabs $(" S(STUB_SCRATCH) " + 576), %rsi\n"
	"	movq $1, (%rsi)\n"
	"	movq $1, 8(%rsi)\n"
	"	mov $160, %eax\n"
	"	mov $4, %edi\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz .Lfail\n"
	/* rt_sigprocmask(SIG_SETMASK, &empty, NULL, 8) */
	"	mov $14, %eax\n"
	"	mov $2, %edi\n"
	"	movabs $(" S(STUB_SCRATCH) " + 512), %rsi\n"
	"	xor %edx, %edx\n"
	"	mov $8, %r10d\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz .Lfail\n"
	".Lmap_req:\n"
	/* mmap(STUB_REQ, 4096, PROT_READ, MAP_SHARED|MAP_FIXED, 5, 0) */
	"	mov $9, %eax\n"
	"	movabs $" S(STUB_REQ) ", %rdi\n"
	"	mov $4096, %esi\n"
	"	mov $1, %edx\n"
	"	mov $" S(STUB_MAP_FLAGS) ", %r10d\n"
	"	mov $" S(STUB_FD_REQ) ", %r8d\n"
	"	xor %r9d, %r9d\n"
	"	syscall\n"
	"	cmp %rdi, %rax\n"
	"	jne .Lfail\n"
	"	mov $3, %eax\n"
	"	mov $" S(STUB_FD_REQ) ", %edi\n"
	"	syscall\n"
	/* prctl(PR_SET_PDEATHSIG, SIGKILL), then make sure the parent has
	 * not died already: getppid() must still be the kernel. */
	"	mov $157, %eax\n"
	"	mov $1, %edi\n"
	"	mov $9, %esi\n"
	"	xor %edx, %edx\n"
	"	xor %r10d, %r10d\n"
	"	xor %r8d, %r8d\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz .Lfail\n"
	"	mov $110, %eax\n"
	"	syscall\n"
	"	movabs $" S(STUB_PARAMS) ", %rbx\n"
	"	cmp (%rbx), %rax\n"
	"	jne .Lfail\n"
	"	test %r15, %r15\n"
	"	jnz .Lloop\n"
	/* Master: prctl(PR_SET_NO_NEW_PRIVS, 1); seccomp(SET_MODE_FILTER) */
	"	mov $157, %eax\n"
	"	mov $38, %edi\n"
	"	mov $1, %esi\n"
	"	xor %edx, %edx\n"
	"	xor %r10d, %r10d\n"
	"	xor %r8d, %r8d\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz .Lfail\n"
	"	mov $317, %eax\n"
	"	mov $1, %edi\n"
	"	xor %esi, %esi\n"
	"	movabs $(" S(STUB_PARAMS) " + 32), %rdx\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz .Lfail\n"
	".Lloop:\n"
	"	test %r15, %r15\n"
	"	jz .Lmaster_recv\n"
	/* recvfrom(4, NULL, 0, MSG_TRUNC, NULL, NULL): the doorbell. */
	"	mov $45, %eax\n"
	"	mov $" S(STUB_FD_CTL) ", %edi\n"
	"	xor %esi, %esi\n"
	"	xor %edx, %edx\n"
	"	mov $0x20, %r10d\n"
	"	xor %r8d, %r8d\n"
	"	xor %r9d, %r9d\n"
	"	syscall\n"
	"	cmp $-4, %rax\n"
	"	je .Lloop\n"
	"	test %rax, %rax\n"
	"	jle .Lquit\n"
	"	jmp .Ldispatch\n"
	".Lmaster_recv:\n"
	/* recvmsg(4, &msg, MSG_CMSG_CLOEXEC) with, in the scratch page:
	 * msghdr at +64, iovec at +128, control at +192 (32 bytes), one
	 * byte of data at +256. */
	"	movabs $" S(STUB_SCRATCH) ", %rbx\n"
	"	lea 256(%rbx), %rax\n"
	"	mov %rax, 128(%rbx)\n"
	"	movq $1, 136(%rbx)\n"
	"	movq $0, 64(%rbx)\n"
	"	movq $0, 72(%rbx)\n"
	"	lea 128(%rbx), %rax\n"
	"	mov %rax, 80(%rbx)\n"
	"	movq $1, 88(%rbx)\n"
	"	lea 192(%rbx), %rax\n"
	"	mov %rax, 96(%rbx)\n"
	"	movq $32, 104(%rbx)\n"
	"	movq $0, 112(%rbx)\n"
	"	movq $0, 192(%rbx)\n"
	"	movq $0, 200(%rbx)\n"
	"	movq $-1, 208(%rbx)\n"
	"	movq $0, 216(%rbx)\n"
	"	mov $47, %eax\n"
	"	mov $" S(STUB_FD_CTL) ", %edi\n"
	"	lea 64(%rbx), %rsi\n"
	"	mov $0x40000000, %edx\n"
	"	syscall\n"
	"	cmp $-4, %rax\n"
	"	je .Lloop\n"
	"	test %rax, %rax\n"
	"	jle .Lquit\n"
	".Ldispatch:\n"
	"	movabs $" S(STUB_REQ) ", %rbx\n"
	"	mov (%rbx), %rax\n"
	"	cmp $" S(STUB_OP_NOP) ", %rax\n"
	"	je .Lnop\n"
	"	cmp $" S(STUB_OP_MAP) ", %rax\n"
	"	je .Lmap\n"
	"	cmp $" S(STUB_OP_UNMAP) ", %rax\n"
	"	je .Lunmap\n"
	"	cmp $" S(STUB_OP_PROTECT) ", %rax\n"
	"	je .Lprotect\n"
	"	cmp $" S(STUB_OP_THREAD) ", %rax\n"
	"	je .Lthread\n"
	"	cmp $" S(STUB_OP_FORK) ", %rax\n"
	"	je .Lfork\n"
	"	cmp $" S(STUB_OP_SYSCALL) ", %rax\n"
	"	je .Lsyscall\n"
	".Linval:\n"
	"	mov $-22, %rax\n"
	"	jmp .Lreply\n"
	".Lnop:\n"
	"	xor %eax, %eax\n"
	"	jmp .Lreply\n"
	".Lmap:\n"
	"	mov 8(%rbx), %rdi\n"
	"	mov 16(%rbx), %rsi\n"
	"	mov 24(%rbx), %rdx\n"
	"	mov $" S(STUB_MAP_FLAGS) ", %r10d\n"
	"	mov $" S(STUB_FD_MEM) ", %r8d\n"
	"	mov 32(%rbx), %r9\n"
	"	mov $9, %eax\n"
	"	syscall\n"
	"	cmp %rdi, %rax\n"
	"	jne .Lreply\n"
	"	xor %eax, %eax\n"
	"	jmp .Lreply\n"
	".Lunmap:\n"
	"	mov 8(%rbx), %rdi\n"
	"	mov 16(%rbx), %rsi\n"
	"	mov $11, %eax\n"
	"	syscall\n"
	"	jmp .Lreply\n"
	".Lprotect:\n"
	"	mov 8(%rbx), %rdi\n"
	"	mov 16(%rbx), %rsi\n"
	"	mov 24(%rbx), %rdx\n"
	"	mov $10, %eax\n"
	"	syscall\n"
	"	jmp .Lreply\n"
	".Lthread:\n"
	/* clone(STUB_CLONE_THREAD, 0, 0, 0, 0): the child keeps no stack. */
	"	mov $56, %eax\n"
	"	mov $" S(STUB_CLONE_THREAD) ", %edi\n"
	"	xor %esi, %esi\n"
	"	xor %edx, %edx\n"
	"	xor %r10d, %r10d\n"
	"	xor %r8d, %r8d\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jz .Lpark\n"
	"	jmp .Lreply\n"
	".Lfork:\n"
	/* Master only: exactly one SCM_RIGHTS message with two fds. */
	"	test %r15, %r15\n"
	"	jnz .Linval\n"
	"	movabs $" S(STUB_SCRATCH) ", %rbx\n"
	"	cmpq $24, 104(%rbx)\n"
	"	jb .Linval\n"
	"	cmpq $24, 192(%rbx)\n"
	"	jne .Linval\n"
	"	cmpl $1, 200(%rbx)\n"
	"	jne .Linval\n"
	"	cmpl $1, 204(%rbx)\n"
	"	jne .Linval\n"
	"	movslq 208(%rbx), %r13\n"
	"	movslq 212(%rbx), %r14\n"
	"	mov $" S(STUB_FD_MEM) ", %r12d\n"
	"	mov $1, %r15d\n"
	"	mov $56, %eax\n"
	"	mov $" S(STUB_CLONE_STUB) ", %edi\n"
	"	xor %esi, %esi\n"
	"	xor %edx, %edx\n"
	"	xor %r10d, %r10d\n"
	"	xor %r8d, %r8d\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jz .Lsetup\n"
	"	xor %r15d, %r15d\n"
	"	mov %rax, %rbp\n"
	"	mov $3, %eax\n"
	"	mov %r13, %rdi\n"
	"	syscall\n"
	"	mov $3, %eax\n"
	"	mov %r14, %rdi\n"
	"	syscall\n"
	"	mov %rbp, %rax\n"
	"	jmp .Lreply\n"
	".Lsyscall:\n"
	"	mov 8(%rbx), %rax\n"
	"	mov 16(%rbx), %rdi\n"
	"	mov 24(%rbx), %rsi\n"
	"	mov 32(%rbx), %rdx\n"
	"	mov 40(%rbx), %r10\n"
	"	mov 48(%rbx), %r8\n"
	"	mov 56(%rbx), %r9\n"
	"	syscall\n"
	".Lreply:\n"
	/* write(4, scratch, 8). An application thread may overwrite the
	 * word in between: the kernel treats replies as untrusted. */
	"	movabs $" S(STUB_SCRATCH) ", %rsi\n"
	"	mov %rax, (%rsi)\n"
	"	mov $1, %eax\n"
	"	mov $" S(STUB_FD_CTL) ", %edi\n"
	"	mov $8, %edx\n"
	"	syscall\n"
	"	jmp .Lloop\n"
	".Lpark:\n"
	"	mov $34, %eax\n"
	"	syscall\n"
	"	jmp .Lpark\n"
	".globl snapctl_stub_thread_exit\n"
	".hidden snapctl_stub_thread_exit\n"
	"snapctl_stub_thread_exit:\n"
	"	mov $60, %eax\n"
	"	xor %edi, %edi\n"
	"	syscall\n"
	"	jmp snapctl_stub_thread_exit\n"
	".Lquit:\n"
	"	mov $231, %eax\n"
	"	xor %edi, %edi\n"
	"	syscall\n"
	"	hlt\n"
	".Lfail:\n"
	"	mov $231, %eax\n"
	"	mov $127, %edi\n"
	"	syscall\n"
	"	hlt\n"
	".globl snapctl_stub_end\n"
	".hidden snapctl_stub_end\n"
	"snapctl_stub_end:\n"
	".popsection\n");

extern const unsigned char snapctl_stub_start[]
	__attribute__((visibility("hidden")));
extern const unsigned char snapctl_stub_end[]
	__attribute__((visibility("hidden")));
extern const unsigned char snapctl_stub_thread_exit[]
	__attribute__((visibility("hidden")));

uint64_t stub_thread_exit_rip(void)
{
	return STUB_BASE +
	       (uint64_t)(snapctl_stub_thread_exit - snapctl_stub_start);
}

int stub_image_build(uint8_t *image, pid_t kernel_pid, int fd_mem,
		     int fd_ctl, int fd_req, const struct sock_filter *filter,
		     size_t filter_len)
{
	size_t code = (size_t)(snapctl_stub_end - snapctl_stub_start);
	struct stub_params params;

	if (code > STUB_PARAMS_OFF || filter_len == 0 ||
	    filter_len > STUB_FILTER_MAX)
		return -EINVAL;
	memset(image, 0, STUB_IMAGE_SIZE);
	memcpy(image, snapctl_stub_start, code);
	memset(&params, 0, sizeof(params));
	params.kernel_pid = (uint64_t)kernel_pid;
	params.fd_mem = (uint64_t)fd_mem;
	params.fd_ctl = (uint64_t)fd_ctl;
	params.fd_req = (uint64_t)fd_req;
	params.prog.len = (unsigned short)filter_len;
	/* The address the program will have in the stub, not here. */
	params.prog.filter = (struct sock_filter *)(uintptr_t)(
		STUB_PARAMS + offsetof(struct stub_params, filter));
	memcpy(params.filter, filter, filter_len * sizeof(*filter));
	memcpy(image + STUB_PARAMS_OFF, &params, sizeof(params));
	return 0;
}

pid_t stub_spawn_master(const uint8_t *image)
{
	uintptr_t src = (uintptr_t)image;

	/* The child maps the image over [STUB_BASE, +size) before copying:
	 * the source must not be there. */
	if (src < STUB_TOP && src + STUB_IMAGE_SIZE > STUB_BASE)
		return -EADDRINUSE;

	register uint64_t r12 __asm__("r12") = src;
	register long r10 __asm__("r10") = 0;
	register long r8 __asm__("r8") = 0;
	long ret;
	/* clone(0, 0, 0, 0, 0): a new process with exit signal 0, so that
	 * only waitpid(__WALL) sees it. The child is a copy of the kernel
	 * but runs nothing of it: straight from the syscall instruction it
	 * maps the image (anywhere the kernel had something there is the
	 * child's copy only), copies it, makes it read-only and enters it. */
	__asm__ volatile(
		"syscall\n\t"
		"test %%rax, %%rax\n\t"
		"jnz 1f\n\t"
		"mov $9, %%eax\n\t"
		"movabs $" S(STUB_BASE) ", %%rdi\n\t"
		"mov $" S(STUB_IMAGE_SIZE) ", %%esi\n\t"
		"mov $3, %%edx\n\t"
		"mov $0x32, %%r10d\n\t"
		"mov $-1, %%r8\n\t"
		"xor %%r9d, %%r9d\n\t"
		"syscall\n\t"
		"cmp %%rdi, %%rax\n\t"
		"jne 2f\n\t"
		"mov %%r12, %%rsi\n\t"
		"mov $" S(STUB_IMAGE_SIZE) ", %%ecx\n\t"
		"cld\n\t"
		"rep movsb\n\t"
		"mov $10, %%eax\n\t"
		"movabs $" S(STUB_BASE) ", %%rdi\n\t"
		"mov $" S(STUB_IMAGE_SIZE) ", %%esi\n\t"
		"mov $5, %%edx\n\t"
		"syscall\n\t"
		"test %%rax, %%rax\n\t"
		"jnz 2f\n\t"
		"movabs $" S(STUB_BASE) ", %%rax\n\t"
		"jmp *%%rax\n"
		"2:\n\t"
		"mov $231, %%eax\n\t"
		"mov $127, %%edi\n\t"
		"syscall\n\t"
		"hlt\n"
		"1:\n\t"
		: "=a"(ret)
		: "a"((long)SYS_clone), "D"(0L), "S"(0L), "d"(0L), "r"(r10),
		  "r"(r8), "r"(r12)
		: "rcx", "r11", "memory");
	return (pid_t)ret;
}

int stub_thread_prepare(void)
{
	sigset_t all;

	sigfillset(&all);
	int r = pthread_sigmask(SIG_BLOCK, &all, NULL);
	if (r)
		return -r;
#ifdef HAVE_GLIBC_RSEQ
	if (__rseq_size > 0) {
		char *tp;
		__asm__("mov %%fs:0, %0" : "=r"(tp));
		void *area = tp + __rseq_offset;
		unsigned lens[] = { 32, __rseq_size,
				    (__rseq_size + 31) & ~31u };
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
			if (syscall(SYS_rseq, area, lens[i],
				    RSEQ_FLAG_UNREGISTER, RSEQ_SIG) == 0)
				return 0;
	}
#endif
	/* Either nothing was registered, or with a length we cannot guess:
	 * a registration of our own succeeds only in the first case. */
	struct {
		uint32_t cpu_id_start, cpu_id;
		uint64_t rseq_cs;
		uint32_t flags, pad[3];
	} probe __attribute__((aligned(32))) = { 0, (uint32_t)-1, 0, 0, { 0 } };
	const uint32_t sig = 0x53053053;   /* RSEQ_SIG on x86 */
	if (syscall(SYS_rseq, &probe, sizeof(probe), 0, sig) != 0)
		return errno == ENOSYS ? 0 : -ENOTSUP;
	if (syscall(SYS_rseq, &probe, sizeof(probe), 1, sig) != 0)
		return -errno;
	return 0;
}
