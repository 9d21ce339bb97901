/* The guest's ring-0 code, its IDT and the syscall trampoline.
 *
 * There is deliberately almost nothing here. Application registers live
 * in the vCPU, and KVM hands them to the host in the kvm_run page on
 * every exit (KVM_CAP_SYNC_REGS) and takes them back from it on entry, so
 * no guest code has to save or restore anything: the system call path
 * runs no ring-0 instruction at all where the hypervisor leaves the
 * trampoline in ring 3, and two (out, iretq) where it does not. That
 * matters doubly on hypervisors that emulate guest ring 0 instruction by
 * instruction (the development host's kvm_pvm: ~1 us per instruction).
 *
 *   vectors   one 16-byte entry per exception: hlt. The host finds the
 *             vector from where the vCPU stopped, the frame on the
 *             vCPU's exception stack (IST1), and resumes through iretq.
 *   iret      returns to ring 3 from a frame the host wrote.
 *   flush     the same after reloading CR3: the TLB flush that hardware
 *             paging needs after a mapping changed. Restartable: the host
 *             knows from rip whether rax sits on the stack.
 *   mmu       rep movsq: the mmu vCPU's guest-side page-table writes.
 *   tramp     (user page at KVM_TRAMP_VA) out to the syscall port; and
 *             two ring-3 snippets probe.c runs at create (cpuid; out and
 *             a load; out).
 *
 * The code is position-independent bytes in .rodata, copied into the
 * private region; the kernel process never executes it. */
#include <stdint.h>
#include <string.h>

#include "platform/kvm/internal.h"

#define S_(x) #x
#define S(x) S_(x)

extern const uint8_t snapctl_kvm_code[], snapctl_kvm_code_end[];
extern const uint8_t snapctl_kvm_tramp[], snapctl_kvm_tramp_end[];

__asm__(
	".pushsection .rodata.snapctl_kvm_stub,\"a\",@progbits\n"
	".balign 16\n"
	".globl snapctl_kvm_code\n"
	".hidden snapctl_kvm_code\n"
	"snapctl_kvm_code:\n"
	".set kvm_vec, 0\n"
	".rept 32\n"
	"	.org snapctl_kvm_code + " S(KVM_CODE_VECTORS) " + kvm_vec * "
	S(KVM_VECTOR_STRIDE) "\n"
	"	hlt\n"
	"	ud2\n"
	"	.set kvm_vec, kvm_vec + 1\n"
	".endr\n"
	".org snapctl_kvm_code + " S(KVM_CODE_IRET) "\n"
	"	iretq\n"
	".org snapctl_kvm_code + " S(KVM_CODE_FLUSH) "\n"
	"	push %rax\n"                 /* +0 */
	"	mov %cr3, %rax\n"            /* +1 */
	"	mov %rax, %cr3\n"            /* +4 */
	"	pop %rax\n"                  /* +7 */
	"	iretq\n"                     /* +8 */
	".org snapctl_kvm_code + " S(KVM_CODE_MMU) "\n"
	"	rep movsq\n"
	"	hlt\n"
	".org snapctl_kvm_code + " S(KVM_CODE_END) "\n"
	".globl snapctl_kvm_code_end\n"
	".hidden snapctl_kvm_code_end\n"
	"snapctl_kvm_code_end:\n"
	".globl snapctl_kvm_tramp\n"
	".hidden snapctl_kvm_tramp\n"
	"snapctl_kvm_tramp:\n"
	"	out %al, $" S(KVM_SYSCALL_PORT) "\n"
	"	ud2\n"
	".org snapctl_kvm_tramp + " S(KVM_TRAMP_CPUID) "\n"
	"	cpuid\n"
	"	out %al, $" S(KVM_SYSCALL_PORT) "\n"
	"	ud2\n"
	".org snapctl_kvm_tramp + " S(KVM_TRAMP_READ) "\n"
	"	mov (%rbx), %rax\n"
	"	out %al, $" S(KVM_SYSCALL_PORT) "\n"
	"	ud2\n"
	".globl snapctl_kvm_tramp_end\n"
	".hidden snapctl_kvm_tramp_end\n"
	"snapctl_kvm_tramp_end:\n"
	".popsection\n");

/* A 64-bit interrupt gate on IST1. DPL 3 only for int3 and into, which
 * applications may raise on purpose; any other int n is a #GP. */
static void idt_gate(uint64_t *g, uint64_t handler, unsigned dpl)
{
	g[0] = (handler & 0xffff) | ((uint64_t)KVM_KERNEL_CS << 16) |
	       (1ULL << 32) | ((uint64_t)(0x8e | dpl << 5) << 40) |
	       ((handler >> 16 & 0xffff) << 48);
	g[1] = handler >> 32;
}

void stub_install(struct platform *p)
{
	memcpy(priv_ptr(p, KVM_OFF_CODE), snapctl_kvm_code,
	       (size_t)(snapctl_kvm_code_end - snapctl_kvm_code));
	memcpy(priv_ptr(p, KVM_OFF_TRAMP), snapctl_kvm_tramp,
	       (size_t)(snapctl_kvm_tramp_end - snapctl_kvm_tramp));
	uint64_t *idt = priv_ptr(p, KVM_OFF_IDT);
	for (unsigned v = 0; v < 32; v++)
		idt_gate(idt + 2 * v,
			 KVM_KERN_VA + KVM_OFF_CODE + KVM_CODE_VECTORS +
				 v * KVM_VECTOR_STRIDE,
			 v == 3 || v == 4 ? 3 : 0);
}
