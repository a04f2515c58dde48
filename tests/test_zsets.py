"""End-to-end tests of the sorted-set family: ZADD ZINCRBY ZREM ZSCORE ZMSCORE
ZCARD ZCOUNT ZLEXCOUNT ZRANGE ZRANGESTORE ZREVRANGE ZRANGEBYSCORE
ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX ZRANK ZREVRANK ZPOPMIN ZPOPMAX
BZPOPMIN BZPOPMAX ZMPOP BZMPOP ZUNION ZINTER ZDIFF ZUNIONSTORE ZINTERSTORE
ZDIFFSTORE ZINTERCARD ZREMRANGEBYSCORE ZREMRANGEBYRANK ZREMRANGEBYLEX
ZRANDMEMBER ZSCAN, the listpack -> skiplist encoding switch, and RESP3
replies.

Expected replies and error texts come from redis-server (7.0.15, and the 7.2
documentation where 7.2 differs: ZRANK WITHSCORE, RESP3 shapes). Exact error
texts and RESP3 types are checked on the wire with `Conn`, a minimal RESP2/3
client that keeps doubles apart from bulk strings.
"""
import math
import random
import socket
import threading
import time

import pytest
import redis

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


class Double(float):
    """A RESP3 double reply (",1.5")."""


class Err(str):
    """An error reply, with its full text ("ERR syntax error")."""


class Conn:
    """One connection speaking RESP2, or RESP3 after HELLO 3 (resp=3)."""

    def __init__(self, port, resp=2):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        if resp == 3:
            self.call("HELLO", "3")

    def close(self):
        self.sock.close()

    def _fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise ConnectionError("server closed the connection")
        self.buf += data

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        i = self.buf.index(b"\r\n")
        line, self.buf = self.buf[:i], self.buf[i + 2:]
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind in (b"-", b"!"):
            return Err(rest.decode() if kind == b"-" else self._exact(int(rest)).decode())
        if kind == b":":
            return int(rest)
        if kind in (b"$", b"="):
            n = int(rest)
            return None if n < 0 else self._exact(n).decode(errors="surrogateescape")
        if kind == b",":
            return Double(float(rest))
        if kind == b"_":
            return None
        if kind == b"#":
            return rest == b"t"
        if kind in (b"*", b"~", b">"):
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        if kind == b"%":
            return {self.reply(): self.reply() for _ in range(int(rest))}
        raise AssertionError(f"unexpected reply {line!r}")

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))
        return self.reply()


@pytest.fixture
def c(r, server):
    """A decoding redis-py client on a flushed keyspace."""
    cl = server.client(decode_responses=True)
    yield cl
    cl.close()


@pytest.fixture
def raw(r, server):
    conn = Conn(server.port)
    yield conn
    conn.close()


@pytest.fixture
def raw3(r, server):
    conn = Conn(server.port, resp=3)
    yield conn
    conn.close()


@pytest.fixture
def small_listpack(c):
    """Sets zset-max-listpack-entries to 4 for the test, then restores it."""
    old = c.config_get("zset-max-listpack-entries")["zset-max-listpack-entries"]
    c.config_set("zset-max-listpack-entries", 4)
    yield
    c.config_set("zset-max-listpack-entries", old)


def zadd(c, key, pairs):
    """zadd(c, "z", {"a": 1}) in a stable argument order."""
    args = []
    for m, s in pairs.items():
        args += [s, m]
    return c.execute_command("ZADD", key, *args)


def big(c, key, n=300, score=lambda i: i):
    """A skiplist-encoded set of n members m000..."""
    pipe = c.pipeline(transaction=False)
    for i in range(n):
        pipe.execute_command("ZADD", key, score(i), "m%04d" % i)
    pipe.execute()
    assert c.object("encoding", key) == "skiplist"


def check_err(raw, args, text):
    got = raw.call(*args)
    assert isinstance(got, Err), f"{args}: expected error {text!r}, got {got!r}"
    assert got == text, f"{args}"


# ---------------------------------------------------------------------------
# ZADD / ZINCRBY


def test_zadd_basic_and_update(c):
    assert c.execute_command("ZADD", "z", 1, "a", 2, "b", 3, "c") == 3
    assert c.execute_command("ZADD", "z", 5, "a", 4, "d") == 1
    assert c.zrange("z", 0, -1, withscores=True) == [
        ("b", 2), ("c", 3), ("d", 4), ("a", 5)]
    assert c.zcard("z") == 4
    assert c.type("z") == "zset"


def test_zadd_same_member_twice_in_one_call(c):
    assert c.execute_command("ZADD", "z", 1, "a", 2, "a") == 1
    assert c.zscore("z", "a") == 2


def test_zadd_nx_xx(c):
    zadd(c, "z", {"a": 1})
    assert c.execute_command("ZADD", "z", "NX", 5, "a", 2, "b") == 1
    assert c.zscore("z", "a") == 1
    assert c.execute_command("ZADD", "z", "XX", 5, "a", 3, "c") == 0
    assert c.zscore("z", "a") == 5
    assert c.zscore("z", "c") is None
    # XX on a missing key creates nothing.
    assert c.execute_command("ZADD", "nokey", "XX", 1, "a") == 0
    assert c.exists("nokey") == 0


def test_zadd_gt_lt_ch(c):
    zadd(c, "z", {"a": 5, "b": 5})
    assert c.execute_command("ZADD", "z", "GT", "CH", 6, "a", 4, "b", 1, "new") == 2
    assert c.zscore("z", "a") == 6
    assert c.zscore("z", "b") == 5
    assert c.zscore("z", "new") == 1
    assert c.execute_command("ZADD", "z", "LT", "CH", 7, "a", 4, "b") == 1
    assert c.zscore("z", "a") == 6 and c.zscore("z", "b") == 4
    # XX combines with GT.
    assert c.execute_command("ZADD", "z", "XX", "GT", "CH", 10, "a", 10, "zz") == 1
    assert c.zscore("z", "zz") is None
    # CH counts changed scores, not unchanged ones.
    assert c.execute_command("ZADD", "z", "CH", 10, "a", 4, "b") == 0


def test_zadd_options_case_insensitive(raw):
    assert raw.call("ZADD", "z", "nx", "Ch", 1, "a") == 1
    assert raw.call("ZADD", "z", "iNcR", 2, "a") == "3"


def test_zadd_incr(c, raw):
    assert raw.call("ZADD", "z", "INCR", 1.5, "a") == "1.5"
    assert raw.call("ZADD", "z", "INCR", 1, "a") == "2.5"
    # NX on an existing member, GT/LT refusing: nil.
    assert raw.call("ZADD", "z", "NX", "INCR", 1, "a") is None
    assert raw.call("ZADD", "z", "GT", "INCR", -1, "a") is None
    assert raw.call("ZADD", "z", "LT", "INCR", -1, "a") == "1.5"
    assert raw.call("ZADD", "z", "INCR", 0, "a") == "1.5"
    assert raw.call("ZADD", "z", "XX", "INCR", 1, "new") is None
    assert raw.call("ZADD", "nokey", "XX", "INCR", 1, "a") is None
    assert c.exists("nokey") == 0


def test_zadd_inf_scores(c):
    assert c.execute_command("ZADD", "z", "inf", "a", "-inf", "b", "+inf", "c") == 3
    assert c.zrange("z", 0, -1, withscores=True) == [
        ("b", -math.inf), ("a", math.inf), ("c", math.inf)]


def test_zadd_errors(raw):
    raw.call("ZADD", "z", 1, "a")
    check_err(raw, ["ZADD", "z", "NX", "XX", 1, "a"],
              "ERR XX and NX options at the same time are not compatible")
    check_err(raw, ["ZADD", "z", "GT", "LT", 1, "a"],
              "ERR GT, LT, and/or NX options at the same time are not compatible")
    check_err(raw, ["ZADD", "z", "NX", "GT", 1, "a"],
              "ERR GT, LT, and/or NX options at the same time are not compatible")
    check_err(raw, ["ZADD", "z", "INCR", 1, "a", 2, "b"],
              "ERR INCR option supports a single increment-element pair")
    check_err(raw, ["ZADD", "z", "abc", "a"], "ERR value is not a valid float")
    check_err(raw, ["ZADD", "z", "nan", "a"], "ERR value is not a valid float")
    check_err(raw, ["ZADD", "z", 1, "a", 2], "ERR syntax error")
    check_err(raw, ["ZADD", "z", "NX", 1], "ERR syntax error")
    check_err(raw, ["ZADD", "z", 1], "ERR wrong number of arguments for 'zadd' command")
    # A bad score anywhere changes nothing.
    check_err(raw, ["ZADD", "z", 5, "a", "x", "b"], "ERR value is not a valid float")
    assert raw.call("ZSCORE", "z", "a") == "1"
    # Scores are parsed before the key's type is looked at.
    raw.call("SET", "s", "x")
    check_err(raw, ["ZADD", "s", "x", "a"], "ERR value is not a valid float")
    check_err(raw, ["ZADD", "s", 1, "a"], WRONGTYPE)


def test_zadd_nan_result(raw):
    raw.call("ZADD", "z", "inf", "a")
    check_err(raw, ["ZADD", "z", "INCR", "-inf", "a"],
              "ERR resulting score is not a number (NaN)")
    check_err(raw, ["ZINCRBY", "z", "-inf", "a"], "ERR resulting score is not a number (NaN)")
    assert raw.call("ZSCORE", "z", "a") == "inf"


def test_zincrby(c, raw):
    assert c.zincrby("z", 2, "a") == 2
    assert c.zincrby("z", -0.5, "a") == 1.5
    assert raw.call("ZINCRBY", "z", "1e1", "a") == "11.5"
    check_err(raw, ["ZINCRBY", "z", "x", "a"], "ERR value is not a valid float")
    # ZINCRBY goes through ZADD's option parser: an option word as the
    # increment leaves an odd count.
    check_err(raw, ["ZINCRBY", "z", "nx", "a"], "ERR syntax error")
    raw.call("SET", "s", "x")
    check_err(raw, ["ZINCRBY", "s", 1, "a"], WRONGTYPE)


# ---------------------------------------------------------------------------
# ZREM ZSCORE ZMSCORE ZCARD


def test_zrem_deletes_empty_key(c, raw):
    zadd(c, "z", {"a": 1, "b": 2, "c": 3})
    assert c.zrem("z", "a", "x", "a") == 1
    assert c.zrem("nokey", "a") == 0
    assert c.zrem("z", "b", "c") == 2
    assert c.exists("z") == 0
    raw.call("SET", "s", "x")
    check_err(raw, ["ZREM", "s", "a"], WRONGTYPE)
    check_err(raw, ["ZREM", "s"], "ERR wrong number of arguments for 'zrem' command")


def test_zscore_zmscore_zcard(c, raw):
    zadd(c, "z", {"a": 1.5, "b": -2})
    assert raw.call("ZSCORE", "z", "a") == "1.5"
    assert raw.call("ZSCORE", "z", "x") is None
    assert raw.call("ZSCORE", "nokey", "x") is None
    assert raw.call("ZMSCORE", "z", "a", "x", "b") == ["1.5", None, "-2"]
    assert raw.call("ZMSCORE", "nokey", "a", "b") == [None, None]
    assert raw.call("ZCARD", "z") == 2
    assert raw.call("ZCARD", "nokey") == 0
    raw.call("SET", "s", "x")
    for args in (["ZSCORE", "s", "a"], ["ZMSCORE", "s", "a"], ["ZCARD", "s"]):
        check_err(raw, args, WRONGTYPE)


def test_score_formatting(raw):
    # (Redis 7.0 prints 17 significant digits: "0.10000000000000001".)
    raw.call("ZADD", "z", 0.1, "a", 3.0, "b", 1e20, "c", 1.5e-7, "e")
    assert raw.call("ZMSCORE", "z", "a", "b") == ["0.1", "3"]
    assert float(raw.call("ZSCORE", "z", "c")) == 1e20
    assert float(raw.call("ZSCORE", "z", "e")) == 1.5e-7


# ---------------------------------------------------------------------------
# ZCOUNT ZLEXCOUNT


@pytest.mark.parametrize("encoding", ["listpack", "skiplist"])
def test_zcount(c, raw, encoding):
    zadd(c, "z", {"a": 1, "b": 2, "c": 3, "d": 4})
    if encoding == "skiplist":
        big(c, "z", 300, score=lambda i: 1000 + i)
    assert c.zcount("z", 2, 3) == 2
    assert raw.call("ZCOUNT", "z", "(2", "3") == 1
    assert raw.call("ZCOUNT", "z", "(1", "(4") == 2
    assert raw.call("ZCOUNT", "z", "-inf", "+inf") == c.zcard("z")
    assert raw.call("ZCOUNT", "z", "3", "2") == 0
    assert raw.call("ZCOUNT", "z", "(2", "(2") == 0
    assert raw.call("ZCOUNT", "z", "2", "2") == 1
    assert raw.call("ZCOUNT", "nokey", "0", "1") == 0


def test_zcount_range_parsing(raw):
    raw.call("ZADD", "z", 0, "zero", 1, "a", 2, "b")
    # strtod rules: leading spaces, exponents, "inf"; the empty string is 0.
    assert raw.call("ZCOUNT", "z", " 1", "2e0") == 2
    assert raw.call("ZCOUNT", "z", "", "") == 1
    assert raw.call("ZCOUNT", "z", "(", "inf") == 2
    for bad in (["a", "1"], ["1", "b"], ["nan", "1"], ["((1", "2"], ["1 ", "2"]):
        check_err(raw, ["ZCOUNT", "z", *bad], "ERR min or max is not a float")
    raw.call("SET", "s", "x")
    check_err(raw, ["ZCOUNT", "s", "x", "1"], "ERR min or max is not a float")
    check_err(raw, ["ZCOUNT", "s", "0", "1"], WRONGTYPE)


def test_zlexcount(raw):
    raw.call("ZADD", "z", 0, "a", 0, "b", 0, "c", 0, "d", 0, "e")
    assert raw.call("ZLEXCOUNT", "z", "-", "+") == 5
    assert raw.call("ZLEXCOUNT", "z", "[b", "[d") == 3
    assert raw.call("ZLEXCOUNT", "z", "(b", "(d") == 1
    assert raw.call("ZLEXCOUNT", "z", "[bb", "+") == 3
    assert raw.call("ZLEXCOUNT", "z", "+", "-") == 0
    assert raw.call("ZLEXCOUNT", "z", "[d", "[b") == 0
    assert raw.call("ZLEXCOUNT", "nokey", "-", "+") == 0
    for bad in (["a", "+"], ["-", "b"], ["", "+"], ["--", "+"], ["-", "++"]):
        check_err(raw, ["ZLEXCOUNT", "z", *bad], "ERR min or max not valid string range item")
    raw.call("SET", "s", "x")
    check_err(raw, ["ZLEXCOUNT", "s", "-", "+"], WRONGTYPE)


# ---------------------------------------------------------------------------
# ZRANGE and the legacy range commands


def members(n):
    return {"m%d" % i: i for i in range(n)}


@pytest.mark.parametrize("encoding", ["listpack", "skiplist"])
def test_zrange_by_rank(c, raw, encoding):
    if encoding == "listpack":
        zadd(c, "z", members(10))
    else:
        c.config_set("zset-max-listpack-entries", 0)
        try:
            zadd(c, "z", members(10))
        finally:
            c.config_set("zset-max-listpack-entries", 128)
    assert c.object("encoding", "z") == encoding
    assert c.zrange("z", 0, 2) == ["m0", "m1", "m2"]
    assert c.zrange("z", -2, -1) == ["m8", "m9"]
    assert c.zrange("z", 8, 100) == ["m8", "m9"]
    assert c.zrange("z", -100, 0) == ["m0"]
    assert c.zrange("z", 5, 3) == []
    assert c.zrange("z", 10, 20) == []
    assert raw.call("ZRANGE", "z", 0, 1, "WITHSCORES") == ["m0", "0", "m1", "1"]
    assert raw.call("ZRANGE", "z", 0, 1, "REV") == ["m9", "m8"]
    assert raw.call("ZREVRANGE", "z", 0, 1, "WITHSCORES") == ["m9", "9", "m8", "8"]
    assert raw.call("ZREVRANGE", "z", -2, -1) == ["m1", "m0"]
    assert raw.call("ZRANGE", "nokey", 0, -1) == []


@pytest.mark.parametrize("encoding", ["listpack", "skiplist"])
def test_zrange_by_score(c, raw, encoding):
    zadd(c, "z", {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5})
    if encoding == "skiplist":
        big(c, "z", 200, score=lambda i: 100 + i)
    assert raw.call("ZRANGE", "z", 2, 4, "BYSCORE") == ["b", "c", "d"]
    assert raw.call("ZRANGE", "z", "(2", "(4", "BYSCORE") == ["c"]
    assert raw.call("ZRANGE", "z", "-inf", 2, "BYSCORE", "WITHSCORES") == ["a", "1", "b", "2"]
    assert raw.call("ZRANGE", "z", 4, 2, "BYSCORE", "REV") == ["d", "c", "b"]
    assert raw.call("ZRANGE", "z", 0, 10, "BYSCORE", "LIMIT", 1, 2) == ["b", "c"]
    assert raw.call("ZRANGE", "z", 10, 0, "BYSCORE", "REV", "LIMIT", 1, 2) == ["d", "c"]
    assert raw.call("ZRANGE", "z", 0, 10, "BYSCORE", "LIMIT", 3, -1) == ["d", "e"]
    assert raw.call("ZRANGE", "z", 0, 10, "BYSCORE", "LIMIT", 0, 0) == []
    assert raw.call("ZRANGE", "z", 0, 10, "BYSCORE", "LIMIT", -1, 2) == []
    assert raw.call("ZRANGE", "z", 0, 10, "BYSCORE", "LIMIT", 10, 2) == []
    assert raw.call("ZRANGEBYSCORE", "z", "(1", 3) == ["b", "c"]
    assert raw.call("ZRANGEBYSCORE", "z", 1, 3, "WITHSCORES", "LIMIT", 1, 1) == ["b", "2"]
    assert raw.call("ZRANGEBYSCORE", "z", 1, 3, "LIMIT", 1, 1, "WITHSCORES") == ["b", "2"]
    assert raw.call("ZREVRANGEBYSCORE", "z", 3, "(1") == ["c", "b"]
    assert raw.call("ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", 0, 1) == [
        c.zrange("z", -1, -1)[0]]
    assert raw.call("ZRANGEBYSCORE", "nokey", 0, 1) == []


@pytest.mark.parametrize("encoding", ["listpack", "skiplist"])
def test_zrange_by_lex(c, raw, encoding):
    zadd(c, "z", {m: 0 for m in "abcdefg"})
    if encoding == "skiplist":
        big(c, "z", 200, score=lambda i: 1)
    assert raw.call("ZRANGE", "z", "[b", "(e", "BYLEX") == ["b", "c", "d"]
    assert raw.call("ZRANGE", "z", "-", "[c", "BYLEX") == ["a", "b", "c"]
    assert raw.call("ZRANGE", "z", "(e", "-", "BYLEX", "REV") == ["d", "c", "b", "a"]
    assert raw.call("ZRANGE", "z", "-", "+", "BYLEX", "LIMIT", 2, 3) == ["c", "d", "e"]
    assert raw.call("ZRANGEBYLEX", "z", "[aa", "(c") == ["b"]
    assert raw.call("ZRANGEBYLEX", "z", "-", "+", "LIMIT", 5, 2) == ["f", "g"]
    assert raw.call("ZREVRANGEBYLEX", "z", "[c", "-") == ["c", "b", "a"]
    assert raw.call("ZREVRANGEBYLEX", "z", "[g", "-", "LIMIT", 0, 2) == ["g", "f"]
    assert raw.call("ZRANGEBYLEX", "nokey", "-", "+") == []


def test_zrange_errors(raw):
    raw.call("ZADD", "z", 1, "a")
    check_err(raw, ["ZRANGE", "z", 0, -1, "LIMIT", 0, 1],
              "ERR syntax error, LIMIT is only supported in combination with either BYSCORE "
              "or BYLEX")
    check_err(raw, ["ZREVRANGE", "z", 0, -1, "LIMIT", 0, 1],
              "ERR syntax error, LIMIT is only supported in combination with either BYSCORE "
              "or BYLEX")
    # Only the count is checked: LIMIT x -1 passes with a rank range.
    assert raw.call("ZRANGE", "z", 0, -1, "LIMIT", 5, -1) == ["a"]
    check_err(raw, ["ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"],
              "ERR syntax error, WITHSCORES not supported in combination with BYLEX")
    check_err(raw, ["ZRANGE", "z", "a", "b"], "ERR value is not an integer or out of range")
    check_err(raw, ["ZRANGE", "z", "x", "1", "BYSCORE"], "ERR min or max is not a float")
    check_err(raw, ["ZRANGE", "z", "a", "b", "BYLEX"],
              "ERR min or max not valid string range item")
    check_err(raw, ["ZRANGE", "z", 0, 1, "LIMIT", "a", "b", "BYSCORE"],
              "ERR value is not an integer or out of range")
    check_err(raw, ["ZRANGE", "z", 0, 1, "LIMIT", 1], "ERR syntax error")
    check_err(raw, ["ZRANGE", "z", 0, 1, "BYSCORE", "BYSCORE"], "ERR syntax error")
    check_err(raw, ["ZRANGE", "z", 0, 1, "BYSCORE", "BYLEX"], "ERR syntax error")
    check_err(raw, ["ZRANGE", "z", 0, 1, "REV", "REV"], "ERR syntax error")
    check_err(raw, ["ZRANGE", "z", 0, 1, "foo"], "ERR syntax error")
    check_err(raw, ["ZRANGEBYSCORE", "z", 0, 1, "REV"], "ERR syntax error")
    check_err(raw, ["ZRANGEBYSCORE", "z", 0, 1, "BYSCORE"], "ERR syntax error")
    check_err(raw, ["ZREVRANGE", "z", 0, 1, "REV"], "ERR syntax error")
    check_err(raw, ["ZRANGEBYLEX", "z", "-", "+", "WITHSCORES"],
              "ERR syntax error, WITHSCORES not supported in combination with BYLEX")
    check_err(raw, ["ZRANGE", "z", 0], "ERR wrong number of arguments for 'zrange' command")
    # Parse errors come before the type check.
    raw.call("SET", "s", "x")
    check_err(raw, ["ZRANGE", "s", 0, 1, "foo"], "ERR syntax error")
    check_err(raw, ["ZRANGE", "s", 0, 1], WRONGTYPE)
    check_err(raw, ["ZRANGEBYSCORE", "s", 0, 1], WRONGTYPE)
    check_err(raw, ["ZREVRANGEBYLEX", "s", "+", "-"], WRONGTYPE)


def test_zrangestore(c, raw):
    zadd(c, "src", {"a": 1, "b": 2, "c": 3, "d": 4})
    assert raw.call("ZRANGESTORE", "dst", "src", 1, 2) == 2
    assert c.zrange("dst", 0, -1, withscores=True) == [("b", 2), ("c", 3)]
    assert raw.call("ZRANGESTORE", "dst", "src", 4, 2, "BYSCORE", "REV", "LIMIT", 0, 2) == 2
    assert c.zrange("dst", 0, -1) == ["c", "d"]
    assert raw.call("ZRANGESTORE", "dst", "src", "[a", "[b", "BYLEX") == 2
    # The destination is replaced whatever it held, TTL included.
    c.set("str", "x", ex=100)
    assert raw.call("ZRANGESTORE", "str", "src", 0, 0) == 1
    assert c.type("str") == "zset" and c.ttl("str") == -1
    # An empty result deletes the destination.
    assert raw.call("ZRANGESTORE", "dst", "src", 10, 20) == 0
    assert c.exists("dst") == 0
    assert raw.call("ZRANGESTORE", "dst", "nokey", 0, -1) == 0
    # Source and destination may be the same key.
    assert raw.call("ZRANGESTORE", "src", "src", 0, 1) == 2
    assert c.zrange("src", 0, -1) == ["a", "b"]
    check_err(raw, ["ZRANGESTORE", "dst", "src", 0, 1, "WITHSCORES"], "ERR syntax error")
    c.set("s", "x")
    check_err(raw, ["ZRANGESTORE", "dst", "s", 0, 1], WRONGTYPE)


def test_zrangestore_encoding_follows_result_size(c):
    big(c, "src", 300)
    assert c.execute_command("ZRANGESTORE", "small", "src", 0, 9) == 10
    assert c.object("encoding", "small") == "listpack"
    assert c.execute_command("ZRANGESTORE", "large", "src", 0, 199) == 200
    assert c.object("encoding", "large") == "skiplist"
    assert c.zrange("large", 0, -1) == c.zrange("src", 0, 199)


# ---------------------------------------------------------------------------
# ZRANK / ZREVRANK


@pytest.mark.parametrize("encoding", ["listpack", "skiplist"])
def test_zrank(c, raw, encoding):
    zadd(c, "z", {"a": 1, "b": 2, "c": 3})
    if encoding == "skiplist":
        big(c, "z", 300, score=lambda i: 10 + i)
    n = c.zcard("z")
    assert raw.call("ZRANK", "z", "a") == 0
    assert raw.call("ZRANK", "z", "c") == 2
    assert raw.call("ZREVRANK", "z", "a") == n - 1
    assert raw.call("ZRANK", "z", "x") is None
    assert raw.call("ZRANK", "nokey", "x") is None
    assert raw.call("ZRANK", "z", "b", "WITHSCORE") == [1, "2"]
    assert raw.call("ZREVRANK", "z", "b", "withscore") == [n - 2, "2"]
    # WITHSCORE and no such member: a null array.
    assert raw.call("ZRANK", "z", "x", "WITHSCORE") is None
    check_err(raw, ["ZRANK", "z", "a", "WITHSCORES"], "ERR syntax error")
    check_err(raw, ["ZRANK", "z", "a", "WITHSCORE", "x"],
              "ERR wrong number of arguments for 'zrank' command")
    c.set("s", "x")
    check_err(raw, ["ZRANK", "s", "a"], WRONGTYPE)


def test_zrank_null_shapes_on_the_wire(server, r):
    r.execute_command("ZADD", "z", 1, "a")
    conn = socket.create_connection(("127.0.0.1", server.port))
    try:
        conn.sendall(b"*4\r\n$5\r\nZRANK\r\n$1\r\nz\r\n$1\r\nx\r\n$9\r\nWITHSCORE\r\n"
                     b"*3\r\n$5\r\nZRANK\r\n$1\r\nz\r\n$1\r\nx\r\n")
        data = b""
        while data.count(b"\r\n") < 2:
            data += conn.recv(100)
        assert data == b"*-1\r\n$-1\r\n"
    finally:
        conn.close()


def test_zrank_large_set_is_fast(c):
    big(c, "z", 20000, score=lambda i: i)
    start = time.time()
    pipe = c.pipeline(transaction=False)
    for i in range(0, 20000, 10):
        pipe.zrank("z", "m%04d" % i)
    ranks = pipe.execute()
    assert ranks[:5] == [0, 10, 20, 30, 40]
    assert time.time() - start < 5


# ---------------------------------------------------------------------------
# Pops


@pytest.mark.parametrize("encoding", ["listpack", "skiplist"])
def test_zpopmin_zpopmax(c, raw, encoding):
    zadd(c, "z", {"a": 1, "b": 2, "c": 3, "d": 4})
    if encoding == "skiplist":
        big(c, "z", 200, score=lambda i: 100 + i)
    n = c.zcard("z")
    assert raw.call("ZPOPMIN", "z") == ["a", "1"]
    assert raw.call("ZPOPMIN", "z", 2) == ["b", "2", "c", "3"]
    top = c.zrange("z", -1, -1, withscores=True)[0]
    assert raw.call("ZPOPMAX", "z") == [top[0], str(int(top[1]))]
    assert raw.call("ZPOPMIN", "z", 0) == []
    assert c.zcard("z") == n - 4
    assert len(raw.call("ZPOPMAX", "z", 1000)) == 2 * (n - 4)
    assert c.exists("z") == 0
    assert raw.call("ZPOPMIN", "nokey") == []
    assert raw.call("ZPOPMIN", "nokey", 5) == []


def test_zpop_errors(c, raw):
    zadd(c, "z", {"a": 1})
    check_err(raw, ["ZPOPMIN", "z", -1], "ERR value is out of range, must be positive")
    check_err(raw, ["ZPOPMIN", "z", "x"], "ERR value is out of range, must be positive")
    check_err(raw, ["ZPOPMIN", "z", 1, 2], "ERR syntax error")
    c.set("s", "x")
    check_err(raw, ["ZPOPMAX", "s"], WRONGTYPE)
    check_err(raw, ["ZPOPMAX", "s", "x"], "ERR value is out of range, must be positive")


def test_zmpop(c, raw):
    zadd(c, "z1", {"a": 1, "b": 2, "c": 3})
    assert raw.call("ZMPOP", 2, "nokey", "z1", "MIN") == ["z1", [["a", "1"]]]
    assert raw.call("ZMPOP", 1, "z1", "max", "COUNT", 10) == ["z1", [["c", "3"], ["b", "2"]]]
    assert c.exists("z1") == 0
    assert raw.call("ZMPOP", 2, "z1", "nokey", "MIN") is None
    # The first existing key decides: a later wrong type does not matter.
    zadd(c, "z2", {"x": 1})
    c.set("s", "v")
    assert raw.call("ZMPOP", 2, "z2", "s", "MIN") == ["z2", [["x", "1"]]]
    check_err(raw, ["ZMPOP", 2, "s", "z2", "MIN"], WRONGTYPE)
    check_err(raw, ["ZMPOP", 0, "z2", "MIN"], "ERR numkeys should be greater than 0")
    check_err(raw, ["ZMPOP", "x", "z2", "MIN"], "ERR numkeys should be greater than 0")
    check_err(raw, ["ZMPOP", 2, "z2", "MIN"], "ERR syntax error")
    check_err(raw, ["ZMPOP", 5, "z2", "MIN"], "ERR syntax error")
    check_err(raw, ["ZMPOP", 1, "z2", "FOO"], "ERR syntax error")
    check_err(raw, ["ZMPOP", 1, "z2", "MIN", "COUNT", 0], "ERR count should be greater than 0")
    check_err(raw, ["ZMPOP", 1, "z2", "MIN", "COUNT", "x"], "ERR count should be greater than 0")
    check_err(raw, ["ZMPOP", 1, "z2", "MIN", "COUNT", 1, "COUNT", 1], "ERR syntax error")
    check_err(raw, ["ZMPOP", 1, "z2", "MIN", "COUNT"], "ERR syntax error")


# ---------------------------------------------------------------------------
# Blocking pops


def test_bzpop_immediate(c, raw):
    zadd(c, "z", {"a": 1, "b": 2})
    assert raw.call("BZPOPMIN", "nokey", "z", 0) == ["z", "a", "1"]
    assert raw.call("BZPOPMAX", "z", 0) == ["z", "b", "2"]
    assert c.exists("z") == 0
    zadd(c, "z", {"a": 1, "b": 2, "c": 3})
    assert raw.call("BZMPOP", 0, 1, "z", "MAX", "COUNT", 2) == ["z", [["c", "3"], ["b", "2"]]]


def test_bzpop_timeout(raw):
    start = time.time()
    assert raw.call("BZPOPMIN", "nokey", 0.2) is None
    assert raw.call("BZMPOP", 0.1, 1, "nokey", "MIN") is None
    assert time.time() - start >= 0.25


def test_bzpop_errors(c, raw):
    check_err(raw, ["BZPOPMIN", "z", "x"], "ERR timeout is not a float or out of range")
    check_err(raw, ["BZPOPMIN", "z", -1], "ERR timeout is negative")
    check_err(raw, ["BZMPOP", -1, 1, "z", "MIN"], "ERR timeout is negative")
    check_err(raw, ["BZMPOP", 0, 0, "z", "MIN"], "ERR numkeys should be greater than 0")
    # BZMPOP parses numkeys and the rest before the timeout.
    check_err(raw, ["BZMPOP", "x", 1, "z", "FOO"], "ERR syntax error")
    c.set("s", "x")
    check_err(raw, ["BZPOPMIN", "s", 0], WRONGTYPE)
    check_err(raw, ["BZPOPMIN", "s", "x"], "ERR timeout is not a float or out of range")


def test_bzpopmin_in_multi_does_not_block(raw):
    assert raw.call("MULTI") == "OK"
    assert raw.call("BZPOPMIN", "nokey", 0) == "QUEUED"
    assert raw.call("BZMPOP", 0, 1, "nokey", "MIN") == "QUEUED"
    assert raw.call("EXEC") == [None, None]


def _blocked_call(port, args, out):
    conn = Conn(port)
    try:
        out.append(conn.call(*args))
    finally:
        conn.close()


@pytest.mark.parametrize("pusher", ["zadd", "zincrby", "zunionstore"])
def test_bzpopmin_wakes_on_write(server, c, pusher):
    got = []
    t = threading.Thread(target=_blocked_call, args=(server.port, ["BZPOPMIN", "z", 5], got))
    t.start()
    time.sleep(0.2)
    assert t.is_alive()
    if pusher == "zadd":
        zadd(c, "z", {"a": 7})
    elif pusher == "zincrby":
        c.zincrby("z", 7, "a")
    else:
        zadd(c, "src", {"a": 7})
        c.zunionstore("z", ["src"])
    t.join(5)
    assert not t.is_alive()
    assert got == [["z", "a", "7"]]
    assert c.exists("z") == 0


def test_bzmpop_wakes_and_serves_clients_in_order(server, c):
    got1, got2 = [], []
    t1 = threading.Thread(target=_blocked_call,
                          args=(server.port, ["BZMPOP", 5, 2, "k1", "k2", "MIN"], got1))
    t1.start()
    time.sleep(0.15)
    t2 = threading.Thread(target=_blocked_call,
                          args=(server.port, ["BZPOPMAX", "k2", 5], got2))
    t2.start()
    time.sleep(0.15)
    zadd(c, "k2", {"a": 1, "b": 2})
    t1.join(5)
    t2.join(5)
    assert got1 == [["k2", [["a", "1"]]]]
    assert got2 == [["k2", "b", "2"]]
    assert c.exists("k2") == 0


def test_bzpopmin_timeout_zero_blocks_until_push(server, c):
    got = []
    t = threading.Thread(target=_blocked_call, args=(server.port, ["BZPOPMAX", "z", 0], got))
    t.start()
    time.sleep(0.3)
    assert t.is_alive()
    zadd(c, "z", {"x": 1.5})
    t.join(5)
    assert got == [["z", "x", "1.5"]]


# ---------------------------------------------------------------------------
# ZUNION ZINTER ZDIFF and STORE forms, ZINTERCARD


@pytest.fixture
def sets(c):
    zadd(c, "z1", {"a": 1, "b": 2, "c": 3})
    zadd(c, "z2", {"b": 10, "c": 20, "d": 30})
    c.sadd("plain", "a", "d", "e")


def test_zunion(c, raw, sets):
    assert raw.call("ZUNION", 2, "z1", "z2") == ["a", "b", "c", "d"]
    assert raw.call("ZUNION", 2, "z1", "z2", "WITHSCORES") == [
        "a", "1", "b", "12", "c", "23", "d", "30"]
    assert raw.call("ZUNION", 2, "z1", "z2", "WEIGHTS", 2, 0.5, "WITHSCORES") == [
        "a", "2", "b", "9", "d", "15", "c", "16"]
    assert raw.call("ZUNION", 2, "z1", "z2", "AGGREGATE", "MIN", "WITHSCORES") == [
        "a", "1", "b", "2", "c", "3", "d", "30"]
    assert raw.call("ZUNION", 2, "z1", "z2", "aggregate", "max", "withscores") == [
        "a", "1", "b", "10", "c", "20", "d", "30"]
    got = raw.call("ZUNION", 3, "z1", "nokey", "plain", "WITHSCORES")
    assert got == ["d", "1", "e", "1", "a", "2", "b", "2", "c", "3"]
    assert raw.call("ZUNION", 1, "nokey") == []


def test_zinter(c, raw, sets):
    assert raw.call("ZINTER", 2, "z1", "z2", "WITHSCORES") == ["b", "12", "c", "23"]
    assert raw.call("ZINTER", 2, "z1", "z2", "WEIGHTS", 1, -1, "AGGREGATE", "SUM") == [
        "c", "b"]
    assert raw.call("ZINTER", 2, "z1", "z2", "AGGREGATE", "MAX", "WITHSCORES") == [
        "b", "10", "c", "20"]
    assert raw.call("ZINTER", 2, "z1", "plain", "WITHSCORES") == ["a", "2"]
    assert raw.call("ZINTER", 2, "z1", "nokey") == []
    assert raw.call("ZINTER", 2, "z1", "z1", "WITHSCORES") == ["a", "2", "b", "4", "c", "6"]


def test_zdiff(c, raw, sets):
    assert raw.call("ZDIFF", 2, "z1", "z2", "WITHSCORES") == ["a", "1"]
    assert raw.call("ZDIFF", 2, "z2", "plain") == ["b", "c"]
    assert raw.call("ZDIFF", 1, "z1") == ["a", "b", "c"]
    assert raw.call("ZDIFF", 2, "nokey", "z1") == []
    check_err(raw, ["ZDIFF", 2, "z1", "z2", "WEIGHTS", 1, 2], "ERR syntax error")
    check_err(raw, ["ZDIFF", 2, "z1", "z2", "AGGREGATE", "MIN"], "ERR syntax error")


def test_set_op_stores(c, raw, sets):
    assert raw.call("ZUNIONSTORE", "dst", 2, "z1", "z2") == 4
    assert c.zrange("dst", 0, -1, withscores=True) == [
        ("a", 1), ("b", 12), ("c", 23), ("d", 30)]
    assert raw.call("ZINTERSTORE", "dst", 2, "z1", "z2", "WEIGHTS", 2, 1) == 2
    assert c.zrange("dst", 0, -1, withscores=True) == [("b", 14), ("c", 26)]
    assert raw.call("ZDIFFSTORE", "dst", 2, "z1", "plain") == 2
    assert c.zrange("dst", 0, -1, withscores=True) == [("b", 2), ("c", 3)]
    # The destination may be an input.
    assert raw.call("ZUNIONSTORE", "z1", 2, "z1", "z1") == 3
    assert c.zrange("z1", 0, -1, withscores=True) == [("a", 2), ("b", 4), ("c", 6)]
    # An empty result deletes the destination, whatever it held.
    c.set("str", "x")
    assert raw.call("ZINTERSTORE", "str", 2, "z1", "nokey") == 0
    assert c.exists("str") == 0
    assert raw.call("ZDIFFSTORE", "dst", 1, "nokey") == 0
    assert c.exists("dst") == 0
    check_err(raw, ["ZUNIONSTORE", "dst", 1, "z1", "WITHSCORES"], "ERR syntax error")


def test_set_op_nan_conventions(c, raw):
    zadd(c, "p", {"a": "inf"})
    zadd(c, "n", {"a": "-inf"})
    # inf + -inf sums to 0; inf * 0 weighs 0.
    assert raw.call("ZUNION", 2, "p", "n", "WITHSCORES") == ["a", "0"]
    assert raw.call("ZINTER", 2, "p", "n", "WITHSCORES") == ["a", "0"]
    assert raw.call("ZUNION", 1, "p", "WEIGHTS", 0, "WITHSCORES") == ["a", "0"]
    assert raw.call("ZUNION", 2, "p", "n", "AGGREGATE", "MIN", "WITHSCORES") == ["a", "-inf"]


def test_set_op_errors(c, raw, sets):
    for cmd in ("ZUNION", "ZINTER", "ZDIFF"):
        check_err(raw, [cmd, 0, "z1"],
                  f"ERR at least 1 input key is needed for '{cmd.lower()}' command")
        check_err(raw, [cmd, "x", "z1"], "ERR value is not an integer or out of range")
        check_err(raw, [cmd, 3, "z1", "z2"], "ERR syntax error")
        check_err(raw, [cmd, 1, "z1", "FOO"], "ERR syntax error")
    check_err(raw, ["ZUNIONSTORE", "d", 0, "z1"],
              "ERR at least 1 input key is needed for 'zunionstore' command")
    check_err(raw, ["ZUNIONSTORE", "d", -1, "z1"],
              "ERR at least 1 input key is needed for 'zunionstore' command")
    check_err(raw, ["ZUNION", 2, "z1", "z2", "WEIGHTS", 1], "ERR syntax error")
    check_err(raw, ["ZUNION", 2, "z1", "z2", "WEIGHTS", 1, "x"],
              "ERR weight value is not a float")
    check_err(raw, ["ZUNION", 1, "z1", "AGGREGATE", "AVG"], "ERR syntax error")
    check_err(raw, ["ZUNION", 1, "z1", "AGGREGATE"], "ERR syntax error")
    c.set("s", "x")
    check_err(raw, ["ZUNION", 2, "z1", "s"], WRONGTYPE)
    # WRONGTYPE is found before the options are parsed.
    check_err(raw, ["ZINTER", 2, "z1", "s", "FOO"], WRONGTYPE)
    check_err(raw, ["ZDIFFSTORE", "d", 2, "z1", "s"], WRONGTYPE)


def test_zintercard(c, raw, sets):
    zadd(c, "z3", {"b": 1, "c": 1, "x": 1})
    assert raw.call("ZINTERCARD", 2, "z1", "z2") == 2
    assert raw.call("ZINTERCARD", 3, "z1", "z2", "z3") == 2
    assert raw.call("ZINTERCARD", 2, "z1", "z2", "LIMIT", 1) == 1
    assert raw.call("ZINTERCARD", 2, "z1", "z2", "LIMIT", 0) == 2
    assert raw.call("ZINTERCARD", 2, "z1", "plain") == 1
    assert raw.call("ZINTERCARD", 2, "z1", "nokey") == 0
    check_err(raw, ["ZINTERCARD", 0, "z1"],
              "ERR at least 1 input key is needed for 'zintercard' command")
    check_err(raw, ["ZINTERCARD", 2, "z1"], "ERR syntax error")
    check_err(raw, ["ZINTERCARD", 1, "z1", "LIMIT", -1], "ERR LIMIT can't be negative")
    check_err(raw, ["ZINTERCARD", 1, "z1", "WITHSCORES"], "ERR syntax error")
    check_err(raw, ["ZINTERCARD", 1, "z1", "WEIGHTS", 1], "ERR syntax error")


def test_set_op_store_encoding(c):
    zadd(c, "small", {"a": 1})
    c.execute_command("ZUNIONSTORE", "d1", 1, "small")
    assert c.object("encoding", "d1") == "listpack"
    big(c, "large", 300)
    c.execute_command("ZUNIONSTORE", "d2", 1, "large")
    assert c.object("encoding", "d2") == "skiplist"
    # A large input whose result is small: listpack again, as in Redis.
    c.execute_command("ZINTERSTORE", "d3", 2, "large", "small")
    assert c.exists("d3") == 0
    zadd(c, "few", {"m0001": 5, "m0002": 5})
    assert c.execute_command("ZINTERSTORE", "d3", 2, "large", "few") == 2
    assert c.object("encoding", "d3") == "listpack"


# ---------------------------------------------------------------------------
# ZREMRANGEBYSCORE / ZREMRANGEBYRANK / ZREMRANGEBYLEX


@pytest.mark.parametrize("encoding", ["listpack", "skiplist"])
def test_zremrange(c, raw, encoding):
    def fill():
        c.delete("z")
        zadd(c, "z", members(10))
        if encoding == "skiplist":
            big(c, "z", 200, score=lambda i: 100 + i)

    fill()
    n = c.zcard("z")
    assert raw.call("ZREMRANGEBYSCORE", "z", "(2", 4) == 2
    assert c.zrange("z", 0, 3) == ["m0", "m1", "m2", "m5"]
    assert raw.call("ZREMRANGEBYSCORE", "z", 50, 40) == 0
    fill()
    assert raw.call("ZREMRANGEBYRANK", "z", 1, 2) == 2
    assert c.zrange("z", 0, 1) == ["m0", "m3"]
    assert raw.call("ZREMRANGEBYRANK", "z", -1, -1) == 1
    assert c.zcard("z") == n - 3
    assert raw.call("ZREMRANGEBYRANK", "z", 5, 2) == 0
    assert raw.call("ZREMRANGEBYRANK", "z", 0, -1) == n - 3
    assert c.exists("z") == 0
    c.delete("z")
    zadd(c, "z", {m: 0 for m in "abcde"})
    assert raw.call("ZREMRANGEBYLEX", "z", "[b", "(d") == 2
    assert c.zrange("z", 0, -1) == ["a", "d", "e"]
    assert raw.call("ZREMRANGEBYLEX", "z", "-", "+") == 3
    assert c.exists("z") == 0
    assert raw.call("ZREMRANGEBYSCORE", "nokey", 0, 1) == 0


def test_zremrange_errors(c, raw):
    zadd(c, "z", {"a": 1})
    check_err(raw, ["ZREMRANGEBYSCORE", "z", "a", 1], "ERR min or max is not a float")
    check_err(raw, ["ZREMRANGEBYRANK", "z", "a", 1], "ERR value is not an integer or out of range")
    check_err(raw, ["ZREMRANGEBYLEX", "z", "a", "+"],
              "ERR min or max not valid string range item")
    c.set("s", "x")
    check_err(raw, ["ZREMRANGEBYRANK", "s", "x", 1], "ERR value is not an integer or out of range")
    for cmd, lo, hi in (("ZREMRANGEBYSCORE", 0, 1), ("ZREMRANGEBYRANK", 0, 1),
                        ("ZREMRANGEBYLEX", "-", "+")):
        check_err(raw, [cmd, "s", lo, hi], WRONGTYPE)


# ---------------------------------------------------------------------------
# ZRANDMEMBER


@pytest.mark.parametrize("encoding", ["listpack", "skiplist"])
def test_zrandmember(c, raw, encoding):
    if encoding == "listpack":
        zadd(c, "z", members(10))
    else:
        big(c, "z", 300)
    all_members = set(c.zrange("z", 0, -1))
    n = len(all_members)
    assert raw.call("ZRANDMEMBER", "z") in all_members
    got = raw.call("ZRANDMEMBER", "z", 5)
    assert len(got) == 5 and len(set(got)) == 5 and set(got) <= all_members
    assert sorted(raw.call("ZRANDMEMBER", "z", n + 10)) == sorted(all_members)
    got = raw.call("ZRANDMEMBER", "z", n // 2)
    assert len(set(got)) == n // 2
    got = raw.call("ZRANDMEMBER", "z", -(n * 3))
    assert len(got) == n * 3 and set(got) <= all_members
    assert len(set(got)) > 1
    got = raw.call("ZRANDMEMBER", "z", 3, "WITHSCORES")
    assert len(got) == 6
    for m, s in zip(got[::2], got[1::2]):
        assert float(s) == c.zscore("z", m)
    assert raw.call("ZRANDMEMBER", "z", 0) == []
    # Every member comes up over enough picks.
    seen = set()
    for _ in range(50):
        seen.update(raw.call("ZRANDMEMBER", "z", -300))
        if seen == all_members:
            break
    assert seen == all_members


def test_zrandmember_missing_and_errors(c, raw):
    assert raw.call("ZRANDMEMBER", "nokey") is None
    assert raw.call("ZRANDMEMBER", "nokey", 5) == []
    assert raw.call("ZRANDMEMBER", "nokey", -5, "WITHSCORES") == []
    zadd(c, "z", {"a": 1})
    check_err(raw, ["ZRANDMEMBER", "z", "x"], "ERR value is not an integer or out of range")
    check_err(raw, ["ZRANDMEMBER", "z", 1, "WITHSCORE"], "ERR syntax error")
    check_err(raw, ["ZRANDMEMBER", "z", 1, "WITHSCORES", "x"], "ERR syntax error")
    check_err(raw, ["ZRANDMEMBER", "z", "-9223372036854775808"],
              "ERR value is out of range, value must between -9223372036854775807 and "
              "9223372036854775807")
    check_err(raw, ["ZRANDMEMBER", "z", "9223372036854775807", "WITHSCORES"],
              "ERR value is out of range")
    c.set("s", "x")
    check_err(raw, ["ZRANDMEMBER", "s"], WRONGTYPE)
    check_err(raw, ["ZRANDMEMBER", "s", 1], WRONGTYPE)
    check_err(raw, ["ZRANDMEMBER", "s", "x"], "ERR value is not an integer or out of range")


# ---------------------------------------------------------------------------
# ZSCAN


def test_zscan_small_returns_all_at_once(c, raw):
    zadd(c, "z", {"a": 1, "b": 2.5, "c": 3})
    assert raw.call("ZSCAN", "z", 0) == ["0", ["a", "1", "b", "2.5", "c", "3"]]
    assert raw.call("ZSCAN", "z", 0, "MATCH", "[ab]", "COUNT", 1) == ["0", ["a", "1", "b", "2.5"]]
    assert raw.call("ZSCAN", "nokey", 0) == ["0", []]


def test_zscan_large_iterates_everything(c):
    big(c, "z", 1000, score=lambda i: i / 2)
    seen = {}
    cursor = 0
    calls = 0
    while True:
        cursor, items = c.zscan("z", cursor, count=50)
        seen.update(items)
        calls += 1
        if cursor == 0:
            break
    assert calls > 5
    assert len(seen) == 1000
    assert seen["m0003"] == 1.5
    matched = dict(c.zscan_iter("z", match="m00*"))
    assert set(matched) == {"m%04d" % i for i in range(100)}


def test_zscan_survives_growth_and_shrink(c):
    big(c, "z", 500)
    seen = set()
    cursor, step = 0, 0
    while True:
        cursor, items = c.zscan("z", cursor, count=20)
        seen.update(m for m, _ in items)
        step += 1
        if step == 3:
            zadd(c, "z", {"x%d" % i: i for i in range(3000)})
        if step == 10:
            c.zrem("z", *["x%d" % i for i in range(3000)])
        if cursor == 0:
            break
    assert {"m%04d" % i for i in range(500)} <= seen


def test_zscan_errors(c, raw):
    zadd(c, "z", {"a": 1})
    check_err(raw, ["ZSCAN", "z", "x"], "ERR invalid cursor")
    check_err(raw, ["ZSCAN", "z", 0, "COUNT", 0], "ERR syntax error")
    check_err(raw, ["ZSCAN", "z", 0, "COUNT", "x"], "ERR value is not an integer or out of range")
    check_err(raw, ["ZSCAN", "z", 0, "TYPE", "zset"], "ERR syntax error")
    check_err(raw, ["ZSCAN", "z", 0, "MATCH"], "ERR syntax error")
    # A missing key replies an empty scan before looking at the options.
    assert raw.call("ZSCAN", "nokey", 0, "COUNT", 0) == ["0", []]
    c.set("s", "x")
    check_err(raw, ["ZSCAN", "s", 0], WRONGTYPE)
    check_err(raw, ["ZSCAN", "s", 0, "COUNT", 0], WRONGTYPE)
    check_err(raw, ["ZSCAN", "s", "x"], "ERR invalid cursor")


# ---------------------------------------------------------------------------
# Encodings


def test_encoding_converts_past_entries(c, small_listpack):
    zadd(c, "z", {"a": 1, "b": 2, "c": 3, "d": 4})
    assert c.object("encoding", "z") == "listpack"
    zadd(c, "z", {"e": 5})
    assert c.object("encoding", "z") == "skiplist"
    # It never converts back.
    c.zrem("z", "a", "b", "c", "d")
    assert c.object("encoding", "z") == "skiplist"
    assert c.zrange("z", 0, -1, withscores=True) == [("e", 5)]
    # A ZADD of more pairs than the limit converts first, even for updates.
    zadd(c, "y", {"a": 1})
    zadd(c, "y", {"a": 1, "b": 1, "c": 1, "d": 1, "e": 1})
    assert c.object("encoding", "y") == "skiplist"


def test_encoding_converts_on_long_member(c):
    zadd(c, "z", {"a" * 64: 1})
    assert c.object("encoding", "z") == "listpack"
    zadd(c, "z", {"b" * 65: 2})
    assert c.object("encoding", "z") == "skiplist"
    zadd(c, "new", {"x" * 65: 1})
    assert c.object("encoding", "new") == "skiplist"


def test_config_set_listpack_limits(c):
    old = c.config_get("zset-max-listpack-*")
    assert old == {"zset-max-listpack-entries": "128", "zset-max-listpack-value": "64"}
    try:
        c.config_set("zset-max-listpack-value", 3)
        zadd(c, "z", {"abcd": 1})
        assert c.object("encoding", "z") == "skiplist"
        c.config_set("zset-max-ziplist-entries", 0)
        assert c.config_get("zset-max-listpack-entries")["zset-max-listpack-entries"] == "0"
        zadd(c, "y", {"a": 1})
        assert c.object("encoding", "y") == "skiplist"
    finally:
        c.config_set("zset-max-listpack-entries", 128)
        c.config_set("zset-max-listpack-value", 64)


def test_both_encodings_agree(c):
    rnd = random.Random(7)
    c.config_set("zset-max-listpack-entries", 100000)
    try:
        pairs = {"k%d" % rnd.randrange(500): rnd.choice([rnd.randrange(-5, 5), rnd.random()])
                 for _ in range(400)}
        zadd(c, "lp", pairs)
    finally:
        c.config_set("zset-max-listpack-entries", 128)
    zadd(c, "sl", pairs)
    assert c.object("encoding", "lp") == "listpack"
    assert c.object("encoding", "sl") == "skiplist"
    for args in (("ZRANGE", 0, -1, "WITHSCORES"), ("ZRANGE", 10, 40, "REV"),
                 ("ZRANGEBYSCORE", "(-2", 3, "LIMIT", 5, 20),
                 ("ZREVRANGEBYSCORE", 3, "-inf", "WITHSCORES", "LIMIT", 2, 7),
                 ("ZCOUNT", "(0", "0.5"), ("ZRANK", "k17"), ("ZREVRANK", "k17")):
        assert c.execute_command(args[0], "lp", *args[1:]) == \
            c.execute_command(args[0], "sl", *args[1:]), args


def test_large_set_matches_model(c):
    rnd = random.Random(11)
    model = {}
    pipe = c.pipeline(transaction=False)
    for _ in range(5000):
        m = "e%d" % rnd.randrange(3000)
        s = rnd.randrange(100)
        if rnd.random() < 0.8:
            model[m] = s
            pipe.execute_command("ZADD", "z", s, m)
        else:
            model.pop(m, None)
            pipe.zrem("z", m)
    pipe.execute()
    order = sorted(model.items(), key=lambda kv: (kv[1], kv[0]))
    assert c.zcard("z") == len(order)
    assert c.zrange("z", 0, -1) == [m for m, _ in order]
    for _ in range(50):
        i = rnd.randrange(len(order))
        assert c.zrank("z", order[i][0]) == i
        assert c.zrange("z", i, i + 5) == [m for m, _ in order[i:i + 6]]
        lo, hi = sorted((rnd.randrange(100), rnd.randrange(100)))
        want = [m for m, s in order if lo <= s <= hi]
        assert c.zcount("z", lo, hi) == len(want)
        assert c.zrangebyscore("z", lo, hi, start=3, num=4) == want[3:7]


# ---------------------------------------------------------------------------
# RESP3


def test_resp3_scores_are_doubles(raw3):
    raw3.call("ZADD", "z", 1, "a", 2.5, "b", "inf", "c")
    got = raw3.call("ZSCORE", "z", "b")
    assert isinstance(got, Double) and got == 2.5
    assert raw3.call("ZSCORE", "z", "x") is None
    got = raw3.call("ZMSCORE", "z", "a", "x", "c")
    assert isinstance(got[0], Double) and got[0] == 1 and got[1] is None
    assert isinstance(got[2], Double) and got[2] == math.inf
    got = raw3.call("ZINCRBY", "z", 1, "a")
    assert isinstance(got, Double) and got == 2
    got = raw3.call("ZADD", "z", "INCR", 1, "a")
    assert isinstance(got, Double) and got == 3
    got = raw3.call("ZRANK", "z", "b", "WITHSCORE")
    assert got == [0, 2.5] and isinstance(got[1], Double)


def test_resp3_withscores_pairs(raw3):
    raw3.call("ZADD", "z", 1, "a", 2, "b", 3, "c")
    for args in (["ZRANGE", "z", 0, -1, "WITHSCORES"],
                 ["ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES"],
                 ["ZREVRANGE", "z", 0, -1, "WITHSCORES"],
                 ["ZUNION", 1, "z", "WITHSCORES"], ["ZINTER", 1, "z", "WITHSCORES"],
                 ["ZDIFF", 1, "z", "WITHSCORES"]):
        got = raw3.call(*args)
        assert len(got) == 3, args
        for pair in got:
            assert isinstance(pair, list) and len(pair) == 2, args
            assert isinstance(pair[1], Double), args
        assert sorted(p[0] for p in got) == ["a", "b", "c"]
    got = raw3.call("ZRANDMEMBER", "z", 2, "WITHSCORES")
    assert len(got) == 2 and all(isinstance(p[1], Double) for p in got)
    # Without WITHSCORES: plain members.
    assert raw3.call("ZRANGE", "z", 0, -1) == ["a", "b", "c"]


def test_resp3_pops(raw3):
    raw3.call("ZADD", "z", 1, "a", 2, "b", 3, "c", 4, "d", 5, "e")
    got = raw3.call("ZPOPMIN", "z")
    assert got == ["a", 1.0] and isinstance(got[1], Double)
    got = raw3.call("ZPOPMIN", "z", 1)
    assert got == [["b", 2.0]] and isinstance(got[0][1], Double)
    assert raw3.call("ZPOPMAX", "z", 2) == [["e", 5.0], ["d", 4.0]]
    got = raw3.call("BZPOPMIN", "z", 0)
    assert got == ["z", "c", 3.0] and isinstance(got[2], Double)
    assert raw3.call("BZPOPMIN", "z", 0.05) is None
    raw3.call("ZADD", "z", 1, "a")
    got = raw3.call("ZMPOP", 1, "z", "MIN")
    assert got == ["z", [["a", 1.0]]] and isinstance(got[1][0][1], Double)
    assert raw3.call("ZMPOP", 1, "z", "MIN") is None
    assert raw3.call("ZPOPMIN", "z", 3) == []


def test_resp3_zscan_scores_are_strings(raw3):
    raw3.call("ZADD", "z", 1.5, "a")
    got = raw3.call("ZSCAN", "z", 0)
    assert got == ["0", ["a", "1.5"]] and not isinstance(got[1][1], Double)


# ---------------------------------------------------------------------------
# Keyspace, transactions, metadata


def test_watch_sees_in_place_changes(server, c):
    zadd(c, "z", {"a": 1})
    for change in (lambda: zadd(c, "z", {"a": 2}), lambda: c.zincrby("z", 1, "a"),
                   lambda: c.zpopmin("z"), lambda: c.zremrangebyrank("z", 0, 0)):
        zadd(c, "z", {"a": 1, "b": 2})
        w = server.client(decode_responses=True)
        try:
            p = w.pipeline()
            p.watch("z")
            change()
            p.multi()
            p.zcard("z")
            with pytest.raises(redis.WatchError):
                p.execute()
        finally:
            w.close()


def test_keyspace_events(server, c):
    c.config_set("notify-keyspace-events", "KEA")
    sub = server.client(decode_responses=True).pubsub()
    try:
        sub.psubscribe("__keyevent@0__:*")
        sub.get_message(timeout=1)
        zadd(c, "z", {"a": 1, "b": 2})
        c.zincrby("z", 1, "a")
        c.zrem("z", "a")
        c.zpopmin("z")
        events = []
        deadline = time.time() + 2
        while len(events) < 5 and time.time() < deadline:
            m = sub.get_message(timeout=0.2)
            if m and m["type"] == "pmessage":
                events.append((m["channel"].split(":", 1)[1], m["data"]))
        assert events == [("zadd", "z"), ("zincr", "z"), ("zrem", "z"), ("zpopmin", "z"),
                          ("del", "z")]
    finally:
        sub.close()
        c.config_set("notify-keyspace-events", "")


def test_wrongtype_from_other_families(c, raw):
    zadd(c, "z", {"a": 1})
    check_err(raw, ["GET", "z"], WRONGTYPE)
    check_err(raw, ["SADD", "z", "a"], WRONGTYPE)
    assert c.type("z") == "zset"


def test_copy_and_rename_keep_contents(c):
    big(c, "z", 200)
    c.copy("z", "z2")
    c.zadd("z", {"extra": 1})
    assert c.zcard("z2") == 200 and c.zcard("z") == 201
    assert c.object("encoding", "z2") == "skiplist"
    c.rename("z2", "z3")
    assert c.zrange("z3", 0, 2) == ["m0000", "m0001", "m0002"]


def test_command_info(raw):
    info = raw.call("COMMAND", "INFO", "zadd", "bzpopmin", "zunionstore", "zrangestore",
                    "zmpop", "zrank")
    by_name = {i[0]: i for i in info}
    assert by_name["zadd"][1:3] == [-4, ["write", "denyoom", "fast"]]
    assert by_name["zadd"][3:6] == [1, 1, 1]
    assert by_name["bzpopmin"][3:6] == [1, -2, 1]
    assert "blocking" in by_name["bzpopmin"][2]
    assert by_name["zunionstore"][1] == -4 and "movablekeys" in by_name["zunionstore"][2]
    assert by_name["zrangestore"][3:6] == [1, 2, 1]
    assert by_name["zmpop"][3:6] == [0, 0, 0]
    assert by_name["zrank"][1] == -3


def test_command_getkeys_movable(raw):
    assert raw.call("COMMAND", "GETKEYS", "ZUNIONSTORE", "d", 2, "a", "b", "WEIGHTS", 1, 2) == \
        ["d", "a", "b"]
    assert raw.call("COMMAND", "GETKEYS", "ZINTER", 2, "a", "b") == ["a", "b"]
    assert raw.call("COMMAND", "GETKEYS", "BZMPOP", 0, 2, "a", "b", "MIN") == ["a", "b"]
