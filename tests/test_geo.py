"""End-to-end tests of the geo family: GEOADD GEODIST GEOHASH GEOPOS GEORADIUS
GEORADIUS_RO GEORADIUSBYMEMBER GEORADIUSBYMEMBER_RO GEOSEARCH GEOSEARCHSTORE.

Expected values and error texts come from redis-server 7.0.15; the
differential sessions (tests/differential_sessions/geo_*.txt) compare
hundreds more replies byte for byte. This suite checks what a session cannot:
keyspace events, WATCH, TTLs of STORE destinations, command metadata (key
positions for the STORE forms), transactions, cluster slot checks, threads
searching while others write, and a brute-force check that every search
finds exactly the points within its shape.
"""
import math
import random
import threading

import pytest
import redis

from conftest import Raw, ShoalServer, free_port

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
EARTH_RADIUS = 6372797.560856


def err(excinfo):
    return str(excinfo.value)


@pytest.fixture
def sicily(r):
    r.geoadd("Sicily", [13.361389, 38.115556, "Palermo", 15.087269, 37.502669, "Catania"])
    return r


# --- GEOADD ------------------------------------------------------------------

def test_geoadd_counts_added_and_changed(r):
    assert r.geoadd("k", [1, 1, "a", 2, 2, "b"]) == 2
    assert r.geoadd("k", [1, 1, "a", 3, 3, "c"]) == 1
    assert r.geoadd("k", [1.5, 1, "a", 3, 3, "c"], ch=True) == 1
    assert r.geoadd("k", [9, 9, "a", 4, 4, "d"], nx=True) == 1
    assert r.geoadd("k", [9, 9, "a", 5, 5, "e"], xx=True) == 0
    assert r.geoadd("k", [8, 8, "a", 5, 5, "e"], xx=True, ch=True) == 1
    assert not r.exists("e") and r.zscore("k", "e") is None
    assert r.type("k") == b"zset"
    assert r.zscore("k", "b") == 3378191666521995


def test_geoadd_scores_are_redis_geohashes(r):
    r.geoadd("k", [13.361389, 38.115556, "Palermo", 180, 85.05112878, "ne",
                   -180, -85.05112878, "sw"])
    assert r.zscore("k", "Palermo") == 3479099956230698
    assert r.zscore("k", "ne") == 13510798882111488  # bits 52 and 53: the upper edge
    assert r.zscore("k", "sw") == 0


@pytest.mark.parametrize("lon,lat,text", [
    ("180.0000001", "0", "180.000000,0.000000"),
    ("-181", "0", "-181.000000,0.000000"),
    ("0", "85.05112879", "0.000000,85.051129"),
    ("0", "-90", "0.000000,-90.000000"),
    ("inf", "0", "inf,0.000000"),
    ("1e300", "1", "%f,%f" % (1e300, 1)),
])
def test_geoadd_rejects_out_of_range_coordinates(r, lon, lat, text):
    raw = Raw(r.connection_pool.connection_kwargs["port"])
    assert raw.cmd("GEOADD", "k", lon, lat, "m") == \
        b"-ERR invalid longitude,latitude pair " + text.encode() + b"\r\n"
    assert raw.cmd("EXISTS", "k") == b":0\r\n"


@pytest.mark.parametrize("args,text", [
    (["1", "1", "a", "b"], "ERR syntax error"),
    (["NX", "XX", "1", "1", "a"], "ERR syntax error"),
    (["GT", "1", "1", "a"], "ERR syntax error"),
    (["1", "1", "a", "2"], "ERR syntax error"),
    (["CH", "CH", "CH"], "ERR syntax error"),
    (["abc", "1", "a"], "ERR value is not a valid float"),
    (["1", "", "a"], "ERR value is not a valid float"),
    (["nan", "1", "a"], "ERR value is not a valid float"),
])
def test_geoadd_errors(r, args, text):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("GEOADD", "k", *args)
    assert err(e) == text.replace("ERR ", "", 1) or err(e) == text


def test_geoadd_validates_every_point_before_adding(r):
    with pytest.raises(redis.ResponseError):
        r.execute_command("GEOADD", "k", 1, 1, "ok", 200, 1, "bad")
    assert not r.exists("k")


def test_wrong_type_for_every_command(r):
    r.set("s", "x")
    for cmd in (["GEOADD", "s", 1, 1, "a"], ["GEOPOS", "s", "a"], ["GEOHASH", "s", "a"],
                ["GEODIST", "s", "a", "b"], ["GEORADIUS", "s", 1, 1, 1, "km"],
                ["GEORADIUS_RO", "s", 1, 1, 1, "km"], ["GEORADIUSBYMEMBER", "s", "a", 1, "km"],
                ["GEORADIUSBYMEMBER_RO", "s", "a", 1, "km"],
                ["GEOSEARCH", "s", "FROMLONLAT", 1, 1, "BYRADIUS", 1, "km"],
                ["GEOSEARCHSTORE", "d", "s", "FROMLONLAT", 1, 1, "BYRADIUS", 1, "km"]):
        with pytest.raises(redis.ResponseError) as e:
            r.execute_command(*cmd)
        assert err(e) == WRONGTYPE, cmd
    # WRONGTYPE comes before argument errors, as in Redis.
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("GEORADIUS", "s", 1000, 1, 1, "parsecs")
    assert err(e) == WRONGTYPE


# --- GEOPOS GEOHASH GEODIST --------------------------------------------------

def test_geopos_geohash_geodist(sicily):
    raw = Raw(sicily.connection_pool.connection_kwargs["port"])
    assert raw.cmd("GEOPOS", "Sicily", "Palermo", "nope") == (
        b"*2\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n*-1\r\n")
    assert raw.cmd("GEOHASH", "Sicily", "Palermo", "Catania", "nope") == (
        b"*3\r\n$11\r\nsqc8b49rny0\r\n$11\r\nsqdtr74hyu0\r\n$-1\r\n")
    assert raw.cmd("GEODIST", "Sicily", "Palermo", "Catania") == b"$11\r\n166274.1516\r\n"
    assert raw.cmd("GEODIST", "Sicily", "Palermo", "Catania", "KM") == b"$8\r\n166.2742\r\n"
    assert raw.cmd("GEODIST", "Sicily", "Palermo", "Catania", "mi") == b"$8\r\n103.3182\r\n"
    assert raw.cmd("GEODIST", "Sicily", "Palermo", "Catania", "ft") == b"$11\r\n545518.8700\r\n"
    assert raw.cmd("GEODIST", "Sicily", "Palermo", "nope") == b"$-1\r\n"
    assert raw.cmd("GEODIST", "Sicily", "Palermo", "Catania", "yd") == (
        b"-ERR unsupported unit provided. please use M, KM, FT, MI\r\n")
    assert raw.cmd("GEODIST", "Sicily", "Palermo", "Catania", "km", "x") == (
        b"-ERR syntax error\r\n")
    assert raw.cmd("GEOPOS", "nokey", "a") == b"*1\r\n*-1\r\n"
    assert raw.cmd("GEOHASH", "nokey", "a") == b"*1\r\n$-1\r\n"
    assert raw.cmd("GEODIST", "nokey", "a", "b") == b"$-1\r\n"


def test_resp3_coordinates_are_doubles(sicily):
    raw = Raw(sicily.connection_pool.connection_kwargs["port"])
    raw.cmd("HELLO", "3")
    assert raw.cmd("GEOPOS", "Sicily", "Palermo", "nope") == (
        b"*2\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n")
    assert raw.cmd("GEODIST", "Sicily", "Palermo", "Catania") == b"$11\r\n166274.1516\r\n"
    assert raw.cmd("GEOSEARCH", "Sicily", "FROMLONLAT", 15, 37, "BYRADIUS", 100, "km",
                   "WITHDIST", "WITHCOORD", "WITHHASH") == (
        b"*1\r\n*4\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n:3479447370796909\r\n"
        b"*2\r\n,15.08726745843887329\r\n,37.50266842333162032\r\n")


# --- Searches ----------------------------------------------------------------

def test_georadius_documented_example(sicily):
    assert sicily.georadius("Sicily", 15, 37, 200, "km", withdist=True) == [
        [b"Palermo", 190.4424], [b"Catania", 56.4413]]
    assert sicily.georadius("Sicily", 15, 37, 200, "km", withcoord=True, sort="ASC")[0] == [
        b"Catania", (15.08726745843887329, 37.50266842333162032)]
    assert sicily.georadius("Sicily", 15, 37, 200, "km", withdist=True, withhash=True,
                            count=1) == [[b"Catania", 56.4413, 3479447370796909]]
    assert sicily.georadiusbymember("Sicily", "Palermo", 200, "km") == [b"Palermo", b"Catania"]
    assert sicily.geosearch("Sicily", member="Palermo", radius=100, unit="km") == [b"Palermo"]
    assert sicily.geosearch("Sicily", longitude=15, latitude=37, width=400, height=400,
                            unit="km", sort="DESC") == [b"Palermo", b"Catania"]


@pytest.mark.parametrize("cmd,text", [
    (["GEOSEARCH", "Sicily", "FROMLONLAT", 15, 37, "ASC", "WITHDIST"],
     "ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH"),
    (["GEOSEARCH", "Sicily", "BYRADIUS", 1, "km", "ASC", "WITHDIST"],
     "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH"),
    (["geosearch", "Sicily", "BYRADIUS", 1, "km", "ASC", "WITHDIST"],
     "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geosearch"),
    (["GEOSEARCH", "Sicily", "FROMMEMBER", "nope", "BYRADIUS", 1, "km"],
     "ERR could not decode requested zset member"),
    (["GEOSEARCH", "Sicily", "FROMLONLAT", 15, 37, "BYRADIUS", 1, "km", "ANY"],
     "ERR the ANY argument requires COUNT argument"),
    (["GEOSEARCH", "Sicily", "FROMLONLAT", 15, 37, "BYRADIUS", 1, "km", "COUNT", 0],
     "ERR COUNT must be > 0"),
    (["GEOSEARCH", "Sicily", "FROMLONLAT", 15, 37, "BYRADIUS", -1, "km"],
     "ERR radius cannot be negative"),
    (["GEOSEARCH", "Sicily", "FROMLONLAT", 15, 37, "BYRADIUS", "x", "km"],
     "ERR need numeric radius"),
    (["GEOSEARCH", "Sicily", "FROMLONLAT", 15, 37, "BYBOX", "x", 1, "km"],
     "ERR need numeric width"),
    (["GEOSEARCH", "Sicily", "FROMLONLAT", 15, 37, "BYBOX", 1, "x", "km"],
     "ERR need numeric height"),
    (["GEOSEARCH", "Sicily", "FROMLONLAT", 15, 37, "BYBOX", 1, -1, "km"],
     "ERR height or width cannot be negative"),
    (["GEOSEARCH", "Sicily", "FROMLONLAT", 200, 37, "BYBOX", 1, 1, "km"],
     "ERR invalid longitude,latitude pair 200.000000,37.000000"),
    (["GEOSEARCH", "Sicily", "FROMLONLAT", 15, 37, "BYRADIUS", 1, "km", "STORE", "d"],
     "ERR syntax error"),
    (["GEOSEARCHSTORE", "d", "Sicily", "FROMLONLAT", 15, 37, "BYRADIUS", 1, "km", "WITHDIST"],
     "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"),
    (["GEORADIUS", "Sicily", 15, 37, 1, "km", "WITHHASH", "STORE", "d"],
     "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD "
     "options"),
    (["GEORADIUS_RO", "Sicily", 15, 37, 1, "km", "STORE", "d"], "ERR syntax error"),
    (["GEORADIUSBYMEMBER_RO", "Sicily", "Palermo", 1, "km", "STOREDIST", "d"],
     "ERR syntax error"),
    (["GEORADIUS", "Sicily", 15, 37, 1, "km", "COUNT", "x"],
     "ERR value is not an integer or out of range"),
])
def test_search_errors(sicily, cmd, text):
    raw = Raw(sicily.connection_pool.connection_kwargs["port"])
    assert raw.cmd(*cmd) == b"-" + text.encode() + b"\r\n"


def test_missing_source(r):
    raw = Raw(r.connection_pool.connection_kwargs["port"])
    assert raw.cmd("GEORADIUS", "nokey", 15, 37, 1, "km") == b"*0\r\n"
    assert raw.cmd("GEORADIUSBYMEMBER", "nokey", "m", "notanumber", "km") == b"*0\r\n"
    assert raw.cmd("GEOSEARCH", "nokey", "FROMMEMBER", "m", "BYRADIUS", 1, "km") == b"*0\r\n"
    r.set("d", "x")
    assert raw.cmd("GEOSEARCHSTORE", "d", "nokey", "FROMLONLAT", 1, 1, "BYRADIUS", 1,
                   "km") == b":0\r\n"
    assert not r.exists("d")


def brute_force(points, lon, lat, radius_m):
    """Members whose (decoded) position is within radius_m, by haversine."""
    out = set()
    for name, (x, y) in points.items():
        lon1, lat1, lon2, lat2 = map(math.radians, (lon, lat, x, y))
        u = math.sin((lat2 - lat1) / 2)
        v = math.sin((lon2 - lon1) / 2)
        d = 2 * EARTH_RADIUS * math.asin(math.sqrt(u * u + math.cos(lat1) * math.cos(lat2) * v * v))
        if d <= radius_m * (1 - 1e-9):
            out.add(name)
        elif d <= radius_m * (1 + 1e-9):
            out.add("?" + name)  # on the edge: either answer is fine
    return out


def test_search_finds_every_point_in_the_radius(r):
    rnd = random.Random(7)
    args = []
    for i in range(3000):
        args += [rnd.uniform(-180, 180), rnd.uniform(-80, 80), f"p{i}"]
    r.geoadd("pts", args)
    decoded = dict(zip([f"p{i}" for i in range(3000)],
                       r.geopos("pts", *[f"p{i}" for i in range(3000)])))
    for _ in range(60):
        lon, lat = rnd.uniform(-180, 180), rnd.uniform(-80, 80)
        radius = rnd.choice([50, 300, 1000, 2500, 6000])
        got = {m.decode() for m in r.geosearch("pts", longitude=lon, latitude=lat,
                                               radius=radius, unit="km")}
        want = brute_force(decoded, lon, lat, radius * 1000)
        sure = {m for m in want if not m.startswith("?")}
        edge = {m[1:] for m in want if m.startswith("?")}
        assert sure <= got, (lon, lat, radius)
        assert got <= sure | edge, (lon, lat, radius)


def test_count_any_stops_early_and_count_sorts(r):
    r.geoadd("k", [v for i in range(50) for v in (10 + i * 0.001, 45, f"m{i}")])
    near = r.geosearch("k", longitude=10, latitude=45, radius=100, unit="km", count=3)
    assert near == [b"m0", b"m1", b"m2"]
    anyof = r.geosearch("k", longitude=10, latitude=45, radius=100, unit="km", count=3,
                        any=True)
    assert len(anyof) == 3
    far = r.geosearch("k", longitude=10, latitude=45, radius=100, unit="km", count=2,
                      sort="DESC")
    assert far == [b"m49", b"m48"]


# --- STORE -------------------------------------------------------------------

def test_store_and_storedist(sicily):
    sicily.set("d", "string")
    sicily.expire("d", 100)
    assert sicily.georadius("Sicily", 15, 37, 200, "km", store="d") == 2
    assert sicily.ttl("d") == -1
    assert sicily.zrange("d", 0, -1, withscores=True) == [
        (b"Palermo", 3479099956230698.0), (b"Catania", 3479447370796909.0)]
    assert sicily.georadius("Sicily", 15, 37, 200, "km", store_dist="d") == 2
    assert sicily.zrange("d", 0, -1, withscores=True) == [
        (b"Catania", pytest.approx(56.4413, abs=1e-4)),
        (b"Palermo", pytest.approx(190.4424, abs=1e-4))]
    assert sicily.geosearchstore("d", "Sicily", longitude=15, latitude=37, radius=100,
                                 unit="km", storedist=True) == 1
    assert sicily.zrange("d", 0, -1) == [b"Catania"]
    assert sicily.object("encoding", "d") == b"listpack"
    # An empty result deletes the destination.
    assert sicily.geosearchstore("d", "Sicily", longitude=0.5, latitude=0.5, radius=1,
                                 unit="km") == 0
    assert not sicily.exists("d")
    # The source may be the destination.
    assert sicily.georadiusbymember("Sicily", "Palermo", 10, "km", store="Sicily") == 1
    assert sicily.zrange("Sicily", 0, -1) == [b"Palermo"]


def test_store_destination_gets_the_encoding_its_size_calls_for(r):
    r.geoadd("k", [v for i in range(200) for v in (10 + i * 0.0001, 45, f"m{i}")])
    assert r.geosearchstore("d", "k", longitude=10, latitude=45, radius=50, unit="km") == 200
    assert r.object("encoding", "d") == b"skiplist"
    assert r.geosearchstore("d", "k", longitude=10, latitude=45, radius=50, unit="km",
                            count=10) == 10
    assert r.object("encoding", "d") == b"listpack"


def test_keyspace_events(server, r):
    r.config_set("notify-keyspace-events", "KEA")
    sub = server.client(decode_responses=True).pubsub()
    sub.psubscribe("__keyevent@0__:*")
    sub.get_message(timeout=1)
    try:
        r.geoadd("k", [1, 1, "a"])
        r.georadius("k", 1, 1, 10, "km", store="d1")
        r.geosearchstore("d2", "k", longitude=1, latitude=1, radius=10, unit="km")
        r.geosearchstore("d2", "k", longitude=50, latitude=1, radius=10, unit="km")
        events = []
        for _ in range(20):
            m = sub.get_message(timeout=0.5)
            if m is None:
                break
            if m["type"] == "pmessage":
                events.append((m["channel"].split(":", 1)[1], m["data"]))
        assert events == [("zadd", "k"), ("georadiusstore", "d1"), ("geosearchstore", "d2"),
                          ("del", "d2")]
    finally:
        r.config_set("notify-keyspace-events", "")
        sub.close()


def test_watch_sees_geoadd_and_store(r):
    r.geoadd("k", [1, 1, "a"])
    with r.pipeline() as p:
        p.watch("d")
        r.geosearchstore("d", "k", longitude=1, latitude=1, radius=10, unit="km")
        p.multi()
        p.set("x", 1)
        with pytest.raises(redis.WatchError):
            p.execute()


def test_command_metadata(r):
    raw = Raw(r.connection_pool.connection_kwargs["port"])
    assert raw.cmd("COMMAND", "GETKEYS", "GEORADIUS", "src", 1, 1, 1, "km", "STORE", "dst") == (
        b"*2\r\n$3\r\nsrc\r\n$3\r\ndst\r\n")
    assert raw.cmd("COMMAND", "GETKEYS", "GEORADIUSBYMEMBER", "src", "m", 1, "km", "STOREDIST",
                   "a", "STORE", "b") == b"*2\r\n$3\r\nsrc\r\n$1\r\nb\r\n"
    assert raw.cmd("COMMAND", "GETKEYS", "GEOSEARCHSTORE", "dst", "src", "FROMMEMBER", "m",
                   "BYRADIUS", 1, "km") == b"*2\r\n$3\r\ndst\r\n$3\r\nsrc\r\n"
    info = raw.cmd("COMMAND", "INFO", "georadius")
    assert info.startswith(b"*1\r\n*10\r\n$9\r\ngeoradius\r\n:-6\r\n") and b"movablekeys" in info


def test_inside_multi(r):
    r.geoadd("k", [1, 1, "a"])
    with r.pipeline() as p:
        p.geoadd("k", [1.001, 1, "b"])
        p.geosearch("k", longitude=1, latitude=1, radius=1, unit="km", sort="ASC")
        p.geodist("k", "a", "b")
        assert p.execute() == [1, [b"a", b"b"], 110.9627]


def test_concurrent_writers_and_searchers():
    s = ShoalServer(threads=4)
    try:
        errors = []

        def writer(i):
            c = s.client()
            rnd = random.Random(i)
            for j in range(300):
                c.geoadd("shared", [rnd.uniform(9, 11), rnd.uniform(44, 46), f"w{i}-{j}"])
                c.georadius("shared", 10, 45, 30, "km", store=f"dst{i % 2}")

        def reader(i):
            c = s.client()
            for _ in range(300):
                for m, d in c.geosearch("shared", longitude=10, latitude=45, radius=50,
                                        unit="km", withdist=True):
                    if d > 50:
                        errors.append((m, d))

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(3)]
        threads += [threading.Thread(target=reader, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert s.client().zcard("shared") == 900
    finally:
        assert s.alive()
        s.stop()


def test_cluster_mode_requires_one_slot(tmp_path):
    s = ShoalServer("--cluster-enabled", "yes", "--cluster-port", free_port(),
                    "--cluster-config-file", str(tmp_path / "nodes.conf"))
    try:
        raw = Raw(s.port)
        for _ in range(100):
            reply = raw.cmd("GEOADD", "{g}src", 1, 1, "a")
            if reply == b":1\r\n":
                break
            import time
            time.sleep(0.1)
        assert raw.cmd("GEORADIUS", "{g}src", 1, 1, 10, "km", "STORE", "{g}dst") == b":1\r\n"
        assert raw.cmd("GEORADIUS", "{g}src", 1, 1, 10, "km", "STORE", "other").startswith(
            b"-CROSSSLOT")
        assert raw.cmd("GEOSEARCHSTORE", "other", "{g}src", "FROMLONLAT", 1, 1, "BYRADIUS", 10,
                       "km").startswith(b"-CROSSSLOT")
    finally:
        s.stop()
