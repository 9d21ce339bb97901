/* The ptrace platform: the instance, its master stub and its forker
 * thread. See README.md for the design. */
#include "platform/ptrace/ptrace.h"

#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform/cpu.h"
#include "platform/ptrace/internal.h"
#include "platform/ptrace/stub.h"

static void *forker_main(void *arg)
{
	struct platform *p = arg;
	pid_t pid;

	/* Every signal blocked here is blocked in the master until its
	 * start resets the mask: nothing of the kernel's may run there. */
	/* The master and every stub inherit this name: what ps shows.
	 * Cosmetic, so its failure does not matter. */
	(void)pthread_setname_np(pthread_self(), "snapctl-stub");
	int r = stub_thread_prepare();
	pid = r ? r : stub_spawn_master(p->image);
	pthread_mutex_lock(&p->lock);
	p->spawned = pid ? pid : -EIO;
	pthread_cond_broadcast(&p->cond);
	/* Live as long as the platform: the stubs' parent-death signal is
	 * tied to this thread. */
	while (!p->stopping)
		pthread_cond_wait(&p->cond, &p->lock);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static uint32_t host_mxcsr_mask(void)
{
	uint8_t area[512] __attribute__((aligned(16)));
	uint32_t mask;

	memset(area, 0, sizeof(area));
	__asm__ volatile("fxsave64 %0" : "=m"(area));
	memcpy(&mask, area + CPU_XSAVE_MXCSR_MASK, sizeof(mask));
	return mask ? mask : 0xffbf;   /* 0 means the default mask */
}

static int probe_xsave(struct platform *p)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_XSAVE) ||
	    !(c & bit_OSXSAVE))
		return -ENOTSUP;
	__cpuid_count(0xd, 0, a, b, c, d);
	/* ebx: the size for the features enabled in XCR0, ecx: for all the
	 * CPU has. The ptrace regset is one of these; its length must be
	 * given exactly or larger (the host clamps it). */
	uint32_t size = b > c ? b : c;
	if (size < CPU_XSAVE_MAX)
		size = CPU_XSAVE_MAX;
	p->regset_size = (size + 63) & ~63u;
	p->xsave_size = cpu_xsave_size();
	p->xfeatures = cpu_xsave_features();
	p->mxcsr_mask = host_mxcsr_mask();
	return 0;
}

static void platform_free(struct platform *p)
{
	free((void *)p->image);
	pthread_mutex_destroy(&p->list_lock);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static void forker_stop(struct platform *p)
{
	if (!p->forker_started)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->forker, NULL);
	p->forker_started = false;
}

static void master_kill(struct platform *p)
{
	int status;

	stub_chan_close(&p->master);
	if (p->master_pid > 0) {
		kill(p->master_pid, SIGKILL);
		while (waitpid(p->master_pid, &status, __WALL) < 0 &&
		       errno == EINTR)
			;
		p->master_pid = 0;
	}
}

static int start_master(struct platform *p, int memfd)
{
	struct sock_filter filter[STUB_FILTER_MAX];
	size_t filter_len;
	int stub_ctl = -1, stub_req = -1, r;
	uint8_t *image;

	r = stub_filter_build(filter, STUB_FILTER_MAX, &filter_len);
	if (r)
		return r;
	image = malloc(STUB_IMAGE_SIZE);
	if (!image)
		return -ENOMEM;
	p->image = image;
	r = stub_chan_open(&p->master, &stub_ctl, &stub_req);
	if (r)
		return r;
	r = stub_image_build(image, p->self, memfd, stub_ctl, stub_req,
			     filter, filter_len);
	if (r)
		goto out;

	r = pthread_create(&p->forker, NULL, forker_main, p);
	if (r) {
		r = -r;
		goto out;
	}
	p->forker_started = true;
	pthread_mutex_lock(&p->lock);
	while (!p->spawned)
		pthread_cond_wait(&p->cond, &p->lock);
	pthread_mutex_unlock(&p->lock);
	if (p->spawned < 0) {
		r = p->spawned;
		goto out;
	}
	p->master_pid = p->spawned;

	int64_t res;
	r = stub_chan_call(&p->master, STUB_OP_NOP, NULL, 0, NULL, &res);
	if (!r && res != 0)
		r = -EIO;
	if (r == -ESRCH)
		r = -EIO;              /* it died starting */
out:
	if (stub_ctl >= 0)
		close(stub_ctl);
	if (stub_req >= 0)
		close(stub_req);
	return r;
}

static int ptrace_create(struct platform **out, int memfd)
{
	struct platform *p = calloc(1, sizeof(*p));
	int r, dupfd = -1;

	if (!p)
		return -ENOMEM;
	p->self = getpid();
	p->thread_exit_rip = stub_thread_exit_rip();
	p->master.ctl = -1;
	atomic_init(&p->dead_gen, 0);
	if ((r = pthread_mutex_init(&p->lock, NULL)) ||
	    (r = pthread_cond_init(&p->cond, NULL)) ||
	    (r = pthread_mutex_init(&p->list_lock, NULL))) {
		/* Default attributes: glibc never fails these; be safe. */
		free(p);
		return -r;
	}

	r = probe_xsave(p);
	if (r)
		goto fail;
	/* Our own descriptor, so the master inherits it whatever the
	 * kernel does with memfd meanwhile; the master is the only holder
	 * that matters afterwards. */
	dupfd = fcntl(memfd, F_DUPFD_CLOEXEC, 3);
	if (dupfd < 0) {
		r = -errno;
		goto fail;
	}
	r = start_master(p, dupfd);
	close(dupfd);
	if (r)
		goto fail;
	*out = p;
	return 0;
fail:
	master_kill(p);
	forker_stop(p);
	platform_free(p);
	return r;
}

static void ptrace_destroy(struct platform *p)
{
	if (!p)
		return;
	ptrace_as_reap_all(p);
	master_kill(p);
	forker_stop(p);
	platform_free(p);
}

int ptrace_platform_fork_stub(struct platform *p, int ctl, int req,
			      pid_t *pid)
{
	int64_t res;
	int fds[2] = { ctl, req };
	int r = stub_chan_call(&p->master, STUB_OP_FORK, NULL, 0, fds, &res);

	if (r)
		return r == -ESRCH ? -EIO : r;
	if (res < 0 && res >= -4095)
		return (int)res;
	if (res <= 0 || res > INT32_MAX)
		return -EIO;
	*pid = (pid_t)res;
	return 0;
}

pid_t ptrace_platform_master_pid(struct platform *p)
{
	return p->master_pid;
}

const struct platform_ops ptrace_platform_ops = {
	.name = "ptrace",
	.create = ptrace_create,
	.destroy = ptrace_destroy,
	.as_create = ptrace_as_create,
	.as_destroy = ptrace_as_destroy,
	.as_map = ptrace_as_map,
	.as_unmap = ptrace_as_unmap,
	.as_protect = ptrace_as_protect,
	.ctx_create = ptrace_ctx_create,
	.ctx_destroy = ptrace_ctx_destroy,
	.ctx_switch = ptrace_ctx_switch,
	.ctx_pull_state = ptrace_ctx_pull_state,
	.ctx_interrupt = ptrace_ctx_interrupt,
	.can_trap_cpuid = false,
	.switch_cost_ns = 4000,
};
