/* epoll sets: items, wakeups, the ready list, nesting (see epoll.h). */
#include "core/epoll.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/anon_file.h"
#include "core/fdtable.h"
#include "core/mm.h"
#include "core/task.h"

/* Linux's EP_MAX_NESTS: how deep epoll sets may nest. */
#define EPOLL_MAX_NESTS 4

static struct epoll *ep_of(struct file *f)
{
	return (struct epoll *)f;
}

bool file_is_epoll(const struct file *f)
{
	return f->ops == &epoll_ops;
}

/* ---- the ready list ------------------------------------------------------ */

static void ready_append(struct epoll *ep, struct epitem *it)
{
	if (it->ready)
		return;
	it->ready = true;
	it->rnext = NULL;
	it->rprev = ep->ready_tail;
	if (ep->ready_tail)
		ep->ready_tail->rnext = it;
	else
		ep->ready = it;
	ep->ready_tail = it;
}

static void ready_prepend(struct epoll *ep, struct epitem *it)
{
	if (it->ready)
		return;
	it->ready = true;
	it->rprev = NULL;
	it->rnext = ep->ready;
	if (ep->ready)
		ep->ready->rprev = it;
	else
		ep->ready_tail = it;
	ep->ready = it;
}

static void ready_remove(struct epoll *ep, struct epitem *it)
{
	if (!it->ready)
		return;
	if (it->rprev)
		it->rprev->rnext = it->rnext;
	else
		ep->ready = it->rnext;
	if (it->rnext)
		it->rnext->rprev = it->rprev;
	else
		ep->ready_tail = it->rprev;
	it->rnext = it->rprev = NULL;
	it->ready = false;
}

static bool item_enabled(const struct epitem *it)
{
	return (it->events & ~(uint32_t)EPITEM_PRIVATE) != 0;
}

/* ---- watching a file ----------------------------------------------------- */

/* A wakeup from a queue the item's file registered (Linux's
 * ep_poll_callback): the item goes on the ready list, and whoever waits
 * on the set hears of it. */
static void item_notify(struct waiter *w, uint32_t events)
{
	struct epitem *it = w->owner;
	if (events & WAITQ_FREE)
		return;            /* the queue is gone; w is off it already */
	if (!item_enabled(it) || (events && !(events & it->events)))
		return;
	ready_append(it->ep, it);
	waitq_notify(&it->ep->wq, POLLIN | POLLRDNORM);
}

static void pt_queue(struct poll_table *pt, struct wait_queue *q)
{
	struct epitem *it = pt->priv;
	if (it->nwait == EPITEM_MAX_WAITS) {
		fprintf(stderr, "snapctl: epoll: a file registers more than %d "
			"wait queues; ignoring the rest\n", EPITEM_MAX_WAITS);
		return;
	}
	struct waiter *w = &it->wait[it->nwait++];
	waiter_init(w, item_notify, it);
	waitq_add(q, w);
}

static void pt_host(struct poll_table *pt, int fd, short events)
{
	struct epitem *it = pt->priv;
	if (it->nhost < EPITEM_MAX_HOST)
		it->host[it->nhost++] = (struct pollfd){ fd, events, 0 };
}

/* Polls the item's file, registering with its queues (Linux's
 * ep_item_poll with a poll table): what is ready of what it wants. */
static uint32_t item_register(struct epitem *it)
{
	struct poll_table pt = { pt_queue, pt_host, it };
	it->nwait = it->nhost = 0;
	return it->file->ops->poll(it->file, &pt) & it->events;
}

static uint32_t item_poll(struct epitem *it)
{
	return it->file->ops->poll(it->file, NULL) & it->events;
}

static void item_unregister(struct epitem *it)
{
	for (int i = 0; i < it->nwait; i++)
		waitq_remove(&it->wait[i]);
	it->nwait = it->nhost = 0;
}

static void file_link(struct epitem *it)
{
	it->fnext = it->file->epitems;
	it->file->epitems = it;
}

static void file_unlink(struct epitem *it)
{
	for (struct epitem **p = &it->file->epitems; *p; p = &(*p)->fnext)
		if (*p == it) {
			*p = it->fnext;
			break;
		}
	it->fnext = NULL;
}

/* ---- the interest list --------------------------------------------------- */

static struct epitem *item_find(struct epoll *ep, struct file *f, int fd)
{
	for (struct epitem *it = ep->items; it; it = it->next)
		if (it->file == f && it->fd == fd)
			return it;
	return NULL;
}

static void items_append(struct epoll *ep, struct epitem *it)
{
	it->ep = ep;
	it->next = NULL;
	it->prev = ep->items_tail;
	if (ep->items_tail)
		ep->items_tail->next = it;
	else
		ep->items = it;
	ep->items_tail = it;
	ep->nitems++;
}

/* Takes the item out of everything and frees it. */
static void item_remove(struct epitem *it)
{
	struct epoll *ep = it->ep;
	item_unregister(it);
	file_unlink(it);
	ready_remove(ep, it);
	if (it->prev)
		it->prev->next = it->next;
	else
		ep->items = it->next;
	if (it->next)
		it->next->prev = it->prev;
	else
		ep->items_tail = it->prev;
	ep->nitems--;
	free(it);
}

void epoll_file_released(struct file *f)
{
	while (f->epitems)
		item_remove(f->epitems);
}

/* ---- nesting ------------------------------------------------------------- */

/* How deep the sets below ep nest (0: no set among its items), or more
 * than EPOLL_MAX_NESTS when `inserting` is among them (a cycle). */
static int depth_below(struct epoll *ep, const struct epoll *inserting,
		       int level)
{
	if (level > EPOLL_MAX_NESTS)
		return EPOLL_MAX_NESTS + 1;
	int max = 0;
	for (struct epitem *it = ep->items; it; it = it->next) {
		if (!file_is_epoll(it->file))
			continue;
		struct epoll *child = ep_of(it->file);
		int d = child == inserting
				? EPOLL_MAX_NESTS + 1
				: 1 + depth_below(child, inserting, level + 1);
		if (d > max)
			max = d;
	}
	return max;
}

/* How many sets above ep watch it, at most, one inside the other. */
static int depth_above(struct epoll *ep, int level)
{
	if (level > EPOLL_MAX_NESTS)
		return EPOLL_MAX_NESTS + 1;
	int max = 0;
	for (struct epitem *it = ep->file.epitems; it; it = it->fnext) {
		int d = 1 + depth_above(it->ep, level + 1);
		if (d > max)
			max = d;
	}
	return max;
}

/* Linux's ep_loop_check: adding set `to` into ep must make no cycle and
 * no chain deeper than EPOLL_MAX_NESTS. */
static bool would_loop(struct epoll *ep, struct epoll *to)
{
	int below = depth_below(to, ep, 0);
	if (below > EPOLL_MAX_NESTS)
		return true;
	return below + 1 + depth_above(ep, 0) > EPOLL_MAX_NESTS;
}

/* ---- epoll_ctl ----------------------------------------------------------- */

int epoll_ctl_add(struct epoll *ep, struct file *tf, int fd,
		  const struct epoll_event *ev)
{
	if (file_is_epoll(tf) && would_loop(ep, ep_of(tf)))
		return -ELOOP;
	if (item_find(ep, tf, fd))
		return -EEXIST;
	struct epitem *it = calloc(1, sizeof(*it));
	if (!it)
		return -ENOMEM;
	it->file = tf;
	it->fd = fd;
	it->events = ev->events | EPOLLERR | EPOLLHUP;
	it->data = ev->data.u64;
	items_append(ep, it);
	file_link(it);
	if (item_register(it)) {
		ready_append(ep, it);
		waitq_notify(&ep->wq, POLLIN | POLLRDNORM);
	}
	return 0;
}

int epoll_ctl_mod(struct epoll *ep, struct file *tf, int fd,
		  const struct epoll_event *ev)
{
	struct epitem *it = item_find(ep, tf, fd);
	if (!it)
		return -ENOENT;
	if (it->events & EPOLLEXCLUSIVE)
		return -EINVAL;
	it->events = ev->events | EPOLLERR | EPOLLHUP;
	it->data = ev->data.u64;
	if (item_poll(it)) {
		ready_append(ep, it);
		waitq_notify(&ep->wq, POLLIN | POLLRDNORM);
	}
	return 0;
}

int epoll_ctl_del(struct epoll *ep, struct file *tf, int fd)
{
	struct epitem *it = item_find(ep, tf, fd);
	if (!it)
		return -ENOENT;
	item_remove(it);
	return 0;
}

/* ---- waiting ------------------------------------------------------------- */

/* Items on host fds hear no queue: they are polled whenever the set is
 * looked at. */
static void scan_host_items(struct epoll *ep)
{
	for (struct epitem *it = ep->items; it; it = it->next)
		if (it->nhost && !it->ready && item_enabled(it) &&
		    item_poll(it))
			ready_append(ep, it);
}

int epoll_fetch(struct epoll *ep, struct task *t, uint64_t addr, int max)
{
	scan_host_items(ep);
	/* Items re-queued as still ready (level-triggered) go after the
	 * ones not looked at, as in Linux's ep_send_events. */
	struct epitem *again = NULL, *again_tail = NULL;
	int n = 0, rc = 0;
	while (ep->ready && n < max) {
		struct epitem *it = ep->ready;
		ready_remove(ep, it);
		uint32_t rev = item_poll(it);
		if (!rev)
			continue;
		struct epoll_event ev = { .events = rev, .data.u64 = it->data };
		if (mm_copy_to(t->mm, addr + (uint64_t)n * sizeof(ev), &ev,
			       sizeof(ev)) < 0) {
			ready_prepend(ep, it);
			rc = -EFAULT;
			break;
		}
		n++;
		if (it->events & EPOLLONESHOT) {
			it->events &= EPITEM_PRIVATE;
		} else if (!(it->events & EPOLLET)) {
			it->ready = true;
			it->rnext = NULL;
			it->rprev = again_tail;
			if (again_tail)
				again_tail->rnext = it;
			else
				again = it;
			again_tail = it;
		}
	}
	for (struct epitem *it = again, *next; it; it = next) {
		next = it->rnext;
		it->ready = false;
		ready_append(ep, it);
	}
	return n ? n : rc;
}

int epoll_host_fds(struct epoll *ep, struct pollfd **out)
{
	int n = 0;
	*out = NULL;
	for (struct epitem *it = ep->items; it; it = it->next)
		if (item_enabled(it))
			n += it->nhost;
	if (!n)
		return 0;
	struct pollfd *p = calloc((size_t)n, sizeof(*p));
	if (!p)
		return -ENOMEM;
	int i = 0;
	for (struct epitem *it = ep->items; it; it = it->next)
		for (int h = 0; item_enabled(it) && h < it->nhost; h++)
			p[i++] = it->host[h];
	*out = p;
	return n;
}

/* ---- the epoll file -------------------------------------------------------- */

/* Readable while an item on the ready list is truly ready; items that
 * are not come off the list (Linux's ep_read_events_proc). Nested sets
 * recurse here, at most EPOLL_MAX_NESTS deep. */
static uint32_t epoll_poll(struct file *f, struct poll_table *pt)
{
	struct epoll *ep = ep_of(f);
	poll_wait(pt, &ep->wq);
	for (struct epitem *it = ep->items; it; it = it->next)
		for (int h = 0; item_enabled(it) && h < it->nhost; h++)
			poll_wait_host(pt, it->host[h].fd, it->host[h].events);
	scan_host_items(ep);
	for (struct epitem *it = ep->ready, *next; it; it = next) {
		next = it->rnext;
		if (item_poll(it))
			return POLLIN | POLLRDNORM;
		ready_remove(ep, it);
	}
	return 0;
}

static int64_t epoll_read(struct file *f, struct task *t, void *buf, size_t n)
{
	(void)f, (void)t, (void)buf, (void)n;
	return -EINVAL;
}

static int64_t epoll_write(struct file *f, struct task *t, const void *buf,
			   size_t n)
{
	(void)f, (void)t, (void)buf, (void)n;
	return -EINVAL;
}

static void epoll_release(struct file *f)
{
	struct epoll *ep = ep_of(f);
	while (ep->items)
		item_remove(ep->items);
	waitq_release(&ep->wq);
}

const struct file_ops epoll_ops = {
	.codec_type = &codec_type_epoll,
	.read = epoll_read,
	.write = epoll_write,
	.release = epoll_release,
	.stat = anon_file_stat,
	.llseek = anon_file_llseek,
	.poll = epoll_poll,
};

struct file *epoll_create_file(void)
{
	struct epoll *ep = calloc(1, sizeof(*ep));
	if (!ep)
		return NULL;
	ep->file.ops = &epoll_ops;
	ep->file.refs = 1;
	ep->file.flags = O_RDWR;
	return &ep->file;
}

/* ---- serialization -------------------------------------------------------- */

static uint32_t item_index(const struct epoll *ep, const struct epitem *x)
{
	uint32_t i = 0;
	for (const struct epitem *it = ep->items; it != x; it = it->next)
		i++;
	return i;
}

/* Saved: the interest list (file reference, fd, events, data), then the
 * ready list as indexes into it. ONESHOT and ET state are in events. */
static void epoll_save(struct encoder *enc, const void *obj)
{
	const struct epoll *ep = obj;
	file_save_common(enc, &ep->file);
	enc_u32(enc, ep->nitems);
	for (const struct epitem *it = ep->items; it; it = it->next) {
		enc_ref(enc, it->file->ops->codec_type, it->file);
		enc_u64(enc, (uint64_t)it->fd);
		enc_u32(enc, it->events);
		enc_u64(enc, it->data);
	}
	uint32_t nready = 0;
	for (const struct epitem *it = ep->ready; it; it = it->rnext)
		nready++;
	enc_u32(enc, nready);
	for (const struct epitem *it = ep->ready; it; it = it->rnext)
		enc_u32(enc, item_index(ep, it));
}

static struct epitem *item_at(struct epoll *ep, uint32_t i)
{
	struct epitem *it = ep->items;
	while (it && i--)
		it = it->next;
	return it;
}

static void load_item(struct decoder *dec, struct epoll *ep)
{
	const struct codec_type *type;
	struct file *f = dec_ref_any(dec, &type);
	if (dec_ok(dec) && (!f || !file_ops_of_type(type))) {
		dec_fail(dec, "epoll item refers to a '%s', not a file",
			 type ? type->name : "null");
		return;
	}
	struct epitem *it = calloc(1, sizeof(*it));
	if (!it) {
		dec_fail(dec, "out of memory");
		return;
	}
	it->file = f;
	it->fd = (int)dec_u64_range(dec, 0, FDTABLE_MAX - 1,
				    "epoll item fd");
	it->events = dec_u32(dec);
	it->data = dec_u64(dec);
	items_append(ep, it);
	if (dec_ok(dec) && item_find(ep, f, it->fd) != it)
		dec_fail(dec, "epoll item (file, fd %d) twice", it->fd);
}

static void epoll_load(struct decoder *dec, void *obj)
{
	struct epoll *ep = obj;
	file_load_common(dec, &ep->file, &epoll_ops);
	/* A file reference, fd, events and data: 4 + 4 + 4 + 8 bytes. */
	uint32_t n = dec_count(dec, 20);
	for (uint32_t i = 0; i < n && dec_ok(dec); i++)
		load_item(dec, ep);
	uint32_t nready = dec_count(dec, 4);
	for (uint32_t i = 0; i < nready && dec_ok(dec); i++) {
		uint32_t idx = dec_u32(dec);
		struct epitem *it = dec_ok(dec) ? item_at(ep, idx) : NULL;
		if (dec_ok(dec) && (!it || it->ready))
			dec_fail(dec, "bad epoll ready item %u", idx);
		else if (it)
			ready_append(ep, it);
	}
}

/* Poll ops may need their file's own after_load (a timerfd's kernel
 * timer, phase 21): items register once every file kind has run its. */
#define EPOLL_RESTORE_PHASE 30

/* With every file loaded and working, each item joins its file's list
 * and registers with its queues again. */
static int epoll_after_load(void *obj, void *ctx, struct error *err)
{
	(void)ctx, (void)err;
	struct epoll *ep = obj;
	for (struct epitem *it = ep->items; it; it = it->next) {
		file_link(it);
		item_register(it);
	}
	return 0;
}

/* After a failed decode: the items only (other objects may be gone). */
static void epoll_codec_release(void *obj)
{
	struct epoll *ep = obj;
	for (struct epitem *it = ep->items, *next; it; it = next) {
		next = it->next;
		free(it);
	}
	ep->items = ep->items_tail = ep->ready = ep->ready_tail = NULL;
}

const struct codec_type codec_type_epoll = {
	.name = "epoll",
	.version = 1,
	.size = sizeof(struct epoll),
	.after_load_phase = EPOLL_RESTORE_PHASE,
	.save = epoll_save,
	.load = epoll_load,
	.after_load = epoll_after_load,
	.release = epoll_codec_release,
};
