#!/usr/bin/env bash
# System-call-heavy operations (issues 4 and 5), each beside its
# references in the same run: native, snapctl (ptrace), runsc do (ptrace
# platform) where installed; ratios are against native. Also python3
# start-up to exit. Figures only; nothing here fails on a time.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
S=$BUILD/snapctl
MB=$PWD/$BUILD/tests/bench/progs/microbench
RUNSC=$(command -v runsc || true)
runsc_do() { "$RUNSC" --platform=ptrace --network=none do "$@"; }
# Scratch directory on the host, outside /tmp (the sandbox's /tmp may be
# a tmpfs; this one is the same host directory for every runner).
DIR=$PWD/$BUILD/tmp/bench-syscalls
mkdir -p "$DIR"
trap 'rm -rf "$DIR"' EXIT

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a == "" || b == "" || b == 0) print "-"; else printf "%.1f", a/b }'; }

# name, iterations natively (the sandboxes run a quarter: they are slower
# and the figure is per operation).
row() {
	local name=$1 n=$2 unit=$3
	local nat snap rs="" q=$(( $2 / 4 > 0 ? $2 / 4 : 1 ))
	nat=$("$MB" "$name" "$n" "$DIR" 2>/dev/null)
	snap=$("$S" run -- "$MB" "$name" "$q" "$DIR" 2>/dev/null)
	[ -n "$RUNSC" ] && rs=$(runsc_do "$MB" "$name" "$q" "$DIR" 2>/dev/null)
	if [ "$unit" = "MB/s" ]; then   # higher is better: ratio native/x
		printf '%-20s %9s %9s %9s %8s %8s\n' "$name ($unit)" "$nat" "${snap:--}" \
			"${rs:--}" "$(ratio "$nat" "$snap")" "$(ratio "$nat" "$rs")"
	else
		printf '%-20s %9s %9s %9s %8s %8s\n' "$name ($unit)" "$nat" "${snap:--}" \
			"${rs:--}" "$(ratio "$snap" "$nat")" "$(ratio "$rs" "$nat")"
	fi
}

printf '%-20s %9s %9s %9s %8s %8s\n' "operation" "native" "snapctl" "runsc" \
	"snap/nat" "runsc/nat"
row open-read-close 20000 ns
row stat 20000 ns
row getdents-1000 200 ns
row pipe 256 MB/s
row fork-exit-wait 400 ns
row thread-create-join 2000 ns
row futex-pingpong 20000 ns
row signal 20000 ns
[ -z "$RUNSC" ] && echo "runsc: not installed (apt-get install runsc for the comparison)"

# python3 start-up to exit, mean of R runs in ms.
py=$(command -v /usr/bin/python3 || true)   # Debian's, not a PATH shim
if [ -n "$py" ]; then
	ms() {
		local r=${STARTUP_RUNS:-10} t0 t1
		t0=$(date +%s%N)
		for _ in $(seq "$r"); do "$@" >/dev/null 2>&1 || return 1; done
		t1=$(date +%s%N)
		awk -v d=$((t1 - t0)) -v r="$r" 'BEGIN{printf "%.1f", d / r / 1e6}'
	}
	nat=$(ms "$py" -c pass)
	snap=$(ms "$S" run -- "$py" -c pass || echo "")
	rs=""
	[ -n "$RUNSC" ] && rs=$(STARTUP_RUNS=3 ms runsc_do "$py" -c pass || echo "")
	printf '%-20s %9s %9s %9s %8s %8s\n' "python3 -c pass (ms)" "$nat" "${snap:-fails}" \
		"${rs:--}" "$(ratio "$snap" "$nat")" "$(ratio "$rs" "$nat")"
fi
