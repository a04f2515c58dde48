"""End-to-end tests of the HyperLogLog family: PFADD PFCOUNT PFMERGE PFDEBUG
PFSELFTEST.

The compatibility tests start a real redis-server (skipped when it is not
installed), apply the same commands to both servers and compare the bytes of
the values (GET) and the counts: HLLs built by redis-server are SET into
Shoal and must count the same, and the other way round. Corrupt values are
fuzzed against both: same replies, and Shoal never crashes. The remaining
tests check what a session cannot: keyspace events, OOM, WATCH, TTLs and
hll-sparse-max-bytes.
"""
import random
import shutil

import pytest
import redis

from conftest import Raw

WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
NOT_HLL = b"-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n"
CORRUPT = b"-INVALIDOBJ Corrupted HLL object detected\r\n"
OOM = b"-OOM command not allowed when used memory > 'maxmemory'.\r\n"
HEADER = b"HYLL\x01\x00\x00\x00" + b"\x00" * 7 + b"\x80"


@pytest.fixture
def raw(server, r):
    c = Raw(server.port)
    yield c
    c.close()


@pytest.fixture(scope="module")
def reference():
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    from test_differential import RedisServer
    ref = RedisServer()
    yield ref
    ref.stop()


@pytest.fixture
def ref(reference):
    c = redis.Redis(port=reference.port)
    c.flushall()
    c.config_set("hll-sparse-max-bytes", 3000)
    yield c
    c.config_set("hll-sparse-max-bytes", 3000)
    c.close()


@pytest.fixture(autouse=True)
def sparse_limit(r):
    r.config_set("hll-sparse-max-bytes", 3000)
    yield
    r.config_set("hll-sparse-max-bytes", 3000)


def both(r, ref, *args):
    """Runs a command on both servers; returns (shoal, redis) results, errors
    as ("error", text)."""
    out = []
    for c in (r, ref):
        try:
            out.append(c.execute_command(*args))
        except redis.ResponseError as e:
            out.append(("error", str(e)))
    return tuple(out)


def same(r, ref, *args):
    ours, theirs = both(r, ref, *args)
    assert ours == theirs, args
    return ours


# ----------------------------------------------------------------------------
# Compatibility with redis-server

@pytest.mark.parametrize("batch", [1, 7, 100])
def test_pfadd_bytes_and_counts_equal_redis(r, ref, batch):
    """Sparse through promotion to dense: after every PFADD the value's bytes
    and PFCOUNT agree with redis-server."""
    rng = random.Random(batch)
    n = 0
    checks = 0
    while n < 6000:
        elems = ["%x" % rng.getrandbits(48) for _ in range(batch)]
        n += batch
        same(r, ref, "PFADD", "h", *elems)
        if batch > 1 or n % 97 == 0 or n < 200:
            assert r.get("h") == ref.get("h"), n
            same(r, ref, "PFCOUNT", "h")
            assert r.get("h") == ref.get("h"), n  # the cache, written back
            checks += 1
    assert checks > 50
    assert r.execute_command("PFDEBUG", "ENCODING", "h") == b"dense"
    assert r.get("h") == ref.get("h")
    assert len(r.get("h")) == 12304


def test_values_from_redis_count_the_same_in_shoal(r, ref):
    rng = random.Random(5)
    for size in (0, 1, 10, 100, 1000, 3000, 20000, 200000):
        key = "s%d" % size
        elems = [str(rng.random()) for _ in range(size)]
        for i in range(0, len(elems), 1000):
            ref.pfadd(key, *elems[i:i + 1000])
        if size == 0:
            ref.pfadd(key)
        blob = ref.get(key)
        r.set(key, blob)
        assert r.pfcount(key) == ref.pfcount(key), size  # stale cache: recomputed
        r.set(key, ref.get(key))
        assert r.pfcount(key) == ref.pfcount(key)         # valid cache: trusted
        # ... and keep evolving identically.
        more = [str(rng.random()) for _ in range(50)]
        same(r, ref, "PFADD", key, *more)
        assert r.get(key) == ref.get(key), size
        same(r, ref, "PFCOUNT", key)


def test_values_from_shoal_count_the_same_in_redis(r, ref):
    rng = random.Random(9)
    for size in (5, 500, 5000, 50000):
        key = "t%d" % size
        elems = [str(rng.getrandbits(64)) for _ in range(size)]
        for i in range(0, len(elems), 1000):
            r.pfadd(key, *elems[i:i + 1000])
        ref.set(key, r.get(key))
        assert ref.pfcount(key) == r.pfcount(key)


def test_unions_and_merges_equal_redis(r, ref):
    rng = random.Random(3)
    sizes = {"a": 10, "b": 300, "c": 4000, "d": 30000}
    for key, n in sizes.items():
        elems = [str(rng.getrandbits(40)) for _ in range(n)]
        for i in range(0, n, 1000):
            same(r, ref, "PFADD", key, *elems[i:i + 1000])
    keys = list(sizes)
    for k in range(1, 5):
        for combo in [keys[:k], keys[-k:], keys[::-1][:k]]:
            same(r, ref, "PFCOUNT", *combo)
            same(r, ref, "PFCOUNT", *combo, "missing")
            dest = "m_" + "".join(combo)
            same(r, ref, "PFMERGE", dest, *combo)
            assert r.get(dest) == ref.get(dest), combo
            same(r, ref, "PFCOUNT", dest)
    # Merging into an existing sparse destination, and into itself.
    same(r, ref, "PFMERGE", "a", "b")
    assert r.get("a") == ref.get("a")
    same(r, ref, "PFMERGE", "a", "a")
    assert r.get("a") == ref.get("a")
    same(r, ref, "PFMERGE", "b", "d")
    assert r.get("b") == ref.get("b")


def test_sparse_limit_promotes_at_the_same_point(r, ref):
    for limit in (0, 16, 20, 100, 500, 5000):
        for c in (r, ref):
            c.config_set("hll-sparse-max-bytes", limit)
            c.delete("p")
        for i in range(400):
            same(r, ref, "PFADD", "p", "e%d" % i)
            if i % 20 == 0:
                assert r.get("p") == ref.get("p"), (limit, i)
        assert r.get("p") == ref.get("p")
        same(r, ref, "PFDEBUG", "ENCODING", "p")


def test_pfdebug_matches_redis(r, ref):
    same(r, ref, "PFADD", "x", *["k%d" % i for i in range(200)])
    same(r, ref, "PFDEBUG", "DECODE", "x")
    same(r, ref, "PFDEBUG", "GETREG", "x")
    assert r.get("x") == ref.get("x")  # GETREG turned it dense
    same(r, ref, "PFDEBUG", "ENCODING", "x")
    same(r, ref, "PFDEBUG", "TODENSE", "x")
    same(r, ref, "PFDEBUG", "DECODE", "x")


def test_corrupt_values_fuzzed_against_redis(server, r, ref):
    """Random opcode bytes after a valid header: the same replies (INVALIDOBJ
    or a count) and the same resulting bytes, and no crash."""
    rng = random.Random(77)
    for i in range(400):
        body = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 24)))
        if rng.random() < 0.5:  # mostly-valid: an XZERO prefix then noise
            body = b"\x7f" + bytes([rng.getrandbits(8)]) + body
        value = HEADER + body
        for c in (r, ref):
            c.set("c", value)
            c.set("c2", value)
        same(r, ref, "PFCOUNT", "c")
        same(r, ref, "PFCOUNT", "c", "c2")
        same(r, ref, "PFADD", "c", "a", "b", "zz%d" % i)
        assert r.get("c") == ref.get("c"), value
        same(r, ref, "PFMERGE", "d%d" % (i % 5), "c2")
        same(r, ref, "PFDEBUG", "DECODE", "c2")
        same(r, ref, "PFDEBUG", "TODENSE", "c2")
        assert r.get("c2") == ref.get("c2"), value
    # Dense values with any register bytes are valid.
    dense = b"HYLL\x00" + b"\x00" * 10 + b"\x80" + bytes(rng.getrandbits(8) for _ in range(12288))
    for c in (r, ref):
        c.set("dd", dense)
    same(r, ref, "PFCOUNT", "dd")
    same(r, ref, "PFADD", "dd", "x", "y")
    assert r.get("dd") == ref.get("dd")
    assert server.alive()


# ----------------------------------------------------------------------------
# Errors and types

def test_errors(raw):
    raw.cmd("RPUSH", "l", "a")
    raw.cmd("SET", "s", "not an hll")
    raw.cmd("SET", "n", "12345")
    raw.cmd("PFADD", "h", "a")
    for key in ("s", "n"):
        assert raw.cmd("PFADD", key, "a") == NOT_HLL
        assert raw.cmd("PFCOUNT", key) == NOT_HLL
        assert raw.cmd("PFCOUNT", "h", key) == NOT_HLL
        assert raw.cmd("PFMERGE", "h", key) == NOT_HLL
        assert raw.cmd("PFDEBUG", "ENCODING", key) == NOT_HLL
    assert raw.cmd("PFADD", "l", "a") == WRONGTYPE
    assert raw.cmd("PFCOUNT", "h", "l") == WRONGTYPE
    assert raw.cmd("PFMERGE", "l", "h") == WRONGTYPE
    assert raw.cmd("PFDEBUG", "GETREG", "nokey") == b"-ERR The specified key does not exist\r\n"
    assert raw.cmd("PFDEBUG", "NOPE", "h") == b"-ERR Unknown PFDEBUG subcommand 'NOPE'\r\n"
    assert raw.cmd("PFDEBUG", "A\r\nB", "h") == b"-ERR Unknown PFDEBUG subcommand 'A  B'\r\n"
    assert raw.cmd("PFDEBUG", "TODENSE", "h") == b":1\r\n"
    assert raw.cmd("PFDEBUG", "DECODE", "h") == b"-ERR HLL encoding is not sparse\r\n"
    assert raw.cmd("PFSELFTEST") == b"+OK\r\n"
    raw.cmd("SET", "bad", HEADER + b"\x7f\xfe")
    assert raw.cmd("PFCOUNT", "bad") == CORRUPT
    assert raw.cmd("PFCOUNT", "bad", "h") == CORRUPT
    assert raw.cmd("PFMERGE", "x", "bad") == CORRUPT
    assert raw.cmd("PFDEBUG", "GETREG", "bad") == CORRUPT


def test_pfcount_caches_the_cardinality_in_the_value(r):
    r.pfadd("h", "a", "b", "c")
    assert r.get("h")[15] & 0x80
    assert r.pfcount("h") == 3
    v = r.get("h")
    assert v[8:16] == b"\x03" + b"\x00" * 7
    r.pfadd("h", "a")  # no change: the cache stays valid
    assert r.get("h") == v
    r.pfadd("h", "d")
    assert r.get("h")[8:16] == b"\x03" + b"\x00" * 6 + b"\x80"


def test_ttl_is_kept(r):
    r.pfadd("t", "a")
    r.expire("t", 100)
    r.pfadd("t", *["x%d" % i for i in range(5000)])  # promoted to dense
    assert 0 < r.ttl("t") <= 100
    r.pfadd("s", "q")
    r.pfmerge("t", "s")
    assert 0 < r.ttl("t") <= 100


def test_denyoom(r, raw):
    r.pfadd("h", "a")
    r.config_set("maxmemory", 1)
    try:
        assert raw.cmd("PFADD", "h", "b") == OOM
        assert raw.cmd("PFMERGE", "h2", "h") == OOM
        assert raw.cmd("PFDEBUG", "ENCODING", "h") == OOM
        assert raw.cmd("PFCOUNT", "h") == b":1\r\n"
    finally:
        r.config_set("maxmemory", 0)


def _events(server, r, commands, flags):
    r.config_set("notify-keyspace-events", flags)
    p = server.client().pubsub()
    try:
        p.psubscribe("__keyevent@0__:*")
        assert p.get_message(timeout=2)["type"] == "psubscribe"
        for c in commands:
            r.execute_command(*c)
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
    events = _events(server, r, [("PFADD", "h", "a"), ("PFADD", "h", "a"), ("PFCOUNT", "h"),
                                 ("PFMERGE", "m", "h"), ("PFMERGE", "m", "h")], "KEAn")
    assert events == [("new", "h"), ("pfadd", "h"), ("new", "m"), ("pfadd", "m"),
                      ("pfadd", "m")]


def test_watch(server, r):
    r.pfadd("w", "a")
    other = server.client()
    with r.pipeline() as p:
        p.watch("w")
        other.pfadd("w", "a")  # no change
        p.multi()
        p.pfcount("w")
        assert p.execute() == [1]
    with r.pipeline() as p:
        p.watch("w")
        other.pfadd("w", "b")
        p.multi()
        p.pfcount("w")
        with pytest.raises(redis.WatchError):
            p.execute()
    other.close()


def test_config(r):
    assert r.config_get("hll-sparse-max-bytes") == {"hll-sparse-max-bytes": "3000"}
    r.config_set("hll-sparse-max-bytes", "1kb")
    assert r.config_get("hll-sparse-max-bytes") == {"hll-sparse-max-bytes": "1024"}
    r.config_set("hll-sparse-max-bytes", 0)
    r.pfadd("z", "a")
    assert r.execute_command("PFDEBUG", "ENCODING", "z") == b"dense"


def test_large_pfadd_and_accuracy(r):
    n = 200000
    for i in range(0, n, 10000):
        r.pfadd("big", *range(i, i + 10000))
    assert abs(r.pfcount("big") - n) < n * 0.02
