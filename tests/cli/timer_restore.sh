#!/usr/bin/env bash
# Timers across snapctl save / restore (issue 6): a program counting the
# SIGALRMs of a periodic itimer (and reading a timerfd) is saved mid-run
# and restored in another snapctl process; the two parts of its output
# joined equal an uninterrupted run, and the restored part really ran on
# timers that were re-armed at the restore.
. "$(dirname "$0")/lib.sh"
export SNAPCTL_ROOT=$T/state

"$PROGS/timer_tick" 40 25 >"$T/native"
"$SNAPCTL" run --platform="$PLATFORM" --id tick -- "$PROGS/timer_tick" 40 25 >"$T/a1" 2>/dev/null &
run=$!
wait_for "$T/a1" '^tick 10$'
"$SNAPCTL" save tick --image "$T/tick.img"
check timer-save [ $? -eq 0 ]
wait $run
check timer-save-stops-sandbox [ $? -eq 0 ]
"$SNAPCTL" restore --platform="$PLATFORM" --image "$T/tick.img" >"$T/a2" 2>"$T/a2.err"
check timer-restore-status [ $? -eq 0 ]
check timer-restore-output cmp -s <(cat "$T/a1" "$T/a2") "$T/native"
check timer-restore-resumed-midway bash -c "[ -s '$T/a2' ] && grep -q '^tick 40$' '$T/a2'"
check timer-restore-quiet [ ! -s "$T/a2.err" ]
