# A pipeline of several processes that runs for a few seconds, printing
# as it goes: saved and restored in the middle by tests/cli/cr_real.sh.
i=0
while [ $i -lt ${1:-40} ]; do
	i=$((i + 1))
	echo "$i"
	sleep 0.05
done | awk '{ s += $1; print "step " $1 " sum " s; fflush() }' | cat
echo "pipeline done"
