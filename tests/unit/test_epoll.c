/* eventfd and epoll objects: counter semantics through the file ops,
 * epoll items and their ready list following eventfd changes, items
 * leaving with their file, and save/restore: exact round trips, and a
 * full decode whose epoll set is registered again with its eventfds. */
#include <errno.h>
#include <sys/eventfd.h>

#include "core/epoll.h"
#include "core/eventfd.h"
#include "tests/unit/fs_fixture.h"

static struct fs_fixture fx;
static struct error err;

static int64_t efd_write(struct file *f, uint64_t v)
{
	return f->ops->write(f, fx.t, &v, sizeof(v));
}

static uint64_t efd_read(struct file *f)
{
	uint64_t v = 0;
	return f->ops->read(f, fx.t, &v, sizeof(v)) == 8 ? v : UINT64_MAX;
}

static int ready_count(struct epoll *ep)
{
	int n = 0;
	for (struct epitem *it = ep->ready; it; it = it->rnext)
		n++;
	return n;
}

static int add(struct epoll *ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };
	return epoll_ctl_add(ep, fdtable_get(fx.t->files, fd), fd, &ev);
}

TEST(eventfd_counter_and_semaphore)
{
	CHECK(fx_setup(&fx, __func__) == 0);
	struct file *c = eventfd_create(2, EFD_NONBLOCK);
	struct file *s = eventfd_create(2, EFD_NONBLOCK | EFD_SEMAPHORE);
	CHECK_EQ(efd_write(c, 3), 8);
	CHECK_EQ(efd_read(c), 5);
	CHECK_EQ(efd_read(c), UINT64_MAX);   /* EAGAIN */
	CHECK_EQ(efd_read(s), 1);
	CHECK_EQ(efd_read(s), 1);
	CHECK_EQ(efd_write(c, UINT64_MAX), -EINVAL);
	CHECK_EQ(efd_write(c, EVENTFD_MAX), 8);
	CHECK_EQ(efd_write(c, 1), -EAGAIN);
	CHECK_EQ(c->ops->poll(c, NULL) & (POLLIN | POLLOUT), POLLIN);
	uint32_t small;
	CHECK_EQ(c->ops->read(c, fx.t, &small, sizeof(small)), -EINVAL);
	file_put(c);
	file_put(s);
	fx_teardown(&fx);
}

/* Set 5 watches eventfds 3 (level), 4 (edge), 6 (oneshot, fired) and
 * set 7, which watches 3: 3 and 7 are ready. */
static int populate(const char *name)
{
	if (fx_setup(&fx, name) < 0)
		return -1;
	struct fdtable *ft = fx.t->files;
	if (fdtable_install(ft, eventfd_create(1, 0), 3, false) != 3 ||
	    fdtable_install(ft, eventfd_create(0, EFD_SEMAPHORE), 4, false) != 4 ||
	    fdtable_install(ft, epoll_create_file(), 5, true) != 5 ||
	    fdtable_install(ft, eventfd_create(0, 0), 6, false) != 6 ||
	    fdtable_install(ft, epoll_create_file(), 7, false) != 7)
		return -1;
	struct epoll *ep = (struct epoll *)fdtable_get(ft, 5);
	struct epoll *inner = (struct epoll *)fdtable_get(ft, 7);
	if (add(inner, 3, EPOLLIN, 30) || add(ep, 3, EPOLLIN, 3) ||
	    add(ep, 4, EPOLLIN | EPOLLET, 4) ||
	    add(ep, 6, EPOLLIN | EPOLLONESHOT, 6) || add(ep, 7, EPOLLIN, 7))
		return -1;
	/* The oneshot item fired: disabled until MOD. */
	struct epitem *one = ep->items->next->next;
	one->events &= EPITEM_PRIVATE;
	return 0;
}

TEST(epoll_ready_list_follows_eventfds)
{
	CHECK(populate(__func__) == 0);
	struct fdtable *ft = fx.t->files;
	struct epoll *ep = (struct epoll *)fdtable_get(ft, 5);
	CHECK_EQ(ep->nitems, 4);
	CHECK_EQ(ready_count(ep), 2);
	CHECK(ep->file.ops->poll(&ep->file, NULL) & POLLIN);
	struct file *e4 = fdtable_get(ft, 4), *e6 = fdtable_get(ft, 6);
	CHECK_EQ(efd_write(e4, 1), 8);
	CHECK_EQ(efd_write(e6, 1), 8);       /* disabled: not queued */
	CHECK_EQ(ready_count(ep), 3);
	/* Closing 4 removes its item, ready or not. */
	CHECK_EQ(fdtable_close(ft, 4), 0);
	CHECK_EQ(ep->nitems, 3);
	CHECK_EQ(ready_count(ep), 2);
	/* Closing the inner set removes its item from the outer one. */
	CHECK_EQ(fdtable_close(ft, 7), 0);
	CHECK_EQ(ep->nitems, 2);
	CHECK_EQ(epoll_ctl_del(ep, fdtable_get(ft, 3), 3), 0);
	CHECK_EQ(epoll_ctl_del(ep, fdtable_get(ft, 3), 3), -ENOENT);
	CHECK_EQ(ready_count(ep), 0);
	fx_teardown(&fx);
}

TEST(epoll_loops_are_refused)
{
	CHECK(populate(__func__) == 0);
	struct fdtable *ft = fx.t->files;
	struct epoll *ep = (struct epoll *)fdtable_get(ft, 5);
	struct epoll *inner = (struct epoll *)fdtable_get(ft, 7);
	struct epoll_event ev = { .events = EPOLLIN };
	CHECK_EQ(epoll_ctl_add(inner, &ep->file, 5, &ev), -ELOOP);
	CHECK_EQ(epoll_ctl_add(ep, &inner->file, 7, &ev), -EEXIST);
	fx_teardown(&fx);
}

TEST(epoll_and_eventfd_round_trip_exactly)
{
	CHECK(fx_round_trips(&fx, populate(__func__), &err));
}

TEST(restored_epoll_hears_its_eventfds)
{
	CHECK(populate(__func__) == 0);
	void *buf;
	size_t len;
	CHECK(codec_encode(&codec_type_kernel, fx.k, &buf, &len, &err) == 0);
	fx_teardown(&fx);
	struct kernel_restore r = { NULL, NULL };
	void *root = NULL;
	int rc = codec_decode(&kernel_registry, &codec_type_kernel, buf, len,
			      &r, 0, &root, &err);
	if (rc < 0)
		fprintf(stderr, "%s\n", err.msg);
	CHECK(rc == 0);
	fx.k = root;
	fx.t = fx.k->tasks;
	struct fdtable *ft = fx.t->files;
	struct epoll *ep = (struct epoll *)fdtable_get(ft, 5);
	CHECK(ep && file_is_epoll(&ep->file) && ft->fds[5].cloexec);
	CHECK_EQ(ep->nitems, 4);
	CHECK_EQ(ready_count(ep), 2);
	CHECK_EQ(ep->ready->data, 3);
	CHECK_EQ(ep->ready->rnext->data, 7);
	struct epitem *one = ep->items->next->next;
	CHECK_EQ(one->events, EPOLLONESHOT);
	struct file *e3 = fdtable_get(ft, 3), *e4 = fdtable_get(ft, 4);
	CHECK_EQ(efd_read(e3), 1);
	CHECK(((struct eventfd *)e4)->semaphore);
	/* Registered again: a write queues the edge-triggered item. */
	CHECK_EQ(efd_write(e4, 2), 8);
	CHECK_EQ(ready_count(ep), 3);
	CHECK_EQ(ep->ready_tail->data, 4);
	/* And items still leave with their files. */
	CHECK_EQ(fdtable_close(ft, 4), 0);
	CHECK_EQ(ep->nitems, 3);
	fx_teardown(&fx);
	free(buf);
}

TEST(malformed_epoll_encodings_fail_cleanly)
{
	CHECK(populate(__func__) == 0);
	void *buf;
	size_t len;
	CHECK(codec_encode(&codec_type_kernel, fx.k, &buf, &len, &err) == 0);
	fx_teardown(&fx);
	uint8_t *copy = malloc(len);
	for (size_t i = 0; i < len; i += 5) {
		memcpy(copy, buf, len);
		copy[i] ^= 0x5a;
		struct kernel_restore r = { NULL, NULL };
		void *root = NULL;
		if (codec_decode(&kernel_registry, &codec_type_kernel, copy, len,
				 &r, 0, &root, &err) == 0)
			kernel_destroy(root);
	}
	free(copy);
	free(buf);
}
