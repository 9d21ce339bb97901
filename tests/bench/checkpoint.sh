#!/usr/bin/env bash
# Checkpoint and restore of a program with 64 MiB and 512 MiB of touched
# memory (half pseudo-random, a quarter zero, a quarter text;
# tests/bench/progs/memfill.c): save time, image size and restore time
# until the program runs again, for each compression, beside runsc
# checkpoint/restore (ptrace platform) and criu dump/restore in the same
# run where they work on this machine. "restore" runs from starting the
# restore command to the program's first instruction's worth of work
# after it (memfill prints CLOCK_REALTIME as soon as it sees the gap).
# Figures only; nothing here fails on a time.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
S=$PWD/$BUILD/snapctl
FILL=$PWD/$BUILD/tests/bench/progs/memfill
W=$PWD/$BUILD/tmp/bench-checkpoint
SIZES=${CHECKPOINT_SIZES:-64 512}
rm -rf "$W"; mkdir -p "$W"
export SNAPCTL_ROOT=$W/state
[ -n "${KEEP:-}" ] || trap 'rm -rf "$W"' EXIT

now() { date +%s%N; }
# until FILE has a line matching PATTERN (60 s)
wait_line() { for _ in $(seq 1200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done; return 1; }
# (runsc's restored stdout keeps its file offset: NULs before the line)
resumed_at() { tr -d '\000' <"$1" | awk '$1 == "resumed" { print $2; exit }'; }
ms() { awk -v d="$1" 'BEGIN { printf "%.0f", d / 1e6 }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
gbs() { awk -v m="$1" -v d="$2" 'BEGIN { if (d > 0) printf "%.2f", m * 1048576 / d; else print "-" }'; }
row() { printf '%-22s %6s %9s %10s %9s %11s\n' "$@"; }

# result NAME MIB SAVE_NS IMAGE_BYTES RESTORE_NS_OR_EMPTY
result() {
	local r="-"
	[ -n "$5" ] && r=$(ms "$5")
	row "$1" "$2" "$(ms "$3")" "$(mib "$4")" "$r" "$(gbs "$2" "$3")"
	echo "$1 $2 $r" >>"$W/restores"
}

snapctl_case() {
	local size=$1 comp=$2 id=b$1$2
	"$S" run --id "$id" -- "$FILL" "$size" >"$W/out" 2>&1 &
	local run=$!
	wait_line "$W/out" ready || { echo "snapctl: memfill never ready"; kill $run; return; }
	local t0 t1; t0=$(now)
	"$S" save "$id" --image "$W/img" --compress="$comp" >/dev/null
	t1=$(now)
	wait $run
	sleep 0.3
	local t2; t2=$(now)
	"$S" restore --image "$W/img" >"$W/out2" 2>&1
	local rc=$? at; at=$(resumed_at "$W/out2")
	[ $rc -eq 0 ] || echo "snapctl restore ($comp): status $rc: $(tail -1 "$W/out2")"
	result "snapctl $comp" "$size" $((t1 - t0)) "$(stat -c %s "$W/img")" \
		"${at:+$((at - t2))}"
	rm -f "$W/img"
}

RUNSC=$(command -v runsc || true)
R() { "$RUNSC" --platform=ptrace --network=none "$@"; }
runsc_bundle() {
	mkdir -p "$W/bundle"
	( cd "$W/bundle" && rm -f config.json && R spec -- "$FILL" "$1" ) || return 1
	python3 - "$W/bundle/config.json" <<'PY'
import json, sys
p = sys.argv[1]; c = json.load(open(p))
c["root"] = {"path": "/", "readonly": True}
c["process"]["terminal"] = False
json.dump(c, open(p, "w"))
PY
}
runsc_case() {
	local size=$1 id=memfill-$$-$1
	runsc_bundle "$size" || { echo "runsc: cannot make a bundle"; return; }
	R create --bundle "$W/bundle" "$id" </dev/null >"$W/rout" 2>&1 &&
		R start "$id" </dev/null >/dev/null 2>&1 ||
		{ echo "runsc: create/start failed"; R delete -force "$id" >/dev/null 2>&1; return; }
	wait_line "$W/rout" ready || { echo "runsc: memfill never ready"; R delete -force "$id" >/dev/null 2>&1; return; }
	local t0 t1; t0=$(now)
	R checkpoint --image-path "$W/rimg" "$id" </dev/null >/dev/null 2>"$W/rerr"
	local ck=$?; t1=$(now)
	R delete -force "$id" >/dev/null 2>&1
	[ $ck -eq 0 ] || { echo "runsc checkpoint failed: $(tail -1 "$W/rerr")"; return; }
	sleep 0.3
	local t2; t2=$(now)
	R restore --image-path "$W/rimg" --bundle "$W/bundle" "$id-r" </dev/null >"$W/rout2" 2>&1
	local at; at=$(resumed_at "$W/rout2")
	R delete -force "$id-r" >/dev/null 2>&1
	result "runsc (ptrace)" "$size" $((t1 - t0)) "$(du -sb "$W/rimg" | cut -f1)" \
		"${at:+$((at - t2))}"
	rm -rf "$W/rimg"
}

CRIU=$(command -v criu || true)
criu_case() {
	local size=$1
	setsid "$FILL" "$size" </dev/null >"$W/cout" 2>&1 &
	local pid=$!
	wait_line "$W/cout" ready || { kill $pid; return; }
	mkdir -p "$W/cimg"
	local t0 t1; t0=$(now)
	"$CRIU" dump -t $pid -D "$W/cimg" >"$W/cerr" 2>&1
	local ck=$?; t1=$(now)
	if [ $ck -ne 0 ]; then
		echo "criu dump failed here: $(grep -m1 -i error "$W/cerr")"
		kill $pid 2>/dev/null; rm -rf "$W/cimg"; CRIU=""; return
	fi
	sleep 0.3
	local t2; t2=$(now)
	"$CRIU" restore -D "$W/cimg" >"$W/cerr2" 2>&1
	local at; at=$(resumed_at "$W/cout")
	[ -n "$at" ] || echo "criu restore failed here: $(grep -m1 -i error "$W/cerr2")"
	result "criu" "$size" $((t1 - t0)) "$(du -sb "$W/cimg" | cut -f1)" \
		"${at:+$((at - t2))}"
	rm -rf "$W/cimg"
}

row "tool" "MiB" "save ms" "image MiB" "restore ms" "save GB/s"
for size in $SIZES; do
	for comp in lz4 zstd none; do snapctl_case "$size" "$comp"; done
	if [ -n "$RUNSC" ]; then runsc_case "$size"; fi
	if [ -n "$CRIU" ]; then criu_case "$size"; fi
done
[ -z "$RUNSC" ] && echo "runsc: not installed (apt-get install runsc for the comparison)"
[ -z "$(command -v criu)" ] && echo "criu: not installed (apt-get install criu for the comparison)"
# Restore time against the peers (target: at most a fifth).
awk '$1 == "snapctl" && $2 == "lz4" { s[$3] = $4 }
     $1 == "runsc" { r[$3] = $4 } $1 == "criu" { c[$2] = $3 }
     END { for (m in s) {
             line = sprintf("restore %s MiB, snapctl lz4 vs:", m)
             if (r[m] != "" && r[m] != "-") line = line sprintf(" runsc %.2f", s[m] / r[m])
             if (c[m] != "" && c[m] != "-") line = line sprintf(" criu %.2f", s[m] / c[m])
             print line " (target <= 0.20)" } }' "$W/restores"
