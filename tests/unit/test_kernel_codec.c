/* Round trip of a whole kernel object graph -- kernel, memory file,
 * address spaces, tasks, thread groups, fd tables, host files -- without
 * a platform: encode(decode(encode(k))) == encode(k), malformed encodings
 * fail cleanly, and a full decode (after-load hooks included) rebuilds a
 * kernel whose memory and registers are the saved ones. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/fdtable.h"
#include "core/file.h"
#include "core/hostfile.h"
#include "core/kernel.h"
#include "core/memfile.h"
#include "core/mm.h"
#include "core/task.h"
#include "tests/unit/harness.h"
#include "tests/unit/kernel_roundtrip.h"

#define RW (PROT_READ | PROT_WRITE)

static void fill_cpu(struct task *t, uint8_t seed)
{
	uint64_t regs[27];
	for (int i = 0; i < 27; i++)
		regs[i] = 0x0101010101010101ull * (uint64_t)(seed + i);
	memcpy(&t->cpu.regs, regs, sizeof(regs));
	t->cpu.xsave_size = 832;
	for (unsigned i = 0; i < t->cpu.xsave_size; i++)
		t->cpu.xsave[i] = (uint8_t)(seed * 7 + i);
}

static struct task *make_process(struct kernel *k, struct thread_group *parent,
				 uint64_t base, const char *data)
{
	struct task *t;
	if (task_create_process(k, parent, &t) < 0 || mm_create(k, &t->mm) < 0)
		return NULL;
	if (mm_map_anon(t->mm, base, 64 * 4096, RW, 0, true, false) !=
	    (int64_t)base)
		return NULL;
	if (mm_copy_to(t->mm, base + 4096 * 3, data, strlen(data) + 1) < 0)
		return NULL;
	t->mm->brk_start = t->mm->brk = base + 64 * 4096;
	t->mm->mmap_base = 0x7f0000000000;
	strcpy(t->tg->comm, "proc");
	fill_cpu(t, (uint8_t)t->tid);
	t->uid = t->euid = 1000;
	return t;
}

/* pid 1 with stdio and a dup'ed stdout at fd 7; pid 2, its child,
 * sharing pid 1's fd table. */
static struct kernel *make_kernel(void)
{
	struct kernel *k = calloc(1, sizeof(*k));
	if (!k || memfile_create(&k->memfile, 1ull << 30) < 0)
		return NULL;
	k->next_tid = 1;
	strcpy(k->hostname, "roundtrip");
	struct task *init = make_process(k, NULL, 0x400000, "first");
	if (!init || !(init->files = fdtable_create()))
		return NULL;
	for (int fd = 0; fd < 3; fd++)
		fdtable_install(init->files, hostfile_open(k, fd), fd, false);
	struct file *out = fdtable_get(init->files, 1);
	file_get(out);
	fdtable_install(init->files, out, 7, true);
	struct task *child = make_process(k, init->tg, 0x800000, "second");
	if (!child)
		return NULL;
	child->files = init->files;
	init->files->refs++;
	return k;
}

static void free_kernel(struct kernel *k)
{
	kernel_destroy(k);
}

static struct error err;

TEST(kernel_graph_round_trip_is_exact)
{
	struct kernel *k = make_kernel();
	CHECK(k != NULL);
	bool ok = kernel_round_trips(k, &err);
	free_kernel(k);
	CHECK(ok);
}

static int decode_kernel(const void *buf, size_t len, struct kernel **out)
{
	struct kernel_restore r = { NULL, NULL };
	void *root = NULL;
	int rc = codec_decode(&kernel_registry, &codec_type_kernel, buf, len,
			      &r, 0, &root, &err);
	*out = root;
	return rc;
}

TEST(full_decode_restores_memory_registers_and_files)
{
	struct kernel *k = make_kernel();
	CHECK(k != NULL);
	void *buf;
	size_t len;
	CHECK(codec_encode(&codec_type_kernel, k, &buf, &len, &err) == 0);
	/* What the snapshot layer does with the image's memory chunks. */
	struct memfile *mf = k->memfile;
	uint64_t used_end = mf->end_page;
	uint8_t *saved = malloc(used_end * PAGE_SIZE + 1);
	memcpy(saved, mf->base, used_end * PAGE_SIZE);
	free_kernel(k);

	struct kernel *d;
	int rc = decode_kernel(buf, len, &d);
	free(buf);
	if (rc < 0)
		fprintf(stderr, "%s\n", err.msg);
	CHECK(rc == 0 && d != NULL);
	memcpy(d->memfile->base, saved, used_end * PAGE_SIZE);
	free(saved);

	struct task *init = d->tasks, *child = init ? init->next : NULL;
	CHECK(init && child && !child->next);
	CHECK_EQ(init->tid, 1);
	CHECK(child->tg->parent == init->tg);
	CHECK(child->files == init->files);
	CHECK_EQ(init->files->refs, 2);
	CHECK(fdtable_get(init->files, 7) == fdtable_get(init->files, 1));
	CHECK(init->files->fds[7].cloexec);
	CHECK_EQ(fdtable_get(init->files, 1)->refs, 2);
	CHECK(((struct hostfile *)fdtable_get(init->files, 1))->kernel == d);
	CHECK(init->kernel == d && child->kernel == d);
	CHECK_EQ(child->cpu.regs.rip, 0x0101010101010101ull * (2 + 16));
	CHECK_EQ(child->cpu.xsave[5], (uint8_t)(2 * 7 + 5));
	char text[8];
	CHECK(mm_copy_from(child->mm, text, 0x800000 + 4096 * 3, 7) == 0);
	CHECK(strcmp(text, "second") == 0);
	CHECK(strcmp(d->hostname, "roundtrip") == 0);
	CHECK_EQ(d->live_tasks, 2);
	free_kernel(d);
}

TEST(malformed_kernel_encodings_fail_cleanly)
{
	struct kernel *k = make_kernel();
	CHECK(k != NULL);
	void *buf;
	size_t len;
	CHECK(codec_encode(&codec_type_kernel, k, &buf, &len, &err) == 0);
	free_kernel(k);
	uint8_t *copy = malloc(len);
	size_t accepted = 0;
	/* Every truncation fails; flipped bytes either fail or decode to a
	 * kernel that tears down cleanly (ASan checks both). */
	for (size_t cut = 0; cut < len; cut += 7) {
		struct kernel *d;
		memcpy(copy, buf, cut);
		CHECK(decode_kernel(copy, cut, &d) < 0 && d == NULL);
	}
	for (size_t i = 0; i < len; i += 3) {
		struct kernel *d;
		memcpy(copy, buf, len);
		copy[i] ^= 0x41;
		if (decode_kernel(copy, len, &d) == 0) {
			accepted++;
			free_kernel(d);
		}
	}
	free(copy);
	free(buf);
	CHECK(accepted < len / 3);
}
