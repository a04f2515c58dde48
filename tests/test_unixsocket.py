"""unixsocket / unixsocketperm: clients on a Unix-domain socket, as redis-server.

redis-cli -s, redis-py's unix_socket_path and redis-benchmark -s connect to
the path; CLIENT LIST shows such a client as Redis does (addr and laddr
"<path>:0", flag U); the socket gets the configured mode, replaces a stale
socket file at start and is removed at shutdown; a path that cannot be bound
fails the start with Redis's "Failed opening Unix socket".
"""
import os
import socket
import stat
import subprocess
import time

import pytest
import redis

from conftest import SHOAL


class UnixShoal:
    def __init__(self, path, *extra):
        self.path = str(path)
        self.proc = subprocess.Popen([SHOAL, "--port", "0", "--unixsocket", self.path, *extra],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(self.proc.stdout.read().decode(errors="replace"))
            try:
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(self.path)
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("shoal did not listen on its unix socket")

    def client(self, **kw):
        return redis.Redis(unix_socket_path=self.path, **kw)

    def cli(self, *args):
        res = subprocess.run(["redis-cli", "-s", self.path, *map(str, args)],
                             capture_output=True, timeout=30)
        return res.stdout.decode()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc.stdout.close()


@pytest.fixture
def unix_server(tmp_path):
    s = UnixShoal(tmp_path / "shoal.sock", "--unixsocketperm", "700")
    yield s
    assert s.proc.poll() is None, "shoal died"
    s.stop()


def test_clients_on_the_unix_socket_are_served(unix_server):
    c = unix_server.client()
    assert c.set("k", "v")
    assert c.get("k") == b"v"
    assert unix_server.cli("get", "k").strip() == "v"
    assert unix_server.cli("incr", "n").strip() == "1"
    # Only the socket: no TCP port (INFO's tcp_port 0, as Redis).
    assert c.info("server")["tcp_port"] == 0
    assert c.config_get("unixsocket*") == {"unixsocket": unix_server.path, "unixsocketperm": "700"}


def test_client_list_shows_unix_clients_as_redis_does(unix_server):
    c = unix_server.client()
    line = c.execute_command("CLIENT", "INFO").decode()
    fields = dict(kv.split("=", 1) for kv in line.split())
    assert fields["addr"] == unix_server.path + ":0"
    assert fields["laddr"] == unix_server.path + ":0"
    assert fields["flags"] == "U"
    # CLIENT KILL ADDR finds the others by that address (not the caller:
    # SKIPME defaults to yes).
    other = unix_server.client(single_connection_client=True)
    other.ping()
    assert c.execute_command("CLIENT", "KILL", "ADDR", unix_server.path + ":0") == 1
    with pytest.raises(redis.ConnectionError):
        other.execute_command("PING")


def test_socket_mode_follows_unixsocketperm(unix_server):
    mode = stat.S_IMODE(os.stat(unix_server.path).st_mode)
    assert mode == 0o700
    assert stat.S_ISSOCK(os.stat(unix_server.path).st_mode)


def test_pipelines_and_benchmark_over_the_socket(unix_server):
    c = unix_server.client()
    p = c.pipeline(transaction=False)
    for i in range(1000):
        p.set(f"key:{i}", i)
    for i in range(1000):
        p.get(f"key:{i}")
    out = p.execute()
    assert out[1000:] == [str(i).encode() for i in range(1000)]
    res = subprocess.run(["redis-benchmark", "-s", unix_server.path, "-n", "2000", "-q", "-t",
                          "set,get", "-P", "8"], capture_output=True, timeout=60)
    assert res.returncode == 0
    assert b"SET:" in res.stdout and b"GET:" in res.stdout


def test_malformed_input_and_abrupt_disconnects_on_the_socket(unix_server):
    for payload, expect in [(b"*1\r\n$abc\r\n", b"-ERR Protocol error: invalid bulk length"),
                            (b"*x\r\n", b"-ERR Protocol error: invalid multibulk length")]:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(unix_server.path)
            s.sendall(payload)
            got = b""
            while not got.endswith(b"\r\n"):
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
            assert got.startswith(expect), got
    for _ in range(20):  # half a request, then gone
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(unix_server.path)
            s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\nabc")
    assert unix_server.client().ping()


def test_stale_socket_file_is_replaced_and_removed_at_shutdown(tmp_path):
    path = tmp_path / "stale.sock"
    old = socket.socket(socket.AF_UNIX)
    old.bind(str(path))  # a file left by a process that is gone
    old.close()
    assert path.exists()
    s = UnixShoal(path)
    assert s.client().ping()
    s.client().shutdown(nosave=True)  # redis-py takes the closed connection as the reply
    s.proc.wait(timeout=10)
    s.stop()
    assert not path.exists()


def test_a_file_that_is_not_a_socket_is_left_alone(tmp_path):
    path = tmp_path / "precious.txt"
    path.write_text("keep me")
    res = subprocess.run([SHOAL, "--port", "0", "--unixsocket", str(path)], capture_output=True,
                         timeout=20)
    assert res.returncode != 0
    assert b"Failed opening Unix socket: Address already in use" in res.stdout + res.stderr
    assert path.read_text() == "keep me"


@pytest.mark.parametrize("args,message", [
    (["--unixsocket", "/nonexistent-dir/shoal.sock"],
     "Failed opening Unix socket: No such file or directory"),
    (["--unixsocket", "/tmp/" + "x" * 120], "Failed opening Unix socket: path too long"),
    (["--unixsocket", "/tmp/shoal-bad-perm.sock", "--unixsocketperm", "800"],
     "argument must be an octal mode between 0 and 777"),
])
def test_bad_unix_socket_settings_fail_the_start(args, message):
    res = subprocess.run([SHOAL, "--port", "0", *args], capture_output=True, timeout=20)
    assert res.returncode != 0
    assert message in (res.stdout + res.stderr).decode(errors="replace")


def test_unixsocket_is_start_up_only(unix_server):
    c = unix_server.client()
    for name, value in [("unixsocket", "/tmp/other.sock"), ("unixsocketperm", "777")]:
        with pytest.raises(redis.ResponseError, match="can't set immutable config"):
            c.config_set(name, value)
