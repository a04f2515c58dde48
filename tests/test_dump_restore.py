"""DUMP / RESTORE / RESTORE-ASKING and COPY / OBJECT ENCODING end to end.

Three parts:
- Shoal alone: every type and encoding round-trips through DUMP/RESTORE with
  its TTL options, and every error reply is Redis's text.
- Compatibility with a real redis-server (Debian's 7.0.15, started here like
  the differential test does): values of every type and encoding created
  there are DUMPed, RESTOREd into Shoal and compared; Shoal's DUMPs RESTORE
  into redis-server; and where Redis's bytes are deterministic (strings,
  listpacks, intsets, single-node lists, skiplist sorted sets) Shoal's DUMP
  is byte-identical to redis-server's.
- Corrupt payloads sent over the wire get Redis's errors and the server
  stays up (the exhaustive fuzzing is the unit test value_dump_fuzz_test).
"""
import random
import shutil
import socket
import subprocess
import time

import pytest
import redis

from conftest import ShoalServer, free_port

REDIS_SERVER = shutil.which("redis-server")


class RedisServer:
    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError("redis-server did not start listening")

    def client(self):
        return redis.Redis(host="127.0.0.1", port=self.port)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


# Both servers get the same encoding thresholds, so values take the same
# encodings on both sides.
THRESHOLDS = {
    "hash-max-listpack-entries": 128, "hash-max-listpack-value": 64,
    "set-max-intset-entries": 512, "zset-max-listpack-entries": 128,
    "zset-max-listpack-value": 64, "list-max-listpack-size": -2,
}


def configure(c):
    for k, v in THRESHOLDS.items():
        c.config_set(k, v)


@pytest.fixture(scope="module")
def reference():
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    s = RedisServer()
    yield s
    s.stop()


@pytest.fixture
def rr(reference):
    c = reference.client()
    c.flushall()
    configure(c)
    yield c
    c.close()


@pytest.fixture
def sr(server):
    c = server.client()
    c.flushall()
    configure(c)
    yield c
    c.close()


# --- Values of every type and encoding ---------------------------------------

def big_text(n, seed):
    rnd = random.Random(seed)
    words = ["alpha", "beta", "gamma", "delta", "shoal", "redis", "payload"]
    return " ".join(rnd.choice(words) for _ in range(n))


def populate(c):
    """Creates one key per type/encoding; returns {key: expected encoding}."""
    c.set("str:embstr", "hello")
    c.set("str:int", "12345")
    c.set("str:bigint", "-9223372036854775808")
    c.set("str:raw", "x" * 100)
    c.set("str:lzf", big_text(200, 1))
    c.set("str:binary", bytes(range(256)) * 3)
    c.rpush("list:small", "a", "b", "1", "-5000", "100000", "x" * 70)
    c.rpush("list:big", *[f"element-{i}" for i in range(3000)])
    c.rpush("list:longel", "y" * 10000, "z", "w" * 9000)
    c.hset("hash:small", mapping={"f1": "v1", "f2": "123", "f3": "x" * 30})
    c.hset("hash:big", mapping={f"field{i}": f"value{i}" for i in range(500)})
    c.hset("hash:longval", mapping={"f": "v" * 100})
    c.hset("hash:edited", mapping={"a": "1", "b": "2", "c": "3"})
    c.hdel("hash:edited", "b")
    c.hset("hash:edited", mapping={"d": "4", "a": "one"})
    c.hincrby("hash:edited", "c", 1000)
    c.sadd("set:intset", 1, 2, 3, -70000, 2 ** 40)
    c.sadd("set:strings", "a", "b", "c")
    c.sadd("set:big", *[f"m{i}" for i in range(600)])
    c.sadd("set:bigints", *range(1000))
    c.zadd("zset:small", {"a": 1, "b": 2.5, "c": -0.1, "d": float("inf"), "e": 1e300})
    c.zadd("zset:big", {f"m{i}": i * 0.5 for i in range(300)})
    c.zadd("zset:longmember", {"m" * 100: 3})
    c.zadd("zset:edited", {"a": 1, "b": 2, "c": 3})
    c.zincrby("zset:edited", 0.25, "a")
    c.zrem("zset:edited", "b")
    c.rpush("list:edited", *range(100))
    c.lpop("list:edited", 10)
    c.lpush("list:edited", "head")
    c.lset("list:edited", 5, "five")
    for i in range(250):
        c.xadd("stream:plain", {"field": f"value{i}", "n": i}, id=f"{1000 + i // 7}-{i}")
    c.xadd("stream:plain", {"other": "shape"}, id="2000-0")
    for i in range(20):
        c.xadd("stream:groups", {"k": i})
    c.xgroup_create("stream:groups", "g1", id="0")
    c.xgroup_create("stream:groups", "g2", id="$")
    c.xreadgroup("g1", "alice", {"stream:groups": ">"}, count=5)
    c.xreadgroup("g1", "bob", {"stream:groups": ">"}, count=3)
    c.xack("stream:groups", "g1", c.xrange("stream:groups", count=1)[0][0])
    c.xdel("stream:groups", c.xrange("stream:groups")[10][0])
    return {
        "str:embstr": "embstr", "str:int": "int", "str:bigint": "int",
        "str:raw": "raw", "str:lzf": "raw", "str:binary": "raw",
        "list:small": None, "list:big": "quicklist", "list:longel": None,
        "hash:small": "listpack", "hash:big": "hashtable", "hash:longval": "hashtable",
        "hash:edited": "listpack", "zset:edited": "listpack", "list:edited": None,
        "stream:plain": "stream", "stream:groups": "stream",
        "set:intset": "intset", "set:strings": None, "set:big": "hashtable",
        "set:bigints": "hashtable",
        "zset:small": "listpack", "zset:big": "skiplist", "zset:longmember": "skiplist",
    }


def content(c, key):
    t = c.type(key).decode()
    if t == "string":
        return c.get(key)
    if t == "list":
        return c.lrange(key, 0, -1)
    if t == "hash":
        return c.hgetall(key)
    if t == "set":
        return sorted(c.smembers(key))
    if t == "zset":
        return c.zrange(key, 0, -1, withscores=True)
    if t == "stream":
        info = c.xinfo_stream(key)
        groups = []
        for g in c.xinfo_groups(key):
            consumers = [(x["name"], x["pending"]) for x in c.xinfo_consumers(key, g["name"])]
            pending = [(p["message_id"], p["consumer"], p["times_delivered"])
                       for p in c.xpending_range(key, g["name"], "-", "+", 1000)]
            groups.append((g["name"], g["last-delivered-id"], g["entries-read"], consumers,
                           pending))
        return (c.xrange(key), info["length"], info["last-generated-id"],
                info["max-deleted-entry-id"], info["entries-added"], groups)
    raise AssertionError(t)


# Keys whose DUMP bytes are a function of the value alone in Redis 7.0.
DETERMINISTIC = ["str:embstr", "str:int", "str:bigint", "str:raw", "str:lzf",
                 "str:binary", "list:small", "list:big", "list:longel", "hash:small",
                 "set:intset", "zset:small", "zset:big", "zset:longmember", "hash:edited",
                 "zset:edited", "list:edited", "stream:plain"]


# --- Shoal alone ---------------------------------------------------------------

def test_every_type_round_trips(sr):
    encodings = populate(sr)
    for key, enc in encodings.items():
        payload = sr.dump(key)
        before = content(sr, key)
        assert sr.restore(key + ":copy", 0, payload)
        assert content(sr, key + ":copy") == before, key
        if enc is not None:
            assert sr.object("encoding", key + ":copy").decode() == enc, key


def test_missing_key_dumps_nil(sr):
    assert sr.dump("nope") is None


def test_ttl_options(sr):
    sr.set("k", "v")
    p = sr.dump("k")
    assert sr.restore("a", 5000, p)
    assert 4000 < sr.pttl("a") <= 5000
    now_ms = int(time.time() * 1000)
    assert sr.restore("b", now_ms + 60000, p, absttl=True)
    assert 50000 < sr.pttl("b") <= 60000
    # An absolute time in the past: OK, and no key.
    assert sr.restore("c", 1000, p, absttl=True)
    assert sr.exists("c") == 0
    assert sr.restore("d", 0, p, idletime=100)
    assert sr.restore("e", 0, p, frequency=10)
    assert sr.ttl("d") == -1


def test_busykey_and_replace(sr):
    sr.set("k", "old")
    p = sr.dump("k")
    sr.set("k", "new")
    with pytest.raises(redis.ResponseError, match="^BUSYKEY Target key name already exists.$"):
        sr.restore("k", 0, p)
    assert sr.restore("k", 0, p, replace=True)
    assert sr.get("k") == b"old"
    # REPLACE with an expired absolute TTL deletes the old key.
    assert sr.restore("k", 1, p, replace=True, absttl=True)
    assert sr.exists("k") == 0


ERRORS = [
    (["RESTORE", "k", "abc", "P"], "value is not an integer or out of range"),
    (["RESTORE", "k", "-1", "P"], "Invalid TTL value, must be >= 0"),
    (["RESTORE", "k", "0", "P", "IDLETIME", "-1"], "Invalid IDLETIME value, must be >= 0"),
    (["RESTORE", "k", "0", "P", "FREQ", "256"], "Invalid FREQ value, must be >= 0 and <= 255"),
    (["RESTORE", "k", "0", "P", "FREQ", "x"], "value is not an integer or out of range"),
    (["RESTORE", "k", "0", "P", "IDLETIME", "1", "FREQ", "1"], "syntax error"),
    (["RESTORE", "k", "0", "P", "BOGUS"], "syntax error"),
    (["RESTORE", "k", "0", "P", "IDLETIME"], "syntax error"),
    (["RESTORE", "k", "0", "short"], "DUMP payload version or checksum are wrong"),
    (["RESTORE", "k", "0"], "wrong number of arguments for 'restore' command"),
    (["DUMP"], "wrong number of arguments for 'dump' command"),
]


def error_of(c, args, payload):
    args = [payload if a == "P" else a for a in args]
    try:
        c.execute_command(*args)
    except redis.ResponseError as e:
        return str(e)
    return None


def test_errors_match_redis(sr, rr):
    sr.set("src", "v")
    rr.set("src", "v")
    for args, text in ERRORS:
        got = error_of(sr, args, sr.dump("src"))
        want = error_of(rr, args, rr.dump("src"))
        assert got == want == text, (args, got, want)


def test_corrupt_payloads_get_redis_errors(sr, rr, server):
    populate(rr)
    rnd = random.Random(7)
    for key in ["str:lzf", "list:big", "hash:small", "set:intset", "zset:big"]:
        good = rr.dump(key)
        for _ in range(30):
            bad = bytearray(good)
            i = rnd.randrange(len(bad) - 10)
            bad[i] ^= 1 << rnd.randrange(8)
            got = error_of(sr, ["RESTORE", "x", "0", "P", "REPLACE"], bytes(bad))
            assert got == "DUMP payload version or checksum are wrong"
        # Truncated payloads.
        for cut in (0, 1, 9, len(good) // 2):
            got = error_of(sr, ["RESTORE", "x", "0", "P", "REPLACE"], good[:cut])
            assert got == "DUMP payload version or checksum are wrong"
    assert server.alive()


def crc64(data):
    """Redis's CRC-64/Jones (reflected), bit by bit."""
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x95AC9329AC4BC9B5 if crc & 1 else 0)
    return crc


def with_footer(body, version=10):
    body = body + version.to_bytes(2, "little")
    return body + crc64(body).to_bytes(8, "little")


def test_crc64_check_value():
    assert crc64(b"123456789") == 0xE9C6D914C4B8D9CA


BAD_BODIES = [
    b"\x08\x01a",                  # unknown type
    b"\x07",                         # a module value
    b"\x00\x0fabc",                 # truncated string (Redis reads into the footer)
    b"\x01\x00",                    # empty list
    b"\x02\x02\x01a\x01a",            # duplicate set member
    b"\x0b\x0a\x02\x00\x00\x00\x09\x00\x00\x00\x01\x00",  # intset with a forged count
    b"",                             # no type byte
]


def test_forged_bodies_are_bad_data_format(sr, rr, server):
    for body in BAD_BODIES:
        p = with_footer(body)
        got = error_of(sr, ["RESTORE", "x", "0", "P"], p)
        want = error_of(rr, ["RESTORE", "x", "0", "P"], p)
        assert got == want == "Bad data format", (body, got, want)
    assert server.alive()


def test_version_11_accepted_12_refused(sr):
    assert sr.restore("v11", 0, with_footer(b"\x00\x01a", 11))
    assert sr.get("v11") == b"a"
    assert error_of(sr, ["RESTORE", "v12", "0", "P"], with_footer(b"\x00\x01a", 12)) == \
        "DUMP payload version or checksum are wrong"
    # Redis 7.2's listpack set (type 20, RDB 11).
    lp = b"\x0d\x00\x00\x00\x02\x00\x81a\x02\x81b\x02\xff"
    assert sr.restore("lpset", 0, with_footer(b"\x14" + bytes([len(lp)]) + lp, 11))
    assert sorted(sr.smembers("lpset")) == [b"a", b"b"]


def test_shoal_writes_rdb_10(sr):
    sr.set("k", "hello")
    assert sr.dump("k")[-10:-8] == b"\x0a\x00"


# --- Compatibility with redis-server -------------------------------------------

def test_redis_dumps_restore_into_shoal(sr, rr):
    encodings = populate(rr)
    for key in encodings:
        payload = rr.dump(key)
        assert sr.restore(key, 0, payload), key
        assert content(sr, key) == content(rr, key), key


def test_shoal_dumps_restore_into_redis(sr, rr):
    encodings = populate(sr)
    for key in encodings:
        payload = sr.dump(key)
        assert rr.restore(key, 0, payload), key
        assert content(rr, key) == content(sr, key), key


def test_dumps_are_byte_identical_where_redis_is_deterministic(sr, rr):
    populate(sr)
    populate(rr)
    for key in DETERMINISTIC:
        assert sr.dump(key) == rr.dump(key), key


def test_rdbcompression_off_writes_plain_strings(sr, rr):
    sr.config_set("rdbcompression", "no")
    rr.config_set("rdbcompression", "no")
    try:
        populate(sr)
        populate(rr)
        assert sr.dump("str:lzf") == rr.dump("str:lzf")
        assert sr.dump("list:big") == rr.dump("list:big")
    finally:
        sr.config_set("rdbcompression", "yes")
        rr.config_set("rdbcompression", "yes")


def test_restore_keeps_ttl_across_servers(sr, rr):
    rr.set("k", "v", px=100000)
    assert sr.restore("k", rr.pttl("k"), rr.dump("k"))
    assert 90000 < sr.pttl("k") <= 100000


# --- COPY, OBJECT ENCODING, config ----------------------------------------------

def test_copy_every_type_and_db(sr):
    encodings = populate(sr)
    for key in encodings:
        assert sr.copy(key, key + ":c") == 1
        assert content(sr, key + ":c") == content(sr, key)
        assert sr.object("encoding", key + ":c") == sr.object("encoding", key)
        assert sr.copy(key, key, destination_db=3) == 1
    db3 = redis.Redis(host="127.0.0.1", port=sr.connection_pool.connection_kwargs["port"], db=3)
    for key in encodings:
        assert content(db3, key) == content(sr, key)
    db3.flushdb()


def test_object_encoding_names_match_redis(sr, rr):
    populate(sr)
    populate(rr)
    # Redis 7.0 reports every list as quicklist and has no listpack sets; the
    # other names are shared by 7.0 and 7.2.
    for key in ["str:embstr", "str:int", "str:raw", "hash:small", "hash:big", "set:intset",
                "set:big", "zset:small", "zset:big", "list:big"]:
        assert sr.object("encoding", key) == rr.object("encoding", key), key
    assert sr.object("encoding", "list:small") == b"listpack"  # Redis 7.2's name
    assert sr.object("encoding", "set:strings") == b"listpack"


def test_list_compress_depth_is_accepted(sr):
    assert sr.config_get("list-compress-depth") == {"list-compress-depth": "0"}
    assert sr.config_set("list-compress-depth", 2)
    assert sr.config_get("list-compress-depth") == {"list-compress-depth": "2"}
    with pytest.raises(redis.ResponseError):
        sr.config_set("list-compress-depth", -1)
    sr.config_set("list-compress-depth", 0)
    assert sr.config_get("rdbcompression") == {"rdbcompression": "yes"}


def test_idletime_and_freq_set_the_keys_access_history(sr):
    sr.set("src", "v")
    p = sr.dump("src")
    old = sr.config_get("maxmemory-policy")["maxmemory-policy"]
    try:
        sr.config_set("maxmemory-policy", "allkeys-lru")
        assert sr.restore("idle", 0, p, idletime=1000)
        assert 1000 <= sr.object("idletime", "idle") <= 1001
        assert sr.execute_command("RESTORE", "idle2", 0, p, "FREQ", 7) == b"OK"  # not kept under LRU
        assert sr.object("idletime", "idle2") <= 1
        sr.config_set("maxmemory-policy", "allkeys-lfu")
        assert sr.execute_command("RESTORE", "hot", 0, p, "FREQ", 100) == b"OK"
        assert sr.object("freq", "hot") == 100
    finally:
        sr.config_set("maxmemory-policy", old)
