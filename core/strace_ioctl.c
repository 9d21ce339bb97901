/* ioctl for the strace formatter: the request's name (or strace's
 * _IOC(dir, type, nr, size) spelling) and, for the terminal and file
 * requests strace decodes, the argument. */
#include <inttypes.h>
#include <asm/ioctls.h>
#include <asm/termbits.h>
#include <asm/termios.h>
#include <linux/ioctl.h>

#include "core/strace_impl.h"

enum ioctl_arg {
	IA_HEX,          /* unknown: the raw argument */
	IA_NONE,         /* no argument */
	IA_INT,          /* the argument is an int */
	IA_INT_IN,       /* points to an int the call reads */
	IA_INT_OUT,      /* points to an int the call writes */
	IA_TERMIOS_IN,
	IA_TERMIOS_OUT,
	IA_WINSIZE_IN,
	IA_WINSIZE_OUT,
	IA_TCXONC,
	IA_TCFLSH,
};

struct ioctl_desc {
	uint32_t req;
	const char *name;
	enum ioctl_arg arg;
};

#define IO(req, arg) { req, #req, arg }

static const struct ioctl_desc ioctls[] = {
	IO(TCGETS, IA_TERMIOS_OUT), IO(TCSETS, IA_TERMIOS_IN),
	IO(TCSETSW, IA_TERMIOS_IN), IO(TCSETSF, IA_TERMIOS_IN),
	IO(TCGETA, IA_HEX), IO(TCSETA, IA_HEX), IO(TCSETAW, IA_HEX),
	IO(TCSETAF, IA_HEX), IO(TCSBRK, IA_INT), IO(TCXONC, IA_TCXONC),
	IO(TCFLSH, IA_TCFLSH), IO(TIOCEXCL, IA_NONE), IO(TIOCNXCL, IA_NONE),
	IO(TIOCSCTTY, IA_INT), IO(TIOCGPGRP, IA_INT_OUT),
	IO(TIOCSPGRP, IA_INT_IN), IO(TIOCOUTQ, IA_INT_OUT),
	IO(TIOCSTI, IA_HEX), IO(TIOCGWINSZ, IA_WINSIZE_OUT),
	IO(TIOCSWINSZ, IA_WINSIZE_IN), IO(TIOCMGET, IA_HEX),
	IO(TIOCMBIS, IA_HEX), IO(TIOCMBIC, IA_HEX), IO(TIOCMSET, IA_HEX),
	IO(TIOCGSOFTCAR, IA_INT_OUT), IO(TIOCSSOFTCAR, IA_INT_IN),
	IO(FIONREAD, IA_INT_OUT), IO(TIOCLINUX, IA_HEX), IO(TIOCCONS, IA_NONE),
	IO(TIOCGSERIAL, IA_HEX), IO(TIOCSSERIAL, IA_NONE),
	IO(TIOCPKT, IA_INT_IN), IO(FIONBIO, IA_INT_IN),
	IO(TIOCNOTTY, IA_NONE), IO(TIOCSETD, IA_INT_IN),
	IO(TIOCGETD, IA_INT_OUT), IO(TCSBRKP, IA_INT), IO(TIOCSBRK, IA_NONE),
	IO(TIOCCBRK, IA_NONE), IO(TIOCGSID, IA_INT_OUT), IO(TCGETS2, IA_HEX),
	IO(TCSETS2, IA_HEX), IO(TCSETSW2, IA_HEX), IO(TCSETSF2, IA_HEX),
	IO(TIOCGPTN, IA_INT_OUT), IO(TIOCSPTLCK, IA_INT_IN),
	IO(TIOCGDEV, IA_INT_OUT), IO(TIOCSIG, IA_HEX),
	IO(TIOCVHANGUP, IA_NONE), IO(TIOCGPKT, IA_HEX), IO(TIOCGPTLCK, IA_HEX),
	IO(TIOCGEXCL, IA_INT_OUT), IO(TIOCGPTPEER, IA_HEX),
	IO(FIONCLEX, IA_NONE), IO(FIOCLEX, IA_NONE), IO(FIOASYNC, IA_INT_IN),
	IO(TIOCGLCKTRMIOS, IA_HEX), IO(TIOCSLCKTRMIOS, IA_HEX),
	IO(FIOQSIZE, IA_HEX),
	{ 0, NULL, IA_HEX }
};

static const struct ioctl_desc *ioctl_find(uint32_t req)
{
	for (const struct ioctl_desc *d = ioctls; d->name; d++)
		if (d->req == req)
			return d;
	return NULL;
}

static const struct xlat sxl_ioc_dirs[] = {
	X(_IOC_READ), X(_IOC_WRITE), XEND
};

/* An unknown request, spelled as strace spells it. */
static void print_ioc(struct sout *o, uint32_t req)
{
	sout_puts(o, "_IOC(");
	sout_flags(o, sxl_ioc_dirs, _IOC_DIR(req), "_IOC_NONE", "_IOC_???");
	sout_puts(o, ", ");
	sout_hex(o, _IOC_TYPE(req));
	sout_puts(o, ", ");
	sout_hex(o, _IOC_NR(req));
	sout_puts(o, ", ");
	sout_hex(o, _IOC_SIZE(req));
	sout_putc(o, ')');
}

/* ---- termios ---- */

static const struct xlat sxl_iflags[] = {
	X(IGNBRK), X(BRKINT), X(IGNPAR), X(PARMRK), X(INPCK), X(ISTRIP),
	X(INLCR), X(IGNCR), X(ICRNL), X(IUCLC), X(IXON), X(IXANY), X(IXOFF),
	X(IMAXBEL), X(IUTF8), XEND
};

static const struct xlat sxl_oflags[] = {
	X(OPOST), X(OLCUC), X(ONLCR), X(OCRNL), X(ONOCR), X(ONLRET), X(OFILL),
	X(OFDEL), XEND
};

static const struct xlat sxl_nldly[] = { X(NL0), X(NL1), XEND };
static const struct xlat sxl_crdly[] = { X(CR0), X(CR1), X(CR2), X(CR3), XEND };
static const struct xlat sxl_tabdly[] = {
	X(TAB0), X(TAB1), X(TAB2), X(TAB3), XEND
};
static const struct xlat sxl_bsdly[] = { X(BS0), X(BS1), XEND };
static const struct xlat sxl_vtdly[] = { X(VT0), X(VT1), XEND };
static const struct xlat sxl_ffdly[] = { X(FF0), X(FF1), XEND };

static const struct xlat sxl_cflags[] = {
	X(CSTOPB), X(CREAD), X(PARENB), X(PARODD), X(HUPCL), X(CLOCAL),
	X(CMSPAR), X(CRTSCTS), XEND
};

static const struct xlat sxl_csize[] = { X(CS5), X(CS6), X(CS7), X(CS8), XEND };

static const struct xlat sxl_bauds[] = {
	X(B0), X(B50), X(B75), X(B110), X(B134), X(B150), X(B200), X(B300),
	X(B600), X(B1200), X(B1800), X(B2400), X(B4800), X(B9600), X(B19200),
	X(B38400), X(B57600), X(B115200), X(B230400), X(B460800), X(B500000),
	X(B576000), X(B921600), X(B1000000), X(B1152000), X(B1500000),
	X(B2000000), X(B2500000), X(B3000000), X(B3500000), X(B4000000), XEND
};

static const struct xlat sxl_lflags[] = {
	X(ISIG), X(ICANON), X(XCASE), X(ECHO), X(ECHOE), X(ECHOK), X(ECHONL),
	X(NOFLSH), X(IEXTEN), X(ECHOCTL), X(ECHOPRT), X(ECHOKE), X(FLUSHO),
	X(PENDIN), X(TOSTOP), X(EXTPROC), XEND
};

static const struct xlat sxl_tcxonc[] = {
	X(TCOOFF), X(TCOON), X(TCIOFF), X(TCION), XEND
};

static const struct xlat sxl_tcflsh[] = {
	X(TCIFLUSH), X(TCOFLUSH), X(TCIOFLUSH), XEND
};

/* Named fields of a flag word, each followed by '|', then the flags. */
struct flag_field {
	const struct xlat *x;
	uint32_t mask;
	const char *dflt;
};

static void put_fields(struct sout *o, const struct flag_field *ff, size_t n,
		       const struct xlat *flags, uint32_t v)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			sout_putc(o, '|');
		sout_xval(o, ff[i].x, v & ff[i].mask, ff[i].dflt);
		v &= ~ff[i].mask;
	}
	if (v) {
		sout_putc(o, '|');
		sout_flags(o, flags, v, NULL, NULL);
	}
}

static void put_oflag(struct sout *o, uint32_t v)
{
	static const struct flag_field ff[] = {
		{ sxl_nldly, NLDLY, "NL?" }, { sxl_crdly, CRDLY, "CR?" },
		{ sxl_tabdly, TABDLY, "TAB?" }, { sxl_bsdly, BSDLY, "BS?" },
		{ sxl_vtdly, VTDLY, "VT?" }, { sxl_ffdly, FFDLY, "FF?" },
	};
	put_fields(o, ff, sizeof(ff) / sizeof(ff[0]), sxl_oflags, v);
}

static void put_cflag(struct sout *o, uint32_t v)
{
	sout_xval(o, sxl_bauds, v & CBAUD, "B???");
	sout_putc(o, '|');
	if (v & CIBAUD) {
		sout_xval(o, sxl_bauds, (v & CIBAUD) >> IBSHIFT, "B???");
		sout_puts(o, "<<IBSHIFT|");
	}
	static const struct flag_field ff[] = { { sxl_csize, CSIZE, "CS?" } };
	put_fields(o, ff, 1, sxl_cflags, v & ~(uint32_t)(CBAUD | CIBAUD));
}

/* Abbreviated, as strace prints it by default. */
static void print_termios(struct sfmt *f, uint64_t addr)
{
	struct termios t;
	if (!sf_read_or_addr(f, &t, addr, sizeof(t)))
		return;
	struct sout *o = &f->out;
	sout_puts(o, "{c_iflag=");
	sout_flags(o, sxl_iflags, t.c_iflag, "0", NULL);
	sout_puts(o, ", c_oflag=");
	put_oflag(o, t.c_oflag);
	sout_puts(o, ", c_cflag=");
	put_cflag(o, t.c_cflag);
	sout_puts(o, ", c_lflag=");
	sout_flags(o, sxl_lflags, t.c_lflag, "0", NULL);
	sout_puts(o, ", ...}");
}

static void print_winsize(struct sfmt *f, uint64_t addr)
{
	struct winsize w;
	if (sf_read_or_addr(f, &w, addr, sizeof(w)))
		sout_printf(&f->out, "{ws_row=%u, ws_col=%u, ws_xpixel=%u, "
			    "ws_ypixel=%u}", w.ws_row, w.ws_col, w.ws_xpixel,
			    w.ws_ypixel);
}

/* ---- the argument ---- */

static bool ioctl_arg_is_output(enum ioctl_arg k)
{
	return k == IA_INT_OUT || k == IA_TERMIOS_OUT || k == IA_WINSIZE_OUT;
}

static void print_ioctl_arg(struct sfmt *f, enum ioctl_arg k, uint64_t arg)
{
	switch (k) {
	case IA_INT:
		sout_printf(&f->out, "%d", (int)arg);
		break;
	case IA_INT_IN:
	case IA_INT_OUT:
		sf_print_int_at(f, arg);
		break;
	case IA_TERMIOS_IN:
	case IA_TERMIOS_OUT:
		print_termios(f, arg);
		break;
	case IA_WINSIZE_IN:
	case IA_WINSIZE_OUT:
		print_winsize(f, arg);
		break;
	case IA_TCXONC:
		sout_xval(&f->out, sxl_tcxonc, arg, "TC???");
		break;
	case IA_TCFLSH:
		sout_xval(&f->out, sxl_tcflsh, arg, "TC???");
		break;
	default:
		sout_hex(&f->out, arg);
	}
}

void sf_arg_ioctl(struct sfmt *f, unsigned i)
{
	uint32_t req = (uint32_t)f->a[i];
	uint64_t arg = i < 5 ? f->a[i + 1] : 0;
	const struct ioctl_desc *d = ioctl_find(req);
	enum ioctl_arg k = d ? d->arg : IA_HEX;
	f->stop = true;
	sf_next(f);
	if (d)
		sout_puts(&f->out, d->name);
	else
		print_ioc(&f->out, req);
	if (k == IA_NONE)
		return;
	if (ioctl_arg_is_output(k)) {
		if (sf_stop_for_output(f))
			return;
		sf_next(f);
		if (sf_out_ready(f, arg))
			print_ioctl_arg(f, k, arg);
		return;
	}
	sf_next(f);
	print_ioctl_arg(f, k, arg);
}
