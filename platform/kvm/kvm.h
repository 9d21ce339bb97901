/* The kvm platform: application code runs in ring 3 of a KVM virtual
 * machine whose guest physical memory is the memory file. See README.md.
 *
 * Only platform/platform.c (the table), the kernel's CPU-model option and
 * tests use this header; the rest is private (internal.h). */
#ifndef PLATFORM_KVM_KVM_H
#define PLATFORM_KVM_KVM_H

#include <stdbool.h>
#include <stdint.h>

#include "platform/platform.h"

extern const struct platform_ops kvm_platform_ops;

/* The CPU applications see (CPUID is trapped: the kernel's choice). */
enum kvm_cpu_model {
	/* What KVM_GET_SUPPORTED_CPUID offers on this host: the default. */
	KVM_CPU_MODEL_HOST = 0,
	/* x86-64-v2 (SSE3, SSSE3, SSE4.1, SSE4.2, POPCNT, CMPXCHG16B,
	 * LAHF/SAHF on top of the x86-64 base), XSAVE of x87 and SSE state
	 * only, no leaf 7 features: an image saved under it restores on any
	 * x86-64-v2 host. The CLI's --cpu-model=baseline. */
	KVM_CPU_MODEL_BASELINE = 1,
};

/* Chooses the CPU model of p. Every context made afterwards presents it;
 * -EBUSY once p has made one (KVM fixes a vCPU's CPUID when it first
 * runs), -EINVAL for an unknown model. */
int kvm_platform_set_cpu_model(struct platform *p, enum kvm_cpu_model m);

/* What CPUID leaf/subleaf returns to applications of p: out[] = eax, ebx,
 * ecx, edx (all zero for a leaf the model does not have). For recording
 * the feature set of an image (snapshot/image.h image_cpu_features). */
void kvm_platform_cpuid(const struct platform *p, uint32_t leaf,
			uint32_t subleaf, uint32_t out[4]);

/* 0 if /dev/kvm can make a virtual machine here, else -errno (tests skip
 * on it). */
int kvm_platform_probe(void);

/* ---- Introspection for tests and benchmarks, not for the kernel ---- */

/* Whether the host walks guest page tables in hardware (EPT/NPT: the
 * platform then flushes guest TLBs itself) or shadows them (the
 * hypervisor tracks guest writes to them). Found by a probe at create. */
bool kvm_platform_hw_paging(const struct platform *p);
/* Makes p flush guest TLBs as it must with hardware paging even where
 * the host shadows page tables, so tests exercise that path here. */
void kvm_platform_force_flush(struct platform *p, bool on);
/* Page-table pages in use, and vCPUs made (contexts reuse them). */
unsigned kvm_platform_pt_pages(const struct platform *p);
unsigned kvm_platform_vcpus(const struct platform *p);

#endif
