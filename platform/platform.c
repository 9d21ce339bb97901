/* The table of platforms. */
#include "platform/platform.h"

#include <string.h>

#include "platform/kvm/kvm.h"
#include "platform/ptrace/ptrace.h"

static const struct platform_ops *const platforms[] = {
	&ptrace_platform_ops,
	&kvm_platform_ops,
};

const struct platform_ops *platform_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(platforms) / sizeof(platforms[0]); i++)
		if (strcmp(platforms[i]->name, name) == 0)
			return platforms[i];
	return NULL;
}
