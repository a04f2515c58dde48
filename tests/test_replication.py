"""Primary/replica replication between two real shoal processes: REPLICAOF,
full sync (every type, TTLs) while the primary keeps taking writes, the
write stream (scripts, transactions, SPOP, expiry, FLUSHALL/SWAPDB), WAIT,
ROLE, INFO replication, read-only replicas and promotion (REPLICAOF NO ONE).
"""
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest
import redis

from conftest import ShoalServer


def wait_until(pred, timeout=10.0, step=0.02):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


def snapshot(c, db=0):
    """Every key of db with its DUMP payload and whether it has a TTL."""
    c.execute_command("SELECT", db)
    out = {}
    for k in c.scan_iter(count=1000):
        out[k] = (c.dump(k), c.pttl(k) > 0)
    c.execute_command("SELECT", 0)
    return out


@pytest.fixture
def pair():
    p = ShoalServer()
    rep = ShoalServer()
    yield p, rep
    for s in (p, rep):
        assert s.alive(), "shoal crashed"
        s.stop()


def attach(p, rep):
    assert rep.client().execute_command("REPLICAOF", "127.0.0.1", p.port) == b"OK"
    assert wait_until(lambda: rep.client().info("replication")["master_link_status"] == "up"
                      and rep.client().info("replication")["master_sync_in_progress"] == 0)


def test_full_sync_every_type_and_ttl(pair):
    p, rep = pair
    c = p.client()
    c.set("s", "v")
    c.set("n", 42)
    c.set("t", "x", ex=1000)
    c.rpush("l", *range(300))
    c.hset("h", mapping={f"f{i}": i for i in range(200)})
    c.sadd("set", *range(50))
    c.zadd("z", {f"m{i}": i for i in range(100)})
    c.xadd("st", {"a": 1}, id="1-1")
    c.pfadd("hll", *range(100))
    c.execute_command("SELECT", 3)
    c.set("db3", "yes")
    c.execute_command("SELECT", 0)
    rep.client().set("stale", "dropped at sync")
    attach(p, rep)
    r = rep.client()
    assert snapshot(r) == snapshot(c)
    assert snapshot(r, 3) == {b"db3": (c.execute_command("SELECT", 3) and c.dump("db3"), False)}
    c.execute_command("SELECT", 0)
    assert r.get("stale") is None
    assert 990_000 < r.pttl("t") <= 1_000_000


def test_stream_of_writes_and_wait(pair):
    p, rep = pair
    attach(p, rep)
    c, r = p.client(), rep.client()
    c.set("a", 1)
    c.incrbyfloat("a", 1.5)
    c.lpush("q", "x", "y")
    c.blpop("q", 1)  # a blocking pop ships as the list's new state
    c.eval("redis.call('set', KEYS[1], ARGV[1]); redis.call('hset', KEYS[2], 'f', ARGV[1])",
           2, "{k}1", "{k}2", "scripted")
    c.sadd("pop", *range(10))
    c.spop("pop", 3)  # random: the replica gets the same survivors
    with c.pipeline(transaction=True) as tx:
        tx.set("m1", 1).incr("m1").delete("a").set("m2", "x", px=50_000)
        tx.execute()
    assert c.execute_command("WAIT", 1, 2000) == 1
    assert snapshot(r) == snapshot(c)
    assert r.get("{k}1") == b"scripted" and r.exists("a") == 0
    info = c.info("replication")
    assert info["connected_slaves"] == 1
    assert info["slave0"]["state"] == "online"
    assert info["slave0"]["offset"] == info["master_repl_offset"]
    role = c.execute_command("ROLE")
    assert role[0] == b"master" and len(role[2]) == 1
    assert role[2][0][1] == str(rep.port).encode()
    rrole = r.execute_command("ROLE")
    assert rrole[:4] == [b"slave", b"127.0.0.1", p.port, b"connected"]
    assert rrole[4] == info["master_repl_offset"]


def test_flush_swap_and_expiry_replicate(pair):
    p, rep = pair
    attach(p, rep)
    c, r = p.client(), rep.client()
    c.set("x", 1)
    c.execute_command("SELECT", 1)
    c.set("y", 2)
    c.swapdb(0, 1)
    c.execute_command("SELECT", 0)
    assert c.execute_command("WAIT", 1, 2000) == 1
    assert r.get("y") == b"2" and r.get("x") is None
    c.set("gone", 1, px=100)
    c.execute_command("WAIT", 1, 2000)
    assert r.exists("gone") == 1 or r.pttl("gone") <= 100
    # The primary's expiry ships as a delete: the key leaves the replica's
    # keyspace (DBSIZE), not only its reads.
    assert wait_until(lambda: c.exists("gone") == 0 and r.dbsize() == 1, timeout=5)
    c.flushall()
    assert c.execute_command("WAIT", 1, 2000) == 1
    assert r.dbsize() == 0


def test_sync_while_primary_takes_writes(pair):
    p, rep = pair
    c = p.client()
    with c.pipeline(transaction=False) as pl:
        for i in range(60_000):
            pl.set(f"k:{i}", "v" * 20)
        pl.execute()
    stop = threading.Event()

    def writer():
        w = p.client()
        i = 0
        while not stop.is_set():
            w.incr(f"ctr:{i % 50}")
            w.set(f"k:{(i * 7919) % 60_000}", f"new{i}")
            i += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        attach(p, rep)
        time.sleep(0.3)
    finally:
        stop.set()
        t.join()
    assert c.execute_command("WAIT", 1, 5000) == 1
    assert snapshot(rep.client()) == snapshot(c)


def test_replica_refuses_writes_and_promotes(pair):
    p, rep = pair
    attach(p, rep)
    c, r = p.client(), rep.client()
    c.set("k", "v")
    c.execute_command("WAIT", 1, 2000)
    with pytest.raises(redis.ReadOnlyError):
        r.set("k", "mine")
    with pytest.raises(redis.ReadOnlyError, match="read only replica. script"):
        r.eval("return redis.call('set', 'k', 'mine')", 0)
    with pytest.raises(redis.ResponseError, match="WAIT cannot be used with replica"):
        r.execute_command("WAIT", 0, 0)
    assert r.execute_command("REPLICAOF", "127.0.0.1", p.port) == \
        b"OK Already connected to specified master"
    assert r.execute_command("REPLICAOF", "NO", "ONE") == b"OK"
    assert r.execute_command("ROLE")[0] == b"master"
    assert r.get("k") == b"v"
    assert r.set("k", "mine")
    c.set("k", "primary's")
    time.sleep(0.2)
    assert r.get("k") == b"mine"  # no longer following


def test_wait_without_replicas_and_bad_input():
    s = ShoalServer()
    try:
        c = s.client()
        c.set("k", 1)
        t0 = time.time()
        assert c.execute_command("WAIT", 1, 150) == 0
        assert time.time() - t0 >= 0.14
        assert c.execute_command("WAIT", 0, 0) == 0
        with pytest.raises(redis.ResponseError, match="timeout is negative"):
            c.execute_command("WAIT", 1, -1)
        with pytest.raises(redis.ResponseError, match="not an integer"):
            c.execute_command("WAIT", "x", 0)
        with pytest.raises(redis.ResponseError, match="wrong number of arguments"):
            c.execute_command("WAIT", 1)
        with pytest.raises(redis.ResponseError, match="Invalid master port"):
            c.execute_command("REPLICAOF", "127.0.0.1", "99999")
        with pytest.raises(redis.ResponseError, match="Unrecognized REPLCONF option: bogus"):
            c.execute_command("REPLCONF", "bogus", "1")
        with pytest.raises(redis.ResponseError, match="wrong number of arguments"):
            c.execute_command("PSYNC", "?")
        # A replica of a primary that is not there keeps trying, serves reads.
        port = s.port + 1 if s.port < 65000 else s.port - 1
        assert c.execute_command("REPLICAOF", "127.0.0.1", port) == b"OK"
        assert c.info("replication")["master_link_status"] == "down"
        assert c.get("k") == b"1"  # nothing synced yet: old data kept until a sync
        assert c.execute_command("REPLICAOF", "NO", "ONE") == b"OK"
        assert c.ping()
    finally:
        assert s.alive()
        s.stop()


def _unblock_after(server, client_id, mode, delay=0.3):
    def run():
        time.sleep(delay)
        server.client().execute_command("CLIENT", "UNBLOCK", client_id, mode)
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def test_wait_and_waitaof_answer_their_counts_when_client_unblock_times_them_out():
    """CLIENT UNBLOCK (TIMEOUT) ends WAIT and WAITAOF as their timeout would:
    with what was acknowledged (an integer, [local, replicas]), not a null;
    CLIENT UNBLOCK ERROR gives -UNBLOCKED."""
    s = ShoalServer()
    try:
        c = s.client()
        c.set("k", 1)
        for cmd, mode, want in [(("WAIT", 1, 0), "TIMEOUT", 0),
                                (("WAITAOF", 0, 1, 0), "TIMEOUT", [0, 0])]:
            t = _unblock_after(s, c.client_id(), mode)
            assert c.execute_command(*cmd) == want
            t.join()
        t = _unblock_after(s, c.client_id(), "ERROR")
        with pytest.raises(redis.ResponseError, match="^UNBLOCKED client unblocked via CLIENT UNBLOCK$"):
            c.execute_command("WAITAOF", 0, 1, 0)
        t.join()
        assert c.ping()
    finally:
        assert s.alive()
        s.stop()


def test_waitaof_without_an_aof(pair):
    """Shoal keeps no AOF, so WAITAOF answers as a redis-server 7.2 with
    appendonly off: numlocal > 0 is refused; replicas acknowledge no write
    (they have no AOF), only a client that wrote nothing is covered."""
    p, rep = pair
    c = p.client()
    assert c.execute_command("WAITAOF", 0, 0, 0) == [0, 0]
    with pytest.raises(redis.ResponseError,
                       match="^WAITAOF cannot be used when numlocal is set but appendonly is disabled.$"):
        c.execute_command("WAITAOF", 1, 0, 0)
    for bad, text in [((-1, 0, 0), "^value is out of range, must be positive$"),
                      ((0, "x", 0), "^value is not an integer or out of range$"),
                      ((0, 0, -1), "^timeout is negative$"),
                      ((0, 0, "y"), "^timeout is not an integer or out of range$")]:
        with pytest.raises(redis.ResponseError, match=text):
            c.execute_command("WAITAOF", *bad)
    with pytest.raises(redis.ResponseError, match="wrong number of arguments"):
        c.execute_command("WAITAOF", 0, 0)
    attach(p, rep)
    fresh = p.client()
    assert fresh.execute_command("WAITAOF", 0, 1, 0) == [0, 1]  # wrote nothing yet
    fresh.set("k", "v")
    assert fresh.execute_command("WAIT", 1, 5000) == 1          # replicated...
    t0 = time.time()
    assert fresh.execute_command("WAITAOF", 0, 1, 200) == [0, 0]  # ...but in no AOF
    assert time.time() - t0 >= 0.19
    tx = fresh.pipeline(transaction=True)
    tx.execute_command("WAITAOF", 0, 1, 0)  # in MULTI: at once, never blocks
    assert tx.execute() == [[0, 0]]
    with pytest.raises(redis.ResponseError, match="^WAITAOF cannot be used with replica instances"):
        rep.client().execute_command("WAITAOF", 0, 0, 0)


def test_short_disconnect_resyncs_partially(pair):
    """The link is cut (ss -K kills the replica's socket): the replica
    reconnects and continues from its offset. A key written locally on the
    (writable) replica survives, which a full resync would have dropped."""
    if shutil.which("ss") is None:
        pytest.skip("needs ss (iproute2) to cut the link")
    p, rep = pair
    attach(p, rep)
    c, r = p.client(), rep.client()
    cut_link_and_expect_partial_resync(c, r, p.port)


def cut_link_and_expect_partial_resync(c, r, port):
    """Cuts the replica's link to the primary's `port` (ss -K kills its
    socket) and checks that it continues from its offset: a key written
    locally on the (writable) replica survives, which a full resync would
    have dropped. c: the primary's client, r: the replica's."""
    r.config_set("replica-read-only", "no")
    r.set("local-only", "kept")
    c.set("before", 1)
    assert c.execute_command("WAIT", 1, 2000) == 1
    res = subprocess.run(["ss", "-K", "dst", "127.0.0.1", "dport", "=", str(port)],
                         capture_output=True, text=True)
    if str(port) not in res.stdout:
        pytest.skip("this kernel cannot kill sockets (CONFIG_INET_DIAG_DESTROY)")
    c.set("after", 2)
    assert wait_until(lambda: r.get("after") == b"2", timeout=10)
    assert r.get("local-only") == b"kept"
    assert c.execute_command("WAIT", 1, 2000) == 1


LIB = """#!lua name=%s
redis.register_function{function_name='%s', callback=function(keys, args)
  return '%s' end, flags={'no-writes'}}
"""


def libraries(c):
    return sorted((lib[1].decode(), [f[1].decode() for f in lib[5]])
                  for lib in c.execute_command("FUNCTION", "LIST"))


def test_functions_replicate_in_the_sync_and_in_the_stream(pair):
    p, rep = pair
    c = p.client()
    c.execute_command("FUNCTION", "LOAD", LIB % ("before", "f_before", "v1"))
    r = rep.client()
    r.execute_command("FUNCTION", "LOAD", LIB % ("local", "f_local", "x"))
    attach(p, rep)
    # The full sync carries the primary's libraries and drops the replica's.
    assert libraries(r) == [("before", ["f_before"])]
    assert r.execute_command("FCALL_RO", "f_before", 0) == b"v1"
    # Then each change ships in the stream: LOAD, LOAD REPLACE, DELETE, FLUSH,
    # RESTORE (with their own replies on the primary).
    steps = [
        (("FUNCTION", "LOAD", LIB % ("after", "f_after", "a1")), [("after", ["f_after"]),
                                                                 ("before", ["f_before"])]),
        (("FUNCTION", "LOAD", "REPLACE", LIB % ("after", "f_after", "a2")),
         [("after", ["f_after"]), ("before", ["f_before"])]),
        (("FUNCTION", "DELETE", "before"), [("after", ["f_after"])]),
    ]
    for cmd, want in steps:
        c.execute_command(*cmd)
        assert c.execute_command("WAIT", 1, 2000) == 1
        assert wait_until(lambda: libraries(r) == want), (cmd, libraries(r))
    assert r.execute_command("FCALL_RO", "f_after", 0) == b"a2"
    dump = c.execute_command("FUNCTION", "DUMP")
    c.execute_command("FUNCTION", "FLUSH")
    assert wait_until(lambda: libraries(r) == [])
    c.execute_command("FUNCTION", "RESTORE", dump)
    assert wait_until(lambda: libraries(r) == [("after", ["f_after"])])
    # A failed change ships nothing and leaves the replica as it was.
    with pytest.raises(redis.ResponseError):
        c.execute_command("FUNCTION", "DELETE", "nope")
    assert libraries(r) == [("after", ["f_after"])]
    # Promoted, the replica keeps them.
    r.execute_command("REPLICAOF", "NO", "ONE")
    assert r.execute_command("FCALL", "f_after", 0) == b"a2"


def test_sibling_continues_from_a_promoted_replica():
    """Redis's replid2: B and C replicate A; B is promoted (REPLICAOF NO
    ONE) and takes writes; C moves to B and continues from its offset
    (partial resync) instead of a full one: a key C wrote locally survives,
    which a full resync would have dropped. A, demoted, resyncs in full."""
    a, b, c = ShoalServer(), ShoalServer(), ShoalServer()
    try:
        attach(a, b)
        attach(a, c)
        ca, cb, cc = a.client(), b.client(), c.client()
        for i in range(300):
            ca.set(f"k{i}", i)
        assert ca.execute_command("WAIT", 2, 5000) == 2
        a_id = ca.info("replication")["master_replid"]
        a_off = ca.info("replication")["master_repl_offset"]
        cc.config_set("replica-read-only", "no")
        cc.set("local-only", "kept")
        assert cb.execute_command("REPLICAOF", "NO", "ONE") == b"OK"
        info = cb.info("replication")
        assert info["role"] == "master"
        assert info["master_replid2"] == a_id
        assert info["second_repl_offset"] == a_off + 1
        assert info["master_replid"] != a_id
        cb.set("after-promotion", "yes")
        b.client(db=5).set("in-db5", "v")
        assert cc.execute_command("REPLICAOF", "127.0.0.1", b.port) == b"OK"
        assert wait_until(lambda: cc.get("after-promotion") == b"yes")
        assert cc.get("local-only") == b"kept"  # no full resync
        assert cc.get("k299") == b"299"
        assert wait_until(lambda: c.client(db=5).get("in-db5") == b"v")
        assert cc.info("replication")["master_link_status"] == "up"
        assert cb.execute_command("WAIT", 1, 5000) == 1
        # The stream goes on after the continuation.
        cb.incr("k1")
        assert wait_until(lambda: cc.get("k1") == b"2")
        # The old primary, demoted, takes B's data in a full sync.
        ca.set("only-on-a", 1)
        assert ca.execute_command("REPLICAOF", "127.0.0.1", b.port) == b"OK"
        assert wait_until(lambda: ca.get("after-promotion") == b"yes")
        assert ca.get("only-on-a") is None
        assert cb.execute_command("WAIT", 2, 5000) == 2
    finally:
        for s in (a, b, c):
            assert s.alive(), "shoal crashed"
            s.stop()


def test_replica_ahead_of_the_promoted_one_resyncs_in_full():
    """A sibling that processed more of the old primary's stream than the
    promoted replica cannot continue from it (its extra writes are not in
    the new primary's history): full resync, as Redis."""
    a, b, c = ShoalServer(), ShoalServer(), ShoalServer()
    try:
        attach(a, b)
        ca, cb, cc = a.client(), b.client(), c.client()
        ca.set("x", 1)
        assert ca.execute_command("WAIT", 1, 5000) == 1
        # B stops following (promoted) before C catches up with more writes.
        assert cb.execute_command("REPLICAOF", "NO", "ONE") == b"OK"
        attach(a, c)
        for i in range(50):
            ca.set(f"later{i}", i)
        assert ca.execute_command("WAIT", 1, 5000) == 1
        cc.config_set("replica-read-only", "no")
        cc.set("local-only", "dropped")
        assert cc.execute_command("REPLICAOF", "127.0.0.1", b.port) == b"OK"
        assert wait_until(lambda: cc.get("later0") is None and cc.get("x") == b"1")
        assert cc.get("local-only") is None  # full resync
        assert cc.dbsize() == cb.dbsize()
    finally:
        for s in (a, b, c):
            assert s.alive(), "shoal crashed"
            s.stop()


def test_keyspace_events_ship_only_while_a_replica_publishes_them(pair):
    """The primary ships keyspace events (KEYEVENT records) only once a
    replica said, with REPLCONF KEYSPACE-EVENTS, that it publishes them:
    replication without notifications pays nothing for them."""
    p, rep = pair
    attach(p, rep)
    c, r = p.client(), rep.client()

    def bytes_per_set(n=200):
        before = c.info("replication")["master_repl_offset"]
        for i in range(n):
            c.set(f"key:{i:06d}", "v" * 16)
        return (c.info("replication")["master_repl_offset"] - before) / n

    # (A keep-alive PING in the stream may add a few bytes to a sample; an
    # event record adds more than 40 to every SET.)
    plain = bytes_per_set()
    r.config_set("notify-keyspace-events", "KEA")
    sub = rep.client().pubsub()
    sub.psubscribe("__keyevent@0__:*")
    # Within a second of the CONFIG SET the replica asks for events.
    assert wait_until(lambda: bytes_per_set(20) > plain + 20, timeout=5)
    c.set("probe", "1")
    got = []
    assert wait_until(lambda: (got.extend(iter(lambda: sub.get_message(timeout=0.05), None))
                               or any(m["type"] == "pmessage" and m["data"] == b"probe"
                                      for m in got)), timeout=5)
    r.config_set("notify-keyspace-events", "")
    assert wait_until(lambda: bytes_per_set(20) < plain + 10, timeout=5)
    sub.close()


def test_min_replicas_to_write_refuses_writes_without_good_replicas(pair):
    """min-replicas-to-write N: while fewer than N replicas acknowledged
    within min-replicas-max-lag seconds, a primary answers writes (also
    inside MULTI and scripts) with Redis's -NOREPLICAS; reads go on."""
    p, rep = pair
    c = p.client()
    c.set("before", "1")
    assert c.config_set("min-replicas-to-write", "1")
    assert c.config_set("min-replicas-max-lag", "2")
    assert c.config_get("min-slaves-*") == {"min-slaves-to-write": "1", "min-slaves-max-lag": "2"}
    assert wait_until(lambda: c.info("replication").get("min_slaves_good_slaves") == 0)
    with pytest.raises(redis.ResponseError) as e:
        c.set("k", "v")
    assert str(e.value) == "NOREPLICAS Not enough good replicas to write."
    assert c.get("before") == b"1"  # reads are served
    with pytest.raises(redis.ResponseError, match="Not enough good replicas"):
        c.eval("return redis.call('SET', KEYS[1], 'x')", 1, "k")
    tx = p.client(single_connection_client=True)
    tx.execute_command("MULTI")
    with pytest.raises(redis.ResponseError, match="Not enough good replicas"):
        tx.execute_command("SET", "k", "v")
    with pytest.raises(redis.exceptions.ExecAbortError):
        tx.execute_command("EXEC")
    # A replica that acknowledges makes the primary writable again.
    attach(p, rep)
    assert wait_until(lambda: c.info("replication").get("min_slaves_good_slaves") == 1)
    assert c.set("k", "v")
    assert wait_until(lambda: rep.client().get("k") == b"v")
    # Once it is gone, writes stop.
    assert rep.client().execute_command("REPLICAOF", "NO", "ONE") == b"OK"
    assert wait_until(lambda: c.info("replication").get("min_slaves_good_slaves") == 0,
                      timeout=15)
    with pytest.raises(redis.ResponseError, match="Not enough good replicas"):
        c.set("k", "w")
    assert c.config_set("min-replicas-to-write", "0")
    assert c.set("k", "w")
    assert "min_slaves_good_slaves" not in c.info("replication")


def test_repl_timeout_drops_a_silent_peer_and_pings_keep_an_idle_link():
    """repl-timeout at both ends, with the primary's PING every
    repl-ping-replica-period: an idle link stays up; a frozen primary is
    noticed by its replica, a frozen replica by its primary; both reconnect
    when the peer comes back."""
    opts = ("--repl-timeout", "2", "--repl-ping-replica-period", "1")
    p, rep = ShoalServer(*opts), ShoalServer(*opts)
    try:
        pc, rc = p.client(), rep.client()
        assert pc.config_get("repl-ping-slave-period") == {"repl-ping-slave-period": "1"}
        attach(p, rep)
        pc.set("k", "1")
        assert wait_until(lambda: rc.get("k") == b"1")
        # Idle for twice the timeout: the pings (in the stream, so both
        # offsets move together) keep the link up and the replica attached.
        offset = pc.info("replication")["master_repl_offset"]
        received = pc.info("stats")["total_connections_received"]
        time.sleep(4.5)
        info = rc.info("replication")
        assert info["master_link_status"] == "up"
        assert pc.info("replication")["master_repl_offset"] > offset
        assert wait_until(lambda: rc.info("replication")["slave_repl_offset"]
                          == pc.info("replication")["master_repl_offset"])
        assert pc.info("replication")["connected_slaves"] == 1
        # The replica did not reconnect meanwhile.
        assert pc.info("stats")["total_connections_received"] == received

        # A frozen primary: the replica stops trusting the link.
        p.proc.send_signal(signal.SIGSTOP)
        try:
            assert wait_until(lambda: rc.info("replication")["master_link_status"] == "down",
                              timeout=10)
        finally:
            p.proc.send_signal(signal.SIGCONT)
        assert wait_until(lambda: rc.info("replication")["master_link_status"] == "up",
                          timeout=15)
        pc.set("k", "2")
        assert wait_until(lambda: rc.get("k") == b"2")

        # A frozen replica: the primary disconnects it.
        rep.proc.send_signal(signal.SIGSTOP)
        try:
            assert wait_until(lambda: pc.info("replication")["connected_slaves"] == 0, timeout=10)
        finally:
            rep.proc.send_signal(signal.SIGCONT)
        assert wait_until(lambda: pc.info("replication")["connected_slaves"] == 1, timeout=15)
        pc.set("k", "3")
        assert wait_until(lambda: rc.get("k") == b"3")
    finally:
        for s in (p, rep):
            s.proc.send_signal(signal.SIGCONT)
            assert s.alive(), "shoal crashed"
            s.stop()


def test_replica_serve_stale_data_no_answers_masterdown_while_the_link_is_down():
    """replica-serve-stale-data no: while its link is down, a replica
    answers commands without Redis's stale flag with -MASTERDOWN (GET, EVAL,
    and PING too, as redis-server 7 does), and still serves those with it
    (ECHO, INFO, ROLE, CONFIG)."""
    p = ShoalServer("--repl-ping-replica-period", "1")
    rep = ShoalServer("--replica-serve-stale-data", "no", "--repl-timeout", "2")
    try:
        pc, rc = p.client(), rep.client()
        rc.set("own", "1")  # a primary serves whatever the setting
        assert rc.get("own") == b"1"
        pc.set("k", "v")
        attach(p, rep)
        assert rc.get("k") == b"v"
        p.proc.send_signal(signal.SIGSTOP)
        try:
            assert wait_until(lambda: rc.info("replication")["master_link_status"] == "down",
                              timeout=10)
            with pytest.raises(redis.ResponseError) as e:
                rc.get("k")
            assert str(e.value) == ("MASTERDOWN Link with MASTER is down and "
                                    "replica-serve-stale-data is set to 'no'.")
            with pytest.raises(redis.ResponseError, match="MASTERDOWN"):
                rc.eval("return redis.call('GET', KEYS[1])", 1, "k")
            with pytest.raises(redis.ResponseError, match="MASTERDOWN"):
                rc.ping()
            assert rc.execute_command("ECHO", "still") == b"still"
            assert rc.execute_command("ROLE")[0] == b"slave"
            assert rc.config_get("slave-serve-stale-data") == {"slave-serve-stale-data": "no"}
            assert rc.config_set("replica-serve-stale-data", "yes")
            assert wait_until(lambda: not _masterdown(rc))  # within a housekeeping tick
            assert rc.get("k") == b"v"
            assert rc.config_set("replica-serve-stale-data", "no")
            assert wait_until(lambda: rc.execute_command("ECHO", "x") == b"x"
                              and _masterdown(rc))
        finally:
            p.proc.send_signal(signal.SIGCONT)
        assert wait_until(lambda: rc.info("replication")["master_link_status"] == "up",
                          timeout=15)
        assert wait_until(lambda: not _masterdown(rc))
        assert rc.get("k") == b"v"
    finally:
        for s in (p, rep):
            s.proc.send_signal(signal.SIGCONT)
            assert s.alive(), "shoal crashed"
            s.stop()


def _masterdown(c):
    try:
        c.get("k")
        return False
    except redis.ResponseError as e:
        return str(e).startswith("MASTERDOWN")


def _send_shutdown(server, *flags):
    """SHUTDOWN on a connection of its own: no reply, the connection closes."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(encode_resp("SHUTDOWN", *flags))
        try:
            return s.recv(100)
        except (ConnectionResetError, socket.timeout):
            return b""


def encode_resp(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def test_shutdown_waits_for_lagging_replicas_and_abort_resumes_writes():
    """As Redis 7: SHUTDOWN (not NOW) with a replica behind pauses writes and
    waits up to shutdown-timeout for it; SHUTDOWN ABORT resumes; once the
    replica catches up the primary exits, and the replica has the last
    write."""
    p = ShoalServer("--shutdown-timeout", "60", "--repl-ping-replica-period", "60")
    rep = ShoalServer()
    try:
        pc = p.client()
        attach(p, rep)
        rep.proc.send_signal(signal.SIGSTOP)
        pc.set("last", "1")  # the frozen replica cannot acknowledge it
        assert _send_shutdown(p) == b""
        time.sleep(0.5)
        assert p.alive(), "exited without waiting for the lagging replica"
        assert pc.get("last") == b"1"  # reads are served
        writer = socket.create_connection(("127.0.0.1", p.port), timeout=0.5)
        writer.sendall(encode_resp("SET", "during", "x"))
        with pytest.raises(socket.timeout):
            writer.recv(100)  # writes are paused: no reply yet
        assert pc.execute_command("SHUTDOWN", "ABORT") is True  # +OK
        writer.settimeout(5)
        assert writer.recv(100) == b"+OK\r\n"  # the held-back SET ran
        writer.close()
        assert pc.get("during") == b"x"
        with pytest.raises(redis.ResponseError, match="^No shutdown in progress.$"):
            pc.execute_command("SHUTDOWN", "ABORT")
        assert pc.set("after", "y")

        assert _send_shutdown(p) == b""
        time.sleep(0.3)
        assert p.alive()
        rep.proc.send_signal(signal.SIGCONT)  # it catches up: the primary goes
        assert p.proc.wait(timeout=20) == 0
        assert wait_until(lambda: rep.client().get("after") == b"y")
    finally:
        for s in (p, rep):
            s.proc.send_signal(signal.SIGCONT)
            s.stop()
    assert rep.proc.returncode is not None


@pytest.mark.parametrize("how", ["now", "timeout", "no-replicas"])
def test_shutdown_without_waiting(how):
    """SHUTDOWN NOW, shutdown-timeout passing, and a primary with nothing to
    wait for all stop the server."""
    p = ShoalServer("--shutdown-timeout", "1" if how == "timeout" else "60")
    rep = ShoalServer()
    try:
        if how != "no-replicas":
            attach(p, rep)
            rep.proc.send_signal(signal.SIGSTOP)
            p.client().set("k", "v")
        start = time.time()
        _send_shutdown(p, *(["NOW"] if how == "now" else []))
        assert p.proc.wait(timeout=20) == 0
        elapsed = time.time() - start
        if how == "timeout":
            assert elapsed >= 0.9  # it did wait for the replica, up to the timeout
    finally:
        for s in (p, rep):
            s.proc.send_signal(signal.SIGCONT)
            s.stop()
