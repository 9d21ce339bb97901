#include "cli/sandbox.h"

#include <string.h>

#include "cli/cli.h"
#include "cli/control.h"
#include "cli/torture.h"

int sandbox_id_valid(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 64 || id[0] == '.')
		return 0;
	return strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "0123456789_.-") == n;
}

int sandbox_run(struct sandbox *sb, const struct torture *t)
{
	struct control_server *cs = NULL;
	struct error err = { 0 };
	int status = -1;
	pthread_mutex_init(&sb->lock, NULL);
	sb->started = time(NULL);
	if (sb->id[0] && control_start(sb, &cs, &err) < 0)
		cli_error("%s", err.msg);
	else if (kernel_start(sb->k, &err) < 0)
		cli_error("%s", err.msg);
	else
		status = t->every ? torture_run(sb, t) : kernel_wait(sb->k);
	control_stop(cs);
	kernel_destroy(sb->k);
	sb->k = NULL;
	pthread_mutex_destroy(&sb->lock);
	return status;
}
