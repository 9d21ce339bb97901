/* Reading application memory for the strace formatter: buffers, strings
 * (read page by page, so a string that ends just before an unmapped page
 * still reads), and structs. */
#include <string.h>

#include "core/strace_impl.h"

#define PAGE 4096u

bool sf_read(const struct sfmt *f, void *dst, uint64_t addr, size_t n)
{
	if (!n)
		return true;
	if (!addr || !f->read || addr + n < addr)
		return false;
	return f->read(f->ctx, dst, addr, n) == 0;
}

/* The bytes from addr + got to the end of its page, at most want. */
static size_t page_chunk(uint64_t addr, size_t want)
{
	size_t left = PAGE - (size_t)(addr % PAGE);
	return left < want ? left : want;
}

long sf_read_str(const struct sfmt *f, char *dst, uint64_t addr, size_t max)
{
	size_t got = 0;
	while (got <= max) {
		size_t n = page_chunk(addr + got, max + 1 - got);
		if (!sf_read(f, dst + got, addr + got, n))
			return got >= max ? (long)max + 1 : -1;
		char *nul = memchr(dst + got, '\0', n);
		if (nul)
			return nul - dst;
		got += n;
	}
	return (long)max + 1;
}

void sf_print_str(struct sfmt *f, uint64_t addr, size_t max)
{
	char s[STRACE_PATHLEN + 1];
	if (max > STRACE_PATHLEN)
		max = STRACE_PATHLEN;
	long n = addr ? sf_read_str(f, s, addr, max) : -1;
	if (n < 0) {
		sout_ptr(&f->out, addr);
		return;
	}
	bool more = (size_t)n > max;
	sout_quote(&f->out, (const unsigned char *)s, more ? max : (size_t)n,
		   false);
	if (more)
		sout_puts(&f->out, "...");
}

void sf_print_buf(struct sfmt *f, uint64_t addr, uint64_t n, bool hex)
{
	unsigned char b[STRACE_STRLEN] = { 0 };
	size_t show = n < STRACE_STRLEN ? (size_t)n : STRACE_STRLEN;
	if (!addr || !sf_read(f, b, addr, show)) {
		sout_ptr(&f->out, addr);
		return;
	}
	sout_quote(&f->out, b, show, hex);
	if (n > show)
		sout_puts(&f->out, "...");
}

bool sf_read_or_addr(struct sfmt *f, void *dst, uint64_t addr, size_t n)
{
	if (sf_read(f, dst, addr, n))
		return true;
	sout_ptr(&f->out, addr);
	return false;
}
