"""End-to-end tests of the connection family: PING, ECHO, QUIT, HELLO, AUTH,
SELECT, RESET and the CLIENT container, against the real binary.

Expected replies and error texts are redis-server 7.2's. Protocol-level
details (RESP3 frames, the connection closing after QUIT) are checked on raw
sockets; AUTH flows use a second server started with --requirepass.
"""
import time

import pytest
import redis

from conftest import Raw, ShoalServer, raw_command

CLIENT_LIST_FIELDS = [
    "id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub",
    "ssub", "multi", "qbuf", "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp", "obl",
    "oll", "omem", "tot-mem", "events", "cmd", "user", "redir", "resp", "lib-name",
    "lib-ver",
]


@pytest.fixture
def raw(server):
    c = Raw(server.port)
    yield c
    c.close()


@pytest.fixture
def c(server):
    """A client bound to one connection (connection state matters here)."""
    cl = server.client(single_connection_client=True)
    cl.flushall()
    yield cl
    cl.close()


def cmd(cl, *args):
    """Runs a command and returns the reply as parsed by redis-py's RESP2
    parser, without redis-py's per-command reply callbacks."""
    conn = cl.connection
    pooled = conn is None
    if pooled:
        conn = cl.connection_pool.get_connection(str(args[0]))
    try:
        conn.send_command(*args)
        return conn.read_response()
    finally:
        if pooled:
            cl.connection_pool.release(conn)


def parse_client_line(line):
    fields = {}
    order = []
    for part in line.split(" "):
        k, _, v = part.partition("=")
        fields[k] = v
        order.append(k)
    return order, fields


def client_info(cl):
    line = cmd(cl, "CLIENT", "INFO")
    if isinstance(line, bytes):
        line = line.decode()
    assert line.endswith("\n")
    return parse_client_line(line.strip("\n"))


def client_list(cl, *args):
    out = cmd(cl, "CLIENT", "LIST", *args)
    if isinstance(out, bytes):
        out = out.decode()
    return [parse_client_line(l)[1] for l in out.split("\n") if l]


# ---------------------------------------------------------------- PING / ECHO


def test_ping(r):
    assert r.ping() is True
    assert cmd(r, "PING", "hello world") == b"hello world"
    assert cmd(r, "PING", "") == b""


def test_ping_wrong_arity(r):
    with pytest.raises(redis.ResponseError,
                       match=r"^wrong number of arguments for 'ping' command$"):
        cmd(r, "PING", "a", "b")


def test_ping_raw_replies(raw):
    assert raw.call("PING") == b"+PONG\r\n"
    assert raw.call("PING", "hi") == b"$2\r\nhi\r\n"
    assert raw.call("ping", b"bin\x00ary") == b"$7\r\nbin\x00ary\r\n"


def test_echo(r, raw):
    assert r.echo("hello") == b"hello"
    assert r.echo(b"\x00\xff") == b"\x00\xff"
    assert raw.call("ECHO", "") == b"$0\r\n\r\n"
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'echo'"):
        cmd(r, "ECHO")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'echo'"):
        cmd(r, "ECHO", "a", "b")


# ---------------------------------------------------------------------- QUIT


def test_quit_replies_ok_then_closes(raw):
    assert raw.call("QUIT") == b"+OK\r\n"
    assert raw.closed()


def test_quit_ignores_pipelined_commands_after_it(server):
    out = raw_command(server.port, b"QUIT\r\nPING\r\nPING\r\n")
    assert out == b"+OK\r\n"


def test_quit_inside_multi_closes(raw):
    assert raw.call("MULTI") == b"+OK\r\n"
    assert raw.call("SET", "quitkey", "1") == b"+QUEUED\r\n"
    assert raw.call("QUIT") == b"+OK\r\n"
    assert raw.closed()


def test_quit_with_redis_cli(server):
    assert server.cli("QUIT").strip() == "OK"


# -------------------------------------------------------------------- SELECT


def test_select_isolates_databases(c):
    c.set("k", "db0")
    assert cmd(c, "SELECT", 1) == b"OK"
    assert c.get("k") is None
    c.set("k", "db1")
    assert cmd(c, "SELECT", 15) == b"OK"
    assert c.get("k") is None
    cmd(c, "SELECT", 0)
    assert c.get("k") == b"db0"
    cmd(c, "SELECT", 1)
    assert c.get("k") == b"db1"
    cmd(c, "SELECT", 0)


@pytest.mark.parametrize("arg,err", [
    ("16", "DB index is out of range"),
    ("-1", "DB index is out of range"),
    ("x", "value is not an integer or out of range"),
    ("1.5", "value is not an integer or out of range"),
    ("01", "value is not an integer or out of range"),
    ("99999999999", "value is out of range, value must between -2147483648 and 2147483647"),
    ("99999999999999999999", "value is not an integer or out of range"),
])
def test_select_errors(c, arg, err):
    with pytest.raises(redis.ResponseError, match="^" + err + "$"):
        cmd(c, "SELECT", arg)
    assert client_info(c)[1]["db"] == "0"


def test_select_wrong_arity(r):
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'select'"):
        cmd(r, "SELECT")


def test_select_shows_in_client_info(c):
    cmd(c, "SELECT", 7)
    assert client_info(c)[1]["db"] == "7"
    cmd(c, "SELECT", 0)


# --------------------------------------------------------------------- HELLO


def hello_dict(reply):
    if isinstance(reply, dict):
        return {k.decode() if isinstance(k, bytes) else k: v for k, v in reply.items()}
    it = iter(reply)
    return {k.decode(): v for k, v in zip(it, it)}


def test_hello_resp2_reply(c):
    reply = cmd(c, "HELLO", 2)
    assert isinstance(reply, list) and len(reply) == 14
    h = hello_dict(reply)
    assert list(h) == ["server", "version", "proto", "id", "mode", "role", "modules"]
    assert h["server"] == b"redis"
    assert h["version"] == b"7.2.4"
    assert h["proto"] == 2
    assert h["id"] == c.client_id()
    assert h["mode"] == b"standalone"
    assert h["role"] == b"master"
    assert h["modules"] == []


def test_hello_without_arguments_keeps_protocol(raw):
    frame = raw.call("HELLO")
    assert frame.startswith(b"*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n")
    assert b"$5\r\nproto\r\n:2\r\n" in frame


def test_hello_3_switches_to_resp3(raw):
    frame = raw.call("HELLO", "3")
    assert frame.startswith(b"%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n")
    assert b"$7\r\nversion\r\n$5\r\n7.2.4\r\n" in frame
    assert b"$5\r\nproto\r\n:3\r\n" in frame
    assert b"$4\r\nmode\r\n$10\r\nstandalone\r\n" in frame
    assert frame.endswith(b"$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n")
    # Later replies are RESP3: null is '_', CLIENT INFO is a verbatim string.
    assert raw.call("GET", "hello:missing") == b"_\r\n"
    assert raw.call("CLIENT", "INFO").startswith(b"=")
    assert b" resp=3 " in raw.call("CLIENT", "INFO")
    # And back to RESP2.
    assert raw.call("HELLO", "2").startswith(b"*14\r\n")
    assert raw.call("GET", "hello:missing") == b"$-1\r\n"


def test_hello_3_with_redis_py_parser(server):
    # redis-py 4.3 has no RESP3 parser: check on a raw socket that a map
    # reply, a null and a plain string follow one another correctly.
    raw = Raw(server.port)
    try:
        raw.call("HELLO", 3)
        raw.send("SET", "h3", "v")
        raw.send("GET", "h3")
        raw.send("GET", "h3:none")
        assert raw.read_frame() == b"+OK\r\n"
        assert raw.read_frame() == b"$1\r\nv\r\n"
        assert raw.read_frame() == b"_\r\n"
    finally:
        raw.close()


@pytest.mark.parametrize("args,err", [
    (["4"], "^NOPROTO unsupported protocol version$"),
    (["1"], "^NOPROTO unsupported protocol version$"),
    (["0"], "^NOPROTO unsupported protocol version$"),
    (["x"], "^Protocol version is not an integer or out of range$"),
    (["3", "FOO"], "^Syntax error in HELLO option 'FOO'$"),
    (["3", "SETNAME"], "^Syntax error in HELLO option 'SETNAME'$"),
    (["3", "AUTH", "default"], "^Syntax error in HELLO option 'AUTH'$"),
    (["3", "SETNAME", "a b"], "^Client names cannot contain spaces, newlines or special characters.$"),
    (["3", "AUTH", "bob", "pw"], "^WRONGPASS invalid username-password pair or user is disabled.$"),
])
def test_hello_errors(c, args, err):
    with pytest.raises(redis.ResponseError, match=err):
        cmd(c, "HELLO", *args)


def test_failed_hello_does_not_switch_protocol(raw):
    assert raw.call("HELLO", "3", "SETNAME", "bad name").startswith(b"-ERR Client names")
    assert raw.call("HELLO", "4") == b"-NOPROTO unsupported protocol version\r\n"
    assert raw.call("GET", "hello:missing") == b"$-1\r\n"


def test_hello_setname_and_auth_without_password(c):
    h = hello_dict(cmd(c, "HELLO", 2, "AUTH", "default", "anything",
                                     "SETNAME", "myconn"))
    assert h["proto"] == 2
    assert c.client_getname() in ("myconn", b"myconn")
    h = hello_dict(cmd(c, "HELLO", 2, "SETNAME", "other"))
    assert c.client_getname() in ("other", b"other")


def test_hello_inside_multi_is_queued(raw):
    assert raw.call("MULTI") == b"+OK\r\n"
    assert raw.call("HELLO", "3") == b"+QUEUED\r\n"
    assert raw.call("GET", "hello:missing") == b"+QUEUED\r\n"
    frame = raw.call("EXEC")
    assert frame.startswith(b"*2\r\n%7\r\n")
    assert frame.endswith(b"_\r\n")


# ---------------------------------------------------------------- AUTH (none)


def test_auth_without_password_configured(c):
    with pytest.raises(redis.ResponseError, match=(
            r"^AUTH <password> called without any password configured for the default user\. "
            r"Are you sure your configuration is correct\?$")):
        cmd(c, "AUTH", "x")
    assert cmd(c, "AUTH", "default", "whatever") == b"OK"
    with pytest.raises(redis.ResponseError, match="^WRONGPASS invalid username-password pair"):
        cmd(c, "AUTH", "bob", "whatever")
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        cmd(c, "AUTH", "a", "b", "c")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'auth'"):
        cmd(c, "AUTH")


def test_auth_wrongpass_raw(raw):
    assert raw.call("AUTH", "bob", "x") == (
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n")


# --------------------------------------------------------- AUTH (requirepass)


@pytest.fixture(scope="module")
def auth_server():
    s = ShoalServer("--requirepass", "secret")
    yield s
    assert s.alive(), "shoal crashed during the test module"
    s.stop()


def test_requirepass_blocks_commands_until_auth(auth_server):
    raw = Raw(auth_server.port)
    try:
        assert raw.call("GET", "k") == b"-NOAUTH Authentication required.\r\n"
        assert raw.call("PING") == b"-NOAUTH Authentication required.\r\n"
        assert raw.call("SELECT", "1") == b"-NOAUTH Authentication required.\r\n"
        assert raw.call("CLIENT", "ID") == b"-NOAUTH Authentication required.\r\n"
        assert raw.call("AUTH", "wrong") == (
            b"-WRONGPASS invalid username-password pair or user is disabled.\r\n")
        assert raw.call("GET", "k") == b"-NOAUTH Authentication required.\r\n"
        assert raw.call("AUTH", "secret") == b"+OK\r\n"
        assert raw.call("PING") == b"+PONG\r\n"
        assert raw.call("SET", "k", "v") == b"+OK\r\n"
    finally:
        raw.close()


def test_requirepass_auth_with_username(auth_server):
    cl = auth_server.client(single_connection_client=True)
    try:
        with pytest.raises(redis.ResponseError, match="^WRONGPASS"):
            cmd(cl, "AUTH", "default", "wrong")
        with pytest.raises(redis.ResponseError, match="^WRONGPASS"):
            cmd(cl, "AUTH", "bob", "secret")
        assert cmd(cl, "AUTH", "default", "secret") == b"OK"
        assert cl.ping()
    finally:
        cl.close()


def test_requirepass_redis_py_password(auth_server):
    cl = auth_server.client(password="secret")
    try:
        assert cl.set("x", "1")
        assert cl.get("x") == b"1"
    finally:
        cl.close()
    bad = auth_server.client(password="nope")
    try:
        with pytest.raises((redis.AuthenticationError, redis.ResponseError), match="WRONGPASS"):
            bad.ping()
    finally:
        bad.close()
    noauth = auth_server.client()
    try:
        with pytest.raises(redis.AuthenticationError, match="^Authentication required.$"):
            noauth.get("x")
    finally:
        noauth.close()


def test_requirepass_hello(auth_server):
    raw = Raw(auth_server.port)
    try:
        assert raw.call("HELLO", "3") == (
            b"-NOAUTH HELLO must be called with the client already authenticated, otherwise the "
            b"HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and "
            b"select the RESP protocol version at the same time\r\n")
        assert raw.call("HELLO", "3", "AUTH", "default", "wrong") == (
            b"-WRONGPASS invalid username-password pair or user is disabled.\r\n")
        # Still RESP2 and still not authenticated.
        assert raw.call("GET", "k") == b"-NOAUTH Authentication required.\r\n"
        frame = raw.call("HELLO", "3", "AUTH", "default", "secret", "SETNAME", "h3")
        assert frame.startswith(b"%7\r\n")
        assert raw.call("GET", "hello:missing") == b"_\r\n"
        assert raw.call("CLIENT", "GETNAME") == b"$2\r\nh3\r\n"
    finally:
        raw.close()


def test_requirepass_reset_deauthenticates(auth_server):
    raw = Raw(auth_server.port)
    try:
        assert raw.call("AUTH", "secret") == b"+OK\r\n"
        assert raw.call("PING") == b"+PONG\r\n"
        assert raw.call("RESET") == b"+RESET\r\n"
        assert raw.call("PING") == b"-NOAUTH Authentication required.\r\n"
        assert raw.call("AUTH", "default", "secret") == b"+OK\r\n"
        assert raw.call("PING") == b"+PONG\r\n"
    finally:
        raw.close()


def test_requirepass_quit_allowed_unauthenticated(auth_server):
    raw = Raw(auth_server.port)
    try:
        assert raw.call("QUIT") == b"+OK\r\n"
        assert raw.closed()
    finally:
        raw.close()


def test_requirepass_multi_needs_auth(auth_server):
    raw = Raw(auth_server.port)
    try:
        assert raw.call("MULTI") == b"-NOAUTH Authentication required.\r\n"
        # A rejected EXEC is reported as an aborted transaction, as Redis does.
        assert raw.call("EXEC") == (
            b"-EXECABORT Transaction discarded because of: NOAUTH Authentication required.\r\n")
        assert raw.call("AUTH", "secret") == b"+OK\r\n"
        assert raw.call("EXEC") == b"-ERR EXEC without MULTI\r\n"
    finally:
        raw.close()


# --------------------------------------------------------------------- RESET


def test_reset_restores_connection_state(server, c):
    other = server.client(single_connection_client=True)
    try:
        c.set("k", "db0")
        c.client_setname("named")
        cmd(c, "SELECT", 3)
        cmd(c, "CLIENT", "NO-EVICT", "on")
        cmd(c, "WATCH", "watched")
        cmd(c, "MULTI")
        cmd(c, "SET", "queued", "1")
        assert cmd(c, "RESET") == b"RESET"
        assert c.client_getname() is None
        assert c.get("k") == b"db0"
        order, info = client_info(c)
        assert info["db"] == "0"
        assert info["flags"] == "N"
        assert info["multi"] == "-1"
        with pytest.raises(redis.ResponseError, match="^EXEC without MULTI$"):
            cmd(c, "EXEC")
        assert c.get("queued") is None
        # The WATCH was dropped: a change to the key no longer aborts.
        other.set("watched", "changed")
        cmd(c, "MULTI")
        cmd(c, "SET", "after", "1")
        assert cmd(c, "EXEC") == [b"OK"]
    finally:
        other.close()


def test_reset_returns_to_resp2_and_keeps_lib_info(raw):
    raw.call("HELLO", "3")
    assert raw.call("CLIENT", "SETINFO", "LIB-NAME", "mylib") == b"+OK\r\n"
    assert raw.call("RESET") == b"+RESET\r\n"
    assert raw.call("GET", "reset:missing") == b"$-1\r\n"
    info = raw.call("CLIENT", "INFO")
    assert b" resp=2 " in info
    assert b" lib-name=mylib " in info


def test_reset_inside_multi_runs_immediately(raw):
    assert raw.call("MULTI") == b"+OK\r\n"
    assert raw.call("RESET") == b"+RESET\r\n"
    assert raw.call("EXEC") == b"-ERR EXEC without MULTI\r\n"


def test_reset_wrong_arity(r):
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'reset'"):
        cmd(r, "RESET", "x")


# ------------------------------------------------------ CLIENT ID / NAME / INFO


def test_client_id_unique_and_increasing(server):
    a = server.client(single_connection_client=True)
    b = server.client(single_connection_client=True)
    try:
        ida, idb = a.client_id(), b.client_id()
        assert ida > 0 and idb > ida
        assert a.client_id() == ida
    finally:
        a.close()
        b.close()


def test_client_setname_getname(c):
    assert c.client_getname() is None
    assert c.client_setname("conn-1") is True
    assert c.client_getname() in ("conn-1", b"conn-1")
    assert cmd(c, "CLIENT", "SETNAME", "") == b"OK"
    assert c.client_getname() is None


@pytest.mark.parametrize("name", ["a b", "a\nb", "tab\there", "caf\xc3\xa9", "\x7f", "x\r"])
def test_client_setname_rejects_bad_names(c, name):
    c.client_setname("good")
    with pytest.raises(redis.ResponseError,
                       match="^Client names cannot contain spaces, newlines or special characters.$"):
        cmd(c, "CLIENT", "SETNAME", name)
    assert c.client_getname() in ("good", b"good")


def test_client_setname_arity(r):
    with pytest.raises(redis.ResponseError,
                       match=r"wrong number of arguments for 'client\|setname' command"):
        cmd(r, "CLIENT", "SETNAME")
    with pytest.raises(redis.ResponseError,
                       match=r"wrong number of arguments for 'client\|setname' command"):
        cmd(r, "CLIENT", "SETNAME", "a", "b")


def test_client_setinfo(c):
    assert cmd(c, "CLIENT", "SETINFO", "LIB-NAME", "redis-py") == b"OK"
    assert cmd(c, "CLIENT", "SETINFO", "lib-ver", "4.3.4") == b"OK"
    info = client_info(c)[1]
    assert info["lib-name"] == "redis-py"
    assert info["lib-ver"] == "4.3.4"
    with pytest.raises(redis.ResponseError, match="^Unrecognized option 'foo'$"):
        cmd(c, "CLIENT", "SETINFO", "foo", "x")
    with pytest.raises(redis.ResponseError,
                       match="cannot contain spaces, newlines or special characters"):
        cmd(c, "CLIENT", "SETINFO", "LIB-NAME", "a b")
    assert client_info(c)[1]["lib-name"] == "redis-py"
    cmd(c, "CLIENT", "SETINFO", "LIB-NAME", "")
    assert client_info(c)[1]["lib-name"] == ""


def test_client_info_line(c):
    c.client_setname("infoconn")
    order, info = client_info(c)
    assert order == CLIENT_LIST_FIELDS
    assert int(info["id"]) == c.client_id()
    assert info["name"] == "infoconn"
    assert info["addr"].startswith("127.0.0.1:")
    assert info["laddr"] == "127.0.0.1:%d" % c.connection_pool.connection_kwargs["port"]
    assert info["flags"] == "N"
    assert info["db"] == "0"
    assert info["multi"] == "-1"
    assert info["cmd"] == "client|info"
    assert info["user"] == "default"
    assert info["resp"] == "2"
    assert info["age"] == "0"
    assert info["sub"] == "0" and info["psub"] == "0" and info["ssub"] == "0"
    assert info["redir"] == "-1"
    assert int(info["fd"]) > 0


def test_client_info_raw_is_bulk_in_resp2(raw):
    frame = raw.call("CLIENT", "INFO")
    assert frame.startswith(b"$")
    assert frame.endswith(b"\n\r\n")
    assert frame.count(b"\n") == 3  # header CRLF, the line's LF, trailing CRLF


def test_client_no_evict_no_touch(c):
    assert cmd(c, "CLIENT", "NO-EVICT", "on") == b"OK"
    assert "e" in client_info(c)[1]["flags"]
    assert cmd(c, "CLIENT", "NO-TOUCH", "ON") == b"OK"
    assert "T" in client_info(c)[1]["flags"]
    assert cmd(c, "CLIENT", "NO-EVICT", "off") == b"OK"
    assert cmd(c, "CLIENT", "NO-TOUCH", "Off") == b"OK"
    assert client_info(c)[1]["flags"] == "N"
    for sub in ("NO-EVICT", "NO-TOUCH"):
        with pytest.raises(redis.ResponseError, match="^syntax error$"):
            cmd(c, "CLIENT", sub, "maybe")
        with pytest.raises(redis.ResponseError, match="wrong number of arguments"):
            cmd(c, "CLIENT", sub)


def test_client_help(r):
    lines = cmd(r, "CLIENT", "HELP")
    assert lines[0].startswith(b"CLIENT <subcommand>")
    text = b"\n".join(lines)
    for sub in (b"ID", b"GETNAME", b"SETNAME", b"LIST", b"KILL", b"INFO", b"NO-EVICT",
                b"HELP"):
        assert sub in text


def test_client_unknown_subcommand_and_arity(r):
    with pytest.raises(redis.ResponseError,
                       match=r"^unknown subcommand 'FOO'\. Try CLIENT HELP\.$"):
        cmd(r, "CLIENT", "FOO")
    with pytest.raises(redis.ResponseError,
                       match=r"^wrong number of arguments for 'client' command$"):
        cmd(r, "CLIENT")
    with pytest.raises(redis.ResponseError, match=r"'client\|id' command"):
        cmd(r, "CLIENT", "ID", "x")


# --------------------------------------------------------------- CLIENT LIST


def test_client_list_shows_all_clients(server, c):
    other = server.client(single_connection_client=True)
    try:
        me, them = c.client_id(), other.client_id()
        other.client_setname("the-other")
        cmd(other, "SELECT", 2)
        clients = client_list(c)
        ids = [int(x["id"]) for x in clients]
        assert me in ids and them in ids
        assert ids == sorted(ids)
        by_id = {int(x["id"]): x for x in clients}
        assert by_id[them]["name"] == "the-other"
        assert by_id[them]["db"] == "2"
        assert by_id[them]["cmd"] == "select"
        assert by_id[me]["cmd"] == "client|list"
        raw_line = cmd(c, "CLIENT", "LIST").decode().split("\n")[0]
        assert parse_client_line(raw_line)[0] == CLIENT_LIST_FIELDS
        # redis-py's own parser agrees.
        names = {x["name"] for x in c.client_list()}
        assert "the-other" in names
    finally:
        other.close()


def test_client_list_by_type_and_id(server, c):
    other = server.client(single_connection_client=True)
    try:
        them = other.client_id()
        me = c.client_id()
        normal = {int(x["id"]) for x in client_list(c, "TYPE", "normal")}
        assert {me, them} <= normal
        for t in ("pubsub", "master", "replica", "slave"):
            assert client_list(c, "TYPE", t) == []
        got = [int(x["id"]) for x in client_list(c, "ID", them, me, 999999)]
        assert got == [them, me]
        assert client_list(c, "ID", 999999) == []
    finally:
        other.close()


@pytest.mark.parametrize("args,err", [
    (["TYPE", "foo"], "^Unknown client type 'foo'$"),
    (["ID", "x"], "^Invalid client ID$"),
    (["ID", "1", "x"], "^Invalid client ID$"),
    (["foo"], "^syntax error$"),
    (["TYPE"], "^syntax error$"),
    (["ID"], "^syntax error$"),
    (["TYPE", "normal", "extra"], "^syntax error$"),
])
def test_client_list_errors(r, args, err):
    with pytest.raises(redis.ResponseError, match=err):
        cmd(r, "CLIENT", "LIST", *args)


def test_client_list_shows_multi_flag_of_other_client(server, c):
    raw = Raw(server.port)
    try:
        raw_id = int(raw.call("CLIENT", "ID")[1:-2])
        assert raw.call("MULTI") == b"+OK\r\n"
        info = client_list(c, "ID", raw_id)[0]
        assert "x" in info["flags"]
        assert info["multi"] != "-1"
        assert raw.call("DISCARD") == b"+OK\r\n"
        info = client_list(c, "ID", raw_id)[0]
        assert info["flags"] == "N" and info["multi"] == "-1"
    finally:
        raw.close()


# --------------------------------------------------------------- CLIENT KILL


def wait_dead(cl, timeout=3.0):
    """True once the client's connection is found closed by the server."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            cl.ping()
        except (redis.ConnectionError, ConnectionError):
            return True
        time.sleep(0.05)
    return False


def killable(server):
    # No retry: a killed connection must show as an error, not reconnect.
    return server.client(single_connection_client=True, retry_on_timeout=False)


def test_client_kill_by_addr_old_form(server, c):
    victim = killable(server)
    try:
        addr = client_info(victim)[1]["addr"]
        assert cmd(c, "CLIENT", "KILL", addr) == b"OK"
        assert wait_dead(victim)
        with pytest.raises(redis.ResponseError, match="^No such client$"):
            cmd(c, "CLIENT", "KILL", "1.2.3.4:5")
    finally:
        victim.close()


def test_client_kill_by_id_filter(server, c):
    victim = killable(server)
    try:
        vid = victim.client_id()
        assert cmd(c, "CLIENT", "KILL", "ID", vid) == 1
        assert wait_dead(victim)
        deadline = time.time() + 3
        while time.time() < deadline and client_list(c, "ID", vid):
            time.sleep(0.05)
        assert client_list(c, "ID", vid) == []
        assert cmd(c, "CLIENT", "KILL", "ID", vid) == 0
    finally:
        victim.close()


def test_client_kill_filters_combine(server, c):
    victim = killable(server)
    try:
        _, info = client_info(victim)
        vid = int(info["id"])
        # ADDR of the victim but ID of someone else: no match.
        assert cmd(c, "CLIENT", "KILL", "ADDR", info["addr"], "ID",
                                 c.client_id()) == 0
        assert cmd(c, "CLIENT", "KILL", "ADDR", "1.2.3.4:5") == 0
        assert cmd(c, "CLIENT", "KILL", "LADDR", "1.2.3.4:5") == 0
        assert cmd(c, "CLIENT", "KILL", "ID", vid, "LADDR", info["laddr"],
                                 "ADDR", info["addr"], "TYPE", "normal", "USER",
                                 "default") == 1
        assert wait_dead(victim)
    finally:
        victim.close()


def test_client_kill_skipme(server):
    raw = Raw(server.port)
    try:
        my_id = int(raw.call("CLIENT", "ID")[1:-2])
        # SKIPME defaults to yes: the caller survives.
        assert raw.call("CLIENT", "KILL", "ID", my_id) == b":0\r\n"
        assert raw.call("PING") == b"+PONG\r\n"
        # SKIPME no: the reply is sent, then the connection is closed.
        assert raw.call("CLIENT", "KILL", "ID", my_id, "SKIPME", "no") == b":1\r\n"
        assert raw.closed()
    finally:
        raw.close()


def test_client_kill_self_old_form(server):
    raw = Raw(server.port)
    try:
        addr = raw.call("CLIENT", "INFO").split(b" addr=")[1].split(b" ")[0].decode()
        assert raw.call("CLIENT", "KILL", addr) == b"+OK\r\n"
        assert raw.closed()
    finally:
        raw.close()


def test_client_kill_type_normal_kills_others(server, c):
    victims = [killable(server) for _ in range(3)]
    try:
        for v in victims:
            v.ping()
        n = cmd(c, "CLIENT", "KILL", "TYPE", "normal")
        assert n >= 3
        assert c.ping()
        for v in victims:
            assert wait_dead(v)
    finally:
        for v in victims:
            v.close()


@pytest.mark.parametrize("args,err", [
    (["ID", "0"], "^client-id should be greater than 0$"),
    (["ID", "x"], "^client-id should be greater than 0$"),
    (["TYPE", "foo"], "^Unknown client type 'foo'$"),
    (["USER", "nobody"], "^No such user 'nobody'$"),
    (["SKIPME", "maybe"], "^syntax error$"),
    (["ID", "1", "TYPE"], "^syntax error$"),
    (["FOO", "bar"], "^syntax error$"),
])
def test_client_kill_errors(r, args, err):
    with pytest.raises(redis.ResponseError, match=err):
        cmd(r, "CLIENT", "KILL", *args)


def test_client_kill_arity(r):
    with pytest.raises(redis.ResponseError, match=r"'client\|kill' command"):
        cmd(r, "CLIENT", "KILL")


def test_server_survives_kills(server):
    # Many short-lived clients killed while busy: the server stays up.
    admin = server.client(single_connection_client=True)
    try:
        victims = [killable(server) for _ in range(10)]
        for v in victims:
            v.set("k", "v")
        ids = [v.client_id() for v in victims]
        for i in ids:
            cmd(admin, "CLIENT", "KILL", "ID", i)
        assert admin.ping()
        for v in victims:
            v.close()
        assert server.alive()
    finally:
        admin.close()
