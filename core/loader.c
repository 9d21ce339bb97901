#include "core/loader.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "core/fs/namei.h"
#include "core/fs/vfs.h"
#include "core/kernel.h"
#include "core/mm.h"
#include "core/task.h"

#define PAGE 4096ull
#define PAGE_DOWN(x) ((x) & ~(PAGE - 1))
#define PAGE_UP(x) (((x) + PAGE - 1) & ~(PAGE - 1))

/* Linux: the stack sits at the top of the user range, mmap_base 128 MiB
 * below it (the minimum stack gap), with randomization off. */
#define STACK_TOP USER_ADDR_END
#define STACK_INITIAL (128ull << 10)
#define MMAP_BASE (USER_ADDR_END - (128ull << 20))
/* Linux refuses argument strings above a quarter of the stack limit. */
#define ARG_MAX_BYTES (2ull << 20)
#define PHDRS_MAX 128

/* The executable is read through the VFS (the sandbox's filesystem, so
 * `--root` and files the sandbox made are what runs), or -- only the
 * first program, see loader_exec_initial -- from a host fd. */
struct elf_image {
	struct task *t;
	struct file *file;         /* NULL: read host_fd */
	int host_fd;
	Elf64_Ehdr eh;
	Elf64_Phdr ph[PHDRS_MAX];
	uint64_t bias;             /* added to every p_vaddr */
	uint64_t end;              /* highest segment end, biased */
};

static int read_exact(const struct elf_image *img, void *buf, size_t n,
		      uint64_t off)
{
	struct file *f = img->file;
	int64_t r = f ? f->ops->pread(f, img->t, buf, n, (int64_t)off)
		      : pread(img->host_fd, buf, n, (off_t)off);
	return r == (int64_t)n ? 0 : -1;
}

static const char *machine_name(unsigned m)
{
	switch (m) {
	case EM_386: return "i386";
	case EM_ARM: return "arm";
	case EM_AARCH64: return "aarch64";
	case EM_RISCV: return "riscv";
	case EM_PPC64: return "ppc64";
	case EM_S390: return "s390";
	default: return "unknown";
	}
}

static int check_header(const char *path, const Elf64_Ehdr *eh,
			struct error *err)
{
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return error_set(err, ENOEXEC, "%s: not an ELF executable", path);
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_X86_64)
		return error_set(err, ENOEXEC,
				 "%s: foreign architecture (ELF machine %u, "
				 "%s, %s); snapctl runs x86-64 programs",
				 path, eh->e_machine, machine_name(eh->e_machine),
				 eh->e_ident[EI_CLASS] == ELFCLASS64 ? "64-bit"
								     : "32-bit");
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return error_set(err, ENOEXEC, "%s: not an executable (ELF type %u)",
				 path, eh->e_type);
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
	    eh->e_phnum > PHDRS_MAX)
		return error_set(err, ENOEXEC, "%s: bad program headers", path);
	return 0;
}

static int read_elf(struct elf_image *img, const char *path, struct error *err)
{
	if (read_exact(img, &img->eh, sizeof(img->eh), 0) < 0)
		return error_set(err, ENOEXEC, "%s: not an ELF executable "
				 "(too short)", path);
	int rc = check_header(path, &img->eh, err);
	if (rc < 0)
		return rc;
	if (read_exact(img, img->ph, img->eh.e_phnum * sizeof(Elf64_Phdr),
		       img->eh.e_phoff) < 0)
		return error_set(err, ENOEXEC, "%s: truncated program headers",
				 path);
	for (unsigned i = 0; i < img->eh.e_phnum; i++)
		if (img->ph[i].p_type == PT_INTERP)
			return error_set(err, ENOEXEC,
					 "%s: dynamically linked executables "
					 "are not supported yet (static only)",
					 path);
	return 0;
}

/* Checks one PT_LOAD for overflow and a sane alignment. */
static bool segment_ok(const Elf64_Phdr *p, uint64_t bias)
{
	uint64_t start = p->p_vaddr + bias;
	return p->p_filesz <= p->p_memsz && start >= bias &&
	       start + p->p_memsz >= start && start + p->p_memsz <= STACK_TOP &&
	       p->p_offset + p->p_filesz >= p->p_offset &&
	       (p->p_vaddr % PAGE) == (p->p_offset % PAGE);
}

static int prot_of(const Elf64_Phdr *p)
{
	return ((p->p_flags & PF_R) ? PROT_READ : 0) |
	       ((p->p_flags & PF_W) ? PROT_WRITE : 0) |
	       ((p->p_flags & PF_X) ? PROT_EXEC : 0);
}

/* Copies the file part of a segment into place (mm_poke ignores the
 * segment's final protection, which is applied afterwards). */
static int copy_segment(struct mm *mm, const struct elf_image *img,
			const Elf64_Phdr *p,
			uint64_t bias)
{
	char *buf = malloc(1 << 20);
	if (!buf)
		return -ENOMEM;
	int rc = 0;
	for (uint64_t done = 0; done < p->p_filesz && rc == 0;) {
		size_t n = p->p_filesz - done < (1u << 20)
				   ? (size_t)(p->p_filesz - done)
				   : (1u << 20);
		if (read_exact(img, buf, n, p->p_offset + done) < 0)
			rc = -ENOEXEC;
		else
			rc = mm_poke(mm, p->p_vaddr + bias + done, buf, n);
		done += n;
	}
	free(buf);
	return rc;
}

/* Maps every PT_LOAD writable, fills them, then applies their final
 * protections: segments that share a page must not wipe each other. */
static int load_segments(struct mm *mm, struct elf_image *img,
			 const char *path, struct error *err)
{
	for (unsigned i = 0; i < img->eh.e_phnum; i++) {
		const Elf64_Phdr *p = &img->ph[i];
		if (p->p_type != PT_LOAD || p->p_memsz == 0)
			continue;
		if (!segment_ok(p, img->bias))
			return error_set(err, ENOEXEC, "%s: bad segment %u",
					 path, i);
		uint64_t start = PAGE_DOWN(p->p_vaddr + img->bias);
		uint64_t end = PAGE_UP(p->p_vaddr + img->bias + p->p_memsz);
		int64_t r = mm_map_anon(mm, start, end - start,
					PROT_READ | PROT_WRITE, 0, true, false);
		if (r < 0)
			return error_set_errno(err, (int)-r, "%s: mapping segment %u",
					       path, i);
		if (end > img->end)
			img->end = end;
	}
	for (unsigned i = 0; i < img->eh.e_phnum; i++) {
		const Elf64_Phdr *p = &img->ph[i];
		if (p->p_type != PT_LOAD || p->p_memsz == 0)
			continue;
		int rc = copy_segment(mm, img, p, img->bias);
		if (rc < 0)
			return error_set_errno(err, -rc, "%s: loading segment %u",
					       path, i);
	}
	for (unsigned i = 0; i < img->eh.e_phnum; i++) {
		const Elf64_Phdr *p = &img->ph[i];
		if (p->p_type != PT_LOAD || p->p_memsz == 0)
			continue;
		uint64_t start = PAGE_DOWN(p->p_vaddr + img->bias);
		uint64_t end = PAGE_UP(p->p_vaddr + img->bias + p->p_memsz);
		mm_protect(mm, start, end - start, prot_of(p));
	}
	return 0;
}

/* Where the program headers are in memory, for AT_PHDR. */
static uint64_t phdr_address(const struct elf_image *img)
{
	for (unsigned i = 0; i < img->eh.e_phnum; i++)
		if (img->ph[i].p_type == PT_PHDR)
			return img->ph[i].p_vaddr + img->bias;
	for (unsigned i = 0; i < img->eh.e_phnum; i++) {
		const Elf64_Phdr *p = &img->ph[i];
		if (p->p_type == PT_LOAD && img->eh.e_phoff >= p->p_offset &&
		    img->eh.e_phoff < p->p_offset + p->p_filesz)
			return p->p_vaddr + img->bias +
			       (img->eh.e_phoff - p->p_offset);
	}
	return 0;
}

static uint64_t min_vaddr(const struct elf_image *img)
{
	uint64_t lo = UINT64_MAX;
	for (unsigned i = 0; i < img->eh.e_phnum; i++)
		if (img->ph[i].p_type == PT_LOAD && img->ph[i].p_vaddr < lo)
			lo = img->ph[i].p_vaddr;
	return lo == UINT64_MAX ? 0 : PAGE_DOWN(lo);
}

/* ---- the initial stack ------------------------------------------------ */

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
		       const struct elf_image *img, uint64_t random,
		       uint64_t platform, uint64_t execfn)
{
	aux(a, AT_MINSIGSTKSZ, getauxval(AT_MINSIGSTKSZ));
	aux(a, AT_HWCAP, getauxval(AT_HWCAP));
	aux(a, AT_PAGESZ, PAGE);
	aux(a, AT_CLKTCK, 100);
	aux(a, AT_PHDR, phdr_address(img));
	aux(a, AT_PHENT, sizeof(Elf64_Phdr));
	aux(a, AT_PHNUM, img->eh.e_phnum);
	aux(a, AT_BASE, 0);
	aux(a, AT_FLAGS, 0);
	aux(a, AT_ENTRY, img->eh.e_entry + img->bias);
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

/* Lays out, from the top: execfn, environment and argument strings,
 * the platform string, 16 random bytes; then (16-byte aligned) argc,
 * argv[], NULL, envp[], NULL, auxv. Returns the initial rsp or 0. */
static uint64_t build_stack(struct task *t, const struct elf_image *img,
			    const char *path, char *const argv[],
			    char *const envp[], uint64_t *addrs)
{
	struct mm *mm = t->mm;
	struct stack_builder sb = { mm, STACK_TOP - 8, 0 };
	size_t argc = 0, envc = 0, bytes = 0;
	argc = count_strings(argv, &bytes);
	envc = count_strings(envp, &bytes);
	uint64_t execfn = push_string(&sb, path);
	mm->env_end = sb.sp;
	push_strings(&sb, envp, envc, addrs + argc);
	mm->env_start = mm->arg_end = sb.sp;
	push_strings(&sb, argv, argc, addrs);
	mm->arg_start = sb.sp;
	uint64_t platform = push_string(&sb, "x86_64");
	uint8_t rnd[16];
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		memset(rnd, 0x5a, sizeof(rnd));
	uint64_t random = push_bytes(&sb, rnd, sizeof(rnd));
	struct auxv av = { .n = 0 };
	build_auxv(&av, t, img, random, platform, execfn);
	memcpy(mm->auxv, av.v, av.n * 8);
	mm->auxv_len = (uint32_t)(av.n * 8);
	/* argc, argv[], NULL, envp[], NULL, auxv: written in one piece. */
	size_t nwords = 1 + argc + 1 + envc + 1 + av.n, w = 0;
	uint64_t *words = calloc(nwords, sizeof(*words));
	if (!words)
		return 0;
	words[w++] = argc;
	for (size_t i = 0; i < argc; i++)
		words[w++] = addrs[i];
	words[w++] = 0;
	for (size_t i = 0; i < envc; i++)
		words[w++] = addrs[argc + i];
	words[w++] = 0;
	memcpy(words + w, av.v, av.n * 8);
	sb.sp = (sb.sp - nwords * 8) & ~15ull;
	if (!sb.error)
		sb.error = mm_copy_to(mm, sb.sp, words, nwords * 8);
	free(words);
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

static int setup_stack(struct task *t, const struct elf_image *img,
		       const char *path, char *const argv[],
		       char *const envp[], struct error *err)
{
	size_t bytes = strlen(path) + 64;
	size_t n = count_strings(argv, &bytes) + count_strings(envp, &bytes);
	if (bytes > ARG_MAX_BYTES)
		return error_set(err, E2BIG, "%s: argument list too long", path);
	int rc = map_stack(t->mm, bytes + AUXV_MAX * 16);
	if (rc < 0)
		return error_set_errno(err, -rc, "%s: mapping the stack", path);
	uint64_t *addrs = calloc(n + 1, sizeof(*addrs));
	if (!addrs)
		return error_set(err, ENOMEM, "out of memory");
	uint64_t sp = build_stack(t, img, path, argv, envp, addrs);
	free(addrs);
	if (!sp)
		return error_set(err, EFAULT, "%s: building the stack", path);
	cpu_state_init_exec(&t->cpu, img->eh.e_entry + img->bias, sp);
	return 0;
}

static void set_comm(struct task *t, const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	memset(t->tg->comm, 0, sizeof(t->tg->comm));
	strncpy(t->tg->comm, base, sizeof(t->tg->comm) - 1);
}

static int open_executable(struct task *t, const char *path,
			   struct file **out, struct error *err)
{
	struct file *f;
	int rc = vfs_open(t, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0, &f);
	if (rc < 0)
		return error_set_errno(err, -rc, "%s", path);
	struct vfs_stat st;
	if (vfs_fstat(f, &st) < 0 || !S_ISREG(st.mode) || !f->ops->pread) {
		file_put(f);
		return error_set(err, EACCES, "%s: not a regular file", path);
	}
	if (vfs_access(t, AT_FDCWD, path, X_OK, WALK_FOLLOW, true) < 0) {
		file_put(f);
		return error_set(err, EACCES, "%s: not executable", path);
	}
	*out = f;
	return 0;
}

static int open_host_executable(const char *path, int *out,
				struct error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, errno, "%s", path);
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return error_set(err, EACCES, "%s: not a regular file", path);
	}
	if (access(path, X_OK) < 0) {
		close(fd);
		return error_set(err, EACCES, "%s: not executable", path);
	}
	*out = fd;
	return 0;
}

static void close_image(struct elf_image *img)
{
	if (img->file)
		file_put(img->file);
	else
		close(img->host_fd);
}

/* The program's name for /proc/PID/exe: its path in the sandbox, or the
 * host path it was read from. */
static char *exe_name(struct task *t, const struct elf_image *img,
		      const char *path)
{
	char buf[PATH_MAX];
	if (img->file && img->file->dentry) {
		struct path p = { img->file->mnt, img->file->dentry };
		if (vfs_path_name(t, &p, buf, sizeof(buf)) > 0)
			return strdup(buf);
	}
	return strdup(path);
}

/* Loads the opened image (which it closes). */
static int exec_image(struct task *t, struct elf_image *img, const char *path,
		      char *const argv[], char *const envp[],
		      struct error *err)
{
	struct mm *mm = NULL;
	int rc = read_elf(img, path, err);
	if (rc == 0 && (rc = mm_create(t->kernel, &mm)) < 0)
		error_set_errno(err, -rc, "%s: address space", path);
	if (rc == 0) {
		if (img->eh.e_type == ET_DYN)
			img->bias = LOADER_PIE_BASE - min_vaddr(img);
		rc = load_segments(mm, img, path, err);
	}
	if (rc == 0)
		mm->exe_path = exe_name(t, img, path);
	close_image(img);
	if (rc < 0) {
		if (mm)
			mm_put(mm);
		return rc;
	}
	mm->brk_start = mm->brk = img->end;
	mm->mmap_base = MMAP_BASE;
	if (t->mm)
		mm_put(t->mm);
	t->mm = mm;
	set_comm(t, path);
	return setup_stack(t, img, path, argv, envp, err);
}

int loader_exec(struct task *t, const char *path, char *const argv[],
		char *const envp[], struct error *err)
{
	struct elf_image img = { .t = t };
	int rc = open_executable(t, path, &img.file, err);
	return rc < 0 ? rc : exec_image(t, &img, path, argv, envp, err);
}

int loader_exec_initial(struct task *t, const char *path, char *const argv[],
			char *const envp[], struct error *err)
{
	struct elf_image img = { .t = t };
	int rc = open_executable(t, path, &img.file, err);
	if (rc == -ENOENT && vfs_root_is_host(t->kernel->vfs))
		rc = open_host_executable(path, &img.host_fd, err);
	return rc < 0 ? rc : exec_image(t, &img, path, argv, envp, err);
}

int loader_find_program(const char *name, char *const envp[], char *out,
			size_t outlen, struct error *err)
{
	if (strchr(name, '/')) {
		if (strlen(name) >= outlen)
			return error_set(err, ENAMETOOLONG, "%s: name too long",
					 name);
		strcpy(out, name);
		return 0;
	}
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
			   "/sbin:/bin";
	for (size_t i = 0; envp && envp[i]; i++)
		if (strncmp(envp[i], "PATH=", 5) == 0)
			path = envp[i] + 5;
	for (const char *p = path; *p;) {
		const char *end = strchrnul(p, ':');
		int n = snprintf(out, outlen, "%.*s/%s", (int)(end - p), p, name);
		if (n > 0 && (size_t)n < outlen && access(out, X_OK) == 0)
			return 0;
		p = *end ? end + 1 : end;
	}
	return error_set(err, ENOENT, "%s: command not found", name);
}
