"""Lua scripting under concurrency, on a server with two worker threads.

  (a) EVALSHA atomicity: 8 clients x 500 runs of a read-modify-write script
      over 4 declared keys (two counter/shadow pairs). The script checks that
      each shadow equals its counter before writing both, so any interleaving
      inside a script shows up as a reported mismatch or as lost updates.
  (b) Mixed load for a few seconds: scripts over declared keys, scripts that
      touch undeclared keys (names from ARGV), scripts mixing both, and
      MULTI/EXEC transactions, all on overlapping keys in random orders from
      several threads. Every call returns within a socket timeout (no
      deadlock) and the per-key totals are exact. Also two clients running
      a script that writes its declared key, then the other's, crossed.
  (c) Busy script: with busy-reply-threshold 200 ms, `while true do end`
      makes other clients get BUSY; SCRIPT KILL ends it; the looping client
      gets Redis's "Script killed by user" error; everybody can PING again.
  (d) A script that wrote and then loops cannot be killed (UNKILLABLE);
      SHUTDOWN NOSAVE still stops the server.

The server is Shoal (ShoalServer(threads=2)); FRAMEWORKS_AGAINST_REDIS=1
runs the same tests against a real redis-server, which is single-threaded,
so (a) and (b) pass trivially there; (c) and (d) pin Redis's replies.
  FRAMEWORKS_AGAINST_REDIS=1 /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/test_scripting_concurrency.py
"""
import random
import select
import socket
import threading
import time

import pytest
import redis

from conftest import Raw
from frameworks.harness import server_name, start_server, time_limit

JOIN_TIMEOUT = 120
TEST_TIMEOUT = 180
SOCKET_TIMEOUT = 30


@pytest.fixture(scope="module")
def server():
    s = start_server(threads=2)
    yield s
    alive = s.alive()
    s.stop()
    assert alive, f"{server_name()} crashed during the scripting concurrency tests"


@pytest.fixture(autouse=True)
def _bounded(request):
    with time_limit(TEST_TIMEOUT, request.node.name):
        yield


def client(server):
    return redis.Redis(host="127.0.0.1", port=server.port,
                       socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=10)


@pytest.fixture
def r(server):
    c = client(server)
    c.flushall()
    yield c
    c.close()


def run_threads(targets):
    """Runs each callable in its own thread; re-raises the first failure."""
    errors = []
    start = threading.Barrier(len(targets))

    def wrap(fn):
        def run():
            try:
                start.wait(timeout=30)
                fn()
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)
        return run

    threads = [threading.Thread(target=wrap(fn), daemon=True) for fn in targets]
    for t in threads:
        t.start()
    deadline = time.monotonic() + JOIN_TIMEOUT
    for t in threads:
        t.join(timeout=max(0.1, deadline - time.monotonic()))
    hung = sum(t.is_alive() for t in threads)
    assert not hung, f"{hung} client thread(s) hung (deadlock?)"
    if errors:
        raise errors[0]


# ------------------------------------------------------------ (a) atomicity

PAIR_SCRIPT = """
local mismatches = 0
for pair = 0, 1 do
  local counter, shadow = KEYS[2 * pair + 1], KEYS[2 * pair + 2]
  local old = tonumber(redis.call('GET', counter) or '0')
  local seen = tonumber(redis.call('GET', shadow) or '0')
  if seen ~= old then mismatches = mismatches + 1 end
  -- widen the window between the read and the writes
  local spin = 0
  for i = 1, tonumber(ARGV[1]) do spin = spin + i end
  redis.call('SET', counter, old + 1)
  if tonumber(redis.call('GET', shadow) or '0') ~= seen then
    mismatches = mismatches + 1
  end
  redis.call('SET', shadow, old + 1)
end
return mismatches
"""


def test_evalsha_read_modify_write_is_atomic(server, r):
    threads, runs = 8, 500
    # Counters and shadows chosen to spread over different lock stripes.
    keys = ["atom:{c1}", "atom:{s1}", "atom:[c2]", "atom:[s2]"]
    sha = r.script_load(PAIR_SCRIPT)
    mismatches = []

    def worker():
        c = client(server)
        try:
            bad = 0
            for _ in range(runs):
                bad += c.evalsha(sha, 4, *keys, 200)
            mismatches.append(bad)
        finally:
            c.close()

    run_threads([worker] * threads)
    assert mismatches == [0] * threads, f"non-atomic script runs: {mismatches}"
    total = threads * runs
    assert [int(v) for v in r.mget(keys)] == [total] * 4


# ------------------------------------------------------------ (b) mixed load

MIX_KEYS = ["mix:a", "mix:b", "mix:{c}", "mix:[d]", "mix:e"]

DECLARED_SCRIPT = """
for i = 1, #KEYS do redis.call('INCRBY', KEYS[i], ARGV[1]) end
return #KEYS
"""

UNDECLARED_SCRIPT = """
for i = 2, #ARGV do redis.call('INCRBY', ARGV[i], ARGV[1]) end
return #ARGV - 1
"""

# KEYS declared, plus more keys whose names come from ARGV.
HALF_DECLARED_SCRIPT = """
for i = 1, #KEYS do redis.call('INCRBY', KEYS[i], ARGV[1]) end
for i = 2, #ARGV do redis.call('INCRBY', ARGV[i], ARGV[1]) end
return #KEYS + #ARGV - 1
"""


def test_mixed_scripts_and_transactions_no_deadlock_exact_totals(server, r):
    threads, duration = 8, 3.0
    shas = {name: r.script_load(src) for name, src in (
        ("declared", DECLARED_SCRIPT), ("undeclared", UNDECLARED_SCRIPT),
        ("half", HALF_DECLARED_SCRIPT))}
    tallies = []
    op_counts = []

    def worker(seed):
        rng = random.Random(seed)
        c = client(server)
        tally = dict.fromkeys(MIX_KEYS, 0)
        ops = dict.fromkeys(("declared", "undeclared", "half", "multi", "eval"), 0)
        try:
            deadline = time.monotonic() + duration
            while time.monotonic() < deadline:
                kind = rng.choice(list(ops))
                picked = rng.sample(MIX_KEYS, rng.randint(1, 4))
                inc = rng.randint(1, 3)
                if kind == "declared":
                    assert c.evalsha(shas["declared"], len(picked), *picked, inc) == len(picked)
                elif kind == "undeclared":
                    assert c.evalsha(shas["undeclared"], 0, inc, *picked) == len(picked)
                elif kind == "half":
                    split = rng.randint(0, len(picked))
                    declared, undeclared = picked[:split], picked[split:]
                    assert c.evalsha(shas["half"], len(declared), *declared,
                                     inc, *undeclared) == len(picked)
                elif kind == "eval":
                    # EVAL (not EVALSHA) with the body each time
                    assert c.eval(DECLARED_SCRIPT, len(picked), *picked, inc) == len(picked)
                else:
                    p = c.pipeline(transaction=True)
                    for k in picked:
                        p.incrby(k, inc)
                    assert len(p.execute()) == len(picked)
                for k in picked:
                    tally[k] += inc
                ops[kind] += 1
            tallies.append(tally)
            op_counts.append(ops)
        finally:
            c.close()

    run_threads([lambda s=s: worker(s) for s in range(threads)])
    expected = {k: sum(t[k] for t in tallies) for k in MIX_KEYS}
    got = {k: int(v or 0) for k, v in zip(MIX_KEYS, r.mget(MIX_KEYS))}
    assert got == expected
    # Every kind of operation really ran.
    for kind in ("declared", "undeclared", "half", "multi", "eval"):
        assert sum(o[kind] for o in op_counts) > 0, kind


# Writes its declared key, then the key named in ARGV: run from two clients
# with the roles crossed, each holds the stripe the other reaches for last.
CROSSED_SCRIPT = """
redis.call('INCR', KEYS[1])
redis.call('INCR', ARGV[1])
return 1
"""


def test_write_then_undeclared_key_in_crossed_order_never_fails(server, r):
    """The shape that cannot be served by waiting (each run holds what the
    other waits for) still never returns an error: the script is learned to
    need every stripe before it may run on its declared stripes alone."""
    threads, runs = 8, 300
    pair = ["cross:{x}", "cross:[y]"]
    sha = r.script_load(CROSSED_SCRIPT)

    def worker(i):
        c = client(server)
        try:
            mine, other = pair if i % 2 == 0 else pair[::-1]
            for _ in range(runs):
                assert c.evalsha(sha, 1, mine, other) == 1
        finally:
            c.close()

    run_threads([lambda i=i: worker(i) for i in range(threads)])
    assert [int(v) for v in r.mget(pair)] == [threads * runs] * 2


# ------------------------------------------------------------ (c), (d) busy scripts

def send(raw, *args):
    """Sends one command on a conftest.Raw connection without reading."""
    parts = [a if isinstance(a, bytes) else str(a).encode() for a in args]
    payload = b"*%d\r\n" % len(parts)
    for p in parts:
        payload += b"$%d\r\n%s\r\n" % (len(p), p)
    raw.sock.sendall(payload)


def reply_within(raw, timeout):
    """The next reply on raw, or None if none arrives within timeout.
    Only for one-line replies (simple strings, errors, integers, nil)."""
    deadline = time.monotonic() + timeout
    while b"\r\n" not in raw.buf:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([raw.sock], [], [], left)
        if ready:
            raw._fill()
    return raw.reply()


def closed_within(raw, timeout):
    """True if the server closes raw within timeout (any reply before the
    close is ignored)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([raw.sock], [], [], max(0.0, deadline - time.monotonic()))
        if ready:
            try:
                if not raw.sock.recv(65536):
                    return True
            except OSError:
                return True
    return False


def busy_server():
    s = start_server(threads=2)
    c = client(s)
    assert c.config_set("busy-reply-threshold", 200)
    # lua-time-limit is the old name of the same setting
    assert c.config_get("lua-time-limit") == {"lua-time-limit": "200"}
    assert c.config_get("busy-reply-threshold") == {"busy-reply-threshold": "200"}
    c.close()
    return s


def open_probes(server, n=8):
    return [Raw(server.port) for _ in range(n)]


def test_busy_script_then_script_kill(request):
    s = busy_server()
    looper = Raw(s.port)
    probes = open_probes(s)
    try:
        # Probes are connected (and PINGed) before the script starts, so the
        # acceptor has spread them over both workers.
        for p in probes:
            assert p.cmd("PING") == b"+PONG\r\n"
        send(looper, "EVAL", "while true do end", 0)
        time.sleep(0.5)  # past the 200 ms busy threshold

        for p in probes:
            send(p, "GET", "some-key")
        answered = {}
        for i, p in enumerate(probes):
            rep = reply_within(p, 5 if not answered else 0.5)
            if rep is not None:
                answered[i] = rep
        assert answered, "no client got any reply while the script was busy"
        for i, rep in answered.items():
            assert rep.startswith(b"-BUSY "), (i, rep)
        killer = probes[min(answered)]
        # The loop is still running: the looping client has no reply yet.
        assert reply_within(looper, 0.2) is None

        assert killer.cmd("SCRIPT", "KILL") == b"+OK\r\n"
        rep = reply_within(looper, 10)
        assert rep is not None, "looping client got no reply after SCRIPT KILL"
        assert rep.startswith(b"-ERR Script killed by user with SCRIPT KILL"), rep

        # Probes that had no answer (same worker as the script) get theirs now.
        for i, p in enumerate(probes):
            if i not in answered:
                rep = reply_within(p, 10)
                assert rep in (b"$-1\r\n",) or (rep or b"").startswith(b"-BUSY "), (i, rep)
        # Everybody recovers.
        for p in probes + [looper]:
            assert p.cmd("PING") == b"+PONG\r\n"
        fresh = client(s)
        assert fresh.ping()
        assert fresh.eval("return 7", 0) == 7
        # No script is running any more: SCRIPT KILL says so.
        assert killer.cmd("SCRIPT", "KILL").startswith(b"-NOTBUSY")
        fresh.close()
        assert s.alive()
    finally:
        for p in probes + [looper]:
            p.close()
        s.stop()


def test_busy_script_that_wrote_is_unkillable_then_shutdown_nosave(request):
    s = busy_server()
    looper = Raw(s.port)
    probes = open_probes(s)
    try:
        for p in probes:
            assert p.cmd("PING") == b"+PONG\r\n"
        send(looper, "EVAL", "redis.call('SET', KEYS[1], 'written') while true do end",
             1, "wrote-key")
        time.sleep(0.5)

        for p in probes:
            send(p, "SCRIPT", "KILL")
        answered = {}
        for i, p in enumerate(probes):
            rep = reply_within(p, 5 if not answered else 0.5)
            if rep is not None:
                answered[i] = rep
        assert answered, "no client got any reply while the script was busy"
        for i, rep in answered.items():
            assert rep.startswith(b"-UNKILLABLE "), (i, rep)
        assert reply_within(looper, 0.2) is None
        assert s.alive()

        stopper = probes[min(answered)]
        send(stopper, "SHUTDOWN", "NOSAVE")
        try:
            s.proc.wait(timeout=15)
        except Exception:  # noqa: BLE001
            pytest.fail(f"{server_name()} still running 15s after SHUTDOWN NOSAVE")
        # The looping client's connection is closed, not left hanging.
        assert closed_within(looper, 5)
        assert closed_within(stopper, 5)
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", s.port), timeout=1).close()
    finally:
        for p in probes + [looper]:
            p.close()
        s.stop()
