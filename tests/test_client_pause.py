"""CLIENT PAUSE timeout [WRITE|ALL] and CLIENT UNPAUSE: held-back commands
run when the pause ends or is lifted, reads go on under WRITE pauses."""
import time

from conftest import Raw


def test_pause_write_holds_writes_not_reads(server, r):
    r.set("k", "v")
    assert r.execute_command("CLIENT", "PAUSE", 300, "WRITE") == b"OK"
    c = Raw(server.port)
    assert c.cmd("GET", "k") == b"$1\r\nv\r\n"  # reads run
    start = time.time()
    assert c.cmd("SET", "k", "w") == b"+OK\r\n"  # waited for the pause end
    assert time.time() - start >= 0.2
    assert r.get("k") == b"w"
    c.close()


def test_unpause_releases_held_commands_at_once(server, r):
    assert r.execute_command("CLIENT", "PAUSE", 20000, "ALL") == b"OK"
    c = Raw(server.port)
    c.send("INCR", "n")
    time.sleep(0.2)
    assert r.execute_command("CLIENT", "UNPAUSE") == b"OK"  # PAUSE/UNPAUSE always run
    assert c.reply() == b":1\r\n"
    c.close()


def test_pause_arguments(server):
    c = Raw(server.port)
    assert c.cmd("CLIENT", "PAUSE", "x") == b"-ERR timeout is not an integer or out of range\r\n"
    assert c.cmd("CLIENT", "PAUSE", -1) == b"-ERR timeout is negative\r\n"
    assert c.cmd("CLIENT", "PAUSE", 10, "SOME") == b"-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n"
    assert c.cmd("CLIENT", "UNPAUSE") == b"+OK\r\n"
    c.close()
