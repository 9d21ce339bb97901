/* Calls whose later arguments depend on an earlier one: fcntl, futex,
 * prctl, arch_prctl and clone. Each printer prints from its argument to
 * the end of the call and stops the argument loop. */
#include <inttypes.h>
#include <linux/fcntl.h>
#include <linux/futex.h>
#include <linux/prctl.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <asm/prctl.h>

#include "core/strace_impl.h"

/* ---- fcntl ---- */

static const struct xlat sxl_fcntl_cmds[] = {
	X(F_DUPFD), X(F_GETFD), X(F_SETFD), X(F_GETFL), X(F_SETFL),
	X(F_GETLK), X(F_SETLK), X(F_SETLKW), X(F_SETOWN), X(F_GETOWN),
	X(F_SETSIG), X(F_GETSIG), X(F_SETOWN_EX), X(F_GETOWN_EX),
	X(F_OFD_GETLK), X(F_OFD_SETLK), X(F_OFD_SETLKW), X(F_SETLEASE),
	X(F_GETLEASE), X(F_NOTIFY), X(F_DUPFD_CLOEXEC), X(F_SETPIPE_SZ),
	X(F_GETPIPE_SZ), X(F_ADD_SEALS), X(F_GET_SEALS), XEND
};

static const struct xlat sxl_fdflags[] = { X(FD_CLOEXEC), XEND };

static const struct xlat sxl_lock_types[] = {
	X(F_RDLCK), X(F_WRLCK), X(F_UNLCK), XEND
};

static const struct xlat sxl_seals[] = {
	X(F_SEAL_SEAL), X(F_SEAL_SHRINK), X(F_SEAL_GROW), X(F_SEAL_WRITE),
#ifdef F_SEAL_FUTURE_WRITE
	X(F_SEAL_FUTURE_WRITE),
#endif
	XEND
};

static void print_flock(struct sfmt *f, uint64_t addr, bool with_pid)
{
	struct flock fl;
	if (!sf_read_or_addr(f, &fl, addr, sizeof(fl)))
		return;
	sout_puts(&f->out, "{l_type=");
	sout_xval(&f->out, sxl_lock_types, (uint16_t)fl.l_type, "F_???");
	sout_puts(&f->out, ", l_whence=");
	sout_xval(&f->out, sxl_whence, (uint16_t)fl.l_whence, "SEEK_???");
	sout_printf(&f->out, ", l_start=%lld, l_len=%lld",
		    (long long)fl.l_start, (long long)fl.l_len);
	if (with_pid)
		sout_printf(&f->out, ", l_pid=%d", (int)fl.l_pid);
	sout_putc(&f->out, '}');
}

static bool fcntl_has_no_arg(uint32_t cmd)
{
	switch (cmd) {
	case F_GETFD: case F_GETFL: case F_GETOWN: case F_GETSIG:
	case F_GETLEASE: case F_GETPIPE_SZ: case F_GET_SEALS:
		return true;
	default:
		return false;
	}
}

static void print_fcntl_arg(struct sfmt *f, uint32_t cmd, uint64_t arg)
{
	struct sout *o = &f->out;
	switch (cmd) {
	case F_SETFD:
		sout_flags(o, sxl_fdflags, arg, "0", "FD_???");
		break;
	case F_SETFL:
		sout_open_flags(o, arg);
		break;
	case F_DUPFD: case F_DUPFD_CLOEXEC: case F_SETOWN: case F_SETPIPE_SZ:
		sout_printf(o, "%d", (int)arg);
		break;
	case F_SETSIG:
		sout_signo(o, arg);
		break;
	case F_SETLEASE:
		sout_xval(o, sxl_lock_types, arg, "F_???");
		break;
	case F_ADD_SEALS:
		sout_flags(o, sxl_seals, arg, "0", "F_SEAL_???");
		break;
	case F_SETLK: case F_SETLKW: case F_OFD_SETLK: case F_OFD_SETLKW:
		print_flock(f, arg, false);
		break;
	default:
		sout_hex(o, arg);
	}
}

void sf_arg_fcntl(struct sfmt *f, unsigned i)
{
	uint32_t cmd = (uint32_t)f->a[i];
	uint64_t arg = i < 5 ? f->a[i + 1] : 0;
	f->stop = true;
	sf_next(f);
	sout_xval(&f->out, sxl_fcntl_cmds, cmd, "F_???");
	if (fcntl_has_no_arg(cmd))
		return;
	if (cmd == F_GETLK || cmd == F_OFD_GETLK) {
		if (sf_stop_for_output(f))
			return;
		sf_next(f);
		if (sf_out_ready(f, arg))
			print_flock(f, arg, true);
		return;
	}
	sf_next(f);
	print_fcntl_arg(f, cmd, arg);
}

/* F_GETFD and F_GETFL results print in hex with their flags. */
void sf_fcntl_result(struct sfmt *f)
{
	uint32_t cmd = (uint32_t)f->a[1];
	uint64_t r = (uint64_t)f->ret;
	if (cmd == F_GETFL) {
		sout_hex(&f->out, r);
		sout_puts(&f->out, " (flags ");
		sout_open_flags(&f->out, r);
		sout_putc(&f->out, ')');
	} else if ((cmd == F_GETFD || cmd == F_GET_SEALS) && r) {
		sout_hex(&f->out, r);
		sout_puts(&f->out, cmd == F_GETFD ? " (flags " : " (seals ");
		sout_flags(&f->out, cmd == F_GETFD ? sxl_fdflags : sxl_seals, r,
			   "0", NULL);
		sout_putc(&f->out, ')');
	} else {
		sout_printf(&f->out, "%" PRId64, f->ret);
	}
}

/* ---- futex ---- */

static const struct xlat sxl_futex_cmds[] = {
	X(FUTEX_WAIT), X(FUTEX_WAKE), X(FUTEX_FD), X(FUTEX_REQUEUE),
	X(FUTEX_CMP_REQUEUE), X(FUTEX_WAKE_OP), X(FUTEX_LOCK_PI),
	X(FUTEX_UNLOCK_PI), X(FUTEX_TRYLOCK_PI), X(FUTEX_WAIT_BITSET),
	X(FUTEX_WAKE_BITSET), X(FUTEX_WAIT_REQUEUE_PI),
	X(FUTEX_CMP_REQUEUE_PI),
#ifdef FUTEX_LOCK_PI2
	X(FUTEX_LOCK_PI2),
#endif
	XEND
};

static const struct xlat sxl_wake_ops[] = {
	X(FUTEX_OP_SET), X(FUTEX_OP_ADD), X(FUTEX_OP_OR), X(FUTEX_OP_ANDN),
	X(FUTEX_OP_XOR), XEND
};

static const struct xlat sxl_wake_cmps[] = {
	X(FUTEX_OP_CMP_EQ), X(FUTEX_OP_CMP_NE), X(FUTEX_OP_CMP_LT),
	X(FUTEX_OP_CMP_LE), X(FUTEX_OP_CMP_GT), X(FUTEX_OP_CMP_GE), XEND
};

static void print_futex_op(struct sout *o, uint32_t op)
{
	uint32_t cmd = op & FUTEX_CMD_MASK;
	const char *name = strace_xlat_name(sxl_futex_cmds, cmd);
	if (!name) {
		sout_hex(o, op);
		sout_puts(o, " /* FUTEX_??? */");
		return;
	}
	sout_puts(o, name);
	if (op & FUTEX_PRIVATE_FLAG)
		sout_puts(o, "_PRIVATE");
	if (op & FUTEX_CLOCK_REALTIME)
		sout_puts(o, "|FUTEX_CLOCK_REALTIME");
}

/* FUTEX_WAKE_OP's encoded operation, as strace spells it. */
static void print_wake_op(struct sout *o, uint32_t v)
{
	if ((v >> 28) & FUTEX_OP_OPARG_SHIFT)
		sout_puts(o, "FUTEX_OP_OPARG_SHIFT<<28|");
	sout_xval(o, sxl_wake_ops, (v >> 28) & 7, "FUTEX_OP_???");
	sout_printf(o, "<<28|%#x<<12|", (v >> 12) & 0xfff);
	sout_xval(o, sxl_wake_cmps, (v >> 24) & 0xf, "FUTEX_OP_CMP_???");
	sout_printf(o, "<<24|%#x", v & 0xfff);
}

static void print_bitset(struct sout *o, uint32_t v)
{
	if (v == FUTEX_BITSET_MATCH_ANY)
		sout_puts(o, "FUTEX_BITSET_MATCH_ANY");
	else
		sout_hex(o, v);
}

/* Which arguments after the op each command prints, in order. */
enum futex_part { FP_END, FP_VAL, FP_TIMEOUT, FP_VAL2, FP_UADDR2, FP_VAL3,
		  FP_BITSET, FP_WAKE_OP, FP_HEX3, FP_HEX4, FP_HEX5 };

static const uint8_t futex_parts[][5] = {
	[FUTEX_WAIT] = { FP_VAL, FP_TIMEOUT },
	[FUTEX_WAKE] = { FP_VAL },
	[FUTEX_FD] = { FP_VAL },
	[FUTEX_REQUEUE] = { FP_VAL, FP_VAL2, FP_UADDR2 },
	[FUTEX_CMP_REQUEUE] = { FP_VAL, FP_VAL2, FP_UADDR2, FP_VAL3 },
	[FUTEX_WAKE_OP] = { FP_VAL, FP_VAL2, FP_UADDR2, FP_WAKE_OP },
	[FUTEX_LOCK_PI] = { FP_TIMEOUT },
	[FUTEX_UNLOCK_PI] = { FP_END },
	[FUTEX_TRYLOCK_PI] = { FP_END },
	[FUTEX_WAIT_BITSET] = { FP_VAL, FP_TIMEOUT, FP_BITSET },
	[FUTEX_WAKE_BITSET] = { FP_VAL, FP_BITSET },
	[FUTEX_WAIT_REQUEUE_PI] = { FP_VAL, FP_TIMEOUT, FP_UADDR2 },
	[FUTEX_CMP_REQUEUE_PI] = { FP_VAL, FP_VAL2, FP_UADDR2, FP_VAL3 },
	[13] = { FP_TIMEOUT },  /* FUTEX_LOCK_PI2 */
};

static const uint8_t futex_unknown[5] = { FP_VAL, FP_HEX3, FP_HEX4, FP_HEX5 };

static void print_futex_part(struct sfmt *f, enum futex_part p)
{
	const uint64_t *a = f->a;
	struct sout *o = &f->out;
	sf_next(f);
	switch (p) {
	case FP_VAL:     sout_printf(o, "%u", (uint32_t)a[2]); break;
	case FP_TIMEOUT: sf_print_timespec(f, a[3]); break;
	case FP_VAL2:    sout_printf(o, "%u", (uint32_t)a[3]); break;
	case FP_UADDR2:  sout_ptr(o, a[4]); break;
	case FP_VAL3:    sout_printf(o, "%u", (uint32_t)a[5]); break;
	case FP_BITSET:  print_bitset(o, (uint32_t)a[5]); break;
	case FP_WAKE_OP: print_wake_op(o, (uint32_t)a[5]); break;
	case FP_HEX3:    sout_hex(o, a[3]); break;
	case FP_HEX4:    sout_hex(o, a[4]); break;
	default:         sout_hex(o, a[5]); break;
	}
}

void sf_arg_futex(struct sfmt *f, unsigned i)
{
	uint32_t op = (uint32_t)f->a[i];
	uint32_t cmd = op & FUTEX_CMD_MASK;
	const size_t ncmds = sizeof(futex_parts) / sizeof(futex_parts[0]);
	const uint8_t *parts = futex_unknown;
	if (cmd < ncmds && strace_xlat_name(sxl_futex_cmds, cmd))
		parts = futex_parts[cmd];
	f->stop = true;
	sf_next(f);
	print_futex_op(&f->out, op);
	for (unsigned j = 0; j < 5 && parts[j] != FP_END; j++)
		print_futex_part(f, parts[j]);
}

/* ---- prctl ---- */

static const struct xlat sxl_prctl_options[] = {
	X(PR_SET_PDEATHSIG), X(PR_GET_PDEATHSIG), X(PR_GET_DUMPABLE),
	X(PR_SET_DUMPABLE), X(PR_GET_UNALIGN), X(PR_SET_UNALIGN),
	X(PR_GET_KEEPCAPS), X(PR_SET_KEEPCAPS), X(PR_GET_FPEMU),
	X(PR_SET_FPEMU), X(PR_GET_FPEXC), X(PR_SET_FPEXC), X(PR_GET_TIMING),
	X(PR_SET_TIMING), X(PR_SET_NAME), X(PR_GET_NAME), X(PR_GET_ENDIAN),
	X(PR_SET_ENDIAN), X(PR_GET_SECCOMP), X(PR_SET_SECCOMP),
	X(PR_CAPBSET_READ), X(PR_CAPBSET_DROP), X(PR_GET_TSC), X(PR_SET_TSC),
	X(PR_GET_SECUREBITS), X(PR_SET_SECUREBITS), X(PR_SET_TIMERSLACK),
	X(PR_GET_TIMERSLACK), X(PR_TASK_PERF_EVENTS_DISABLE),
	X(PR_TASK_PERF_EVENTS_ENABLE), X(PR_MCE_KILL), X(PR_MCE_KILL_GET),
	X(PR_SET_MM), X(PR_SET_CHILD_SUBREAPER), X(PR_GET_CHILD_SUBREAPER),
	X(PR_SET_NO_NEW_PRIVS), X(PR_GET_NO_NEW_PRIVS), X(PR_GET_TID_ADDRESS),
	X(PR_SET_THP_DISABLE), X(PR_GET_THP_DISABLE),
	X(PR_MPX_ENABLE_MANAGEMENT), X(PR_MPX_DISABLE_MANAGEMENT),
	X(PR_SET_FP_MODE), X(PR_GET_FP_MODE), X(PR_CAP_AMBIENT),
	X(PR_SVE_SET_VL), X(PR_SVE_GET_VL), X(PR_GET_SPECULATION_CTRL),
	X(PR_SET_SPECULATION_CTRL), X(PR_PAC_RESET_KEYS),
	X(PR_SET_TAGGED_ADDR_CTRL), X(PR_GET_TAGGED_ADDR_CTRL),
	X(PR_SET_IO_FLUSHER), X(PR_GET_IO_FLUSHER),
	X(PR_SET_SYSCALL_USER_DISPATCH), X(PR_PAC_SET_ENABLED_KEYS),
	X(PR_PAC_GET_ENABLED_KEYS), X(PR_SCHED_CORE), X(PR_SET_PTRACER),
#ifdef PR_SET_VMA
	X(PR_SET_VMA),
#endif
	XEND
};

/* include/linux/sched/coredump.h; not in the UAPI headers. */
static const struct xlat sxl_pr_dumpable[] = {
	{ 0, "SUID_DUMP_DISABLE" }, { 1, "SUID_DUMP_USER" },
	{ 2, "SUID_DUMP_ROOT" }, XEND
};

/* The comm length, TASK_COMM_LEN in the kernel. */
#define COMM_LEN 16

static void print_rest_hex(struct sfmt *f, unsigned from)
{
	for (unsigned j = from; j < 5; j++) {
		sf_next(f);
		sout_hex(&f->out, f->a[j]);
	}
}

static bool prctl_no_args(uint32_t opt)
{
	switch (opt) {
	case PR_GET_DUMPABLE: case PR_GET_KEEPCAPS: case PR_GET_SECCOMP:
	case PR_GET_TIMERSLACK: case PR_GET_TIMING: case PR_GET_SECUREBITS:
	case PR_GET_FP_MODE: case PR_TASK_PERF_EVENTS_DISABLE:
	case PR_TASK_PERF_EVENTS_ENABLE:
		return true;
	default:
		return false;
	}
}

/* The GET options that write through their pointer argument. */
static bool prctl_output(struct sfmt *f, uint32_t opt)
{
	uint64_t p = f->a[1];
	uint32_t sig;
	if (opt != PR_GET_NAME && opt != PR_GET_PDEATHSIG &&
	    opt != PR_GET_CHILD_SUBREAPER)
		return false;
	if (sf_stop_for_output(f))
		return true;
	sf_next(f);
	if (!sf_out_ready(f, p))
		return true;
	if (opt == PR_GET_NAME)
		sf_print_str(f, p, COMM_LEN);
	else if (opt == PR_GET_CHILD_SUBREAPER)
		sf_print_int_at(f, p);
	else if (sf_read_or_addr(f, &sig, p, sizeof(sig))) {
		sout_putc(&f->out, '[');
		sout_signo(&f->out, sig);
		sout_putc(&f->out, ']');
	}
	return true;
}

static void print_prctl_seccomp(struct sfmt *f)
{
	sf_next(f);
	sout_xval(&f->out, sxl_seccomp_modes, f->a[1], "SECCOMP_MODE_???");
	if (f->a[1] == SECCOMP_MODE_STRICT)
		return;
	if (f->a[1] != SECCOMP_MODE_FILTER) {
		print_rest_hex(f, 2);
		return;
	}
	sf_next(f);
	sout_ptr(&f->out, f->a[2]);
}

/* The options that take one named argument. */
static bool prctl_named_arg(struct sfmt *f, uint32_t opt)
{
	uint64_t v = f->a[1];
	struct sout *o = &f->out;
	switch (opt) {
	case PR_SET_NAME:
		sf_next(f);
		sf_print_str(f, v, COMM_LEN - 1);
		return true;
	case PR_SET_PDEATHSIG:
		sf_next(f);
		if (v > 128)
			sout_printf(o, "%" PRIu64, v);
		else
			sout_signo(o, v);
		return true;
	case PR_SET_DUMPABLE:
		sf_next(f);
		sout_xval(o, sxl_pr_dumpable, v, "SUID_DUMP_???");
		return true;
	case PR_CAPBSET_READ: case PR_CAPBSET_DROP:
		sf_next(f);
		sout_xval(o, sxl_caps, v, "CAP_???");
		return true;
	default:
		return false;
	}
}

/* The options that take one number. */
static bool prctl_number_arg(struct sfmt *f, uint32_t opt)
{
	uint64_t v = f->a[1];
	switch (opt) {
	case PR_SET_CHILD_SUBREAPER: case PR_SET_KEEPCAPS: case PR_SET_TIMING:
	case PR_SET_ENDIAN: case PR_SET_FPEMU: case PR_SET_FPEXC:
		sf_next(f);
		sout_printf(&f->out, "%" PRIu64, v);
		return true;
	case PR_SET_TIMERSLACK:
		sf_next(f);
		sout_printf(&f->out, "%" PRId64, (int64_t)v);
		return true;
	case PR_SET_PTRACER:
		sf_next(f);
		if ((int)v == -1)
			sout_puts(&f->out, "PR_SET_PTRACER_ANY");
		else
			sout_printf(&f->out, "%d", (int)v);
		return true;
	default:
		return false;
	}
}

void sf_arg_prctl(struct sfmt *f, unsigned i)
{
	uint32_t opt = (uint32_t)f->a[i];
	f->stop = true;
	sf_next(f);
	sout_xval(&f->out, sxl_prctl_options, opt, "PR_???");
	if (prctl_no_args(opt) || prctl_output(f, opt) ||
	    prctl_named_arg(f, opt) || prctl_number_arg(f, opt))
		return;
	if (opt == PR_SET_SECCOMP) {
		print_prctl_seccomp(f);
		return;
	}
	if (opt == PR_SET_NO_NEW_PRIVS || opt == PR_SET_THP_DISABLE ||
	    opt == PR_SET_IO_FLUSHER) {
		sf_next(f);
		sout_printf(&f->out, "%" PRIu64, f->a[1]);
		print_rest_hex(f, 2);
		return;
	}
	print_rest_hex(f, 1);
}

/* PR_GET_DUMPABLE's result is named. */
void sf_prctl_result(struct sfmt *f)
{
	sout_printf(&f->out, "%" PRId64, f->ret);
	const char *name = strace_xlat_name(sxl_pr_dumpable, (uint64_t)f->ret);
	if ((uint32_t)f->a[0] == PR_GET_DUMPABLE && name)
		sout_printf(&f->out, " (%s)", name);
}

/* ---- arch_prctl ---- */

static const struct xlat sxl_arch_prctl[] = {
	X(ARCH_SET_GS), X(ARCH_SET_FS), X(ARCH_GET_FS), X(ARCH_GET_GS),
	X(ARCH_GET_CPUID), X(ARCH_SET_CPUID),
#ifdef ARCH_GET_XCOMP_SUPP
	X(ARCH_GET_XCOMP_SUPP), X(ARCH_GET_XCOMP_PERM),
	X(ARCH_REQ_XCOMP_PERM), X(ARCH_GET_XCOMP_GUEST_PERM),
	X(ARCH_REQ_XCOMP_GUEST_PERM),
#endif
	X(ARCH_MAP_VDSO_X32), X(ARCH_MAP_VDSO_32), X(ARCH_MAP_VDSO_64), XEND
};

void sf_arg_arch_prctl(struct sfmt *f, unsigned i)
{
	uint32_t code = (uint32_t)f->a[i];
	uint64_t addr = f->a[i + 1], v;
	f->stop = true;
	sf_next(f);
	sout_xval(&f->out, sxl_arch_prctl, code, "ARCH_???");
	if (code == ARCH_GET_CPUID)
		return;
	if (code != ARCH_GET_FS && code != ARCH_GET_GS) {
		sf_next(f);
		sout_hex(&f->out, addr);
		return;
	}
	if (sf_stop_for_output(f))
		return;
	sf_next(f);
	if (sf_out_ready(f, addr) && sf_read_or_addr(f, &v, addr, sizeof(v)))
		sout_printf(&f->out, "[%#" PRIx64 "]", v);
}

/* ---- clone ---- */

static void print_clone_flags(struct sout *o, uint64_t flags)
{
	uint64_t sig = flags & CSIGNAL, rest = flags & ~(uint64_t)CSIGNAL;
	sout_puts(o, "flags=");
	if (rest || !sig)
		sout_flags(o, sxl_clone_flags, rest, "0", NULL);
	if (rest && sig)
		sout_putc(o, '|');
	if (sig)
		sout_signo(o, sig);
}

/* x86-64 clone(flags, stack, parent_tid, child_tid, tls); strace prints
 * the tid pointers and tls after the call, when the flags use them. */
void sf_arg_clone(struct sfmt *f, unsigned i)
{
	const uint64_t *a = f->a + i;
	uint64_t flags = a[0];
	f->stop = true;
	sf_next(f);
	sout_puts(&f->out, "child_stack=");
	sout_ptr(&f->out, a[1]);
	sf_next(f);
	print_clone_flags(&f->out, flags);
	if (!(flags & (CLONE_PARENT_SETTID | CLONE_PIDFD | CLONE_SETTLS |
		       CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) ||
	    sf_stop_for_output(f))
		return;
	if (flags & (CLONE_PARENT_SETTID | CLONE_PIDFD)) {
		sf_next(f);
		sout_puts(&f->out, "parent_tid=");
		sf_print_int_at(f, a[2]);
	}
	if (flags & CLONE_SETTLS) {
		sf_next(f);
		sout_puts(&f->out, "tls=");
		sout_hex(&f->out, a[4]);
	}
	if (flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) {
		sf_next(f);
		sout_puts(&f->out, "child_tidptr=");
		sout_ptr(&f->out, a[3]);
	}
}
