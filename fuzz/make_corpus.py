#!/usr/bin/python3
"""Writes the seed corpora of resp_parser_fuzz and restore_payload_fuzz in
fuzz/corpus/<target>/: a few small, valid (and a few nearly valid) inputs
per target, from which libFuzzer mutates. (The cluster targets' seeds come
from Shoal's own encoders: fuzz/cluster_seeds.cc.)

Deterministic: rerun after a format change and commit the result. The
RESTORE seeds are payloads redis-server 7 produced with DUMP (kept as hex
below, so no server is needed), one per type and encoding.
"""
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- RESP parser: option byte, then the stream --------------------------
def resp(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


RESP_SEEDS = {
    "get": b"\x00" + resp("GET", "k"),
    "pipeline": b"\x18" + resp("SET", "k", "v") + resp("INCR", "n") + b"PING\r\n",
    "inline_quotes": b"\x00" + b'SET "a b" \'c\\\'d\' "\\x41\\n"\r\nGET a\n',
    "empty_commands": b"\x00" + b"*0\r\n*-1\r\n\r\n\n" + resp("PING"),
    "binary": b"\x08" + resp(b"SET", b"\x00\r\n\xff", b"\r\n\r\n"),
    "unauth": b"\x01" + resp("AUTH", "pw") + resp(*["a"] * 11),
    "refused": b"\x02" + resp("SET", "k", "x" * 9) + resp("SET", "k", "y" * 10),
    "small_limits": b"\x04" + b"PING " + b"x" * 70 + b"\r\n",
    "bad_length": b"\x00" + b"*2\r\n$-5\r\nab\r\n",
    "bad_dollar": b"\x00" + b"*1\r\n:1\r\n",
}

# ---- RESTORE payloads: option byte, then a DUMP payload ------------------
# DUMP outputs of redis-server 7.0.15 (RDB version 10), one per encoding.
RESTORE_HEX = {
    "string": "000568656c6c6f0a006372df766534200a",  # SET s hello
    "string_int": "00c139300a009d94ea2793fc08b9",  # SET n 12345
    "string_lzf": "00c30b40780361626361e069020162630a00c494a1702ae23e06",  # 'abc' * 40
    "list_quicklist2": "1201021111000000040081610281620201010201ff0a006d72713e9b43482b",
    "hash_listpack": "1013130000000400816602817602816702817702ff0a00d9dec5c9160fb235",
    "hash_table": "040302663201780266310178026630c3094046017676e039000176760a00f97bfd4057e5c849",
    "set_intset": "0b0e02000000030000000100020003000a00a5025ce26d6e4d1b",
    "set_table": "0202016101620a00fe642125eb033d0d",
    "zset_listpack": "1114140000000400816102010181620283322e3504ff0a00d44c6ea4f644d9d7",
    "zset_skiplist": "0502c3094046016d6de03900016d6d000000000000f83f016e00000000000008c00a007ae125fa3d509b81",
    # XADD x 1-1 f v; XADD x 2-0 g w h y; XGROUP CREATE x g 1-1; XREADGROUP ... COUNT 1
    "stream": "13011000000000000000010000000000000001343400000013000201000101018166020001020100"
              "010001817602040100010101dfff0202018167028177028168028179020801ff02020001010000020101"
              "6702000201000000000000000200000000000000005ea53a4aa2010000010101635ea53a4aa2010000"
              "01000000000000000200000000000000000a001827fca5e6214b28",
}


def main():
    for name, data in RESP_SEEDS.items():
        write("resp_parser_fuzz", name, data)
    for name, hexdata in RESTORE_HEX.items():
        payload = bytes.fromhex(hexdata)
        write("restore_payload_fuzz", name, b"\x00" + payload)
    # Tiny limits and RDB 11 re-dumps; a corrupted body with a recomputed CRC.
    write("restore_payload_fuzz", "hash_tiny_limits", b"\x06" + bytes.fromhex(RESTORE_HEX["hash_listpack"]))
    write("restore_payload_fuzz", "list_refooter", b"\x01" + bytes.fromhex(RESTORE_HEX["list_quicklist2"]))


if __name__ == "__main__":
    main()
