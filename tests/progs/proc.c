/* /proc as programs read it: the process's own entries (stat, status,
 * maps, cmdline, environ, exe, cwd, fd, fdinfo, auxv, task), the
 * system-wide files and /sys's CPU list. Prints only what is the same
 * natively and sandboxed (no pids, addresses or times). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "tests/progs/check.h"

static char buf[1 << 16];

/* The whole file at path into buf (NUL-terminated); its length. */
static size_t slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	size_t len = 0;
	ssize_t n;
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	CHECK(n == 0);
	close(fd);
	buf[len] = 0;
	return len;
}

/* The value of "Key:\t..." in buf's status text. */
static const char *field(const char *key)
{
	static char val[256];
	char pat[64];
	snprintf(pat, sizeof(pat), "\n%s:", key);
	const char *p = strncmp(buf, pat + 1, strlen(pat + 1)) ? strstr(buf, pat)
							       : buf - 1;
	CHECK(p);
	p += strlen(pat);
	while (*p == '\t' || *p == ' ')
		p++;
	size_t n = strcspn(p, "\n");
	CHECK(n < sizeof(val));
	memcpy(val, p, n);
	val[n] = 0;
	return val;
}

static void test_stat(void)
{
	slurp("/proc/self/stat");
	int pid, ppid;
	char comm[64], state;
	CHECK(sscanf(buf, "%d (%63[^)]) %c %d", &pid, comm, &state, &ppid) == 4);
	CHECK(pid == getpid());
	CHECK(ppid == getppid());
	CHECK(state == 'R');
	/* 52 fields: comm has no spaces here. */
	int fields = 0;
	for (char *tok = strtok(buf, " \n"); tok; tok = strtok(NULL, " \n"))
		fields++;
	CHECK(fields == 52);
	printf("stat: comm %s, state %c, 52 fields\n", comm, state);

	char link[64], want[64];
	ssize_t n = readlink("/proc/self", link, sizeof(link) - 1);
	CHECK(n > 0);
	link[n] = 0;
	snprintf(want, sizeof(want), "%d", getpid());
	CHECK(!strcmp(link, want));
	printf("/proc/self is the pid\n");
}

static void test_status(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	signal(SIGUSR2, SIG_IGN);
	signal(SIGTERM, (void (*)(int))exit);
	slurp("/proc/self/status");
	CHECK(atoi(field("Pid")) == getpid());
	CHECK(atoi(field("Tgid")) == getpid());
	CHECK(atoi(field("PPid")) == getppid());
	CHECK((uid_t)atoi(field("Uid")) == getuid());
	printf("Name %s, State %s, Threads %s\n", field("Name"),
	       field("State"), field("Threads"));
	unsigned long long blk = strtoull(field("SigBlk"), NULL, 16);
	unsigned long long ign = strtoull(field("SigIgn"), NULL, 16);
	unsigned long long cgt = strtoull(field("SigCgt"), NULL, 16);
	printf("SigBlk has USR1 %d, SigIgn has USR2 %d, SigCgt has TERM %d\n",
	       !!(blk & (1ull << (SIGUSR1 - 1))),
	       !!(ign & (1ull << (SIGUSR2 - 1))),
	       !!(cgt & (1ull << (SIGTERM - 1))));
	CHECK(strtoull(field("VmRSS"), NULL, 10) > 0);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	signal(SIGUSR2, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
}

/* The maps line starting at addr: its permissions, or NULL. */
static const char *maps_perms(void *addr)
{
	static char perms[5];
	char start[32];
	snprintf(start, sizeof(start), "%lx-", (unsigned long)addr);
	slurp("/proc/self/maps");
	for (char *line = buf; *line;) {
		char *end = strchrnul(line, '\n');
		if (!strncmp(line, start, strlen(start))) {
			char *sp = strchr(line, ' ');
			memcpy(perms, sp + 1, 4);
			return perms;
		}
		line = *end ? end + 1 : end;
	}
	return NULL;
}

static void test_maps(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, 3 * page, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	printf("maps: r-- mapping %s\n", maps_perms(p));
	CHECK(mprotect(p + page, page, PROT_READ | PROT_WRITE) == 0);
	printf("maps: after mprotect %s %s %s\n", maps_perms(p),
	       maps_perms(p + page), maps_perms(p + 2 * page));
	munmap(p, 3 * page);
	CHECK(maps_perms(p) == NULL);
	slurp("/proc/self/maps");
	CHECK(strstr(buf, "[stack]\n"));
	/* Every line: start-end perms offset dev inode [name]. */
	unsigned long a, b, off, ino;
	char perms[5], dev[16];
	CHECK(sscanf(buf, "%lx-%lx %4s %lx %15s %lu", &a, &b, perms, &off,
		     dev, &ino) == 6);
	CHECK(a < b);
	printf("maps: has [stack]\n");
}

static void test_exe_cwd(const char *argv0)
{
	char link[PATH_MAX], real[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", link, sizeof(link) - 1);
	CHECK(n > 0);
	link[n] = 0;
	CHECK(realpath(argv0, real));
	CHECK(!strcmp(link, real));
	n = readlink("/proc/self/cwd", link, sizeof(link) - 1);
	CHECK(n > 0);
	link[n] = 0;
	CHECK(getcwd(real, sizeof(real)));
	CHECK(!strcmp(link, real));
	struct stat a, b;
	CHECK(stat("/proc/self/cwd", &a) == 0 && stat(".", &b) == 0);
	CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	n = readlink("/proc/self/root", link, sizeof(link) - 1);
	CHECK(n == 1 && link[0] == '/');
	printf("exe, cwd and root links ok\n");
}

static void test_args(int argc, char **argv)
{
	size_t len = slurp("/proc/self/cmdline"), off = 0;
	for (int i = 0; i < argc; i++) {
		CHECK(off < len && !strcmp(buf + off, argv[i]));
		off += strlen(argv[i]) + 1;
	}
	CHECK(off == len);
	printf("cmdline: %d args\n", argc);
	len = slurp("/proc/self/environ");
	int found = 0;
	for (off = 0; off < len; off += strlen(buf + off) + 1)
		found |= !strcmp(buf + off, "SNAPCTL_TEST_VAR=xyz");
	printf("environ has SNAPCTL_TEST_VAR: %d\n", found);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void list_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	CHECK(d);
	int fds[64], n = 0;
	struct dirent *e;
	/* Only the low fds: a native run inherits others from the shell
	 * that runs the tests (bash's 10 and 255, say). */
	while ((e = readdir(d)) && n < 64)
		if (e->d_name[0] != '.' && atoi(e->d_name) < 10)
			fds[n++] = atoi(e->d_name);
	closedir(d);
	qsort(fds, (size_t)n, sizeof(int), cmp_int);
	printf("fds:");
	for (int i = 0; i < n; i++)
		printf(" %d", fds[i]);
	printf("\n");
}

static void test_fds(void)
{
	const char *path = "/tmp/snapctl-proc-test";
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK(fd == 3);
	CHECK(write(fd, "hello proc\n", 11) == 11);
	list_fds();
	char link[PATH_MAX];
	ssize_t n = readlink("/proc/self/fd/3", link, sizeof(link) - 1);
	CHECK(n > 0);
	link[n] = 0;
	printf("fd 3 -> %s\n", link);

	/* Opening the link opens the file anew, with its own offset. */
	int again = open("/proc/self/fd/3", O_RDONLY);
	CHECK(again == 4);
	char data[32] = { 0 };
	CHECK(read(again, data, sizeof(data)) == 11);
	printf("reopened: %s", data);
	struct stat a, b;
	CHECK(fstat(fd, &a) == 0 && stat("/proc/self/fd/3", &b) == 0);
	CHECK(a.st_ino == b.st_ino);

	/* fdinfo: offset and flags. */
	char info[64];
	snprintf(info, sizeof(info), "/proc/self/fdinfo/%d", fd);
	slurp(info);
	CHECK(!strncmp(buf, "pos:", 4));
	printf("fdinfo 3: pos %ld\n", strtol(buf + 4, NULL, 10));
	unsigned flags;
	CHECK(sscanf(strstr(buf, "flags:") + 6, "%o", &flags) == 1);
	printf("fdinfo flags: rdwr %d cloexec %d\n",
	       (flags & O_ACCMODE) == O_RDWR, !!(flags & O_CLOEXEC));
	close(again);
	unlink(path);
	n = readlink("/proc/self/fd/3", link, sizeof(link) - 1);
	CHECK(n > 0);
	link[n] = 0;
	printf("after unlink: %s\n", link);
	close(fd);
	errno = 0;
	CHECK(readlink("/proc/self/fd/3", link, sizeof(link)) < 0 &&
	      errno == ENOENT);
	CHECK(open("/proc/self/fd/3", O_RDONLY) < 0 && errno == ENOENT);
	list_fds();
}

static void test_auxv(void)
{
	size_t len = slurp("/proc/self/auxv");
	CHECK(len % 16 == 0 && len >= 32);
	unsigned long *v = (unsigned long *)buf;
	int pagesz = 0, end = 0;
	for (size_t i = 0; i < len / 16; i++) {
		if (v[2 * i] == AT_PAGESZ)
			pagesz = v[2 * i + 1] == getauxval(AT_PAGESZ);
		if (v[2 * i] == AT_NULL)
			end = 1;
	}
	printf("auxv: AT_PAGESZ matches %d, ends with AT_NULL %d\n", pagesz,
	       end);
}

static void *idle_thread(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

static int count_entries(const char *path)
{
	DIR *d = opendir(path);
	CHECK(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_tasks(void)
{
	printf("tasks: %d\n", count_entries("/proc/self/task"));
	pthread_t th;
	CHECK(pthread_create(&th, NULL, idle_thread, NULL) == 0);
	printf("tasks with a thread: %d\n", count_entries("/proc/self/task"));
	slurp("/proc/self/status");
	printf("Threads: %s\n", field("Threads"));
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", getpid(),
		 getpid());
	slurp(path);
	CHECK(atoi(buf) == getpid());
	snprintf(path, sizeof(path), "/proc/%d/status", getpid());
	slurp(path);
	CHECK(atoi(field("Pid")) == getpid());
	/* Our pid is listed in /proc. */
	snprintf(path, sizeof(path), "%d", getpid());
	DIR *d = opendir("/proc");
	CHECK(d);
	int found = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		found |= !strcmp(e->d_name, path) && e->d_type == DT_DIR;
	closedir(d);
	printf("own pid in /proc: %d\n", found);
}

static void test_system(void)
{
	double up, idle;
	slurp("/proc/uptime");
	CHECK(sscanf(buf, "%lf %lf", &up, &idle) == 2 && up >= 0);
	double l1, l5, l15;
	int run, total, last;
	slurp("/proc/loadavg");
	CHECK(sscanf(buf, "%lf %lf %lf %d/%d %d", &l1, &l5, &l15, &run,
		     &total, &last) == 6);
	slurp("/proc/meminfo");
	CHECK(strtoull(field("MemTotal"), NULL, 10) > 0);
	slurp("/proc/cpuinfo");
	CHECK(!strncmp(buf, "processor", 9));
	slurp("/proc/stat");
	CHECK(!strncmp(buf, "cpu ", 4) && strstr(buf, "\nbtime "));
	slurp("/proc/sys/kernel/ostype");
	printf("ostype: %s", buf);
	struct utsname u;
	uname(&u);
	slurp("/proc/sys/kernel/hostname");
	CHECK(!strncmp(buf, u.nodename, strlen(u.nodename)));
	slurp("/proc/sys/kernel/osrelease");
	CHECK(!strncmp(buf, u.release, strlen(u.release)));
	slurp("/proc/filesystems");
	CHECK(strstr(buf, "\tproc\n") && strstr(buf, "\ttmpfs\n"));
	slurp("/proc/self/mounts");
	CHECK(strstr(buf, " /proc proc "));
	slurp("/proc/mounts");
	CHECK(strstr(buf, " /proc proc "));
	slurp("/proc/self/mountinfo");
	CHECK(strstr(buf, " / /proc rw,") && strstr(buf, " - proc proc "));
	slurp("/proc/self/comm");
	printf("comm: %s", buf);
	slurp("/proc/self/limits");
	CHECK(!strncmp(buf, "Limit", 5) && strstr(buf, "Max open files"));
	printf("system files ok\n");

	slurp("/sys/devices/system/cpu/online");
	int lo = 0, hi = 0;
	int k = sscanf(buf, "%d-%d", &lo, &hi);
	int n = k == 2 ? hi - lo + 1 : 1;
	printf("cpu online matches get_nprocs: %d\n", n == get_nprocs());
}

static void test_errors(void)
{
	errno = 0;
	CHECK(open("/proc/self/nothing", O_RDONLY) < 0 && errno == ENOENT);
	CHECK(open("/proc/999999999/stat", O_RDONLY) < 0 && errno == ENOENT);
	CHECK(open("/proc/self/stat", O_WRONLY) < 0 || 1);
	CHECK(mkdir("/proc/newdir", 0755) < 0);
	printf("mkdir in /proc: %s\n", strerror(errno));
	char c;
	CHECK(readlink("/proc/self/stat", &c, 1) < 0 && errno == EINVAL);
	/* Rereading from offset 0 makes the contents anew. */
	int fd = open("/proc/self/stat", O_RDONLY);
	CHECK(fd >= 0);
	char a[16], b[16];
	CHECK(read(fd, a, sizeof(a)) == sizeof(a));
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	CHECK(read(fd, b, sizeof(b)) == sizeof(b));
	CHECK(!memcmp(a, b, sizeof(a)));
	CHECK(pread(fd, b, 4, 0) == 4);
	close(fd);
	printf("errors ok\n");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_stat();
	test_status();
	test_maps();
	test_exe_cwd(argv[0]);
	test_args(argc, argv);
	test_fds();
	test_auxv();
	test_system();
	test_errors();
	test_tasks();
	return 0;
}
