"""The read-through cache of docs/read-through-cache.md, run against Shoal:
the JSON user object of GET /users/12 is cached with set(key, json, ex=3600)
and served from get until it expires."""
import json
import time


def load_user_from_db(user_id, calls):
    calls.append(user_id)
    return {"id": user_id, "name": "Ada Lovelace", "email": "ada@example.com"}


def get_user(cache, user_id, calls, ttl=3600):
    key = f"user:{user_id}"
    cached = cache.get(key)
    if cached is not None:
        return json.loads(cached)
    user = load_user_from_db(user_id, calls)
    cache.set(key, json.dumps(user), ex=ttl)
    return user


def test_second_read_is_served_from_cache(r):
    calls = []
    first = get_user(r, 12, calls)
    second = get_user(r, 12, calls)
    assert first == second == {"id": 12, "name": "Ada Lovelace", "email": "ada@example.com"}
    assert calls == [12]
    assert 3590 <= r.ttl("user:12") <= 3600
    stats = r.info("stats")
    assert stats["keyspace_hits"] >= 1
    assert stats["keyspace_misses"] >= 1


def test_entry_reloads_after_expiry(r):
    calls = []
    get_user(r, 7, calls, ttl=1)
    get_user(r, 7, calls, ttl=1)
    assert calls == [7]
    time.sleep(1.2)
    assert r.get("user:7") is None
    get_user(r, 7, calls, ttl=1)
    assert calls == [7, 7]
