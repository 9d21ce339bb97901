/* binfmt_elf: ELF64 x86-64 executables -- static (ET_EXEC), position
 * independent (ET_DYN, at LOADER_PIE_BASE) and dynamic ones, whose
 * PT_INTERP interpreter (ld.so) is loaded at the top of the mmap area,
 * as Linux does without randomization, and started first.
 *
 * Segments are copied from the file into anonymous memory (the new
 * program's memory file pages); ld.so maps the libraries itself. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/file.h"
#include "core/fs/dentry.h"
#include "core/fs/namei.h"
#include "core/fs/vfs.h"
#include "core/kernel.h"
#include "core/loader_internal.h"
#include "core/mm.h"
#include "core/task.h"

struct elf_image {
	struct exec_file *ef;
	Elf64_Ehdr eh;
	Elf64_Phdr ph[PHDRS_MAX];
	uint64_t bias;             /* added to every p_vaddr */
	uint64_t end;              /* highest segment end, biased */
};

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

static bool is_elf(const struct exec_file *ef)
{
	return memcmp(ef->buf, ELFMAG, SELFMAG) == 0;
}

/* code: ENOEXEC for the program, ELIBBAD for its interpreter. */
static int check_header(const char *path, const Elf64_Ehdr *eh, int code,
			struct error *err)
{
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_X86_64)
		return error_set(err, code,
				 "%s: foreign architecture (ELF machine %u, "
				 "%s, %s); snapctl runs x86-64 programs",
				 path, eh->e_machine, machine_name(eh->e_machine),
				 eh->e_ident[EI_CLASS] == ELFCLASS64 ? "64-bit"
								     : "32-bit");
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return error_set(err, code, "%s: not an executable (ELF type %u)",
				 path, eh->e_type);
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
	    eh->e_phnum > PHDRS_MAX)
		return error_set(err, code, "%s: bad program headers", path);
	return 0;
}

static int read_elf(struct elf_image *img, int code, struct error *err)
{
	const char *path = img->ef->name;
	if (!is_elf(img->ef))
		return error_set(err, code, "%s: not an ELF executable", path);
	memcpy(&img->eh, img->ef->buf, sizeof(img->eh));
	int rc = check_header(path, &img->eh, code, err);
	if (rc < 0)
		return rc;
	if (exec_file_read(img->ef, img->ph,
			   img->eh.e_phnum * sizeof(Elf64_Phdr),
			   img->eh.e_phoff) < 0)
		return error_set(err, code, "%s: truncated program headers",
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

static bool is_load(const Elf64_Phdr *p)
{
	return p->p_type == PT_LOAD && p->p_memsz != 0;
}

/* Copies the file part of a segment into place (mm_poke ignores the
 * segment's final protection, which is applied afterwards). */
static int copy_segment(struct mm *mm, const struct elf_image *img,
			const Elf64_Phdr *p)
{
	char *buf = malloc(1 << 20);
	if (!buf)
		return -ENOMEM;
	int rc = 0;
	for (uint64_t done = 0; done < p->p_filesz && rc == 0;) {
		size_t n = p->p_filesz - done < (1u << 20)
				   ? (size_t)(p->p_filesz - done)
				   : (1u << 20);
		if (exec_file_read(img->ef, buf, n, p->p_offset + done) < 0)
			rc = -ENOEXEC;
		else
			rc = mm_poke(mm, p->p_vaddr + img->bias + done, buf, n);
		done += n;
	}
	free(buf);
	return rc;
}

/* Maps every PT_LOAD writable, fills them, then applies their final
 * protections: segments that share a page must not wipe each other. */
static int load_segments(struct mm *mm, struct elf_image *img,
			 struct error *err)
{
	const char *path = img->ef->name;
	for (unsigned i = 0; i < img->eh.e_phnum; i++) {
		const Elf64_Phdr *p = &img->ph[i];
		if (!is_load(p))
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
		int rc = is_load(p) ? copy_segment(mm, img, p) : 0;
		if (rc < 0)
			return error_set_errno(err, -rc, "%s: loading segment %u",
					       path, i);
	}
	for (unsigned i = 0; i < img->eh.e_phnum; i++) {
		const Elf64_Phdr *p = &img->ph[i];
		if (!is_load(p))
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

/* The page-aligned span of the PT_LOAD segments: [*lo, *hi). */
static void load_span(const struct elf_image *img, uint64_t *lo,
		      uint64_t *hi)
{
	*lo = UINT64_MAX;
	*hi = 0;
	for (unsigned i = 0; i < img->eh.e_phnum; i++) {
		const Elf64_Phdr *p = &img->ph[i];
		if (!is_load(p))
			continue;
		if (p->p_vaddr < *lo)
			*lo = p->p_vaddr;
		if (p->p_vaddr + p->p_memsz > *hi)
			*hi = p->p_vaddr + p->p_memsz;
	}
	if (*lo == UINT64_MAX)
		*lo = *hi = 0;
	*lo = PAGE_DOWN(*lo);
	*hi = PAGE_UP(*hi);
}

/* The PT_INTERP path into *out (malloc'd), or NULL when there is none. */
static int read_interp_name(const struct elf_image *img, char **out,
			    struct error *err)
{
	*out = NULL;
	for (unsigned i = 0; i < img->eh.e_phnum; i++) {
		const Elf64_Phdr *p = &img->ph[i];
		if (p->p_type != PT_INTERP)
			continue;
		if (p->p_filesz < 2 || p->p_filesz > PATH_MAX)
			return error_set(err, ENOEXEC, "%s: bad PT_INTERP",
					 img->ef->name);
		char *name = malloc(p->p_filesz);
		if (!name)
			return error_set(err, ENOMEM, "out of memory");
		if (exec_file_read(img->ef, name, p->p_filesz, p->p_offset) < 0 ||
		    name[p->p_filesz - 1] != '\0') {
			free(name);
			return error_set(err, ENOEXEC, "%s: bad PT_INTERP",
					 img->ef->name);
		}
		*out = name;
		return 0;
	}
	return 0;
}

/* Loads the interpreter below the mmap base, where Linux's top-down
 * mmap would put it; fills in the entry point and AT_BASE. */
static int load_interp(struct exec_state *es, struct mm *mm,
		       const char *name, uint64_t *entry, uint64_t *base,
		       struct error *err)
{
	struct exec_file ef;
	int rc = exec_file_open(es->t, AT_FDCWD, name, WALK_FOLLOW, false, &ef,
				err);
	if (rc < 0)
		return rc;
	struct elf_image *img = calloc(1, sizeof(*img));
	if (!img) {
		exec_file_close(&ef);
		return error_set(err, ENOMEM, "out of memory");
	}
	img->ef = &ef;
	rc = read_elf(img, ELIBBAD, err);
	if (rc == 0 && img->eh.e_type != ET_DYN)
		rc = error_set(err, ELIBBAD, "%s: interpreter is not ET_DYN",
			       name);
	uint64_t lo, hi;
	load_span(img, &lo, &hi);
	int64_t at = rc == 0 ? mm_find_gap(mm, hi - lo, mm->map_min,
					  mm->mmap_base)
			     : 0;
	if (at < 0)
		rc = error_set(err, ENOMEM, "%s: no room for the interpreter",
			       name);
	if (rc == 0) {
		img->bias = (uint64_t)at - lo;
		rc = load_segments(mm, img, err);
	}
	*entry = img->eh.e_entry + img->bias;
	*base = img->bias + lo;
	free(img);
	exec_file_close(&ef);
	return rc;
}

/* The program's name for /proc/PID/exe: its path in the sandbox, or the
 * host path it was read from. */
static char *exe_name(struct task *t, const struct exec_file *ef)
{
	char buf[PATH_MAX];
	if (ef->file && ef->file->dentry) {
		struct path p = { ef->file->mnt, ef->file->dentry };
		if (vfs_path_name(t, &p, buf, sizeof(buf)) > 0)
			return strdup(buf);
	}
	return strdup(ef->name);
}

static void set_comm(struct exec_state *es, const struct exec_file *ef,
		     char comm[16])
{
	const char *base = strrchr(es->filename, '/');
	base = base ? base + 1 : es->filename;
	/* Linux 6.14+: execveat(fd, "", AT_EMPTY_PATH) names the task by
	 * the file rather than by "/dev/fd/N". */
	if (es->comm_from_file && ef->file && ef->file->dentry)
		base = ef->file->dentry->name;
	memset(comm, 0, 16);
	strncpy(comm, base, 15);
}

/* Program and interpreter into mm; fills in aux and the entry point. */
static int load_into(struct exec_state *es, struct elf_image *img,
		     struct mm *mm, struct exec_aux *aux, uint64_t *entry,
		     struct error *err)
{
	char *interp = NULL;
	int rc = read_interp_name(img, &interp, err);
	if (rc < 0)
		return rc;
	uint64_t lo, hi;
	load_span(img, &lo, &hi);
	if (img->eh.e_type == ET_DYN)
		img->bias = LOADER_PIE_BASE - lo;
	rc = load_segments(mm, img, err);
	aux->phdr = phdr_address(img);
	aux->phnum = img->eh.e_phnum;
	aux->entry = *entry = img->eh.e_entry + img->bias;
	aux->base = 0;
	if (rc == 0 && interp)
		rc = load_interp(es, mm, interp, entry, &aux->base, err);
	free(interp);
	return rc;
}

int loader_elf(struct exec_state *es, struct exec_file *ef,
	       struct loader_program *out, struct error *err)
{
	struct elf_image *img = calloc(1, sizeof(*img));
	if (!img)
		return error_set(err, ENOMEM, "out of memory");
	img->ef = ef;
	struct mm *mm = NULL;
	struct exec_aux aux;
	uint64_t entry = 0, sp = 0;
	int rc = read_elf(img, ENOEXEC, err);
	if (rc == 0 && (rc = mm_create(es->t->kernel, &mm)) < 0)
		error_set_errno(err, -rc, "%s: address space", ef->name);
	if (rc == 0) {
		mm->mmap_base = MMAP_BASE;
		rc = load_into(es, img, mm, &aux, &entry, err);
	}
	if (rc == 0) {
		mm->brk_start = mm->brk = img->end;
		mm->exe_path = exe_name(es->t, ef);
		rc = loader_setup_stack(es, mm, &aux, &sp, err);
	}
	free(img);
	if (rc < 0) {
		if (mm)
			mm_put(mm);
		return rc;
	}
	*out = (struct loader_program){ .mm = mm, .entry = entry, .sp = sp };
	set_comm(es, ef, out->comm);
	return 0;
}
