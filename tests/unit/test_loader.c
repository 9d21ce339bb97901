/* Unit tests for core/loader*.c on a kernel without a platform: a
 * dynamic program with its interpreter (where each goes, the auxv that
 * ld.so reads), "#!" scripts (argv rewriting, nesting limit, bad lines),
 * and execve's errors. The lower layer holds copies of the host's
 * /bin/true and ld.so. */
#include <elf.h>
#include <errno.h>
#include <stdint.h>

#include "core/fs/namei.h"
#include "core/loader.h"
#include "tests/unit/fs_fixture.h"

#define LDSO "/lib64/ld-linux-x86-64.so.2"
#define TRUE_BIN "/bin/true"

static struct fs_fixture fx;

#define SETUP()                                                           \
	do {                                                               \
		if (fx_setup(&fx, __func__) < 0) {                          \
			fx_teardown(&fx);                                  \
			harness_fail(__FILE__, __LINE__, "setup failed");  \
			return;                                            \
		}                                                          \
	} while (0)

/* Copies a host file into the lower layer (rel without the leading /). */
static int host_copy(const char *from, const char *rel, mode_t mode)
{
	char p[1024];
	snprintf(p, sizeof(p), "%s/%s", fx.lower, rel);
	FILE *in = fopen(from, "rb"), *out = fopen(p, "wb");
	int rc = in && out ? 0 : -1;
	char buf[65536];
	size_t n;
	while (rc == 0 && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -1;
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	return rc == 0 ? chmod(p, mode) : rc;
}

static void host_script(const char *rel, const char *text, mode_t mode)
{
	char p[1024];
	host_write(&fx, rel, text);
	snprintf(p, sizeof(p), "%s/%s", fx.lower, rel);
	chmod(p, mode);
}

static int load(const char *path, char *const argv[],
		struct loader_program *prog, struct error *err)
{
	static char *const envp[] = { "E=1", NULL };
	const struct loader_args a = {
		.dirfd = AT_FDCWD, .path = path, .walk_flags = WALK_FOLLOW,
		.argv = argv, .envp = envp,
	};
	memset(err, 0, sizeof(*err));
	return loader_load(fx.t, &a, prog, err);
}

static uint64_t auxv_get(const struct mm *mm, uint64_t key)
{
	const uint64_t *v = (const uint64_t *)mm->auxv;
	for (size_t i = 0; i + 1 < mm->auxv_len / 8; i += 2)
		if (v[i] == key)
			return v[i + 1];
	return UINT64_MAX;
}

/* argv[i] of the new program, read from its stack. */
static int stack_arg(struct loader_program *p, int i, char *buf, size_t size)
{
	uint64_t ptr;
	if (mm_copy_from(p->mm, &ptr, p->sp + 8 + 8 * (uint64_t)i, 8) < 0 ||
	    !ptr)
		return -1;
	return mm_copy_string_from(p->mm, buf, ptr, size) < 0 ? -1 : 0;
}

static uint64_t stack_argc(struct loader_program *p)
{
	uint64_t argc = 0;
	mm_copy_from(p->mm, &argc, p->sp, 8);
	return argc;
}

static int elf_entry(const char *host_path, uint64_t *entry)
{
	Elf64_Ehdr eh;
	FILE *f = fopen(host_path, "rb");
	int ok = f && fread(&eh, sizeof(eh), 1, f) == 1;
	if (f)
		fclose(f);
	*entry = eh.e_entry;
	return ok ? 0 : -1;
}

static bool have_dynamic_true(void)
{
	return access(TRUE_BIN, X_OK) == 0 && access(LDSO, R_OK) == 0;
}

static int copy_true_and_ldso(void)
{
	host_mkdir(&fx, "bin");
	host_mkdir(&fx, "lib64");
	if (host_copy(TRUE_BIN, "bin/true", 0755) < 0)
		return -1;
	return host_copy(LDSO, "lib64/ld-linux-x86-64.so.2", 0755);
}

TEST(loader_dynamic_program_and_interpreter)
{
	if (!have_dynamic_true())
		SKIP("no dynamic %s with %s on the host", TRUE_BIN, LDSO);
	SETUP();
	CHECK(copy_true_and_ldso() == 0);
	struct loader_program p;
	struct error err;
	int rc = load("/bin/true", (char *[]){ "true", "x", NULL }, &p, &err);
	CHECK_EQ(rc, 0);
	if (rc == 0) {
		uint64_t prog_entry, ld_entry;
		CHECK(elf_entry(TRUE_BIN, &prog_entry) == 0);
		CHECK(elf_entry(LDSO, &ld_entry) == 0);
		uint64_t base = auxv_get(p.mm, AT_BASE);
		/* ld.so at the top of the mmap area, started first; the
		 * program (PIE) at ELF_ET_DYN_BASE. */
		CHECK(base != 0 && base % 4096 == 0 && base < p.mm->mmap_base);
		CHECK(base + (64u << 20) > p.mm->mmap_base);
		CHECK_EQ(p.entry, base + ld_entry);
		CHECK_EQ(auxv_get(p.mm, AT_ENTRY), LOADER_PIE_BASE + prog_entry);
		CHECK(auxv_get(p.mm, AT_PHDR) >= LOADER_PIE_BASE);
		CHECK_EQ(auxv_get(p.mm, AT_PHENT), sizeof(Elf64_Phdr));
		CHECK(strcmp(p.comm, "true") == 0);
		CHECK(strcmp(p.mm->exe_path, "/bin/true") == 0);
		/* The interpreter's first bytes are where AT_BASE says. */
		char magic[4];
		CHECK(mm_copy_from(p.mm, magic, base, 4) == 0);
		CHECK(memcmp(magic, ELFMAG, 4) == 0);
		CHECK_EQ(stack_argc(&p), 2);
		mm_put(p.mm);
	}
	/* An interpreter that is not ELF: ELIBBAD. */
	host_script("lib64/ld-linux-x86-64.so.2", "not elf\n", 0755);
	CHECK_EQ(load("/bin/true", (char *[]){ "true", NULL }, &p, &err),
		 -ELIBBAD);
	fx_teardown(&fx);
}

TEST(loader_script_argv)
{
	if (!have_dynamic_true())
		SKIP("no dynamic %s with %s on the host", TRUE_BIN, LDSO);
	SETUP();
	CHECK(copy_true_and_ldso() == 0);
	host_script("s1", "#!/bin/true  -a  b \t\nignored\n", 0755);
	host_script("s2", "#!/s1\n", 0755);
	struct loader_program p;
	struct error err;
	int rc = load("/s2", (char *[]){ "zero", "one", NULL }, &p, &err);
	CHECK_EQ(rc, 0);
	if (rc == 0) {
		/* [interp, its arg, script] per level, argv[0] dropped. */
		const char *want[] = { "/bin/true", "-a  b", "/s1", "/s2", "one" };
		CHECK_EQ(stack_argc(&p), 5);
		for (int i = 0; i < 5; i++) {
			char buf[64] = "";
			CHECK(stack_arg(&p, i, buf, sizeof(buf)) == 0);
			CHECK(strcmp(buf, want[i]) == 0);
		}
		/* The name given is the task's name and AT_EXECFN. */
		CHECK(strcmp(p.comm, "s2") == 0);
		char fn[16] = "";
		CHECK(mm_copy_string_from(p.mm, fn, auxv_get(p.mm, AT_EXECFN),
					  sizeof(fn)) > 0);
		CHECK(strcmp(fn, "/s2") == 0);
		CHECK(strcmp(p.mm->exe_path, "/bin/true") == 0);
		mm_put(p.mm);
	}
	fx_teardown(&fx);
}

TEST(loader_script_nesting_limit)
{
	if (!have_dynamic_true())
		SKIP("no dynamic %s with %s on the host", TRUE_BIN, LDSO);
	SETUP();
	CHECK(copy_true_and_ldso() == 0);
	host_script("n1", "#!/bin/true\n", 0755);
	char name[16], text[32];
	for (int i = 2; i <= 6; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		snprintf(text, sizeof(text), "#!/n%d\n", i - 1);
		host_script(name, text, 0755);
	}
	struct loader_program p;
	struct error err;
	CHECK_EQ(load("/n5", (char *[]){ "n5", NULL }, &p, &err), 0);
	if (p.mm)
		mm_put(p.mm);
	CHECK_EQ(load("/n6", (char *[]){ "n6", NULL }, &p, &err), -ELOOP);
	fx_teardown(&fx);
}

TEST(loader_errors)
{
	SETUP();
	struct loader_program p;
	struct error err;
	char *argv[] = { "x", NULL };
	host_script("garbage", "garbage\n", 0755);
	host_script("empty", "", 0755);
	host_script("noexec", "#!/bin/true\n", 0644);
	host_script("bang", "#!\n", 0755);
	host_script("nointerp", "#!/missing\n", 0755);
	char longname[300] = "#!/";
	memset(longname + 3, 'a', 290);
	host_script("longname", longname, 0755);
	CHECK_EQ(load("/garbage", argv, &p, &err), -ENOEXEC);
	CHECK(strstr(err.msg, "not an ELF") != NULL);
	CHECK_EQ(load("/empty", argv, &p, &err), -ENOEXEC);
	CHECK_EQ(load("/bang", argv, &p, &err), -ENOEXEC);
	CHECK_EQ(load("/longname", argv, &p, &err), -ENOEXEC);
	CHECK_EQ(load("/nointerp", argv, &p, &err), -ENOENT);
	CHECK_EQ(load("/missing", argv, &p, &err), -ENOENT);
	CHECK_EQ(load("/data/a.txt/x", argv, &p, &err), -ENOTDIR);
	CHECK_EQ(load("/data", argv, &p, &err), -EACCES);
	CHECK_EQ(load("/data/loop", argv, &p, &err), -ELOOP);
	/* Root may execute only what has an x bit; others need theirs. */
	CHECK_EQ(load("/noexec", argv, &p, &err), -EACCES);
	fx_become(&fx, 1000, 1000);
	CHECK_EQ(load("/garbage", argv, &p, &err), -ENOEXEC);
	fx_teardown(&fx);
}
