"""The Prometheus endpoint (--metrics-port): scraped with urllib and raw
sockets from a real shoal. Every line must be valid text exposition format
(0.0.4); counters must move by exactly what the commands did; histograms must
be cumulative and end in le="+Inf" equal to _count; other paths, methods and
malformed or oversized requests get 404/405/400; clients that vanish mid-way
harm nothing. One module scrapes a two-node cluster for its gauges.
"""
import math
import os
import re
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest
import redis
from redis.cluster import ClusterNode as PyClusterNode
from redis.cluster import RedisCluster

from conftest import SHOAL, ShoalServer, free_port
from test_cluster import Node, wait_converged

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
SAMPLE = re.compile(r"^(%s)(?:\{(%s(?:,%s)*)\})? (\S+)$" % (NAME, LABEL, LABEL))
HELP = re.compile(r"^# HELP (%s) .*$" % NAME)
TYPE = re.compile(r"^# TYPE (%s) (counter|gauge|histogram|summary|untyped)$" % NAME)
VALUE = re.compile(r"^(-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|[-+]Inf|NaN)$")


class Scrape:
    """A parsed page: types by family, samples by (name, sorted labels)."""

    def __init__(self, text):
        self.text = text
        self.types = {}
        self.samples = {}
        family = None
        helped = set()
        for line in text.split("\n")[:-1]:
            m = HELP.match(line)
            if m:
                assert m.group(1) not in helped, f"second HELP: {line}"
                helped.add(m.group(1))
                continue
            m = TYPE.match(line)
            if m:
                name, kind = m.group(1), m.group(2)
                assert name in helped, f"TYPE before HELP: {line}"
                assert name not in self.types, f"second TYPE: {line}"
                if kind == "counter":
                    assert name.endswith("_total"), line
                self.types[name] = kind
                family = name
                continue
            assert not line.startswith("#"), f"stray comment: {line}"
            m = SAMPLE.match(line)
            assert m, f"not a sample line: {line!r}"
            name, value = m.group(1), m.group(m.lastindex)
            assert VALUE.match(value), f"bad value: {line}"
            labels = tuple(sorted(re.findall(LABEL, m.group(2) or "")))
            assert len({k for k, _ in labels}) == len(labels), f"repeated label: {line}"
            owner = name
            if self.types.get(family) == "histogram" and name in (
                    family + "_bucket", family + "_sum", family + "_count"):
                owner = family
            assert owner == family, f"sample outside its family: {line}"
            key = (name, labels)
            assert key not in self.samples, f"duplicate series: {line}"
            self.samples[key] = float(value)
        assert text.endswith("\n")

    def get(self, name, **labels):
        return self.samples.get((name, tuple(sorted(labels.items()))))

    def series(self, name):
        """{labels dict as a tuple: value} of one sample name."""
        return {labels: v for (n, labels), v in self.samples.items() if n == name}


def fetch(port, path="/metrics", method="GET", host="127.0.0.1"):
    req = urllib.request.Request(f"http://{host}:{port}{path}", method=method)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, resp.headers, resp.read().decode()


def scrape(port, host="127.0.0.1"):
    status, headers, body = fetch(port, host=host)
    assert status == 200
    assert headers["Content-Type"] == CONTENT_TYPE
    return Scrape(body)


def raw_http(port, payload, timeout=5.0):
    """Sends raw bytes; returns what comes back until the server closes.
    Fails if the server neither answers nor closes within `timeout`."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass
        chunks = []
        try:
            while True:
                data = s.recv(65536)
                if not data:
                    break
                chunks.append(data)
        except ConnectionResetError:
            pass
        return b"".join(chunks)


@pytest.fixture(scope="module")
def mserver():
    port = free_port()
    s = ShoalServer("--metrics-port", port)
    s.metrics_port = port
    deadline = time.time() + 5
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert time.time() < deadline, "the metrics port is not listening"
            time.sleep(0.02)
    yield s
    assert s.alive(), "shoal crashed during the test module"
    s.stop()


@pytest.fixture
def mr(mserver):
    c = mserver.client()
    c.flushall()
    yield c
    c.close()


# ------------------------------------------------------------ the page

def test_every_line_is_valid_exposition(mserver, mr):
    mr.set("k", "v")
    mr.get("k")
    page = scrape(mserver.metrics_port)
    for family in ("shoal_uptime_seconds", "shoal_connected_clients", "shoal_blocked_clients",
                   "shoal_used_memory_bytes", "shoal_maxmemory_bytes", "shoal_db_keys",
                   "shoal_db_keys_expiring", "shoal_commands_processed_total",
                   "shoal_connections_received_total", "shoal_rejected_connections_total",
                   "shoal_keyspace_hits_total", "shoal_keyspace_misses_total",
                   "shoal_expired_keys_total", "shoal_evicted_keys_total",
                   "shoal_net_input_bytes_total", "shoal_net_output_bytes_total",
                   "shoal_replication_role", "shoal_master_repl_offset",
                   "shoal_connected_slaves", "shoal_maxmemory_policy",
                   "shoal_command_calls_total", "shoal_command_duration_seconds_total",
                   "shoal_command_latency_seconds", "shoal_cluster_enabled"):
        assert family in page.types, family
    assert page.types["shoal_command_latency_seconds"] == "histogram"
    assert page.types["shoal_used_memory_bytes"] == "gauge"
    assert page.get("shoal_replication_role", role="master") == 1
    assert page.get("shoal_maxmemory_policy", policy="noeviction") == 1
    assert page.get("shoal_cluster_enabled") == 0
    assert page.get("shoal_connected_clients") >= 1
    assert page.get("shoal_used_memory_bytes") > 0
    # Standalone: no cluster gauges; every database has key gauges.
    assert not any(n.startswith("shoal_cluster_state") for n, _ in page.samples)
    assert len(page.series("shoal_db_keys")) == 16


def test_gauges_agree_with_info(mserver, mr):
    mr.config_set("maxmemory", "123mb")
    try:
        mr.set("a", 1)
        mr.set("b", 2, ex=100)
        mr.execute_command("SELECT", 3)
        mr.set("c", 3)
        mr.execute_command("SELECT", 0)
        page = scrape(mserver.metrics_port)
        assert page.get("shoal_maxmemory_bytes") == 123 * 1024 * 1024
        assert page.get("shoal_db_keys", db="0") == 2
        assert page.get("shoal_db_keys_expiring", db="0") == 1
        assert page.get("shoal_db_keys", db="3") == 1
        assert page.get("shoal_db_keys_expiring", db="3") == 0
        assert page.get("shoal_db_keys", db="5") == 0
        info = mr.info("all")
        assert page.get("shoal_maxclients") == info["maxclients"]
        assert page.get("shoal_master_repl_offset") == info["master_repl_offset"]
        assert abs(page.get("shoal_uptime_seconds") - info["uptime_in_seconds"]) <= 2
    finally:
        mr.config_set("maxmemory", "0")


def test_counters_move_by_what_the_commands_did(mserver, mr):
    mr.set("hit", "x")
    mr.set("str", "abc")
    before = scrape(mserver.metrics_port)
    c = mserver.client()  # one new connection
    for _ in range(5):
        assert c.get("hit") == b"x"
    for _ in range(2):
        assert c.get("nothing") is None
    for i in range(3):
        c.set(f"s{i}", i)
    with pytest.raises(redis.ResponseError):
        c.execute_command("INCR", "str")  # ERR value is not an integer
    with pytest.raises(redis.ResponseError):
        c.lpush("str", "x")  # WRONGTYPE
    after = scrape(mserver.metrics_port)
    c.close()

    def delta(name, **labels):
        return (after.get(name, **labels) or 0) - (before.get(name, **labels) or 0)

    assert delta("shoal_command_calls_total", cmd="get") == 7
    assert delta("shoal_command_calls_total", cmd="set") == 3
    assert delta("shoal_command_calls_total", cmd="incr") == 1
    assert delta("shoal_command_failed_calls_total", cmd="incr") == 1
    assert delta("shoal_command_failed_calls_total", cmd="lpush") == 1
    assert delta("shoal_command_failed_calls_total", cmd="get") == 0
    assert delta("shoal_keyspace_hits_total") == 5  # writes (INCR, LPUSH) count no hits, as in Redis
    assert delta("shoal_keyspace_misses_total") == 2
    assert delta("shoal_errors_total", code="ERR") == 1
    assert delta("shoal_errors_total", code="WRONGTYPE") == 1
    assert delta("shoal_error_replies_total") == 2
    assert delta("shoal_connections_received_total") == 1
    assert delta("shoal_commands_processed_total") == 7 + 3 + 1 + 1
    assert delta("shoal_command_duration_seconds_total", cmd="get") >= 0
    assert delta("shoal_net_input_bytes_total") > 0
    assert delta("shoal_net_output_bytes_total") > 0
    assert delta("shoal_db_keys", db="0") == 3


def test_acl_refusals_are_counted(mserver, mr):
    mr.execute_command("ACL", "SETUSER", "metrics-user", "on", ">pw", "+get", "~allowed:*")
    try:
        before = scrape(mserver.metrics_port)
        c = mserver.client()
        with pytest.raises(redis.ResponseError, match="WRONGPASS"):
            c.execute_command("AUTH", "metrics-user", "wrong")
        c.execute_command("AUTH", "metrics-user", "pw")
        with pytest.raises(redis.exceptions.NoPermissionError):
            c.execute_command("SET", "allowed:x", "1")  # command not allowed
        with pytest.raises(redis.exceptions.NoPermissionError):
            c.execute_command("GET", "other")  # key not allowed
        c.close()
        after = scrape(mserver.metrics_port)
        for reason, n in (("auth", 1), ("cmd", 1), ("key", 1), ("channel", 0)):
            name = f"shoal_acl_access_denied_{reason}_total"
            assert after.get(name) - before.get(name) == n, reason
        assert after.get("shoal_errors_total", code="WRONGPASS") - (
            before.get("shoal_errors_total", code="WRONGPASS") or 0) == 1
        assert after.get("shoal_errors_total", code="NOPERM") - (
            before.get("shoal_errors_total", code="NOPERM") or 0) == 2
    finally:
        mr.execute_command("ACL", "DELUSER", "metrics-user")


def test_histograms_are_cumulative_and_match_the_calls(mserver, mr):
    for i in range(50):
        mr.set(f"k{i}", i)
        mr.get(f"k{i}")
    page = scrape(mserver.metrics_port)
    commands = {dict(l)["cmd"] for l in page.series("shoal_command_latency_seconds_count")}
    assert {"get", "set"} <= commands
    for cmd in commands:
        buckets = [(dict(l)["le"], v) for l, v in
                   page.series("shoal_command_latency_seconds_bucket").items()
                   if dict(l)["cmd"] == cmd]
        bounds = [math.inf if le == "+Inf" else float(le) for le, _ in buckets]
        counts = [v for _, v in buckets]
        # Sorted by bound, the counts never fall; the last bound is +Inf.
        order = sorted(range(len(bounds)), key=lambda i: bounds[i])
        assert len(set(bounds)) == len(bounds)
        assert bounds[order[-1]] == math.inf
        ordered = [counts[i] for i in order]
        assert ordered == sorted(ordered), (cmd, ordered)
        count = page.get("shoal_command_latency_seconds_count", cmd=cmd)
        assert ordered[-1] == count
        assert page.get("shoal_command_latency_seconds_sum", cmd=cmd) >= 0
        # Same calls as commandstats (latency-tracking is on from the start).
        assert count == page.get("shoal_command_calls_total", cmd=cmd), cmd
    # The page lists the buckets in increasing order too.
    les = [m.group(1) for m in re.finditer(
        r'^shoal_command_latency_seconds_bucket\{cmd="get",le="([^"]+)"\}', page.text, re.M)]
    assert les[-1] == "+Inf"
    assert [float(x) for x in les[:-1]] == sorted(float(x) for x in les[:-1])


def test_config_get_shows_the_port_and_set_refuses(mserver, mr):
    assert mr.config_get("metrics-port") == {"metrics-port": str(mserver.metrics_port)}
    with pytest.raises(redis.ResponseError):
        mr.config_set("metrics-port", "1234")


# ------------------------------------------------------------ HTTP

def test_other_paths_404(mserver):
    for path in ("/", "/metricsx", "/metrics/", "/favicon.ico"):
        with pytest.raises(urllib.error.HTTPError) as e:
            fetch(mserver.metrics_port, path)
        assert e.value.code == 404, path
    # A query string is ignored.
    status, _, body = fetch(mserver.metrics_port, "/metrics?debug=1")
    assert status == 200 and "shoal_uptime_seconds" in body


def test_other_methods_405(mserver):
    for method in ("POST", "PUT", "DELETE", "HEAD", "OPTIONS"):
        with pytest.raises(urllib.error.HTTPError) as e:
            fetch(mserver.metrics_port, method=method)
        assert e.value.code == 405, method
        assert e.value.headers["Allow"] == "GET"


@pytest.mark.parametrize("payload", [
    b"hello\r\n\r\n",
    b"GET /metrics\r\n\r\n",
    b"GET /metrics HTTP/2.0\r\n\r\n",
    b"GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n",
    b"GET /metrics HTTP/1.1\r\nX: a\r\n folded\r\n\r\n",
    b"GET /metrics HTTP/1.1\r\nX: \x00\r\n\r\n",
    b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",  # a TLS ClientHello
    b"*1\r\n$4\r\nPING\r\n",  # RESP on the wrong port
])
def test_malformed_requests_400(mserver, payload):
    reply = raw_http(mserver.metrics_port, payload)
    assert reply.startswith(b"HTTP/1.1 400 Bad Request\r\n"), reply[:200]


def test_oversized_request_head_400(mserver):
    head = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 20000 + b"\r\n\r\n"
    start = time.time()
    reply = raw_http(mserver.metrics_port, head)
    assert reply == b"" or reply.startswith(b"HTTP/1.1 400 "), reply[:200]
    assert time.time() - start < 5
    # Many small headers past the cap, too.
    many = b"GET /metrics HTTP/1.1\r\n" + b"X-A: b\r\n" * 2000 + b"\r\n"
    reply = raw_http(mserver.metrics_port, many)
    assert reply == b"" or reply.startswith(b"HTTP/1.1 400 "), reply[:200]
    scrape(mserver.metrics_port)


def test_a_request_in_many_pieces(mserver):
    with socket.create_connection(("127.0.0.1", mserver.metrics_port), timeout=5) as s:
        for b in b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n":
            s.sendall(bytes([b]))
            time.sleep(0.001)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"\r\nConnection: close" in head
    length = int(re.search(rb"\r\nContent-Length: (\d+)", head).group(1))
    assert len(body) == length
    Scrape(body.decode())


def test_clients_that_vanish_harm_nothing(mserver, mr):
    port = mserver.metrics_port
    # Mid-request, politely.
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /metr")
    s.close()
    # Mid-request, with a reset.
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost")
    s.close()
    # Right after a complete request, before reading the response.
    for _ in range(5):
        s = socket.create_connection(("127.0.0.1", port))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.sendall(b"GET /metrics HTTP/1.1\r\n\r\n")
        s.close()
    # Half-closed after the request: the response still arrives whole.
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
    s.shutdown(socket.SHUT_WR)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    assert data.startswith(b"HTTP/1.1 200 OK")
    # More idle connections than the server keeps: the extra ones are closed
    # at once, and a scrape works again once they are gone.
    idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(40)]
    try:
        closed = 0
        for s in idle:
            s.settimeout(0.2)
            try:
                if s.recv(1) == b"":
                    closed += 1
            except socket.timeout:
                pass
            except ConnectionResetError:
                closed += 1
        assert closed >= 40 - 16
    finally:
        for s in idle:
            s.close()
    deadline = time.time() + 5
    while True:
        try:
            scrape(port)
            break
        except (urllib.error.URLError, ConnectionError):
            assert time.time() < deadline
            time.sleep(0.05)
    assert mr.ping()
    assert mserver.alive()


def test_listens_only_where_the_client_port_binds(mserver):
    # --bind 127.0.0.1: not on 127.0.0.2, though that is loopback too.
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.2", mserver.metrics_port), timeout=2).close()


# ------------------------------------------------------------ start-up

def run_shoal(args, timeout=10):
    return subprocess.run([SHOAL] + [str(a) for a in args], capture_output=True, timeout=timeout)


def test_start_up_errors():
    port = free_port()
    res = run_shoal(["--port", port, "--bind", "127.0.0.1", "--metrics-port", port])
    assert res.returncode != 0
    assert b"metrics-port" in res.stderr
    res = run_shoal(["--port", free_port(), "--bind", "127.0.0.1", "--metrics-port", "70000"])
    assert res.returncode != 0
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        taken = busy.getsockname()[1]
        res = run_shoal(["--port", free_port(), "--bind", "127.0.0.1", "--metrics-port", taken])
        assert res.returncode != 0
        assert b"metrics" in res.stderr


def test_config_file_key():
    port, mport = free_port(), free_port()
    with tempfile.TemporaryDirectory() as d:
        conf = os.path.join(d, "shoal.conf")
        with open(conf, "w") as f:
            f.write(f"port {port}\nbind 127.0.0.1\nmetrics-port {mport}\nthreads 1\n")
        proc = subprocess.Popen([SHOAL, conf], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            deadline = time.time() + 10
            while True:
                try:
                    page = scrape(mport)
                    break
                except (urllib.error.URLError, ConnectionError):
                    assert proc.poll() is None, proc.stdout.read()
                    assert time.time() < deadline
                    time.sleep(0.05)
            assert page.get("shoal_connected_clients") == 0
            r = redis.Redis(host="127.0.0.1", port=port)
            assert r.config_get("metrics-port") == {"metrics-port": str(mport)}
            r.close()
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            proc.stdout.close()


def test_off_by_default():
    s = ShoalServer()
    try:
        c = s.client()
        assert c.config_get("metrics-port") == {"metrics-port": "0"}
        c.close()
    finally:
        s.stop()


# ------------------------------------------------------------ cluster mode

def test_cluster_gauges():
    with tempfile.TemporaryDirectory() as d:
        mports = [free_port(), free_port()]
        first = Node(d, extra=["--metrics-port", str(mports[0])])
        nodes = [first, Node(d, join=[first], extra=["--metrics-port", str(mports[1])])]
        try:
            wait_converged(nodes)
            rc = RedisCluster(startup_nodes=[PyClusterNode("127.0.0.1", first.port)],
                              decode_responses=True)
            for i in range(100):
                rc.set(f"key:{i}", i)
            rc.close()
            keys = 0
            for node, mport in zip(nodes, mports):
                page = scrape(mport)
                assert page.get("shoal_cluster_enabled") == 1
                assert page.get("shoal_cluster_state") == 1
                assert page.get("shoal_cluster_slots_assigned") == 16384
                assert page.get("shoal_cluster_slots_ok") == 16384
                assert page.get("shoal_cluster_slots_pfail") == 0
                assert page.get("shoal_cluster_slots_fail") == 0
                assert page.get("shoal_cluster_known_nodes") == 2
                assert page.get("shoal_cluster_size") == 2
                assert page.get("shoal_cluster_current_epoch") >= 1
                assert page.get("shoal_cluster_messages_sent_total") > 0
                assert page.get("shoal_cluster_messages_received_total") > 0
                assert page.get("shoal_cluster_migration_plan") == 0
                assert page.get("shoal_cluster_migration_slots_migrating") == 0
                assert page.get("shoal_cluster_migration_slots_importing") == 0
                for counter in ("slots_moved", "keys_moved", "bytes_moved", "errors"):
                    assert page.get(f"shoal_cluster_migration_{counter}_total") >= 0
                assert page.types["shoal_cluster_migration_keys_moved_total"] == "counter"
                # Cluster mode serves db 0 only.
                assert list(page.series("shoal_db_keys")) == [(("db", "0"),)]
                keys += page.get("shoal_db_keys", db="0")
                # The same figures as CLUSTER INFO.
                info = node.r.execute_command("CLUSTER", "INFO")
                assert "cluster_state:ok" in info
                known = int(re.search(r"cluster_known_nodes:(\d+)", info).group(1))
                assert page.get("shoal_cluster_known_nodes") == known
            assert keys == 100
        finally:
            for n in nodes:
                assert n.alive()
                n.stop()
