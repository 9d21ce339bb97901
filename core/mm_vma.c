/* The VMA array of an address space: sorted, non-overlapping, split and
 * merged in place. A sorted array (not a tree) because address spaces
 * have tens to a few thousand VMAs, and binary search plus memmove is
 * fast and simple at that size. Also /proc/PID/maps. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "core/file.h"
#include "core/mm_internal.h"

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fputs("snapctl: out of memory (VMAs)\n", stderr);
		abort();
	}
	return p;
}

static char *xstrdup(const char *s)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d) {
		fputs("snapctl: out of memory (VMAs)\n", stderr);
		abort();
	}
	return d;
}

size_t mm_vma_index(const struct mm *mm, uint64_t addr)
{
	size_t lo = 0, hi = mm->nvmas;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (mm->vmas[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct vma *mm_vma_find(struct mm *mm, uint64_t addr)
{
	size_t i = mm_vma_index(mm, addr);
	if (i < mm->nvmas && mm->vmas[i].start <= addr)
		return &mm->vmas[i];
	return NULL;
}

static void vma_reserve(struct mm *mm, size_t n)
{
	if (mm->nvmas + n <= mm->cap_vmas)
		return;
	size_t cap = mm->cap_vmas ? mm->cap_vmas : 16;
	while (cap < mm->nvmas + n)
		cap *= 2;
	mm->vmas = xrealloc(mm->vmas, cap * sizeof(*mm->vmas));
	mm->cap_vmas = cap;
}

void mm_vma_dup_refs(struct vma *v)
{
	v->name = xstrdup(v->name);
	if (v->file)
		file_get(v->file);
}

size_t mm_vma_insert(struct mm *mm, const struct vma *v)
{
	vma_reserve(mm, 1);
	size_t i = mm_vma_index(mm, v->start);
	memmove(&mm->vmas[i + 1], &mm->vmas[i],
		(mm->nvmas - i) * sizeof(*mm->vmas));
	mm->vmas[i] = *v;
	mm->nvmas++;
	return i;
}

void mm_vma_split(struct mm *mm, uint64_t addr)
{
	size_t i = mm_vma_index(mm, addr);
	if (i == mm->nvmas || mm->vmas[i].start >= addr)
		return;
	vma_reserve(mm, 1);
	struct vma *v = &mm->vmas[i];
	struct vma right = *v;
	right.start = addr;
	mm_vma_dup_refs(&right);
	if (!vma_is_anon(v))
		right.pgoff += (addr - v->start) / PAGE_SIZE;
	v->end = addr;
	memmove(&mm->vmas[i + 2], &mm->vmas[i + 1],
		(mm->nvmas - i - 1) * sizeof(*mm->vmas));
	mm->vmas[i + 1] = right;
	mm->nvmas++;
}

void mm_vma_remove(struct mm *mm, size_t i, size_t j)
{
	if (i == j)
		return;
	for (size_t k = i; k < j; k++) {
		free(mm->vmas[k].name);
		if (mm->vmas[k].file)
			file_put(mm->vmas[k].file);
	}
	memmove(&mm->vmas[i], &mm->vmas[j],
		(mm->nvmas - j) * sizeof(*mm->vmas));
	mm->nvmas -= j - i;
}

/* Anonymous VMAs with the same protection and flags behave as one, so
 * they are kept as one (Linux does the same: fewer VMAs, shorter maps). */
static bool vma_mergeable(const struct vma *a, const struct vma *b)
{
	return a->end == b->start && a->prot == b->prot &&
	       a->flags == b->flags && vma_is_anon(a) && vma_is_anon(b);
}

size_t mm_vma_merge(struct mm *mm, size_t i, size_t j)
{
	size_t removed = 0;
	size_t k = i ? i - 1 : 0;
	if (j >= mm->nvmas)
		j = mm->nvmas ? mm->nvmas - 1 : 0;
	while (k < j && k + 1 < mm->nvmas) {
		if (vma_mergeable(&mm->vmas[k], &mm->vmas[k + 1])) {
			mm->vmas[k].end = mm->vmas[k + 1].end;
			mm_vma_remove(mm, k + 1, k + 2);
			removed++;
			j--;
		} else {
			k++;
		}
	}
	return removed;
}

bool mm_range_free(const struct mm *mm, uint64_t start, uint64_t end)
{
	size_t i = mm_vma_index(mm, start);
	return i == mm->nvmas || mm->vmas[i].start >= end;
}

bool mm_range_mapped(const struct mm *mm, uint64_t start, uint64_t end)
{
	size_t i = mm_vma_index(mm, start);
	uint64_t at = start;
	for (; at < end && i < mm->nvmas; i++) {
		if (mm->vmas[i].start > at)
			return false;
		at = mm->vmas[i].end;
	}
	return at >= end;
}

uint64_t mm_vma_start_gap(const struct vma *v)
{
	if (!(v->flags & VMA_GROWSDOWN))
		return v->start;
	return v->start > MM_STACK_GUARD_GAP ? v->start - MM_STACK_GUARD_GAP
					     : 0;
}

int64_t mm_find_gap(const struct mm *mm, uint64_t len, uint64_t lo,
		    uint64_t hi)
{
	if (hi > USER_ADDR_END)
		hi = USER_ADDR_END;
	if (len == 0 || lo >= hi || len > hi - lo)
		return -ENOMEM;
	/* Top-down: the gap below VMA i (i == nvmas: below hi). */
	for (size_t i = mm_vma_index(mm, hi);; i--) {
		uint64_t top = hi;
		if (i < mm->nvmas && mm_vma_start_gap(&mm->vmas[i]) < top)
			top = mm_vma_start_gap(&mm->vmas[i]);
		uint64_t bottom = i ? mm->vmas[i - 1].end : 0;
		if (bottom < lo)
			bottom = lo;
		if (top > bottom && top - bottom >= len)
			return (int64_t)(top - len);
		if (i == 0 || mm->vmas[i - 1].end <= lo)
			return -ENOMEM;
	}
}

void mm_vma_free_all(struct mm *mm)
{
	mm_vma_remove(mm, 0, mm->nvmas);
	free(mm->vmas);
	mm->vmas = NULL;
	mm->cap_vmas = 0;
}

/* ---- /proc/PID/maps ---------------------------------------------------- */

static const char *vma_label(const struct vma *v)
{
	if (v->flags & VMA_HEAP)
		return "[heap]";
	if (v->flags & VMA_STACK)
		return "[stack]";
	return v->name;
}

/* Output that counts everything but stores only what fits. */
struct maps_out {
	char *buf;
	size_t len, total;
};

static void maps_put(struct maps_out *o, const char *s, size_t n)
{
	if (o->total + 1 < o->len) {
		size_t room = o->len - o->total - 1;
		memcpy(o->buf + o->total, s, n < room ? n : room);
	}
	o->total += n;
}

/* One line exactly as Linux's show_map_vma writes it: the name, when
 * there is one, starts at column 73; without one the line ends "0 ". */
static void format_vma(struct maps_out *o, const struct vma *v)
{
	char head[128];
	int n = snprintf(head, sizeof(head),
			 "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu ",
			 (unsigned long long)v->start,
			 (unsigned long long)v->end,
			 v->prot & PROT_READ ? 'r' : '-',
			 v->prot & PROT_WRITE ? 'w' : '-',
			 v->prot & PROT_EXEC ? 'x' : '-',
			 v->flags & VMA_SHARED ? 's' : 'p',
			 (unsigned long long)(vma_is_anon(v) ? 0 :
					      v->pgoff * PAGE_SIZE),
			 major(v->dev), minor(v->dev),
			 (unsigned long long)v->ino);
	maps_put(o, head, (size_t)n);
	const char *label = vma_label(v);
	if (label) {
		for (; n < 73; n++)
			maps_put(o, " ", 1);
		maps_put(o, label, strlen(label));
	}
	maps_put(o, "\n", 1);
}

size_t mm_format_maps(const struct mm *mm, char *buf, size_t len)
{
	struct maps_out o = { buf, len, 0 };
	for (size_t i = 0; i < mm->nvmas; i++)
		format_vma(&o, &mm->vmas[i]);
	if (len)
		buf[o.total < len ? o.total : len - 1] = 0;
	return o.total;
}
