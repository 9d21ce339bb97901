/* The CPU applications see. CPUID always exits to the hypervisor, which
 * answers from the table we give each vCPU (KVM_SET_CPUID2), so it is
 * the kernel's to choose:
 *
 *   host      KVM_GET_SUPPORTED_CPUID as it is.
 *   baseline  x86-64-v2: the v1/v2 instruction-set bits this CPU has,
 *             XSAVE of x87 and SSE only, no leaf 7 features. These are
 *             user-level instruction sets that run without the
 *             hypervisor's help, so they are taken from the CPU itself
 *             (some hypervisors leave them out of their supported list).
 *
 * The model also decides the guest's CR4 (OSXSAVE, FSGSBASE) and XCR0,
 * which KVM checks against the CPUID it was given. */
#include <cpuid.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "platform/kvm/internal.h"

#define MAX_ENTRIES 256

#define CR4_PAE (1ULL << 5)
#define CR4_OSFXSR (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)
#define CR4_FSGSBASE (1ULL << 16)
#define CR4_OSXSAVE (1ULL << 18)

#define L1_ECX_XSAVE (1u << 26)
#define L1_ECX_HYPERVISOR (1u << 31)
#define L7_EBX_FSGSBASE (1u << 0)

/* x86-64-v2 on top of the v1 base. */
#define V2_L1_ECX ((1u << 0) | (1u << 9) | (1u << 13) | (1u << 19) | \
		   (1u << 20) | (1u << 23) | L1_ECX_XSAVE)
#define V1_L1_EDX 0x078bfbfdu      /* FPU DE PSE TSC MSR PAE MCE CX8 APIC
				      SEP MTRR PGE MCA CMOV PAT PSE36
				      CLFSH MMX FXSR SSE SSE2 */
#define V2_EXT_ECX (1u << 0)       /* LAHF/SAHF in 64-bit mode */
#define V1_EXT_EDX ((1u << 11) | (1u << 20) | (1u << 29)) /* SYSCALL NX LM */
#define BASELINE_XCR0 3ULL         /* x87, SSE */
#define LEGACY_XSAVE_SIZE 576

struct kvm_cpuid2 *cpuid_alloc(void)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + MAX_ENTRIES *
				      sizeof(struct kvm_cpuid_entry2));
	if (c)
		c->nent = MAX_ENTRIES;
	return c;
}

static struct kvm_cpuid_entry2 *find(struct kvm_cpuid2 *c, uint32_t leaf,
				     uint32_t sub)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		if (e->function == leaf &&
		    (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		     e->index == sub))
			return e;
	}
	return NULL;
}

void kvm_platform_cpuid(const struct platform *p, uint32_t leaf,
			uint32_t subleaf, uint32_t out[4])
{
	struct kvm_cpuid_entry2 *e = p->seen ? find(p->seen, leaf, subleaf)
					     : NULL;
	if (!e)
		e = find(p->cpuid, leaf, subleaf);
	out[0] = e ? e->eax : 0;
	out[1] = e ? e->ebx : 0;
	out[2] = e ? e->ecx : 0;
	out[3] = e ? e->edx : 0;
}

static void host_cpuid(uint32_t leaf, uint32_t r[4])
{
	memset(r, 0, 4 * sizeof(*r));
	__cpuid_count(leaf, 0, r[0], r[1], r[2], r[3]);
}

/* Drops every entry of `leaf` whose subleaf is at least `from`. */
static void drop_subleaves(struct kvm_cpuid2 *c, uint32_t leaf, uint32_t from)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		if (e->function == leaf && e->index >= from)
			continue;
		c->entries[n++] = *e;
	}
	c->nent = n;
}

static void baseline_features(struct kvm_cpuid2 *c)
{
	uint32_t h1[4], he[4];
	host_cpuid(1, h1);
	host_cpuid(0x80000001, he);
	struct kvm_cpuid_entry2 *e = find(c, 1, 0);
	if (e) {
		e->ecx = ((h1[2] | e->ecx) & V2_L1_ECX) |
			 (e->ecx & L1_ECX_HYPERVISOR);
		e->edx = (h1[3] | e->edx) & V1_L1_EDX;
	}
	if ((e = find(c, 0x80000001, 0))) {
		e->ecx = (he[2] | e->ecx) & V2_EXT_ECX;
		e->edx = (he[3] | e->edx) & V1_EXT_EDX;
	}
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == 7)
			c->entries[i].eax = c->entries[i].ebx =
				c->entries[i].ecx = c->entries[i].edx = 0;
}

static void baseline_xsave(struct kvm_cpuid2 *c)
{
	drop_subleaves(c, 0xd, 2);
	struct kvm_cpuid_entry2 *e = find(c, 0xd, 0);
	if (e) {
		e->eax = (uint32_t)BASELINE_XCR0;
		e->edx = 0;
		e->ebx = e->ecx = LEGACY_XSAVE_SIZE;
	}
	if ((e = find(c, 0xd, 1)))
		e->eax = e->ebx = e->ecx = e->edx = 0;
}

static struct kvm_cpuid2 *build(struct platform *p, enum kvm_cpu_model m)
{
	struct kvm_cpuid2 *c = cpuid_alloc();
	if (!c)
		return NULL;
	c->nent = MAX_ENTRIES;
	if (ioctl(p->kvm_fd, KVM_GET_SUPPORTED_CPUID, c)) {
		free(c);
		return NULL;
	}
	if (m == KVM_CPU_MODEL_BASELINE) {
		baseline_features(c);
		baseline_xsave(c);
	}
	return c;
}

/* CR4 and XCR0 that the table allows. */
static void derive_control(struct platform *p)
{
	uint32_t l1[4], l7[4], ld[4];
	kvm_platform_cpuid(p, 1, 0, l1);
	kvm_platform_cpuid(p, 7, 0, l7);
	kvm_platform_cpuid(p, 0xd, 0, ld);
	p->cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (l7[1] & L7_EBX_FSGSBASE)
		p->cr4 |= CR4_FSGSBASE;
	/* KVM keeps (and takes back) the components leaf 0xd offers,
	 * whether or not leaf 1 says XSAVE. */
	uint64_t offered = (uint64_t)ld[3] << 32 | ld[0];
	p->guest_xfeatures = (offered & cpu_xsave_features()) | 3;
	p->xcr0 = 0;
	if (l1[2] & L1_ECX_XSAVE) {
		p->cr4 |= CR4_OSXSAVE;
		p->xcr0 = p->guest_xfeatures;
	}
}

int cpuid_select(struct platform *p, enum kvm_cpu_model m)
{
	if (m != KVM_CPU_MODEL_HOST && m != KVM_CPU_MODEL_BASELINE)
		return -EINVAL;
	struct kvm_cpuid2 *c = build(p, m);
	if (!c)
		return -ENOTSUP;
	free(p->cpuid);
	free(p->seen);
	p->seen = NULL;
	p->cpuid = c;
	p->model = m;
	derive_control(p);
	return 0;
}

int cpuid_init(struct platform *p)
{
	return cpuid_select(p, KVM_CPU_MODEL_HOST);
}

/* The leaves that describe instruction sets and XSAVE. */
const uint32_t cpuid_observed[][2] = {
	{ 0, 0 }, { 1, 0 }, { 7, 0 }, { 7, 1 }, { 0xd, 0 }, { 0xd, 1 },
	{ 0x80000000, 0 }, { 0x80000001, 0 }, { 0x80000007, 0 },
	{ 0x80000008, 0 },
};
const size_t cpuid_nobserved = sizeof(cpuid_observed) /
			       sizeof(cpuid_observed[0]);
