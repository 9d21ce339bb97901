/* Sorted disjoint ranges with their protection. Updates are O(n) moves,
 * lookups a binary search; adjacent ranges with equal protection merge,
 * so n counts protection changes, not map calls. Errors: -ENOMEM, with
 * the map unchanged. */
#include "platform/ptrace/prot_map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void prot_map_free(struct prot_map *m)
{
	free(m->v);
	m->v = NULL;
	m->n = m->cap = 0;
}

static int reserve(struct prot_map *m, size_t want)
{
	if (want <= m->cap)
		return 0;
	size_t cap = m->cap ? m->cap * 2 : 16;
	while (cap < want)
		cap *= 2;
	struct prot_range *v = realloc(m->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	m->v = v;
	m->cap = cap;
	return 0;
}

/* Index of the first range ending after addr. */
static size_t first_after(const struct prot_map *m, uint64_t addr)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->v[mid].end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static void insert_at(struct prot_map *m, size_t i, struct prot_range r)
{
	memmove(&m->v[i + 1], &m->v[i], (m->n - i) * sizeof(m->v[0]));
	m->v[i] = r;
	m->n++;
}

static void remove_span(struct prot_map *m, size_t i, size_t j)
{
	memmove(&m->v[i], &m->v[j], (m->n - j) * sizeof(m->v[0]));
	m->n -= j - i;
}

/* Removes [start, end) from every range; returns where it was. Needs room
 * for one more range (a range strictly containing it splits in two). */
static size_t carve(struct prot_map *m, uint64_t start, uint64_t end)
{
	size_t i = first_after(m, start);
	if (i < m->n && m->v[i].start < start) {
		if (m->v[i].end > end) {
			struct prot_range tail = { end, m->v[i].end,
						    m->v[i].prot };
			m->v[i].end = start;
			insert_at(m, i + 1, tail);
			return i + 1;
		}
		m->v[i].end = start;
		i++;
	}
	size_t j = i;
	while (j < m->n && m->v[j].end <= end)
		j++;
	if (j < m->n && m->v[j].start < end)
		m->v[j].start = end;
	remove_span(m, i, j);
	return i;
}

static void merge_around(struct prot_map *m, size_t i)
{
	if (i + 1 < m->n && m->v[i].end == m->v[i + 1].start &&
	    m->v[i].prot == m->v[i + 1].prot) {
		m->v[i].end = m->v[i + 1].end;
		remove_span(m, i + 1, i + 2);
	}
	if (i > 0 && m->v[i - 1].end == m->v[i].start &&
	    m->v[i - 1].prot == m->v[i].prot) {
		m->v[i - 1].end = m->v[i].end;
		remove_span(m, i, i + 1);
	}
}

int prot_map_set(struct prot_map *m, uint64_t start, uint64_t end, int prot)
{
	if (start >= end)
		return 0;
	if (reserve(m, m->n + 2))
		return -ENOMEM;
	size_t i = carve(m, start, end);
	insert_at(m, i, (struct prot_range){ start, end, prot });
	merge_around(m, i);
	return 0;
}

int prot_map_clear(struct prot_map *m, uint64_t start, uint64_t end)
{
	if (start >= end)
		return 0;
	if (reserve(m, m->n + 1))
		return -ENOMEM;
	carve(m, start, end);
	return 0;
}

int prot_map_protect(struct prot_map *m, uint64_t start, uint64_t end,
		     int prot)
{
	/* Each overlapping range can split off at most one new range at
	 * each end of [start, end): reserve for both up front so that no
	 * step below can fail halfway. */
	if (start >= end)
		return 0;
	if (reserve(m, m->n + 2))
		return -ENOMEM;
	size_t i = first_after(m, start);
	while (i < m->n && m->v[i].start < end) {
		struct prot_range *r = &m->v[i];
		if (r->prot == prot) {
			i++;
			continue;
		}
		if (r->start < start) {
			struct prot_range tail = { start, r->end, r->prot };
			r->end = start;
			insert_at(m, ++i, tail);
			r = &m->v[i];
		}
		if (r->end > end) {
			struct prot_range tail = { end, r->end, r->prot };
			r->end = end;
			insert_at(m, i + 1, tail);
		}
		m->v[i].prot = prot;
		i++;
	}
	/* Merge across the whole touched span. */
	size_t lo = first_after(m, start);
	if (lo > 0)
		lo--;
	for (size_t k = lo; k + 1 < m->n && m->v[k].start < end;) {
		if (m->v[k].end == m->v[k + 1].start &&
		    m->v[k].prot == m->v[k + 1].prot) {
			m->v[k].end = m->v[k + 1].end;
			remove_span(m, k + 1, k + 2);
		} else {
			k++;
		}
	}
	return 0;
}

int prot_map_lookup(const struct prot_map *m, uint64_t addr)
{
	size_t i = first_after(m, addr);
	if (i < m->n && m->v[i].start <= addr)
		return m->v[i].prot;
	return -1;
}
