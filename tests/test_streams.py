"""End-to-end tests of streams: XADD XRANGE XREVRANGE XLEN XDEL XTRIM XSETID
XREAD (and BLOCK across workers), the stream node configuration, keyspace
events, TYPE / OBJECT ENCODING / COPY / RENAME, scripts, MULTI and WATCH.
Consumer groups and XINFO are in test_streams_groups.py, which shares this
module's fixtures.

Replies and error texts were checked against redis-server 7.0.15 (where the
reply depends on time, as XINFO's idle fields, only its shape is checked);
byte-exact comparisons live in tests/differential_sessions/streams_*.txt.
The server runs with two worker threads, so blocked readers and writers are
on different workers whenever the acceptor spreads their connections.
"""
import os
import shutil
import subprocess
import threading
import time

import pytest
import redis

from conftest import Raw, ShoalServer, free_port

# STREAMS_REFERENCE=1 runs this module against redis-server 7.0 instead, to
# check the expectations themselves; tests of what only Shoal has are skipped.
REFERENCE = os.environ.get("STREAMS_REFERENCE") == "1"
shoal_only = pytest.mark.skipif(REFERENCE, reason="Shoal-specific (7.2 fields, accounting)")


class RedisServer:
    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                redis.Redis(port=self.port).ping()
                return
            except redis.ConnectionError:
                time.sleep(0.02)

    def client(self, **kw):
        return redis.Redis(host="127.0.0.1", port=self.port, **kw)

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


@pytest.fixture(scope="module")
def server():
    s = RedisServer() if REFERENCE else ShoalServer()
    yield s
    assert s.alive(), "the server crashed during the test module"
    s.stop()

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
INVALID_ID = "Invalid stream ID specified as stream command argument"


def err(r, *args):
    """The error text of a command that must fail."""
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


def wait_blocked(r, n, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if r.info("clients")["blocked_clients"] == n:
            return
        time.sleep(0.005)
    raise AssertionError(f"expected {n} blocked clients, have "
                         f"{r.info('clients')['blocked_clients']}")


class Blocker:
    """Runs one (blocking) command on its own connection in a thread."""

    def __init__(self, server, *args, **kw):
        self.client = plain(server.client(socket_timeout=30, **kw))
        self.args = args
        self.result = None
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            self.result = self.client.execute_command(*self.args)
        except Exception as e:  # noqa: BLE001 - reported by join()
            self.error = e

    def join(self, timeout=10):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), f"{self.args} still blocked"
        self.client.close()
        if self.error is not None:
            raise self.error
        return self.result


def plain(client):
    """Drops redis-py's parsing of stream replies (dicts, tuples): the tests
    check the replies as the server sends them."""
    for name in list(client.response_callbacks):
        if name.upper().startswith("X"):
            del client.response_callbacks[name]
    return client


@pytest.fixture
def r(server):
    c = plain(server.client())
    c.flushall()
    yield c
    c.close()


@pytest.fixture
def raw(server, r):
    c = Raw(server.port)
    yield c
    c.close()


# ---------------------------------------------------------------------------
# XADD


def test_xadd_explicit_partial_and_auto_ids(r):
    assert r.execute_command("XADD", "s", "1-1", "a", "1") == b"1-1"
    assert r.execute_command("XADD", "s", "1-*", "a", "2") == b"1-2"
    assert r.execute_command("XADD", "s", "5-*", "a", "3") == b"5-0"
    assert r.execute_command("XADD", "s", "  7", "a", "4") == b"7-0"  # strtoull rules
    assert r.execute_command("XADD", "s", "+8-+9", "a", "5") == b"8-9"
    auto = r.execute_command("XADD", "s", "*", "a", "6").decode()
    ms, seq = map(int, auto.split("-"))
    assert abs(ms - time.time() * 1000) < 5000 and seq == 0
    assert r.execute_command("XADD", "z", "0-*", "a", "1") == b"0-1"
    assert r.xlen("s") == 6


def test_xadd_auto_ids_increase_within_one_millisecond(r):
    ids = [r.execute_command("XADD", "s", "*", "f", i) for i in range(200)]
    parsed = [tuple(map(int, i.split(b"-"))) for i in ids]
    assert parsed == sorted(parsed) and len(set(parsed)) == 200


def test_xadd_id_errors(r):
    r.execute_command("XADD", "s", "5-5", "a", "1")
    top = "The ID specified in XADD is equal or smaller than the target stream top item"
    assert top in err(r, "XADD", "s", "5-5", "a", "1")
    assert top in err(r, "XADD", "s", "5-4", "a", "1")
    assert top in err(r, "XADD", "s", "4-*", "a", "1")
    assert top in err(r, "XADD", "s", "5", "a", "1")
    assert "must be greater than 0-0" in err(r, "XADD", "s", "0-0", "a", "1")
    assert "must be greater than 0-0" in err(r, "XADD", "new", "0", "a", "1")
    assert not r.exists("new")
    for bad in ["-", "+", "-1", "1-1-", "1-+", "abc", "1-x", "-0", "18446744073709551616"]:
        assert INVALID_ID in err(r, "XADD", "s", bad, "a", "1"), bad
    r.execute_command("XADD", "m", "18446744073709551615-18446744073709551615", "a", "1")
    assert "exhausted the last possible ID" in err(r, "XADD", "m", "*", "a", "1")
    r.execute_command("XADD", "q", "3-18446744073709551615", "a", "1")
    # Redis 7.0 answers this one case with its "too large" text.
    assert err(r, "XADD", "q", "3-*", "a", "1") == "Elements are too large to be stored"
    assert r.execute_command("XADD", "q", "*", "a", "1").startswith(b"1")  # now > 3


def test_xadd_arity_and_option_errors(r):
    arity = "wrong number of arguments for 'xadd' command"
    assert arity in err(r, "XADD", "s", "*", "a")
    assert arity in err(r, "XADD", "s", "*", "a", "1", "b")
    assert arity in err(r, "XADD", "s", "maxlen", "~", "1", "limit", "5")
    assert arity in err(r, "XADD", "s", "maxlen", "5")
    assert err(r, "XADD", "s", "maxlen", "1", "limit", "5", "*", "a", "1") == \
        "syntax error, LIMIT cannot be used without the special ~ option"
    assert err(r, "XADD", "s", "minid", "1", "maxlen", "2", "*", "a", "1") == \
        "syntax error, MAXLEN and MINID options at the same time are not compatible"
    assert err(r, "XADD", "s", "maxlen", "-1", "*", "a", "1") == "The MAXLEN argument must be >= 0."
    assert err(r, "XADD", "s", "maxlen", "~", "1", "limit", "-1", "*", "a", "1") == \
        "The LIMIT argument must be >= 0."
    assert err(r, "XADD", "s", "limit", "1", "*", "a", "1") == \
        "syntax error, LIMIT cannot be used without specifying a trimming strategy"
    assert err(r, "XADD", "s", "maxlen", "x", "*", "a", "1") == \
        "value is not an integer or out of range"
    assert INVALID_ID in err(r, "XADD", "s", "minid", "x", "*", "a", "1")
    assert INVALID_ID in err(r, "XADD", "s", "nomkstreamx", "a", "1")
    assert not r.exists("s")


def test_xadd_nomkstream_and_wrongtype(r, raw):
    assert raw.cmd("XADD", "nokey", "NOMKSTREAM", "*", "a", "1") == b"$-1\r\n"
    assert not r.exists("nokey")
    r.execute_command("XADD", "s", "1-0", "a", "1")
    assert r.execute_command("XADD", "s", "nomkstream", "2-0", "a", "1") == b"2-0"
    r.set("str", "x")
    assert err(r, "XADD", "str", "*", "a", "1") == WRONGTYPE
    # Arguments are checked before the key's type.
    assert "wrong number" in err(r, "XADD", "str", "*", "a")


def test_xadd_maxlen_minid_and_limit(r):
    for i in range(1, 11):
        r.execute_command("XADD", "s", "MAXLEN", "=", "5", f"{i}-0", "f", i)
    assert r.xlen("s") == 5
    assert r.execute_command("XRANGE", "s", "-", "+")[0][0] == b"6-0"
    r.execute_command("XADD", "s", "MINID", "9", "11-0", "f", 11)
    assert [e[0] for e in r.execute_command("XRANGE", "s", "-", "+")] == \
        [b"9-0", b"10-0", b"11-0"]
    # ~ removes whole nodes only: 250 entries in nodes of 100.
    for i in range(1, 251):
        r.execute_command("XADD", "big", f"{i}-0", "f", "v")
    r.execute_command("XADD", "big", "MAXLEN", "~", "120", "251-0", "f", "v")
    assert r.xlen("big") == 151
    # LIMIT 100: the node of 100 fits, the next (52) would pass the limit.
    r.execute_command("XADD", "big", "MAXLEN", "~", "0", "LIMIT", "100", "252-0", "f", "v")
    assert r.xlen("big") == 52
    r.execute_command("XADD", "big", "MAXLEN", "~", "0", "LIMIT", "52", "253-0", "f", "v")
    assert r.xlen("big") == 53  # 53 entries in the node: more than LIMIT 52
    r.execute_command("XADD", "big", "MAXLEN", "~", "0", "LIMIT", "54", "254-0", "f", "v")
    assert r.xlen("big") == 0  # the stream stays, empty
    assert r.exists("big")


# ---------------------------------------------------------------------------
# XRANGE / XREVRANGE / XLEN


def test_xrange_bounds_count_and_exclusive(r, raw):
    for i in range(1, 6):
        r.execute_command("XADD", "s", f"{i}-{i}", "f", i)
    ids = lambda rep: [e[0] for e in rep]  # noqa: E731
    assert ids(r.execute_command("XRANGE", "s", "-", "+")) == \
        [b"1-1", b"2-2", b"3-3", b"4-4", b"5-5"]
    assert ids(r.execute_command("XRANGE", "s", "2", "4")) == [b"2-2", b"3-3", b"4-4"]
    assert ids(r.execute_command("XRANGE", "s", "(2-2", "(5-5")) == [b"3-3", b"4-4"]
    assert ids(r.execute_command("XRANGE", "s", "-", "+", "COUNT", "2")) == [b"1-1", b"2-2"]
    assert ids(r.execute_command("XRANGE", "s", "-", "+", "count", "1", "count", "3")) == \
        [b"1-1", b"2-2", b"3-3"]
    assert ids(r.execute_command("XREVRANGE", "s", "+", "-", "COUNT", "2")) == \
        [b"5-5", b"4-4"]
    assert ids(r.execute_command("XREVRANGE", "s", "(5-5", "(1-1")) == \
        [b"4-4", b"3-3", b"2-2"]
    assert r.execute_command("XRANGE", "s", "4", "2") == []
    assert raw.cmd("XRANGE", "s", "-", "+", "COUNT", "0") == b"*-1\r\n"
    assert raw.cmd("XRANGE", "s", "-", "+", "COUNT", "-5") == b"*-1\r\n"
    assert raw.cmd("XRANGE", "nokey", "-", "+") == b"*0\r\n"
    assert raw.cmd("XRANGE", "s", "1-1", "1-1") == \
        b"*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n"


def test_xrange_errors(r):
    r.execute_command("XADD", "s", "1-1", "f", "v")
    for bad in ["(", "(-", "-0", "x", "1-x"]:
        assert INVALID_ID in err(r, "XRANGE", "s", bad, "+"), bad
    assert INVALID_ID in err(r, "XRANGE", "s", "-", "(+")
    assert err(r, "XRANGE", "s", "-", "(0-0") == "invalid end ID for the interval"
    assert err(r, "XRANGE", "s", "(18446744073709551615-18446744073709551615", "+") == \
        "invalid start ID for the interval"
    assert err(r, "XRANGE", "s", "-", "+", "COUNT") == "syntax error"
    assert err(r, "XRANGE", "s", "-", "+", "foo", "1") == "syntax error"
    assert err(r, "XRANGE", "s", "-", "+", "COUNT", "x") == \
        "value is not an integer or out of range"
    r.set("str", "x")
    assert err(r, "XRANGE", "str", "-", "+") == WRONGTYPE
    assert INVALID_ID in err(r, "XRANGE", "str", "x", "+")  # IDs before the type
    assert err(r, "XLEN", "str") == WRONGTYPE
    assert r.xlen("nokey") == 0


def test_xrange_spanning_many_nodes_both_directions(r):
    pipe = r.pipeline(transaction=False)
    for i in range(1, 1001):
        pipe.execute_command("XADD", "s", f"{i // 3}-{i % 3}", "n", i)
    pipe.execute()
    fwd = r.execute_command("XRANGE", "s", "-", "+")
    rev = r.execute_command("XREVRANGE", "s", "+", "-")
    assert len(fwd) == 1000 and fwd == rev[::-1]
    mid = r.execute_command("XRANGE", "s", "100-1", "200-0")
    assert mid[0][0] == b"100-1" and mid[-1][0] == b"200-0" and len(mid) == 300
    back = r.execute_command("XREVRANGE", "s", "200-0", "100-1", "COUNT", "7")
    assert [e[0] for e in back] == [e[0] for e in mid[::-1][:7]]


def test_entries_with_different_fields_and_binary_data(r):
    r.execute_command("XADD", "s", "1-0", "a", "1", "b", "2")
    r.execute_command("XADD", "s", "2-0", "a", "3", "b", "4")
    r.execute_command("XADD", "s", "3-0", "b", "x", "a", "y")
    r.execute_command("XADD", "s", "4-0", "bin\x00key", b"\xff\x00\r\n", "e", "")
    r.execute_command("XADD", "s", "5-0", "n", "12345678901234567890", "m", "-7")
    got = r.execute_command("XRANGE", "s", "-", "+")
    assert got[2][1] == [b"b", b"x", b"a", b"y"]
    assert got[3][1] == [b"bin\x00key", b"\xff\x00\r\n", b"e", b""]
    assert got[4][1] == [b"n", b"12345678901234567890", b"m", b"-7"]
    big = "v" * 100000
    r.execute_command("XADD", "s", "6-0", "big", big)
    assert r.execute_command("XRANGE", "s", "6", "6")[0][1][1] == big.encode()


# ---------------------------------------------------------------------------
# XDEL / XTRIM / XSETID


def test_xdel(r):
    for i in range(1, 6):
        r.execute_command("XADD", "s", f"{i}-0", "f", i)
    assert r.execute_command("XDEL", "s", "2-0", "4", "9-9", "2-0") == 2
    assert [e[0] for e in r.execute_command("XRANGE", "s", "-", "+")] == \
        [b"1-0", b"3-0", b"5-0"]
    assert r.execute_command("XDEL", "nokey", "bad-id") == 0  # key first
    assert INVALID_ID in err(r, "XDEL", "s", "1-0", "x")
    assert r.xlen("s") == 3  # nothing deleted: IDs are checked first
    assert INVALID_ID in err(r, "XDEL", "s", "-")
    for i in (1, 3, 5):
        r.execute_command("XDEL", "s", f"{i}-0")
    assert r.exists("s") and r.xlen("s") == 0  # an empty stream stays
    info = r.execute_command("XINFO", "STREAM", "s")
    info = dict(zip(info[::2], info[1::2]))
    assert info[b"max-deleted-entry-id"] == b"5-0"
    assert info[b"recorded-first-entry-id"] == b"0-0"
    r.set("str", "x")
    assert err(r, "XDEL", "str", "1-0") == WRONGTYPE


def test_xtrim(r):
    for i in range(1, 301):
        r.execute_command("XADD", "s", f"{i}-0", "f", "v")
    assert r.execute_command("XTRIM", "s", "MAXLEN", "~", "150") == 100
    assert r.execute_command("XTRIM", "s", "MAXLEN", "=", "150") == 50
    assert r.execute_command("XTRIM", "s", "MINID", "200") == 49
    assert r.execute_command("XRANGE", "s", "-", "+", "COUNT", "1")[0][0] == b"200-0"
    # The node of 101..200 now holds only 200-0, below MINID: removed whole;
    # 250 is inside the next node, which ~ keeps.
    assert r.execute_command("XTRIM", "s", "MINID", "~", "250") == 1
    assert r.execute_command("XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "1") == 0
    assert r.execute_command("XTRIM", "s", "MAXLEN", "0") == 100
    assert r.exists("s")
    assert r.execute_command("XTRIM", "nokey", "MAXLEN", "0") == 0
    assert err(r, "XTRIM", "s", "LIMIT", "1") == \
        "syntax error, LIMIT cannot be used without specifying a trimming strategy"
    assert err(r, "XTRIM", "s", "MAXLEN", "1", "NOMKSTREAM") == "syntax error"
    assert err(r, "XTRIM", "s", "foo", "1") == "syntax error"
    assert err(r, "XTRIM", "s", "MAXLEN", "1", "LIMIT", "1") == \
        "syntax error, LIMIT cannot be used without the special ~ option"
    assert "wrong number" in err(r, "XTRIM", "s", "MAXLEN")
    r.set("str", "x")
    assert err(r, "XTRIM", "str", "MAXLEN", "0") == WRONGTYPE


def test_xsetid(r):
    r.execute_command("XADD", "s", "5-5", "f", "v")
    assert err(r, "XSETID", "s", "5-4") == \
        "The ID specified in XSETID is smaller than the target stream top item"
    assert r.execute_command("XSETID", "s", "100-0") == b"OK"
    assert "equal or smaller" in err(r, "XADD", "s", "99-0", "f", "v")
    assert r.execute_command("XADD", "s", "*", "f", "v").startswith(b"1")
    assert err(r, "XSETID", "nokey", "1-1") == "no such key"
    big = "99999999999999-0"
    assert err(r, "XSETID", "s", big, "ENTRIESADDED", "-1") == "entries_added must be positive"
    assert err(r, "XSETID", "s", big, "ENTRIESADDED", "1") == \
        "The entries_added specified in XSETID is smaller than the target stream length"
    assert err(r, "XSETID", "s", "200-0", "MAXDELETEDID", "300-0") == \
        "The ID specified in XSETID is smaller than the provided max_deleted_entry_id"
    assert err(r, "XSETID", "s", "200-0", "foo") == "syntax error"
    assert err(r, "XSETID", "s", "200-0") == \
        "The ID specified in XSETID is smaller than the target stream top item"
    assert INVALID_ID in err(r, "XSETID", "s", "+")
    r.execute_command("XADD", "t", "1-1", "f", "v")
    assert r.execute_command("XSETID", "t", "10-0", "ENTRIESADDED", "42",
                             "MAXDELETEDID", "5-0") == b"OK"
    info = r.execute_command("XINFO", "STREAM", "t")
    info = dict(zip(info[::2], info[1::2]))
    assert info[b"entries-added"] == 42 and info[b"max-deleted-entry-id"] == b"5-0"
    assert info[b"last-generated-id"] == b"10-0"
    assert r.execute_command("XSETID", "t", "4-0") == b"OK"  # 7.0: below max-deleted is fine


# ---------------------------------------------------------------------------
# XREAD


def test_xread_non_blocking(r, raw):
    r.execute_command("XADD", "a", "1-0", "f", "1")
    r.execute_command("XADD", "a", "2-0", "f", "2")
    r.execute_command("XADD", "b", "1-0", "g", "1")
    got = r.execute_command("XREAD", "COUNT", "1", "STREAMS", "a", "b", "0", "0")
    assert got == [[b"a", [[b"1-0", [b"f", b"1"]]]], [b"b", [[b"1-0", [b"g", b"1"]]]]]
    assert r.execute_command("XREAD", "STREAMS", "a", "b", "1-0", "1") == \
        [[b"a", [[b"2-0", [b"f", b"2"]]]]]
    assert raw.cmd("XREAD", "STREAMS", "a", "nokey", "$", "0") == b"*-1\r\n"
    assert raw.cmd("XREAD", "COUNT", "-1", "STREAMS", "a", "1") == \
        b"*1\r\n*2\r\n$1\r\na\r\n*1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\n2\r\n"
    raw.cmd("HELLO", "3")
    assert raw.cmd("XREAD", "STREAMS", "a", "1") == \
        b"%1\r\n$1\r\na\r\n*1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\n2\r\n"
    assert raw.cmd("XREAD", "STREAMS", "a", "2") == b"_\r\n"


def test_xread_errors(r):
    r.set("str", "x")
    assert err(r, "XREAD", "STREAMS", "a") == "wrong number of arguments for 'xread' command"
    assert err(r, "XREAD", "STREAMS", "a", "b", "0") == \
        "Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."
    assert err(r, "XREAD", "COUNT", "1", "a", "0") == "syntax error"
    assert err(r, "XREAD", "BLOCK", "10", "STREAMS") == "syntax error"
    assert err(r, "XREAD", "COUNT", "x", "STREAMS", "a", "0") == \
        "value is not an integer or out of range"
    assert err(r, "XREAD", "BLOCK", "x", "STREAMS", "a", "0") == \
        "timeout is not an integer or out of range"
    assert err(r, "XREAD", "BLOCK", "-1", "STREAMS", "a", "0") == "timeout is negative"
    assert err(r, "XREAD", "GROUP", "g", "c", "STREAMS", "a", "0") == \
        "The GROUP option is only supported by XREADGROUP. You called XREAD instead."
    assert err(r, "XREAD", "NOACK", "STREAMS", "a", "0") == \
        "The NOACK option is only supported by XREADGROUP. You called XREAD instead."
    assert err(r, "XREAD", "STREAMS", "a", ">") == \
        "The > ID can be specified only when calling XREADGROUP using the GROUP " \
        "<group> <consumer> option."
    assert INVALID_ID in err(r, "XREAD", "STREAMS", "a", "-")
    assert err(r, "XREAD", "STREAMS", "str", "0") == WRONGTYPE


def test_xread_block_served_from_another_worker(server, r):
    r.execute_command("XADD", "s", "1-0", "f", "old")
    blockers = [Blocker(server, "XREAD", "BLOCK", "0", "STREAMS", "s", "$") for _ in range(3)]
    wait_blocked(r, 3)
    r.execute_command("XADD", "s", "2-0", "f", "new")
    for b in blockers:  # every reader gets the entry (XREAD does not consume)
        assert b.join() == [[b"s", [[b"2-0", [b"f", b"new"]]]]]
    assert r.info("clients")["blocked_clients"] == 0


def test_xread_block_dollar_means_when_it_blocked(server, r):
    b = Blocker(server, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    wait_blocked(r, 1)
    r.execute_command("XADD", "s", "1-0", "f", "1")
    r.execute_command("XADD", "s", "2-0", "f", "2")
    got = b.join()
    assert got[0][1][0][0] == b"1-0"  # from what $ meant (nothing: 0-0) on


def test_xread_block_higher_id_waits_while_others_are_served(server, r):
    r.execute_command("XADD", "s", "1-0", "f", "1")
    far = Blocker(server, "XREAD", "BLOCK", "0", "STREAMS", "s", "100-0")
    wait_blocked(r, 1)
    near = Blocker(server, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    wait_blocked(r, 2)
    r.execute_command("XADD", "s", "5-0", "f", "5")
    assert near.join() == [[b"s", [[b"5-0", [b"f", b"5"]]]]]
    wait_blocked(r, 1)
    r.execute_command("XADD", "s", "101-0", "f", "x")
    assert far.join() == [[b"s", [[b"101-0", [b"f", b"x"]]]]]


def test_xread_block_timeout_and_several_keys(server, r):
    start = time.time()
    assert r.execute_command("XREAD", "BLOCK", "100", "STREAMS", "a", "b", "$", "$") is None
    assert 0.08 < time.time() - start < 2
    b = Blocker(server, "XREAD", "COUNT", "5", "BLOCK", "5000", "STREAMS", "a", "b", "$", "$")
    wait_blocked(r, 1)
    r.execute_command("XADD", "b", "3-0", "f", "v")
    assert b.join() == [[b"b", [[b"3-0", [b"f", b"v"]]]]]


def test_xread_block_timeout_wire_reply(server):
    c = Raw(server.port)
    assert c.cmd("XREAD", "BLOCK", "50", "STREAMS", "nokey", "$") == b"*-1\r\n"
    c.cmd("HELLO", "3")
    assert c.cmd("XREAD", "BLOCK", "50", "STREAMS", "nokey", "$") == b"_\r\n"
    c.close()


def test_xread_block_in_multi_does_not_block(r):
    p = r.pipeline(transaction=True)
    p.execute_command("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    p.execute_command("XADD", "s", "1-0", "f", "v")
    assert p.execute() == [None, b"1-0"]


def test_xread_block_default_count_and_wrongtype_after_wake(server, r):
    b = Blocker(server, "XREAD", "BLOCK", "0", "STREAMS", "s", "0")
    wait_blocked(r, 1)
    pipe = r.pipeline(transaction=True)  # 1500 entries arrive at once
    for i in range(1, 1501):
        pipe.execute_command("XADD", "s", f"{i}-0", "f", "v")
    pipe.execute()
    assert len(b.join()[0][1]) == 1000  # Redis's count for blocked reads


def test_blocked_reader_of_deleted_and_recreated_key(server, r):
    b = Blocker(server, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    wait_blocked(r, 1)
    r.set("s", "string now")  # not a stream: nobody is woken
    time.sleep(0.05)
    assert b.thread.is_alive()
    r.delete("s")
    r.execute_command("XADD", "s", "1-0", "f", "v")
    assert b.join() == [[b"s", [[b"1-0", [b"f", b"v"]]]]]


def test_rename_onto_a_blocked_key_serves_the_reader(server, r):
    b = Blocker(server, "XREAD", "BLOCK", "0", "STREAMS", "dst", "0")
    wait_blocked(r, 1)
    r.execute_command("XADD", "src", "7-0", "f", "v")
    r.rename("src", "dst")
    assert b.join() == [[b"dst", [[b"7-0", [b"f", b"v"]]]]]


# ---------------------------------------------------------------------------
# Keyspace: TYPE, OBJECT, COPY, RENAME, events, config, scripts
# (consumer groups and XINFO: test_streams_groups.py)


def as_dict(flat):
    return dict(zip(flat[::2], flat[1::2]))


def test_type_encoding_copy_rename(r):
    r.execute_command("XADD", "s", "1-0", "f", "v")
    r.execute_command("XGROUP", "CREATE", "s", "g", "0")
    r.execute_command("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
    assert r.type("s") == b"stream"
    assert r.object("encoding", "s") == b"stream"
    assert r.copy("s", "s2")
    r.execute_command("XADD", "s", "2-0", "f", "v")
    assert r.xlen("s2") == 1 and r.xlen("s") == 2
    assert r.execute_command("XPENDING", "s2", "g")[0] == 1  # groups are copied
    r.execute_command("XACK", "s2", "g", "1-0")
    assert r.execute_command("XPENDING", "s", "g")[0] == 1  # ...deeply
    r.rename("s", "t")
    assert r.xlen("t") == 2 and not r.exists("s")
    assert r.execute_command("SCAN", "0", "TYPE", "stream")[1] == [b"s2", b"t"] or \
        sorted(r.execute_command("SCAN", "0", "TYPE", "stream")[1]) == [b"s2", b"t"]


def test_keyspace_events(server, r):
    r.config_set("notify-keyspace-events", "KEA")
    try:
        p = r.pubsub()
        p.psubscribe("__keyevent@0__:*")
        assert p.get_message(timeout=1)["type"] == "psubscribe"
        r.execute_command("XADD", "s", "MAXLEN", "1", "1-0", "f", "v")
        r.execute_command("XADD", "s", "MAXLEN", "1", "2-0", "f", "v")
        r.execute_command("XDEL", "s", "2-0")
        r.execute_command("XGROUP", "CREATE", "s", "g", "0")
        r.execute_command("XGROUP", "CREATECONSUMER", "s", "g", "c")
        r.execute_command("XGROUP", "DELCONSUMER", "s", "g", "c")
        r.execute_command("XGROUP", "SETID", "s", "g", "0")
        # The stream is empty: nothing read, so no consumer is created.
        r.execute_command("XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", ">")
        r.execute_command("XCLAIM", "s", "g", "c3", "0", "1-0")
        r.execute_command("XGROUP", "DESTROY", "s", "g")
        r.execute_command("XSETID", "s", "5-0")
        r.execute_command("XTRIM", "s", "MAXLEN", "0")  # nothing left: no event
        events = []
        while True:
            m = p.get_message(timeout=0.3)
            if m is None:
                break
            events.append(m["channel"].decode().split(":", 1)[1])
        assert events == ["xadd", "xadd", "xtrim", "xdel", "xgroup-create",
                          "xgroup-createconsumer", "xgroup-delconsumer", "xgroup-setid",
                          "xgroup-destroy", "xsetid"]
        p.close()
    finally:
        r.config_set("notify-keyspace-events", "")


def test_stream_node_config(r):
    assert r.config_get("stream-node-max-entries") == {"stream-node-max-entries": "100"}
    assert r.config_get("stream-node-max-bytes") == {"stream-node-max-bytes": "4096"}
    r.config_set("stream-node-max-entries", "10")
    try:
        for i in range(1, 36):
            r.execute_command("XADD", "s", f"{i}-0", "f", "v")
        assert as_dict(r.execute_command("XINFO", "STREAM", "s"))[b"radix-tree-keys"] == 4
        assert r.execute_command("XTRIM", "s", "MAXLEN", "~", "12") == 20
    finally:
        r.config_set("stream-node-max-entries", "100")
    r.config_set("stream-node-max-bytes", "8kb")
    assert r.config_get("stream-node-max-bytes")["stream-node-max-bytes"] == "8192"
    r.config_set("stream-node-max-bytes", "4096")
    with pytest.raises(redis.ResponseError):
        r.config_set("stream-node-max-entries", "-1")


def test_streams_from_lua_scripts(r, raw):
    script = """
        local id = redis.call('XADD', KEYS[1], '*', 'job', ARGV[1])
        local rows = redis.call('XRANGE', KEYS[1], '-', '+')
        local read = redis.call('XREAD', 'COUNT', 10, 'STREAMS', KEYS[1], '0')
        return {id, #rows, read[1][1]}
    """
    res = r.eval(script, 1, "q", "hello")
    assert res[1] == 1 and res[2] == b"q"
    for cmd in ("xread", "XREAD"):  # the name as the script wrote it
        reply = raw.cmd("EVAL", f"return redis.pcall('{cmd}', 'BLOCK', 0, 'STREAMS', KEYS[1], '$')",
                        "1", "q")
        assert reply == f"-ERR {cmd} command is not allowed with BLOCK option from scripts\r\n".encode()
    r.execute_command("XGROUP", "CREATE", "q", "g", "0")
    res = r.eval("return redis.call('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', KEYS[1], '>')",
                 1, "q")
    assert res[0][0] == b"q"
    with pytest.raises(redis.ResponseError, match="xreadgroup command is not allowed with BLOCK"):
        r.eval("return redis.call('xreadgroup', 'GROUP', 'g', 'c', 'BLOCK', 1, "
               "'STREAMS', KEYS[1], '>')", 1, "q")


def test_wrong_arity_and_unknown_options(r):
    for args in (("XADD", "s"), ("XLEN",), ("XRANGE", "s", "-"), ("XDEL", "s"),
                 ("XACK", "s", "g"), ("XCLAIM", "s", "g", "c", "0"),
                 ("XAUTOCLAIM", "s", "g", "c", "0"), ("XSETID", "s"),
                 ("XINFO", "STREAM"), ("XPENDING", "s")):
        assert "wrong number of arguments" in err(r, *args), args


def test_memory_is_accounted_and_released(r):
    before = r.info("memory")["used_memory"]
    pipe = r.pipeline(transaction=False)
    for i in range(1, 20001):
        pipe.execute_command("XADD", "s", f"{i}-0", "field", "value-%d" % i)
    pipe.execute()
    grown = r.info("memory")["used_memory"] - before
    assert 20000 * 8 < grown < 20000 * 60, grown
    r.delete("s")
    assert r.info("memory")["used_memory"] - before < 20000 * 4


def test_watch_sees_entry_writes_not_group_changes(server, r):
    """As in Redis 7.0: XADD/XDEL/XTRIM abort a WATCHing transaction; XSETID
    and consumer-group bookkeeping (XREADGROUP, XACK, XCLAIM, XGROUP) do not."""
    other = plain(server.client())
    r.execute_command("XADD", "s", "1-0", "f", "v")
    r.execute_command("XADD", "s", "2-0", "f", "v")
    r.execute_command("XGROUP", "CREATE", "s", "g", "0")
    cases = [
        (["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"], False),
        (["XACK", "s", "g", "1-0"], False),
        (["XCLAIM", "s", "g", "d", "0", "2-0"], False),
        (["XGROUP", "CREATE", "s", "g2", "0"], False),
        (["XGROUP", "CREATECONSUMER", "s", "g", "zz"], False),
        (["XADD", "s", "9-0", "f", "v"], True),
        (["XDEL", "s", "9-0"], True),
        (["XSETID", "s", "10-0"], False),
        (["XTRIM", "s", "MAXLEN", "0"], True),
    ]
    for cmd, aborts in cases:
        p = r.pipeline(transaction=True)
        p.watch("s")
        p.multi()
        p.execute_command("PING")
        other.execute_command(*cmd)
        if aborts:
            with pytest.raises(redis.WatchError):
                p.execute()
        else:
            assert p.execute() == [True], cmd
    other.close()


def blocked_client_id(r, cmd):
    """The newest client whose last command is `cmd` (flagged "b" by Redis)."""
    found = [c for c in r.client_list() if c["cmd"] == cmd]
    assert found, f"no client ran {cmd}"
    blocked = [c for c in found if "b" in c["flags"]]
    return max(blocked or found, key=lambda c: int(c["id"]))["id"]


def test_client_unblock_ends_a_blocked_xread(server, r):
    b = Blocker(server, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    wait_blocked(r, 1)
    assert r.execute_command("CLIENT", "UNBLOCK", blocked_client_id(r, "xread")) == 1
    assert b.join() is None
    b = Blocker(server, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
    with pytest.raises(redis.ResponseError, match="NOGROUP"):
        b.join()  # no group yet: an error, never a block
    r.execute_command("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    b = Blocker(server, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
    wait_blocked(r, 1)
    assert r.execute_command("CLIENT", "UNBLOCK", blocked_client_id(r, "xreadgroup"),
                             "ERROR") == 1
    with pytest.raises(redis.ResponseError, match="UNBLOCKED"):
        b.join()
