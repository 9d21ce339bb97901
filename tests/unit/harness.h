/* A tiny unit-test harness. Each test binary defines tests with TEST(name);
 * main() (harness.c) runs them all, or those named on the command line,
 * and prints one line per test -- "ok NAME", "not ok NAME: why" or
 * "skip NAME: why" -- which tests/run counts.
 *
 * CHECK(cond) records a failure with file:line and the condition and
 * returns from the test; CHECK_EQ compares two integers and prints both. */
#ifndef TESTS_UNIT_HARNESS_H
#define TESTS_UNIT_HARNESS_H

#include <stdint.h>
#include <stdio.h>

struct test_case {
	const char *name;
	void (*fn)(void);
	struct test_case *next;
};

void harness_register(struct test_case *tc);
void harness_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void harness_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int harness_failed(void);

/* A scratch directory unique to this test binary's run, removed at exit. */
const char *harness_tmpdir(void);

#define TEST(name)                                                        \
	static void test_##name(void);                                     \
	static struct test_case tc_##name = { #name, test_##name, NULL };   \
	__attribute__((constructor)) static void reg_##name(void)          \
	{                                                                   \
		harness_register(&tc_##name);                               \
	}                                                                   \
	static void test_##name(void)

#define CHECK(cond)                                                       \
	do {                                                               \
		if (!(cond)) {                                             \
			harness_fail(__FILE__, __LINE__, "%s", #cond);     \
			return;                                            \
		}                                                          \
	} while (0)

#define CHECK_EQ(a, b)                                                    \
	do {                                                               \
		long long va_ = (long long)(a), vb_ = (long long)(b);      \
		if (va_ != vb_) {                                          \
			harness_fail(__FILE__, __LINE__,                   \
				     "%s == %s (%lld != %lld)", #a, #b,     \
				     va_, vb_);                             \
			return;                                            \
		}                                                          \
	} while (0)

#define SKIP(...)                                                         \
	do {                                                               \
		harness_skip(__VA_ARGS__);                                 \
		return;                                                    \
	} while (0)

#endif
