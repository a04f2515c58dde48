"""CLIENT REPLY ON|OFF|SKIP and CLIENT UNBLOCK [TIMEOUT|ERROR], end to end on
raw connections (redis-py cannot send a command that gets no reply).
Replies and texts as redis-server 7 gives them."""
import time

from conftest import Raw


def wait_blocked(r, n, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if r.info("clients")["blocked_clients"] == n:
            return
        time.sleep(0.005)
    raise AssertionError(f"expected {n} blocked clients")


def test_reply_off_drops_replies_until_on(server, r):
    c = Raw(server.port)
    c.send("CLIENT", "REPLY", "OFF")
    c.send("SET", "a", "1")
    c.send("GET", "a")
    c.send("GET", "no")
    # The first reply to arrive is ON's OK: nothing before it was sent.
    assert c.cmd("CLIENT", "REPLY", "ON") == b"+OK\r\n"
    assert c.cmd("GET", "a") == b"$1\r\n1\r\n"
    assert r.get("a") == b"1"  # the command ran, only its reply was dropped
    c.close()


def test_reply_skip_drops_only_the_next_reply(server, r):
    c = Raw(server.port)
    c.send("CLIENT", "REPLY", "SKIP")
    c.send("INCR", "n")  # reply dropped
    assert c.cmd("INCR", "n") == b":2\r\n"
    c.close()


def test_reply_off_errors_are_dropped_too_and_bad_mode_is_a_syntax_error(server):
    c = Raw(server.port)
    assert c.cmd("CLIENT", "REPLY", "MAYBE") == b"-ERR syntax error\r\n"
    c.send("CLIENT", "REPLY", "OFF")
    c.send("NOSUCHCOMMAND")
    c.send("INCR")  # wrong arity: dropped as well
    assert c.cmd("CLIENT", "REPLY", "ON") == b"+OK\r\n"
    c.close()


def test_unblock_with_timeout_reply(server, r):
    a = Raw(server.port)
    aid = int(a.cmd("CLIENT", "ID")[1:-2])
    a.send("BLPOP", "nolist", 0)
    wait_blocked(r, 1)
    assert r.execute_command("CLIENT", "UNBLOCK", aid) == 1
    assert a.reply() == b"*-1\r\n"
    wait_blocked(r, 0)
    # Not blocked any more: nothing to unblock.
    assert r.execute_command("CLIENT", "UNBLOCK", aid) == 0
    assert a.cmd("PING") == b"+PONG\r\n"
    a.close()


def test_unblock_with_error_and_bad_arguments(server, r):
    a = Raw(server.port)
    aid = int(a.cmd("CLIENT", "ID")[1:-2])
    a.send("BZPOPMIN", "nozset", 0)
    wait_blocked(r, 1)
    c = Raw(server.port)
    assert c.cmd("CLIENT", "UNBLOCK", aid, "BAD") == \
        b"-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n"
    assert c.cmd("CLIENT", "UNBLOCK", "notanid") == \
        b"-ERR value is not an integer or out of range\r\n"
    assert c.cmd("CLIENT", "UNBLOCK", aid, "ERROR") == b":1\r\n"
    assert a.reply() == b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
    assert c.cmd("CLIENT", "UNBLOCK", 999999) == b":0\r\n"
    a.close()
    c.close()
