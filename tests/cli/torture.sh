#!/usr/bin/env bash
# --cr-torture: cycles really happen (the sandbox is saved, destroyed and
# restored), the program's output is untouched, and bad values are
# refused with one line.
. "$(dirname "$0")/lib.sh"

"$SNAPCTL" run --cr-torture=3sys -- "$PROGS/timing" >"$T/out" 2>"$T/err"
check torture-sys-status [ $? -eq 0 ]
check torture-sys-output grep -qx 'clocks ok' "$T/out"
n=$(sed -n 's/^snapctl: torture: \([0-9]*\) save\/restore cycles$/\1/p' "$T/err")
check torture-sys-cycles [ "${n:-0}" -gt 100 ]

mkdir "$T/tmpdir"
TMPDIR="$T/tmpdir" "$SNAPCTL" run --cr-torture=5 -- "$PROGS/bigmem" >"$T/out" 2>"$T/err"
check torture-time-status [ $? -eq 0 ]
"$PROGS/bigmem" >"$T/native"
check torture-time-output cmp -s "$T/out" "$T/native"
n=$(sed -n 's/^snapctl: torture: \([0-9]*\) save\/restore cycles$/\1/p' "$T/err")
check torture-time-cycles [ "${n:-0}" -gt 0 ]
check torture-leaves-no-image [ -z "$(ls -A "$T/tmpdir")" ]

expect torture-bad-value 2 'cr-torture takes N' -- "$SNAPCTL" run --cr-torture=0 -- /bin/true
expect torture-bad-unit 2 'cr-torture takes N' -- "$SNAPCTL" run --cr-torture=5min -- /bin/true
