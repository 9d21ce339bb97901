/* The CPU features an image records, and which of them a restoring host
 * lacks: a program that chose AVX-512 code paths at startup would crash
 * with SIGILL after a restore on a host without AVX-512, so restore
 * refuses with the list of missing features instead. */
#include "snapshot/image.h"

#include <cpuid.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* XCR0 via the XGETBV opcode, so no -mxsave is needed. Only valid when
 * CPUID.1:ECX.OSXSAVE says the OS enabled XSAVE. */
static uint64_t read_xcr0(void)
{
	uint32_t lo, hi;
	__asm__ volatile(".byte 0x0f, 0x01, 0xd0" /* xgetbv */
			 : "=a"(lo), "=d"(hi)
			 : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

void image_cpu_features_host(struct image_cpu_features *f)
{
	unsigned a, b, c, d;
	memset(f, 0, sizeof(*f));
	/* __get_cpuid{,_count} return 0 for leaves above the CPU's maximum. */
	if (__get_cpuid(1, &a, &b, &c, &d)) {
		f->leaf1_ecx = c;
		f->leaf1_edx = d;
	}
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
		f->leaf7_ebx = b;
		f->leaf7_ecx = c;
		f->leaf7_edx = d;
	}
	if (__get_cpuid_count(0xd, 0, &a, &b, &c, &d))
		f->xsave_size = b;
	if (__get_cpuid(0x80000001, &a, &b, &c, &d)) {
		f->ext1_ecx = c;
		f->ext1_edx = d;
	}
	if (f->leaf1_ecx & (1u << 27))
		f->xcr0 = read_xcr0();
}

struct feature_name {
	uint8_t bit;
	const char *name;
};

/* One CPUID (or XCR0) word: its bits' names, and the bits that describe
 * the platform (a hypervisor, APIC, power management, speculation
 * controls) rather than instructions user code can run, which may differ
 * between hosts without harm. */
struct feature_word {
	const char *label;
	size_t offset;
	bool wide;                     /* uint64_t field (xcr0) */
	uint64_t ignore;
	const struct feature_name *names;
};

#define BIT(n) (1ull << (n))

static const struct feature_name leaf1_ecx_names[] = {
	{ 0, "sse3" }, { 1, "pclmulqdq" }, { 9, "ssse3" }, { 12, "fma" },
	{ 13, "cx16" }, { 19, "sse4_1" }, { 20, "sse4_2" }, { 22, "movbe" },
	{ 23, "popcnt" }, { 25, "aes" }, { 26, "xsave" }, { 27, "osxsave" },
	{ 28, "avx" }, { 29, "f16c" }, { 30, "rdrand" }, { 0, NULL },
};
static const struct feature_name leaf1_edx_names[] = {
	{ 0, "fpu" }, { 4, "tsc" }, { 8, "cx8" }, { 15, "cmov" },
	{ 19, "clflush" }, { 23, "mmx" }, { 24, "fxsr" }, { 25, "sse" },
	{ 26, "sse2" }, { 0, NULL },
};
static const struct feature_name leaf7_ebx_names[] = {
	{ 0, "fsgsbase" }, { 3, "bmi1" }, { 4, "hle" }, { 5, "avx2" },
	{ 8, "bmi2" }, { 9, "erms" }, { 11, "rtm" }, { 16, "avx512f" },
	{ 17, "avx512dq" }, { 18, "rdseed" }, { 19, "adx" },
	{ 21, "avx512ifma" }, { 23, "clflushopt" }, { 24, "clwb" },
	{ 28, "avx512cd" }, { 29, "sha" }, { 30, "avx512bw" },
	{ 31, "avx512vl" }, { 0, NULL },
};
static const struct feature_name leaf7_ecx_names[] = {
	{ 1, "avx512vbmi" }, { 3, "pku" }, { 5, "waitpkg" },
	{ 6, "avx512vbmi2" }, { 8, "gfni" }, { 9, "vaes" },
	{ 10, "vpclmulqdq" }, { 11, "avx512vnni" }, { 12, "avx512bitalg" },
	{ 14, "avx512vpopcntdq" }, { 22, "rdpid" }, { 27, "movdiri" },
	{ 28, "movdir64b" }, { 0, NULL },
};
static const struct feature_name leaf7_edx_names[] = {
	{ 4, "fsrm" }, { 8, "avx512vp2intersect" }, { 14, "serialize" },
	{ 22, "amx_bf16" }, { 23, "avx512fp16" }, { 24, "amx_tile" },
	{ 25, "amx_int8" }, { 0, NULL },
};
static const struct feature_name ext1_ecx_names[] = {
	{ 0, "lahf_lm" }, { 5, "lzcnt" }, { 6, "sse4a" }, { 8, "prefetchw" },
	{ 11, "xop" }, { 16, "fma4" }, { 21, "tbm" }, { 0, NULL },
};
static const struct feature_name ext1_edx_names[] = {
	{ 11, "syscall" }, { 20, "nx" }, { 27, "rdtscp" }, { 29, "lm" },
	{ 0, NULL },
};
static const struct feature_name xcr0_names[] = {
	{ 0, "xcr0.x87" }, { 1, "xcr0.sse" }, { 2, "xcr0.avx" },
	{ 3, "xcr0.bndregs" }, { 4, "xcr0.bndcsr" }, { 5, "xcr0.opmask" },
	{ 6, "xcr0.zmm_hi256" }, { 7, "xcr0.hi16_zmm" }, { 9, "xcr0.pkru" },
	{ 17, "xcr0.xtilecfg" }, { 18, "xcr0.xtiledata" }, { 0, NULL },
};

#define WORD(field, ign, tbl)                                           \
	{ #field, offsetof(struct image_cpu_features, field), false, ign, tbl }

static const struct feature_word feature_words[] = {
	/* monitor, ds-cpl, vmx, smx, est, tm2, cnxt-id, xtpr, pdcm, pcid,
	 * dca, x2apic, tsc-deadline, hypervisor */
	WORD(leaf1_ecx, BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(7) | BIT(8) |
		 BIT(10) | BIT(14) | BIT(15) | BIT(17) | BIT(18) | BIT(21) |
		 BIT(24) | BIT(31), leaf1_ecx_names),
	/* mce, apic, mtrr, mca, psn, ds, acpi, ss, htt, tm, pbe */
	WORD(leaf1_edx, BIT(7) | BIT(9) | BIT(12) | BIT(14) | BIT(18) |
		 BIT(21) | BIT(22) | BIT(27) | BIT(28) | BIT(29) | BIT(31),
	     leaf1_edx_names),
	/* tsc_adjust, smep, invpcid, smap, intel pt */
	WORD(leaf7_ebx, BIT(1) | BIT(7) | BIT(10) | BIT(20) | BIT(25),
	     leaf7_ebx_names),
	/* umip, ospke */
	WORD(leaf7_ecx, BIT(2) | BIT(4), leaf7_ecx_names),
	/* srbds, md_clear, tsx_force_abort, hybrid, pconfig, ibt, and
	 * bits 26..31 (speculation controls) */
	WORD(leaf7_edx, BIT(9) | BIT(10) | BIT(13) | BIT(15) | BIT(18) |
		 BIT(20) | 0xfc000000u, leaf7_edx_names),
	WORD(ext1_ecx, 0, ext1_ecx_names),
	WORD(ext1_edx, 0, ext1_edx_names),
	{ "xcr0", offsetof(struct image_cpu_features, xcr0), true, 0,
	  xcr0_names },
};

static uint64_t feature_word_get(const struct image_cpu_features *f,
				 const struct feature_word *w)
{
	const uint8_t *p = (const uint8_t *)f + w->offset;
	if (w->wide) {
		uint64_t v;
		memcpy(&v, p, sizeof(v));
		return v;
	}
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* Appends ", item" (or "item" first) to buf, truncating quietly. */
static void list_add(char *buf, size_t buflen, size_t *used, const char *item)
{
	if (!buflen)
		return;
	int n = snprintf(buf + *used, buflen - *used, "%s%s",
			 *used ? ", " : "", item);
	if (n > 0)
		*used += (size_t)n < buflen - *used ? (size_t)n
						    : buflen - *used - 1;
}

/* Names the missing bits of one word; unnamed ones as "word=0xbits". */
static int word_missing(const struct feature_word *w, uint64_t missing,
			char *buf, size_t buflen, size_t *used)
{
	int count = 0;
	for (const struct feature_name *n = w->names; n->name; n++) {
		if (missing & BIT(n->bit)) {
			list_add(buf, buflen, used, n->name);
			missing &= ~BIT(n->bit);
			count++;
		}
	}
	if (missing) {
		char item[64];
		snprintf(item, sizeof(item), "%s=0x%" PRIx64, w->label,
			 missing);
		list_add(buf, buflen, used, item);
		count += __builtin_popcountll(missing);
	}
	return count;
}

int image_cpu_features_missing(const struct image_cpu_features *need,
			       const struct image_cpu_features *have,
			       char *buf, size_t buflen)
{
	size_t used = 0;
	int count = 0;
	if (buflen)
		buf[0] = 0;
	for (size_t i = 0; i < sizeof(feature_words) / sizeof(feature_words[0]); i++) {
		const struct feature_word *w = &feature_words[i];
		uint64_t missing = feature_word_get(need, w) &
				   ~feature_word_get(have, w) & ~w->ignore;
		count += word_missing(w, missing, buf, buflen, &used);
	}
	/* Saved XSAVE state must fit the restoring host's XSAVE area. */
	if (need->xsave_size > have->xsave_size) {
		char item[64];
		snprintf(item, sizeof(item), "xsave area %u > %u bytes",
			 need->xsave_size, have->xsave_size);
		list_add(buf, buflen, &used, item);
		count++;
	}
	return count;
}
