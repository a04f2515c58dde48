"""End-to-end tests of the set family: SADD SREM SMEMBERS SISMEMBER SMISMEMBER
SCARD SPOP SRANDMEMBER SMOVE SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE
SDIFF SDIFFSTORE SSCAN, their encodings (OBJECT ENCODING intset -> listpack ->
hashtable, as Redis 7.2), keyspace notifications, WATCH, memory accounting
and the command table.

Expected replies, error texts and the order in which errors are reported were
taken from redis-server 7.0.15 given the same commands, with 7.2's encodings
(7.0 has no listpack sets; the conversion rules follow Redis 7.2's set tests).
Exact error texts are checked on the wire with `Raw`, a minimal RESP client,
because redis-py strips the "ERR " prefix.
"""
import socket
import time
from collections import Counter

import pytest
import redis

WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
NOT_INT = b"-ERR value is not an integer or out of range\r\n"
MUST_BE_POSITIVE = b"-ERR value is out of range, must be positive\r\n"
COUNT_RANGE = (b"-ERR value is out of range, value must between -9223372036854775807 and "
               b"9223372036854775807\r\n")
NUMKEYS = b"-ERR numkeys should be greater than 0\r\n"
TOO_MANY_KEYS = b"-ERR Number of keys can't be greater than number of args\r\n"
LIMIT_NEG = b"-ERR LIMIT can't be negative\r\n"
SYNTAX = b"-ERR syntax error\r\n"
INVALID_CURSOR = b"-ERR invalid cursor\r\n"
NIL = b"$-1\r\n"
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
    """Pins the encoding thresholds to Redis's defaults, and restores them
    after tests that change them."""
    def pin():
        r.config_set("set-max-intset-entries", 512)
        r.config_set("set-max-listpack-entries", 128)
        r.config_set("set-max-listpack-value", 64)
    pin()
    yield
    pin()


def bulk(b):
    if isinstance(b, str):
        b = b.encode()
    return b"$%d\r\n%s\r\n" % (len(b), b)


def integer(n):
    return b":%d\r\n" % n


def parse(data):
    """Decodes one raw RESP2/RESP3 reply into Python values (arrays and sets
    as lists)."""
    def one(i):
        kind, end = data[i:i + 1], data.index(b"\r\n", i)
        head = data[i + 1:end]
        if kind == b"$":
            n = int(head)
            return (None, end + 2) if n < 0 else (data[end + 2:end + 2 + n], end + 4 + n)
        if kind in (b"*", b"~"):
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


def members(r, key):
    return sorted(r.smembers(key))


def b(*items):
    return sorted(str(x).encode() for x in items)


def make_set(r, key, items):
    r.delete(key)
    for x in items:
        r.sadd(key, x)


INITS = {
    "intset": [17, 5, 1000],
    "listpack": ["foo", "bar", "1"],
    "hashtable": ["foo"] + [f"i{i:03d}" for i in range(130)],
}


# ----------------------------------------------------------------------------
# SADD SCARD SISMEMBER SMISMEMBER SMEMBERS


@pytest.mark.parametrize("enc", ["intset", "listpack", "hashtable"])
def test_basics_per_encoding(r, raw, enc):
    init = INITS[enc]
    make_set(r, "s", init)
    assert encoding(r, "s") == enc.encode()
    new = 42 if enc == "intset" else "new"
    assert raw.cmd("SADD", "s", new) == integer(1)
    assert raw.cmd("SADD", "s", new) == integer(0)
    assert raw.cmd("SCARD", "s") == integer(len(init) + 1)
    assert raw.cmd("SISMEMBER", "s", init[0]) == integer(1)
    assert raw.cmd("SISMEMBER", "s", new) == integer(1)
    assert raw.cmd("SISMEMBER", "s", "nope") == integer(0)
    assert raw.cmd("SMISMEMBER", "s", init[0], "nope", new) == (
        b"*3\r\n" + integer(1) + integer(0) + integer(1))
    assert members(r, "s") == b(*init, new)
    assert encoding(r, "s") == enc.encode()
    assert r.type("s") == b"set"


def test_sadd_variadic_and_duplicates(r, raw):
    assert raw.cmd("SADD", "s", "a", "b", "c") == integer(3)
    assert raw.cmd("SADD", "s", "A", "a", "b", "c", "B") == integer(2)
    assert raw.cmd("SADD", "s", "x", "x", "x") == integer(1)
    assert members(r, "s") == b("A", "B", "a", "b", "c", "x")


def test_binary_and_empty_members(r):
    m = b"m\x00\r\n\xff"
    assert r.sadd(b"bin\x00s", m, b"", b"0", b"-0", b"007") == 5
    assert r.sismember(b"bin\x00s", b"") == 1
    assert r.sismember(b"bin\x00s", m) == 1
    assert r.sismember(b"bin\x00s", b"7") == 0
    assert r.smembers(b"bin\x00s") == {m, b"", b"0", b"-0", b"007"}
    # The same in a hashtable, with short (inline) and long members.
    long_m = b"\x00" * 100
    r.sadd(b"bin\x00s", long_m)
    assert encoding(r, b"bin\x00s") == b"hashtable"
    assert r.smembers(b"bin\x00s") == {m, b"", b"0", b"-0", b"007", long_m}
    assert r.srem(b"bin\x00s", b"", long_m) == 2
    assert r.smembers(b"bin\x00s") == {m, b"0", b"-0", b"007"}


def test_missing_key_reads(r, raw):
    assert raw.cmd("SCARD", "nokey") == integer(0)
    assert raw.cmd("SISMEMBER", "nokey", "a") == integer(0)
    assert raw.cmd("SMISMEMBER", "nokey", "a", "b") == b"*2\r\n" + integer(0) * 2
    assert raw.cmd("SMEMBERS", "nokey") == EMPTY
    assert r.exists("nokey") == 0


def test_wrongtype(r, raw):
    r.set("str", "x")
    r.hset("h", "f", "v")
    for key in ("str", "h"):
        for cmd in (("SADD", key, "a"), ("SREM", key, "a"), ("SMEMBERS", key),
                    ("SISMEMBER", key, "a"), ("SMISMEMBER", key, "a"), ("SCARD", key),
                    ("SPOP", key), ("SPOP", key, 2), ("SRANDMEMBER", key),
                    ("SRANDMEMBER", key, -2), ("SSCAN", key, 0), ("SINTER", key),
                    ("SUNION", key), ("SDIFF", key), ("SINTERCARD", 1, key),
                    ("SINTERSTORE", "d", key), ("SUNIONSTORE", "d", key),
                    ("SDIFFSTORE", "d", key), ("SMOVE", key, "d", "a")):
            assert raw.cmd(*cmd) == WRONGTYPE, cmd
    assert r.get("str") == b"x"
    assert r.exists("d") == 0


def test_arity(r, raw):
    for cmd in (("SADD", "s"), ("SREM", "s"), ("SMEMBERS",), ("SMEMBERS", "s", "x"),
                ("SISMEMBER", "s"), ("SISMEMBER", "s", "a", "b"), ("SMISMEMBER", "s"),
                ("SCARD",), ("SCARD", "s", "x"), ("SPOP",), ("SRANDMEMBER",),
                ("SMOVE", "a", "b"), ("SMOVE", "a", "b", "c", "d"), ("SINTER",),
                ("SINTERCARD", 1), ("SINTERSTORE", "d"), ("SUNION",), ("SUNIONSTORE", "d"),
                ("SDIFF",), ("SDIFFSTORE", "d"), ("SSCAN", "s")):
        assert raw.cmd(*cmd) == arity(cmd[0].lower()), cmd


# ----------------------------------------------------------------------------
# Encodings


def test_intset_lists_members_in_ascending_order(r, raw):
    r.sadd("s", 5, -3, 70000, -9223372036854775808, 9223372036854775807, 100, -40000)
    assert encoding(r, "s") == b"intset"
    assert parse(raw.cmd("SMEMBERS", "s")) == [
        b"-9223372036854775808", b"-40000", b"-3", b"5", b"100", b"70000",
        b"9223372036854775807"]


def test_non_canonical_integers_are_strings(r):
    for m in ("01", "+1", "-0", " 1", "1 ", "1.0", "9223372036854775808", "0x10"):
        r.delete("s")
        r.sadd("s", m)
        assert encoding(r, "s") == b"listpack", m
        assert r.sismember("s", m) == 1
    r.delete("s")
    r.sadd("s", 1, 2)
    assert r.sismember("s", "01") == 0
    assert r.sismember("s", "+1") == 0


def test_sadd_a_non_integer_against_a_small_intset(r):
    make_set(r, "s", [1, 2, 3])
    assert encoding(r, "s") == b"intset"
    assert r.sadd("s", "a") == 1
    assert encoding(r, "s") == b"listpack"
    assert members(r, "s") == b(1, 2, 3, "a")


def test_sadd_a_non_integer_against_a_large_intset(r):
    r.sadd("s", *range(130))
    assert encoding(r, "s") == b"intset"
    assert r.sadd("s", "a") == 1
    assert encoding(r, "s") == b"hashtable"
    assert r.scard("s") == 131


def test_sadd_an_integer_larger_than_64_bits(r):
    big = "213244124402402314402033402"
    r.sadd("s", big)
    assert encoding(r, "s") == b"listpack"
    assert r.sismember("s", big) == 1
    r.delete("s")
    r.sadd("s", *range(130))
    r.sadd("s", big)
    assert encoding(r, "s") == b"hashtable"
    assert r.smismember("s", big) == [1]


@pytest.mark.parametrize("how", ["single", "multiple", "single_multiple"])
def test_intset_overflow(r, how):
    if how == "single":
        for i in range(512):
            r.sadd("s", i)
    elif how == "multiple":
        r.sadd("s", *range(512))
    else:
        r.sadd("s", 1)
        r.sadd("s", *range(512))
    assert encoding(r, "s") == b"intset"
    assert r.scard("s") == 512
    assert r.sadd("s", 512) == 1
    assert encoding(r, "s") == b"hashtable"


@pytest.mark.parametrize("how", ["single", "multiple", "single_multiple"])
def test_listpack_overflow(r, how):
    if how == "single":
        r.sadd("s", "a")
        for i in range(127):
            r.sadd("s", i)
    elif how == "multiple":
        r.sadd("s", "a", *range(127))
    else:
        r.sadd("s", "a")
        r.sadd("s", "a", *range(127))
    assert encoding(r, "s") == b"listpack"
    assert r.scard("s") == 128
    assert r.sadd("s", "b") == 1
    assert encoding(r, "s") == b"hashtable"


def test_many_members_in_one_sadd_go_straight_to_a_hashtable(r):
    # Redis sizes by the argument count, duplicates included.
    r.sadd("s", *(["a"] * 129))
    assert encoding(r, "s") == b"hashtable"
    r.sadd("t", "x")
    r.sadd("t", *(["a"] * 129))
    assert encoding(r, "t") == b"hashtable"
    r.sadd("i", *([1] * 513))
    assert encoding(r, "i") == b"hashtable"
    assert r.scard("i") == 1


def test_long_member_converts_listpack(r):
    r.sadd("s", "a")
    r.sadd("s", "x" * 64)
    assert encoding(r, "s") == b"listpack"
    r.sadd("s", "y" * 65)
    assert encoding(r, "s") == b"hashtable"
    r.sadd("t", "z" * 65)
    assert encoding(r, "t") == b"hashtable"


def test_sets_never_convert_back(r):
    r.sadd("s", *range(600))
    assert encoding(r, "s") == b"hashtable"
    r.srem("s", *range(1, 600))
    assert encoding(r, "s") == b"hashtable"
    assert r.smembers("s") == {b"0"}
    r.sadd("l", 1, "a")
    r.srem("l", "a")
    assert encoding(r, "l") == b"listpack"


def test_encoding_after_debug_reload_like_sizes(r):
    r.sadd("myintset", *range(100))
    r.sadd("mylargeintset", *range(1280))
    r.sadd("mysmallset", *[f"i{i:03d}" for i in range(50)])
    r.sadd("myhashset", *[f"i{i:03d}" for i in range(256)])
    assert encoding(r, "myintset") == b"intset"
    assert encoding(r, "mylargeintset") == b"hashtable"
    assert encoding(r, "mysmallset") == b"listpack"
    assert encoding(r, "myhashset") == b"hashtable"


def test_config_set_thresholds(r):
    assert r.config_get("set-max-intset-entries") == {"set-max-intset-entries": "512"}
    assert r.config_get("set-max-listpack-entries") == {"set-max-listpack-entries": "128"}
    assert r.config_get("set-max-listpack-value") == {"set-max-listpack-value": "64"}
    r.config_set("set-max-intset-entries", 4)
    r.sadd("i", 1, 2, 3, 4)
    assert encoding(r, "i") == b"intset"
    r.sadd("i", 5)
    assert encoding(r, "i") == b"hashtable"

    r.config_set("set-max-listpack-entries", 3)
    r.sadd("l", "a", "b", "c")
    assert encoding(r, "l") == b"listpack"
    r.sadd("l", "d")
    assert encoding(r, "l") == b"hashtable"

    r.config_set("set-max-listpack-entries", 128)
    r.config_set("set-max-listpack-value", 5)
    r.sadd("v", "abcde")
    assert encoding(r, "v") == b"listpack"
    r.sadd("v", "abcdef")
    assert encoding(r, "v") == b"hashtable"
    # The intset's longest number counts too when it becomes a listpack.
    r.config_set("set-max-intset-entries", 512)
    r.sadd("n", 123456)
    r.sadd("n", "a")
    assert encoding(r, "n") == b"hashtable"

    r.config_set("set-max-listpack-entries", 0)
    r.sadd("z", "a")
    assert encoding(r, "z") == b"hashtable"
    r.config_set("set-max-intset-entries", 0)
    r.sadd("z2", 1)
    assert encoding(r, "z2") == b"hashtable"


def test_big_sets_of_every_kind(r):
    ints = list(range(-5000, 5000, 3))
    r.sadd("ints", *ints)
    strs = [f"member:{i}" for i in range(5000)] + [str(i) for i in range(2000)] + [""]
    r.sadd("strs", *strs)
    assert r.scard("ints") == len(ints)
    assert r.scard("strs") == len(strs)
    assert r.smembers("ints") == {str(i).encode() for i in ints}
    assert r.smembers("strs") == {s.encode() for s in strs}
    assert r.srem("strs", *strs[::2]) == len(strs[::2])
    assert r.smembers("strs") == {s.encode() for s in strs[1::2]}


# ----------------------------------------------------------------------------
# SREM


@pytest.mark.parametrize("enc", ["intset", "listpack", "hashtable"])
def test_srem_per_encoding(r, raw, enc):
    init = INITS[enc]
    make_set(r, "s", init)
    r.sadd("s", 999 if enc == "intset" else "ciao")
    assert raw.cmd("SREM", "s", "qux") == integer(0)
    assert raw.cmd("SREM", "s", 999 if enc == "intset" else "ciao") == integer(1)
    assert members(r, "s") == b(*init)
    assert encoding(r, "s") == enc.encode()


def test_srem_variadic_and_key_deletion(r, raw):
    r.sadd("s", "a", "b", "c", "d")
    assert raw.cmd("SREM", "s", "k", "k", "k") == integer(0)
    assert raw.cmd("SREM", "s", "b", "d", "x", "y", "b") == integer(2)
    assert members(r, "s") == b("a", "c")
    r.delete("s")
    r.sadd("s", 1, 2, 3)
    assert raw.cmd("SREM", "s", 1, 2, 3, 4, 5, 6, 7, 8) == integer(3)
    assert r.exists("s") == 0
    assert raw.cmd("SREM", "nokey", "a") == integer(0)


# ----------------------------------------------------------------------------
# SPOP


@pytest.mark.parametrize("contents", [["a", "b", "c"], [1, 2, 3]])
def test_spop_basics(r, raw, contents):
    make_set(r, "s", contents)
    got = [r.spop("s") for _ in contents]
    assert sorted(got) == b(*contents)
    assert r.exists("s") == 0
    assert raw.cmd("SPOP", "s") == NIL
    make_set(r, "s", contents)
    got = []
    for _ in contents:
        got += r.spop("s", 1)
    assert sorted(got) == b(*contents)
    assert r.exists("s") == 0


@pytest.mark.parametrize("contents", [
    list("abcdefghijklmnopqrstuvwxyz"),
    list(range(1, 27)),
    ["ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"] + list("bcdefghijklmnopqrstuvwxyz"),
])
def test_spop_with_count(r, contents):
    make_set(r, "s", contents)
    got = []
    for n in (11, 9, 0, 4, 1, 0, 1, 0):
        got += r.spop("s", n)
    assert sorted(got) == b(*contents)
    assert r.scard("s") == 0
    assert r.exists("s") == 0


@pytest.mark.parametrize("enc,content", [
    ("intset", list(range(1, 21))),
    ("listpack", ["a"] + list(range(2, 21))),
    ("hashtable", ["x" * 70] + list(range(2, 21))),
])
def test_spop_code_paths(r, enc, content):
    make_set(r, "s", content)
    assert encoding(r, "s") == enc.encode()
    res = r.spop("s", 30)
    assert sorted(res) == b(*content)
    assert r.exists("s") == 0
    for n in (2, 18, 19):
        make_set(r, "s", content)
        res = r.spop("s", n)
        assert len(res) == n == len(set(res))
        assert r.scard("s") == 20 - n
        assert sorted(res + list(r.smembers("s"))) == b(*content)


def test_spop_large_hashtable(r):
    r.sadd("s", *[f"m{i}" for i in range(2000)])
    popped = r.spop("s", 1990)  # keeps a few
    assert len(set(popped)) == 1990
    rest = r.smembers("s")
    assert len(rest) == 10 and not rest & set(popped)
    r.sadd("t", *[f"m{i}" for i in range(2000)])
    popped = r.spop("t", 100)  # pops one at a time
    assert len(set(popped)) == 100
    assert r.scard("t") == 1900


def test_spop_errors_and_edge_cases(r, raw):
    r.sadd("s", "a", "b", "c")
    assert raw.cmd("SPOP", "s", -1) == MUST_BE_POSITIVE
    assert raw.cmd("SPOP", "s", "x") == MUST_BE_POSITIVE
    assert raw.cmd("SPOP", "s", "1.5") == MUST_BE_POSITIVE
    assert raw.cmd("SPOP", "s", 1, 2) == SYNTAX
    assert raw.cmd("SPOP", "s", 0) == EMPTY
    assert raw.cmd("SPOP", "nokey", 0) == EMPTY
    assert raw.cmd("SPOP", "nokey", 100) == EMPTY
    assert raw.cmd("SPOP", "nokey") == NIL
    # The count is parsed before the key's type is checked.
    r.set("str", "x")
    assert raw.cmd("SPOP", "str", -1) == MUST_BE_POSITIVE
    assert raw.cmd("SPOP", "str", 0) == WRONGTYPE
    assert r.scard("s") == 3


def test_spop_reaches_every_member(r):
    for contents in ([1, 2, 3, 4, 5], ["a", "b", "c", "d", "e"],
                     ["x" * 70, "b", "c", "d", "e"]):
        seen = Counter()
        for _ in range(300):
            make_set(r, "s", contents)
            seen[r.spop("s")] += 1
        assert sorted(seen) == b(*contents)
        assert min(seen.values()) > 20, seen


# ----------------------------------------------------------------------------
# SRANDMEMBER


SRAND_SETS = {
    "intset": list(range(50)),
    "listpack": [1, 5, 10, 50, 125, 50000, 33959417, 4775547, 65434162, 12098459, 427716,
                 483706, 2726473884, 72615637475, "MARY", "PATRICIA", "LINDA", "BARBARA",
                 "ELIZABETH", "JENNIFER", "MARIA", "SUSAN", "MARGARET", "DOROTHY", "LISA",
                 "NANCY", "KAREN", "BETTY", "HELEN", "SANDRA", "DONNA", "CAROL", "RUTH",
                 "SHARON", "MICHELLE", "LAURA", "SARAH", "KIMBERLY", "DEBORAH", "JESSICA",
                 "SHIRLEY", "CYNTHIA", "ANGELA", "MELISSA", "BRENDA", "AMY", "ANNA",
                 "REBECCA", "VIRGINIA", "KATHLEEN"],
    "hashtable": ["ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" * 2] + [f"m{i}" for i in range(49)],
}


@pytest.mark.parametrize("enc", ["intset", "listpack", "hashtable"])
def test_srandmember_with_count(r, enc):
    contents = SRAND_SETS[enc]
    make_set(r, "s", contents)
    assert encoding(r, "s") == enc.encode()
    everything = set(b(*contents))
    assert r.srandmember("s", 0) == []
    # Negative: repeats allowed, exactly |count| members.
    res = r.srandmember("s", -100)
    assert len(res) == 100 and set(res) <= everything
    seen = set()
    for _ in range(1000):
        seen.update(r.srandmember("s", -10))
        if seen == everything:
            break
    assert seen == everything
    # Positive and >= the size: the whole set.
    for n in (50, 100):
        res = r.srandmember("s", n)
        assert sorted(res) == sorted(everything)
    # Positive and smaller: distinct members, every one reachable.
    for n in (45, 5):
        res = r.srandmember("s", n)
        assert len(res) == n == len(set(res)) and set(res) <= everything
        seen = set()
        for _ in range(1000):
            seen.update(r.srandmember("s", n))
            if seen == everything:
                break
        assert seen == everything


def chi_square(values):
    counts = Counter(values)
    expected = len(values) / len(counts)
    return sum((c - expected) ** 2 / expected for c in counts.values())


@pytest.mark.parametrize("enc,contents", [
    ("listpack", [1, 5, 10, 50, 125, "MARY", "PATRICIA", "LINDA", "BARBARA", "ELIZABETH"]),
    ("intset", list(range(10))),
    ("hashtable", ["ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" * 2, 1, 5, 10, 50, 125, "MARY",
                   "PATRICIA", "LINDA", "BARBARA"]),
])
def test_srandmember_histogram_distribution(r, enc, contents):
    make_set(r, "s", contents)
    assert encoding(r, "s") == enc.encode()
    # df = 9: 40 is exceeded with probability 1e-5.
    res = r.srandmember("s", -1000)
    assert len(set(res)) == 10
    assert chi_square(res) < 40
    for size in (8, 2):
        allkeys = []
        for _ in range(1000 // size):
            allkeys += r.srandmember("s", size)
        assert len(set(allkeys)) == 10
        assert chi_square(allkeys) < 40
    # Single picks too.
    single = [r.srandmember("s") for _ in range(500)]
    assert len(set(single)) == 10


def test_srandmember_single_and_errors(r, raw):
    r.sadd("s", "a", "b", "c")
    assert r.srandmember("s") in {b"a", b"b", b"c"}
    assert raw.cmd("SRANDMEMBER", "nokey") == NIL
    assert raw.cmd("SRANDMEMBER", "nokey", 100) == EMPTY
    assert raw.cmd("SRANDMEMBER", "nokey", -100) == EMPTY
    assert raw.cmd("SRANDMEMBER", "s", 0) == EMPTY
    assert raw.cmd("SRANDMEMBER", "s", "x") == NOT_INT
    assert raw.cmd("SRANDMEMBER", "s", "-9223372036854775808") == COUNT_RANGE
    assert raw.cmd("SRANDMEMBER", "s", 1, 2) == SYNTAX
    r.set("str", "x")
    assert raw.cmd("SRANDMEMBER", "str", "x") == NOT_INT  # the count comes first
    assert raw.cmd("SRANDMEMBER", "str", 0) == WRONGTYPE
    assert raw.cmd("SRANDMEMBER", "s", 9223372036854775807).startswith(b"*3\r\n")
    assert r.scard("s") == 3


# ----------------------------------------------------------------------------
# SMOVE


def setup_move(r):
    r.delete("myset3")
    make_set(r, "myset1", [1, "a", "b"])
    make_set(r, "myset2", [2, 3, 4])
    assert encoding(r, "myset1") == b"listpack"
    assert encoding(r, "myset2") == b"intset"


def test_smove_basics(r, raw):
    setup_move(r)
    assert raw.cmd("SMOVE", "myset1", "myset2", "a") == integer(1)
    assert members(r, "myset1") == b(1, "b")
    assert members(r, "myset2") == b(2, 3, 4, "a")
    assert encoding(r, "myset2") == b"listpack"
    setup_move(r)
    assert raw.cmd("SMOVE", "myset1", "myset2", 1) == integer(1)
    assert members(r, "myset1") == b("a", "b")
    assert members(r, "myset2") == b(1, 2, 3, 4)
    assert encoding(r, "myset2") == b"intset"
    setup_move(r)
    assert raw.cmd("SMOVE", "myset2", "myset1", 2) == integer(1)
    assert members(r, "myset1") == b(1, 2, "a", "b")
    assert members(r, "myset2") == b(3, 4)


def test_smove_missing_things(r, raw):
    setup_move(r)
    assert raw.cmd("SMOVE", "myset1", "myset2", "foo") == integer(0)
    assert raw.cmd("SMOVE", "myset1", "myset1", "foo") == integer(0)
    assert raw.cmd("SMOVE", "noset", "myset2", "foo") == integer(0)
    assert members(r, "myset1") == b(1, "a", "b")
    assert members(r, "myset2") == b(2, 3, 4)
    # A missing source wins over a destination of the wrong type.
    r.set("str", "x")
    assert raw.cmd("SMOVE", "noset", "str", "foo") == integer(0)


def test_smove_to_new_destination(r, raw):
    setup_move(r)
    assert raw.cmd("SMOVE", "myset1", "myset3", "a") == integer(1)
    assert members(r, "myset3") == b("a")
    assert encoding(r, "myset3") == b"listpack"
    setup_move(r)
    assert raw.cmd("SMOVE", "myset2", "myset3", 2) == integer(1)
    assert members(r, "myset2") == b(3, 4)
    assert members(r, "myset3") == b(2)
    assert encoding(r, "myset3") == b"intset"


def test_smove_deletes_emptied_source_and_keeps_existing_member(r, raw):
    r.sadd("src", "a")
    r.sadd("dst", "a", "b")
    assert raw.cmd("SMOVE", "src", "dst", "a") == integer(1)
    assert r.exists("src") == 0
    assert members(r, "dst") == b("a", "b")


def test_smove_wrong_types_and_same_key(r, raw):
    r.set("x", 10)
    setup_move(r)
    assert raw.cmd("SMOVE", "x", "myset2", "foo") == WRONGTYPE
    assert raw.cmd("SMOVE", "myset2", "x", "foo") == WRONGTYPE
    assert raw.cmd("SMOVE", "myset2", "x", 2) == WRONGTYPE
    assert members(r, "myset2") == b(2, 3, 4)
    r.sadd("set", "a", "b", "c")
    assert raw.cmd("SMOVE", "set", "set", "b") == integer(1)
    assert raw.cmd("SMOVE", "set", "set", "z") == integer(0)
    assert members(r, "set") == b("a", "b", "c")


def test_smove_only_touches_destination_when_added(server, r):
    r.sadd("srcset", "a", "b")
    r.sadd("dstset", "a")
    p = r.pipeline(transaction=True)
    p.watch("dstset")
    p.multi()
    p.sadd("dstset", "c")
    other = server.client()
    assert other.smove("srcset", "dstset", "a") == 1
    other.close()
    assert p.execute() == [1]  # dstset was unchanged, so EXEC runs
    assert r.scard("dstset") == 2


def test_watch_sees_set_changes(server, r):
    r.sadd("s", "a")
    for change in (lambda c: c.sadd("s", "c"), lambda c: c.srem("s", "a"),
                   lambda c: c.spop("s"), lambda c: c.sinterstore("s", "s"),
                   lambda c: c.smove("s", "t", "a")):
        r.delete("s", "t")
        r.sadd("s", "a", "b")
        p = r.pipeline(transaction=True)
        p.watch("s")
        p.multi()
        p.scard("s")
        other = server.client()
        change(other)
        other.close()
        with pytest.raises(redis.WatchError):
            p.execute()
    # No change, no abort.
    r.delete("s")
    r.sadd("s", "a")
    p = r.pipeline(transaction=True)
    p.watch("s")
    p.multi()
    p.scard("s")
    other = server.client()
    other.sadd("s", "a")
    other.srem("s", "zz")
    other.close()
    assert p.execute() == [1]


# ----------------------------------------------------------------------------
# SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE


@pytest.fixture(params=["regular", "intset"])
def algebra(request, r):
    """Sets set1..set5 as in Redis's own suite: 1, 2 and 4 big, 3 and 5 small."""
    kind = request.param
    for i in range(1, 6):
        r.delete(f"set{i}")
    r.sadd("set1", *range(200))
    r.sadd("set2", *range(195, 395))
    r.sadd("set3", 199, 195, 1000, 2000)
    r.sadd("set4", *range(5, 200))
    r.sadd("set5", 0)
    large = 200 if kind == "intset" else "foo"
    for i in range(1, 6):
        r.sadd(f"set{i}", large)
    small, big = ("intset", "intset") if kind == "intset" else ("listpack", "hashtable")
    expect = {1: big, 2: big, 3: small, 4: big, 5: small}
    for i, enc in expect.items():
        assert encoding(r, f"set{i}") == enc.encode()
    return kind, large, small, big


def test_sinter(r, algebra):
    kind, large, small, big = algebra
    assert sorted(r.sinter("set1", "set2")) == b(195, 196, 197, 198, 199, large)
    assert sorted(r.sinter("set1", "set2", "set3")) == b(195, 199, large)
    assert r.sintercard(2, ["set1", "set2"]) == 6
    assert r.sintercard(2, ["set1", "set2"], limit=0) == 6
    assert r.sintercard(2, ["set1", "set2"], limit=3) == 3
    assert r.sintercard(2, ["set1", "set2"], limit=10) == 6
    assert r.sintercard(3, ["set1", "set2", "set3"]) == 3
    assert r.sintercard(3, ["set1", "set2", "set3"], limit=2) == 2
    assert r.sinterstore("setres", "set1", "set2") == 6
    assert encoding(r, "setres") == small.encode()
    assert members(r, "setres") == b(195, 196, 197, 198, 199, large)
    assert r.sinterstore("setres", "set1", "set2", "set3") == 3
    assert members(r, "setres") == b(195, 199, large)


def test_sunion(r, algebra):
    kind, large, small, big = algebra
    expected = sorted(set(r.smembers("set1")) | set(r.smembers("set2")))
    assert sorted(r.sunion("set1", "set2")) == expected
    assert sorted(r.sunion("nokey1", "set1", "set2", "nokey2")) == expected
    assert r.sunionstore("setres", "set1", "set2") == len(expected)
    assert encoding(r, "setres") == big.encode()
    assert members(r, "setres") == expected


def test_sdiff(r, algebra):
    kind, large, small, big = algebra
    assert sorted(r.sdiff("set1", "set4")) == b(0, 1, 2, 3, 4)
    assert sorted(r.sdiff("set1", "set4", "set5")) == b(1, 2, 3, 4)
    assert r.sdiffstore("setres", "set1", "set4", "set5") == 4
    if kind == "intset":
        assert encoding(r, "setres") == b"intset"
    assert members(r, "setres") == b(1, 2, 3, 4)


def test_same_set_three_times(r, algebra):
    expected = members(r, "set1")
    assert sorted(r.sinter("set1", "set1", "set1")) == expected
    assert sorted(r.sunion("set1", "set1", "set1")) == expected
    assert r.sdiff("set1", "set1", "set1") == set()
    assert r.sintercard(3, ["set1", "set1", "set1"]) == len(expected)


def test_sinterstore_results_take_the_compact_encodings(r):
    r.sadd("a", "a", "b", "c", 1, 3, 6, "x", "y", "z")
    r.sadd("b", "e", "f", "g", 1, 2, 3, "u", "v", "w")
    assert encoding(r, "a") == b"listpack"
    r.sinterstore("res", "a", "b")
    assert members(r, "res") == b(1, 3)
    assert encoding(r, "res") == b"intset"
    r.delete("a", "b")
    r.sadd("a", "a", "b", "c", 444, 555, 666, *range(1, 130))
    r.sadd("b", "e", "f", "g", 111, 222, 333, *range(1, 130))
    assert encoding(r, "a") == b"hashtable"
    r.sinterstore("res", "a", "b")
    assert members(r, "res") == b(*range(1, 130))
    assert encoding(r, "res") == b"intset"
    r.sunionstore("res", "a", "b")
    assert encoding(r, "res") == b"hashtable"
    r.sdiffstore("res", "a", "b")
    assert members(r, "res") == b("a", "b", "c", 444, 555, 666)
    assert encoding(r, "res") == b"listpack"


def test_sunion_hashtable_and_listpack(r):
    union = ["abcdefghijklmnopqrstuvwxyz1234567890" * 2, "a", "b", "c", "1", "2", "3"]
    make_set(r, "set1", union)
    make_set(r, "set2", ["a", "b", "c"])
    assert encoding(r, "set1") == b"hashtable"
    assert encoding(r, "set2") == b"listpack"
    assert sorted(r.sunion("set1", "set2")) == b(*union)


def test_sinter_with_same_integers_in_different_encodings(r):
    r.sadd("set1", 1, 2, 3)
    r.sadd("set2", 1, 2, 3, "a")
    r.srem("set2", "a")
    assert encoding(r, "set1") == b"intset"
    assert encoding(r, "set2") == b"listpack"
    assert sorted(r.sinter("set1", "set2")) == b(1, 2, 3)
    assert r.sdiff("set1", "set2") == set()
    r.sadd("set3", *[f"x{i}" for i in range(200)], 1, 3)
    assert sorted(r.sinter("set1", "set3")) == b(1, 3)
    assert sorted(r.sdiff("set1", "set3")) == b(2)


def test_missing_keys_are_empty_sets(r, raw):
    r.sadd("set1", "a", "b", "c")
    r.sadd("set2", "b", "c", "d")
    assert raw.cmd("SINTER", "set1", "set2", "set3") == EMPTY
    assert raw.cmd("SINTER", "nokey") == EMPTY
    assert raw.cmd("SINTERCARD", 1, "nokey") == integer(0)
    assert raw.cmd("SINTERCARD", 1, "nokey", "LIMIT", 0) == integer(0)
    assert raw.cmd("SINTERCARD", 1, "nokey", "LIMIT", 10) == integer(0)
    assert sorted(r.sunion("set1", "set2", "set3")) == b("a", "b", "c", "d")
    assert sorted(r.sdiff("set1", "set2", "set3")) == b("a")
    assert r.sdiff("set3", "set2", "set1") == set()
    r.sadd("set4", 1, 2, 3, 4)
    r.sadd("set5", "a", "b", "c", "d")
    assert r.sdiff("set0", "set4", "set5") == set()


def test_wrongtype_wins_over_missing_keys(r, raw):
    r.set("key1", "x")
    r.sadd("set1", "a", "b", "c")
    for cmd in ("SINTER", "SUNION", "SDIFF"):
        for keys in (("key1", "noset"), ("noset", "key1"), ("key1", "set1"),
                     ("set1", "key1")):
            assert raw.cmd(cmd, *keys) == WRONGTYPE, (cmd, keys)
    for keys in (("key1",), ("set1", "key1"), ("key1", "noset"), ("noset", "key1")):
        assert raw.cmd("SINTERCARD", len(keys), *keys) == WRONGTYPE, keys


@pytest.mark.parametrize("cmd", ["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"])
def test_store_wrongtype_leaves_destination(r, raw, cmd):
    r.set("key1", "x")
    r.sadd("set1", "a", "b", "c")
    r.sadd("set2", "b", "c", "d")
    assert raw.cmd(cmd, "set3", "key1", "noset") == WRONGTYPE
    assert raw.cmd(cmd, "set3", "noset", "key1") == WRONGTYPE
    assert r.exists("set3") == 0
    r.sadd("set3", "e")
    assert raw.cmd(cmd, "set3", "key1", "set1", "noset") == WRONGTYPE
    assert raw.cmd(cmd, "set3", "set1", "key1", "set2") == WRONGTYPE
    assert members(r, "set3") == b("e")


@pytest.mark.parametrize("cmd", ["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"])
def test_store_empty_result_deletes_destination(r, raw, cmd):
    r.set("setres", "xxx")
    assert raw.cmd(cmd, "setres", "foo111", "bar222") == integer(0)
    assert r.exists("setres") == 0
    r.sadd("set3", "a", "b", "c")
    assert raw.cmd(cmd, "set3", "set1", "set2") == integer(0)
    assert r.exists("set3") == 0
    assert raw.cmd(cmd, "nothing", "set1") == integer(0)
    assert r.exists("nothing") == 0


def test_store_overwrites_any_type_and_drops_ttl(r, raw):
    r.sadd("set1", "a", "b", "c")
    r.sadd("set2", "b", "c", "d")
    for cmd, expected in (("SINTERSTORE", b("b", "c")), ("SUNIONSTORE", b("a", "b", "c", "d")),
                          ("SDIFFSTORE", b("a"))):
        r.set("dst", "string", ex=100)
        assert raw.cmd(cmd, "dst", "set1", "set2") == integer(len(expected))
        assert members(r, "dst") == expected
        assert r.ttl("dst") == -1
        r.delete("dst")
        r.hset("dst", "f", "v")
        assert raw.cmd(cmd, "dst", "set1", "set2") == integer(len(expected))
        assert r.type("dst") == b"set"
        r.sadd("dst", "zzz")
        r.expire("dst", 100)
        raw.cmd(cmd, "dst", "set1", "set2")
        assert members(r, "dst") == expected and r.ttl("dst") == -1


def test_store_destination_among_sources(r, raw):
    r.sadd("a", 1, 2, 3)
    r.sadd("b", 2, 3, 4)
    assert raw.cmd("SUNIONSTORE", "a", "a", "b") == integer(4)
    assert members(r, "a") == b(1, 2, 3, 4)
    assert raw.cmd("SINTERSTORE", "a", "a", "b") == integer(3)
    assert members(r, "a") == b(2, 3, 4)
    assert raw.cmd("SDIFFSTORE", "a", "a", "b") == integer(0)
    assert r.exists("a") == 0
    assert members(r, "b") == b(2, 3, 4)


def test_sdiff_fuzzing(r):
    import random
    rnd = random.Random(5)
    for _ in range(50):
        expected = {}
        keys = []
        for i in range(rnd.randint(1, 10)):
            key = f"set_{i}"
            r.delete(key)
            keys.append(key)
            for _ in range(rnd.randint(0, 100)):
                ele = rnd.choice([str(rnd.randint(0, 200)), f"s{rnd.randint(0, 200)}",
                                  "x" * rnd.randint(60, 70)])
                r.sadd(key, ele)
                if i == 0:
                    expected[ele] = True
                else:
                    expected.pop(ele, None)
        assert sorted(r.sdiff(*keys)) == sorted(e.encode() for e in expected)


def test_sintercard_errors(r, raw):
    r.sadd("s", "a")
    assert raw.cmd("SINTERCARD") == arity("sintercard")
    assert raw.cmd("SINTERCARD", 1) == arity("sintercard")
    for n in (0, -1, "a", "9999999999999999999", "1.0", ""):
        assert raw.cmd("SINTERCARD", n, "s") == NUMKEYS, n
    assert raw.cmd("SINTERCARD", 2, "s") == TOO_MANY_KEYS
    assert raw.cmd("SINTERCARD", 3, "s", "t") == TOO_MANY_KEYS
    assert raw.cmd("SINTERCARD", 1, "s", "t") == SYNTAX
    assert raw.cmd("SINTERCARD", 1, "s", "bar_arg") == SYNTAX
    assert raw.cmd("SINTERCARD", 1, "s", "LIMIT") == SYNTAX
    assert raw.cmd("SINTERCARD", 1, "s", "LIMIT", -1) == LIMIT_NEG
    assert raw.cmd("SINTERCARD", 1, "s", "LIMIT", "a") == LIMIT_NEG
    assert raw.cmd("SINTERCARD", 1, "nokey", "LIMIT", -1) == LIMIT_NEG
    r.set("str", "x")
    assert raw.cmd("SINTERCARD", 1, "str", "LIMIT", -1) == LIMIT_NEG  # options first
    # The last LIMIT wins; keywords are case-insensitive.
    r.sadd("t", "a", "b", "c")
    assert raw.cmd("SINTERCARD", 1, "t", "limit", 1, "LiMiT", 2) == integer(2)


def test_sintercard_keys_and_transactions(r, raw):
    assert parse(raw.cmd("COMMAND", "GETKEYS", "SINTERCARD", 2, "a", "b", "LIMIT", 3)) == [
        b"a", b"b"]
    reply = parse(raw.cmd("COMMAND", "INFO", "sintercard"))[0]
    assert reply[0] == b"sintercard" and reply[1] == -3
    assert b"movablekeys" in reply[2] and b"readonly" in reply[2]
    assert reply[3:6] == [0, 0, 0]
    # Inside MULTI, bad numkeys errors come from the command itself.
    r.sadd("s", "a", "b")
    assert raw.cmd("MULTI") == b"+OK\r\n"
    assert raw.cmd("SINTERCARD", 0, "s") == b"+QUEUED\r\n"
    assert raw.cmd("SINTERCARD", 1, "s") == b"+QUEUED\r\n"
    assert raw.cmd("EXEC") == b"*2\r\n" + NUMKEYS + integer(2)


# ----------------------------------------------------------------------------
# SSCAN


def test_sscan_compact_encodings_in_one_step(r, raw):
    r.sadd("i", 3, 1, 2)
    r.sadd("l", "a", "b", "c")
    assert parse(raw.cmd("SSCAN", "i", 0)) == [b"0", [b"1", b"2", b"3"]]
    # Any cursor returns everything for a compact set, as Redis does.
    assert parse(raw.cmd("SSCAN", "i", 7, "MATCH", "1")) == [b"0", [b"1"]]
    res = parse(raw.cmd("SSCAN", "l", 0, "COUNT", 1))
    assert res[0] == b"0" and sorted(res[1]) == [b"a", b"b", b"c"]
    res = parse(raw.cmd("SSCAN", "l", 0, "match", "a*", "count", 100))
    assert res == [b"0", [b"a"]]


def full_scan(raw, key, *opts):
    cursor, seen, steps = b"0", [], 0
    while True:
        cursor, items = parse(raw.cmd("SSCAN", key, cursor, *opts))
        seen += items
        steps += 1
        if cursor == b"0":
            return seen, steps


@pytest.mark.parametrize("count", [None, 1, 10, 100, 10000])
def test_sscan_hashtable_returns_every_member_once(r, raw, count):
    r.sadd("s", *[f"member:{i}" for i in range(1000)], *range(500))
    assert encoding(r, "s") == b"hashtable"
    opts = () if count is None else ("COUNT", count)
    seen, steps = full_scan(raw, "s", *opts)
    assert len(seen) == 1500 and set(seen) == set(r.smembers("s"))
    if count in (None, 1, 10):
        assert steps > 10


def test_sscan_match(r, raw):
    r.sadd("s", *[f"key:{i}" for i in range(500)], *[f"other:{i}" for i in range(500)])
    seen, _ = full_scan(raw, "s", "MATCH", "key:1*", "COUNT", 50)
    assert sorted(seen) == sorted(f"key:{i}".encode() for i in range(500)
                                  if str(i).startswith("1"))
    seen, _ = full_scan(raw, "s", "MATCH", "*")
    assert len(seen) == 1000


def test_sscan_members_present_throughout_are_returned(r, raw):
    r.sadd("s", *[f"stable:{i}" for i in range(1000)])
    cursor, seen, step = b"0", [], 0
    while True:
        cursor, items = parse(raw.cmd("SSCAN", "s", cursor, "COUNT", 20))
        seen += items
        step += 1
        if step == 3:
            r.sadd("s", *[f"extra:{i}" for i in range(10000)])  # the table grows
        if step == 10:
            r.srem("s", *[f"extra:{i}" for i in range(10000)])  # and shrinks
        if cursor == b"0":
            break
    stable = [m for m in seen if m.startswith(b"stable:")]
    assert sorted(set(stable)) == sorted(f"stable:{i}".encode() for i in range(1000))


def test_sscan_errors(r, raw):
    r.sadd("s", "a", "b")
    r.sadd("big", *range(600))
    assert raw.cmd("SSCAN", "s", "x") == INVALID_CURSOR
    assert raw.cmd("SSCAN", "s", "18446744073709551616") == INVALID_CURSOR
    assert raw.cmd("SSCAN", "nokey", "x") == INVALID_CURSOR
    for key in ("s", "big"):
        assert raw.cmd("SSCAN", key, 0, "COUNT", 0) == SYNTAX
        assert raw.cmd("SSCAN", key, 0, "COUNT", -1) == SYNTAX
        assert raw.cmd("SSCAN", key, 0, "COUNT", "x") == NOT_INT
        assert raw.cmd("SSCAN", key, 0, "MATCH") == SYNTAX
        assert raw.cmd("SSCAN", key, 0, "foo", "bar") == SYNTAX
        assert raw.cmd("SSCAN", key, 0, "TYPE", "set") == SYNTAX
        assert raw.cmd("SSCAN", key, 0, "NOVALUES") == SYNTAX
    # A missing key answers an empty scan before the options are read.
    assert raw.cmd("SSCAN", "nokey", 0) == EMPTY_SCAN
    assert raw.cmd("SSCAN", "nokey", 0, "COUNT", 0) == EMPTY_SCAN
    r.set("str", "x")
    assert raw.cmd("SSCAN", "str", 0, "COUNT", 0) == WRONGTYPE
    # Cursors past the end (or "-1", which wraps) end a hashtable scan.
    assert raw.cmd("SSCAN", "big", -1) == EMPTY_SCAN
    assert raw.cmd("SSCAN", "big", "18446744073709551615") == EMPTY_SCAN


# ----------------------------------------------------------------------------
# RESP3


def test_resp3_shapes(r, raw3):
    raw3.cmd("SADD", "s", "a")
    raw3.cmd("SADD", "i", 1, 2)
    assert raw3.cmd("SMEMBERS", "s") == b"~1\r\n" + bulk("a")
    assert raw3.cmd("SMEMBERS", "nokey") == b"~0\r\n"
    assert raw3.cmd("SINTER", "s", "s") == b"~1\r\n" + bulk("a")
    assert raw3.cmd("SINTER", "s", "nokey") == b"~0\r\n"
    assert raw3.cmd("SINTER", "s", "i") == b"~0\r\n"
    assert raw3.cmd("SUNION", "s") == b"~1\r\n" + bulk("a")
    assert raw3.cmd("SDIFF", "i", "s") == b"~2\r\n" + bulk("1") + bulk("2")
    assert raw3.cmd("SPOP", "nokey") == b"_\r\n"
    assert raw3.cmd("SPOP", "nokey", 3) == b"~0\r\n"
    assert raw3.cmd("SPOP", "i", 0) == b"~0\r\n"
    assert raw3.cmd("SRANDMEMBER", "nokey") == b"_\r\n"
    assert raw3.cmd("SRANDMEMBER", "nokey", 5) == b"*0\r\n"
    assert raw3.cmd("SRANDMEMBER", "s", 5) == b"*1\r\n" + bulk("a")
    assert raw3.cmd("SRANDMEMBER", "s", -2) == b"*2\r\n" + bulk("a") * 2
    assert raw3.cmd("SMISMEMBER", "s", "a", "z") == b"*2\r\n:1\r\n:0\r\n"
    assert raw3.cmd("SSCAN", "s", 0) == b"*2\r\n" + bulk("0") + b"*1\r\n" + bulk("a")
    assert raw3.cmd("SPOP", "i", 5).startswith(b"~2\r\n")
    assert raw3.cmd("SPOP", "s") == bulk("a")


def test_resp2_shapes(r, raw):
    r.sadd("s", "a")
    assert raw.cmd("SMEMBERS", "s") == b"*1\r\n" + bulk("a")
    assert raw.cmd("SPOP", "nokey", 3) == EMPTY
    assert raw.cmd("SPOP", "s", 3) == b"*1\r\n" + bulk("a")


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
        r.config_set("notify-keyspace-events", "")
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
    assert events(("SADD", "s", "a", "b", "c")) == ev("s", "sadd")
    assert events(("SREM", "s", "a", "zz")) == ev("s", "srem")
    assert events(("SREM", "s", "b", "c")) == ev("s", "srem") + ev("s", "del")
    r.sadd("s", "a", "b", "c")
    assert events(("SPOP", "s")) == ev("s", "spop")
    assert events(("SPOP", "s", 1)) == ev("s", "spop")
    assert events(("SPOP", "s", 5)) == ev("s", "spop") + ev("s", "del")
    r.sadd("s", "a")
    assert events(("SPOP", "s")) == ev("s", "spop") + ev("s", "del")


def test_notifications_of_smove(r, events):
    r.sadd("src", "a", "b")
    r.sadd("dst", "b")
    assert events(("SMOVE", "src", "dst", "a")) == ev("src", "srem") + ev("dst", "sadd")
    # Already in dst: only the source changes.
    assert events(("SMOVE", "src", "dst", "b")) == ev("src", "srem") + ev("src", "del")
    r.sadd("src", "c")
    assert events(("SMOVE", "src", "new", "c")) == (
        ev("src", "srem") + ev("src", "del") + ev("new", "sadd"))


def test_notifications_of_stores(r, events):
    r.sadd("a", 1, 2, 3)
    r.sadd("b", 3, 4)
    assert events(("SINTERSTORE", "d", "a", "b")) == ev("d", "sinterstore")
    assert events(("SUNIONSTORE", "d", "a", "b")) == ev("d", "sunionstore")
    assert events(("SDIFFSTORE", "d", "a", "b")) == ev("d", "sdiffstore")
    assert events(("SINTERSTORE", "d", "a", "nokey")) == ev("d", "del")
    assert events(("SDIFFSTORE", "d", "a", "a")) == []  # d is already gone
    r.set("d", "x")
    assert events(("SUNIONSTORE", "d", "nokey")) == ev("d", "del")


def test_no_notifications_without_a_change(r, events):
    r.sadd("s", "a")
    r.set("str", "x")
    assert events(
        ("SADD", "s", "a"), ("SREM", "s", "zz"), ("SREM", "nokey", "a"),
        ("SPOP", "nokey"), ("SPOP", "s", 0), ("SMOVE", "s", "d", "zz"),
        ("SMOVE", "nokey", "d", "a"), ("SMOVE", "s", "s", "a"), ("SADD", "str", "a"),
        ("SINTERSTORE", "d", "str"), ("SMEMBERS", "s"), ("SRANDMEMBER", "s", 3),
    ) == []


def test_notification_classes(r, events):
    assert events(("SADD", "s", "a"), flags="Ks") == [("__keyspace@0__:s", "sadd")]
    assert events(("SADD", "s", "b"), flags="Eg") == []
    assert events(("SREM", "s", "a", "b"), flags="Eg") == [("__keyevent@0__:del", "s")]


# ----------------------------------------------------------------------------
# Other commands on sets, memory, command table


def test_generic_commands_on_sets(r):
    r.sadd("s", *[f"m{i}" for i in range(300)])
    r.sadd("i", 1, 2, 3)
    assert r.copy("s", "s2") is True
    r.srem("s", "m0")
    assert r.scard("s2") == 300 and r.sismember("s2", "m0") == 1
    assert encoding(r, "s2") == b"hashtable"
    assert r.copy("i", "i2") is True
    assert encoding(r, "i2") == b"intset" and members(r, "i2") == b(1, 2, 3)
    r.rename("i2", "i3")
    assert members(r, "i3") == b(1, 2, 3)
    assert r.type("i3") == b"set"
    assert list(r.scan_iter(_type="set")) and set(r.scan_iter(_type="set")) == {
        b"s", b"s2", b"i", b"i3"}


def used_memory(r):
    return r.info("memory")["used_memory"]


def test_memory_accounting_returns_to_baseline(r):
    names = [f"s{i}" for i in range(30)] + ["big", "big2", "u", "p"]
    r.mset({n: "x" for n in names})
    r.delete(*names)
    base = used_memory(r)
    for i in range(30):
        r.sadd(f"s{i}", *range(i * 10 + 1))
    r.sadd("big", *[f"member-{j}" for j in range(5000)])
    grown = used_memory(r)
    assert grown > base + 5000 * 16
    for i in range(30):
        key = f"s{i}"
        r.sadd(key, "a")  # intset -> listpack or hashtable
        r.sadd(key, "x" * 100)  # -> hashtable
        r.srem(key, "0", "1")
        r.spop(key, 3)
    r.srem("big", *[f"member-{j}" for j in range(4000)])
    r.spop("big", 10)
    r.smove("big", "big2", "member-4500")
    r.sunionstore("u", "big", "s1")
    r.sinterstore("u", "u", "big")
    r.sadd("p", "a", "b")
    r.spop("p")
    assert used_memory(r) > base
    r.delete(*names)
    assert used_memory(r) == base


def test_memory_usage_per_member_stays_low(r):
    r.sadd("s", *[f"member:{i:06d}" for i in range(10000)])
    assert encoding(r, "s") == b"hashtable"
    usage = r.memory_usage("s")
    # Redis 7.2 needs about 60 bytes per member of this length.
    assert usage < 10000 * 50
    r.sadd("short", *[f"k{i}" for i in range(10000)])
    assert r.memory_usage("short") < 10000 * 24  # short members live in the slots


@pytest.mark.parametrize("name,arity_,flags,first,last,step,acl", [
    ("sadd", -3, {"write", "denyoom", "fast"}, 1, 1, 1, "@fast"),
    ("srem", -3, {"write", "fast"}, 1, 1, 1, "@fast"),
    ("smembers", 2, {"readonly"}, 1, 1, 1, "@slow"),
    ("sismember", 3, {"readonly", "fast"}, 1, 1, 1, "@fast"),
    ("smismember", -3, {"readonly", "fast"}, 1, 1, 1, "@fast"),
    ("scard", 2, {"readonly", "fast"}, 1, 1, 1, "@fast"),
    ("spop", -2, {"write", "fast"}, 1, 1, 1, "@fast"),
    ("srandmember", -2, {"readonly"}, 1, 1, 1, "@slow"),
    ("smove", 4, {"write", "fast"}, 1, 2, 1, "@fast"),
    ("sinter", -2, {"readonly"}, 1, -1, 1, "@slow"),
    ("sintercard", -3, {"readonly", "movablekeys"}, 0, 0, 0, "@slow"),
    ("sinterstore", -3, {"write", "denyoom"}, 1, -1, 1, "@slow"),
    ("sunion", -2, {"readonly"}, 1, -1, 1, "@slow"),
    ("sunionstore", -3, {"write", "denyoom"}, 1, -1, 1, "@slow"),
    ("sdiff", -2, {"readonly"}, 1, -1, 1, "@slow"),
    ("sdiffstore", -3, {"write", "denyoom"}, 1, -1, 1, "@slow"),
    ("sscan", -3, {"readonly"}, 1, 1, 1, "@slow"),
])
def test_command_info(r, raw, name, arity_, flags, first, last, step, acl):
    info = parse(raw.cmd("COMMAND", "INFO", name))[0]
    assert info[0] == name.encode()
    assert info[1] == arity_
    assert {f.decode() for f in info[2]} == flags
    assert info[3:6] == [first, last, step]
    cats = {c.decode() for c in info[6]}
    assert "@set" in cats and acl in cats
    docs = parse(raw.cmd("COMMAND", "DOCS", name))
    assert docs[0] == name.encode()
    doc = dict(zip(docs[1][::2], docs[1][1::2]))
    assert doc[b"group"] == b"set"
    assert doc[b"summary"]


def test_commands_in_multi(r, raw):
    assert raw.cmd("MULTI") == b"+OK\r\n"
    for c in (("SADD", "s", 1, 2, 3), ("SREM", "s", 1), ("SCARD", "s"),
              ("SINTERSTORE", "d", "s", "s"), ("SMEMBERS", "d")):
        assert raw.cmd(*c) == b"+QUEUED\r\n"
    assert raw.cmd("EXEC") == (b"*5\r\n" + integer(3) + integer(1) + integer(2) + integer(2)
                               + b"*2\r\n" + bulk("2") + bulk("3"))
