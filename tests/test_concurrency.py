"""Concurrency: many clients at once on a server with two worker threads.

Connections are spread over the workers, so commands from different clients
run truly in parallel and meet only in the store's lock stripes. These tests
check what must hold whatever the interleaving:
  - counters end with the exact totals and every INCR reply is unique;
  - MSET is atomic: a concurrent MGET never sees a mix of two MSETs, even when
    the keys live in different stripes; the same for MULTI/EXEC;
  - pipelined SET/GET of distinct keys from several clients lose nothing.
Every loop is bounded and every client has a socket timeout, so a deadlock
shows up as a failure, not a hang.
"""
import threading

import pytest
import redis

from conftest import ShoalServer

JOIN_TIMEOUT = 120


@pytest.fixture(scope="module")
def server():
    s = ShoalServer(threads=2)
    yield s
    assert s.alive(), "shoal crashed during the concurrency tests"
    s.stop()


def client(server):
    return redis.Redis(host="127.0.0.1", port=server.port, socket_timeout=30)


def run_threads(targets):
    """Runs each callable in its own thread; re-raises the first failure."""
    errors = []
    start = threading.Barrier(len(targets))

    def wrap(fn):
        def run():
            try:
                start.wait(timeout=30)
                fn()
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)
        return run

    threads = [threading.Thread(target=wrap(fn), daemon=True) for fn in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a client thread hung"
    if errors:
        raise errors[0]


def test_concurrent_counters_reach_exact_totals(server, r):
    threads, incrs, keys = 16, 2000, 10
    r.delete(*[f"ctr:{k}" for k in range(keys)])

    def worker(t):
        def run():
            c = client(server)
            try:
                for start in range(0, incrs, 50):
                    p = c.pipeline(transaction=False)
                    for j in range(start, start + 50):
                        key = f"ctr:{(t + j) % keys}"
                        if j % 10 == 0:
                            p.incrby(key, t + 1)
                        elif j % 10 == 1:
                            p.decrby(key, 2)
                        else:
                            p.incr(key)
                    p.execute()
            finally:
                c.close()
        return run

    run_threads([worker(t) for t in range(threads)])

    expected = {k: 0 for k in range(keys)}
    for t in range(threads):
        for j in range(incrs):
            k = (t + j) % keys
            expected[k] += t + 1 if j % 10 == 0 else (-2 if j % 10 == 1 else 1)
    got = r.mget([f"ctr:{k}" for k in range(keys)])
    assert [int(v) for v in got] == [expected[k] for k in range(keys)]


def test_every_incr_reply_is_unique(server, r):
    """One hot key, no pipelining: each of the 16 x 500 INCRs sees its own value."""
    threads, incrs = 16, 500
    r.delete("hot")
    replies = [[] for _ in range(threads)]

    def worker(t):
        def run():
            c = client(server)
            try:
                for _ in range(incrs):
                    replies[t].append(c.incr("hot"))
            finally:
                c.close()
        return run

    run_threads([worker(t) for t in range(threads)])
    seen = sorted(v for rs in replies for v in rs)
    assert seen == list(range(1, threads * incrs + 1))
    for rs in replies:
        assert rs == sorted(rs)  # one client's INCRs are seen in its own order
    assert int(r.get("hot")) == threads * incrs


def test_incrbyfloat_and_append_from_many_clients(server, r):
    threads, ops = 8, 250
    r.delete("flt", "log")

    def worker(t):
        def run():
            c = client(server)
            try:
                p = c.pipeline(transaction=False)
                for _ in range(ops):
                    p.incrbyfloat("flt", 0.5)
                    p.append("log", chr(ord("a") + t))
                p.execute()
            finally:
                c.close()
        return run

    run_threads([worker(t) for t in range(threads)])
    assert float(r.get("flt")) == threads * ops * 0.5
    log = r.get("log").decode()
    assert len(log) == threads * ops
    for t in range(threads):
        assert log.count(chr(ord("a") + t)) == ops


MSET_KEYS = [f"k{i}" for i in range(1, 6)]  # no hash tag: spread over stripes


def test_mset_is_atomic_for_concurrent_mget(server, r):
    writers, readers, rounds = 4, 4, 1000
    r.mset({k: "w0-0" for k in MSET_KEYS})
    torn = []

    def writer(w):
        def run():
            c = client(server)
            try:
                for i in range(rounds):
                    c.mset({k: f"w{w}-{i}" for k in MSET_KEYS})
            finally:
                c.close()
        return run

    def reader():
        c = client(server)
        try:
            for _ in range(rounds):
                values = c.mget(MSET_KEYS)
                if len(set(values)) != 1:
                    torn.append(values)
        finally:
            c.close()

    run_threads([writer(w) for w in range(writers)] + [reader] * readers)
    assert not torn, f"{len(torn)} torn reads, e.g. {torn[0]}"
    final = r.mget(MSET_KEYS)
    assert len(set(final)) == 1 and final[0].endswith(b"-%d" % (rounds - 1))


def test_multi_exec_is_atomic_for_concurrent_readers(server, r):
    writers, readers, rounds = 3, 3, 400
    r.mset({k: "0" for k in MSET_KEYS})
    torn = []

    def writer():
        c = client(server)
        try:
            for _ in range(rounds):
                p = c.pipeline(transaction=True)
                for k in MSET_KEYS:
                    p.incr(k)
                p.execute()
        finally:
            c.close()

    def reader():
        c = client(server)
        try:
            for _ in range(rounds):
                values = c.mget(MSET_KEYS)
                if len(set(values)) != 1:
                    torn.append(values)
        finally:
            c.close()

    run_threads([writer] * writers + [reader] * readers)
    assert not torn, f"{len(torn)} torn reads, e.g. {torn[0]}"
    assert r.mget(MSET_KEYS) == [str(writers * rounds).encode()] * len(MSET_KEYS)


def test_watch_guards_read_modify_write(server, r):
    """Optimistic locking: 8 clients each add 1 to a counter 100 times with
    WATCH/GET/MULTI/SET/EXEC, retrying on abort; no increment is lost."""
    clients, adds = 8, 100
    r.set("watched", 0)

    def worker():
        c = client(server)
        try:
            for _ in range(adds):
                for _attempt in range(10000):
                    with c.pipeline(transaction=True) as p:
                        try:
                            p.watch("watched")
                            value = int(p.get("watched"))
                            p.multi()
                            p.set("watched", value + 1)
                            p.execute()
                            break
                        except redis.WatchError:
                            continue
                else:
                    raise AssertionError("WATCH retried 10000 times")
        finally:
            c.close()

    run_threads([worker] * clients)
    assert int(r.get("watched")) == clients * adds


def test_pipelined_set_get_of_distinct_keys(server, r):
    clients, pipelines, depth = 8, 20, 100

    def worker(cid):
        def run():
            c = client(server)
            try:
                for p_no in range(pipelines):
                    p = c.pipeline(transaction=False)
                    for j in range(depth):
                        n = p_no * depth + j
                        p.set(f"c{cid}:{n}", f"v{cid}:{n}:" + "x" * (n % 50))
                        if j % 2:
                            p.get(f"c{cid}:{n - 1}")
                    results = p.execute()
                    it = iter(results)
                    for j in range(depth):
                        n = p_no * depth + j
                        assert next(it) is True
                        if j % 2:
                            m = n - 1
                            assert next(it) == f"v{cid}:{m}:".encode() + b"x" * (m % 50)
                for p_no in range(pipelines):
                    p = c.pipeline(transaction=False)
                    for j in range(depth):
                        p.get(f"c{cid}:{p_no * depth + j}")
                    for j, value in enumerate(p.execute()):
                        n = p_no * depth + j
                        assert value == f"v{cid}:{n}:".encode() + b"x" * (n % 50)
            finally:
                c.close()
        return run

    run_threads([worker(cid) for cid in range(clients)])
    assert r.dbsize() == clients * pipelines * depth
    for cid in range(clients):
        keys = [f"c{cid}:{n}" for n in range(0, pipelines * depth, 97)]
        assert r.exists(*keys) == len(keys)


def test_connect_disconnect_churn_while_others_work(server, r):
    """Clients coming and going (spread over both workers) while one client
    keeps counting: nothing is lost and the server stays up."""
    r.delete("steady")

    def steady():
        c = client(server)
        try:
            for _ in range(20):
                p = c.pipeline(transaction=False)
                for _ in range(100):
                    p.incr("steady")
                p.execute()
        finally:
            c.close()

    def churn(t):
        def run():
            for i in range(50):
                c = client(server)
                try:
                    assert c.set(f"churn:{t}:{i}", i) is True
                    assert c.ping() is True
                finally:
                    c.close()
        return run

    run_threads([steady] + [churn(t) for t in range(4)])
    assert int(r.get("steady")) == 2000
    assert len(r.keys("churn:*")) == 200
