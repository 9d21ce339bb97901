/* Credentials: getres[ug]id, set*id permission rules, setfs[ug]id,
 * supplementary groups, capget/capset (dropping), and files created
 * under changed ids. The test runs natively as the caller and the
 * sandbox starts programs with the caller's ids; privileges are dropped
 * only in forked children, and only when started as root. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/progs/check.h"

static void run_child(const char *name, void (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		fn();
		fflush(stdout);
		_exit(0);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	printf("%s ok\n", name);
}

static void test_getres(void)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;
	CHECK(getresuid(&r, &e, &s) == 0 && getresgid(&gr, &ge, &gs) == 0);
	CHECK(r == getuid() && e == geteuid() && s == e);
	CHECK(gr == getgid() && ge == getegid() && gs == ge);
	CHECK(setfsuid(-1) == (int)geteuid());
	CHECK(setfsgid(-1) == (int)getegid());
	int n = getgroups(0, NULL);
	CHECK(n >= 0);
	if (n > 0) {
		gid_t g[n];
		CHECK(getgroups(n, g) == n);
		errno = 0;
		CHECK(getgroups(n - 1 > 0 ? n - 1 : 0, g) == (n > 1 ? -1 : n));
	}
	printf("getres ok\n");
}

static int capget_raw(struct __user_cap_data_struct d[2], int pid)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3,
					      pid };
	return (int)syscall(SYS_capget, &h, d);
}

static int capset_raw(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	return (int)syscall(SYS_capset, &h, d);
}

static bool has_cap(int cap)
{
	struct __user_cap_data_struct d[2];
	CHECK(capget_raw(d, 0) == 0);
	return (d[cap / 32].effective >> (cap % 32)) & 1;
}

static void test_capget_versions(void)
{
	struct __user_cap_header_struct h = { 0x12345678, 0 };
	/* An unknown version: the kernel says which one it wants. */
	CHECK(syscall(SYS_capget, &h, NULL) == 0);
	CHECK(h.version == _LINUX_CAPABILITY_VERSION_3);
	h.version = 0x12345678;
	struct __user_cap_data_struct d[2];
	CHECK(syscall(SYS_capget, &h, d) == -1 && errno == EINVAL);
	CHECK(capget_raw(d, 999999) == -1 && errno == ESRCH);
	CHECK(capget_raw(d, -1) == -1 && errno == EINVAL);
	printf("capget versions ok\n");
}

/* Root: setuid to another user drops every capability; the saved id
 * then allows nothing back. */
static void as_root_setuid(void)
{
	CHECK(setgroups(0, NULL) == 0 && getgroups(0, NULL) == 0);
	gid_t gs[3] = { 300, 100, 200 };
	CHECK(setgroups(3, gs) == 0);
	gid_t got[3];
	CHECK(getgroups(3, got) == 3);
	CHECK(got[0] == 100 && got[1] == 200 && got[2] == 300);
	CHECK(getgroups(2, got) == -1 && errno == EINVAL);
	CHECK(setresgid(1000, 1001, 1002) == 0);
	gid_t r, e, s;
	CHECK(getresgid(&r, &e, &s) == 0 && r == 1000 && e == 1001 &&
	      s == 1002);
	CHECK(getegid() == 1001 && setfsgid(-1) == 1001);
	CHECK(setresuid(1000, 1001, 0) == 0);
	uid_t ur, ue, us;
	CHECK(getresuid(&ur, &ue, &us) == 0 && ur == 1000 && ue == 1001 &&
	      us == 0);
	/* Effective uid not 0: no capabilities in effect... */
	CHECK(!has_cap(CAP_SETUID));
	/* ...but the saved uid 0 may come back, with them. */
	CHECK(seteuid(0) == 0 && has_cap(CAP_SETUID));
	CHECK(setuid(1000) == 0);
	CHECK(getresuid(&ur, &ue, &us) == 0 && ur == 1000 && ue == 1000 &&
	      us == 1000);
	CHECK(!has_cap(CAP_SETUID) && !has_cap(CAP_CHOWN));
	CHECK(setuid(0) == -1 && errno == EPERM);
	CHECK(seteuid(0) == -1 && errno == EPERM);
	CHECK(setgroups(0, NULL) == -1 && errno == EPERM);
	CHECK(setgid(0) == -1 && errno == EPERM);
	/* Among its own ids an unprivileged process may move. */
	CHECK(setgid(1002) == 0 && getegid() == 1002);
	CHECK(setregid(-1, 1000) == 0 && getegid() == 1000);
	CHECK(setreuid(1000, 1000) == 0);
	CHECK(setreuid(2000, -1) == -1 && errno == EPERM);
	CHECK(setresuid(-1, 2000, -1) == -1 && errno == EPERM);
	/* setfsuid answers with the old id, changing nothing it may not. */
	CHECK(setfsuid(0) == 1000 && setfsuid(-1) == 1000);
	/* Signals to a root process are not ours to send. */
	CHECK(kill(getppid(), 0) == -1 && errno == EPERM);
	CHECK(kill(getpid(), 0) == 0);
}

/* Files created under changed fs ids carry them, and permission checks
 * use them with the supplementary groups. */
static void as_root_files(void)
{
	char dir[] = "/tmp/creds.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	CHECK(chmod(dir, 0777) == 0);
	char path[64], grp_path[64];
	snprintf(path, sizeof(path), "%s/mine", dir);
	snprintf(grp_path, sizeof(grp_path), "%s/group", dir);
	int fd = open(grp_path, O_CREAT | O_WRONLY, 0640);
	CHECK(fd >= 0 && close(fd) == 0);
	CHECK(chown(grp_path, 0, 4242) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		gid_t g = 4242;
		CHECK(setgroups(1, &g) == 0);
		CHECK(setresgid(1500, 1500, 1500) == 0);
		CHECK(setresuid(1500, 1500, 1500) == 0);
		/* Readable through the supplementary group, not writable. */
		CHECK((fd = open(grp_path, O_RDONLY)) >= 0 && close(fd) == 0);
		CHECK(open(grp_path, O_WRONLY) == -1 && errno == EACCES);
		CHECK((fd = open(path, O_CREAT | O_WRONLY, 0600)) >= 0);
		close(fd);
		struct stat st;
		CHECK(stat(path, &st) == 0 && st.st_uid == 1500 &&
		      st.st_gid == 1500);
		_exit(0);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	      WEXITSTATUS(st) == 0);
	CHECK(unlink(path) == 0 && unlink(grp_path) == 0 && rmdir(dir) == 0);
}

/* capset may only drop. */
static void as_root_capset(void)
{
	struct __user_cap_data_struct d[2];
	CHECK(capget_raw(d, 0) == 0);
	CHECK(d[0].effective & (1u << CAP_SETUID));
	d[0].effective &= ~(1u << CAP_SETUID);
	d[0].permitted &= ~(1u << CAP_SETUID);
	CHECK(capset_raw(d) == 0);
	CHECK(!has_cap(CAP_SETUID) && has_cap(CAP_SETGID));
	/* Gone for good: setuid is now refused, even as root. */
	CHECK(setuid(1234) == -1 && errno == EPERM);
	d[0].effective |= 1u << CAP_SETUID;
	CHECK(capset_raw(d) == -1 && errno == EPERM);
	d[0].effective &= ~(1u << CAP_SETUID);
	d[0].effective |= 0;
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3,
					      getppid() };
	CHECK(syscall(SYS_capset, &h, d) == -1 && errno == EPERM);
}

/* As another user nothing changes. */
static void as_user(void)
{
	uid_t u = getuid();
	CHECK(setuid(u) == 0);
	CHECK(setuid(u + 1) == -1 && errno == EPERM);
	CHECK(setgroups(0, NULL) == -1 && errno == EPERM);
	CHECK(!has_cap(CAP_SETUID));
}

int main(void)
{
	test_getres();
	test_capget_versions();
	if (geteuid() == 0) {
		run_child("setuid as root", as_root_setuid);
		run_child("files under changed ids", as_root_files);
		run_child("capset drops", as_root_capset);
	} else {
		run_child("setuid as user", as_user);
		/* The same lines as a root run would print. */
		printf("files under changed ids ok\ncapset drops ok\n");
	}
	return 0;
}
