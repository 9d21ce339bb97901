/* Directory listings. See dir_listing.h. */
#include "core/fs/dir_listing.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* struct linux_dirent64, as getdents64(2) returns it. */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
	char d_name[];
};

int dir_listing_add(struct dir_listing *l, const char *name, uint64_t ino,
		    uint8_t type)
{
	if (l->n == l->cap) {
		uint32_t cap = l->cap ? l->cap * 2 : 16;
		struct dir_entry *e = realloc(l->ents, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		l->ents = e;
		l->cap = cap;
	}
	char *copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	l->ents[l->n++] = (struct dir_entry){ ino, type, copy };
	return 0;
}

void dir_listing_clear(struct dir_listing *l)
{
	for (uint32_t i = 0; i < l->n; i++)
		free(l->ents[i].name);
	free(l->ents);
	*l = (struct dir_listing){ 0 };
}

int64_t dir_listing_emit(const struct dir_listing *l, uint64_t *index,
			 void *buf, size_t size)
{
	size_t at = 0;
	for (uint64_t i = *index; i < l->n; i++) {
		const struct dir_entry *e = &l->ents[i];
		size_t namelen = strlen(e->name);
		size_t reclen = (offsetof(struct linux_dirent64, d_name) +
				 namelen + 1 + 7) & ~(size_t)7;
		if (at + reclen > size) {
			if (at == 0)
				return -EINVAL;
			break;
		}
		struct linux_dirent64 *d = (void *)((char *)buf + at);
		memset(d, 0, reclen);
		d->d_ino = e->ino;
		d->d_off = (int64_t)(i + 1);
		d->d_reclen = (uint16_t)reclen;
		d->d_type = e->type;
		memcpy(d->d_name, e->name, namelen);
		at += reclen;
		*index = i + 1;
	}
	return (int64_t)at;
}

void dir_listing_save(struct encoder *enc, const struct dir_listing *l)
{
	enc_u32(enc, l->n);
	for (uint32_t i = 0; i < l->n; i++) {
		enc_u64(enc, l->ents[i].ino);
		enc_u8(enc, l->ents[i].type);
		enc_str(enc, l->ents[i].name);
	}
}

void dir_listing_load(struct decoder *dec, struct dir_listing *l)
{
	uint32_t n = dec_count(dec, 8 + 1 + 4);
	if (!dec_ok(dec) || n == 0)
		return;
	l->ents = calloc(n, sizeof(*l->ents));
	if (!l->ents) {
		dec_fail(dec, "out of memory for %u directory entries", n);
		return;
	}
	l->cap = n;
	for (uint32_t i = 0; i < n && dec_ok(dec); i++) {
		struct dir_entry *e = &l->ents[i];
		e->ino = dec_u64(dec);
		e->type = dec_u8(dec);
		e->name = dec_str(dec, NAME_MAX);
		if (!dec_ok(dec))
			break;
		l->n = i + 1;
		if (!e->name || !e->name[0] || strchr(e->name, '/'))
			dec_fail(dec, "directory entry %u has a bad name", i);
	}
}
