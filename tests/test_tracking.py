"""Server-assisted client-side caching: CLIENT TRACKING (default mode,
OPTIN, OPTOUT, NOLOOP, BCAST with PREFIX, REDIRECT), CLIENT CACHING,
CLIENT GETREDIR, CLIENT TRACKINGINFO, CLIENT LIST flags and INFO fields.

Debian's redis-py (4.3) has no RESP3, so RESP3 clients are raw connections
(conftest.Raw) after HELLO 3; exact bytes and error texts were checked
against redis-server 7.0.15. The server runs two workers: writers connect
after the reader, so writes come from both workers (the acceptor hands each
new connection to the worker with the fewest)."""
import socket
import time

import pytest

from conftest import Raw, ShoalServer


def inval(*keys):
    """A RESP3 invalidation push for keys (None: a flush)."""
    if keys == (None,):
        return b">2\r\n$10\r\ninvalidate\r\n_\r\n"
    body = b"".join(b"$%d\r\n%s\r\n" % (len(k), k.encode()) for k in keys)
    return b">2\r\n$10\r\ninvalidate\r\n*%d\r\n" % len(keys) + body


def message(key):
    """The RESP2 message a REDIRECT subscriber gets (None: a flush)."""
    head = b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n"
    if key is None:
        return head + b"$-1\r\n"
    return head + b"*1\r\n$%d\r\n%s\r\n" % (len(key), key.encode())


def frames(conn, wait=0.3):
    """Every frame that arrives until `wait` seconds of silence."""
    out = []
    conn.sock.settimeout(wait)
    try:
        while True:
            out.append(conn.reply())
    except (socket.timeout, TimeoutError):
        pass
    finally:
        conn.sock.settimeout(10)
    return out


def resp3(server):
    c = Raw(server.port)
    assert c.cmd("HELLO", "3").startswith(b"%")
    return c


def client_id(conn):
    return int(conn.cmd("CLIENT", "ID")[1:-2])


@pytest.fixture
def conns(server):
    opened = []

    def make(proto=3):
        c = resp3(server) if proto == 3 else Raw(server.port)
        opened.append(c)
        return c

    yield make
    for c in opened:
        c.close()


@pytest.fixture(autouse=True)
def clean(r):
    r.config_set("tracking-table-max-keys", "1000000")
    yield


def info_field(r, section, name):
    return r.info(section)[name]


# ---------------------------------------------------------------- default mode


def test_write_from_other_workers_invalidates_once(r, conns):
    reader = conns()
    writers = [conns(2), conns(2)]  # the next two connections: both workers
    assert reader.cmd("CLIENT", "TRACKING", "on") == b"+OK\r\n"
    for w in writers:
        reader.cmd("GET", "k")
        assert w.cmd("SET", "k", "v") == b"+OK\r\n"
        assert frames(reader) == [inval("k")]
        # Forgotten once invalidated: another write sends nothing.
        w.cmd("SET", "k", "v2")
        assert frames(reader, 0.2) == []


def test_every_key_of_a_read_is_tracked_missing_ones_too(r, conns):
    reader, w = conns(), conns(2)
    reader.cmd("CLIENT", "TRACKING", "on")
    r.set("a", "1")
    reader.cmd("MGET", "a", "b", "c")
    assert info_field(r, "stats", "tracking_total_keys") == 3
    assert info_field(r, "stats", "tracking_total_items") == 3
    w.cmd("MSET", "a", "2", "c", "3")
    assert sorted(frames(reader)) == sorted([inval("a"), inval("c")])
    assert info_field(r, "stats", "tracking_total_keys") == 1


def test_writes_do_not_invalidate_unread_keys_and_reads_do_not(r, conns):
    reader, w = conns(), conns(2)
    reader.cmd("CLIENT", "TRACKING", "on")
    reader.cmd("GET", "read")
    w.cmd("SET", "other", "v")
    w.cmd("GET", "read")
    w.cmd("STRLEN", "read")
    assert frames(reader, 0.2) == []
    w.cmd("SET", "read", "v")  # still tracked: the first write tells
    assert frames(reader) == [inval("read")]


def test_append_of_nothing_still_signals_the_key(r, conns):
    """APPEND k "" changes no byte, yet Redis signals the key as modified:
    tracking clients are invalidated and WATCH aborts (redis-server 7.0.15);
    SETRANGE k 0 "" signals nothing."""
    c, w = conns(), conns(2)
    w.cmd("SET", "k", "v")
    c.cmd("CLIENT", "TRACKING", "on")
    c.cmd("GET", "k")
    assert w.cmd("APPEND", "k", "") == b":1\r\n"
    assert frames(c) == [inval("k")]
    c.cmd("GET", "k")
    assert w.cmd("SETRANGE", "k", "0", "") == b":1\r\n"
    assert frames(c, 0.2) == []
    x = conns(2)
    x.cmd("WATCH", "k")
    w.cmd("APPEND", "k", "")
    x.cmd("MULTI")
    x.cmd("PING")
    assert x.cmd("EXEC") == b"*-1\r\n"


def test_own_write_invalidates_after_the_reply_and_noloop_skips_it(r, conns):
    c = conns()
    c.cmd("CLIENT", "TRACKING", "on")
    c.cmd("GET", "k")
    assert c.cmd("SET", "k", "1") == b"+OK\r\n"
    assert frames(c) == [inval("k")]
    assert c.cmd("CLIENT", "TRACKING", "on", "NOLOOP") == b"+OK\r\n"
    c.cmd("GET", "k")
    c.cmd("SET", "k", "2")
    assert frames(c, 0.2) == []
    conns(2).cmd("SET", "k", "3")  # NOLOOP is about the client's own writes
    c.cmd("GET", "k")
    conns(2).cmd("SET", "k", "4")
    assert frames(c) == [inval("k")]


def test_tracking_off_stops_invalidations(r, conns):
    c, w = conns(), conns(2)
    c.cmd("CLIENT", "TRACKING", "on")
    c.cmd("GET", "k")
    assert info_field(r, "clients", "tracking_clients") == 1
    assert info_field(r, "stats", "tracking_total_keys") == 1
    assert c.cmd("CLIENT", "TRACKING", "off") == b"+OK\r\n"
    w.cmd("SET", "k", "v")
    assert frames(c, 0.2) == []
    assert info_field(r, "stats", "tracking_total_keys") == 0  # the write consumed it
    assert info_field(r, "clients", "tracking_clients") == 0


def test_resp2_without_redirect_gets_nothing(r, conns):
    c, w = conns(2), conns(2)
    assert c.cmd("CLIENT", "TRACKING", "on") == b"+OK\r\n"
    c.cmd("GET", "k")
    assert info_field(r, "stats", "tracking_total_keys") == 1  # tracked, yet nowhere to send
    w.cmd("SET", "k", "v")
    assert frames(c, 0.2) == []
    assert info_field(r, "stats", "tracking_total_keys") == 0
    assert c.cmd("PING") == b"+PONG\r\n"


WRITES = [
    # (setup, write) on key "k"; each write changes k.
    ([], ["SET", "k", "v"]),
    ([["SET", "k", "v"]], ["APPEND", "k", "x"]),
    ([["SET", "k", "1"]], ["INCR", "k"]),
    ([["SET", "k", "1"]], ["INCRBYFLOAT", "k", "1.5"]),
    ([["SET", "k", "abc"]], ["SETRANGE", "k", "1", "x"]),
    ([["SET", "k", "v"]], ["GETDEL", "k"]),
    ([["SET", "k", "v"]], ["GETEX", "k", "EX", "100"]),
    ([["SET", "k", "v"]], ["GETSET", "k", "w"]),
    ([["SET", "k", "v"]], ["DEL", "k"]),
    ([["SET", "k", "v"]], ["UNLINK", "k"]),
    ([["SET", "k", "v"]], ["EXPIRE", "k", "100"]),
    ([["SET", "k", "v", "EX", "100"]], ["PERSIST", "k"]),
    ([["SET", "k", "v"]], ["RENAME", "k", "k2"]),
    ([["SET", "src", "v"]], ["RENAME", "src", "k"]),
    ([["SET", "src", "v"]], ["COPY", "src", "k"]),
    ([["SET", "k", "v"]], ["MOVE", "k", "1"]),
    ([], ["SETBIT", "k", "3", "1"]),
    ([["SET", "a", "x"]], ["BITOP", "NOT", "k", "a"]),
    ([], ["LPUSH", "k", "a"]),
    ([["RPUSH", "k", "a", "b"]], ["LPOP", "k"]),
    ([["RPUSH", "k", "a", "b"]], ["LSET", "k", "0", "z"]),
    ([["RPUSH", "src", "a"]], ["LMOVE", "src", "k", "LEFT", "LEFT"]),
    ([], ["HSET", "k", "f", "v"]),
    ([["HSET", "k", "f", "1"]], ["HINCRBY", "k", "f", "1"]),
    ([["HSET", "k", "f", "1"]], ["HDEL", "k", "f"]),
    ([], ["SADD", "k", "m"]),
    ([["SADD", "k", "m"]], ["SPOP", "k"]),
    ([["SADD", "a", "m"]], ["SUNIONSTORE", "k", "a"]),
    ([], ["ZADD", "k", "1", "m"]),
    ([["ZADD", "k", "1", "m"]], ["ZINCRBY", "k", "1", "m"]),
    ([["ZADD", "k", "1", "m"]], ["ZPOPMIN", "k"]),
    ([["ZADD", "a", "1", "m"]], ["ZUNIONSTORE", "k", "1", "a"]),
    ([], ["XADD", "k", "*", "f", "v"]),
    ([["XADD", "k", "*", "f", "v"]], ["XTRIM", "k", "MAXLEN", "0"]),
    ([], ["PFADD", "k", "a"]),
    ([], ["GEOADD", "k", "13.36", "38.11", "p"]),
    ([["RPUSH", "a", "3", "1"]], ["SORT", "a", "STORE", "k"]),
    ([["SET", "k", "v"]], ["RESTORE", "k", "0", "DUMP", "REPLACE"]),
]


@pytest.mark.parametrize("setup,write", WRITES, ids=[" ".join(w[:1] + w[1:2]) for _, w in WRITES])
def test_every_kind_of_write_invalidates(r, conns, setup, write):
    reader, w = conns(), conns(2)
    for cmd in setup:
        w.cmd(*cmd)
    if write[0] == "RESTORE":
        dump = r.dump("k")
        write = ["RESTORE", "k", "0", dump, "REPLACE"]
    reader.cmd("CLIENT", "TRACKING", "on")
    reader.cmd("EXISTS", "k")
    reply = w.cmd(*write)
    assert not reply.startswith(b"-"), reply
    assert inval("k") in frames(reader)


# ----------------------------------------------------- what else changes keys


def test_active_and_lazy_expiry_invalidate(r, conns):
    c, w = conns(), conns(2)
    c.cmd("CLIENT", "TRACKING", "on")
    w.cmd("SET", "soon", "v", "PX", "50")
    c.cmd("GET", "soon")
    assert frames(c, 1.5) == [inval("soon")]  # the active cycle (hz 10)
    w.cmd("SET", "lazy", "v", "PX", "30")
    c.cmd("GET", "lazy")
    time.sleep(0.05)
    w.cmd("GET", "lazy")  # expires on access (if the cycle did not already)
    assert frames(c) == [inval("lazy")]


def test_eviction_invalidates(r, conns):
    c, w = conns(), conns(2)
    c.cmd("CLIENT", "TRACKING", "on")
    for i in range(50):
        w.cmd("SET", f"cached:{i}", "x" * 100)
    c.send("MGET", *[f"cached:{i}" for i in range(50)])
    c.reply()
    try:
        r.config_set("maxmemory-policy", "allkeys-random")
        r.config_set("maxmemory", "4mb")
        pipe = r.pipeline(transaction=False)
        for i in range(40000):
            pipe.set(f"fill:{i}", "x" * 100)
            if i % 1000 == 999:
                pipe.execute()
        pipe.execute()
        got = frames(c, 0.5)
        assert got, "no invalidation for evicted keys"
        evicted = [k for k in range(50) if r.exists(f"cached:{k}") == 0]
        assert evicted
        assert sorted(got) == sorted(inval(f"cached:{k}") for k in evicted)
    finally:
        r.config_set("maxmemory", "0")
        r.config_set("maxmemory-policy", "noeviction")


def test_flushall_and_flushdb_send_a_null_invalidation_to_every_tracking_client(r, conns):
    a, b, plain, w = conns(), conns(), conns(), conns(2)
    a.cmd("CLIENT", "TRACKING", "on")
    b.cmd("CLIENT", "TRACKING", "on", "BCAST")
    a.cmd("GET", "k")
    assert w.cmd("FLUSHALL") == b"+OK\r\n"
    assert frames(a) == [inval(None)]
    assert frames(b) == [inval(None)]
    assert frames(plain, 0.1) == []
    assert info_field(r, "stats", "tracking_total_keys") == 0
    w.cmd("SELECT", "3")
    assert w.cmd("FLUSHDB") == b"+OK\r\n"  # any db: the table has no dbs
    assert frames(a) == [inval(None)]
    # The tracking client's own flush too, after its reply.
    assert a.cmd("FLUSHALL") == b"+OK\r\n"
    assert frames(a) == [inval(None)]


def test_multi_exec_writes_invalidate_after_exec_and_reads_are_tracked(r, conns):
    c, w = conns(), conns(2)
    c.cmd("CLIENT", "TRACKING", "on")
    c.cmd("MULTI")
    c.cmd("GET", "a")
    c.cmd("GET", "b")
    assert c.cmd("EXEC") == b"*2\r\n_\r\n_\r\n"
    w.cmd("MULTI")
    w.cmd("SET", "a", "1")
    w.cmd("INCR", "b")
    w.cmd("EXEC")
    assert sorted(frames(c)) == sorted([inval("a"), inval("b")])
    # Its own transaction: the pushes follow EXEC's reply.
    c.cmd("GET", "a")
    c.send("MULTI")
    c.send("SET", "a", "2")
    c.send("EXEC")
    assert c.reply() == b"+OK\r\n"
    assert c.reply() == b"+QUEUED\r\n"
    assert c.reply() == b"*1\r\n+OK\r\n"
    assert frames(c) == [inval("a")]


def test_scripts_reads_are_tracked_and_writes_invalidate(r, conns):
    c, w = conns(), conns(2)
    c.cmd("CLIENT", "TRACKING", "on")
    assert c.cmd("EVAL", "return redis.call('GET', KEYS[1])", "1", "s") == b"_\r\n"
    w.cmd("EVAL", "redis.call('SET', KEYS[1], 'v')", "1", "s")
    assert frames(c) == [inval("s")]
    # EVAL_RO's declared keys are not tracked, the GET it runs is.
    c.cmd("EVAL_RO", "return 1", "1", "s")
    w.cmd("SET", "s", "x")
    assert frames(c, 0.2) == []
    # NOLOOP applies to the writes of the client's own scripts.
    c.cmd("CLIENT", "TRACKING", "on", "NOLOOP")
    c.cmd("GET", "s")
    c.cmd("EVAL", "redis.call('SET', KEYS[1], 'y')", "1", "s")
    assert frames(c, 0.2) == []


def test_closed_tracking_client_is_never_sent_to(r, server, conns):
    live = conns()  # some client tracks, so writes consult the table
    live.cmd("CLIENT", "TRACKING", "on")
    for _ in range(20):
        c = resp3(server)
        c.cmd("CLIENT", "TRACKING", "on")
        c.cmd("MGET", *[f"gone:{i}" for i in range(20)])
        c.close()
    time.sleep(0.2)
    assert info_field(r, "clients", "tracking_clients") == 1
    assert info_field(r, "stats", "tracking_total_items") == 400
    # The table still names the closed clients; writes skip them.
    pipe = r.pipeline(transaction=False)
    for i in range(20):
        pipe.set(f"gone:{i}", "v")
    pipe.execute()
    assert info_field(r, "stats", "tracking_total_keys") == 0
    assert frames(live, 0.2) == []
    assert server.alive()
    assert r.ping()


def test_closing_during_a_stream_of_writes(r, server):
    """Writers keep invalidating while tracking clients come and go."""
    stop = time.time() + 1.0
    writer = server.client()
    n = 0
    while time.time() < stop:
        c = resp3(server)
        c.cmd("CLIENT", "TRACKING", "on")
        c.cmd("GET", "hot")
        writer.set("hot", n)
        n += 1
        c.close()
    assert server.alive()
    assert writer.ping()


# ----------------------------------------------------------------- REDIRECT


def test_redirect_to_resp2_subscriber(r, conns):
    sub, c, w = conns(2), conns(2), conns(2)
    sid = client_id(sub)
    assert sub.cmd("SUBSCRIBE", "__redis__:invalidate").startswith(b"*3")
    assert c.cmd("CLIENT", "TRACKING", "on", "REDIRECT", sid) == b"+OK\r\n"
    assert c.cmd("CLIENT", "GETREDIR") == b":%d\r\n" % sid
    c.cmd("GET", "k")
    w.cmd("SET", "k", "v")
    assert frames(sub) == [message("k")]
    assert frames(c, 0.1) == []
    c.cmd("GET", "k")
    w.cmd("FLUSHALL")
    assert frames(sub) == [message(None)]


def test_redirect_with_redis_py_pubsub(r, server):
    p = server.client().pubsub()
    p.subscribe("__redis__:invalidate")
    p.get_message(timeout=1)
    sid = [c["id"] for c in r.client_list() if c["cmd"] == "subscribe"][0]
    tracker = server.client(single_connection_client=True)
    tracker.execute_command("CLIENT", "TRACKING", "on", "REDIRECT", sid)
    tracker.get("pykey")
    r.set("pykey", "v")
    deadline = time.time() + 5
    m = None
    while m is None and time.time() < deadline:
        m = p.get_message(timeout=0.1)
    assert m["channel"] == b"__redis__:invalidate"
    assert m["data"] == [b"pykey"]
    p.close()
    tracker.close()


def test_redirect_to_resp3_client(r, conns):
    target, c, w = conns(), conns(2), conns(2)
    c.cmd("CLIENT", "TRACKING", "on", "REDIRECT", client_id(target))
    c.cmd("GET", "k")
    w.cmd("SET", "k", "v")
    assert frames(target) == [inval("k")]


def test_redirect_to_resp2_client_without_subscriptions_is_silent(r, conns):
    target, c, w = conns(2), conns(2), conns(2)
    c.cmd("CLIENT", "TRACKING", "on", "REDIRECT", client_id(target))
    c.cmd("GET", "k")
    assert info_field(r, "stats", "tracking_total_keys") == 1
    w.cmd("SET", "k", "v")
    assert info_field(r, "stats", "tracking_total_keys") == 0  # invalidated, not delivered
    assert frames(target, 0.2) == []
    assert frames(c, 0.1) == []
    assert target.cmd("PING") == b"+PONG\r\n"


def test_broken_redirect(r, server, conns):
    target = conns()
    tid = client_id(target)
    c, w = conns(), conns(2)
    c.cmd("CLIENT", "TRACKING", "on", "REDIRECT", tid)
    target.close()
    time.sleep(0.1)
    c.cmd("GET", "k")
    w.cmd("SET", "k", "v")
    assert frames(c) == [b">2\r\n$21\r\ntracking-redir-broken\r\n:%d\r\n" % tid]
    assert c.cmd("CLIENT", "TRACKINGINFO") == (
        b"%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$15\r\nbroken_redirect\r\n"
        b"$8\r\nredirect\r\n:" + str(tid).encode() + b"\r\n$8\r\nprefixes\r\n*0\r\n")
    info = c.cmd("CLIENT", "INFO")
    assert b" flags=tR " in info and b" redir=%d " % tid in info
    # Enabling again clears it.
    c.cmd("CLIENT", "TRACKING", "on")
    assert b" flags=t " in c.cmd("CLIENT", "INFO")


# ------------------------------------------------------------- OPTIN / OPTOUT


def test_optin_tracks_only_after_caching_yes(r, conns):
    c, w = conns(), conns(2)
    assert c.cmd("CLIENT", "TRACKING", "on", "OPTIN") == b"+OK\r\n"
    c.cmd("GET", "a")
    assert c.cmd("CLIENT", "CACHING", "yes") == b"+OK\r\n"
    c.cmd("GET", "b")
    c.cmd("GET", "c")  # CACHING covered the previous command only
    w.cmd("MSET", "a", "1", "b", "1", "c", "1")
    assert frames(c) == [inval("b")]


def test_caching_survives_client_commands_and_covers_a_transaction(r, conns):
    c, w = conns(), conns(2)
    c.cmd("CLIENT", "TRACKING", "on", "OPTIN")
    c.cmd("CLIENT", "CACHING", "yes")
    assert b"caching-yes" in c.cmd("CLIENT", "TRACKINGINFO")
    c.cmd("CLIENT", "ID")
    c.cmd("MULTI")
    c.cmd("GET", "a")
    c.cmd("GET", "b")
    c.cmd("EXEC")
    assert b"caching-yes" not in c.cmd("CLIENT", "TRACKINGINFO")
    c.cmd("GET", "z")
    w.cmd("MSET", "a", "1", "b", "1", "z", "1")
    assert sorted(frames(c)) == sorted([inval("a"), inval("b")])


def test_caching_ends_with_a_refused_command_too(r, conns):
    """Redis drops CACHING after any command it reads, also one it refuses
    (unknown, wrong arity), but not after CLIENT subcommands."""
    c, w = conns(), conns(2)
    c.cmd("CLIENT", "TRACKING", "on", "OPTIN")
    c.cmd("CLIENT", "CACHING", "yes")
    assert c.cmd("NOSUCHCMD").startswith(b"-ERR unknown command")
    c.cmd("GET", "r1")
    c.cmd("CLIENT", "CACHING", "yes")
    assert c.cmd("GET").startswith(b"-ERR wrong number")
    c.cmd("GET", "r2")
    c.cmd("CLIENT", "CACHING", "yes")
    assert c.cmd("CLIENT", "GETREDIR") == b":0\r\n"
    c.cmd("GET", "r3")
    w.cmd("MSET", "r1", "1", "r2", "1", "r3", "1")
    assert frames(c) == [inval("r3")]


def test_optout_tracks_all_but_after_caching_no(r, conns):
    c, w = conns(), conns(2)
    c.cmd("CLIENT", "TRACKING", "on", "OPTOUT")
    c.cmd("GET", "a")
    assert c.cmd("CLIENT", "CACHING", "no") == b"+OK\r\n"
    assert b"caching-no" in c.cmd("CLIENT", "TRACKINGINFO")
    c.cmd("GET", "b")
    c.cmd("GET", "c")
    w.cmd("MSET", "a", "1", "b", "1", "c", "1")
    assert sorted(frames(c)) == sorted([inval("a"), inval("c")])


# ---------------------------------------------------------------------- BCAST


def test_bcast_prefixes(r, conns):
    c, w = conns(), conns(2)
    assert c.cmd("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:", "PREFIX",
                 "obj") == b"+OK\r\n"
    assert info_field(r, "stats", "tracking_total_prefixes") == 2
    c.cmd("GET", "user:1")  # BCAST keeps no table
    assert info_field(r, "stats", "tracking_total_keys") == 0
    w.cmd("SET", "user:9", "v")
    w.cmd("SET", "other", "v")
    w.cmd("SET", "object", "v")
    assert frames(c) == [inval("user:9"), inval("object")]


def test_bcast_without_prefix_gets_every_key_and_noloop(r, conns):
    c, w = conns(), conns(2)
    c.cmd("CLIENT", "TRACKING", "on", "BCAST", "NOLOOP")
    c.cmd("SET", "mine", "v")
    w.cmd("SET", "theirs", "v")
    assert frames(c) == [inval("theirs")]
    assert c.cmd("CLIENT", "TRACKINGINFO") == (
        b"%3\r\n$5\r\nflags\r\n~3\r\n$2\r\non\r\n$5\r\nbcast\r\n$6\r\nnoloop\r\n"
        b"$8\r\nredirect\r\n:0\r\n$8\r\nprefixes\r\n*1\r\n$0\r\n\r\n")


def test_bcast_prefixes_add_up_and_leave_with_the_client(r, server, conns):
    c = conns(2)
    c.cmd("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "c")
    c.cmd("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "ab", "PREFIX", "b")
    assert c.cmd("CLIENT", "TRACKINGINFO") == (
        b"*6\r\n$5\r\nflags\r\n*2\r\n$2\r\non\r\n$5\r\nbcast\r\n$8\r\nredirect\r\n:0\r\n"
        b"$8\r\nprefixes\r\n*3\r\n$2\r\nab\r\n$1\r\nb\r\n$1\r\nc\r\n")
    assert b" flags=tB " in c.cmd("CLIENT", "INFO")
    assert info_field(r, "stats", "tracking_total_prefixes") == 3
    c.close()
    time.sleep(0.1)
    assert info_field(r, "stats", "tracking_total_prefixes") == 0
    assert info_field(r, "clients", "tracking_clients") == 0


def test_bcast_sends_one_message_per_prefix_for_the_keys_of_a_command(r, conns):
    """As Redis: what one command changes goes out together, per prefix (in
    byte order), keys in byte order and each once; NOLOOP drops the client's
    own keys from its copy."""
    c, mine, w = conns(), conns(), conns(2)
    c.cmd("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "b", "PREFIX", "a")
    mine.cmd("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a", "NOLOOP")
    w.cmd("MSET", "b1", "1", "a2", "1", "c1", "1", "a1", "1")
    assert frames(c) == [inval("a1", "a2"), inval("b1")]
    assert frames(mine) == [inval("a1", "a2")]
    w.cmd("MULTI")
    w.cmd("SET", "a9", "x")
    w.cmd("SET", "a1", "y")
    w.cmd("DEL", "a9")
    assert w.cmd("EXEC") == b"*3\r\n+OK\r\n+OK\r\n:1\r\n"
    assert frames(c) == [inval("a1", "a9")]
    assert frames(mine) == [inval("a1", "a9")]
    # A script of the NOLOOP client: the others' keys only.
    mine.cmd("EVAL", "redis.call('SET', KEYS[1], 1) redis.call('SET', KEYS[2], 1)", "2", "a5", "b5")
    assert frames(c) == [inval("a5"), inval("b5")]
    assert frames(mine, 0.2) == []
    mine.cmd("MSET", "a6", "1", "a7", "1")
    w.cmd("SET", "a8", "1")
    assert frames(mine) == [inval("a8")]


# ------------------------------------------------------------------- errors


ERRORS = [
    (["CLIENT", "TRACKING", "on", "PREFIX", "a"],
     b"-ERR PREFIX option requires BCAST mode to be enabled\r\n"),
    (["CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"],
     b"-ERR You can't specify both OPTIN mode and OPTOUT mode\r\n"),
    (["CLIENT", "TRACKING", "on", "BCAST", "OPTIN"],
     b"-ERR OPTIN and OPTOUT are not compatible with BCAST\r\n"),
    (["CLIENT", "TRACKING", "on", "BCAST", "OPTOUT"],
     b"-ERR OPTIN and OPTOUT are not compatible with BCAST\r\n"),
    (["CLIENT", "TRACKING", "on", "REDIRECT", "999999"],
     b"-ERR The client ID you want redirect to does not exist\r\n"),
    (["CLIENT", "TRACKING", "on", "REDIRECT", "0"],
     b"-ERR The client ID you want redirect to does not exist\r\n"),
    (["CLIENT", "TRACKING", "on", "REDIRECT", "-1"],
     b"-ERR The client ID you want redirect to does not exist\r\n"),
    (["CLIENT", "TRACKING", "off", "REDIRECT", "999999"],
     b"-ERR The client ID you want redirect to does not exist\r\n"),
    (["CLIENT", "TRACKING", "on", "REDIRECT", "x"],
     b"-ERR value is not an integer or out of range\r\n"),
    (["CLIENT", "TRACKING", "on", "REDIRECT", "99999999999999999999999"],
     b"-ERR value is not an integer or out of range\r\n"),
    (["CLIENT", "TRACKING", "on", "OPTOUT", "OPTIN", "BCAST"],
     b"-ERR OPTIN and OPTOUT are not compatible with BCAST\r\n"),
    (["CLIENT", "TRACKING", "maybe", "BCAST"], b"-ERR syntax error\r\n"),
    (["CLIENT", "TRACKING", "off", "foo"], b"-ERR syntax error\r\n"),
    (["CLIENT", "TRACKING", "maybe"], b"-ERR syntax error\r\n"),
    (["CLIENT", "TRACKING", "on", "foo"], b"-ERR syntax error\r\n"),
    (["CLIENT", "TRACKING", "on", "REDIRECT"], b"-ERR syntax error\r\n"),
    (["CLIENT", "TRACKING", "on", "PREFIX"], b"-ERR syntax error\r\n"),
    (["CLIENT", "TRACKING"], b"-ERR wrong number of arguments for 'client|tracking' command\r\n"),
    (["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "ab", "PREFIX", "a"],
     b"-ERR Prefix 'ab' overlaps with another provided prefix 'a'. "
     b"Prefixes for a single client must not overlap.\r\n"),
    (["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a", "PREFIX", "a"],
     b"-ERR Prefix 'a' overlaps with another provided prefix 'a'. "
     b"Prefixes for a single client must not overlap.\r\n"),
    (["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a", "PREFIX", ""],
     b"-ERR Prefix 'a' overlaps with another provided prefix ''. "
     b"Prefixes for a single client must not overlap.\r\n"),
    # Error texts are one line: a newline in the prefix shows as a space.
    (["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a\nb", "PREFIX", "a"],
     b"-ERR Prefix 'a b' overlaps with another provided prefix 'a'. "
     b"Prefixes for a single client must not overlap.\r\n"),
    (["CLIENT", "CACHING", "yes"],
     b"-ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN "
     b"or OPTOUT mode enabled\r\n"),
    (["CLIENT", "CACHING"], b"-ERR wrong number of arguments for 'client|caching' command\r\n"),
    (["CLIENT", "GETREDIR", "x"],
     b"-ERR wrong number of arguments for 'client|getredir' command\r\n"),
]


@pytest.mark.parametrize("cmd,err", ERRORS, ids=[" ".join(c[1:4]) for c, _ in ERRORS])
def test_errors(conns, cmd, err):
    c = conns(2)
    assert c.cmd(*cmd) == err
    assert c.cmd("CLIENT", "GETREDIR") == b":-1\r\n"  # nothing was enabled


def test_errors_that_depend_on_the_current_mode(r, conns):
    c = conns(2)
    sid = client_id(conns(2))
    assert c.cmd("CLIENT", "TRACKING", "on", "REDIRECT", sid, "REDIRECT", sid) == (
        b"-ERR A client can only redirect to a single other client\r\n")
    c.cmd("CLIENT", "TRACKING", "on")
    assert c.cmd("CLIENT", "TRACKING", "on", "BCAST") == (
        b"-ERR You can't switch BCAST mode on/off before disabling tracking for this client, "
        b"and then re-enabling it with a different mode.\r\n")
    assert c.cmd("CLIENT", "CACHING", "yes") == (
        b"-ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.\r\n")
    assert c.cmd("CLIENT", "CACHING", "no") == (
        b"-ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.\r\n")
    c.cmd("CLIENT", "TRACKING", "on", "OPTIN")
    assert c.cmd("CLIENT", "CACHING", "maybe") == b"-ERR syntax error\r\n"
    assert c.cmd("CLIENT", "TRACKING", "on", "OPTOUT") == (
        b"-ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, "
        b"and then re-enabling it with a different mode.\r\n")
    c.cmd("CLIENT", "TRACKING", "off")
    c.cmd("CLIENT", "TRACKING", "on", "BCAST")
    assert c.cmd("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a") == (
        b"-ERR Prefix 'a' overlaps with an existing prefix ''. "
        b"Prefixes for a single client must not overlap.\r\n")
    assert c.cmd("CLIENT", "TRACKING", "off") == b"+OK\r\n"
    # PREFIX without BCAST is only checked for ON.
    assert c.cmd("CLIENT", "TRACKING", "off", "PREFIX", "a") == b"+OK\r\n"
    c.cmd("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "ab")
    assert c.cmd("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "ab") == (
        b"-ERR Prefix 'ab' overlaps with an existing prefix 'ab'. "
        b"Prefixes for a single client must not overlap.\r\n")
    assert c.cmd("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "abc") == (
        b"-ERR Prefix 'abc' overlaps with an existing prefix 'ab'. "
        b"Prefixes for a single client must not overlap.\r\n")


# ------------------------------------------------ introspection: replies, INFO


def test_getredir_and_trackinginfo(r, conns):
    c = conns(2)
    assert c.cmd("CLIENT", "GETREDIR") == b":-1\r\n"
    assert c.cmd("CLIENT", "TRACKINGINFO") == (
        b"*6\r\n$5\r\nflags\r\n*1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n"
        b"$8\r\nprefixes\r\n*0\r\n")
    c.cmd("CLIENT", "TRACKING", "on")
    assert c.cmd("CLIENT", "GETREDIR") == b":0\r\n"
    t = conns(2)
    tid = client_id(t)
    c.cmd("CLIENT", "TRACKING", "on", "REDIRECT", tid, "NOLOOP")
    assert c.cmd("CLIENT", "GETREDIR") == b":%d\r\n" % tid
    assert c.cmd("CLIENT", "TRACKINGINFO") == (
        b"*6\r\n$5\r\nflags\r\n*2\r\n$2\r\non\r\n$6\r\nnoloop\r\n$8\r\nredirect\r\n:"
        + str(tid).encode() + b"\r\n$8\r\nprefixes\r\n*0\r\n")
    c.cmd("CLIENT", "TRACKING", "off")
    assert c.cmd("CLIENT", "GETREDIR") == b":-1\r\n"
    c.cmd("CLIENT", "TRACKING", "on", "OPTIN")
    c.cmd("CLIENT", "CACHING", "yes")
    c3 = conns()
    c3.cmd("CLIENT", "TRACKING", "on", "OPTIN")
    c3.cmd("CLIENT", "CACHING", "yes")
    assert c3.cmd("CLIENT", "TRACKINGINFO") == (
        b"%3\r\n$5\r\nflags\r\n~3\r\n$2\r\non\r\n$5\r\noptin\r\n$11\r\ncaching-yes\r\n"
        b"$8\r\nredirect\r\n:0\r\n$8\r\nprefixes\r\n*0\r\n")


def test_client_list_flags_and_redir(r, conns):
    c, t = conns(2), conns(2)
    tid = client_id(t)
    assert b" flags=N " in c.cmd("CLIENT", "INFO")
    assert b" redir=-1 " in c.cmd("CLIENT", "INFO")
    c.cmd("CLIENT", "TRACKING", "on", "REDIRECT", tid)
    cid = client_id(c)
    line = [l for l in r.execute_command("CLIENT", "LIST").decode().splitlines()
            if l.startswith(f"id={cid} ")][0]
    assert " flags=t " in line and f" redir={tid} " in line


def test_info_tracking_fields(r, conns):
    a, b = conns(), conns()
    a.cmd("CLIENT", "TRACKING", "on")
    b.cmd("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "p")
    a.cmd("MGET", "x", "y")
    b.cmd("GET", "x")
    c = conns()
    c.cmd("CLIENT", "TRACKING", "on")
    c.cmd("GET", "x")
    assert info_field(r, "clients", "tracking_clients") == 3
    stats = r.info("stats")
    assert stats["tracking_total_keys"] == 2
    assert stats["tracking_total_items"] == 3
    assert stats["tracking_total_prefixes"] == 1


def test_reset_turns_tracking_off(r, conns):
    c, w = conns(), conns(2)
    c.cmd("CLIENT", "TRACKING", "on", "BCAST")
    assert c.cmd("RESET") == b"+RESET\r\n"
    assert c.cmd("CLIENT", "GETREDIR") == b":-1\r\n"
    w.cmd("SET", "k", "v")
    assert frames(c, 0.2) == []
    assert info_field(r, "clients", "tracking_clients") == 0


# --------------------------------------------------- tracking-table-max-keys


def test_table_is_bounded_and_evicted_keys_are_invalidated(r, conns):
    assert r.config_get("tracking-table-max-keys") == {"tracking-table-max-keys": "1000000"}
    r.config_set("tracking-table-max-keys", "10")
    c = conns()
    c.cmd("CLIENT", "TRACKING", "on")
    for i in range(40):
        c.send("GET", f"bounded:{i}")
    got = [f for f in frames(c) if f.startswith(b">")]
    keys = info_field(r, "stats", "tracking_total_keys")
    assert keys <= 11  # enforced before each tracked read, as Redis
    assert len(got) == 40 - keys
    # The keys still tracked are invalidated by a write, the dropped ones not.
    pipe = r.pipeline(transaction=False)
    for i in range(40):
        pipe.set(f"bounded:{i}", "v")
    pipe.execute()
    assert len([f for f in frames(c) if f.startswith(b">")]) == keys
    with pytest.raises(Exception):
        r.config_set("tracking-table-max-keys", "-1")
