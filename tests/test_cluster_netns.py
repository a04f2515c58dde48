"""Cluster mode across hosts: each node runs in its own network namespace
with its own address (10.77.0.0/24, on the same client port 6379), joined by
a bridge that lives in a namespace of its own, so no address is added to the
machine's own network. Clients run in a fifth namespace, as they would on
another host: redis-py RedisCluster, redis-cli -c, redis-cli --cluster
check. Then one namespace is cut off the bridge and the others must mark
its node failed and answer CLUSTERDOWN for its slots.

Needs root (ip netns); CI runs as root. Everything is removed afterwards.
"""
import json
import os
import shutil
import subprocess
import tempfile
import time

import pytest
from redis.crc import key_slot

from conftest import SHOAL

NODES = 3
SUBNET = "10.77.0"
PORT = 6379

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root to create network namespaces"),
    pytest.mark.skipif(shutil.which("ip") is None, reason="needs iproute2 (ip netns)"),
]


def sh(*args, check=True, timeout=30, input=None):
    res = subprocess.run([str(a) for a in args], capture_output=True, timeout=timeout,
                         input=input)
    if check and res.returncode != 0:
        raise RuntimeError(f"{args}: {res.stderr.decode(errors='replace')}")
    return res.stdout.decode(errors="replace")


class Hosts:
    """A bridge namespace, NODES node namespaces and one client namespace."""

    def __init__(self, count=NODES, prefix="sh", subnet=SUBNET):
        tag = f"{prefix}{os.getpid() % 100000}"
        self.switch = f"{tag}-sw"
        self.names = [f"{tag}-n{i}" for i in range(count)]
        self.client = f"{tag}-cl"
        self.ips = [f"{subnet}.{10 + i}" for i in range(count)]
        self.client_ip = f"{subnet}.100"
        self.created = []
        self.procs = []
        self.workdir = tempfile.mkdtemp(prefix="shoal-netns-")

    def setup(self):
        sh("ip", "netns", "add", self.switch)
        self.created.append(self.switch)
        sh("ip", "-n", self.switch, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", self.switch, "link", "set", "br0", "up")
        for i, (ns, ip) in enumerate(list(zip(self.names, self.ips)) +
                                     [(self.client, self.client_ip)]):
            sh("ip", "netns", "add", ns)
            self.created.append(ns)
            tmp = f"{ns[-6:]}-v{i}"[:15]
            sh("ip", "link", "add", tmp, "netns", ns, "type", "veth", "peer", "name",
               f"port{i}", "netns", self.switch)
            sh("ip", "-n", ns, "link", "set", tmp, "name", "eth0")
            sh("ip", "-n", ns, "addr", "add", f"{ip}/24", "dev", "eth0")
            sh("ip", "-n", ns, "link", "set", "eth0", "up")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            sh("ip", "-n", self.switch, "link", "set", f"port{i}", "master", "br0")
            sh("ip", "-n", self.switch, "link", "set", f"port{i}", "up")

    def start_node(self, i, replicas=0):
        ns, ip = self.names[i], self.ips[i]
        args = ["ip", "netns", "exec", ns, SHOAL, "--port", str(PORT), "--bind", ip,
                "--threads", "2", "--cluster-enabled", "yes", "--announce-ip", ip,
                "--protected-mode", "no",
                "--cluster-config-file", os.path.join(self.workdir, f"nodes-{i}.conf"),
                "--cluster-probe-interval-ms", "200", "--cluster-probe-timeout-ms", "100",
                "--cluster-push-pull-interval-ms", "1000", "--cluster-gossip-interval-ms", "100",
                "--replicas", str(replicas)]
        if i > 0:
            args += ["--join", f"{self.ips[0]}:{PORT}"]
        log = open(os.path.join(self.workdir, f"shoal-{i}.log"), "wb")
        self.procs.append(subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT))

    def py(self, script, timeout=60, ns=None):
        """Runs a Python script in the client namespace (or `ns`); returns its
        JSON output."""
        out = sh("ip", "netns", "exec", ns or self.client, "/usr/bin/python3", "-c", script,
                 timeout=timeout)
        return json.loads(out.strip().splitlines()[-1])

    def py_async(self, script, ns=None):
        """Starts a Python script in the client namespace (or `ns`)."""
        return subprocess.Popen(["ip", "netns", "exec", ns or self.client, "/usr/bin/python3",
                                 "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def cli(self, *args, timeout=60):
        return sh("ip", "netns", "exec", self.client, "redis-cli", *args, check=False,
                  timeout=timeout)

    def teardown(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        for ns in reversed(self.created):
            sh("ip", "netns", "del", ns, check=False)
        shutil.rmtree(self.workdir, ignore_errors=True)


SLOTS_SCRIPT = """
import json, redis
out = {}
for ip in %r:
    try:
        r = redis.Redis(host=ip, port=%d, socket_timeout=2)
        # A node still fenced after a heal (or stepping down) says fail.
        if b'cluster_state:ok' not in r.execute_command('CLUSTER', 'INFO'):
            out[ip] = 'cluster_state:fail'
            continue
        out[ip] = sorted([int(e[0]), int(e[1]), e[2][0].decode(), int(e[2][1])]
                         for e in r.execute_command('CLUSTER', 'SLOTS'))
    except Exception as e:
        out[ip] = str(e)
print(json.dumps(out))
"""


def wait_converged(hosts, ips, timeout=40):
    deadline = time.time() + timeout
    views = None
    while time.time() < deadline:
        views = hosts.py(SLOTS_SCRIPT % (ips, PORT))
        first = views[ips[0]]
        if isinstance(first, list) and all(views[ip] == first for ip in ips):
            covered = sum(e - s + 1 for s, e, _, _ in first)
            if covered == 16384 and {h for _, _, h, _ in first} == set(ips):
                return first
        time.sleep(0.3)
    raise AssertionError(f"no convergence: {views!r:.2000}")


@pytest.fixture(scope="module")
def hosts():
    h = Hosts()
    try:
        h.setup()
        for i in range(NODES):
            h.start_node(i)
            time.sleep(0.2)
        yield h
        for p in h.procs:
            assert p.poll() is None, "a node died during the test"
    finally:
        h.teardown()


def test_nodes_on_separate_hosts_agree(hosts):
    slots = wait_converged(hosts, hosts.ips)
    assert {h for _, _, h, _ in slots} == set(hosts.ips)
    assert all(p == PORT for _, _, _, p in slots)


def test_clients_across_hosts(hosts):
    wait_converged(hosts, hosts.ips)
    res = hosts.py("""
import json, redis
from redis.cluster import RedisCluster, ClusterNode
rc = RedisCluster(startup_nodes=[ClusterNode(%r, %d)], decode_responses=True)
for i in range(1000):
    rc.set(f"k{i}", i)
ok = all(rc.get(f"k{i}") == str(i) for i in range(1000))
rc.mset({"{t}a": "1", "{t}b": "2"})
same = rc.mget("{t}a", "{t}b") == ["1", "2"]
sizes = [redis.Redis(host=ip, port=%d).dbsize() for ip in %r]
moved = None
r = redis.Redis(host=%r, port=%d)
for i in range(1000):
    try:
        r.get(f"m{i}")
    except redis.ResponseError as e:
        moved = str(e)
        break
cross = None
try:
    r.execute_command("MGET", "a", "b")
except redis.ResponseError as e:
    cross = str(e)
print(json.dumps({"ok": ok, "same": same, "sizes": sizes, "moved": moved, "cross": cross}))
""" % (hosts.ips[1], PORT, PORT, hosts.ips, hosts.ips[0], PORT))
    assert res["ok"] and res["same"]
    assert all(n > 0 for n in res["sizes"]), res["sizes"]
    assert res["moved"].startswith("MOVED ") and f":{PORT}" in res["moved"]
    assert res["moved"].split()[2].rsplit(":", 1)[0] in hosts.ips[1:]
    assert res["cross"] == "CROSSSLOT Keys in request don't hash to the same slot"

    assert hosts.cli("-c", "-h", hosts.ips[2], "-p", PORT, "set", "netns:key", "v").strip() == "OK"
    assert hosts.cli("-c", "-h", hosts.ips[0], "-p", PORT, "get", "netns:key").strip() == "v"
    check = hosts.cli("--cluster", "check", f"{hosts.ips[0]}:{PORT}")
    assert "[ERR]" not in check, check
    assert "[OK] All 16384 slots covered." in check, check


def test_cut_off_host_is_marked_failed(hosts):
    slots = wait_converged(hosts, hosts.ips)
    victim = hosts.ips[NODES - 1]
    victim_slot = next(s for s, e, h, _ in slots if h == victim)
    # Unplug the victim's cable: its port on the bridge goes down.
    sh("ip", "-n", hosts.switch, "link", "set", f"port{NODES - 1}", "down")
    survivors = hosts.ips[:NODES - 1]
    script = """
import json, redis
out = {}
for ip in %r:
    r = redis.Redis(host=ip, port=%d, decode_responses=True, socket_timeout=2)
    nodes = r.execute_command("CLUSTER", "NODES")
    flags = [l.split()[2] for l in nodes.splitlines() if l.split()[1].startswith(%r + ":")]
    info = r.execute_command("CLUSTER", "INFO")
    key = next(f"x{i}" for i in range(200000)
               if r.execute_command("CLUSTER", "KEYSLOT", f"x{i}") == %d)
    try:
        r.get(key)
        err = None
    except redis.ResponseError as e:
        err = str(e)
    out[ip] = {"flags": flags, "state": "cluster_state:fail" in info, "err": err}
print(json.dumps(out))
"""
    deadline = time.time() + 40
    res = None
    while time.time() < deadline:
        res = hosts.py(script % (survivors, PORT, victim, victim_slot))
        if all(v["flags"] and v["flags"][0].split(",")[-1] == "fail" for v in res.values()):
            break
        time.sleep(0.5)
    else:
        raise AssertionError(f"the cut-off node was not marked failed: {res}")
    for ip, v in res.items():
        assert v["state"], ip
        assert v["err"] == "CLUSTERDOWN Hash slot not served", (ip, v)
    # The slots of the survivors keep working.
    ok = hosts.cli("-c", "-h", survivors[0], "-p", PORT, "set", "after:cut", "1")
    if ok.strip() != "OK":
        # The key may hash to the victim's slots; try a few others.
        outs = [hosts.cli("-c", "-h", survivors[0], "-p", PORT, "set", f"after:{i}", "1").strip()
                for i in range(20)]
        assert "OK" in outs, outs


# A primary cut off from the majority fences itself (CLUSTERDOWN) before the
# coordinator may give any of its slots to a node that joins the majority
# side meanwhile: two nodes never accept writes for one slot.
FENCE_PROBE = """
import json, time, redis
r = redis.Redis(host=%r, port=%d, decode_responses=True, socket_timeout=1)
key = %r
first_ok = first_down = state = None
end = time.time() + %f
while time.time() < end:
    try:
        r.set(key, "x")
        if first_ok is None:
            first_ok = time.time()
    except redis.ResponseError as e:
        if str(e) == "CLUSTERDOWN The cluster is down" and first_down is None:
            first_down = time.time()
            # Fenced, it reports the cluster down, as a Redis minority node.
            state = r.execute_command("CLUSTER", "INFO").split()[0]
            break
    time.sleep(0.02)
print(json.dumps({"ok": first_ok, "down": first_down, "state": state}))
"""

MOVE_PROBE = """
import json, time, redis
r = redis.Redis(host=%r, port=%d, socket_timeout=1)
victim_slots = set(%r)
newcomer = %r
moved = None
end = time.time() + %f
while time.time() < end:
    try:
        for e in r.execute_command("CLUSTER", "SLOTS"):
            if e[2][0].decode() == newcomer and any(
                    s in victim_slots for s in range(int(e[0]), int(e[1]) + 1)):
                moved = time.time()
                break
    except redis.RedisError:
        pass
    if moved:
        break
    time.sleep(0.02)
print(json.dumps({"moved": moved}))
"""


def test_cut_off_primary_fences_before_its_slots_move():
    h = Hosts(count=4, prefix="sf", subnet="10.78.0")
    try:
        h.setup()
        for i in range(3):
            h.start_node(i)
            time.sleep(0.2)
        slots = wait_converged(h, h.ips[:3])
        victim, newcomer = h.ips[2], h.ips[3]
        victim_slots = sorted({s for a, b, ip, _ in slots if ip == victim
                               for s in range(a, b + 1)})
        # The victim answers writes to its slots until it fences.
        key = next(f"f{i}" for i in range(200000) if key_slot(f"f{i}".encode()) in victim_slots)
        fence = h.py_async(FENCE_PROBE % (victim, PORT, key, 20.0), ns=h.names[2])
        time.sleep(1.0)
        cut = time.time()
        sh("ip", "-n", h.switch, "link", "set", "port2", "down")
        # Once the majority has marked the victim failed, a node joins the
        # majority side: the coordinator must not hand it the victim's slots
        # until the victim has provably fenced itself.
        failed = """
import json, time, redis
r = redis.Redis(host=%r, port=%d, decode_responses=True, socket_timeout=1)
end = time.time() + 20
while time.time() < end:
    line = [l for l in r.execute_command("CLUSTER", "NODES").splitlines() if %r in l][0]
    if line.split()[2].split(",")[-1] == "fail":
        break
    time.sleep(0.02)
print(json.dumps(time.time()))
""" % (h.ips[0], PORT, victim + ":")
        declared = h.py(failed)
        h.start_node(3)
        move = h.py_async(MOVE_PROBE % (h.ips[0], PORT, victim_slots, newcomer, 30.0))
        f = json.loads(fence.communicate(timeout=40)[0].decode().strip().splitlines()[-1])
        m = json.loads(move.communicate(timeout=40)[0].decode().strip().splitlines()[-1])
        assert f["ok"] is not None and f["ok"] < cut, f
        assert f["down"] is not None, "the cut-off node never fenced itself"
        assert f["state"] == "cluster_state:fail", f
        assert m["moved"] is not None, "the newcomer never got the dead node's slots"
        print(f"failed {declared - cut:.2f} s, fenced {f['down'] - cut:.2f} s after the cut, "
              f"slots moved {m['moved'] - cut:.2f} s after it")
        assert f["down"] < m["moved"], (f, m, cut)
        # Heal: the victim sees the majority again, takes the new table and
        # serves what it still owns.
        sh("ip", "-n", h.switch, "link", "set", "port2", "up")
        wait_converged(h, h.ips)
        ok = h.cli("-c", "-h", h.ips[0], "-p", PORT, "set", "after:heal", "1").strip()
        assert ok == "OK", ok
        for p in h.procs:
            assert p.poll() is None, "a node died during the test"
    finally:
        h.teardown()


# With replicas (R=1, two shards on four hosts): a primary cut off from the
# others. The majority promotes its replica and keeps serving; the cut-off
# side stops taking writes; after the heal the views converge, the old
# primary comes back as a replica, and no write the majority acknowledged
# (WAIT 1) is lost.
TOPOLOGY = """
import json, redis
r = redis.Redis(host=%r, port=%d, decode_responses=True, socket_timeout=1)
out = {"primaries": {}, "replicas": {}}
for line in r.execute_command("CLUSTER", "NODES").splitlines():
    f = line.split()
    ip = f[1].split(":")[0]
    if "master" in f[2] and "fail" not in f[2] and len(f) > 8:
        out["primaries"][ip] = f[0]
    elif "slave" in f[2] and "fail" not in f[2]:
        out["replicas"][ip] = f[3]
ids = {f.split()[0]: f.split()[1].split(":")[0] for f in
       r.execute_command("CLUSTER", "NODES").splitlines()}
out["replicas"] = {ip: ids.get(pid) for ip, pid in out["replicas"].items()}
out["ok"] = "cluster_state:ok" in r.execute_command("CLUSTER", "INFO")
links = {}
for ip in out["replicas"]:
    try:
        info = redis.Redis(host=ip, port=%d, decode_responses=True,
                           socket_timeout=1).info("replication")
        links[ip] = info.get("master_link_status")
    except redis.RedisError as e:
        links[ip] = str(e)
out["links"] = links
print(json.dumps(out))
"""

WAIT_WRITER = """
import json, time, redis
ips, port, seconds = %r, %d, %f
conns = {}
def conn(ip):
    if ip not in conns:
        conns[ip] = redis.Redis(host=ip, port=port, decode_responses=True, socket_timeout=0.5)
    return conns[ip]
owner, acked, i = {}, {}, 0
end = time.time() + seconds
while time.time() < end:
    key = "p:%%d" %% (i %% 2000)
    ip = owner.get(key, ips[0])
    try:
        c = conn(ip)
        c.set(key, i)
        if c.execute_command("WAIT", 1, 100) >= 1:
            acked[key] = i
        i += 1
    except redis.ResponseError as e:
        msg = str(e)
        if msg.startswith("MOVED"):
            owner[key] = msg.split()[2].split(":")[0]
        else:
            time.sleep(0.02)
    except (redis.ConnectionError, redis.TimeoutError):
        owner.pop(key, None)
        conns.pop(ip, None)
        time.sleep(0.02)
print(json.dumps({"acked": acked, "writes": i}))
"""

READ_BACK = """
import json, redis
from redis.cluster import RedisCluster, ClusterNode
rc = RedisCluster(startup_nodes=[ClusterNode(%r, %d)], decode_responses=True)
keys = %r
pipe = rc.pipeline(transaction=False)
for k in keys:
    pipe.get(k)
print(json.dumps(dict(zip(keys, pipe.execute()))))
"""


def topology(h, ip):
    return h.py(TOPOLOGY % (ip, PORT, PORT))


def test_partitioned_primary_is_replaced_and_no_acknowledged_write_is_lost():
    h = Hosts(count=4, prefix="sp", subnet="10.79.0")
    try:
        h.setup()
        for i in range(4):
            h.start_node(i, replicas=1)
            time.sleep(0.2)
        deadline = time.time() + 40
        while True:
            t = topology(h, h.ips[0])
            if (len(t["primaries"]) == 2 and len(t["replicas"]) == 2 and t["ok"]
                    and all(v == "up" for v in t["links"].values())):
                break
            assert time.time() < deadline, f"replicas never synced: {t}"
            time.sleep(0.3)
        # The victim: the primary that is not node 0 (the coordinator stays
        # on the majority side), and its replica.
        victim = next(ip for ip in t["primaries"] if ip != h.ips[0])
        vi = h.ips.index(victim)
        heir = next(r for r, p in t["replicas"].items() if p == victim)
        slots = h.py(SLOTS_SCRIPT % ([h.ips[0]], PORT))[h.ips[0]]
        victim_slots = {s for a, b, ip, _ in slots if ip == victim for s in range(a, b + 1)}
        key = next(f"m{i}" for i in range(200000) if key_slot(f"m{i}".encode()) in victim_slots)
        writer = h.py_async(WAIT_WRITER % (h.ips, PORT, 14.0))
        minority = h.py_async(FENCE_PROBE % (victim, PORT, key, 12.0), ns=h.names[vi])
        time.sleep(2.0)
        cut = time.time()
        sh("ip", "-n", h.switch, "link", "set", f"port{vi}", "down")
        # The majority promotes the heir and serves the victim's slots again.
        promoted = None
        while time.time() - cut < 30:
            t = topology(h, h.ips[0])
            if heir in t["primaries"]:
                promoted = time.time()
                break
            time.sleep(0.1)
        assert promoted is not None, f"the replica was never promoted: {t}"
        f = json.loads(minority.communicate(timeout=40)[0].decode().strip().splitlines()[-1])
        assert f["down"] is not None, "the cut-off primary kept taking writes"
        assert f["down"] < promoted, (f, promoted)
        time.sleep(2.0)
        sh("ip", "-n", h.switch, "link", "set", f"port{vi}", "up")
        w = json.loads(writer.communicate(timeout=60)[0].decode().strip().splitlines()[-1])
        print(f"cut-off primary fenced {f['down'] - cut:.2f} s, replica promoted "
              f"{promoted - cut:.2f} s after the cut; {len(w['acked'])} keys acknowledged "
              f"of {w['writes']} writes")
        # After the heal: every node agrees, the old primary is a replica of
        # its heir, and every acknowledged write reads back (or a later one).
        deadline = time.time() + 40
        while True:
            views = [topology(h, ip) for ip in h.ips]
            if (all(v["ok"] and v["primaries"] == views[0]["primaries"] for v in views)
                    and views[0]["replicas"].get(victim) == heir
                    and all(s == "up" for s in views[0]["links"].values())):
                break
            assert time.time() < deadline, f"views did not converge: {views}"
            time.sleep(0.3)
        keys = sorted(w["acked"])
        assert len(keys) > 100
        got = h.py(READ_BACK % (h.ips[0], PORT, keys))
        lost = [(k, w["acked"][k], got[k]) for k in keys
                if got[k] is None or int(got[k]) < w["acked"][k]]
        assert not lost, f"{len(lost)} acknowledged writes lost, e.g. {lost[:5]}"
        for p in h.procs:
            assert p.poll() is None, "a node died during the test"
    finally:
        h.teardown()
