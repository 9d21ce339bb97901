/* Every syscall handler, for the table in syscall_table.c. */
#ifndef CORE_SYSCALLS_H
#define CORE_SYSCALLS_H

#include "core/syscall.h"
#include "core/syscalls_fs.h"

/* sys_task.c */
SYSCALL_DECL(exit);
SYSCALL_DECL(exit_group);
SYSCALL_DECL(getpid);
SYSCALL_DECL(gettid);
SYSCALL_DECL(getppid);
SYSCALL_DECL(getuid);
SYSCALL_DECL(geteuid);
SYSCALL_DECL(getgid);
SYSCALL_DECL(getegid);
SYSCALL_DECL(set_tid_address);
SYSCALL_DECL(set_robust_list);
SYSCALL_DECL(get_robust_list);
SYSCALL_DECL(arch_prctl);
SYSCALL_DECL(rseq);

/* sys_time.c */
SYSCALL_DECL(clock_gettime);
SYSCALL_DECL(clock_getres);
SYSCALL_DECL(gettimeofday);
SYSCALL_DECL(time);
SYSCALL_DECL(nanosleep);
SYSCALL_DECL(restart_syscall);

/* exec.c */
SYSCALL_DECL(execve);
SYSCALL_DECL(execveat);

/* clone.c, sys_wait.c, futex.c */
SYSCALL_DECL(clone);
SYSCALL_DECL(clone3);
SYSCALL_DECL(fork);
SYSCALL_DECL(vfork);
SYSCALL_DECL(wait4);
SYSCALL_DECL(waitid);
SYSCALL_DECL(futex);

/* sys_signal.c, signal_frame.c */
SYSCALL_DECL(rt_sigaction);
SYSCALL_DECL(rt_sigprocmask);
SYSCALL_DECL(rt_sigpending);
SYSCALL_DECL(rt_sigreturn);
SYSCALL_DECL(rt_sigsuspend);
SYSCALL_DECL(sigaltstack);
SYSCALL_DECL(kill);
SYSCALL_DECL(tgkill);
SYSCALL_DECL(tkill);
SYSCALL_DECL(pause);
SYSCALL_DECL(clock_nanosleep);

/* sys_info.c */
SYSCALL_DECL(uname);
SYSCALL_DECL(sysinfo);
SYSCALL_DECL(getrandom);
SYSCALL_DECL(prlimit64);
SYSCALL_DECL(getrlimit);
SYSCALL_DECL(setrlimit);
SYSCALL_DECL(sched_getaffinity);
SYSCALL_DECL(sched_yield);

/* sys_io.c */
SYSCALL_DECL(read);
SYSCALL_DECL(write);
SYSCALL_DECL(readv);
SYSCALL_DECL(writev);

/* sys_mm.c */
SYSCALL_DECL(brk);
SYSCALL_DECL(mmap);
SYSCALL_DECL(munmap);
SYSCALL_DECL(mprotect);
SYSCALL_DECL(mremap);
SYSCALL_DECL(madvise);
SYSCALL_DECL(msync);
SYSCALL_DECL(mincore);

#endif
