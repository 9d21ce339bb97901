/* eventfd(2): counter and semaphore modes, EAGAIN and blocking at zero
 * and at overflow, argument errors, poll readiness, a blocked reader
 * woken by a forked child sharing the eventfd. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/progs/check.h"

static uint64_t rd(int fd)
{
	uint64_t v = 0;
	CHECK(read(fd, &v, sizeof(v)) == sizeof(v));
	return v;
}

static void wr(int fd, uint64_t v)
{
	CHECK(write(fd, &v, sizeof(v)) == sizeof(v));
}

static short revents(int fd, short events)
{
	struct pollfd p = { fd, events, 0 };
	CHECK(poll(&p, 1, 0) >= 0);
	return p.revents;
}

static void counter_mode(void)
{
	int fd = eventfd(5, 0);
	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_GETFL) == O_RDWR);
	CHECK(!(fcntl(fd, F_GETFD) & FD_CLOEXEC));
	wr(fd, 3);
	CHECK(rd(fd) == 8);
	CHECK(fcntl(fd, F_SETFL, O_NONBLOCK) == 0);
	uint64_t v;
	errno = 0;
	CHECK(read(fd, &v, sizeof(v)) == -1 && errno == EAGAIN);
	wr(fd, 0);
	CHECK(read(fd, &v, sizeof(v)) == -1 && errno == EAGAIN);
	/* A bigger buffer reads 8 bytes. */
	char big[16];
	wr(fd, 7);
	CHECK(read(fd, big, sizeof(big)) == 8);
	memcpy(&v, big, 8);
	CHECK(v == 7);
	close(fd);
	printf("counter mode ok\n");
}

static void semaphore_mode(void)
{
	int fd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_GETFL) == (O_RDWR | O_NONBLOCK));
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	int n = 0;
	uint64_t v;
	while (read(fd, &v, sizeof(v)) == sizeof(v)) {
		CHECK(v == 1);
		n++;
	}
	CHECK(errno == EAGAIN && n == 3);
	wr(fd, 2);
	CHECK(rd(fd) == 1 && rd(fd) == 1);
	close(fd);
	printf("semaphore mode: %d reads of 1\n", n);
}

static void errors(void)
{
	int fd = eventfd(0, EFD_NONBLOCK);
	uint64_t v = 1;
	uint32_t small = 1;
	errno = 0;
	CHECK(read(fd, &small, sizeof(small)) == -1 && errno == EINVAL);
	CHECK(write(fd, &small, sizeof(small)) == -1 && errno == EINVAL);
	v = UINT64_MAX;
	CHECK(write(fd, &v, sizeof(v)) == -1 && errno == EINVAL);
	CHECK(eventfd(0, 0x1234) == -1 && errno == EINVAL);
	CHECK(syscall(SYS_write, fd, 8L, 8L) == -1 && errno == EFAULT);
	CHECK(lseek(fd, 5, SEEK_SET) == 0);  /* noop_llseek */
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0600);
	/* The raw eventfd syscall has no flags. */
	int fd2 = (int)syscall(SYS_eventfd, 4);
	CHECK(fd2 >= 0 && fcntl(fd2, F_GETFL) == O_RDWR);
	CHECK(rd(fd2) == 4);
	close(fd2);
	close(fd);
	printf("errors ok\n");
}

static void overflow(void)
{
	int fd = eventfd(0, EFD_NONBLOCK);
	CHECK((revents(fd, POLLIN | POLLOUT) & (POLLIN | POLLOUT)) == POLLOUT);
	wr(fd, 0xfffffffffffffffeull);
	CHECK((revents(fd, POLLIN | POLLOUT) & (POLLIN | POLLOUT)) == POLLIN);
	uint64_t v = 1;
	errno = 0;
	CHECK(write(fd, &v, sizeof(v)) == -1 && errno == EAGAIN);
	v = 0;
	wr(fd, 0);  /* adding 0 never blocks */
	CHECK(rd(fd) == 0xfffffffffffffffeull);
	CHECK((revents(fd, POLLIN | POLLOUT) & (POLLIN | POLLOUT)) == POLLOUT);
	close(fd);
	printf("overflow ok\n");
}

static void sleep_ms(int ms)
{
	struct timespec ts = { 0, ms * 1000000L };
	nanosleep(&ts, NULL);
}

/* A reader blocks until the child writes; a writer blocks at the limit
 * until the child reads. */
static void blocking_with_child(void)
{
	int fd = eventfd(0, 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		sleep_ms(50);
		wr(fd, 42);
		sleep_ms(50);
		CHECK(rd(fd) == 0xfffffffffffffffeull);
		_exit(0);
	}
	CHECK(rd(fd) == 42);
	wr(fd, 0xfffffffffffffffeull);
	wr(fd, 5);  /* blocks until the child has read */
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && status == 0);
	CHECK(rd(fd) == 5);
	close(fd);
	printf("blocking with a child ok\n");
}

int main(void)
{
	counter_mode();
	semaphore_mode();
	errors();
	overflow();
	blocking_with_child();
	return 0;
}
