/* An error that carries a message for people, beside the errno for code.
 *
 * Kernel code returns -errno (what the application sees). Code that talks
 * to people -- image files, the CLI -- fills a struct error instead, and
 * callers add context on the way up ("image.snap: " + "section 'memory'
 * checksum mismatch"). A function that fails returns a negative value and
 * has filled *err; err may be NULL when the caller does not want text. */
#ifndef SNAPSHOT_ERROR_H
#define SNAPSHOT_ERROR_H

#include <stdarg.h>

#define ERROR_MSG_MAX 512

struct error {
	int code;                  /* errno value, 0 when no error */
	char msg[ERROR_MSG_MAX];   /* one line, no trailing newline */
};

/* Sets *err (if non-NULL) and returns -code, so a failure reads
 * `return error_set(err, EINVAL, "bad %s", what);`. code must be > 0. */
int error_set(struct error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like error_set, appending ": strerror(code)". */
int error_set_errno(struct error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Puts "prefix: " in front of an existing message; returns -err->code. */
int error_prefix(struct error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
