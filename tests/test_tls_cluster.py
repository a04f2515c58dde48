"""The cluster bus over TLS (tls-cluster yes): real shoal processes whose
bus connections are mutually authenticated TLS (each node shows its
certificate and checks the peer's against the CA), with SWIM's datagrams
carried over those connections and no UDP socket open. Checked: a cluster
forms and serves through redis-py's cluster client; a primary killed with
R=1 is replaced (failure detection and the promotion travel over TLS); a
node whose certificate another CA signed, and a node without TLS on its
bus, cannot join; tls-cluster cannot change at run time.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest
import redis
from redis.cluster import ClusterNode as PyClusterNode
from redis.cluster import RedisCluster

from conftest import free_port
from test_cluster import Node
from test_cluster_replicas import wait_shards, by_port, wait_writable


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _make_ca(d, name):
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.crt", "-days", "2",
             "-subj", f"/CN={name}", cwd=d)


def _make_node_cert(d, name, ca):
    """A node certificate good for both ends of a bus connection."""
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=d)
    with open(os.path.join(d, f"{name}.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n")
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key",
             "-CAcreateserial", "-out", f"{name}.crt", "-days", "2", "-extfile", f"{name}.ext",
             cwd=d)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("tlscluster"))
    _make_ca(d, "ca")
    _make_ca(d, "otherca")
    _make_node_cert(d, "node", "ca")
    _make_node_cert(d, "stranger", "otherca")
    return d


def tls_args(pki, cert="node", ca="ca"):
    return ["--tls-port", str(free_port()),
            "--tls-cert-file", os.path.join(pki, f"{cert}.crt"),
            "--tls-key-file", os.path.join(pki, f"{cert}.key"),
            "--tls-ca-cert-file", os.path.join(pki, f"{ca}.crt"),
            "--tls-cluster", "yes"]


@pytest.fixture
def workdir():
    d = tempfile.mkdtemp(prefix="shoal-tlscluster-")
    nodes = []
    yield d, nodes
    for n in nodes:
        n.stop()
    if not os.environ.get("SHOAL_KEEP_LOGS"):
        shutil.rmtree(d, ignore_errors=True)


def known_nodes(node):
    return int(node.r.execute_command("CLUSTER", "INFO").split("cluster_known_nodes:")[1]
               .split()[0])


def wait_until(pred, timeout=30.0, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if pred():
                return True
        except redis.RedisError:
            pass
        time.sleep(step)
    return pred()


def owner_port(node, key):
    slot = node.r.execute_command("CLUSTER", "KEYSLOT", key)
    for entry in node.r.execute_command("CLUSTER", "SLOTS"):
        if entry[0] <= slot <= entry[1]:
            return int(entry[2][1])
    return None


def cluster_ok(nodes):
    return all("cluster_state:ok" in n.r.execute_command("CLUSTER", "INFO") and
               known_nodes(n) == len(nodes) for n in nodes)


def test_cluster_forms_and_serves_over_a_tls_bus(pki, workdir):
    d, nodes = workdir
    first = Node(d, extra=tls_args(pki))
    nodes.append(first)
    for _ in range(2):
        nodes.append(Node(d, join=[first], extra=tls_args(pki)))
    assert wait_until(lambda: cluster_ok(nodes))
    rc = RedisCluster(startup_nodes=[PyClusterNode("127.0.0.1", first.port)],
                      decode_responses=True)
    for i in range(300):
        rc.set(f"k{i}", i)
    assert all(rc.get(f"k{i}") == str(i) for i in range(300))
    assert len({rc.nodes_manager.get_node_from_slot(rc.keyslot(f"k{i}")).port
                for i in range(300)}) == 3
    rc.close()
    for n in nodes:
        assert n.r.config_get("tls-cluster") == {"tls-cluster": "yes"}
        # No UDP socket on the bus port: datagrams travel over TLS.
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            probe.bind(("127.0.0.1", n.bus_port))
        finally:
            probe.close()
        with pytest.raises(redis.ResponseError):
            n.r.config_set("tls-cluster", "no")
    log = open(nodes[1].log.name, errors="replace").read()
    assert "TLS handshake" not in log and "TLS failure" not in log, log


def test_failover_over_a_tls_bus(pki, workdir):
    d, nodes = workdir
    extra = ["--replicas", "1", *tls_args(pki)]
    first = Node(d, extra=extra)
    nodes.append(first)
    for _ in range(3):
        nodes.append(Node(d, join=[first], extra=["--replicas", "1", *tls_args(pki)]))
    shards = wait_shards(nodes, 2, 1)
    victim_port, (heir_port,), _ = shards[0]
    victim, heir = by_port(nodes, victim_port), by_port(nodes, heir_port)
    key = next(f"v{i}" for i in range(10000) if owner_port(victim, f"v{i}") == victim_port)
    victim.r.set(key, "before")
    assert victim.r.execute_command("WAIT", 1, 5000) == 1
    rc = RedisCluster(startup_nodes=[PyClusterNode("127.0.0.1", heir.port)],
                      decode_responses=True)
    victim.kill()
    took, rc = wait_writable(rc, key, 30, lambda: RedisCluster(
        startup_nodes=[PyClusterNode("127.0.0.1", heir.port)], decode_responses=True))
    print(f"failover over the TLS bus: writable again {took:.1f}s after kill -9")
    assert rc.get(key) == "probe"
    live = [n for n in nodes if n.alive()]
    shards = wait_shards(live, 2, (0, 1), timeout=30)
    assert heir_port in [p for p, _, _ in shards]
    rc.close()


@pytest.mark.parametrize("kind", ["foreign-ca", "plain-bus"])
def test_a_node_the_cluster_cannot_authenticate_does_not_join(pki, workdir, kind):
    d, nodes = workdir
    first = Node(d, extra=tls_args(pki))
    nodes.append(first)
    nodes.append(Node(d, join=[first], extra=tls_args(pki)))
    assert wait_until(lambda: cluster_ok(nodes))
    extra = (tls_args(pki, cert="stranger", ca="otherca") if kind == "foreign-ca"
             else ["--replicas", "0"])
    intruder = Node(d, join=[first], extra=extra)
    try:
        time.sleep(3)
        assert all(known_nodes(n) == 2 for n in nodes)
        assert known_nodes(intruder) == 1
        assert all(len(n.r.execute_command("CLUSTER", "NODES").splitlines()) == 2
                   for n in nodes)
    finally:
        intruder.stop()
    if kind == "foreign-ca":
        logs = "".join(open(n.log.name, errors="replace").read() for n in nodes)
        assert "TLS failure" in logs or "TLS handshake" in logs, logs
