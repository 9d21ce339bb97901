/* /dev: a tmpfs made at boot with the device nodes of chardev.h and the
 * links Linux's udev makes (fd, stdin, stdout, stderr), like devtmpfs.
 * Being a memfs, it saves and restores like any tmpfs, and what the
 * sandbox adds to it (mknod, files) stays in memory. */
#include "core/fs/devfs.h"

#include <errno.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "core/fs/chardev.h"
#include "core/fs/dentry.h"
#include "core/fs/memfs.h"
#include "core/fs/super.h"

static const struct {
	const char *name, *target;
} devfs_links[] = {
	{ "fd", "/proc/self/fd" },
	{ "stdin", "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" },
	{ "stderr", "/proc/self/fd/2" },
};

static int add_entry(struct dentry *root, const char *name,
		     const struct create_args *a)
{
	struct dentry *d;
	int rc = root->inode->ops->create(root, name, a, &d);
	if (rc == 0)
		dentry_put(d);         /* the tree holds it */
	return rc;
}

static int populate(struct dentry *root)
{
	int rc = 0;
	for (unsigned i = 0; i < chardev_node_count && rc == 0; i++) {
		const struct chardev_node *n = &chardev_nodes[i];
		struct create_args a = {
			.mode = S_IFCHR | n->mode,
			.rdev = makedev(n->major, n->minor),
		};
		rc = add_entry(root, n->name, &a);
	}
	for (unsigned i = 0; i < sizeof(devfs_links) / sizeof(devfs_links[0]) &&
			     rc == 0; i++) {
		struct create_args a = { .mode = S_IFLNK | 0777,
					 .target = devfs_links[i].target };
		rc = add_entry(root, devfs_links[i].name, &a);
	}
	return rc;
}

int devfs_create(struct kernel *k, uint64_t dev, struct superblock **sb,
		 struct dentry **root)
{
	int rc = memfs_create_tmpfs(k, dev, 0755, sb, root);
	if (rc < 0)
		return rc;
	rc = populate(*root);
	if (rc < 0) {
		dentry_unpin_tree(*root);
		dentry_put(*root);
		super_put(*sb);
	}
	return rc;
}
