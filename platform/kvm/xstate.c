/* Extended (FPU, SSE, AVX...) state: KVM keeps the guest's in the vCPU
 * and hands it out in the standard XSAVE format (KVM_GET_XSAVE), the one
 * cpu_state keeps and ptrace's regset uses, so images move between the
 * platforms as they are. It is fetched only when the kernel asks
 * (ctx_pull_state) and pushed only when the kernel changed it. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "platform/kvm/internal.h"


static uint32_t host_mxcsr_mask(void)
{
	uint8_t area[512] __attribute__((aligned(16)));
	uint32_t mask;
	memset(area, 0, sizeof(area));
	__asm__ volatile("fxsave64 %0" : "=m"(area));
	memcpy(&mask, area + CPU_XSAVE_MXCSR_MASK, sizeof(mask));
	return mask ? mask : 0xffbf;   /* 0 means the default mask */
}

int xstate_init(struct platform *p)
{
	int n = ioctl(p->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
	p->xsave2 = n > (int)sizeof(struct kvm_xsave);
	p->xsave_buf = p->xsave2 ? (size_t)n : sizeof(struct kvm_xsave);
	p->xfeatures = cpu_xsave_features();
	p->mxcsr_mask = host_mxcsr_mask();
	return 0;
}

int xstate_get(struct platform *p, int fd, struct cpu_state *cpu,
	       uint8_t *buf)
{
	unsigned long req = p->xsave2 ? KVM_GET_XSAVE2 : KVM_GET_XSAVE;
	uint64_t bv;
	if (ioctl(fd, req, buf))
		return kvm_ioctl_err();
	uint32_t size = cpu_xsave_size();
	memcpy(cpu->xsave, buf, size);
	memset(cpu->xsave + size, 0, CPU_XSAVE_MAX - size);
	/* Components a cpu_state does not keep (AMX) are in their initial
	 * state: applications cannot enable them without the kernel. */
	memcpy(&bv, cpu->xsave + CPU_XSAVE_HEADER, 8);
	bv &= p->xfeatures;
	memcpy(cpu->xsave + CPU_XSAVE_HEADER, &bv, 8);
	cpu->xsave_size = size;
	return 0;
}

int xstate_set(struct platform *p, int fd, const struct cpu_state *cpu,
	       uint8_t *buf)
{
	uint32_t n = cpu->xsave_size < CPU_XSAVE_MAX ? cpu->xsave_size
						       : CPU_XSAVE_MAX;
	memset(buf, 0, p->xsave_buf);
	memcpy(buf, cpu->xsave, n);
	cpu_xsave_sanitize(buf, p->guest_xfeatures, p->mxcsr_mask);
	return ioctl(fd, KVM_SET_XSAVE, buf) ? kvm_ioctl_err() : 0;
}
