/* File mappings (core/mm* with memfs files): a private mapping shares the
 * file's pages until a write copies one; a shared mapping writes the
 * file; a lower-layer file is read once into its page cache, which every
 * mapping shares; nothing past the end of the file; the mapping keeps
 * the file alive after close and unlink; fork shares; everything is
 * released (no page leaks); and a kernel with file mappings round-trips,
 * its pages still shared between the file and the mappings after a full
 * decode. */
#include <errno.h>
#include <sys/mman.h>

#include "core/fs/dentry.h"
#include "core/fs/memfs.h"
#include "core/mm_internal.h"
#include "tests/unit/fs_fixture.h"

#define P PAGE_SIZE
#define A 0x10000000ull
#define R PLATFORM_ACCESS_READ
#define W PLATFORM_ACCESS_WRITE

static struct fs_fixture fx;
static struct error err;

static struct file *open_file(const char *path, uint32_t flags)
{
	struct file *f = NULL;
	if (vfs_open(fx.t, AT_FDCWD, path, flags, 0644, &f) < 0)
		return NULL;
	return f;
}

static int64_t map(struct file *f, uint64_t addr, uint64_t len, int prot,
		   uint32_t flags, uint64_t pgoff)
{
	struct mm_file_map fm = { .file = f, .pgoff = pgoff, .name = "/x",
				  .dev = 1, .ino = 2 };
	return mm_map_file(fx.t->mm, addr, len, prot, flags, true, false, &fm);
}

static uint64_t vpage(uint64_t addr)
{
	uint64_t mp = UINT64_MAX;
	mm_pt_lookup(fx.t->mm->pt, addr / P, &mp);
	return mp;
}

static uint64_t file_page(struct file *f, uint64_t idx)
{
	uint64_t mp = UINT64_MAX;
	filepages_lookup(&MEMFS_I(f->dentry->inode)->pages, idx, &mp);
	return mp;
}

static uint32_t refs(uint64_t mpage)
{
	return memfile_refcount(fx.k->memfile, mpage);
}

/* A tmpfs file of two pages and 100 bytes: 'a', 'b', 'c' pages. */
static struct file *make_file(const char *path)
{
	struct file *f = open_file(path, O_RDWR | O_CREAT);
	static char buf[2 * P + 100];
	memset(buf, 'a', P);
	memset(buf + P, 'b', P);
	memset(buf + 2 * P, 'c', 100);
	if (f && f->ops->write(f, fx.t, buf, sizeof(buf)) != sizeof(buf)) {
		file_put(f);
		return NULL;
	}
	return f;
}

TEST(private_mapping_shares_until_written)
{
	CHECK_EQ(fx_setup(&fx, __func__), 0);
	uint64_t in_use = fx.k->memfile->pages_in_use;
	struct file *f = make_file("/tmp/f");
	CHECK(f);
	CHECK_EQ(map(f, A, 4 * P, PROT_READ | PROT_WRITE, 0, 0), (int64_t)A);
	char c = 0;
	CHECK_EQ(mm_copy_from(fx.t->mm, &c, A + P + 5, 1), 0);
	CHECK_EQ(c, 'b');
	/* One fault maps the whole file: its own pages, one more ref. */
	CHECK_EQ(vpage(A), file_page(f, 0));
	CHECK_EQ(vpage(A + 2 * P), file_page(f, 2));
	CHECK_EQ(refs(file_page(f, 0)), 2);
	CHECK(!mm_page_present(fx.t->mm, A + 3 * P));
	/* The tail of the last page reads zero; past it is SIGBUS. */
	CHECK_EQ(mm_copy_from(fx.t->mm, &c, A + 2 * P + 100, 1), 0);
	CHECK_EQ(c, 0);
	CHECK_EQ(mm_handle_fault(fx.t->mm, A + 3 * P, R), -EIO);
	CHECK_EQ(mm_copy_from(fx.t->mm, &c, A + 3 * P, 1), -EFAULT);
	/* A write copies; the file keeps its byte. */
	CHECK_EQ(mm_handle_fault(fx.t->mm, A + 10, W), 0);
	CHECK(vpage(A) != file_page(f, 0));
	CHECK_EQ(refs(file_page(f, 0)), 1);
	CHECK_EQ(mm_copy_to(fx.t->mm, A + 10, "Z", 1), 0);
	char buf[2];
	CHECK_EQ(f->ops->pread(f, fx.t, buf, 1, 10), 1);
	CHECK_EQ(buf[0], 'a');
	/* The file changing shows in pages not yet copied. */
	CHECK_EQ(f->ops->pwrite(f, fx.t, "Q", 1, P), 1);
	CHECK_EQ(mm_copy_from(fx.t->mm, &c, A + P, 1), 0);
	CHECK_EQ(c, 'Q');
	/* Discarding re-reads the file. */
	CHECK_EQ(mm_discard(fx.t->mm, A, P), 0);
	CHECK_EQ(mm_copy_from(fx.t->mm, &c, A + 10, 1), 0);
	CHECK_EQ(c, 'a');
	CHECK_EQ(mm_unmap(fx.t->mm, A, 4 * P), 0);
	CHECK_EQ(refs(file_page(f, 0)), 1);
	file_put(f);
	CHECK_EQ(vfs_unlink(fx.t, AT_FDCWD, "/tmp/f"), 0);
	CHECK_EQ(fx.k->memfile->pages_in_use, in_use);
	fx_teardown(&fx);
}

TEST(shared_mapping_writes_the_file_and_outlives_it)
{
	CHECK_EQ(fx_setup(&fx, __func__), 0);
	uint64_t in_use = fx.k->memfile->pages_in_use;
	struct file *f = make_file("/tmp/s");
	CHECK(f);
	CHECK_EQ(map(f, A, 3 * P, PROT_READ | PROT_WRITE, VMA_SHARED, 1),
		 (int64_t)A);
	CHECK_EQ(mm_copy_to(fx.t->mm, A + 1, "xy", 2), 0);
	CHECK_EQ(vpage(A), file_page(f, 1));
	char buf[4] = { 0 };
	CHECK_EQ(f->ops->pread(f, fx.t, buf, 3, P), 3);
	CHECK(!memcmp(buf, "bxy", 3));
	/* Split by mprotect, forked: still the file's pages. */
	CHECK_EQ(mm_protect(fx.t->mm, A + P, P, PROT_READ), 0);
	struct mm *child;
	CHECK_EQ(mm_fork(fx.t->mm, &child), 0);
	CHECK_EQ(refs(file_page(f, 1)), 3);
	mm_put(child);
	CHECK_EQ(refs(file_page(f, 1)), 2);
	/* Close and unlink: the mapping holds the file. */
	file_put(f);
	CHECK_EQ(vfs_unlink(fx.t, AT_FDCWD, "/tmp/s"), 0);
	CHECK_EQ(mm_copy_from(fx.t->mm, buf, A, 3), 0);
	CHECK(!memcmp(buf, "bxy", 3));
	CHECK_EQ(mm_unmap(fx.t->mm, A, 3 * P), 0);
	CHECK_EQ(fx.k->memfile->pages_in_use, in_use);
	fx_teardown(&fx);
}

TEST(read_only_file_cannot_become_shared_writable)
{
	CHECK_EQ(fx_setup(&fx, __func__), 0);
	struct file *f = make_file("/tmp/r");
	file_put(f);
	f = open_file("/tmp/r", O_RDONLY);
	CHECK(f);
	CHECK_EQ(map(f, A, P, PROT_READ, VMA_SHARED, 0), (int64_t)A);
	CHECK_EQ(mm_protect(fx.t->mm, A, P, PROT_READ | PROT_WRITE), -EACCES);
	CHECK_EQ(map(f, A + P, P, PROT_READ, 0, 0), (int64_t)(A + P));
	CHECK_EQ(mm_protect(fx.t->mm, A + P, P, PROT_READ | PROT_WRITE), 0);
	file_put(f);
	fx_teardown(&fx);
}

TEST(lower_file_pages_are_read_once_and_shared)
{
	CHECK_EQ(fx_setup(&fx, __func__), 0);
	struct file *f = open_file("/etc/passwd", O_RDONLY);
	struct file *g = open_file("/etc/passwd", O_RDONLY);
	CHECK(f && g);
	CHECK(memfs_is_lower_data(MEMFS_I(f->dentry->inode)));
	CHECK_EQ(map(f, A, 2 * P, PROT_READ, 0, 0), (int64_t)A);
	CHECK_EQ(map(g, A + 4 * P, P, PROT_READ | PROT_WRITE, 0, 0),
		 (int64_t)(A + 4 * P));
	char buf[16] = { 0 };
	CHECK_EQ(mm_copy_from(fx.t->mm, buf, A, 12), 0);
	CHECK(!memcmp(buf, "root:x:0:0\n\0", 12));
	CHECK_EQ(mm_copy_from(fx.t->mm, buf, A + 4 * P, 4), 0);
	CHECK_EQ(vpage(A), vpage(A + 4 * P));
	CHECK_EQ(vpage(A), file_page(f, 0));
	CHECK_EQ(refs(vpage(A)), 3);
	CHECK_EQ(mm_handle_fault(fx.t->mm, A + P, R), -EIO);
	/* A private write copies; the host file never changes. */
	CHECK_EQ(mm_copy_to(fx.t->mm, A + 4 * P, "ROOT", 4), 0);
	CHECK(vpage(A + 4 * P) != vpage(A));
	char host[32];
	CHECK(host_read(&fx, "etc/passwd", host, sizeof(host)) > 0);
	CHECK(!strcmp(host, "root:x:0:0\n"));
	/* A copy-up keeps the cached page as the file's data. */
	uint64_t cached = file_page(f, 0);
	CHECK_EQ(fx_write(&fx, "/etc/passwd", "r", 0), 0);
	CHECK_EQ(file_page(f, 0), cached);
	CHECK_EQ(mm_copy_from(fx.t->mm, buf, A, 4), 0);
	CHECK(!memcmp(buf, "root", 4));
	file_put(f);
	file_put(g);
	fx_teardown(&fx);
}

/* ---- save and restore --------------------------------------------------- */

static struct file *shared_f, *lower_f;

/* A shared mapping of a tmpfs file (written through), a private one of
 * a lower file (read), and one private page copied. */
static int populate(const char *name)
{
	if (fx_setup(&fx, name) < 0)
		return -1;
	shared_f = make_file("/tmp/saved");
	lower_f = open_file("/data/a.txt", O_RDONLY);
	if (!shared_f || !lower_f ||
	    map(shared_f, A, 3 * P, PROT_READ | PROT_WRITE, VMA_SHARED,
		0) < 0 ||
	    map(lower_f, A + 8 * P, P, PROT_READ | PROT_WRITE, 0, 0) < 0 ||
	    map(shared_f, A + 16 * P, 3 * P, PROT_READ | PROT_WRITE, 0, 0) < 0)
		return -1;
	char c;
	if (mm_copy_to(fx.t->mm, A + 5, "S", 1) < 0 ||
	    mm_copy_from(fx.t->mm, &c, A + 8 * P, 1) < 0 ||
	    mm_copy_from(fx.t->mm, &c, A + 16 * P, 1) < 0 ||
	    mm_copy_to(fx.t->mm, A + 17 * P, "P", 1) < 0)
		return -1;
	/* The mappings alone hold the files. */
	file_put(shared_f);
	file_put(lower_f);
	return vfs_unlink(fx.t, AT_FDCWD, "/tmp/saved");
}

TEST(file_mappings_round_trip_exactly)
{
	CHECK(fx_round_trips(&fx, populate(__func__), &err));
}

TEST(file_mappings_stay_shared_after_restore)
{
	CHECK_EQ(populate(__func__), 0);
	void *buf;
	size_t len;
	CHECK_EQ(codec_encode(&codec_type_kernel, fx.k, &buf, &len, &err), 0);
	struct memfile *mf = fx.k->memfile;
	uint64_t npages = mf->end_page;
	uint8_t *pages = malloc(npages * P + 1);
	memcpy(pages, mf->base, npages * P);
	fx_teardown(&fx);
	struct kernel_restore r = { NULL, NULL };
	void *root = NULL;
	int rc = codec_decode(&kernel_registry, &codec_type_kernel, buf, len,
			      &r, 0, &root, &err);
	free(buf);
	if (rc < 0)
		fprintf(stderr, "%s\n", err.msg);
	CHECK_EQ(rc, 0);
	fx.k = root;
	fx.t = fx.k->tasks;
	memcpy(fx.k->memfile->base, pages, npages * P);
	free(pages);
	struct mm *mm = fx.t->mm;
	struct vma *sv = mm_vma_find(mm, A), *lv = mm_vma_find(mm, A + 8 * P);
	struct vma *pv = mm_vma_find(mm, A + 16 * P);
	CHECK(sv && lv && pv && sv->file && lv->file && sv->file == pv->file);
	CHECK(sv->file->refs >= 2 && sv->ino == 2);
	/* Shared: the file's page, written through, still shared. */
	CHECK_EQ(vpage(A), file_page(sv->file, 0));
	CHECK_EQ(vpage(A + 16 * P), file_page(sv->file, 0));
	CHECK_EQ(refs(vpage(A)), 3);
	CHECK_EQ(mm_copy_to(mm, A + 6, "T", 1), 0);
	char got[8] = { 0 };
	CHECK_EQ(sv->file->ops->pread(sv->file, fx.t, got, 3, 4), 3);
	CHECK(!memcmp(got, "aST", 3));
	/* The private copy stays private; the lower page is the cache's. */
	CHECK(vpage(A + 17 * P) != file_page(sv->file, 1));
	CHECK_EQ(mm_copy_from(mm, got, A + 17 * P, 2), 0);
	CHECK(!memcmp(got, "Pb", 2));
	CHECK_EQ(vpage(A + 8 * P), file_page(lv->file, 0));
	CHECK_EQ(mm_copy_from(mm, got, A + 8 * P, 6), 0);
	CHECK(!memcmp(got, "alpha\n", 6));
	fx_teardown(&fx);
}
