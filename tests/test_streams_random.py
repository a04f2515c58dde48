"""Randomised comparison of streams with redis-server 7.0: the same seeded
sequence of XADD (explicit and partial IDs, exact and approximate trimming
with LIMIT), XDEL, XTRIM, XRANGE/XREVRANGE, XLEN, consumer-group reads,
acknowledgements and claims (min-idle-time 0, so no time shows) goes to both
servers, with small nodes (stream-node-max-entries 5, -bytes 256) so that
node boundaries and whole-node trimming are exercised constantly; every reply
must be equal, and so must XINFO STREAM's counters (length, radix-tree-keys,
last-generated-id, max-deleted-entry-id, entries-added,
recorded-first-entry-id) and XINFO GROUPS' entries-read and lag.
Skipped when redis-server is not installed.
"""
import random
import shutil

import pytest

from test_streams import RedisServer, plain, server  # noqa: F401

if shutil.which("redis-server") is None:
    pytest.skip("redis-server is not installed", allow_module_level=True)

COUNTERS = [b"length", b"radix-tree-keys", b"last-generated-id", b"max-deleted-entry-id",
            b"entries-added", b"recorded-first-entry-id", b"groups"]


@pytest.fixture(scope="module")
def pair(server):  # noqa: F811
    ref = RedisServer()
    a, b = plain(ref.client()), plain(server.client())
    for c in (a, b):
        c.config_set("stream-node-max-entries", "5")
        c.config_set("stream-node-max-bytes", "256")
    yield a, b
    for c in (a, b):
        c.config_set("stream-node-max-entries", "100")
        c.config_set("stream-node-max-bytes", "4096")
        c.close()
    ref.stop()


def call(c, args):
    try:
        return c.execute_command(*args)
    except Exception as e:  # noqa: BLE001 - errors are compared as text
        return ("error", str(e))


def random_command(rng, ms):
    key = rng.choice(["s1", "s2"])
    op = rng.random()
    if op < 0.40:
        ms[key] += rng.choice([0, 0, 1, 2, 50])
        id_arg = rng.choice([f"{ms[key]}-*", f"{ms[key]}-{rng.randint(0, 3)}", f"{ms[key]}"])
        trim = []
        if rng.random() < 0.3:
            kind = rng.choice(["MAXLEN", "MINID"])
            approx = rng.choice(["~", "=", None])
            thr = str(rng.randint(0, 30)) if kind == "MAXLEN" else f"{max(0, ms[key] - rng.randint(0, 80))}"
            trim = [kind] + ([approx] if approx else []) + [thr]
            if approx == "~" and rng.random() < 0.5:
                trim += ["LIMIT", str(rng.randint(0, 12))]
        nf = rng.choice([1, 1, 2])
        fields = []
        for i in range(nf):
            fields += [rng.choice(["f", "g", "h"]) if i == 0 else f"k{i}",
                       rng.choice(["v", "12", "-3", "x" * rng.randint(0, 120), str(ms[key])])]
        return ["XADD", key] + trim + [id_arg] + fields
    if op < 0.50:
        return ["XDEL", key] + [f"{rng.randint(0, ms[key])}-{rng.randint(0, 3)}"
                                for _ in range(rng.randint(1, 3))]
    if op < 0.56:
        kind = rng.choice(["MAXLEN", "MINID"])
        thr = str(rng.randint(0, 30)) if kind == "MAXLEN" else str(rng.randint(0, ms[key]))
        approx = rng.choice(["~", "="])
        extra = ["LIMIT", str(rng.randint(0, 12))] if approx == "~" and rng.random() < 0.5 else []
        return ["XTRIM", key, kind, approx, thr] + extra
    if op < 0.68:
        lo, hi = sorted([rng.randint(0, ms[key] + 1), rng.randint(0, ms[key] + 1)])
        start = rng.choice(["-", str(lo), f"({lo}-1"])
        end = rng.choice(["+", str(hi), f"({hi}-0"])
        count = ["COUNT", str(rng.randint(0, 7))] if rng.random() < 0.5 else []
        if rng.random() < 0.5:
            return ["XRANGE", key, start, end] + count
        return ["XREVRANGE", key, end, start] + count
    if op < 0.72:
        return ["XLEN", key]
    if op < 0.76:
        return ["XGROUP", "CREATE", key, rng.choice(["g1", "g2"]),
                rng.choice(["0", "$", f"{rng.randint(0, ms[key])}-0"]), "MKSTREAM"]
    if op < 0.86:
        ids = rng.choice([">", ">", "0"])
        return ["XREADGROUP", "GROUP", rng.choice(["g1", "g2"]), rng.choice(["c1", "c2"]),
                "COUNT", str(rng.randint(1, 4)), "STREAMS", key, ids]
    if op < 0.91:
        return ["XACK", key, rng.choice(["g1", "g2"])] + [
            f"{rng.randint(0, ms[key])}-{rng.randint(0, 3)}" for _ in range(rng.randint(1, 3))]
    if op < 0.94:
        return ["XCLAIM", key, rng.choice(["g1", "g2"]), rng.choice(["c1", "c3"]), "0",
                f"{rng.randint(0, ms[key])}-{rng.randint(0, 3)}", "JUSTID"]
    if op < 0.97:
        return ["XAUTOCLAIM", key, rng.choice(["g1", "g2"]), "c3", "0",
                rng.choice(["-", f"{rng.randint(0, ms[key])}-0"]), "COUNT", str(rng.randint(1, 4))]
    return ["XPENDING", key, rng.choice(["g1", "g2"])]


def counters(c, key):
    info = call(c, ["XINFO", "STREAM", key])
    if isinstance(info, tuple):
        return info
    d = dict(zip(info[::2], info[1::2]))
    groups = call(c, ["XINFO", "GROUPS", key])
    gs = [dict(zip(g[::2], g[1::2])) for g in groups]
    return ({k: d[k] for k in COUNTERS},
            [(g[b"name"], g[b"last-delivered-id"], g[b"entries-read"], g[b"lag"],
              g[b"pending"], g[b"consumers"]) for g in gs])


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_stream_sessions_match_redis(pair, seed):
    a, b = pair
    a.flushall()
    b.flushall()
    rng = random.Random(seed)
    ms = {"s1": 1, "s2": 1}
    for step in range(1500):
        args = random_command(rng, ms)
        ra, rb = call(a, args), call(b, args)
        assert ra == rb, f"seed {seed} step {step}: {args}"
        if step % 50 == 0:
            for key in ("s1", "s2"):
                assert counters(a, key) == counters(b, key), f"seed {seed} step {step} {key}"
