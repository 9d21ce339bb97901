/* The kvm platform: the instance (one virtual machine per sandbox), its
 * setup and teardown, and the ops table. See README.md for the design. */
#include "platform/kvm/kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "platform/kvm/internal.h"

int kvm_ioctl_err(void)
{
	return errno ? -errno : -EIO;
}

static int open_kvm(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		close(fd);
		return -ENOTSUP;
	}
	return fd;
}

/* Everything the platform relies on, asked for up front so a host that
 * lacks one fails at create with -ENOTSUP, not at some later switch. */
static int check_caps(int kvm)
{
	static const int need[] = { KVM_CAP_USER_MEMORY, KVM_CAP_IMMEDIATE_EXIT,
				    KVM_CAP_XSAVE, KVM_CAP_EXT_CPUID };
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (ioctl(kvm, KVM_CHECK_EXTENSION, need[i]) <= 0)
			return -ENOTSUP;
	int sync = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);
	int want = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
	return sync > 0 && (sync & want) == want ? 0 : -ENOTSUP;
}

static int create_vm(int kvm)
{
	int vm;
	do
		vm = ioctl(kvm, KVM_CREATE_VM, 0);
	while (vm < 0 && errno == EINTR);
	return vm < 0 ? -errno : vm;
}

int kvm_platform_probe(void)
{
	int kvm = open_kvm();
	if (kvm < 0)
		return kvm;
	int r = check_caps(kvm);
	int vm = r ? -1 : create_vm(kvm);
	if (!r && vm < 0)
		r = vm;
	if (vm >= 0)
		close(vm);
	close(kvm);
	return r;
}

static int guest_phys_bits(const struct platform *p)
{
	uint32_t r[4];
	kvm_platform_cpuid(p, 0x80000008, 0, r);
	unsigned bits = r[0] & 0xff;
	return bits >= 36 && bits <= 52 ? (int)bits : 36;
}

/* Real-mode leftovers some Intel hosts insist on before any vCPU runs;
 * harmless elsewhere, so failures are ignored. Placed just above the
 * private region, where nothing of ours is. */
static void set_legacy_addrs(struct platform *p)
{
	uint64_t tss = p->priv_gpa + KVM_PRIV_SIZE;
	uint64_t ident = tss + 3 * KVM_PAGE;
	(void)ioctl(p->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)tss);
	(void)ioctl(p->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident);
}

static int max_vcpus(struct platform *p)
{
	int n = ioctl(p->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (n <= 0)
		n = ioctl(p->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	if (n <= 1)
		return -ENOTSUP;
	unsigned areas = (KVM_FIXED_SIZE - KVM_OFF_VCPU) / KVM_VCPU_AREA;
	p->max_vcpus = (unsigned)n < areas ? (unsigned)n : areas;
	p->vcpus = calloc(p->max_vcpus, sizeof(*p->vcpus));
	p->idle = calloc(p->max_vcpus, sizeof(*p->idle));
	return p->vcpus && p->idle ? 0 : -ENOMEM;
}

static int setup_vm(struct platform *p, int memfd)
{
	int r = check_caps(p->kvm_fd);
	if (r)
		return r;
	p->vm_fd = create_vm(p->kvm_fd);
	if (p->vm_fd < 0)
		return p->vm_fd;
	int sz = ioctl(p->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz <= 0)
		return -ENOTSUP;
	p->run_size = (size_t)sz;
	if ((r = cpuid_init(p)) || (r = xstate_init(p)) || (r = max_vcpus(p)))
		return r;
	r = memslots_init(p, memfd, (uint64_t)guest_phys_bits(p));
	if (r)
		return r;
	set_legacy_addrs(p);
	r = pool_init(&p->pool, (KVM_PRIV_SIZE - KVM_FIXED_SIZE) / KVM_PAGE);
	if (r)
		return r;
	pt_init_fixed(p);
	stub_install(p);
	if ((r = mmu_init(p)))
		return r;
	return probe_host(p);
}

static void platform_free(struct platform *p)
{
	vcpu_free_all(p);
	memslots_destroy(p);
	pool_destroy(&p->pool);
	if (p->vm_fd >= 0)
		close(p->vm_fd);
	if (p->kvm_fd >= 0)
		close(p->kvm_fd);
	free(p->cpuid);
	free(p->seen);
	free(p->vcpus);
	free(p->idle);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static int kvm_create(struct platform **out, int memfd)
{
	struct platform *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->vm_fd = p->memfd = -1;
	int r = pthread_mutex_init(&p->lock, NULL);
	if (r) {
		free(p);
		return -r;
	}
	p->kvm_fd = open_kvm();
	r = p->kvm_fd < 0 ? p->kvm_fd : setup_vm(p, memfd);
	if (r) {
		platform_free(p);
		return r;
	}
	*out = p;
	return 0;
}

static void kvm_destroy(struct platform *p)
{
	/* Address spaces and contexts the kernel leaked die with the VM:
	 * their memory is the VM's. */
	if (p)
		platform_free(p);
}

int kvm_platform_set_cpu_model(struct platform *p, enum kvm_cpu_model m)
{
	pthread_mutex_lock(&p->lock);
	int r = p->contexts_made ? -EBUSY : cpuid_select(p, m);
	pthread_mutex_unlock(&p->lock);
	return r ? r : probe_host(p);
}

bool kvm_platform_hw_paging(const struct platform *p)
{
	return p->hw_paging;
}

void kvm_platform_force_flush(struct platform *p, bool on)
{
	p->force_flush = on;
}

unsigned kvm_platform_pt_pages(const struct platform *p)
{
	return p->pool.in_use;
}

unsigned kvm_platform_vcpus(const struct platform *p)
{
	return p->nvcpus;
}

const struct platform_ops kvm_platform_ops = {
	.name = "kvm",
	.create = kvm_create,
	.destroy = kvm_destroy,
	.as_create = kvm_as_create,
	.as_destroy = kvm_as_destroy,
	.as_map = kvm_as_map,
	.as_unmap = kvm_as_unmap,
	.as_protect = kvm_as_protect,
	.ctx_create = kvm_ctx_create,
	.ctx_destroy = kvm_ctx_destroy,
	.ctx_switch = kvm_ctx_switch,
	.ctx_pull_state = kvm_ctx_pull_state,
	.ctx_interrupt = kvm_ctx_interrupt,
	.can_trap_cpuid = true,
	/* A getppid round trip measured by tests/bench/bench_kvm on the
	 * development host (kvm_pvm, nested): 25-31 us, the cost of any exit
	 * from guest ring 3 there. */
	.switch_cost_ns = 28000,
};
