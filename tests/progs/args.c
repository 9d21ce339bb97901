/* argv, envp and the auxiliary vector as Linux lays them out. */
#include <elf.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "tests/progs/check.h"

extern char **environ;

static void check_auxv(const char *argv0)
{
	CHECK(getauxval(AT_PAGESZ) == 4096);
	CHECK(getauxval(AT_CLKTCK) == 100);
	CHECK(getauxval(AT_PHENT) == sizeof(Elf64_Phdr));
	CHECK(getauxval(AT_PHNUM) > 0);
	const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
	CHECK(ph != NULL);
	int loads = 0;
	for (unsigned i = 0; i < getauxval(AT_PHNUM); i++)
		loads += ph[i].p_type == PT_LOAD;
	CHECK(loads > 0);
	CHECK(getauxval(AT_ENTRY) != 0);
	CHECK(getauxval(AT_UID) == getuid());
	CHECK(getauxval(AT_EGID) == getegid());
	CHECK(getauxval(AT_SECURE) == 0);
	const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
	CHECK(rnd != NULL);
	int nonzero = 0;
	for (int i = 0; i < 16; i++)
		nonzero |= rnd[i];
	CHECK(nonzero);
	CHECK(strcmp((const char *)getauxval(AT_PLATFORM), "x86_64") == 0);
	CHECK(strcmp((const char *)getauxval(AT_EXECFN), argv0) == 0);
	CHECK(getauxval(AT_HWCAP) != 0);
}

static void check_layout(int argc, char **argv)
{
	/* Strings are contiguous and ascending: argv then envp. */
	for (int i = 0; i + 1 < argc; i++)
		CHECK(argv[i] + strlen(argv[i]) + 1 == argv[i + 1]);
	CHECK(argv[argc] == NULL);
	CHECK(environ == argv + argc + 1);
	/* The stack pointer at entry was 16-byte aligned: argc sits just
	 * below argv. */
	CHECK(((unsigned long)(argv - 1) & 15) == 0);
}

int main(int argc, char **argv)
{
	check_auxv(argv[0]);
	check_layout(argc, argv);
	printf("argc=%d\n", argc);
	for (int i = 1; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	const char *v = getenv("SNAPCTL_TEST_VAR");
	printf("SNAPCTL_TEST_VAR=%s\n", v ? v : "(unset)");
	return 0;
}
