"""End-to-end: real Python frameworks that depend on Redis Lua scripting.

Each framework is used the way an application would use it, against the real
server over TCP. They all run scripts (EVAL / EVALSHA with the NOSCRIPT
fallback of redis-py's Script objects), so these tests need Shoal's scripting:
  - redis-py Lock: release / extend / reacquire are Lua scripts;
  - django-redis: cache.incr / decr is an EVAL script, cache.lock is a redis-py Lock;
  - limits: fixed window counts with an EVALSHA INCR+EXPIRE script, the moving
    window is a list managed by two scripts, reset() is a KEYS+DEL script;
  - Celery (kombu redis transport): the worker takes kombu's unacked-restore
    mutex (a redis-py Lock, so Lua) when it starts consuming; results come
    back through the redis result backend.

The server under test is Shoal (build/shoal or SHOAL_BIN). With
FRAMEWORKS_AGAINST_REDIS=1 a real redis-server is used instead, which is how
these tests were proven correct:
  FRAMEWORKS_AGAINST_REDIS=1 /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/test_frameworks.py
Every wait is bounded: clients have socket timeouts, subprocesses have wait
timeouts, and each test runs under a wall-clock limit (SIGALRM).
"""
import gc
import hashlib
import os
import signal
import subprocess
import sys
import time

import pytest
import redis
from redis.exceptions import LockError, LockNotOwnedError

from frameworks.harness import server_name, start_server, time_limit

HERE = os.path.dirname(os.path.abspath(__file__))
FRAMEWORKS_DIR = os.path.join(HERE, "frameworks")
PYTHON = "/usr/bin/python3"
TEST_TIMEOUT = 150  # seconds, per test


@pytest.fixture(scope="module")
def server():
    s = start_server(threads=2)
    yield s
    alive = s.alive()
    s.stop()
    assert alive, f"{server_name()} crashed during the framework tests"


@pytest.fixture
def r(server):
    c = redis.Redis(host="127.0.0.1", port=server.port, socket_timeout=30,
                    socket_connect_timeout=10)
    c.flushall()
    yield c
    c.close()


@pytest.fixture(autouse=True)
def _bounded(request):
    with time_limit(TEST_TIMEOUT, request.node.name):
        yield


def sha1(text):
    return hashlib.sha1(text.encode()).hexdigest()


# ---------------------------------------------------------------- redis-py Lock

def test_redis_py_lock_acquire_extend_reacquire_release(r):
    lock = r.lock("res:lock", timeout=5)
    other = r.lock("res:lock", timeout=5)

    assert lock.acquire(blocking=False)
    assert lock.locked() and lock.owned()
    token = r.get("res:lock")
    assert token is not None and token == lock.local.token

    # Held: a second Lock on the same name cannot take it, neither at once
    # nor within a short blocking window.
    assert not other.acquire(blocking=False)
    t0 = time.monotonic()
    assert not other.acquire(blocking=True, blocking_timeout=0.3)
    assert time.monotonic() - t0 < 5
    assert not other.owned()

    # extend() is an EVALSHA; after SCRIPT FLUSH the server answers NOSCRIPT
    # and redis-py falls back to loading the script, then retries.
    r.script_flush()
    assert r.script_exists(sha1(lock.LUA_EXTEND_SCRIPT)) == [False]
    assert lock.extend(5)
    assert r.script_exists(sha1(lock.LUA_EXTEND_SCRIPT)) == [True]
    assert 9000 < r.pttl("res:lock") <= 10000

    assert lock.extend(2, replace_ttl=True)
    assert 1000 < r.pttl("res:lock") <= 2000

    assert lock.reacquire()
    assert 4000 < r.pttl("res:lock") <= 5000
    assert r.get("res:lock") == token

    lock.release()
    assert r.exists("res:lock") == 0
    assert not lock.locked()
    assert r.script_exists(sha1(lock.LUA_RELEASE_SCRIPT)) == [True]

    # Released: the other Lock can take it now.
    assert other.acquire(blocking=False)
    other.release()
    assert r.exists("res:lock") == 0


def test_redis_py_lock_release_by_non_owner(r):
    owner = r.lock("res:owned", timeout=10)
    assert owner.acquire(blocking=False)
    token = r.get("res:owned")

    intruder = r.lock("res:owned", timeout=10)
    # An unacquired lock refuses locally, without asking the server.
    with pytest.raises(LockError):
        intruder.release()
    # With a token of its own, the release script runs and finds another
    # owner's token: LockNotOwnedError, and the lock is untouched.
    intruder.local.token = b"not-the-owner-token"
    with pytest.raises(LockNotOwnedError):
        intruder.release()
    intruder.local.token = b"not-the-owner-token"
    with pytest.raises(LockNotOwnedError):
        intruder.extend(5)
    with pytest.raises(LockNotOwnedError):
        intruder.reacquire()
    assert r.get("res:owned") == token
    assert 0 < r.pttl("res:owned") <= 10000

    owner.release()
    assert r.exists("res:owned") == 0


def test_redis_py_lock_expires_after_timeout(r):
    first = r.lock("res:expiring", timeout=0.5)
    second = r.lock("res:expiring", timeout=5)
    assert first.acquire(blocking=False)
    assert 0 < r.pttl("res:expiring") <= 500
    assert not second.acquire(blocking=False)

    # A blocking acquire with a deadline gets it once the first one expires.
    t0 = time.monotonic()
    assert second.acquire(blocking=True, blocking_timeout=5)
    waited = time.monotonic() - t0
    assert 0.1 < waited < 5, waited
    assert second.owned()

    # The expired owner no longer owns it: release and extend are refused.
    with pytest.raises(LockNotOwnedError):
        first.release()
    first.local.token = first.local.token or b"stale"
    with pytest.raises(LockNotOwnedError):
        first.extend(1)
    assert second.owned()
    second.release()
    assert r.exists("res:expiring") == 0


# ---------------------------------------------------------------- django-redis

@pytest.fixture(scope="module")
def django_cache(server):
    import django
    from django.conf import settings

    location = f"redis://127.0.0.1:{server.port}/0"
    if not settings.configured:
        settings.configure(
            CACHES={
                "default": {
                    "BACKEND": "django_redis.cache.RedisCache",
                    "LOCATION": location,
                    "OPTIONS": {
                        "CLIENT_CLASS": "django_redis.client.DefaultClient",
                        "SOCKET_CONNECT_TIMEOUT": 10,
                        "SOCKET_TIMEOUT": 30,
                    },
                }
            },
            INSTALLED_APPS=[],
            USE_TZ=True,
        )
        django.setup()
    assert settings.CACHES["default"]["LOCATION"] == location, \
        "Django settings were configured for another server in this process"
    from django.core.cache import caches
    return caches["default"]


class EvalSpy:
    """Wraps a redis.Redis client's eval() to see that the script really
    ran on the server (django-redis silently falls back to GET+SET when EVAL
    answers with an error)."""

    def __init__(self, client):
        self.client = client
        self.calls = 0
        self.errors = []
        self.original = client.eval

        def spy(*args, **kwargs):
            self.calls += 1
            try:
                return self.original(*args, **kwargs)
            except Exception as e:  # noqa: BLE001 - recorded, re-raised
                self.errors.append(e)
                raise

        client.eval = spy

    def restore(self):
        self.client.eval = self.original


def test_django_redis_cache(django_cache, r):
    cache = django_cache
    cache.set("greeting", "hello", timeout=100)
    assert cache.get("greeting") == "hello"
    assert cache.get("missing") is None
    assert cache.get("missing", "dflt") == "dflt"
    cache.set("obj", {"a": [1, 2, 3], "b": "x"})
    assert cache.get("obj") == {"a": [1, 2, 3], "b": "x"}

    spy = EvalSpy(cache.client.get_client(write=True))
    try:
        cache.set("counter", 10)
        assert cache.incr("counter") == 11
        assert cache.incr("counter", 5) == 16
        assert cache.decr("counter") == 15
        assert cache.decr("counter", 20) == -5
        assert cache.get("counter") == -5
        with pytest.raises(ValueError):
            cache.incr("no-such-counter")
        with pytest.raises(ValueError):
            cache.decr("no-such-counter")
        assert cache.get("no-such-counter") is None
        assert r.exists(cache.make_key("no-such-counter")) == 0
    finally:
        spy.restore()
    assert spy.calls == 6, spy.calls
    assert not spy.errors, f"EVAL failed, django-redis fell back: {spy.errors!r}"
    # incr keeps the TTL (the script only INCRBYs)
    cache.set("ttl-counter", 1, timeout=100)
    assert cache.incr("ttl-counter") == 2
    assert 95 <= cache.ttl("ttl-counter") <= 100

    cache.set_many({"m1": 1, "m2": "two", "m3": [3]}, timeout=60)
    assert cache.get_many(["m1", "m2", "m3", "m4"]) == {"m1": 1, "m2": "two", "m3": [3]}

    assert 95 <= cache.ttl("greeting") <= 100
    assert cache.ttl("missing") == 0
    cache.set("forever", 1, timeout=None)
    assert cache.ttl("forever") is None

    lock = cache.lock("django-lock", timeout=5)
    other = cache.lock("django-lock", timeout=5)
    assert lock.acquire(blocking=False)
    assert not other.acquire(blocking=False)
    lock.release()
    assert other.acquire(blocking=False)
    other.release()
    with cache.lock("django-lock", timeout=5, blocking_timeout=2):
        assert not lock.acquire(blocking=False)
    assert lock.acquire(blocking=False)
    lock.release()

    assert cache.delete("greeting")
    assert cache.get("greeting") is None


# ---------------------------------------------------------------- limits

@pytest.fixture
def limits_storage(server, r):
    from limits.storage import RedisStorage, storage_from_string

    storage = storage_from_string(f"redis://127.0.0.1:{server.port}/0",
                                  socket_timeout=30, socket_connect_timeout=10)
    assert isinstance(storage, RedisStorage)
    assert storage.check()
    return storage


def test_limits_fixed_window(limits_storage, r):
    from limits import parse
    from limits.strategies import FixedWindowRateLimiter

    limiter = FixedWindowRateLimiter(limits_storage)
    item = parse("5/minute")
    now = time.time()
    for i in range(5):
        assert limiter.hit(item, "alice"), f"hit {i + 1} refused"
    assert not limiter.hit(item, "alice")
    assert not limiter.test(item, "alice")
    reset, remaining = limiter.get_window_stats(item, "alice")
    assert remaining == 0
    assert now + 50 <= reset <= now + 62, (reset, now)

    # Another identifier has its own window.
    assert limiter.test(item, "bob")
    assert limiter.hit(item, "bob")
    assert limiter.hit(item, "bob")
    assert limiter.get_window_stats(item, "bob")[1] == 3

    # The counter key got its expiry from the script (EXPIRE inside Lua).
    key = item.key_for("alice")
    assert 50 <= r.ttl(key) <= 60

    limiter.clear(item, "alice")
    assert limiter.test(item, "alice")
    assert limiter.hit(item, "alice")
    assert limiter.get_window_stats(item, "alice")[1] == 4
    assert limiter.get_window_stats(item, "bob")[1] == 3


def test_limits_moving_window(limits_storage, r):
    from limits import parse
    from limits.strategies import MovingWindowRateLimiter

    limiter = MovingWindowRateLimiter(limits_storage)
    item = parse("5/minute")
    now = time.time()
    assert limiter.get_window_stats(item, "carol")[1] == 5
    for i in range(5):
        assert limiter.hit(item, "carol"), f"hit {i + 1} refused"
        assert limiter.get_window_stats(item, "carol")[1] == 4 - i
    assert not limiter.hit(item, "carol")
    assert not limiter.test(item, "carol")
    reset, remaining = limiter.get_window_stats(item, "carol")
    assert remaining == 0
    assert now + 58 <= reset <= now + 62, (reset, now)
    assert r.llen(item.key_for("carol")) == 5

    # Independent identifiers; a cost > 1 takes several entries.
    assert limiter.hit(item, "dave", cost=3)
    assert limiter.get_window_stats(item, "dave")[1] == 2
    assert not limiter.hit(item, "dave", cost=3)
    assert limiter.hit(item, "dave", cost=2)
    assert limiter.get_window_stats(item, "dave")[1] == 0

    limiter.clear(item, "carol")
    assert limiter.get_window_stats(item, "carol")[1] == 5
    assert limiter.hit(item, "carol")
    assert limiter.get_window_stats(item, "dave")[1] == 0

    # reset(): a script running KEYS "LIMITER*" and DELs what it found.
    r.set("not-a-limiter", "stays")
    assert limits_storage.reset() == 2
    assert r.get("not-a-limiter") == b"stays"
    assert limiter.get_window_stats(item, "dave")[1] == 5


# ---------------------------------------------------------------- Celery

def _wait_for_log(path, needle, proc, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(path, errors="replace") as f:
            text = f.read()
        if needle in text:
            return text
        if proc.poll() is not None:
            raise AssertionError(f"celery worker exited ({proc.returncode}):\n{text[-4000:]}")
        time.sleep(0.1)
    with open(path, errors="replace") as f:
        text = f.read()
    raise AssertionError(f"celery worker not {needle!r} after {timeout}s:\n{text[-4000:]}")


def _stop_worker(proc, timeout=30):
    """Warm shutdown (SIGTERM); killed if it does not exit in time."""
    if proc.poll() is not None:
        return proc.returncode, False
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
        return proc.returncode, False
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
        return proc.returncode, True


def test_celery_worker_on_shoal_broker_and_backend(server, r, tmp_path):
    from redis.lock import Lock

    url = f"redis://127.0.0.1:{server.port}/0"
    os.environ["SHOAL_CELERY_URL"] = url
    if FRAMEWORKS_DIR not in sys.path:
        sys.path.insert(0, FRAMEWORKS_DIR)
    import celery_tasks
    celery_tasks.app.conf.update(broker_url=url, result_backend=url)

    r.script_flush()
    log = tmp_path / "worker.log"
    env = dict(os.environ, SHOAL_CELERY_URL=url,
               PYTHONPATH=FRAMEWORKS_DIR + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with open(log, "wb") as logf:
        proc = subprocess.Popen(
            [PYTHON, "-m", "celery", "-A", "celery_tasks", "worker",
             "--pool=solo", "--concurrency=1", "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-n", f"shoaltest{server.port}@%h"],
            cwd=FRAMEWORKS_DIR, env=env, stdout=logf, stderr=subprocess.STDOUT,
            start_new_session=True)
    held = []  # every AsyncResult, dropped while the server still runs
    try:
        _wait_for_log(log, " ready.", proc, timeout=60)

        # Starting to consume took kombu's unacked-restore mutex, a redis-py
        # Lock: its release script is now loaded (we flushed scripts above).
        deadline = time.monotonic() + 10
        while r.script_exists(sha1(Lock.LUA_RELEASE_SCRIPT)) != [True]:
            assert time.monotonic() < deadline, "worker never ran the mutex release script"
            time.sleep(0.1)
        assert r.exists("unacked_mutex") == 0

        held.append(celery_tasks.add.delay(2, 3))
        assert held[-1].get(timeout=30) == 5
        assert held[-1].successful()

        batch = [celery_tasks.add.delay(i, i) for i in range(10)]
        held.extend(batch)
        assert [x.get(timeout=30) for x in batch] == [2 * i for i in range(10)]
        del batch

        held.append(celery_tasks.fail.delay("boom from the task"))
        with pytest.raises(ValueError, match="boom from the task"):
            held[-1].get(timeout=30)
        assert held[-1].state == "FAILURE"
        assert held[-1].failed()
        assert "ValueError" in (held[-1].traceback or "")

        # The worker still works after a failed task.
        held.append(celery_tasks.add.delay(40, 2))
        assert held[-1].get(timeout=30) == 42
    finally:
        code, killed = _stop_worker(proc)
        # Unsubscribe the results now, not from __del__ at interpreter exit
        # when the server is gone (celery would retry to reconnect for ~20s).
        held.clear()
        gc.collect()
        consumer = celery_tasks.app.backend.result_consumer
        if consumer._pubsub is not None:
            consumer._pubsub.close()
            consumer._pubsub = None
        celery_tasks.app.close()
    text = log.read_text(errors="replace")
    assert not killed, f"celery worker ignored SIGTERM:\n{text[-4000:]}"
    assert code == 0, f"celery worker exited with {code}:\n{text[-4000:]}"
    for bad in ("Unrecoverable error", "Cannot connect", "Connection to broker lost",
                "NOSCRIPT", "unknown command", "MutexHeld"):
        assert bad not in text, f"worker log mentions {bad!r}:\n{text[-4000:]}"
