#!/usr/bin/env bash
# Host stdio waits go through task_block: signals interrupt a read from a
# host pipe on stdin (EINTR, or a restart with SA_RESTART), poll/ppoll
# wait on it, snapctl kill ends a sandbox blocked reading it, and a
# sandbox blocked on a pipe between its own processes is saved and
# restored. SNAPCTL_PLATFORM picks the platform.
. "$(dirname "$0")/lib.sh"
export SNAPCTL_ROOT=$T/state

feed() { sleep 4; echo data; sleep 0.5; }
feed | "$PROGS/stdin_wait" >"$T/native" 2>&1
feed | "$SNAPCTL" run --platform="$PLATFORM" -- "$PROGS/stdin_wait" >"$T/sandbox" 2>&1
check stdin-signals-native grep -q 'read without SA_RESTART: -1 Interrupted system call, alarms 1' "$T/native"
check stdin-signals-same-as-native cmp -s "$T/native" "$T/sandbox"

# A sandbox blocked reading stdin ends at once on snapctl kill.
{ sleep 5; } | "$SNAPCTL" run --platform="$PLATFORM" --id sw -- "$PROGS/stdin_wait" wait >"$T/k" 2>/dev/null &
run=$!
wait_for "$T/k" waiting
"$SNAPCTL" kill sw INT
wait $run
check kill-blocked-stdin-read [ $? -eq 130 ]

# A pipeline inside the sandbox, blocked on an empty pipe (the writer
# sleeps), saved and restored: the read restarts and the data flows.
"$SNAPCTL" run --platform="$PLATFORM" --id pr -- /bin/busybox sh -c '(/bin/busybox sleep 1.5; echo late) | /bin/busybox cat' >"$T/pr1" 2>/dev/null &
run2=$!
wait_sandbox pr
sleep 0.3
"$SNAPCTL" save pr --image "$T/pr.img"
check pipe-blocked-save [ $? -eq 0 ]
wait $run2
"$SNAPCTL" restore --platform="$PLATFORM" --image "$T/pr.img" >"$T/pr2" 2>/dev/null
check pipe-blocked-restore [ $? -eq 0 ]
check pipe-blocked-output grep -qx late "$T/pr2"
check pipe-blocked-nothing-before [ ! -s "$T/pr1" ]
