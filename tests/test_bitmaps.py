"""End-to-end tests of the bitmap family: SETBIT GETBIT BITCOUNT BITPOS BITOP
BITFIELD BITFIELD_RO on string values.

Expected replies, error texts and checking orders are redis-server 7.0.15's
(tests/differential_sessions/bitmaps_*.txt compare them byte for byte); here
are the properties a session cannot show: the 512 MB limit and
proto-max-bulk-len, OOM, keyspace notifications, WATCH, large values, and a
randomised comparison of BITCOUNT/BITPOS/BITFIELD against a real
redis-server (skipped when it is not installed).
"""
import random
import shutil
import time

import pytest
import redis

from conftest import Raw

WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
NOT_INT = b"-ERR value is not an integer or out of range\r\n"
SYNTAX = b"-ERR syntax error\r\n"
BAD_OFFSET = b"-ERR bit offset is not an integer or out of range\r\n"
BAD_BIT = b"-ERR bit is not an integer or out of range\r\n"
OOM = b"-OOM command not allowed when used memory > 'maxmemory'.\r\n"
MB = 1024 * 1024


@pytest.fixture
def raw(server, r):
    c = Raw(server.port)
    yield c
    c.close()


def bulk(b):
    return b"$%d\r\n%s\r\n" % (len(b), b)


# ----------------------------------------------------------------------------
# SETBIT / GETBIT

def test_setbit_builds_the_string_msb_first(r):
    assert r.setbit("b", 0, 1) == 0
    assert r.setbit("b", 9, 1) == 0
    assert r.get("b") == b"\x80\x40"
    assert r.setbit("b", 9, 0) == 1
    assert r.get("b") == b"\x80\x00"
    assert r.getbit("b", 0) == 1 and r.getbit("b", 1) == 0
    assert r.getbit("b", 10 ** 9) == 0
    assert r.getbit("missing", 5) == 0
    assert not r.exists("missing")


def test_setbit_grows_with_zero_bytes_and_keeps_ttl(r):
    r.set("t", "ab", ex=100)
    r.setbit("t", 100, 1)
    assert r.strlen("t") == 13
    assert r.get("t") == b"ab" + b"\x00" * 10 + b"\x08"
    assert 0 < r.ttl("t") <= 100


def test_setbit_on_an_int_encoded_string_edits_its_digits(r):
    r.set("n", 12)
    assert r.setbit("n", 15, 1) == 0  # '2' = 0x32 -> 0x33
    assert r.get("n") == b"13"
    assert r.incr("n") == 14


def test_offset_and_value_errors(raw):
    for off in ("-1", "x", "1.0", " 1", "+1", "01", "#1", "4294967296", "99999999999999999999"):
        assert raw.cmd("SETBIT", "b", off, "1") == BAD_OFFSET, off
        assert raw.cmd("GETBIT", "b", off) == BAD_OFFSET, off
    for val in ("2", "-1", "x", "", "4294967297"):
        assert raw.cmd("SETBIT", "b", "0", val) == BAD_BIT, val
    # The offset is checked before the value, both before the type.
    raw.cmd("RPUSH", "l", "a")
    assert raw.cmd("SETBIT", "l", "-1", "x") == BAD_OFFSET
    assert raw.cmd("SETBIT", "l", "0", "x") == BAD_BIT
    assert raw.cmd("SETBIT", "l", "0", "1") == WRONGTYPE
    assert raw.cmd("GETBIT", "l", "0") == WRONGTYPE


def test_largest_offset_allowed_follows_proto_max_bulk_len(r, raw):
    # 2^32 - 1 is the last bit of a 512 MB string; one more is refused.
    assert raw.cmd("SETBIT", "b", str(2 ** 32), "1") == BAD_OFFSET
    assert raw.cmd("GETBIT", "b", str(2 ** 32 - 1)) == b":0\r\n"
    r.config_set("proto-max-bulk-len", MB)
    try:
        assert raw.cmd("SETBIT", "b", str(8 * MB), "1") == BAD_OFFSET
        assert raw.cmd("BITFIELD", "b", "SET", "u8", "#%d" % MB, "1") == BAD_OFFSET
        assert raw.cmd("SETBIT", "b", str(8 * MB - 1), "1") == b":0\r\n"
        assert r.strlen("b") == MB
        assert r.bitcount("b") == 1
        assert r.bitpos("b", 1) == 8 * MB - 1
    finally:
        r.config_set("proto-max-bulk-len", 512 * MB)


def test_a_64_mb_bitmap(r):
    off = 64 * 8 * MB - 1
    assert r.setbit("big", off, 1) == 0
    assert r.strlen("big") == 64 * MB
    assert r.bitcount("big") == 1
    assert r.bitpos("big", 1) == off
    assert r.bitpos("big", 0, 1) == 8
    # In-place writes on a large value stay fast.
    start = time.time()
    for i in range(2000):
        r.setbit("big", i * 4099, 1)
    assert time.time() - start < 5
    assert r.bitcount("big") == 2001
    assert r.bitcount("big", 0, -1, "bit") == 2001


# ----------------------------------------------------------------------------
# BITCOUNT / BITPOS

def test_bitcount_ranges(r):
    r.set("s", "foobar")
    assert r.bitcount("s") == 26
    assert r.bitcount("s", 0, 0) == 4
    assert r.bitcount("s", 1, 1) == 6
    assert r.bitcount("s", -2, -1) == 7
    assert r.bitcount("s", 5, 30, "bit") == 17
    assert r.bitcount("s", -1, -2) == 0
    assert r.bitcount("missing") == 0


def test_bitcount_and_bitpos_check_the_key_before_their_range(raw):
    # Redis 7.0: a missing key answers before the range is parsed.
    assert raw.cmd("BITCOUNT", "nokey", "a", "b") == b":0\r\n"
    assert raw.cmd("BITCOUNT", "nokey", "1") == b":0\r\n"
    assert raw.cmd("BITPOS", "nokey", "1", "x") == b":-1\r\n"
    assert raw.cmd("BITPOS", "nokey", "0", "x") == b":0\r\n"
    assert raw.cmd("BITPOS", "nokey", "2") == b"-ERR The bit argument must be 1 or 0.\r\n"
    raw.cmd("SET", "s", "x")
    assert raw.cmd("BITCOUNT", "s", "a", "b") == NOT_INT
    assert raw.cmd("BITCOUNT", "s", "1") == SYNTAX
    assert raw.cmd("BITCOUNT", "s", "0", "1", "bits") == SYNTAX
    assert raw.cmd("BITCOUNT", "s", "-1", "-2", "bits") == b":0\r\n"
    assert raw.cmd("BITPOS", "s", "1", "0", "1", "BIT", "x") == SYNTAX
    assert raw.cmd("BITPOS", "s", "1", "0", "x", "BITS") == SYNTAX


def test_bitpos_clear_bit_past_the_end(r):
    r.set("o", b"\xff\xff\xff")
    assert r.bitpos("o", 0) == 24      # zero-padded on the right
    assert r.bitpos("o", 0, 0, -1) == -1  # an explicit end forbids it
    assert r.bitpos("o", 0, 1) == 24
    r.set("e", "")
    assert r.bitpos("e", 0) == -1
    assert r.bitpos("missing", 0) == 0
    assert r.bitpos("missing", 1) == -1


# ----------------------------------------------------------------------------
# BITOP

def test_bitop_results_and_lengths(r):
    r.set("a", b"\xff\x0f")
    r.set("b", b"\x0f")
    assert r.bitop("AND", "d", "a", "b") == 2
    assert r.get("d") == b"\x0f\x00"
    assert r.bitop("OR", "d", "a", "b", "missing") == 2
    assert r.get("d") == b"\xff\x0f"
    assert r.bitop("XOR", "d", "a", "b") == 2
    assert r.get("d") == b"\xf0\x0f"
    assert r.bitop("NOT", "d", "a") == 2
    assert r.get("d") == b"\x00\xf0"
    # Only empty inputs: the destination is deleted.
    assert r.bitop("AND", "d", "missing", "missing2") == 0
    assert not r.exists("d")


def test_bitop_overwrites_any_type_and_drops_the_ttl(r):
    r.rpush("d", "x")
    r.expire("d", 100)
    r.set("a", "abc")
    assert r.bitop("OR", "d", "a") == 3
    assert r.type("d") == b"string" and r.ttl("d") == -1


def test_bitop_errors(raw):
    raw.cmd("SET", "a", "x")
    raw.cmd("RPUSH", "l", "x")
    assert raw.cmd("BITOP", "NAND", "d", "a") == SYNTAX
    assert raw.cmd("BITOP", "NOT", "d", "a", "a") == \
        b"-ERR BITOP NOT must be called with a single source key.\r\n"
    assert raw.cmd("BITOP", "AND", "d", "a", "l") == WRONGTYPE
    assert raw.cmd("BITOP", "AND", "d") == \
        b"-ERR wrong number of arguments for 'bitop' command\r\n"


def test_bitop_on_large_inputs(r):
    a = bytes(random.Random(1).getrandbits(8) for _ in range(100000))
    b = bytes(random.Random(2).getrandbits(8) for _ in range(70001))
    r.set("a", a)
    r.set("b", b)
    r.bitop("XOR", "x", "a", "b")
    expect = bytes(x ^ y for x, y in zip(a, b + b"\x00" * (len(a) - len(b))))
    assert r.get("x") == expect
    r.bitop("AND", "x", "a", "b")
    assert r.get("x") == bytes(x & y for x, y in zip(a, b)) + b"\x00" * (len(a) - len(b))


# ----------------------------------------------------------------------------
# BITFIELD

def test_bitfield_basic_and_overflow(r):
    bf = r.bitfield("k")
    assert bf.set("i8", 0, 100).incrby("i8", 0, 100).get("u8", 0).execute() == [0, -56, 200]
    assert r.bitfield("k", "SAT").incrby("i8", 0, -1000).execute() == [-128]
    assert r.bitfield("k", "FAIL").incrby("u8", 8, 256).incrby("u8", 8, 255).execute() \
        == [None, 255]
    assert r.execute_command("BITFIELD", "k", "GET", "u8", "#1", "SET", "u4", "#3", 15,
                             "GET", "u16", 0) == [255, 15, 0x80FF]


def test_bitfield_ro(raw):
    raw.cmd("SET", "k", "\x01")
    assert raw.cmd("BITFIELD_RO", "k", "GET", "u8", "0") == b"*1\r\n:1\r\n"
    assert raw.cmd("BITFIELD_RO", "k", "SET", "u8", "0", "1") == \
        b"-ERR BITFIELD_RO only supports the GET subcommand\r\n"
    assert raw.cmd("BITFIELD_RO", "k", "GET", "u64", "0") == \
        b"-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not " \
        b"supported but i64 is.\r\n"


def test_bitfield_errors_come_before_the_type_check(raw):
    raw.cmd("RPUSH", "l", "a")
    assert raw.cmd("BITFIELD", "l", "GET", "u8") == SYNTAX
    assert raw.cmd("BITFIELD", "l", "OVERFLOW", "x") == \
        b"-ERR Invalid OVERFLOW type specified\r\n"
    assert raw.cmd("BITFIELD", "l", "GET", "u8", "-1") == BAD_OFFSET
    assert raw.cmd("BITFIELD", "l", "SET", "u8", "0", "x") == NOT_INT
    assert raw.cmd("BITFIELD", "l", "GET", "u8", "0") == WRONGTYPE
    assert raw.cmd("BITFIELD", "l") == WRONGTYPE


def test_bitfield_fail_still_creates_the_key(r):
    assert r.execute_command("BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u8", "8", "300") \
        == [None]
    assert r.get("k") == b"\x00\x00"
    # GET-only requests never create it.
    assert r.execute_command("BITFIELD", "k2", "GET", "u8", "0") == [0]
    assert not r.exists("k2")


# ----------------------------------------------------------------------------
# Server rules: OOM, notifications, WATCH, MULTI

def test_denyoom_writes_are_refused_over_maxmemory(r, raw):
    r.setbit("k", 0, 1)
    r.config_set("maxmemory", 1)
    try:
        assert raw.cmd("SETBIT", "k", "1", "1") == OOM
        assert raw.cmd("BITOP", "NOT", "d", "k") == OOM
        assert raw.cmd("BITFIELD", "k", "GET", "u8", "0") == OOM  # denyoom as a command
        assert raw.cmd("BITFIELD_RO", "k", "GET", "u8", "0") == b"*1\r\n:128\r\n"
        assert raw.cmd("GETBIT", "k", "0") == b":1\r\n"
        assert raw.cmd("BITCOUNT", "k") == b":1\r\n"
        assert raw.cmd("BITPOS", "k", "1") == b":0\r\n"
    finally:
        r.config_set("maxmemory", 0)


def _events(server, r, commands, flags="KEA"):
    r.config_set("notify-keyspace-events", flags)
    p = server.client().pubsub()
    try:
        p.psubscribe("__keyevent@0__:*")
        assert p.get_message(timeout=2)["type"] == "psubscribe"
        for c in commands:
            try:
                r.execute_command(*c)
            except redis.ResponseError:
                pass
        r.execute_command("PUBLISH", "__keyevent@0__:end", "x")
        out = []
        while True:
            m = p.get_message(timeout=2)
            assert m is not None, out
            if m["type"] != "pmessage":
                continue
            ev = m["channel"].decode().split(":", 1)[1]
            if ev == "end":
                return out
            out.append((ev, m["data"].decode()))
    finally:
        p.close()
        r.config_set("notify-keyspace-events", "")


def test_keyspace_events(server, r):
    events = _events(server, r, [
        ("SETBIT", "b", 3, 1),        # new key: setbit
        ("SETBIT", "b", 3, 1),        # same bit: nothing
        ("SETBIT", "b", 3, 0),        # changed: setbit
        ("SETBIT", "b", 20, 0),       # grown: setbit even if the bit was 0
        ("BITFIELD", "b", "SET", "u8", 0, 0),  # no change: nothing
        ("BITFIELD", "b", "SET", "u8", 0, 1, "GET", "u8", 0),  # one setbit
        ("BITFIELD", "b", "OVERFLOW", "FAIL", "INCRBY", "u8", 0, 999),  # refused: nothing
        ("BITFIELD", "c", "OVERFLOW", "FAIL", "SET", "u8", 0, 999),  # created, refused: nothing
        ("BITOP", "NOT", "d", "b"),   # set
        ("BITOP", "AND", "d", "nokey"),  # del
        ("BITOP", "AND", "d", "nokey"),  # nothing to delete
    ], flags="KEA")
    assert events == [("setbit", "b"), ("setbit", "b"), ("setbit", "b"), ("setbit", "b"),
                      ("set", "d"), ("del", "d")]


def test_new_key_events(server, r):
    events = _events(server, r, [("SETBIT", "n1", 0, 0), ("BITOP", "OR", "n2", "n1"),
                                 ("BITFIELD", "n3", "SET", "u8", 0, 0)], flags="KEAn")
    assert events == [("new", "n1"), ("setbit", "n1"), ("new", "n2"), ("set", "n2"),
                      ("new", "n3"), ("setbit", "n3")]


def test_watch_sees_bit_changes_but_not_no_ops(server, r):
    r.setbit("w", 0, 1)
    other = server.client()
    with r.pipeline() as p:
        p.watch("w")
        other.setbit("w", 0, 1)  # no change: the transaction still runs
        p.multi()
        p.get("w")
        assert p.execute() == [b"\x80"]
    with r.pipeline() as p:
        p.watch("w")
        other.setbit("w", 1, 1)
        p.multi()
        p.get("w")
        with pytest.raises(redis.WatchError):
            p.execute()
    other.close()


def test_in_multi(r):
    with r.pipeline() as p:
        p.setbit("m", 7, 1).getbit("m", 7).bitcount("m").bitpos("m", 1)
        p.execute_command("BITFIELD", "m", "INCRBY", "u8", 0, 1)
        assert p.execute() == [0, 1, 1, 7, [2]]


# ----------------------------------------------------------------------------
# Randomised comparison with redis-server

@pytest.fixture(scope="module")
def reference():
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    from test_differential import RedisServer
    ref = RedisServer()
    yield ref
    ref.stop()


def test_random_ranges_match_redis(r, reference):
    ref = redis.Redis(port=reference.port)
    rng = random.Random(42)
    for round_ in range(40):
        n = rng.randrange(0, 40)
        kind = rng.randrange(3)
        value = bytes(0 if kind == 0 else 255 if kind == 1 else rng.getrandbits(8)
                      for _ in range(n))
        if n and kind < 2 and rng.random() < 0.7:
            i = rng.randrange(n)
            value = value[:i] + bytes([rng.getrandbits(8)]) + value[i + 1:]
        for c in (r, ref):
            c.set("v", value)
        for _ in range(60):
            unit = rng.choice([[], ["BYTE"], ["BIT"]])
            lim = n * (8 if unit == ["BIT"] else 1) + 5
            a, b = rng.randrange(-lim, lim), rng.randrange(-lim, lim)
            bit = rng.randrange(2)
            cmds = [("BITCOUNT", "v", a, b, *unit), ("BITPOS", "v", bit, a, b, *unit),
                    ("BITPOS", "v", bit, a), ("BITPOS", "v", bit)]
            if not unit:
                cmds.append(("BITCOUNT", "v"))
            for cmd in cmds:
                assert r.execute_command(*cmd) == ref.execute_command(*cmd), (value, cmd)


def test_random_bitfields_match_redis(r, reference):
    ref = redis.Redis(port=reference.port)
    rng = random.Random(7)
    for c in (r, ref):
        c.delete("f")
    for _ in range(400):
        args = ["BITFIELD", "f"]
        for _ in range(rng.randrange(1, 5)):
            if rng.random() < 0.3:
                args += ["OVERFLOW", rng.choice(["WRAP", "SAT", "FAIL"])]
            signed = rng.random() < 0.5
            bits = rng.randrange(1, 65 if signed else 64)
            typ = ("i" if signed else "u") + str(bits)
            off = rng.choice([str(rng.randrange(0, 200)), "#%d" % rng.randrange(0, 4)])
            op = rng.choice(["GET", "SET", "INCRBY"])
            if op == "GET":
                args += ["GET", typ, off]
            else:
                v = rng.choice([rng.randrange(-2 ** 63, 2 ** 63), rng.randrange(-300, 300),
                                2 ** (bits - 1), -2 ** (bits - 1) - 1])
                args += [op, typ, off, str(v)]
        assert _call(r, args) == _call(ref, args), args
    assert r.get("f") == ref.get("f")


def _call(client, args):
    try:
        return client.execute_command(*args)
    except redis.ResponseError as e:
        return ("error", str(e))
