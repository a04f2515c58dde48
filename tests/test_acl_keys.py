"""ACL key permissions decided per key, as Redis 7 does (issue 12;
docs/security.md "Key permissions"): a key needs %R when the command
accesses its data and %W when it updates, inserts into or deletes from it,
from the flags of the command's key specs (COMMAND INFO). INCR needs R and
W, SET without GET only W, EXISTS neither, COPY R on its source and W on
its destination.

The user has %R~r:* %W~w:* ~rw:*. Every ACL DRYRUN verdict below (and the
refused key) was taken from redis-server 7.0.15 side by side; Shoal words
the refusal as Redis 7.2 does ("No permissions to access the 'k' key").
"""
import pytest

from conftest import Raw

ALLOWED = [
    'INCR rw:a', 'SET w:a v', 'SET rw:a v GET', 'GET r:a', 'COPY r:a w:b',
    'SUNIONSTORE w:d r:a r:b', 'SINTERSTORE w:d r:a', 'SDIFFSTORE w:d r:a',
    'LMOVE rw:a w:b left right', 'GETDEL rw:a', 'SORT r:a STORE w:b', 'SORT r:a',
    'SORT_RO r:a', 'BITOP AND w:d r:a r:b', 'ZUNIONSTORE w:d 2 r:a r:b',
    'ZINTERSTORE w:d 1 r:a', 'GEOSEARCHSTORE w:d r:a FROMLONLAT 0 0 BYRADIUS 1 m',
    'XREADGROUP GROUP g c STREAMS r:a >', 'XREAD STREAMS r:a 0', 'EXISTS w:a', 'TYPE w:a',
    'STRLEN w:a', 'DEL w:a', 'UNLINK w:a', 'APPEND w:a x', 'PFCOUNT r:a', 'PFMERGE rw:d r:a',
    'PFADD w:a x', 'BITFIELD r:a GET u8 0', 'BITFIELD rw:a SET u8 0 1',
    'BITFIELD_RO r:a GET u8 0', 'RENAME rw:a w:b', 'RENAMENX rw:a w:b', 'EXPIRE w:a 10',
    'PERSIST w:a', 'TTL r:a', 'PTTL r:a', 'GEORADIUS r:a 0 0 1 m STORE w:b',
    'GEORADIUS r:a 0 0 1 m STOREDIST w:b', 'GEORADIUS r:a 0 0 1 m',
    'GEORADIUSBYMEMBER r:a m 1 m STORE w:b', 'MSET w:a 1 w:b 2', 'MSETNX w:a 1',
    'EVAL x 1 rw:a', 'EVAL_RO x 1 r:a', 'SMOVE rw:a w:b m', 'RPOPLPUSH rw:a w:b', 'LPOP rw:a',
    'RPUSH w:a x', 'LPUSHX w:a x', 'LINSERT w:a before a b', 'LSET w:a 0 x', 'LREM w:a 0 x',
    'LTRIM w:a 0 1', 'LLEN w:a', 'LINDEX r:a 0', 'LPOS r:a x', 'HSET w:a f v', 'HEXISTS w:a f',
    'HLEN w:a', 'HSTRLEN w:a f', 'HDEL w:a f', 'HSETNX w:a f v', 'HGETALL r:a', 'SADD w:a m',
    'SPOP rw:a', 'SREM w:a m', 'SCARD w:a', 'SISMEMBER w:a m', 'SMEMBERS r:a',
    'SINTERCARD 2 r:a r:b', 'OBJECT ENCODING w:a', 'OBJECT FREQ w:a', 'MEMORY USAGE w:a',
    'TOUCH w:a', 'LCS r:a r:b', 'GETEX rw:a', 'SETNX w:a 1', 'GETSET rw:a 1', 'SETEX w:a 1 v',
    'PSETEX w:a 1 v', 'SETRANGE w:a 0 x', 'GETRANGE r:a 0 1', 'INCRBYFLOAT rw:a 1',
    'SETBIT rw:a 0 1', 'BITCOUNT r:a', 'ZADD w:a 1 m', 'ZINCRBY rw:a 1 m', 'ZREM w:a m',
    'ZREMRANGEBYRANK w:a 0 1', 'ZCARD w:a', 'ZRANGE r:a 0 1', 'ZRANGESTORE w:d r:a 0 -1',
    'ZMPOP 1 rw:a MIN', 'XADD w:a * f v', 'XDEL w:a 1-1', 'XTRIM w:a MAXLEN 1', 'XLEN w:a',
    'XRANGE r:a - +', 'XACK w:a g 1-1', 'XCLAIM w:a g c 0 1-1', 'XAUTOCLAIM w:a g c 0 0',
    'XGROUP CREATE w:a g $', 'XGROUP DESTROY w:a g', 'XGROUP SETID w:a g $', 'XSETID w:a 1-1',
    'MOVE rw:a 1', 'DUMP r:a', 'RESTORE w:a 0 x', 'WATCH w:a', 'BLPOP rw:a 1',
    'BLMPOP 1 1 rw:a LEFT', 'BZPOPMIN rw:a 1', 'BRPOPLPUSH rw:a w:b 1',
    'BLMOVE rw:a w:b left right 1', 'SSCAN r:a 0', 'SORT r:a BY nosort',
    'SORT r:a BY w:* GET r:*', 'SORT rw:a BY nosort GET #', 'SORT_RO r:a GET x:*',
    'MIGRATE h 1 rw:a 0 5', 'SUNION r:a r:b', 'ZLEXCOUNT r:a - +', 'SETRANGE rw:a 0 x',
    'GEOADD w:a 0 0 m', 'GEODIST r:a a b', 'GEOSEARCH r:a FROMLONLAT 0 0 BYRADIUS 1 m',
]

REFUSED = [
    ('INCR r:a', 'r:a'),
    ('INCR w:a', 'w:a'),
    ('SET r:a v', 'r:a'),
    ('SET w:a v GET', 'w:a'),
    ('SET w:a v EX 10 get', 'w:a'),
    ('GET w:a', 'w:a'),
    ('COPY w:a w:b', 'w:a'),
    ('COPY r:a r:b', 'r:b'),
    ('SUNIONSTORE r:d r:a', 'r:d'),
    ('SUNIONSTORE w:d w:a', 'w:a'),
    ('LMOVE r:a w:b left right', 'r:a'),
    ('LMOVE rw:a r:b left right', 'r:b'),
    ('GETDEL w:a', 'w:a'),
    ('SORT w:a STORE w:b', 'w:a'),
    ('BITOP AND r:d r:a', 'r:d'),
    ('ZUNIONSTORE w:d 2 r:a w:b', 'w:b'),
    ('ZDIFFSTORE w:d 1 w:a', 'w:a'),
    ('GEOSEARCHSTORE w:d w:a FROMLONLAT 0 0 BYRADIUS 1 m', 'w:a'),
    ('XREADGROUP GROUP g c STREAMS w:a >', 'w:a'),
    ('XREAD STREAMS w:a 0', 'w:a'),
    ('EXISTS other', 'other'),
    ('DEL r:a', 'r:a'),
    ('APPEND r:a x', 'r:a'),
    ('PFCOUNT w:a', 'w:a'),
    ('PFMERGE w:d r:a', 'w:d'),
    ('BITFIELD r:a SET u8 0 1', 'r:a'),
    ('BITFIELD w:a INCRBY u8 0 1', 'w:a'),
    ('RENAME w:a w:b', 'w:a'),
    ('EXPIRE r:a 10', 'r:a'),
    ('TTL w:a', 'w:a'),
    ('EXPIRETIME w:a', 'w:a'),
    ('GEORADIUS w:a 0 0 1 m STORE w:b', 'w:a'),
    ('MSET r:a 1', 'r:a'),
    ('EVAL x 1 w:a', 'w:a'),
    ('FCALL f 1 w:a', 'w:a'),
    ('SMOVE w:a w:b m', 'w:a'),
    ('LPOP w:a', 'w:a'),
    ('LRANGE w:a 0 1', 'w:a'),
    ('HINCRBY w:a f 1', 'w:a'),
    ('HINCRBYFLOAT w:a f 1', 'w:a'),
    ('HGET w:a f', 'w:a'),
    ('SPOP w:a', 'w:a'),
    ('SMISMEMBER w:a m', 'w:a'),
    ('SRANDMEMBER w:a', 'w:a'),
    ('SINTERCARD 2 r:a w:b', 'w:b'),
    ('LCS r:a w:b', 'w:b'),
    ('GETEX w:a', 'w:a'),
    ('GETSET w:a 1', 'w:a'),
    ('SUBSTR w:a 0 1', 'w:a'),
    ('DECRBY w:a 1', 'w:a'),
    ('MGET r:a w:b', 'w:b'),
    ('SETBIT w:a 0 1', 'w:a'),
    ('GETBIT w:a 0', 'w:a'),
    ('BITPOS w:a 1', 'w:a'),
    ('ZINCRBY w:a 1 m', 'w:a'),
    ('ZPOPMIN w:a', 'w:a'),
    ('ZSCORE w:a m', 'w:a'),
    ('ZRANGESTORE w:d w:a 0 -1', 'w:a'),
    ('ZMPOP 1 w:a MIN', 'w:a'),
    ('ZCOUNT w:a 0 1', 'w:a'),
    ('ZRANK w:a m', 'w:a'),
    ('XPENDING w:a g', 'w:a'),
    ('XINFO STREAM w:a', 'w:a'),
    ('MOVE w:a 1', 'w:a'),
    ('DUMP w:a', 'w:a'),
    ('BLPOP w:a 1', 'w:a'),
    ('LMPOP 1 w:a LEFT', 'w:a'),
    ('HRANDFIELD w:a', 'w:a'),
    ('ZRANDMEMBER w:a', 'w:a'),
    ('HSCAN w:a 0', 'w:a'),
    ('ZSCAN w:a 0', 'w:a'),
    ('MIGRATE h 1 w:a 0 5', 'w:a'),
    ('MIGRATE h 1 "" 0 5 KEYS rw:a w:b', 'w:b'),
    ('ZUNION 2 r:a w:b', 'w:b'),
    ('ZINTERCARD 1 w:a', 'w:a'),
    ('SDIFF r:a w:a', 'w:a'),
    ('ZMSCORE w:a m', 'w:a'),
    ('GEOPOS w:a m', 'w:a'),
    ('GEOHASH w:a m', 'w:a'),
    ('GEORADIUS_RO w:a 0 0 1 m', 'w:a'),
]


@pytest.fixture(scope="module")
def admin(server):
    c = server.client(decode_responses=True)
    c.execute_command("ACL", "SETUSER", "kp", "reset", "on", ">kp", "%R~r:*", "%W~w:*", "~rw:*",
                      "+@all")
    yield c
    c.execute_command("ACL", "DELUSER", "kp")
    c.close()


def split(cmd):
    return [a if a != '""' else "" for a in cmd.split(" ")]


@pytest.mark.parametrize("cmd", ALLOWED)
def test_dryrun_allows(admin, cmd):
    assert admin.execute_command("ACL", "DRYRUN", "kp", *split(cmd)) == "OK"


@pytest.mark.parametrize("cmd,key", REFUSED)
def test_dryrun_refuses_the_key_redis_refuses(admin, cmd, key):
    assert admin.execute_command("ACL", "DRYRUN", "kp", *split(cmd)) == (
        f"No permissions to access the '{key}' key")


def test_real_commands_follow_the_same_rules(server, admin):
    admin.flushall()
    admin.set("r:src", "v")
    admin.sadd("r:s1", "a", "b")
    admin.rpush("rw:list", "x")
    c = Raw(server.port)
    assert c.cmd("AUTH", "kp", "kp") == b"+OK\r\n"
    noperm = b"-NOPERM No permissions to access a key\r\n"
    assert c.cmd("SET", "w:k", "1") == b"+OK\r\n"          # OW: W only
    assert c.cmd("SET", "w:k", "2", "GET") == noperm       # GET reads it too
    assert c.cmd("INCR", "w:k") == noperm                  # RW access update
    assert c.cmd("INCR", "rw:n") == b":1\r\n"
    assert c.cmd("GET", "r:src") == b"$1\r\nv\r\n"
    assert c.cmd("EXISTS", "w:k") == b":1\r\n"             # RO without access
    assert c.cmd("STRLEN", "w:k") == b":1\r\n"
    assert c.cmd("COPY", "r:src", "w:dst") == b":1\r\n"    # R on src, W on dst
    assert c.cmd("COPY", "w:k", "w:dst2") == noperm
    assert c.cmd("SUNIONSTORE", "w:u", "r:s1") == b":2\r\n"
    assert c.cmd("SUNIONSTORE", "r:u", "r:s1") == noperm
    assert c.cmd("LMOVE", "rw:list", "w:list", "LEFT", "RIGHT") == b"$1\r\nx\r\n"
    assert c.cmd("GETDEL", "w:k") == noperm                # RW access delete
    assert c.cmd("DEL", "w:dst") == b":1\r\n"              # RM delete: W only
    assert c.cmd("SORT", "r:s1", "ALPHA", "STORE", "w:sorted") == b":2\r\n"
    assert c.cmd("BITOP", "OR", "w:bits", "r:src") == b":1\r\n"
    assert c.cmd("BITFIELD", "r:src", "GET", "u8", "0") == b"*1\r\n:118\r\n"
    assert c.cmd("BITFIELD", "r:src", "SET", "u8", "0", "1") == noperm
    c.close()
    assert admin.type("w:sorted") == "list"


def test_getkeysandflags_per_key(server):
    c = Raw(server.port)

    def flags(*cmd):
        return c.cmd("COMMAND", "GETKEYSANDFLAGS", *cmd)

    def want(*keys):
        out = b"*%d\r\n" % len(keys)
        for key, names in keys:
            out += b"*2\r\n$%d\r\n%s\r\n*%d\r\n" % (len(key), key.encode(), len(names))
            out += b"".join(b"+%s\r\n" % n.encode() for n in names)
        return out

    assert flags("COPY", "a", "b") == want(("a", ["RO", "access"]), ("b", ["OW", "update"]))
    assert flags("SET", "k", "v") == want(("k", ["OW", "update"]))
    assert flags("SET", "k", "v", "GET") == want(("k", ["RW", "access", "update"]))
    assert flags("ZUNIONSTORE", "d", "2", "a", "b") == want(
        ("d", ["OW", "update"]), ("a", ["RO", "access"]), ("b", ["RO", "access"]))
    assert flags("LMOVE", "a", "b", "LEFT", "RIGHT") == want(
        ("a", ["RW", "access", "delete"]), ("b", ["RW", "insert"]))
    assert flags("EXISTS", "a") == want(("a", ["RO"]))
    c.close()


def test_sort_by_and_get_patterns_need_read_access_to_every_key(server, admin):
    """BY and GET patterns read keys the ACL check never saw: as Redis 7,
    only a user with a selector that allows SORT and reads every key (~* or
    %R~*) may use them; BY without '*' reads nothing and stays allowed."""
    admin.flushall()
    admin.rpush("r:l", "1", "2")
    admin.execute_command("ACL", "SETUSER", "sel", "reset", "on", "nopass", "~r:*", "+@all",
                          "(%R~* +sort)")
    admin.execute_command("ACL", "SETUSER", "wonly", "reset", "on", "nopass", "%W~*", "~r:*",
                          "+@all")
    kp, sel, wonly = Raw(server.port), Raw(server.port), Raw(server.port)
    assert kp.cmd("AUTH", "kp", "kp") == b"+OK\r\n"
    assert sel.cmd("AUTH", "sel", "x") == b"+OK\r\n"
    assert wonly.cmd("AUTH", "wonly", "x") == b"+OK\r\n"
    by = b"-ERR BY option of SORT denied due to insufficient ACL permissions.\r\n"
    get = b"-ERR GET option of SORT denied due to insufficient ACL permissions.\r\n"
    assert kp.cmd("SORT", "r:l", "BY", "w:*") == by
    assert kp.cmd("SORT", "r:l", "BY", "nosort", "GET", "#") == get
    assert kp.cmd("SORT", "r:l", "BY", "nosort") == b"*2\r\n$1\r\n1\r\n$1\r\n2\r\n"
    assert wonly.cmd("SORT", "r:l", "BY", "w:*") == by
    assert sel.cmd("SORT", "r:l", "BY", "w:*", "GET", "#") == b"*2\r\n$1\r\n1\r\n$1\r\n2\r\n"
    for c in (kp, sel, wonly):
        c.close()
    admin.execute_command("ACL", "DELUSER", "sel", "wonly")
