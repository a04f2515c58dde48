"""End-to-end tests of the generic keyspace family: DEL UNLINK EXISTS TOUCH
TYPE, the EXPIRE/TTL commands, KEYS SCAN RANDOMKEY, RENAME RENAMENX COPY
MOVE, DBSIZE FLUSHDB FLUSHALL SWAPDB and OBJECT.

Expected replies and error texts were checked against redis-server (7.x).
"""
import re
import time

import pytest
import redis


def raises(text):
    """pytest.raises for an exact error reply. redis-py strips the leading
    'ERR ' from error messages, so the match is on the rest."""
    if text.startswith("ERR "):
        text = text[4:]
    return pytest.raises(redis.ResponseError, match="^" + re.escape(text) + "$")


def raw(c, *args):
    """Sends a command and returns the reply as parsed off the wire, without
    redis-py's per-command reply callbacks (errors still raise)."""
    conn = c.connection_pool.get_connection(str(args[0]))
    try:
        conn.send_command(*args)
        return conn.read_response()
    finally:
        c.connection_pool.release(conn)


def arity_error(name):
    return raises(f"ERR wrong number of arguments for '{name}' command")


@pytest.fixture
def rd(server, r):
    """A second client on db 0 that decodes replies to str."""
    c = server.client(decode_responses=True)
    yield c
    c.close()


@pytest.fixture
def dbs(server, r):
    """Clients on databases 0..3 (the keyspace is flushed by `r`)."""
    clients = [server.client(db=i, decode_responses=True) for i in range(4)]
    yield clients
    for c in clients:
        c.close()


def scan_all(c, **kw):
    """Every key of a full SCAN iteration, in order, duplicates kept."""
    cursor, seen, calls = 0, [], 0
    while True:
        cursor, keys = c.scan(cursor=cursor, **kw)
        seen.extend(keys)
        calls += 1
        assert calls < 100000, "SCAN does not terminate"
        if cursor == 0:
            return seen


def fill(c, keys, value="v"):
    p = c.pipeline(transaction=False)
    for k in keys:
        p.set(k, value)
    p.execute()


# Values of other types, made by other families; tests that need them skip
# when the family is not there yet.
COMPOUND_MAKERS = {
    "hash": ("HSET", "f", "v"),
    "list": ("RPUSH", "a", "b"),
    "set": ("SADD", "a", "b"),
    "zset": ("ZADD", "1", "a"),
}


def make_compound(c, kind, key):
    cmd = COMPOUND_MAKERS[kind]
    try:
        c.execute_command(cmd[0], key, *cmd[1:])
    except redis.ResponseError as e:
        if "unknown command" in str(e):
            pytest.skip(f"{cmd[0]} is not implemented yet")
        raise


# ---------------------------------------------------------------------------
# DEL / UNLINK / EXISTS / TOUCH / TYPE


@pytest.mark.parametrize("cmd", ["DEL", "UNLINK"])
def test_del_counts_removed_keys(r, cmd):
    fill(r, ["a", "b", "c"])
    assert r.execute_command(cmd, "a", "b", "missing") == 2
    assert r.exists("a", "b", "c") == 1
    # A key named twice is removed once.
    assert r.execute_command(cmd, "c", "c") == 1
    assert r.execute_command(cmd, "c") == 0
    assert r.dbsize() == 0


@pytest.mark.parametrize("cmd", ["DEL", "UNLINK", "EXISTS", "TOUCH"])
def test_multikey_commands_need_a_key(r, cmd):
    with arity_error(cmd.lower()):
        r.execute_command(cmd)


def test_del_binary_and_empty_keys(r):
    keys = [b"", b"\x00\xff", b"a b\r\n", "ключ".encode()]
    for k in keys:
        r.set(k, k)
    assert r.exists(*keys) == 4
    assert sorted(r.keys("*")) == sorted(keys)
    assert r.delete(*keys) == 4
    assert r.exists(*keys) == 0


def test_exists_counts_duplicates(r):
    r.set("a", "1")
    assert r.exists("a") == 1
    assert r.exists("a", "a", "missing", "a") == 3
    assert r.exists("missing") == 0


def test_touch_counts_existing_keys(r):
    fill(r, ["a", "b"])
    assert r.touch("a", "b", "missing") == 2
    assert r.touch("a", "a") == 2
    assert r.touch("missing") == 0


def test_type(r, rd):
    r.set("s", "hello")
    r.set("n", "12")
    assert rd.type("s") == "string"
    assert rd.type("n") == "string"
    assert rd.type("missing") == "none"
    with arity_error("type"):
        r.execute_command("TYPE")
    with arity_error("type"):
        r.execute_command("TYPE", "a", "b")


@pytest.mark.parametrize("kind", sorted(COMPOUND_MAKERS))
def test_compound_values_del_type_rename_copy_move(dbs, kind):
    c0, c1 = dbs[0], dbs[1]
    make_compound(c0, kind, "k")
    assert c0.type("k") == kind
    # COPY clones: both copies live independently.
    assert c0.copy("k", "k2") == 1
    assert c0.type("k2") == kind
    assert c0.delete("k2") == 1
    assert c0.type("k") == kind
    # RENAME moves the value under a new key.
    assert c0.rename("k", "renamed") is True
    assert c0.type("k") == "none"
    assert c0.type("renamed") == kind
    # MOVE hands it to another database.
    assert c0.move("renamed", 1) is True
    assert c1.type("renamed") == kind
    assert c0.exists("renamed") == 0
    # COPY across databases, then DEL both.
    assert c1.execute_command("COPY", "renamed", "back", "DB", "0") == 1
    assert c0.type("back") == kind
    assert c0.delete("back") == 1
    assert c1.delete("renamed") == 1
    assert c0.dbsize() == 0 and c1.dbsize() == 0


@pytest.mark.parametrize("kind", sorted(COMPOUND_MAKERS))
def test_compound_value_survives_expire_and_persist(r, rd, kind):
    make_compound(r, kind, "k")
    assert r.expire("k", 100) is True
    assert rd.type("k") == kind
    assert r.persist("k") is True
    assert rd.type("k") == kind
    assert r.ttl("k") == -1


# ---------------------------------------------------------------------------
# EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT


def test_expire_sets_ttl(r):
    r.set("k", "v")
    assert r.execute_command("EXPIRE", "k", 100) == 1
    assert r.ttl("k") == 100
    assert 99000 < r.pttl("k") <= 100000
    assert r.execute_command("PEXPIRE", "k", 50500) == 1
    assert r.ttl("k") in (50, 51)
    assert 50000 < r.pttl("k") <= 50500


def test_expire_on_missing_key_is_zero(r):
    for cmd, arg in [("EXPIRE", 10), ("PEXPIRE", 10), ("EXPIREAT", 2**40),
                     ("PEXPIREAT", 2**45)]:
        assert r.execute_command(cmd, "missing", arg) == 0
    assert r.exists("missing") == 0


def test_expireat_and_pexpireat(r):
    r.set("k", "v")
    when = int(time.time()) + 1000
    assert r.execute_command("EXPIREAT", "k", when) == 1
    assert r.execute_command("EXPIRETIME", "k") == when
    assert r.execute_command("PEXPIRETIME", "k") == when * 1000
    assert 998 <= r.ttl("k") <= 1000
    when_ms = int(time.time() * 1000) + 500_400
    assert r.execute_command("PEXPIREAT", "k", when_ms) == 1
    assert r.execute_command("PEXPIRETIME", "k") == when_ms
    assert r.execute_command("EXPIRETIME", "k") == (when_ms + 500) // 1000


@pytest.mark.parametrize("cmd,arg", [
    ("EXPIRE", 0), ("EXPIRE", -5), ("PEXPIRE", 0), ("PEXPIRE", -1),
    ("EXPIREAT", 1), ("EXPIREAT", 0), ("PEXPIREAT", 5), ("PEXPIREAT", -5),
    ("EXPIREAT", -9223372036854775), ("PEXPIRE", -9223372036854775808),
])
def test_non_positive_or_past_time_deletes(r, cmd, arg):
    r.set("k", "v")
    assert r.execute_command(cmd, "k", arg) == 1
    assert r.exists("k") == 0
    assert r.ttl("k") == -2


@pytest.mark.parametrize("cmd,arg", [
    ("EXPIRE", 9223372036854775807), ("EXPIRE", 9223372036854775),
    ("EXPIRE", 9223372036854770), ("EXPIRE", -9223372036854775808),
    ("PEXPIRE", 9223372036854775807), ("PEXPIRE", 9223372036854770000),
    ("EXPIREAT", 9223372036854775807), ("EXPIREAT", -9223372036854776),
])
def test_expire_overflow_is_invalid(r, cmd, arg):
    r.set("k", "v")
    with raises(f"ERR invalid expire time in '{cmd.lower()}' command"):
        r.execute_command(cmd, "k", arg)
    # Checked before the key is looked up.
    with raises(f"ERR invalid expire time in '{cmd.lower()}' command"):
        r.execute_command(cmd, "missing", arg)
    assert r.ttl("k") == -1


def test_expire_extreme_but_valid_times(r):
    r.set("k", "v")
    assert r.execute_command("PEXPIREAT", "k", 9223372036854775807) == 1
    assert r.execute_command("PEXPIRETIME", "k") == 9223372036854775807
    assert r.execute_command("EXPIRETIME", "k") == 9223372036854776
    assert r.execute_command("EXPIREAT", "k", 9223372036854775) == 1
    assert r.execute_command("EXPIRETIME", "k") == 9223372036854775
    assert r.exists("k") == 1


@pytest.mark.parametrize("cmd", ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
def test_expire_errors(r, cmd):
    r.set("k", "v")
    for bad in ["abc", "1.5", " 1", "1 ", "+1", "99999999999999999999", ""]:
        with raises("ERR value is not an integer or out of range"):
            r.execute_command(cmd, "k", bad)
    with raises("ERR Unsupported option foo"):
        r.execute_command(cmd, "k", 100, "foo")
    with raises("ERR Unsupported option EX"):
        r.execute_command(cmd, "k", 100, "NX", "EX")
    nx_msg = "ERR NX and XX, GT or LT options at the same time are not compatible"
    for combo in [("NX", "XX"), ("NX", "GT"), ("lt", "nx"), ("XX", "NX", "GT")]:
        with raises(nx_msg):
            r.execute_command(cmd, "k", 100, *combo)
    with raises("ERR GT and LT options at the same time are not compatible"):
        r.execute_command(cmd, "k", 100, "GT", "LT")
    with raises("ERR GT and LT options at the same time are not compatible"):
        r.execute_command(cmd, "k", 100, "xx", "lt", "gt")
    # Options are checked before the time argument.
    with raises(nx_msg):
        r.execute_command(cmd, "k", "abc", "NX", "XX")
    with raises("ERR Unsupported option foo"):
        r.execute_command(cmd, "k", "abc", "foo")
    with arity_error(cmd.lower()):
        r.execute_command(cmd, "k")
    assert r.ttl("k") == -1


def test_expire_nx_xx(r):
    r.set("k", "v")
    assert r.execute_command("EXPIRE", "k", 100, "XX") == 0  # no TTL yet
    assert r.ttl("k") == -1
    assert r.execute_command("EXPIRE", "k", 100, "NX") == 1
    assert r.execute_command("EXPIRE", "k", 200, "NX") == 0
    assert r.ttl("k") == 100
    assert r.execute_command("EXPIRE", "k", 300, "xx") == 1
    assert r.ttl("k") == 300
    # A repeated option is fine.
    assert r.execute_command("EXPIRE", "k", 400, "XX", "XX") == 1
    assert r.ttl("k") == 400


def test_expire_gt_lt(r):
    r.set("k", "v")
    # No TTL is an infinite TTL: GT never applies, LT always does.
    assert r.execute_command("EXPIRE", "k", 100, "GT") == 0
    assert r.ttl("k") == -1
    assert r.execute_command("EXPIRE", "k", 100, "LT") == 1
    assert r.ttl("k") == 100
    # Absolute times, so that equal means equal.
    t = int(time.time() * 1000) + 100_000
    assert r.execute_command("PEXPIREAT", "k", t) == 1
    assert r.execute_command("PEXPIREAT", "k", t - 1, "GT") == 0
    assert r.execute_command("PEXPIREAT", "k", t, "GT") == 0  # not greater
    assert r.execute_command("PEXPIREAT", "k", t + 1, "GT") == 1
    assert r.execute_command("PEXPIRETIME", "k") == t + 1
    assert r.execute_command("PEXPIREAT", "k", t + 2, "LT") == 0
    assert r.execute_command("PEXPIREAT", "k", t + 1, "LT") == 0  # not less
    assert r.execute_command("PEXPIREAT", "k", t, "lt") == 1
    assert r.execute_command("PEXPIRETIME", "k") == t
    assert r.execute_command("EXPIRE", "k", 500, "GT") == 1
    assert r.ttl("k") == 500
    assert r.execute_command("EXPIRE", "k", 600, "LT") == 0
    assert r.execute_command("EXPIRE", "k", 50, "LT") == 1
    assert r.ttl("k") == 50
    # XX combines with GT / LT.
    assert r.execute_command("EXPIRE", "k", 60, "XX", "GT") == 1
    assert r.ttl("k") == 60
    assert r.execute_command("PEXPIRE", "k", 1000, "XX", "LT") == 1
    assert r.pttl("k") <= 1000


def test_expire_flags_gate_deletion(r):
    r.set("k", "v")
    assert r.execute_command("EXPIRE", "k", -5, "XX") == 0  # no TTL: XX fails
    assert r.execute_command("EXPIRE", "k", -5, "GT") == 0  # infinite is greater
    assert r.exists("k") == 1
    assert r.execute_command("EXPIRE", "k", -5, "NX") == 1
    assert r.exists("k") == 0
    r.set("k", "v")
    assert r.execute_command("EXPIRE", "k", -5, "LT") == 1
    assert r.exists("k") == 0


def test_expire_in_real_time(r):
    r.set("short", "v")
    r.set("long", "v")
    assert r.execute_command("PEXPIRE", "short", 150) == 1
    assert r.execute_command("PEXPIRE", "long", 10000) == 1
    assert r.exists("short") == 1
    assert 0 < r.pttl("short") <= 150
    time.sleep(0.35)
    assert r.exists("short") == 0
    assert r.get("short") is None
    assert r.ttl("short") == -2
    assert r.exists("long") == 1
    # An expired key is gone for every command, not only reads.
    r.set("e", "v")
    r.execute_command("PEXPIRE", "e", 100)
    time.sleep(0.25)
    assert r.execute_command("EXPIRE", "e", 100) == 0
    assert r.persist("e") is False
    with raises("ERR no such key"):
        r.rename("e", "x")
    assert r.keys("e") == []
    assert r.randomkey() == b"long"


def test_expire_survives_overwrite_only_when_kept(r):
    r.set("k", "v")
    r.expire("k", 100)
    r.set("k", "w")  # SET without KEEPTTL clears the TTL
    assert r.ttl("k") == -1


# ---------------------------------------------------------------------------
# TTL / PTTL / EXPIRETIME / PEXPIRETIME / PERSIST


@pytest.mark.parametrize("cmd", ["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"])
def test_ttl_family_missing_and_persistent(r, cmd):
    assert r.execute_command(cmd, "missing") == -2
    r.set("k", "v")
    assert r.execute_command(cmd, "k") == -1
    with arity_error(cmd.lower()):
        r.execute_command(cmd)
    with arity_error(cmd.lower()):
        r.execute_command(cmd, "a", "b")


def test_ttl_rounds_to_nearest_second(r):
    r.set("k", "v")
    r.execute_command("PEXPIRE", "k", 1700)
    assert r.ttl("k") == 2
    r.execute_command("PEXPIRE", "k", 1400)
    assert r.ttl("k") == 1
    r.execute_command("PEXPIRE", "k", 400)
    assert r.ttl("k") == 0
    assert r.exists("k") == 1


def test_persist(r):
    r.set("k", "v")
    assert r.persist("k") is False
    assert r.persist("missing") is False
    r.expire("k", 100)
    assert r.persist("k") is True
    assert r.ttl("k") == -1
    assert r.persist("k") is False
    assert r.get("k") == b"v"
    with arity_error("persist"):
        r.execute_command("PERSIST")


def test_ttl_of_int_and_long_values(r):
    r.set("int", "12345")
    r.set("long", "x" * 1000)
    for k in ("int", "long"):
        assert r.expire(k, 100) is True
        assert r.ttl(k) == 100
        assert r.persist(k) is True
    assert r.get("int") == b"12345"
    assert r.get("long") == b"x" * 1000


# ---------------------------------------------------------------------------
# KEYS


def test_keys_patterns(r):
    fill(r, ["hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo", "other"])
    def keys(p):
        return sorted(k.decode() for k in r.keys(p))
    assert keys("*") == sorted(["hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo",
                                "other"])
    assert keys("h?llo") == ["h*llo", "hallo", "hello", "hxllo"]
    assert keys("h*llo") == ["h*llo", "hallo", "heeeello", "hello", "hllo", "hxllo"]
    assert keys("h[ae]llo") == ["hallo", "hello"]
    assert keys("h[^e]llo") == ["h*llo", "hallo", "hxllo"]
    assert keys("h[a-b]llo") == ["hallo"]
    assert keys(r"h\*llo") == ["h*llo"]
    assert keys("nomatch*") == []
    assert keys("other") == ["other"]


def test_keys_empty_db_and_arity(r):
    assert r.keys("*") == []
    with arity_error("keys"):
        r.execute_command("KEYS")
    with arity_error("keys"):
        r.execute_command("KEYS", "a", "b")


def test_keys_large(r):
    names = [f"key:{i}" for i in range(3000)]
    fill(r, names)
    got = r.keys("*")
    assert len(got) == 3000
    assert set(k.decode() for k in got) == set(names)
    assert len(r.keys("key:1*")) == 1 + 10 + 100 + 1000


# ---------------------------------------------------------------------------
# SCAN


@pytest.mark.parametrize("count", [None, 1, 7, 100, 1000, 100000])
def test_scan_returns_every_key_exactly_once(rd, count):
    names = [f"k:{i}" for i in range(1500)]
    fill(rd, names)
    seen = scan_all(rd, count=count)
    assert len(seen) == len(names)
    assert sorted(seen) == sorted(names)


def test_scan_count_bounds_the_batch_loosely(rd):
    fill(rd, [f"k:{i}" for i in range(2000)])
    cursor, keys = rd.scan(0, count=10)
    assert cursor != 0
    # A slot is returned whole: a batch may pass COUNT by one slot's keys.
    assert 10 <= len(keys) < 30
    cursor, keys = rd.scan(0, count=1000000)
    assert cursor == 0 and len(keys) == 2000


def test_scan_match(rd):
    users = [f"user:{i}" for i in range(700)]
    items = [f"item:{i}" for i in range(700)]
    fill(rd, users + items)
    for count in (None, 5, 500):
        assert sorted(scan_all(rd, match="user:*", count=count)) == sorted(users)
    assert sorted(scan_all(rd, match="item:1?")) == sorted(f"item:{i}" for i in range(10, 20))
    assert scan_all(rd, match="nothing*") == []
    assert sorted(scan_all(rd, match="*")) == sorted(users + items)


def test_scan_type(rd):
    strings = [f"s:{i}" for i in range(1200)]
    fill(rd, strings)
    assert sorted(scan_all(rd, _type="string")) == sorted(strings)
    assert sorted(scan_all(rd, _type="STRING", count=50)) == sorted(strings)
    # An unknown type matches nothing (Redis keeps this for compatibility).
    assert scan_all(rd, _type="nosuchtype") == []
    assert scan_all(rd, _type="hash") == []


def test_scan_type_with_compound_values(rd):
    fill(rd, [f"s:{i}" for i in range(300)])
    for i in range(200):
        make_compound(rd, "hash", f"h:{i}")
    hashes = sorted(f"h:{i}" for i in range(200))
    assert sorted(scan_all(rd, _type="hash")) == hashes
    assert sorted(scan_all(rd, _type="hash", match="h:1*")) == \
        sorted(h for h in hashes if h.startswith("h:1"))
    assert len(scan_all(rd, _type="string")) == 300


def test_scan_match_and_type_together(rd):
    fill(rd, [f"a:{i}" for i in range(600)] + [f"b:{i}" for i in range(600)])
    got = scan_all(rd, match="a:*", _type="string", count=33)
    assert sorted(got) == sorted(f"a:{i}" for i in range(600))


def test_scan_while_keys_are_added(rd):
    originals = [f"orig:{i}" for i in range(1000)]
    fill(rd, originals)
    cursor, seen, added, calls = 0, [], 0, 0
    while True:
        cursor, keys = rd.scan(cursor, count=25)
        seen.extend(keys)
        calls += 1
        # Grow the keyspace by more than it shrinks between steps, so that
        # the slot tables resize under the running iteration.
        fill(rd, [f"new:{added + j}" for j in range(60)])
        added += 60
        if cursor == 0:
            break
        assert calls < 10000
    counts = {}
    for k in seen:
        counts[k] = counts.get(k, 0) + 1
    missing = [k for k in originals if k not in counts]
    assert missing == []
    assert all(n == 1 for n in counts.values()), "a key was returned twice"
    assert added > 1000


def test_scan_while_keys_are_deleted(rd):
    keep = [f"keep:{i}" for i in range(800)]
    gone = [f"gone:{i}" for i in range(800)]
    fill(rd, keep + gone)
    cursor, seen = 0, []
    while True:
        cursor, keys = rd.scan(cursor, count=20)
        seen.extend(keys)
        if gone:
            rd.delete(*gone[:40])
            gone = gone[40:]
        if cursor == 0:
            break
    assert set(keep) <= set(seen)
    assert len(seen) == len(set(seen))


def test_scan_errors(r):
    for bad in ["abc", "1x", " 1", "0x10", "18446744073709551616", "+", "-"]:
        with raises("ERR invalid cursor"):
            r.execute_command("SCAN", bad)
    # The cursor is checked before the options.
    with raises("ERR invalid cursor"):
        r.execute_command("SCAN", "abc", "COUNT", "0")
    for opts in [("COUNT", "0"), ("COUNT", "-1"), ("MATCH",), ("COUNT",), ("TYPE",),
                 ("foo", "bar"), ("MATCH", "*", "extra")]:
        with raises("ERR syntax error"):
            r.execute_command("SCAN", "0", *opts)
    with raises("ERR value is not an integer or out of range"):
        r.execute_command("SCAN", "0", "COUNT", "abc")
    with arity_error("scan"):
        r.execute_command("SCAN")


def test_scan_cursor_forms(r):
    fill(r, ["a", "b"])
    # Redis reads the cursor with strtoul: leading zeros and a sign are fine.
    for cursor in ["0", "00", "+0", "-0", ""]:
        nxt, keys = raw(r, "SCAN", cursor, "COUNT", "100")
        assert nxt == b"0" and sorted(keys) == [b"a", b"b"]
    # A cursor past the end ends the iteration.
    nxt, keys = raw(r, "SCAN", "18446744073709551615")
    assert nxt == b"0"


def test_scan_last_option_wins(rd):
    fill(rd, ["a1", "b1"])
    assert scan_all(rd, match="b*") == ["b1"]
    assert rd.execute_command("SCAN", 0, "MATCH", "a*", "MATCH", "b*", "COUNT", 1,
                              "COUNT", 100)[1] == ["b1"]


def test_scan_is_per_database(dbs):
    fill(dbs[0], ["zero"])
    fill(dbs[1], ["one", "uno"])
    assert scan_all(dbs[0]) == ["zero"]
    assert sorted(scan_all(dbs[1])) == ["one", "uno"]
    assert scan_all(dbs[2]) == []


def test_scan_empty_db(r):
    assert r.scan(0) == (0, [])


def test_scan_resp3_shape(server, r):
    fill(r, ["a"])
    out = server.cli("-3", "--no-raw", "SCAN", "0")
    assert out.split() == ['1)', '"0"', '2)', '1)', '"a"']


# ---------------------------------------------------------------------------
# RANDOMKEY / DBSIZE


def test_randomkey(r):
    assert r.randomkey() is None
    names = {f"k{i}".encode() for i in range(50)}
    fill(r, names)
    got = {r.randomkey() for _ in range(200)}
    assert got <= names
    assert len(got) > 5
    with arity_error("randomkey"):
        r.execute_command("RANDOMKEY", "x")


def test_randomkey_single_key(r):
    r.set("only", "v")
    assert all(r.randomkey() == b"only" for _ in range(20))


def test_dbsize(dbs):
    assert dbs[0].dbsize() == 0
    fill(dbs[0], [f"k{i}" for i in range(123)])
    fill(dbs[1], ["x"])
    assert dbs[0].dbsize() == 123
    assert dbs[1].dbsize() == 1
    dbs[0].delete("k0")
    assert dbs[0].dbsize() == 122
    with arity_error("dbsize"):
        dbs[0].execute_command("DBSIZE", "x")


# ---------------------------------------------------------------------------
# RENAME / RENAMENX


def test_rename(r):
    r.set("a", "1")
    assert r.rename("a", "b") is True
    assert r.get("a") is None
    assert r.get("b") == b"1"


def test_rename_keeps_ttl_and_overwrites_destination(r):
    r.set("src", "value" * 20)
    r.expire("src", 100)
    r.set("dst", "old")
    r.expire("dst", 5000)
    assert r.rename("src", "dst") is True
    assert r.get("dst") == b"value" * 20
    assert 99 <= r.ttl("dst") <= 100
    assert r.exists("src") == 0
    # A destination TTL does not survive when the source has none.
    r.set("p", "1")
    r.set("q", "2")
    r.expire("q", 100)
    r.rename("p", "q")
    assert r.ttl("q") == -1
    assert r.get("q") == b"1"


def test_rename_errors_and_same_key(r):
    with raises("ERR no such key"):
        r.rename("missing", "x")
    with raises("ERR no such key"):
        r.rename("missing", "missing")
    r.set("a", "1")
    r.expire("a", 100)
    assert r.rename("a", "a") is True
    assert r.get("a") == b"1"
    assert r.ttl("a") == 100
    with arity_error("rename"):
        r.execute_command("RENAME", "a")
    with arity_error("rename"):
        r.execute_command("RENAME", "a", "b", "c")


def test_renamenx(r):
    r.set("a", "1")
    r.set("b", "2")
    assert r.renamenx("a", "b") is False
    assert r.get("a") == b"1" and r.get("b") == b"2"
    assert r.renamenx("a", "c") is True
    assert r.get("c") == b"1" and r.exists("a") == 0
    assert r.renamenx("c", "c") is False
    with raises("ERR no such key"):
        r.renamenx("missing", "x")
    with raises("ERR no such key"):
        r.renamenx("missing", "missing")
    with arity_error("renamenx"):
        r.execute_command("RENAMENX", "a")


def test_renamenx_over_expired_destination(r):
    r.set("a", "1")
    r.set("b", "2")
    r.execute_command("PEXPIRE", "b", 100)
    time.sleep(0.2)
    assert r.renamenx("a", "b") is True
    assert r.get("b") == b"1"


def test_rename_int_values(r):
    r.set("n", "42")
    r.rename("n", "m")
    assert r.incr("m") == 43


# ---------------------------------------------------------------------------
# COPY


def test_copy(r):
    r.set("src", "hello")
    assert r.copy("src", "dst") is True
    assert r.get("dst") == b"hello"
    assert r.get("src") == b"hello"
    # Independent values.
    r.append("dst", "!")
    assert r.get("src") == b"hello"
    assert r.copy("missing", "x") is False
    assert r.exists("x") == 0


def test_copy_keeps_ttl(r):
    r.set("src", "v")
    r.expire("src", 100)
    r.copy("src", "dst")
    assert 99 <= r.ttl("dst") <= 100


def test_copy_existing_destination_and_replace(r):
    r.set("src", "new")
    r.set("dst", "old")
    r.expire("dst", 100)
    assert r.copy("src", "dst") is False
    assert r.get("dst") == b"old"
    assert r.execute_command("COPY", "src", "dst", "REPLACE") == 1
    assert r.get("dst") == b"new"
    assert r.ttl("dst") == -1
    assert r.execute_command("COPY", "src", "dst", "replace", "REPLACE") == 1


def test_copy_to_other_db(dbs):
    c0, c1 = dbs[0], dbs[1]
    c0.set("k", "v0")
    c0.expire("k", 100)
    assert c0.execute_command("COPY", "k", "k", "DB", "1") == 1
    assert c1.get("k") == "v0"
    assert 99 <= c1.ttl("k") <= 100
    assert c0.get("k") == "v0"
    c0.set("k", "changed")
    assert c0.execute_command("COPY", "k", "k", "DB", "1") == 0
    assert c0.execute_command("COPY", "k", "k", "DB", "1", "REPLACE") == 1
    assert c1.get("k") == "changed"
    assert c0.execute_command("COPY", "k", "other", "REPLACE", "DB", "3") == 1
    assert dbs[3].get("other") == "changed"
    # DB naming the current db is a plain copy.
    assert c1.execute_command("COPY", "k", "k2", "DB", "1") == 1
    assert c1.get("k2") == "changed"


def test_copy_errors(dbs):
    c0 = dbs[0]
    c0.set("k", "v")
    same = "ERR source and destination objects are the same"
    with raises(same):
        c0.execute_command("COPY", "k", "k")
    with raises(same):
        c0.execute_command("COPY", "k", "k", "DB", "0")
    with raises(same):
        dbs[2].execute_command("COPY", "k", "k", "DB", "2")
    with raises(same):  # checked before the key is looked up
        c0.execute_command("COPY", "missing", "missing")
    with raises("ERR DB index is out of range"):
        c0.execute_command("COPY", "k", "x", "DB", "16")
    with raises("ERR DB index is out of range"):
        c0.execute_command("COPY", "k", "x", "DB", "-1")
    with raises("ERR value is not an integer or out of range"):
        c0.execute_command("COPY", "k", "x", "DB", "abc")
    with raises("ERR value is out of range, value must between -2147483648 and 2147483647"):
        c0.execute_command("COPY", "k", "x", "DB", "99999999999")
    for opts in [("DB",), ("foo",), ("REPLACE", "DB"), ("DB", "1", "x")]:
        with raises("ERR syntax error"):
            c0.execute_command("COPY", "k", "x", *opts)
    with arity_error("copy"):
        c0.execute_command("COPY", "k")
    assert c0.exists("x") == 0


# ---------------------------------------------------------------------------
# MOVE


def test_move(dbs):
    c0, c1 = dbs[0], dbs[1]
    c0.set("k", "v")
    c0.expire("k", 100)
    assert c0.move("k", 1) is True
    assert c0.exists("k") == 0
    assert c1.get("k") == "v"
    assert 99 <= c1.ttl("k") <= 100
    assert c1.move("k", 0) is True
    assert c0.get("k") == "v"


def test_move_does_not_overwrite(dbs):
    c0, c1 = dbs[0], dbs[1]
    c0.set("k", "mine")
    c1.set("k", "theirs")
    assert c0.move("k", 1) is False
    assert c0.get("k") == "mine"
    assert c1.get("k") == "theirs"
    assert c0.move("missing", 1) is False
    assert c1.exists("missing") == 0


def test_move_errors(dbs):
    c0 = dbs[0]
    c0.set("k", "v")
    with raises("ERR source and destination objects are the same"):
        c0.move("k", 0)
    with raises("ERR source and destination objects are the same"):
        dbs[3].execute_command("MOVE", "k", "3")
    for db in ["16", "-1", "2147483647"]:
        with raises("ERR DB index is out of range"):
            c0.execute_command("MOVE", "k", db)
    with raises("ERR value is not an integer or out of range"):
        c0.execute_command("MOVE", "k", "abc")
    with raises("ERR value is out of range, value must between -2147483648 and 2147483647"):
        c0.execute_command("MOVE", "k", "2147483648")
    with arity_error("move"):
        c0.execute_command("MOVE", "k")
    assert c0.get("k") == "v"


def test_move_int_and_long_values(dbs):
    c0, c2 = dbs[0], dbs[2]
    c0.set("n", "7")
    c0.set("s", "y" * 5000)
    assert c0.move("n", 2) and c0.move("s", 2)
    assert c2.incr("n") == 8
    assert c2.strlen("s") == 5000


# ---------------------------------------------------------------------------
# FLUSHDB / FLUSHALL / SWAPDB


def test_flushdb_only_current_db(dbs):
    for i, c in enumerate(dbs):
        fill(c, [f"k{j}" for j in range(10 + i)])
    assert dbs[1].flushdb() is True
    assert dbs[1].dbsize() == 0
    assert dbs[0].dbsize() == 10
    assert dbs[2].dbsize() == 12
    assert raw(dbs[2], "FLUSHDB", "ASYNC") == "OK"
    assert raw(dbs[3], "FLUSHDB", "sync") == "OK"
    assert dbs[2].dbsize() == 0 and dbs[3].dbsize() == 0
    assert dbs[0].dbsize() == 10


def test_flushall(dbs):
    for c in dbs:
        fill(c, ["a", "b"])
        c.expire("a", 100)
    assert dbs[2].flushall() is True
    assert all(c.dbsize() == 0 for c in dbs)
    fill(dbs[1], ["a"])
    assert raw(dbs[0], "FLUSHALL", "ASYNC") == "OK"
    assert dbs[1].dbsize() == 0
    assert raw(dbs[0], "FLUSHALL", "SYNC") == "OK"


@pytest.mark.parametrize("cmd", ["FLUSHDB", "FLUSHALL"])
def test_flush_errors(r, cmd):
    r.set("k", "v")
    for opts in [("foo",), ("ASYNC", "SYNC"), ("sync", "x"), ("",)]:
        with raises("ERR syntax error"):
            r.execute_command(cmd, *opts)
    assert r.exists("k") == 1


def test_swapdb(dbs):
    c0, c1 = dbs[0], dbs[1]
    c0.set("a", "db0")
    c0.expire("a", 100)
    c1.set("b", "db1")
    c1.set("c", "db1")
    assert c0.swapdb(0, 1) is True
    # Connections stay on their db number and see the other contents.
    assert c0.get("b") == "db1" and c0.exists("a") == 0
    assert c1.get("a") == "db0" and 99 <= c1.ttl("a") <= 100
    assert c0.dbsize() == 2 and c1.dbsize() == 1
    assert sorted(c0.keys("*")) == ["b", "c"]
    assert raw(c1, "SWAPDB", "1", "0") == "OK"
    assert c0.get("a") == "db0"
    assert c0.swapdb(2, 2) is True
    assert c0.swapdb(0, 15) is True
    assert c0.dbsize() == 0
    with_client = raw(dbs[0], "SWAPDB", "15", "0")
    assert with_client == "OK"
    assert c0.get("a") == "db0"


def test_swapdb_errors(r):
    with raises("ERR invalid first DB index"):
        r.swapdb("a", 1)
    with raises("ERR invalid second DB index"):
        r.swapdb(1, "a")
    with raises("ERR invalid first DB index"):
        r.swapdb("99999999999", 1)
    with raises("ERR invalid first DB index"):
        r.swapdb("1.0", "x")
    with raises("ERR DB index is out of range"):
        r.swapdb(1, 16)
    with raises("ERR DB index is out of range"):
        r.swapdb(-1, 1)
    with arity_error("swapdb"):
        r.execute_command("SWAPDB", "0")


# ---------------------------------------------------------------------------
# OBJECT


def test_object_encoding_of_strings(rd):
    rd.set("int", "12345")
    rd.set("neg", "-9223372036854775808")
    rd.set("zero-prefixed", "01")
    rd.set("e44", "x" * 44)
    rd.set("r45", "x" * 45)
    rd.set("float", "1.5")
    rd.set("empty", "")

    def enc(k):
        return raw(rd, "OBJECT", "ENCODING", k)
    assert enc("int") == "int"
    assert enc("neg") == "int"
    assert enc("zero-prefixed") == "embstr"
    assert enc("e44") == "embstr"
    assert enc("r45") == "raw"
    assert enc("float") == "embstr"
    assert enc("empty") == "embstr"
    assert enc("missing") is None
    assert raw(rd, "object", "encoding", "int") == "int"


@pytest.mark.parametrize("kind", sorted(COMPOUND_MAKERS))
def test_object_encoding_of_compound_values(rd, kind):
    make_compound(rd, kind, "k")
    enc = raw(rd, "OBJECT", "ENCODING", "k")
    assert enc in {"listpack", "quicklist", "hashtable", "intset", "skiplist", "ziplist"}


def test_object_refcount(rd):
    rd.set("small", "5")
    rd.set("big", "10000")
    rd.set("s", "str")
    assert raw(rd, "OBJECT", "REFCOUNT", "small") == 2147483647
    assert raw(rd, "OBJECT", "REFCOUNT", "big") == 1
    assert raw(rd, "OBJECT", "REFCOUNT", "s") == 1
    assert raw(rd, "OBJECT", "REFCOUNT", "missing") is None


def test_object_freq_without_lfu_policy(rd):
    rd.set("k", "v")
    with raises("ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
                "Please note that when switching between policies at runtime LRU and LFU "
                "data will take some time to adjust."):
        raw(rd, "OBJECT", "FREQ", "k")
    assert raw(rd, "OBJECT", "FREQ", "missing") is None


def test_object_help(rd):
    lines = raw(rd, "OBJECT", "HELP")
    assert lines[0] == "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert "ENCODING <key>" in lines
    assert "REFCOUNT <key>" in lines
    assert lines[-2:] == ["HELP", "    Prints this help."]


def test_object_errors(r):
    with arity_error("object"):
        raw(r, "OBJECT")
    with raises("ERR unknown subcommand 'foo'. Try OBJECT HELP."):
        raw(r, "OBJECT", "foo", "k")
    with arity_error("object|help"):
        raw(r, "OBJECT", "HELP", "x")
    with arity_error("object|encoding"):
        raw(r, "OBJECT", "ENCODING")
    with arity_error("object|refcount"):
        raw(r, "OBJECT", "REFCOUNT", "a", "b")


# ---------------------------------------------------------------------------
# Interplay: WATCH, MULTI, the command table


def test_writes_invalidate_watch(server, r):
    other = server.client()
    actions = [
        ("DEL", lambda: other.delete("w")),
        ("EXPIRE", lambda: other.expire("w", 100)),
        ("PEXPIREAT", lambda: other.execute_command("PEXPIREAT", "w", 2**45)),
        ("RENAME away", lambda: other.rename("w", "elsewhere")),
        ("RENAME onto", lambda: other.rename("src", "w")),
        ("COPY onto", lambda: other.execute_command("COPY", "src", "w", "REPLACE")),
        ("MOVE", lambda: other.move("w", 1)),
        ("FLUSHDB", lambda: other.flushdb()),
        ("FLUSHALL", lambda: other.flushall()),
        ("SWAPDB", lambda: other.swapdb(0, 1)),
    ]
    for name, act in actions:
        r.flushall()
        r.set("w", "1")
        r.set("src", "2")
        with r.pipeline() as p:
            p.watch("w")
            act()
            p.multi()
            p.set("w", "from-tx")
            with pytest.raises(redis.WatchError):
                p.execute()
    # PERSIST on a key with a TTL is a write too.
    r.set("w", "1")
    r.expire("w", 100)
    with r.pipeline() as p:
        p.watch("w")
        other.persist("w")
        p.multi()
        p.set("w", "x")
        with pytest.raises(redis.WatchError):
            p.execute()
    other.close()


def test_read_commands_do_not_invalidate_watch(server, r):
    other = server.client()
    r.set("w", "1")
    with r.pipeline() as p:
        p.watch("w")
        other.exists("w")
        other.ttl("w")
        other.type("w")
        other.keys("*")
        other.scan(0)
        raw(other, "OBJECT", "ENCODING", "w")
        other.persist("w")  # no TTL: nothing changes
        other.expire("w", 100, xx=True)  # not applied
        p.multi()
        p.set("w", "2")
        assert p.execute() == [True]
    other.close()


def test_keyspace_commands_inside_multi(r):
    with r.pipeline() as p:
        p.set("a", "1")
        p.set("b", "2")
        p.dbsize()
        p.keys("*")
        p.scan(0, count=1000)
        p.randomkey()
        p.rename("a", "c")
        p.flushdb()
        p.dbsize()
        res = p.execute()
    assert res[2] == 2
    assert sorted(res[3]) == [b"a", b"b"]
    assert sorted(res[4][1]) == [b"a", b"b"]
    assert res[5] in (b"a", b"b")
    assert res[6] is True
    assert res[8] == 0


def test_command_info_metadata(r):
    try:
        info = r.execute_command("COMMAND", "INFO", "del")
    except redis.ResponseError as e:
        pytest.skip(f"COMMAND is not available: {e}")
    expected = {
        # name: (arity, flags, first, last, step)
        "del": (-2, {"write"}, 1, -1, 1),
        "unlink": (-2, {"write", "fast"}, 1, -1, 1),
        "exists": (-2, {"readonly", "fast"}, 1, -1, 1),
        "touch": (-2, {"readonly", "fast"}, 1, -1, 1),
        "type": (2, {"readonly", "fast"}, 1, 1, 1),
        "expire": (-3, {"write", "fast"}, 1, 1, 1),
        "pexpire": (-3, {"write", "fast"}, 1, 1, 1),
        "expireat": (-3, {"write", "fast"}, 1, 1, 1),
        "pexpireat": (-3, {"write", "fast"}, 1, 1, 1),
        "ttl": (2, {"readonly", "fast"}, 1, 1, 1),
        "pttl": (2, {"readonly", "fast"}, 1, 1, 1),
        "expiretime": (2, {"readonly", "fast"}, 1, 1, 1),
        "pexpiretime": (2, {"readonly", "fast"}, 1, 1, 1),
        "persist": (2, {"write", "fast"}, 1, 1, 1),
        "keys": (2, {"readonly"}, 0, 0, 0),
        "scan": (-2, {"readonly"}, 0, 0, 0),
        "randomkey": (1, {"readonly"}, 0, 0, 0),
        "rename": (3, {"write"}, 1, 2, 1),
        "renamenx": (3, {"write", "fast"}, 1, 2, 1),
        "copy": (-3, {"write", "denyoom"}, 1, 2, 1),
        "move": (3, {"write", "fast"}, 1, 1, 1),
        "dbsize": (1, {"readonly", "fast"}, 0, 0, 0),
        "flushdb": (-1, {"write"}, 0, 0, 0),
        "flushall": (-1, {"write"}, 0, 0, 0),
        "swapdb": (3, {"write", "fast"}, 0, 0, 0),
        "object": (-2, set(), 0, 0, 0),
    }
    info = r.execute_command("COMMAND", "INFO", *expected)
    for name, (arity, flags, first, last, step) in expected.items():
        got = info[name]
        assert got["arity"] == arity, name
        assert set(got["flags"]) == flags, name
        assert (got["first_key_pos"], got["last_key_pos"], got["step_count"]) == \
            (first, last, step), name
