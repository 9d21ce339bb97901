/* Signals for the strace formatter: names, signal sets and the kernel's
 * struct sigaction. */
#include <inttypes.h>
#include <sys/syscall.h>
#include <asm/signal.h>

#include "core/strace_impl.h"

/* 1..31, then strace's names of the real-time signals: SIGRTMIN is 32
 * (the kernel's; glibc reserves 32 and 33 for itself). */
static const char *const signal_names[] = {
	[SIGHUP] = "SIGHUP", [SIGINT] = "SIGINT", [SIGQUIT] = "SIGQUIT",
	[SIGILL] = "SIGILL", [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
	[SIGBUS] = "SIGBUS", [SIGFPE] = "SIGFPE", [SIGKILL] = "SIGKILL",
	[SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
	[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",
	[SIGSTKFLT] = "SIGSTKFLT", [SIGCHLD] = "SIGCHLD",
	[SIGCONT] = "SIGCONT", [SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",
	[SIGTTIN] = "SIGTTIN", [SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG",
	[SIGXCPU] = "SIGXCPU", [SIGXFSZ] = "SIGXFSZ",
	[SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
	[SIGWINCH] = "SIGWINCH", [SIGIO] = "SIGIO", [SIGPWR] = "SIGPWR",
	[SIGSYS] = "SIGSYS",
	[SIGRTMIN] = "SIGRTMIN",
	"SIGRT_1", "SIGRT_2", "SIGRT_3", "SIGRT_4", "SIGRT_5", "SIGRT_6",
	"SIGRT_7", "SIGRT_8", "SIGRT_9", "SIGRT_10", "SIGRT_11", "SIGRT_12",
	"SIGRT_13", "SIGRT_14", "SIGRT_15", "SIGRT_16", "SIGRT_17",
	"SIGRT_18", "SIGRT_19", "SIGRT_20", "SIGRT_21", "SIGRT_22",
	"SIGRT_23", "SIGRT_24", "SIGRT_25", "SIGRT_26", "SIGRT_27",
	"SIGRT_28", "SIGRT_29", "SIGRT_30", "SIGRT_31", "SIGRT_32",
};

const char *strace_signal_name(int sig)
{
	const int n = sizeof(signal_names) / sizeof(signal_names[0]);
	return sig > 0 && sig < n ? signal_names[sig] : NULL;
}

void sout_signo(struct sout *o, uint64_t sig)
{
	const char *name = strace_signal_name((int)sig);
	if (name)
		sout_puts(o, name);
	else
		sout_printf(o, "%d", (int)sig);
}

static unsigned popcount64(uint64_t v)
{
	return (unsigned)__builtin_popcountll(v);
}

/* strace prints the complement ("~[KILL STOP]") when two thirds or more
 * of the set's bits are set. */
void sout_sigmask(struct sout *o, uint64_t mask, unsigned nbytes)
{
	unsigned bits = (nbytes + 3) / 4 * 32;
	uint64_t all = bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
	mask &= all;
	if (popcount64(mask) >= bits * 2 / 3) {
		sout_putc(o, '~');
		mask = ~mask & all;
	}
	sout_putc(o, '[');
	for (unsigned b = 0, n = 0; b < bits; b++) {
		if (!(mask & (UINT64_C(1) << b)))
			continue;
		if (n++)
			sout_putc(o, ' ');
		const char *name = strace_signal_name((int)b + 1);
		if (name)
			sout_puts(o, name + 3);
		else
			sout_printf(o, "%u", b + 1);
	}
	sout_putc(o, ']');
}

/* The sigsetsize argument of the calls that take a sigset. */
static uint64_t sigset_bytes(const struct sfmt *f)
{
	switch (f->nr) {
	case SYS_rt_sigpending:
	case SYS_rt_sigsuspend:
		return f->a[1];
	case SYS_signalfd4:
		return f->a[2];
	default:
		return f->a[3];
	}
}

void sf_print_sigset(struct sfmt *f, uint64_t addr)
{
	uint64_t mask = 0, n = sigset_bytes(f);
	if (n == 0 || n > sizeof(mask)) {
		sout_ptr(&f->out, addr);
		return;
	}
	if (sf_read_or_addr(f, &mask, addr, n))
		sout_sigmask(&f->out, mask, (unsigned)n);
}

/* The x86-64 kernel's struct sigaction (arch/x86/include/uapi/asm/
 * signal.h), which rt_sigaction takes; glibc's differs. */
struct k_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

static void print_handler(struct sout *o, uint64_t h)
{
	if (h == (uint64_t)(uintptr_t)SIG_DFL)
		sout_puts(o, "SIG_DFL");
	else if (h == (uint64_t)(uintptr_t)SIG_IGN)
		sout_puts(o, "SIG_IGN");
	else
		sout_hex(o, h);
}

void sf_print_sigaction(struct sfmt *f, uint64_t addr)
{
	struct k_sigaction sa;
	if (!sf_read_or_addr(f, &sa, addr, sizeof(sa)))
		return;
	struct sout *o = &f->out;
	sout_puts(o, "{sa_handler=");
	print_handler(o, sa.handler);
	sout_puts(o, ", sa_mask=");
	sout_sigmask(o, sa.mask, sizeof(sa.mask));
	sout_puts(o, ", sa_flags=");
	sout_flags(o, sxl_sa_flags, sa.flags, "0", NULL);
	if (sa.flags & SA_RESTORER) {
		sout_puts(o, ", sa_restorer=");
		sout_hex(o, sa.restorer);
	}
	sout_putc(o, '}');
}
