"""Start-up, limits and shutdown of the real binary: Redis-style flags and
config files, maxclients, idle timeout, output buffer hard limit, SHUTDOWN
and SIGTERM/SIGINT stopping gracefully."""
import os
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import redis

from conftest import SHOAL, ShoalServer, free_port


def wait_closed(sock, timeout=5.0):
    """True if the server closes `sock` within `timeout` seconds."""
    sock.settimeout(timeout)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except (socket.timeout, TimeoutError):
        return False
    except ConnectionResetError:
        return True


def test_redis_style_flags_and_config_file():
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
        f.write("# a redis.conf-style file\nmaxclients 123\nhz 20\nrequirepass \"pw with space\"\n")
        path = f.name
    port = free_port()
    proc = subprocess.Popen([SHOAL, path, "--port", str(port), "--bind", "127.0.0.1",
                             "--threads", "1", "--timeout", "77", "--maxclients=124"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 10
        c = redis.Redis(port=port, password="pw with space")
        while True:
            try:
                c.ping()
                break
            except redis.ConnectionError:
                assert time.time() < deadline, "server did not start"
                time.sleep(0.05)
        # The command line overrides the file, as with redis-server.
        assert c.config_get("maxclients") == {"maxclients": "124"}
        assert c.config_get("hz") == {"hz": "20"}
        assert c.config_get("timeout") == {"timeout": "77"}
        assert c.config_get("port") == {"port": str(port)}
        assert c.info("server")["config_file"] == path
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
        os.unlink(path)


def test_unknown_directive_fails_start_up():
    res = subprocess.run([SHOAL, "--port", str(free_port()), "--no-such-option", "1"],
                         capture_output=True, timeout=10)
    assert res.returncode != 0
    assert b"Bad directive" in res.stderr


def test_version_flag():
    res = subprocess.run([SHOAL, "--version"], capture_output=True, timeout=10)
    assert res.returncode == 0
    assert b"Shoal server v=" in res.stdout


def test_maxclients_rejects_extra_connections():
    s = ShoalServer("--maxclients", "3", threads=1)
    socks = []
    try:
        for _ in range(3):
            socks.append(socket.create_connection(("127.0.0.1", s.port)))
            socks[-1].sendall(b"PING\r\n")
            assert socks[-1].recv(100) == b"+PONG\r\n"
        extra = socket.create_connection(("127.0.0.1", s.port))
        extra.settimeout(5)
        assert extra.recv(100) == b"-ERR max number of clients reached\r\n"
        assert extra.recv(100) == b""
        extra.close()
        # A slot frees up when a client leaves.
        socks.pop().close()
        deadline = time.time() + 5
        while True:
            c = socket.create_connection(("127.0.0.1", s.port))
            c.sendall(b"PING\r\n")
            reply = c.recv(100)
            if reply == b"+PONG\r\n":
                break
            c.close()
            assert time.time() < deadline, reply
            time.sleep(0.05)
        # Ask INFO on the connection that got in: a new one could race the
        # server's release of the probe's slot (all 3 slots are in use).
        c.settimeout(5)
        c.sendall(b"INFO stats\r\n")
        info = b""
        while b"rejected_connections:" not in info or not info.endswith(b"\r\n"):
            chunk = c.recv(65536)
            assert chunk, "connection closed before INFO"
            info += chunk
        c.close()
        rejected = int(info.split(b"rejected_connections:")[1].split(b"\r\n")[0])
        assert rejected >= 1
    finally:
        for x in socks:
            x.close()
        s.stop()


def test_idle_timeout_closes_quiet_clients_only():
    s = ShoalServer("--timeout", "1", threads=1)
    try:
        quiet = socket.create_connection(("127.0.0.1", s.port))
        busy = socket.create_connection(("127.0.0.1", s.port))
        busy.settimeout(5)
        start = time.time()
        closed_at = None
        while time.time() - start < 4:
            busy.sendall(b"PING\r\n")
            assert busy.recv(100) == b"+PONG\r\n"
            quiet.settimeout(0.2)
            try:
                if quiet.recv(100) == b"":
                    closed_at = time.time() - start
                    break
            except socket.timeout:
                pass
        assert closed_at is not None, "idle client was not closed"
        assert 0.9 <= closed_at <= 3.5
        busy.sendall(b"PING\r\n")
        assert busy.recv(100) == b"+PONG\r\n"
        quiet.close()
        busy.close()
    finally:
        s.stop()


def test_output_buffer_hard_limit_closes_slow_reader():
    """A pipelining client that does not read is paused at 1 MB of pending
    replies; a single reply over client-output-buffer-limit's hard limit
    disconnects it, as redis-server does."""
    s = ShoalServer(threads=1)
    try:
        c = s.client()
        c.config_set("client-output-buffer-limit", "normal 2mb 0 0")
        c.set("big", b"x" * (8 << 20))
        slow = socket.create_connection(("127.0.0.1", s.port))
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.sendall(b"CLIENT SETNAME slowreader\r\nGET big\r\n")
        deadline = time.time() + 10
        while b"slowreader" in c.execute_command("CLIENT", "LIST"):
            assert time.time() < deadline, "slow reader was not disconnected"
            time.sleep(0.05)
        slow.close()
        assert c.ping()
        c.config_set("client-output-buffer-limit", "normal 0 0 0")
        assert len(c.get("big")) == 8 << 20
    finally:
        s.stop()


def test_slow_reader_without_limit_is_paused_not_dropped():
    s = ShoalServer(threads=1)
    try:
        c = s.client()
        c.set("big", b"x" * (1 << 20))
        slow = socket.create_connection(("127.0.0.1", s.port))
        slow.sendall(b"CLIENT SETNAME pausedreader\r\n" + b"GET big\r\n" * 32)
        time.sleep(0.5)
        line = [l for l in c.execute_command("CLIENT", "LIST").split(b"\n") if b"pausedreader" in l]
        assert len(line) == 1
        # It is still connected, with a bounded amount of pending output.
        omem = int(line[0].split(b"omem=")[1].split(b" ")[0])
        assert omem < 4 << 20
        # Reading now drains every reply.
        slow.settimeout(10)
        want = len(b"+OK\r\n") + 32 * len(b"$1048576\r\n" + b"x" * (1 << 20) + b"\r\n")
        got = 0
        while got < want:
            data = slow.recv(1 << 20)
            assert data
            got += len(data)
        assert got == want
        slow.close()
    finally:
        s.stop()


def test_shutdown_command_stops_the_server():
    s = ShoalServer(threads=2)
    c = s.client()
    c.set("k", "v")
    c.shutdown()  # redis-py treats the closed connection as success
    assert s.proc.wait(timeout=10) == 0
    s.stop()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signals_stop_gracefully(sig):
    s = ShoalServer(threads=2)
    held = socket.create_connection(("127.0.0.1", s.port))
    held.sendall(b"PING\r\n")
    assert held.recv(100) == b"+PONG\r\n"
    s.proc.send_signal(sig)
    assert s.proc.wait(timeout=10) == 0
    out = s.proc.stdout.read()
    assert b"ready to exit" in out
    assert wait_closed(held, 5)
    held.close()
    s.stop()
