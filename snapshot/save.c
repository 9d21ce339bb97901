/* Saving a running sandbox, and torture mode's save-destroy-restore. */
#include <errno.h>

#include "core/kernel.h"
#include "snapshot/checkpoint.h"

int checkpoint_save_running(struct kernel *k, const char *path,
			    const struct image_options *opts,
			    bool leave_running, struct error *err)
{
	kernel_lock(k);
	kernel_freeze(k);
	int rc = checkpoint_write(k, path, opts, err);
	if (rc == 0 && !leave_running)
		kernel_stop_all(k, 0);
	else
		kernel_thaw(k);
	kernel_unlock(k);
	return rc;
}

int checkpoint_cycle(struct kernel **kp, const char *path,
		     const struct kernel_options *opts, struct error *err)
{
	struct kernel *k = *kp;
	const struct image_options iopts = { .compression = IMAGE_COMPRESS_LZ4 };
	kernel_lock(k);
	kernel_freeze(k);
	int rc = checkpoint_write(k, path, &iopts, err);
	if (rc < 0) {
		kernel_thaw(k);
		kernel_unlock(k);
		return rc;
	}
	kernel_detach_tasks(k);
	kernel_unlock(k);
	kernel_destroy(k);
	*kp = NULL;
	rc = checkpoint_restore(path, opts, kp, err);
	if (rc == 0)
		rc = kernel_start(*kp, err);
	return rc;
}
