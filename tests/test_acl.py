"""ACL as Redis 7.2 (issue 12; docs/security.md): users and their rules,
AUTH / HELLO AUTH as a user, the default user and requirepass, NOPERM for
commands, keys and channels (also inside MULTI/EXEC and from scripts),
selectors, ACL LOG, ACL DRYRUN, the ACL file and `user` config lines.

Replies and error texts are Redis's (checked against redis-server 7.0 where
7.0 and 7.2 agree, and 7.2's texts where they differ: NOPERM messages, the
command rules of ACL LIST, the entry-id/timestamp fields of ACL LOG).
"""
import hashlib
import os
import subprocess
import time

import pytest
import redis

from conftest import SHOAL, Raw, ShoalServer, free_port
from test_security import DENIED, SERVER_IP, netns, start_in, started  # noqa: F401

WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."
NO_ACLFILE = (
    "This Redis instance is not configured to use an ACL file. You may want to specify users "
    "via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis "
    "configuration file set) in order to store users in the Redis configuration.")
LOG_FIELDS = ["count", "reason", "context", "object", "username", "age-seconds", "client-info",
              "entry-id", "timestamp-created", "timestamp-last-updated"]


def sha(p):
    return hashlib.sha256(p.encode()).hexdigest()


def acl(c, *args):
    return c.execute_command("ACL", *args)


def err(fn, *args):
    with pytest.raises(redis.ResponseError) as e:
        fn(*args)
    return str(e.value)


def pairs(flat):
    """A RESP2 map (flat list) as a dict."""
    return dict(zip(flat[::2], flat[1::2]))


@pytest.fixture(scope="module")
def server():
    s = ShoalServer()
    yield s
    assert s.alive(), "shoal crashed during the test module"
    s.stop()


@pytest.fixture
def admin(server):
    c = server.client(decode_responses=True)
    c.flushall()
    yield c
    c.close()
    c = server.client(decode_responses=True)
    for u in acl(c, "USERS"):
        if u != "default":
            acl(c, "DELUSER", u)
    acl(c, "SETUSER", "default", "on", "nopass", "clearselectors", "~*", "&*", "+@all")
    c.config_set("requirepass", "")
    acl(c, "LOG", "RESET")
    c.close()


def login(server, user, password, **kw):
    return server.client(username=user, password=password, decode_responses=True, **kw)


# ---- Users and their description ----


def test_default_user(admin):
    assert acl(admin, "LIST") == ["user default on nopass ~* &* +@all"]
    assert acl(admin, "USERS") == ["default"]
    assert acl(admin, "WHOAMI") == "default"
    u = pairs(acl(admin, "GETUSER", "default"))
    assert u == {"flags": ["on", "nopass"], "passwords": [], "commands": "+@all", "keys": "~*",
                 "channels": "&*", "selectors": []}
    # RESP3: flags are a set, as in Redis.
    c = Raw(admin.connection_pool.connection_kwargs["port"])
    c.cmd("HELLO", "3")
    assert c.cmd("ACL", "GETUSER", "default").startswith(
        b"%6\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$6\r\nnopass\r\n$9\r\npasswords\r\n*0\r\n")
    c.close()
    assert acl(admin, "GETUSER", "nobody") is None


def test_new_user_is_off_without_permissions(admin):
    assert acl(admin, "SETUSER", "alice") == "OK"
    assert acl(admin, "LIST")[0] == "user alice off resetchannels -@all"


def test_rules_are_described_as_redis_7_2_keeps_them(admin):
    assert acl(admin, "SETUSER", "alice", "on", ">p1", "~foo*", "%R~bar", "&ch*", "+@read",
               "-@hash", "+SET", "+client", "-client|kill", "(~x +get)") == "OK"
    line = ("user alice on #%s ~foo* %%R~bar resetchannels &ch* -@all +@read -@hash +set "
            "+client -client|kill (~x resetchannels -@all +get)" % sha("p1"))
    assert acl(admin, "LIST")[0] == line
    u = pairs(acl(admin, "GETUSER", "alice"))
    assert u["flags"] == ["on"]
    assert u["passwords"] == [sha("p1")]
    assert u["commands"] == "-@all +@read -@hash +set +client -client|kill"
    assert u["keys"] == "~foo* %R~bar"
    assert u["channels"] == "&ch*"
    assert [pairs(s) for s in u["selectors"]] == [
        {"commands": "-@all +get", "keys": "~x", "channels": ""}]
    # A later rule for the same command replaces the earlier one.
    acl(admin, "SETUSER", "bob", "+GET", "-get", "+get", "+@string", "-@string")
    assert acl(admin, "GETUSER", "bob")[5] == "-@all +get -@string"
    # +@all starts over; %RW~ is ~; allkeys / allchannels / reset.
    acl(admin, "SETUSER", "bob", "+@all", "-@dangerous", "%RW~k", "%W~w", "allchannels")
    assert acl(admin, "LIST")[1] == "user bob off ~k %W~w &* +@all -@dangerous"
    acl(admin, "SETUSER", "bob", "allkeys", "nopass", "skip-sanitize-payload")
    assert acl(admin, "LIST")[1] == "user bob off nopass skip-sanitize-payload ~* &* +@all -@dangerous"
    acl(admin, "SETUSER", "bob", "reset")
    assert acl(admin, "LIST")[1] == "user bob off sanitize-payload resetchannels -@all"


def test_passwords(admin):
    h = sha("two")
    acl(admin, "SETUSER", "p", ">one", "#" + h, ">one")
    assert pairs(acl(admin, "GETUSER", "p"))["passwords"] == [sha("one"), h]
    acl(admin, "SETUSER", "p", "<one")
    assert pairs(acl(admin, "GETUSER", "p"))["passwords"] == [h]
    acl(admin, "SETUSER", "p", "!" + h)
    assert pairs(acl(admin, "GETUSER", "p"))["passwords"] == []
    acl(admin, "SETUSER", "p", ">x", "nopass")
    assert pairs(acl(admin, "GETUSER", "p"))["flags"] == ["off", "nopass"]
    acl(admin, "SETUSER", "p", "resetpass")
    assert pairs(acl(admin, "GETUSER", "p"))["flags"] == ["off"]


MODIFIER = "Error in ACL SETUSER modifier '%s': %s"


@pytest.mark.parametrize("rule,why", [
    ("foo", "Syntax error"),
    ("", "Syntax error"),
    ("+@foo", "Unknown command or category name in ACL"),
    ("+nosuchcommand", "Unknown command or category name in ACL"),
    ("-client|nosuch", "Unknown command or category name in ACL"),
    ("+config|", "Syntax error"),
    ("+client|kill|x", "Allowing first-arg of a subcommand is not supported"),
    ("#abc", "The password hash must be exactly 64 characters and contain only lowercase "
             "hexadecimal characters"),
    ("#" + "A" * 64, "The password hash must be exactly 64 characters and contain only "
                     "lowercase hexadecimal characters"),
    ("<nopass", "The password you are trying to remove from the user does not exist"),
    ("%~x", "Syntax error"),
    ("%X~x", "Syntax error"),
    ("%R", "Syntax error"),
    ("(~x +foo)", "Unknown command or category name in ACL"),
])
def test_setuser_rule_errors(admin, rule, why):
    assert err(acl, admin, "SETUSER", "bad", rule) == MODIFIER % (rule, why)
    # Nothing was applied, not even a new user.
    assert acl(admin, "GETUSER", "bad") is None


def test_setuser_errors_leave_the_user_unchanged(admin):
    acl(admin, "SETUSER", "u", "on", "~a")
    assert err(acl, admin, "SETUSER", "u", "off", "~b", "bogus") == MODIFIER % ("bogus", "Syntax error")
    assert acl(admin, "LIST")[1] == "user u on ~a resetchannels -@all"
    assert err(acl, admin, "SETUSER", "u", "~*", "~more") == MODIFIER % (
        "~more", "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and "
        "does not have any effect. Try 'resetkeys' to start with an empty list of patterns")
    assert err(acl, admin, "SETUSER", "u", "&*", "&more") == MODIFIER % (
        "&more", "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid "
        "and does not have any effect. Try 'resetchannels' to start with an empty list of channels")
    assert err(acl, admin, "SETUSER", "u", "(~x", "+get") == (
        "Unmatched parenthesis in acl selector starting at '(~x'.")
    assert err(acl, admin, "SETUSER", "a b") == "Usernames can't contain spaces or null characters"


def test_command_arity_and_subcommand_errors(admin):
    assert err(admin.execute_command, "ACL") == "wrong number of arguments for 'acl' command"
    assert err(acl, admin, "WHOAMI", "x") == "wrong number of arguments for 'acl|whoami' command"
    assert err(acl, admin, "SETUSER") == "wrong number of arguments for 'acl|setuser' command"
    assert err(acl, admin, "GETUSER") == "wrong number of arguments for 'acl|getuser' command"
    assert err(acl, admin, "DELUSER") == "wrong number of arguments for 'acl|deluser' command"
    assert err(acl, admin, "DRYRUN", "x") == "wrong number of arguments for 'acl|dryrun' command"
    assert err(acl, admin, "NOPE") == "unknown subcommand 'NOPE'. Try ACL HELP."
    assert err(acl, admin, "LOG", "1", "x") == (
        "unknown subcommand or wrong number of arguments for 'log'. Try ACL HELP.")
    assert err(acl, admin, "LOG", "foo") == "value is not an integer or out of range"
    assert err(acl, admin, "DELUSER", "default") == "The 'default' user cannot be removed"
    assert acl(admin, "DELUSER", "nobody", "other") == 0
    assert acl(admin, "HELP")[0] == "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"


def test_cat(admin):
    cats = acl(admin, "CAT")
    assert cats[:3] == ["keyspace", "read", "write"] and len(cats) == 21
    assert err(acl, admin, "CAT", "foo") == "Unknown category 'foo'"
    assert "get" in acl(admin, "CAT", "read") and "set" not in acl(admin, "CAT", "read")
    assert "client|kill" in acl(admin, "CAT", "CONNECTION") or "client|kill" in acl(admin, "CAT", "admin")


def test_publish_is_fast_as_in_redis(server, admin):
    # PUBLISH and SPUBLISH carry the "fast" flag, so they are in @fast (not
    # @slow): a user allowed +@fast and every channel may publish.
    assert "publish" in acl(admin, "CAT", "fast") and "spublish" in acl(admin, "CAT", "fast")
    assert "publish" not in acl(admin, "CAT", "slow")
    assert "subscribe" in acl(admin, "CAT", "slow")
    acl(admin, "SETUSER", "fastonly", "on", ">pw", "+@fast", "&*")
    c = server.client(username="fastonly", password="pw", decode_responses=True)
    try:
        assert c.publish("news", "hello") == 0
    finally:
        c.close()


def bulk_list(raw):
    """The strings of a RESP array of bulk strings."""
    lines = raw.split(b"\r\n")
    return sorted(l.decode() for l in lines[2::2])


def test_cat_agrees_with_command_info(server, admin):
    # COMMAND LIST FILTERBY ACLCAT reads the categories COMMAND INFO reports.
    c = Raw(server.port)
    for cat in acl(admin, "CAT"):
        listed = bulk_list(c.cmd("COMMAND", "LIST", "FILTERBY", "ACLCAT", cat))
        assert sorted(acl(admin, "CAT", cat)) == listed, cat
        assert listed, cat
    c.close()


def test_genpass(admin):
    p = acl(admin, "GENPASS")
    assert len(p) == 64 and int(p, 16) >= 0
    assert p != acl(admin, "GENPASS")
    assert len(acl(admin, "GENPASS", "5")) == 2
    assert len(acl(admin, "GENPASS", "4096")) == 1024
    for bad in ["0", "-1", "4097", "x"]:
        assert err(acl, admin, "GENPASS", bad) == (
            "ACL GENPASS argument must be the number of bits for the output password, a "
            "positive number up to 4096")


# ---- Authentication ----


def test_auth_as_a_user(server, admin):
    acl(admin, "SETUSER", "alice", "on", ">p1", "+@all", "~*")
    acl(admin, "SETUSER", "off_user", "off", ">p1", "+@all")
    acl(admin, "SETUSER", "free", "on", "nopass", "+@all")
    c = server.client(decode_responses=True)
    assert c.execute_command("AUTH", "alice", "p1")
    assert acl(c, "WHOAMI") == "alice"
    assert err(c.execute_command, "AUTH", "alice", "bad") == WRONGPASS
    assert err(c.execute_command, "AUTH", "off_user", "p1") == WRONGPASS
    assert err(c.execute_command, "AUTH", "nobody", "p1") == WRONGPASS
    assert acl(c, "WHOAMI") == "alice"  # a failed AUTH changes nothing
    assert c.execute_command("AUTH", "free", "anything")
    assert acl(c, "WHOAMI") == "free"
    assert err(c.execute_command, "AUTH", "x") == (
        "AUTH <password> called without any password configured for the default user. Are you "
        "sure your configuration is correct?")
    assert err(c.execute_command, "AUTH", "a", "b", "c") == "syntax error"
    c.close()


def test_hello_auth(server, admin):
    acl(admin, "SETUSER", "alice", "on", ">p1", "+@all", "~*")
    c = Raw(server.port)
    assert c.cmd("HELLO", "2", "AUTH", "alice", "bad") == ("-%s\r\n" % WRONGPASS).encode()
    reply = c.cmd("HELLO", "3", "AUTH", "alice", "p1")
    assert reply.startswith(b"%7\r\n") and b"proto\r\n:3" in reply
    assert c.cmd("ACL", "WHOAMI") == b"$5\r\nalice\r\n"
    # RESET goes back to the default user.
    assert c.cmd("RESET") == b"+RESET\r\n"
    assert c.cmd("ACL", "WHOAMI") == b"$7\r\ndefault\r\n"
    c.close()


def test_client_list_and_kill_by_user(server, admin):
    acl(admin, "SETUSER", "alice", "on", ">p1", "+@all", "~*")
    a = Raw(server.port)
    assert a.cmd("AUTH", "alice", "p1") == b"+OK\r\n"
    assert b" user=alice " in a.cmd("CLIENT", "INFO")
    assert " user=default " in admin.execute_command("CLIENT", "INFO")
    assert err(admin.execute_command, "CLIENT", "KILL", "USER", "nobody") == "No such user 'nobody'"
    assert admin.execute_command("CLIENT", "KILL", "USER", "alice") == 1
    assert a.closed()
    a.close()


def test_requirepass_is_the_default_users_password(server, admin):
    admin.config_set("requirepass", "s3cret")
    assert pairs(acl(admin, "GETUSER", "default"))["passwords"] == [sha("s3cret")]
    assert admin.config_get("requirepass") == {"requirepass": "s3cret"}
    # Connections already authenticated stay so (as Redis); new ones need AUTH.
    assert admin.ping()
    c = Raw(server.port)
    assert c.cmd("PING") == b"-NOAUTH Authentication required.\r\n"
    assert c.cmd("AUTH", "wrong") == ("-%s\r\n" % WRONGPASS).encode()
    assert c.cmd("AUTH", "s3cret") == b"+OK\r\n"
    assert c.cmd("AUTH", "default", "s3cret") == b"+OK\r\n"
    c.close()
    admin.config_set("requirepass", "")
    assert pairs(acl(admin, "GETUSER", "default"))["flags"] == ["on", "nopass"]
    assert Raw(server.port).cmd("PING") == b"+PONG\r\n"


def test_default_user_with_acl_password_or_off_requires_auth(server, admin):
    acl(admin, "SETUSER", "default", ">pw")
    c = Raw(server.port)
    assert c.cmd("GET", "x") == b"-NOAUTH Authentication required.\r\n"
    # The pre-AUTH input bounds apply as with requirepass.
    c.send(*(["MSET"] + ["k"] * 11))
    assert c.reply() == b"-ERR Protocol error: unauthenticated multibulk length\r\n"
    c = Raw(server.port)
    assert c.cmd("AUTH", "pw") == b"+OK\r\n"
    acl(admin, "SETUSER", "default", "nopass", "off")
    acl(admin, "SETUSER", "alice", "on", ">p1", "+@all", "~*")
    c = Raw(server.port)
    assert c.cmd("PING") == b"-NOAUTH Authentication required.\r\n"
    assert c.cmd("AUTH", "default", "x") == ("-%s\r\n" % WRONGPASS).encode()
    assert c.cmd("AUTH", "alice", "p1") == b"+OK\r\n"
    assert c.cmd("PING") == b"+PONG\r\n"
    c.close()
    acl(admin, "SETUSER", "default", "on")


# ---- Permissions ----


@pytest.fixture
def carol(server, admin):
    acl(admin, "SETUSER", "carol", "on", ">pw", "~k*", "&c*", "+get", "+publish", "+subscribe",
        "+psubscribe", "+eval", "+multi", "+exec", "+ping")
    c = login(server, "carol", "pw")
    yield c
    c.close()


def test_command_key_and_channel_denials(carol):
    assert carol.ping()
    assert carol.get("k1") is None
    assert err(carol.set, "k1", "v") == "User carol has no permissions to run the 'set' command"
    assert err(carol.get, "other") == "No permissions to access a key"
    assert carol.publish("chan", "m") == 0
    assert err(carol.publish, "other", "m") == "No permissions to access a channel"
    assert err(carol.execute_command, "CLIENT", "ID") == (
        "User carol has no permissions to run the 'client|id' command")
    # Arity and unknown commands are checked first, as Redis does.
    assert err(carol.execute_command, "GET") == "wrong number of arguments for 'get' command"


def test_subscribe_channels_and_literal_patterns(server, carol):
    c = Raw(server.port)
    assert c.cmd("AUTH", "carol", "pw") == b"+OK\r\n"
    assert c.cmd("SUBSCRIBE", "other") == b"-NOPERM No permissions to access a channel\r\n"
    assert c.cmd("PSUBSCRIBE", "c*x") == b"-NOPERM No permissions to access a channel\r\n"
    assert c.cmd("PSUBSCRIBE", "c*").startswith(b"*3\r\n$10\r\npsubscribe\r\n")
    c.close()


def test_read_and_write_key_permissions(server, admin):
    acl(admin, "SETUSER", "rw", "on", "nopass", "+@all", "%R~r*", "%W~w*", "~both*")
    c = login(server, "rw", "x")
    assert c.get("r1") is None
    assert err(c.set, "r1", "v") == "No permissions to access a key"
    assert c.set("w1", "v")
    assert err(c.get, "w1") == "No permissions to access a key"
    assert c.set("both1", "v") and c.get("both1") == "v"
    assert err(c.mget, "r1", "w1") == "No permissions to access a key"
    c.close()


def test_selectors_add_permissions(server, admin):
    acl(admin, "SETUSER", "sel", "on", "nopass", "+get", "~a*", "(+set ~b*)")
    c = login(server, "sel", "x")
    assert c.get("a1") is None
    assert c.set("b1", "v")
    assert err(c.set, "a1", "v") == "No permissions to access a key"
    assert err(c.get, "b1") == "No permissions to access a key"
    assert err(c.delete, "a1") == "User sel has no permissions to run the 'del' command"
    acl(admin, "SETUSER", "sel", "clearselectors")
    assert err(c.set, "b1", "v") == "User sel has no permissions to run the 'set' command"
    c.close()


def test_subcommand_and_first_arg_rules(server, admin):
    acl(admin, "SETUSER", "sub", "on", "nopass", "+client", "-client|kill", "+select|0", "allkeys")
    c = login(server, "sub", "x")
    assert isinstance(c.execute_command("CLIENT", "ID"), int)
    assert err(c.execute_command, "CLIENT", "KILL", "ID", "1") == (
        "User sub has no permissions to run the 'client|kill' command")
    assert c.execute_command("SELECT", "0")
    assert err(c.execute_command, "SELECT", "1") == (
        "User sub has no permissions to run the 'select' command")
    assert acl(admin, "GETUSER", "sub")[5] == "-@all +client -client|kill +select|0"
    c.close()


def test_categories(server, admin):
    acl(admin, "SETUSER", "cat", "on", "nopass", "allkeys", "+@all", "-@dangerous")
    c = login(server, "cat", "x")
    assert c.set("k", "v") and c.get("k") == "v"
    assert err(c.execute_command, "FLUSHALL") == (
        "User cat has no permissions to run the 'flushall' command")
    assert err(c.execute_command, "CONFIG", "SET", "hz", "10") == (
        "User cat has no permissions to run the 'config|set' command")
    acl(admin, "SETUSER", "cat", "-@all", "+@read")
    assert c.get("k") == "v"
    assert err(c.set, "k", "v") == "User cat has no permissions to run the 'set' command"
    c.close()


def test_setuser_applies_to_connected_clients_and_deluser_disconnects_them(server, admin, carol):
    assert carol.get("k") is None
    acl(admin, "SETUSER", "carol", "-get")
    assert err(carol.get, "k") == "User carol has no permissions to run the 'get' command"
    acl(admin, "SETUSER", "carol", "+set")
    assert carol.set("k", "v")
    c = Raw(server.port)
    assert c.cmd("AUTH", "carol", "pw") == b"+OK\r\n"
    assert acl(admin, "DELUSER", "carol", "nobody") == 1
    assert c.closed()
    assert "carol" not in acl(admin, "USERS")
    assert Raw(server.port).cmd("AUTH", "carol", "pw") == ("-%s\r\n" % WRONGPASS).encode()


def test_deluser_of_oneself_replies_then_closes(server, admin):
    acl(admin, "SETUSER", "me", "on", "nopass", "+@all")
    c = Raw(server.port)
    assert c.cmd("AUTH", "me", "x") == b"+OK\r\n"
    assert c.cmd("ACL", "DELUSER", "me") == b":1\r\n"
    assert c.closed()


def test_multi_exec(server, admin, carol):
    c = Raw(server.port)
    assert c.cmd("AUTH", "carol", "pw") == b"+OK\r\n"
    assert c.cmd("MULTI") == b"+OK\r\n"
    assert c.cmd("SET", "k1", "v") == (
        b"-NOPERM User carol has no permissions to run the 'set' command\r\n")
    assert c.cmd("EXEC") == b"-EXECABORT Transaction discarded because of previous errors.\r\n"
    # Rules that change between queueing and EXEC are checked again.
    acl(admin, "SETUSER", "carol", "+set")
    assert c.cmd("MULTI") == b"+OK\r\n"
    assert c.cmd("SET", "k1", "v") == b"+QUEUED\r\n"
    assert c.cmd("GET", "k1") == b"+QUEUED\r\n"
    acl(admin, "SETUSER", "carol", "-set")
    assert c.cmd("EXEC") == (
        b"*2\r\n-NOPERM ACLs rules changed between the moment the transaction was accumulated "
        b"and the EXEC call. This command is no longer allowed for the following reason: no "
        b"permission to execute the command or subcommand\r\n$-1\r\n")
    # Both refusals (queueing, EXEC) count into one entry.
    log = pairs(acl(admin, "LOG")[0])
    assert (log["count"], log["reason"], log["context"], log["object"]) == (
        2, "command", "multi", "set")
    c.close()


def test_scripts_run_with_the_callers_permissions(server, admin, carol):
    e = err(carol.eval, "return redis.call('set', 'k1', 'v')", 0)
    assert "ACL failure in script: User carol has no permissions to run the 'set' command" in e
    e = err(carol.eval, "return redis.call('get', 'other')", 0)
    assert "ACL failure in script: No permissions to access a key" in e
    assert carol.eval("return redis.call('get', 'k1')", 0) is None
    ok = carol.eval("return redis.pcall('set', 'k1', 'v')['err']", 0)
    assert "has no permissions to run the 'set' command" in ok
    log = pairs(acl(admin, "LOG", "1")[0])
    assert (log["reason"], log["context"], log["username"]) == ("command", "lua", "carol")


def test_script_acl_check_cmd_asks_for_the_caller(admin, carol):
    check = "return redis.acl_check_cmd(unpack(ARGV))"
    # carol may GET keys matching k*, and nothing else.
    assert carol.eval(check, 0, "get", "k1") == 1
    assert carol.eval(check, 0, "get", "other") is None  # false -> nil
    assert carol.eval(check, 0, "set", "k1", "v") is None
    # The default user (all permissions) may run anything.
    assert admin.eval(check, 0, "set", "k1", "v") == 1
    assert admin.eval(check, 0, "config", "get", "maxmemory") == 1
    e = err(carol.eval, check, 0, "nosuchcommand")
    assert "Invalid command passed to redis.acl_check_cmd()" in e


# ---- ACL LOG and DRYRUN ----


def test_acl_log(server, admin, carol):
    acl(admin, "LOG", "RESET")
    c = server.client(decode_responses=True)
    for _ in range(2):
        assert err(c.execute_command, "AUTH", "carol", "bad") == WRONGPASS
    err(carol.get, "other")
    log = acl(admin, "LOG")
    assert len(log) == 2
    key, auth = pairs(log[0]), pairs(log[1])
    assert log[0][::2] == LOG_FIELDS
    assert (key["count"], key["reason"], key["context"], key["object"], key["username"]) == (
        1, "key", "toplevel", "other", "carol")
    assert (auth["count"], auth["reason"], auth["context"], auth["object"], auth["username"]) == (
        2, "auth", "toplevel", "AUTH", "carol")
    assert " user=carol " in key["client-info"] and " cmd=get " in key["client-info"]
    assert " user=default " in auth["client-info"] and " cmd=auth " in auth["client-info"]
    assert 0 <= float(auth["age-seconds"]) < 10
    now_ms = time.time() * 1000
    assert abs(auth["timestamp-created"] - now_ms) < 10000
    assert auth["timestamp-last-updated"] >= auth["timestamp-created"]
    assert key["entry-id"] == auth["entry-id"] + 1
    assert len(acl(admin, "LOG", "1")) == 1
    assert acl(admin, "LOG", "-1") == []
    assert acl(admin, "LOG", "RESET") == "OK"
    assert acl(admin, "LOG") == []
    c.close()


def test_info_counts_access_denied(server, admin, carol):
    admin.config_resetstat()
    names = ["acl_access_denied_auth", "acl_access_denied_cmd", "acl_access_denied_key",
             "acl_access_denied_channel"]

    def counts():
        info = admin.info("stats")
        return [info[n] for n in names]

    assert counts() == [0, 0, 0, 0]
    c = server.client(decode_responses=True)
    for _ in range(3):
        assert err(c.execute_command, "AUTH", "carol", "bad") == WRONGPASS
    err(carol.set, "k1", "v")          # the command
    err(carol.get, "other")            # a key
    err(carol.get, "another")
    err(carol.publish, "d", "x")       # a channel
    # Counted even when ACL LOG folds repeats into one entry, and not
    # cleared by ACL LOG RESET; CONFIG RESETSTAT clears them.
    assert counts() == [3, 1, 2, 1]
    acl(admin, "LOG", "RESET")
    assert counts() == [3, 1, 2, 1]
    admin.config_resetstat()
    assert counts() == [0, 0, 0, 0]
    c.close()


def test_acllog_max_len(server, admin, carol):
    admin.config_set("acllog-max-len", "2")
    try:
        for k in ["o1", "o2", "o3"]:
            err(carol.get, k)
        assert [pairs(e)["object"] for e in acl(admin, "LOG")] == ["o3", "o2"]
    finally:
        admin.config_set("acllog-max-len", "128")


def test_dryrun(admin, carol):
    assert acl(admin, "DRYRUN", "carol", "get", "k1") == "OK"
    assert acl(admin, "DRYRUN", "carol", "set", "k1", "v") == (
        "User carol has no permissions to run the 'set' command")
    assert acl(admin, "DRYRUN", "carol", "get", "zz") == "No permissions to access the 'zz' key"
    assert acl(admin, "DRYRUN", "carol", "publish", "d", "x") == (
        "No permissions to access the 'd' channel")
    assert err(acl, admin, "DRYRUN", "nobody", "get", "x") == "User 'nobody' not found"
    assert err(acl, admin, "DRYRUN", "carol", "foo") == "Command 'foo' not found"
    assert err(acl, admin, "DRYRUN", "carol", "get") == "wrong number of arguments for 'get' command"
    assert acl(admin, "LOG") == []  # a dry run logs nothing


# ---- Files and configuration ----


def test_load_and_save_need_an_aclfile(admin):
    assert err(acl, admin, "LOAD") == NO_ACLFILE
    assert err(acl, admin, "SAVE") == NO_ACLFILE
    assert err(admin.config_set, "aclfile", "/tmp/x.acl") == (
        "CONFIG SET failed (possibly related to argument 'aclfile') - can't set immutable config")
    assert admin.config_get("aclfile") == {"aclfile": ""}
    assert "user" not in admin.config_get("*")


@pytest.fixture
def aclfile(tmp_path):
    path = tmp_path / "users.acl"
    path.write_text("user alice on #%s ~* &* +@all\n\nuser bob on nopass ~b* +get\n" % sha("pw"))
    s = ShoalServer("--aclfile", path)
    yield s, path
    assert s.alive()
    s.stop()


def test_aclfile_load_and_save(aclfile):
    s, path = aclfile
    c = login(s, "alice", "pw")
    assert sorted(acl(c, "USERS")) == ["alice", "bob", "default"]
    assert c.config_get("aclfile") == {"aclfile": str(path)}
    b = Raw(s.port)
    assert b.cmd("AUTH", "bob", "x") == b"+OK\r\n"
    assert b.cmd("GET", "b1") == b"$-1\r\n"
    acl(c, "SETUSER", "dan", "on", ">d", "+ping")
    assert acl(c, "SAVE") == "OK"
    assert path.read_text().splitlines() == [
        "user alice on #%s ~* &* +@all" % sha("pw"),
        "user bob on nopass ~b* resetchannels -@all +get",
        "user dan on #%s resetchannels -@all +ping" % sha("d"),
        "user default on nopass ~* &* +@all",
    ]
    # A reload without bob disconnects bob's clients; alice's keep running
    # under the file's rules.
    path.write_text("user alice on #%s ~* &* +@all -flushall\n" % sha("pw"))
    assert acl(c, "LOAD") == "OK"
    assert sorted(acl(c, "USERS")) == ["alice", "default"]
    assert b.closed()
    assert err(c.execute_command, "FLUSHALL") == (
        "User alice has no permissions to run the 'flushall' command")
    c.close()


def test_acl_load_keeps_clients_of_surviving_users_as_redis_7_2(aclfile):
    """Redis 7.2 (redis/redis#12171; 7.0 disconnected every client of
    every user): ACL LOAD disconnects the clients of users that are gone
    and subscribers whose channels the new rules refuse; the others stay
    connected, even when their user's rules or password changed, and run
    under the new rules."""
    s, path = aclfile
    admin = login(s, "alice", "pw")
    path.write_text("user alice on #%s ~* &* +@all\nuser bob on nopass ~b* +get\n"
                    "user sub on nopass &news.* &other +@all\n" % sha("pw"))
    assert acl(admin, "LOAD") == "OK"
    bob = Raw(s.port)
    assert bob.cmd("AUTH", "bob", "x") == b"+OK\r\n"
    news, other = Raw(s.port), Raw(s.port)
    for conn, channel in ((news, "news.a"), (other, "other")):
        assert conn.cmd("AUTH", "sub", "x") == b"+OK\r\n"
        assert conn.cmd("SUBSCRIBE", channel).startswith(b"*3\r\n")
    # bob gets a password and more commands, sub loses news.*.
    path.write_text("user alice on #%s ~* &* +@all\nuser bob on #%s ~b* +get +set\n"
                    "user sub on nopass &other +@all\n" % (sha("pw"), sha("new")))
    assert acl(admin, "LOAD") == "OK"
    assert news.closed()
    assert not other.closed(timeout=0.3)
    assert not bob.closed(timeout=0.3)
    assert bob.cmd("SET", "b1", "v") == b"+OK\r\n"
    assert admin.publish("other", "hi") == 1
    admin.close()
    for conn in (bob, other):
        conn.close()


def test_malformed_aclfile_keeps_the_old_users(aclfile):
    s, path = aclfile
    c = s.client(decode_responses=True)
    before = acl(c, "LIST")
    path.write_text("user bob on foo\n# comment\nuser alice on\nuser alice off\nuser c (~x\n")
    assert err(acl, c, "LOAD") == (
        "%s:1: Syntax error. %s:2 should start with user keyword followed by the username. "
        "WARNING: Duplicate user 'alice' found on line 4. %s:5: Unmatched parenthesis in selector "
        "definition.WARNING: ACL errors detected, no change to the previously active ACL rules "
        "was performed" % (path, path, path))
    assert acl(c, "LIST") == before
    os.unlink(path)
    assert err(acl, c, "LOAD").startswith("Error loading ACLs, opening file '%s'" % path)
    assert acl(c, "LIST") == before
    c.close()


def run_shoal(*args, timeout=5):
    """Starts shoal expecting it to exit; returns (code, output)."""
    port = free_port()
    p = subprocess.run([SHOAL, "--port", str(port), "--bind", "127.0.0.1"] + [str(a) for a in args],
                       capture_output=True, timeout=timeout)
    return p.returncode, (p.stdout + p.stderr).decode(errors="replace")


def test_aclfile_errors_stop_start_up(tmp_path):
    bad = tmp_path / "bad.acl"
    bad.write_text("user alice on +nosuch\n")
    code, out = run_shoal("--aclfile", bad)
    assert code != 0 and "Aborting Redis startup because of ACL errors" in out
    assert "Unknown command or category name in ACL" in out
    code, out = run_shoal("--user", "alice on", "--aclfile", bad)
    assert code != 0 and "please define either an ACL file or declare users" in out
    code, out = run_shoal("--user", "alice on bogus")
    assert code != 0 and "Error in user declaration 'bogus': Syntax error" in out
    code, out = run_shoal("--user", "alice on", "--user", "alice off")
    assert code != 0 and "Duplicate user found" in out


class ConfServer(ShoalServer):
    """shoal started with a config file (which must come first)."""

    def __init__(self, conf, port, *args):
        self.port = port
        self.proc = subprocess.Popen([SHOAL, str(conf)] + [str(a) for a in args],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline:
            assert self.proc.poll() is None, self.proc.stdout.read().decode(errors="replace")
            try:
                Raw(port, timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("shoal did not start listening")


def test_user_lines_in_config_file_and_command_line(tmp_path):
    port = free_port()
    conf = tmp_path / "shoal.conf"
    conf.write_text("port %d\nbind 127.0.0.1\nthreads 2\n"
                    "user alice on >pw ~* +@all\nuser default on >dpw ~* &* +@all\n"
                    "user sel on nopass (~x +get) (~y +set)\n" % port)
    s = ConfServer(conf, port, "--user", "bob on nopass +ping")
    try:
        assert Raw(s.port).cmd("PING") == b"-NOAUTH Authentication required.\r\n"
        c = login(s, "alice", "pw")
        assert acl(c, "LIST") == [
            "user alice on #%s ~* resetchannels +@all" % sha("pw"),
            "user bob on nopass resetchannels -@all +ping",
            "user default on sanitize-payload #%s ~* &* +@all" % sha("dpw"),
            "user sel on nopass resetchannels -@all (~x resetchannels -@all +get) "
            "(~y resetchannels -@all +set)",
        ]
        assert login(s, "bob", "x").ping()
        assert login(s, "default", "dpw").ping()
    finally:
        s.stop()


def test_config_rewrite_writes_the_current_users(tmp_path):
    """As Redis (checked with redis-server 7.0.15): the users, as ACL LIST
    prints them, take the places of the old `user` lines in order, a user
    that is gone loses its line, the rest are appended; after a restart
    from the file the users and their passwords work."""
    port = free_port()
    conf = tmp_path / "shoal.conf"
    conf.write_text("port %d\nbind 127.0.0.1\n# users\nuser alice on >apw ~a:* +get\n"
                    "threads 2\nuser bob on >bpw %%R~r:* +@all\n" % port)
    s = ConfServer(conf, port)
    try:
        c = s.client(decode_responses=True)
        acl(c, "SETUSER", "carol", "on", ">cpw", "~c:*", "+set", "(~x +get)")
        acl(c, "DELUSER", "bob")
        acl(c, "SETUSER", "default", "on", ">dpw")
        expected = acl(c, "LIST")
        assert c.config_rewrite()
    finally:
        s.stop()
    lines = conf.read_text().splitlines()
    assert lines == [
        "port %d" % port, "bind 127.0.0.1", "# users",
        "user alice on #%s ~a:* resetchannels -@all +get" % sha("apw"),
        "threads 2",
        "user carol on #%s ~c:* resetchannels -@all +set (~x resetchannels -@all +get)"
        % sha("cpw"),
        "user default on #%s ~* &* +@all" % sha("dpw"),
    ]
    s = ConfServer(conf, port)
    try:
        assert Raw(port).cmd("PING") == b"-NOAUTH Authentication required.\r\n"
        c = login(s, "default", "dpw")
        # A `user default` line starts from reset, which sets
        # sanitize-payload (redis-server shows the same after its restart).
        expected[-1] = expected[-1].replace("user default on ", "user default on sanitize-payload ")
        assert acl(c, "LIST") == expected
        assert login(s, "carol", "cpw").set("c:1", "v")
        assert err(login(s, "alice", "apw").set, "a:1", "v") == (
            "User alice has no permissions to run the 'set' command")
        assert Raw(port).cmd("AUTH", "bob", "bpw").startswith(b"-WRONGPASS")
        # A second rewrite writes the users as they are now, in place.
        assert c.config_rewrite()
        lines = conf.read_text().splitlines()
        assert [l for l in lines if l.startswith("user ")] == acl(c, "LIST")
        assert lines[3].startswith("user alice ") and lines[4] == "threads 2"
    finally:
        s.stop()


def test_protected_mode_counts_a_default_user_password_or_off(netns, started):  # noqa: F811
    start_in(netns, started, "--bind", "*", "--user", "default on >secret ~* &* +@all")
    assert netns.connect(netns.client, SERVER_IP, Raw.encode("PING")) == (
        "OPEN", b"-NOAUTH Authentication required.\r\n")


def test_protected_mode_with_default_user_off(netns, started):  # noqa: F811
    start_in(netns, started, "--bind", "*", "--user", "default off nopass ~* &* +@all")
    assert netns.connect(netns.client, SERVER_IP, Raw.encode("PING")) == (
        "OPEN", b"-NOAUTH Authentication required.\r\n")


def test_protected_mode_still_refuses_with_an_open_default_user(netns, started):  # noqa: F811
    start_in(netns, started, "--bind", "*", "--user", "alice on >pw ~* +@all")
    assert netns.connect(netns.client, SERVER_IP) == ("EOF", DENIED)


def test_subscribers_losing_their_channels_are_disconnected(server, admin):
    acl(admin, "SETUSER", "sub", "on", "nopass", "+@all", "&news.*", "&other")
    s = Raw(server.port)
    assert s.cmd("AUTH", "sub", "x") == b"+OK\r\n"
    assert s.cmd("SUBSCRIBE", "news.a").startswith(b"*3\r\n")
    keep = Raw(server.port)
    assert keep.cmd("AUTH", "sub", "x") == b"+OK\r\n"
    assert keep.cmd("SUBSCRIBE", "other").startswith(b"*3\r\n")
    # A change that keeps news.a allowed disconnects no one.
    acl(admin, "SETUSER", "sub", "&more")
    assert not s.closed(timeout=0.3)
    acl(admin, "SETUSER", "sub", "resetchannels", "&other")
    assert s.closed()
    assert not keep.closed(timeout=0.3)
    keep.close()


def test_refusals_count_as_rejected_calls(admin, carol):
    admin.config_resetstat()
    for _ in range(3):
        err(carol.set, "k1", "v")
    stats = admin.info("commandstats")["cmdstat_set"]
    assert stats["rejected_calls"] == 3 and stats["calls"] == 0
