/* CPU exceptions in application code, as the kernel wants them: a page
 * fault with its address and exact access (the hardware error code says
 * read, write or fetch), anything else as the signal Linux would send,
 * with Linux's si_code. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "platform/kvm/internal.h"

#define PF_P (1u << 0)
#define PF_W (1u << 1)
#define PF_PK (1u << 5)
#define PF_I (1u << 4)

struct exc_sig {
	int signo, code;
	bool addr;                 /* si_addr is the instruction */
};

/* Linux's arch/x86/kernel/traps.c, for exceptions from user mode. */
static struct exc_sig sig_of(int vector)
{
	switch (vector) {
	case 0: return (struct exc_sig){ SIGFPE, FPE_INTDIV, true };
	case 3: return (struct exc_sig){ SIGTRAP, SI_KERNEL, false };
	case 6: return (struct exc_sig){ SIGILL, ILL_ILLOPN, true };
	case 7: return (struct exc_sig){ SIGILL, ILL_ILLOPC, true };
	case 9: return (struct exc_sig){ SIGFPE, SI_KERNEL, false };
	case 11:
	case 12: return (struct exc_sig){ SIGBUS, SI_KERNEL, false };
	case 16:
	case 19: return (struct exc_sig){ SIGFPE, 0, true }; /* code: ctx.c */
	case 17: return (struct exc_sig){ SIGBUS, BUS_ADRALN, false };
	}
	return (struct exc_sig){ SIGSEGV, SI_KERNEL, false };
}

/* Reads up to one page of application memory at va through as's tables;
 * false if it is not mapped readable. pread, not the mapping: a page
 * beyond the file's end reads short instead of faulting the kernel. */
static bool read_app(struct platform *p, struct platform_as *as,
		     uint64_t va, void *buf, size_t len)
{
	if ((va & (KVM_PAGE - 1)) + len > KVM_PAGE)
		return false;
	pthread_mutex_lock(&p->lock);
	uint64_t pte = pt_lookup(p, as->root, va);
	pthread_mutex_unlock(&p->lock);
	uint64_t gpa = (pte & PTE_ADDR) + (va & (KVM_PAGE - 1));
	if (!(pte & PTE_P) || gpa >= p->window)
		return false;
	return pread(p->memfd, buf, len, (off_t)gpa) == (ssize_t)len;
}

/* int n other than int3/into is a #GP on Linux (no IA32 emulation for
 * int $0x80); some hypervisors raise #UD for it instead. */
static bool is_int_n(struct platform *p, struct platform_as *as, uint64_t rip)
{
	uint8_t op = 0;
	return read_app(p, as, rip, &op, 1) && op == 0xcd;
}

static void page_fault(struct platform *p, struct platform_as *as,
		       uint64_t err, uint64_t cr2, struct platform_event *ev)
{
	ev->stop = PLATFORM_FAULT;
	ev->fault_addr = cr2;
	ev->signo = SIGSEGV;
	ev->trapno = 14;
	ev->access = err & PF_W ? PLATFORM_ACCESS_WRITE
		     : err & PF_I ? PLATFORM_ACCESS_EXEC
				  : PLATFORM_ACCESS_READ;
	if (err & PF_PK) {
		ev->si_code = SEGV_PKUERR;
		return;
	}
	bool mapped = err & PF_P;
	if (!mapped && cr2 < PLATFORM_APP_END) {
		/* A PROT_NONE mapping is a non-present entry with a mark:
		 * Linux calls a touch of it an access error. */
		pthread_mutex_lock(&p->lock);
		mapped = pt_lookup(p, as->root, cr2) & PTE_NONE_MARK;
		pthread_mutex_unlock(&p->lock);
	}
	ev->si_code = mapped && cr2 < PLATFORM_APP_END ? SEGV_ACCERR
						       : SEGV_MAPERR;
}

static int debug_code(uint64_t dr6)
{
	if (dr6 & (1u << 14))
		return TRAP_TRACE;     /* single step */
	return dr6 & 0xf ? TRAP_HWBKPT : TRAP_BRKPT;
}

void exc_to_event(struct platform *p, struct platform_as *as, int vector,
		  uint64_t err, uint64_t cr2, uint64_t rip, uint64_t dr6,
		  struct platform_event *ev)
{
	if (vector == 14) {
		page_fault(p, as, err, cr2, ev);
		return;
	}
	if (vector == 6 && is_int_n(p, as, rip))
		vector = 13;
	struct exc_sig s = sig_of(vector);
	ev->stop = PLATFORM_EXCEPTION;
	ev->trapno = vector;
	ev->signo = s.signo;
	ev->si_code = s.code;
	ev->fault_addr = s.addr ? rip : 0;
	if (vector == 1) {
		ev->signo = SIGTRAP;
		ev->si_code = debug_code(dr6);
		ev->fault_addr = rip;
	}
}

/* Linux's fpu__exception_code: the first unmasked exception flagged. */
int exc_fpu_code(const struct cpu_state *cpu, int vector)
{
	uint32_t err;
	if (vector == 16) {
		uint16_t cwd, swd;
		memcpy(&cwd, cpu->xsave + CPU_XSAVE_FCW, 2);
		memcpy(&swd, cpu->xsave + CPU_XSAVE_FCW + 2, 2);
		err = swd & ~cwd;
	} else {
		uint32_t mxcsr;
		memcpy(&mxcsr, cpu->xsave + CPU_XSAVE_MXCSR, 4);
		err = ~(mxcsr >> 7) & mxcsr;
	}
	if (err & 0x001)
		return FPE_FLTINV;
	if (err & 0x004)
		return FPE_FLTDIV;
	if (err & 0x008)
		return FPE_FLTOVF;
	if (err & 0x012)
		return FPE_FLTUND;
	if (err & 0x020)
		return FPE_FLTRES;
	return 0;
}
