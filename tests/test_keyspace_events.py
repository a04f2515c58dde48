"""Keyspace notifications, differential: the same commands against
redis-server (7.0.x, the Debian package) and Shoal, each with a client
PSUBSCRIBEd to '__key*__:*', and the (channel, message) sequence each command
publishes compared one command at a time.

After every command the driving client PUBLISHes to a marker channel the
subscriber also listens on; everything received before the marker is what
that command published. Both servers run with notify-keyspace-events set per
case ("KEA" unless the case says otherwise: n and m are not part of A).

To see the differences without pytest's formatting:
  SHOAL_BIN=build/shoal /usr/bin/python3 tests/test_keyspace_events.py [case...]
"""
import os
import shutil
import sys
import time

import pytest
import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conftest import ShoalServer  # noqa: E402
from test_differential import RedisServer  # noqa: E402

REDIS_SERVER = shutil.which("redis-server")
MARKER = b"kse-test-marker"

# Each case: (name, flags, [command, ...]); a command is a string split on
# spaces, or a list when an argument holds spaces. "!blpop ..." style entries
# are sent by a second client that blocks (see _run_case).
CASES = [
    ("set", "KEA", [
        "SET s v", "SET s v NX", "SET s w XX", "SET s v EX 100", "SET s v PX 100000",
        "SET s v KEEPTTL", "SET s x GET", "SET s2 v XX", "SET s2 v NX GET",
        "SETNX s v", "SETNX s3 v", "SETEX s 100 v", "PSETEX s 100000 v",
        "SET s v EXAT 4000000000", "SET s v PXAT 4000000000000",
        "SET s v EX 0", "SET s v EX -1", "GETSET s v2", "GETSET s4 v",
    ]),
    ("mset", "KEA", [
        "MSET a 1 b 2 c 3", "MSETNX a 1 d 4", "MSETNX d 4 e 5", "MSET a 1 a 2",
    ]),
    ("string-mutators", "KEA", [
        "APPEND s hello", "APPEND s world", "INCR n", "INCRBY n 5", "DECR n", "DECRBY n 2",
        "INCRBYFLOAT f 1.5", "INCRBYFLOAT f 2", "INCR s", "SETRANGE r 3 abc",
        "SETRANGE r 0 x", "SETRANGE missing 0 ''", "SETRANGE r 1 ''", "SET e ''",
        "APPEND e ''", "INCRBYFLOAT n 1e400",
    ]),
    ("getdel-getex", "KEA", [
        "SET k v", "GETDEL k", "GETDEL k", "SET k v", "GETEX k", "GETEX k EX 100",
        "GETEX k PX 100000", "GETEX k EXAT 4000000000", "GETEX k PERSIST", "GETEX k PERSIST",
        "GETEX missing EX 10", "GETEX k EX 0", "GETEX k PXAT 1", "EXISTS k",
    ]),
    ("expire", "KEA", [
        "SET k v", "EXPIRE k 100", "PEXPIRE k 100000", "EXPIREAT k 4000000000",
        "PEXPIREAT k 4000000000000", "EXPIRE k 50 NX", "EXPIRE k 50 XX", "EXPIRE k 500 GT",
        "EXPIRE k 10 GT", "EXPIRE k 10 LT", "PERSIST k", "PERSIST k", "EXPIRE missing 10",
        "EXPIRE k -1", "SET k v", "PEXPIRE k 0", "SET k v", "EXPIREAT k 1",
        "SET k v", "PEXPIREAT k 1", "EXISTS k",
    ]),
    ("del-unlink", "KEA", [
        "MSET a 1 b 2 c 3", "DEL a", "DEL a", "DEL b c missing", "MSET a 1 b 2",
        "UNLINK a b missing", "LPUSH l x", "DEL l",
    ]),
    ("rename-move-copy", "KEA", [
        "SET a 1", "RENAME a b", "RENAME missing x", "SET a 2", "RENAMENX a b",
        "RENAMENX b c", "RENAME c c", "SET t v EX 100", "RENAME t u",
        "MOVE u 1", "MOVE missing 1", "SET u v", "SELECT 1", "SET u w", "SELECT 0",
        "MOVE u 1", "COPY c d", "COPY c d", "COPY c d REPLACE", "COPY c e DB 1",
        "COPY missing x", "RPUSH l a b", "COPY l l2", "SELECT 1", "FLUSHDB", "SELECT 0",
    ]),
    ("dump-restore", "KEA", [
        # RESTORE payloads are fetched from redis at run time (see _run_case)
        "SET src hello", "!restore src dst 0", "!restore src dst 0 REPLACE",
        "!restore src dst2 100000", "!restore src dst 0",
    ]),
    ("sort-store", "KEA", [
        "RPUSH l 3 1 2", "SORT l STORE out", "SORT l STORE out", "SORT missing STORE out",
        "SORT missing STORE out", "SADD s 9 8", "SORT s STORE s", "SORT_RO l",
    ]),
    ("lists", "KEA", [
        "LPUSH l a", "LPUSH l b c", "RPUSH l d", "LPUSHX l e", "RPUSHX l f", "LPUSHX nx a",
        "RPUSHX nx a", "LINSERT l BEFORE a z", "LINSERT l BEFORE nothere z",
        "LINSERT nx BEFORE a z", "LSET l 0 q", "LPOP l", "RPOP l 2", "LPOP nx",
        "LREM l 0 nothere", "LREM l 1 a", "LTRIM l 0 0", "LTRIM l 5 10", "LTRIM nx 0 1",
        "RPUSH l a b c", "LMOVE l l2 LEFT RIGHT", "RPOPLPUSH l l2", "LMOVE l l LEFT LEFT",
        "LMOVE l l2 LEFT LEFT", "LMOVE nx l2 LEFT LEFT", "LMPOP 2 nx l2 LEFT COUNT 2",
        "LMPOP 1 l2 RIGHT COUNT 5", "RPUSH l a b", "LPOP l 5", "RPUSH l a", "LREM l 0 a",
        "RPUSH l a b", "LPOP l 0", "LPOP l", "RPOP l",
    ]),
    ("lists-blocking-nonblocked", "KEA", [
        "RPUSH l a b c", "BLPOP l 1", "BRPOP l 1", "BLMOVE l l2 RIGHT LEFT 1",
        "BRPOPLPUSH l2 l 1", "BLMPOP 1 1 l LEFT COUNT 3", "RPUSH l a", "BLMPOP 1 1 l RIGHT",
    ]),
    ("hashes", "KEA", [
        "HSET h a 1", "HSET h a 1 b 2", "HSETNX h a 1", "HSETNX h c 3", "HMSET h d 4",
        "HINCRBY h n 1", "HINCRBYFLOAT h f 1.5", "HDEL h nothere", "HDEL h a b",
        "HDEL h c d n f", "HDEL missing a", "HSET h x 1", "HGETDEL h x",
    ]),
    ("sets", "KEA", [
        "SADD s a b c", "SADD s a", "SREM s nothere", "SREM s a", "SPOP s", "SPOP s 0",
        "SADD s a b c d", "SPOP s 2", "SPOP s 10", "SPOP missing", "SADD s a b",
        "SMOVE s t a", "SMOVE s t nothere", "SMOVE s t b", "SADD s a", "SADD t a",
        "SMOVE s t a", "SADD x 1 2 3", "SADD y 2 3 4", "SINTERSTORE d x y",
        "SUNIONSTORE d x y", "SDIFFSTORE d x y", "SINTERSTORE d x missing",
        "SINTERSTORE d x missing", "SDIFFSTORE x x x", "SREM y 2 3 4",
        "SADD y 1", "SMOVE y y 1", "SINTERCARD 1 y", "SADD one x", "SPOP one",
    ]),
    ("zsets", "KEA", [
        "ZADD z 1 a 2 b 3 c", "ZADD z 1 a", "ZADD z NX 5 a", "ZADD z XX 5 a",
        "ZADD z XX 1 nothere", "ZADD z INCR 1 a", "ZADD z GT 1 a", "ZINCRBY z 1 b",
        "ZREM z nothere", "ZREM z a", "ZADD z 4 d 5 e 6 f", "ZREMRANGEBYSCORE z 100 200",
        "ZREMRANGEBYSCORE z 2 2", "ZREMRANGEBYRANK z 0 0", "ZREMRANGEBYRANK z 10 20",
        "ZADD lex 0 a 0 b 0 c", "ZREMRANGEBYLEX lex [a [b", "ZREMRANGEBYLEX lex - +",
        "ZPOPMIN z", "ZPOPMAX z 5", "ZPOPMIN z", "ZADD z 1 a 2 b", "ZMPOP 1 z MIN",
        "ZMPOP 2 nx z MAX COUNT 5", "ZADD z 1 a 2 b", "BZPOPMIN z 1", "BZPOPMAX z 1",
        "ZADD z 1 a 2 b", "BZMPOP 1 1 z MIN COUNT 10", "ZADD z 1 a 2 b 3 c",
        "ZADD y 2 b 3 c 4 d", "ZUNIONSTORE u 2 z y", "ZINTERSTORE i 2 z y",
        "ZDIFFSTORE df 2 z y", "ZINTERSTORE i 2 z missing", "ZINTERSTORE i 2 z missing",
        "ZRANGESTORE rs z 0 1", "ZRANGESTORE rs z 10 20", "ZRANGESTORE rs z 10 20",
        "ZREM z a b c",
    ]),
    ("streams", "KEA", [
        "XADD s 1-1 a 1", "XADD s 2-1 b 2", "XADD s MAXLEN 1 3-1 c 3", "XADD s MAXLEN 5 4-1 d 4",
        "XADD s NOMKSTREAM 5-1 e 5", "XADD nx NOMKSTREAM * e 5", "XTRIM s MAXLEN 10",
        "XTRIM s MAXLEN 1", "XDEL s 1-1", "XDEL s 4-1", "XADD s 6-1 f 6", "XSETID s 10-1",
        "XGROUP CREATE s g 0", "XGROUP CREATE s g 0", "XGROUP CREATE m g $ MKSTREAM",
        "XGROUP CREATECONSUMER s g c1", "XGROUP CREATECONSUMER s g c1",
        "XGROUP SETID s g 0", "XREADGROUP GROUP g c2 COUNT 1 STREAMS s >",
        "XREADGROUP GROUP g c2 COUNT 1 STREAMS s >", "XACK s g 6-1",
        "XCLAIM s g c3 0 6-1", "XAUTOCLAIM s g c4 0 0", "XGROUP DELCONSUMER s g c1",
        "XGROUP DELCONSUMER s g nobody", "XGROUP DESTROY s g", "XGROUP DESTROY s g",
        "XDEL s 6-1", "XTRIM s MAXLEN 0", "EXISTS s",
    ]),
    ("geo", "KEA", [
        "GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
        "GEOADD g 13.361389 38.115556 Palermo", "GEOADD g XX 1 1 nothere",
        "GEOSEARCHSTORE d g FROMLONLAT 15 37 BYRADIUS 200 km ASC",
        "GEOSEARCHSTORE d g FROMLONLAT 15 37 BYRADIUS 200 km ASC STOREDIST",
        "GEOSEARCHSTORE d g FROMLONLAT 0 0 BYRADIUS 1 km ASC",
        "GEOSEARCHSTORE d g FROMLONLAT 0 0 BYRADIUS 1 km ASC",
        "GEORADIUS g 15 37 200 km STORE d", "GEORADIUS g 15 37 200 km STOREDIST d",
        "GEORADIUSBYMEMBER g Palermo 200 km STORE d", "ZREM g Palermo",
    ]),
    ("bitmaps-hll", "KEA", [
        "SETBIT b 7 1", "SETBIT b 7 1", "SETBIT b 7 0", "BITFIELD bf SET u8 0 255",
        "BITFIELD bf GET u8 0", "BITFIELD bf INCRBY u8 0 1", "BITFIELD bf OVERFLOW FAIL INCRBY u8 0 300",
        "BITFIELD_RO bf GET u8 0", "SET x abc", "BITOP AND d x b", "BITOP OR d missing",
        "BITOP OR d missing", "BITOP NOT d x", "PFADD h a b", "PFADD h a", "PFADD h2",
        "PFADD h2", "PFCOUNT h", "PFMERGE h3 h h2", "PFMERGE h3", "PFMERGE h4",
    ]),
    ("transactions", "KEA", [
        "MULTI", "SET a 1", "INCR a", "LPUSH l x", "EXPIRE a 100", "DEL l", "EXEC",
        "MULTI", "SET b 1", "DISCARD",
    ]),
    ("scripting", "KEA", [
        ["EVAL", "redis.call('set', KEYS[1], 'v'); redis.call('expire', KEYS[1], 100);"
         " redis.call('rpush', KEYS[2], 'a'); redis.call('lpop', KEYS[2]); return 1",
         "2", "k", "l"],
        ["EVAL", "return redis.pcall('incr', KEYS[1])", "1", "k"],
        ["EVAL", "redis.call('del', KEYS[1]); return redis.call('hset', KEYS[1], 'f', 'v')",
         "1", "k"],
        ["FUNCTION", "LOAD", "REPLACE", "#!lua name=kse\n"
         "redis.register_function('kse_set', function(keys, args)"
         " return redis.call('set', keys[1], args[1]) end)"],
        "FCALL kse_set 1 fk v",
    ]),
    ("new-events", "KEAn", [
        "SET a 1", "SET a 2", "APPEND b x", "INCR c", "LPUSH l x", "LPUSH l y", "SADD s a",
        "HSET h a 1", "ZADD z 1 a", "XADD x 1-1 a 1", "SETBIT bits 1 1", "PFADD hll a",
        "RENAME a a2", "COPY a2 a3", "MSET m1 1 m2 2", "LMOVE l l2 LEFT LEFT",
        "SUNIONSTORE su s", "ZUNIONSTORE zu 1 z", "RPUSH s2 1", "SORT s2 STORE so",
        "BITOP NOT bn bits", "PFMERGE pm hll", "SMOVE s s3 a", "GEOADD g 1 1 m",
        "SETRANGE sr 1 x", "INCRBYFLOAT fl 1", "GETSET gs 1", "SET gone 1", "RENAME gone a2",
        "SET ex 1 EX 100", "XGROUP CREATE xs g $ MKSTREAM", "HINCRBY hi f 1",
    ]),
    ("new-events-more", "KEAn", [
        "SET a 1", "!restore a r 0", "!restore a r 0 REPLACE", "MOVE r 1", "COPY a c DB 1",
        "COPY a c", "COPY a c REPLACE", "HSETNX h f v", "HINCRBYFLOAT hf f 1",
        "XGROUP CREATE xs g $ MKSTREAM", "BITFIELD bf SET u8 0 1", "ZINCRBY zi 1 m",
        "ZADD za INCR 1 m", "LINSERT nl BEFORE a b", "GETEX a PERSIST", "SETNX sn 1",
        "MSETNX mn 1", "SETEX se 100 v", "APPEND ap ''", "SELECT 1", "FLUSHDB", "SELECT 0",
    ]),
    ("lazy-expiry", "KEAnm", [
        # One key at a time: whether active or lazy expiry removes it, its
        # "expired" comes before the next command's events on both servers.
        "SET a 1 PX 1", "!sleep 0.05", "GET a", "SET b 1 PX 1", "!sleep 0.05", "SET b 2",
        "SET c 1 PX 1", "!sleep 0.05", "INCR c", "RPUSH l x", "PEXPIRE l 1", "!sleep 0.05",
        "LPUSH l y", "EXISTS a",
    ]),
    ("flush-swap", "KEA", [
        "SET a 1", "SELECT 1", "SET b 1", "SELECT 0", "SWAPDB 0 1", "FLUSHDB", "FLUSHALL",
    ]),
    ("scripting-reads", "KEAm", [
        ["EVAL_RO", "return redis.call('get', KEYS[1])", "1", "nx"],
        ["EVAL", "redis.call('set', KEYS[1], 'v', 'EX', 100); return redis.call('get', KEYS[1])",
         "1", "k"],
        "MULTI", "GET nx", "SET nx 1", "GETDEL nx", "EXEC",
    ]),
    ("key-miss", "KEm", [
        "GET nx", "SET a 1", "GET a", "MGET a nx nx2", "STRLEN nx", "LRANGE nx 0 -1",
        "HGET nx f", "HGETALL nx", "SMEMBERS nx", "ZRANGE nx 0 -1", "XRANGE nx - +",
        "EXISTS nx", "TYPE nx", "TTL nx", "INCR c", "APPEND d x", "GETDEL nx", "GETEX nx",
        "DUMP nx", "OBJECT ENCODING nx", "GETRANGE nx 0 1", "LLEN nx", "HLEN nx",
        "SCARD nx", "ZCARD nx", "SISMEMBER nx a", "ZSCORE nx a", "HEXISTS nx a",
    ]),
    ("class-filter", "Kl", [
        "SET a 1", "LPUSH l a", "DEL l", "LPUSH l a", "LPOP l", "EXPIRE a 10",
    ]),
    ("keyevent-only", "Eg$", [
        "SET a 1", "EXPIRE a 10", "PERSIST a", "DEL a", "LPUSH l a",
    ]),
]


def _words(cmd):
    if isinstance(cmd, list):
        return cmd
    return [w if w != "''" else "" for w in cmd.split(" ")]


class Recorder:
    """A driving client and a psubscribed listener: on one server, or (with
    `listen_on`, a replica of `srv`) the listener on the replica, which then
    alone has notifications on (the marker PUBLISH reaches it through the
    replication stream, behind the command's changes)."""

    def __init__(self, srv, flags, listen_on=None):
        self.c = srv.client(single_connection_client=True)
        self.c.execute_command("FLUSHALL")
        self.c.execute_command("FUNCTION", "FLUSH")
        self.c.execute_command("CONFIG", "SET", "notify-keyspace-events",
                               flags if listen_on is None else "")
        listener = srv if listen_on is None else listen_on
        if listen_on is not None:
            rc = listen_on.client()
            rc.execute_command("CONFIG", "SET", "notify-keyspace-events", flags)
            rc.close()
        self.p = listener.client().pubsub()
        self.p.psubscribe("__key*__:*")
        self.p.subscribe(MARKER)
        self.seq = 0
        self.in_multi = False
        confirmed, deadline = 0, time.time() + 5
        while confirmed < 2 and time.time() < deadline:
            m = self.p.get_message(timeout=0.2)
            if m is not None and m["type"] in ("subscribe", "psubscribe"):
                confirmed += 1
        if listen_on is not None:
            self._wait_for_replica_events(flags)
        self._drain_until_marker()

    def _wait_for_replica_events(self, flags):
        """A Shoal primary ships events once its replica asked for them (within
        a second of the replica's CONFIG SET): write a probe key (with a
        command of a class the flags enable) until the replica publishes its
        event, then delete it."""
        probe = ["LPUSH", "kse-probe", "1"] if "l" in flags else ["SET", "kse-probe", "1"]
        deadline = time.time() + 10
        while time.time() < deadline:
            self.c.execute_command(*probe)
            until = time.time() + 0.3
            while time.time() < until:
                m = self.p.get_message(timeout=0.1)
                if m is not None and m["type"] == "pmessage" and (
                        m["data"] == b"kse-probe" or m["channel"].endswith(b":kse-probe")):
                    self.c.execute_command("DEL", "kse-probe")
                    return
        raise AssertionError("the replica published no event within 10 s")

    def _drain_until_marker(self):
        self.seq += 1
        tag = str(self.seq).encode()
        self.c.execute_command("PUBLISH", MARKER, tag)
        got = []
        deadline = time.time() + 5
        while time.time() < deadline:
            m = self.p.get_message(timeout=0.2)
            if m is None:
                continue
            if m["type"] == "message" and m["channel"] == MARKER:
                if m["data"] == tag:
                    return got
                continue
            if m["type"] == "pmessage":
                got.append((m["channel"].decode(), m["data"].decode()))
        raise AssertionError("marker not received within 5 s")

    def run(self, words):
        try:
            reply = self.c.execute_command(*words)
        except (redis.ResponseError, KeyError, TypeError, ValueError):
            reply = "ERR"  # an error reply, or one redis-py cannot parse
        name = words[0].upper()
        if name == "MULTI":
            self.in_multi = True
        elif name in ("EXEC", "DISCARD"):
            self.in_multi = False
        if self.in_multi:  # a PUBLISH would be queued too: collect at EXEC
            return reply, []
        return reply, self._drain_until_marker()

    def close(self):
        self.c.execute_command("CONFIG", "SET", "notify-keyspace-events", "")
        self.p.close()
        self.c.close()


def _run_case(srv, ref_client, flags, cmds):
    rec = Recorder(srv, flags)
    out = []
    try:
        for cmd in cmds:
            if isinstance(cmd, str) and cmd.startswith("!restore "):
                # "!restore <src> <dst> <ttl> [REPLACE]": the payload comes
                # from the reference server's DUMP (one format for both).
                _, src, dst, ttl, *rest = cmd.split(" ")
                payload = ref_client.execute_command("DUMP", src)
                words = ["RESTORE", dst, ttl, payload] + rest
            elif isinstance(cmd, str) and cmd.startswith("!sleep "):
                time.sleep(float(cmd.split(" ")[1]))
                out.append((cmd, []))
                continue
            else:
                words = _words(cmd)
            out.append((cmd, rec.run(words)[1]))
    finally:
        rec.close()
    return out


def _diff(name, flags, cmds, reference, shoal):
    ref_client = reference.client()
    a = _run_case(reference, ref_client, flags, cmds)
    b = _run_case(shoal, ref_client, flags, cmds)
    ref_client.close()
    lines = []
    for (cmd, ea), (_, eb) in zip(a, b):
        if ea != eb:
            lines.append(f"{cmd!r}:\n    redis: {ea}\n    shoal: {eb}")
    return lines


@pytest.fixture(scope="module")
def servers():
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    reference = RedisServer()
    try:
        shoal = ShoalServer()
    except Exception:
        reference.stop()
        raise
    yield reference, shoal
    reference.stop()
    assert shoal.alive(), "shoal crashed during the keyspace-events test"
    shoal.stop()


@pytest.mark.parametrize("name,flags,cmds", CASES, ids=[c[0] for c in CASES])
def test_same_events_as_redis(servers, name, flags, cmds):
    reference, shoal = servers
    lines = _diff(name, flags, cmds, reference, shoal)
    assert not lines, "events differ from redis-server:\n" + "\n".join(lines)


# ---------------------------------------------------------------------------
# On a replica: the primary runs the commands with notifications off, its
# replica (notify-keyspace-events set there) publishes. A Redis replica runs
# the commands its primary propagates; Shoal's primary ships each change's
# events with the keys' states (docs/keyspace-events.md).

# SPOP is the one command whose events differ on a Redis replica from its
# primary's: it propagates as one SREM per popped member (a DEL when a count
# takes the whole set); Shoal's primary ships those events in its place
# (NotifyShippedAs), and the "sets" case checks them.


def _attach(replica, primary):
    c = replica.client()
    c.execute_command("REPLICAOF", "127.0.0.1", primary.port)
    deadline = time.time() + 20
    while time.time() < deadline:
        info = c.info("replication")
        if info.get("master_link_status") == "up" and not info.get("master_sync_in_progress"):
            c.close()
            return
        time.sleep(0.05)
    raise AssertionError("replica did not sync")


@pytest.fixture(scope="module")
def replica_pairs():
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    started = []
    try:
        for make in (RedisServer, RedisServer, ShoalServer, ShoalServer):
            started.append(make())
        _attach(started[1], started[0])
        _attach(started[3], started[2])
        yield (started[0], started[1]), (started[2], started[3])
    finally:
        for s in started[2:]:
            assert s.alive(), "shoal crashed during the replica keyspace-events test"
        for s in started:
            s.stop()


# Cases whose commands only read (keymiss is raised by a server's own
# clients' reads) or need a second client or the reference's DUMP.
REPLICA_SKIPPED = {"key-miss", "scripting-reads", "lists-blocking-nonblocked", "dump-restore",
                   "lazy-expiry"}
REPLICA_CASES = [c for c in CASES if c[0] not in REPLICA_SKIPPED]


def _replica_run(pair, flags, cmds):
    rec = Recorder(pair[0], flags, listen_on=pair[1])
    out = []
    try:
        for cmd in cmds:
            if isinstance(cmd, str) and cmd.startswith("!"):
                continue
            out.append((cmd, rec.run(_words(cmd))[1]))
    finally:
        rec.close()
    return out


@pytest.mark.parametrize("name,flags,cmds", REPLICA_CASES, ids=[c[0] for c in REPLICA_CASES])
def test_replica_publishes_the_events_a_redis_replica_does(replica_pairs, name, flags, cmds):
    reference, shoal = replica_pairs
    a = _replica_run(reference, flags, cmds)
    b = _replica_run(shoal, flags, cmds)
    lines = [f"{cmd!r}:\n    redis replica: {ea}\n    shoal replica: {eb}"
             for (cmd, ea), (_, eb) in zip(a, b) if ea != eb]
    assert not lines, "replica events differ from a redis-server replica's:\n" + "\n".join(lines)
    # The replica did publish (not a case where both stayed silent).
    assert any(eb for _, eb in b)


def _expiry_events_on_replica(pair):
    rec = Recorder(pair[0], "KEA", listen_on=pair[1])
    try:
        rec.run(["SET", "gone", "v", "PX", "150"])
        got, deadline = [], time.time() + 5
        while time.time() < deadline and ("__keyevent@0__:del", "gone") not in got:
            m = rec.p.get_message(timeout=0.2)
            if m is not None and m["type"] == "pmessage":
                got.append((m["channel"].decode(), m["data"].decode()))
        time.sleep(0.3)  # anything after the del
        got += rec._drain_until_marker()
        return got
    finally:
        rec.close()


def test_replica_publishes_del_for_a_key_its_primary_expired(replica_pairs):
    """The primary expires the key and deletes it on its replicas: a Redis
    replica publishes "del" (never "expired"); so does Shoal's, whose own
    clock may have removed the key first."""
    reference, shoal = replica_pairs
    expected = [("__keyspace@0__:gone", "del"), ("__keyevent@0__:del", "gone")]
    assert _expiry_events_on_replica(reference) == expected
    assert _expiry_events_on_replica(shoal) == expected


def test_blocked_pop_served_by_push(servers):
    """A push that serves a parked BLPOP/BLMOVE: the push's event, then the
    pop's (and the move's push), then del when the list is left empty."""
    results = []
    for srv in servers:
        rec = Recorder(srv, "KEA")
        try:
            for blocking, push in [
                (["BLPOP", "bl", "0"], ["RPUSH", "bl", "a"]),
                (["BLMOVE", "bl", "dst", "LEFT", "RIGHT", "0"], ["LPUSH", "bl", "a", "b"]),
                (["BZPOPMIN", "bz", "0"], ["ZADD", "bz", "1", "a"]),
                (["BLMPOP", "0", "1", "bl", "RIGHT", "COUNT", "5"], ["RPUSH", "bl", "x"]),
                (["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "xs", ">"],
                 ["XADD", "xs", "*", "f", "v"]),
            ]:
                if blocking[0] == "XREADGROUP":
                    rec.run(["XGROUP", "CREATE", "xs", "g", "$", "MKSTREAM"])
                waiter = srv.client(single_connection_client=True)
                conn = waiter.connection
                conn.send_command(*blocking)
                deadline = time.time() + 5
                while time.time() < deadline:
                    clients = rec.c.execute_command("CLIENT", "LIST").decode()
                    if any(f"cmd={blocking[0].lower()}" in l for l in clients.splitlines()):
                        break
                    time.sleep(0.01)
                _, events = rec.run(push)
                conn.read_response()
                # a served waiter may publish after its wake-up: collect those too
                time.sleep(0.05)
                _, late = rec.run(["PING"])
                results.append((blocking[0], events + late))
                waiter.close()
        finally:
            rec.close()
    half = len(results) // 2
    assert all(events for _, events in results[:half])  # the reference published
    assert results[half:] == results[:half]


def main(argv):
    reference = RedisServer()
    shoal = ShoalServer()
    try:
        failed = 0
        for name, flags, cmds in CASES:
            if argv and name not in argv:
                continue
            lines = _diff(name, flags, cmds, reference, shoal)
            if lines:
                failed += 1
                print(f"== {name} ({flags})")
                print("\n".join(lines))
        print(f"{failed} case(s) differ")
    finally:
        reference.stop()
        shoal.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
