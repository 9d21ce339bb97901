/* Opening an image: the header, the section table and the sections'
 * checksums, then the memory index (image_memindex.c). Nothing read from
 * the buffer is used before it is checked, and every allocation is bounded
 * by the buffer's size, so any input yields an image or a one-line error. */
#include "snapshot/image_reader.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#define HEADER_MIN sizeof(struct image_disk_header)
#define ENTRY_MIN sizeof(struct image_disk_section)

static uint32_t get_le32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

const char *image_section_name(uint32_t kind)
{
	switch (kind) {
	case IMAGE_SECTION_KERNEL:
		return "kernel";
	case IMAGE_SECTION_MEMINDEX:
		return "memory-index";
	case IMAGE_SECTION_MEMDATA:
		return "memory-data";
	default:
		return "unknown";
	}
}

static bool section_kind_known(uint32_t kind)
{
	return kind >= IMAGE_SECTION_KERNEL && kind <= IMAGE_SECTION_MEMDATA;
}

/* Magic, then version before anything else: a newer image may have
 * changed every other field, and saying "newer" beats "corrupt". */
static int read_identity(const struct image *img, struct error *err)
{
	const uint8_t *b = img->buf;
	size_t len = img->len;
	if (len == 0)
		return error_set(err, EBADMSG, "empty file: not a snapctl image");
	if (memcmp(b, IMAGE_MAGIC, len < IMAGE_MAGIC_LEN ? len : IMAGE_MAGIC_LEN))
		return error_set(err, EBADMSG, "bad magic: not a snapctl image");
	if (len < offsetof(struct image_disk_header, header_size))
		return error_set(err, EBADMSG, "truncated: file is %zu bytes, "
				 "header needs %zu", len, HEADER_MIN);
	uint32_t version = get_le32(b + offsetof(struct image_disk_header,
						 format_version));
	if (version > IMAGE_FORMAT_VERSION)
		return error_set(err, ENOTSUP, "image format version %u is "
				 "newer than this snapctl reads (%u)", version,
				 IMAGE_FORMAT_VERSION);
	if (version == 0)
		return error_set(err, EBADMSG, "bad format version 0");
	return 0;
}

static void header_info(struct image *img, const struct image_disk_header *h)
{
	struct image_header_info *i = &img->info;
	i->format_version = le32toh(h->format_version);
	i->arch = le32toh(h->arch);
	i->flags = le32toh(h->flags);
	i->created_ns = le64toh(h->created_ns);
	i->cpu.leaf1_ecx = le32toh(h->cpu_leaf1_ecx);
	i->cpu.leaf1_edx = le32toh(h->cpu_leaf1_edx);
	i->cpu.leaf7_ebx = le32toh(h->cpu_leaf7_ebx);
	i->cpu.leaf7_ecx = le32toh(h->cpu_leaf7_ecx);
	i->cpu.leaf7_edx = le32toh(h->cpu_leaf7_edx);
	i->cpu.ext1_ecx = le32toh(h->cpu_ext1_ecx);
	i->cpu.ext1_edx = le32toh(h->cpu_ext1_edx);
	i->cpu.xsave_size = le32toh(h->cpu_xsave_size);
	i->cpu.xcr0 = le64toh(h->cpu_xcr0);
}

static int read_header(struct image *img, struct image_disk_header *h,
		       struct error *err)
{
	int rc = read_identity(img, err);
	if (rc < 0)
		return rc;
	if (img->len < HEADER_MIN)
		return error_set(err, EBADMSG, "truncated: file is %zu bytes, "
				 "header needs %zu", img->len, HEADER_MIN);
	memcpy(h, img->buf, sizeof(*h));
	uint32_t size = le32toh(h->header_size);
	if (size < HEADER_MIN)
		return error_set(err, EBADMSG, "bad header size %u", size);
	if (size > img->len)
		return error_set(err, EBADMSG, "truncated: file is %zu bytes, "
				 "header needs %u", img->len, size);
	if (image_header_checksum(img->buf, size) != le64toh(h->header_checksum))
		return error_set(err, EBADMSG, "header checksum mismatch");
	header_info(img, h);
	if (img->info.arch != IMAGE_ARCH_X86_64)
		return error_set(err, ENOTSUP, "wrong architecture: image is "
				 "for ELF machine %u, this host is x86-64 (%u)",
				 img->info.arch, IMAGE_ARCH_X86_64);
	return 0;
}

/* Where the table is and that it is whole and intact. */
static int check_table(const struct image *img,
		       const struct image_disk_header *h, struct error *err)
{
	uint64_t off = le64toh(h->table_offset);
	uint32_t count = le32toh(h->table_count);
	uint32_t esize = le32toh(h->table_entry_size);
	if (esize < ENTRY_MIN)
		return error_set(err, EBADMSG, "bad section table entry size %u",
				 esize);
	if (off < le32toh(h->header_size))
		return error_set(err, EBADMSG, "section table at offset %llu "
				 "overlaps the header", (unsigned long long)off);
	uint64_t size = (uint64_t)count * esize; /* < 2^64: both < 2^32 */
	if (size > UINT64_MAX - off)
		return error_set(err, EBADMSG, "section table size overflows");
	if (off + size > img->len)
		return error_set(err, EBADMSG, "truncated: file is %zu bytes, "
				 "section table needs %llu", img->len,
				 (unsigned long long)(off + size));
	if (XXH3_64bits(img->buf + off, size) != le64toh(h->table_checksum))
		return error_set(err, EBADMSG, "section table checksum mismatch");
	return 0;
}

static int read_entry(struct image *img, const struct image_disk_header *h,
		      size_t i, struct error *err)
{
	uint64_t table = le64toh(h->table_offset);
	struct image_disk_section d;
	memcpy(&d, img->buf + table + i * le32toh(h->table_entry_size),
	       sizeof(d));
	struct image_section_entry *s = &img->sections[i];
	s->kind = le32toh(d.kind);
	s->offset = le64toh(d.offset);
	s->length = le64toh(d.length);
	s->checksum = le64toh(d.checksum);
	/* Sections lie between the header and the table. */
	if (s->offset < le32toh(h->header_size) || s->offset > table ||
	    s->length > table - s->offset)
		return error_set(err, EBADMSG, "section %zu ('%s') at offset "
				 "%llu, length %llu lies outside %u..%llu", i,
				 image_section_name(s->kind),
				 (unsigned long long)s->offset,
				 (unsigned long long)s->length,
				 le32toh(h->header_size),
				 (unsigned long long)table);
	return 0;
}

/* Known kinds appear once; their checksums are verified (memory-data's
 * with the memory index). Unknown kinds are a later writer's: skipped. */
static int check_section(const struct image *img, size_t i,
			 struct error *err)
{
	const struct image_section_entry *s = &img->sections[i];
	if (!section_kind_known(s->kind))
		return 0;
	for (size_t j = 0; j < i; j++)
		if (img->sections[j].kind == s->kind)
			return error_set(err, EBADMSG, "duplicate section '%s'",
					 image_section_name(s->kind));
	if (s->kind != IMAGE_SECTION_MEMDATA &&
	    XXH3_64bits(img->buf + s->offset, s->length) != s->checksum)
		return error_set(err, EBADMSG, "section '%s' checksum mismatch",
				 image_section_name(s->kind));
	return 0;
}

static int read_sections(struct image *img, const struct image_disk_header *h,
			 struct error *err)
{
	size_t count = le32toh(h->table_count);
	/* check_table bounded count by the file size. */
	img->sections = calloc(count ? count : 1, sizeof(*img->sections));
	if (!img->sections)
		return error_set(err, ENOMEM, "out of memory");
	img->nsections = count;
	for (size_t i = 0; i < count; i++) {
		int rc = read_entry(img, h, i, err);
		if (rc == 0)
			rc = check_section(img, i, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int image_open_buffer(struct image **out, const void *buf, size_t len,
		      struct error *err)
{
	*out = NULL;
	struct image *img = calloc(1, sizeof(*img));
	if (!img)
		return error_set(err, ENOMEM, "out of memory");
	img->buf = buf;
	img->len = len;
	struct image_disk_header h;
	int rc = read_header(img, &h, err);
	if (rc == 0)
		rc = check_table(img, &h, err);
	if (rc == 0)
		rc = read_sections(img, &h, err);
	if (rc == 0)
		rc = image_memindex_load(img, err);
	if (rc < 0) {
		image_close(img);
		return rc;
	}
	*out = img;
	return 0;
}

static int map_file(const char *path, void **map, size_t *len,
		    struct error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, errno, "%s", path);
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) < 0)
		rc = error_set_errno(err, errno, "%s: stat", path);
	else if (!S_ISREG(st.st_mode))
		rc = error_set(err, EINVAL, "%s: not a regular file", path);
	*map = NULL;
	*len = rc == 0 ? (size_t)st.st_size : 0;
	if (rc == 0 && *len > 0) {
		*map = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (*map == MAP_FAILED) {
			*map = NULL;
			rc = error_set_errno(err, errno, "%s: mmap", path);
		}
	}
	close(fd);
	return rc;
}

int image_open(struct image **out, const char *path, struct error *err)
{
	*out = NULL;
	void *map = NULL;
	size_t len = 0;
	int rc = map_file(path, &map, &len, err);
	if (rc < 0)
		return rc;
	rc = image_open_buffer(out, map ? map : "", len, err);
	if (rc < 0) {
		if (map)
			munmap(map, len);
		return error_prefix(err, "%s", path);
	}
	(*out)->map = map;
	(*out)->map_len = len;
	return 0;
}

void image_close(struct image *img)
{
	if (!img)
		return;
	image_memindex_free(img);
	free(img->sections);
	if (img->map)
		munmap(img->map, img->map_len);
	free(img);
}

const struct image_header_info *image_header(const struct image *img)
{
	return &img->info;
}

const void *image_section(const struct image *img, uint32_t kind,
			  size_t *len)
{
	for (size_t i = 0; i < img->nsections; i++) {
		if (img->sections[i].kind == kind) {
			*len = img->sections[i].length;
			return img->buf + img->sections[i].offset;
		}
	}
	*len = 0;
	return NULL;
}

size_t image_section_count(const struct image *img)
{
	return img->nsections;
}

void image_section_at(const struct image *img, size_t i, uint32_t *kind,
		      uint64_t *offset, uint64_t *length, uint64_t *checksum)
{
	if (i >= img->nsections) {
		*kind = 0;
		*offset = *length = *checksum = 0;
		return;
	}
	const struct image_section_entry *s = &img->sections[i];
	*kind = s->kind;
	*offset = s->offset;
	*length = s->length;
	*checksum = s->checksum;
}
