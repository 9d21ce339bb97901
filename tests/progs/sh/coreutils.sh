# Debian's coreutils and friends over a directory tree ($1, made by
# tests/progs/run). Dynamically linked programs: ld.so, libc, mmap.
set -e
d=$(cd "$1" && pwd)
cd "$d"
# Not "total" (block counts are the file system's own) nor "." and "..".
ls -l . dir1 | grep -v '^total' | sed 's/  */ /g'
cat a.txt dir1/c.txt
grep -rn apple . | sort
sed -n 's/line/LINE/p' a.txt
awk '{ print NR ": " $0 }' b.txt
sort b.txt | uniq -c
find . -name '*.txt' -type f | sort
sha256sum a.txt b.txt dir1/sub/d.txt
w=${TMPDIR:-/tmp}/snapctl-coreutils.$$
mkdir -p "$w/x/y"
cp -r dir1 "$w/x/copy"
mv "$w/x/copy" "$w/x/moved"
ls -R "$w/x" | sed "s|$w|W|"
tar -C "$d" -cf "$w/t.tar" a.txt dir1
tar -tf "$w/t.tar" | sort
gzip -c a.txt >"$w/a.gz"
gzip -dc "$w/a.gz" | cmp - a.txt && echo "gzip round trip"
tar -C "$d" -czf - . | tar -tzf - | sort | head -n 5
rm -r "$w"
[ ! -e "$w" ] && echo "removed"
wc -l a.txt b.txt
head -c 100 /dev/zero | od -An -tx1 | head -n 1
