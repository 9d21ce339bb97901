#!/usr/bin/env bash
# Images cross platforms: saved under ptrace and restored under kvm, and
# the reverse, mid-work, with the output of an uninterrupted run; and
# --cpu-model=baseline (kvm only). Skips visibly without a usable
# /dev/kvm.
. "$(dirname "$0")/lib.sh"
export SNAPCTL_ROOT=$T/state

expect cpu-model-needs-kvm 2 'cpu-model=baseline needs --platform=kvm' -- "$SNAPCTL" run --cpu-model=baseline -- /bin/busybox true
if ! "$SNAPCTL" run --platform=kvm -- /bin/busybox true 2>/dev/null; then
	echo "skip kvm-cross-platform: /dev/kvm cannot run programs here"
	exit 0
fi

"$PROGS/counter" 40 10 >"$T/native"
# cross FROM TO [RUN-FLAGS...]: save under FROM mid-count, restore under TO.
cross() {
	local from=$1 to=$2 name=$1-to-$2${3:+-baseline}; shift 2
	"$SNAPCTL" run --platform="$from" "$@" --id x -- "$PROGS/counter" 40 10 >"$T/a" 2>/dev/null &
	local run=$!
	wait_for "$T/a" 'step 10 '
	"$SNAPCTL" save x --image "$T/$name.img"
	check "$name-save" [ $? -eq 0 ]
	wait $run
	"$SNAPCTL" restore --platform="$to" --image "$T/$name.img" >"$T/b" 2>/dev/null
	check "$name-restore" [ $? -eq 0 ]
	check "$name-output" cmp -s <(cat "$T/a" "$T/b") "$T/native"
}
cross ptrace kvm
cross kvm ptrace
cross kvm kvm --cpu-model=baseline
