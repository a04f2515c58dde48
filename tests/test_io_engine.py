"""--io-engine: the io_uring socket path and the epoll one (issue 13).

The whole suite runs on the default engine (io_uring) and a second time on
epoll through tests/shoal-io-engine.sh (scripts/run-tests.sh); this module
checks what is specific to the choice: which engine INFO reports, the
fallback to epoll where io_uring is disabled, and the transport's corners on
both engines side by side — values spanning many provided buffers, long
pipelines, many clients at once, clients that stop reading, clients that
vanish with a send in flight, and shutdown with clients connected.
"""
import os
import socket
import struct
import subprocess
import time

import pytest
import redis

from conftest import SHOAL_EXE, ShoalServer, free_port, run_clients

ENGINES = ["uring", "epoll"]
# The engine INFO names for each --io-engine value on a kernel with io_uring.
API = {"uring": "io_uring", "epoll": "epoll"}


def real_binary():
    """The shoal binary itself, even when SHOAL_BIN is the engine wrapper."""
    return SHOAL_EXE


def start(engine, *args, threads=2):
    # The binary itself: this module picks the engine, not the wrapper.
    return ShoalServer("--io-engine", engine, *args, threads=threads, binary=real_binary())


@pytest.fixture(params=ENGINES, scope="module")
def engine_server(request):
    s = start(request.param)
    s.engine = request.param
    yield s
    assert s.alive(), f"shoal crashed on the {request.param} engine"
    s.stop()


def read_exactly(sock, n, timeout=20):
    sock.settimeout(timeout)
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(1 << 20, n - len(buf)))
        if not chunk:
            raise EOFError(f"closed after {len(buf)} of {n} bytes")
        buf += chunk
    return bytes(buf)


def test_info_names_the_engine_in_use(engine_server):
    info = engine_server.client().info("server")
    assert info["multiplexing_api"] == API[engine_server.engine]


def test_values_across_many_buffers_round_trip(engine_server):
    r = engine_server.client()
    r.flushall()
    # 3 MB: hundreds of 4 KB provided buffers on the way in, one reply out.
    value = bytes(range(256)) * (3 * 4096)
    assert r.set("big", value)
    assert r.get("big") == value
    assert r.strlen("big") == len(value)
    # Many values of sizes around the buffer boundaries.
    for n in (4095, 4096, 4097, 16383, 16384, 16385, 65537):
        v = os.urandom(n)
        r.set(f"v{n}", v)
        assert r.get(f"v{n}") == v


def test_long_pipeline_in_one_write_is_answered_in_order(engine_server):
    engine_server.client().flushall()
    n = 20000
    req = b"".join(b"*2\r\n$4\r\nINCR\r\n$3\r\nctr\r\n" for _ in range(n))
    with socket.create_connection(("127.0.0.1", engine_server.port)) as s:
        s.sendall(req)
        expected = b"".join(b":%d\r\n" % i for i in range(1, n + 1))
        assert read_exactly(s, len(expected)) == expected


def test_many_clients_at_once_each_get_their_own_answers(engine_server):
    engine_server.client().flushall()

    def run(i):
        c = redis.Redis(host="127.0.0.1", port=engine_server.port)
        for j in range(200):
            c.set(f"k{i}:{j}", f"{i}-{j}")
            assert c.get(f"k{i}:{j}") == f"{i}-{j}".encode()
            c.incr("shared")
        c.close()

    assert run_clients(run, 60) == []
    assert int(engine_server.client().get("shared")) == 60 * 200


def test_client_that_stops_reading_is_paused_not_buffered(engine_server):
    r = engine_server.client()
    r.flushall()
    r.set("blob", b"x" * (1 << 20))
    s = socket.create_connection(("127.0.0.1", engine_server.port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    # 2,000 GETs of 1 MB = 2 GB of replies if the server buffered them all.
    req = b"*2\r\n$3\r\nGET\r\n$4\r\nblob\r\n" * 2000
    s.setblocking(False)
    sent = 0
    deadline = time.time() + 5
    while sent < len(req) and time.time() < deadline:
        try:
            sent += s.send(req[sent:])
        except BlockingIOError:
            time.sleep(0.01)
    time.sleep(0.5)
    # The server stopped reading this client: its output is bounded by the
    # pause threshold (1 MB) plus one reply, and others are still served.
    clients = r.client_list()
    mine = [c for c in clients if int(c.get("tot-mem", 0)) > 0 and c["id"] != str(r.client_id())]
    assert mine, clients
    worst = max(int(c["omem"]) + int(c["qbuf"]) for c in mine)
    assert worst < 8 << 20, clients
    assert r.ping()
    used = int(r.info("memory")["used_memory"])
    assert used < 64 << 20
    s.close()


def test_clients_that_vanish_with_a_send_in_flight(engine_server):
    r = engine_server.client()
    r.flushall()
    r.set("blob", b"y" * (4 << 20))
    before = int(r.info("clients")["connected_clients"])
    for _ in range(30):
        s = socket.create_connection(("127.0.0.1", engine_server.port))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(b"*2\r\n$3\r\nGET\r\n$4\r\nblob\r\n" * 3)
        time.sleep(0.01)
        # RST instead of FIN: the server's send fails under it.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    deadline = time.time() + 10
    while time.time() < deadline:
        if int(r.info("clients")["connected_clients"]) == before:
            break
        time.sleep(0.05)
    assert int(r.info("clients")["connected_clients"]) == before
    assert r.get("blob") == b"y" * (4 << 20)
    assert engine_server.alive()


def test_client_kill_of_a_client_mid_reply(engine_server):
    r = engine_server.client()
    r.flushall()
    r.set("blob", b"z" * (2 << 20))
    victim = None
    # A client that is mid-reply: it names itself, then reads nothing.
    s = socket.create_connection(("127.0.0.1", engine_server.port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(b"*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$6\r\nvictim\r\n"
              + b"*2\r\n$3\r\nGET\r\n$4\r\nblob\r\n" * 4)
    deadline = time.time() + 5
    while victim is None and time.time() < deadline:
        for c in r.client_list():
            if c.get("name") == "victim":
                victim = int(c["id"])
        time.sleep(0.02)
    assert victim is not None
    assert r.client_kill_filter(_id=victim) == 1
    # It leaves at once, its send in flight cancelled; others are served.
    deadline = time.time() + 5
    while time.time() < deadline:
        if all(int(c["id"]) != victim for c in r.client_list()):
            break
        time.sleep(0.02)
    assert all(int(c["id"]) != victim for c in r.client_list())
    s.close()
    assert r.get("blob") == b"z" * (2 << 20)


@pytest.mark.parametrize("engine", ENGINES)
def test_shutdown_with_clients_connected_and_blocked(engine):
    s = start(engine)
    clients = []
    for i in range(20):
        c = socket.create_connection(("127.0.0.1", s.port))
        clients.append(c)
    blocked = socket.create_connection(("127.0.0.1", s.port))
    blocked.sendall(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n")
    time.sleep(0.2)
    s.client().set("k", "v")
    t0 = time.time()
    s.proc.terminate()
    s.proc.wait(timeout=10)
    assert time.time() - t0 < 5
    assert s.proc.returncode == 0
    for c in clients + [blocked]:
        c.close()
    s.stop()


def test_unknown_engine_is_refused():
    port = free_port()
    res = subprocess.run([real_binary(), "--port", str(port), "--io-engine", "kqueue"],
                         capture_output=True, timeout=10)
    assert res.returncode != 0
    assert b"--io-engine must be uring or epoll" in res.stdout + res.stderr


def io_uring_sysctl():
    path = "/proc/sys/kernel/io_uring_disabled"
    if not os.path.exists(path) or not os.access(path, os.W_OK):
        return None
    return path


def test_falls_back_to_epoll_where_io_uring_is_disabled():
    path = io_uring_sysctl()
    if path is None:
        pytest.skip("needs root and kernel.io_uring_disabled (Linux 6.6+) to turn io_uring off")
    old = open(path).read().strip()
    port = free_port()
    proc = None
    try:
        with open(path, "w") as f:
            f.write("2")
        proc = subprocess.Popen([real_binary(), "--port", str(port), "--bind", "127.0.0.1",
                                 "--threads", "2"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        r = redis.Redis(host="127.0.0.1", port=port)
        while time.time() < deadline:
            try:
                r.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
    finally:
        with open(path, "w") as f:
            f.write(old)
    assert r.info("server")["multiplexing_api"] == "epoll"
    assert r.set("k", "v") and r.get("k") == b"v"
    proc.terminate()
    out = proc.communicate(timeout=10)[0].decode(errors="replace")
    assert "io_uring unavailable" in out and "using epoll" in out, out


class RespReader:
    """Splits a RESP2 reply stream into whole replies (raw bytes each)."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed mid-reply")
            self.buf += chunk
        i = self.buf.index(b"\r\n") + 2
        line, self.buf = self.buf[:i], self.buf[i:]
        return line

    def _exactly(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed mid-reply")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def reply(self):
        line = self._line()
        kind, n = line[:1], line[1:-2]
        if kind == b"$" and int(n) >= 0:
            return line + self._exactly(int(n) + 2)
        if kind == b"*" and int(n) >= 0:
            return line + b"".join(self.reply() for _ in range(int(n)))
        return line


def mixed_requests(seed, n):
    """A seeded mix of requests whose second argument is sometimes a key,
    sometimes not (ECHO, SELECT, CLIENT), sometimes absent (PING), with
    hash tags, an empty key, keys of equal length, several databases and
    inline requests among them."""
    import random
    rnd = random.Random(seed)
    keys = [f"k{i:03d}" for i in range(40)] + ["{tag}a", "{tag}b", "x{}y", "", "{", "}{"]
    reqs = []
    for _ in range(n):
        k = rnd.choice(keys)
        v = f"v{rnd.randrange(1000)}"
        op = rnd.randrange(14)
        if op == 0:
            reqs.append(["SET", k, v])
        elif op == 1:
            reqs.append(["GET", k])
        elif op == 2:
            reqs.append(["INCR", "c" + k])
        elif op == 3:
            reqs.append(["APPEND", k, v])
        elif op == 4:
            reqs.append(["HSET", "h" + k, k, v])
        elif op == 5:
            reqs.append(["HGET", "h" + k, k])
        elif op == 6:
            reqs.append(["LPUSH", "l" + k, v])
        elif op == 7:
            reqs.append(["LRANGE", "l" + k, "0", "2"])
        elif op == 8:
            reqs.append(["PING"])
        elif op == 9:
            reqs.append(["ECHO", k])
        elif op == 10:
            reqs.append(["SELECT", str(rnd.randrange(3))])
        elif op == 11:
            reqs.append(["DEL", k, rnd.choice(keys)])
        elif op == 12:
            reqs.append(["MGET", k, rnd.choice(keys), "c" + k])
        else:
            reqs.append(["EXISTS", k])
    return reqs


def encode(req, inline=False):
    if inline and all(a and " " not in a for a in req):
        return (" ".join(req) + "\r\n").encode()
    out = b"*%d\r\n" % len(req)
    for a in req:
        a = a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def test_pipelined_mixed_requests_answer_as_one_at_a_time(engine_server):
    """The connection looks ahead at a pipeline's keys and hashes them once
    for the commands that run later (Connection::PrefetchAhead, TakeKeyHint):
    every reply must be what the same request gets sent on its own."""
    reqs = mixed_requests(1313, 3000)
    wire = [encode(q, inline=(i % 97 == 0)) for i, q in enumerate(reqs)]

    def fresh():
        c = engine_server.client()
        for db in range(3):
            c.execute_command("SELECT", db)
            c.flushdb()
        c.close()

    fresh()
    with socket.create_connection(("127.0.0.1", engine_server.port)) as s:
        s.sendall(b"".join(wire))
        rd = RespReader(s)
        pipelined = [rd.reply() for _ in reqs]
    fresh()
    with socket.create_connection(("127.0.0.1", engine_server.port)) as s:
        rd = RespReader(s)
        single = []
        for w in wire:
            s.sendall(w)
            single.append(rd.reply())
    mismatches = [(i, reqs[i], p, q) for i, (p, q) in enumerate(zip(pipelined, single)) if p != q]
    assert mismatches == []
    # The mix did reach the keyspace (not all errors or empty replies).
    assert sum(1 for p in pipelined if p.startswith(b"$") and p != b"$-1\r\n") > 100
