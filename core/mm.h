/* Address spaces: a sorted set of VMAs (what the application asked for)
 * and a page table from virtual pages to memory-file pages (what has been
 * filled in). Pages are filled on demand: an application fault enters
 * mm_handle_fault, which allocates or copies the page(s) of a window
 * around the fault -- faults are expensive here -- and maps them into the
 * platform address space.
 *
 * Private mappings are copy-on-write at page granularity: a page whose
 * memory-file reference count is above one is mapped read-only, and a
 * write fault copies it. Shared mappings map their object's pages
 * directly.
 *
 * Saved state (codec_type_mm): the VMAs, the program break and the other
 * addresses, the auxv copy, and the page table as runs of (virtual page,
 * memory-file page, count); the pages themselves belong to the memory
 * file. Restore rebuilds the platform address space and maps every
 * present page again (after_load phase 10, after the memory file's 0).
 * The `users` count is not saved: each restored task that points at the
 * mm adds itself back.
 *
 * Locking: every function here runs under the kernel lock. */
#ifndef CORE_MM_H
#define CORE_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot/codec.h"

struct file;
struct inode;
struct kernel;
struct platform_as;
struct mm_pagetable;

/* VMA flags (kernel-internal; mmap flags are translated at the syscall). */
#define VMA_SHARED    0x01u  /* MAP_SHARED: writes visible to sharers */
#define VMA_GROWSDOWN 0x02u  /* stack: grows on faults just below it */
#define VMA_NORESERVE 0x04u
#define VMA_STACK     0x08u  /* "[stack]" in /proc/PID/maps */
#define VMA_HEAP      0x10u  /* "[heap]" */

#define VMA_FLAGS_ALL  0x1fu

/* Defaults: vm.mmap_min_addr, RLIMIT_STACK, and the gap kept between a
 * growing stack and the mapping below it. */
#define MM_MAP_MIN_DEFAULT 0x10000ull
#define MM_STACK_LIMIT     (8ull << 20)
#define MM_STACK_GUARD_GAP 4096ull

struct vma {
	uint64_t start, end;       /* page aligned, start < end */
	int prot;                  /* PROT_READ | PROT_WRITE | PROT_EXEC */
	uint32_t flags;            /* VMA_* */
	uint64_t pgoff;            /* file offset in pages (file mappings;
	                              0 for anonymous ones) */
	char *name;                /* backing file path for maps, or NULL
	                              (anonymous); owned */
	struct file *file;         /* file mappings: the mapped file (one
	                              counted reference: its pages outlive
	                              close and unlink), else NULL */
	uint64_t dev, ino;         /* the file's st_dev and st_ino (maps) */
	/* Fault-around heuristics (not saved: a restored VMA starts cold). */
	uint32_t fault_window;     /* pages filled by the next fault */
	uint64_t fault_lo, fault_hi; /* the last window, in pages */
};

/* A run of the page table as it is saved: n pages from virtual page vpn
 * backed by memory-file pages from mpage. */
struct mm_pt_run {
	uint64_t vpn, mpage, n;
};

struct mm {
	struct kernel *kernel;
	int users;                 /* tasks sharing this mm (CLONE_VM) */
	struct vma *vmas;          /* sorted by start, non-overlapping */
	size_t nvmas, cap_vmas;
	struct mm_pagetable *pt;   /* virtual page -> memory-file page */
	uint64_t brk_start, brk;   /* program break */
	uint64_t mmap_base;        /* top of the mmap search area */
	uint64_t stack_top;        /* set by the loader */
	uint64_t arg_start, arg_end, env_start, env_end; /* for /proc */
	uint64_t map_min;          /* lowest mappable address (like
	                              vm.mmap_min_addr) */
	uint8_t auxv[512];         /* copy of the initial auxv, for /proc */
	uint32_t auxv_len;
	char *exe_path;            /* the program, absolute in the sandbox
	                              (/proc/PID/exe), or NULL; owned */
	struct platform_as *as;    /* host-only: rebuilt at after-load */
	/* Decode-only: the saved page table, checked against the memory
	 * file and turned into pt by after-load (the memory file's page
	 * counts are only known then). */
	struct mm_pt_run *pt_pending;
	uint32_t npt_pending;
};

/* Creates an empty address space (and its platform address space, unless
 * k has no platform_ops: unit tests). Defaults: mmap_base just below the
 * stack area, map_min MM_MAP_MIN_DEFAULT; the loader sets the rest. */
int mm_create(struct kernel *k, struct mm **out);
/* Drops one user; the last frees the pages, VMAs and platform state. */
void mm_put(struct mm *mm);

/* The core of mmap: maps [addr, addr+len) -- anywhere if !fixed (addr is
 * then a hint, taken if free), else exactly there, replacing what was
 * there (unless noreplace) -- as an anonymous region, merged with equal
 * neighbours. Returns the address, or -EINVAL (len 0, unaligned fixed
 * addr, bad prot/flags), -EPERM (below map_min), -EEXIST (noreplace and
 * something is there), -ENOMEM (no room). */
int64_t mm_map_anon(struct mm *mm, uint64_t addr, uint64_t len, int prot,
		    uint32_t vma_flags, bool fixed, bool noreplace);
/* A file mapping: like mm_map_anon, but the VMA maps file from page
 * pgoff, taking its own reference to file and a copy of name (its path,
 * for maps). Pages come from file->ops->map_pages at fault time: a
 * private mapping shares them copy-on-write, a shared one maps them
 * writable. */
struct mm_file_map {
	struct file *file;
	uint64_t pgoff;
	const char *name;
	uint64_t dev, ino;
};
int64_t mm_map_file(struct mm *mm, uint64_t addr, uint64_t len, int prot,
		    uint32_t vma_flags, bool fixed, bool noreplace,
		    const struct mm_file_map *fm);
/* A file shrank to pages pages: every mapping of inode, in every address
 * space of k, drops its pages from there on (copies of private mappings
 * too), so that touching them gives SIGBUS, as Linux does. */
void mm_file_truncated(struct kernel *k, const struct inode *inode,
		       uint64_t pages);
/* munmap: drops the pages of [addr, addr+len); 0 or -EINVAL. */
int mm_unmap(struct mm *mm, uint64_t addr, uint64_t len);
/* mprotect: -ENOMEM, changing nothing, unless all of the range is
 * mapped (Linux changes the part before the first hole); -EACCES for
 * PROT_WRITE on a shared mapping of a file not open for writing. */
int mm_protect(struct mm *mm, uint64_t addr, uint64_t len, int prot);

/* The highest free, page-aligned range of len bytes inside [lo, hi)
 * (len page aligned), keeping the guard gap below growing stacks;
 * returns its address or -ENOMEM. */
int64_t mm_find_gap(const struct mm *mm, uint64_t len, uint64_t lo,
		    uint64_t hi);
/* True if every byte of [start, end) is inside some VMA. */
bool mm_range_mapped(const struct mm *mm, uint64_t start, uint64_t end);
/* True if the page containing addr is filled in (mincore). */
bool mm_page_present(const struct mm *mm, uint64_t addr);

/* Fills in every missing page of [addr, addr+len) that the VMAs allow
 * some access to (MAP_POPULATE, MADV_POPULATE_*), in as few memory-file
 * runs and platform mappings as it can. 0, -ENOMEM (range not mapped or
 * memory exhausted). */
int mm_populate(struct mm *mm, uint64_t addr, uint64_t len);
/* MADV_DONTNEED / MADV_FREE: drops the pages of private mappings in
 * [addr, addr+len), which then read as zero; shared mappings keep their
 * contents. -ENOMEM if part of the range is not mapped (the mapped part
 * is still discarded, as in Linux). */
int mm_discard(struct mm *mm, uint64_t addr, uint64_t len);

/* mremap flags as in <linux/mman.h>. Returns the new address or -errno.
 * Moving moves page-table entries, never data. */
int64_t mm_remap(struct mm *mm, uint64_t old_addr, uint64_t old_len,
		 uint64_t new_len, unsigned flags, uint64_t new_addr);

/* Handles an application fault at addr with access PLATFORM_ACCESS_*.
 * Returns 0 when the access may be retried, -EFAULT when no VMA covers
 * addr (SIGSEGV, SEGV_MAPERR) and -EACCES when the VMA forbids the access
 * (SIGSEGV, SEGV_ACCERR), -ENOMEM when the memory file is full
 * (Linux would SIGBUS or OOM-kill), and -EIO for a page of a file
 * mapping past the end of the file (SIGBUS, BUS_ADRERR). A fault just below a VMA_GROWSDOWN
 * VMA grows it (within MM_STACK_LIMIT, keeping MM_STACK_GUARD_GAP).
 *
 * Missing pages are filled a window at a time around the fault: the
 * window starts at 16 pages and doubles, up to 512 (2 MiB), while the
 * VMA keeps faulting sequentially (up or down); each run of new pages is
 * one memory-file run and one platform mapping. */
int mm_handle_fault(struct mm *mm, uint64_t addr, int access);

/* Copies between kernel memory and application memory, honouring VMA
 * protections (as the application would: PROT_WRITE to write; any access
 * to read, since x86 pages that can be written or executed can be read)
 * and filling pages on demand, copy-on-write included. Return 0 or
 * -EFAULT (also when memory is exhausted: the access cannot be made). */
int mm_copy_from(struct mm *mm, void *dst, uint64_t src, size_t n);
int mm_copy_to(struct mm *mm, uint64_t dst, const void *src, size_t n);
/* Writes ignoring protections (the loader filling read-only segments). */
int mm_poke(struct mm *mm, uint64_t dst, const void *src, size_t n);
/* Copies a NUL-terminated string of at most max bytes (NUL included);
 * returns its length, -EFAULT, or -ENAMETOOLONG when no NUL within max. */
int64_t mm_copy_string_from(struct mm *mm, char *dst, uint64_t src,
			    size_t max);

/* Writes the VMA listing in the format of /proc/PID/maps into buf (NUL
 * terminated, truncated to len); returns the full length, not counting
 * the NUL, like snprintf. */
size_t mm_format_maps(const struct mm *mm, char *buf, size_t len);

/* A kernel pointer to the aligned 32-bit application word at addr
 * (filled in, and copied first if write and copy-on-write), or NULL when
 * the application could not access it that way. Valid until the next
 * change to mm. */
void *mm_user_ptr(struct mm *mm, uint64_t addr, bool write);

/* fork(2)'s copy of parent: same VMAs and layout, every page shared
 * (copy-on-write for private mappings). Returns 0 or -errno. */
int mm_fork(struct mm *parent, struct mm **out);

/* Makes every platform mapping of mm anew (after restore, or when the
 * platform address space was replaced). */
int mm_rebuild_platform(struct mm *mm);

extern const struct codec_type codec_type_mm;

#endif
