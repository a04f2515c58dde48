"""Keyspace notifications for keys the store removes by itself: "expired"
(lazy and active expiry) and "evicted" (maxmemory), as Redis publishes them
on __keyevent@<db>__:<event> and __keyspace@<db>__:<key>."""
import time


def next_message(p, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = p.get_message(ignore_subscribe_messages=True, timeout=0.1)
        if m is not None:
            return m
    return None


def test_active_expiry_publishes_expired_event(r, server):
    r.config_set("notify-keyspace-events", "KEx")
    p = server.client().pubsub()
    p.subscribe("__keyevent@0__:expired", "__keyspace@0__:soon")
    try:
        r.set("soon", "v", px=50)
        got = {}
        for _ in range(2):
            m = next_message(p)
            assert m is not None, "no expired event within 5 s"
            got[m["channel"]] = m["data"]
        assert got == {b"__keyevent@0__:expired": b"soon", b"__keyspace@0__:soon": b"expired"}
    finally:
        p.close()
        r.config_set("notify-keyspace-events", "")


def test_lazy_expiry_publishes_expired_event(r, server):
    r.config_set("notify-keyspace-events", "Ex")
    p = server.client().pubsub()
    p.subscribe("__keyevent@0__:expired")
    try:
        r.set("lazy", "v", px=20)
        time.sleep(0.05)
        assert r.get("lazy") is None  # expires on access if not already
        m = next_message(p)
        assert m is not None and m["data"] == b"lazy"
    finally:
        p.close()
        r.config_set("notify-keyspace-events", "")


def test_no_event_when_class_disabled(r, server):
    r.config_set("notify-keyspace-events", "Eg")  # generic only, no x
    p = server.client().pubsub()
    p.subscribe("__keyevent@0__:expired")
    try:
        r.set("quiet", "v", px=20)
        time.sleep(0.3)
        assert r.get("quiet") is None
        assert next_message(p, timeout=0.5) is None
    finally:
        p.close()
        r.config_set("notify-keyspace-events", "")


def test_eviction_publishes_evicted_events(r, server):
    r.config_set("notify-keyspace-events", "Ee")
    p = server.client().pubsub()
    p.subscribe("__keyevent@0__:evicted")
    try:
        r.config_set("maxmemory-policy", "allkeys-lru")
        r.config_set("maxmemory", "4mb")
        pipe = r.pipeline(transaction=False)
        for i in range(40000):
            pipe.set(f"fill:{i}", "x" * 100)
            if i % 1000 == 999:
                pipe.execute()
        pipe.execute()
        m = next_message(p)
        assert m is not None, "no evicted event"
        assert m["data"].startswith(b"fill:")
    finally:
        p.close()
        r.config_set("maxmemory", "0")
        r.config_set("maxmemory-policy", "noeviction")
        r.config_set("notify-keyspace-events", "")


def test_set_with_a_past_exat_publishes_set_expire_then_expired(r, server):
    # redis-server stores the key with its past expire time and lets lazy or
    # active expiry remove it: subscribers see set, expire, then expired,
    # and expired_keys counts it (GETEX and EXPIRE in the past give "del").
    r.config_set("notify-keyspace-events", "KEA")
    p = server.client().pubsub()
    p.psubscribe("__keyevent@0__:*")
    try:
        before = r.info("stats")["expired_keys"]
        r.set("gone", "old")
        assert r.set("gone", "new", exat=100) is True
        assert r.set("never", "v", pxat=100) is True
        assert r.exists("gone", "never") == 0
        assert r.get("gone") is None
        events = []
        while len(events) < 7:  # set; set, expire (x2); expired (x2)
            m = next_message(p)
            assert m is not None, "missing events, got %r" % events
            events.append((m["channel"].decode().split(":")[-1], m["data"].decode()))
        # Each key's expired event comes after its set and expire; the two
        # keys may expire in either order (lookup or the expiry cycle).
        for key in ("gone", "never"):
            mine = [e for e, k in events if k == key][-3:]
            assert mine == ["set", "expire", "expired"], (key, events)
        assert r.info("stats")["expired_keys"] == before + 2
    finally:
        p.close()
        r.config_set("notify-keyspace-events", "")
