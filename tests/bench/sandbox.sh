#!/usr/bin/env bash
# Sandbox overheads, each beside its references in the same run:
#  - getppid round trip: native, snapctl, the raw PTRACE_SYSEMU round trip
#    (bench_ptrace measures that floor), runsc --platform=ptrace
#  - start-up of a static do-nothing program: native, snapctl, runsc do
#  - the kernel's own memory (RSS of the snapctl process) for a sandbox
#    running a small program
# Figures only; nothing here fails on a time.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
S=$BUILD/snapctl
P=$BUILD/tests/bench/progs
RUNSC=$(command -v runsc || true)
runsc_do() { "$RUNSC" --platform=ptrace --network=none do "$@"; }

N=${GETPPID_CALLS:-200000}
native=$("$P/getppid_loop" "$N")
snap=$("$S" run -- "$P/getppid_loop" $((N / 4)) 2>/dev/null)
raw=$("$BUILD/tests/bench/bench_ptrace" 2>/dev/null | awk '/raw PTRACE_SYSEMU/ {print $(NF-1); exit}')
printf '%-34s %10s %8s\n' "getppid round trip" "ns/call" "ratio"
printf '%-34s %10s %8s\n' "native" "$native" "1.00"
[ -n "$raw" ] && printf '%-34s %10s %8s\n' "raw PTRACE_SYSEMU (platform floor)" "$raw" \
	"$(awk -v a="$raw" -v b="$native" 'BEGIN{printf "%.1f", a/b}')"
printf '%-34s %10s %8s\n' "snapctl run (ptrace)" "$snap" \
	"$(awk -v a="$snap" -v b="$native" 'BEGIN{printf "%.1f", a/b}')"
[ -n "$raw" ] && printf '%-34s %10s\n' "  snapctl / raw floor (target 1.25)" \
	"$(awk -v a="$snap" -v b="$raw" 'BEGIN{printf "%.2f", a/b}')"
if [ -n "$RUNSC" ]; then
	rs=$(runsc_do "$PWD/$P/getppid_loop" $((N / 4)) 2>/dev/null)
	[ -n "$rs" ] && printf '%-34s %10s %8s\n' "runsc do (ptrace)" "$rs" \
		"$(awk -v a="$rs" -v b="$native" 'BEGIN{printf "%.1f", a/b}')"
else
	echo "runsc: not installed (apt-get install runsc for the comparison)"
fi

# Mean wall time of R runs of a command, in ms.
startup() {
	local r=${STARTUP_RUNS:-20} t0 t1
	t0=$(date +%s%N)
	for _ in $(seq "$r"); do "$@" >/dev/null 2>&1; done
	t1=$(date +%s%N)
	awk -v d=$((t1 - t0)) -v r="$r" 'BEGIN{printf "%.2f", d / r / 1e6}'
}
echo
printf '%-34s %10s %8s\n' "start-up, static true" "ms" "ratio"
nt=$(startup "$P/true_static")
st=$(startup "$S" run -- "$P/true_static")
printf '%-34s %10s %8s\n' "native" "$nt" "1.0"
printf '%-34s %10s %8s\n' "snapctl run" "$st" "$(awk -v a="$st" -v b="$nt" 'BEGIN{printf "%.1f", a/b}')"
if [ -n "$RUNSC" ]; then
	rt=$(STARTUP_RUNS=5 startup runsc_do "$PWD/$P/true_static")
	printf '%-34s %10s %8s\n' "runsc do" "$rt" "$(awk -v a="$rt" -v b="$nt" 'BEGIN{printf "%.1f", a/b}')"
	printf '%-34s %10s\n' "  snapctl / runsc (target <= 0.25)" "$(awk -v a="$st" -v b="$rt" 'BEGIN{printf "%.3f", a/b}')"
fi

echo
"$S" run -- /bin/busybox sleep 1 &
pid=$!
sleep 0.5
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null)
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null)
wait $pid
printf 'kernel memory, sandbox running busybox sleep: RSS %s KiB, peak %s KiB (target <= 16384)\n' "$rss" "$hwm"
