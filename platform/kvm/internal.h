/* Shared between the files of the kvm platform; see README.md. */
#ifndef PLATFORM_KVM_INTERNAL_H
#define PLATFORM_KVM_INTERNAL_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/kvm/kvm.h"
#include "platform/kvm/layout.h"
#include "platform/platform.h"

#define KVM_PAGE 4096ULL

/* Page-table entry bits. */
#define PTE_P (1ULL << 0)
#define PTE_W (1ULL << 1)
#define PTE_U (1ULL << 2)
#define PTE_A (1ULL << 5)
#define PTE_D (1ULL << 6)
#define PTE_PS (1ULL << 7)
#define PTE_NONE_MARK (1ULL << 9)  /* software: mapped PROT_NONE (not P) */
#define PTE_NX (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

/* The pool of page-table pages: the private region above its fixed part.
 * Page i is at offset KVM_FIXED_SIZE + i * 4096. A page is handed out
 * zeroed, and given back only once every entry is zero in memory and in
 * whatever shadow of it the hypervisor keeps (see pgtable.c). */
struct pt_pool {
	uint32_t npages;           /* capacity */
	uint32_t next;             /* never used beyond here */
	uint32_t *free;            /* stack of given-back pages */
	uint32_t nfree;
	uint16_t *used;            /* non-zero entries per page */
	uint32_t in_use;
};

/* A vCPU: KVM cannot destroy one short of the whole VM, so they are kept
 * in a pool and reused by later contexts. */
struct kvm_vcpu_slot {
	int fd;
	unsigned id;               /* also its area in the private region */
	struct kvm_run *run;
	bool reset;                /* state unknown: push everything */
	/* What its TLB may hold (hardware paging): translations of this
	 * address space as of this generation. 0: flush before use. */
	uint64_t tlb_as, tlb_gen;
};

struct platform {
	int kvm_fd, vm_fd;
	int memfd;                 /* our own descriptor of the memory file */
	uint8_t *mem;              /* host mapping of the memory file */
	uint64_t window;           /* GPA [0, window) is the memory file */
	uint64_t slot_end;         /* GPA of it registered with KVM so far */
	unsigned nslots;
	uint8_t *priv;             /* host mapping of the private region */
	uint64_t priv_gpa;
	size_t run_size;

	/* What applications see. */
	enum kvm_cpu_model model;
	struct kvm_cpuid2 *cpuid;  /* the table given to KVM */
	struct kvm_cpuid2 *seen;   /* what ring 3 really got (probe.c) */
	uint64_t cr4;
	uint64_t xcr0;             /* 0: the model has no XSAVE */
	uint64_t guest_xfeatures;  /* components KVM keeps for the guest */
	unsigned contexts_made;

	/* XSAVE as KVM moves it. */
	size_t xsave_buf;          /* bytes of a KVM_GET_XSAVE(2) buffer */
	bool xsave2;               /* use KVM_GET_XSAVE2 */
	uint64_t xfeatures;        /* components a cpu_state keeps */
	uint32_t mxcsr_mask;

	bool hw_paging;            /* the host walks our tables itself */
	bool force_flush;

	/* Everything below under lock: page tables, slots, the mmu vCPU,
	 * the vCPU pool, the context list. */
	pthread_mutex_t lock;
	struct pt_pool pool;
	struct kvm_vcpu_slot *mmu; /* does guest-side page-table writes */
	struct kvm_vcpu_slot **vcpus;
	unsigned nvcpus, max_vcpus;
	struct kvm_vcpu_slot **idle;
	unsigned nidle;
	struct platform_ctx *ctxs;
	uint64_t next_as_id;
};

struct platform_as {
	struct platform *p;
	uint64_t id;               /* never reused, unlike the pointer */
	uint32_t root;             /* pool page of the PML4 */
	_Atomic uint64_t gen;      /* bumped when a mapping goes or changes */
};

/* A context: see ctx.c. Owned by its thread except where noted. */
struct platform_ctx {
	struct platform *p;
	pthread_t owner;
	struct kvm_vcpu_slot *v;
	struct platform_ctx *prev, *next;  /* p->ctxs, under p->lock */

	struct cpu_state *cpu;     /* the cpu last switched */
	bool live;                 /* the vCPU holds cpu's FPU state */
	bool xs_synced;            /* rec_xsave is what the vCPU holds */
	uint8_t *rec_xsave;        /* CPU_XSAVE_MAX */
	uint8_t *xbuf;             /* p->xsave_buf */
	bool kick_was_blocked;

	/* Touched by other threads: kick.c. */
	atomic_bool intr;
	atomic_int senders;
	_Atomic uint64_t running_as;       /* as id while in KVM_RUN */
	atomic_uint run_seq;               /* KVM_RUN calls returned */
};

/* Where a vCPU stopped (regs.c). */
enum pos { POS_USER, POS_TRAMP, POS_VECTOR, POS_IRET, POS_FLUSH, POS_BAD };

/* Guest physical address of a private-region offset, host pointer to it. */
static inline uint64_t priv_gpa(const struct platform *p, uint64_t off)
{
	return p->priv_gpa + off;
}

static inline void *priv_ptr(const struct platform *p, uint64_t off)
{
	return p->priv + off;
}

static inline uint64_t pool_off(uint32_t page)
{
	return KVM_FIXED_SIZE + (uint64_t)page * KVM_PAGE;
}

static inline uint64_t *pool_table(const struct platform *p, uint32_t page)
{
	return (uint64_t *)priv_ptr(p, pool_off(page));
}

/* kvm.c */
int kvm_ioctl_err(void);

/* memslots.c */
int memslots_init(struct platform *p, int memfd, uint64_t phys_bits);
void memslots_destroy(struct platform *p);
/* Makes sure GPA [0, end) of the memory file is known to KVM. */
int memslots_cover(struct platform *p, uint64_t end);

/* pool.c */
int pool_init(struct pt_pool *pool, uint32_t npages);
void pool_destroy(struct pt_pool *pool);
int pool_alloc(struct platform *p, uint32_t *page);
void pool_release(struct platform *p, uint32_t page);
/* The pool page holding GPA gpa, or -1. */
int64_t pool_page_of(const struct platform *p, uint64_t gpa);

/* pgtable.c: see there. */
struct pt_edit;
int pt_edit_begin(struct pt_edit **out, struct platform *p);
int pt_edit_commit(struct pt_edit *e, bool *changed);
int pt_map_range(struct pt_edit *e, uint32_t root, uint64_t va,
		 uint64_t len, uint64_t gpa, int prot);
int pt_unmap_range(struct pt_edit *e, uint32_t root, uint64_t va,
		   uint64_t len);
int pt_protect_range(struct pt_edit *e, uint32_t root, uint64_t va,
		     uint64_t len, int prot);
/* Tears the whole user half of root down, and root itself. */
int pt_destroy_tree(struct pt_edit *e, uint32_t root);
/* The leaf entry for va, 0 if there is none. Caller holds p->lock. */
uint64_t pt_lookup(const struct platform *p, uint32_t root, uint64_t va);
/* Where that entry is: pool page and index; false if nowhere. */
bool pt_leaf_slot(const struct platform *p, uint32_t root, uint64_t va,
		  uint32_t *page, unsigned *index);
/* Builds the kernel half and the fixed mappings (at create). */
void pt_init_fixed(struct platform *p);
/* Points root's kernel half at the shared tables. */
void pt_init_root(struct platform *p, uint32_t root);

/* mmu.c */
int mmu_init(struct platform *p);
/* Rewrites entries [lo, hi] of pool page `page` with their own values
 * from inside the guest, so a shadowing hypervisor sees the change. */
int mmu_rewrite(struct platform *p, uint32_t page, unsigned lo, unsigned hi);
/* Same for a fixed-part page-table page at private offset off. */
int mmu_rewrite_off(struct platform *p, uint64_t off, unsigned lo,
		    unsigned hi);

/* probe.c: what this host's KVM really does, learned at create in ring 3
 * of a scratch address space: which CPUID applications get (some
 * hypervisors answer feature leaves from the host CPU whatever the table
 * says), and whether host writes to present page-table entries reach the
 * guest (hardware paging) or not (shadow paging). Also proves the
 * guest-side rewrite works. The vCPU it used then waits in the pool, with
 * the current CPU model, for the first context. */
int probe_host(struct platform *p);

/* vcpu.c */
int vcpu_get(struct platform *p, struct kvm_vcpu_slot **out);
void vcpu_put(struct platform *p, struct kvm_vcpu_slot *v);
int vcpu_make(struct platform *p, struct kvm_vcpu_slot **out, bool kernel);
void vcpu_free_all(struct platform *p);
/* The segment registers of ring 3 and ring 0, as KVM wants them. */
void vcpu_user_segments(struct kvm_sregs *s);
void vcpu_kernel_segments(struct kvm_sregs *s);
uint64_t vcpu_stack_top(const struct kvm_vcpu_slot *v);

/* stub.c */
void stub_install(struct platform *p);

/* cpuid.c */
int cpuid_init(struct platform *p);
int cpuid_select(struct platform *p, enum kvm_cpu_model m);
/* The leaves probe.c observes; struct kvm_cpuid2 with room for n. */
extern const uint32_t cpuid_observed[][2];
extern const size_t cpuid_nobserved;
struct kvm_cpuid2 *cpuid_alloc(void);

/* xstate.c */
int xstate_init(struct platform *p);
int xstate_get(struct platform *p, int fd, struct cpu_state *cpu,
	       uint8_t *buf);
int xstate_set(struct platform *p, int fd, const struct cpu_state *cpu,
	       uint8_t *buf);

/* exc.c */
void exc_to_event(struct platform *p, struct platform_as *as, int vector,
		  uint64_t err, uint64_t cr2, uint64_t rip, uint64_t dr6,
		  struct platform_event *ev);
int exc_fpu_code(const struct cpu_state *cpu, int vector);

/* as.c */
int kvm_as_create(struct platform *p, struct platform_as **out);
void kvm_as_destroy(struct platform_as *as);
int kvm_as_map(struct platform_as *as, uint64_t addr, uint64_t len,
	       uint64_t offset, int prot);
int kvm_as_unmap(struct platform_as *as, uint64_t addr, uint64_t len);
int kvm_as_protect(struct platform_as *as, uint64_t addr, uint64_t len,
		   int prot);
/* as_map of guest physical memory outside the memory file (probe.c). */
int as_map_gpa(struct platform_as *as, uint64_t addr, uint64_t len,
	       uint64_t gpa, int prot);

/* ctx.c */
int kvm_ctx_create(struct platform *p, struct platform_ctx **out);
void kvm_ctx_destroy(struct platform_ctx *ctx);
int kvm_ctx_switch(struct platform_ctx *ctx, struct platform_as *as,
		   struct cpu_state *cpu, struct platform_event *ev);
int kvm_ctx_pull_state(struct platform_ctx *ctx, struct cpu_state *cpu);
void kvm_ctx_interrupt(struct platform_ctx *ctx);

/* kick.c: the interrupt signal. */
int kick_setup(struct platform_ctx *ctx);
void kick_teardown(struct platform_ctx *ctx);
void kick_drain(void);
/* Makes every context running as leave the guest once and waits for it,
 * so that none keeps using translations as just lost (hardware paging
 * only). Caller holds p->lock; contexts never take it while running. */
void ctx_kick_running(struct platform *p, struct platform_as *as);

/* regs.c: the application's registers between cpu_state and kvm_run. */
enum pos regs_where(const struct kvm_run *run, int *vector);
uint64_t *regs_stack(struct platform_ctx *ctx, uint64_t va, size_t n);
/* Every register from the synced ones; rip, rflags and rsp as the vCPU
 * has them (not yet from a frame). */
void regs_out(struct cpu_state *cpu, const struct kvm_run *run);
/* rip, rflags and rsp from the iret frame at va; -EIO if not ring 3's. */
int regs_frame_out(struct platform_ctx *ctx, struct cpu_state *cpu,
		   uint64_t va);
/* cpu from a vCPU stopped in user code or on the way back to it. */
int regs_state_out(struct platform_ctx *ctx, struct cpu_state *cpu,
		   enum pos pos);
/* -EINVAL for values no vCPU may take. */
int regs_check(const struct cpu_state *cpu);
bool regs_canonical(uint64_t a);
/* Puts cpu into the vCPU through the kvm_run page, flushing its TLB on
 * the way when as needs it. */
int regs_in(struct platform_ctx *ctx, struct platform_as *as,
	    const struct cpu_state *cpu);

#endif
