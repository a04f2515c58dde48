"""The cluster over TLS (tls-cluster yes): real shoal processes whose
bus connections are mutually authenticated TLS (each node shows its
certificate and checks the peer's against the CA), with SWIM's datagrams
carried over those connections and no UDP socket open. Checked: a cluster
forms and serves through redis-py's cluster client; a primary killed with
R=1 is replaced (failure detection and the promotion travel over TLS); a
node whose certificate another CA signed, and a node without TLS on its
bus, cannot join; tls-cluster cannot change at run time. And TLS-only
nodes (--port 0): the cluster announces the TLS ports, TLS cluster clients
follow them, and replication, CLUSTER FAILOVER's handshake and warm slot
migration (MIGRATE) between members all run over TLS.
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

from conftest import SHOAL, free_port
from test_cluster import FAST_GOSSIP, Node, migrating, slots_of, wait_converged
from test_cluster_replicas import wait_shards, by_port, wait_writable
from test_tls import _make_ca, _openssl


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


class TlsNode(Node):
    """A TLS-only cluster member (--port 0): it announces its TLS port.
    Node's kill/stop/alive apply; only the start and the clients differ."""

    def __init__(self, workdir, pki, join=None, extra=()):
        self.pki = pki
        self.port = free_port()  # the TLS port, the one the cluster announces
        self.bus_port = free_port()
        conf = os.path.join(workdir, f"nodes-{self.port}.conf")
        self.args = [SHOAL, "--port", "0", "--bind", "127.0.0.1", "--threads", "2",
                     "--cluster-enabled", "yes", "--cluster-port", str(self.bus_port),
                     "--cluster-config-file", conf, "--announce-ip", "127.0.0.1",
                     *FAST_GOSSIP, "--tls-port", str(self.port),
                     "--tls-cert-file", os.path.join(pki, "node.crt"),
                     "--tls-key-file", os.path.join(pki, "node.key"),
                     "--tls-ca-cert-file", os.path.join(pki, "ca.crt"),
                     "--tls-cluster", "yes", *extra]
        if join:
            self.args += ["--join", ",".join(f"127.0.0.1:{n.port}@{n.bus_port}" for n in join)]
        self.log = open(os.path.join(workdir, f"shoal-{self.port}.log"), "wb")
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT)
        self.r = redis.Redis(decode_responses=True, **self.ssl_kwargs(port=self.port))
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("shoal exited: " + open(self.log.name, errors="replace").read())
            try:
                self.r.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("TLS node does not answer")

    def ssl_kwargs(self, **kw):
        return dict(host="127.0.0.1", ssl=True, socket_timeout=10,
                    ssl_ca_certs=os.path.join(self.pki, "ca.crt"),
                    ssl_certfile=os.path.join(self.pki, "node.crt"),
                    ssl_keyfile=os.path.join(self.pki, "node.key"), **kw)

    def cluster_client(self):
        kw = self.ssl_kwargs()
        kw.pop("host")
        return RedisCluster(startup_nodes=[PyClusterNode("127.0.0.1", self.port)],
                            decode_responses=True, **kw)

    def logtext(self):
        return open(self.log.name, errors="replace").read()


def test_tls_only_cluster_replicates_fails_over_and_serves_tls_clients(pki, workdir):
    d, nodes = workdir
    first = TlsNode(d, pki, extra=["--replicas", "1"])
    nodes.append(first)
    for _ in range(3):
        nodes.append(TlsNode(d, pki, join=[first], extra=["--replicas", "1"]))
    shards = wait_shards(nodes, 2, 1)
    # Every announced port is a TLS port; replicas synced over TLS.
    assert {p for p, _, _ in shards} | {r for _, rs, _ in shards for r in rs} == \
        {n.port for n in nodes}
    for _, (rep,), _ in shards:
        assert "over TLSv1.3" in by_port(nodes, rep).logtext()
    rc = first.cluster_client()
    for i in range(300):
        rc.set(f"k{i}", i)
    assert all(rc.get(f"k{i}") == str(i) for i in range(300))
    # A planned switch: the replica's handshake with its primary (CLIENT
    # PAUSE, INFO) runs over TLS.
    primary_port, (replica_port,), _ = shards[0]
    replica = by_port(nodes, replica_port)
    assert replica.r.execute_command("CLUSTER", "FAILOVER") == "OK"
    assert wait_until(lambda: replica.r.info("replication")["role"] == "master")
    assert wait_until(lambda: by_port(nodes, primary_port).r.info("replication")["role"]
                      == "slave")
    shards = wait_shards(nodes, 2, 1)
    # kill -9 of a primary: its replica takes over.
    victim_port, (heir_port,), _ = shards[1]
    key = next(f"v{i}" for i in range(10000)
               if owner_port(by_port(nodes, heir_port), f"v{i}") == victim_port)
    rc.close()
    rc = by_port(nodes, heir_port).cluster_client()
    rc.set(key, "before")
    by_port(nodes, victim_port).kill()
    took, rc = wait_writable(rc, key, 30, lambda: by_port(nodes, heir_port).cluster_client())
    print(f"TLS-only cluster: writable again {took:.1f}s after kill -9")
    assert all(rc.get(f"k{i}") == str(i) for i in range(300))
    rc.close()


def test_cluster_forms_and_serves_over_a_tls_bus(pki, workdir):
    d, nodes = workdir
    first = TlsNode(d, pki, extra=["--replicas", "0"])
    nodes.append(first)
    for _ in range(2):
        nodes.append(TlsNode(d, pki, join=[first], extra=["--replicas", "0"]))
    assert wait_until(lambda: cluster_ok(nodes))
    wait_converged(nodes)
    rc = first.cluster_client()
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
    log = nodes[1].logtext()
    assert "TLS handshake" not in log and "TLS failure" not in log, log


def test_plain_port_beside_tls_cluster_serves_local_commands_and_redirects_to_tls(pki, workdir):
    """With a plain --port as well, the cluster still announces the TLS
    ports: the plain port answers, and its redirections name TLS ports."""
    d, nodes = workdir
    first = Node(d, extra=tls_args(pki))
    nodes.append(first)
    nodes.append(Node(d, join=[first], extra=tls_args(pki)))
    # Settled: both own slots, the same view everywhere, no migration left.
    assert wait_until(lambda: cluster_ok(nodes) and not migrating(nodes) and
                      len({o for _, _, o, _ in slots_of(first)}) == 2 and
                      slots_of(first) == slots_of(nodes[1]))
    lines = first.r.execute_command("CLUSTER", "NODES").splitlines()
    announced = {int(l.split()[1].split("@")[0].split(":")[1]) for l in lines}
    mine = next(int(l.split()[1].split("@")[0].split(":")[1]) for l in lines if "myself" in l)
    assert not announced & {n.port for n in nodes}  # TLS ports, not the plain ones
    key = next(f"x{i}" for i in range(1000) if owner_port(first, f"x{i}") != mine)
    with pytest.raises(redis.ResponseError) as e:
        first.r.set(key, 1)
    assert str(e.value).startswith("MOVED")
    assert int(str(e.value).split(":")[-1]) in announced - {mine}


def test_tls_only_cluster_warm_join_migrates_over_tls(pki, workdir):
    d, nodes = workdir
    first = TlsNode(d, pki, extra=["--replicas", "0"])
    nodes.append(first)
    for _ in range(2):
        nodes.append(TlsNode(d, pki, join=[first], extra=["--replicas", "0"]))
    wait_converged(nodes)
    rc = first.cluster_client()
    for i in range(3000):
        rc.set(f"m{i}", i)
    newcomer = TlsNode(d, pki, join=[first], extra=["--replicas", "0"])
    nodes.append(newcomer)
    wait_converged(nodes, timeout=60)
    assert newcomer.r.dbsize() > 0
    assert sum(n.r.dbsize() for n in nodes) == 3000
    info = first.r.execute_command("CLUSTER", "INFO")
    assert "cluster_migration_errors:0" in info
    rc.close()
    rc = newcomer.cluster_client()
    assert all(rc.get(f"m{i}") == str(i) for i in range(3000))
    rc.close()
