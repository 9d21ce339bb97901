/* Which protection the platform gave each mapped page of an address
 * space: a sorted set of disjoint ranges. Faults under ptrace come without
 * the hardware's read/write/execute bit, and this is what lets the
 * platform tell a write to a read-only page from a read of a missing one.
 * Not thread-safe: the owner locks. */
#ifndef PLATFORM_PTRACE_PROT_MAP_H
#define PLATFORM_PTRACE_PROT_MAP_H

#include <stddef.h>
#include <stdint.h>

struct prot_range {
	uint64_t start, end;       /* [start, end) */
	int prot;                  /* PROT_* */
};

struct prot_map {
	struct prot_range *v;
	size_t n, cap;
};

void prot_map_free(struct prot_map *m);
/* [start, end) becomes mapped with prot, whatever was there. */
int prot_map_set(struct prot_map *m, uint64_t start, uint64_t end, int prot);
/* [start, end) becomes unmapped. */
int prot_map_clear(struct prot_map *m, uint64_t start, uint64_t end);
/* The mapped parts of [start, end) get prot, as mprotect does. */
int prot_map_protect(struct prot_map *m, uint64_t start, uint64_t end,
		     int prot);
/* The protection of addr's page, or -1 if unmapped. */
int prot_map_lookup(const struct prot_map *m, uint64_t addr);

#endif
