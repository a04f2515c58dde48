"""Server under test for the framework and scripting-concurrency suites.

By default the real `shoal` binary is started (ShoalServer from conftest,
honouring SHOAL_BIN). With FRAMEWORKS_AGAINST_REDIS=1 a real `redis-server`
is started instead, so the same tests can be proven against Redis first.

Also provides a per-test wall-clock limit (pytest-timeout is not installed):
`time_limit(seconds)` arms SIGALRM and fails the test if it is still running.
"""
import contextlib
import os
import signal
import socket
import subprocess
import time

import redis

from conftest import ShoalServer, free_port

AGAINST_REDIS = os.environ.get("FRAMEWORKS_AGAINST_REDIS") == "1"
REDIS_SERVER = os.environ.get("REDIS_SERVER_BIN", "redis-server")


class RedisServer:
    """A real redis-server on 127.0.0.1:port, same surface as ShoalServer."""

    def __init__(self, threads=None):
        self.port = free_port()
        self.args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
                     "--save", "", "--appendonly", "no", "--daemonize", "no",
                     "--loglevel", "warning"]
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                out = self.proc.stdout.read().decode(errors="replace")
                raise RuntimeError(f"redis-server exited with {self.proc.returncode}: {out}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError("redis-server did not start listening")

    def client(self, **kw):
        kw.setdefault("socket_timeout", 30)
        return redis.Redis(host="127.0.0.1", port=self.port, **kw)

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


def server_name():
    return "redis-server" if AGAINST_REDIS else "shoal"


def start_server(threads=2):
    """Starts the server under test (Shoal, or redis-server when switched)."""
    if AGAINST_REDIS:
        return RedisServer()
    return ShoalServer(threads=threads)


class TestTimeout(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds, what="test"):
    """Raises TestTimeout in the main thread if the body runs longer than
    `seconds`. Blocking socket reads are interrupted by the signal."""
    def on_alarm(signum, frame):
        raise TestTimeout(f"{what} still running after {seconds}s (hang?)")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
