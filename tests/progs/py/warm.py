"""A python3 that warms up (imports, a table built), says "ready", then
evaluates each line of its input: the demo saves it while it waits and
restores copies that answer at once."""
import decimal
import json
import sqlite3
import sys

con = sqlite3.connect(":memory:")
con.execute("create table squares (n integer, sq integer)")
con.executemany("insert into squares values (?, ?)", [(i, i * i) for i in range(10000)])
print("ready", flush=True)
for line in sys.stdin:
    expr = line.strip()
    if expr:
        result = con.execute("select sum(sq) from squares where n < ?", (int(expr),)).fetchone()[0]
        print(json.dumps({"n": int(expr), "sum_of_squares": result,
                          "decimal": str(decimal.Decimal(result) / 7)}), flush=True)
