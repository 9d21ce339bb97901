/* vCPUs: made on demand, kept in a pool (KVM destroys one only with its
 * VM), each with its own GDT, TSS and exception stack in the private
 * region (the stack must not be shared: two vCPUs may take exceptions at
 * once), all sharing the IDT and the code.
 *
 * A fresh vCPU is put in 64-bit mode directly (no real-mode start):
 * paging on, ring 3, LSTAR at the trampoline, CPUID as the model says,
 * and KVM asked to hand over general and segment registers on every exit
 * (sync regs), which is how ctx.c avoids register ioctls. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "platform/kvm/internal.h"

#define CR0_PE (1ULL << 0)
#define CR0_MP (1ULL << 1)
#define CR0_ET (1ULL << 4)
#define CR0_NE (1ULL << 5)
#define CR0_WP (1ULL << 16)
#define CR0_AM (1ULL << 18)
#define CR0_PG (1ULL << 31)
#define EFER_SCE (1ULL << 0)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_NXE (1ULL << 11)

#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SFMASK 0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_SYSENTER_CS 0x174
/* What syscall clears: TF (no single-stepping into the trampoline), IF,
 * DF, IOPL, NT, AC. */
#define SFMASK_BITS 0x47700ULL

_Static_assert(KVM_TRAMP_VA == PLATFORM_APP_END, "trampoline placement");

static uint64_t area_off(unsigned id)
{
	return KVM_OFF_VCPU + (uint64_t)id * KVM_VCPU_AREA;
}

uint64_t vcpu_stack_top(const struct kvm_vcpu_slot *v)
{
	return KVM_KERN_VA + area_off(v->id) + KVM_AREA_STACK_TOP;
}

/* Flat descriptors as Linux has them; accessed bits preset so the CPU
 * never writes the GDT. */
static void write_gdt(struct platform *p, unsigned id)
{
	uint64_t *gdt = priv_ptr(p, area_off(id) + KVM_AREA_GDT);
	uint64_t tss = KVM_KERN_VA + area_off(id) + KVM_AREA_TSS;
	memset(gdt, 0, KVM_GDT_ENTRIES * 8);
	gdt[KVM_KERNEL_CS >> 3] = 0x00af9b000000ffffULL;
	gdt[KVM_KERNEL_DS >> 3] = 0x00cf93000000ffffULL;
	gdt[KVM_USER_DS >> 3] = 0x00cff3000000ffffULL;
	gdt[KVM_USER_CS >> 3] = 0x00affb000000ffffULL;
	gdt[KVM_TSS_SEL >> 3] = KVM_TSS_LIMIT | (tss & 0xffffff) << 16 |
				0x8bULL << 40 | (tss >> 24 & 0xff) << 56;
	gdt[(KVM_TSS_SEL >> 3) + 1] = tss >> 32;
}

/* RSP0 and IST1 at the top of the vCPU's stack; an I/O bitmap letting
 * ring 3 use the syscall port and nothing else. */
static void write_tss(struct platform *p, const struct kvm_vcpu_slot *v)
{
	uint8_t *tss = priv_ptr(p, area_off(v->id) + KVM_AREA_TSS);
	uint64_t top = vcpu_stack_top(v);
	uint16_t iomap = 104;
	memset(tss, 0, KVM_TSS_LIMIT + 1);
	memcpy(tss + 4, &top, 8);
	memcpy(tss + 0x24, &top, 8);
	memcpy(tss + 0x66, &iomap, 2);
	memset(tss + 104, 0xff, KVM_TSS_LIMIT + 1 - 104);
	tss[104 + KVM_SYSCALL_PORT / 8] &=
		(uint8_t)~(1u << (KVM_SYSCALL_PORT % 8));
}

static struct kvm_segment flat(uint16_t sel, uint8_t type, uint8_t dpl,
			       bool code)
{
	return (struct kvm_segment){ .base = 0, .limit = 0xffffffff,
				     .selector = sel, .type = type,
				     .present = 1, .dpl = dpl, .db = !code,
				     .s = 1, .l = code, .g = 1 };
}

void vcpu_user_segments(struct kvm_sregs *s)
{
	s->cs = flat(KVM_USER_CS, 11, 3, true);
	s->ss = flat(KVM_USER_DS, 3, 3, false);
}

void vcpu_kernel_segments(struct kvm_sregs *s)
{
	s->cs = flat(KVM_KERNEL_CS, 11, 0, true);
	s->ss = flat(KVM_KERNEL_DS, 3, 0, false);
}

static int init_sregs(struct platform *p, struct kvm_vcpu_slot *v,
		      bool kernel)
{
	struct kvm_sregs s;
	if (ioctl(v->fd, KVM_GET_SREGS, &s))
		return -errno;
	struct kvm_segment null = { .selector = 0, .unusable = 1 };
	s.ds = s.es = s.fs = s.gs = null;
	if (kernel)
		vcpu_kernel_segments(&s);
	else
		vcpu_user_segments(&s);
	s.tr = (struct kvm_segment){
		.base = KVM_KERN_VA + area_off(v->id) + KVM_AREA_TSS,
		.limit = KVM_TSS_LIMIT, .selector = KVM_TSS_SEL, .type = 11,
		.present = 1 };
	s.ldt = null;
	s.gdt.base = KVM_KERN_VA + area_off(v->id) + KVM_AREA_GDT;
	s.gdt.limit = KVM_GDT_ENTRIES * 8 - 1;
	s.idt.base = KVM_KERN_VA + KVM_OFF_IDT;
	s.idt.limit = 32 * 16 - 1;
	s.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_PG;
	s.cr3 = priv_gpa(p, KVM_OFF_MMU_PML4);
	s.cr4 = p->cr4;
	s.efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
	return ioctl(v->fd, KVM_SET_SREGS, &s) ? -errno : 0;
}

static int init_msrs(struct kvm_vcpu_slot *v)
{
	uint64_t buf[(sizeof(struct kvm_msrs) +
		      6 * sizeof(struct kvm_msr_entry)) / 8];
	struct kvm_msrs *m = (struct kvm_msrs *)buf;
	static const uint32_t idx[6] = { MSR_STAR, MSR_LSTAR, MSR_CSTAR,
					 MSR_SFMASK, MSR_KERNEL_GS_BASE,
					 MSR_SYSENTER_CS };
	const uint64_t val[6] = {
		(uint64_t)KVM_USER32_CS << 48 | (uint64_t)KVM_KERNEL_CS << 32,
		KVM_TRAMP_VA, 0, SFMASK_BITS, 0, 0 };
	memset(buf, 0, sizeof(buf));
	m->nmsrs = 6;
	for (int i = 0; i < 6; i++) {
		m->entries[i].index = idx[i];
		m->entries[i].data = val[i];
	}
	return ioctl(v->fd, KVM_SET_MSRS, m) == 6 ? 0 : -EINVAL;
}

static int init_xcr0(struct platform *p, struct kvm_vcpu_slot *v)
{
	if (!p->xcr0)
		return 0;
	struct kvm_xcrs x;
	memset(&x, 0, sizeof(x));
	x.nr_xcrs = 1;
	x.xcrs[0].xcr = 0;
	x.xcrs[0].value = p->xcr0;
	return ioctl(v->fd, KVM_SET_XCRS, &x) ? -errno : 0;
}

static int init_vcpu(struct platform *p, struct kvm_vcpu_slot *v,
		     bool kernel)
{
	int r;
	write_gdt(p, v->id);
	write_tss(p, v);
	if (ioctl(v->fd, KVM_SET_CPUID2, p->cpuid))
		return -errno;
	if ((r = init_sregs(p, v, kernel)) || (r = init_msrs(v)) ||
	    (r = init_xcr0(p, v)))
		return r;
	v->run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
	v->reset = true;
	return 0;
}

static void slot_free(struct platform *p, struct kvm_vcpu_slot *v)
{
	if (v->run)
		munmap(v->run, p->run_size);
	if (v->fd >= 0)
		close(v->fd);
	free(v);
}

int vcpu_make(struct platform *p, struct kvm_vcpu_slot **out, bool kernel)
{
	if (p->nvcpus >= p->max_vcpus)
		return -EAGAIN;
	struct kvm_vcpu_slot *v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->id = p->nvcpus;
	v->fd = ioctl(p->vm_fd, KVM_CREATE_VCPU, (unsigned long)v->id);
	if (v->fd < 0) {
		int r = -errno;
		free(v);
		return r;
	}
	void *run = mmap(NULL, p->run_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, v->fd, 0);
	int r = run == MAP_FAILED ? -errno : 0;
	v->run = run == MAP_FAILED ? NULL : run;
	if (!r)
		r = init_vcpu(p, v, kernel);
	if (r) {
		/* KVM keeps the vCPU; its id stays taken. */
		slot_free(p, v);
		p->nvcpus++;
		return r;
	}
	p->vcpus[p->nvcpus++] = v;
	*out = v;
	return 0;
}

int vcpu_get(struct platform *p, struct kvm_vcpu_slot **out)
{
	pthread_mutex_lock(&p->lock);
	int r = 0;
	p->contexts_made++;
	if (p->nidle) {
		*out = p->idle[--p->nidle];
		(*out)->reset = true;
	} else {
		r = vcpu_make(p, out, false);
	}
	pthread_mutex_unlock(&p->lock);
	return r;
}

void vcpu_put(struct platform *p, struct kvm_vcpu_slot *v)
{
	v->run->immediate_exit = 0;
	v->run->kvm_dirty_regs = 0;
	pthread_mutex_lock(&p->lock);
	p->idle[p->nidle++] = v;
	pthread_mutex_unlock(&p->lock);
}

void vcpu_free_all(struct platform *p)
{
	for (unsigned i = 0; i < p->nvcpus && p->vcpus; i++)
		if (p->vcpus[i])
			slot_free(p, p->vcpus[i]);
	p->nvcpus = 0;
	p->nidle = 0;
	p->mmu = NULL;
}
