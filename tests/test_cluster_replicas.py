"""Cluster shards with replicas (--replicas 1): placement by the coordinator,
replication inside each shard, READONLY reads and MOVED writes on replicas,
automatic failover when a primary is killed (every write that WAIT
acknowledged survives), CLUSTER FAILOVER, and a replaced primary coming back
as a replica. Real shoal processes on loopback, real clients (redis-py
RedisCluster; ioredis has tests/node/cluster.test.mjs).
"""
import os
import shutil
import subprocess
import tempfile
import threading
import time

import pytest
import redis
from redis.cluster import ClusterNode as PyClusterNode
from redis.cluster import RedisCluster
from redis.exceptions import RedisClusterException

from conftest import SHOAL, free_port
from test_cluster import Node

REPLICAS = ("--replicas", "1")


def shards_of(node):
    """CLUSTER SHARDS as [(primary_port, [replica ports], slot count)], without
    the entries of failed nodes that hold no slot (a replaced primary is
    listed that way, as in Redis, until it returns as a replica)."""
    out = []
    for shard in node.r.execute_command("CLUSTER", "SHARDS"):
        shard = dict(zip(shard[::2], shard[1::2]))
        slots = shard["slots"]
        count = sum(int(slots[i + 1]) - int(slots[i]) + 1 for i in range(0, len(slots), 2))
        primary, replicas = None, []
        for n in shard["nodes"]:
            n = dict(zip(n[::2], n[1::2]))
            if n["role"] == "master":
                primary = int(n["port"])
            else:
                replicas.append(int(n["port"]))
        if count:
            out.append((primary, sorted(replicas), count))
    return sorted(out)


def wait_shards(nodes, want_shards, want_replicas, timeout=30):
    """Until every live node shows `want_shards` shards covering all slots,
    each with `want_replicas` replicas (or, given a tuple, those counts in
    any order) that report a synced link."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            views = [shards_of(n) for n in nodes]
            ok = (all(v == views[0] for v in views) and len(views[0]) == want_shards
                  and sum(c for _, _, c in views[0]) == 16384
                  and (sorted(len(r) for _, r, _ in views[0]) == sorted(want_replicas)
                       if isinstance(want_replicas, tuple)
                       else all(len(r) == want_replicas for _, r, _ in views[0])))
            if ok:
                by_port = {n.port: n for n in nodes}
                synced = all(
                    by_port[p].r.info("replication").get("master_link_status") == "up"
                    for _, reps, _ in views[0] for p in reps)
                if synced:
                    return views[0]
            last = views
        except redis.RedisError as e:
            last = e
        time.sleep(0.1)
    raise AssertionError(f"shards did not settle: {last!r:.3000}")


def start_replicated(workdir, count=4, extra=()):
    first = Node(workdir, extra=(*REPLICAS, *extra))
    nodes = [first]
    for _ in range(count - 1):
        nodes.append(Node(workdir, join=[first], extra=(*REPLICAS, *extra)))
    return nodes


@pytest.fixture
def cluster4():
    # SHOAL_KEEP_LOGS=1 keeps the nodes' logs for a post-mortem.
    d = tempfile.mkdtemp(prefix="shoal-replicas-")
    nodes = start_replicated(d)
    try:
        yield nodes
    finally:
        for n in nodes:
            n.stop()
        if not os.environ.get("SHOAL_KEEP_LOGS"):
            shutil.rmtree(d, ignore_errors=True)


def by_port(nodes, port):
    return next(n for n in nodes if n.port == port)


def rc_of(node, **kw):
    return RedisCluster(startup_nodes=[PyClusterNode("127.0.0.1", node.port)],
                        decode_responses=True, **kw)


def test_replicas_placed_listed_and_synced(cluster4):
    nodes = cluster4
    shards = wait_shards(nodes, 2, 1)
    for primary, replicas, _ in shards:
        p, rep = by_port(nodes, primary), by_port(nodes, replicas[0])
        assert p.r.execute_command("ROLE")[0] == "master"
        role = rep.r.execute_command("ROLE")
        assert role[0] == "slave" and role[2] == primary
        info = rep.r.info("replication")
        assert info["role"] == "slave" and info["master_port"] == primary
        assert p.r.info("replication")["connected_slaves"] == 1
        # CLUSTER NODES: the replica names its primary's id; REPLICAS agrees.
        p_id = p.r.execute_command("CLUSTER", "MYID")
        rep_id = rep.r.execute_command("CLUSTER", "MYID")
        line = next(l for l in p.cli("CLUSTER", "NODES").splitlines() if l.startswith(rep_id))
        assert line.split()[2] == "slave" and line.split()[3] == p_id
        listed = p.r.execute_command("CLUSTER", "REPLICAS", p_id)
        assert len(listed) == 1 and listed[0].startswith(rep_id)
        # Both sides of the shard report the same shard id.
        assert (p.r.execute_command("CLUSTER", "MYSHARDID")
                == rep.r.execute_command("CLUSTER", "MYSHARDID"))
    # CLUSTER SLOTS: each range lists the primary, then its replica.
    for entry in nodes[0].r.execute_command("CLUSTER", "SLOTS"):
        assert len(entry) == 4
        ports = (entry[2][1], entry[3][1])
        assert any(ports == (p, r[0]) for p, r, _ in shards)


def test_writes_replicate_replica_serves_readonly_and_redirects(cluster4):
    nodes = cluster4
    shards = wait_shards(nodes, 2, 1)
    rc = rc_of(nodes[0])
    for i in range(500):
        rc.set(f"key:{i}", f"v{i}", ex=3600)
        rc.hset(f"h:{i}", mapping={"a": i})
    primary, replicas, _ = shards[0]
    p, rep = by_port(nodes, primary), by_port(nodes, replicas[0])
    # Keys of this shard: the ones its primary holds.
    mine = [f"key:{i}" for i in range(500) if owns(p, f"key:{i}")]
    assert mine
    # Wait for the replica to apply the stream (WAIT on the primary).
    assert p.r.execute_command("WAIT", 1, 2000) == 1
    c = redis.Redis(host="127.0.0.1", port=rep.port, decode_responses=True)
    # Without READONLY a replica redirects reads and writes to its primary.
    with pytest.raises(redis.ResponseError, match=rf"^MOVED \d+ 127.0.0.1:{primary}$"):
        c.get(mine[0])
    assert c.execute_command("READONLY") is True
    for k in mine[:50]:
        assert c.get(k) == f"v{k.split(':')[1]}"
        assert 0 < c.ttl(k) <= 3600
    # Writes still go to the primary, READONLY or not.
    with pytest.raises(redis.ResponseError, match=rf"^MOVED \d+ 127.0.0.1:{primary}$"):
        c.set(mine[0], "x")
    # Scripts are not read-only commands: redirected too.
    with pytest.raises(redis.ResponseError, match="^MOVED"):
        c.eval("return redis.call('GET', KEYS[1])", 1, mine[0])
    assert c.execute_command("READWRITE") is True
    with pytest.raises(redis.ResponseError, match="^MOVED"):
        c.get(mine[0])
    c.close()
    # redis-py's cluster client reading from replicas sees every value.
    rr = rc_of(nodes[0], read_from_replicas=True)
    for i in range(0, 500, 7):
        assert rr.get(f"key:{i}") == f"v{i}"
        assert rr.hget(f"h:{i}", "a") == str(i)
    rr.close()
    rc.close()


def owns(node, key):
    try:
        node.r.exists(key)
        return True
    except redis.ResponseError as e:
        assert str(e).startswith("MOVED"), e
        return False


def wait_writable(rc, key, timeout, rebuild):
    """Seconds until SET key succeeds through the cluster client `rc`, and
    the client that did it. Debian's redis-py 4.3.4 has a bug in
    RedisCluster's re-initialisation after a node died (it deep-copies a
    bound method and fails with "cannot pickle '_thread.lock' object";
    fixed upstream in 4.4 by redis/redis-py#2377): on that error only, the
    client is rebuilt with `rebuild()`. Any other error is retried."""
    start = time.time()
    last = None
    while time.time() - start < timeout:
        try:
            if rc is None:
                rc = rebuild()
            rc.set(key, "probe")
            return time.time() - start, rc
        except RedisClusterException as e:
            last = e
            if "cannot pickle" in str(e) and rc is not None:
                rc.close()
                rc = None
            time.sleep(0.05)
        except (redis.RedisError, OSError) as e:
            last = e
            time.sleep(0.05)
    raise AssertionError(f"{key} not writable after {timeout}s: {last!r}")


def test_kill9_primary_acknowledged_writes_survive_failover(cluster4):
    """Steady writes with WAIT 1 100 after each; kill -9 one primary; every
    write WAIT acknowledged is readable after the failover."""
    nodes = cluster4
    shards = wait_shards(nodes, 2, 1)
    victim_port, victim_replicas, _ = shards[0]
    victim = by_port(nodes, victim_port)
    conns = {}

    def conn(port):
        if port not in conns:
            conns[port] = redis.Redis(host="127.0.0.1", port=port, decode_responses=True,
                                      socket_timeout=2)
        return conns[port]

    acked = {}
    acked_count = [0]
    stop = threading.Event()
    errors = []

    def writer():
        # Follows MOVED by hand so that SET and WAIT go to the same primary.
        owner = {}
        i = 0
        while not stop.is_set():
            key = f"w:{i % 3000}"
            value = f"{i}"
            port = owner.get(key, nodes[0].port if nodes[0].alive() else nodes[1].port)
            try:
                c = conn(port)
                c.set(key, value)
                if c.execute_command("WAIT", 1, 100) >= 1:
                    acked[key] = value
                    acked_count[0] += 1
                i += 1
            except redis.ResponseError as e:
                msg = str(e)
                if msg.startswith("MOVED"):
                    owner[key] = int(msg.split()[2].split(":")[1])
                else:
                    time.sleep(0.02)  # CLUSTERDOWN while the shard fails over
            except (redis.ConnectionError, redis.TimeoutError):
                owner.pop(key, None)
                conns.pop(port, None)
                time.sleep(0.02)
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(repr(e))
                return

    t = threading.Thread(target=writer)
    t.start()
    time.sleep(2)
    before = acked_count[0]
    # redis-py's cluster client, set up before the kill, must find the new
    # primary of the victim's shard by itself.
    rc = rc_of(by_port(nodes, victim_replicas[0]))
    victim_key = next(k for k in (f"probe:{i}" for i in range(3000))
                      if rc.nodes_manager.get_node_from_slot(rc.keyslot(k)).port == victim_port)
    victim.kill()
    took, rc = wait_writable(rc, victim_key, 30,
                             lambda: rc_of(by_port(nodes, victim_replicas[0])))
    time.sleep(1)
    stop.set()
    t.join(10)
    assert not errors, errors
    print(f"failover: the victim's slots took writes again {took:.1f}s after kill -9; "
          f"{acked_count[0]} acked writes ({before} before the kill)")
    assert acked_count[0] > before > 0
    live = [n for n in nodes if n.alive()]
    shards = wait_shards(live, 2, (0, 1), timeout=30)
    assert victim_replicas[0] in [p for p, _, _ in shards]
    rc.close()
    rc = rc_of(live[0])
    # Each key holds its last acknowledged value, or a later one (a write
    # that landed but whose WAIT timed out).
    now = {k: rc.get(k) for k in acked}
    missing = [k for k, v in now.items() if v is None]
    lost = [(k, acked[k], v) for k, v in now.items() if v is not None and int(v) < int(acked[k])]
    assert not missing, f"{len(missing)} acknowledged keys missing, e.g. {missing[:5]}"
    assert not lost, f"{len(lost)} acknowledged writes lost, e.g. {lost[:5]}"
    rc.close()


def test_replaced_primary_returns_as_replica(cluster4):
    nodes = cluster4
    shards = wait_shards(nodes, 2, 1)
    victim_port, victim_replicas, _ = shards[0]
    victim = by_port(nodes, victim_port)
    rc = rc_of(nodes[0] if nodes[0] is not victim else nodes[1])
    for i in range(300):
        rc.set(f"r:{i}", i)
    assert victim.r.execute_command("WAIT", 1, 2000) == 1
    victim.kill()
    live = [n for n in nodes if n is not victim]
    wait_shards(live, 2, (0, 1), timeout=30)
    # Writes while it is away (a fresh client: the old one may trip on the
    # redis-py 4.3.4 bug described at wait_writable).
    rc.close()
    rc = rc_of(live[0])
    for i in range(300):
        rc.set(f"r:{i}", i + 1000)
    # It comes back with its nodes file: it must not serve its old data as
    # current; it becomes the replica of the shard it used to lead.
    victim.restart()
    shards = wait_shards(nodes, 2, 1, timeout=30)
    assert victim_port in [r[0] for _, r, _ in shards]
    assert victim.r.execute_command("ROLE")[0] == "slave"
    c = redis.Redis(host="127.0.0.1", port=victim_port, decode_responses=True)
    c.execute_command("READONLY")
    served = [i for i in range(300) if victim.r.execute_command("CLUSTER", "KEYSLOT", f"r:{i}")
              is not None]
    for i in served:
        v = None
        try:
            v = c.get(f"r:{i}")
        except redis.ResponseError as e:
            assert str(e).startswith("MOVED")
            continue
        assert v == str(i + 1000), (i, v)
    c.close()
    rc.close()


def test_quickly_restarted_primary_hands_its_shard_to_its_replica(cluster4):
    """kill -9 a primary and start it again at once, long before anyone
    declares it dead: it comes back empty (no data on disk), so it must not
    serve its slots or make its replica resync from it. It steps down: the
    replica keeps the shard's data and becomes primary, the restarted node
    its replica. No key is lost."""
    nodes = cluster4
    shards = wait_shards(nodes, 2, 1)
    victim_port, victim_replicas, _ = shards[0]
    victim = by_port(nodes, victim_port)
    other = next(n for n in nodes if n is not victim)
    rc = rc_of(other)
    for start in range(0, 4000, 500):
        pipe = rc.pipeline(transaction=False)
        for i in range(start, start + 500):
            pipe.set(f"q:{i}", i)
        pipe.execute()
    assert victim.r.execute_command("WAIT", 1, 2000) == 1
    held = victim.r.dbsize()
    assert held > 1000
    key = next(f"q:{i}" for i in range(4000) if rc.get_node_from_key(f"q:{i}").port == victim_port)
    slot = rc.keyslot(key)
    victim.kill()
    victim.restart()
    # While it hands over it refuses keyed commands (or, once the switch
    # happened, redirects them); it never answers from its empty store.
    with pytest.raises(redis.ResponseError) as refused:
        victim.r.get(key)
    assert str(refused.value) in (
        "CLUSTERDOWN This node restarted and is handing its shard to a synced replica",
        f"MOVED {slot} 127.0.0.1:{victim_replicas[0]}"), str(refused.value)
    shards = wait_shards(nodes, 2, 1, timeout=60)
    assert (victim_replicas[0], [victim_port]) in [(p, r) for p, r, _ in shards]
    assert victim.r.execute_command("ROLE")[0] == "slave"
    assert by_port(nodes, victim_replicas[0]).r.dbsize() == held
    rc.close()
    rc = rc_of(other)
    values = []
    for start in range(0, 4000, 500):
        pipe = rc.pipeline(transaction=False)
        for i in range(start, start + 500):
            pipe.get(f"q:{i}")
        values += pipe.execute()
    missing = [i for i, v in enumerate(values) if v != str(i)]
    assert not missing, f"{len(missing)} keys lost, e.g. {missing[:5]}"
    # The restarted node holds the shard's data again, as a replica.
    deadline = time.time() + 20
    while victim.r.dbsize() != held and time.time() < deadline:
        time.sleep(0.1)
    assert victim.r.dbsize() == held
    rc.close()


def test_cluster_failover_planned_switch_loses_no_write(cluster4):
    nodes = cluster4
    shards = wait_shards(nodes, 2, 1)
    primary_port, replica_ports, _ = shards[0]
    primary, replica = by_port(nodes, primary_port), by_port(nodes, replica_ports[0])
    # Errors on a primary, and on a node that is not in cluster mode.
    with pytest.raises(redis.ResponseError,
                       match="^You should send CLUSTER FAILOVER to a replica$"):
        primary.r.execute_command("CLUSTER", "FAILOVER")
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        replica.r.execute_command("CLUSTER", "FAILOVER", "SOON")
    rc = rc_of(nodes[0])
    done = {}
    stop = threading.Event()

    def writer():
        i = 0
        while not stop.is_set():
            try:
                rc.set(f"f:{i % 2000}", i)
                done[f"f:{i % 2000}"] = i
                i += 1
            except redis.RedisError:
                time.sleep(0.01)

    t = threading.Thread(target=writer)
    t.start()
    time.sleep(1)
    assert replica.r.execute_command("CLUSTER", "FAILOVER") == "OK"
    deadline = time.time() + 20
    while time.time() < deadline and replica.r.execute_command("ROLE")[0] != "master":
        time.sleep(0.05)
    assert replica.r.execute_command("ROLE")[0] == "master"
    shards = wait_shards(nodes, 2, 1, timeout=30)
    assert replica.port in [p for p, _, _ in shards]
    assert primary.port in [r[0] for _, r, _ in shards]
    time.sleep(1)
    stop.set()
    t.join(10)
    rc2 = rc_of(replica)
    bad = [(k, v, rc2.get(k)) for k, v in done.items() if rc2.get(k) != str(v)]
    assert not bad, f"{len(bad)} writes lost in the switch, e.g. {bad[:5]}"
    rc2.close()
    rc.close()


def test_replicas_zero_keeps_every_node_primary():
    with tempfile.TemporaryDirectory() as d:
        first = Node(d, extra=("--replicas", "0"))
        nodes = [first, Node(d, join=[first], extra=("--replicas", "0"))]
        try:
            shards = wait_shards(nodes, 2, 0)
            assert sorted(p for p, _, _ in shards) == sorted(n.port for n in nodes)
        finally:
            for n in nodes:
                n.stop()


def test_replicas_flag_bounds():
    for bad in ("-1", "16"):
        res = subprocess.run([SHOAL, "--port", str(free_port()), "--cluster-enabled", "yes",
                              "--replicas", bad],
                             capture_output=True, timeout=10)
        assert res.returncode != 0
        assert b"--replicas must be 0..15" in res.stdout + res.stderr


def test_sibling_replica_continues_from_the_promoted_one():
    """--replicas 2: when the primary dies and one replica is promoted, the
    other continues from its offset on the new primary (the promoted node
    kept the old primary's stream and accepts its replication id up to its
    promotion), with no second full sync."""
    d = tempfile.mkdtemp(prefix="shoal-replicas2-")
    extra = ("--replicas", "2")
    first = Node(d, extra=extra)
    nodes = [first] + [Node(d, join=[first], extra=extra) for _ in range(2)]
    try:
        shards = wait_shards(nodes, 1, 2)
        primary_port, _, _ = shards[0]
        primary = by_port(nodes, primary_port)
        pipe = primary.r.pipeline(transaction=False)
        for i in range(2000):
            pipe.set(f"{{t}}k{i}", i)
        pipe.execute()
        assert primary.r.execute_command("WAIT", 2, 5000) == 2
        primary.kill()
        live = [n for n in nodes if n.alive()]
        shards = wait_shards(live, 1, 1, timeout=30)
        new_port, (sibling_port,), _ = shards[0]
        new_primary, sibling = by_port(nodes, new_port), by_port(nodes, sibling_port)
        assert new_primary.r.info("replication")["master_replid2"] != "0" * 40
        new_primary.r.set("{t}after", "yes")
        assert new_primary.r.execute_command("WAIT", 1, 5000) == 1
        log = open(sibling.log.name, errors="replace").read()
        assert log.count("replication: full sync with primary") == 1, log
        assert f"replication: partial resync with primary 127.0.0.1:{new_port}" in log, log
        sibling.r.execute_command("READONLY")
        assert sibling.r.dbsize() == 2001
    finally:
        for n in nodes:
            n.stop()
        shutil.rmtree(d, ignore_errors=True)
