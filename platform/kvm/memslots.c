/* Guest physical memory: the memory file at GPA 0 and, above it, the
 * platform's private region.
 *
 * The memory file grows while the sandbox runs (the kernel ftruncates it
 * in steps). We map a large window of it once, MAP_SHARED|MAP_NORESERVE
 * (address space only), and tell KVM about it in slots of doubling size
 * as mappings reach further: slot k covers [64 MiB << (k-1), 64 MiB << k).
 * Registering the whole window at once would also work, but KVM keeps
 * per-page metadata for every registered page (8 bytes per page for a
 * shadowing MMU: 2 GiB for a 1 TiB window), so registering only about
 * what is in use keeps that at most twice the file. Pages past the end of
 * the file are registered but never mapped into a guest: as_map only
 * maps what the kernel allocated, which is below the file's end. A guest
 * access there would fail in KVM_RUN (EFAULT), not fault the kernel. */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "platform/kvm/internal.h"

#define WINDOW_MAX (1ULL << 40)    /* core/memfile.h MEMFILE_MAX_BYTES */
#define FIRST_SLOT (64ULL << 20)
#define SLOT_PRIV 0
#define SLOT_MEMFILE_FIRST 1

static int set_slot(struct platform *p, unsigned slot, uint64_t gpa,
		    uint64_t size, void *host)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)host,
	};
	return ioctl(p->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) ? -errno : 0;
}

/* The memory file takes the lower half of the guest's physical address
 * space (at most 1 TiB); the private region sits right above it. */
static uint64_t window_size(uint64_t phys_bits)
{
	uint64_t half = 1ULL << (phys_bits - 1);
	return half < WINDOW_MAX ? half : WINDOW_MAX;
}

int memslots_init(struct platform *p, int memfd, uint64_t phys_bits)
{
	p->window = window_size(phys_bits);
	p->priv_gpa = p->window;
	/* Our own descriptor: the kernel may close or replace its own. */
	p->memfd = fcntl(memfd, F_DUPFD_CLOEXEC, 3);
	if (p->memfd < 0)
		return -errno;
	void *m = mmap(NULL, p->window, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_NORESERVE, p->memfd, 0);
	if (m == MAP_FAILED)
		return -errno;
	p->mem = m;
	void *v = mmap(NULL, KVM_PRIV_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (v == MAP_FAILED)
		return -errno;
	p->priv = v;
	p->nslots = SLOT_MEMFILE_FIRST;
	return set_slot(p, SLOT_PRIV, p->priv_gpa, KVM_PRIV_SIZE, p->priv);
}

void memslots_destroy(struct platform *p)
{
	if (p->mem)
		munmap(p->mem, p->window);
	if (p->priv)
		munmap(p->priv, KVM_PRIV_SIZE);
	if (p->memfd >= 0)
		close(p->memfd);
	p->mem = p->priv = NULL;
	p->memfd = -1;
}

int memslots_cover(struct platform *p, uint64_t end)
{
	if (end > p->window)
		return -ENOMEM;
	while (p->slot_end < end) {
		uint64_t size = p->slot_end ? p->slot_end : FIRST_SLOT;
		if (size > p->window - p->slot_end)
			size = p->window - p->slot_end;
		int r = set_slot(p, p->nslots, p->slot_end, size,
				 p->mem + p->slot_end);
		if (r)
			return r;
		p->nslots++;
		p->slot_end += size;
	}
	return 0;
}
