/* Where everything of the kvm platform sits: guest physical memory,
 * guest virtual addresses, the private region's fixed pages, selectors.
 * See README.md for the picture.
 *
 * The numeric macros here are pasted into assembly (stub.c): plain
 * literals only, no casts or suffixes. */
#ifndef PLATFORM_KVM_LAYOUT_H
#define PLATFORM_KVM_LAYOUT_H

/* ---- guest virtual ---- */

/* The syscall trampoline: one user-readable, executable page at the start
 * of the reserved range [PLATFORM_APP_END, 0x7ffffffff000), in every
 * address space. LSTAR points here. */
#define KVM_TRAMP_VA 0x7ffffff00000
/* The private region, linearly, supervisor-only, in the kernel half of
 * every address space (one shared PML4 entry). */
#define KVM_KERN_VA 0xffffc00000000000
#define KVM_KERN_PML4_INDEX 384

/* ---- the private region: offsets (GPA = priv_gpa + offset,
 * VA = KVM_KERN_VA + offset) ---- */
#define KVM_OFF_KPDPT 0x0000       /* kernel-half PDPT, shared */
#define KVM_OFF_KPD 0x1000         /* PD of the region's first GiB */
#define KVM_OFF_KPT 0x2000         /* 4 PTs: 4 KiB pages of the fixed part */
#define KVM_OFF_MMU_PML4 0x6000    /* kernel-only root: mmu vCPU, probes */
#define KVM_OFF_IDT 0x7000         /* 32 gates, shared by every vCPU */
#define KVM_OFF_CODE 0x8000        /* ring-0 code (stub.c), read+exec */
#define KVM_OFF_TRAMP 0x9000       /* the trampoline's page */
#define KVM_OFF_PROBE_A 0xa000     /* two data pages for probe.c */
#define KVM_OFF_PROBE_B 0xb000
#define KVM_OFF_VCPU 0x10000       /* per-vCPU areas from here */
#define KVM_VCPU_AREA 0x2000       /* GDT + TSS page, exception stack */
#define KVM_FIXED_SIZE 0x800000    /* 8 MiB mapped with 4 KiB pages */
#define KVM_FIXED_PTS 4
/* Everything above the fixed part is the page-table pool. */
#define KVM_PRIV_SIZE 0x40000000   /* 1 GiB, all of it under KVM_OFF_KPD */

/* In a vCPU's area. */
#define KVM_AREA_GDT 0x0
#define KVM_AREA_TSS 0x80
#define KVM_AREA_STACK_TOP 0x2000  /* IST1 and RSP0: the end of the area */
#define KVM_GDT_ENTRIES 10
#define KVM_TSS_LIMIT 107          /* 104 bytes + 3 bitmap bytes + end */

/* In the code page. */
#define KVM_CODE_VECTORS 0x000     /* 32 entries of 16 bytes: hlt; ud2 */
#define KVM_VECTOR_STRIDE 16
#define KVM_CODE_IRET 0x200        /* iretq */
#define KVM_CODE_FLUSH 0x210       /* CR3 reload, then iretq */
#define KVM_CODE_MMU 0x230         /* rep movsq; hlt */
#define KVM_CODE_END 0x240

/* In the trampoline's page, for probe.c: cpuid; out, and
 * mov (%rbx),%rax; out. */
#define KVM_TRAMP_CPUID 0x10
#define KVM_TRAMP_READ 0x20
/* Where probe.c maps a page for itself in its scratch address space. */
#define KVM_PROBE_VA 0x10000

/* The one I/O port the trampoline writes: the syscall exit. The TSS
 * bitmap lets ring 3 use it on hypervisors that run the trampoline there
 * (see README.md, "Two kinds of hypervisor"). */
#define KVM_SYSCALL_PORT 0x10

/* ---- selectors, as Linux has them (images carry cs = 0x33) ---- */
#define KVM_KERNEL_CS 0x10
#define KVM_KERNEL_DS 0x18
#define KVM_USER32_CS 0x23         /* STAR's sysret base; no descriptor */
#define KVM_USER_DS 0x2b
#define KVM_USER_CS 0x33
#define KVM_TSS_SEL 0x40

#endif
