# Pipelines, subshells, command substitution, redirections and loops.
# Run by a shell (busybox sh, dash); output must not depend on pids or
# timing.
set -e
echo "one two three two one two" | tr ' ' '\n' | sort | uniq -c | sed 's/^ *//'
n=$(echo hello | wc -c)
echo "substitution: $n $(echo nested $(echo deeper))"
( echo sub1; echo sub2; exit 3 ) | wc -l
( exit 3 ) || echo "subshell status $?"
seq 1 2000 | awk '{ s += $1 } END { print "sum", s }'
for i in 1 2 3; do echo "line $i"; done | tail -n 2
f=${TMPDIR:-/tmp}/snapctl-sh-pipeline.$$
printf 'b\na\nc\n' >"$f"
sort <"$f" | head -n 2
exec 3<"$f"; read -r first <&3; exec 3<&-; echo "fd 3 read: $first"
{ echo to-stderr >&2; } 2>&1 | cat
cat "$f" "$f" | sort -u | wc -l
rm -f "$f"
yes | head -n 3
echo done | { read -r w; echo "read from pipe: $w"; }
i=0; while [ $i -lt 5 ]; do i=$((i + 1)); done; echo "while: $i"
case "abc" in a*) echo "case matched";; esac
