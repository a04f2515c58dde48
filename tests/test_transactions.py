"""End-to-end tests of MULTI / EXEC / DISCARD / WATCH / UNWATCH.

Replies and error texts are redis-server 7.2's. Exact frames (QUEUED, the
EXEC array with an error inside, the nil of an aborted EXEC in RESP2 and
RESP3) are checked on raw sockets; the rest with redis-py, including its
pipelines. WATCH is checked across clients, per key (a write to another key
of the same lock stripe must not abort), with expiry, and under contention.
"""
import socket
import threading
import time

import pytest
import redis

from test_connection import Raw, cmd


@pytest.fixture
def c(server):
    cl = server.client(single_connection_client=True)
    cl.flushall()
    yield cl
    cl.close()


@pytest.fixture
def c2(server):
    cl = server.client(single_connection_client=True)
    yield cl
    cl.close()


@pytest.fixture
def raw(server):
    conn = Raw(server.port)
    yield conn
    conn.close()


def exec_tx(cl, *commands):
    """MULTI, each command (asserting QUEUED), EXEC; returns EXEC's reply."""
    assert cmd(cl, "MULTI") == b"OK"
    for command in commands:
        assert cmd(cl, *command) == b"QUEUED"
    return cmd(cl, "EXEC")


# ------------------------------------------------------------ MULTI and EXEC


def test_multi_exec_runs_queue_in_order(c):
    reply = exec_tx(c, ("SET", "a", "1"), ("INCR", "a"), ("GET", "a"), ("DEL", "a"),
                    ("EXISTS", "a"))
    assert reply == [b"OK", 2, b"2", 1, 0]


def test_multi_exec_raw_frames(raw):
    assert raw.call("MULTI") == b"+OK\r\n"
    assert raw.call("SET", "rk", "v") == b"+QUEUED\r\n"
    assert raw.call("GET", "rk") == b"+QUEUED\r\n"
    assert raw.call("GET", "rk:missing") == b"+QUEUED\r\n"
    assert raw.call("EXEC") == b"*3\r\n+OK\r\n$1\r\nv\r\n$-1\r\n"


def test_empty_transaction(c):
    assert cmd(c, "MULTI") == b"OK"
    assert cmd(c, "EXEC") == []


def test_queued_commands_run_only_at_exec(c, c2):
    assert cmd(c, "MULTI") == b"OK"
    assert cmd(c, "SET", "later", "1") == b"QUEUED"
    assert c2.get("later") is None
    assert cmd(c, "EXEC") == [b"OK"]
    assert c2.get("later") == b"1"


def test_exec_without_multi(c):
    with pytest.raises(redis.ResponseError, match="^EXEC without MULTI$"):
        cmd(c, "EXEC")


def test_multi_nested_is_an_error_but_keeps_transaction(c):
    assert cmd(c, "MULTI") == b"OK"
    with pytest.raises(redis.ResponseError, match="^MULTI calls can not be nested$"):
        cmd(c, "MULTI")
    assert cmd(c, "SET", "n", "1") == b"QUEUED"
    assert cmd(c, "EXEC") == [b"OK"]


def test_multi_flag_in_client_info(c):
    assert cmd(c, "MULTI") == b"OK"
    # CLIENT INFO is queued; when EXEC runs it the transaction is executing.
    assert cmd(c, "CLIENT", "INFO") == b"QUEUED"
    cmd(c, "EXEC")
    assert b"flags=N" in cmd(c, "CLIENT", "INFO")


def test_select_inside_transaction(c):
    reply = exec_tx(c, ("SELECT", "1"), ("SET", "dbkey", "one"), ("SELECT", "0"),
                    ("SET", "dbkey", "zero"))
    assert reply == [b"OK"] * 4
    assert c.get("dbkey") == b"zero"
    cmd(c, "SELECT", 1)
    assert c.get("dbkey") == b"one"
    c.delete("dbkey")
    cmd(c, "SELECT", 0)


def test_multi_arity(c):
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'multi'"):
        cmd(c, "MULTI", "x")


def test_exec_with_wrong_arity_aborts(raw):
    assert raw.call("MULTI") == b"+OK\r\n"
    assert raw.call("SET", "a", "1") == b"+QUEUED\r\n"
    assert raw.call("EXEC", "x") == (
        b"-EXECABORT Transaction discarded because of: "
        b"wrong number of arguments for 'exec' command\r\n")
    assert raw.call("EXEC") == b"-ERR EXEC without MULTI\r\n"


# --------------------------------------------------------------- error paths


def test_queueing_error_aborts_with_execabort(c):
    assert cmd(c, "MULTI") == b"OK"
    assert cmd(c, "SET", "x", "1") == b"QUEUED"
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'set'"):
        cmd(c, "SET", "y")
    with pytest.raises(redis.ResponseError, match="^unknown command 'NOSUCHCMD'"):
        cmd(c, "NOSUCHCMD", "a")
    assert cmd(c, "SET", "z", "1") == b"QUEUED"
    with pytest.raises(redis.ResponseError,
                       match=r"^Transaction discarded because of previous errors\.$"):
        cmd(c, "EXEC")
    assert c.get("x") is None and c.get("z") is None
    # The transaction is over.
    with pytest.raises(redis.ResponseError, match="^EXEC without MULTI$"):
        cmd(c, "EXEC")


def test_execabort_raw(raw):
    raw.call("MULTI")
    assert raw.call("GET") == b"-ERR wrong number of arguments for 'get' command\r\n"
    assert raw.call("EXEC") == (
        b"-EXECABORT Transaction discarded because of previous errors.\r\n")


def test_runtime_errors_do_not_abort_other_commands(c):
    c.set("str", "abc")
    reply = exec_tx(c, ("SET", "a", "1"), ("INCR", "str"), ("INCRBYFLOAT", "str", "1"),
                    ("INCR", "a"))
    assert reply[0] == b"OK"
    assert isinstance(reply[1], redis.ResponseError)
    assert str(reply[1]) == "value is not an integer or out of range"
    assert isinstance(reply[2], redis.ResponseError)
    assert str(reply[2]) == "value is not a valid float"
    assert reply[3] == 2
    assert c.get("a") == b"2"


def test_runtime_error_raw_frame(raw):
    raw.call("SET", "s", "abc")
    raw.call("MULTI")
    raw.call("INCR", "s")
    raw.call("SET", "s", "1")
    assert raw.call("EXEC") == (
        b"*2\r\n-ERR value is not an integer or out of range\r\n+OK\r\n")


def test_watch_inside_multi_is_an_error_without_aborting(c):
    assert cmd(c, "MULTI") == b"OK"
    with pytest.raises(redis.ResponseError, match="^WATCH inside MULTI is not allowed$"):
        cmd(c, "WATCH", "k")
    assert cmd(c, "SET", "k", "1") == b"QUEUED"
    assert cmd(c, "EXEC") == [b"OK"]


# ------------------------------------------------------------------- DISCARD


def test_discard_drops_queue(c):
    assert cmd(c, "MULTI") == b"OK"
    assert cmd(c, "SET", "d", "1") == b"QUEUED"
    assert cmd(c, "DISCARD") == b"OK"
    assert c.get("d") is None
    with pytest.raises(redis.ResponseError, match="^EXEC without MULTI$"):
        cmd(c, "EXEC")


def test_discard_without_multi(c):
    with pytest.raises(redis.ResponseError, match="^DISCARD without MULTI$"):
        cmd(c, "DISCARD")


def test_discard_after_queue_error_clears_it(c):
    cmd(c, "MULTI")
    with pytest.raises(redis.ResponseError):
        cmd(c, "GET")
    assert cmd(c, "DISCARD") == b"OK"
    assert exec_tx(c, ("SET", "ok", "1")) == [b"OK"]


def test_discard_unwatches(c, c2):
    assert cmd(c, "WATCH", "w") == b"OK"
    cmd(c, "MULTI")
    cmd(c, "DISCARD")
    c2.set("w", "changed")
    assert exec_tx(c, ("SET", "x", "1")) == [b"OK"]


# --------------------------------------------------------------------- WATCH


def test_watch_conflict_aborts_exec(c, c2):
    c.set("wk", "1")
    assert cmd(c, "WATCH", "wk") == b"OK"
    c2.set("wk", "2")
    assert exec_tx(c, ("SET", "wk", "3")) is None
    assert c.get("wk") == b"2"


def test_watch_abort_raw_resp2_and_resp3(server, c2):
    for hello, nil in (("2", b"*-1\r\n"), ("3", b"_\r\n")):
        raw = Raw(server.port)
        try:
            raw.call("HELLO", hello)
            assert raw.call("WATCH", "rw") == b"+OK\r\n"
            c2.set("rw", hello)
            raw.call("MULTI")
            raw.call("SET", "rw", "mine")
            assert raw.call("EXEC") == nil
        finally:
            raw.close()


def test_watch_without_conflict_succeeds(c, c2):
    c.set("wk", "1")
    assert cmd(c, "WATCH", "wk") == b"OK"
    c2.set("other", "x")
    assert exec_tx(c, ("SET", "wk", "3")) == [b"OK"]


@pytest.mark.parametrize("change", [
    ("DEL", "wk"),
    ("EXPIRE", "wk", "100"),
    ("APPEND", "wk", "x"),
    ("INCR", "wk"),
    ("RENAME", "wk", "wk2"),
    ("PERSIST", "wk"),
    ("SET", "wk", "1"),  # same value: still a change
])
def test_watch_conflict_from_each_kind_of_write(c, c2, change):
    c.set("wk", "1", ex=1000)
    cmd(c, "WATCH", "wk")
    cmd(c2, *change)
    assert exec_tx(c, ("GET", "wk")) is None


def test_watch_missing_key_then_created(c, c2):
    cmd(c, "WATCH", "newkey")
    c2.set("newkey", "1")
    assert exec_tx(c, ("SET", "newkey", "2")) is None


def test_watch_missing_key_deleted_again_is_no_change(c, c2):
    cmd(c, "WATCH", "nokey")
    assert c2.delete("nokey") == 0
    assert exec_tx(c, ("SET", "x", "1")) == [b"OK"]


def test_watch_own_write_aborts(c):
    cmd(c, "WATCH", "self")
    c.set("self", "1")
    assert exec_tx(c, ("SET", "x", "1")) is None


def test_watch_read_by_other_does_not_abort(c, c2):
    c.set("rk", "1")
    cmd(c, "WATCH", "rk")
    assert c2.get("rk") == b"1"
    assert c2.exists("rk") == 1
    assert exec_tx(c, ("SET", "rk", "2")) == [b"OK"]


def test_watch_is_per_db(c, c2):
    cmd(c, "WATCH", "dbk")
    cmd(c2, "SELECT", 1)
    c2.set("dbk", "other-db")
    c2.delete("dbk")
    cmd(c2, "SELECT", 0)
    assert exec_tx(c, ("SET", "dbk", "1")) == [b"OK"]


def test_watch_in_selected_db(c, c2):
    cmd(c, "SELECT", 2)
    cmd(c, "WATCH", "dbk")
    cmd(c2, "SELECT", 2)
    c2.set("dbk", "changed")
    assert exec_tx(c, ("SET", "dbk", "1")) is None
    c2.delete("dbk")
    cmd(c2, "SELECT", 0)
    cmd(c, "SELECT", 0)


def test_watch_multiple_keys_and_duplicates(c, c2):
    assert cmd(c, "WATCH", "m1", "m2", "m1") == b"OK"
    assert cmd(c, "WATCH", "m2", "m3") == b"OK"
    c2.set("m3", "x")
    assert exec_tx(c, ("SET", "x", "1")) is None
    # EXEC unwatched everything, duplicates included.
    c2.set("m1", "x")
    c2.set("m2", "x")
    assert exec_tx(c, ("SET", "x", "1")) == [b"OK"]


def test_unwatch(c, c2):
    cmd(c, "WATCH", "uw")
    assert cmd(c, "UNWATCH") == b"OK"
    c2.set("uw", "1")
    assert exec_tx(c, ("SET", "x", "1")) == [b"OK"]
    # UNWATCH with nothing watched is fine.
    assert cmd(c, "UNWATCH") == b"OK"


def test_unwatch_inside_multi_is_queued(c, c2):
    c.set("uq", "1")
    cmd(c, "WATCH", "uq")
    assert cmd(c, "MULTI") == b"OK"
    assert cmd(c, "UNWATCH") == b"QUEUED"
    assert cmd(c, "SET", "uq", "2") == b"QUEUED"
    assert cmd(c, "EXEC") == [b"OK", b"OK"]
    assert c.get("uq") == b"2"


def test_unwatch_inside_multi_with_watched_key_in_same_stripe(c, c2):
    # UNWATCH runs inside EXEC while the transaction's stripes are held.
    keys = ["sk%d" % i for i in range(64)]
    cmd(c, "WATCH", *keys)
    tx = [("UNWATCH",)] + [("SET", k, "v") for k in keys]
    assert exec_tx(c, *tx) == [b"OK"] * (len(keys) + 1)


def test_exec_unwatches_after_success(c, c2):
    cmd(c, "WATCH", "ew")
    assert exec_tx(c, ("SET", "ew", "1")) == [b"OK"]
    c2.set("ew", "2")
    assert exec_tx(c, ("GET", "ew")) == [b"2"]


def test_watch_arity(c):
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'watch'"):
        cmd(c, "WATCH")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'unwatch'"):
        cmd(c, "UNWATCH", "x")


def test_watch_no_spurious_abort_from_same_stripe(c, c2):
    # Writes to thousands of other keys cover every lock stripe (and slot
    # neighbours of the watched key); none of them may abort the EXEC.
    for i in range(10):
        watched = "watched:%d" % i
        c.set(watched, "0")
        cmd(c, "WATCH", watched)
        pipe = c2.pipeline(transaction=False)
        for j in range(2000):
            pipe.set("noise:%d:%d" % (i, j), j)
        pipe.execute()
        assert exec_tx(c, ("INCR", watched)) == [1], watched


def test_watch_many_keys_only_touched_one_aborts(c, c2):
    keys = ["many:%d" % i for i in range(500)]
    cmd(c, "WATCH", *keys)
    pipe = c2.pipeline(transaction=False)
    for i in range(2000):
        pipe.set("unrelated:%d" % i, i)
    pipe.execute()
    assert exec_tx(c, ("SET", "x", "1")) == [b"OK"]
    cmd(c, "WATCH", *keys)
    c2.set("many:321", "x")
    assert exec_tx(c, ("SET", "x", "1")) is None


def test_watch_flushall_existing_key_aborts(c, c2):
    c.set("fk", "1")
    cmd(c, "WATCH", "fk")
    c2.flushall()
    assert exec_tx(c, ("SET", "x", "1")) is None


def test_watch_flushdb_missing_key_does_not_abort(c, c2):
    cmd(c, "WATCH", "fk-missing")
    c2.set("something", "1")
    c2.flushdb()
    assert exec_tx(c, ("SET", "x", "1")) == [b"OK"]


# ----------------------------------------------------------- WATCH + expiry


def test_watched_key_expiring_before_exec_aborts(c):
    c.set("ttl", "v", px=100)
    cmd(c, "WATCH", "ttl")
    time.sleep(0.3)
    assert exec_tx(c, ("SET", "x", "1")) is None


def test_watched_key_expiring_and_read_by_other_aborts(c, c2):
    c.set("ttl2", "v", px=100)
    cmd(c, "WATCH", "ttl2")
    time.sleep(0.3)
    assert c2.get("ttl2") is None  # lazy expiry by another client
    assert exec_tx(c, ("SET", "x", "1")) is None


def test_key_already_expired_at_watch_time_is_no_change(c, c2):
    c.set("gone", "v", px=50)
    time.sleep(0.2)
    cmd(c, "WATCH", "gone")
    assert c2.get("gone") is None
    assert exec_tx(c, ("SET", "x", "1")) == [b"OK"]


def test_watched_key_with_long_ttl_does_not_abort(c):
    c.set("longttl", "v", ex=100)
    cmd(c, "WATCH", "longttl")
    time.sleep(0.1)
    assert exec_tx(c, ("GET", "longttl")) == [b"v"]


# ------------------------------------------------------------ redis-py pipes


def test_pipeline_transaction_true(r):
    pipe = r.pipeline(transaction=True)
    pipe.set("p", "1").incr("p").incrby("p", 10).get("p").delete("p")
    assert pipe.execute() == [True, 2, 12, b"12", 1]


def test_pipeline_transaction_false(r):
    pipe = r.pipeline(transaction=False)
    pipe.set("p", "1").incr("p").get("p")
    assert pipe.execute() == [True, 2, b"2"]


def test_pipeline_runtime_error(r):
    r.set("s", "abc")
    pipe = r.pipeline(transaction=True)
    pipe.set("a", "1").incr("s").incr("a")
    with pytest.raises(redis.ResponseError, match="value is not an integer"):
        pipe.execute()
    assert r.get("a") == b"2"
    pipe = r.pipeline(transaction=True)
    pipe.set("a", "1").incr("s").incr("a")
    res = pipe.execute(raise_on_error=False)
    assert res[0] is True and isinstance(res[1], redis.ResponseError) and res[2] == 2


def test_pipeline_queue_error_raises_execabort(r):
    pipe = r.pipeline(transaction=True)
    pipe.set("a", "1")
    pipe.execute_command("SET", "only-key")
    with pytest.raises(redis.ResponseError):
        pipe.execute()
    assert r.get("a") is None


def test_pipeline_watch_conflict_raises_watch_error(r, c2):
    r.set("pw", "1")
    with r.pipeline() as pipe:
        pipe.watch("pw")
        assert pipe.get("pw") == b"1"
        c2.set("pw", "changed")
        pipe.multi()
        pipe.set("pw", "2")
        with pytest.raises(redis.WatchError):
            pipe.execute()
    assert r.get("pw") == b"changed"


def test_transaction_helper_retries(r, c2):
    r.set("th", "10")
    calls = []

    def body(pipe):
        value = int(pipe.get("th"))
        if not calls:
            c2.set("th", "20")  # first attempt loses the race
        calls.append(value)
        pipe.multi()
        pipe.set("th", value + 1)

    r.transaction(body, "th")
    assert calls == [10, 20]
    assert r.get("th") == b"21"


def test_pipelined_multi_exec_in_one_write(server):
    payload = (b"MULTI\r\nSET pk 1\r\nINCR pk\r\nEXEC\r\nGET pk\r\n")
    raw = Raw(server.port)
    try:
        raw.sock.sendall(payload)
        assert raw.read_frame() == b"+OK\r\n"
        assert raw.read_frame() == b"+QUEUED\r\n"
        assert raw.read_frame() == b"+QUEUED\r\n"
        assert raw.read_frame() == b"*2\r\n+OK\r\n:2\r\n"
        assert raw.read_frame() == b"$1\r\n2\r\n"
    finally:
        raw.close()


def test_disconnect_inside_multi_is_harmless(server, c2):
    raw = Raw(server.port)
    raw.call("WATCH", "dm")
    raw.call("MULTI")
    raw.call("SET", "dm", "1")
    raw.close()
    time.sleep(0.1)
    assert c2.get("dm") is None
    c2.set("dm", "2")  # touching a key watched by a gone client
    assert c2.get("dm") == b"2"
    assert server.alive()


# --------------------------------------------------------------- concurrency


def test_concurrent_optimistic_increments_are_exact(server):
    threads_n, per_thread = 8, 500
    counter = "tx:counter"
    setup = server.client()
    setup.delete(counter)
    setup.close()
    errors = []
    retries = [0] * threads_n

    def worker(idx):
        cl = server.client(single_connection_client=True)
        try:
            done = 0
            while done < per_thread:
                cmd(cl, "WATCH", counter)
                value = cl.get(counter)
                value = int(value) if value is not None else 0
                cmd(cl, "MULTI")
                cmd(cl, "SET", counter, value + 1)
                if cmd(cl, "EXEC") is None:
                    retries[idx] += 1
                    continue
                done += 1
        except Exception as e:  # surfaced in the main thread
            errors.append(e)
        finally:
            cl.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads)
    check = server.client()
    assert int(check.get(counter)) == threads_n * per_thread
    check.close()


def test_concurrent_transactions_are_atomic(server):
    # Each transaction moves one unit between two keys; a concurrent reader
    # using MULTI must always see the sum unchanged.
    setup = server.client()
    setup.mset({"acct:{a}": 1000, "acct:{b}": 1000, "acct:c": 1000})
    setup.close()
    stop = threading.Event()
    bad = []

    def mover():
        cl = server.client(single_connection_client=True)
        try:
            for i in range(500):
                src, dst = ("acct:{a}", "acct:c") if i % 2 else ("acct:c", "acct:{b}")
                exec_tx(cl, ("DECR", src), ("INCR", dst))
        finally:
            cl.close()

    def reader():
        cl = server.client(single_connection_client=True)
        try:
            while not stop.is_set():
                vals = exec_tx(cl, ("GET", "acct:{a}"), ("GET", "acct:{b}"), ("GET", "acct:c"))
                total = sum(int(v) for v in vals)
                if total != 3000:
                    bad.append(vals)
        finally:
            cl.close()

    movers = [threading.Thread(target=mover) for _ in range(3)]
    readers = [threading.Thread(target=reader) for _ in range(2)]
    for t in movers + readers:
        t.start()
    for t in movers:
        t.join(timeout=120)
    stop.set()
    for t in readers:
        t.join(timeout=30)
    assert not bad, bad[:3]
    check = server.client()
    vals = [int(v) for v in check.mget("acct:{a}", "acct:{b}", "acct:c")]
    assert sum(vals) == 3000
    check.close()
