"""MIGRATE between Shoal servers and to/from redis-server.

Covers the single-key and KEYS forms, COPY, REPLACE, TTLs, the destination
database, AUTH / AUTH2 towards a password-protected target, the replies
(+OK, +NOKEY) and the error texts (target errors, IOERR on connect, write
and read failures, option errors), each compared with what redis-server 7.0
replies where it can be.
"""
import shutil
import socket
import subprocess
import threading
import time

import pytest
import redis

from conftest import ShoalServer, free_port

REDIS_SERVER = shutil.which("redis-server")


class RedisServer:
    def __init__(self, *extra):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--daemonize", "no", *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError("redis-server did not start listening")

    def client(self, **kw):
        return redis.Redis(host="127.0.0.1", port=self.port, **kw)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def target():
    s = ShoalServer()
    yield s
    assert s.alive()
    s.stop()


@pytest.fixture
def src(server):
    c = server.client()
    c.flushall()
    yield c
    c.close()


@pytest.fixture
def dst(target):
    c = target.client()
    c.flushall()
    yield c
    c.close()


def migrate(c, port, key, db=0, timeout=2000, *opts):
    return c.execute_command("MIGRATE", "127.0.0.1", port, key, db, timeout, *opts)


def error_of(fn):
    try:
        fn()
    except redis.ResponseError as e:
        return str(e)
    return None


def test_moves_one_key(src, dst, target):
    src.rpush("l", "a", "b", "c")
    assert migrate(src, target.port, "l") == b"OK"
    assert src.exists("l") == 0
    assert dst.lrange("l", 0, -1) == [b"a", b"b", b"c"]


def test_nokey(src, target):
    assert migrate(src, target.port, "missing") == b"NOKEY"


def test_copy_keeps_source_and_replace_overwrites(src, dst, target):
    src.set("k", "new")
    dst.set("k", "old")
    err = error_of(lambda: migrate(src, target.port, "k"))
    assert err == "Target instance replied with error: BUSYKEY Target key name already exists."
    assert src.get("k") == b"new"
    assert migrate(src, target.port, "k", 0, 2000, "COPY", "REPLACE") == b"OK"
    assert src.get("k") == b"new"
    assert dst.get("k") == b"new"


def test_ttl_travels(src, dst, target):
    src.set("t", "v", px=50000)
    assert migrate(src, target.port, "t") == b"OK"
    assert 40000 < dst.pttl("t") <= 50000


def test_keys_form_and_destination_db(src, dst, target):
    src.mset({"a": "1", "b": "2"})
    src.sadd("s", "x", "y")
    src.zadd("z", {"m": 1.5})
    src.hset("h", "f", "v")
    assert migrate(src, target.port, "", 5, 2000, "KEYS", "a", "b", "s", "z", "h", "nope") == b"OK"
    assert src.exists("a", "b", "s", "z", "h") == 0
    d5 = redis.Redis(host="127.0.0.1", port=target.port, db=5)
    assert d5.mget("a", "b") == [b"1", b"2"]
    assert d5.smembers("s") == {b"x", b"y"}
    assert d5.zscore("z", "m") == 1.5
    assert d5.hgetall("h") == {b"f": b"v"}
    d5.flushdb()
    # The cached connection remembers db 5; a migration to db 0 selects again.
    src.set("c", "3")
    assert migrate(src, target.port, "c", 0) == b"OK"
    assert dst.get("c") == b"3"


def test_option_errors(src, target):
    src.set("k", "v")
    p = target.port
    assert error_of(lambda: migrate(src, p, "k", 0, 1000, "KEYS", "k")) == (
        "When using MIGRATE KEYS option, the key argument must be set to the empty string")
    assert error_of(lambda: migrate(src, p, "k", 0, 1000, "BOGUS")) == "syntax error"
    assert error_of(lambda: migrate(src, p, "k", 0, 1000, "AUTH")) == "syntax error"
    assert error_of(lambda: migrate(src, p, "k", 0, 1000, "AUTH2", "u")) == "syntax error"
    assert error_of(lambda: migrate(src, p, "k", "x", 1000)) == (
        "value is not an integer or out of range")
    assert error_of(lambda: migrate(src, p, "k", 0, "x")) == (
        "value is not an integer or out of range")
    assert error_of(lambda: src.execute_command("MIGRATE", "h", 1, "k", 0)) == (
        "wrong number of arguments for 'migrate' command")


def test_connect_failure(src):
    src.set("k", "v")
    port = free_port()  # nobody listens there
    # Redis's blocking connect counts a refused connection as made; the
    # write then fails: that is the error redis-server 7.0 replies too.
    assert error_of(lambda: migrate(src, port, "k", 0, 500)) == (
        "IOERR error or timeout writing to target instance")
    assert src.get("k") == b"v"


def test_silent_target_times_out_reading(src, server):
    src.set("k", "v")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    accepted = []
    threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True).start()
    t0 = time.time()
    err = error_of(lambda: migrate(src, port, "k", 0, 300))
    assert err == "IOERR error or timeout reading to target instance"
    assert time.time() - t0 < 3
    assert src.get("k") == b"v"
    listener.close()
    assert server.alive()


def test_auth_towards_protected_target():
    protected = ShoalServer("--requirepass", "secret")
    source = ShoalServer()
    try:
        s = source.client()
        s.set("k", "v")
        err = error_of(lambda: migrate(s, protected.port, "k"))
        assert err.startswith("Target instance replied with error: NOAUTH")
        assert migrate(s, protected.port, "k", 0, 2000, "AUTH", "secret") == b"OK"
        assert protected.client(password="secret").get("k") == b"v"
        s.set("k2", "v2")
        assert migrate(s, protected.port, "k2", 0, 2000, "AUTH2", "default", "secret") == b"OK"
        s.set("k3", "v3")
        err = error_of(lambda: migrate(s, protected.port, "k3", 0, 2000, "AUTH", "wrong"))
        assert err.startswith("Target instance replied with error: WRONGPASS"), err
        assert s.get("k3") == b"v3"
    finally:
        protected.stop()
        source.stop()


@pytest.fixture(scope="module")
def reference():
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    s = RedisServer()
    yield s
    s.stop()


def test_to_and_from_redis_server(src, reference, server):
    rc = reference.client()
    rc.flushall()
    src.rpush("l", *range(1000))
    src.hset("h", mapping={f"f{i}": i for i in range(300)})
    src.zadd("z", {"a": 1, "b": 2})
    src.set("s", "x" * 500, ex=100)
    assert migrate(src, reference.port, "", 0, 2000, "KEYS", "l", "h", "z", "s") == b"OK"
    assert rc.llen("l") == 1000 and rc.hlen("h") == 300 and rc.zcard("z") == 2
    assert 90 < rc.ttl("s") <= 100
    # And back, by redis-server's own MIGRATE.
    assert rc.execute_command("MIGRATE", "127.0.0.1", server.port, "", 0, 2000,
                              "KEYS", "l", "h", "z", "s") == b"OK"
    assert src.lrange("l", 0, 2) == [b"0", b"1", b"2"]
    assert src.hget("h", "f299") == b"299"
    assert src.zrange("z", 0, -1, withscores=True) == [(b"a", 1.0), (b"b", 2.0)]
    assert src.get("s") == b"x" * 500
    rc.close()


def test_errors_match_redis_server(src, reference, target):
    rc = reference.client()
    rc.flushall()
    for c in (src, rc):
        c.set("k", "v")
    cases = [
        lambda c: migrate(c, target.port, "k", 0, 1000, "KEYS", "k"),
        lambda c: migrate(c, target.port, "k", 0, 1000, "BOGUS"),
        lambda c: migrate(c, target.port, "k", "x", 1000),
        lambda c: migrate(c, free_port(), "k", 0, 300),
        lambda c: migrate(c, target.port, "missing", 0, 1000),
    ]
    for case in cases:
        try:
            got = case(src)
        except redis.ResponseError as e:
            got = str(e)
        try:
            want = case(rc)
        except redis.ResponseError as e:
            want = str(e)
        assert got == want
    rc.close()
