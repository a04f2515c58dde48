"""The server family: INFO, CONFIG, COMMAND, TIME, LASTSAVE, SHUTDOWN, MEMORY.

INFO is checked through redis-py's parser (every section and the fields
clients read), the counters behind it (commandstats, hits/misses, errors,
connections), and its wire format in RESP2 and RESP3. CONFIG GET/SET round
trips, globs, Redis's exact errors and all-or-nothing semantics; CONFIG
REWRITE against a real config file. COMMAND INFO/DOCS/LIST/GETKEYS are
compared with what redis-server 7.2 replies, and redis-cli's hints (built
from COMMAND DOCS) are checked both through `redis-cli help` and in an
interactive session on a pseudo-terminal.
"""
import os
import pty
import select
import shutil
import socket
import subprocess
import tempfile
import time

import pytest
import redis

from conftest import SHOAL, ShoalServer, free_port, raw_command


def docs_map(flat):
    """COMMAND DOCS replies flat [k, v, k, v...] lists in RESP2."""
    return {flat[i]: flat[i + 1] for i in range(0, len(flat), 2)}


def arg_map(flat):
    return {flat[i]: flat[i + 1] for i in range(0, len(flat), 2)}


def raw(r, *args):
    """Sends a command and returns the reply undecoded, bypassing redis-py's
    reply callbacks."""
    conn = r.connection_pool.get_connection(args[0])
    try:
        conn.send_command(*args)
        return conn.read_response(disable_decoding=True)
    finally:
        r.connection_pool.release(conn)


def raw_info(r, *sections):
    return raw(r, "INFO", *sections)


# --- INFO ----------------------------------------------------------------------

DEFAULT_SECTIONS = ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication",
                    "CPU", "Modules", "Errorstats", "Cluster", "Keyspace"]


def section_titles(text):
    return [line[2:] for line in text.decode().split("\r\n") if line.startswith("# ")]


def test_info_default_sections_in_redis_order(r):
    text = raw_info(r)
    assert section_titles(text) == DEFAULT_SECTIONS
    # Sections are separated by one blank line; every line ends in CRLF.
    assert b"\r\n\r\n# Clients\r\n" in text
    assert text.endswith(b"\r\n")
    assert b"\n" not in text.replace(b"\r\n", b"")


def test_info_all_and_everything_add_commandstats(r):
    r.get("x")
    for arg in ("all", "everything", "ALL"):
        titles = section_titles(raw_info(r, arg))
        assert "Commandstats" in titles
        assert titles.index("Commandstats") == titles.index("Modules") + 1
    assert "Commandstats" not in section_titles(raw_info(r, "default"))


def test_info_single_and_multiple_sections(r):
    assert section_titles(raw_info(r, "server")) == ["Server"]
    assert section_titles(raw_info(r, "KEYSPACE")) == ["Keyspace"]
    # Order is Redis's, whatever order they are asked in.
    assert section_titles(raw_info(r, "stats", "server", "memory")) == ["Server", "Memory",
                                                                       "Stats"]
    assert section_titles(raw_info(r, "default", "commandstats")) == (
        DEFAULT_SECTIONS[:8] + ["Commandstats"] + DEFAULT_SECTIONS[8:])


def test_info_unknown_section_is_empty(r):
    assert raw_info(r, "nosuch") == b""
    assert r.info("nosuch") == {}


def test_info_server_fields(r, server):
    info = r.info("server")
    assert info["redis_version"] == "7.2.4"
    assert info["shoal_version"] == "0.1.0"
    assert info["redis_mode"] == "standalone"
    assert info["arch_bits"] == 64
    assert info["tcp_port"] == server.port
    assert info["process_id"] == server.proc.pid
    assert len(info["run_id"]) == 40
    assert int(info["run_id"], 16) >= 0
    assert info["uptime_in_seconds"] >= 0
    assert info["uptime_in_days"] == 0
    assert info["hz"] == 10
    assert info["io_threads_active"] == 0
    assert os.path.basename(str(info["executable"])) == "shoal"
    assert str(info["os"]).startswith("Linux")
    assert abs(info["server_time_usec"] / 1e6 - time.time()) < 5
    # config_file is present (empty without one); redis-py drops empty values.
    assert b"\r\nconfig_file:\r\n" in raw_info(r, "server")


def test_info_clients_counts_connections(r, server):
    """connected_clients counts every connection, a new one as soon as it
    has spoken and a closed one once the server saw it go. Clients of other
    tests on this server may leave at any moment (Python closes their
    sockets when it collects them), so the count is checked against CLIENT
    LIST read between two INFO reads that agree."""
    assert r.info("clients")["maxclients"] == 10000

    def count_and_ids():
        deadline = time.time() + 5
        while time.time() < deadline:
            n = r.info("clients")["connected_clients"]
            ids = {int(c["id"]) for c in r.client_list()}
            if r.info("clients")["connected_clients"] == n:
                return n, ids
            time.sleep(0.02)
        raise AssertionError("connected_clients did not settle within 5 s")

    before, ids_before = count_and_ids()
    assert before >= 1 and before == len(ids_before)
    other = server.client()
    other.ping()
    other_id = int(other.client_id())
    n, ids = count_and_ids()
    assert other_id in ids and other_id not in ids_before
    assert n == len(ids) == before + 1 - len(ids_before - ids)
    other.connection_pool.disconnect()
    deadline = time.time() + 5
    while time.time() < deadline:
        n, ids = count_and_ids()
        if other_id not in ids:
            break
        time.sleep(0.02)
    assert other_id not in ids and n == len(ids)


def test_info_counts_blocked_and_subscribed_clients(r, server):
    blocked = socket.create_connection(("127.0.0.1", server.port))
    subscriber = socket.create_connection(("127.0.0.1", server.port))
    try:
        blocked.sendall(b"BLPOP info:q 0\r\n")
        subscriber.sendall(b"SUBSCRIBE ch1 ch2\r\nPSUBSCRIBE p*\r\n")
        deadline = time.time() + 5
        while time.time() < deadline:
            clients = r.info("clients")
            if clients["blocked_clients"] == 1 and clients["pubsub_clients"] == 1:
                break
            time.sleep(0.02)
        assert clients["blocked_clients"] == 1
        assert clients["pubsub_clients"] == 1
        stats = r.info("stats")
        assert stats["pubsub_channels"] == 2
        assert stats["pubsub_patterns"] == 1
        r.rpush("info:q", "x")
        deadline = time.time() + 5
        while r.info("clients")["blocked_clients"] and time.time() < deadline:
            time.sleep(0.02)
        assert r.info("clients")["blocked_clients"] == 0
    finally:
        blocked.close()
        subscriber.close()


def test_info_memory_fields(r):
    info = r.info("memory")
    for field in ("used_memory", "used_memory_rss", "used_memory_peak", "maxmemory",
                  "used_memory_startup", "total_system_memory"):
        assert isinstance(info[field], int), field
    assert info["used_memory"] > 0
    assert info["used_memory_rss"] > 0
    assert info["used_memory_peak"] >= info["used_memory"]
    assert info["maxmemory"] == 0
    assert info["maxmemory_human"] == "0B"
    assert info["maxmemory_policy"] == r.config_get("maxmemory-policy")["maxmemory-policy"]
    assert isinstance(info["mem_fragmentation_ratio"], float)
    assert info["mem_allocator"]
    assert info["used_memory_human"][-1] in "BKMG"


def test_info_used_memory_grows_with_data_and_peak_follows(r):
    before = r.info("memory")["used_memory"]
    r.mset({f"mem:{i}": "v" * 100 for i in range(2000)})
    after = r.info("memory")
    assert after["used_memory"] > before + 2000 * 100
    assert after["used_memory_peak"] >= after["used_memory"]
    r.flushall()
    assert r.info("memory")["used_memory_peak"] >= after["used_memory"]


def test_info_maxmemory_reflects_config(r):
    try:
        r.config_set("maxmemory", "100mb")
        info = r.info("memory")
        assert info["maxmemory"] == 100 * 1024 * 1024
        assert info["maxmemory_human"] == "100.00M"
    finally:
        r.config_set("maxmemory", "0")


def test_info_persistence_is_a_cache(r):
    r.set("k", "v")
    info = r.info("persistence")
    assert info["loading"] == 0
    assert info["rdb_changes_since_last_save"] == 0
    assert info["rdb_bgsave_in_progress"] == 0
    assert info["aof_enabled"] == 0
    assert info["rdb_last_bgsave_status"] == "ok"


def test_info_replication_and_cluster(r):
    info = r.info("replication")
    assert info["role"] == "master"
    assert info["connected_slaves"] == 0
    assert r.info("cluster")["cluster_enabled"] == 0


def test_info_cpu(r):
    info = r.info("cpu")
    assert isinstance(info["used_cpu_sys"], float)
    assert isinstance(info["used_cpu_user"], float)
    assert info["used_cpu_user"] + info["used_cpu_sys"] > 0


def test_info_keyspace_counts_keys_and_expires(r):
    assert r.info("keyspace") == {}
    r.set("a", 1)
    r.set("b", 2)
    r.set("c", 3, ex=100)
    r.execute_command("SELECT", 3)
    r.set("d", 4)
    r.execute_command("SELECT", 0)
    info = r.info("keyspace")
    assert info["db0"] == {"keys": 3, "expires": 1, "avg_ttl": 0}
    assert info["db3"] == {"keys": 1, "expires": 0, "avg_ttl": 0}
    assert "db1" not in info


def test_info_stats_counters(r, server):
    s0 = r.info("stats")
    r.set("hit", "1")
    r.get("hit")
    r.get("hit")
    r.get("miss")
    with pytest.raises(redis.ResponseError):
        r.execute_command("NOSUCHCOMMAND")
    other = server.client()
    other.ping()
    other.close()
    s1 = r.info("stats")
    assert s1["keyspace_hits"] - s0["keyspace_hits"] == 2
    assert s1["keyspace_misses"] - s0["keyspace_misses"] == 1
    assert s1["total_commands_processed"] - s0["total_commands_processed"] >= 5
    assert s1["total_error_replies"] - s0["total_error_replies"] == 1
    assert s1["total_connections_received"] - s0["total_connections_received"] >= 1
    assert s1["total_net_input_bytes"] > s0["total_net_input_bytes"]
    assert s1["total_net_output_bytes"] > s0["total_net_output_bytes"]
    assert s1["evicted_keys"] == 0
    assert s1["rejected_connections"] == 0
    assert isinstance(s1["instantaneous_ops_per_sec"], int)
    assert isinstance(s1["expired_stale_perc"], float)


def test_info_instantaneous_ops_per_sec_sees_a_burst(r):
    r.info("stats")
    deadline = time.time() + 0.6
    while time.time() < deadline:
        pipe = r.pipeline(transaction=False)
        for _ in range(200):
            pipe.ping()
        pipe.execute()
    assert r.info("stats")["instantaneous_ops_per_sec"] > 100


def test_info_expired_keys(r):
    before = r.info("stats")["expired_keys"]
    r.set("short", "v", px=10)
    time.sleep(0.05)
    assert r.get("short") is None
    assert r.info("stats")["expired_keys"] == before + 1


def test_info_commandstats_counts_calls_rejections_and_failures(r):
    r.config_resetstat()
    for _ in range(3):
        r.get("x")
    r.set("notint", "abc")
    with pytest.raises(redis.ResponseError, match="not an integer"):
        r.execute_command("INCR", "notint")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'get'"):
        r.execute_command("GET")
    r.config_get("hz")
    stats = r.info("commandstats")
    get = stats["cmdstat_get"]
    assert get["calls"] == 3
    assert get["rejected_calls"] == 1
    assert get["failed_calls"] == 0
    assert get["usec"] >= 0
    assert isinstance(get["usec_per_call"], float)
    assert stats["cmdstat_incr"]["failed_calls"] == 1
    assert stats["cmdstat_config|get"]["calls"] == 1
    assert stats["cmdstat_config|resetstat"]["calls"] == 1
    assert "cmdstat_del" not in stats


def test_info_resp3_is_a_verbatim_string(server):
    out = raw_command(server.port, b"HELLO 3\r\nINFO server\r\n", read_timeout=0.5)
    body = out[out.index(b"=", out.index(b"# Server") - 10):]
    assert body.startswith(b"=")
    length = int(body[1:body.index(b"\r\n")])
    payload = body[body.index(b"\r\n") + 2:]
    assert payload.startswith(b"txt:# Server\r\n")
    assert len(payload) == length + 2


# --- CONFIG --------------------------------------------------------------------

def test_config_get_glob(r):
    got = r.config_get("max*")
    assert {"maxmemory", "maxclients", "maxmemory-policy"} <= set(got)
    assert all(k.startswith("max") for k in got)
    assert r.config_get("maxmemory") == {"maxmemory": "0"}
    assert r.config_get("m?xclients") == {"maxclients": "10000"}
    assert r.config_get("[h]z") == {"hz": "10"}
    assert r.config_get("nosuch") == {}


def test_config_get_several_patterns_deduplicates(r):
    got = r.execute_command("CONFIG GET", "maxmemory", "max*", "hz", "maxmemory")
    assert got["hz"] == "10"
    assert got["maxmemory"] == "0"
    flat = r.execute_command("CONFIG", "GET", "maxmemory", "max*", "maxmemory")
    names = flat[0::2]
    assert len(names) == len(set(names))


def test_config_get_plain_name_is_case_insensitive(r):
    # Redis answers a plain name under the spelling it was asked with.
    assert r.execute_command("CONFIG", "GET", "MAXMEMORY") == [b"MAXMEMORY", b"0"]
    assert r.config_get("MAX*MEMORY") == {"maxmemory": "0"}


def test_config_get_cache_answers_for_persistence(r):
    assert r.config_get("save") == {"save": ""}
    assert r.config_get("appendonly") == {"appendonly": "no"}


def test_config_set_round_trips(r):
    try:
        assert r.config_set("maxmemory", "10mb")
        assert r.config_get("maxmemory") == {"maxmemory": str(10 * 1024 * 1024)}
        assert r.config_set("hz", "20")
        assert r.config_get("hz") == {"hz": "20"}
        assert r.info("server")["hz"] == 20
        assert r.execute_command("CONFIG", "SET", "maxclients", "500", "timeout", "30") == b"OK"
        assert r.config_get("maxclients") == {"maxclients": "500"}
        assert r.config_get("timeout") == {"timeout": "30"}
        assert r.config_set("MAXCLIENTS", "600")
        assert r.config_get("maxclients") == {"maxclients": "600"}
        assert r.config_set("save", "")
    finally:
        r.execute_command("CONFIG", "SET", "maxmemory", "0", "hz", "10", "maxclients", "10000",
                          "timeout", "0")


def test_config_set_errors(r):
    with pytest.raises(redis.ResponseError,
                       match=r"^Unknown option or number of arguments for CONFIG SET - 'nosuch'$"):
        r.config_set("nosuch", "1")
    with pytest.raises(redis.ResponseError, match=(
            r"^CONFIG SET failed \(possibly related to argument 'maxmemory'\) - "
            r"argument must be a memory value$")):
        r.config_set("maxmemory", "abc")
    with pytest.raises(redis.ResponseError, match=(
            r"^CONFIG SET failed \(possibly related to argument 'hz'\) - "
            r"argument couldn't be parsed into an integer$")):
        r.config_set("hz", "x")
    with pytest.raises(redis.ResponseError, match=(
            r"^CONFIG SET failed \(possibly related to argument 'timeout'\) - "
            r"argument must be between 0 and 2147483647 inclusive$")):
        r.config_set("timeout", "-1")
    with pytest.raises(redis.ResponseError, match=(
            r"^CONFIG SET failed \(possibly related to argument 'daemonize'\) - "
            r"can't set immutable config$")):
        r.config_set("daemonize", "no")
    with pytest.raises(redis.ResponseError, match=(
            r"^CONFIG SET failed \(possibly related to argument 'maxmemory'\) - "
            r"duplicate parameter$")):
        r.execute_command("CONFIG", "SET", "maxmemory", "1mb", "maxmemory", "2mb")
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        r.execute_command("CONFIG", "SET", "maxmemory", "1mb", "hz")
    with pytest.raises(redis.ResponseError,
                       match=r"^wrong number of arguments for 'config\|set' command$"):
        r.execute_command("CONFIG", "SET", "maxmemory")
    with pytest.raises(redis.ResponseError, match="CONFIG SET failed .*'appendonly'"):
        r.config_set("appendonly", "yes")
    assert r.config_get("appendonly") == {"appendonly": "no"}


def test_config_set_is_all_or_nothing(r):
    with pytest.raises(redis.ResponseError, match="argument 'hz'"):
        r.execute_command("CONFIG", "SET", "maxmemory", "5mb", "hz", "notanumber")
    assert r.config_get("maxmemory") == {"maxmemory": "0"}
    with pytest.raises(redis.ResponseError, match="Unknown option"):
        r.execute_command("CONFIG", "SET", "maxmemory", "5mb", "nosuch", "1")
    assert r.config_get("maxmemory") == {"maxmemory": "0"}


def test_config_container_errors(r):
    with pytest.raises(redis.ResponseError,
                       match=r"^wrong number of arguments for 'config' command$"):
        r.execute_command("CONFIG")
    with pytest.raises(redis.ResponseError,
                       match=r"^unknown subcommand 'FOO'. Try CONFIG HELP.$"):
        r.execute_command("CONFIG", "FOO")
    with pytest.raises(redis.ResponseError,
                       match=r"^wrong number of arguments for 'config\|resetstat' command$"):
        r.execute_command("CONFIG", "RESETSTAT", "x")
    with pytest.raises(redis.ResponseError,
                       match=r"^wrong number of arguments for 'config\|get' command$"):
        r.execute_command("CONFIG", "GET")


def test_config_resetstat_zeroes_counters(r):
    r.get("a")
    r.get("a")
    assert r.config_resetstat()
    stats = r.info("stats")
    assert stats["keyspace_misses"] == 0
    assert stats["total_commands_processed"] <= 2
    assert stats["total_error_replies"] == 0
    assert "cmdstat_get" not in r.info("commandstats")


def test_config_rewrite_without_file(r):
    with pytest.raises(redis.ResponseError,
                       match="^The server is running without a config file$"):
        r.config_rewrite()


def test_config_help(r):
    lines = r.execute_command("CONFIG", "HELP")
    assert lines[0].startswith(b"CONFIG <subcommand>")
    assert any(line.startswith(b"GET") for line in lines)
    assert any(line.startswith(b"SET") for line in lines)
    assert lines[-2] == b"HELP"


def start_with_config(conf_path):
    port = free_port()
    proc = subprocess.Popen([SHOAL, conf_path, "--port", str(port), "--bind", "127.0.0.1",
                             "--threads", "1"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        assert proc.poll() is None, "shoal exited"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, redis.Redis(host="127.0.0.1", port=port, decode_responses=True)
        except OSError:
            time.sleep(0.02)
    proc.kill()
    raise RuntimeError("shoal did not start")


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_config_rewrite_updates_the_config_file():
    with tempfile.TemporaryDirectory() as d:
        conf = os.path.join(d, "shoal.conf")
        with open(conf, "w") as f:
            f.write("# my cache\nmaxmemory 1mb\nhz 10\n\n# end\n")
        proc, c = start_with_config(conf)
        try:
            assert c.config_get("maxmemory") == {"maxmemory": "1048576"}
            assert c.info("server")["config_file"] == conf
            c.config_set("maxmemory", "2mb")
            c.config_set("maxclients", "500")
            c.config_set("requirepass", 'se"cret word')
            assert c.config_rewrite()
            text = open(conf).read()
            lines = text.splitlines()
            assert lines[0] == "# my cache"
            assert "maxmemory 2097152" in lines
            assert "hz 10" in lines
            assert "maxclients 500" in lines
            assert "# end" in lines
            assert not os.path.exists(conf + ".shoal-rewrite.tmp")
            c.execute_command("AUTH", 'se"cret word')
        finally:
            c.close()
            stop(proc)
        # The rewritten file starts a server with the same configuration.
        proc, c = start_with_config(conf)
        try:
            c.execute_command("AUTH", 'se"cret word')
            assert c.config_get("maxmemory") == {"maxmemory": "2097152"}
            assert c.config_get("maxclients") == {"maxclients": "500"}
        finally:
            c.close()
            stop(proc)


# --- COMMAND -------------------------------------------------------------------

def test_command_count_matches_command(r):
    count = r.execute_command("COMMAND COUNT")
    assert count == len(raw(r, "COMMAND"))
    assert count == len(r.command())
    assert count >= 40


def test_command_info_get_matches_redis(r):
    (get,) = r.execute_command("COMMAND INFO", "get")
    assert get[:6] == [b"get", 2, [b"readonly", b"fast"], 1, 1, 1]
    assert b"@read" in get[6]
    key_spec = arg_map(get[8][0])
    assert arg_map(key_spec[b"begin_search"])[b"type"] == b"index"
    assert arg_map(key_spec[b"find_keys"])[b"type"] == b"range"
    assert get[9] == []


def test_command_info_matches_redis_for_keyed_commands(r):
    got = r.execute_command("COMMAND INFO", "set", "del", "mset")
    assert got[0][:6] == [b"set", -3, [b"write", b"denyoom"], 1, 1, 1]
    assert got[1][:6] == [b"del", -2, [b"write"], 1, -1, 1]
    assert got[2][:6] == [b"mset", -3, [b"write", b"denyoom"], 1, -1, 2]
    # Ranges count lastkey from the first key, as Redis does.
    spec = arg_map(arg_map(got[2][8][0])[b"find_keys"])[b"spec"]
    assert arg_map(spec) == {b"lastkey": -1, b"keystep": 2, b"limit": 0}


def test_command_info_server_family(r):
    got = r.execute_command("COMMAND INFO", "config", "time", "memory|usage", "info")
    config, time_, usage, info = got
    assert config[:6] == [b"config", -2, [], 0, 0, 0]
    subs = {s[0]: s for s in config[9]}
    assert subs[b"config|get"][:6] == [b"config|get", -3,
                                       [b"admin", b"noscript", b"loading", b"stale"], 0, 0, 0]
    assert subs[b"config|set"][1] == -4
    assert time_[:6] == [b"time", 1, [b"loading", b"stale", b"fast"], 0, 0, 0]
    assert usage[:6] == [b"memory|usage", -3, [b"readonly"], 2, 2, 1]
    assert info[:6] == [b"info", -1, [b"loading", b"stale"], 0, 0, 0]


def test_command_info_unknown_and_all(r):
    assert r.execute_command("COMMAND INFO", "nosuch") == [None]
    got = r.execute_command("COMMAND INFO", "nosuch", "GET")
    assert got[0] is None and got[1][0] == b"get"
    everything = r.execute_command("COMMAND INFO")
    assert len(everything) == r.execute_command("COMMAND COUNT")


def test_command_docs_set_has_arguments(r):
    docs = docs_map(r.execute_command("COMMAND DOCS", "set"))
    assert list(docs) == [b"set"]
    doc = docs_map(docs[b"set"])
    assert doc[b"group"] == b"string"
    assert doc[b"since"] and doc[b"summary"] and doc[b"complexity"]
    args = [arg_map(a) for a in doc[b"arguments"]]
    assert args[0][b"name"] == b"key"
    assert args[0][b"type"] == b"key"
    assert args[0][b"key_spec_index"] == 0
    assert args[1][b"name"] == b"value"
    assert args[1][b"type"] == b"string"
    # [NX | XX]: an optional oneof of pure tokens.
    cond = args[2]
    assert cond[b"type"] == b"oneof"
    assert cond[b"flags"] == [b"optional"]
    tokens = [arg_map(a)[b"token"] for a in cond[b"arguments"]]
    assert tokens == [b"NX", b"XX"]
    # [EX seconds | ...]: tokens introducing typed values.
    expiry = [arg_map(a) for a in args[-1][b"arguments"]]
    ex = expiry[0]
    assert (ex[b"name"], ex[b"type"], ex[b"token"]) == (b"seconds", b"integer", b"EX")


def test_command_docs_containers_and_unknown(r):
    assert r.execute_command("COMMAND DOCS", "nosuch") == []
    docs = docs_map(r.execute_command("COMMAND DOCS", "config", "nosuch", "config|get"))
    assert set(docs) == {b"config", b"config|get"}
    subs = docs_map(docs_map(docs[b"config"])[b"subcommands"])
    assert {b"config|get", b"config|set", b"config|resetstat", b"config|rewrite",
            b"config|help"} <= set(subs)
    get_args = [arg_map(a) for a in docs_map(docs[b"config|get"])[b"arguments"]]
    assert get_args[0][b"name"] == b"parameter"
    assert get_args[0][b"flags"] == [b"multiple"]


def test_command_docs_all_commands(r):
    docs = docs_map(r.execute_command("COMMAND DOCS"))
    assert len(docs) == r.execute_command("COMMAND COUNT")
    for name, doc in docs.items():
        d = docs_map(doc)
        for field in (b"summary", b"since", b"group", b"complexity"):
            assert field in d, (name, field)


def test_command_list_and_filters(r):
    names = r.execute_command("COMMAND LIST")
    assert b"get" in names and b"config" in names and b"config|get" in names
    assert len(names) == len(set(names))
    assert sorted(r.execute_command("COMMAND LIST", "FILTERBY", "PATTERN", "config*")) == sorted(
        [b"config", b"config|get", b"config|set", b"config|resetstat", b"config|rewrite",
         b"config|help"])
    assert r.execute_command("COMMAND LIST", "FILTERBY", "PATTERN", "CONFIG|G*") == [
        b"config|get"]
    read = r.execute_command("COMMAND LIST", "FILTERBY", "ACLCAT", "read")
    assert b"get" in read and b"set" not in read
    assert r.execute_command("COMMAND LIST", "FILTERBY", "ACLCAT", "nosuch") == []
    assert r.execute_command("COMMAND LIST", "FILTERBY", "MODULE", "x") == []
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        r.execute_command("COMMAND LIST", "FILTERBY", "PATTERN")
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        r.execute_command("COMMAND LIST", "FILTERBY", "FOO", "x")
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        r.execute_command("COMMAND LIST", "x")


def test_command_getkeys(r):
    assert r.execute_command("COMMAND GETKEYS", "set", "a", "b") == ["a"]
    assert r.execute_command("COMMAND GETKEYS", "mset", "a", "1", "b", "2") == ["a", "b"]
    assert r.execute_command("COMMAND GETKEYS", "del", "a", "b", "c") == ["a", "b", "c"]
    assert r.execute_command("COMMAND GETKEYS", "MEMORY", "usage", "k") == ["k"]
    with pytest.raises(redis.ResponseError, match="^Invalid command specified$"):
        r.execute_command("COMMAND GETKEYS", "nosuch", "x")
    with pytest.raises(redis.ResponseError, match="^Invalid command specified$"):
        r.execute_command("COMMAND GETKEYS", "memory", "nosuch", "x")
    with pytest.raises(redis.ResponseError,
                       match="^Invalid number of arguments specified for command$"):
        r.execute_command("COMMAND GETKEYS", "get", "a", "b")
    with pytest.raises(redis.ResponseError,
                       match="^Invalid number of arguments specified for command$"):
        r.execute_command("COMMAND GETKEYS", "set", "a")
    with pytest.raises(redis.ResponseError, match="^The command has no key arguments$"):
        r.execute_command("COMMAND GETKEYS", "ping", "x")
    with pytest.raises(redis.ResponseError, match="^The command has no key arguments$"):
        r.execute_command("COMMAND GETKEYS", "config", "get", "x")
    with pytest.raises(redis.ResponseError,
                       match=r"^wrong number of arguments for 'command\|getkeys' command$"):
        r.execute_command("COMMAND GETKEYS", "get")


def test_command_getkeysandflags(r):
    assert r.execute_command("COMMAND GETKEYSANDFLAGS", "get", "a") == [[b"a", [b"RO",
                                                                              b"access"]]]
    got = r.execute_command("COMMAND GETKEYSANDFLAGS", "mset", "a", "1", "b", "2")
    assert [k for k, _ in got] == [b"a", b"b"]


def test_command_help_and_errors(r):
    lines = raw(r, "COMMAND", "HELP")
    assert lines[0].startswith(b"COMMAND <subcommand>")
    assert any(line.startswith(b"GETKEYS") for line in lines)
    with pytest.raises(redis.ResponseError,
                       match=r"^unknown subcommand 'foo'. Try COMMAND HELP.$"):
        r.execute_command("COMMAND", "foo")
    with pytest.raises(redis.ResponseError,
                       match=r"^wrong number of arguments for 'command\|count' command$"):
        r.execute_command("COMMAND", "COUNT", "x")


def test_redis_cli_help_comes_from_command_docs(server):
    out = server.cli("help", "set")
    assert "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|" \
           "PXAT unix-time-milliseconds|KEEPTTL]" in out
    out = server.cli("help", "config", "set")
    assert "parameter value [parameter value ...]" in out


@pytest.mark.skipif(shutil.which("redis-cli") is None, reason="needs redis-cli")
def test_redis_cli_shows_hints_while_typing(server):
    """Types into an interactive redis-cli on a pty and reads the grey hint."""
    import fcntl
    import struct
    import termios

    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm"
        os.execvp("redis-cli", ["redis-cli", "-h", "127.0.0.1", "-p", str(server.port)])
    try:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 250, 0, 0))

        def read_until(needle, timeout=5.0):
            out = b""
            deadline = time.time() + timeout
            while time.time() < deadline and needle not in out:
                ready, _, _ = select.select([fd], [], [], 0.05)
                if ready:
                    try:
                        out += os.read(fd, 65536)
                    except OSError:
                        break
            return out

        assert b">" in read_until(b">")
        os.write(fd, b"set k ")
        out = read_until(b"KEEPTTL")
        assert b"value [NX|XX] [GET] [EX seconds|" in out
        os.write(fd, b"\x15memory usage ")  # ^U clears the line
        assert b"key [SAMPLES count]" in read_until(b"SAMPLES count]")
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(fd)


# --- TIME, LASTSAVE ------------------------------------------------------------

def test_time(r):
    reply = raw(r, "TIME")
    assert len(reply) == 2 and all(isinstance(x, bytes) for x in reply)
    seconds, micros = r.time()
    assert abs(seconds + micros / 1e6 - time.time()) < 2
    assert 0 <= micros < 1_000_000
    with pytest.raises(redis.ResponseError,
                       match="^wrong number of arguments for 'time' command$"):
        r.execute_command("TIME", "x")


def test_lastsave_is_start_time(r):
    last = r.lastsave().timestamp()
    uptime = r.info("server")["uptime_in_seconds"]
    assert abs(time.time() - uptime - last) <= 2


# --- MEMORY --------------------------------------------------------------------

def test_memory_usage(r):
    assert r.memory_usage("missing") is None
    r.set("small", "v")
    r.set("big", "x" * 10000)
    small = r.memory_usage("small")
    big = r.memory_usage("big")
    assert isinstance(small, int) and small > len("small")
    assert big >= 10000 > small
    assert r.execute_command("MEMORY", "USAGE", "big", "SAMPLES", "0") == big
    assert r.execute_command("MEMORY", "USAGE", "big", "samples", "5") == big


def test_memory_usage_errors(r):
    r.set("k", "v")
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        r.execute_command("MEMORY", "USAGE", "k", "SAMPLES")
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        r.execute_command("MEMORY", "USAGE", "k", "SAMPLES", "-1")
    with pytest.raises(redis.ResponseError, match="^value is not an integer or out of range$"):
        r.execute_command("MEMORY", "USAGE", "k", "SAMPLES", "x")
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        r.execute_command("MEMORY", "USAGE", "k", "FOO", "1")
    with pytest.raises(redis.ResponseError,
                       match=r"^wrong number of arguments for 'memory\|usage' command$"):
        r.execute_command("MEMORY", "USAGE")
    with pytest.raises(redis.ResponseError,
                       match=r"^unknown subcommand 'nosuch'. Try MEMORY HELP.$"):
        r.execute_command("MEMORY", "nosuch")


def test_memory_other_subcommands(r):
    r.set("k", "v")
    stats = r.execute_command("MEMORY", "STATS")
    stats = {stats[i]: stats[i + 1] for i in range(0, len(stats), 2)}
    assert stats[b"keys.count"] == 1
    assert stats[b"total.allocated"] == r.info("memory")["used_memory"]
    assert isinstance(r.execute_command("MEMORY", "DOCTOR"), bytes)
    assert isinstance(r.execute_command("MEMORY", "MALLOC-STATS"), bytes)
    assert r.execute_command("MEMORY", "PURGE") == b"OK"
    lines = r.execute_command("MEMORY", "HELP")
    assert lines[0].startswith(b"MEMORY <subcommand>")
    assert any(line.startswith(b"USAGE") for line in lines)


def test_memory_stats_breaks_used_memory_down_as_redis_does(r):
    # Redis's shape: a db.<n> map for each db with keys, overhead.total
    # (startup + tables + Shoal's eviction.policy), dataset = total -
    # overhead, keys.bytes-per-key = (total - startup) / keys; INFO memory's
    # overhead and dataset are the same figures.
    r.flushall()
    for i in range(2000):
        r.set("k%d" % i, "x" * 100)
    r.execute_command("SELECT", 3)
    r.set("other", "v")
    r.execute_command("SELECT", 0)
    stats = r.memory_stats()
    info = r.info("memory")
    assert set(k for k in stats if k.startswith("db.")) == {"db.0", "db.3"}
    main0 = stats["db.0"]["overhead.hashtable.main"]
    main3 = stats["db.3"]["overhead.hashtable.main"]
    assert stats["db.0"]["overhead.hashtable.expires"] == 0
    # Each db's directory of 16384 slot tables, plus 2000 keys' slots (8 bytes
    # each, 50-90% full once grown) in db 0 and one small table in db 3.
    assert main3 > 16384 * 16 and main3 < 16384 * 32 + 64
    assert main0 - main3 >= 2000 * 8 and main0 - main3 <= 2000 * 8 * 2 + 16384 * 24
    assert stats["eviction.policy"] == 0  # noeviction keeps no side structures
    assert stats["overhead.total"] == stats["startup.allocated"] + main0 + main3
    assert stats["dataset.bytes"] == stats["total.allocated"] - stats["overhead.total"]
    assert stats["keys.count"] == 2001
    assert stats["keys.bytes-per-key"] == (
        (stats["total.allocated"] - stats["startup.allocated"]) // 2001)
    # The entries alone: 2000 of ~120 bytes (7-byte header, key, 100-byte value).
    assert 2000 * 112 < stats["dataset.bytes"] < 2000 * 136
    assert info["used_memory_overhead"] == stats["overhead.total"]
    assert info["used_memory_dataset"] == stats["dataset.bytes"]
    r.config_set("maxmemory-policy", "allkeys-wtinylfu")
    try:
        r.set("k0", "y")  # the policy's shards start with the next write
        assert r.memory_stats()["eviction.policy"] > 0
    finally:
        r.config_set("maxmemory-policy", "noeviction")


def test_module_list_is_empty_and_loading_is_not_served(r):
    # Tools probe MODULE LIST for RedisJSON/RediSearch: Shoal has no modules.
    assert r.module_list() == []
    assert r.execute_command("MODULE", "LIST") == []
    lines = r.execute_command("MODULE", "HELP")
    assert lines[0].startswith(b"MODULE <subcommand>") and b"LIST" in lines
    assert not any(line.startswith(b"LOAD") for line in lines)
    for sub in ("LOAD", "LOADEX", "UNLOAD"):
        with pytest.raises(redis.ResponseError,
                           match=r"^unknown subcommand '%s'. Try MODULE HELP.$" % sub.lower()):
            r.execute_command("MODULE", sub.lower(), "/tmp/x.so")
    with pytest.raises(redis.ResponseError,
                       match=r"^wrong number of arguments for 'module\|list' command$"):
        r.execute_command("MODULE", "LIST", "extra")
    with pytest.raises(redis.ResponseError,
                       match=r"^wrong number of arguments for 'module' command$"):
        r.execute_command("MODULE")


# --- SHUTDOWN ------------------------------------------------------------------

def test_shutdown_errors(r):
    with pytest.raises(redis.ResponseError, match=r"^No shutdown in progress.$"):
        r.execute_command("SHUTDOWN", "ABORT")
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        r.execute_command("SHUTDOWN", "ABORT", "NOW")
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        r.execute_command("SHUTDOWN", "FOO")
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        r.execute_command("SHUTDOWN", "SAVE", "NOSAVE")
    pipe = r.pipeline(transaction=True)
    pipe.execute_command("SHUTDOWN")
    with pytest.raises(redis.ResponseError):
        pipe.execute()
    assert r.ping()


@pytest.mark.parametrize("args", [(), ("NOSAVE",), ("SAVE", "NOW", "FORCE")])
def test_shutdown_stops_the_server(args):
    s = ShoalServer(threads=1)
    try:
        c = s.client()
        c.set("k", "v")
        with pytest.raises(redis.ConnectionError):
            c.execute_command("SHUTDOWN", *args)
        s.proc.wait(timeout=10)
        assert s.proc.returncode == 0
    finally:
        s.stop()


def test_shutdown_through_redis_py_and_cli():
    s = ShoalServer(threads=1)
    try:
        s.client().shutdown(nosave=True)  # redis-py treats the closed connection as success
        s.proc.wait(timeout=10)
    finally:
        s.stop()
    s = ShoalServer(threads=1)
    try:
        s.cli("SHUTDOWN")
        s.proc.wait(timeout=10)
        assert s.proc.returncode == 0
    finally:
        s.stop()
