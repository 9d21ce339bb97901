#!/usr/bin/env bash
# Files: --root picks the lower layer; writes in the sandbox never reach
# the host's files; files open across a save are there at restore, and a
# host file changed meanwhile fails the restore, naming the file.
. "$(dirname "$0")/lib.sh"
export SNAPCTL_ROOT=$T/state
BUSYBOX=/bin/busybox

# --root DIR: DIR is the sandbox's /, with tmpfs on /tmp.
R=$T/root
mkdir -p "$R/bin" "$R/etc" "$R/data"
cp "$BUSYBOX" "$R/bin/busybox"
echo rooted >"$R/etc/hostname"
echo inside >"$R/data/file"
"$SNAPCTL" run --root "$R" -- /bin/busybox cat /etc/hostname /data/file >"$T/out" 2>"$T/err"
check root-status [ $? -eq 0 ]
check root-reads-its-files cmp -s "$T/out" <(printf 'rooted\ninside\n')
# Escapes out of --root: "..", relative and absolute symlinks all stay
# inside (the host's own /etc/hostname is not "rooted").
ln -s ../../../../../../etc/hostname "$R/data/up"
ln -s /etc/hostname "$R/data/abs"
"$SNAPCTL" run --root "$R" -- /bin/busybox cat /../../../etc/hostname \
	/data/up /data/abs /data/../../../etc/hostname >"$T/esc" 2>&1
check root-escapes-stay-inside cmp -s "$T/esc" <(printf 'rooted\nrooted\nrooted\nrooted\n')
"$SNAPCTL" run --root "$R" -- /bin/busybox sh -c 'cd /../../..; pwd; cd /data/up/..; pwd' >"$T/esc" 2>&1
check root-cd-dotdot-stays-inside cmp -s "$T/esc" <(printf '/\n/data\n')
rm "$R/data/up" "$R/data/abs"
"$SNAPCTL" run --root="$R" -- /bin/busybox ls / >"$T/ls" 2>/dev/null
check root-listing cmp -s "$T/ls" <(printf 'bin\ndata\ndev\netc\nproc\nsys\ntmp\n')
"$SNAPCTL" run --root "$R" -- /bin/busybox rm /data/file 2>/dev/null
check root-rm-status [ $? -eq 0 ]
check root-never-written [ -f "$R/data/file" ] && [ ! -e "$R/tmp" ]
expect root-program-missing 127 '/nope.*No such file' -- "$SNAPCTL" run --root "$R" -- /nope
expect root-missing 2 'root .*no-such-dir.*No such file' -- "$SNAPCTL" run --root "$T/no-such-dir" -- /bin/busybox true
expect root-not-dir 2 'not a directory' -- "$SNAPCTL" run --root "$R/etc/hostname" -- /bin/busybox true

# Writes, removals and renames of host files stay in the sandbox. The
# tree is outside /tmp, which is a tmpfs in the sandbox.
H=$PWD/$BUILD/tests/cli-fs-$$
trap 'rm -rf "$T" "$H"' EXIT
mkdir -p "$H/dir1/sub"
printf 'line one\nline two\nthird line\n' >"$H/a.txt"
printf 'zebra\napple\nmango\napple\n' >"$H/b.txt"
printf 'c\n' >"$H/dir1/c.txt"
printf 'deep\n' >"$H/dir1/sub/d.txt"
ln -s a.txt "$H/link"
snapshot() { (cd "$H" && find . -printf '%p %y %m %s %l\n' | sort && find . -type f -exec sha256sum {} + | sort); }
snapshot >"$T/before"
"$SNAPCTL" run -- "$PROGS/fs_host" "$H" >/dev/null 2>&1
check host-prog-status [ $? -eq 0 ]
"$SNAPCTL" run -- "$BUSYBOX" rm -r "$H/dir1" 2>/dev/null
"$SNAPCTL" run -- "$BUSYBOX" mv "$H/a.txt" "$H/moved" 2>/dev/null
"$SNAPCTL" run -- "$BUSYBOX" cp "$H/b.txt" "$H/copy" 2>/dev/null
snapshot >"$T/after"
check host-files-untouched cmp -s "$T/before" "$T/after"

# A lower file (and a tmpfs file) open across save and restore: the
# restored program reads on from where it was.
for i in $(seq 1 12); do echo "row $i"; done >"$H/rows"
"$PROGS/fs_slowcat" "$H/rows" 1 >"$T/native"
"$SNAPCTL" run --id fs1 -- "$PROGS/fs_slowcat" "$H/rows" 150 >"$T/r1" 2>/dev/null &
run=$!
wait_for "$T/r1" '^line 3:'
"$SNAPCTL" save fs1 --image "$T/fs1.img"
check save-with-open-files [ $? -eq 0 ]
wait $run
"$SNAPCTL" restore --image "$T/fs1.img" >"$T/r2" 2>/dev/null
check restore-with-open-files [ $? -eq 0 ]
check restore-reads-on cmp -s <(cat "$T/r1" "$T/r2") "$T/native"
check restore-did-resume-midway [ -s "$T/r2" ]
# The same image once the host file changed: refused, naming it.
echo "row 13" >>"$H/rows"
expect restore-lower-changed 2 "$H/rows changed since the image was saved" -- \
	"$SNAPCTL" restore --image "$T/fs1.img"
