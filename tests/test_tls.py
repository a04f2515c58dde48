"""End-to-end tests of TLS on the client port (--tls-port): redis-py with
ssl=True, redis-cli --tls, and raw ssl sockets, against the real binary.

Certificates are made at test time with the openssl CLI in a temporary
directory (nothing secret is committed): a CA, a server and a client
certificate it signs, a second server certificate (for reloads), an
encrypted copy of the server key, and a client certificate from another CA.

Checked: commands, pipelines, 1 MB values, many concurrent clients, pub/sub
and a blocking pop across clients over TLS; the failures that must close only
the one connection (plain text on the TLS port, a missing or foreign client
certificate, a peer gone mid-handshake or mid-request); tls-auth-clients
yes/optional/no; tls-protocols; CONFIG GET/SET and reloads of the tls-*
parameters.
"""
import os
import socket
import ssl
import subprocess
import time

import pytest
import redis

from conftest import SHOAL, Raw, free_port, run_clients


# ------------------------------------------------------------ certificates

def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _make_ca(d, name):
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.crt", "-days", "2",
             "-subj", f"/CN={name}", cwd=d)


def _make_cert(d, name, ca, cn, server=False):
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={cn}", cwd=d)
    ext = os.path.join(d, f"{name}.ext")
    with open(ext, "w") as f:
        if server:
            f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
        else:
            f.write("extendedKeyUsage=clientAuth\n")
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key",
             "-CAcreateserial", "-out", f"{name}.crt", "-days", "2", "-extfile", ext, cwd=d)


class Certs:
    def __init__(self, d):
        self.dir = d
        _make_ca(d, "ca")
        _make_ca(d, "otherca")
        _make_cert(d, "server", "ca", "shoal-server", server=True)
        _make_cert(d, "server2", "ca", "shoal-server-2", server=True)
        _make_cert(d, "client", "ca", "client")
        _make_cert(d, "stranger", "otherca", "stranger")
        _openssl("pkey", "-in", "server.key", "-aes256", "-passout", "pass:s3cret",
                 "-out", "server-enc.key", cwd=d)

    def path(self, name):
        return os.path.join(self.dir, name)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return Certs(str(tmp_path_factory.mktemp("tls")))


# ------------------------------------------------------------ servers

class TlsServer:
    """shoal with a TLS listener (and a plain one unless port=0)."""

    def __init__(self, certs, *extra, port=None, threads=2, tls_files=True):
        self.certs = certs
        self.port = free_port() if port is None else port
        self.tls_port = free_port()
        args = [SHOAL, "--port", str(self.port), "--bind", "127.0.0.1",
                "--threads", str(threads), "--tls-port", str(self.tls_port)]
        if tls_files:
            args += ["--tls-cert-file", certs.path("server.crt"),
                     "--tls-key-file", certs.path("server.key"),
                     "--tls-ca-cert-file", certs.path("ca.crt")]
        args += [str(a) for a in extra]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("shoal exited: " + self.proc.stdout.read().decode())
            try:
                with socket.create_connection(("127.0.0.1", self.tls_port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("shoal did not start listening")

    def client(self, cert="client", ca="ca", **kw):
        opts = dict(host="127.0.0.1", port=self.tls_port, ssl=True,
                    ssl_ca_certs=self.certs.path(f"{ca}.crt"), socket_timeout=10)
        if cert:
            opts["ssl_certfile"] = self.certs.path(f"{cert}.crt")
            opts["ssl_keyfile"] = self.certs.path(f"{cert}.key")
        opts.update(kw)
        return redis.Redis(**opts)

    def plain(self, **kw):
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=10, **kw)

    def cli(self, *args, cert="client"):
        cmd = ["redis-cli", "-h", "127.0.0.1", "-p", str(self.tls_port), "--tls",
               "--cacert", self.certs.path("ca.crt")]
        if cert:
            cmd += ["--cert", self.certs.path(f"{cert}.crt"),
                    "--key", self.certs.path(f"{cert}.key")]
        res = subprocess.run(cmd + [str(a) for a in args], capture_output=True, timeout=30)
        return res.stdout.decode(errors="replace") + res.stderr.decode(errors="replace")

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        """Stops the server; returns what it printed."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        out = self.proc.stdout.read().decode(errors="replace")
        self.proc.stdout.close()
        return out


@pytest.fixture(scope="module")
def srv(certs):
    s = TlsServer(certs)
    yield s
    assert s.alive(), "shoal crashed during the test module"
    s.stop()


@pytest.fixture
def r(srv):
    c = srv.client()
    c.flushall()
    yield c
    c.close()


def tls_context(certs, cert="client", ca="ca", minimum=None, maximum=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.load_verify_locations(certs.path(f"{ca}.crt"))
    if cert:
        ctx.load_cert_chain(certs.path(f"{cert}.crt"), certs.path(f"{cert}.key"))
    if minimum:
        ctx.minimum_version = minimum
    if maximum:
        ctx.maximum_version = maximum
    return ctx


class TlsRaw(Raw):
    """Raw RESP over an ssl socket (conftest.Raw's reply parsing)."""

    def __init__(self, port, ctx, timeout=10.0):
        plain = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock = ctx.wrap_socket(plain, server_hostname="localhost")
        self.buf = b""


def handshake_refused(port, ctx):
    """True when the server ends the connection during or right after the
    handshake (TLS 1.3 reports a refused client certificate only on the
    client's first read)."""
    try:
        c = TlsRaw(port, ctx, timeout=5)
    except (ssl.SSLError, ConnectionError, OSError):
        return True
    try:
        c.send("PING")
        c.reply()
        return False
    except (ssl.SSLError, ConnectionError, OSError):
        return True
    finally:
        c.sock.close()


# ------------------------------------------------------------ basics

def test_set_get_over_tls(r):
    assert r.set("k", "v") is True
    assert r.get("k") == b"v"
    assert r.incr("n") == 1
    assert r.execute_command("PING") is True


def test_raw_replies_are_exact(srv, certs):
    c = TlsRaw(srv.tls_port, tls_context(certs))
    assert c.cmd("PING") == b"+PONG\r\n"
    assert c.cmd("SET", "raw", "value") == b"+OK\r\n"
    assert c.cmd("GET", "raw") == b"$5\r\nvalue\r\n"
    assert c.cmd("GET", "missing-key") == b"$-1\r\n"
    assert c.cmd("NOSUCH") == b"-ERR unknown command 'NOSUCH', with args beginning with: \r\n"
    assert c.cmd("QUIT") == b"+OK\r\n"
    assert c.closed()


def test_redis_cli_tls(srv):
    assert srv.cli("SET", "clikey", "hello").strip() == "OK"
    assert srv.cli("GET", "clikey").strip() == "hello"
    assert srv.cli("DEL", "clikey").strip() == "1"


def test_plain_port_still_serves_beside_tls(srv, r):
    r.set("shared", "1")
    p = srv.plain()
    assert p.get("shared") == b"1"
    p.close()


def test_pipeline_of_many_commands(r):
    pipe = r.pipeline(transaction=False)
    for i in range(2000):
        pipe.set(f"p{i}", i)
    for i in range(2000):
        pipe.get(f"p{i}")
    res = pipe.execute()
    assert res[:2000] == [True] * 2000
    assert res[2000:] == [str(i).encode() for i in range(2000)]


def test_raw_pipeline_in_one_write(srv, certs):
    c = TlsRaw(srv.tls_port, tls_context(certs))
    payload = b"".join(Raw.encode("INCR", "ctr") for _ in range(500))
    c.sock.sendall(payload)
    for i in range(1, 501):
        assert c.reply() == b":%d\r\n" % i
    c.close()


def test_large_values(r):
    big = os.urandom(1 << 20)
    assert r.set("big", big) is True
    assert r.get("big") == big
    huge = b"x" * (8 << 20)
    assert r.set("huge", huge) is True
    assert r.strlen("huge") == 8 << 20
    assert r.get("huge") == huge


def test_many_concurrent_clients(srv):
    def work(n):
        c = srv.client()
        for i in range(100):
            key = f"c{n}:{i}"
            assert c.set(key, key) is True
            assert c.get(key) == key.encode()
        assert c.incrby("total", 100) > 0
        c.close()

    assert run_clients(work, 40) == []
    c = srv.client()
    assert int(c.get("total")) % 100 == 0 and int(c.get("total")) >= 4000
    c.close()


def test_pubsub_over_tls(srv):
    sub = srv.client()
    ps = sub.pubsub()
    ps.subscribe("news")
    assert ps.get_message(timeout=5)["type"] == "subscribe"
    pub = srv.client()
    assert pub.publish("news", "hello") == 1
    msg = ps.get_message(timeout=5)
    assert msg == {"type": "message", "pattern": None, "channel": b"news", "data": b"hello"}
    ps.close()
    sub.close()
    pub.close()


def test_blocking_pop_woken_by_another_client(srv, certs):
    waiter = TlsRaw(srv.tls_port, tls_context(certs))
    waiter.send("BLPOP", "queue", "10")
    time.sleep(0.2)
    pusher = srv.client()
    assert pusher.rpush("queue", "job") == 1
    assert waiter.reply() == b"*2\r\n$5\r\nqueue\r\n$3\r\njob\r\n"
    # The same connection goes on serving afterwards.
    assert waiter.cmd("PING") == b"+PONG\r\n"
    waiter.close()
    pusher.close()


def test_blocking_pop_timeout_over_tls(srv, certs):
    c = TlsRaw(srv.tls_port, tls_context(certs))
    assert c.cmd("BLPOP", "never", "0.1") == b"*-1\r\n"
    c.close()


def test_info_and_client_list(srv, r):
    info = r.info("server")
    assert info["tcp_port"] == srv.port
    assert "cmd=client|list" in r.client_list()[-1]["cmd"] or r.client_list()


def test_transaction_and_resp3_over_tls(srv, certs):
    c = TlsRaw(srv.tls_port, tls_context(certs))
    assert c.cmd("HELLO", "3").startswith(b"%7\r\n$6\r\nserver\r\n")
    assert c.cmd("MULTI") == b"+OK\r\n"
    assert c.cmd("INCR", "tx") == b"+QUEUED\r\n"
    assert c.cmd("INCR", "tx") == b"+QUEUED\r\n"
    assert c.cmd("EXEC") == b"*2\r\n:1\r\n:2\r\n"
    assert c.cmd("GET", "nothing") == b"_\r\n"
    c.close()


def test_requirepass_over_tls(certs):
    s = TlsServer(certs, "--requirepass", "pw")
    try:
        c = TlsRaw(s.tls_port, tls_context(certs))
        assert c.cmd("GET", "k") == b"-NOAUTH Authentication required.\r\n"
        assert c.cmd("AUTH", "pw") == b"+OK\r\n"
        assert c.cmd("SET", "k", "v") == b"+OK\r\n"
        c.close()
        # The pre-AUTH bounds hold on the TLS port too.
        c = TlsRaw(s.tls_port, tls_context(certs))
        c.sock.sendall(b"*11\r\n")
        assert c.reply() == b"-ERR Protocol error: unauthenticated multibulk length\r\n"
        assert c.closed()
    finally:
        s.stop()


def test_client_kill_closes_a_tls_client(srv, certs, r):
    c = TlsRaw(srv.tls_port, tls_context(certs))
    assert c.cmd("CLIENT", "SETNAME", "victim") == b"+OK\r\n"
    cid = int(c.cmd("CLIENT", "ID")[1:-2])
    assert r.client_kill_filter(_id=cid) == 1
    assert c.closed()


def test_client_close_notify_then_server_closes(srv, certs, r):
    c = TlsRaw(srv.tls_port, tls_context(certs))
    assert c.cmd("PING") == b"+PONG\r\n"
    plain = c.sock.unwrap()  # sends close_notify, waits for the server's
    assert plain.recv(100) == b""
    plain.close()
    assert r.ping() is True


# ------------------------------------------------------------ failures

def test_plain_text_on_tls_port_closes_only_that_connection(srv, r):
    r.set("survivor", "yes")
    with socket.create_connection(("127.0.0.1", srv.tls_port), timeout=5) as s:
        s.sendall(b"PING\r\n")
        try:
            data = s.recv(4096)
        except ConnectionResetError:
            data = b""
        assert b"PONG" not in data
        # The server ends the connection (an alert at most).
        try:
            while s.recv(4096):
                pass
        except (ConnectionResetError, socket.timeout):
            pass
    with socket.create_connection(("127.0.0.1", srv.tls_port), timeout=5) as s:
        s.sendall(Raw.encode("GET", "survivor"))
        try:
            while s.recv(4096):
                pass
        except (ConnectionResetError, socket.timeout):
            pass
    assert r.get("survivor") == b"yes"
    assert srv.alive()


def test_client_without_certificate_is_refused_by_default(srv, certs, r):
    assert handshake_refused(srv.tls_port, tls_context(certs, cert=None))
    c = srv.client(cert=None)
    with pytest.raises(redis.ConnectionError):
        c.ping()
    assert r.ping() is True


def test_client_certificate_from_another_ca_is_refused(srv, certs, r):
    assert handshake_refused(srv.tls_port, tls_context(certs, cert="stranger"))
    assert r.ping() is True


def test_client_that_does_not_trust_the_server_ca(srv, certs, r):
    with pytest.raises(ssl.SSLError):
        TlsRaw(srv.tls_port, tls_context(certs, ca="otherca"))
    assert r.ping() is True


def test_abrupt_disconnect_mid_handshake(srv, certs, r):
    # A ClientHello cut short, then gone; and a connection that says nothing.
    ctx = tls_context(certs)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    with pytest.raises(ssl.SSLWantReadError):
        obj.do_handshake()
    hello = outgoing.read()
    for cut in (5, len(hello) // 2, len(hello)):
        with socket.create_connection(("127.0.0.1", srv.tls_port)) as s:
            s.sendall(hello[:cut])
            time.sleep(0.02)
    for _ in range(20):
        socket.create_connection(("127.0.0.1", srv.tls_port)).close()
    # Reset (RST) in the middle of a handshake.
    s = socket.create_connection(("127.0.0.1", srv.tls_port))
    s.sendall(hello)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    s.close()
    assert r.ping() is True
    assert srv.alive()


def test_abrupt_disconnect_mid_request(srv, certs, r):
    for _ in range(10):
        c = TlsRaw(srv.tls_port, tls_context(certs))
        c.sock.sendall(b"*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$100\r\nonly-part")
        c.sock.close()
    c = TlsRaw(srv.tls_port, tls_context(certs))
    c.send("SET", "whole", "x" * 100000)
    c.sock.close()  # before reading the reply
    # The big reply of a client that went away.
    r.set("bigreply", b"y" * (4 << 20))
    c = TlsRaw(srv.tls_port, tls_context(certs))
    c.send("GET", "bigreply")
    c.sock.recv(1000)
    c.sock.close()
    assert r.exists("half") == 0
    assert r.ping() is True
    assert srv.alive()


def test_failed_handshake_logs_one_line(certs):
    s = TlsServer(certs)
    with socket.create_connection(("127.0.0.1", s.tls_port), timeout=5) as sock:
        sock.sendall(b"PING\r\n")
        try:
            while sock.recv(4096):
                pass
        except (ConnectionResetError, socket.timeout):
            pass
    assert handshake_refused(s.tls_port, tls_context(certs, cert=None))
    c = s.client()
    assert c.ping() is True
    c.close()
    out = s.stop()
    lines = [l for l in out.splitlines() if "Error" in l]
    assert len(lines) == 2, out
    assert "Error accepting a client connection" in lines[0]
    assert "wrong version number" in lines[0] or "http request" in lines[0]
    assert "peer did not return a certificate" in lines[1]


# ------------------------------------------------------------ auth-clients

@pytest.mark.parametrize("mode", ["optional", "no"])
def test_client_without_certificate_allowed(certs, mode):
    s = TlsServer(certs, "--tls-auth-clients", mode)
    try:
        c = s.client(cert=None)
        assert c.set("a", "b") is True
        assert c.get("a") == b"b"
        c.close()
        assert s.cli("PING", cert=None).strip() == "PONG"
        with_cert = s.client()
        assert with_cert.ping() is True
        with_cert.close()
        # optional still checks a certificate that is presented.
        stranger_ok = not handshake_refused(s.tls_port, tls_context(certs, cert="stranger"))
        assert stranger_ok == (mode == "no")
        c = s.client(cert=None)
        assert c.config_get("tls-auth-clients") == {"tls-auth-clients": mode}
        c.close()
    finally:
        s.stop()


def test_auth_clients_change_applies_to_new_connections(certs):
    s = TlsServer(certs)
    try:
        admin = s.client()
        assert handshake_refused(s.tls_port, tls_context(certs, cert=None))
        assert admin.config_set("tls-auth-clients", "no") is True
        anon = s.client(cert=None)
        assert anon.ping() is True
        assert admin.config_set("tls-auth-clients", "yes") is True
        assert anon.ping() is True  # an open connection is not re-checked
        assert handshake_refused(s.tls_port, tls_context(certs, cert=None))
        with pytest.raises(redis.ResponseError) as e:
            admin.config_set("tls-auth-clients", "maybe")
        assert str(e.value) == ("CONFIG SET failed (possibly related to argument "
                                "'tls-auth-clients') - argument(s) must be one of the "
                                "following: no, yes, optional")
        anon.close()
        admin.close()
    finally:
        s.stop()


# ------------------------------------------------------------ protocols

def connected_version(port, ctx):
    c = TlsRaw(port, ctx, timeout=5)
    try:
        assert c.cmd("PING") == b"+PONG\r\n"
        return c.sock.version()
    finally:
        c.sock.close()


def test_default_protocols_negotiate_tls13(srv, certs):
    assert connected_version(srv.tls_port, tls_context(certs)) == "TLSv1.3"
    v12 = tls_context(certs, maximum=ssl.TLSVersion.TLSv1_2)
    assert connected_version(srv.tls_port, v12) == "TLSv1.2"


def test_tls12_only(certs):
    s = TlsServer(certs, "--tls-protocols", "TLSv1.2")
    try:
        assert connected_version(s.tls_port, tls_context(certs)) == "TLSv1.2"
        only13 = tls_context(certs, minimum=ssl.TLSVersion.TLSv1_3)
        assert handshake_refused(s.tls_port, only13)
        assert s.client().config_get("tls-protocols") == {"tls-protocols": "TLSv1.2"}
        assert s.cli("PING").strip() == "PONG"
    finally:
        s.stop()


def test_tls13_only(certs):
    s = TlsServer(certs, "--tls-protocols", "tlsv1.3")
    try:
        assert connected_version(s.tls_port, tls_context(certs)) == "TLSv1.3"
        only12 = tls_context(certs, maximum=ssl.TLSVersion.TLSv1_2)
        assert handshake_refused(s.tls_port, only12)
        # TLS 1.3 ciphersuites are configurable.
        c = s.client()
        assert c.config_set("tls-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256") is True
        c.close()
        raw = TlsRaw(s.tls_port, tls_context(certs))
        assert raw.sock.cipher()[0] == "TLS_CHACHA20_POLY1305_SHA256"
        raw.close()
    finally:
        s.stop()


def test_tls12_ciphers(certs):
    s = TlsServer(certs, "--tls-protocols", "TLSv1.2", "--tls-ciphers",
                  "ECDHE-ECDSA-CHACHA20-POLY1305", "--tls-prefer-server-ciphers", "yes")
    try:
        raw = TlsRaw(s.tls_port, tls_context(certs))
        assert raw.sock.cipher()[0] == "ECDHE-ECDSA-CHACHA20-POLY1305"
        assert raw.cmd("PING") == b"+PONG\r\n"
        raw.close()
    finally:
        s.stop()


def test_dh_params_file(certs, tmp_path):
    dh = tmp_path / "dh.pem"
    subprocess.run(["openssl", "genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt",
                    "group:ffdhe2048", "-out", str(dh)], check=True, capture_output=True)
    s = TlsServer(certs, "--tls-dh-params-file", str(dh), "--tls-protocols", "TLSv1.2",
                  "--tls-ciphers", "DHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256")
    try:
        c = s.client()
        assert c.ping() is True
        with pytest.raises(redis.ResponseError) as e:
            c.config_set("tls-dh-params-file", certs.path("ca.crt"))
        assert "Failed to load DH parameters file" in str(e.value)
        assert c.config_get("tls-dh-params-file") == {"tls-dh-params-file": str(dh)}
        c.close()
    finally:
        s.stop()


def test_bad_protocols_value_is_refused(srv, r):
    with pytest.raises(redis.ResponseError) as e:
        r.config_set("tls-protocols", "TLSv1.4")
    assert "Invalid tls-protocols specified" in str(e.value)
    assert r.config_get("tls-protocols") == {"tls-protocols": ""}


# ------------------------------------------------------------ configuration

def test_config_get_tls_parameters(srv, certs, r):
    got = r.config_get("tls-*")
    assert got["tls-port"] == str(srv.tls_port)
    assert got["tls-cert-file"] == certs.path("server.crt")
    assert got["tls-key-file"] == certs.path("server.key")
    assert got["tls-ca-cert-file"] == certs.path("ca.crt")
    assert got["tls-ca-cert-dir"] == ""
    assert got["tls-dh-params-file"] == ""
    assert got["tls-auth-clients"] == "yes"
    assert got["tls-protocols"] == ""
    assert got["tls-ciphers"] == ""
    assert got["tls-ciphersuites"] == ""
    assert got["tls-prefer-server-ciphers"] == "no"
    assert got["tls-session-caching"] == "yes"
    assert got["tls-session-cache-size"] == "20480"
    assert got["tls-session-cache-timeout"] == "300"
    assert got["tls-replication"] == "no"
    assert got["tls-client-cert-file"] == ""
    assert got["tls-cluster"] == "no"


def test_config_set_bad_file_keeps_serving(srv, certs, r):
    with pytest.raises(redis.ResponseError) as e:
        r.config_set("tls-cert-file", "/nonexistent/cert.pem")
    assert str(e.value).startswith(
        "CONFIG SET failed (possibly related to argument 'tls-cert-file') - "
        "Failed to load certificate: /nonexistent/cert.pem")
    assert r.config_get("tls-cert-file") == {"tls-cert-file": certs.path("server.crt")}
    with pytest.raises(redis.ResponseError) as e:
        r.config_set("tls-key-file", certs.path("client.key"))
    assert "key values mismatch" in str(e.value)
    fresh = srv.client()
    assert fresh.ping() is True
    fresh.close()


def test_config_set_cert_reloads_for_new_connections(certs):
    s = TlsServer(certs)
    try:
        c = s.client()
        before = TlsRaw(s.tls_port, tls_context(certs))
        cn = lambda raw: dict(x[0] for x in raw.sock.getpeercert()["subject"])["commonName"]
        assert cn(before) == "shoal-server"
        # The new certificate alone does not match the old key: refused.
        with pytest.raises(redis.ResponseError) as e:
            c.config_set("tls-cert-file", certs.path("server2.crt"))
        assert "key values mismatch" in str(e.value)
        # A certificate and its key change in one CONFIG SET.
        assert c.execute_command("CONFIG", "SET", "tls-key-file", certs.path("server2.key"),
                                 "tls-cert-file", certs.path("server2.crt")) == b"OK"
        after = TlsRaw(s.tls_port, tls_context(certs))
        assert cn(after) == "shoal-server-2"
        assert before.cmd("PING") == b"+PONG\r\n"  # the old connection carries on
        assert after.cmd("PING") == b"+PONG\r\n"
        before.close()
        after.close()
        c.close()
    finally:
        s.stop()


def test_encrypted_key_with_password(certs):
    s = TlsServer(certs, "--tls-key-file", certs.path("server-enc.key"),
                  "--tls-key-file-pass", "s3cret")
    try:
        c = s.client()
        assert c.ping() is True
        c.close()
    finally:
        s.stop()


def test_encrypted_key_with_wrong_password_fails_start_up(certs):
    port, tls_port = free_port(), free_port()
    res = subprocess.run(
        [SHOAL, "--port", str(port), "--tls-port", str(tls_port),
         "--tls-cert-file", certs.path("server.crt"),
         "--tls-key-file", certs.path("server-enc.key"), "--tls-key-file-pass", "wrong",
         "--tls-ca-cert-file", certs.path("ca.crt")],
        capture_output=True, timeout=10)
    assert res.returncode != 0
    assert b"Failed to load private key" in res.stderr


def test_tls_port_without_certificate_fails_start_up():
    res = subprocess.run([SHOAL, "--port", str(free_port()), "--tls-port", str(free_port())],
                         capture_output=True, timeout=10)
    assert res.returncode != 0
    assert b"No tls-cert-file configured" in res.stderr


def test_ca_dir_instead_of_file(certs, tmp_path):
    # A hashed CA directory, as c_rehash/openssl rehash makes it.
    d = tmp_path / "cadir"
    d.mkdir()
    h = subprocess.run(["openssl", "x509", "-hash", "-noout", "-in", certs.path("ca.crt")],
                       capture_output=True, check=True).stdout.decode().strip()
    (d / f"{h}.0").write_bytes(open(certs.path("ca.crt"), "rb").read())
    port, tls_port = free_port(), free_port()
    s = TlsServer.__new__(TlsServer)
    s.certs = certs
    s.port, s.tls_port = port, tls_port
    s.proc = subprocess.Popen(
        [SHOAL, "--port", str(port), "--bind", "127.0.0.1", "--tls-port", str(tls_port),
         "--tls-cert-file", certs.path("server.crt"), "--tls-key-file", certs.path("server.key"),
         "--tls-ca-cert-dir", str(d)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", tls_port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.02)
        c = s.client()
        assert c.ping() is True
        c.close()
        assert handshake_refused(tls_port, tls_context(certs, cert="stranger"))
    finally:
        s.stop()


def test_tls_only_with_port_zero(certs):
    s = TlsServer(certs, port=0)
    try:
        c = s.client()
        assert c.ping() is True
        info = c.info("server")
        assert info["tcp_port"] == s.tls_port
        assert c.config_get("port") == {"port": "0"}
        c.close()
    finally:
        s.stop()


def test_tls_settings_in_a_config_file(certs, tmp_path):
    conf = tmp_path / "shoal.conf"
    tls_port = free_port()
    conf.write_text(
        f"port 0\nbind 127.0.0.1\ntls-port {tls_port}\n"
        f"tls-cert-file {certs.path('server.crt')}\n"
        f"tls-key-file {certs.path('server.key')}\n"
        f"tls-ca-cert-file {certs.path('ca.crt')}\n"
        "tls-auth-clients optional\ntls-protocols \"TLSv1.2 TLSv1.3\"\n"
        "tls-session-caching no\n")
    proc = subprocess.Popen([SHOAL, str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", tls_port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.02)
        c = redis.Redis(host="127.0.0.1", port=tls_port, ssl=True,
                        ssl_ca_certs=certs.path("ca.crt"))
        assert c.config_get("tls-auth-clients") == {"tls-auth-clients": "optional"}
        assert c.config_get("tls-protocols") == {"tls-protocols": "TLSv1.2 TLSv1.3"}
        assert c.config_get("tls-session-caching") == {"tls-session-caching": "no"}
        c.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


def test_port_zero_without_tls_fails_start_up():
    res = subprocess.run([SHOAL, "--port", "0"], capture_output=True, timeout=10)
    assert res.returncode != 0
    assert b"Configured to not listen anywhere" in res.stderr


def test_cluster_mode_needs_a_plain_port(certs, tmp_path):
    res = subprocess.run(
        [SHOAL, "--port", "0", "--tls-port", str(free_port()), "--cluster-enabled", "yes",
         "--cluster-config-file", str(tmp_path / "nodes.conf"),
         "--tls-cert-file", certs.path("server.crt"), "--tls-key-file", certs.path("server.key"),
         "--tls-ca-cert-file", certs.path("ca.crt")], capture_output=True, timeout=10)
    assert res.returncode != 0
    assert b"cluster mode needs a plain --port" in res.stderr


def test_tls_cluster_is_set_at_start_up_only(srv, r):
    assert r.config_get("tls-cluster") == {"tls-cluster": "no"}
    with pytest.raises(redis.ResponseError) as e:
        r.config_set("tls-cluster", "yes")
    assert "can't set immutable config" in str(e.value)
    res = subprocess.run([SHOAL, "--port", str(free_port()), "--tls-cluster", "maybe"],
                         capture_output=True, timeout=10)
    assert res.returncode != 0
    assert b"argument must be 'yes' or 'no'" in res.stderr


def test_session_resumption(srv, certs):
    ctx = tls_context(certs, maximum=ssl.TLSVersion.TLSv1_2)
    first = TlsRaw(srv.tls_port, ctx)
    assert first.cmd("PING") == b"+PONG\r\n"
    session = first.sock.session
    first.close()
    plain = socket.create_connection(("127.0.0.1", srv.tls_port), timeout=5)
    again = ctx.wrap_socket(plain, server_hostname="localhost", session=session)
    assert again.session_reused
    again.sendall(Raw.encode("PING"))
    assert again.recv(100) == b"+PONG\r\n"
    again.close()
