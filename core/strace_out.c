/* The strace formatter's output: a bounded buffer, strace's quoting of
 * strings, and printing of named values and flag sets. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/strace_impl.h"

void sout_init(struct sout *o, char *buf, size_t len)
{
	o->buf = buf;
	o->len = len;
	o->pos = 0;
	if (len)
		buf[0] = '\0';
}

/* Characters that still fit, leaving room for the NUL. */
static size_t sout_room(const struct sout *o)
{
	return o->len ? o->len - 1 - o->pos : 0;
}

void sout_putc(struct sout *o, char c)
{
	if (!sout_room(o))
		return;
	o->buf[o->pos++] = c;
	o->buf[o->pos] = '\0';
}

void sout_puts(struct sout *o, const char *s)
{
	size_t n = strlen(s), room = sout_room(o);
	if (n > room)
		n = room;
	if (!n)
		return;
	memcpy(o->buf + o->pos, s, n);
	o->pos += n;
	o->buf[o->pos] = '\0';
}

void sout_printf(struct sout *o, const char *fmt, ...)
{
	size_t room = sout_room(o);
	if (!room)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->pos, room + 1, fmt, ap);
	va_end(ap);
	if (n < 0) {
		o->buf[o->pos] = '\0';
		return;
	}
	o->pos += (size_t)n < room ? (size_t)n : room;
}

void sout_hex(struct sout *o, uint64_t v)
{
	sout_printf(o, "%#" PRIx64, v);
}

void sout_ptr(struct sout *o, uint64_t v)
{
	if (v)
		sout_hex(o, v);
	else
		sout_puts(o, "NULL");
}

void sout_octal(struct sout *o, uint64_t v)
{
	sout_printf(o, "%#03" PRIo64, v);
}

/* ---- quoting ---- */

static const char *escape_of(unsigned char c)
{
	switch (c) {
	case '"':  return "\\\"";
	case '\\': return "\\\\";
	case '\f': return "\\f";
	case '\n': return "\\n";
	case '\r': return "\\r";
	case '\t': return "\\t";
	case '\v': return "\\v";
	default:   return NULL;
	}
}

/* strace writes the shortest octal escape unless an octal digit follows,
 * which would otherwise be read as part of it. */
static void quote_byte(struct sout *o, unsigned char c, int next)
{
	const char *esc = escape_of(c);
	if (esc)
		sout_puts(o, esc);
	else if (c >= ' ' && c < 0x7f)
		sout_putc(o, (char)c);
	else if (next >= '0' && next <= '7')
		sout_printf(o, "\\%03o", c);
	else
		sout_printf(o, "\\%o", c);
}

void sout_quote(struct sout *o, const unsigned char *s, size_t n, bool hex)
{
	sout_putc(o, '"');
	for (size_t i = 0; i < n; i++) {
		if (hex)
			sout_printf(o, "\\x%02x", s[i]);
		else
			quote_byte(o, s[i], i + 1 < n ? s[i + 1] : -1);
	}
	sout_putc(o, '"');
}

/* ---- named values ---- */

const char *strace_xlat_name(const struct xlat *x, uint64_t v)
{
	for (; x->name; x++)
		if (x->val == v)
			return x->name;
	return NULL;
}

static void sout_comment(struct sout *o, const char *dflt)
{
	if (dflt)
		sout_printf(o, " /* %s */", dflt);
}

void sout_xval(struct sout *o, const struct xlat *x, uint64_t v,
	       const char *dflt)
{
	const char *name = strace_xlat_name(x, v);
	if (name) {
		sout_puts(o, name);
		return;
	}
	sout_hex(o, v);
	sout_comment(o, dflt);
}

void sout_flags(struct sout *o, const struct xlat *x, uint64_t v,
		const char *zero_name, const char *dflt)
{
	if (!v) {
		sout_puts(o, zero_name ? zero_name : "0");
		return;
	}
	bool any = false;
	for (; x->name; x++) {
		if (!x->val || (v & x->val) != x->val)
			continue;
		if (any)
			sout_putc(o, '|');
		sout_puts(o, x->name);
		any = true;
		v &= ~x->val;
	}
	if (!v)
		return;
	if (any)
		sout_putc(o, '|');
	sout_hex(o, v);
	if (!any)
		sout_comment(o, dflt);
}

/* ---- the call being formatted ---- */

void sf_next(struct sfmt *f)
{
	if (f->printed++)
		sout_puts(&f->out, ", ");
}

bool sf_failed(const struct sfmt *f)
{
	return f->ret < 0 && f->ret >= -4095;
}

bool sf_out_ready(struct sfmt *f, uint64_t addr)
{
	if (f->exiting && !sf_failed(f))
		return true;
	sout_ptr(&f->out, addr);
	return false;
}

bool sf_stop_for_output(struct sfmt *f)
{
	if (f->exiting)
		return false;
	sf_next(f);
	f->stop = true;
	return true;
}
