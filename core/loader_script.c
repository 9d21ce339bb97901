/* binfmt_script: "#!interpreter [one argument]" in the first 256 bytes,
 * parsed as Linux's load_script does. The interpreter runs with argv
 * [interpreter, argument (if any), the script's name, argv[1]...]. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/loader_internal.h"

static bool spacetab(char c)
{
	return c == ' ' || c == '\t';
}

/* Without a newline in the buffer, the interpreter's name must still end
 * inside it (a space, tab or NUL after it): a truncated name is never
 * run; a truncated argument is fine (the interpreter rereads the line). */
static char *line_end(char *buf, char *buf_end)
{
	char *nl = memchr(buf, '\n', LOADER_BUF_SIZE);
	if (nl)
		return nl;
	char *cp = buf + 2;
	while (cp < buf_end && spacetab(*cp))
		cp++;
	if (cp >= buf_end)
		return NULL;
	for (; cp < buf_end; cp++)
		if (spacetab(*cp) || *cp == '\0')
			return buf_end;
	return NULL;
}

/* Splits the "#!" line in buf into the interpreter's name and its
 * optional argument (NULL). -ENOEXEC when there is no usable name. */
static int parse_line(char *buf, char **name, char **arg)
{
	char *buf_end = buf + LOADER_BUF_SIZE - 1;
	char *cp = line_end(buf, buf_end);
	if (!cp)
		return -ENOEXEC;
	*cp = '\0';
	while (cp > buf) {
		cp--;
		if (!spacetab(*cp))
			break;
		*cp = '\0';
	}
	for (cp = buf + 2; spacetab(*cp); cp++)
		;
	if (*cp == '\0')
		return -ENOEXEC;
	*name = cp;
	*arg = NULL;
	while (*cp && !spacetab(*cp))
		cp++;
	while (spacetab(*cp))
		*cp++ = '\0';
	if (*cp)
		*arg = cp;
	return 0;
}

/* [name, arg?, script, argv[1]...]: argv[0] gives way to the script. */
static char **new_argv(struct exec_state *es, const char *name,
		       const char *arg, const char *script)
{
	size_t n = 0;
	while (es->argv[n])
		n++;
	char **v = calloc(n + 4, sizeof(*v));
	if (!exec_state_own(es, v))
		return NULL;
	size_t w = 0;
	if (!(v[w++] = exec_state_own(es, strdup(name))))
		return NULL;
	if (arg && !(v[w++] = exec_state_own(es, strdup(arg))))
		return NULL;
	if (!(v[w++] = exec_state_own(es, strdup(script))))
		return NULL;
	for (size_t i = 1; i < n; i++)
		v[w++] = es->argv[i];
	v[w] = NULL;
	return v;
}

int loader_script(struct exec_state *es, const struct exec_file *ef,
		  const char **interp, struct error *err)
{
	/* The script would be reopened by a name (/dev/fd/N) that the
	 * close-on-exec fd will no longer give. */
	if (es->path_inaccessible)
		return error_set(err, ENOENT, "%s: script's fd is close-on-exec",
				 ef->name);
	char buf[LOADER_BUF_SIZE];
	memcpy(buf, ef->buf, sizeof(buf));
	char *name, *arg;
	if (parse_line(buf, &name, &arg) < 0)
		return error_set(err, ENOEXEC, "%s: bad \"#!\" line", ef->name);
	char **v = new_argv(es, name, arg, ef->name);
	if (!v)
		return error_set(err, ENOMEM, "out of memory");
	es->argv = v;
	*interp = v[0];
	return 0;
}
