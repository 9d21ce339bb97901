"""python3 with threads: locks, conditions, queues, under contention."""
import queue
import threading

counter = 0
lock = threading.Lock()


def add(n):
    global counter
    for _ in range(n):
        with lock:
            counter += 1


threads = [threading.Thread(target=add, args=(5000,)) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("counter", counter)

q = queue.Queue(maxsize=8)
results = []


def producer():
    for i in range(200):
        q.put(i)
    q.put(None)


def consumer():
    while (item := q.get()) is not None:
        results.append(item * 2)


p = threading.Thread(target=producer)
c = threading.Thread(target=consumer)
c.start()
p.start()
p.join()
c.join()
print("queue", len(results), sum(results))

cond = threading.Condition()
ready = []


def waiter(i):
    with cond:
        cond.wait_for(lambda: ready)
        ready.append(i)


ws = [threading.Thread(target=waiter, args=(i,)) for i in range(3)]
for w in ws:
    w.start()
with cond:
    ready.append("go")
    cond.notify_all()
for w in ws:
    w.join()
print("condition", sorted(str(x) for x in ready))
barrier = threading.Barrier(3)
hits = []
bs = [threading.Thread(target=lambda: hits.append(barrier.wait() >= 0)) for _ in range(3)]
for b in bs:
    b.start()
for b in bs:
    b.join()
print("barrier", hits)
