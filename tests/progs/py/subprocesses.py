"""python3 starting subprocesses: fork+exec, pipes, exit statuses."""
import os
import subprocess
import sys

r = subprocess.run(["/bin/echo", "hello from echo"], capture_output=True, text=True)
print("echo", r.returncode, r.stdout.strip())
r = subprocess.run(["/bin/sh", "-c", "exit 3"])
print("sh exit", r.returncode)
r = subprocess.run(["/bin/sh", "-c", "kill -TERM $$"])
print("killed", r.returncode)
p = subprocess.Popen(["/bin/cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
out, _ = p.communicate(b"through cat\n" * 1000)
print("cat", p.returncode, len(out), out[:12])
r = subprocess.run([sys.executable, "-c", "import sys; print(sys.argv[1:])", "a", "b"],
                   capture_output=True, text=True)
print("python child", r.stdout.strip())
pid = os.fork()
if pid == 0:
    os._exit(9)
_, status = os.waitpid(pid, 0)
print("fork", os.WEXITSTATUS(status))
r = subprocess.run("echo one two | wc -w", shell=True, capture_output=True, text=True)
print("shell pipeline", r.stdout.strip())
