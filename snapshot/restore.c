/* Restore: an image back into a kernel (DESIGN.md "Life of a restore"). */
#include <errno.h>
#include <stdlib.h>

#include "core/kernel.h"
#include "core/memfile.h"
#include "snapshot/checkpoint.h"
#include "snapshot/codec.h"

/* Checks everything that can be checked before anything is created. */
static int verify_image(const struct image *img, const char *path,
			struct error *err)
{
	if (image_verify_memory(img, 0, err) < 0)
		return error_prefix(err, "%s", path);
	struct image_cpu_features host;
	image_cpu_features_host(&host);
	char missing[256];
	if (image_cpu_features_missing(&image_header(img)->cpu, &host, missing,
				       sizeof(missing)) > 0)
		return error_set(err, ENOTSUP,
				 "%s: this host lacks CPU features the saved "
				 "programs may use: %s",
				 path, missing);
	size_t len;
	if (!image_section(img, IMAGE_SECTION_KERNEL, &len))
		return error_set(err, EINVAL, "%s: no kernel state in the image",
				 path);
	return 0;
}

/* Fills the new memory file with the image's pages. The image may not
 * hold pages the memory file does not have. */
static int load_memory(const struct image *img, struct kernel *k,
		       const char *path, struct error *err)
{
	if (image_memory_end_page(img) > k->memfile->end_page)
		return error_set(err, EINVAL,
				 "%s: memory pages beyond the saved memory "
				 "file (%llu > %llu)",
				 path,
				 (unsigned long long)image_memory_end_page(img),
				 (unsigned long long)k->memfile->end_page);
	if (image_read_memory(img, k->memfile->base, 0, err) < 0)
		return error_prefix(err, "%s", path);
	return 0;
}

int checkpoint_restore(const char *path, const struct kernel_options *opts,
		       struct kernel **out, struct error *err)
{
	struct image *img;
	int rc = image_open(&img, path, err);
	if (rc < 0)
		return rc;
	rc = verify_image(img, path, err);
	struct kernel *k = NULL;
	if (rc == 0) {
		size_t len;
		const void *state = image_section(img, IMAGE_SECTION_KERNEL, &len);
		struct kernel_restore r = { NULL, opts };
		void *root = NULL;
		rc = codec_decode(&kernel_registry, &codec_type_kernel, state, len,
				  &r, 0, &root, err);
		if (rc < 0)
			error_prefix(err, "%s", path);
		k = root;
	}
	if (rc == 0 && !k)
		rc = error_set(err, EINVAL, "%s: empty kernel state", path);
	if (rc == 0)
		rc = load_memory(img, k, path, err);
	image_close(img);
	if (rc < 0) {
		kernel_destroy(k);
		return rc;
	}
	*out = k;
	return 0;
}
