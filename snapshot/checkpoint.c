#include "snapshot/checkpoint.h"

#include <stdlib.h>

#include "core/kernel.h"
#include "core/memfile.h"
#include "snapshot/codec.h"

struct memory_walk {
	struct image_writer *w;
	const struct memfile *mf;
	struct error *err;
};

static int add_run(uint64_t page, uint64_t npages, void *arg)
{
	struct memory_walk *mw = arg;
	return image_writer_add_memory(mw->w, page, memfile_ptr(mw->mf, page),
				       npages, mw->err);
}

/* The kernel state first, then memory: a reader can decode the graph
 * before it touches any chunk (lazy restore reads chunks later). */
static int write_sections(struct image_writer *w, struct kernel *k,
			  struct error *err)
{
	void *state;
	size_t len;
	int rc = codec_encode(&codec_type_kernel, k, &state, &len, err);
	if (rc < 0)
		return error_prefix(err, "encoding the kernel");
	rc = image_writer_add_section(w, IMAGE_SECTION_KERNEL, state, len, err);
	free(state);
	if (rc < 0)
		return rc;
	struct memory_walk mw = { w, k->memfile, err };
	return memfile_for_each_used(k->memfile, add_run, &mw);
}

int checkpoint_write(struct kernel *k, const char *path,
		     const struct image_options *opts, struct error *err)
{
	struct image_writer *w;
	k->frozen_monotonic_ns = kernel_monotonic_ns(k);
	/* The features the programs were shown, unless the caller chose. */
	struct image_cpu_features cpu;
	struct image_options o = *opts;
	if (!o.cpu) {
		kernel_cpu_features(k, &cpu);
		o.cpu = &cpu;
	}
	int rc = image_writer_open(&w, path, &o, err);
	if (rc < 0)
		return rc;
	rc = write_sections(w, k, err);
	if (rc < 0) {
		image_writer_abort(w);
		return rc;
	}
	return image_writer_commit(w, err);
}
