"""Config files and the process's start-up settings, as redis-server takes them.

A drop-in must start from the redis.conf its user already has: the stock one
that Debian's redis-server package installs (daemonize yes, pidfile,
logfile, dir, RDB/AOF tuning...) loads, the process goes to the background,
writes its pid file and log, and serves. Directives that make a replica
(replicaof) or tune connections (tcp-keepalive) take effect; bad values and
run-time changes of start-up settings get Redis's errors.
"""
import os
import re
import signal
import socket
import subprocess
import time

import pytest
import redis

from conftest import SHOAL, ShoalServer, free_port

STOCK_CONF = "/etc/redis/redis.conf"


def _wait_port(port, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.02)
    return False


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def _wait_gone(pid, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline and _pid_alive(pid):
        time.sleep(0.02)
    return not _pid_alive(pid)


def _stock_conf(tmp_path, port):
    """Debian's redis.conf, with only its port and paths moved into tmp_path."""
    assert os.path.exists(STOCK_CONF), "redis-server's package installs " + STOCK_CONF
    text = open(STOCK_CONF).read()
    subs = {"port": str(port), "pidfile": str(tmp_path / "shoal.pid"),
            "logfile": str(tmp_path / "shoal.log"), "dir": str(tmp_path)}
    for name, value in subs.items():
        text, n = re.subn(rf"(?m)^{name} .*$", f"{name} {value}", text)
        assert n == 1, f"the stock config has one active '{name}' line"
    conf = tmp_path / "redis.conf"
    conf.write_text(text)
    return conf


def _start_fails(*args, cwd=None):
    res = subprocess.run([SHOAL, *map(str, args)], capture_output=True, timeout=20, cwd=cwd)
    assert res.returncode != 0
    return (res.stdout + res.stderr).decode(errors="replace")


def test_stock_redis_conf_starts_a_daemon_that_serves(tmp_path):
    port = free_port()
    conf = _stock_conf(tmp_path, port)
    assert re.search(r"(?m)^daemonize yes$", conf.read_text())
    # The parent returns once the daemon is forked, with status 0.
    res = subprocess.run([SHOAL, str(conf)], capture_output=True, timeout=20, cwd="/")
    assert res.returncode == 0, res.stderr.decode(errors="replace")
    assert _wait_port(port), "the daemon does not listen"
    pidfile = tmp_path / "shoal.pid"
    deadline = time.time() + 5
    while not pidfile.exists() and time.time() < deadline:
        time.sleep(0.02)
    pid = int(pidfile.read_text())
    try:
        assert _pid_alive(pid)
        # A daemon: its own session, not the test's child.
        assert os.getsid(pid) == pid
        c = redis.Redis(port=port)
        assert c.ping()
        assert c.set("k", "v") and c.get("k") == b"v"
        cfg = c.config_get("*")
        # dir is where the process works (relative paths resolve there).
        assert cfg["dir"] == str(tmp_path)
        assert os.readlink(f"/proc/{pid}/cwd") == str(tmp_path)
        assert cfg["daemonize"] == "yes"
        assert cfg["pidfile"] == str(pidfile)
        assert cfg["logfile"] == str(tmp_path / "shoal.log")
        # The stock file's RDB/AOF tuning is kept and reported as written.
        assert cfg["appendfsync"] == "everysec"
        assert cfg["dbfilename"] == "dump.rdb"
        assert cfg["tcp-keepalive"] == "300"
        log = (tmp_path / "shoal.log").read_text()
        assert "ready to accept connections on port %d" % port in log
        # Start-up settings stay as they started.
        for name, value in [("daemonize", "no"), ("dir", "/"), ("pidfile", "/tmp/x.pid"),
                            ("logfile", ""), ("supervised", "systemd"), ("replicaof", "")]:
            with pytest.raises(redis.ResponseError, match="can't set immutable config"):
                c.config_set(name, value)
        c.shutdown(nosave=True)  # redis-py takes the closed connection as the reply
    finally:
        if _pid_alive(pid) and not _wait_gone(pid, 5):
            os.kill(pid, signal.SIGKILL)
    assert _wait_gone(pid)
    # The pid file goes with the process; the log says goodbye.
    assert not pidfile.exists()
    assert "ready to exit" in (tmp_path / "shoal.log").read_text()


def test_redis_conf_tuning_round_trips_and_is_checked(tmp_path):
    port = free_port()
    conf = tmp_path / "tuned.conf"
    conf.write_text("appendfsync always\nrepl-diskless-load swapdb\nauto-aof-rewrite-min-size 1mb\n"
                    "lazyfree-lazy-user-del yes\nslave-priority 7\nio-threads 1\n"
                    "crash-log-enabled no\nenable-debug-command local\nactivedefrag no\n")
    proc = subprocess.Popen([SHOAL, str(conf), "--port", str(port), "--bind", "127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _wait_port(port)
        c = redis.Redis(port=port)
        got = c.config_get("*")
        assert got["appendfsync"] == "always"
        assert got["repl-diskless-load"] == "swapdb"
        assert got["lazyfree-lazy-user-del"] == "yes"
        assert got["replica-priority"] == "7"
        assert got["io-threads"] == "1"  # redis.conf's io-threads sets Shoal's workers
        assert got["crash-log-enabled"] == "no"
        assert got["enable-debug-command"] == "local"
        # CONFIG SET works within Redis's grammar, and refuses outside it.
        assert c.config_set("appendfsync", "no")
        assert c.config_get("appendfsync") == {"appendfsync": "no"}
        for name, bad, msg in [
            ("appendfsync", "sometimes", "must be one of the following: always, everysec, no"),
            ("rdbchecksum", "maybe", "argument must be 'yes' or 'no'"),
            ("auto-aof-rewrite-percentage", "x", "couldn't be parsed into an integer"),
            ("replica-priority", "-1", "must be between 0 and"),
            ("repl-disable-tcp-nodelay", "yes", "must be one of the following: no"),
            ("tcp-keepalive", "-5", "must be between 0 and"),
            ("activedefrag", "yes", "must be one of the following: no"),
            ("repl-timeout", "0", "must be between 1 and"),
            ("repl-ping-replica-period", "-1", "must be between 1 and"),
            ("min-replicas-to-write", "-1", "must be between 0 and"),
            ("min-replicas-max-lag", "x", "couldn't be parsed into an integer"),
            ("replica-serve-stale-data", "maybe", "argument must be 'yes' or 'no'"),
        ]:
            with pytest.raises(redis.ResponseError, match=re.escape(msg)):
                c.config_set(name, bad)
        assert c.config_get("appendfsync") == {"appendfsync": "no"}
        assert c.ping()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize("line,message", [
    ("dir /nonexistent/shoal-dir", "'dir /nonexistent/shoal-dir': No such file or directory"),
    ("logfile /nonexistent/shoal.log", "Can't open the log file: No such file or directory"),
    ("daemonize maybe", "argument(s) must be one of the following: yes, no"),
    ("supervised launchd", "must be one of the following: upstart, systemd, auto, no"),
    ("appendfsync sometimes", "must be one of the following: always, everysec, no"),
    ("replicaof 127.0.0.1", "argument must be 'host port'"),
    ("replicaof 127.0.0.1 99999", "argument must be 'host port'"),
    ("repl-backlog-size 1kb", "must be between 16384 and"),
    ("tcp-keepalive forever", "couldn't be parsed into an integer"),
    ("no-such-directive yes", "Bad directive or wrong number of arguments: 'no-such-directive'"),
])
def test_bad_start_up_values_fail_the_start_with_redis_errors(tmp_path, line, message):
    conf = tmp_path / "bad.conf"
    conf.write_text(f"port {free_port()}\n{line}\n")
    out = _start_fails(conf)
    assert "FATAL CONFIG FILE ERROR" in out
    assert message in out, out


def test_relative_logfile_and_pidfile_follow_dir(tmp_path):
    """As in Redis, dir changes the working directory as it is read: the
    relative paths after it are under it."""
    port = free_port()
    sub = tmp_path / "work"
    sub.mkdir()
    conf = tmp_path / "rel.conf"
    conf.write_text(f"port {port}\nbind 127.0.0.1\ndir {sub}\nlogfile rel.log\npidfile rel.pid\n")
    proc = subprocess.Popen([SHOAL, str(conf)], cwd=str(tmp_path),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _wait_port(port)
        deadline = time.time() + 5
        while not (sub / "rel.pid").exists() and time.time() < deadline:
            time.sleep(0.02)
        # Not daemonized: the pid file names this very process.
        assert int((sub / "rel.pid").read_text()) == proc.pid
        assert "ready to accept connections" in (sub / "rel.log").read_text()
        assert not (tmp_path / "rel.log").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert not (sub / "rel.pid").exists()


def test_supervised_systemd_sends_ready_and_stays_in_the_foreground(tmp_path):
    port = free_port()
    sock_path = str(tmp_path / "notify.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(sock_path)
    listener.settimeout(10)
    env = dict(os.environ, NOTIFY_SOCKET=sock_path)
    # daemonize yes as well: a supervisor keeps the process where it is.
    proc = subprocess.Popen([SHOAL, "--port", str(port), "--bind", "127.0.0.1", "--supervised",
                             "systemd", "--daemonize", "yes"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        msg = listener.recv(4096).decode()
        assert "READY=1" in msg.split("\n")
        assert proc.poll() is None  # the supervised process itself serves
        assert redis.Redis(port=port).ping()
    finally:
        listener.close()
        proc.terminate()
        proc.wait(timeout=10)


def test_replicaof_in_a_config_file_starts_a_replica(tmp_path):
    primary = ShoalServer()
    port = free_port()
    conf = tmp_path / "replica.conf"
    conf.write_text(f"port {port}\nbind 127.0.0.1\nreplicaof 127.0.0.1 {primary.port}\n"
                    "repl-backlog-size 1mb\n")
    proc = subprocess.Popen([SHOAL, str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        p = primary.client()
        p.set("before", "1")
        assert _wait_port(port)
        rep = redis.Redis(port=port)
        # CONFIG GET answers the backlog in bytes, as Redis does.
        assert rep.config_get("repl-backlog-size") == {"repl-backlog-size": "1048576"}
        deadline = time.time() + 10
        while time.time() < deadline and rep.get("before") != b"1":
            time.sleep(0.05)
        assert rep.get("before") == b"1"
        p.set("after", "2")
        deadline = time.time() + 10
        while time.time() < deadline and rep.get("after") != b"2":
            time.sleep(0.05)
        assert rep.get("after") == b"2"
        assert rep.execute_command("ROLE")[0] == b"slave"
        with pytest.raises(redis.ReadOnlyError):
            rep.set("x", "y")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        primary.stop()


def _keepalive_timer(server_port, client_port):
    """The timer ss shows on the server's end of the connection from
    client_port (None while none runs)."""
    out = subprocess.run(["ss", "-tnoH", "state", "established", f"( sport = :{server_port} )"],
                         capture_output=True, text=True, timeout=10).stdout
    for line in out.splitlines():
        if line.split()[3].endswith(f":{client_port}"):
            m = re.search(r"timer:\((\w+),", line)
            return m.group(1) if m else None
    raise AssertionError(f"no connection from {client_port} in ss: {out!r}")


def test_tcp_keepalive_probes_idle_clients(tmp_path):
    srv = ShoalServer("--tcp-keepalive", "120")
    try:
        def connect():
            c = redis.Redis(port=srv.port, single_connection_client=True)
            c.ping()
            return c, c.connection._sock.getsockname()[1]

        def settled_timer(cport):
            # Right after a reply the retransmission timer ("on") may run
            # until the ACK; keep-alive is what runs once the link is idle.
            deadline = time.time() + 5
            while True:
                t = _keepalive_timer(srv.port, cport)
                if t != "on" or time.time() > deadline:
                    return t
                time.sleep(0.05)

        c1, p1 = connect()
        assert settled_timer(p1) == "keepalive"
        # A change applies to connections accepted after it.
        c1.config_set("tcp-keepalive", "0")
        c2, p2 = connect()
        assert settled_timer(p2) is None
        assert settled_timer(p1) == "keepalive"
        c1.close()
        c2.close()
    finally:
        srv.stop()


def test_rename_command_renames_and_removes_commands_for_clients(tmp_path):
    port = free_port()
    conf = tmp_path / "renamed.conf"
    conf.write_text(f'port {port}\nbind 127.0.0.1\nrename-command flushall ""\n'
                    "rename-command CONFIG cfg-9f2a\nrename-command get fetch\n"
                    "rename-command exec commit\n")
    proc = subprocess.Popen([SHOAL, str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        assert _wait_port(port)
        c = redis.Redis(port=port)
        for cmd in (["FLUSHALL"], ["CONFIG", "GET", "port"], ["GET", "k"], ["EXEC"]):
            with pytest.raises(redis.ResponseError, match=f"unknown command '{cmd[0]}'"):
                c.execute_command(*cmd)
        assert c.execute_command("cfg-9f2a", "GET", "port") == [b"port", str(port).encode()]
        c.set("k", "v")
        assert c.execute_command("FETCH", "k") == b"v"
        # Again, now that the dispatcher has seen FETCH: GET is still unknown.
        with pytest.raises(redis.ResponseError, match="unknown command 'GET'"):
            c.execute_command("GET", "k")
        # Scripts see the clients' names, as in Redis.
        assert c.eval("return redis.call('fetch', KEYS[1])", 1, "k") == b"v"
        with pytest.raises(redis.ResponseError):
            c.eval("return redis.call('get', KEYS[1])", 1, "k")
        # A transaction ends with the new name of EXEC.
        conn = redis.Redis(port=port, single_connection_client=True)
        assert conn.execute_command("MULTI") == b"OK"
        assert conn.execute_command("INCR", "n") == b"QUEUED"
        assert conn.execute_command("COMMIT") == [1]
        # Commands that run others inside Shoal do not depend on client names.
        assert c.geoadd("g", [13.361389, 38.115556, "Palermo"]) == 1
        # A removed command leaves COMMAND's list; a renamed one answers to
        # its new name there.
        names = subprocess.run(["redis-cli", "-p", str(port), "COMMAND", "LIST"],
                               capture_output=True, text=True, timeout=10).stdout.split()
        assert "set" in names and "get" in names
        assert "flushall" not in names
        info = subprocess.run(["redis-cli", "-p", str(port), "COMMAND", "INFO", "fetch"],
                              capture_output=True, text=True, timeout=10).stdout.split()
        assert info[:2] == ["get", "2"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize("line,message", [
    ("rename-command nosuchcmd x", "No such command in rename-command"),
    ("rename-command get set", "Target command name already exists"),
    ("rename-command get", "Bad directive or wrong number of arguments: 'rename-command'"),
    ("rename-command get " + "x" * 65, "Target command name is over 64 bytes"),
])
def test_bad_rename_command_fails_the_start(tmp_path, line, message):
    conf = tmp_path / "bad-rename.conf"
    conf.write_text(f"port {free_port()}\n{line}\n")
    out = _start_fails(conf)
    assert message in out, out
