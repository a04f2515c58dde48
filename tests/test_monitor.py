"""MONITOR: every command of every client on every worker, in Redis's line
format (checked side by side with redis-server 7.0.15): quoting of binary
bytes, the db, "lua" for a script's commands, "(redacted)" credentials,
admin commands left out, the monitoring client's restrictions, RESET, and a
monitor that does not read bounded by client-output-buffer-limit."""
import re
import shutil
import socket
import threading
import time

import pytest
import redis

from conftest import Raw, ShoalServer

LINE = re.compile(rb"^\+(\d{10})\.(\d{6}) \[(\d+) ([^\]]+)\] (.*)$")


class Monitor:
    """A raw connection in MONITOR mode that collects lines."""

    def __init__(self, port):
        self.raw = Raw(port, timeout=5)
        assert self.raw.cmd("MONITOR") == b"+OK\r\n"

    def lines(self, n, timeout=5.0):
        out = []
        deadline = time.time() + timeout
        while len(out) < n:
            self.raw.sock.settimeout(max(0.05, deadline - time.time()))
            try:
                out.append(self.raw._line()[:-2])
            except socket.timeout:
                break
        return out

    def commands(self, n, timeout=5.0):
        """(db, origin, args-part) of the next n lines."""
        got = []
        for l in self.lines(n, timeout):
            m = LINE.match(l)
            assert m, l
            got.append((int(m.group(3)), m.group(4), m.group(5)))
        return got

    def quiet(self, wait=0.3):
        """No line arrives within `wait` seconds."""
        return self.lines(1, timeout=wait) == []

    def close(self):
        self.raw.close()


@pytest.fixture
def mon(server):
    m = Monitor(server.port)
    yield m
    m.close()


def test_line_format_and_quoting(mon, server):
    c = server.client()
    before = time.time()
    c.set("k", b"a\x00\x01\"\\\n\t\xffz")
    line = mon.lines(1)[0]
    m = LINE.match(line)
    assert m, line
    assert before - 1 <= int(m.group(1)) <= time.time() + 1
    assert m.group(3) == b"0"
    assert re.fullmatch(rb"127\.0\.0\.1:\d+", m.group(4))
    assert m.group(5) == rb'"SET" "k" "a\x00\x01\"\\\n\t\xffz"'
    c.close()


def test_every_worker_in_order(mon, server):
    clients = [server.client() for _ in range(4)]  # both workers
    for i in range(20):
        for j, c in enumerate(clients):
            c.set(f"k{j}", i)
    got = mon.commands(80)
    assert len(got) == 80
    by_origin = {}
    for db, origin, args in got:
        by_origin.setdefault(origin, []).append(args)
    assert len(by_origin) == 4
    for seq in by_origin.values():
        values = [int(re.search(rb'"(\d+)"$', a).group(1)) for a in seq]
        assert values == list(range(20))  # in order per client
    for c in clients:
        c.close()


def test_db_transaction_and_scripts(mon, server):
    c = server.client()
    c.execute_command("SELECT", 1)
    c.execute_command("SELECT", 0)
    p = c.pipeline()
    p.set("a", 1)
    p.get("a")
    p.execute()
    c.eval("redis.call('set','x','1'); return redis.call('get','x')", 0)
    got = mon.commands(9)
    assert [(db, o == b"lua", a) for db, o, a in got] == [
        (1, False, b'"SELECT" "1"'),  # shown after it ran: the new db
        (0, False, b'"SELECT" "0"'),
        (0, False, b'"MULTI"'),
        (0, False, b'"SET" "a" "1"'),
        (0, False, b'"GET" "a"'),
        (0, False, b'"EXEC"'),
        (0, False, b'"EVAL" "redis.call(\'set\',\'x\',\'1\'); return redis.call(\'get\',\'x\')" "0"'),
        (0, True, b'"set" "x" "1"'),
        (0, True, b'"get" "x"'),
    ]
    assert got[7][1] == b"lua"
    c.close()


def test_credentials_redacted(mon, server):
    c = server.client()
    for args in (("AUTH", "u", "p"), ("AUTH", "p"),
                 ("HELLO", "2", "AUTH", "default", "pw", "SETNAME", "x")):
        try:
            c.execute_command(*args)
        except redis.ResponseError:
            pass
    got = [a for _, _, a in mon.commands(3)]
    assert got == [b'"AUTH" "(redacted)" "(redacted)"', b'"AUTH" "(redacted)"',
                   b'"HELLO" "2" "AUTH" "(redacted)" "(redacted)" "SETNAME" "x"']
    c.close()


def test_admin_commands_hidden_failed_ones_shown(mon, server):
    c = server.client()
    c.config_get("maxmemory")
    c.execute_command("LATENCY", "LATEST")
    c.execute_command("SLOWLOG", "LEN")
    c.set("s", "v")
    with pytest.raises(redis.ResponseError):
        c.lpush("s", "1")  # WRONGTYPE: it ran, so it is shown
    with pytest.raises(redis.ResponseError):
        c.execute_command("GET")  # rejected before running: not shown
    c.execute_command("LATENCY", "HELP")  # not admin
    c.ping()
    got = [a for _, _, a in mon.commands(4)]
    assert got == [b'"SET" "s" "v"', b'"LPUSH" "s" "1"', b'"LATENCY" "HELP"', b'"PING"']
    assert mon.quiet()
    c.close()


def test_blocked_command_shown_once(mon, server):
    c = server.client()
    t = threading.Thread(target=lambda: server.client().blpop("bl", 3))
    t.start()
    time.sleep(0.3)
    c.rpush("bl", "v")
    t.join()
    got = [a for _, _, a in mon.commands(2)]
    assert got == [b'"BLPOP" "bl" "3"', b'"RPUSH" "bl" "v"']
    assert mon.quiet()
    c.close()


def test_monitoring_client_restrictions(server):
    m = Monitor(server.port)
    raw = m.raw
    # Redis treats a monitor as a replica: no keyspace access...
    assert raw.cmd("GET", "k") == b"-ERR Replica can't interact with the keyspace\r\n"
    assert raw.cmd("SET", "k", "v") == b"-ERR Replica can't interact with the keyspace\r\n"
    # ...other commands run, and are fed to the monitor itself too
    assert raw.cmd("PING") == b"+PONG\r\n"
    assert LINE.match(raw._line()[:-2]).group(5) == b'"PING"'
    # a second MONITOR is ignored without a reply
    raw.send("MONITOR")
    assert raw.cmd("ECHO", "x") == b"$1\r\nx\r\n"
    assert LINE.match(raw._line()[:-2]).group(5) == b'"ECHO" "x"'
    # RESET ends it
    assert raw.cmd("RESET") == b"+RESET\r\n"
    assert raw.cmd("GET", "no-such-key") == b"$-1\r\n"
    c = server.client()
    c.set("k2", "v")
    raw.sock.settimeout(0.3)
    with pytest.raises(socket.timeout):
        raw._line()
    c.close()
    m.close()


def test_client_list_flag(server):
    m = Monitor(server.port)
    c = server.client()
    mine = [l for l in c.client_list() if l["flags"] == "O"]
    assert len(mine) == 1
    m.raw.cmd("RESET")
    assert [l for l in c.client_list() if l["flags"] == "O"] == []
    c.close()
    m.close()


def test_monitor_inside_multi(server):
    raw = Raw(server.port)
    assert raw.cmd("MULTI") == b"+OK\r\n"
    assert raw.cmd("MONITOR") == b"+QUEUED\r\n"
    assert raw.cmd("EXEC") == b"*1\r\n-ERR MONITOR isn't allowed for DENY BLOCKING client\r\n"
    raw.close()


def test_quit_and_disconnect_stop_feeding(server):
    m = Monitor(server.port)
    assert m.raw.cmd("QUIT") == b"+OK\r\n"
    m.close()
    m2 = Monitor(server.port)
    m2.close()
    c = server.client()
    for _ in range(100):
        c.ping()  # feeding closed monitors must not crash anything
    assert server.alive()
    c.close()


def test_wrong_arity(server):
    raw = Raw(server.port)
    assert raw.cmd("MONITOR", "x") == b"-ERR wrong number of arguments for 'monitor' command\r\n"
    raw.close()


def test_slow_monitor_is_disconnected_by_output_limit():
    s = ShoalServer("--client-output-buffer-limit", "normal 1mb 0 0")
    try:
        # a monitor that never reads
        sock = socket.create_connection(("127.0.0.1", s.port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(b"MONITOR\r\n")
        time.sleep(0.2)
        c = s.client()
        start = time.time()
        payload = "x" * 1000
        for _ in range(40):
            pipe = c.pipeline(transaction=False)
            for i in range(500):
                pipe.set("k", payload)
            pipe.execute()
        assert time.time() - start < 30  # the workers never waited on it
        info = c.info("clients")
        assert info["connected_clients"] == 1  # the monitor was dropped
        c.close()
        sock.close()
        assert s.alive()
    finally:
        s.stop()


def test_redis_cli_monitor(server):
    import subprocess
    p = subprocess.Popen(["redis-cli", "-p", str(server.port), "MONITOR"],
                         stdout=subprocess.PIPE)
    try:
        time.sleep(0.3)
        c = server.client()
        c.set("cli", "v")
        c.close()
        out = b""
        deadline = time.time() + 5
        while b'"cli"' not in out and time.time() < deadline:
            out += p.stdout.read1(4096)
        assert out.startswith(b"OK\n")
        assert re.search(rb'\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "SET" "cli" "v"', out), out
    finally:
        p.kill()
        p.wait()


REDIS_SERVER = shutil.which("redis-server")


def monitor_session(port):
    """Runs one scripted session under MONITOR and returns the monitor's
    lines with time and client port taken out, and the monitor's own
    replies to commands it may and may not run."""
    m = Monitor(port)
    c = redis.Redis(port=port)
    c.set("k", b"a\x00\x01\"\\\n\t\xffz\r\x7f")
    c.execute_command("SELECT", 1)
    c.execute_command("SELECT", 0)
    for args in (("AUTH", "u", "p"), ("AUTH", "p"),
                 ("HELLO", "2", "AUTH", "default", "pw", "SETNAME", "x")):
        try:
            c.execute_command(*args)
        except redis.ResponseError:
            pass
    p = c.pipeline()
    p.set("a", 1)
    p.get("a")
    p.execute()
    c.eval("redis.call('set','x','1'); return redis.call('get','x')", 0)
    c.config_get("maxmemory")
    c.execute_command("SLOWLOG", "LEN")
    c.execute_command("LATENCY", "HELP")
    try:
        c.lpush("k", "1")
    except redis.ResponseError:
        pass
    c.ping()
    c.echo("end")
    lines = []
    while not lines or b'"echo"' not in lines[-1].lower():
        got = m.lines(1)
        assert got, lines
        lines.append(re.sub(rb"^\+\d+\.\d{6} ", b"", got[0]))
    lines = [re.sub(rb"127\.0\.0\.1:\d+", b"ADDR", l) for l in lines]
    own = [m.raw.cmd("GET", "k"), m.raw.cmd("PING"),
           re.sub(rb"^\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\]", b"", m.raw._line())]
    m.raw.send("MONITOR")  # ignored, no reply
    own.append(m.raw.cmd("RESET"))
    c.close()
    m.close()
    return lines, own


@pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server")
def test_same_lines_as_redis(server):
    import subprocess
    from conftest import free_port
    port = free_port()
    proc = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while True:
            try:
                redis.Redis(port=port).ping()
                break
            except redis.ConnectionError:
                assert time.time() < deadline
                time.sleep(0.05)
        assert monitor_session(server.port) == monitor_session(port)
    finally:
        proc.terminate()
        proc.wait()
