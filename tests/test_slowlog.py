"""SLOWLOG GET / LEN / RESET / HELP and the slowlog-* parameters, with
redis-server 7's replies: entry layout, argument truncation, max length,
skipped commands, errors."""
import pytest
import redis


@pytest.fixture
def log(r):
    r.config_set("slowlog-max-len", 128)
    r.config_set("slowlog-log-slower-than", 0)
    r.slowlog_reset()
    yield r
    r.config_set("slowlog-log-slower-than", 10000)


def entries(r, count=None):
    args = ["SLOWLOG", "GET"] + ([count] if count is not None else [])
    return r.execute_command(*args)


def test_defaults(r):
    assert r.config_get("slowlog-*") == {"slowlog-log-slower-than": "10000",
                                         "slowlog-max-len": "128"}


def test_entry_layout_and_order(log):
    log.client_setname("slow-client")
    log.set("k", "v")
    got = entries(log, 2)
    # newest first: SET's entry is second (the SLOWLOG GET itself is not
    # logged before it runs).
    e = got[0]
    assert e[3] == [b"set", b"k", b"v"] or e[3] == [b"SET", b"k", b"v"]
    assert e[0] >= 0 and e[1] > 1_600_000_000 and e[2] >= 0
    assert e[4].startswith(b"127.0.0.1:")
    assert e[5] == b"slow-client"
    assert log.execute_command("SLOWLOG", "LEN") >= 2
    ids = [x[0] for x in entries(log, -1)]
    assert ids == sorted(ids, reverse=True)


def test_arguments_are_truncated_as_redis_does(log):
    log.execute_command("RPUSH", "l", *[str(i) for i in range(40)])
    log.set("big", "x" * 200)
    got = entries(log, -1)
    rpush = next(e for e in got if e[3][0].lower() == b"rpush")
    assert len(rpush[3]) == 32
    assert rpush[3][-1] == b"... (11 more arguments)"
    big = next(e for e in got if e[3][0].lower() == b"set" and e[3][1] == b"big")
    assert big[3][2] == b"x" * 128 + b"... (72 more bytes)"


def test_max_len_threshold_and_reset(log):
    log.config_set("slowlog-max-len", 3)
    for i in range(10):
        log.set(f"k{i}", i)
    assert log.execute_command("SLOWLOG", "LEN") == 3
    assert log.execute_command("SLOWLOG", "RESET") == b"OK"
    # As in Redis, the RESET itself is logged after it ran.
    assert [e[3] for e in entries(log, -1)] == [[b"SLOWLOG", b"RESET"]]
    log.config_set("slowlog-log-slower-than", -1)
    log.execute_command("SLOWLOG", "RESET")
    log.set("k", 1)
    assert log.execute_command("SLOWLOG", "LEN") == 0
    log.config_set("slowlog-log-slower-than", 10_000_000)
    log.set("k", 1)
    assert log.execute_command("SLOWLOG", "LEN") == 0


def test_exec_is_skipped_but_its_commands_are_logged(log):
    with log.pipeline(transaction=True) as p:
        p.set("a", 1).incr("a")
        p.execute()
    names = [e[3][0].lower() for e in entries(log, -1)]
    assert b"exec" not in names
    assert b"incrby" in names  # redis-py's INCR


def test_errors(log):
    with pytest.raises(redis.ResponseError, match="count should be greater than or equal to -1"):
        log.execute_command("SLOWLOG", "GET", "-2")
    with pytest.raises(redis.ResponseError, match="count should be greater than or equal to -1"):
        log.execute_command("SLOWLOG", "GET", "x")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'slowlog|len'"):
        log.execute_command("SLOWLOG", "LEN", "1")
    with pytest.raises(redis.ResponseError, match="unknown subcommand 'NOPE'. Try SLOWLOG HELP."):
        log.execute_command("SLOWLOG", "NOPE")
    with pytest.raises(redis.ResponseError, match="argument must be between -1 and"):
        log.config_set("slowlog-log-slower-than", -5)
    with pytest.raises(redis.ResponseError, match="argument must be between 0 and"):
        log.config_set("slowlog-max-len", -1)
    help_ = log.execute_command("SLOWLOG", "HELP")
    assert help_[0].startswith(b"SLOWLOG <subcommand>") and help_[-1] == b"    Prints this help."
