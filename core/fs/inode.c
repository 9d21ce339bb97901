/* Inodes: the common part. See inode.h. */
#include "core/fs/inode.h"

#include <errno.h>
#include <sys/stat.h>

#include "core/fs/lock.h"
#include "core/fs/memfs.h"
#include "core/fs/procfs.h"
#include "core/fs/super.h"

struct timespec inode_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts;
}

void inode_init(struct inode *i, const struct inode_ops *ops,
		struct superblock *sb, uint64_t ino, const struct create_args *a)
{
	i->ops = ops;
	i->sb = sb;
	super_get(sb);
	i->refs = 1;
	i->ino = ino;
	i->mode = a->mode;
	i->uid = a->uid;
	i->gid = a->gid;
	i->rdev = a->rdev;
	i->nlink = 1;
	i->atime = i->mtime = i->ctime = inode_now();
}

void inode_get(struct inode *i)
{
	i->refs++;
}

void inode_put(struct inode *i)
{
	if (!i || --i->refs > 0)
		return;
	struct superblock *sb = i->sb;
	lock_free_all(i);
	i->ops->destroy(i);
	super_put(sb);
}

void inode_touch(struct inode *i, unsigned which)
{
	struct timespec now = inode_now();
	if (which & INODE_ATIME)
		i->atime = now;
	if (which & INODE_MTIME)
		i->mtime = now;
	if (which & INODE_CTIME)
		i->ctime = now;
}

void inode_stat(const struct inode *i, struct vfs_stat *st)
{
	*st = (struct vfs_stat){
		.dev = i->sb->dev,
		.ino = i->ino,
		.rdev = i->rdev,
		.size = i->size,
		.blocks = (i->size + 511) / 512,
		.mode = i->mode,
		.nlink = i->nlink,
		.uid = i->uid,
		.gid = i->gid,
		.blksize = 4096,
		.atime = i->atime,
		.mtime = i->mtime,
		.ctime = i->ctime,
	};
}

/* ---- serialization ---------------------------------------------------- */

static void save_time(struct encoder *enc, struct timespec ts)
{
	enc_i64(enc, ts.tv_sec);
	enc_i64(enc, ts.tv_nsec);
}

static struct timespec load_time(struct decoder *dec)
{
	struct timespec ts;
	ts.tv_sec = dec_i64(dec);
	ts.tv_nsec = dec_i64(dec);
	if (ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000) {
		dec_fail(dec, "timestamp with %lld ns", (long long)ts.tv_nsec);
		ts.tv_nsec = 0;
	}
	return ts;
}

/* Layout: ref superblock; u64 ino; u32 mode, uid, gid, nlink; u64 size,
 * rdev; 3 x (i64 sec, nsec) atime, mtime, ctime; locks (lock.h). */
void inode_save_common(struct encoder *enc, const struct inode *i)
{
	super_enc_ref(enc, i->sb);
	enc_u64(enc, i->ino);
	enc_u32(enc, i->mode);
	enc_u32(enc, i->uid);
	enc_u32(enc, i->gid);
	enc_u32(enc, i->nlink);
	enc_u64(enc, i->size);
	enc_u64(enc, i->rdev);
	save_time(enc, i->atime);
	save_time(enc, i->mtime);
	save_time(enc, i->ctime);
	lock_save(enc, i);
}

static bool mode_valid(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: case S_IFDIR: case S_IFLNK: case S_IFCHR:
	case S_IFBLK: case S_IFIFO: case S_IFSOCK:
		return (mode & ~(uint32_t)(S_IFMT | 07777)) == 0;
	default:
		return false;
	}
}

void inode_load_common(struct decoder *dec, struct inode *i,
		       const struct inode_ops *ops)
{
	i->ops = ops;
	i->sb = super_dec_ref(dec);
	if (dec_ok(dec) && !i->sb)
		dec_fail(dec, "inode without a filesystem");
	if (i->sb)
		i->sb->refs++;
	i->ino = dec_u64(dec);
	i->mode = dec_u32(dec);
	i->uid = dec_u32(dec);
	i->gid = dec_u32(dec);
	i->nlink = dec_u32(dec);
	i->size = dec_u64(dec);
	i->rdev = dec_u64(dec);
	i->atime = load_time(dec);
	i->mtime = load_time(dec);
	i->ctime = load_time(dec);
	if (dec_ok(dec) && !mode_valid(i->mode))
		dec_fail(dec, "inode %llu has mode %#o",
			 (unsigned long long)i->ino, i->mode);
	lock_load(dec, i);
}

/* Every inode kind, for checking polymorphic references. */
static const struct inode_ops *const inode_kinds[] = {
	&memfs_inode_ops,
	&procfs_inode_ops,
};

const struct inode_ops *inode_ops_of_type(const struct codec_type *type)
{
	for (size_t i = 0; i < sizeof(inode_kinds) / sizeof(inode_kinds[0]); i++)
		if (inode_kinds[i]->codec_type == type)
			return inode_kinds[i];
	return NULL;
}
