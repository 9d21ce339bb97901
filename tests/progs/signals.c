/* Signals: handlers with siginfo, masks and pending sets, faults caught
 * and recovered with siglongjmp (right si_code and si_addr), nested
 * handlers, SA_RESETHAND, an alternate stack, sigsuspend, vector state
 * kept across a handler, and kill's errors. */
#include <errno.h>
#include <immintrin.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/progs/check.h"

static volatile sig_atomic_t got, depth, max_depth;
static siginfo_t last;
static sigjmp_buf jb;
static char altstack[64 * 1024];
static volatile uintptr_t handler_sp;

static void on_info(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got = sig;
	last = *si;
}

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got = sig;
	last = *si;
	siglongjmp(jb, 1);
}

static void on_nested(int sig)
{
	depth++;
	if (depth > max_depth)
		max_depth = depth;
	if (sig == SIGUSR1)
		raise(SIGUSR2);   /* runs inside this handler */
	depth--;
}

static void on_altstack(int sig)
{
	volatile char here;
	got = sig;
	handler_sp = (uintptr_t)&here;
}

static void on_float(int sig)
{
	/* Clobbers vector registers; the interrupted code must not see it. */
	volatile __m128d x = _mm_set1_pd(3.5);
	x = _mm_mul_pd(x, x);
	got = sig;
}

static void install(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(sig, &sa, NULL) == 0);
}

static void install_simple(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(sig, &sa, NULL) == 0);
}

static void test_handler_and_info(void)
{
	install(SIGUSR1, on_info, 0);
	CHECK(kill(getpid(), SIGUSR1) == 0);
	CHECK(got == SIGUSR1);
	CHECK(last.si_signo == SIGUSR1 && last.si_code == SI_USER);
	CHECK(last.si_pid == getpid() && last.si_uid == getuid());
	printf("handler ok\n");
}

static void test_mask_and_pending(void)
{
	sigset_t set, pend, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CHECK(sigprocmask(SIG_BLOCK, &set, &old) == 0);
	got = 0;
	CHECK(raise(SIGUSR1) == 0);
	CHECK(got == 0);
	CHECK(sigpending(&pend) == 0 && sigismember(&pend, SIGUSR1));
	CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
	CHECK(got == SIGUSR1 && last.si_code == SI_TKILL);
	CHECK(sigpending(&pend) == 0 && !sigismember(&pend, SIGUSR1));
	printf("mask ok\n");
}

static void test_faults(void)
{
	install(SIGSEGV, on_fault, 0);
	if (sigsetjmp(jb, 1) == 0) {
		volatile uintptr_t bad = 8;
		*(volatile int *)bad = 1;
		CHECK(!"no fault");
	}
	CHECK(got == SIGSEGV && last.si_code == SEGV_MAPERR);
	CHECK((uintptr_t)last.si_addr == 8);
	char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(ro != MAP_FAILED);
	if (sigsetjmp(jb, 1) == 0) {
		*(volatile char *)(ro + 16) = 1;
		CHECK(!"no fault");
	}
	CHECK(got == SIGSEGV && last.si_code == SEGV_ACCERR);
	CHECK(last.si_addr == ro + 16);
	install(SIGILL, on_fault, 0);
	if (sigsetjmp(jb, 1) == 0)
		__asm__ volatile("ud2");
	CHECK(got == SIGILL && last.si_code == ILL_ILLOPN);
	install(SIGFPE, on_fault, 0);
	if (sigsetjmp(jb, 1) == 0) {
		volatile int zero = 0, one = 1;
		got = one / zero;
	}
	CHECK(got == SIGFPE && last.si_code == FPE_INTDIV);
	/* siglongjmp restored the mask: faults are catchable again. */
	if (sigsetjmp(jb, 1) == 0) {
		volatile uintptr_t bad = 16;
		(void)*(volatile int *)bad;
	}
	CHECK(got == SIGSEGV && (uintptr_t)last.si_addr == 16);
	printf("faults ok\n");
}

static void test_nested_and_resethand(void)
{
	install_simple(SIGUSR1, on_nested, 0);
	install_simple(SIGUSR2, on_nested, 0);
	raise(SIGUSR1);
	CHECK(max_depth == 2 && depth == 0);
	install_simple(SIGUSR2, on_altstack, SA_RESETHAND);
	raise(SIGUSR2);
	struct sigaction now;
	CHECK(sigaction(SIGUSR2, NULL, &now) == 0);
	CHECK(now.sa_handler == SIG_DFL);
	printf("nested ok\n");
}

static void test_altstack(void)
{
	stack_t ss = { altstack, 0, sizeof(altstack) }, old;
	CHECK(sigaltstack(&ss, &old) == 0);
	CHECK(old.ss_flags == SS_DISABLE);
	install_simple(SIGUSR2, on_altstack, SA_ONSTACK);
	raise(SIGUSR2);
	CHECK(handler_sp > (uintptr_t)altstack &&
	      handler_sp < (uintptr_t)altstack + sizeof(altstack));
	ss.ss_size = 100;
	CHECK(sigaltstack(&ss, NULL) == -1 && errno == ENOMEM);
	printf("altstack ok\n");
}

static void test_vector_state(void)
{
	install_simple(SIGUSR1, on_float, 0);
	__m128d v = _mm_set_pd(1.25, -7.5);
	raise(SIGUSR1);
	double out[2];
	_mm_storeu_pd(out, v);
	CHECK(out[0] == -7.5 && out[1] == 1.25);
	printf("vector ok\n");
}

static void test_sigsuspend(void)
{
	install(SIGUSR1, on_info, 0);
	sigset_t block, empty, now;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigemptyset(&empty);
	CHECK(sigprocmask(SIG_BLOCK, &block, NULL) == 0);
	got = 0;
	raise(SIGUSR1);
	CHECK(got == 0);
	CHECK(sigsuspend(&empty) == -1 && errno == EINTR);
	CHECK(got == SIGUSR1);
	CHECK(sigprocmask(SIG_BLOCK, NULL, &now) == 0);
	CHECK(sigismember(&now, SIGUSR1));
	CHECK(sigprocmask(SIG_UNBLOCK, &block, NULL) == 0);
	printf("sigsuspend ok\n");
}

static void test_ignore_and_errors(void)
{
	signal(SIGUSR1, SIG_IGN);
	got = 0;
	raise(SIGUSR1);
	CHECK(got == 0);
	CHECK(kill(getpid(), 0) == 0);
	CHECK(kill(99999, SIGUSR1) == -1 && errno == ESRCH);
	CHECK(kill(getpid(), 99) == -1 && errno == EINVAL);
	CHECK(sigaction(SIGKILL, &(struct sigaction){ .sa_handler = SIG_IGN },
			NULL) == -1 && errno == EINVAL);
	printf("errors ok\n");
}

int main(void)
{
	test_handler_and_info();
	test_mask_and_pending();
	test_faults();
	test_nested_and_resethand();
	test_altstack();
	test_vector_state();
	test_sigsuspend();
	test_ignore_and_errors();
	return 0;
}
