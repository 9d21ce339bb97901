"""python3 with json, sqlite3 (a database under /tmp), hashlib, os and
tempfile: the same output natively and in the sandbox."""
import hashlib
import json
import os
import sqlite3
import sys
import tempfile

doc = {"name": "snapctl", "list": [1, 2.5, None, True], "nested": {"k": "v"}}
text = json.dumps(doc, sort_keys=True)
print(text)
assert json.loads(text) == doc

with tempfile.TemporaryDirectory(prefix="snapctl-py-") as tmp:
    db = os.path.join(tmp, "test.db")
    con = sqlite3.connect(db)
    con.execute("create table t (k integer primary key, v text)")
    con.executemany("insert into t (v) values (?)",
                    [(f"row{i}",) for i in range(2000)])
    con.commit()
    print("sqlite", con.execute("select count(*), sum(k) from t").fetchone())
    con.execute("delete from t where k % 2 = 0")
    con.commit()
    print("after delete", con.execute("select count(*) from t").fetchone())
    con.close()
    con = sqlite3.connect(db)
    print("reopened", con.execute("select v from t where k = 1999").fetchone())
    con.close()
    path = os.path.join(tmp, "data.bin")
    with open(path, "wb") as f:
        f.write(os.urandom(1) * 0 + bytes(range(256)) * 400)
    print("size", os.stat(path).st_size)
    os.rename(path, path + ".moved")
    os.mkdir(os.path.join(tmp, "sub"))
    print("listing", sorted(os.listdir(tmp)))
    with open(path + ".moved", "rb") as f:
        print("sha256", hashlib.sha256(f.read()).hexdigest())

print("md5", hashlib.md5(b"snapctl" * 1000).hexdigest())
print("sum", sum(i * i for i in range(200000)))
print("cwd is absolute", os.path.isabs(os.getcwd()))
print("argv", sys.argv[1:])
