/* The snapctl command line: each cmd_*.c parses one subcommand's
 * arguments and calls into snapshot/ and core/. Nothing here knows a
 * kernel structure. */
#ifndef CLI_CLI_H
#define CLI_CLI_H

/* Exit statuses of snapctl's own failures (a sandboxed program's status
 * is passed through by run and restore: 0-255, 128+N for signal N). */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILURE = 1,   /* an operation failed (message printed) */
	CLI_EXIT_USAGE = 2,     /* bad arguments, or a bad/unreadable image */
};

int cmd_inspect(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_save(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_kill(int argc, char **argv);

/* Prints "snapctl: <message>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
