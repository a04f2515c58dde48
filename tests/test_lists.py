"""End-to-end tests of the list family (non-blocking part): LPUSH RPUSH LPUSHX
RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LINSERT LREM LTRIM LPOS LMOVE
RPOPLPUSH LMPOP, plus encodings, keyspace events, WATCH, COPY and COMMAND
metadata. The blocking commands are in test_blocking.py.

Expected replies, error texts and the order in which errors win were taken
from redis-server with the same commands (7.0.15, and 7.2's documented
changes: the LPOS RANK range error, OBJECT ENCODING "listpack" for small
lists). Exact error texts are checked on the wire (`Raw`, conftest.py)
because redis-py strips the "ERR " prefix.
"""
import random
import time

import pytest
import redis

from conftest import Raw

WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
NOT_INT = b"-ERR value is not an integer or out of range\r\n"
SYNTAX = b"-ERR syntax error\r\n"
POSITIVE = b"-ERR value is out of range, must be positive\r\n"
NIL = b"$-1\r\n"
NIL_ARRAY = b"*-1\r\n"
EMPTY_ARRAY = b"*0\r\n"
OK = b"+OK\r\n"
RANK_ZERO = (b"-ERR RANK can't be zero: use 1 to start from the first match, 2 from the "
             b"second ... or use negative to start from the end of the list\r\n")


@pytest.fixture
def w(server, r):
    c = Raw(server.port)
    yield c
    c.close()


def bulk(s):
    s = s.encode() if isinstance(s, str) else s
    return b"$%d\r\n%s\r\n" % (len(s), s)


def arity(name):
    return b"-ERR wrong number of arguments for '%s' command\r\n" % name.encode()


def lst(r, key):
    return r.lrange(key, 0, -1)


# ----------------------------------------------------------------------------
# Pushes


def test_push_order_and_length(r):
    assert r.rpush("l", "a", "b", "c") == 3
    assert r.lpush("l", "x", "y") == 5
    assert lst(r, "l") == [b"y", b"x", b"a", b"b", b"c"]
    assert r.type("l") == b"list"
    assert r.llen("l") == 5


def test_pushx_only_on_existing_lists(r):
    assert r.lpushx("l", "a") == 0
    assert r.rpushx("l", "a") == 0
    assert r.exists("l") == 0
    r.rpush("l", "m")
    assert r.lpushx("l", "b", "a") == 3
    assert r.execute_command("RPUSHX", "l", "y", "z") == 5
    assert lst(r, "l") == [b"a", b"b", b"m", b"y", b"z"]


def test_push_binary_empty_and_large_elements(r):
    big = bytes(range(256)) * 4096  # 1 MB
    r.rpush(b"bin\x00", b"", b"\x00\r\n\xff", big, b"x" * 300)
    assert lst(r, b"bin\x00") == [b"", b"\x00\r\n\xff", big, b"x" * 300]
    assert r.lindex(b"bin\x00", 2) == big
    assert r.rpop(b"bin\x00") == b"x" * 300
    assert r.rpop(b"bin\x00") == big


@pytest.mark.parametrize("cmd", ["LPUSH", "RPUSH", "LPUSHX", "RPUSHX"])
def test_push_errors(r, w, cmd):
    r.set("s", "v")
    assert w.cmd(cmd, "s", "a") == WRONGTYPE
    assert w.cmd(cmd, "l") == arity(cmd.lower())
    assert r.get("s") == b"v"


# ----------------------------------------------------------------------------
# Pops


def test_pop_single(r, w):
    r.rpush("l", "a", "b", "c")
    assert r.lpop("l") == b"a"
    assert r.rpop("l") == b"c"
    assert r.rpop("l") == b"b"
    assert r.exists("l") == 0  # the last pop deletes the key
    assert w.cmd("LPOP", "l") == NIL
    assert w.cmd("RPOP", "l") == NIL


def test_pop_with_count(r, w):
    r.rpush("l", *"abcdef")
    assert r.lpop("l", 2) == [b"a", b"b"]
    assert r.rpop("l", 2) == [b"f", b"e"]
    assert w.cmd("LPOP", "l", 0) == EMPTY_ARRAY
    assert w.cmd("RPOP", "l", 0) == EMPTY_ARRAY
    assert r.lpop("l", 100) == [b"c", b"d"]
    assert r.exists("l") == 0
    # A missing key with a count: a null array (count 0 too).
    assert w.cmd("LPOP", "l", 2) == NIL_ARRAY
    assert w.cmd("RPOP", "l", 0) == NIL_ARRAY
    r.rpush("l", "a")
    assert r.lpop("l", 9223372036854775807) == [b"a"]


def test_pop_errors(r, w):
    r.rpush("l", "a")
    r.set("s", "v")
    for cmd in ("LPOP", "RPOP"):
        assert w.cmd(cmd, "l", -1) == POSITIVE
        assert w.cmd(cmd, "l", "x") == POSITIVE
        assert w.cmd(cmd, "l", "9223372036854775808") == POSITIVE
        assert w.cmd(cmd, "nokey", -1) == POSITIVE
        assert w.cmd(cmd, "s") == WRONGTYPE
        assert w.cmd(cmd, "s", 0) == WRONGTYPE
        assert w.cmd(cmd, "s", -1) == POSITIVE  # the count is parsed first
        assert w.cmd(cmd, "l", 1, 2) == arity(cmd.lower())
        assert w.cmd(cmd) == arity(cmd.lower())
    assert lst(r, "l") == [b"a"]


def test_llen(r, w):
    assert r.llen("l") == 0
    r.rpush("l", *range(10))
    assert r.llen("l") == 10
    r.set("s", "v")
    assert w.cmd("LLEN", "s") == WRONGTYPE


# ----------------------------------------------------------------------------
# Reads by index and range


def test_lrange_like_redis(r):
    items = [str(i).encode() for i in range(10)]
    r.rpush("l", *items)
    cases = [(0, -1), (0, 0), (2, 5), (-3, -1), (-100, 100), (5, 2), (10, 20), (-1, -2),
             (9, 9), (-10, -10), (3, -4), (0, -11), (9223372036854775807, -9223372036854775808)]
    for start, stop in cases:
        n = len(items)
        s, e = start + n if start < 0 else start, stop + n if stop < 0 else stop
        s = max(s, 0)
        want = [] if s > e or s >= n else items[s:min(e, n - 1) + 1]
        assert r.lrange("l", start, stop) == want, (start, stop)
    assert r.lrange("nokey", 0, -1) == []


def test_lrange_errors(r, w):
    r.set("s", "v")
    assert w.cmd("LRANGE", "nokey", "x", 1) == NOT_INT  # numbers before the key
    assert w.cmd("LRANGE", "s", 0, "1.5") == NOT_INT
    assert w.cmd("LRANGE", "s", 0, 1) == WRONGTYPE


def test_lindex(r, w):
    r.rpush("l", "a", "b", "c")
    assert r.lindex("l", 0) == b"a"
    assert r.lindex("l", 2) == b"c"
    assert r.lindex("l", -1) == b"c"
    assert r.lindex("l", -3) == b"a"
    assert w.cmd("LINDEX", "l", 3) == NIL
    assert w.cmd("LINDEX", "l", -4) == NIL
    assert w.cmd("LINDEX", "l", "x") == NOT_INT
    # The key is looked up first: a missing key is nil even with a bad index.
    assert w.cmd("LINDEX", "nokey", "x") == NIL
    r.set("s", "v")
    assert w.cmd("LINDEX", "s", "x") == WRONGTYPE


def test_lset(r, w):
    r.rpush("l", "a", "b", "c")
    assert r.lset("l", 1, "B") is True
    assert r.lset("l", -1, "C") is True
    assert lst(r, "l") == [b"a", b"B", b"C"]
    assert w.cmd("LSET", "l", 3, "x") == b"-ERR index out of range\r\n"
    assert w.cmd("LSET", "l", -4, "x") == b"-ERR index out of range\r\n"
    assert w.cmd("LSET", "l", "x", "x") == NOT_INT
    assert w.cmd("LSET", "nokey", 0, "x") == b"-ERR no such key\r\n"
    assert w.cmd("LSET", "nokey", "x", "x") == b"-ERR no such key\r\n"
    r.set("s", "v")
    assert w.cmd("LSET", "s", "x", "x") == WRONGTYPE
    # Growing and shrinking an element in place.
    r.lset("l", 0, "x" * 5000)
    r.lset("l", 1, "")
    assert lst(r, "l") == [b"x" * 5000, b"", b"C"]


# ----------------------------------------------------------------------------
# LINSERT LREM LTRIM


def test_linsert(r, w):
    r.rpush("l", "a", "b", "c")
    assert r.linsert("l", "BEFORE", "b", "x") == 4
    assert r.linsert("l", "after", "c", "y") == 5
    assert w.cmd("LINSERT", "l", "Before", "a", "first") == b":6\r\n"
    assert lst(r, "l") == [b"first", b"a", b"x", b"b", b"c", b"y"]
    assert r.linsert("l", "AFTER", "zz", "q") == -1
    assert r.linsert("nokey", "BEFORE", "a", "q") == 0
    assert r.exists("nokey") == 0
    assert w.cmd("LINSERT", "l", "MIDDLE", "a", "q") == SYNTAX
    r.set("s", "v")
    assert w.cmd("LINSERT", "s", "foo", "a", "b") == SYNTAX  # syntax before the key
    assert w.cmd("LINSERT", "s", "BEFORE", "a", "b") == WRONGTYPE
    # Only the first occurrence of the pivot.
    r.delete("d")
    r.rpush("d", "p", "p")
    r.linsert("d", "AFTER", "p", "n")
    assert lst(r, "d") == [b"p", b"n", b"p"]


def test_lrem(r, w):
    r.rpush("l", *"axbxcxdx")
    assert r.lrem("l", 2, "x") == 2
    assert lst(r, "l") == [b"a", b"b", b"c", b"x", b"d", b"x"]
    assert r.lrem("l", -1, "x") == 1
    assert lst(r, "l") == [b"a", b"b", b"c", b"x", b"d"]
    assert r.lrem("l", 0, "x") == 1
    assert r.lrem("l", 0, "zz") == 0
    assert r.lrem("l", -9223372036854775808, "a") == 1
    assert r.lrem("l", 0, "b") + r.lrem("l", 0, "c") + r.lrem("l", 0, "d") == 3
    assert r.exists("l") == 0
    assert r.lrem("nokey", 1, "a") == 0
    assert w.cmd("LREM", "nokey", "x", "a") == NOT_INT
    r.set("s", "v")
    assert w.cmd("LREM", "s", 1, "a") == WRONGTYPE


def test_ltrim(r, w):
    r.rpush("l", *range(10))
    assert r.ltrim("l", 2, -3) is True
    assert lst(r, "l") == [str(i).encode() for i in range(2, 8)]
    assert r.ltrim("l", -100, 100) is True
    assert r.llen("l") == 6
    assert r.ltrim("l", 1, 1) is True
    assert lst(r, "l") == [b"3"]
    assert r.ltrim("l", 1, 0) is True  # empty range: the key goes
    assert r.exists("l") == 0
    assert w.cmd("LTRIM", "nokey", 0, 1) == OK
    assert w.cmd("LTRIM", "nokey", "x", 1) == NOT_INT
    r.set("s", "v")
    assert w.cmd("LTRIM", "s", "x", 1) == NOT_INT
    assert w.cmd("LTRIM", "s", 0, 1) == WRONGTYPE


# ----------------------------------------------------------------------------
# LPOS


def test_lpos(r, w):
    r.rpush("l", "a", "b", "c", "1", "2", "3", "c", "c")
    assert r.lpos("l", "c") == 2
    assert r.lpos("l", "c", rank=2) == 6
    assert r.lpos("l", "c", rank=-1) == 7
    assert r.lpos("l", "c", rank=-3) == 2
    assert r.lpos("l", "c", rank=4) is None
    assert r.lpos("l", "c", count=0) == [2, 6, 7]
    assert r.lpos("l", "c", count=2) == [2, 6]
    assert r.lpos("l", "c", count=2, rank=-1) == [7, 6]
    assert r.lpos("l", "c", count=0, maxlen=7) == [2, 6]
    assert r.lpos("l", "c", rank=-1, count=0, maxlen=2) == [7, 6]
    assert r.lpos("l", "c", maxlen=1) is None
    assert r.lpos("l", "zz") is None
    assert r.lpos("l", "zz", count=1) == []
    assert r.lpos("nokey", "a") is None
    assert r.lpos("nokey", "a", count=1) == []
    assert w.cmd("LPOS", "l", "c", "RANK", -9223372036854775807) == NIL


def test_lpos_errors(r, w):
    r.rpush("l", "a")
    r.set("s", "v")
    assert w.cmd("LPOS", "l", "a", "RANK", 0) == RANK_ZERO
    assert w.cmd("LPOS", "nokey", "a", "RANK", 0) == RANK_ZERO
    assert w.cmd("LPOS", "s", "a", "RANK", 0) == RANK_ZERO  # options before the key
    assert w.cmd("LPOS", "l", "a", "RANK", 0, "FOO") == RANK_ZERO  # RANK 0 fails at once
    assert w.cmd("LPOS", "l", "a", "RANK", "x") == NOT_INT
    assert w.cmd("LPOS", "l", "a", "RANK", -9223372036854775808) == (
        b"-ERR value is out of range, value must between -9223372036854775807 and "
        b"9223372036854775807\r\n")
    assert w.cmd("LPOS", "l", "a", "COUNT", -1) == b"-ERR COUNT can't be negative\r\n"
    assert w.cmd("LPOS", "l", "a", "COUNT", "x") == b"-ERR COUNT can't be negative\r\n"
    assert w.cmd("LPOS", "l", "a", "COUNT", -1, "RANK", 0) == b"-ERR COUNT can't be negative\r\n"
    assert w.cmd("LPOS", "l", "a", "MAXLEN", -1) == b"-ERR MAXLEN can't be negative\r\n"
    assert w.cmd("LPOS", "l", "a", "MAXLEN", "x") == b"-ERR MAXLEN can't be negative\r\n"
    assert w.cmd("LPOS", "l", "a", "FOO") == SYNTAX
    assert w.cmd("LPOS", "l", "a", "COUNT") == SYNTAX
    assert w.cmd("LPOS", "s", "a") == WRONGTYPE
    assert w.cmd("LPOS", "l") == arity("lpos")
    # Repeated options: the last one wins.
    assert w.cmd("LPOS", "l", "a", "RANK", 2, "RANK", 1) == b":0\r\n"


# ----------------------------------------------------------------------------
# LMOVE / RPOPLPUSH


@pytest.mark.parametrize("wherefrom,whereto,moved,src,dst", [
    ("LEFT", "LEFT", b"a", [b"b", b"c"], [b"a", b"x"]),
    ("LEFT", "RIGHT", b"a", [b"b", b"c"], [b"x", b"a"]),
    ("RIGHT", "LEFT", b"c", [b"a", b"b"], [b"c", b"x"]),
    ("RIGHT", "RIGHT", b"c", [b"a", b"b"], [b"x", b"c"]),
])
def test_lmove_directions(r, wherefrom, whereto, moved, src, dst):
    r.rpush("s", "a", "b", "c")
    r.rpush("d", "x")
    assert r.lmove("s", "d", wherefrom, whereto) == moved
    assert lst(r, "s") == src
    assert lst(r, "d") == dst


def test_lmove_edges(r, w):
    assert w.cmd("LMOVE", "nokey", "d", "LEFT", "LEFT") == NIL
    assert r.exists("d") == 0
    # Moving the last element deletes the source and creates the destination.
    r.rpush("s", "only")
    assert r.lmove("s", "d", "left", "right") == b"only"
    assert r.exists("s") == 0
    assert lst(r, "d") == [b"only"]
    # Same key: a rotation, also with a single element.
    r.rpush("rot", "a", "b", "c")
    assert r.lmove("rot", "rot", "LEFT", "RIGHT") == b"a"
    assert lst(r, "rot") == [b"b", b"c", b"a"]
    assert r.rpoplpush("rot", "rot") == b"a"
    assert lst(r, "rot") == [b"a", b"b", b"c"]
    r.rpush("one", "x")
    assert r.lmove("one", "one", "LEFT", "LEFT") == b"x"
    assert lst(r, "one") == [b"x"]


def test_lmove_errors(r, w):
    r.rpush("l", "a", "b")
    r.set("str", "v")
    assert w.cmd("LMOVE", "l", "d", "UP", "LEFT") == SYNTAX
    assert w.cmd("LMOVE", "l", "d", "LEFT", "DOWN") == SYNTAX
    assert w.cmd("LMOVE", "str", "d", "LEFT", "LEFT") == WRONGTYPE
    # A wrong-type destination fails before anything is popped...
    assert w.cmd("LMOVE", "l", "str", "LEFT", "LEFT") == WRONGTYPE
    assert w.cmd("RPOPLPUSH", "l", "str") == WRONGTYPE
    assert lst(r, "l") == [b"a", b"b"]
    # ...but is not looked at when the source is empty.
    assert w.cmd("LMOVE", "nokey", "str", "LEFT", "LEFT") == NIL
    assert w.cmd("RPOPLPUSH", "nokey", "str") == NIL


def test_rpoplpush(r):
    r.rpush("s", "a", "b", "c")
    assert r.rpoplpush("s", "d") == b"c"
    assert r.rpoplpush("s", "d") == b"b"
    assert lst(r, "s") == [b"a"]
    assert lst(r, "d") == [b"b", b"c"]
    assert r.rpoplpush("nokey", "d") is None


# ----------------------------------------------------------------------------
# LMPOP


def test_lmpop(r, w):
    r.rpush("b", "1", "2", "3")
    r.rpush("c", "x")
    assert r.lmpop(3, "a", "b", "c", direction="LEFT") == [b"b", [b"1"]]
    assert r.lmpop(3, "a", "b", "c", direction="RIGHT", count=10) == [b"b", [b"3", b"2"]]
    assert r.exists("b") == 0
    assert r.lmpop(2, "b", "c", direction="left", count=1) == [b"c", [b"x"]]
    assert w.cmd("LMPOP", 2, "b", "c", "LEFT") == NIL_ARRAY
    assert w.cmd("LMPOP", 1, "b", "LEFT", "COUNT", 3) == NIL_ARRAY


def test_lmpop_errors(r, w):
    r.rpush("l", "a", "b")
    r.set("s", "v")
    numkeys = b"-ERR numkeys should be greater than 0\r\n"
    count = b"-ERR count should be greater than 0\r\n"
    assert w.cmd("LMPOP", 0, "l", "LEFT") == numkeys
    assert w.cmd("LMPOP", -1, "l", "LEFT") == numkeys
    assert w.cmd("LMPOP", "x", "l", "LEFT") == numkeys
    assert w.cmd("LMPOP", 2, "l", "LEFT") == SYNTAX
    assert w.cmd("LMPOP", 9223372036854775807, "l", "LEFT") == SYNTAX
    assert w.cmd("LMPOP", 1, "l", "MIDDLE") == SYNTAX
    assert w.cmd("LMPOP", 1, "l", "LEFT", "COUNT", 0) == count
    assert w.cmd("LMPOP", 1, "l", "LEFT", "COUNT", -1) == count
    assert w.cmd("LMPOP", 1, "l", "LEFT", "COUNT", "x") == count
    assert w.cmd("LMPOP", 1, "l", "LEFT", "COUNT", 1, "COUNT", 1) == SYNTAX
    assert w.cmd("LMPOP", 1, "l", "LEFT", "COUNT") == SYNTAX
    assert w.cmd("LMPOP", 1, "l", "LEFT", "FOO") == SYNTAX
    assert w.cmd("LMPOP", 1, "l") == arity("lmpop")
    # WRONGTYPE when met before a non-empty list, not after.
    assert w.cmd("LMPOP", 2, "nokey", "s", "LEFT") == WRONGTYPE
    assert w.cmd("LMPOP", 2, "s", "l", "LEFT") == WRONGTYPE
    assert r.lmpop(2, "l", "s", direction="LEFT") == [b"l", [b"a"]]
    assert lst(r, "l") == [b"b"]


# ----------------------------------------------------------------------------
# Encodings


def test_encoding_by_size(r):
    assert r.config_get("list-max-listpack-size") == {"list-max-listpack-size": "-2"}
    r.rpush("l", *["x" * 50] * 100)
    assert r.object("encoding", "l") == b"listpack"
    r.rpush("l", "y" * 3000)  # past 8 KB: quicklist
    assert r.object("encoding", "l") == b"quicklist"
    r.rpop("l")
    assert r.object("encoding", "l") == b"quicklist"  # back only at half the limit
    r.ltrim("l", 0, 49)
    assert r.object("encoding", "l") == b"listpack"
    r.rpush("big", "z" * 9000)  # one element larger than a node
    assert r.object("encoding", "big") == b"quicklist"


def test_encoding_by_count(r):
    try:
        r.config_set("list-max-listpack-size", 4)
        r.rpush("l", 1, 2, 3, 4)
        assert r.object("encoding", "l") == b"listpack"
        r.rpush("l", 5)
        assert r.object("encoding", "l") == b"quicklist"
        r.rpush("l", *range(6, 101))
        assert r.lrange("l", 0, -1) == [str(i).encode() for i in range(1, 101)]
        r.ltrim("l", 0, 1)
        assert r.object("encoding", "l") == b"listpack"
        # A push of several elements at once converts up front.
        r.rpush("m", *range(5))
        assert r.object("encoding", "m") == b"quicklist"
        # The old name is an alias.
        r.config_set("list-max-ziplist-size", 128)
        assert r.config_get("list-max-listpack-size") == {"list-max-listpack-size": "128"}
    finally:
        r.config_set("list-max-listpack-size", -2)


def test_big_list_against_a_model(r):
    """Thousands of random operations on a list spanning many nodes, compared
    with a Python list."""
    rnd = random.Random(7)
    model = []
    r.config_set("list-max-listpack-size", 16)  # many small nodes
    try:
        pipe = r.pipeline(transaction=False)
        for i in range(0, 3000, 100):
            vals = [f"v{j}" for j in range(i, i + 100)]
            pipe.rpush("big", *vals)
            model.extend(v.encode() for v in vals)
        pipe.execute()
        for step in range(1500):
            op = rnd.randrange(9)
            if op == 0:
                v = f"n{step}".encode()
                if rnd.random() < 0.5:
                    r.lpush("big", v)
                    model.insert(0, v)
                else:
                    r.rpush("big", v)
                    model.append(v)
            elif op == 1 and model:
                assert r.lpop("big") == model.pop(0)
            elif op == 2 and model:
                assert r.rpop("big") == model.pop()
            elif op == 3 and model:
                i = rnd.randrange(len(model))
                v = b"s" * rnd.randrange(40)
                r.lset("big", i, v)
                model[i] = v
            elif op == 4 and model:
                i = rnd.randrange(len(model))
                assert r.lindex("big", i) == model[i]
                assert r.lindex("big", i - len(model)) == model[i]
            elif op == 5 and model:
                pivot = model[rnd.randrange(len(model))]
                v = f"i{step}".encode()
                after = rnd.random() < 0.5
                assert r.linsert("big", "AFTER" if after else "BEFORE", pivot, v) == len(model) + 1
                k = model.index(pivot)
                model.insert(k + 1 if after else k, v)
            elif op == 6 and model:
                i = rnd.randrange(len(model))
                assert r.lrange("big", i, i + 30) == model[i:i + 31]
            elif op == 7 and model:
                v = model[rnd.randrange(len(model))]
                assert r.lpos("big", v) == model.index(v)
            elif op == 8 and len(model) > 10 and step % 50 == 0:
                r.ltrim("big", 1, -2)
                model = model[1:-1]
            assert r.llen("big") == len(model)
        assert lst(r, "big") == model
    finally:
        r.config_set("list-max-listpack-size", -2)


def test_memory_usage_is_compact(r):
    r.rpush("l", *[f"item:{i:06d}" for i in range(10000)])  # 11-byte elements
    used = r.memory_usage("l")
    assert used < 10000 * 16, used
    r.rpush("small", "a", "b", "c")
    assert r.memory_usage("small") < 256


# ----------------------------------------------------------------------------
# Interplay with the rest of the server


def test_keyspace_events(server, r):
    sub = server.client()
    ps = sub.pubsub()
    ps.psubscribe("__keyevent@0__:*")
    assert ps.get_message(timeout=5)["type"] == "psubscribe"
    r.config_set("notify-keyspace-events", "El")
    try:
        r.rpush("l", "a", "b")
        r.lpush("l", "z")
        r.linsert("l", "BEFORE", "a", "y")
        r.lset("l", 0, "Z")
        r.lrem("l", 1, "y")
        r.ltrim("l", 0, 1)
        r.lmove("l", "m", "LEFT", "RIGHT")
        r.rpop("l")
        got = []
        while True:
            m = ps.get_message(timeout=1)
            if m is None:
                break
            if m["type"] == "pmessage":
                got.append((m["channel"].decode().split(":", 1)[1], m["data"]))
        assert got == [("rpush", b"l"), ("lpush", b"l"), ("linsert", b"l"), ("lset", b"l"),
                       ("lrem", b"l"), ("ltrim", b"l"), ("rpush", b"m"), ("lpop", b"l"),
                       ("rpop", b"l")]
    finally:
        r.config_set("notify-keyspace-events", "")
        ps.close()
        sub.close()


def test_del_event_when_emptied(server, r):
    sub = server.client()
    ps = sub.pubsub()
    ps.psubscribe("__keyevent@0__:*")
    assert ps.get_message(timeout=5)["type"] == "psubscribe"
    r.config_set("notify-keyspace-events", "Egl")
    try:
        r.rpush("l", "a")
        r.lpop("l")
        got = []
        for _ in range(3):
            m = ps.get_message(timeout=1)
            if m and m["type"] == "pmessage":
                got.append(m["channel"].decode().split(":", 1)[1])
        assert got == ["rpush", "lpop", "del"]
    finally:
        r.config_set("notify-keyspace-events", "")
        ps.close()
        sub.close()


def test_watch_sees_list_changes(server, r):
    r.rpush("l", "a")
    other = server.client()
    try:
        for change in (lambda: other.rpush("l", "b"), lambda: other.lpop("l"),
                       lambda: other.lset("l", 0, "q"), lambda: other.lrem("l", 0, "q"),
                       lambda: other.ltrim("l", 0, 0), lambda: other.linsert("l", "BEFORE", "a", "x"),
                       lambda: other.rpoplpush("l", "elsewhere")):
            r.rpush("l", "a")
            p = r.pipeline()
            p.watch("l")
            p.multi()
            p.llen("l")
            change()
            with pytest.raises(redis.WatchError):
                p.execute()
    finally:
        other.close()


def test_multi_exec_and_copy_and_expire(r):
    p = r.pipeline()
    p.rpush("l", "a", "b")
    p.lpop("l")
    p.llen("l")
    assert p.execute() == [2, b"a", 1]
    r.rpush("l", "c")
    assert r.copy("l", "l2") is True
    r.rpush("l", "d")
    assert lst(r, "l2") == [b"b", b"c"]
    assert lst(r, "l") == [b"b", b"c", b"d"]
    r.expire("l", 100)
    r.rpush("l", "e")
    assert 0 < r.ttl("l") <= 100  # in-place changes keep the TTL
    r.pexpire("l2", 1)
    time.sleep(0.05)
    assert r.lpop("l2") is None


def test_resp3_replies(r, w):
    assert w.cmd("HELLO", 3).startswith(b"%")
    r.rpush("l", "a", "b")
    assert w.cmd("LPOP", "nokey", 2) == b"_\r\n"
    assert w.cmd("LPOP", "nokey") == b"_\r\n"
    assert w.cmd("LPOP", "l", 0) == EMPTY_ARRAY
    assert w.cmd("LMPOP", 1, "nokey", "LEFT") == b"_\r\n"
    assert w.cmd("LPOS", "l", "b") == b":1\r\n"
    assert w.cmd("LMPOP", 1, "l", "LEFT") == b"*2\r\n$1\r\nl\r\n*1\r\n$1\r\na\r\n"


# ----------------------------------------------------------------------------
# COMMAND metadata


@pytest.mark.parametrize("name,arity,flags,first,last,step", [
    ("lpush", -3, {"write", "denyoom", "fast"}, 1, 1, 1),
    ("rpushx", -3, {"write", "denyoom", "fast"}, 1, 1, 1),
    ("lpop", -2, {"write", "fast"}, 1, 1, 1),
    ("llen", 2, {"readonly", "fast"}, 1, 1, 1),
    ("lrange", 4, {"readonly"}, 1, 1, 1),
    ("lindex", 3, {"readonly"}, 1, 1, 1),
    ("lset", 4, {"write", "denyoom"}, 1, 1, 1),
    ("linsert", 5, {"write", "denyoom"}, 1, 1, 1),
    ("lrem", 4, {"write"}, 1, 1, 1),
    ("ltrim", 4, {"write"}, 1, 1, 1),
    ("lpos", -3, {"readonly"}, 1, 1, 1),
    ("lmove", 5, {"write", "denyoom"}, 1, 2, 1),
    ("rpoplpush", 3, {"write", "denyoom"}, 1, 2, 1),
    ("lmpop", -4, {"write", "movablekeys"}, 0, 0, 0),
    ("blpop", -3, {"write", "noscript", "blocking"}, 1, -2, 1),
    ("brpop", -3, {"write", "noscript", "blocking"}, 1, -2, 1),
    ("blmove", 6, {"write", "denyoom", "noscript", "blocking"}, 1, 2, 1),
    ("brpoplpush", 4, {"write", "denyoom", "noscript", "blocking"}, 1, 2, 1),
    ("blmpop", -5, {"write", "blocking", "movablekeys"}, 0, 0, 0),  # scripts may call it
])
def test_command_info(r, name, arity, flags, first, last, step):
    # "COMMAND INFO" as one name: redis-py then leaves the reply unparsed.
    info = r.execute_command("COMMAND INFO", name)[0]
    assert info[0] == name.encode()
    assert info[1] == arity
    assert {f.decode() for f in info[2]} == flags
    assert info[3:6] == [first, last, step]
    assert b"@list" in info[6]


def test_command_getkeys_for_movable_keys(r):
    def keys(*args):
        return [k if isinstance(k, bytes) else k.encode()
                for k in r.execute_command("COMMAND GETKEYS", *args)]
    assert keys("LMPOP", 2, "a", "b", "LEFT") == [b"a", b"b"]
    assert keys("BLMPOP", 0, 2, "a", "b", "RIGHT", "COUNT", 2) == [b"a", b"b"]
    assert keys("BLPOP", "a", "b", 0) == [b"a", b"b"]
    assert keys("LMOVE", "a", "b", "LEFT", "LEFT") == [b"a", b"b"]
