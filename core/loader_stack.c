/* The initial stack of a new program, as Linux's create_elf_tables lays
 * it out: from the top, the file name (AT_EXECFN), the environment and
 * argument strings, the platform string, 16 random bytes; then, 16-byte
 * aligned, argc, argv[], NULL, envp[], NULL and the auxv. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>

#include "core/kernel.h"
#include "core/loader_internal.h"
#include "core/mm.h"
#include "core/task.h"

#define STACK_INITIAL (128ull << 10)

struct stack_builder {
	struct mm *mm;
	uint64_t sp;
	int error;
};

static uint64_t push_bytes(struct stack_builder *sb, const void *p, size_t n)
{
	sb->sp -= n;
	if (!sb->error)
		sb->error = mm_copy_to(sb->mm, sb->sp, p, n);
	return sb->sp;
}

static uint64_t push_string(struct stack_builder *sb, const char *s)
{
	return push_bytes(sb, s, strlen(s) + 1);
}

static size_t count_strings(char *const v[], size_t *bytes)
{
	size_t n = 0;
	for (; v && v[n]; n++)
		*bytes += strlen(v[n]) + 1 + sizeof(uint64_t);
	return n;
}

/* Pushes strings in reverse so they end up in ascending order; fills
 * addrs[i] with each string's address. */
static void push_strings(struct stack_builder *sb, char *const v[], size_t n,
			 uint64_t *addrs)
{
	for (size_t i = n; i-- > 0;)
		addrs[i] = push_string(sb, v[i]);
}

#define AUXV_MAX 24

struct auxv {
	uint64_t v[AUXV_MAX * 2];
	size_t n;
};

static void aux(struct auxv *a, uint64_t key, uint64_t val)
{
	a->v[a->n++] = key;
	a->v[a->n++] = val;
}

static void build_auxv(struct auxv *a, const struct task *t,
		       const struct exec_aux *ea, uint64_t random,
		       uint64_t platform, uint64_t execfn)
{
	aux(a, AT_MINSIGSTKSZ, getauxval(AT_MINSIGSTKSZ));
	aux(a, AT_HWCAP, getauxval(AT_HWCAP));
	aux(a, AT_PAGESZ, PAGE);
	aux(a, AT_CLKTCK, 100);
	aux(a, AT_PHDR, ea->phdr);
	aux(a, AT_PHENT, sizeof(Elf64_Phdr));
	aux(a, AT_PHNUM, ea->phnum);
	aux(a, AT_BASE, ea->base);
	aux(a, AT_FLAGS, 0);
	aux(a, AT_ENTRY, ea->entry);
	aux(a, AT_UID, t->uid);
	aux(a, AT_EUID, t->euid);
	aux(a, AT_GID, t->gid);
	aux(a, AT_EGID, t->egid);
	aux(a, AT_SECURE, 0);
	aux(a, AT_RANDOM, random);
	aux(a, AT_HWCAP2, getauxval(AT_HWCAP2));
	aux(a, AT_EXECFN, execfn);
	aux(a, AT_PLATFORM, platform);
	aux(a, AT_NULL, 0);
}

/* Writes argc, argv[], NULL, envp[], NULL and the auxv below sb->sp,
 * 16-byte aligned, in one piece. */
static void push_vectors(struct stack_builder *sb, const uint64_t *addrs,
			 size_t argc, size_t envc, const struct auxv *av)
{
	size_t nwords = 1 + argc + 1 + envc + 1 + av->n, w = 0;
	uint64_t *words = calloc(nwords, sizeof(*words));
	if (!words) {
		sb->error = -ENOMEM;
		return;
	}
	words[w++] = argc;
	for (size_t i = 0; i < argc; i++)
		words[w++] = addrs[i];
	words[w++] = 0;
	for (size_t i = 0; i < envc; i++)
		words[w++] = addrs[argc + i];
	words[w++] = 0;
	memcpy(words + w, av->v, av->n * 8);
	sb->sp = (sb->sp - nwords * 8) & ~15ull;
	if (!sb->error)
		sb->error = mm_copy_to(sb->mm, sb->sp, words, nwords * 8);
	free(words);
}

/* Returns the initial rsp, or 0 when the stack could not be written. */
static uint64_t build_stack(const struct exec_state *es, struct mm *mm,
			    const struct exec_aux *ea, uint64_t *addrs)
{
	struct stack_builder sb = { mm, STACK_TOP - 8, 0 };
	size_t bytes = 0;
	size_t argc = count_strings(es->argv, &bytes);
	size_t envc = count_strings(es->envp, &bytes);
	uint64_t execfn = push_string(&sb, es->filename);
	mm->env_end = sb.sp;
	push_strings(&sb, es->envp, envc, addrs + argc);
	mm->env_start = mm->arg_end = sb.sp;
	push_strings(&sb, es->argv, argc, addrs);
	mm->arg_start = sb.sp;
	uint64_t platform = push_string(&sb, "x86_64");
	uint8_t rnd[16];
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		memset(rnd, 0x5a, sizeof(rnd));
	uint64_t random = push_bytes(&sb, rnd, sizeof(rnd));
	struct auxv av = { .n = 0 };
	build_auxv(&av, es->t, ea, random, platform, execfn);
	memcpy(mm->auxv, av.v, av.n * 8);
	mm->auxv_len = (uint32_t)(av.n * 8);
	push_vectors(&sb, addrs, argc, envc, &av);
	return sb.error ? 0 : sb.sp;
}

static int map_stack(struct mm *mm, uint64_t arg_bytes)
{
	uint64_t size = STACK_INITIAL;
	if (size < PAGE_UP(arg_bytes) + (64ull << 10))
		size = PAGE_UP(arg_bytes) + (64ull << 10);
	int64_t r = mm_map_anon(mm, STACK_TOP - size, size,
				PROT_READ | PROT_WRITE,
				VMA_GROWSDOWN | VMA_STACK, true, false);
	mm->stack_top = STACK_TOP;
	return r < 0 ? (int)r : 0;
}

int loader_setup_stack(struct exec_state *es, struct mm *mm,
		       const struct exec_aux *aux, uint64_t *sp,
		       struct error *err)
{
	const char *name = es->filename;
	size_t bytes = 0;
	size_t n = count_strings(es->argv, &bytes) +
		   count_strings(es->envp, &bytes);
	/* A script's interpreter adds strings: checked again here. */
	if (bytes > LOADER_ARG_MAX)
		return error_set(err, E2BIG, "%s: argument list too long", name);
	bytes += strlen(name) + 64;
	int rc = map_stack(mm, bytes + AUXV_MAX * 16);
	if (rc < 0)
		return error_set_errno(err, -rc, "%s: mapping the stack", name);
	uint64_t *addrs = calloc(n + 1, sizeof(*addrs));
	if (!addrs)
		return error_set(err, ENOMEM, "out of memory");
	*sp = build_stack(es, mm, aux, addrs);
	free(addrs);
	if (!*sp)
		return error_set(err, EFAULT, "%s: building the stack", name);
	return 0;
}
