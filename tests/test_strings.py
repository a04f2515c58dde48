"""End-to-end tests of the string family: GET SET SETNX SETEX PSETEX MGET MSET
MSETNX GETSET GETDEL GETEX INCR DECR INCRBY DECRBY INCRBYFLOAT APPEND STRLEN
GETRANGE SUBSTR SETRANGE LCS.

Expected replies and error texts were taken from redis-server (7.0/7.2) with
the same commands. Exact error texts are checked on the wire with `Raw`, a
minimal RESP client, because redis-py strips the "ERR " prefix.
"""
import socket
import time

import pytest
import redis

from conftest import raw_command

WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
NOT_INT = b"-ERR value is not an integer or out of range\r\n"
NOT_FLOAT = b"-ERR value is not a valid float\r\n"
SYNTAX = b"-ERR syntax error\r\n"
NIL = b"$-1\r\n"
OK = b"+OK\r\n"
TOO_BIG = b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
MB = 1024 * 1024


from conftest import Raw  # noqa: E402  (shared raw-RESP client)


@pytest.fixture
def raw(server, r):
    c = Raw(server.port)
    yield c
    c.close()


def bulk(b):
    if isinstance(b, str):
        b = b.encode()
    return b"$%d\r\n%s\r\n" % (len(b), b)


def make_list(r, key):
    """Creates a non-string key (for WRONGTYPE checks) with whatever
    collection command the server has."""
    for args in (("RPUSH", key, "a"), ("SADD", key, "a"), ("HSET", key, "f", "v"),
                 ("ZADD", key, "1", "a")):
        try:
            r.execute_command(*args)
            return
        except redis.ResponseError as e:
            if "unknown command" not in str(e):
                raise
    pytest.skip("no collection type available to create a non-string key")


# ----------------------------------------------------------------------------
# GET / SET


def test_get_set_basic(r, raw):
    assert r.get("k") is None
    assert r.set("k", "hello") is True
    assert r.get("k") == b"hello"
    assert raw.cmd("GET", "k") == bulk("hello")
    assert raw.cmd("GET", "nokey") == NIL
    assert raw.cmd("SET", "k", "other") == OK
    assert r.get("k") == b"other"






def test_binary_safe_values(r):
    value = b"\x00a\x00b\r\n\xff\x00"
    r.set(b"bin\x00key", value)
    assert r.get(b"bin\x00key") == value
    assert r.strlen(b"bin\x00key") == len(value)
    assert r.get(b"bin") is None
    r.set("empty", "")
    assert r.get("empty") == b""
    assert r.exists("empty") == 1


def test_one_megabyte_values(r):
    big = bytes(range(256)) * (4 * 1024)  # 1 MB with every byte value
    assert len(big) == MB
    r.set("big", big)
    assert r.get("big") == big
    assert r.strlen("big") == MB
    assert r.getrange("big", MB - 3, -1) == big[-3:]
    assert r.append("big", b"\x00tail") == MB + 5
    assert r.get("big") == big + b"\x00tail"
    assert r.mget("big", "nokey") == [big + b"\x00tail", None]


def test_integer_like_values_roundtrip(r):
    for v in [b"0", b"-1", b"9223372036854775807", b"-9223372036854775808",
              b"9223372036854775808", b"01", b"-0", b"+1", b" 1", b"1.0", b"1e3"]:
        r.set("n", v)
        assert r.get("n") == v
        assert r.strlen("n") == len(v)


def test_set_nx_xx(r, raw):
    assert raw.cmd("SET", "k", "v", "XX") == NIL
    assert r.exists("k") == 0
    assert raw.cmd("SET", "k", "v", "NX") == OK
    assert raw.cmd("SET", "k", "v2", "NX") == NIL
    assert r.get("k") == b"v"
    assert raw.cmd("SET", "k", "v3", "XX") == OK
    assert r.get("k") == b"v3"
    assert raw.cmd("set", "k", "v4", "nx", "nx") == NIL  # repeating an option is fine
    assert raw.cmd("set", "k", "v4", "xx", "xx") == OK


def test_set_get_option(r, raw):
    assert raw.cmd("SET", "k", "v1", "GET") == NIL
    assert raw.cmd("SET", "k", "v2", "GET") == bulk("v1")
    assert r.get("k") == b"v2"
    # GET with NX/XX: the old value is returned whether or not the set happens.
    assert raw.cmd("SET", "k", "v3", "NX", "GET") == bulk("v2")
    assert r.get("k") == b"v2"
    assert raw.cmd("SET", "k", "v4", "XX", "GET") == bulk("v2")
    assert r.get("k") == b"v4"
    assert raw.cmd("SET", "new", "x", "XX", "GET") == NIL
    assert r.exists("new") == 0
    assert raw.cmd("SET", "new", "x", "NX", "GET") == NIL
    assert r.get("new") == b"x"
    assert raw.cmd("SET", "k", "v5", "GET", "GET") == bulk("v4")
    r.set("n", 42)
    assert raw.cmd("SET", "n", "43", "GET") == bulk("42")
    assert r.set("k", "v6", get=True) == b"v5"




def test_set_syntax_errors(r, raw):
    for args in [("EX",), ("PX",), ("EXAT",), ("PXAT",), ("EX", "10", "PX", "10"),
                 ("PX", "10", "EX", "10"), ("EX", "10", "EXAT", "99999999999"),
                 ("NX", "XX"), ("XX", "NX"), ("KEEPTTL", "EX", "10"),
                 ("EX", "10", "KEEPTTL"), ("PXAT", "1", "KEEPTTL"), ("foo",), ("PERSIST",),
                 ("NX", "foo"), ("GET", "bar")]:
        assert raw.cmd("SET", "k", "v", *args) == SYNTAX, args
    assert r.exists("k") == 0
    assert raw.cmd("SET", "k") == b"-ERR wrong number of arguments for 'set' command\r\n"


def test_set_expire_argument_errors(r, raw):
    invalid = b"-ERR invalid expire time in 'set' command\r\n"
    for args in [("EX", "0"), ("EX", "-1"), ("PX", "0"), ("PX", "-100"), ("EXAT", "0"),
                 ("PXAT", "0"), ("PXAT", "-5"),
                 ("EX", "9223372036854775807"),  # * 1000 overflows
                 ("EX", "9223372036854775"),     # now + this overflows
                 ("PX", "9223372036854775807")]:
        assert raw.cmd("SET", "k", "v", *args) == invalid, args
    for args in [("EX", "abc"), ("EX", "1.5"), ("PX", "+5"), ("EX", "05"), ("EX", ""),
                 ("EX", " 5"), ("EX", "99999999999999999999")]:
        assert raw.cmd("SET", "k", "v", *args) == NOT_INT, args
    assert r.exists("k") == 0
    # Absolute times far in the future are fine.
    assert raw.cmd("SET", "k", "v", "PXAT", "9223372036854775807") == OK
    assert raw.cmd("SET", "k", "v", "EXAT", "9223372036854775") == OK
    assert r.get("k") == b"v"


def test_set_expire_options_ttl(r, raw):
    now_ms = int(time.time() * 1000)
    r.set("ex", "v", ex=100)
    assert 99_000 < r.pttl("ex") <= 100_000
    r.set("px", "v", px=5000)
    assert 4_000 < r.pttl("px") <= 5_000
    raw.cmd("SET", "exat", "v", "EXAT", now_ms // 1000 + 200)
    assert 198_000 < r.pttl("exat") <= 200_000
    raw.cmd("SET", "pxat", "v", "PXAT", now_ms + 300_000)
    assert 298_000 < r.pttl("pxat") <= 300_000
    # The last of repeated expire options wins; only its value is parsed.
    assert raw.cmd("SET", "k", "v", "EX", "10", "EX", "20") == OK
    assert 19_000 < r.pttl("k") <= 20_000
    assert raw.cmd("SET", "k", "v", "EX", "abc", "EX", "30") == OK
    assert 29_000 < r.pttl("k") <= 30_000
    assert raw.cmd("SET", "k", "v", "ex", "40", "nx") == NIL


def test_set_expire_in_the_past_deletes(r, raw):
    r.set("k", "old")
    assert raw.cmd("SET", "k", "v", "PXAT", "1") == OK
    assert r.exists("k") == 0
    assert raw.cmd("SET", "k2", "v", "EXAT", "1", "GET") == NIL
    assert r.exists("k2") == 0


def test_set_clears_ttl_unless_keepttl(r, raw):
    r.set("k", "v", px=100_000)
    assert raw.cmd("SET", "k", "v2", "KEEPTTL") == OK
    assert 90_000 < r.pttl("k") <= 100_000
    assert r.get("k") == b"v2"
    assert raw.cmd("SET", "k", "v3", "XX", "KEEPTTL", "KEEPTTL") == OK
    assert 90_000 < r.pttl("k") <= 100_000
    r.set("k", "v4")
    assert r.pttl("k") == -1
    # Same for integers (which may be updated in place).
    r.set("n", 1, px=100_000)
    r.execute_command("SET", "n", "2", "KEEPTTL")
    assert 90_000 < r.pttl("n") <= 100_000
    r.set("n", 3)
    assert r.pttl("n") == -1
    assert r.get("n") == b"3"
    r.set("n", 4, ex=100)
    assert 90_000 < r.pttl("n") <= 100_000
    assert raw.cmd("SET", "fresh", "v", "KEEPTTL") == OK
    assert r.pttl("fresh") == -1


def test_short_real_time_expiry(r):
    r.set("k", "v", px=100)
    r.setex("k2", 1, "v")
    r.psetex("k3", 100, "v")
    r.set("k4", "v")
    r.getex("k4", px=100)
    assert r.get("k") == b"v"
    time.sleep(0.2)
    assert r.get("k") is None
    assert r.exists("k") == 0
    assert r.get("k3") is None
    assert r.get("k4") is None
    assert r.get("k2") == b"v"
    time.sleep(1.0)
    assert r.get("k2") is None


# ----------------------------------------------------------------------------
# SETNX SETEX PSETEX


def test_setnx(r, raw):
    assert raw.cmd("SETNX", "k", "v1") == b":1\r\n"
    assert raw.cmd("SETNX", "k", "v2") == b":0\r\n"
    assert r.get("k") == b"v1"
    assert raw.cmd("SETNX", "k") == b"-ERR wrong number of arguments for 'setnx' command\r\n"


def test_setex_psetex(r, raw):
    assert raw.cmd("SETEX", "k", "100", "v") == OK
    assert r.get("k") == b"v"
    assert 99_000 < r.pttl("k") <= 100_000
    assert raw.cmd("PSETEX", "p", "5000", "v") == OK
    assert 4_000 < r.pttl("p") <= 5_000
    assert raw.cmd("SETEX", "p", "100", "w") == OK
    assert 99_000 < r.pttl("p") <= 100_000
    assert r.get("p") == b"w"


def test_setex_errors(r, raw):
    for cmd in ("SETEX", "PSETEX"):
        invalid = b"-ERR invalid expire time in '%s' command\r\n" % cmd.lower().encode()
        assert raw.cmd(cmd, "k", "0", "v") == invalid
        assert raw.cmd(cmd, "k", "-1", "v") == invalid
        assert raw.cmd(cmd, "k", "9223372036854775807", "v") == invalid
        assert raw.cmd(cmd, "k", "abc", "v") == NOT_INT
        assert raw.cmd(cmd, "k", "1.5", "v") == NOT_INT
    assert raw.cmd("SETEX", "k", "9223372036854775", "v") == \
        b"-ERR invalid expire time in 'setex' command\r\n"
    assert r.exists("k") == 0
    assert raw.cmd("SETEX", "k", "10") == \
        b"-ERR wrong number of arguments for 'setex' command\r\n"


# ----------------------------------------------------------------------------
# MGET MSET MSETNX


def test_mget(r, raw):
    r.set("a", "1")
    r.set("b", "")
    assert r.mget("a", "b", "nokey", "a") == [b"1", b"", None, b"1"]
    assert raw.cmd("MGET", "a") == b"*1\r\n$1\r\n1\r\n"
    assert raw.cmd("MGET") == b"-ERR wrong number of arguments for 'mget' command\r\n"


def test_mset(r, raw):
    assert raw.cmd("MSET", "a", "1", "b", "2") == OK
    assert r.mget("a", "b") == [b"1", b"2"]
    assert raw.cmd("MSET", "a", "x", "a", "y") == OK
    assert r.get("a") == b"y"
    err = b"-ERR wrong number of arguments for 'mset' command\r\n"
    assert raw.cmd("MSET", "a") == err
    assert raw.cmd("MSET", "a", "1", "b") == err
    assert raw.cmd("MSET", "c", "1", "d", "2", "e") == err
    assert r.exists("c", "d", "e") == 0
    r.set("t", "v", px=100_000)
    r.mset({"t": "w", "u": "s"})
    assert r.pttl("t") == -1
    assert r.mget("t", "u") == [b"w", b"s"]


def test_many_keys_cross_prefetch_batches_in_argument_order(r):
    # MGET, MSET, EXISTS and DEL walk their keys in batches of 16 (their
    # lookups prefetched together): 45 keys span three batches, with
    # duplicates inside a batch and across batches, keys of another type and
    # missing keys, and every reply must still follow argument order.
    keys = ["k%d" % i for i in range(40)]
    pairs = []
    for i, k in enumerate(keys):
        pairs += [k, "v%d" % i]
    pairs += ["k3", "late3", "k20", "late20"]  # the last value of a key wins
    assert r.execute_command("MSET", *pairs) is True
    r.rpush("alist", "x")
    final = {k: "v%d" % i for i, k in enumerate(keys)}
    final.update(k3="late3", k20="late20")
    asked = keys[:20] + ["missing", "alist", "k3"] + keys[20:] + ["k39", "nope"]
    want = [final.get(k) for k in asked]
    assert want[3] == want[22] == "late3" and want[23] == "late20"
    got = r.mget(asked)
    assert [g.decode() if g is not None else None for g in got] == want
    assert r.exists(*asked) == len(asked) - 2  # all but "missing" and "nope"
    doomed = keys[::2] + keys[::4] + ["alist", "missing"]  # duplicates count once
    assert r.delete(*doomed) == 20 + 1
    assert r.exists(*keys) == 20
    assert r.mget(keys[:4]) == [None, b"v1", None, b"late3"]


def test_msetnx(r, raw):
    assert raw.cmd("MSETNX", "a", "1", "b", "2") == b":1\r\n"
    assert raw.cmd("MSETNX", "b", "3", "c", "4") == b":0\r\n"
    assert r.exists("c") == 0
    assert r.get("b") == b"2"
    assert raw.cmd("MSETNX", "z", "1", "z", "2") == b":1\r\n"
    assert r.get("z") == b"2"
    assert raw.cmd("MSETNX", "q1", "1", "q2") == \
        b"-ERR wrong number of arguments for 'msetnx' command\r\n"
    assert r.exists("q1") == 0


# ----------------------------------------------------------------------------
# GETSET GETDEL GETEX


def test_getset(r, raw):
    assert raw.cmd("GETSET", "k", "v1") == NIL
    assert raw.cmd("GETSET", "k", "v2") == bulk("v1")
    assert r.get("k") == b"v2"
    r.set("k", "v", px=100_000)
    assert raw.cmd("GETSET", "k", "12") == bulk("v")
    assert r.pttl("k") == -1
    assert raw.cmd("GETSET", "k", "13") == bulk("12")


def test_getdel(r, raw):
    r.set("k", "v")
    assert raw.cmd("GETDEL", "k") == bulk("v")
    assert r.exists("k") == 0
    assert raw.cmd("GETDEL", "k") == NIL
    r.set("n", 12345)
    assert raw.cmd("GETDEL", "n") == bulk("12345")
    assert r.exists("n") == 0


def test_getex_options(r, raw):
    r.set("k", "v")
    assert raw.cmd("GETEX", "k") == bulk("v")
    assert r.pttl("k") == -1
    assert raw.cmd("GETEX", "k", "EX", "100") == bulk("v")
    assert 99_000 < r.pttl("k") <= 100_000
    assert raw.cmd("GETEX", "k", "PX", "5000") == bulk("v")
    assert 4_000 < r.pttl("k") <= 5_000
    now_ms = int(time.time() * 1000)
    assert raw.cmd("GETEX", "k", "EXAT", now_ms // 1000 + 200) == bulk("v")
    assert 198_000 < r.pttl("k") <= 200_000
    assert raw.cmd("GETEX", "k", "PXAT", now_ms + 300_000) == bulk("v")
    assert 298_000 < r.pttl("k") <= 300_000
    assert raw.cmd("GETEX", "k") == bulk("v")  # no option: TTL untouched
    assert 298_000 < r.pttl("k") <= 300_000
    assert raw.cmd("GETEX", "k", "PERSIST") == bulk("v")
    assert r.pttl("k") == -1
    assert raw.cmd("GETEX", "k", "persist", "persist") == bulk("v")
    assert raw.cmd("getex", "k", "ex", "100", "ex", "200") == bulk("v")
    assert 199_000 < r.pttl("k") <= 200_000
    r.set("n", 10)
    assert raw.cmd("GETEX", "n", "EXAT", "9223372036854775") == bulk("10")
    assert r.pttl("n") > 0


def test_getex_past_time_deletes(r, raw):
    r.set("k", "v")
    assert raw.cmd("GETEX", "k", "PXAT", "1") == bulk("v")
    assert r.exists("k") == 0
    r.set("k", "v")
    assert raw.cmd("GETEX", "k", "EXAT", "1") == bulk("v")
    assert r.exists("k") == 0


def test_getex_errors(r, raw):
    r.set("k", "v")
    for args in [("EX",), ("EX", "10", "PX", "10"), ("PERSIST", "EX", "10"),
                 ("EX", "10", "PERSIST"), ("KEEPTTL",), ("NX",), ("GET",), ("foo",)]:
        assert raw.cmd("GETEX", "k", *args) == SYNTAX, args
    invalid = b"-ERR invalid expire time in 'getex' command\r\n"
    assert raw.cmd("GETEX", "k", "EX", "0") == invalid
    assert raw.cmd("GETEX", "k", "PX", "-1") == invalid
    assert raw.cmd("GETEX", "k", "EX", "9223372036854774") == invalid
    assert raw.cmd("GETEX", "k", "EX", "abc") == NOT_INT
    assert r.pttl("k") == -1
    # A missing key answers nil before the expire value is looked at; a wrong
    # type answers WRONGTYPE before it too; syntax errors come first of all.
    assert raw.cmd("GETEX", "nokey", "EX", "0") == NIL
    assert raw.cmd("GETEX", "nokey", "foo") == SYNTAX


# ----------------------------------------------------------------------------
# INCR DECR INCRBY DECRBY


def test_incr_decr(r, raw):
    assert raw.cmd("INCR", "n") == b":1\r\n"
    assert raw.cmd("INCR", "n") == b":2\r\n"
    assert raw.cmd("DECR", "n") == b":1\r\n"
    assert raw.cmd("DECR", "m") == b":-1\r\n"
    assert raw.cmd("INCRBY", "n", "10") == b":11\r\n"
    assert raw.cmd("INCRBY", "n", "-20") == b":-9\r\n"
    assert raw.cmd("DECRBY", "n", "5") == b":-14\r\n"
    assert raw.cmd("DECRBY", "n", "-4") == b":-10\r\n"
    assert raw.cmd("INCRBY", "new", "-7") == b":-7\r\n"
    assert raw.cmd("DECRBY", "new2", "7") == b":-7\r\n"
    assert r.get("n") == b"-10"
    r.set("s", "41")
    assert r.incr("s") == 42
    assert r.get("s") == b"42"
    assert r.append("s", "0") == 3
    assert r.incr("s") == 421


def test_incr_many_times(r):
    pipe = r.pipeline(transaction=False)
    for _ in range(1000):
        pipe.incr("c")
    assert pipe.execute()[-1] == 1000
    assert r.get("c") == b"1000"


def test_incr_overflow(r, raw):
    overflow = b"-ERR increment or decrement would overflow\r\n"
    r.set("n", "9223372036854775806")
    assert raw.cmd("INCR", "n") == b":9223372036854775807\r\n"
    assert raw.cmd("INCR", "n") == overflow
    assert raw.cmd("INCRBY", "n", "1") == overflow
    assert raw.cmd("DECRBY", "n", "-1") == overflow
    assert raw.cmd("INCRBY", "n", "0") == b":9223372036854775807\r\n"
    r.set("n", "-9223372036854775807")
    assert raw.cmd("DECR", "n") == b":-9223372036854775808\r\n"
    assert raw.cmd("DECR", "n") == overflow
    assert raw.cmd("INCRBY", "n", "-1") == overflow
    assert r.get("n") == b"-9223372036854775808"
    # DECRBY can't negate the smallest int64, whatever the key holds.
    assert raw.cmd("DECRBY", "n", "-9223372036854775808") == \
        b"-ERR decrement would overflow\r\n"
    assert raw.cmd("DECRBY", "nokey", "-9223372036854775808") == \
        b"-ERR decrement would overflow\r\n"
    assert r.exists("nokey") == 0


def test_incr_not_an_integer(r, raw):
    for v in ["abc", "", "1.5", "01", "-0", "+5", " 1", "1 ", "12345678901234567890",
              "9223372036854775808"]:
        r.set("s", v)
        assert raw.cmd("INCR", "s") == NOT_INT, v
        assert raw.cmd("DECRBY", "s", "1") == NOT_INT, v
        assert r.get("s") == v.encode()
    for arg in ["abc", "1.5", "", "99999999999999999999", "+1", "0x10"]:
        assert raw.cmd("INCRBY", "n", arg) == NOT_INT, arg
        assert raw.cmd("DECRBY", "n", arg) == NOT_INT, arg
    assert r.exists("n") == 0




def test_incr_keeps_ttl(r):
    r.set("n", 10, px=100_000)
    assert r.incr("n") == 11
    assert r.incrby("n", 5) == 16
    assert r.decr("n") == 15
    assert r.decrby("n", 3) == 12
    assert 90_000 < r.pttl("n") <= 100_000
    assert r.get("n") == b"12"
    r.set("s", "10 ", px=100_000)  # not an integer: untouched on error
    with pytest.raises(redis.ResponseError):
        r.incr("s")
    assert 90_000 < r.pttl("s") <= 100_000


def test_incr_in_place_invalidates_watch(server, r):
    r.set("n", 5)
    other = server.client()
    try:
        with r.pipeline() as pipe:
            pipe.watch("n")
            other.incr("n")
            pipe.multi()
            pipe.set("n", 100)
            with pytest.raises(redis.WatchError):
                pipe.execute()
    finally:
        other.close()
    assert r.get("n") == b"6"


# ----------------------------------------------------------------------------
# INCRBYFLOAT


@pytest.mark.parametrize("start,incr,expected", [
    (None, "10.5", b"10.5"),
    ("10.5", "0.1", b"10.6"),
    ("10.6", "-5.0e3", b"-4989.39999999999999991"),
    ("5.0e3", "2.0e2", b"5200"),
    (None, "3", b"3"),
    ("3", "0.0000001", b"3.0000001"),
    (None, "1e20", b"100000000000000000000"),
    (None, "1e-20", b"0"),
    (None, "-1e-30", b"0"),
    (None, "0x10", b"16"),
    (None, "-0", b"0"),
    (None, "-0.0", b"0"),
    (None, ".5", b"0.5"),
    (None, "5.", b"5"),
    ("1.1", "1.2", b"2.3"),
    ("0.1", "0.2", b"0.3"),
    ("10", "1.5", b"11.5"),
    ("-1.5", "1.5", b"0"),
    (None, "3.0000000000000000001", b"3"),
    (None, "123456789012345678901234567890", b"123456789012345678899921813504"),
    (None, "9007199254740993", b"9007199254740993"),
    ("1e308", "1e308",
     b"19999999999999999999337175931169129132112019969483113441559409598984346973767612374"
     b"42002538437770786408934944501080264463042694991879211671948416288603928375359182000"
     b"39206381557326219209014213335878306791577877829121087126122536729803237260434173178"
     b"506889763247582601711514636284849020905456510092687857156096"),
])
def test_incrbyfloat_formatting(r, raw, start, incr, expected):
    if start is not None:
        r.set("f", start)
    assert raw.cmd("INCRBYFLOAT", "f", incr) == bulk(expected)
    assert r.get("f") == expected


def test_incrbyfloat_huge_long_double(r, raw):
    # Values beyond double range still work: Redis computes in long double.
    r.set("x", "1e1000")
    reply = raw.cmd("INCRBYFLOAT", "x", "1")
    assert reply.startswith(b"$1000\r\n99999999999999999997")
    assert r.strlen("x") == 1000


def test_incrbyfloat_errors(r, raw):
    nan_inf = b"-ERR increment would produce NaN or Infinity\r\n"
    for arg in ["abc", "nan", "-nan", "", " 1", "1 ", "1e", "e1", "1.5.5"]:
        assert raw.cmd("INCRBYFLOAT", "f", arg) == NOT_FLOAT, arg
    assert raw.cmd("INCRBYFLOAT", "f", "inf") == nan_inf
    assert raw.cmd("INCRBYFLOAT", "f", "-inf") == nan_inf
    assert raw.cmd("INCRBYFLOAT", "f", "infinity") == nan_inf
    assert r.exists("f") == 0
    for v in ["abc", "", " 1", "1,5"]:
        r.set("s", v)
        assert raw.cmd("INCRBYFLOAT", "s", "1") == NOT_FLOAT, v
        assert r.get("s") == v.encode()
    r.set("s", "inf")
    assert raw.cmd("INCRBYFLOAT", "s", "1") == nan_inf
    r.set("s", "1e308")
    assert raw.cmd("INCRBYFLOAT", "s", "1e308") != nan_inf  # long double: no overflow


def test_incrbyfloat_out_of_range_argument(r, raw):
    # strtold overflow/underflow is "not a valid float", as Redis's string2ld.
    assert raw.cmd("INCRBYFLOAT", "f", "1e5000") == NOT_FLOAT
    assert raw.cmd("INCRBYFLOAT", "f", "-1e5000") == NOT_FLOAT
    assert raw.cmd("INCRBYFLOAT", "f", "1e-5000") == NOT_FLOAT
    assert r.exists("f") == 0


def test_incrbyfloat_keeps_ttl_and_result_is_a_string(r):
    r.set("f", "1.5", px=100_000)
    assert r.incrbyfloat("f", 1) == 2.5
    assert 90_000 < r.pttl("f") <= 100_000
    assert r.incrbyfloat("f", 0.5) == 3.0
    assert r.get("f") == b"3"
    assert r.incr("f") == 4  # an integral result is an ordinary integer string
    assert 90_000 < r.pttl("f") <= 100_000


# ----------------------------------------------------------------------------
# APPEND STRLEN


def test_append_strlen(r, raw):
    assert raw.cmd("APPEND", "k", "hello") == b":5\r\n"
    assert raw.cmd("APPEND", "k", " world") == b":11\r\n"
    assert r.get("k") == b"hello world"
    assert raw.cmd("STRLEN", "k") == b":11\r\n"
    assert raw.cmd("STRLEN", "nokey") == b":0\r\n"
    assert raw.cmd("APPEND", "k", "") == b":11\r\n"
    assert raw.cmd("APPEND", "e", "") == b":0\r\n"
    assert r.exists("e") == 1  # APPEND creates the key even with nothing
    r.set("n", 12)
    assert r.strlen("n") == 2
    assert raw.cmd("APPEND", "n", "3") == b":3\r\n"
    assert r.get("n") == b"123"
    r.set("neg", -9223372036854775808)
    assert r.strlen("neg") == 20
    assert r.append("b", b"\x00\x01") == 2
    assert r.append("b", b"\x00") == 3
    assert r.get("b") == b"\x00\x01\x00"




def test_append_keeps_ttl(r):
    r.set("k", "abc", px=100_000)
    r.append("k", "def")
    assert 90_000 < r.pttl("k") <= 100_000
    assert r.get("k") == b"abcdef"


def test_append_many_times(r):
    pipe = r.pipeline(transaction=False)
    for i in range(500):
        pipe.append("k", "%03d" % i)
    assert pipe.execute()[-1] == 1500
    assert r.get("k") == "".join("%03d" % i for i in range(500)).encode()


# ----------------------------------------------------------------------------
# GETRANGE SUBSTR


@pytest.mark.parametrize("start,end,expected", [
    (0, 3, b"This"), (-3, -1, b"ing"), (0, -1, b"This is a string"),
    (10, 100, b"string"), (5, 3, b""), (-100, -90, b"T"), (-100, 2, b"Thi"),
    (100, 200, b""), (15, 15, b"g"), (16, 16, b""), (-1, -1, b"g"), (-1, -100, b""),
    (3, -100, b""), (0, 9223372036854775807, b"This is a string"),
    (-9223372036854775808, -1, b"This is a string"),
    (-9223372036854775808, -9223372036854775808, b"T"),
    (9223372036854775807, -9223372036854775808, b""),
])
def test_getrange(r, raw, start, end, expected):
    r.set("g", "This is a string")
    assert raw.cmd("GETRANGE", "g", start, end) == bulk(expected)
    assert raw.cmd("SUBSTR", "g", start, end) == bulk(expected)


def test_getrange_edge_cases(r, raw):
    assert raw.cmd("GETRANGE", "nokey", "0", "-1") == b"$0\r\n\r\n"
    r.set("e", "")
    assert raw.cmd("GETRANGE", "e", "0", "-1") == b"$0\r\n\r\n"
    assert raw.cmd("GETRANGE", "e", "-1", "-1") == b"$0\r\n\r\n"
    r.set("n", 12345)
    assert raw.cmd("GETRANGE", "n", "1", "2") == bulk("23")
    assert raw.cmd("GETRANGE", "n", "-2", "-1") == bulk("45")
    r.set("b", b"a\x00b\x00c")
    assert r.getrange("b", 1, 3) == b"\x00b\x00"
    assert raw.cmd("GETRANGE", "nokey", "a", "b") == NOT_INT
    assert raw.cmd("GETRANGE", "n", "0", "1.5") == NOT_INT
    assert raw.cmd("GETRANGE", "n", "0") == \
        b"-ERR wrong number of arguments for 'getrange' command\r\n"


# ----------------------------------------------------------------------------
# SETRANGE


def test_setrange(r, raw):
    r.set("k", "Hello World")
    assert raw.cmd("SETRANGE", "k", "6", "Redis") == b":11\r\n"
    assert r.get("k") == b"Hello Redis"
    assert raw.cmd("SETRANGE", "pad", "5", "abc") == b":8\r\n"
    assert r.get("pad") == b"\x00" * 5 + b"abc"
    assert raw.cmd("SETRANGE", "pad", "10", "Z") == b":11\r\n"
    assert r.get("pad") == b"\x00" * 5 + b"abc\x00\x00Z"
    assert raw.cmd("SETRANGE", "pad", "0", "X") == b":11\r\n"
    assert r.get("pad") == b"X" + b"\x00" * 4 + b"abc\x00\x00Z"
    r.set("n", 12345)
    assert raw.cmd("SETRANGE", "n", "1", "x") == b":5\r\n"
    assert r.get("n") == b"1x345"
    r.set("n", 12345)
    assert raw.cmd("SETRANGE", "n", "0", "9") == b":5\r\n"
    assert r.incr("n") == 92346


def test_setrange_empty_value(r, raw):
    # Writing nothing returns the current length and creates no key.
    assert raw.cmd("SETRANGE", "nokey", "10", "") == b":0\r\n"
    assert r.exists("nokey") == 0
    r.set("k", "abc")
    assert raw.cmd("SETRANGE", "k", "100", "") == b":3\r\n"
    assert r.get("k") == b"abc"
    assert raw.cmd("SETRANGE", "nokey", "536870912", "") == b":0\r\n"
    assert raw.cmd("SETRANGE", "k", "536870912", "") == b":3\r\n"


def test_setrange_errors(r, raw):
    offset = b"-ERR offset is out of range\r\n"
    assert raw.cmd("SETRANGE", "k", "-1", "x") == offset
    assert raw.cmd("SETRANGE", "k", "abc", "x") == NOT_INT
    assert raw.cmd("SETRANGE", "k", "1.5", "x") == NOT_INT
    assert raw.cmd("SETRANGE", "k", "536870912", "x") == TOO_BIG
    assert raw.cmd("SETRANGE", "k", "536870911", "xy") == TOO_BIG
    assert raw.cmd("SETRANGE", "k", "99999999999999", "x") == TOO_BIG
    assert raw.cmd("SETRANGE", "k", "9223372036854775807", "x") == TOO_BIG
    assert r.exists("k") == 0
    r.set("k", "abc")
    assert raw.cmd("SETRANGE", "k", "536870912", "x") == TOO_BIG
    assert r.get("k") == b"abc"


def test_setrange_keeps_ttl(r):
    r.set("k", "abc", px=100_000)
    assert r.setrange("k", 1, "X") == 3
    assert r.setrange("k", 10, "Y") == 11
    assert 90_000 < r.pttl("k") <= 100_000
    assert r.get("k") == b"aXc" + b"\x00" * 7 + b"Y"


def test_setrange_one_megabyte(r):
    assert r.setrange("k", MB, "end") == MB + 3
    value = r.get("k")
    assert value[:MB] == b"\x00" * MB and value[MB:] == b"end"
    assert r.setrange("k", 0, b"\xff" * MB) == MB + 3
    assert r.getrange("k", MB - 1, MB + 2) == b"\xffend"


def test_max_length_follows_proto_max_bulk_len(r, raw):
    try:
        r.config_set("proto-max-bulk-len", str(MB))
    except redis.ResponseError:
        pytest.skip("CONFIG SET proto-max-bulk-len not supported")
    try:
        assert raw.cmd("SETRANGE", "k", MB - 1, "x") == bulk_int(MB)
        assert raw.cmd("SETRANGE", "k", MB, "x") == TOO_BIG
        assert raw.cmd("APPEND", "k", "x") == TOO_BIG
        assert r.strlen("k") == MB
        r.set("small", "abc")
        assert raw.cmd("APPEND", "small", "d") == b":4\r\n"
    finally:
        r.config_set("proto-max-bulk-len", str(512 * MB))


def bulk_int(n):
    return b":%d\r\n" % n


# ----------------------------------------------------------------------------
# LCS


def test_lcs_docs_examples(r, raw):
    r.mset({"key1": "ohmytext", "key2": "mynewtext"})
    assert raw.cmd("LCS", "key1", "key2") == bulk("mytext")
    assert raw.cmd("LCS", "key1", "key2", "LEN") == b":6\r\n"
    assert r.execute_command("LCS", "key1", "key2", "IDX") == \
        [b"matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], b"len", 6]
    assert r.execute_command("LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4") == \
        [b"matches", [[[4, 7], [5, 8]]], b"len", 6]
    assert r.execute_command("LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4",
                             "WITHMATCHLEN") == \
        [b"matches", [[[4, 7], [5, 8], 4]], b"len", 6]
    assert r.execute_command("LCS", "key1", "key2", "IDX", "WITHMATCHLEN") == \
        [b"matches", [[[4, 7], [5, 8], 4], [[2, 3], [0, 1], 2]], b"len", 6]


def test_lcs_wire_format(r, raw):
    r.mset({"key1": "ohmytext", "key2": "mynewtext"})
    assert raw.cmd("LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN") == (
        b"*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"
        b"$3\r\nlen\r\n:6\r\n")


def test_lcs_resp3_idx_is_a_map(server, r):
    r.mset({"key1": "ohmytext", "key2": "mynewtext"})
    out = raw_command(server.port,
                      b"*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n"
                      b"*4\r\n$3\r\nLCS\r\n$4\r\nkey1\r\n$4\r\nkey2\r\n$3\r\nIDX\r\n",
                      read_timeout=0.5)
    assert out.endswith(
        b"%2\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
        b"*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n")


def test_lcs_more_cases(r, raw):
    r.mset({"a1": "ABCBDAB", "b1": "BDCABA"})
    assert raw.cmd("LCS", "a1", "b1") == bulk("BDAB")
    assert raw.cmd("LCS", "b1", "a1") == bulk("BCBA")
    assert r.execute_command("LCS", "a1", "b1", "IDX", "WITHMATCHLEN") == \
        [b"matches", [[[5, 6], [3, 4], 2], [[3, 4], [0, 1], 2]], b"len", 4]
    r.mset({"a2": "abcdefghij", "b2": "xxabcyydefzzghij"})
    assert r.execute_command("LCS", "a2", "b2", "IDX", "WITHMATCHLEN") == \
        [b"matches", [[[6, 9], [12, 15], 4], [[3, 5], [7, 9], 3], [[0, 2], [2, 4], 3]],
         b"len", 10]
    r.mset({"a3": "aaaa", "b3": "aa"})
    assert r.execute_command("LCS", "a3", "b3", "IDX", "WITHMATCHLEN") == \
        [b"matches", [[[2, 3], [0, 1], 2]], b"len", 2]
    r.mset({"a5": "GTTCCTAATA", "b5": "CGATAATTGAGA"})
    assert raw.cmd("LCS", "a5", "b5") == bulk("CTAATA")
    r.mset({"n1": 12345, "n2": 2345})
    assert r.execute_command("LCS", "n1", "n2", "IDX") == \
        [b"matches", [[[1, 4], [0, 3]]], b"len", 4]
    assert r.execute_command("LCS", "a1", "a1", "IDX", "WITHMATCHLEN") == \
        [b"matches", [[[0, 6], [0, 6], 7]], b"len", 7]
    r.set("bin1", b"\x00\x01\x02\x00")
    r.set("bin2", b"\x01\x00\x00")
    assert raw.cmd("LCS", "bin1", "bin2") == bulk(b"\x01\x00")


def test_lcs_missing_keys_are_empty(r, raw):
    r.set("key1", "ohmytext")
    assert raw.cmd("LCS", "key1", "nokey") == b"$0\r\n\r\n"
    assert raw.cmd("LCS", "nokey", "nokey2") == b"$0\r\n\r\n"
    assert raw.cmd("LCS", "nokey", "nokey2", "LEN") == b":0\r\n"
    assert r.execute_command("LCS", "nokey", "key1", "IDX") == [b"matches", [], b"len", 0]
    r.set("e", "")
    assert raw.cmd("LCS", "e", "key1") == b"$0\r\n\r\n"


def test_lcs_options_and_errors(r, raw):
    r.mset({"key1": "ohmytext", "key2": "mynewtext"})
    assert raw.cmd("LCS", "key1", "key2", "LEN", "IDX") == \
        b"-ERR If you want both the length and indexes, please just use IDX.\r\n"
    assert raw.cmd("LCS", "key1", "key2", "len", "len") == b":6\r\n"
    assert raw.cmd("LCS", "key1", "key2", "LEN", "WITHMATCHLEN") == b":6\r\n"
    assert raw.cmd("LCS", "key1", "key2", "WITHMATCHLEN") == bulk("mytext")
    assert raw.cmd("LCS", "key1", "key2", "MINMATCHLEN", "4") == bulk("mytext")
    assert raw.cmd("LCS", "key1", "key2", "MINMATCHLEN") == SYNTAX
    assert raw.cmd("LCS", "key1", "key2", "MINMATCHLEN", "x") == NOT_INT
    assert raw.cmd("LCS", "key1", "key2", "foo") == SYNTAX
    assert raw.cmd("LCS", "key1", "key2", "key3") == SYNTAX
    # A negative MINMATCHLEN is 0; a huge one filters every match out.
    assert r.execute_command("LCS", "key1", "key2", "IDX", "MINMATCHLEN", "-5") == \
        [b"matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], b"len", 6]
    assert r.execute_command("LCS", "key1", "key2", "IDX", "MINMATCHLEN",
                             "99999999999") == [b"matches", [], b"len", 6]
    assert raw.cmd("LCS", "key1") == b"-ERR wrong number of arguments for 'lcs' command\r\n"




def test_lcs_long_strings(r):
    a = ("abcde" * 400)[:2000]
    b = ("xbcdy" * 400)[:2000]
    r.mset({"a": a, "b": b})
    assert r.execute_command("LCS", "a", "b", "LEN") == 1200
    assert len(r.execute_command("LCS", "a", "b")) == 1200


# ----------------------------------------------------------------------------
# Keys holding another type. Skipped while the server has no collection type.

# (request, reply) with "coll" holding a non-string value. The order of checks
# matters: e.g. INCRBY parses its increment before it looks at the key, while
# INCRBYFLOAT checks the type first; GETEX's and SET's syntax errors win.
WRONGTYPE_CASES = [
    (("GET", "coll"), WRONGTYPE),
    (("SET", "coll", "v", "GET"), WRONGTYPE),
    (("SET", "coll", "v", "NX", "GET"), WRONGTYPE),
    (("SET", "coll", "v", "GET", "foo"), SYNTAX),
    (("SET", "coll", "v", "GET", "EX", "0"), b"-ERR invalid expire time in 'set' command\r\n"),
    (("SETNX", "coll", "v"), b":0\r\n"),
    (("MGET", "coll", "nokey"), b"*2\r\n$-1\r\n$-1\r\n"),
    (("MSETNX", "coll", "1", "q", "2"), b":0\r\n"),
    (("GETSET", "coll", "v"), WRONGTYPE),
    (("GETDEL", "coll"), WRONGTYPE),
    (("GETEX", "coll"), WRONGTYPE),
    (("GETEX", "coll", "EX", "0"), WRONGTYPE),
    (("GETEX", "coll", "foo"), SYNTAX),
    (("INCR", "coll"), WRONGTYPE),
    (("DECR", "coll"), WRONGTYPE),
    (("INCRBY", "coll", "1"), WRONGTYPE),
    (("DECRBY", "coll", "1"), WRONGTYPE),
    (("INCRBY", "coll", "x"), NOT_INT),
    (("INCRBYFLOAT", "coll", "1"), WRONGTYPE),
    (("INCRBYFLOAT", "coll", "abc"), WRONGTYPE),
    (("APPEND", "coll", "x"), WRONGTYPE),
    (("APPEND", "coll", ""), WRONGTYPE),
    (("STRLEN", "coll"), WRONGTYPE),
    (("GETRANGE", "coll", "0", "1"), WRONGTYPE),
    (("SUBSTR", "coll", "0", "1"), WRONGTYPE),
    (("GETRANGE", "coll", "a", "1"), NOT_INT),
    (("SETRANGE", "coll", "0", "x"), WRONGTYPE),
    (("SETRANGE", "coll", "0", ""), WRONGTYPE),
    (("SETRANGE", "coll", "-1", "x"), b"-ERR offset is out of range\r\n"),
    (("SETRANGE", "coll", "x", "x"), NOT_INT),
    (("LCS", "str", "coll"), b"-ERR The specified keys must contain string values\r\n"),
    (("LCS", "coll", "str"), b"-ERR The specified keys must contain string values\r\n"),
    (("LCS", "coll", "nokey", "foo"),
     b"-ERR The specified keys must contain string values\r\n"),
]


@pytest.mark.parametrize("request_args,expected", WRONGTYPE_CASES,
                         ids=[" ".join(c[0]) for c in WRONGTYPE_CASES])
def test_other_type(r, raw, request_args, expected):
    make_list(r, "coll")
    r.set("str", "abc")
    kind = r.type("coll")
    assert raw.cmd(*request_args) == expected
    assert r.type("coll") == kind  # untouched
    assert r.exists("q") == 0


@pytest.mark.parametrize("request_args", [
    ("SET", "coll", "v"), ("SETEX", "coll", "10", "v"), ("PSETEX", "coll", "10000", "v"),
    ("MSET", "coll", "v"),
])
def test_set_overwrites_other_type(r, raw, request_args):
    make_list(r, "coll")
    assert raw.cmd(*request_args) == OK
    assert r.type("coll") == b"string"
    assert r.get("coll") == b"v"


# ----------------------------------------------------------------------------
# Metadata: COMMAND INFO as Redis 7.2 reports it.

EXPECTED_INFO = {
    # name: (arity, flags, first, last, step)
    "get": (2, {"readonly", "fast"}, 1, 1, 1),
    "set": (-3, {"write", "denyoom"}, 1, 1, 1),
    "setnx": (3, {"write", "denyoom", "fast"}, 1, 1, 1),
    "setex": (4, {"write", "denyoom"}, 1, 1, 1),
    "psetex": (4, {"write", "denyoom"}, 1, 1, 1),
    "mget": (-2, {"readonly", "fast"}, 1, -1, 1),
    "mset": (-3, {"write", "denyoom"}, 1, -1, 2),
    "msetnx": (-3, {"write", "denyoom"}, 1, -1, 2),
    "getset": (3, {"write", "denyoom", "fast"}, 1, 1, 1),
    "getdel": (2, {"write", "fast"}, 1, 1, 1),
    "getex": (-2, {"write", "fast"}, 1, 1, 1),
    "incr": (2, {"write", "denyoom", "fast"}, 1, 1, 1),
    "decr": (2, {"write", "denyoom", "fast"}, 1, 1, 1),
    "incrby": (3, {"write", "denyoom", "fast"}, 1, 1, 1),
    "decrby": (3, {"write", "denyoom", "fast"}, 1, 1, 1),
    "incrbyfloat": (3, {"write", "denyoom", "fast"}, 1, 1, 1),
    "append": (3, {"write", "denyoom", "fast"}, 1, 1, 1),
    "strlen": (2, {"readonly", "fast"}, 1, 1, 1),
    "getrange": (4, {"readonly"}, 1, 1, 1),
    "substr": (4, {"readonly"}, 1, 1, 1),
    "setrange": (4, {"write", "denyoom"}, 1, 1, 1),
    "lcs": (-3, {"readonly"}, 1, 2, 1),
}


def test_command_info(server, r):
    conn = server.client()
    conn.response_callbacks.clear()  # the raw arrays, not redis-py's dict
    try:
        infos = conn.execute_command("COMMAND", "INFO", *EXPECTED_INFO)
    finally:
        conn.close()
    assert len(infos) == len(EXPECTED_INFO)
    for name, info in zip(EXPECTED_INFO, infos):
        arity, flags, first, last, step = EXPECTED_INFO[name]
        assert info[0] == name.encode()
        assert info[1] == arity, name
        assert {f.decode() for f in info[2]} == flags, name
        assert (info[3], info[4], info[5]) == (first, last, step), name
