# Helpers for CLI test scripts (sourced). Each script prints "ok NAME" /
# "not ok NAME: why" lines that tests/run counts.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
SNAPCTL=${SNAPCTL:-$PWD/$BUILD/snapctl}
TOOLS=$PWD/$BUILD/tests/tools
PLATFORM=${SNAPCTL_PLATFORM:-ptrace}
PROGS=$PWD/$BUILD/tests/progs
# Scratch files live under the build tree, not /tmp: inside the sandbox
# /tmp is its own tmpfs, so programs there could not see host files.
mkdir -p "$PWD/$BUILD/tmp"
T=$(mktemp -d "$PWD/$BUILD/tmp/cli.XXXXXX")
trap 'rm -rf "$T"' EXIT

# expect NAME STATUS PATTERN -- CMD...: CMD must exit with STATUS and its
# stderr must be exactly one line matching the extended regex PATTERN.
expect() {
	local name=$1 want=$2 pattern=$3; shift 4
	"$@" >"$T/out" 2>"$T/err"
	local got=$? lines
	lines=$(wc -l <"$T/err")
	if [ "$got" -ne "$want" ]; then
		echo "not ok $name: status $got, wanted $want ($(head -c 200 "$T/err"))"
	elif [ "$lines" -ne 1 ] || ! grep -Eq -- "$pattern" "$T/err"; then
		echo "not ok $name: stderr was: $(head -c 300 "$T/err")"
	else
		echo "ok $name"
	fi
}

# wait_for FILE PATTERN: until FILE has a line matching PATTERN (10 s).
wait_for() {
	for _ in $(seq 200); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# wait_sandbox ID: until `snapctl ps` lists sandbox ID (10 s): its
# control socket is up, so save, kill and a duplicate id are answered.
wait_sandbox() {
	for _ in $(seq 200); do
		"$SNAPCTL" ps 2>/dev/null | grep -q "^$1 " && return 0
		sleep 0.05
	done
	return 1
}

# check NAME CONDITION-COMMAND...: ok when the command succeeds.
check() {
	local name=$1; shift
	if "$@"; then echo "ok $name"; else echo "not ok $name"; fi
}
