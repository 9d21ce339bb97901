#!/usr/bin/env bash
# Save and restore in the middle of real programs (issue 6): a shell
# pipeline of several processes, python3 mid-computation, and a program
# blocked reading a pipe inside the sandbox. Each restored run's output,
# joined to what was printed before the save, must equal an
# uninterrupted run's. SNAPCTL_PLATFORM picks the platform.
. "$(dirname "$0")/lib.sh"
export SNAPCTL_ROOT=$T/state
BUSYBOX=/bin/busybox
PY=/usr/bin/python3

# save_midway NAME MARK CMD...: runs CMD sandboxed as NAME, saves it
# once its stdout has a line matching MARK, restores it, and checks the
# joined output against a native run.
save_midway() {
	local name=$1 mark=$2; shift 2
	"$@" >"$T/$name.native" 2>&1
	"$SNAPCTL" run --platform="$PLATFORM" --id "$name" -- "$@" >"$T/$name.1" 2>&1 &
	local run=$!
	if ! wait_for "$T/$name.1" "$mark"; then
		echo "not ok $name: never printed '$mark' ($(head -c 200 "$T/$name.1"))"
		kill $run 2>/dev/null; wait $run 2>/dev/null
		return
	fi
	"$SNAPCTL" save "$name" --image "$T/$name.img" >/dev/null 2>"$T/$name.saveerr"
	local saved=$?
	wait $run
	if [ $saved -ne 0 ]; then
		echo "not ok $name: save failed: $(head -c 200 "$T/$name.saveerr")"
		return
	fi
	"$SNAPCTL" restore --platform="$PLATFORM" --image "$T/$name.img" >"$T/$name.2" 2>&1
	local rc=$?
	if [ $rc -ne 0 ]; then
		echo "not ok $name: restore exited $rc ($(tail -c 200 "$T/$name.2"))"
	elif ! cmp -s <(cat "$T/$name.1" "$T/$name.2") "$T/$name.native"; then
		echo "not ok $name: output differs from the uninterrupted run"
		diff <(cat "$T/$name.1" "$T/$name.2") "$T/$name.native" | head -5 | sed 's/^/    /'
	elif [ ! -s "$T/$name.2" ]; then
		echo "not ok $name: nothing left to run after the restore"
	else
		echo "ok $name"
	fi
}

save_midway shell-pipeline 'step 10 ' $BUSYBOX sh tests/progs/sh/cr_pipeline.sh 40
[ -x $PY ] && save_midway python3-compute 'step 8 ' $PY tests/progs/py/cr_compute.py 40
# cat blocked on an empty pipe whose writer sleeps: saved while blocked.
save_midway blocked-pipe-read 'waiting' $BUSYBOX sh -c \
	'echo waiting; (sleep 2; echo late) | cat; echo done'
