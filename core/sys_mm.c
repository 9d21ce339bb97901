/* Memory system calls: brk, mmap, munmap, mprotect, mremap, madvise,
 * msync, mincore. Argument checking follows Linux (mm/mmap.c,
 * mm/mprotect.c, mm/mremap.c, mm/madvise.c) in what it returns for what;
 * the work is done by core/mm*.c. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "core/file.h"
#include "core/fs/dentry.h"
#include "core/fs/inode.h"
#include "core/fs/memfs.h"
#include "core/fs/mount.h"
#include "core/fs/super.h"
#include "core/fs/vfs.h"
#include "core/mm_internal.h"
#include "core/sys_fs.h"
#include "core/syscall.h"
#include "core/task.h"

/* Where MAP_32BIT mappings go on x86-64 (the first 2 GiB less the
 * first 1 GiB, as Linux does). */
#define MAP_32BIT_LO 0x40000000ull
#define MAP_32BIT_HI 0x80000000ull

#ifndef MAP_UNINITIALIZED
#define MAP_UNINITIALIZED 0x4000000 /* <asm-generic/mman-common.h> */
#endif

#ifndef PROT_SEM
#define PROT_SEM 0x8             /* <asm-generic/mman-common.h> */
#endif

/* ---- brk ---------------------------------------------------------------- */

/* Grows the heap VMA over [from, to) if nothing is there, leaving a
 * page free below the next mapping (and a stack's guard gap), as Linux
 * does. */
static bool heap_grow(struct mm *mm, uint64_t from, uint64_t to)
{
	size_t next = mm_vma_index(mm, from);
	if (next < mm->nvmas &&
	    to + PAGE_SIZE > mm_vma_start_gap(&mm->vmas[next]))
		return false;
	return mm_map_anon(mm, from, to - from, PROT_READ | PROT_WRITE,
			   VMA_HEAP, true, false) >= 0;
}

/* Linux semantics: returns the new break, or the unchanged one when the
 * request is below the heap's start or cannot be met. */
SYSCALL_DECL(brk)
{
	struct mm *mm = t->mm;
	uint64_t want = a[0];
	if (want < mm->brk_start || want > USER_ADDR_END)
		return (int64_t)mm->brk;
	uint64_t old_end = mm_page_up(mm->brk), new_end = mm_page_up(want);
	if (new_end < old_end)
		mm_unmap_range(mm, new_end, old_end);
	else if (new_end > old_end && !heap_grow(mm, old_end, new_end))
		return (int64_t)mm->brk;
	mm->brk = want;
	return (int64_t)want;
}

/* ---- mmap, munmap, mprotect --------------------------------------------- */

/* Maps anonymous memory, or the file of fm, where flags say. */
static int64_t mmap_place(struct mm *mm, uint64_t addr, uint64_t len,
			  int prot, uint64_t flags, uint32_t vflags,
			  const struct mm_file_map *fm)
{
	bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	bool noreplace = flags & MAP_FIXED_NOREPLACE;
	if (!fixed && (flags & MAP_32BIT)) {
		uint64_t lo = mm->map_min > MAP_32BIT_LO ? mm->map_min
							 : MAP_32BIT_LO;
		int64_t at = mm_find_gap(mm, len, lo, MAP_32BIT_HI);
		if (at < 0)
			return at;
		addr = (uint64_t)at;
		fixed = true;
	}
	if (fm)
		return mm_map_file(mm, addr, len, prot, vflags, fixed,
				   noreplace, fm);
	return mm_map_anon(mm, addr, len, prot, vflags, fixed, noreplace);
}

#define MMAP_ABOVE4G 0x80                  /* MAP_ABOVE4G */
#define MMAP_HUGE_SIZES ((21u | 30u) << 26) /* MAP_HUGE_2MB | _1GB */

/* The flags MAP_SHARED_VALIDATE accepts (Linux's LEGACY_MAP_MASK; no
 * file here supports MAP_SYNC). */
#define MMAP_LEGACY_FLAGS                                                   \
	((uint64_t)(MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS |  \
		    MAP_DENYWRITE | MAP_EXECUTABLE | MAP_UNINITIALIZED |     \
		    MAP_GROWSDOWN | MAP_LOCKED | MAP_NORESERVE |             \
		    MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB |  \
		    MAP_32BIT | MMAP_ABOVE4G | MMAP_HUGE_SIZES))

static bool maps_anonymous(const struct file *f)
{
	return f->ops->map_anonymous && f->ops->map_anonymous(f);
}

/* Whether f may be mapped so (Linux's do_mmap): 0, -EACCES for a shared
 * writable mapping of a file not open for writing or any mapping of a
 * file not open for reading, -ENODEV for a file that cannot be mapped
 * (a directory, a terminal). */
static int mmap_file_check(const struct file *f, int prot, uint32_t vflags)
{
	uint32_t mode = f->flags & O_ACCMODE;
	if ((vflags & VMA_SHARED) && (prot & PROT_WRITE) && mode != O_RDWR)
		return -EACCES;
	if (mode == O_WRONLY)
		return -EACCES;
	if (!f->ops->map_pages && !maps_anonymous(f))
		return -ENODEV;
	return 0;
}

/* The path shown for the mapping in /proc/PID/maps: Linux's d_path,
 * with " (deleted)" for a removed file (a memfd's is "/memfd:NAME"). */
static void mmap_file_name(struct task *t, const struct file *f, char *buf,
			   size_t size)
{
	struct path p = { f->mnt, f->dentry };
	if (vfs_path_name(t, &p, buf, size) > 0)
		return;
	snprintf(buf, size, "/%s (deleted)",
		 f->dentry && f->dentry->name ? f->dentry->name : "");
}

static int64_t mmap_file(struct task *t, struct file *f, uint64_t addr,
			 uint64_t len, int prot, uint64_t flags,
			 uint32_t vflags, uint64_t pgoff)
{
	int rc = mmap_file_check(f, prot, vflags);
	if (rc < 0)
		return rc;
	if (maps_anonymous(f))
		return mmap_place(t->mm, addr, len, prot, flags, vflags, NULL);
	char name[PATH_MAX];
	mmap_file_name(t, f, name, sizeof(name));
	const struct inode *i = f->dentry ? f->dentry->inode : NULL;
	struct mm_file_map fm = {
		.file = f, .pgoff = pgoff, .name = name,
		.dev = i && i->sb ? i->sb->dev : 0, .ino = i ? i->ino : 0,
	};
	int64_t r = mmap_place(t->mm, addr, len, prot, flags, vflags, &fm);
	if (r >= 0 && (flags & MAP_POPULATE) && !(flags & MAP_NONBLOCK))
		mm_populate(t->mm, (uint64_t)r, len);
	return r;
}

/* MAP_SHARED|MAP_ANONYMOUS, as Linux's shmem_zero_setup: the pages
 * belong to an unnamed tmpfs file, so processes that share the mapping
 * after fork also share pages first touched after it. Without a VFS
 * (unit tests) the mapping is plain anonymous memory. */
static int64_t mmap_shared_anon(struct task *t, uint64_t addr, uint64_t len,
				int prot, uint64_t flags, uint32_t vflags)
{
	struct vfs *v = t->kernel ? t->kernel->vfs : NULL;
	if (!v || !v->anon)
		return mmap_place(t->mm, addr, len, prot, flags, vflags, NULL);
	struct create_args ca = { .mode = S_IFREG | 0600 };
	struct dentry *d;
	struct file *f = NULL;
	int rc = memfs_create_anon(v->anon->sb, "dev/zero", &ca, &d);
	if (rc == 0) {
		rc = d->inode->ops->open(d, v->anon, O_RDWR, &f);
		dentry_put(d);
	}
	if (rc == 0) {
		struct iattr ia = { .valid = IATTR_SIZE, .size = len };
		rc = f->dentry->inode->ops->setattr(f->dentry, &ia);
	}
	int64_t r = rc;
	if (rc == 0) {
		const struct inode *i = f->dentry->inode;
		struct mm_file_map fm = { .file = f, .pgoff = 0,
					  .name = "/dev/zero (deleted)",
					  .dev = i->sb->dev, .ino = i->ino };
		r = mmap_place(t->mm, addr, len, prot, flags, vflags, &fm);
	}
	if (f)
		file_put(f);    /* the mapping holds its own reference */
	return r;
}

SYSCALL_DECL(mmap)
{
	uint64_t addr = a[0], len = a[1], flags = a[3], off = a[5];
	int prot = (int)(a[2] & MM_PROT_ALL);
	if (off & MM_PAGE_OFF)
		return -EINVAL;
	struct file *f = NULL;
	if (!(flags & MAP_ANONYMOUS) && !(f = fd_file_io(t, a[4])))
		return -EBADF;
	if (len == 0)
		return -EINVAL;
	uint64_t plen = mm_page_up(len);
	if (plen == 0 || plen > USER_ADDR_END)
		return -ENOMEM;
	if ((off >> PAGE_SHIFT) + (plen >> PAGE_SHIFT) < (off >> PAGE_SHIFT))
		return -EOVERFLOW;
	uint64_t type = flags & MAP_TYPE;
	if (f && type == MAP_SHARED_VALIDATE) {
		if (flags & ~MMAP_LEGACY_FLAGS)
			return -EOPNOTSUPP;
		type = MAP_SHARED;
	}
	if (type != MAP_SHARED && type != MAP_PRIVATE)
		return -EINVAL;
	if (type == MAP_SHARED && (flags & MAP_GROWSDOWN))
		return -EINVAL;
	uint32_t vflags = (type == MAP_SHARED ? VMA_SHARED : 0) |
			  (flags & MAP_GROWSDOWN ? VMA_GROWSDOWN : 0) |
			  (flags & MAP_NORESERVE ? VMA_NORESERVE : 0);
	if (f)
		return mmap_file(t, f, addr, plen, prot, flags, vflags,
				 off >> PAGE_SHIFT);
	int64_t r = type == MAP_SHARED
		? mmap_shared_anon(t, addr, plen, prot, flags, vflags)
		: mmap_place(t->mm, addr, plen, prot, flags, vflags, NULL);
	/* Like Linux, a mapping that cannot be populated still stands. */
	if (r >= 0 && (flags & MAP_POPULATE) && !(flags & MAP_NONBLOCK))
		mm_populate(t->mm, (uint64_t)r, plen);
	return r;
}

SYSCALL_DECL(munmap)
{
	return mm_unmap(t->mm, a[0], a[1]);
}

SYSCALL_DECL(mprotect)
{
	uint64_t addr = a[0], len = a[1], prot = a[2];
	const uint64_t grows = PROT_GROWSDOWN | PROT_GROWSUP;
	if ((prot & grows) == grows || !mm_aligned(addr))
		return -EINVAL;
	if (len == 0)
		return 0;
	uint64_t plen = mm_page_up(len);
	if (plen == 0 || addr + plen < addr)
		return -ENOMEM;
	/* PROT_SEM is accepted and means nothing on x86. */
	if (prot & ~(grows | MM_PROT_ALL | PROT_SEM))
		return -EINVAL;
	uint64_t end = addr + plen;
	if (prot & grows) {
		/* Extends to the start of a stack VMA; no VMA grows up. */
		struct vma *v = mm_vma_find(t->mm, addr);
		if (!v)
			return -ENOMEM;
		if ((prot & PROT_GROWSUP) || !(v->flags & VMA_GROWSDOWN))
			return -EINVAL;
		addr = v->start;
	}
	return mm_protect(t->mm, addr, end - addr, (int)(prot & MM_PROT_ALL));
}

SYSCALL_DECL(mremap)
{
	if (a[3] > UINT32_MAX)
		return -EINVAL;
	return mm_remap(t->mm, a[0], a[1], a[2], (unsigned)a[3], a[4]);
}

/* ---- madvise, msync, mincore -------------------------------------------- */

/* Advice that changes nothing here (no swap, no huge pages, no fork
 * yet): accepted, as long as the range is mapped. */
static bool advice_is_hint(uint64_t advice)
{
	switch (advice) {
	case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL:
	case MADV_WILLNEED: case MADV_HUGEPAGE: case MADV_NOHUGEPAGE:
	case MADV_DONTFORK: case MADV_DOFORK: case MADV_DONTDUMP:
	case MADV_DODUMP: case MADV_COLD: case MADV_PAGEOUT:
		return true;
	}
	return false;
}

static bool range_has_shared(struct mm *mm, uint64_t start, uint64_t end)
{
	for (size_t i = mm_vma_index(mm, start);
	     i < mm->nvmas && mm->vmas[i].start < end; i++)
		if (mm->vmas[i].flags & VMA_SHARED)
			return true;
	return false;
}

SYSCALL_DECL(madvise)
{
	uint64_t addr = a[0], len = a[1], advice = a[2];
	bool discard = advice == MADV_DONTNEED || advice == MADV_FREE;
	bool populate = advice == MADV_POPULATE_READ ||
			advice == MADV_POPULATE_WRITE;
	if (!discard && !populate && !advice_is_hint(advice))
		return -EINVAL;
	if (!mm_aligned(addr))
		return -EINVAL;
	uint64_t plen = mm_page_up(len);
	if ((len && !plen) || addr + plen < addr)
		return -EINVAL;
	if (plen == 0)
		return 0;
	uint64_t end = addr + plen;
	if (advice == MADV_FREE && range_has_shared(t->mm, addr, end))
		return -EINVAL;
	if (discard)
		return mm_discard(t->mm, addr, plen);
	if (populate)
		return mm_populate(t->mm, addr, plen);
	return mm_range_mapped(t->mm, addr, end) ? 0 : -ENOMEM;
}

/* Nothing to write back: anonymous memory has no file, and a file
 * mapping's pages are the file's own pages; msync only checks. */
SYSCALL_DECL(msync)
{
	uint64_t addr = a[0], len = a[1], flags = a[2];
	if ((flags & ~(uint64_t)(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
	    !mm_aligned(addr))
		return -EINVAL;
	if ((flags & MS_ASYNC) && (flags & MS_SYNC))
		return -EINVAL;
	uint64_t plen = mm_page_up(len);
	if ((len && !plen) || addr + plen < addr)
		return -ENOMEM;
	if (plen == 0)
		return 0;
	return mm_range_mapped(t->mm, addr, addr + plen) ? 0 : -ENOMEM;
}

SYSCALL_DECL(mincore)
{
	uint64_t addr = a[0], len = a[1], vec = a[2];
	if (!mm_aligned(addr))
		return -EINVAL;
	uint64_t plen = mm_page_up(len);
	if ((len && !plen) || addr > USER_ADDR_END ||
	    plen > USER_ADDR_END - addr)
		return -ENOMEM;
	if (!mm_range_mapped(t->mm, addr, addr + plen))
		return -ENOMEM;
	uint8_t buf[512];
	for (uint64_t done = 0; done < plen / PAGE_SIZE;) {
		size_t n = 0;
		for (; n < sizeof(buf) && done + n < plen / PAGE_SIZE; n++)
			buf[n] = mm_page_present(t->mm,
						 addr + (done + n) * PAGE_SIZE);
		if (mm_copy_to(t->mm, vec + done, buf, n) < 0)
			return -EFAULT;
		done += n;
	}
	return 0;
}
