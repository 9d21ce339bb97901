/* A kernel pointer to an application word, for the few operations that
 * must be atomic against threads running meanwhile (futexes). */
#include "core/memfile.h"
#include "core/mm.h"
#include "core/mm_internal.h"
#include "core/mm_pagetable.h"

void *mm_user_ptr(struct mm *mm, uint64_t addr, bool write)
{
	uint32_t v;
	/* Copying fills the page in with the application's own access
	 * checks; writing the value back breaks copy-on-write first. */
	if ((addr & 3) || mm_copy_from(mm, &v, addr, sizeof(v)) < 0)
		return NULL;
	if (write && mm_copy_to(mm, addr, &v, sizeof(v)) < 0)
		return NULL;
	uint64_t mpage;
	if (!mm_pt_lookup(mm->pt, addr / PAGE_SIZE, &mpage))
		return NULL;
	return (uint8_t *)memfile_ptr(mm_memfile(mm), mpage) + addr % PAGE_SIZE;
}
