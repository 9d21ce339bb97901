#include "snapshot/error.h"

#include <stdio.h>
#include <string.h>

static int error_vset(struct error *err, int code, const char *suffix,
		      const char *fmt, va_list ap)
{
	if (!err)
		return -code;
	err->code = code;
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (suffix && n >= 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s",
			 suffix);
	return -code;
}

int error_set(struct error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = error_vset(err, code, NULL, fmt, ap);
	va_end(ap);
	return rc;
}

int error_set_errno(struct error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = error_vset(err, code, strerror(code), fmt, ap);
	va_end(ap);
	return rc;
}

int error_prefix(struct error *err, const char *fmt, ...)
{
	if (!err)
		return -1;
	char joined[2 * ERROR_MSG_MAX + 2];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(joined, ERROR_MSG_MAX, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n >= ERROR_MSG_MAX)
		n = ERROR_MSG_MAX - 1;
	memcpy(joined + n, ": ", 2);
	memcpy(joined + n + 2, err->msg, sizeof(err->msg));
	joined[sizeof(joined) - 1] = 0;
	/* Truncating a long message keeps its start, which names the thing. */
	memcpy(err->msg, joined, sizeof(err->msg) - 1);
	err->msg[sizeof(err->msg) - 1] = 0;
	return -err->code;
}
