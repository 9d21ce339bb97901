#!/usr/bin/env bash
# snapctl save / restore / ps / kill: sandboxes saved in the middle of
# real work and restored (in another snapctl process) print exactly what
# an uninterrupted run prints. SNAPCTL_PLATFORM picks the platform
# (ptrace by default; tests/run runs it under kvm too).
. "$(dirname "$0")/lib.sh"
export SNAPCTL_ROOT=$T/state

# Counter: saved (sandbox stops), restored, output joined = native.
"$PROGS/counter" 60 10 >"$T/native"
"$SNAPCTL" run --platform="$PLATFORM" --id c1 -- "$PROGS/counter" 60 10 >"$T/a1" 2>/dev/null &
run=$!
wait_for "$T/a1" 'step 10 '
"$SNAPCTL" save c1 --image "$T/c1.img"
check save-status [ $? -eq 0 ]
wait $run
check save-stops-sandbox [ $? -eq 0 ]
"$SNAPCTL" restore --platform="$PLATFORM" --image "$T/c1.img" >"$T/a2" 2>/dev/null
check restore-status [ $? -eq 0 ]
check restore-continues-counter cmp -s <(cat "$T/a1" "$T/a2") "$T/native"
check restore-did-resume-midway [ -s "$T/a2" ]

# The same image restored twice more: two independent sandboxes.
"$SNAPCTL" restore --platform="$PLATFORM" --image "$T/c1.img" >"$T/b1" 2>/dev/null &
r1=$!
"$SNAPCTL" restore --platform="$PLATFORM" --image "$T/c1.img" >"$T/b2" 2>/dev/null
wait $r1
check restore-twice-independent cmp -s "$T/b1" "$T/a2"
check restore-twice-second cmp -s "$T/b2" "$T/a2"

# --leave-running, twice in a row: the first sandbox runs on to the end;
# each image restores the rest.
"$SNAPCTL" run --platform="$PLATFORM" --id c2 -- "$PROGS/counter" 60 10 >"$T/l" 2>/dev/null &
run=$!
wait_for "$T/l" 'step 10 '
"$SNAPCTL" save c2 --image "$T/l1.img" --leave-running --compress=lz4
s1=$?
"$SNAPCTL" save c2 --image "$T/l2.img" --leave-running --compress=none
s2=$?
check leave-running-saves [ $s1 -eq 0 ] && [ $s2 -eq 0 ]
"$SNAPCTL" restore --platform="$PLATFORM" --image "$T/l1.img" >"$T/l1" 2>/dev/null
wait $run
check leave-running-first-completes cmp -s "$T/l" "$T/native"
check leave-running-copy-finishes bash -c "tail -1 '$T/l1' | grep -q 'step 60 '"
check leave-running-copy-is-suffix bash -c "tail -n \$(wc -l <'$T/l1') '$T/native' | cmp -s - '$T/l1'"
"$SNAPCTL" restore --platform="$PLATFORM" --image "$T/l2.img" >"$T/l2" 2>/dev/null
check second-image-restores bash -c "tail -n \$(wc -l <'$T/l2') '$T/native' | cmp -s - '$T/l2'"

# 512 MiB of memory, saved halfway through being touched.
"$PROGS/bigmem" >"$T/bignative"
"$SNAPCTL" run --platform="$PLATFORM" --id big -- "$PROGS/bigmem" 3000 >"$T/big1" 2>/dev/null &
run=$!
wait_for "$T/big1" halfway
"$SNAPCTL" save big --image "$T/big.img" --compress=lz4
check bigmem-save [ $? -eq 0 ]
wait $run
"$SNAPCTL" restore --platform="$PLATFORM" --image "$T/big.img" >"$T/big2" 2>/dev/null
check bigmem-restore [ $? -eq 0 ]
check bigmem-output cmp -s <(cat "$T/big1" "$T/big2" | grep -v halfway) "$T/bignative"

# Four threads contending for a lock, saved mid-run: the restored run
# finishes with the same total.
"$PROGS/threads_counter" 200000 >"$T/thnative"
"$SNAPCTL" run --platform="$PLATFORM" --id th -- "$PROGS/threads_counter" 200000 >"$T/th1" 2>/dev/null &
run=$!
wait_for "$T/th1" started
sleep 0.3
"$SNAPCTL" save th --image "$T/th.img"
check threads-save [ $? -eq 0 ]
wait $run
"$SNAPCTL" restore --platform="$PLATFORM" --image "$T/th.img" >"$T/th2" 2>/dev/null
check threads-restore [ $? -eq 0 ]
check threads-output cmp -s <(cat "$T/th1" "$T/th2") "$T/thnative"
check threads-saved-midway [ -s "$T/th2" ] && ! grep -q total "$T/th1"

# A program blocked reading an empty pipe: saved while blocked, restored
# with new input on its new stdin.
{ sleep 3; echo late; } | "$SNAPCTL" run --platform="$PLATFORM" --id p -- /bin/busybox cat >"$T/p1" 2>/dev/null &
run=$!
wait_sandbox p
sleep 0.2
"$SNAPCTL" save p --image "$T/p.img"
check blocked-read-save [ $? -eq 0 ]
wait $run
echo "restored input" | "$SNAPCTL" restore --platform="$PLATFORM" --image "$T/p.img" >"$T/p2" 2>/dev/null
check blocked-read-restore [ $? -eq 0 ]
check blocked-read-output grep -qx 'restored input' "$T/p2"
check blocked-read-nothing-before [ ! -s "$T/p1" ]

# ps lists a running sandbox; kill ends it with the signal's status.
"$SNAPCTL" run --platform="$PLATFORM" --id k1 -- "$PROGS/counter" 1000 10 >/dev/null 2>&1 &
run=$!
wait_sandbox k1
"$SNAPCTL" ps >"$T/ps"
check ps-lists grep -Eq "^k1 +[0-9]+ +$PLATFORM +running .*counter 1000 10\$" "$T/ps"
"$SNAPCTL" kill k1 TERM
check kill-status [ $? -eq 0 ]
wait $run
check kill-ends-with-signal [ $? -eq 143 ]
"$SNAPCTL" ps >"$T/ps"
check ps-forgets-ended bash -c "! grep -q '^k1 ' '$T/ps'"

# Errors: one line, documented status, nothing lost.
expect save-unknown-sandbox 1 "no sandbox named 'nosuch'" -- "$SNAPCTL" save nosuch --image "$T/x.img"
expect save-no-image 2 'usage' -- "$SNAPCTL" save c1
expect save-bad-compress 2 'compress takes' -- "$SNAPCTL" save c1 --image x --compress=gzip
expect kill-unknown-sandbox 1 "no sandbox named" -- "$SNAPCTL" kill nosuch
expect kill-bad-signal 2 'unknown signal' -- "$SNAPCTL" kill c1 NOPE
expect restore-missing 2 'No such file' -- "$SNAPCTL" restore --platform="$PLATFORM" --image "$T/none.img"
head -c 1000 "$T/c1.img" >"$T/trunc.img"
expect restore-truncated 2 'truncat' -- "$SNAPCTL" restore --platform="$PLATFORM" --image "$T/trunc.img"
cp "$T/c1.img" "$T/flip.img"
printf '\x55' | dd of="$T/flip.img" bs=1 seek=300 conv=notrunc status=none
expect restore-corrupt 2 'checksum' -- "$SNAPCTL" restore --platform="$PLATFORM" --image "$T/flip.img"
: >"$T/empty.img"
expect restore-empty 2 '.' -- "$SNAPCTL" restore --platform="$PLATFORM" --image "$T/empty.img"
"$TOOLS/mkimage" --cpu-all-features "$T/cpu.img" "$PROGS/hello"
expect restore-cpu-features-missing 2 'lacks CPU features' -- "$SNAPCTL" restore --platform="$PLATFORM" --image "$T/cpu.img"
"$TOOLS/mkimage" "$T/fresh.img" "$PROGS/hello"
"$SNAPCTL" restore --platform="$PLATFORM" --image "$T/fresh.img" >"$T/fresh" 2>/dev/null
check restore-never-started-image grep -qx 'hello, world' "$T/fresh"
expect run-bad-id 2 'bad id' -- "$SNAPCTL" run --platform="$PLATFORM" --id 'a/b' -- /bin/true

# A second sandbox may not take a running one's id; a dead one's stale
# socket is cleaned up, never trusted.
"$SNAPCTL" run --platform="$PLATFORM" --id dup -- "$PROGS/counter" 1000 10 >/dev/null 2>&1 &
run=$!
wait_sandbox dup
expect run-duplicate-id 1 "already running" -- "$SNAPCTL" run --platform="$PLATFORM" --id dup -- /bin/busybox true
kill -9 $run; wait $run 2>/dev/null
check stale-socket-left [ -S "$SNAPCTL_ROOT/dup.sock" ]
"$SNAPCTL" run --platform="$PLATFORM" --id dup -- /bin/busybox true 2>/dev/null
check stale-socket-reclaimed [ $? -eq 0 ]
check socket-mode [ "$(stat -c %a "$SNAPCTL_ROOT" )" = 700 ]

# Disk full during save (a real one: a 4 MiB tmpfs): the sandbox keeps
# running, the older image at the path is untouched, no temporary file
# is left behind.
mkdir -p "$T/tiny"
if mount -t tmpfs -o size=4m tmpfs "$T/tiny" 2>/dev/null; then
	trap 'umount "$T/tiny"; rm -rf "$T"' EXIT
	cp "$T/c1.img" "$T/tiny/keep.img"
	"$SNAPCTL" run --platform="$PLATFORM" --id full -- "$PROGS/bigmem" 2000 >"$T/full" 2>/dev/null &
	run=$!
	wait_for "$T/full" halfway
	expect save-disk-full 1 'No space left' -- "$SNAPCTL" save full --image "$T/tiny/keep.img" --compress=none
	wait $run
	check disk-full-sandbox-runs-on cmp -s <(grep -v halfway "$T/full") "$T/bignative"
	check disk-full-old-image-intact cmp -s "$T/tiny/keep.img" "$T/c1.img"
	check disk-full-no-temp-file [ "$(ls -A "$T/tiny")" = keep.img ]
else
	echo "skip save-disk-full: cannot mount a small tmpfs here (needs root)"
fi
