#include "core/file.h"

#include <fcntl.h>
#include <stdlib.h>

#include "core/hostfile.h"

void file_get(struct file *f)
{
	f->refs++;
}

void file_put(struct file *f)
{
	if (--f->refs > 0)
		return;
	if (f->ops->release)
		f->ops->release(f);
	free(f);
}

void file_save_common(struct encoder *enc, const struct file *f)
{
	enc_u32(enc, f->flags);
	enc_i64(enc, f->pos);
}

void file_load_common(struct decoder *dec, struct file *f,
		      const struct file_ops *ops)
{
	f->ops = ops;
	/* refs is not touched: each fd table slot that loads (before or
	 * after this) counts itself in. */
	f->flags = dec_u32(dec);
	f->pos = dec_i64(dec);
	if (f->pos < 0)
		dec_fail(dec, "negative file offset");
}

/* Every kind of file, for checking polymorphic references. */
static const struct file_ops *const file_kinds[] = {
	&hostfile_ops,
};

const struct file_ops *file_ops_of_type(const struct codec_type *type)
{
	for (size_t i = 0; i < sizeof(file_kinds) / sizeof(file_kinds[0]); i++)
		if (file_kinds[i]->codec_type == type)
			return file_kinds[i];
	return NULL;
}
