/* The bytes of upper-layer memfs files, in memory-file pages. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "core/fs/memfs_internal.h"
#include "core/memfile.h"
#include "core/mm.h"

static uint64_t pages_for(uint64_t bytes)
{
	return (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
}

/* Allocates every missing page of [first, end), as few memory-file runs
 * as the allocator allows. */
static int fill_pages(struct memfs_inode *mi, struct memfile *mf,
		      uint64_t first, uint64_t end)
{
	uint64_t idx = first, mp;
	while (idx < end) {
		if (filepages_lookup(&mi->pages, idx, &mp)) {
			idx++;
			continue;
		}
		uint64_t run = 1;
		while (idx + run < end &&
		       !filepages_lookup(&mi->pages, idx + run, &mp))
			run++;
		while (run) {
			uint64_t got;
			int64_t p = memfile_alloc_upto(mf, run, &got);
			if (p < 0)
				return -ENOSPC;
			for (uint64_t k = 0; k < got; k++)
				filepages_set(&mi->pages, idx + k,
					      (uint64_t)p + k);
			idx += got;
			run -= got;
		}
	}
	return 0;
}

int64_t memfs_read(struct memfs_inode *mi, void *buf, size_t n, uint64_t off)
{
	uint64_t size = mi->vfs.size;
	if (off >= size)
		return 0;
	if (n > size - off)
		n = (size_t)(size - off);
	struct memfile *mf = memfs_memfile(mi->vfs.sb);
	for (size_t done = 0; done < n;) {
		uint64_t pos = off + done, mp;
		size_t in = (size_t)(pos % PAGE_SIZE);
		size_t len = PAGE_SIZE - in < n - done ? PAGE_SIZE - in
						       : n - done;
		if (mf && filepages_lookup(&mi->pages, pos / PAGE_SIZE, &mp))
			memcpy((char *)buf + done,
			       (char *)memfile_ptr(mf, mp) + in, len);
		else
			memset((char *)buf + done, 0, len);
		done += len;
	}
	return (int64_t)n;
}

int64_t memfs_write(struct memfs_inode *mi, const void *buf, size_t n,
		    uint64_t off)
{
	if (off >= MEMFS_MAX_FILE_SIZE)
		return n ? -EFBIG : 0;
	if (n > MEMFS_MAX_FILE_SIZE - off)
		n = (size_t)(MEMFS_MAX_FILE_SIZE - off);
	if (n == 0)
		return 0;
	struct memfile *mf = memfs_memfile(mi->vfs.sb);
	if (!mf)
		return -ENOSPC;
	int rc = fill_pages(mi, mf, off / PAGE_SIZE, pages_for(off + n));
	if (rc < 0) {
		/* Pages past the end of the file must not stay. */
		filepages_truncate(&mi->pages, mf, pages_for(mi->vfs.size));
		return rc;
	}
	for (size_t done = 0; done < n;) {
		uint64_t pos = off + done, mp = 0;
		size_t in = (size_t)(pos % PAGE_SIZE);
		size_t len = PAGE_SIZE - in < n - done ? PAGE_SIZE - in
						       : n - done;
		filepages_lookup(&mi->pages, pos / PAGE_SIZE, &mp);
		memcpy((char *)memfile_ptr(mf, mp) + in,
		       (const char *)buf + done, len);
		done += len;
	}
	if (off + n > mi->vfs.size)
		mi->vfs.size = off + n;
	return (int64_t)n;
}

int memfs_set_size(struct memfs_inode *mi, uint64_t size)
{
	if (size > MEMFS_MAX_FILE_SIZE)
		return -EFBIG;
	struct memfile *mf = memfs_memfile(mi->vfs.sb);
	if (size < mi->vfs.size) {
		mm_file_truncated(mi->vfs.sb->kernel, &mi->vfs,
				  pages_for(size));
		filepages_truncate(&mi->pages, mf, pages_for(size));
		/* What follows the new end in its page must read as zero if
		 * the file grows again. */
		uint64_t mp;
		if (mf && size % PAGE_SIZE &&
		    filepages_lookup(&mi->pages, size / PAGE_SIZE, &mp))
			memset((char *)memfile_ptr(mf, mp) + size % PAGE_SIZE,
			       0, PAGE_SIZE - size % PAGE_SIZE);
	}
	mi->vfs.size = size;
	return 0;
}

int memfs_allocate(struct memfs_inode *mi, uint64_t off, uint64_t len)
{
	if (off > MEMFS_MAX_FILE_SIZE || len > MEMFS_MAX_FILE_SIZE - off)
		return -EFBIG;
	struct memfile *mf = memfs_memfile(mi->vfs.sb);
	if (!mf)
		return -ENOSPC;
	int rc = fill_pages(mi, mf, off / PAGE_SIZE, pages_for(off + len));
	if (rc < 0)
		filepages_truncate(&mi->pages, mf, pages_for(mi->vfs.size));
	return rc;
}

int memfs_get_page(struct memfs_inode *mi, uint64_t idx, bool alloc,
		   uint64_t *mpage)
{
	if (filepages_lookup(&mi->pages, idx, mpage))
		return 0;
	if (!alloc)
		return -ENOENT;
	if (idx >= FILEPAGES_INDEX_LIMIT)
		return -EFBIG;
	struct memfile *mf = memfs_memfile(mi->vfs.sb);
	int rc = mf ? fill_pages(mi, mf, idx, idx + 1) : -ENOSPC;
	if (rc == 0)
		filepages_lookup(&mi->pages, idx, mpage);
	return rc;
}

/* ---- file mappings ------------------------------------------------------ */

/* Reads the host file into memory-file pages, a run of missing pages
 * [idx, idx + n) at a time straight into the kernel's mapping of the
 * memory file; what the host does not have (past its end) stays zero. */
static int read_lower_run(struct memfs_inode *mi, struct memfile *mf,
			  int fd, uint64_t idx, uint64_t n)
{
	while (n) {
		uint64_t got;
		int64_t p = memfile_alloc_upto(mf, n, &got);
		if (p < 0)
			return -ENOMEM;
		uint8_t *dst = memfile_ptr(mf, (uint64_t)p);
		/* Never more than the size the file had at lookup: the
		 * tail of the last page reads zero even if the host file
		 * grew (a restore would refuse it anyway). */
		uint64_t bytes = got * PAGE_SIZE, left = mi->vfs.size -
							 idx * PAGE_SIZE;
		if (bytes > left)
			bytes = left;
		for (uint64_t done = 0; done < bytes;) {
			ssize_t r = pread(fd, dst + done, bytes - done,
					  (off_t)(idx * PAGE_SIZE + done));
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				int e = errno;
				memfile_unref(mf, (uint64_t)p, got);
				return -e;
			}
			if (r == 0)
				break;
			done += (uint64_t)r;
		}
		for (uint64_t k = 0; k < got; k++)
			filepages_set(&mi->pages, idx + k, (uint64_t)p + k);
		idx += got;
		n -= got;
	}
	return 0;
}

/* The page cache of a lower-layer file: its pages read once into the
 * page index, so every mapping of it (and every process) shares one
 * copy, and a checkpoint saves them instead of reading them again. */
static int cache_lower(struct memfs_inode *mi, struct memfile *mf, int fd,
		       uint64_t first, uint64_t end)
{
	uint64_t idx = first, mp;
	while (idx < end) {
		if (filepages_lookup(&mi->pages, idx, &mp)) {
			idx++;
			continue;
		}
		uint64_t run = 1;
		while (idx + run < end &&
		       !filepages_lookup(&mi->pages, idx + run, &mp))
			run++;
		int rc = read_lower_run(mi, mf, fd, idx, run);
		if (rc < 0)
			return rc;
		idx += run;
	}
	return 0;
}

int64_t memfs_map_pages(struct memfs_inode *mi, int host_fd, uint64_t idx,
			uint64_t n, uint64_t *mpages)
{
	uint64_t end = pages_for(mi->vfs.size);
	if (idx >= end)
		return 0;
	if (n > end - idx)
		n = end - idx;
	struct memfile *mf = memfs_memfile(mi->vfs.sb);
	if (!mf)
		return -ENOMEM;
	int rc = mi->lower ? cache_lower(mi, mf, host_fd, idx, idx + n)
			   : fill_pages(mi, mf, idx, idx + n);
	/* What could be filled is used, even if the rest could not. */
	uint64_t got = 0;
	while (got < n &&
	       filepages_lookup(&mi->pages, idx + got, &mpages[got])) {
		memfile_ref(mf, mpages[got], 1);
		got++;
	}
	if (got == 0)
		return rc < 0 ? rc : -ENOMEM;
	return (int64_t)got;
}
