"""Safe defaults and hostile clients on the client port (issue 12;
docs/security.md): Redis 7's default bind and protected mode, input bounds
before authentication, big bulks under maxmemory, and running out of file
descriptors. Every reply is checked byte for byte against Redis 7's.

The protected-mode cases need a client that is not on loopback: they build
two network namespaces joined by a veth pair (server 10.79.0.1, client
10.79.0.2), which needs root and iproute2, as tests/test_cluster_netns.py
does; CI runs as root. Nothing is added to the machine's own network.
"""
import os
import resource
import select
import shutil
import socket
import subprocess
import time

import pytest

from conftest import SHOAL, Raw, free_port

UNAUTH_BULK = b"-ERR Protocol error: unauthenticated bulk length\r\n"
UNAUTH_MULTIBULK = b"-ERR Protocol error: unauthenticated multibulk length\r\n"
OOM = b"-OOM command not allowed when used memory > 'maxmemory'.\r\n"
MAX_CLIENTS = b"-ERR max number of clients reached\r\n"
DENIED = (
    b"-DENIED Redis is running in protected mode because protected mode is enabled and no "
    b"password is set for the default user. In this mode connections are only accepted from "
    b"the loopback interface. If you want to connect from external computers to Redis you may "
    b"adopt one of the following solutions: 1) Just disable protected mode sending the command "
    b"'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from "
    b"the same host the server is running, however MAKE SURE Redis is not publicly accessible "
    b"from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) "
    b"Alternatively you can just disable the protected mode by editing the Redis configuration "
    b"file, and setting the protected mode option to 'no', and then restarting the server. 3) "
    b"If you started the server manually just for testing, restart it with the "
    b"'--protected-mode no' option. 4) Setup a an authentication password for the default "
    b"user. NOTE: You only need to do one of the above things in order for the server to start "
    b"accepting connections from the outside.\r\n")


class Server:
    """A shoal process started with exactly the given arguments (no --bind
    unless given), optionally behind a command prefix (ip netns exec, a
    shell with ulimit). Ready once it printed its ready line."""

    def __init__(self, *args, prefix=(), port=None):
        self.port = port or free_port()
        cmd = list(prefix) + [SHOAL, "--port", str(self.port), "--threads", "2"]
        self.proc = subprocess.Popen(cmd + [str(a) for a in args], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.output = b""
        deadline = time.time() + 10
        while b"ready to accept connections" not in self.output:
            left = deadline - time.time()
            if left <= 0:
                self.stop()
                raise RuntimeError(f"shoal did not start: {self.output!r}")
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    self.proc.wait()
                    raise RuntimeError(f"shoal exited with {self.proc.returncode}: "
                                       f"{self.output!r}")
                self.output += chunk

    @property
    def pid(self):
        # Behind `ip netns exec` or `bash -c exec`, the process is shoal itself.
        return self.proc.pid

    def raw(self, host="127.0.0.1"):
        return Raw(self.port) if host == "127.0.0.1" else RawAt(host, self.port)

    def rss_kb(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def cpu_ticks(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime

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
        self.proc.stdout.close()


class RawAt(Raw):
    def __init__(self, host, port, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""


def read_until_eof(sock, timeout=5.0):
    """Everything the server sends until it closes the connection."""
    sock.settimeout(timeout)
    out = b""
    while True:
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            return out
        if not data:
            return out
        out += data


@pytest.fixture
def started():
    servers = []

    def start(*args, **kw):
        s = Server(*args, **kw)
        servers.append(s)
        return s

    yield start
    for s in servers:
        alive = s.alive()
        s.stop()
        assert alive, f"shoal crashed: {s.output!r}"


# ---- Input bounds before authentication ----


def test_unauthenticated_512mb_bulk_header_is_refused_and_rss_stays_small(started):
    s = started("--bind", "127.0.0.1", "--requirepass", "secret")
    before = s.rss_kb()
    for _ in range(4):
        c = s.raw()
        c.sock.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870000\r\nx")
        assert read_until_eof(c.sock) == UNAUTH_BULK
        c.close()
    assert s.rss_kb() - before < 20 * 1024


def test_authenticated_512mb_bulk_header_reserves_nothing_up_front(started):
    s = started("--bind", "127.0.0.1", "--requirepass", "secret")
    before = s.rss_kb()
    conns = []
    for _ in range(4):
        c = s.raw()
        assert c.cmd("AUTH", "secret") == b"+OK\r\n"
        c.sock.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870000\r\nx")
        conns.append(c)
    # The server has read the headers (a PING on another connection is
    # answered after them on the same workers) and holds only what arrived.
    assert s.raw().cmd("AUTH", "secret") == b"+OK\r\n"
    for c in conns:
        c.sock.sendall(b"x" * 100000)
    probe = s.raw()
    assert probe.cmd("AUTH", "secret") == b"+OK\r\n"
    assert probe.cmd("PING") == b"+PONG\r\n"
    assert s.rss_kb() - before < 20 * 1024
    # The pending commands are still waiting for their bytes.
    for c in conns:
        assert not c.closed(timeout=0.2)
        c.close()


def test_unauthenticated_multibulk_over_ten_arguments_is_refused(started):
    s = started("--bind", "127.0.0.1", "--requirepass", "secret")
    c = s.raw()
    c.sock.sendall(b"*11\r\n")
    assert read_until_eof(c.sock) == UNAUTH_MULTIBULK
    # Ten arguments and 16 KB bulks are allowed: they get NOAUTH, and the
    # connection stays open.
    c = s.raw()
    assert c.cmd(*(["DEL"] + ["k"] * 9)) == b"-NOAUTH Authentication required.\r\n"
    assert c.cmd("ECHO", b"v" * 16384) == b"-NOAUTH Authentication required.\r\n"
    c.send("ECHO", b"v" * 16385)
    assert read_until_eof(c.sock) == UNAUTH_BULK


def test_bounds_lift_after_auth_even_in_the_same_pipeline(started):
    s = started("--bind", "127.0.0.1", "--requirepass", "secret")
    c = s.raw()
    big = b"v" * 100000
    c.sock.sendall(Raw.encode("AUTH", "secret") + Raw.encode("SET", "k", big) +
                   Raw.encode(*(["DEL"] + [f"k{i}" for i in range(20)])))
    assert c.reply() == b"+OK\r\n"
    assert c.reply() == b"+OK\r\n"
    assert c.reply() == b":0\r\n"
    assert c.cmd("STRLEN", "k") == b":100000\r\n"


def test_no_bounds_without_a_password(started):
    s = started("--bind", "127.0.0.1")
    c = s.raw()
    assert c.cmd(*(["DEL"] + [f"k{i}" for i in range(20)])) == b":0\r\n"
    assert c.cmd("SET", "k", b"v" * 100000) == b"+OK\r\n"


# ---- A bulk bigger than the maxmemory headroom ----


def test_500mb_set_under_maxmemory_100mb_gets_oom_before_it_is_read(started):
    s = started("--bind", "127.0.0.1", "--maxmemory", "100mb")
    before = s.rss_kb()
    c = s.raw()
    size = 500 * 1024 * 1024
    c.sock.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n" % size)
    # The refusal comes from the header alone, before the value is sent.
    assert c.reply() == OOM
    chunk = b"z" * (1 << 20)
    for _ in range(size // len(chunk)):
        c.sock.sendall(chunk)
    c.sock.sendall(b"\r\n")
    # The value was dropped as it arrived: the connection is in step again.
    assert c.cmd("PING") == b"+PONG\r\n"
    assert c.cmd("EXISTS", "k") == b":0\r\n"
    assert s.rss_kb() - before < 20 * 1024
    # A value that fits is stored; a big argument of a read is not refused.
    assert c.cmd("SET", "k", b"v" * (2 << 20)) == b"+OK\r\n"
    assert c.cmd("STRLEN", "k") == b":2097152\r\n"
    assert c.cmd("EXISTS", b"q" * (3 << 20)) == b":0\r\n"


def test_refused_bulk_inside_multi_aborts_the_transaction(started):
    s = started("--bind", "127.0.0.1", "--maxmemory", "10mb")
    c = s.raw()
    assert c.cmd("MULTI") == b"+OK\r\n"
    assert c.cmd("SET", "k", b"v" * (20 << 20)) == OOM
    assert c.cmd("EXEC") == b"-EXECABORT Transaction discarded because of previous errors.\r\n"


# ---- Protected mode and the default bind (network namespaces) ----


SERVER_IP = "10.79.0.1"
CLIENT_IP = "10.79.0.2"
SERVER_IP6 = "fd79::1"
CLIENT_IP6 = "fd79::2"
NS_PORT = 6379

# Run in a namespace: sends the optional request, prints what came back
# until EOF or a 2 s silence (hex), or the connection error.
CLIENT_SCRIPT = r"""
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
try:
    s = socket.create_connection((host, port), timeout=3)
except OSError as e:
    print("ERROR", type(e).__name__); sys.exit(0)
if sys.argv[3] == "connect-only":
    print("OPEN"); sys.exit(0)
payload = bytes.fromhex(sys.argv[3])
if payload:
    s.sendall(payload)
out = b""
s.settimeout(2)
try:
    while True:
        d = s.recv(65536)
        if not d:
            print("EOF", out.hex()); sys.exit(0)
        out += d
        if payload and out.endswith(b"\r\n"):
            break
except (socket.timeout, ConnectionResetError):
    pass
print("OPEN", out.hex())
"""


def sh(*args):
    res = subprocess.run([str(a) for a in args], capture_output=True, timeout=30)
    if res.returncode != 0:
        raise RuntimeError(f"{args}: {res.stderr.decode(errors='replace')}")
    return res.stdout.decode()


class Namespaces:
    def __init__(self):
        tag = f"sec{os.getpid() % 100000}"
        self.server, self.client = f"{tag}-s", f"{tag}-c"
        self.created = []

    def setup(self):
        for ns in (self.server, self.client):
            sh("ip", "netns", "add", ns)
            self.created.append(ns)
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "link", "add", "eth0", "netns", self.server, "type", "veth", "peer", "name",
           "eth0", "netns", self.client)
        sh("ip", "-n", self.server, "addr", "add", f"{SERVER_IP}/24", "dev", "eth0")
        sh("ip", "-n", self.client, "addr", "add", f"{CLIENT_IP}/24", "dev", "eth0")
        # IPv6 too, without duplicate address detection (usable at once).
        sh("ip", "-n", self.server, "addr", "add", f"{SERVER_IP6}/64", "dev", "eth0", "nodad")
        sh("ip", "-n", self.client, "addr", "add", f"{CLIENT_IP6}/64", "dev", "eth0", "nodad")
        sh("ip", "-n", self.server, "link", "set", "eth0", "up")
        sh("ip", "-n", self.client, "link", "set", "eth0", "up")
        # The veth pair carries packets once both ends report UP; until then a
        # SYN is lost and connect() waits for its retransmission.
        deadline = time.time() + 10
        while not all("state UP" in sh("ip", "-n", ns, "link", "show", "eth0")
                      for ns in (self.server, self.client)):
            assert time.time() < deadline, "veth pair did not come up"
            time.sleep(0.05)

    def connect(self, ns, host, payload=b"", port=NS_PORT, connect_only=False):
        """(state, bytes): state is EOF or OPEN, or ERROR with the exception name.
        connect_only: ("OPEN", b"") as soon as the TCP connection is made."""
        arg = "connect-only" if connect_only else payload.hex()
        out = sh("ip", "netns", "exec", ns, "/usr/bin/python3", "-c", CLIENT_SCRIPT, host,
                 port, arg).split()
        if out[0] == "ERROR":
            return out[0], out[1]
        return out[0], bytes.fromhex(out[1]) if len(out) > 1 else b""

    def teardown(self):
        for ns in reversed(self.created):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


@pytest.fixture(scope="module")
def netns():
    if os.geteuid() != 0:
        pytest.skip("needs root to create network namespaces")
    if shutil.which("ip") is None:
        pytest.skip("needs iproute2 (ip netns)")
    n = Namespaces()
    try:
        n.setup()
        yield n
    finally:
        n.teardown()


def start_in(netns, started, *args):
    return started(*args, prefix=("ip", "netns", "exec", netns.server), port=NS_PORT)


PING = Raw.encode("PING")


@pytest.mark.parametrize("bind", ["*", "0.0.0.0", f"127.0.0.1 {SERVER_IP}"])
def test_protected_mode_refuses_a_non_loopback_client(netns, started, bind):
    s = start_in(netns, started, "--bind", bind)
    assert netns.connect(netns.client, SERVER_IP) == ("EOF", DENIED)
    # Loopback is served; CONFIG GET reports the truth.
    assert netns.connect(netns.server, "127.0.0.1", PING) == ("OPEN", b"+PONG\r\n")
    cfg = Raw.encode("CONFIG", "GET", "protected-mode")
    assert netns.connect(netns.server, "127.0.0.1", cfg) == (
        "OPEN", b"*2\r\n$14\r\nprotected-mode\r\n$3\r\nyes\r\n")
    assert s.alive()


def test_protected_mode_refuses_a_non_loopback_ipv6_client(netns, started):
    start_in(netns, started, "--bind", "* ::*")
    assert netns.connect(netns.client, SERVER_IP6) == ("EOF", DENIED)
    assert netns.connect(netns.server, "::1", PING) == ("OPEN", b"+PONG\r\n")
    cfg = Raw.encode("CONFIG", "GET", "bind")
    assert netns.connect(netns.server, "::1", cfg) == (
        "OPEN", b"*2\r\n$4\r\nbind\r\n$5\r\n* ::*\r\n")


def test_protected_mode_no_serves_non_loopback_clients(netns, started):
    start_in(netns, started, "--bind", "*", "--protected-mode", "no")
    assert netns.connect(netns.client, SERVER_IP, PING) == ("OPEN", b"+PONG\r\n")


def test_protected_mode_yes_is_accepted_and_config_set_turns_it_off(netns, started):
    start_in(netns, started, "--bind", "*", "--protected-mode", "yes")
    assert netns.connect(netns.client, SERVER_IP) == ("EOF", DENIED)
    off = Raw.encode("CONFIG", "SET", "protected-mode", "no")
    assert netns.connect(netns.server, "127.0.0.1", off) == ("OPEN", b"+OK\r\n")
    assert netns.connect(netns.client, SERVER_IP, PING) == ("OPEN", b"+PONG\r\n")


def test_protected_mode_lets_clients_in_when_a_password_is_set(netns, started):
    start_in(netns, started, "--bind", "*", "--requirepass", "secret")
    assert netns.connect(netns.client, SERVER_IP, PING) == (
        "OPEN", b"-NOAUTH Authentication required.\r\n")
    assert netns.connect(netns.client, SERVER_IP, Raw.encode("AUTH", "secret")) == (
        "OPEN", b"+OK\r\n")


def test_default_bind_listens_on_loopback_only(netns, started):
    start_in(netns, started)
    assert netns.connect(netns.client, SERVER_IP) == ("ERROR", "ConnectionRefusedError")
    assert netns.connect(netns.server, SERVER_IP) == ("ERROR", "ConnectionRefusedError")
    assert netns.connect(netns.server, "127.0.0.1", PING) == ("OPEN", b"+PONG\r\n")
    assert netns.connect(netns.server, "::1", PING) == ("OPEN", b"+PONG\r\n")
    cfg = Raw.encode("CONFIG", "GET", "bind")
    assert netns.connect(netns.server, "127.0.0.1", cfg) == (
        "OPEN", b"*2\r\n$4\r\nbind\r\n$14\r\n127.0.0.1 -::1\r\n")


BUS_PORT = NS_PORT + 10000


def test_cluster_bus_listens_on_loopback_by_default(netns, started, tmp_path):
    start_in(netns, started, "--cluster-enabled", "yes",
             "--cluster-config-file", tmp_path / "nodes.conf")
    assert netns.connect(netns.server, "127.0.0.1", port=BUS_PORT, connect_only=True) == (
        "OPEN", b"")
    assert netns.connect(netns.server, SERVER_IP, port=BUS_PORT) == (
        "ERROR", "ConnectionRefusedError")
    assert netns.connect(netns.client, SERVER_IP, port=BUS_PORT) == (
        "ERROR", "ConnectionRefusedError")


def test_cluster_bus_follows_a_non_loopback_bind_address(netns, started, tmp_path):
    start_in(netns, started, "--cluster-enabled", "yes", "--bind", f"127.0.0.1 {SERVER_IP}",
             "--protected-mode", "no", "--cluster-config-file", tmp_path / "nodes.conf")
    assert netns.connect(netns.client, SERVER_IP, port=BUS_PORT, connect_only=True) == (
        "OPEN", b"")
    assert netns.connect(netns.client, SERVER_IP, PING) == ("OPEN", b"+PONG\r\n")


# ---- bind forms ----


def test_optional_bind_address_is_skipped_when_unavailable(started):
    s = started("--bind", "127.0.0.1", "-192.0.2.253")
    assert s.raw().cmd("PING") == b"+PONG\r\n"
    assert b"192.0.2.253" in s.output and b"optional bind address skipped" in s.output
    assert s.raw().cmd("CONFIG", "GET", "bind") == (
        b"*2\r\n$4\r\nbind\r\n$22\r\n127.0.0.1 -192.0.2.253\r\n")


def test_required_bind_address_that_is_unavailable_fails_start_up():
    port = free_port()
    res = subprocess.run([SHOAL, "--port", str(port), "--bind", "127.0.0.1", "192.0.2.253"],
                         capture_output=True, timeout=10)
    assert res.returncode != 0
    assert b"Could not create server TCP listening socket 192.0.2.253:%d" % port in res.stderr


def test_several_bind_addresses_all_listen(started):
    s = started("--bind", "127.0.0.1 ::1")
    assert s.raw().cmd("PING") == b"+PONG\r\n"
    assert RawAt("::1", s.port).cmd("PING") == b"+PONG\r\n"


# ---- File descriptors ----


def fd_limited(limit):
    """Runs shoal with `ulimit -n limit` and without CAP_SYS_RESOURCE, so
    that it cannot raise the limit back (the tests run as root)."""
    prefix = ["bash", "-c", f'ulimit -n {limit} && exec "$@"', "bash"]
    if os.geteuid() == 0:
        prefix += ["setpriv", "--bounding-set", "-sys_resource", "--inh-caps", "-sys_resource"]
    return prefix


def test_low_fd_limit_lowers_maxclients_with_a_log_line(started):
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        pytest.skip("needs setpriv to drop CAP_SYS_RESOURCE")
    s = started("--bind", "127.0.0.1", prefix=fd_limited(64))
    # 64 descriptors less the reserve: 32 + 4 per worker thread (2).
    assert (b"Current maximum open files is 64. maxclients has been reduced to 24 to compensate "
            b"for low ulimit. If you need higher maxclients increase 'ulimit -n'.") in s.output
    assert b"You requested maxclients of 10000 requiring at least 10040 max file descriptors." \
        in s.output
    c = s.raw()
    assert c.cmd("CONFIG", "GET", "maxclients") == b"*2\r\n$10\r\nmaxclients\r\n$2\r\n24\r\n"
    clients = [c] + [s.raw() for _ in range(23)]
    for k in clients:
        assert k.cmd("PING") == b"+PONG\r\n"
    for _ in range(5):
        extra = s.raw()
        assert read_until_eof(extra.sock) == MAX_CLIENTS
        extra.close()
    assert c.cmd("PING") == b"+PONG\r\n"


def test_fd_limit_is_raised_when_the_os_allows_it(started):
    # A soft limit below the hard one: raising it needs no privilege.
    if os.geteuid() != 0 and resource.getrlimit(resource.RLIMIT_NOFILE)[1] < 6000:
        pytest.skip("needs a hard open-files limit of 6000")
    s = started("--bind", "127.0.0.1", "--maxclients", "5000",
                prefix=["bash", "-c", 'ulimit -Sn 256 && ulimit -Hn 6000 && exec "$@"', "bash"])
    assert b"Increased maximum number of open files to 5040 (it was originally set to 256)." \
        in s.output
    with open(f"/proc/{s.pid}/limits") as f:
        line = next(l for l in f if l.startswith("Max open files"))
    assert line.split()[3:5] == ["5040", "6000"]
    c = s.raw()
    assert c.cmd("CONFIG", "GET", "maxclients") == b"*2\r\n$10\r\nmaxclients\r\n$4\r\n5000\r\n"
    # CONFIG SET raises the limit as far as the hard limit allows.
    assert c.cmd("CONFIG", "SET", "maxclients", "5960") == b"+OK\r\n"
    assert c.cmd("CONFIG", "SET", "maxclients", "5961").endswith(b"try with 5960\r\n")
    with open(f"/proc/{s.pid}/limits") as f:
        line = next(l for l in f if l.startswith("Max open files"))
    assert line.split()[3:5] == ["6000", "6000"]


def test_config_set_maxclients_checks_the_fd_limit(started):
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        pytest.skip("needs setpriv to drop CAP_SYS_RESOURCE")
    s = started("--bind", "127.0.0.1", prefix=fd_limited(64))
    c = s.raw()
    assert c.cmd("CONFIG", "SET", "maxclients", "1000") == (
        b"-ERR CONFIG SET failed (possibly related to argument 'maxclients') - The operating "
        b"system is not able to handle the specified number of clients, try with 24\r\n")
    assert c.cmd("CONFIG", "SET", "maxclients", "20") == b"+OK\r\n"
    assert c.cmd("CONFIG", "SET", "maxclients", "24") == b"+OK\r\n"
    assert c.cmd("CONFIG", "GET", "maxclients") == b"*2\r\n$10\r\nmaxclients\r\n$2\r\n24\r\n"


def test_accept_without_descriptors_answers_and_does_not_spin(started):
    if os.geteuid() != 0 or shutil.which("prlimit") is None:
        pytest.skip("needs root and prlimit to lower the server's open-files limit")
    s = started("--bind", "127.0.0.1")
    c = s.raw()
    # Fewer descriptors than maxclients allows, behind the server's back:
    # accept() hits EMFILE.
    sh("prlimit", "--pid", s.pid, "--nofile=64:64")
    held, refused = [], 0
    for _ in range(80):
        k = s.raw()
        k.send("PING")
        reply = k.sock.recv(100)
        if reply == b"+PONG\r\n":
            held.append(k)
        else:
            assert reply + read_until_eof(k.sock) == MAX_CLIENTS
            refused += 1
            k.close()
    assert held and refused >= 20
    # A burst of connections while descriptors are out: each is answered
    # and closed, and the loop does not spin.
    burst = [socket.create_connection(("127.0.0.1", s.port)) for _ in range(50)]
    time.sleep(0.2)
    t0 = s.cpu_ticks()
    time.sleep(2.0)
    used = (s.cpu_ticks() - t0) / os.sysconf("SC_CLK_TCK")
    assert used < 0.3, f"{used} CPU-s in 2 s"
    for b in burst:
        assert read_until_eof(b) == MAX_CLIENTS
        b.close()
    # Clients that got in keep working.
    assert c.cmd("PING") == b"+PONG\r\n"
    for k in held:
        assert k.cmd("PING") == b"+PONG\r\n"


def _open_fds(pid):
    """The server's descriptors and what they point to. The server may close
    one between the listing and its readlink (a client that just hung up):
    that one is gone, not an error."""
    fds = {}
    for n in os.listdir(f"/proc/{pid}/fd"):
        try:
            fds[int(n)] = os.readlink(f"/proc/{pid}/fd/{n}")
        except FileNotFoundError:
            pass
    return fds


def test_accept_pauses_when_even_the_spare_descriptor_is_gone(started):
    """The other end of fd exhaustion: the spare descriptor cannot be had
    back either, so accept() can neither take a connection nor refuse it.
    The acceptor then stops polling its listener for 100 ms at a time
    instead of spinning on it; connections wait in the backlog and are
    served once descriptors are free again."""
    if shutil.which("prlimit") is None:
        pytest.skip("needs prlimit")
    s = started("--bind", "127.0.0.1")
    c = s.raw()
    assert c.cmd("PING") == b"+PONG\r\n"
    fds = _open_fds(s.pid)
    # The spare is a /dev/null descriptor above stdin. A soft limit at or
    # below its number, with every lower descriptor in use, leaves accept()
    # no descriptor even after the spare is closed, and the spare cannot be
    # reopened: the back-off path, not the "max clients" answer.
    spare = min(n for n, target in fds.items() if target == "/dev/null" and n > 2)
    limit = next(n for n in range(spare + 1) if n not in fds or n == spare)
    soft, hard = resource.prlimit(s.pid, resource.RLIMIT_NOFILE)
    sh("prlimit", "--pid", s.pid, f"--nofile={limit}:{hard}")
    waiting = []
    try:
        for _ in range(20):
            k = socket.create_connection(("127.0.0.1", s.port))  # queued by the kernel
            k.sendall(b"PING\r\n")
            waiting.append(k)
        time.sleep(0.3)
        t0 = s.cpu_ticks()
        time.sleep(1.0)
        used = (s.cpu_ticks() - t0) / os.sysconf("SC_CLK_TCK")
        assert used < 0.15, f"{used} CPU-s in 1 s: the acceptor spins"
        # Nothing was accepted, so nothing was answered or closed...
        for k in waiting:
            k.setblocking(False)
            with pytest.raises(BlockingIOError):
                k.recv(100)
            k.setblocking(True)
        # ...and clients already connected are served all along.
        assert c.cmd("PING") == b"+PONG\r\n"
        out = b""
        while select.select([s.proc.stdout], [], [], 0.1)[0]:
            chunk = os.read(s.proc.stdout.fileno(), 65536)
            if not chunk:
                break
            out += chunk
        # At most one line a second, however often accept() fails.
        assert 1 <= out.count(b"Error accepting a client connection: Too many open files") <= 3
    finally:
        sh("prlimit", "--pid", s.pid, f"--nofile={soft}:{hard}")
    # Descriptors are back: the next poll after the pause accepts them all.
    for k in waiting:
        k.settimeout(5)
        assert k.recv(100) == b"+PONG\r\n"
        k.close()
    assert b"rejected_connections:0\r\n" in c.cmd("INFO", "stats")
    # The spare descriptor was taken back when the pause ended, so the next
    # exhaustion answers "max number of clients" again instead of pausing.
    assert any(target == "/dev/null" and n > 2 for n, target in _open_fds(s.pid).items())


def _start_output(*args):
    """Starts shoal with args, waits until it serves, stops it: its output."""
    import subprocess
    import tempfile
    port = free_port()
    with tempfile.TemporaryDirectory() as d:
        # An explicit free bus port: the default (port + 10000) may be taken
        # by another process, and the node would then exit at start-up.
        proc = subprocess.Popen([SHOAL, "--port", str(port), "--cluster-enabled", "yes",
                                 "--cluster-port", str(free_port()),
                                 "--cluster-config-file", f"{d}/nodes.conf", *args],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        served = False
        while time.time() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                served = True
                break
            except OSError:
                time.sleep(0.02)
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    out = out.decode(errors="replace")
    assert served, f"shoal did not start: {out}"
    return out


def test_bus_beyond_loopback_without_secret_warns():
    out = _start_output("--bind", "0.0.0.0", "--protected-mode", "no")
    assert "WARNING: the cluster bus listens on 0.0.0.0 without --cluster-secret" in out
    assert "WARNING: the cluster bus" not in _start_output("--bind", "0.0.0.0", "--protected-mode",
                                                           "no", "--cluster-secret", "s3cret")
    assert "WARNING: the cluster bus" not in _start_output()  # loopback by default
