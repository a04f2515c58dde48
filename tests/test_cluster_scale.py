"""Scale out 4 -> 6 nodes and back in 6 -> 4 under a zipf read-through load,
with replicas (--replicas 1: two shards of two, then three).

The load is a cache's: GET a zipf-chosen key, SET it on a miss, and a
share of plain SETs (each writes a new version of the key). The keys are
loaded before the first join, so every miss is a key the cluster lost.

- scale out: node 5 becomes the primary of a new shard that imports its
  slots' keys, node 6 its replica. The hit ratio before, during and after
  the migration stays at 1 (no cliff: a cluster that dropped the moved
  slots' keys would miss about a third of the requests), and the keys the
  sources report moved are exactly the keys of the slots that changed
  owner (printed beside the 1/3 ideal);
- scale in: CLUSTER LEAVE on the replica, then on the new primary (which
  then has no replica and drains its slots back): no key lost, every key
  reads the last version the load wrote, and the cluster is back to two
  shards of two.
Run with -s to see the figures.
"""
import bisect
import random
import tempfile
import threading
import time

import redis
from redis.cluster import ClusterNode as PyClusterNode
from redis.cluster import RedisCluster
from redis.crc import key_slot

from test_cluster import Node, migrating
from test_cluster_replicas import shards_of, wait_shards

KEYS = 20000
REPLICAS = ["--replicas", "1"]
# The sources copy slowly, so the load runs across each migration.
SLOW_COPY = ["--cluster-migration-bandwidth", "256kb"]


def rc_of(node):
    return RedisCluster(startup_nodes=[PyClusterNode("127.0.0.1", node.port)],
                        decode_responses=True)


def key(i):
    return f"user:{i}"


class ZipfLoad:
    """Read-through GET/SET on zipf(0.99)-distributed keys, counting hits
    and misses per phase. `versions` holds the last value written to each
    key (only this thread writes)."""

    def __init__(self, node, versions):
        self.rc = rc_of(node)
        weights = [1.0 / (i + 1) ** 0.99 for i in range(KEYS)]
        total = sum(weights)
        acc, self.cdf = 0.0, []
        for w in weights:
            acc += w / total
            self.cdf.append(acc)
        self.versions = versions
        self.phase = "before"
        self.counts = {}
        self.errors = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run)

    def pick(self, rnd):
        return min(bisect.bisect_left(self.cdf, rnd.random()), KEYS - 1)

    def write(self, i):
        v = self.versions[i] + 1
        self.rc.set(key(i), f"v{v}")
        self.versions[i] = v

    def run(self):
        rnd = random.Random(7)
        while not self.stop.is_set():
            i = self.pick(rnd)
            counts = self.counts.setdefault(self.phase, [0, 0])
            try:
                if rnd.random() < 0.2:
                    self.write(i)
                    continue
                got = self.rc.get(key(i))
                if got == f"v{self.versions[i]}":
                    counts[0] += 1
                else:
                    # A miss (or an old version: counted as a miss too).
                    counts[1] += 1
                    self.write(i)
            except redis.RedisError as e:
                self.errors.append(repr(e))
                time.sleep(0.01)

    def ratio(self, phase):
        hits, misses = self.counts.get(phase, [0, 0])
        return hits / max(1, hits + misses), hits + misses

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(30)
        self.rc.close()


def slot_owners(node):
    """slot -> primary port, from CLUSTER SLOTS."""
    owners = {}
    for entry in node.r.execute_command("CLUSTER", "SLOTS"):
        for s in range(int(entry[0]), int(entry[1]) + 1):
            owners[s] = int(entry[2][1])
    return owners


def moved_keys_reported(nodes):
    return sum(int(n.r.info("cluster").get("cluster_migration_keys_moved", 0))
               for n in nodes if n.alive())


def wait_migration_over(nodes, want_shards, want_replicas, timeout=120):
    deadline = time.time() + timeout
    while migrating(nodes) and time.time() < deadline:
        time.sleep(0.1)
    assert not migrating(nodes), "the migration did not end"
    return wait_shards(nodes, want_shards, want_replicas, timeout=60)


def test_scale_out_4_to_6_and_in_to_4_under_zipf_load():
    with tempfile.TemporaryDirectory() as d:
        first = Node(d, extra=(*REPLICAS, *SLOW_COPY))
        nodes = [first] + [Node(d, join=[first], extra=(*REPLICAS, *SLOW_COPY))
                           for _ in range(3)]
        try:
            wait_shards(nodes, 2, 1)
            rc = rc_of(first)
            for start in range(0, KEYS, 2000):
                pipe = rc.pipeline(transaction=False)
                for i in range(start, min(start + 2000, KEYS)):
                    pipe.set(key(i), "v0")
                pipe.execute()
            rc.close()
            versions = [0] * KEYS
            owners_before = slot_owners(first)
            moved_before = moved_keys_reported(nodes)

            with ZipfLoad(first, versions) as load:
                time.sleep(3)
                # Scale out: a new shard, then its replica.
                load.phase = "scale-out"
                t0 = time.time()
                nodes.append(Node(d, join=[first], extra=(*REPLICAS, *SLOW_COPY)))
                deadline = time.time() + 120
                while time.time() < deadline:
                    if len(shards_of(first)) == 3 and not migrating(nodes):
                        break
                    time.sleep(0.1)
                took_out = time.time() - t0
                nodes.append(Node(d, join=[first], extra=(*REPLICAS, *SLOW_COPY)))
                shards = wait_migration_over(nodes, 3, 1)
                load.phase = "after scale-out"
                time.sleep(3)
                owners_after = slot_owners(first)
                moved = moved_keys_reported(nodes) - moved_before

                # Scale in: the new shard's replica leaves, then its
                # primary, which now drains its slots back.
                load.phase = "scale-in"
                new_primary = next(n for n in nodes[4:] if n.port in [p for p, _, _ in shards])
                new_replica = next(n for n in nodes[4:] if n is not new_primary)
                t1 = time.time()
                assert new_replica.r.execute_command("CLUSTER", "LEAVE") == "OK"
                new_replica.proc.wait(timeout=60)
                assert new_primary.r.execute_command("CLUSTER", "LEAVE") == "OK"
                new_primary.proc.wait(timeout=120)
                took_in = time.time() - t1
                rest = nodes[:4]
                wait_migration_over(rest, 2, 1)
                load.phase = "after scale-in"
                time.sleep(3)

            changed = {s for s in range(16384) if owners_before[s] != owners_after[s]}
            in_changed = sum(1 for i in range(KEYS) if key_slot(key(i).encode()) in changed)
            phases = ["before", "scale-out", "after scale-out", "scale-in", "after scale-in"]
            for p in phases:
                r, n = load.ratio(p)
                print(f"hit ratio {p:>16}: {r:.4f} over {n} GETs")
            print(f"scale-out: {took_out:.1f}s to 3 shards, {len(changed)} slots changed owner "
                  f"({len(changed) / 16384:.3f} of the slots; ideal 1/3 = 0.333), "
                  f"{moved} keys moved (keys in those slots: {in_changed})")
            print(f"scale-in: {took_in:.1f}s for both leaves")

            assert not load.errors, load.errors[:5]
            for p in phases:
                r, n = load.ratio(p)
                assert n > 100, f"too few requests in phase {p}: {n}"
                assert r == 1.0, f"hit ratio {r:.4f} in phase {p}: keys lost or stale"
            assert new_replica.proc.returncode == 0 and new_primary.proc.returncode == 0
            # The slots that moved are those the new shard took (bounded-load
            # ring: maybe a few between the old shards too), and exactly their
            # keys travelled.
            assert 0.2 < len(changed) / 16384 < 0.45
            assert moved == in_changed
            # Nothing lost on the way back: every key at its last version.
            rc = rc_of(rest[0])
            got = []
            for start in range(0, KEYS, 2000):
                pipe = rc.pipeline(transaction=False)
                for i in range(start, min(start + 2000, KEYS)):
                    pipe.get(key(i))
                got += pipe.execute()
            rc.close()
            wrong = [i for i in range(KEYS) if got[i] != f"v{versions[i]}"]
            assert not wrong, f"{len(wrong)} keys lost or stale, e.g. {wrong[:5]}"
            primaries = [p for p, _, _ in shards_of(rest[0])]
            assert sum(n.r.dbsize() for n in rest if n.port in primaries) == KEYS
        finally:
            for n in nodes:
                n.stop()
