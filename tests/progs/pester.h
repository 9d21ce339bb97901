/* A child that sends a signal to its parent every 50 ms until stopped:
 * the parent is sure to be interrupted while it waits, however slowly
 * it gets there (a signal before the wait only runs the handler). */
#ifndef TESTS_PROGS_PESTER_H
#define TESTS_PROGS_PESTER_H

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/progs/check.h"

static inline pid_t pester(int sig)
{
	pid_t parent = getpid(), pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		for (;;) {
			usleep(50000);
			kill(parent, sig);
		}
	}
	return pid;
}

static inline void pester_stop(pid_t pid)
{
	int st;
	kill(pid, SIGKILL);
	CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st));
}

#endif
