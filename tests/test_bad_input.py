"""Bad input: what a hostile or broken client can send, and what it must not do.

Every case here ends the same way: a second client checks that the server is
alive, that a key set before the case still holds its value, and that a PING
answers promptly (the bound is a generous 1 s: this is a liveness check, not a
benchmark). Protocol errors get Redis's exact text and close the offending
connection; nothing else is disturbed.

Covered: malformed RESP (multibulk and bulk lengths, missing '$', unbalanced
inline quotes, oversized length strings), an endless inline line, requests cut
off mid-way by a disconnect, commands with 10k arguments, binary keys and
values (NUL bytes, CRLF inside values, a 1 MB value, the empty key), requests
trickled in byte by byte, exact error replies for wrong arity, wrong type and
out-of-range numbers, and a client that pipelines GETs of a 1 MB value without
reading the replies (the server's RSS must stay bounded).
"""
import os
import select
import socket
import struct
import time

import pytest
import redis

SENTINEL_KEY = b"bad-input:sentinel"
SENTINEL_VALUE = b"still here \x00\xff"


# --- helpers -------------------------------------------------------------------

def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Conn:
    """A raw connection with a reader for one RESP2 reply at a time."""

    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = bytearray()

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise ConnectionError("closed by server")
        self.buf += data

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[:i + 2]
                return line
            self._fill()

    def reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b"-"):
            return line
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            data = bytes(self.buf[:n])
            assert self.buf[n:n + 2] == b"\r\n"
            del self.buf[:n + 2]
            return data
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise AssertionError(f"unexpected reply line {line[:100]!r}")

    def call(self, *args):
        self.send(encode(*args))
        return self.reply()

    def read_until_closed(self, timeout=5.0):
        """Everything the server sends until it closes the connection.
        Fails if the connection is still open after timeout seconds."""
        self.sock.settimeout(timeout)
        data = bytes(self.buf)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                return data
            except socket.timeout:
                break
            if not chunk:
                return data
            data += chunk
        raise AssertionError(f"connection still open; received {data[:200]!r}")


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.fixture
def sentinel(server):
    c = Conn(server.port)
    assert c.call("SET", SENTINEL_KEY, SENTINEL_VALUE) == b"+OK"
    c.close()
    yield
    assert_healthy(server)


def assert_healthy(server):
    """The server lives, other data is intact and a PING answers promptly."""
    assert server.alive(), "shoal died"
    c = Conn(server.port, timeout=5.0)
    try:
        start = time.monotonic()
        assert c.call("PING") == b"+PONG"
        elapsed = time.monotonic() - start
        assert elapsed < 1.0, f"PING took {elapsed:.3f}s"
        assert c.call("GET", SENTINEL_KEY) == SENTINEL_VALUE
    finally:
        c.close()


# --- malformed RESP ------------------------------------------------------------

PROTOCOL_ERRORS = [
    (b"*abc\r\n", b"-ERR Protocol error: invalid multibulk length"),
    (b"*1x\r\n", b"-ERR Protocol error: invalid multibulk length"),
    (b"*1\r\n$-1\r\n", b"-ERR Protocol error: invalid bulk length"),
    (b"*1\r\n$-10\r\n", b"-ERR Protocol error: invalid bulk length"),
    (b"*1\r\n$abc\r\n", b"-ERR Protocol error: invalid bulk length"),
    (b"*1\r\n$536870913\r\n", b"-ERR Protocol error: invalid bulk length"),
    (b"*1\r\n$99999999999999999999\r\n", b"-ERR Protocol error: invalid bulk length"),
    (b"*1\r\nx\r\n", b"-ERR Protocol error: expected '$', got 'x'"),
    (b"*2\r\n$4\r\nECHO\r\n:1\r\n", b"-ERR Protocol error: expected '$', got ':'"),
    (b'SET k "unbalanced\r\n', b"-ERR Protocol error: unbalanced quotes in request"),
    (b"ECHO 'open\r\n", b"-ERR Protocol error: unbalanced quotes in request"),
    (b'SET "a"b c\r\n', b"-ERR Protocol error: unbalanced quotes in request"),
    (b"*" + b"1" * 70000, b"-ERR Protocol error: too big mbulk count string"),
    (b"*1\r\n$" + b"1" * 70000, b"-ERR Protocol error: too big bulk count string"),
]


@pytest.mark.parametrize("payload,error", PROTOCOL_ERRORS,
                         ids=[repr(p[:20])[2:-1] for p, _ in PROTOCOL_ERRORS])
def test_protocol_error_replies_and_closes(server, sentinel, payload, error):
    c = Conn(server.port)
    try:
        # A valid command first: the error must not disturb what came before.
        c.send(encode("SET", "before-error", "ok") + payload)
        assert c.reply() == b"+OK"
        data = c.read_until_closed()
        assert data == error + b"\r\n"
    finally:
        c.close()
    check = Conn(server.port)
    assert check.call("GET", "before-error") == b"ok"
    check.close()


def test_negative_and_zero_multibulk_are_ignored(server, sentinel):
    c = Conn(server.port)
    try:
        c.send(b"*-1\r\n*0\r\n*-5\r\n" + encode("PING"))
        assert c.reply() == b"+PONG"
        # Empty inline lines are skipped too.
        c.send(b"\r\n\n   \r\n" + encode("ECHO", "x"))
        assert c.reply() == b"x"
    finally:
        c.close()


def test_inline_commands_and_bare_newlines(server, sentinel):
    c = Conn(server.port)
    try:
        c.send(b"SET inline-key \"a b\\x00c\"\r\nGET inline-key\nPING\r\n")
        assert c.reply() == b"+OK"
        assert c.reply() == b"a b\x00c"
        assert c.reply() == b"+PONG"
        c.send(b"ECHO 'it''s'\r\n")
        assert c.read_until_closed() == b"-ERR Protocol error: unbalanced quotes in request\r\n"
    finally:
        c.close()


def test_endless_inline_request_is_refused(server, sentinel):
    """100 MB without a newline: the server answers 'too big inline request'
    and closes the connection long before the 100 MB are sent."""
    c = Conn(server.port)
    chunk = b"a" * (1 << 20)
    received = b""
    sent = 0
    closed = False
    try:
        while sent < 100 * (1 << 20) and not closed:
            try:
                c.sock.sendall(chunk)
                sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                closed = True
            while not closed and select.select([c.sock], [], [], 0)[0]:
                try:
                    data = c.sock.recv(65536)
                except ConnectionResetError:
                    closed = True
                    break
                if not data:
                    closed = True
                    break
                received += data
        if not closed:
            received += c.read_until_closed()
            closed = True
        else:
            try:
                c.sock.settimeout(1.0)
                while True:
                    data = c.sock.recv(65536)
                    if not data:
                        break
                    received += data
            except (OSError, socket.timeout):
                pass
    finally:
        c.close()
    assert received == b"-ERR Protocol error: too big inline request\r\n"
    assert sent < 100 * (1 << 20), "the server read 100 MB of one inline line"


# --- requests cut off by a disconnect --------------------------------------

CUT_OFF = [
    b"*3\r\n$3\r\nSET\r\n$7\r\ncut-key\r\n$100\r\nhalf of the val",
    b"*3\r\n$3\r\nSET\r\n$7\r\ncut-key\r\n$100",
    b"*3\r\n$3\r\nSET\r\n$7\r\ncut",
    b"*3\r\n$3\r\nSE",
    b"*3\r",
    b"SET cut-key value-without-newline",
]


@pytest.mark.parametrize("payload", CUT_OFF, ids=range(len(CUT_OFF)))
def test_disconnect_mid_command(server, sentinel, payload):
    c = Conn(server.port)
    c.send(payload)
    c.close()
    assert_healthy(server)
    check = Conn(server.port)
    assert check.call("EXISTS", "cut-key") == 0
    check.close()


def test_disconnect_mid_large_bulk(server, sentinel):
    c = Conn(server.port)
    c.send(b"*3\r\n$3\r\nSET\r\n$7\r\ncut-key\r\n$10485760\r\n" + b"x" * (3 << 20))
    c.close()
    assert_healthy(server)
    check = Conn(server.port)
    assert check.call("EXISTS", "cut-key") == 0
    check.close()


def test_disconnect_with_replies_pending(server, sentinel):
    c = Conn(server.port)
    c.send(encode("SET", "pending", "v" * 1000) + encode("GET", "pending") * 2000)
    c.close()
    # Also a connection reset (SO_LINGER 0) rather than an orderly close.
    c = Conn(server.port)
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.send(encode("GET", "pending") * 2000)
    c.close()
    assert_healthy(server)


def test_many_clients_disconnecting_mid_command(server, sentinel):
    for i in range(50):
        c = Conn(server.port)
        c.send(b"*2\r\n$4\r\nECHO\r\n$1000\r\n" + b"y" * (i * 10))
        c.close()
    assert_healthy(server)


# --- big commands ----------------------------------------------------------

def test_ten_thousand_argument_commands(server, sentinel):
    c = Conn(server.port)
    try:
        args = ["MSET"]
        for i in range(5000):
            args += [f"many:{i}", f"value-{i}"]
        assert c.call(*args) == b"+OK"
        keys = [f"many:{i}" for i in range(10000)]  # half of them exist
        values = c.call("MGET", *keys)
        assert len(values) == 10000
        assert values[:5000] == [f"value-{i}".encode() for i in range(5000)]
        assert values[5000:] == [None] * 5000
        assert c.call("EXISTS", *keys) == 5000
        assert c.call("DEL", *keys) == 5000
        assert c.call("EXISTS", *keys) == 0
    finally:
        c.close()


def test_request_trickled_in_byte_by_byte(server, sentinel):
    c = Conn(server.port)
    c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        payload = encode("SET", "trickle", "v\r\nv") + b"GET trickle\r\n"
        for i in range(len(payload)):
            c.send(payload[i:i + 1])
        assert c.reply() == b"+OK"
        assert c.reply() == b"v\r\nv"
    finally:
        c.close()


# --- binary keys and values ------------------------------------------------

def test_binary_keys_and_values_round_trip(server, sentinel):
    r = server.client()
    try:
        all_bytes = bytes(range(256))
        r.set(all_bytes, all_bytes[::-1])
        assert r.get(all_bytes) == all_bytes[::-1]
        r.set(b"\x00", b"\x00\x00")
        assert r.get(b"\x00") == b"\x00\x00"
        assert r.get(b"\x00\x00") is None
        r.set(b"", b"empty key")
        assert r.get(b"") == b"empty key"
        assert r.exists(b"") == 1
        r.set(b"empty value", b"")
        assert r.get(b"empty value") == b""
        assert r.strlen(b"empty value") == 0
        r.set(b"crlf\r\nkey", b"*1\r\n$4\r\nPING\r\n")
        assert r.get(b"crlf\r\nkey") == b"*1\r\n$4\r\nPING\r\n"
        big = os.urandom(1 << 20)
        r.set(b"big\x00", big)
        assert r.get(b"big\x00") == big
        assert r.strlen(b"big\x00") == 1 << 20
        assert r.append(b"big\x00", b"\x00") == (1 << 20) + 1
        assert r.getrange(b"big\x00", -2, -1) == big[-1:] + b"\x00"
        assert sorted(r.keys(b"*\x00*")) == sorted([all_bytes, b"\x00", b"big\x00"])
        assert r.delete(all_bytes, b"", b"\x00", b"big\x00") == 4
    finally:
        r.close()


def test_large_value_in_pipeline(server, sentinel):
    c = Conn(server.port)
    try:
        value = os.urandom(4 << 20)
        c.send(encode("SET", "v4m", value) + encode("GET", "v4m") + encode("STRLEN", "v4m"))
        assert c.reply() == b"+OK"
        assert c.reply() == value
        assert c.reply() == 4 << 20
    finally:
        c.close()


# --- exact errors ------------------------------------------------------------

ERRORS = [
    (("GET",), "ERR wrong number of arguments for 'get' command"),
    (("SET", "k"), "ERR wrong number of arguments for 'set' command"),
    (("MSET", "a", "1", "b"), "ERR wrong number of arguments for 'mset' command"),
    (("PING", "a", "b"), "ERR wrong number of arguments for 'ping' command"),
    (("OBJECT", "ENCODING"), "ERR wrong number of arguments for 'object|encoding' command"),
    (("NOSUCH", "a"), "ERR unknown command 'NOSUCH', with args beginning with: 'a' "),
    (("OBJECT", "NOSUCH"), "ERR unknown subcommand 'NOSUCH'. Try OBJECT HELP."),
    (("INCRBY", "n", "9223372036854775808"), "ERR value is not an integer or out of range"),
    (("INCRBY", "n", "-9223372036854775809"), "ERR value is not an integer or out of range"),
    (("INCRBY", "n", "1.0"), "ERR value is not an integer or out of range"),
    (("INCRBYFLOAT", "n", "1x"), "ERR value is not a valid float"),
    (("INCRBYFLOAT", "n", "inf"), "ERR increment would produce NaN or Infinity"),
    (("DECRBY", "n", "-9223372036854775808"), "ERR decrement would overflow"),
    (("SELECT", "16"), "ERR DB index is out of range"),
    (("SELECT", "99999999999999999999"), "ERR value is not an integer or out of range"),
    (("SETRANGE", "s", "-1", "x"), "ERR offset is out of range"),
    (("SETRANGE", "s", "536870912", "x"),
     "ERR string exceeds maximum allowed size (proto-max-bulk-len)"),
    (("SETRANGE", "s", "9223372036854775807", "x"),
     "ERR string exceeds maximum allowed size (proto-max-bulk-len)"),
    (("EXPIRE", "s", "9223372036854775807"), "ERR invalid expire time in 'expire' command"),
    (("SET", "s", "v", "EX", "0"), "ERR invalid expire time in 'set' command"),
    (("SET", "s", "v", "PX", "9223372036854775807"), "ERR invalid expire time in 'set' command"),
    (("SETEX", "s", "-1", "v"), "ERR invalid expire time in 'setex' command"),
    (("GETEX", "s", "EX", "99999999999999999999"), "ERR value is not an integer or out of range"),
    (("SET", "s", "v", "NX", "XX"), "ERR syntax error"),
    (("EXPIRE", "s", "1", "NX", "XX"),
     "ERR NX and XX, GT or LT options at the same time are not compatible"),
]


@pytest.mark.parametrize("args,error", ERRORS, ids=[" ".join(a)[:40] for a, _ in ERRORS])
def test_exact_error_text(server, sentinel, args, error):
    c = Conn(server.port)
    try:
        c.call("SET", "n", "10")
        c.call("SET", "s", "abc")
        assert c.call(*args) == b"-" + error.encode()
        assert c.call("GET", "n") == b"10"
        assert c.call("GET", "s") == b"abc"
    finally:
        c.close()


def test_overflowing_counters_keep_their_value(server, sentinel):
    c = Conn(server.port)
    try:
        c.call("SET", "max", "9223372036854775807")
        assert c.call("INCR", "max") == b"-ERR increment or decrement would overflow"
        c.call("SET", "min", "-9223372036854775808")
        assert c.call("DECR", "min") == b"-ERR increment or decrement would overflow"
        assert c.call("MGET", "max", "min") == [b"9223372036854775807", b"-9223372036854775808"]
        c.call("SET", "notint", "12a")
        assert c.call("INCR", "notint") == b"-ERR value is not an integer or out of range"
        assert c.call("GET", "notint") == b"12a"
    finally:
        c.close()


def test_wrong_type_errors(server, sentinel):
    c = Conn(server.port)
    try:
        c.call("DEL", "a-list")
        pushed = c.call("RPUSH", "a-list", "x")
        if isinstance(pushed, bytes) and pushed.startswith(b"-ERR unknown command"):
            pytest.skip("shoal has no list commands yet")
        assert pushed == 1
        wrong = b"-WRONGTYPE Operation against a key holding the wrong kind of value"
        for args in (("GET", "a-list"), ("INCR", "a-list"), ("APPEND", "a-list", "x"),
                     ("STRLEN", "a-list"), ("GETRANGE", "a-list", "0", "1"),
                     ("SETRANGE", "a-list", "0", "x"), ("GETDEL", "a-list"),
                     ("INCRBYFLOAT", "a-list", "1"), ("SET", "a-list", "v", "GET")):
            assert c.call(*args) == wrong, args
        assert c.call("TYPE", "a-list") == b"+list"
    finally:
        c.close()


# --- a client that never reads ---------------------------------------------

def test_unread_replies_do_not_grow_memory_without_bound(server, sentinel):
    """GETs of a 1 MB value, 2 GB worth of replies, never read: the server
    must bound what it holds for this client (back-pressure or disconnect)."""
    value_size = 1 << 20
    c = Conn(server.port)
    assert c.call("SET", "slow-reader", b"z" * value_size) == b"+OK"
    c.close()

    pid = server.proc.pid
    base = rss_kb(pid)
    limit_kb = base + 200 * 1024
    peak = base
    slow = socket.create_connection(("127.0.0.1", server.port), timeout=5.0)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    batch = encode("GET", "slow-reader") * 16
    try:
        for _ in range(2048 // 16):  # 2 GB of replies in total
            try:
                slow.sendall(batch)
            except (BrokenPipeError, ConnectionResetError, socket.timeout):
                break  # dropped for exceeding its output buffer limit: fine
            time.sleep(0.002)
            peak = max(peak, rss_kb(pid))
            assert peak < limit_kb, f"RSS grew by {(peak - base) // 1024} MB"
        # Let the server work through whatever it accepted, still unread.
        for _ in range(25):
            time.sleep(0.02)
            peak = max(peak, rss_kb(pid))
            assert peak < limit_kb, f"RSS grew by {(peak - base) // 1024} MB"
        assert_healthy(server)
    finally:
        slow.close()
    assert_healthy(server)
    c = Conn(server.port)
    try:
        assert c.call("STRLEN", "slow-reader") == value_size
        assert c.call("DEL", "slow-reader") == 1
    finally:
        c.close()
