"""LATENCY (LATEST / HISTORY / RESET / HISTOGRAM / DOCTOR / HELP), the
latency-monitor-threshold / latency-tracking / latency-tracking-info-percentiles
parameters and INFO latencystats, with redis-server 7's reply shapes and
error texts (checked side by side with redis-server 7.0.15)."""
import re
import time

import pytest
import redis

from conftest import Raw, ShoalServer

PERCENTILE_LINE = re.compile(
    r"^latency_percentiles_usec_([a-z_|-]+):p50=(\d+\.\d{3}),p99=(\d+\.\d{3}),p99\.9=(\d+\.\d{3})$")


@pytest.fixture
def lat(r):
    r.config_set("latency-monitor-threshold", 0)
    r.config_set("latency-tracking", "yes")
    r.config_set("latency-tracking-info-percentiles", "50 99 99.9")
    r.execute_command("LATENCY", "RESET")
    r.config_resetstat()
    yield r
    r.config_set("latency-monitor-threshold", 0)
    r.config_set("latency-tracking-info-percentiles", "50 99 99.9")
    r.config_set("latency-tracking", "yes")


# Spikes the tests cause are far above this; a loaded machine may still
# stretch an ordinary command past a millisecond or two.
THRESHOLD_MS = 25


def slow_eval(r, loops=6_000_000):
    """A command that takes well over THRESHOLD_MS (a busy Lua loop)."""
    r.eval("local i = 0 while i < %d do i = i + 1 end return 1" % loops, 0)


def info_text(server, section):
    raw = Raw(server.port)
    try:
        reply = raw.cmd("INFO", section)
    finally:
        raw.close()
    body = reply.split(b"\r\n", 1)[1]
    return body.decode()


# ------------------------------------------------------------------ configs

def test_defaults(r):
    assert r.config_get("latency-*") == {"latency-monitor-threshold": "0",
                                         "latency-tracking": "yes",
                                         "latency-tracking-info-percentiles": "50 99 99.9"}


@pytest.mark.parametrize("name,value,error", [
    ("latency-monitor-threshold", "-1",
     "argument must be between 0 and 9223372036854775807 inclusive"),
    ("latency-monitor-threshold", "abc", "argument couldn't be parsed into an integer"),
    ("latency-monitor-threshold", "1.5", "argument couldn't be parsed into an integer"),
    ("latency-tracking", "maybe", "argument must be 'yes' or 'no'"),
    ("latency-tracking-info-percentiles", "50 abc",
     "Invalid latency-tracking-info-percentiles parameters"),
    ("latency-tracking-info-percentiles", "101",
     "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"),
    ("latency-tracking-info-percentiles", "-1",
     "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"),
])
def test_bad_values(lat, name, value, error):
    with pytest.raises(redis.ResponseError) as e:
        lat.config_set(name, value)
    assert str(e.value) == (f"CONFIG SET failed (possibly related to argument '{name}') - "
                            f"{error}")


def test_percentiles_are_printed_as_redis(lat, server):
    lat.config_set("latency-tracking-info-percentiles", "0 50.5 100 99.99 1e1")
    assert lat.config_get("latency-tracking-info-percentiles") == {
        "latency-tracking-info-percentiles": "0 50.5 100 99.99 10"}
    lat.ping()
    text = info_text(server, "latencystats")
    line = [l for l in text.split("\r\n") if l.startswith("latency_percentiles_usec_ping:")][0]
    assert re.fullmatch(r"latency_percentiles_usec_ping:p0=\d+\.\d{3},p50\.5=\d+\.\d{3},"
                        r"p100=\d+\.\d{3},p99\.99=\d+\.\d{3},p10=\d+\.\d{3}", line), line
    lat.config_set("latency-tracking-info-percentiles", "")
    text = info_text(server, "latencystats")
    assert "latency_percentiles_usec_ping:\r\n" in text


# ------------------------------------------------------- INFO latencystats

def test_info_latencystats_lines(lat, server):
    for _ in range(5):
        lat.set("k", "v")
        lat.get("k")
    lat.config_get("maxmemory")
    text = info_text(server, "latencystats")
    assert text.startswith("# Latencystats\r\n")
    lines = [l for l in text.split("\r\n")[1:] if l]
    cmds = {}
    for l in lines:
        m = PERCENTILE_LINE.match(l)
        assert m, l
        cmds[m.group(1)] = [float(x) for x in m.group(2, 3, 4)]
    assert {"set", "get", "config|get"} <= set(cmds)
    for p50, p99, p999 in cmds.values():
        assert 0 < p50 <= p99 <= p999
        # bucket edges as Redis prints them: 0.001, 1.003, 2.007, 3.007 ...
    assert all(re.fullmatch(r"\d+\.\d{3}", f"{v:.3f}") for v in cmds["get"])


def test_info_sections(lat, server):
    lat.ping()
    assert "# Latencystats" not in info_text(server, "default")
    everything = info_text(server, "everything")
    order = re.findall(r"^# (\w+)", everything, re.M)
    assert order.index("Errorstats") < order.index("Latencystats") < order.index("Cluster")
    assert "# Latencystats" in info_text(server, "all")


def test_tracking_off_stops_recording(lat, server):
    lat.config_set("latency-tracking", "no")
    lat.echo("x")
    assert "latency_percentiles_usec_echo:" not in info_text(server, "latencystats")
    lat.config_set("latency-tracking", "yes")
    lat.echo("x")
    assert "latency_percentiles_usec_echo:" in info_text(server, "latencystats")


def test_resetstat_clears_histograms(lat, server):
    lat.echo("x")
    assert "latency_percentiles_usec_echo:" in info_text(server, "latencystats")
    lat.config_resetstat()
    text = info_text(server, "latencystats")
    assert "latency_percentiles_usec_echo:" not in text
    assert lat.execute_command("LATENCY", "HISTOGRAM", "echo") == []


# ------------------------------------------------------- LATENCY HISTOGRAM

def test_histogram_shape_resp2(lat, server):
    for _ in range(10):
        lat.set("k", "v")
    raw = Raw(server.port)
    reply = raw.cmd("LATENCY", "HISTOGRAM", "set")
    raw.close()
    # *2 $3 set *4 $5 calls :N $14 histogram_usec *2M (edge, count)...
    m = re.fullmatch(rb"\*2\r\n\$3\r\nset\r\n\*4\r\n\$5\r\ncalls\r\n:(\d+)\r\n"
                     rb"\$14\r\nhistogram_usec\r\n\*(\d+)\r\n((?::\d+\r\n)*)", reply)
    assert m, reply
    calls = int(m.group(1))
    assert calls == 10
    nums = [int(x) for x in re.findall(rb":(\d+)", m.group(3))]
    assert len(nums) == int(m.group(2))
    edges, counts = nums[0::2], nums[1::2]
    # power-of-two bucket edges in usec as Redis prints them
    allowed = [1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056, 2113, 4227, 8454, 16908,
               33816, 67633, 135266, 270532, 541065]
    assert all(e in allowed for e in edges), edges
    assert edges == sorted(edges) and counts == sorted(counts)
    assert counts[-1] == calls


def test_histogram_shape_resp3(lat, server):
    lat.get("k")
    raw = Raw(server.port)
    raw.cmd("HELLO", "3")
    reply = raw.cmd("LATENCY", "HISTOGRAM", "get")
    raw.close()
    assert re.fullmatch(rb"%1\r\n\$3\r\nget\r\n%2\r\n\$5\r\ncalls\r\n:1\r\n"
                        rb"\$14\r\nhistogram_usec\r\n%1\r\n:\d+\r\n:1\r\n", reply), reply


def test_histogram_selection(lat):
    lat.set("k", "v")
    lat.get("k")
    lat.config_get("maxmemory")
    lat.client_id()

    def names(*args):
        reply = lat.execute_command("LATENCY", "HISTOGRAM", *args)
        return [reply[i] for i in range(0, len(reply), 2)]

    everything = names()
    assert {b"set", b"get", b"config|get", b"client|id"} <= set(everything)
    assert names("set", "nosuch", "get") == [b"set", b"get"]
    assert names("SET") == [b"set"]
    assert names("config|get") == [b"config|get"]
    # a container names its subcommands that have data
    assert b"config|get" in names("config")
    assert names("hgetall") == []  # no data: left out
    assert names("set", "set") == [b"set", b"set"]


def test_histogram_counts_all_workers(server):
    clients = [server.client() for _ in range(6)]  # spread over both workers
    for c in clients:
        c.ping()
    clients[0].config_resetstat()
    for c in clients:
        for _ in range(5):
            c.execute_command("ECHO", "x")
    reply = clients[0].execute_command("LATENCY", "HISTOGRAM", "echo")
    stats = dict(zip(reply[1][0::2], reply[1][1::2]))
    assert stats[b"calls"] == 30
    for c in clients:
        c.close()


# --------------------------------------------------- the latency monitor

def test_monitor_off_by_default(lat):
    slow_eval(lat)
    assert lat.execute_command("LATENCY", "LATEST") == []
    assert lat.execute_command("LATENCY", "HISTORY", "command") == []


def test_command_event(lat):
    lat.config_set("latency-monitor-threshold", THRESHOLD_MS)
    t0 = int(time.time())
    slow_eval(lat)
    latest = lat.execute_command("LATENCY", "LATEST")
    assert len(latest) == 1
    event, when, last, worst = latest[0]
    assert event == b"command"
    assert t0 <= when <= time.time() + 1
    assert last >= THRESHOLD_MS and worst >= last
    history = lat.execute_command("LATENCY", "HISTORY", "command")
    assert len(history) == 1 and history[0] == [when, last]
    # one sample per second: a second spike in the same second keeps the max
    slow_eval(lat)
    history = lat.execute_command("LATENCY", "HISTORY", "command")
    assert len(history) in (1, 2)
    assert lat.execute_command("LATENCY", "RESET", "nosuch", "command") == 1
    assert lat.execute_command("LATENCY", "HISTORY", "command") == []
    assert lat.execute_command("LATENCY", "RESET") in (0, 1)
    assert lat.execute_command("LATENCY", "LATEST") == []


def test_fast_command_event(lat):
    # GET is flagged fast; copying a 32 MB value into the reply takes
    # milliseconds, so it lands under "fast-command", as Redis classifies it.
    lat.set("big", b"x" * (32 << 20))
    lat.config_set("latency-monitor-threshold", 1)
    for _ in range(3):
        lat.execute_command("GET", "big")
    events = {e[0] for e in lat.execute_command("LATENCY", "LATEST")}
    assert b"fast-command" in events
    lat.delete("big")


def test_expire_cycle_event(lat):
    lat.config_set("latency-monitor-threshold", 1)
    pipe = lat.pipeline(transaction=False)
    for i in range(100_000):
        pipe.set(f"e{i}", "v", px=50)
        if i % 10000 == 9999:
            pipe.execute()
    pipe.execute()
    deadline = time.time() + 10
    while lat.dbsize() > 0 and time.time() < deadline:
        time.sleep(0.1)
    assert lat.dbsize() == 0
    # 100k keys expiring at once keep the cycle at its large budget (25% of
    # a period), far above 1 ms
    events = {e[0] for e in lat.execute_command("LATENCY", "LATEST")}
    assert b"expire-cycle" in events


def test_doctor(lat, server):
    report = lat.execute_command("LATENCY", "DOCTOR")
    assert b"disabled" in report
    lat.config_set("latency-monitor-threshold", THRESHOLD_MS)
    slow_eval(lat)
    report = lat.execute_command("LATENCY", "DOCTOR").decode()
    assert re.search(r"1\. command: \d+ latency spikes \(average \d+ms, mean deviation \d+ms, "
                     r"period \d+\.\d\d sec\)\. Worst all time event \d+ms\.", report), report
    raw = Raw(server.port)
    raw.cmd("HELLO", "3")
    reply = raw.cmd("LATENCY", "DOCTOR")
    raw.close()
    assert reply.startswith(b"=") and b"\r\ntxt:" in reply


# ------------------------------------------------------------ bad input

@pytest.mark.parametrize("args,error", [
    (["LATENCY"], "wrong number of arguments for 'latency' command"),
    (["LATENCY", "FOO"], "unknown subcommand 'FOO'. Try LATENCY HELP."),
    (["LATENCY", "GRAPH", "command"], "No samples available for event 'command'"),
    (["LATENCY", "GRAPH"], "wrong number of arguments for 'latency|graph' command"),
    (["LATENCY", "GRAPH", "a", "b"], "wrong number of arguments for 'latency|graph' command"),
    (["LATENCY", "HISTORY"], "wrong number of arguments for 'latency|history' command"),
    (["LATENCY", "HISTORY", "a", "b"], "wrong number of arguments for 'latency|history' command"),
    (["LATENCY", "LATEST", "x"], "wrong number of arguments for 'latency|latest' command"),
    (["LATENCY", "DOCTOR", "x"], "wrong number of arguments for 'latency|doctor' command"),
    (["LATENCY", "HELP", "x"], "wrong number of arguments for 'latency|help' command"),
])
def test_errors(lat, args, error):
    with pytest.raises(redis.ResponseError) as e:
        lat.execute_command(*args)
    assert str(e.value) == error


def test_help(lat):
    lines = lat.execute_command("LATENCY", "HELP")
    assert lines[0] == b"LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert b"HISTOGRAM [COMMAND ...]" in lines and lines[-1] == b"    Prints this help."
    # redis-server 7.0.15's text, line for line
    assert lines[3:5] == [b"GRAPH <event>", b"    Return an ASCII latency graph for the <event> class."]
    assert len(lines) == 17


def test_graph(lat, server):
    """LATENCY GRAPH: header with the samples' high and low and the all-time
    high, an 80-dash rule, four rows one column per sample, a blank row and
    the ages written downwards (the rendering itself is checked byte for byte
    against redis-server's in latency_monitor_test.cc)."""
    lat.config_set("latency-monitor-threshold", THRESHOLD_MS)
    slow_eval(lat)
    time.sleep(1.1)  # samples of one second are one sample
    slow_eval(lat, loops=18_000_000)
    history = lat.execute_command("LATENCY", "HISTORY", "command")
    assert len(history) == 2
    graph = lat.execute_command("LATENCY", "GRAPH", "command").decode()
    lines = graph.split("\n")
    ms = [h[1] for h in history]
    assert lines[0] == (f"command - high {max(ms)} ms, low {min(ms)} ms "
                        f"(all time high {max(ms)} ms)")
    assert lines[1] == "-" * 80
    width = len(history)
    assert all(len(line) == width for line in lines[2:-1]), lines
    assert lines[6] == " " * width
    high = ms.index(max(ms))
    assert lines[2][high] in "#_"  # the high on the top row
    assert lines[5][1 - high] == "_"  # the low on the bottom one (if they differ)
    assert re.fullmatch(r"\d\d", lines[7]) and lines[8] == "ss" and lines[9] == ""
    raw = Raw(server.port)
    raw.cmd("HELLO", "3")
    reply = raw.cmd("LATENCY", "GRAPH", "command")
    raw.close()
    assert reply.startswith(b"=") and b"\r\ntxt:command - high" in reply


def test_command_info(lat, server):
    raw = Raw(server.port)
    reply = raw.cmd("COMMAND", "INFO", "latency", "monitor")
    raw.close()
    assert reply.startswith(b"*2\r\n*10\r\n$7\r\nlatency\r\n:-2\r\n")
    assert b"$7\r\nmonitor\r\n:1\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n" \
        in reply, reply


def test_redis_cli(server, lat):
    lat.set("k", "v")
    out = server.cli("LATENCY", "HISTOGRAM", "set")
    assert out.splitlines()[:3] == ["set", "calls", "1"]


def test_eviction_cycle_event():
    s = ShoalServer(threads=1)
    try:
        c = s.client()
        # freeing a hash of 300k fields takes milliseconds: an eviction
        # cycle that has to drop it crosses the threshold
        c.eval("for i = 1, 300000 do redis.call('hset', KEYS[1], i, i) end", 1, "big")
        used = c.info("memory")["used_memory"]
        c.config_set("latency-monitor-threshold", 1)
        c.execute_command("LATENCY", "RESET")
        c.config_set("maxmemory-policy", "allkeys-lru")
        c.config_set("maxmemory", used // 2)
        c.set("x", "y")
        assert c.exists("big") == 0
        events = {e[0] for e in c.execute_command("LATENCY", "LATEST")}
        assert b"eviction-cycle" in events
        c.close()
    finally:
        s.stop()
