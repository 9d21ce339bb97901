/* syscall_name(): the x86-64 system call names.
 *
 * The table body is generated at build time from the kernel's
 * <asm/unistd_64.h> by core/gen_syscall_names.sh (see core/build.mk), so
 * it always covers every number the installed headers know. */
#include <stddef.h>

#include "core/syscall.h"

static const char *const syscall_names[] = {
#include "syscall_names.inc"
};

const char *syscall_name(uint64_t nr)
{
	if (nr >= sizeof(syscall_names) / sizeof(syscall_names[0]))
		return NULL;
	return syscall_names[nr];
}
