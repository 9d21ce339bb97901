"""A python3 computation that prints its progress: saved and restored in
the middle by tests/cli/cr_real.sh; the output joined must equal an
uninterrupted run's."""
import hashlib
import sys
import time

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 40
state = hashlib.sha256()
table = {}
for step in range(1, steps + 1):
    for i in range(2000):
        state.update(f"{step}:{i}".encode())
        table[(step * 7919 + i) % 5003] = state.hexdigest()[:8]
    print(f"step {step} {state.hexdigest()[:16]} {len(table)}", flush=True)
    time.sleep(0.05)
print("done", sorted(table.items())[:3])
