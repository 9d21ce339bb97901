/* A directory's entries as one getdents(2) sequence sees them: listed
 * when the directory is read from offset 0 (so a rewind sees changes),
 * then served by index, which is the file offset. Kept by the open
 * directory and saved with it, so a restored reader continues where it
 * was. */
#ifndef CORE_FS_DIR_LISTING_H
#define CORE_FS_DIR_LISTING_H

#include <stdint.h>

#include "snapshot/codec.h"

struct dir_entry {
	uint64_t ino;
	uint8_t type;              /* DT_* */
	char *name;
};

struct dir_listing {
	struct dir_entry *ents;
	uint32_t n, cap;
};

/* Appends an entry; 0 or -ENOMEM. */
int dir_listing_add(struct dir_listing *l, const char *name, uint64_t ino,
		    uint8_t type);
void dir_listing_clear(struct dir_listing *l);

/* Writes entries from *index on as struct linux_dirent64 records into
 * buf (at most size bytes), advancing *index; returns the bytes written,
 * or -EINVAL when the first entry does not fit. */
int64_t dir_listing_emit(const struct dir_listing *l, uint64_t *index,
			 void *buf, size_t size);

void dir_listing_save(struct encoder *enc, const struct dir_listing *l);
void dir_listing_load(struct decoder *dec, struct dir_listing *l);

#endif
