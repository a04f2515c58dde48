"""End-to-end tests of stream consumer groups: XGROUP, XREADGROUP (with BLOCK
across workers), XACK, XPENDING, XCLAIM, XAUTOCLAIM, and XINFO.

Split from test_streams.py, whose server fixture (Shoal, or redis-server with
STREAMS_REFERENCE=1), clients and helpers it shares. Replies and error texts
were checked against redis-server 7.0.15; byte-exact comparisons are in
tests/differential_sessions/streams_groups.txt.
"""
import time

import pytest
import redis

from test_streams import (INVALID_ID, REFERENCE, WRONGTYPE, Blocker, err,  # noqa: F401
                          raw, r, server, wait_blocked)

# ---------------------------------------------------------------------------
# Consumer groups


def test_xgroup_create_and_errors(r):
    needs_key = ("The XGROUP subcommand requires the key to exist. Note that for CREATE you "
                 "may want to use the MKSTREAM option to create an empty stream automatically.")
    assert err(r, "XGROUP", "CREATE", "s", "g", "$") == needs_key
    assert r.execute_command("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM") == b"OK"
    assert r.type("s") == b"stream" and r.xlen("s") == 0
    assert err(r, "XGROUP", "CREATE", "s", "g", "$") == "BUSYGROUP Consumer Group name already exists"
    assert err(r, "XGROUP", "CREATE", "s", "g2", "0", "foo") == \
        "unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP."
    assert err(r, "XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "x") == \
        "value is not an integer or out of range"
    assert err(r, "XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "-5") == \
        "value for ENTRIESREAD must be positive or -1"
    assert INVALID_ID in err(r, "XGROUP", "CREATE", "s", "g2", "-")
    assert INVALID_ID in err(r, "XGROUP", "CREATE", "nokey", "g2", "x", "MKSTREAM")
    assert not r.exists("nokey")
    assert err(r, "XGROUP", "FOO") == "unknown subcommand 'FOO'. Try XGROUP HELP."
    assert "wrong number of arguments" in err(r, "XGROUP", "DESTROY", "s")
    r.set("str", "x")
    assert err(r, "XGROUP", "CREATE", "str", "g", "$") == WRONGTYPE
    assert r.execute_command("XGROUP", "CREATE", "s", "g3", "0", "ENTRIESREAD", "0") == b"OK"
    help_lines = r.execute_command("XGROUP", "HELP")
    assert help_lines[0].startswith(b"XGROUP <subcommand>") and help_lines[-1].endswith(b"help.")


def test_xgroup_consumers_setid_destroy(r):
    r.execute_command("XADD", "s", "1-0", "f", "v")
    r.execute_command("XGROUP", "CREATE", "s", "g", "0")
    nogroup = "NOGROUP No such consumer group 'nog' for key name 's'"
    assert err(r, "XGROUP", "CREATECONSUMER", "s", "nog", "c") == nogroup
    assert err(r, "XGROUP", "SETID", "s", "nog", "0") == nogroup
    assert err(r, "XGROUP", "DELCONSUMER", "s", "nog", "c") == nogroup
    assert r.execute_command("XGROUP", "CREATECONSUMER", "s", "g", "c") == 1
    assert r.execute_command("XGROUP", "CREATECONSUMER", "s", "g", "c") == 0
    r.execute_command("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
    assert r.execute_command("XGROUP", "DELCONSUMER", "s", "g", "c") == 1
    assert r.execute_command("XGROUP", "DELCONSUMER", "s", "g", "c") == 0
    assert r.execute_command("XPENDING", "s", "g")[0] == 0
    assert r.execute_command("XGROUP", "SETID", "s", "g", "0") == b"OK"
    assert r.execute_command("XGROUP", "SETID", "s", "g", "$", "ENTRIESREAD", "1") == b"OK"
    assert err(r, "XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD") == \
        "unknown subcommand or wrong number of arguments for 'SETID'. Try XGROUP HELP."
    assert r.execute_command("XGROUP", "DESTROY", "s", "g") == 1
    assert r.execute_command("XGROUP", "DESTROY", "s", "g") == 0


def test_xreadgroup_delivers_each_entry_once_and_history(r, raw):
    for i in range(1, 5):
        r.execute_command("XADD", "s", f"{i}-0", "f", i)
    r.execute_command("XGROUP", "CREATE", "s", "g", "0")
    a = r.execute_command("XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">")
    b = r.execute_command("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">")
    assert [e[0] for e in a[0][1]] == [b"1-0", b"2-0"]
    assert [e[0] for e in b[0][1]] == [b"3-0", b"4-0"]
    assert raw.cmd("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">") == b"*-1\r\n"
    # History: the consumer's own pending entries above the ID.
    hist = r.execute_command("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0")
    assert [e[0] for e in hist[0][1]] == [b"1-0", b"2-0"]
    r.execute_command("XDEL", "s", "1-0")
    hist = r.execute_command("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0-0")
    assert hist[0][1][0] == [b"1-0", None]
    assert r.execute_command("XACK", "s", "g", "1-0", "2-0", "9-0") == 2
    assert raw.cmd("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0") == \
        b"*1\r\n*2\r\n$1\r\ns\r\n*0\r\n"
    pend = r.execute_command("XPENDING", "s", "g", "-", "+", "10")
    assert [(p[0], p[1], p[3]) for p in pend] == [(b"3-0", b"bob", 1), (b"4-0", b"bob", 1)]
    # History reads count as deliveries.
    r.execute_command("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", "0")
    assert r.execute_command("XPENDING", "s", "g", "-", "+", "10")[0][3] == 2


def test_xreadgroup_noack_and_errors(r):
    r.execute_command("XADD", "s", "1-0", "f", "v")
    r.execute_command("XGROUP", "CREATE", "s", "g", "0")
    r.set("str", "x")
    got = r.execute_command("XREADGROUP", "GROUP", "g", "c", "NOACK", "STREAMS", "s", ">")
    assert got[0][1][0][0] == b"1-0"
    assert r.execute_command("XPENDING", "s", "g")[0] == 0
    assert err(r, "XREADGROUP", "GROUP", "nog", "c", "STREAMS", "s", ">") == \
        "NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option"
    assert err(r, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "nokey", ">") == \
        "NOGROUP No such key 'nokey' or consumer group 'g' in XREADGROUP with GROUP option"
    assert err(r, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "$").startswith(
        "The $ ID is meaningless in the context of XREADGROUP")
    assert err(r, "XREADGROUP", "COUNT", "1", "STREAMS", "s", ">") == \
        "wrong number of arguments for 'xreadgroup' command"
    assert err(r, "XREADGROUP", "COUNT", "1", "BLOCK", "1", "STREAMS", "s", ">") == \
        "Missing GROUP option for XREADGROUP"
    assert err(r, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "t", ">") == \
        "Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."
    assert err(r, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "str", ">") == WRONGTYPE


def test_xreadgroup_block_consumers_share_the_work(server, r):
    r.execute_command("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    consumers = [Blocker(server, "XREADGROUP", "GROUP", "g", f"c{i}", "BLOCK", "0",
                         "STREAMS", "s", ">") for i in range(3)]
    wait_blocked(r, 3)
    # Redis serves a woken client before the XADD's connection sends its
    # next command; Shoal re-runs the woken command on its own worker, so a
    # second XADD arriving first would let the first consumer take both
    # entries. Each XADD therefore waits until one consumer was served.
    for i in range(1, 4):
        r.execute_command("XADD", "s", f"{i}-0", "f", i)
        wait_blocked(r, 3 - i)
    got = sorted(c.join()[0][1][0][0] for c in consumers)
    assert got == [b"1-0", b"2-0", b"3-0"]  # one entry each, none twice
    assert r.execute_command("XPENDING", "s", "g")[0] == 3


def test_xreadgroup_block_woken_by_group_destroy(server, r):
    r.execute_command("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    b = Blocker(server, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
    wait_blocked(r, 1)
    r.execute_command("XGROUP", "DESTROY", "s", "g")
    with pytest.raises(redis.ResponseError, match="NOGROUP"):
        b.join()


def test_xpending_forms_and_errors(r, raw):
    for i in range(1, 4):
        r.execute_command("XADD", "s", f"{i}-0", "f", i)
    r.execute_command("XGROUP", "CREATE", "s", "g", "0")
    assert raw.cmd("XPENDING", "s", "g") == b"*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n"
    r.execute_command("XREADGROUP", "GROUP", "g", "a", "COUNT", "2", "STREAMS", "s", ">")
    r.execute_command("XREADGROUP", "GROUP", "g", "b", "STREAMS", "s", ">")
    r.execute_command("XGROUP", "CREATECONSUMER", "s", "g", "idle-one")
    assert r.execute_command("XPENDING", "s", "g") == \
        [3, b"1-0", b"3-0", [[b"a", b"2"], [b"b", b"1"]]]
    assert [p[0] for p in r.execute_command("XPENDING", "s", "g", "(1-0", "+", "10")] == \
        [b"2-0", b"3-0"]
    assert [p[0] for p in r.execute_command("XPENDING", "s", "g", "-", "+", "10", "b")] == \
        [b"3-0"]
    assert r.execute_command("XPENDING", "s", "g", "-", "+", "10", "nobody") == []
    assert r.execute_command("XPENDING", "s", "g", "-", "+", "0") == []
    assert r.execute_command("XPENDING", "s", "g", "IDLE", "100000", "-", "+", "10") == []
    time.sleep(0.02)
    assert len(r.execute_command("XPENDING", "s", "g", "IDLE", "10", "-", "+", "10")) == 3
    assert err(r, "XPENDING", "s", "g", "-") == "syntax error"
    assert err(r, "XPENDING", "s", "g", "IDLE", "10", "-", "+") == "syntax error"
    assert err(r, "XPENDING", "s", "g", "-", "+", "x") == "value is not an integer or out of range"
    assert err(r, "XPENDING", "s", "nog") == "NOGROUP No such key 's' or consumer group 'nog'"
    assert err(r, "XPENDING", "nokey", "g") == "NOGROUP No such key 'nokey' or consumer group 'g'"


def test_xclaim(r):
    for i in range(1, 5):
        r.execute_command("XADD", "s", f"{i}-0", "f", i)
    r.execute_command("XGROUP", "CREATE", "s", "g", "0")
    r.execute_command("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">")
    # Too fresh for min-idle-time 10000.
    assert r.execute_command("XCLAIM", "s", "g", "b", "10000", "1-0") == []
    got = r.execute_command("XCLAIM", "s", "g", "b", "0", "1-0", "2-0")
    assert [e[0] for e in got] == [b"1-0", b"2-0"]
    pend = r.execute_command("XPENDING", "s", "g", "-", "+", "10")
    assert [(p[0], p[1], p[3]) for p in pend[:2]] == [(b"1-0", b"b", 2), (b"2-0", b"b", 2)]
    assert r.execute_command("XCLAIM", "s", "g", "c", "0", "3-0", "JUSTID") == [b"3-0"]
    assert r.execute_command("XPENDING", "s", "g", "3-0", "3-0", "1")[0][3] == 1  # JUSTID
    r.execute_command("XCLAIM", "s", "g", "c", "0", "4-0", "RETRYCOUNT", "7", "IDLE", "5000")
    p = r.execute_command("XPENDING", "s", "g", "4-0", "4-0", "1")[0]
    assert p[1] == b"c" and p[3] == 7 and p[2] >= 5000
    r.execute_command("XCLAIM", "s", "g", "c", "0", "4-0", "TIME",
                      int(time.time() * 1000) - 60000)
    assert r.execute_command("XPENDING", "s", "g", "4-0", "4-0", "1")[0][2] >= 59000
    # FORCE creates a pending entry for an existing, never delivered entry.
    r.execute_command("XADD", "s", "5-0", "f", "5")
    assert r.execute_command("XCLAIM", "s", "g", "d", "0", "5-0") == []
    assert r.execute_command("XCLAIM", "s", "g", "d", "0", "5-0", "FORCE", "JUSTID") == [b"5-0"]
    assert r.execute_command("XCLAIM", "s", "g", "d", "0", "9-0", "FORCE") == []
    # A deleted entry is dropped from the PEL and not returned.
    r.execute_command("XDEL", "s", "1-0")
    assert r.execute_command("XCLAIM", "s", "g", "b", "0", "1-0") == []
    assert r.execute_command("XPENDING", "s", "g", "1-0", "1-0", "1") == []
    # LASTID moves the group's last-delivered ID forward only.
    r.execute_command("XCLAIM", "s", "g", "b", "0", "2-0", "LASTID", "9-0")
    groups = r.execute_command("XINFO", "GROUPS", "s")
    assert dict(zip(groups[0][::2], groups[0][1::2]))[b"last-delivered-id"] == b"9-0"


def test_xclaim_errors(r):
    r.execute_command("XADD", "s", "1-0", "f", "v")
    r.execute_command("XGROUP", "CREATE", "s", "g", "0")
    assert err(r, "XCLAIM", "s", "nog", "c", "0", "1-0") == \
        "NOGROUP No such key 's' or consumer group 'nog'"
    assert err(r, "XCLAIM", "s", "g", "c", "x", "1-0") == \
        "Invalid min-idle-time argument for XCLAIM"
    assert err(r, "XCLAIM", "s", "g", "c", "0", "1-0", "IDLE", "x") == \
        "Invalid IDLE option argument for XCLAIM"
    assert err(r, "XCLAIM", "s", "g", "c", "0", "1-0", "TIME", "x") == \
        "Invalid TIME option argument for XCLAIM"
    assert err(r, "XCLAIM", "s", "g", "c", "0", "1-0", "RETRYCOUNT", "x") == \
        "Invalid RETRYCOUNT option argument for XCLAIM"
    assert INVALID_ID in err(r, "XCLAIM", "s", "g", "c", "0", "1-0", "LASTID", "x")
    assert err(r, "XCLAIM", "s", "g", "c", "0", "1-0", "foo") == \
        "Unrecognized XCLAIM option 'foo'"
    assert err(r, "XCLAIM", "s", "g", "c", "0", "foo") == "Unrecognized XCLAIM option 'foo'"
    r.set("str", "x")
    assert err(r, "XCLAIM", "str", "g", "c", "0", "1-0") == WRONGTYPE


def test_xautoclaim(r):
    for i in range(1, 8):
        r.execute_command("XADD", "s", f"{i}-0", "f", i)
    r.execute_command("XGROUP", "CREATE", "s", "g", "0")
    r.execute_command("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">")
    got = r.execute_command("XAUTOCLAIM", "s", "g", "b", "0", "-", "COUNT", "3")
    assert got[0] == b"4-0" and [e[0] for e in got[1]] == [b"1-0", b"2-0", b"3-0"]
    assert got[2] == []
    r.execute_command("XDEL", "s", "5-0")
    got = r.execute_command("XAUTOCLAIM", "s", "g", "b", "0", got[0], "COUNT", "3", "JUSTID")
    assert got == [b"7-0", [b"4-0", b"6-0"], [b"5-0"]]  # the deleted one counts toward COUNT
    got = r.execute_command("XAUTOCLAIM", "s", "g", "b", "0", "(6-0")
    assert got == [b"0-0", [[b"7-0", [b"f", b"7"]]], []]
    assert r.execute_command("XAUTOCLAIM", "s", "g", "c", "100000", "-") == [b"0-0", [], []]
    assert err(r, "XAUTOCLAIM", "s", "g", "c", "0", "-", "COUNT", "0") == "COUNT must be > 0"
    assert err(r, "XAUTOCLAIM", "s", "g", "c", "0", "-", "COUNT", "x") == "COUNT must be > 0"
    assert err(r, "XAUTOCLAIM", "s", "g", "c", "x", "-") == \
        "Invalid min-idle-time argument for XAUTOCLAIM"
    assert err(r, "XAUTOCLAIM", "s", "g", "c", "0", "-", "foo") == "syntax error"
    assert err(r, "XAUTOCLAIM", "s", "nog", "c", "0", "-") == \
        "NOGROUP No such key 's' or consumer group 'nog'"
    assert err(r, "XAUTOCLAIM", "s", "g", "c", "0", "(18446744073709551615-18446744073709551615") \
        == "invalid start ID for the interval"


# ---------------------------------------------------------------------------
# XINFO


def as_dict(flat):
    return dict(zip(flat[::2], flat[1::2]))


def test_xinfo_stream_groups_consumers(r):
    assert err(r, "XINFO", "STREAM", "nokey") == "no such key"
    for i in range(1, 4):
        r.execute_command("XADD", "s", f"{i}-0", "f", i)
    info = as_dict(r.execute_command("XINFO", "STREAM", "s"))
    assert info[b"length"] == 3 and info[b"last-generated-id"] == b"3-0"
    assert info[b"first-entry"] == [b"1-0", [b"f", b"1"]]
    assert info[b"last-entry"] == [b"3-0", [b"f", b"3"]]
    assert info[b"entries-added"] == 3 and info[b"groups"] == 0
    assert info[b"radix-tree-keys"] == 1
    r.execute_command("XGROUP", "CREATE", "s", "g", "0")
    r.execute_command("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">")
    g = as_dict(r.execute_command("XINFO", "GROUPS", "s")[0])
    assert g == {b"name": b"g", b"consumers": 1, b"pending": 1, b"last-delivered-id": b"1-0",
                 b"entries-read": 1, b"lag": 2}
    c = as_dict(r.execute_command("XINFO", "CONSUMERS", "s", "g")[0])
    assert c[b"name"] == b"c" and c[b"pending"] == 1 and c[b"idle"] >= 0
    if not REFERENCE:  # Redis 7.2's field
        assert c[b"inactive"] >= 0
    full = as_dict(r.execute_command("XINFO", "STREAM", "s", "FULL", "COUNT", "2"))
    assert len(full[b"entries"]) == 2
    fg = as_dict(full[b"groups"][0])
    assert fg[b"pel-count"] == 1 and fg[b"pending"][0][:2] == [b"1-0", b"c"]
    fc = as_dict(fg[b"consumers"][0])
    assert fc[b"name"] == b"c" and fc[b"pel-count"] == 1
    assert err(r, "XINFO", "STREAM", "s", "FULL", "x") == \
        "unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP."
    assert err(r, "XINFO", "STREAM", "s", "FULL", "COUNT", "x") == \
        "value is not an integer or out of range"
    assert err(r, "XINFO", "CONSUMERS", "s", "nog") == \
        "NOGROUP No such consumer group 'nog' for key name 's'"
    assert err(r, "XINFO", "FOO", "s") == "unknown subcommand 'FOO'. Try XINFO HELP."
    r.set("str", "x")
    assert err(r, "XINFO", "GROUPS", "str") == WRONGTYPE
    assert r.execute_command("XINFO", "HELP")[0].startswith(b"XINFO <subcommand>")


def test_lag_is_nil_after_a_deletion_in_the_unread_range(r, raw):
    for i in range(1, 6):
        r.execute_command("XADD", "s", f"{i}-0", "f", i)
    r.execute_command("XGROUP", "CREATE", "s", "g", "0")
    r.execute_command("XDEL", "s", "3-0")
    reply = raw.cmd("XINFO", "GROUPS", "s")
    assert reply.endswith(b"$3\r\nlag\r\n$-1\r\n")
    assert b"$12\r\nentries-read\r\n$-1\r\n" in reply
