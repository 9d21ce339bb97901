#!/bin/sh -eu
# Run directly by `snapctl run`: the kernel's "#!" handling starts the
# interpreter (dash, dynamically linked) with "-eu", this script's path
# and the arguments.
echo "script $0: $# arguments: $*"
echo "named $(cat /proc/$$/comm)"
/bin/echo "a dynamic program from the script"
exec /usr/bin/env -i ONLY=this
