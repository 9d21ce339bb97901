/* What this host's KVM really does, learned once per CPU model in ring 3
 * of a scratch address space (see internal.h, probe_host). It has to be
 * ring 3: a hypervisor that emulates guest ring 0 walks our page tables
 * in software and answers CPUID its own way there, so a ring-0 probe
 * would learn about the emulator, not about what applications get.
 *
 * Paging: a ring-3 load through a mapping, then a host write retargeting
 * that mapping's present entry and a TLB flush (CR3 reload in ring 0,
 * then iretq to the load again). Seeing the new page means the host
 * walks our tables (hardware paging: ctx.c must flush TLBs after
 * changes); seeing the old one means it shadows them (it tracks our
 * guest-side rewrites and flushes for us). Then the entry is put back by
 * the guest-side rewrite and read once more: that must show the old page
 * on any host, or the platform cannot work here. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "platform/kvm/internal.h"

#define VAL_A 0x5afe5afe0000aaaaULL
#define VAL_B 0x5afe5afe0000bbbbULL
#define CODE_VA(off) (KVM_KERN_VA + KVM_OFF_CODE + (off))

/* Runs v from ring 3 at the trampoline page's offset `at` with rax, rcx
 * and rbx, through the flush stub if `flush`, until it exits at the
 * syscall port. */
static int run_ring3(struct platform *p, struct kvm_vcpu_slot *v,
		     uint64_t at, uint64_t rax, uint64_t rcx, bool flush)
{
	struct kvm_run *run = v->run;
	struct kvm_regs *r = &run->s.regs.regs;
	memset(r, 0, sizeof(*r));
	r->rax = rax;
	r->rcx = rcx;
	r->rbx = KVM_PROBE_VA;
	r->rip = KVM_TRAMP_VA + at;
	r->rflags = 0x202;
	run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
	if (flush) {
		uint64_t top = vcpu_stack_top(v);
		uint64_t *f = priv_ptr(p, top - 40 - KVM_KERN_VA);
		f[0] = r->rip, f[1] = KVM_USER_CS, f[2] = 0x202, f[3] = 0;
		f[4] = KVM_USER_DS;
		r->rsp = top - 40;
		r->rip = CODE_VA(KVM_CODE_FLUSH);
		r->rflags = 2;
		vcpu_kernel_segments(&run->s.regs.sregs);
		run->kvm_dirty_regs |= KVM_SYNC_X86_SREGS;
	}
	int rc;
	do
		rc = ioctl(v->fd, KVM_RUN, 0);
	while (rc && errno == EINTR);
	if (rc)
		return -errno;
	return run->exit_reason == KVM_EXIT_IO ? 0 : -EIO;
}

static int observe_cpuid(struct platform *p, struct kvm_vcpu_slot *v)
{
	struct kvm_cpuid2 *seen = cpuid_alloc();
	if (!seen)
		return -ENOMEM;
	seen->nent = 0;
	for (size_t i = 0; i < cpuid_nobserved; i++) {
		uint32_t leaf = cpuid_observed[i][0];
		uint32_t sub = cpuid_observed[i][1];
		int r = run_ring3(p, v, KVM_TRAMP_CPUID, leaf, sub, false);
		if (r) {
			free(seen);
			return r;
		}
		const struct kvm_regs *g = &v->run->s.regs.regs;
		seen->entries[seen->nent++] = (struct kvm_cpuid_entry2){
			.function = leaf, .index = sub,
			.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
			.eax = (uint32_t)g->rax, .ebx = (uint32_t)g->rbx,
			.ecx = (uint32_t)g->rcx, .edx = (uint32_t)g->rdx };
	}
	free(p->seen);
	p->seen = seen;
	return 0;
}

static int read_probe(struct platform *p, struct kvm_vcpu_slot *v,
		      bool flush, uint64_t *val)
{
	int r = run_ring3(p, v, KVM_TRAMP_READ, 0, 0, flush);
	*val = v->run->s.regs.regs.rax;
	return r;
}

/* The probe page's entry, pointed at private page `off` by a host write
 * (pgtable.c's rule bent on purpose); where the entry is goes to page, i. */
static void retarget(struct platform *p, uint32_t root, uint64_t off,
		     uint32_t *page, unsigned *i)
{
	pthread_mutex_lock(&p->lock);
	if (pt_leaf_slot(p, root, KVM_PROBE_VA, page, i)) {
		uint64_t *e = &pool_table(p, *page)[*i];
		*e = (*e & ~PTE_ADDR) | priv_gpa(p, off);
	}
	pthread_mutex_unlock(&p->lock);
}

static int observe_paging(struct platform *p, struct kvm_vcpu_slot *v,
			  uint32_t root)
{
	uint64_t a = VAL_A, b = VAL_B, got;
	uint32_t page = 0;
	unsigned i = 0;
	memcpy(priv_ptr(p, KVM_OFF_PROBE_A), &a, 8);
	memcpy(priv_ptr(p, KVM_OFF_PROBE_B), &b, 8);
	int r = read_probe(p, v, false, &got);
	if (r || got != a)
		return r ? r : -EIO;
	retarget(p, root, KVM_OFF_PROBE_B, &page, &i);
	if ((r = read_probe(p, v, true, &got)))
		return r;
	if (got != a && got != b)
		return -EIO;
	p->hw_paging = got == b;
	/* Back to A the way every unmap and protect goes. */
	retarget(p, root, KVM_OFF_PROBE_A, &page, &i);
	pthread_mutex_lock(&p->lock);
	r = mmu_rewrite(p, page, i, i);
	pthread_mutex_unlock(&p->lock);
	if (!r)
		r = read_probe(p, v, true, &got);
	return r ? r : got == a ? 0 : -EIO;
}

static int probe_vcpu(struct platform *p, struct kvm_vcpu_slot *v,
		      uint32_t root)
{
	struct kvm_sregs *s = &v->run->s.regs.sregs;
	if (ioctl(v->fd, KVM_GET_SREGS, s))
		return -errno;
	s->cr3 = priv_gpa(p, pool_off(root));
	if (ioctl(v->fd, KVM_SET_SREGS, s))
		return -errno;
	int r = observe_cpuid(p, v);
	return r ? r : observe_paging(p, v, root);
}

int probe_host(struct platform *p)
{
	struct platform_as *as;
	struct kvm_vcpu_slot *v;
	int r = kvm_as_create(p, &as);
	if (r)
		return r;
	r = as_map_gpa(as, KVM_PROBE_VA, KVM_PAGE,
		       priv_gpa(p, KVM_OFF_PROBE_A), PROT_READ);
	if (!r) {
		pthread_mutex_lock(&p->lock);
		r = vcpu_make(p, &v, false);
		pthread_mutex_unlock(&p->lock);
	}
	if (!r)
		r = probe_vcpu(p, v, as->root);
	kvm_as_destroy(as);
	if (r)
		return r;
	/* Idle vCPUs of an earlier model may not serve: KVM fixed their
	 * CPUID when they ran. This one has the current model. */
	v->reset = true;
	pthread_mutex_lock(&p->lock);
	p->nidle = 0;
	p->idle[p->nidle++] = v;
	pthread_mutex_unlock(&p->lock);
	return 0;
}
