/* snapctl inspect PATH: what an image holds, without restoring it. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "snapshot/codec.h"
#include "snapshot/image.h"

static const char *compression_name(uint32_t c)
{
	switch (c) {
	case IMAGE_COMPRESS_NONE: return "none";
	case IMAGE_COMPRESS_LZ4: return "lz4";
	case IMAGE_COMPRESS_ZSTD: return "zstd";
	default: return "unknown";
	}
}

static void print_header(const char *path, const struct image_header_info *h)
{
	char when[64] = "?";
	time_t secs = (time_t)(h->created_ns / 1000000000ull);
	struct tm tm;
	if (gmtime_r(&secs, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	printf("image:         %s\n", path);
	printf("format:        version %" PRIu32 ", %s\n", h->format_version,
	       h->arch == IMAGE_ARCH_X86_64 ? "x86_64" : "unknown arch");
	printf("created:       %s\n", when);
	printf("flags:         0x%" PRIx32 "\n", h->flags);
	printf("cpu:           leaf1 %08" PRIx32 ":%08" PRIx32
	       " leaf7 %08" PRIx32 ":%08" PRIx32 ":%08" PRIx32
	       " ext %08" PRIx32 ":%08" PRIx32 "\n",
	       h->cpu.leaf1_ecx, h->cpu.leaf1_edx, h->cpu.leaf7_ebx,
	       h->cpu.leaf7_ecx, h->cpu.leaf7_edx, h->cpu.ext1_ecx,
	       h->cpu.ext1_edx);
	printf("xsave:         %" PRIu32 " bytes, xcr0 0x%" PRIx64 "\n",
	       h->cpu.xsave_size, h->cpu.xcr0);
}

static void print_sections(const struct image *img)
{
	printf("sections:\n  %-14s %12s %12s  %s\n", "kind", "offset",
	       "length", "xxh3");
	for (size_t i = 0; i < image_section_count(img); i++) {
		uint32_t kind;
		uint64_t off, len, sum;
		image_section_at(img, i, &kind, &off, &len, &sum);
		printf("  %-14s %12" PRIu64 " %12" PRIu64 "  %016" PRIx64 "\n",
		       image_section_name(kind), off, len, sum);
	}
}

static void print_memory(const struct image *img)
{
	struct image_memory_stats st;
	image_memory_stats(img, &st);
	double ratio = st.bytes_compressed
			       ? (double)(st.pages_total * IMAGE_PAGE_SIZE) /
					 (double)st.bytes_compressed
			       : 0.0;
	printf("memory:\n");
	printf("  pages        %" PRIu64 " (%.1f MiB)\n", st.pages_total,
	       (double)st.pages_total * IMAGE_PAGE_SIZE / 1048576.0);
	printf("  zero pages   %" PRIu64 " elided\n", st.pages_zero);
	printf("  stored       %" PRIu64 " pages in %" PRIu64 " chunks (%s)\n",
	       st.pages_stored, st.chunks, compression_name(st.compression));
	printf("  bytes        %" PRIu64 " raw -> %" PRIu64
	       " compressed (ratio %.2f over all pages)\n",
	       st.bytes_raw, st.bytes_compressed, ratio);
}

static void print_type(const char *name, uint32_t version, uint64_t count,
		       void *arg)
{
	(void)arg;
	printf("  %-20s %8" PRIu64 "  (v%" PRIu32 ")\n", name, count, version);
}

static int print_objects(const struct image *img, const char *path)
{
	size_t len;
	const void *kernel = image_section(img, IMAGE_SECTION_KERNEL, &len);
	printf("objects:\n");
	if (!kernel) {
		printf("  (no kernel state section)\n");
		return 0;
	}
	struct error err = { 0 };
	if (codec_census(kernel, len, print_type, NULL, &err) < 0) {
		cli_error("%s: kernel state: %s", path, err.msg);
		return -1;
	}
	return 0;
}

int cmd_inspect(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		cli_error("usage: snapctl inspect PATH");
		return CLI_EXIT_USAGE;
	}
	const char *path = argv[1];
	struct image *img;
	struct error err = { 0 };
	if (image_open(&img, path, &err) < 0) {
		cli_error("%s", err.msg);
		return CLI_EXIT_USAGE;
	}
	/* Opening checks everything but the memory chunks (which restore
	 * may read lazily); inspect vouches for the whole file. */
	if (image_verify_memory(img, 0, &err) < 0) {
		cli_error("%s", err.msg);
		image_close(img);
		return CLI_EXIT_USAGE;
	}
	print_header(path, image_header(img));
	print_sections(img);
	print_memory(img);
	int rc = print_objects(img, path);
	image_close(img);
	return rc < 0 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
}
