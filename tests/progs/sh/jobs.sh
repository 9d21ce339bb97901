# Background jobs, wait, trap and kill.
trap 'echo "trap USR1"' USR1
kill -USR1 $$
echo "after self-signal"
sleep 0.3 & slow=$!
( sleep 0.1; echo "background output" ) & quick=$!
wait $quick; echo "wait quick: $?"
wait $slow; echo "wait slow: $?"
sh -c 'exit 7'; echo "child status: $?"
# (busybox sh says "Terminated"/"Killed" only if the wait itself reaps
# the child, which is a race even natively: its stderr is left out.)
{
	sleep 10 & victim=$!
	kill $victim
	wait $victim; echo "killed child status: $?"
	sleep 10 & victim=$!
	kill -9 $victim
	wait $victim; echo "sigkill child status: $?"
} 2>/dev/null
( trap 'echo "subshell got TERM"; exit 5' TERM; sleep 5 & wait ) & sub=$!
sleep 0.2
kill -TERM $sub
wait $sub; echo "subshell status: $?"
for i in 1 2 3; do ( sleep 0.0$i; exit $i ) & done
wait; echo "waited all"
false || echo "or-list"
true && echo "and-list"
trap 'echo "exit trap"' EXIT
echo "end"
