"""Cluster mode under membership changes and faults (docs/cluster.md, "Join,
leave, failure"): real shoal processes on loopback, redis-py RedisCluster and
redis-cli as clients.

- stale values never come back: keys left on a node when their slot moved
  away are dropped, so they are not served when the slot returns, and
  DBSIZE stops counting them;
- a graceful restart (SIGTERM without --cluster-leave-on-shutdown) keeps
  the node's shard id and slots;
- Redis Cluster's manual placement commands and the redis-cli --cluster
  tools built on them are refused with a clear message and change nothing.

Fencing of a cut-off node is in tests/test_cluster_netns.py (it needs
network namespaces).
"""
import subprocess
import tempfile
import time

import pytest
import redis
from redis.cluster import ClusterNode as PyClusterNode
from redis.cluster import RedisCluster

from test_cluster import Node, slots_of, start_cluster, wait_converged

KEYS = 20000


def cluster_client(node):
    return RedisCluster(startup_nodes=[PyClusterNode("127.0.0.1", node.port)],
                        decode_responses=True)


def write_all(rc, value):
    """SET k0..k{KEYS-1} to value, pipelined (RedisCluster splits by node)."""
    for start in range(0, KEYS, 2000):
        pipe = rc.pipeline(transaction=False)
        for i in range(start, min(start + 2000, KEYS)):
            pipe.set(f"k{i}", value)
        assert all(pipe.execute())


def read_all(rc):
    values = []
    for start in range(0, KEYS, 2000):
        pipe = rc.pipeline(transaction=False)
        for i in range(start, min(start + 2000, KEYS)):
            pipe.get(f"k{i}")
        values += pipe.execute()
    return values


def dbsizes(nodes):
    return [n.r.dbsize() for n in nodes]


def wait_for(pred, timeout=15, what="condition"):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = pred()
        if last is True:
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not hold: {last!r:.500}")


def test_stale_values_never_come_back():
    with tempfile.TemporaryDirectory() as d:
        nodes = start_cluster(d, 3)
        extra = None
        try:
            wait_converged(nodes)
            rc = cluster_client(nodes[0])
            write_all(rc, "v1")
            assert sum(dbsizes(nodes)) == KEYS
            extra = Node(d, join=[nodes[0]], extra=["--cluster-leave-on-shutdown", "yes"])
            wait_converged(nodes + [extra])
            rc.close()
            rc = cluster_client(nodes[0])
            write_all(rc, "v2")
            # The old owners drop the keys of the slots the newcomer took:
            # every key is counted once, on its owner.
            wait_for(lambda: sum(dbsizes(nodes + [extra])) == KEYS or dbsizes(nodes + [extra]),
                     what="DBSIZE sum == keys")
            assert extra.r.dbsize() > 0
            for n in nodes:
                mem = n.r.info("memory")["used_memory"]
                assert mem > 0
            extra.stop()  # leaves: its slots go back to the three
            wait_converged(nodes)
            rc.close()
            rc = cluster_client(nodes[0])
            values = read_all(rc)
            stale = sum(v == "v1" for v in values)
            fresh = sum(v == "v2" for v in values)
            assert stale == 0, f"{stale} keys read v1 again"
            # The leaver handed its slots back with their keys (warm
            # migration): none is lost.
            assert fresh == KEYS, f"{values.count(None)} keys lost"
            # DBSIZE counts exactly the keys still readable.
            assert sum(dbsizes(nodes)) == fresh
            rc.close()
        finally:
            for n in nodes + ([extra] if extra else []):
                n.stop()


def test_graceful_restart_keeps_the_shard():
    with tempfile.TemporaryDirectory() as d:
        nodes = start_cluster(d, 3)
        try:
            wait_converged(nodes)
            victim = nodes[2]
            shard = victim.r.execute_command("CLUSTER", "MYSHARDID")
            my_id = victim.r.execute_command("CLUSTER", "MYID")
            before = slots_of(nodes[0])
            victim.stop()  # SIGTERM, default --cluster-leave-on-shutdown no
            assert victim.proc.returncode == 0
            victim.restart()
            wait_converged(nodes)
            assert victim.r.execute_command("CLUSTER", "MYID") == my_id
            assert victim.r.execute_command("CLUSTER", "MYSHARDID") == shard
            assert slots_of(nodes[0]) == before
            assert slots_of(victim) == before
        finally:
            for n in nodes:
                n.stop()


REFUSED = [
    ["ADDSLOTS", "1", "2"], ["ADDSLOTSRANGE", "1", "10"], ["DELSLOTS", "1"],
    ["DELSLOTSRANGE", "1", "10"], ["SETSLOT", "1", "STABLE"], ["FLUSHSLOTS"],
    ["FORGET", "a" * 40], ["RESET"], ["REPLICATE", "a" * 40], ["SET-CONFIG-EPOCH", "7"],
    ["BUMPEPOCH"],
]


@pytest.fixture(scope="module")
def trio():
    with tempfile.TemporaryDirectory() as d:
        nodes = start_cluster(d, 3)
        try:
            wait_converged(nodes)
            yield nodes
        finally:
            for n in nodes:
                n.stop()


def test_manual_placement_commands_are_refused(trio):
    before = slots_of(trio[0])
    for args in REFUSED:
        with pytest.raises(redis.ResponseError) as e:
            trio[0].r.execute_command("CLUSTER", *args)
        assert str(e.value) == (f"Shoal places slots itself (consistent-hash ring); "
                                f"CLUSTER {args[0]} is not supported: see docs/cluster.md")
    assert slots_of(trio[0]) == before
    assert trio[0].r.execute_command("CLUSTER", "INFO").startswith("cluster_state:ok")


def redis_cli_cluster(*args):
    res = subprocess.run(["redis-cli", "--cluster", *[str(a) for a in args]],
                         capture_output=True, timeout=60)
    return res.returncode, res.stdout.decode(errors="replace") + res.stderr.decode(
        errors="replace")


def test_redis_cli_cluster_tools_fail_and_change_nothing(trio):
    before = slots_of(trio[0])
    addrs = [n.addr for n in trio]

    rc, out = redis_cli_cluster("create", *addrs, "--cluster-yes")
    assert rc != 0
    assert "is not empty" in out, out

    target = trio[1].r.execute_command("CLUSTER", "MYID")
    rc, out = redis_cli_cluster("reshard", addrs[0], "--cluster-from", "all", "--cluster-to",
                                target, "--cluster-slots", "100", "--cluster-yes")
    assert rc != 0
    assert "Shoal places slots itself" in out and "SETSLOT" in out, out[-2000:]

    rc, out = redis_cli_cluster("rebalance", addrs[0], "--cluster-threshold", "1",
                                "--cluster-yes")
    assert rc != 0
    assert "Shoal places slots itself" in out, out[-2000:]

    for n in trio:
        assert slots_of(n) == before
        assert n.r.execute_command("CLUSTER", "INFO").startswith("cluster_state:ok")
