"""Replication over TLS (tls-replication yes) between two real shoal
processes: the replica connects to the primary's TLS port, shows a client
certificate, checks the primary's against its CA, and the full sync, the
write stream, WAIT and a partial resync after a cut all run through the
TLS session the replica negotiated (the primary's worker hands it to the
feeder). The failures: a primary the replica's CA does not trust, a replica
certificate the primary's CA does not trust, tls-replication without a CA,
and the cluster-mode refusal.
"""
import shutil
import subprocess
import time

import pytest
import redis

from conftest import SHOAL, free_port
from test_replication import cut_link_and_expect_partial_resync, wait_until
from test_tls import Certs, TlsServer


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return Certs(str(tmp_path_factory.mktemp("tlsrepl")))


def link_up(r):
    info = r.info("replication")
    return info.get("master_link_status") == "up" and info.get("master_sync_in_progress") == 0


def replica_args(certs, client_cert="client"):
    return ["--tls-replication", "yes",
            "--tls-client-cert-file", certs.path(f"{client_cert}.crt"),
            "--tls-client-key-file", certs.path(f"{client_cert}.key")]


@pytest.fixture
def servers():
    started = []

    def start(*args, **kw):
        s = TlsServer(*args, **kw)
        started.append(s)
        return s

    yield start
    for s in started:
        if not s.proc.stdout.closed:  # not stopped by the test for its output
            assert s.alive(), "shoal crashed"
            s.stop()


def test_full_sync_stream_and_wait_over_tls(certs, servers):
    p = servers(certs, "--requirepass", "pw")
    rep = servers(certs, "--masterauth", "pw", *replica_args(certs))
    c = p.client(password="pw")
    pipe = c.pipeline(transaction=False)
    for i in range(5000):
        pipe.set(f"k{i}", f"v{i}")
    pipe.execute()
    c.set("big", b"x" * (1 << 20))
    c.hset("h", mapping={f"f{i}": i for i in range(100)})
    c.set("ttl", "t", ex=1000)
    r = rep.plain()
    assert r.execute_command("REPLICAOF", "127.0.0.1", p.tls_port) == b"OK"
    assert wait_until(lambda: link_up(r), timeout=20)
    assert r.dbsize() == 5003
    assert r.get("k4999") == b"v4999"
    assert r.strlen("big") == 1 << 20
    assert r.hgetall("h") == {f"f{i}".encode(): str(i).encode() for i in range(100)}
    assert r.ttl("ttl") > 900
    # The stream, and WAIT counting the replica's acknowledgements.
    for i in range(200):
        c.incr("counter")
    c.set("big2", b"y" * (3 << 20))
    assert c.execute_command("WAIT", 1, 5000) == 1
    assert r.get("counter") == b"200"
    assert r.strlen("big2") == 3 << 20
    info = c.info("replication")
    assert info["connected_slaves"] == 1
    assert info["slave0"]["state"] == "online"
    assert r.info("replication")["master_port"] == p.tls_port
    out = rep.stop()
    assert f"full sync with primary 127.0.0.1:{p.tls_port} over TLSv1.3" in out


def test_short_disconnect_resyncs_partially_over_tls(certs, servers):
    if shutil.which("ss") is None:
        pytest.skip("needs ss (iproute2) to cut the link")
    p = servers(certs)
    rep = servers(certs, *replica_args(certs))
    c, r = p.client(), rep.plain()
    r.execute_command("REPLICAOF", "127.0.0.1", p.tls_port)
    assert wait_until(lambda: link_up(r))
    cut_link_and_expect_partial_resync(c, r, p.tls_port)
    out = rep.stop()
    assert f"partial resync with primary 127.0.0.1:{p.tls_port} over TLS" in out


def test_replica_refuses_a_primary_its_ca_does_not_trust(certs, servers):
    p = servers(certs)
    rep = servers(certs, "--tls-cert-file", certs.path("server.crt"),
                  "--tls-key-file", certs.path("server.key"),
                  "--tls-ca-cert-file", certs.path("otherca.crt"),
                  "--tls-auth-clients", "no", *replica_args(certs), tls_files=False)
    p.client().set("k", "v")
    r = rep.plain()
    r.execute_command("REPLICAOF", "127.0.0.1", p.tls_port)
    time.sleep(1.5)
    assert r.info("replication")["master_link_status"] == "down"
    assert r.get("k") is None
    assert p.client().info("replication")["connected_slaves"] == 0
    assert "certificate verify failed" in rep.stop()


def test_primary_refuses_a_replica_certificate_it_does_not_trust(certs, servers):
    p = servers(certs)  # tls-auth-clients yes (the default)
    rep = servers(certs, *replica_args(certs, client_cert="stranger"))
    p.client().set("k", "v")
    r = rep.plain()
    r.execute_command("REPLICAOF", "127.0.0.1", p.tls_port)
    time.sleep(1.5)
    assert r.info("replication")["master_link_status"] == "down"
    assert r.get("k") is None
    assert p.client().info("replication")["connected_slaves"] == 0
    # TLS 1.3 finishes the client's handshake before the primary checks its
    # certificate: the primary's alert ends the link at its first command.
    out = rep.stop()
    assert "TLS: " in out and "alert" in out, out


def test_plain_replica_against_the_tls_port_and_tls_replica_against_the_plain_port(
        certs, servers):
    p = servers(certs)
    plain_rep = servers(certs)  # tls-replication no
    tls_rep = servers(certs, *replica_args(certs))
    p.client().set("k", "v")
    a, b = plain_rep.plain(), tls_rep.plain()
    a.execute_command("REPLICAOF", "127.0.0.1", p.tls_port)
    b.execute_command("REPLICAOF", "127.0.0.1", p.port)
    time.sleep(1.5)
    for r in (a, b):
        assert r.info("replication")["master_link_status"] == "down"
        assert r.get("k") is None
    # Each pointed at the right port, both follow.
    a.execute_command("REPLICAOF", "127.0.0.1", p.port)
    b.execute_command("REPLICAOF", "127.0.0.1", p.tls_port)
    assert wait_until(lambda: link_up(a) and link_up(b))
    assert a.get("k") == b"v" and b.get("k") == b"v"


def test_config_set_tls_replication_at_run_time(certs, servers):
    p = servers(certs)
    # A node without a TLS port: tls-replication yes turns TLS on for its link.
    port = free_port()
    proc = subprocess.Popen([SHOAL, "--port", str(port), "--bind", "127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        r = redis.Redis(port=port, socket_timeout=10)
        assert wait_until(lambda: _pings(r))
        with pytest.raises(redis.ResponseError) as e:
            r.config_set("tls-replication", "yes")  # no certificate yet
        assert "tls-cert-file" in str(e.value)
        assert r.config_get("tls-replication") == {"tls-replication": "no"}
        r.config_set("tls-cert-file", certs.path("client.crt"))
        r.config_set("tls-key-file", certs.path("client.key"))
        with pytest.raises(redis.ResponseError) as e:
            r.config_set("tls-replication", "yes")  # no CA to check the primary with
        assert "tls-ca-cert-file" in str(e.value)
        r.config_set("tls-ca-cert-file", certs.path("ca.crt"))
        assert r.config_set("tls-replication", "yes")
        assert r.config_get("tls-replication") == {"tls-replication": "yes"}
        p.client().set("k", "v")
        r.execute_command("REPLICAOF", "127.0.0.1", p.tls_port)
        assert wait_until(lambda: link_up(r))
        assert r.get("k") == b"v"
        with pytest.raises(redis.ResponseError):
            r.config_set("tls-replication", "maybe")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _pings(r):
    try:
        return r.ping()
    except redis.ConnectionError:
        return False


def test_tls_replication_in_cluster_mode_needs_tls_cluster(certs, tmp_path):
    res = subprocess.run(
        [SHOAL, "--port", str(free_port()), "--cluster-enabled", "yes",
         "--cluster-config-file", str(tmp_path / "nodes.conf"),
         "--tls-cert-file", certs.path("server.crt"), "--tls-key-file", certs.path("server.key"),
         "--tls-ca-cert-file", certs.path("ca.crt"), "--tls-replication", "yes"],
        capture_output=True, timeout=10)
    assert res.returncode != 0
    assert b"tls-replication yes in cluster mode needs tls-cluster yes" in res.stderr
