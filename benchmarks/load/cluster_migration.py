#!/usr/bin/python3
"""Cluster benchmarks that need real processes: warm migration and failover.

migration: a 3-node cluster (--replicas 0) holds KEYS keys of VALUE bytes;
  a 4th node joins and its new shard imports about a quarter of the slots.
  Reports the copy's throughput (keys/s and MB/s of entries, from the
  sources' cluster_migration_* counters over the time the plan ran) and the
  GET latency a client of the serving nodes sees before and during the copy
  (p50/p99/max of single GETs through redis-py RedisCluster, one thread), for
  each --cluster-migration-bandwidth given.

failover: a 4-node, 2-shard, --replicas 1 cluster; kill -9 one primary and
  time until a write to one of its slots succeeds again, for each probe
  interval in PROBES (200 ms: the test suite's timings; 300 ms: the
  default; 1000 ms: memberlist's LAN profile, Shoal's old default; probe
  timeout half the interval).

Usage: benchmarks/load/cluster_migration.py [migration|failover|all]
Env: SHOAL_BIN (default build/shoal), KEYS (200000), VALUE (100),
     BANDWIDTHS (space-separated, default "0 64mb 512kb"),
     PROBES (probe intervals in ms, default "200 300 1000"), REPEATS (3).
Numbers are medians over REPEATS runs; the machine is shared, so compare
figures of one run.
"""
import logging
import os
import statistics
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests"))
os.environ.setdefault("SHOAL_BIN", os.path.join(ROOT, "build", "shoal"))

import redis  # noqa: E402
from redis.cluster import ClusterNode as PyClusterNode  # noqa: E402
from redis.cluster import RedisCluster  # noqa: E402

from test_cluster import Node, migrating, wait_converged  # noqa: E402
from test_cluster_replicas import wait_shards  # noqa: E402

KEYS = int(os.environ.get("KEYS", 200000))
VALUE = int(os.environ.get("VALUE", 100))
REPEATS = int(os.environ.get("REPEATS", 3))
BANDWIDTHS = os.environ.get("BANDWIDTHS", "0 64mb 512kb").split()
PROBES = [int(x) for x in os.environ.get("PROBES", "200 300 1000").split()]
# redis-py logs every TRYAGAIN and MOVED it follows with a traceback.
logging.getLogger("redis.cluster").addHandler(logging.NullHandler())
logging.getLogger("redis.cluster").propagate = False


def rc_of(node):
    return RedisCluster(startup_nodes=[PyClusterNode("127.0.0.1", node.port)])


def info_int(node, field):
    return int(node.r.info("cluster").get(field, 0))


def percentile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


class GetProbe:
    """One thread of GETs of random loaded keys; latencies per phase (ms)."""

    def __init__(self, node):
        self.rc = rc_of(node)
        self.phase = "before"
        self.lat = {}
        self.errors = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run)
        self.thread.start()

    def run(self):
        i = 0
        while not self.stop.is_set():
            k = f"key:{(i * 7919) % KEYS}"
            t = time.perf_counter()
            try:
                self.rc.get(k)
            except redis.RedisError as e:
                self.errors += 1
                if os.environ.get("SHOW_ERRORS"):
                    print(f"GET {k}: {e!r}", file=sys.stderr)
            self.lat.setdefault(self.phase, []).append((time.perf_counter() - t) * 1000)
            i += 1

    def close(self):
        self.stop.set()
        self.thread.join(30)
        self.rc.close()


def migration_run(bandwidth):
    with tempfile.TemporaryDirectory() as d:
        extra = ["--cluster-migration-bandwidth", bandwidth]
        first = Node(d, extra=extra)
        nodes = [first] + [Node(d, join=[first], extra=extra) for _ in range(2)]
        try:
            wait_converged(nodes)
            rc = rc_of(first)
            value = b"x" * VALUE
            for start in range(0, KEYS, 5000):
                pipe = rc.pipeline(transaction=False)
                for i in range(start, min(start + 5000, KEYS)):
                    pipe.set(f"key:{i}", value)
                pipe.execute()
            rc.close()
            probe = GetProbe(first)
            time.sleep(2)
            probe.phase = "during"
            nodes.append(Node(d, join=[first], extra=extra))
            # The plan: from when any node names it to when none does.
            # The copy: from the first key moved to the end of the plan
            # (the plan itself starts ~1 s earlier: the sources' start delay).
            while not migrating(nodes):
                time.sleep(0.01)
            while sum(info_int(n, "cluster_migration_keys_moved") for n in nodes) == 0:
                time.sleep(0.005)
            t0 = time.time()
            while migrating(nodes):
                time.sleep(0.01)
            took = time.time() - t0
            probe.phase = "after"
            time.sleep(1)
            probe.close()
            keys = sum(info_int(n, "cluster_migration_keys_moved") for n in nodes)
            moved_bytes = sum(info_int(n, "cluster_migration_bytes_moved") for n in nodes)
            return {"took": took, "keys": keys, "bytes": moved_bytes,
                    "before": probe.lat.get("before", []), "during": probe.lat.get("during", []),
                    "errors": probe.errors}
        finally:
            for n in nodes:
                n.stop()


def bench_migration():
    print(f"# migration: 3 -> 4 nodes, {KEYS} keys of {VALUE} B, medians of {REPEATS}")
    print("| bandwidth | copy s | keys moved | keys/s | MB/s | GET p50 before/during ms "
          "| GET p99 before/during ms | GET max during ms | client errors |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|")
    for bw in BANDWIDTHS:
        runs = [migration_run(bw) for _ in range(REPEATS)]
        med = lambda f: statistics.median(f(r) for r in runs)  # noqa: E731
        print(f"| {bw} | {med(lambda r: r['took']):.2f} | {med(lambda r: r['keys']):.0f} "
              f"| {med(lambda r: r['keys'] / r['took']):,.0f} "
              f"| {med(lambda r: r['bytes'] / r['took'] / 1e6):.1f} "
              f"| {med(lambda r: percentile(r['before'], 0.5)):.3f} / "
              f"{med(lambda r: percentile(r['during'], 0.5)):.3f} "
              f"| {med(lambda r: percentile(r['before'], 0.99)):.3f} / "
              f"{med(lambda r: percentile(r['during'], 0.99)):.3f} "
              f"| {med(lambda r: max(r['during'], default=0)):.1f} "
              f"| {med(lambda r: r['errors']):.0f} |", flush=True)


def failover_run(probe_ms):
    with tempfile.TemporaryDirectory() as d:
        extra = ["--replicas", "1"]
        if probe_ms != 200:  # 200: the test suite's fast timings (Node's default)
            extra += ["--cluster-probe-interval-ms", str(probe_ms),
                      "--cluster-probe-timeout-ms", str(probe_ms // 2),
                      "--cluster-push-pull-interval-ms", "10000",
                      "--cluster-gossip-interval-ms", "200"]
        first = Node(d, extra=extra)
        nodes = [first] + [Node(d, join=[first], extra=extra) for _ in range(3)]
        try:
            shards = wait_shards(nodes, 2, 1, timeout=120)
            victim_port, replicas, _ = shards[0]
            victim = next(n for n in nodes if n.port == victim_port)
            replica = next(n for n in nodes if n.port == replicas[0])
            key = next(f"k{i}" for i in range(100000)
                       if owner_port(replica, f"k{i}") == victim_port)
            victim.r.execute_command("WAIT", 1, 1000)
            t0 = time.time()
            victim.kill()
            while time.time() - t0 < 120:
                try:
                    if owner_port(replica, key) == replica.port:
                        replica.r.set(key, "after")
                        return time.time() - t0
                except redis.RedisError:
                    pass
                time.sleep(0.02)
            raise AssertionError("no failover within 120 s")
        finally:
            for n in nodes:
                n.stop()


def owner_port(node, key):
    slot = node.r.execute_command("CLUSTER", "KEYSLOT", key)
    for entry in node.r.execute_command("CLUSTER", "SLOTS"):
        if int(entry[0]) <= slot <= int(entry[1]):
            return int(entry[2][1])
    return None


def bench_failover():
    print(f"# failover: 4 nodes, 2 shards, --replicas 1; kill -9 a primary; seconds until a "
          f"write to its slot succeeds on the promoted replica (median of {REPEATS})")
    print("| probe interval | runs (s) | median s |")
    print("|---|---|--:|")
    for probe_ms in PROBES:
        runs = [failover_run(probe_ms) for _ in range(REPEATS)]
        label = f"{probe_ms} ms probes" + (" (default)" if probe_ms == 300 else "")
        print(f"| {label} | {', '.join(f'{x:.1f}' for x in runs)} | "
              f"{statistics.median(runs):.1f} |", flush=True)


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "all"
    if what in ("migration", "all"):
        bench_migration()
    if what in ("failover", "all"):
        bench_failover()
