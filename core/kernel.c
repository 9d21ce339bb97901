#include "core/kernel.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "core/fs/vfs.h"
#include "core/ktimer.h"
#include "core/memfile.h"
#include "platform/kvm/kvm.h"
#include "snapshot/image.h"
#include "core/task.h"

/* Undoes kernel_init_host's lock, condition variables and eventfd. */
static void kernel_release_host(struct kernel *k)
{
	if (!k->host_ready)
		return;
	k->host_ready = false;
	ktimer_queue_destroy(k);
	if (k->wake_fd >= 0)
		close(k->wake_fd);
	pthread_cond_destroy(&k->parked_cond);
	pthread_cond_destroy(&k->exit_cond);
	pthread_mutex_destroy(&k->lock);
}

/* Default reservation for application memory: virtual address space in
 * the kernel process, not memory; pages are only used when touched. */
#define KERNEL_MEMORY_MAX_DEFAULT (64ull << 30)

static int64_t host_clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t kernel_monotonic_ns(const struct kernel *k)
{
	return host_clock_ns(CLOCK_MONOTONIC) + k->monotonic_offset_ns;
}

void kernel_lock(struct kernel *k)
{
	pthread_mutex_lock(&k->lock);
}

void kernel_unlock(struct kernel *k)
{
	pthread_mutex_unlock(&k->lock);
}

/* Host-only state every kernel needs, whether created or restored. With
 * no platform name (unit tests of restore) no platform is made. */
static int kernel_init_host(struct kernel *k, const char *platform,
			    struct error *err)
{
	pthread_mutex_init(&k->lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&k->exit_cond, &attr);
	pthread_cond_init(&k->parked_cond, &attr);
	pthread_condattr_destroy(&attr);
	k->host_ready = true;
	k->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (k->wake_fd < 0)
		return error_set_errno(err, errno, "eventfd");
	if (ktimer_queue_create(k) < 0)
		return error_set(err, ENOMEM, "out of memory");
	for (int i = 0; i < 3; i++)
		k->host_stdio[i] = i;
	if (!platform)
		return 0;
	k->platform_ops = platform_find(platform);
	if (!k->platform_ops)
		return error_set(err, EINVAL, "unknown platform '%s'", platform);
	int rc = k->platform_ops->create(&k->platform, k->memfile->fd);
	if (rc < 0)
		return error_set_errno(err, -rc, "platform %s",
				       k->platform_ops->name);
	/* Only kvm can present another CPU; under ptrace programs run on
	 * the host's, a superset of any model they were saved under. */
	if (k->cpu_model == KERNEL_CPU_MODEL_BASELINE &&
	    k->platform_ops == &kvm_platform_ops) {
		rc = kvm_platform_set_cpu_model(k->platform,
						KVM_CPU_MODEL_BASELINE);
		if (rc < 0)
			return error_set_errno(err, -rc, "cpu model");
	}
	return 0;
}

void kernel_cpu_features(const struct kernel *k, struct image_cpu_features *f)
{
	if (k->platform_ops != &kvm_platform_ops) {
		image_cpu_features_host(f);
		return;
	}
	uint32_t r[4];
	kvm_platform_cpuid(k->platform, 1, 0, r);
	f->leaf1_ecx = r[2], f->leaf1_edx = r[3];
	kvm_platform_cpuid(k->platform, 7, 0, r);
	f->leaf7_ebx = r[1], f->leaf7_ecx = r[2], f->leaf7_edx = r[3];
	kvm_platform_cpuid(k->platform, 0x80000001, 0, r);
	f->ext1_ecx = r[2], f->ext1_edx = r[3];
	kvm_platform_cpuid(k->platform, 0xd, 0, r);
	f->xsave_size = r[1];
	f->xcr0 = ((uint64_t)r[3] << 32) | r[0];
}

int kernel_create(const struct kernel_options *opts, struct kernel **out,
		  struct error *err)
{
	struct kernel *k = calloc(1, sizeof(*k));
	if (!k)
		return error_set(err, ENOMEM, "out of memory");
	uint64_t max = opts->memory_max ? opts->memory_max
					: KERNEL_MEMORY_MAX_DEFAULT;
	int rc = memfile_create(&k->memfile, max);
	if (rc < 0) {
		free(k);
		return error_set_errno(err, -rc, "memory file");
	}
	k->next_tid = 1;
	strcpy(k->hostname, "snapctl");
	if (opts->cpu_model && !strcmp(opts->cpu_model, "baseline"))
		k->cpu_model = KERNEL_CPU_MODEL_BASELINE;
	k->boot_realtime_ns = (uint64_t)host_clock_ns(CLOCK_REALTIME);
	if (opts->strace)
		k->strace_out = stderr;
	rc = kernel_init_host(k, opts->platform ? opts->platform : "ptrace",
			      err);
	if (rc == 0)
		rc = vfs_create(k, opts->root, &k->vfs, err);
	if (rc < 0) {
		kernel_destroy(k);
		return rc;
	}
	*out = k;
	return 0;
}

void kernel_destroy(struct kernel *k)
{
	if (!k)
		return;
	/* The timer thread reads tasks: it goes first. */
	ktimer_queue_destroy(k);
	/* Threads before their group leaders: freeing a leader frees the
	 * group its threads point to. */
	for (int leaders = 0; leaders < 2; leaders++)
		for (struct task **p = &k->tasks; *p;) {
			struct task *t = *p;
			if ((t->tg && t->tg->leader == t) != leaders) {
				p = &t->next;
				continue;
			}
			*p = t->next;
			task_free(t);
		}
	/* Files hold memory-file pages: the filesystems go first. */
	vfs_destroy(k->vfs);
	if (k->platform)
		k->platform_ops->destroy(k->platform);
	memfile_destroy(k->memfile);
	kernel_release_host(k);
	free(k);
}

/* Shell form of a wait status: the exit code, or 128 + the signal. */
static int shell_status(int wait_status)
{
	if ((wait_status & 0x7f) == 0)
		return (wait_status >> 8) & 0xff;
	return 128 + (wait_status & 0x7f);
}

int kernel_wait(struct kernel *k)
{
	kernel_lock(k);
	while (k->live_tasks > 0)
		pthread_cond_wait(&k->exit_cond, &k->lock);
	kernel_unlock(k);
	/* Every task thread has finished its last kernel work; join them so
	 * nothing of theirs outlives the kernel. */
	for (struct task *t = k->tasks; t; t = t->next)
		if (t->thread_started) {
			pthread_join(t->thread, NULL);
			t->thread_started = false;
		}
	return shell_status(k->exit_status);
}

bool kernel_wait_event(struct kernel *k, int64_t deadline_ns)
{
	struct timespec ts = { deadline_ns / 1000000000,
			       deadline_ns % 1000000000 };
	kernel_lock(k);
	while (k->live_tasks > 0 && !k->checkpoint_wanted) {
		if (!deadline_ns)
			pthread_cond_wait(&k->exit_cond, &k->lock);
		else if (pthread_cond_timedwait(&k->exit_cond, &k->lock, &ts) ==
			 ETIMEDOUT)
			break;
	}
	k->checkpoint_wanted = false;
	bool gone = k->live_tasks == 0;
	kernel_unlock(k);
	return gone;
}

/* ---- serialization ---------------------------------------------------- */

static void kernel_save(struct encoder *enc, const void *obj)
{
	const struct kernel *k = obj;
	enc_ref(enc, &codec_type_memfile, k->memfile);
	enc_u32(enc, k->next_tid);
	/* Monotonic time continues from the freeze at restore (DESIGN.md
	 * "Time"). The checkpoint sets it while the sandbox is frozen;
	 * saving that, not a live reading, keeps the round trip exact. */
	enc_i64(enc, k->frozen_monotonic_ns);
	enc_u64(enc, k->boot_realtime_ns);
	enc_str(enc, k->hostname);
	enc_u64(enc, k->cpu_model);
	enc_i32(enc, k->exit_status);
	enc_bool(enc, k->exited);
	uint32_t n = 0;
	for (const struct task *t = k->tasks; t; t = t->next)
		n++;
	enc_u32(enc, n);
	for (const struct task *t = k->tasks; t; t = t->next)
		enc_ref(enc, &codec_type_task, t);
	enc_ref(enc, &codec_type_vfs, k->vfs);
}

static void kernel_load(struct decoder *dec, void *obj)
{
	struct kernel *k = obj;
	k->memfile = dec_ref(dec, &codec_type_memfile);
	if (dec_ok(dec) && !k->memfile)
		dec_fail(dec, "no memory file");
	k->next_tid = dec_u32(dec);
	k->frozen_monotonic_ns = dec_i64(dec);
	k->monotonic_offset_ns =
		k->frozen_monotonic_ns - host_clock_ns(CLOCK_MONOTONIC);
	k->boot_realtime_ns = dec_u64(dec);
	char *hostname = dec_str(dec, sizeof(k->hostname) - 1);
	if (hostname)
		strcpy(k->hostname, hostname);
	free(hostname);
	k->cpu_model = (uint32_t)dec_u64_range(dec, KERNEL_CPU_MODEL_HOST,
					       KERNEL_CPU_MODEL_BASELINE,
					       "cpu model");
	k->exit_status = dec_i32(dec);
	k->exited = dec_bool(dec);
	uint32_t n = dec_count(dec, 4);
	struct task **tail = &k->tasks, *prev = NULL;
	for (uint32_t i = 0; i < n && dec_ok(dec); i++) {
		struct task *t = dec_ref(dec, &codec_type_task);
		/* A task listed twice would make the list a cycle. */
		if (!t || t->next || t == prev) {
			dec_fail(dec, "task list entry %u is invalid", i);
			return;
		}
		*tail = prev = t;
		tail = &t->next;
	}
	k->vfs = dec_ref(dec, &codec_type_vfs);
}

/* Rebuilds the host side: lock, stdio, and the platform, whose memory
 * file descriptor the memory file's hook (phase 0) has just created. */
static int kernel_after_load(void *obj, void *ctx, struct error *err)
{
	struct kernel *k = obj;
	struct kernel_restore *r = ctx;
	if (!r)
		return error_set(err, EINVAL, "no restore context");
	r->kernel = k;
	/* Counted here, not in kernel_load: the kernel is object 1 and
	 * loads before its tasks, whose state is still zero then. */
	k->live_tasks = 0;
	for (const struct task *t = k->tasks; t; t = t->next)
		if (t->state != TASK_EXITED)
			k->live_tasks++;
	if (r->opts && r->opts->strace)
		k->strace_out = stderr;
	return kernel_init_host(k, r->opts ? r->opts->platform : NULL, err);
}

/* Frees the host side kernel_after_load made, if a later hook fails. */
static void kernel_release(void *obj)
{
	struct kernel *k = obj;
	if (k->platform)
		k->platform_ops->destroy(k->platform);
	k->platform = NULL;
	kernel_release_host(k);
}

const struct codec_type codec_type_kernel = {
	.name = "kernel",
	.version = 1,
	.size = sizeof(struct kernel),
	.after_load_phase = KERNEL_RESTORE_PHASE,
	.save = kernel_save,
	.load = kernel_load,
	.after_load = kernel_after_load,
	.release = kernel_release,
};
