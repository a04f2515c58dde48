"""End-to-end tests of the hash family: HSET HSETNX HMSET HGET HMGET HGETALL
HDEL HEXISTS HLEN HSTRLEN HKEYS HVALS HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN,
their encodings (OBJECT ENCODING listpack -> hashtable), hashes under the
generic key commands, WATCH, and memory accounting.

Expected replies, error texts and the order in which errors are reported were
taken from redis-server (7.0.15, with 7.2's reply shapes) given the same
commands. Exact error texts are checked on the wire with `Raw`, a minimal RESP
client, because redis-py strips the "ERR " prefix.
"""
import socket
import time

import pytest
import redis

WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
NOT_INT = b"-ERR value is not an integer or out of range\r\n"
NOT_FLOAT = b"-ERR value is not a valid float\r\n"
HASH_NOT_INT = b"-ERR hash value is not an integer\r\n"
HASH_NOT_FLOAT = b"-ERR hash value is not a float\r\n"
OVERFLOW = b"-ERR increment or decrement would overflow\r\n"
NAN_OR_INF = b"-ERR increment would produce NaN or Infinity\r\n"
SYNTAX = b"-ERR syntax error\r\n"
INVALID_CURSOR = b"-ERR invalid cursor\r\n"
NIL = b"$-1\r\n"
OK = b"+OK\r\n"
EMPTY = b"*0\r\n"
EMPTY_SCAN = b"*2\r\n$1\r\n0\r\n*0\r\n"


def arity(name):
    return b"-ERR wrong number of arguments for '%s' command\r\n" % name.encode()


from conftest import Raw  # noqa: E402  (shared raw-RESP client)


@pytest.fixture
def raw(server, r):
    c = Raw(server.port)
    yield c
    c.close()


@pytest.fixture
def raw3(server, r):
    """A raw connection switched to RESP3."""
    c = Raw(server.port)
    assert c.cmd("HELLO", "3").startswith(b"%")
    yield c
    c.close()


@pytest.fixture(autouse=True)
def limits(r):
    """Pins the encoding thresholds to redis.conf's 128 entries / 64 bytes (a
    redis-server started without a config file uses 512 entries), and restores
    them after tests that change them."""
    r.config_set("hash-max-listpack-entries", 128)
    r.config_set("hash-max-listpack-value", 64)
    yield
    r.config_set("hash-max-listpack-entries", 128)
    r.config_set("hash-max-listpack-value", 64)


def bulk(b):
    if isinstance(b, str):
        b = b.encode()
    return b"$%d\r\n%s\r\n" % (len(b), b)


def integer(n):
    return b":%d\r\n" % n


def parse(data):
    """Decodes one raw RESP2 reply into Python values (arrays as lists)."""
    def one(i):
        kind, end = data[i:i + 1], data.index(b"\r\n", i)
        head = data[i + 1:end]
        if kind == b"$":
            n = int(head)
            return (None, end + 2) if n < 0 else (data[end + 2:end + 2 + n], end + 4 + n)
        if kind == b"*":
            items, j = [], end + 2
            for _ in range(max(int(head), 0)):
                item, j = one(j)
                items.append(item)
            return items, j
        if kind == b":":
            return int(head), end + 2
        return head, end + 2
    return one(0)[0]


def encoding(r, key):
    return r.object("encoding", key)


# ----------------------------------------------------------------------------
# HSET HMSET HSETNX HGET HMGET


def test_hset_hget(r, raw):
    assert raw.cmd("HSET", "h", "a", "1") == integer(1)
    assert raw.cmd("HSET", "h", "a", "2", "b", "3", "c", "4") == integer(2)
    assert raw.cmd("HSET", "h", "a", "x", "a", "y") == integer(0)  # last one wins
    assert raw.cmd("HGET", "h", "a") == bulk("y")
    assert raw.cmd("HGET", "h", "b") == bulk("3")
    assert raw.cmd("HGET", "h", "nofield") == NIL
    assert raw.cmd("HGET", "nokey", "a") == NIL
    assert r.hlen("h") == 3
    assert r.type("h") == b"hash"


def test_hset_repeated_new_field_counts_once(r, raw):
    assert raw.cmd("HSET", "h", "f", "1", "f", "2", "f", "3") == integer(1)
    assert r.hgetall("h") == {b"f": b"3"}


def test_hset_hmset_arity(r, raw):
    assert raw.cmd("HSET", "h", "f") == arity("hset")
    assert raw.cmd("HSET", "h", "f", "v", "g") == arity("hset")
    assert raw.cmd("HSET", "h") == arity("hset")
    assert raw.cmd("HMSET", "h", "f") == arity("hmset")
    assert raw.cmd("HMSET", "h", "f", "v", "g") == arity("hmset")
    assert r.exists("h") == 0
    # The pair count is checked before the key's type.
    r.set("s", "x")
    assert raw.cmd("HSET", "s", "f") == arity("hset")


def test_hmset(r, raw):
    assert raw.cmd("HMSET", "h", "a", "1", "b", "2") == OK
    assert raw.cmd("HMSET", "h", "a", "3") == OK
    assert r.hgetall("h") == {b"a": b"3", b"b": b"2"}


def test_hsetnx(r, raw):
    assert raw.cmd("HSETNX", "h", "a", "1") == integer(1)
    assert raw.cmd("HSETNX", "h", "a", "2") == integer(0)
    assert raw.cmd("HSETNX", "h", "b", "2") == integer(1)
    assert r.hgetall("h") == {b"a": b"1", b"b": b"2"}
    assert raw.cmd("HSETNX", "h", "a") == arity("hsetnx")


def test_hmget(r, raw):
    r.hset("h", mapping={"a": "1", "b": "2"})
    assert raw.cmd("HMGET", "h", "a", "nofield", "b", "a") == (
        b"*4\r\n" + bulk("1") + NIL + bulk("2") + bulk("1"))
    assert raw.cmd("HMGET", "nokey", "a", "b") == b"*2\r\n" + NIL + NIL
    assert raw.cmd("HMGET", "h") == arity("hmget")


def test_binary_and_empty_fields_and_values(r):
    field, value = b"f\x00\r\n\xff", b"\x00v\x00\r\n"
    assert r.hset(b"bin\x00h", field, value) == 1
    assert r.hset(b"bin\x00h", b"", b"") == 1
    assert r.hget(b"bin\x00h", field) == value
    assert r.hget(b"bin\x00h", b"") == b""
    assert r.hget(b"bin\x00h", b"f") is None
    assert r.hstrlen(b"bin\x00h", field) == len(value)
    assert r.hexists(b"bin\x00h", b"") is True
    assert r.hgetall(b"bin\x00h") == {field: value, b"": b""}


def test_large_values_and_many_fields(r):
    big = bytes(range(256)) * 4096  # 1 MB
    r.hset("h", "big", big)
    assert r.hget("h", "big") == big
    assert r.hstrlen("h", "big") == len(big)
    assert encoding(r, "h") == b"hashtable"
    mapping = {f"field:{i}": f"value:{i}" for i in range(10000)}
    for i in range(0, 10000, 1000):
        r.hset("many", mapping={k: mapping[k] for k in list(mapping)[i:i + 1000]})
    assert r.hlen("many") == 10000
    got = r.hgetall("many")
    assert got == {k.encode(): v.encode() for k, v in mapping.items()}
    assert r.hget("many", "field:9999") == b"value:9999"


# ----------------------------------------------------------------------------
# HGETALL HKEYS HVALS HLEN HEXISTS HSTRLEN HDEL


def test_hgetall_hkeys_hvals(r, raw):
    r.hset("h", mapping={"a": "1", "b": "22", "c": "333"})
    assert r.hgetall("h") == {b"a": b"1", b"b": b"22", b"c": b"333"}
    keys, vals = r.hkeys("h"), r.hvals("h")
    assert sorted(keys) == [b"a", b"b", b"c"]
    # The three commands walk the hash in the same order.
    assert dict(zip(keys, vals)) == r.hgetall("h")
    assert raw.cmd("HGETALL", "nokey") == EMPTY
    assert raw.cmd("HKEYS", "nokey") == EMPTY
    assert raw.cmd("HVALS", "nokey") == EMPTY


def test_hgetall_order_consistent_in_a_table(r):
    r.hset("h", mapping={f"f{i}": str(i) for i in range(500)})
    assert encoding(r, "h") == b"hashtable"
    keys, vals = r.hkeys("h"), r.hvals("h")
    assert len(keys) == 500
    assert dict(zip(keys, vals)) == r.hgetall("h")


def test_resp3_shapes(r, raw3):
    assert raw3.cmd("HSET", "h", "a", "1") == integer(1)
    assert raw3.cmd("HGETALL", "h") == b"%1\r\n" + bulk("a") + bulk("1")
    assert raw3.cmd("HGETALL", "nokey") == b"%0\r\n"
    assert raw3.cmd("HKEYS", "h") == b"*1\r\n" + bulk("a")  # an array, not a set
    assert raw3.cmd("HVALS", "nokey") == EMPTY
    assert raw3.cmd("HGET", "h", "zz") == b"_\r\n"
    assert raw3.cmd("HMGET", "h", "a", "zz") == b"*2\r\n" + bulk("1") + b"_\r\n"
    assert raw3.cmd("HSCAN", "h", "0") == b"*2\r\n" + bulk("0") + b"*2\r\n" + bulk("a") + bulk("1")
    assert raw3.cmd("HINCRBYFLOAT", "h", "a", "0.5") == bulk("1.5")  # a bulk string in RESP3 too


def test_hlen_hexists_hstrlen(r, raw):
    r.hset("h", mapping={"a": "hello", "b": ""})
    assert raw.cmd("HLEN", "h") == integer(2)
    assert raw.cmd("HLEN", "nokey") == integer(0)
    assert raw.cmd("HEXISTS", "h", "a") == integer(1)
    assert raw.cmd("HEXISTS", "h", "b") == integer(1)
    assert raw.cmd("HEXISTS", "h", "c") == integer(0)
    assert raw.cmd("HEXISTS", "nokey", "a") == integer(0)
    assert raw.cmd("HSTRLEN", "h", "a") == integer(5)
    assert raw.cmd("HSTRLEN", "h", "b") == integer(0)
    assert raw.cmd("HSTRLEN", "h", "c") == integer(0)
    assert raw.cmd("HSTRLEN", "nokey", "a") == integer(0)
    r.hincrby("h", "n", -12345)
    assert raw.cmd("HSTRLEN", "h", "n") == integer(6)


def test_hdel(r, raw):
    r.hset("h", mapping={"a": "1", "b": "2", "c": "3"})
    assert raw.cmd("HDEL", "h", "a") == integer(1)
    assert raw.cmd("HDEL", "h", "a") == integer(0)
    assert raw.cmd("HDEL", "h", "nofield", "b", "b") == integer(1)
    assert r.hgetall("h") == {b"c": b"3"}
    assert raw.cmd("HDEL", "nokey", "a") == integer(0)
    assert raw.cmd("HDEL", "h") == arity("hdel")
    # The last field takes the key with it.
    assert raw.cmd("HDEL", "h", "c", "d") == integer(1)
    assert r.exists("h") == 0
    assert r.type("h") == b"none"


def test_hdel_empties_a_table(r):
    r.hset("h", mapping={f"f{i}": i for i in range(300)})
    assert encoding(r, "h") == b"hashtable"
    assert r.hdel("h", *[f"f{i}" for i in range(299)]) == 299
    assert r.hgetall("h") == {b"f299": b"299"}
    assert encoding(r, "h") == b"hashtable"  # never back to listpack
    assert r.hdel("h", "f299", "f1") == 1
    assert r.exists("h") == 0


# ----------------------------------------------------------------------------
# HINCRBY HINCRBYFLOAT


def test_hincrby(r, raw):
    assert raw.cmd("HINCRBY", "h", "n", "5") == integer(5)
    assert raw.cmd("HINCRBY", "h", "n", "-7") == integer(-2)
    assert raw.cmd("HINCRBY", "h", "n", "0") == integer(-2)
    assert r.hget("h", "n") == b"-2"
    r.hset("h", "m", "100")
    assert raw.cmd("HINCRBY", "h", "m", "1") == integer(101)
    assert raw.cmd("HINCRBY", "new", "f", "9223372036854775807") == integer(9223372036854775807)
    assert raw.cmd("HINCRBY", "new", "g", "-9223372036854775808") == integer(-9223372036854775808)


def test_hincrby_not_an_integer(r, raw):
    r.hset("h", mapping={"s": "abc", "sp": " 1", "plus": "+1", "lead": "01",
                         "f": "1.5", "big": "9223372036854775808", "e": ""})
    for field in ("s", "sp", "plus", "lead", "f", "big", "e"):
        assert raw.cmd("HINCRBY", "h", field, "1") == HASH_NOT_INT, field
    for incr in ("x", "1.5", " 1", "+1", "9223372036854775808", ""):
        assert raw.cmd("HINCRBY", "h", "n", incr) == NOT_INT, incr
    assert r.hexists("h", "n") is False


def test_hincrby_overflow(r, raw):
    r.hset("h", mapping={"max": "9223372036854775807", "min": "-9223372036854775808"})
    assert raw.cmd("HINCRBY", "h", "max", "1") == OVERFLOW
    assert raw.cmd("HINCRBY", "h", "min", "-1") == OVERFLOW
    assert raw.cmd("HINCRBY", "h", "max", "-9223372036854775808") == integer(-1)
    assert raw.cmd("HINCRBY", "h", "min", "9223372036854775807") == integer(-1)
    assert r.hget("h", "max") == b"-1"


def test_hincrby_error_order(r, raw):
    r.set("s", "x")
    # A bad increment is reported before the key's type...
    assert raw.cmd("HINCRBY", "s", "f", "x") == NOT_INT
    assert raw.cmd("HINCRBYFLOAT", "s", "f", "x") == NOT_FLOAT
    # ...and the type before the field's value.
    assert raw.cmd("HINCRBY", "s", "f", "1") == WRONGTYPE
    assert raw.cmd("HINCRBYFLOAT", "s", "f", "1") == WRONGTYPE
    assert raw.cmd("HINCRBY", "h", "f") == arity("hincrby")


@pytest.mark.parametrize("start,incr,expected", [
    (None, "10.5", "10.5"),
    ("10.5", "0.1", "10.6"),
    ("5.0e3", "2.0e2", "5200"),
    ("3", "0", "3"),
    ("3", "-3", "0"),
    (None, "-0.0", "0"),
    ("10", "1.5", "11.5"),
    ("1500", "0.1", "1500.09999999999999998"),
    ("9223372036854775807", "1", "9223372036854775808"),
    ("0x10", "1", "17"),
    ("inf", "-1e308", None),
])
def test_hincrbyfloat(r, raw, start, incr, expected):
    if start is not None:
        r.hset("h", "f", start)
    reply = raw.cmd("HINCRBYFLOAT", "h", "f", incr)
    if expected is None:
        assert reply == NAN_OR_INF
    else:
        assert reply == bulk(expected)
        assert r.hget("h", "f") == expected.encode()


def test_hincrbyfloat_errors(r, raw):
    r.hset("h", mapping={"s": "abc", "sp": " 1.5", "tail": "1.5 ", "huge": "1e5000",
                         "max": "1e4932"})
    for field in ("s", "sp", "tail", "huge"):
        assert raw.cmd("HINCRBYFLOAT", "h", field, "1") == HASH_NOT_FLOAT, field
    for incr in ("x", " 1", "1e5000", "nan", ""):
        assert raw.cmd("HINCRBYFLOAT", "h", "n", incr) == NOT_FLOAT, incr
    for incr in ("inf", "-inf", "+inf"):
        assert raw.cmd("HINCRBYFLOAT", "h", "n", incr) == b"-ERR value is NaN or Infinity\r\n"
    assert raw.cmd("HINCRBYFLOAT", "h", "max", "1e4932") == NAN_OR_INF
    assert r.hget("h", "max") == b"1e4932"
    assert r.hexists("h", "n") is False
    assert r.exists("nokey") == 0
    assert raw.cmd("HINCRBYFLOAT", "nokey", "f", "inf") == b"-ERR value is NaN or Infinity\r\n"
    assert r.exists("nokey") == 0


def test_hincrby_then_hincrbyfloat_and_back(r, raw):
    assert r.hincrby("h", "f", 10) == 10
    assert raw.cmd("HINCRBYFLOAT", "h", "f", "1.5") == bulk("11.5")
    assert raw.cmd("HINCRBY", "h", "f", "1") == HASH_NOT_INT
    assert raw.cmd("HINCRBYFLOAT", "h", "f", "-0.5") == bulk("11")
    assert raw.cmd("HINCRBY", "h", "f", "1") == integer(12)


# ----------------------------------------------------------------------------
# HRANDFIELD


def test_hrandfield_without_count(r, raw):
    assert raw.cmd("HRANDFIELD", "nokey") == NIL
    r.hset("h", mapping={"a": "1", "b": "2", "c": "3"})
    seen = set()
    for _ in range(200):
        seen.add(r.hrandfield("h"))
    assert seen == {b"a", b"b", b"c"}


@pytest.mark.parametrize("size", [5, 300])  # listpack and hashtable
def test_hrandfield_positive_count_is_distinct(r, size):
    mapping = {f"f{i}".encode(): f"v{i}".encode() for i in range(size)}
    r.hset("h", mapping=mapping)
    for count in (1, 2, size // 2, size // 3 + 1, size - 1, size, size + 10):
        got = r.hrandfield("h", count)
        assert len(got) == min(count, size)
        assert len(set(got)) == len(got)
        assert set(got) <= set(mapping)
        pairs = r.hrandfield("h", count, withvalues=True)
        assert len(pairs) == 2 * min(count, size)
        fields = pairs[0::2]
        assert len(set(fields)) == len(fields)
        for f, v in zip(pairs[0::2], pairs[1::2]):
            assert mapping[f] == v
    assert set(r.hrandfield("h", size)) == set(mapping)


@pytest.mark.parametrize("size", [3, 300])
def test_hrandfield_negative_count_repeats(r, size):
    mapping = {f"f{i}".encode(): f"v{i}".encode() for i in range(size)}
    r.hset("h", mapping=mapping)
    got = r.hrandfield("h", -(size * 20))
    assert len(got) == size * 20
    assert set(got) <= set(mapping)
    assert len(set(got)) > size // 2
    pairs = r.hrandfield("h", -7, withvalues=True)
    assert len(pairs) == 14
    for f, v in zip(pairs[0::2], pairs[1::2]):
        assert mapping[f] == v
    r.delete("one")
    r.hset("one", "x", "y")
    assert r.hrandfield("one", -5) == [b"x"] * 5


@pytest.mark.parametrize("size", [50, 300])
def test_hrandfield_distribution_is_uniform(r, size):
    r.hset("h", mapping={f"f{i}": i for i in range(size)})
    hits = {}
    for _ in range(4):
        for f in r.hrandfield("h", -50 * size):
            hits[f] = hits.get(f, 0) + 1
    assert len(hits) == size
    # 200 expected per field, standard deviation about 14.
    assert min(hits.values()) > 120 and max(hits.values()) < 280, sorted(hits.values())


def test_hrandfield_zero_and_missing(r, raw):
    r.hset("h", "a", "1")
    assert raw.cmd("HRANDFIELD", "h", "0") == EMPTY
    assert raw.cmd("HRANDFIELD", "h", "0", "WITHVALUES") == EMPTY
    assert raw.cmd("HRANDFIELD", "nokey", "3") == EMPTY
    assert raw.cmd("HRANDFIELD", "nokey", "-3", "withvalues") == EMPTY


def test_hrandfield_errors(r, raw):
    r.hset("h", "a", "1")
    r.set("s", "x")
    assert raw.cmd("HRANDFIELD", "h", "x") == NOT_INT
    assert raw.cmd("HRANDFIELD", "h", "1.5") == NOT_INT
    assert raw.cmd("HRANDFIELD", "h", "-9223372036854775808") == (
        b"-ERR value is out of range, value must between -9223372036854775807 and "
        b"9223372036854775807\r\n")
    assert raw.cmd("HRANDFIELD", "h", "1", "WITHVALUE") == SYNTAX
    assert raw.cmd("HRANDFIELD", "h", "1", "WITHVALUES", "x") == SYNTAX
    assert raw.cmd("HRANDFIELD", "h", "4611686018427387904", "WITHVALUES") == (
        b"-ERR value is out of range\r\n")
    assert raw.cmd("HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES") == (
        b"-ERR value is out of range\r\n")
    assert raw.cmd("HRANDFIELD", "h", "4611686018427387903", "WITHVALUES") == (
        b"*2\r\n" + bulk("a") + bulk("1"))
    # Count and options are checked before the key; the type before a zero count.
    assert raw.cmd("HRANDFIELD", "s", "x") == NOT_INT
    assert raw.cmd("HRANDFIELD", "s", "1", "foo") == SYNTAX
    assert raw.cmd("HRANDFIELD", "s", "0") == WRONGTYPE
    assert raw.cmd("HRANDFIELD", "s") == WRONGTYPE
    assert raw.cmd("HRANDFIELD", "nokey", "x") == NOT_INT


def test_hrandfield_resp3_pairs(r, raw3):
    raw3.cmd("HSET", "h", "a", "1")
    pair = b"*2\r\n" + bulk("a") + bulk("1")
    assert raw3.cmd("HRANDFIELD", "h", "1", "WITHVALUES") == b"*1\r\n" + pair
    assert raw3.cmd("HRANDFIELD", "h", "5", "WITHVALUES") == b"*1\r\n" + pair
    assert raw3.cmd("HRANDFIELD", "h", "-2", "WITHVALUES") == b"*2\r\n" + pair + pair
    assert raw3.cmd("HRANDFIELD", "h", "-2") == b"*2\r\n" + bulk("a") + bulk("a")
    assert raw3.cmd("HRANDFIELD", "h") == bulk("a")
    assert raw3.cmd("HRANDFIELD", "nokey") == b"_\r\n"
    assert raw3.cmd("HRANDFIELD", "nokey", "2", "WITHVALUES") == EMPTY
    raw3.cmd("HSET", "big", *[x for i in range(200) for x in (f"f{i}", "v")])
    reply = raw3.cmd("HRANDFIELD", "big", "3", "WITHVALUES")
    assert reply.startswith(b"*3\r\n*2\r\n") and reply.count(b"*2\r\n") == 3


# ----------------------------------------------------------------------------
# HSCAN


def scan_all(r, key, **kw):
    cursor, out, calls = 0, {}, 0
    while True:
        cursor, page = r.hscan(key, cursor, **kw)
        calls += 1
        out.update(page)
        if cursor == 0:
            return out, calls


def test_hscan_small_hash_in_one_call(r, raw):
    r.hset("h", mapping={"a": "1", "b": "2", "c": "3"})
    cursor, page = r.hscan("h", 0, count=1)
    assert cursor == 0
    assert page == {b"a": b"1", b"b": b"2", b"c": b"3"}
    # Any cursor on a listpack: the whole hash, cursor 0.
    assert r.hscan("h", 12345) == (0, page)
    assert raw.cmd("HSCAN", "nokey", "0") == EMPTY_SCAN


def test_hscan_large_hash_iterates_everything(r):
    mapping = {f"field:{i}".encode(): str(i).encode() for i in range(2000)}
    r.hset("h", mapping=mapping)
    assert encoding(r, "h") == b"hashtable"
    got, calls = scan_all(r, "h")
    assert got == mapping
    assert calls > 10  # COUNT 10 by default: many steps
    got, calls = scan_all(r, "h", count=1000)
    assert got == mapping
    assert calls < 10


def test_hscan_match(r):
    r.hset("small", mapping={"user:1": "a", "user:2": "b", "admin:1": "c"})
    assert r.hscan("small", 0, match="user:*") == (0, {b"user:1": b"a", b"user:2": b"b"})
    assert r.hscan("small", 0, match="*") == (0, {b"user:1": b"a", b"user:2": b"b",
                                                  b"admin:1": b"c"})
    assert r.hscan("small", 0, match="nothing*") == (0, {})
    r.hset("big", mapping={f"{'user' if i % 2 else 'admin'}:{i}": i for i in range(1000)})
    got, _ = scan_all(r, "big", match="user:*", count=50)
    assert set(got) == {f"user:{i}".encode() for i in range(1, 1000, 2)}
    # MATCH applies to fields, not values.
    r.hset("v", "field", "user:value")
    assert r.hscan("v", 0, match="user:*") == (0, {})


def test_hscan_while_fields_are_added_and_removed(r):
    mapping = {f"keep:{i}".encode(): b"1" for i in range(500)}
    r.hset("h", mapping=mapping)
    cursor, seen, n = 0, set(), 0
    while True:
        cursor, page = r.hscan("h", cursor, count=20)
        seen.update(page)
        # Grow the table a lot, then shrink it again, while scanning.
        if n < 10:
            r.hset("h", mapping={f"tmp:{n}:{i}": "x" for i in range(300)})
        elif n < 20:
            r.hdel("h", *[f"tmp:{n - 10}:{i}" for i in range(300)])
        n += 1
        if cursor == 0:
            break
    assert set(mapping) <= seen


def test_hscan_errors_and_order(r, raw):
    r.hset("h", "a", "1")
    r.set("s", "x")
    assert raw.cmd("HSCAN", "h", "x") == INVALID_CURSOR
    assert raw.cmd("HSCAN", "h", " 1") == INVALID_CURSOR
    assert raw.cmd("HSCAN", "h", "18446744073709551616") == INVALID_CURSOR
    assert raw.cmd("HSCAN", "h", "0", "COUNT", "0") == SYNTAX
    assert raw.cmd("HSCAN", "h", "0", "COUNT", "-1") == SYNTAX
    assert raw.cmd("HSCAN", "h", "0", "COUNT", "x") == NOT_INT
    assert raw.cmd("HSCAN", "h", "0", "MATCH") == SYNTAX
    assert raw.cmd("HSCAN", "h", "0", "foo", "bar") == SYNTAX
    assert raw.cmd("HSCAN", "h", "0", "NOVALUES") == SYNTAX  # Redis 7.4, not 7.2
    assert raw.cmd("HSCAN", "h") == arity("hscan")
    # The cursor is checked before the key; options only once a hash is found.
    assert raw.cmd("HSCAN", "nokey", "x") == INVALID_CURSOR
    assert raw.cmd("HSCAN", "nokey", "0", "COUNT", "0") == EMPTY_SCAN
    assert raw.cmd("HSCAN", "s", "0", "COUNT", "0") == WRONGTYPE
    # Accepted cursor forms (strtoul).
    for cursor in ("+0", "-1", "18446744073709551615", "007"):
        assert raw.cmd("HSCAN", "h", cursor) == b"*2\r\n$1\r\n0\r\n*2\r\n" + bulk("a") + bulk("1")
    # COUNT and MATCH may repeat; the last one wins.
    assert raw.cmd("HSCAN", "h", "0", "MATCH", "zz", "MATCH", "a", "COUNT", "1", "count", "5") == (
        b"*2\r\n$1\r\n0\r\n*2\r\n" + bulk("a") + bulk("1"))


# ----------------------------------------------------------------------------
# WRONGTYPE


@pytest.mark.parametrize("args", [
    ("HSET", "s", "f", "v"), ("HSETNX", "s", "f", "v"), ("HMSET", "s", "f", "v"),
    ("HGET", "s", "f"), ("HMGET", "s", "f"), ("HGETALL", "s"), ("HDEL", "s", "f"),
    ("HEXISTS", "s", "f"), ("HLEN", "s"), ("HSTRLEN", "s", "f"), ("HKEYS", "s"),
    ("HVALS", "s"), ("HINCRBY", "s", "f", "1"), ("HINCRBYFLOAT", "s", "f", "1"),
    ("HRANDFIELD", "s"), ("HRANDFIELD", "s", "2"), ("HRANDFIELD", "s", "-2", "WITHVALUES"),
    ("HSCAN", "s", "0"),
])
def test_wrongtype(r, raw, args):
    r.set("s", "x")
    assert raw.cmd(*args) == WRONGTYPE
    assert r.get("s") == b"x"


@pytest.mark.parametrize("args", [
    ("GET", "h"), ("APPEND", "h", "x"), ("INCR", "h"), ("STRLEN", "h"), ("GETRANGE", "h", 0, 1),
])
def test_string_commands_on_a_hash(r, raw, args):
    r.hset("h", "f", "v")
    assert raw.cmd(*args) == WRONGTYPE
    assert r.hgetall("h") == {b"f": b"v"}


def test_set_overwrites_a_hash(r):
    r.hset("h", "f", "v")
    assert r.set("h", "string") is True
    assert r.type("h") == b"string"
    assert r.get("h") == b"string"


# ----------------------------------------------------------------------------
# Encodings


def test_encoding_entries_threshold(r):
    r.hset("h", mapping={f"f{i}": i for i in range(128)})
    assert encoding(r, "h") == b"listpack"
    r.hset("h", "f0", "updated")
    assert encoding(r, "h") == b"listpack"
    r.hset("h", "f128", "x")
    assert encoding(r, "h") == b"hashtable"
    assert r.hlen("h") == 129
    assert r.hget("h", "f0") == b"updated"
    assert r.hget("h", "f127") == b"127"
    r.hdel("h", *[f"f{i}" for i in range(100)])
    assert encoding(r, "h") == b"hashtable"


@pytest.mark.parametrize("cmd", [
    ("HSET", "h", "F", "V"), ("HMSET", "h", "F", "V"), ("HSETNX", "h", "F", "V"),
])
def test_encoding_value_threshold(r, cmd):
    for field, value, want in [("f" * 64, "v", b"listpack"), ("f", "v" * 64, b"listpack"),
                               ("f" * 65, "v", b"hashtable"), ("f", "v" * 65, b"hashtable")]:
        r.delete("h")
        r.hset("h", "a", "1")
        args = [a.replace("F", field).replace("V", value) if a in ("F", "V") else a for a in cmd]
        r.execute_command(*args)
        assert encoding(r, "h") == want, (cmd[0], len(field), len(value))
        assert r.hget("h", field) == value.encode()


def test_encoding_conversion_by_hincrby(r, limits):
    r.config_set("hash-max-listpack-value", 4)
    r.hset("a", "x", "1")
    r.hincrby("a", "longfieldname", 1)
    assert encoding(r, "a") == b"hashtable"
    r.hset("b", "x", "1")
    assert r.hincrby("b", "x", 123456789) == 123456790
    assert encoding(r, "b") == b"hashtable"
    r.hset("c", "x", "1")
    assert r.hincrbyfloat("c", "x", 0.125) == 1.125
    assert encoding(r, "c") == b"hashtable"
    r.hset("d", "x", "1")
    assert r.hincrby("d", "x", 1) == 2
    assert encoding(r, "d") == b"listpack"


def test_config_set_entries_then_conversion(r, limits):
    assert r.config_set("hash-max-listpack-entries", 2) is True
    assert r.config_get("hash-max-listpack-entries") == {"hash-max-listpack-entries": "2"}
    r.hset("h", mapping={"a": 1, "b": 2})
    assert encoding(r, "h") == b"listpack"
    r.hset("h", "c", 3)
    assert encoding(r, "h") == b"hashtable"
    assert r.hgetall("h") == {b"a": b"1", b"b": b"2", b"c": b"3"}
    # A hash created under a larger limit converts on its next write.
    r.config_set("hash-max-listpack-entries", 128)
    r.hset("k", mapping={f"f{i}": i for i in range(10)})
    assert encoding(r, "k") == b"listpack"
    r.config_set("hash-max-listpack-entries", 5)
    assert encoding(r, "k") == b"listpack"
    r.hset("k", "f0", "again")
    assert encoding(r, "k") == b"hashtable"
    # The old name is an alias.
    assert r.config_set("hash-max-ziplist-entries", 0) is True
    assert r.config_get("hash-max-listpack-entries") == {"hash-max-listpack-entries": "0"}
    r.hset("z", "a", "1")
    assert encoding(r, "z") == b"hashtable"


def test_config_set_value_then_conversion(r, limits):
    r.config_set("hash-max-listpack-value", 3)
    r.hset("h", "abc", "xyz")
    assert encoding(r, "h") == b"listpack"
    r.hset("h", "abcd", "x")
    assert encoding(r, "h") == b"hashtable"
    r.config_set("hash-max-ziplist-value", 0)
    assert r.config_get("hash-max-listpack-value") == {"hash-max-listpack-value": "0"}
    r.hset("e", "", "")
    assert encoding(r, "e") == b"listpack"
    r.hset("e", "a", "")
    assert encoding(r, "e") == b"hashtable"


# ----------------------------------------------------------------------------
# Generic key commands on hashes


@pytest.mark.parametrize("size", [3, 200])
def test_type_del_rename_copy_move(server, r, size):
    mapping = {f"f{i}".encode(): f"v{i}".encode() for i in range(size)}
    enc = b"listpack" if size < 128 else b"hashtable"
    r.hset("h", mapping=mapping)
    assert r.type("h") == b"hash"
    assert r.exists("h") == 1
    # COPY is a deep copy with the same encoding.
    assert r.copy("h", "c") is True
    assert encoding(r, "c") == enc
    r.hset("c", "f0", "changed")
    r.hdel("c", "f1")
    assert r.hgetall("h") == mapping
    assert r.hget("c", "f0") == b"changed"
    assert r.copy("h", "c") is False
    assert r.copy("h", "c", replace=True) is True
    assert r.hgetall("c") == mapping
    # RENAME moves the value.
    assert r.rename("c", "renamed") is True
    assert r.exists("c") == 0
    assert r.hgetall("renamed") == mapping
    assert encoding(r, "renamed") == enc
    # MOVE to another database.
    assert r.move("renamed", 1) is True
    other = server.client(db=1)
    try:
        assert other.hgetall("renamed") == mapping
        assert other.object("encoding", "renamed") == enc
        other.hset("renamed", "x", "y")
        assert other.hlen("renamed") == size + 1
        other.delete("renamed")
    finally:
        other.close()
    assert r.exists("renamed") == 0
    # COPY to another database.
    assert r.copy("h", "h", destination_db=2) is True
    other = server.client(db=2)
    try:
        assert other.hgetall("h") == mapping
        other.flushdb()
    finally:
        other.close()
    assert r.delete("h") == 1
    assert r.exists("h") == 0
    assert r.hgetall("h") == {}


def test_ttl_survives_hash_writes(r):
    r.hset("h", "a", "1")
    assert r.expire("h", 100) is True
    r.hset("h", "b", "2")
    r.hincrby("h", "n", 1)
    r.hincrbyfloat("h", "x", 1.5)
    r.hdel("h", "a")
    r.hset("h", mapping={f"f{i}": i for i in range(200)})  # converts to a table
    assert encoding(r, "h") == b"hashtable"
    assert 90 <= r.ttl("h") <= 100
    assert r.persist("h") is True
    assert r.ttl("h") == -1


def test_expired_hash_is_gone(r):
    r.hset("h", "a", "1")
    r.pexpire("h", 30)
    time.sleep(0.1)
    assert r.hget("h", "a") is None
    assert r.hlen("h") == 0
    assert r.exists("h") == 0
    assert r.hset("h", "b", "2") == 1
    assert r.hgetall("h") == {b"b": b"2"}
    assert r.ttl("h") == -1


def test_keys_scan_type_and_randomkey_see_hashes(r):
    r.hset("h", "a", "1")
    r.set("s", "x")
    assert r.keys("*") and set(r.keys("*")) == {b"h", b"s"}
    assert list(r.scan_iter(_type="hash")) == [b"h"]
    assert r.randomkey() in (b"h", b"s")


# ----------------------------------------------------------------------------
# Keyspace notifications


@pytest.fixture
def events(server, r):
    """Subscribes to every keyspace/keyevent channel of db 0; the returned
    function runs the given commands and returns the (channel, message) pairs
    they published, in order."""
    sub_client = server.client()
    pubsub = sub_client.pubsub()
    pubsub.psubscribe("__key*@0__:*")
    assert pubsub.get_message(timeout=5)["type"] == "psubscribe"

    def run(*commands, flags="KEA"):
        r.config_set("notify-keyspace-events", flags)
        for c in commands:
            try:
                r.execute_command(*c)
            except redis.ResponseError:
                pass
        r.config_set("notify-keyspace-events", "KEA")
        # A marker published after the commands arrives after their events.
        r.publish("__keyspace@0__:end-marker", "end")
        got = []
        deadline = time.time() + 5
        while time.time() < deadline:
            m = pubsub.get_message(timeout=1)
            if m is None or m["type"] != "pmessage":
                continue
            pair = (m["channel"].decode(), m["data"].decode())
            if pair == ("__keyspace@0__:end-marker", "end"):
                return got
            got.append(pair)
        raise AssertionError(f"end marker not received; got {got}")

    yield run
    r.config_set("notify-keyspace-events", "")
    pubsub.close()
    sub_client.close()


def ev(key, event):
    return [(f"__keyspace@0__:{key}", event), (f"__keyevent@0__:{event}", key)]


def test_notifications_of_writes(r, events):
    assert events(("HSET", "h", "a", "1", "b", "2")) == ev("h", "hset")
    assert events(("HSET", "h", "a", "1")) == ev("h", "hset")  # even when nothing changes
    assert events(("HMSET", "h", "c", "3")) == ev("h", "hset")
    assert events(("HSETNX", "h", "d", "4")) == ev("h", "hset")
    assert events(("HINCRBY", "h", "n", "1")) == ev("h", "hincrby")
    assert events(("HINCRBYFLOAT", "h", "x", "1.5")) == ev("h", "hincrbyfloat")
    assert events(("HDEL", "h", "a", "b", "zz")) == ev("h", "hdel")
    assert events(("HDEL", "h", "c", "d", "n", "x")) == ev("h", "hdel") + ev("h", "del")
    assert r.exists("h") == 0


def test_no_notifications_without_a_change(r, events):
    r.hset("h", mapping={"a": "1", "s": "str"})
    r.set("str", "x")
    assert events(
        ("HSETNX", "h", "a", "2"),
        ("HDEL", "h", "zz"),
        ("HDEL", "nokey", "a"),
        ("HINCRBY", "h", "s", "1"),
        ("HINCRBY", "h", "a", "x"),
        ("HINCRBYFLOAT", "h", "s", "1"),
        ("HSET", "str", "a", "1"),
        ("HSET", "h", "a"),
        ("HGET", "h", "a"), ("HGETALL", "h"), ("HSCAN", "h", "0"), ("HRANDFIELD", "h"),
    ) == []


def test_notification_classes(r, events):
    # 'h' alone: hash events but not the generic del of an emptied hash.
    assert events(("HSET", "h", "a", "1"), ("HDEL", "h", "a"), flags="Kh") == [
        ("__keyspace@0__:h", "hset"), ("__keyspace@0__:h", "hdel")]
    assert events(("HSET", "h", "a", "1"), ("HDEL", "h", "a"), flags="Eg") == [
        ("__keyevent@0__:del", "h")]
    assert events(("HSET", "h", "a", "1"), flags="K$lszxe") == []
    # 'n' (not part of 'A'): a new key, announced before the write's own event.
    assert events(("HSET", "fresh", "a", "1"), ("HSET", "fresh", "b", "1"), flags="Khn") == [
        ("__keyspace@0__:fresh", "new"), ("__keyspace@0__:fresh", "hset"),
        ("__keyspace@0__:fresh", "hset")]
    assert events(("HINCRBY", "n1", "f", "1"), ("HINCRBYFLOAT", "n2", "f", "1"),
                  ("HSETNX", "n3", "f", "1"), ("HMSET", "n4", "f", "1"), flags="En") == [
        ("__keyevent@0__:new", k) for k in ("n1", "n2", "n3", "n4")]
    assert events(("HSET", "n5", "f", "1"), flags="KEA") == ev("n5", "hset")


# ----------------------------------------------------------------------------
# Transactions, WATCH


def test_multi_exec(r):
    p = r.pipeline(transaction=True)
    p.hset("h", "a", "1")
    p.hincrby("h", "a", 5)
    p.hget("h", "a")
    p.hgetall("h")
    p.hdel("h", "a")
    p.exists("h")
    assert p.execute() == [1, 6, b"6", {b"a": b"6"}, 1, 0]


@pytest.mark.parametrize("write", [
    ("HSET", "h", "a", "2"), ("HSETNX", "h", "b", "2"), ("HMSET", "h", "a", "3"),
    ("HDEL", "h", "a"), ("HINCRBY", "h", "n", "1"), ("HINCRBYFLOAT", "h", "n", "1.5"),
])
def test_in_place_writes_invalidate_watch(server, r, write):
    r.hset("h", mapping={"a": "1", "z": "0"})
    other = server.client()
    try:
        p = r.pipeline(transaction=True)
        p.watch("h")
        other.execute_command(*write)
        p.multi()
        p.hget("h", "a")
        with pytest.raises(redis.WatchError):
            p.execute()
    finally:
        other.close()


def test_failed_writes_do_not_invalidate_watch(server, r):
    r.hset("h", mapping={"a": "1", "s": "x"})
    other = server.client()
    try:
        p = r.pipeline(transaction=True)
        p.watch("h")
        assert other.hsetnx("h", "a", "2") == 0
        assert other.hdel("h", "nofield") == 0
        with pytest.raises(redis.ResponseError):
            other.hincrby("h", "s", 1)
        p.multi()
        p.hget("h", "a")
        assert p.execute() == [b"1"]
    finally:
        other.close()


def test_hscan_inside_multi(r):
    r.hset("h", "a", "1")
    p = r.pipeline(transaction=True)
    p.hscan("h", 0)
    p.hrandfield("h", -2)
    assert p.execute() == [(0, {b"a": b"1"}), [b"a", b"a"]]


# ----------------------------------------------------------------------------
# Memory accounting


def used_memory(r):
    return r.info("memory")["used_memory"]


def test_memory_accounting_returns_to_baseline(r, limits):
    # Warm up the slot tables of every key name used below: a table keeps its
    # capacity after its last key goes, and that is not what is measured here.
    names = [f"h{i}" for i in range(50)] + ["big", "bigcopy", "bigcopy2"]
    r.mset({n: "x" for n in names})
    r.delete(*names)
    base = used_memory(r)
    for i in range(50):
        r.hset(f"h{i}", mapping={f"f{j}": "v" * j for j in range(i * 5)} or {"x": "y"})
    r.hset("big", mapping={f"f{j}": j for j in range(5000)})
    grown = used_memory(r)
    assert grown > base + 5000 * 16
    # In-place changes of every kind, including growth, shrink and conversion.
    for i in range(50):
        key = f"h{i}"
        r.hincrby(key, "counter", 10 ** 12)
        r.hincrbyfloat(key, "float", 0.25)
        r.hset(key, "f0", "w" * 500)  # converts (value over 64)
        r.hset(key, "f0", "")
        r.hdel(key, "f1", "f2")
    r.hdel("big", *[f"f{j}" for j in range(4900)])
    r.copy("big", "bigcopy")
    r.rename("bigcopy", "bigcopy2")
    assert 0 < used_memory(r) - base
    r.delete(*[f"h{i}" for i in range(50)], "big", "bigcopy2")
    assert used_memory(r) == base


def test_memory_usage_grows_with_the_hash(r):
    r.hset("h", "a", "1")
    small = r.memory_usage("h")
    r.hset("h", mapping={f"field{i}": "x" * 50 for i in range(1000)})
    big = r.memory_usage("h")
    assert big > small + 1000 * 50
    # Per-field overhead of the table stays low (a cache's headline figure).
    assert big < 1000 * (len("field999") + 50 + 48) + 4096


# ----------------------------------------------------------------------------
# Command table


@pytest.mark.parametrize("name,arity_,flags,acl", [
    ("hset", -4, {"write", "denyoom", "fast"}, "@fast"),
    ("hsetnx", 4, {"write", "denyoom", "fast"}, "@fast"),
    ("hmset", -4, {"write", "denyoom", "fast"}, "@fast"),
    ("hget", 3, {"readonly", "fast"}, "@fast"),
    ("hmget", -3, {"readonly", "fast"}, "@fast"),
    ("hgetall", 2, {"readonly"}, "@slow"),
    ("hdel", -3, {"write", "fast"}, "@fast"),
    ("hexists", 3, {"readonly", "fast"}, "@fast"),
    ("hlen", 2, {"readonly", "fast"}, "@fast"),
    ("hstrlen", 3, {"readonly", "fast"}, "@fast"),
    ("hkeys", 2, {"readonly"}, "@slow"),
    ("hvals", 2, {"readonly"}, "@slow"),
    ("hincrby", 4, {"write", "denyoom", "fast"}, "@fast"),
    ("hincrbyfloat", 4, {"write", "denyoom", "fast"}, "@fast"),
    ("hrandfield", -2, {"readonly"}, "@slow"),
    ("hscan", -3, {"readonly"}, "@slow"),
])
def test_command_info(r, raw, name, arity_, flags, acl):
    info = parse(raw.cmd("COMMAND", "INFO", name))[0]
    assert info[0] == name.encode()
    assert info[1] == arity_
    assert {f.decode() for f in info[2]} == flags
    assert info[3:6] == [1, 1, 1]
    cats = {c.decode() for c in info[6]}
    assert "@hash" in cats and acl in cats
    assert ("@write" if "write" in flags else "@read") in cats


def test_arity_errors(r, raw):
    for args in [("HGET", "h"), ("HLEN",), ("HSETNX", "h", "f"), ("HINCRBYFLOAT", "h", "f"),
                 ("HRANDFIELD",), ("HKEYS", "h", "x"), ("HEXISTS", "h")]:
        assert raw.cmd(*args) == arity(args[0].lower()), args
