"""End-to-end tests of SORT and SORT_RO.

Replies and error texts come from redis-server 7.0.15; the differential
session tests/differential_sessions/sort_options.txt compares every option
byte for byte. This suite checks what a session cannot: cluster mode's
refusals, scripts (a set sorted BY nosort is sorted ALPHA there), keyspace
events, a BLPOP woken by SORT ... STORE, WATCH, command metadata, MULTI, and
threads rewriting the BY/GET keys while others sort (SORT with patterns locks
every stripe).
"""
import threading
import time

import pytest
import redis

from conftest import Raw, ShoalServer, free_port

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def port_of(r):
    return r.connection_pool.connection_kwargs["port"]


def test_numeric_alpha_limit(r):
    r.rpush("l", 3, 1, 2, 10)
    assert r.sort("l") == [b"1", b"2", b"3", b"10"]
    assert r.sort("l", desc=True) == [b"10", b"3", b"2", b"1"]
    assert r.sort("l", alpha=True) == [b"1", b"10", b"2", b"3"]
    assert r.sort("l", start=1, num=2) == [b"2", b"3"]
    assert r.execute_command("SORT_RO", "l", "DESC", "LIMIT", 0, 1) == [b"10"]


def test_by_and_get_patterns(r):
    r.rpush("l", 1, 2, 3)
    r.mset({"w_1": 30, "w_2": 10, "w_3": 20, "o_1": "one", "o_3": "three"})
    r.hset("h_1", "f", "x")
    assert r.sort("l", by="w_*") == [b"2", b"3", b"1"]
    assert r.sort("l", by="w_*", get=["#", "o_*", "h_*->f"]) == [
        b"2", None, None, b"3", b"three", None, b"1", b"one", b"x"]
    assert r.sort("l", by="nosort", desc=True) == [b"3", b"2", b"1"]


def test_errors(r):
    raw = Raw(port_of(r))
    r.rpush("l", 1, "x")
    r.set("s", "v")
    assert raw.cmd("SORT", "l") == b"-ERR One or more scores can't be converted into double\r\n"
    assert raw.cmd("SORT", "s") == b"-" + WRONGTYPE.encode() + b"\r\n"
    assert raw.cmd("SORT", "l", "LIMIT", "a", 1) == (
        b"-ERR value is not an integer or out of range\r\n")
    assert raw.cmd("SORT", "l", "LIMIT", 1) == b"-ERR syntax error\r\n"
    assert raw.cmd("SORT_RO", "l", "STORE", "d") == b"-ERR syntax error\r\n"
    # Option errors come before the key's type.
    assert raw.cmd("SORT", "s", "BOGUS") == b"-ERR syntax error\r\n"
    # A weight out of double range.
    r.rpush("big", 1, "1e400")
    assert raw.cmd("SORT", "big") == (
        b"-ERR One or more scores can't be converted into double\r\n")


def test_store_writes_a_list_and_wakes_blpop(server, r):
    r.rpush("l", 3, 1, 2)
    got = []

    def waiter():
        c = server.client()
        got.append(c.blpop("dst", timeout=5))

    t = threading.Thread(target=waiter)
    t.start()
    time.sleep(0.2)
    assert r.sort("l", store="dst") == 3
    t.join()
    assert got == [(b"dst", b"1")]
    assert r.lrange("dst", 0, -1) == [b"2", b"3"]
    r.set("dst", "x")
    r.expire("dst", 100)
    assert r.sort("l", store="dst", desc=True) == 3
    assert r.type("dst") == b"list" and r.ttl("dst") == -1
    assert r.sort("nokey", store="dst") == 0
    assert not r.exists("dst")


def test_keyspace_events(server, r):
    r.config_set("notify-keyspace-events", "KEA")
    sub = server.client(decode_responses=True).pubsub()
    sub.psubscribe("__keyevent@0__:*")
    sub.get_message(timeout=1)
    try:
        r.rpush("l", 2, 1)
        r.sort("l", store="d")
        r.sort("nokey", store="d")
        r.sort("l")  # a read: no event
        events = []
        for _ in range(20):
            m = sub.get_message(timeout=0.5)
            if m is None:
                break
            if m["type"] == "pmessage":
                events.append((m["channel"].split(":", 1)[1], m["data"]))
        assert events == [("rpush", "l"), ("sortstore", "d"), ("del", "d")]
    finally:
        r.config_set("notify-keyspace-events", "")
        sub.close()


def test_set_sorted_by_nosort_in_a_script_is_sorted_alpha(r):
    r.sadd("s", *[f"m{i}" for i in range(40)])
    expected = sorted(f"m{i}".encode() for i in range(40))
    assert r.eval("return redis.call('SORT', KEYS[1], 'BY', 'nosort')", 1, "s") == expected
    assert r.eval("return redis.call('SORT_RO', KEYS[1], 'BY', 'nosort', 'LIMIT', 0, 3)",
                  1, "s") == expected[:3]
    # Outside a script it is the set's own order: the same members.
    assert sorted(r.sort("s", by="nosort")) == expected
    # With STORE the stored list is sorted too.
    assert r.sort("s", by="nosort", store="d") == 40
    assert r.lrange("d", 0, -1) == expected


def test_script_with_patterns(r):
    r.rpush("l", 1, 2, 3)
    r.mset({"w_1": 3, "w_2": 2, "w_3": 1})
    assert r.eval("return redis.call('SORT', KEYS[1], 'BY', 'w_*', 'GET', 'w_*')", 1, "l") == [
        b"1", b"2", b"3"]


def test_watch_and_multi(r):
    r.rpush("l", 2, 1)
    r.mset({"w_1": 2, "w_2": 1})
    with r.pipeline() as p:
        p.watch("d")
        r.sort("l", store="d")
        p.multi()
        p.set("x", 1)
        with pytest.raises(redis.WatchError):
            p.execute()
    with r.pipeline() as p:
        p.sort("l", by="w_*", get="#")
        p.sort("l", store="d2")
        p.lrange("d2", 0, -1)
        assert p.execute() == [[b"2", b"1"], 2, [b"1", b"2"]]


def test_command_metadata(r):
    raw = Raw(port_of(r))
    assert raw.cmd("COMMAND", "GETKEYS", "SORT", "a", "LIMIT", 0, 1, "STORE", "b", "GET", "c",
                   "STORE", "d", "BY", "e") == b"*2\r\n$1\r\na\r\n$1\r\nd\r\n"
    assert raw.cmd("COMMAND", "GETKEYS", "SORT", "a", "BY", "store", "x") == (
        b"*1\r\n$1\r\na\r\n")
    assert raw.cmd("COMMAND", "GETKEYS", "SORT_RO", "a", "STORE", "b") == b"*1\r\n$1\r\na\r\n"
    info = raw.cmd("COMMAND", "INFO", "sort")
    assert info.startswith(b"*1\r\n*10\r\n$4\r\nsort\r\n:-2\r\n") and b"movablekeys" in info
    info = raw.cmd("COMMAND", "INFO", "sort_ro")
    assert b"readonly" in info and b"write" not in info


def test_concurrent_sorts_with_patterns_and_writers():
    s = ShoalServer(threads=4)
    try:
        c = s.client()
        c.rpush("l", *range(200))
        c.mset({f"w_{i}": i for i in range(200)})
        stop = threading.Event()
        errors = []

        def writer(i):
            w = s.client()
            n = 0
            while not stop.is_set():
                # Every weight moves by the same amount: the order never changes.
                w.incrby(f"w_{n % 200}", 1000)
                n += 1
                if n % 200 == 0:
                    w.mset({f"w_{k}": k + n * 10 for k in range(200)})

        def sorter():
            t = s.client()
            for _ in range(100):
                got = t.sort("l", by="w_*", get=["#"], start=0, num=5)
                if len(got) != 5:
                    errors.append(got)
                t.sort("l", by="w_*", store="dst")

        writers = [threading.Thread(target=writer, args=(i,)) for i in range(2)]
        sorters = [threading.Thread(target=sorter) for _ in range(3)]
        for t in writers + sorters:
            t.start()
        for t in sorters:
            t.join()
        stop.set()
        for t in writers:
            t.join()
        assert not errors
        assert c.llen("dst") == 200
    finally:
        assert s.alive()
        s.stop()


@pytest.fixture(scope="module")
def cluster_node(tmp_path_factory):
    s = ShoalServer("--cluster-enabled", "yes", "--cluster-port", free_port(),
                    "--cluster-config-file", str(tmp_path_factory.mktemp("c") / "nodes.conf"))
    raw = Raw(s.port)
    for _ in range(100):
        if raw.cmd("RPUSH", "{a}l", 3, 1, 2) == b":3\r\n":
            break
        time.sleep(0.1)
    yield raw
    s.stop()


@pytest.mark.parametrize("args,reply", [
    # Redis 7.0 refuses BY with a pattern and every GET in cluster mode, even
    # when a hash tag puts the keys in the sorted key's slot (7.4 allows that).
    (["BY", "w_*"], b"-ERR BY option of SORT denied in Cluster mode.\r\n"),
    (["BY", "{a}w_*"], b"-ERR BY option of SORT denied in Cluster mode.\r\n"),
    (["BY", "w_*->f"], b"-ERR BY option of SORT denied in Cluster mode.\r\n"),
    (["GET", "#"], b"-ERR GET option of SORT denied in Cluster mode.\r\n"),
    (["GET", "{a}x_*"], b"-ERR GET option of SORT denied in Cluster mode.\r\n"),
    (["BY", "nosort"], b"*3\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n"),
    (["DESC", "LIMIT", 0, 2], b"*2\r\n$1\r\n3\r\n$1\r\n2\r\n"),
    (["STORE", "{b}x"], b"-CROSSSLOT Keys in request don't hash to the same slot\r\n"),
    (["STORE", "{a}x"], b":3\r\n"),
])
def test_cluster_mode(cluster_node, args, reply):
    assert cluster_node.cmd("SORT", "{a}l", *args) == reply


def test_cluster_mode_sort_ro(cluster_node):
    assert cluster_node.cmd("SORT_RO", "{a}l", "GET", "#") == (
        b"-ERR GET option of SORT denied in Cluster mode.\r\n")
    assert cluster_node.cmd("SORT_RO", "{a}l") == b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
