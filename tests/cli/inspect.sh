#!/usr/bin/env bash
# snapctl inspect: a real image is described; every kind of bad image
# gives one line naming the problem and exit status 2.
. "$(dirname "$0")/lib.sh"

"$TOOLS/mkimage" "$T/good.img" "$PROGS/hello" || echo "not ok mkimage"
"$SNAPCTL" inspect "$T/good.img" >"$T/inspect.txt" 2>&1
check inspect-good [ $? -eq 0 ]
check inspect-shows-header grep -q '^format: *version 1, x86_64' "$T/inspect.txt"
check inspect-shows-sections grep -Eq '^  (kernel|memory-index|memory-data) ' "$T/inspect.txt"
check inspect-counts-objects grep -Eq '^  task +1 ' "$T/inspect.txt"
check inspect-memory-stats grep -Eq '^  zero pages +[0-9]+ elided' "$T/inspect.txt"

for c in lz4 none; do
	"$TOOLS/mkimage" --compress=$c "$T/$c.img" "$PROGS/hello"
	"$SNAPCTL" inspect "$T/$c.img" >"$T/$c.txt" 2>&1
	check "inspect-$c" grep -q "chunks ($c)" "$T/$c.txt"
done

size=$(stat -c %s "$T/good.img")
: >"$T/empty.img"
head -c 4096 /dev/urandom >"$T/garbage.img"
head -c $((size / 2)) "$T/good.img" >"$T/truncated.img"
{ printf 'XXXXXXXX'; tail -c +9 "$T/good.img"; } >"$T/magic.img"
# A flipped byte in the kernel state, and one in the memory data.
flip() { cp "$T/good.img" "$2"; printf '\xff' | dd of="$2" bs=1 seek="$1" conv=notrunc status=none; }
flip 200 "$T/kernel-flip.img"
flip $((size - 2000)) "$T/memory-flip.img"

expect inspect-missing 2 'no-such\.img.*(No such file|not found)' -- "$SNAPCTL" inspect "$T/no-such.img"
expect inspect-empty 2 'empty|truncated|too short' -- "$SNAPCTL" inspect "$T/empty.img"
expect inspect-garbage 2 'magic|not a snapctl image' -- "$SNAPCTL" inspect "$T/garbage.img"
expect inspect-truncated 2 'truncat' -- "$SNAPCTL" inspect "$T/truncated.img"
expect inspect-wrong-magic 2 'magic' -- "$SNAPCTL" inspect "$T/magic.img"
expect inspect-bad-checksum 2 'checksum' -- "$SNAPCTL" inspect "$T/kernel-flip.img"
expect inspect-bad-chunk 2 'checksum|chunk' -- "$SNAPCTL" inspect "$T/memory-flip.img"
expect inspect-directory 2 '.' -- "$SNAPCTL" inspect "$T"
expect inspect-no-arg 2 'usage' -- "$SNAPCTL" inspect
