/* The two checksums of the image format that are not a plain xxh3-64 of
 * a byte range (see image_format.h). */
#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack */
#include <xxhash.h>

#include <endian.h>
#include <string.h>

#include "snapshot/image_format.h"

uint64_t image_header_checksum(const uint8_t *hdr, size_t header_size)
{
	const size_t at = offsetof(struct image_disk_header, header_checksum);
	static const uint8_t zero[sizeof(uint64_t)];
	XXH3_state_t st;
	XXH3_64bits_reset(&st);
	XXH3_64bits_update(&st, hdr, at);
	XXH3_64bits_update(&st, zero, sizeof(zero));
	XXH3_64bits_update(&st, hdr + at + sizeof(zero),
			   header_size - at - sizeof(zero));
	return XXH3_64bits_digest(&st);
}

uint64_t image_memdata_digest(const uint64_t *checksums_le, size_t n)
{
	return XXH3_64bits(checksums_le, n * sizeof(*checksums_le));
}
