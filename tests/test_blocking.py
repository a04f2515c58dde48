"""End-to-end tests of the blocking list commands: BLPOP BRPOP BLMOVE
BRPOPLPUSH BLMPOP — wake-ups by pushes from other clients, timeouts, FIFO
service, MULTI, chains of blocked moves, and a producer/consumer run that
checks every element is delivered exactly once.

Each blocked client is its own redis-py connection driven from a thread;
`wait_blocked` polls INFO's blocked_clients so that tests do not race the
server. Replies and errors were checked against redis-server.
"""
import socket
import threading
import time

import pytest
import redis

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def wait_blocked(r, n, timeout=5.0):
    """Waits until the server reports n blocked clients."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if r.info("clients")["blocked_clients"] == n:
            return
        time.sleep(0.005)
    raise AssertionError(f"expected {n} blocked clients, "
                         f"have {r.info('clients')['blocked_clients']}")


class Blocker:
    """Runs one blocking command on its own connection in a thread."""

    def __init__(self, server, *args, **client_kw):
        self.client = server.client(socket_timeout=30, **client_kw)
        self.args = args
        self.result = None
        self.error = None
        self.elapsed = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        start = time.time()
        try:
            self.result = self.client.execute_command(*self.args)
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e
        self.elapsed = time.time() - start

    def join(self, timeout=10):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), f"{self.args} still blocked"
        self.client.close()
        if self.error is not None:
            raise self.error
        # redis-py turns BLPOP/BRPOP replies into tuples.
        return list(self.result) if isinstance(self.result, tuple) else self.result


# ----------------------------------------------------------------------------
# Served by a push


def test_blpop_served_by_push_from_another_client(server, r):
    b = Blocker(server, "BLPOP", "q", 0)
    wait_blocked(r, 1)
    assert r.rpush("q", "job") == 1
    assert b.join() == [b"q", b"job"]
    assert r.exists("q") == 0
    wait_blocked(r, 0)


def test_brpop_pops_from_the_tail(server, r):
    b = Blocker(server, "BRPOP", "q", 5)
    wait_blocked(r, 1)
    r.rpush("q", "a", "b", "c")
    assert b.join() == [b"q", b"c"]
    assert r.lrange("q", 0, -1) == [b"a", b"b"]


def test_blpop_returns_at_once_when_data_is_there(r):
    r.rpush("q", "a", "b")
    assert r.blpop(["nokey", "q"], 1) == (b"q", b"a")
    assert r.brpop(["q"], 1) == (b"q", b"b")
    assert r.exists("q") == 0


def test_blpop_several_keys(server, r):
    b = Blocker(server, "BLPOP", "k1", "k2", "k3", 0)
    wait_blocked(r, 1)
    r.lpush("k3", "x")
    assert b.join() == [b"k3", b"x"]
    # With data in several keys, the first key listed wins.
    r.rpush("k2", "b")
    r.rpush("k3", "c")
    assert r.blpop(["k1", "k2", "k3"], 1) == (b"k2", b"b")


def test_lpushx_linsert_and_lmove_wake_waiters(server, r):
    # LPUSHX/LINSERT need an existing list, so the waiter blocks on another
    # key that LMOVE fills.
    b = Blocker(server, "BLPOP", "dst", 0)
    wait_blocked(r, 1)
    r.rpush("src", "a")
    r.lmove("src", "dst", "LEFT", "LEFT")
    assert b.join() == [b"dst", b"a"]
    b = Blocker(server, "BLPOP", "dst2", 0)
    wait_blocked(r, 1)
    r.rpush("src", "z")
    r.rpoplpush("src", "dst2")
    assert b.join() == [b"dst2", b"z"]


def test_blocked_client_not_served_from_another_db(server, r):
    b = Blocker(server, "BLPOP", "q", 0, db=1)
    wait_blocked(r, 1)
    r.rpush("q", "db0")  # db 0: not for it
    time.sleep(0.1)
    assert b.thread.is_alive()
    other = server.client(db=1)
    other.rpush("q", "db1")
    assert b.join() == [b"q", b"db1"]
    assert r.lrange("q", 0, -1) == [b"db0"]
    other.close()


# ----------------------------------------------------------------------------
# Timeouts


def test_timeout_returns_nil_after_about_the_timeout(server, r):
    b = Blocker(server, "BLPOP", "q", 0.3)
    assert b.join() is None
    assert 0.25 <= b.elapsed < 2.0, b.elapsed
    b = Blocker(server, "BLMOVE", "q", "d", "LEFT", "LEFT", 0.2)
    assert b.join() is None
    assert 0.15 <= b.elapsed < 2.0, b.elapsed
    wait_blocked(r, 0)


def test_tiny_timeout_is_not_forever(server, r):
    b = Blocker(server, "BLPOP", "q", 0.0001)  # rounds up to 1 ms
    assert b.join() is None
    assert b.elapsed < 2.0


def test_zero_timeout_waits_until_a_push(server, r):
    b = Blocker(server, "BLPOP", "q", 0)
    wait_blocked(r, 1)
    time.sleep(0.6)
    assert b.thread.is_alive()
    r.rpush("q", "late")
    assert b.join() == [b"q", b"late"]


def test_timeout_reply_types_on_the_wire(server, r):
    def raw(*args, hello3=False):
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
            f = s.makefile("rb")

            def send(*a):
                out = b"*%d\r\n" % len(a)
                for x in a:
                    x = str(x).encode()
                    out += b"$%d\r\n%s\r\n" % (len(x), x)
                s.sendall(out)
            if hello3:
                send("HELLO", "3")
                send("PING")
                while f.readline() != b"+PONG\r\n":  # skip HELLO's map
                    pass
            send(*args)
            return f.readline()
    assert raw("BLPOP", "q", "0.05") == b"*-1\r\n"
    assert raw("BLMPOP", "0.05", 1, "q", "LEFT") == b"*-1\r\n"
    # A timed-out move is a null array too (Redis: any list blocking command),
    # though inside MULTI it is a null bulk (see the MULTI test).
    assert raw("BRPOPLPUSH", "q", "d", "0.05") == b"*-1\r\n"
    assert raw("BLMOVE", "q", "d", "LEFT", "RIGHT", "0.05") == b"*-1\r\n"
    assert raw("BLPOP", "q", "0.05", hello3=True) == b"_\r\n"
    assert raw("BLMOVE", "q", "d", "LEFT", "RIGHT", "0.05", hello3=True) == b"_\r\n"


# ----------------------------------------------------------------------------
# Order of service


def test_fifo_three_clients_three_pushes(server, r):
    blockers = []
    for i in range(3):
        blockers.append(Blocker(server, "BLPOP", "q", 0))
        wait_blocked(r, i + 1)  # block strictly in order
    for item in ("first", "second", "third"):
        r.rpush("q", item)
    assert [b.join() for b in blockers] == [[b"q", b"first"], [b"q", b"second"],
                                            [b"q", b"third"]]


def test_fifo_one_push_of_three_elements(server, r):
    blockers = []
    for i in range(3):
        blockers.append(Blocker(server, "BRPOP", "q", 0))
        wait_blocked(r, i + 1)
    r.rpush("q", "a", "b", "c")
    assert [b.join() for b in blockers] == [[b"q", b"c"], [b"q", b"b"], [b"q", b"a"]]
    assert r.exists("q") == 0


def test_client_that_misses_the_element_keeps_waiting(server, r):
    b = Blocker(server, "BLPOP", "q", 0)
    wait_blocked(r, 1)
    # The push and a pop run atomically: when the waiter re-runs, the list is
    # empty again, and it stays blocked for the next push.
    p = r.pipeline()
    p.rpush("q", "stolen")
    p.lpop("q")
    assert p.execute() == [1, b"stolen"]
    time.sleep(0.1)
    assert b.thread.is_alive()
    assert r.info("clients")["blocked_clients"] == 1
    r.rpush("q", "mine")
    assert b.join() == [b"q", b"mine"]


def test_disconnected_waiter_does_not_eat_elements(server, r):
    c = server.client()
    conn = c.connection_pool.get_connection("BLPOP")
    conn.send_command("BLPOP", "q", 0)
    wait_blocked(r, 1)
    conn.disconnect()
    wait_blocked(r, 0)
    r.rpush("q", "kept")
    time.sleep(0.05)
    assert r.lrange("q", 0, -1) == [b"kept"]
    c.close()


# ----------------------------------------------------------------------------
# Blocking moves and BLMPOP


def test_blmove_moves_atomically(server, r):
    b = Blocker(server, "BLMOVE", "src", "dst", "LEFT", "RIGHT", 0)
    wait_blocked(r, 1)
    r.rpush("dst", "old")
    time.sleep(0.05)
    assert b.thread.is_alive()  # a push to the destination does not wake it
    r.rpush("src", "a", "b")
    assert b.join() == b"a"
    assert r.lrange("src", 0, -1) == [b"b"]
    assert r.lrange("dst", 0, -1) == [b"old", b"a"]


def test_brpoplpush(server, r):
    r.rpush("src", "x", "y")
    assert r.brpoplpush("src", "dst", 1) == b"y"
    b = Blocker(server, "BRPOPLPUSH", "empty", "dst", 0)
    wait_blocked(r, 1)
    r.lpush("empty", "z")
    assert b.join() == b"z"
    assert r.lrange("dst", 0, -1) == [b"z", b"y"]
    assert r.exists("empty") == 0


def test_chain_of_blocked_moves(server, r):
    """A BLMOVE served by a push feeds a BLPOP blocked on its destination."""
    end = Blocker(server, "BLPOP", "c", 0)
    wait_blocked(r, 1)
    mid = Blocker(server, "BLMOVE", "b", "c", "LEFT", "LEFT", 0)
    wait_blocked(r, 2)
    first = Blocker(server, "BRPOPLPUSH", "a", "b", 0)
    wait_blocked(r, 3)
    r.rpush("a", "token")
    assert first.join() == b"token"
    assert mid.join() == b"token"
    assert end.join() == [b"c", b"token"]
    for k in ("a", "b", "c"):
        assert r.exists(k) == 0


def test_blmpop(server, r):
    r.rpush("k2", "1", "2", "3")
    assert r.execute_command("BLMPOP", 1, 2, "k1", "k2", "RIGHT", "COUNT", 2) == [
        b"k2", [b"3", b"2"]]
    b = Blocker(server, "BLMPOP", 0, 2, "k1", "k3", "LEFT", "COUNT", 5)
    wait_blocked(r, 1)
    r.rpush("k3", "a", "b")
    assert b.join() == [b"k3", [b"a", b"b"]]
    assert r.execute_command("BLMPOP", "0.05", 1, "k3", "LEFT") is None


def test_scripts_may_call_blmpop_and_bzmpop_but_never_block(r):
    # Redis 7 flags BLPOP/BRPOP/BLMOVE/BRPOPLPUSH/BZPOPMIN/BZPOPMAX "noscript"
    # but not BLMPOP and BZMPOP: a script may call those, and they answer at
    # once (nil on empty keys, whatever the timeout), as inside MULTI.
    call = "return redis.call(ARGV[1], ARGV[2], 1, KEYS[1], ARGV[3])"
    t0 = time.time()
    assert r.eval(call, 1, "sl", "BLMPOP", "0", "LEFT") is None
    assert r.eval(call, 1, "sz", "BZMPOP", "5", "MIN") is None
    assert time.time() - t0 < 2
    r.rpush("sl", "a", "b")
    r.zadd("sz", {"m": 1})
    assert r.eval(call, 1, "sl", "BLMPOP", "0", "LEFT") == [b"sl", [b"a"]]
    assert r.eval(call, 1, "sz", "BZMPOP", "0", "MIN") == [b"sz", [[b"m", b"1"]]]
    with pytest.raises(redis.ResponseError, match="not allowed from script"):
        r.eval("return redis.call('BLPOP', KEYS[1], 0)", 1, "sl")


def test_same_key_blmove_rotation_when_data_present(r):
    r.rpush("rot", "a", "b")
    assert r.blmove("rot", "rot", 1, "LEFT", "RIGHT") == b"a"
    assert r.lrange("rot", 0, -1) == [b"b", b"a"]


# ----------------------------------------------------------------------------
# MULTI and errors


def test_blocking_commands_inside_multi_do_not_block(r, server):
    p = r.pipeline()
    p.blpop(["q"], 0)
    p.brpop(["q"], 0)
    p.blmove("q", "d", 0, "LEFT", "LEFT")
    p.brpoplpush("q", "d", 0)
    p.execute_command("BLMPOP", 0, 1, "q", "LEFT")
    p.rpush("q", "x")
    p.blpop(["q"], 0)
    start = time.time()
    assert p.execute() == [None, None, None, None, None, 1, (b"q", b"x")]
    assert time.time() - start < 1.0
    assert r.info("clients")["blocked_clients"] == 0
    # On the wire: nil bulk for the moves, null array for the pops.
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        req = b""
        for cmd in (["MULTI"], ["BRPOPLPUSH", "e", "d", "0"], ["BLMOVE", "e", "d", "LEFT", "LEFT", "0"],
                    ["BLPOP", "e", "0"], ["BLMPOP", "0", "1", "e", "LEFT"], ["EXEC"]):
            req += b"*%d\r\n" % len(cmd) + b"".join(
                b"$%d\r\n%s\r\n" % (len(a), a.encode()) for a in cmd)
        s.sendall(req)
        want = b"+OK\r\n" + b"+QUEUED\r\n" * 4 + b"*4\r\n$-1\r\n$-1\r\n*-1\r\n*-1\r\n"
        got = b""
        while len(got) < len(want):
            got += s.recv(4096)
        assert got == want


def test_timeout_errors(r):
    for bad, text in (("x", "timeout is not a float or out of range"),
                      ("nan", "timeout is not a float or out of range"),
                      (" 1", "timeout is not a float or out of range"),
                      ("-1", "timeout is negative"),
                      ("-0.5", "timeout is negative"),
                      ("-inf", "timeout is negative"),
                      ("inf", "timeout is out of range"),
                      ("1e20", "timeout is out of range")):
        for args in (("BLPOP", "q", bad), ("BRPOP", "q", bad),
                     ("BLMOVE", "q", "d", "LEFT", "LEFT", bad), ("BRPOPLPUSH", "q", "d", bad),
                     ("BLMPOP", bad, 1, "q", "LEFT")):
            with pytest.raises(redis.ResponseError, match=f"^{text}$"):
                r.execute_command(*args)


def test_argument_errors_and_their_order(r):
    r.set("s", "v")
    r.rpush("l", "a")
    cases = [
        (("BLPOP", "s", 1), WRONGTYPE),
        (("BLPOP", "nokey", "s", 1), WRONGTYPE),
        (("BLPOP", "s", "x"), "timeout is not a float or out of range"),  # timeout first
        (("BLMOVE", "l", "d", "UP", "LEFT", "x"), "syntax error"),  # LEFT/RIGHT first
        (("BLMOVE", "s", "d", "LEFT", "LEFT", 1), WRONGTYPE),
        (("BLMOVE", "l", "s", "LEFT", "LEFT", 1), WRONGTYPE),
        (("BRPOPLPUSH", "l", "s", 1), WRONGTYPE),
        (("BLMPOP", "x", 0, "l", "LEFT"), "numkeys should be greater than 0"),  # before timeout
        (("BLMPOP", "x", 1, "l", "MIDDLE"), "syntax error"),
        (("BLMPOP", "x", 1, "l", "LEFT", "COUNT", 0), "count should be greater than 0"),
        (("BLMPOP", 1, 2, "l", "LEFT"), "syntax error"),
        (("BLMPOP", 1, 2, "nokey", "s", "LEFT"), WRONGTYPE),
        (("BLPOP", "q"), "wrong number of arguments for 'blpop' command"),
        (("BLMPOP", 0, 1, "q"), "wrong number of arguments for 'blmpop' command"),
    ]
    for args, text in cases:
        with pytest.raises(redis.ResponseError, match=f"^{text}$"):
            r.execute_command(*args)
    assert r.lrange("l", 0, -1) == [b"a"]
    # Data in an earlier key is served even if a later key has another type.
    assert r.blpop(["l", "s"], 1) == (b"l", b"a")


def test_wrongtype_after_waking(server, r):
    """A waiter re-runs its command: if the key now holds a list that it can
    move but the destination is not a list, it gets WRONGTYPE."""
    r.set("notalist", "v")
    b = Blocker(server, "BLMOVE", "src", "notalist", "LEFT", "LEFT", 0)
    wait_blocked(r, 1)
    r.rpush("src", "a")
    with pytest.raises(redis.ResponseError, match="^WRONGTYPE"):
        b.join()
    assert r.lrange("src", 0, -1) == [b"a"]


# ----------------------------------------------------------------------------
# Concurrency


def test_producers_and_consumers_deliver_each_item_exactly_once(server, r):
    producers, per_producer, consumers = 4, 500, 4
    total = producers * per_producer
    received = [[] for _ in range(consumers)]
    lock = threading.Lock()
    count = [0]
    done = threading.Event()
    errors = []

    def consume(i):
        c = server.client(socket_timeout=30)
        try:
            while not done.is_set():
                item = c.blpop(["jobs"], 0.2)
                if item is None:
                    continue
                received[i].append(item[1])
                with lock:
                    count[0] += 1
                    if count[0] == total:
                        done.set()
        except Exception as e:  # noqa: BLE001
            errors.append(e)
        finally:
            c.close()

    def produce(p):
        c = server.client(socket_timeout=30)
        try:
            for k in range(per_producer):
                c.rpush("jobs", f"{p}:{k}")
        except Exception as e:  # noqa: BLE001
            errors.append(e)
        finally:
            c.close()

    threads = [threading.Thread(target=consume, args=(i,), daemon=True) for i in range(consumers)]
    for t in threads:
        t.start()
    prod = [threading.Thread(target=produce, args=(p,), daemon=True) for p in range(producers)]
    for t in prod:
        t.start()
    for t in prod:
        t.join(60)
    assert done.wait(60), f"received {count[0]} of {total}"
    for t in threads:
        t.join(10)
    assert not errors, errors
    items = [x for part in received for x in part]
    assert len(items) == total
    assert len(set(items)) == total  # every item exactly once
    want = {f"{p}:{k}".encode() for p in range(producers) for k in range(per_producer)}
    assert set(items) == want
    checksum = sum(int(x.split(b":")[0]) * 1000 + int(x.split(b":")[1]) for x in items)
    assert checksum == sum(p * 1000 + k for p in range(producers) for k in range(per_producer))
    # Each producer's items arrive in the order pushed (one list, FIFO).
    for part in received:
        for p in range(producers):
            seq = [int(x.split(b":")[1]) for x in part if x.startswith(f"{p}:".encode())]
            assert seq == sorted(seq)
    assert r.exists("jobs") == 0
    wait_blocked(r, 0)


def test_many_waiters_on_many_keys(server, r):
    """Twenty clients blocked on five keys; one push per client serves each
    exactly once."""
    blockers = []
    for i in range(20):
        blockers.append(Blocker(server, "BLPOP", f"k{i % 5}", 10))
    wait_blocked(r, 20)
    for i in range(20):
        r.rpush(f"k{i % 5}", f"v{i}")
    got = sorted(b.join()[1] for b in blockers)
    assert got == sorted(f"v{i}".encode() for i in range(20))


# ----------------------------------------------------------------------------
# Served by a key that arrives whole: RENAME, COPY, MOVE, SWAPDB (as Redis
# signals the key ready in each of them)


def test_rename_onto_the_key_serves_blpop(server, r):
    b = Blocker(server, "BLPOP", "q", 5)
    wait_blocked(r, 1)
    r.rpush("src", "a", "b")
    assert r.rename("src", "q")
    assert b.join() == [b"q", b"a"]
    assert r.lrange("q", 0, -1) == [b"b"]


def test_renamenx_and_copy_onto_the_key_serve_waiters(server, r):
    b = Blocker(server, "BLPOP", "q", 5)
    wait_blocked(r, 1)
    r.rpush("src", "x")
    assert r.renamenx("src", "q")
    assert b.join() == [b"q", b"x"]
    b = Blocker(server, "BRPOP", "q2", 5)
    wait_blocked(r, 1)
    r.rpush("orig", "y")
    assert r.copy("orig", "q2") == 1
    assert b.join() == [b"q2", b"y"]
    assert r.lrange("orig", 0, -1) == [b"y"]  # COPY leaves the source


def test_rename_of_a_zset_serves_bzpopmin(server, r):
    b = Blocker(server, "BZPOPMIN", "z", 5)
    wait_blocked(r, 1)
    r.zadd("zsrc", {"m": 1})
    r.rename("zsrc", "z")
    assert b.join() == [b"z", b"m", 1.0]


def test_move_into_the_waiters_db_serves_it(server, r):
    b = Blocker(server, "BLPOP", "q", 5, db=1)
    wait_blocked(r, 1)
    r.rpush("q", "from0")
    assert r.move("q", 1)
    assert b.join() == [b"q", b"from0"]


def test_swapdb_serves_waiters_of_both_dbs(server, r):
    b = Blocker(server, "BLPOP", "q", 5, db=1)
    wait_blocked(r, 1)
    r.rpush("q", "v")  # db 0
    assert r.swapdb(0, 1)
    assert b.join() == [b"q", b"v"]
    r.swapdb(0, 1)


def test_push_then_del_in_one_transaction_serves_nobody(server, r):
    b = Blocker(server, "BLPOP", "q", 1)
    wait_blocked(r, 1)
    p = r.pipeline(transaction=True)
    p.rpush("q", "gone")
    p.delete("q")
    p.execute()
    assert b.join() is None  # timed out: the list never existed after EXEC
    assert r.exists("q") == 0


def test_rename_of_a_string_onto_the_key_wakes_the_waiter_with_wrongtype(server, r):
    # Redis 7.2 re-runs a woken blocked command, so a key that turned into a
    # string answers WRONGTYPE (7.0 left the client blocked).
    b = Blocker(server, "BLPOP", "q", 5)
    wait_blocked(r, 1)
    r.set("s", "str")
    r.rename("s", "q")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        b.join()
    assert r.get("q") == b"str"
