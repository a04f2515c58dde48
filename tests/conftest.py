"""Shared fixtures for Shoal's end-to-end tests.

Every test talks to the real `build/shoal` binary over TCP with real clients
(redis-py, redis-cli). A server is started per test module on a free port and
stopped afterwards; `r` gives each test a clean keyspace (FLUSHALL).
Run with Debian's interpreter: /usr/bin/python3 -m pytest tests/
"""
import os
import socket
import subprocess
import threading
import time

import pytest
import redis

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHOAL = os.environ.get("SHOAL_BIN", os.path.join(ROOT, "build", "shoal"))
# The executable itself: SHOAL may be tests/shoal-io-engine.sh, which runs
# it on another --io-engine (scripts/run-tests.sh); packaging needs the file.
SHOAL_EXE = os.environ.get("SHOAL_REAL_BIN", SHOAL)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ShoalServer:
    """A running shoal process on 127.0.0.1:port."""

    def __init__(self, *extra_args, threads=2, binary=None):
        self.port = free_port()
        self.args = [binary or SHOAL, "--port", str(self.port), "--bind", "127.0.0.1",
                     "--threads", str(threads)] + [str(a) for a in extra_args]
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                out = self.proc.stdout.read().decode(errors="replace")
                raise RuntimeError(f"shoal exited with {self.proc.returncode}: {out}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("shoal did not start listening")

    def client(self, **kw):
        return redis.Redis(host="127.0.0.1", port=self.port, **kw)

    def cli(self, *args, stdin=None):
        """Runs redis-cli against the server; returns its stdout (str)."""
        cmd = ["redis-cli", "-h", "127.0.0.1", "-p", str(self.port)] + [str(a) for a in args]
        res = subprocess.run(cmd, input=stdin, capture_output=True, timeout=30)
        return res.stdout.decode(errors="replace")

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()


@pytest.fixture(scope="module")
def server():
    s = ShoalServer()
    yield s
    assert s.alive(), "shoal crashed during the test module"
    s.stop()


@pytest.fixture
def r(server):
    c = server.client()
    c.flushall()
    yield c
    c.close()


def raw_command(port, payload: bytes, read_timeout=2.0):
    """Sends raw bytes and returns everything the server answers until it
    closes the connection or stays silent for read_timeout seconds."""
    with socket.create_connection(("127.0.0.1", port), timeout=read_timeout) as s:
        s.sendall(payload)
        chunks = []
        try:
            while True:
                data = s.recv(65536)
                if not data:
                    break
                chunks.append(data)
        except socket.timeout:
            pass
        return b"".join(chunks)


def run_clients(work, n, timeout=60):
    """Runs work(i) for i in 0..n-1, each in its own thread (a client each),
    and returns what failed as repr strings: [] when every one passed. A
    thread still running after `timeout` seconds (all told) is a failure."""
    errors = []

    def run(i):
        try:
            work(i)
        except Exception as e:  # noqa: BLE001 - returned to the caller
            errors.append(repr(e))

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    errors += [f"client {i} still running after {timeout}s"
               for i, t in enumerate(threads) if t.is_alive()]
    return errors


class Raw:
    """One raw RESP connection for every suite: cmd() (or call()) sends a
    request and returns the reply's exact bytes; send() + reply() (or
    read_frame()) split the two for pipelines; closed() waits for EOF."""

    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    @staticmethod
    def encode(*args):
        """A request as a RESP array of bulk strings."""
        parts = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        out = [b"*%d\r\n" % len(parts)]
        for p in parts:
            out.append(b"$%d\r\n%s\r\n" % (len(p), p))
        return b"".join(out)

    def send(self, *args):
        self.sock.sendall(self.encode(*args))

    def _fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise ConnectionError("server closed the connection")
        self.buf += data

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        i = self.buf.index(b"\r\n") + 2
        line, self.buf = self.buf[:i], self.buf[i:]
        return line

    def _exact(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def reply(self):
        """The raw bytes of one complete reply (RESP2 or RESP3)."""
        line = self._line()
        kind = line[:1]
        if kind in (b"$", b"=", b"!"):
            n = int(line[1:-2])
            return line if n < 0 else line + self._exact(n + 2)
        if kind in (b"*", b"%", b"~", b">"):
            n = int(line[1:-2])
            if kind == b"%":
                n *= 2
            out = line
            for _ in range(max(n, 0)):
                out += self.reply()
            return out
        return line

    read_frame = reply

    def cmd(self, *args):
        self.send(*args)
        return self.reply()

    call = cmd

    def closed(self, timeout=2.0):
        """True if the server closes the connection (EOF) within timeout."""
        self.sock.settimeout(timeout)
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return True
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
