#!/usr/bin/env bash
# snapctl run: exit statuses, bad programs and bad flags give one line
# and the documented status; --strace prints the calls.
. "$(dirname "$0")/lib.sh"

expect run-missing-program 127 'no-such-prog.*(No such file|not found)' -- "$SNAPCTL" run -- "$T/no-such-prog"
expect run-not-in-path 127 'command not found' -- "$SNAPCTL" run -- no-such-command-xyz
printf '#!/nothing\n' >"$T/script"; chmod +x "$T/script"
head -c 100 /dev/zero >"$T/zeros"; chmod +x "$T/zeros"
expect run-not-elf 126 'not an ELF' -- "$SNAPCTL" run -- "$T/zeros"
# An ELF header for aarch64 (e_machine 183).
{ printf '\x7fELF\x02\x01\x01\x00'; head -c 8 /dev/zero; printf '\x02\x00\xb7\x00'; head -c 44 /dev/zero; } >"$T/arm64"
chmod +x "$T/arm64"
expect run-foreign-arch 126 'foreign architecture.*aarch64' -- "$SNAPCTL" run -- "$T/arm64"
chmod -x "$T/zeros"
expect run-not-executable 126 'not executable' -- "$SNAPCTL" run -- "$T/zeros"
expect run-bad-flag 2 "unknown option '--bogus'" -- "$SNAPCTL" run --bogus -- /bin/true
expect run-bad-platform 2 "unknown platform 'nope'" -- "$SNAPCTL" run --platform=nope -- /bin/true
expect run-no-program 2 'no program' -- "$SNAPCTL" run --
expect unknown-command 2 "unknown command 'frobnicate'" -- "$SNAPCTL" frobnicate

"$SNAPCTL" run -- "$PROGS/exitcode" 7 2>/dev/null
check run-exit-status [ $? -eq 7 ]
"$SNAPCTL" run -- "$PROGS/exitcode" segv 2>/dev/null
check run-signal-status [ $? -eq 139 ]

"$SNAPCTL" run --strace -- "$PROGS/hello" >"$T/out" 2>"$T/strace"
check strace-status [ $? -eq 0 ]
check strace-write grep -Fq 'write(1, "to stdout via write(2)\n", 23) = 23' "$T/strace"
check strace-exit grep -Fq 'exit_group(0) = ?' "$T/strace"
check strace-errno grep -Eq '= -1 E[A-Z]+ \([A-Z][a-z ]+\)' "$T/strace"
check strace-stdout-clean grep -q '^hello, world$' "$T/out"
