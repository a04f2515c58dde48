"""INFO errorstats and total_error_replies: error replies counted by their
first word, as Redis 7 does (compared with redis-server 7.0.15 by hand:
the same lines for the same sequence)."""
import redis

from conftest import ShoalServer


def errorstats(s):
    """INFO errorstats as {code: count}, from redis-cli's raw text."""
    out = {}
    for line in s.cli("INFO", "errorstats").splitlines():
        if line.startswith("errorstat_"):
            name, count = line.split(":count=")
            out[name] = int(count)
    return out


def test_errors_counted_by_code_and_reset():
    s = ShoalServer()
    try:
        c = s.client(decode_responses=True)
        c.set("a", "1")
        for call in (lambda: c.lpush("a", "x"),                   # WRONGTYPE
                     lambda: c.execute_command("NOSUCHCMD"),      # ERR unknown command
                     lambda: c.execute_command("GET"),            # ERR wrong arity
                     lambda: c.execute_command("INCRBY", "a", "x")):  # ERR not an integer
            try:
                call()
                raise AssertionError("expected an error reply")
            except redis.ResponseError:
                pass
        assert errorstats(s) == {"errorstat_ERR": 3, "errorstat_WRONGTYPE": 1}
        assert c.info("stats")["total_error_replies"] == 4
        # A script's own error code is its first word, as in Redis.
        try:
            c.eval("return redis.error_reply('MYCODE something failed')", 0)
        except redis.ResponseError:
            pass
        assert errorstats(s)["errorstat_MYCODE"] == 1
        # In the default INFO, between Modules and Cluster.
        sections = [l for l in s.cli("INFO").splitlines() if l.startswith("# ")]
        assert sections.index("# Errorstats") == sections.index("# Modules") + 1
        assert c.config_resetstat()
        assert errorstats(s) == {}
        assert c.info("stats")["total_error_replies"] == 0
    finally:
        s.stop()


def test_distinct_codes_are_bounded():
    """An attacker choosing error codes (through scripts) cannot grow the
    table without bound: 128 codes are kept, every error is still counted."""
    s = ShoalServer()
    try:
        c = s.client(decode_responses=True)
        for i in range(200):
            try:
                c.eval(f"return redis.error_reply('CODE{i} x')", 0)
            except redis.ResponseError:
                pass
        stats = errorstats(s)
        assert len(stats) == 128
        assert c.info("stats")["total_error_replies"] == 200
    finally:
        s.stop()
