/* mkimage [--compress=zstd|lz4|none] [--cpu-all-features] OUT PROG [ARGS...]
 * Test tool: loads PROG as a sandbox's pid 1 without starting it and
 * writes the kernel to an image at OUT -- a real image of a real (if
 * not yet running) sandbox, for tests of `snapctl inspect` and of the
 * image reader and of restore. --cpu-all-features records an image whose
 * programs may use every CPU feature there is: no host offers them all,
 * so restore must refuse it. */
#include <stdio.h>
#include <string.h>

#include "core/kernel.h"
#include "snapshot/checkpoint.h"

extern char **environ;

int main(int argc, char **argv)
{
	struct image_options opts = { .compression = IMAGE_COMPRESS_ZSTD };
	int i = 1;
	if (i < argc && strncmp(argv[i], "--compress=", 11) == 0) {
		const char *c = argv[i++] + 11;
		opts.compression = !strcmp(c, "lz4")    ? IMAGE_COMPRESS_LZ4
				   : !strcmp(c, "none") ? IMAGE_COMPRESS_NONE
							: IMAGE_COMPRESS_ZSTD;
	}
	struct image_cpu_features all;
	if (i < argc && strcmp(argv[i], "--cpu-all-features") == 0) {
		memset(&all, 0xff, sizeof(all));
		opts.cpu = &all;
		i++;
	}
	if (argc - i < 2) {
		fprintf(stderr, "usage: mkimage [--compress=X] "
			"[--cpu-all-features] OUT PROG [ARGS]\n");
		return 2;
	}
	struct kernel_options kopts = { .platform = "ptrace" };
	struct kernel *k;
	struct error err = { 0 };
	int rc = kernel_create(&kopts, &k, &err);
	if (rc == 0)
		rc = kernel_prepare_init(k, argv[i + 1], argv + i + 1, environ,
					 &err);
	if (rc == 0)
		rc = checkpoint_write(k, argv[i], &opts, &err);
	if (rc < 0)
		fprintf(stderr, "mkimage: %s\n", err.msg);
	kernel_destroy(k);
	return rc < 0 ? 1 : 0;
}
