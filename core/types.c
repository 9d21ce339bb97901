/* Every object type a kernel image may hold: the registry the decoder
 * resolves type names against. A type missing here can't be restored. */
#include "core/fdtable.h"
#include "core/hostfile.h"
#include "core/kernel.h"
#include "core/memfile.h"
#include "core/mm.h"
#include "core/task.h"

static const struct codec_type *const kernel_types[] = {
	&codec_type_kernel,
	&codec_type_memfile,
	&codec_type_mm,
	&codec_type_task,
	&codec_type_thread_group,
	&codec_type_fdtable,
	&codec_type_hostfile,
};

const struct codec_registry kernel_registry = {
	kernel_types,
	sizeof(kernel_types) / sizeof(kernel_types[0]),
};
