"""Cluster mode end to end: real shoal processes on loopback joined by
--join, driven by the clients Redis Cluster users have — redis-cli -c,
redis-cli --cluster check, redis-benchmark --cluster and redis-py's
RedisCluster (ioredis Cluster has tests/node/cluster.test.mjs).

Each node gets its own client port and bus port (--cluster-port), and fast
gossip timings so that joins and failure detection take seconds.
"""
import os
import re
import socket
import subprocess
import tempfile
import time

import pytest
import redis
from redis.cluster import ClusterNode as PyClusterNode
from redis.cluster import RedisCluster

from conftest import SHOAL, free_port

FAST_GOSSIP = ["--cluster-probe-interval-ms", "200", "--cluster-probe-timeout-ms", "100",
               "--cluster-push-pull-interval-ms", "1000", "--cluster-gossip-interval-ms", "100"]


class Node:
    """One cluster member: a shoal process with its client and bus ports."""

    def __init__(self, workdir, join=None, extra=()):
        self.port = free_port()
        self.bus_port = free_port()
        self.conf = os.path.join(workdir, f"nodes-{self.port}.conf")
        self.args = [SHOAL, "--port", str(self.port), "--bind", "127.0.0.1", "--threads", "2",
                     "--cluster-enabled", "yes", "--cluster-port", str(self.bus_port),
                     "--cluster-config-file", self.conf, "--announce-ip", "127.0.0.1",
                     *FAST_GOSSIP,
                     # Every node a primary unless a test asks for replicas.
                     *([] if "--replicas" in extra else ["--replicas", "0"]), *extra]
        if join:
            self.args += ["--join", ",".join(f"127.0.0.1:{n.port}@{n.bus_port}" for n in join)]
        self.log = open(os.path.join(workdir, f"shoal-{self.port}.log"), "wb")
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"shoal exited with {self.proc.returncode}: "
                                   + open(self.log.name, errors="replace").read())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.02)
        self.r = redis.Redis(host="127.0.0.1", port=self.port, decode_responses=True)

    @property
    def addr(self):
        return f"127.0.0.1:{self.port}"

    def cli(self, *args, cluster=False, timeout=60):
        cmd = ["redis-cli", "-h", "127.0.0.1", "-p", str(self.port)]
        if cluster:
            cmd.append("-c")
        res = subprocess.run(cmd + [str(a) for a in args], capture_output=True, timeout=timeout)
        return res.stdout.decode(errors="replace")

    def alive(self):
        return self.proc.poll() is None

    def restart(self):
        """Starts the process again with the same arguments (same ports and
        nodes file) once it has exited; returns when it answers PING."""
        self.log.close()
        self.log = open(self.log.name, "ab")
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT)
        self.r = redis.Redis(host="127.0.0.1", port=self.port, decode_responses=True)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                self.r.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.02)
        raise AssertionError("restarted node does not answer")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.r.close()
        self.log.close()


def slots_of(node):
    """CLUSTER SLOTS as a sorted list of (start, end, 'ip:port', id)."""
    out = []
    for entry in node.r.execute_command("CLUSTER", "SLOTS"):
        ip, port, node_id = entry[2][0], entry[2][1], entry[2][2]
        out.append((int(entry[0]), int(entry[1]), f"{ip}:{port}", node_id))
    return sorted(out)


def coverage(slots):
    return sum(e - s + 1 for s, e, _, _ in slots)


def migrating(nodes):
    """Whether any node still takes part in a warm slot migration."""
    try:
        return any("cluster_migration_plan:0\r\n" not in n.r.execute_command("CLUSTER", "INFO")
                   for n in nodes)
    except redis.RedisError:
        return True


def wait_converged(nodes, timeout=30):
    """Until every node reports the same CLUSTER SLOTS, covering all 16384
    slots with one primary per node. Returns the seconds it took."""
    start = time.time()
    last = None
    while time.time() - start < timeout:
        try:
            views = [slots_of(n) for n in nodes]
        except redis.RedisError as e:
            last = e
            time.sleep(0.1)
            continue
        owners = {o for _, _, o, _ in views[0]}
        if (all(v == views[0] for v in views) and coverage(views[0]) == 16384
                and owners == {n.addr for n in nodes} and not migrating(nodes)):
            return time.time() - start
        last = views
        time.sleep(0.1)
    raise AssertionError(f"cluster did not converge: {last!r:.2000}")


def start_cluster(workdir, count, extra=()):
    first = Node(workdir, extra=extra)
    nodes = [first]
    for _ in range(count - 1):
        nodes.append(Node(workdir, join=[first], extra=extra))
    return nodes


def owner_of(nodes, slot):
    for s, e, addr, _ in slots_of(nodes[0]):
        if s <= slot <= e:
            return next((n for n in nodes if n.addr == addr), None)
    raise AssertionError(f"slot {slot} not served")


def key_for(predicate, prefix="k"):
    for i in range(100000):
        k = f"{prefix}{i}"
        if predicate(k):
            return k
    raise AssertionError("no key found")


@pytest.fixture(scope="module")
def cluster():
    with tempfile.TemporaryDirectory() as d:
        nodes = start_cluster(d, 3)
        try:
            wait_converged(nodes)
            yield nodes
            for n in nodes:
                assert n.alive(), "a node crashed during the test module"
        finally:
            for n in nodes:
                n.stop()


@pytest.fixture
def rc(cluster):
    c = RedisCluster(startup_nodes=[PyClusterNode("127.0.0.1", cluster[0].port)],
                     decode_responses=True)
    yield c
    c.close()


def keyslot(node, key):
    return int(node.r.execute_command("CLUSTER", "KEYSLOT", key))


# ------------------------------------------------------------ topology


def test_every_node_reports_the_same_slots(cluster):
    views = [slots_of(n) for n in cluster]
    assert all(v == views[0] for v in views)
    assert coverage(views[0]) == 16384
    # Placement is balanced: no node far above a third.
    per_node = {}
    for s, e, addr, _ in views[0]:
        per_node[addr] = per_node.get(addr, 0) + e - s + 1
    assert max(per_node.values()) <= 1.16 * 16384 / 3
    # The ring keeps CLUSTER SLOTS short.
    assert len(views[0]) < 400


def test_cluster_nodes_lines(cluster):
    for n in cluster:
        text = n.r.execute_command("CLUSTER", "NODES")
        lines = [l for l in text.splitlines() if l]
        assert len(lines) == 3
        myself = [l for l in lines if "myself" in l.split()[2]]
        assert len(myself) == 1
        fields = myself[0].split()
        assert fields[0] == n.r.execute_command("CLUSTER", "MYID")
        assert fields[1] == f"127.0.0.1:{n.port}@{n.bus_port}"
        assert fields[2] == "myself,master"
        assert fields[3] == "-"
        assert fields[7] == "connected"
        for l in lines:
            f = l.split()
            assert re.fullmatch(r"[0-9a-f]{40}", f[0])
            assert re.fullmatch(r"127\.0\.0\.1:\d+@\d+", f[1])
            assert f[2].endswith("master")
            assert all(re.fullmatch(r"\d+(-\d+)?", r) for r in f[8:])
            assert len(f) > 8  # every primary owns slots


def test_cluster_info(cluster):
    info = cluster[0].r.execute_command("CLUSTER", "INFO")
    fields = dict(l.split(":", 1) for l in info.splitlines() if ":" in l)
    assert fields["cluster_state"] == "ok"
    assert fields["cluster_slots_assigned"] == "16384"
    assert fields["cluster_slots_ok"] == "16384"
    assert fields["cluster_slots_pfail"] == "0"
    assert fields["cluster_slots_fail"] == "0"
    assert fields["cluster_known_nodes"] == "3"
    assert fields["cluster_size"] == "3"
    assert int(fields["cluster_current_epoch"]) >= 1
    assert int(fields["cluster_stats_messages_sent"]) > 0
    assert int(fields["cluster_stats_messages_received"]) > 0


def test_cluster_shards(cluster):
    shards = cluster[0].r.execute_command("CLUSTER", "SHARDS")
    assert len(shards) == 3
    total = 0
    for sh in shards:
        d = dict(zip(sh[::2], sh[1::2]))
        slots = d["slots"]
        total += sum(int(slots[i + 1]) - int(slots[i]) + 1 for i in range(0, len(slots), 2))
        (node,) = d["nodes"]
        nd = dict(zip(node[::2], node[1::2]))
        assert nd["role"] == "master"
        assert nd["health"] == "online"
        assert nd["ip"] == "127.0.0.1"
    assert total == 16384
    my_shard = cluster[0].r.execute_command("CLUSTER", "MYSHARDID")
    assert re.fullmatch(r"[0-9a-f]{40}", my_shard)


def test_myid_keyslot_and_errors(cluster):
    r = cluster[0].r
    assert re.fullmatch(r"[0-9a-f]{40}", r.execute_command("CLUSTER", "MYID"))
    assert r.execute_command("CLUSTER", "KEYSLOT", "foo") == 12182
    assert r.execute_command("CLUSTER", "KEYSLOT", "{user1}a") == \
        r.execute_command("CLUSTER", "KEYSLOT", "user1")
    with pytest.raises(redis.ResponseError, match="^wrong number of arguments for 'cluster\\|keyslot'"):
        r.execute_command("CLUSTER", "KEYSLOT")
    with pytest.raises(redis.ResponseError, match="^unknown subcommand 'NOSUCH'. Try CLUSTER HELP."):
        r.execute_command("CLUSTER", "NOSUCH")
    with pytest.raises(redis.ResponseError, match="^Invalid slot$"):
        r.execute_command("CLUSTER", "COUNTKEYSINSLOT", "16384")
    with pytest.raises(redis.ResponseError, match="^value is not an integer or out of range"):
        r.execute_command("CLUSTER", "COUNTKEYSINSLOT", "x")
    with pytest.raises(redis.ResponseError, match="^Invalid slot or number of keys"):
        r.execute_command("CLUSTER", "GETKEYSINSLOT", "1", "-1")
    with pytest.raises(redis.ResponseError, match="^Invalid TCP base port specified: x"):
        r.execute_command("CLUSTER", "MEET", "127.0.0.1", "x")
    with pytest.raises(redis.ResponseError, match="^Invalid TCP bus port specified: y"):
        r.execute_command("CLUSTER", "MEET", "127.0.0.1", "1", "y")
    help_lines = r.execute_command("CLUSTER", "HELP")
    assert help_lines[0].startswith("CLUSTER <subcommand>")
    for cmd in ("READONLY", "READWRITE", "ASKING"):
        assert r.execute_command(cmd) in (True, "OK")


def test_cluster_saveconfig_writes_the_nodes_file_now(cluster):
    """CLUSTER SAVECONFIG writes the nodes file at once (a node otherwise
    writes it only after a change), and replies the write's error."""
    node = cluster[0]
    my_id = node.r.execute_command("CLUSTER", "MYID")
    os.unlink(node.conf)
    assert node.r.execute_command("CLUSTER", "SAVECONFIG") in (True, "OK")
    with open(node.conf) as f:
        assert my_id in f.read()
    # The file cannot be replaced (a non-empty directory took its name).
    os.unlink(node.conf)
    os.mkdir(node.conf)
    open(os.path.join(node.conf, "x"), "w").close()
    try:
        with pytest.raises(redis.ResponseError,
                           match="^error saving the cluster node config: cannot rename"):
            node.r.execute_command("CLUSTER", "SAVECONFIG")
        assert not os.path.exists(node.conf + ".tmp")
    finally:
        os.unlink(os.path.join(node.conf, "x"))
        os.rmdir(node.conf)
    assert node.r.execute_command("CLUSTER", "SAVECONFIG") in (True, "OK")
    assert os.path.isfile(node.conf)
    with pytest.raises(redis.ResponseError,
                       match="^wrong number of arguments for 'cluster\\|saveconfig'"):
        node.r.execute_command("CLUSTER", "SAVECONFIG", "now")


def test_info_reports_cluster_mode(cluster):
    r = cluster[0].r
    assert r.info("server")["redis_mode"] == "cluster"
    assert r.info("cluster")["cluster_enabled"] == 1
    with pytest.raises(redis.ResponseError, match="^SELECT is not allowed in cluster mode"):
        r.execute_command("SELECT", "1")
    assert r.execute_command("SELECT", "0") in (True, "OK")


# ------------------------------------------------------------- routing


def test_moved_points_at_the_owner(cluster):
    a = cluster[0]
    key = key_for(lambda k: owner_of(cluster, keyslot(a, k)) is not a)
    slot = keyslot(a, key)
    owner = owner_of(cluster, slot)
    with pytest.raises(redis.ResponseError, match=f"^MOVED {slot} 127.0.0.1:{owner.port}$"):
        a.r.get(key)
    owner.r.set(key, "v")
    assert owner.r.get(key) == "v"
    # Keyless commands run anywhere.
    assert a.r.ping()
    assert isinstance(a.r.dbsize(), int)


def test_crossslot(cluster):
    r = cluster[0].r
    with pytest.raises(redis.ResponseError, match="^CROSSSLOT Keys in request don't hash to the same slot"):
        r.mset({"a": 1, "b": 2})
    with pytest.raises(redis.ResponseError, match="^CROSSSLOT"):
        r.execute_command("MGET", "a", "b")


def test_watch_and_blocking_commands_are_routed(cluster):
    a = cluster[0]
    key = key_for(lambda k: owner_of(cluster, keyslot(a, k)) is not a, prefix="w")
    with pytest.raises(redis.ResponseError, match="^MOVED"):
        a.r.execute_command("WATCH", key)
    with pytest.raises(redis.ResponseError, match="^MOVED"):
        a.r.execute_command("BLPOP", key, "0.1")


def two_local_slots_keys(cluster, node):
    """Two keys in different slots that `node` serves."""
    k1 = key_for(lambda k: owner_of(cluster, keyslot(node, k)) is node, "x")
    s1 = keyslot(node, k1)
    k2 = key_for(lambda k: keyslot(node, k) != s1 and owner_of(cluster, keyslot(node, k)) is node,
                 "y")
    return k1, k2


def test_multi_exec_follows_redis_cluster_rules(cluster):
    a = cluster[0]
    k1, k2 = two_local_slots_keys(cluster, a)
    conn = redis.Redis(host="127.0.0.1", port=a.port, decode_responses=True)
    # Same slot (hash tag): runs.
    p = conn.pipeline(transaction=True)
    p.set("{t}" + k1, "1").set("{t}" + k1 + "x", "2")
    tag_owner = owner_of(cluster, keyslot(a, "{t}" + k1))
    if tag_owner is a:
        assert p.execute() == [True, True]
    # Keys of two slots, both served here: EXEC replies CROSSSLOT and the
    # transaction is gone.
    out = subprocess.run(["redis-cli", "-p", str(a.port)], input=(
        f"MULTI\nSET {k1} 1\nSET {k2} 2\nEXEC\nEXEC\n").encode(),
        capture_output=True, timeout=10).stdout.decode()
    assert [l for l in out.split("\n") if l][:5] == ["OK", "QUEUED", "QUEUED",
                                   "CROSSSLOT Keys in request don't hash to the same slot",
                                   "ERR EXEC without MULTI"]
    # A key served elsewhere: MOVED at queue time, EXECABORT at EXEC.
    far = key_for(lambda k: owner_of(cluster, keyslot(a, k)) is not a, "z")
    out = subprocess.run(["redis-cli", "-p", str(a.port)], input=(
        f"MULTI\nSET {k1} 1\nSET {far} 2\nEXEC\n").encode(),
        capture_output=True, timeout=10).stdout.decode().split("\n")
    out = [l for l in out if l]
    assert out[0] == "OK" and out[1] == "QUEUED"
    assert out[2].startswith("MOVED ")
    assert out[3] == "EXECABORT Transaction discarded because of previous errors."
    conn.close()


def test_keys_in_slot(cluster):
    a = cluster[0]
    key = key_for(lambda k: owner_of(cluster, keyslot(a, k)) is a, "slotkey")
    slot = keyslot(a, key)
    tagged = [f"{{{key}}}:{i}" for i in range(5)]
    for k in tagged:
        a.r.set(k, "1")
    assert a.r.execute_command("CLUSTER", "COUNTKEYSINSLOT", slot) == 5
    got = a.r.execute_command("CLUSTER", "GETKEYSINSLOT", slot, 3)
    assert len(got) == 3 and set(got) <= set(tagged)
    assert sorted(a.r.execute_command("CLUSTER", "GETKEYSINSLOT", slot, 100)) == sorted(tagged)
    assert a.r.execute_command("CLUSTER", "GETKEYSINSLOT", slot, 0) == []
    a.r.delete(*tagged)
    assert a.r.execute_command("CLUSTER", "COUNTKEYSINSLOT", slot) == 0


# ------------------------------------------------------------- clients


def test_redis_cli_follows_redirects(cluster):
    a = cluster[0]
    for i in range(50):
        assert a.cli("SET", f"cli:{i}", f"v{i}", cluster=True).strip() == "OK"
    for i in range(50):
        assert a.cli("GET", f"cli:{i}", cluster=True).strip() == f"v{i}"
    # Without -c the redirect is shown.
    key = key_for(lambda k: owner_of(cluster, keyslot(a, k)) is not a, "cli:")
    assert a.cli("GET", key).strip().startswith("MOVED ")


def test_redis_py_cluster_client(rc, cluster):
    for i in range(2000):
        rc.set(f"py:{i}", i)
    assert all(rc.get(f"py:{i}") == str(i) for i in range(2000))
    # The keys spread over every node.
    counts = [n.r.dbsize() for n in cluster]
    assert all(c > 0 for c in counts)
    # Hash tags keep multi-key commands on one slot.
    rc.mset({"{user:7}:name": "ann", "{user:7}:mail": "ann@example.org"})
    assert rc.mget("{user:7}:name", "{user:7}:mail") == ["ann", "ann@example.org"]
    assert rc.incr("{user:7}:visits") == 1
    p = rc.pipeline()
    for i in range(100):
        p.incr(f"pipe:{i}")
    assert p.execute() == [1] * 100
    assert rc.delete(*[f"py:{i}" for i in range(10)]) == 10
    assert rc.cluster_keyslot("foo") == 12182


def test_publish_reaches_every_node(cluster):
    a, b, c = cluster
    subs = []
    for n in (b, c):
        ps = n.r.pubsub()
        ps.subscribe("news")
        assert ps.get_message(timeout=2)["type"] == "subscribe"
        subs.append(ps)
    time.sleep(0.1)
    assert a.r.publish("news", "hello") == 0  # local receivers only, as Redis
    for ps in subs:
        msg = None
        deadline = time.time() + 5
        while msg is None and time.time() < deadline:
            msg = ps.get_message(timeout=0.5)
        assert msg is not None and msg["data"] == "hello", msg
        ps.close()


def test_shard_channels_route_by_slot(cluster):
    a = cluster[0]
    chan = key_for(lambda k: owner_of(cluster, keyslot(a, k)) is not a, "chan")
    owner = owner_of(cluster, keyslot(a, chan))
    with pytest.raises(redis.ResponseError, match="^MOVED"):
        a.r.execute_command("SPUBLISH", chan, "x")
    with pytest.raises(redis.ResponseError, match="^MOVED"):
        a.r.execute_command("SSUBSCRIBE", chan)
    # redis-py 4.3 has no ssubscribe(): speak RESP on a plain socket.
    with socket.create_connection(("127.0.0.1", owner.port), timeout=5) as s:
        s.sendall(f"SSUBSCRIBE {chan}\r\n".encode())
        first = s.recv(4096)
        assert b"ssubscribe" in first
        assert owner.r.execute_command("SPUBLISH", chan, "hi") == 1
        data = b""
        while b"hi" not in data:
            data += s.recv(4096)
        assert b"smessage" in data


def test_redis_cli_cluster_check(cluster):
    res = subprocess.run(["redis-cli", "--cluster", "check", cluster[1].addr],
                         capture_output=True, timeout=60)
    out = res.stdout.decode(errors="replace")
    assert res.returncode == 0, out
    assert "[ERR]" not in out, out
    assert "[OK] All nodes agree about slots configuration." in out
    assert "[OK] All 16384 slots covered." in out


def test_redis_benchmark_cluster(cluster):
    res = subprocess.run(["redis-benchmark", "--cluster", "-h", "127.0.0.1", "-p",
                          str(cluster[0].port), "-n", "20000", "-c", "20", "-t", "set,get",
                          "-q"], capture_output=True, timeout=120)
    out = res.stdout.decode(errors="replace") + res.stderr.decode(errors="replace")
    assert res.returncode == 0, out
    assert re.search(r"SET: [\d.]+ requests per second", out), out
    assert re.search(r"GET: [\d.]+ requests per second", out), out
    assert "MOVED" not in out and "ERR" not in out, out


def test_ioredis_cluster_client(cluster):
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node")
    if not os.path.isdir(os.path.join(here, "node_modules", "ioredis")):
        pytest.skip("ioredis is not installed (make install-deps)")
    env = dict(os.environ, SHOAL_CLUSTER_PORTS=",".join(str(n.port) for n in cluster))
    res = subprocess.run(["node", "--test", "cluster.test.mjs"], cwd=here, env=env,
                         capture_output=True, timeout=120)
    out = res.stdout.decode(errors="replace") + res.stderr.decode(errors="replace")
    assert res.returncode == 0, out


# ------------------------------------------------- growth and failure


def test_join_rebalances_and_death_leaves_slots_down():
    with tempfile.TemporaryDirectory() as d:
        nodes = start_cluster(d, 3)
        try:
            wait_converged(nodes)
            before = slots_of(nodes[0])
            # Clients blocked on keys of node 0; the ones whose slot moves
            # to the new node must be woken with -MOVED.
            a = nodes[0]
            blocked = {}
            for i in range(3000):
                k = f"blk{i}"
                if owner_of(nodes, keyslot(a, k)) is a:
                    s = socket.create_connection(("127.0.0.1", a.port), timeout=5)
                    s.sendall(f"BLPOP {k} 0\r\n".encode())
                    blocked[k] = s
                    if len(blocked) == 40:
                        break
            time.sleep(0.2)
            nodes.append(Node(d, join=[nodes[1]]))
            wait_converged(nodes)
            after = slots_of(nodes[0])
            moved_keys = 0
            for k, s in blocked.items():
                s.settimeout(3 if owner_of(nodes, keyslot(a, k)) is not a else 0.3)
                try:
                    got = s.recv(4096)
                except socket.timeout:
                    got = b""
                if owner_of(nodes, keyslot(a, k)) is a:
                    assert got == b"", (k, got)
                else:
                    moved_keys += 1
                    assert got.startswith(b"-MOVED "), (k, got)
                s.close()
            assert moved_keys > 0
            owners = {}
            for s, e, addr, _ in after:
                for slot in range(s, e + 1):
                    owners[slot] = addr
            moved = 0
            for s, e, addr, _ in before:
                moved += sum(1 for slot in range(s, e + 1) if owners[slot] != addr)
            # About a quarter of the slots move, all of them to the new node.
            assert 0.1 * 16384 < moved < 0.4 * 16384

            victim = nodes[2]
            rc = RedisCluster(startup_nodes=[PyClusterNode("127.0.0.1", nodes[0].port)],
                              decode_responses=True)
            for i in range(300):
                rc.set(f"k{i}", i)
            rc.close()
            victim_slot = next(s for s, e, addr, _ in after if addr == victim.addr)
            victim.kill()
            survivors = [n for n in nodes if n is not victim]
            victim_id = next(i for s, e, addr, i in after if addr == victim.addr)
            deadline = time.time() + 30
            while time.time() < deadline:
                lines = [n.r.execute_command("CLUSTER", "NODES") for n in survivors]
                flags = [next(l.split()[2] for l in t.splitlines() if l.startswith(victim_id))
                         for t in lines]
                if all(f.split(",")[-1] == "fail" for f in flags):
                    break
                time.sleep(0.2)
            else:
                raise AssertionError(f"survivors did not mark the dead node: {flags}")
            key = key_for(lambda k: keyslot(nodes[0], k) == victim_slot, "dead")
            for n in survivors:
                with pytest.raises(redis.ResponseError,
                                   match="^CLUSTERDOWN Hash slot not served"):
                    n.r.get(key)
                info = n.r.execute_command("CLUSTER", "INFO")
                assert "cluster_state:fail" in info
                assert "cluster_slots_fail:0" not in info
            # The other slots keep working.
            live = survivors[0]
            k = key_for(lambda k: owner_of(survivors, keyslot(live, k)) is live, "live")
            assert live.r.set(k, "1")

            # Restarted with its nodes file, the node comes back under its
            # old id and serves its slots again.
            victim.restart()
            deadline = time.time() + 30
            while time.time() < deadline:
                try:
                    if (all("cluster_state:ok" in n.r.execute_command("CLUSTER", "INFO")
                            for n in nodes)):
                        break
                except redis.RedisError:
                    pass
                time.sleep(0.2)
            else:
                raise AssertionError("the restarted node did not rejoin")
            assert victim.r.execute_command("CLUSTER", "MYID") == victim_id
            assert slots_of(nodes[0]) == after
        finally:
            for n in nodes:
                n.stop()


def test_graceful_leave_hands_the_slots_back():
    with tempfile.TemporaryDirectory() as d:
        nodes = start_cluster(d, 4, extra=["--cluster-leave-on-shutdown", "yes"])
        try:
            wait_converged(nodes)
            leaver = nodes.pop()
            leaver.stop()  # SIGTERM with leave-on-shutdown: the node leaves, its shard is retired
            wait_converged(nodes)
            for n in nodes:
                text = n.r.execute_command("CLUSTER", "NODES")
                assert f":{leaver.port}@" not in text or "fail" not in text
                assert "cluster_state:ok" in n.r.execute_command("CLUSTER", "INFO")
        finally:
            for n in nodes:
                n.stop()


def test_cluster_meet_joins_two_nodes():
    with tempfile.TemporaryDirectory() as d:
        a, b = Node(d), Node(d)
        try:
            assert a.r.execute_command("CLUSTER", "MEET", "127.0.0.1", b.port, b.bus_port) \
                in (True, "OK")
            wait_converged([a, b])
            with pytest.raises(redis.ResponseError, match="^Invalid node address specified"):
                a.r.execute_command("CLUSTER", "MEET", "no.such.host.invalid", "7000")
        finally:
            a.stop()
            b.stop()


def test_cluster_secret_keeps_outsiders_out():
    with tempfile.TemporaryDirectory() as d:
        a = Node(d, extra=["--cluster-secret", "s3cret"])
        b = Node(d, join=[a], extra=["--cluster-secret", "s3cret"])
        outsider = Node(d, join=[a], extra=["--cluster-secret", "wrong"])
        try:
            wait_converged([a, b])
            time.sleep(2)
            for n in (a, b):
                text = n.r.execute_command("CLUSTER", "NODES")
                assert len([l for l in text.splitlines() if l]) == 2, text
                assert f":{outsider.port}@" not in text
        finally:
            for n in (a, b, outsider):
                n.stop()


def test_ten_nodes_converge():
    with tempfile.TemporaryDirectory() as d:
        first = Node(d)
        nodes = [first]
        try:
            start = time.time()
            for _ in range(9):
                nodes.append(Node(d, join=[first]))
            took = wait_converged(nodes, timeout=60)
            total = time.time() - start
            print(f"\n10 nodes converged {took:.2f}s after the last start ({total:.2f}s in all)")
            assert len(slots_of(nodes[5])) < 1200
        finally:
            for n in nodes:
                n.stop()


# ------------------------------------------------------- standalone mode


def test_standalone_mode_has_cluster_support_disabled(server):
    r = server.client()
    for cmd in (["CLUSTER", "INFO"], ["CLUSTER", "SLOTS"], ["CLUSTER", "KEYSLOT", "a"],
                ["READONLY"], ["READWRITE"], ["ASKING"]):
        with pytest.raises(redis.ResponseError,
                           match="^This instance has cluster support disabled$"):
            r.execute_command(*cmd)
    with pytest.raises(redis.ResponseError, match="^unknown subcommand 'FOO'. Try CLUSTER HELP."):
        r.execute_command("CLUSTER", "FOO")
    assert r.info("server")["redis_mode"] == "standalone"
    assert r.info("cluster")["cluster_enabled"] == 0
    # Keys in different slots are fine without cluster mode.
    assert r.mset({"a": 1, "b": 2})
