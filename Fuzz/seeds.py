#!/usr/bin/env python3
"""Writes the seed inputs of every fuzz target into Fuzz/Corpus/<target>/seed-*.

Seeds are small, well-formed or deliberately broken examples of what each decoder reads; libFuzzer
mutates from them. Run it again after adding a seed here (it rewrites only the seed-* files; inputs
that libFuzzer or a finding added keep their own names). Standard library only.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import sys
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "Corpus"
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Tests" / "e2e"))
from msgpack_writer import msgpack  # noqa: E402  (standard library only)


def masked_frame(opcode: int, payload: bytes, fin: bool = True, mask: bytes = b"\x01\x02\x03\x04", rsv: int = 0, masked: bool = True) -> bytes:
    first = (0x80 if fin else 0) | rsv | opcode
    length = len(payload)
    if length < 126:
        header = bytes([first, (0x80 if masked else 0) | length])
    elif length < 65536:
        header = bytes([first, (0x80 if masked else 0) | 126]) + struct.pack(">H", length)
    else:
        header = bytes([first, (0x80 if masked else 0) | 127]) + struct.pack(">Q", length)
    if not masked:
        return header + payload
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def j(value) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


OPTS = {"rooms": [], "except": [], "flags": {}}

SEEDS: dict[str, list[bytes]] = {
    "engineio-packet": [
        b"0", b"1", b"2", b"2probe", b"3probe", b"4hello", b"5", b"6", b"", b"7", b"9x", b"4\xff\xfe\x00",
        b"4" + "é".encode() * 8, b"a",
    ],
    "engineio-payload": [
        b"4hello\x1e4world", b"bAQID", b"b!!!!", b"\x1e\x1e", b"", b"2\x1e3", b"4a\x1ebaGVsbG8=", b"b", b"4" * 64,
        b"\x1e".join([b"4x"] * 300), b"baGVsbG8", b"b====", b"4\xe2\x82", b"6\x1e5",
    ],
    "websocket-frames": [
        b"\x00" + masked_frame(1, b"4hello"),
        b"\x05" + masked_frame(1, b"4hel", fin=False) + masked_frame(0, b"lo"),
        b"\x09" + masked_frame(9, b"ping") + masked_frame(1, b"2probe"),
        b"\x11" + masked_frame(8, struct.pack(">H", 1000) + b"bye"),
        b"\x13" + masked_frame(8, struct.pack(">H", 999)),
        b"\x21" + masked_frame(1, b"4x", masked=False),
        b"\x22" + masked_frame(1, b"4x", rsv=0x40),
        b"\x23" + masked_frame(3, b""),
        b"\x24" + masked_frame(0, b"orphan"),
        b"\x25" + masked_frame(9, b"p" * 130),
        b"\x26" + masked_frame(9, b"p", fin=False),
        b"\x27" + bytes([0x82, 0xFF]) + b"\x7f\xff\xff\xff\xff\xff\xff\xff" + b"\x00" * 4,
        b"\x28" + bytes([0x82, 0xFF]) + b"\x00\x00\x00\x00\x00\x10\x00\x00" + b"\x00" * 4,
        b"\x29" + masked_frame(2, bytes(range(200))),
        b"\xa0" + masked_frame(1, b"4" + b"x" * 100),
        b"\x31" + masked_frame(1, b"4a", fin=False) + b"".join(masked_frame(0, b"b", fin=False) for _ in range(40)) + masked_frame(0, b"c"),
        b"\x32" + masked_frame(10, b"pong") + masked_frame(8, b""),
        b"\x40" + masked_frame(1, b"\xf2\x31\xc9\x48\xcd\xc9\xc9\x07\x00", rsv=0x40),
        b"\x41" + masked_frame(2, b"\x62\x60", fin=False, rsv=0x40) + masked_frame(0, b"\x00\x00"),
        b"\x42" + masked_frame(1, b"4a", fin=False) + masked_frame(0, b"b", rsv=0x40),
        b"\x43" + masked_frame(9, b"", rsv=0x40),
    ],
    "permessage-deflate": [
        b"\x00permessage-deflate",
        b"\x00permessage-deflate; client_max_window_bits",
        b"\x00permessage-deflate; server_max_window_bits=10; client_max_window_bits=9, permessage-deflate",
        b"\x00x-webkit-deflate-frame, permessage-deflate; server_no_context_takeover; client_no_context_takeover",
        b"\x00permessage-deflate; client_max_window_bits=\"12\"\npermessage-deflate",
        b"\x00permessage-deflate; server_max_window_bits=8; server_max_window_bits=9",
        b"\x00permessage-deflate;;",
        b"\x01\xf2\x31\xc9\x48\xcd\xc9\xc9\x07\x00",
        b"\x05\xff\xff\xff",
        b"\x01" + bytes([0xED, 0xC1, 0x01, 0x0D, 0x00, 0x00, 0x00, 0xC2, 0xA0, 0xF7, 0x4F, 0x6D, 0x0E, 0x37, 0xA0]) + b"\x00" * 40,
        b"\x02" + b"4hello hello hello",
        b"\x86" + bytes(range(256)) * 4,
        b"\x0a",
    ],
    "http-request": [
        b"\x00/socket.io/?EIO=4&transport=polling",
        b"\x01/socket.io/?EIO=4&transport=polling&sid=AAAAbbbbccccddddeeee",
        b"\x80/socket.io/?EIO=4&transport=websocket\nupgrade: websocket\nconnection: Upgrade\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\nsec-websocket-version: 13",
        b"\x00/socket.io/?EIO=3&transport=polling",
        b"\x00/socket.io/?EIO=4&transport=flash",
        b"\x00/socket.io/?EIO=4&transport=polling&sid=%zz%4&x=+%2B%",
        b"\x02/socket.io/?EIO=4&transport=polling\norigin: http://a\x01b",
        b"\x00/socket.io/?&&&=&EIO&transport=polling&transport=websocket",
        b"\x00127.0.0.1:3001",
        b"\x00[::1]:70000",
        b"\x00/socket.io/?EIO=4&transport=polling&j=1&t=abc",
        b"\x81/socket.io/?EIO=4&transport=websocket&sid=XXXX0123456789abcdef",
    ],
    "socketio-packet": [
        b"0", b"0/chat,{\"token\":1}", b"2[\"hi\"]", b"21[\"x\",1]", b"3/chat,5[1]", b"1", b"1/chat,",
        b"4{\"message\":\"no\"}", b"51-[\"b\",{\"_placeholder\":true,\"num\":0}]\x1e\xff\x01\x02",
        b"52-/chat,7[\"b\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]\x1e\xff\x01\x1e\xff\x02",
        b"61-9[{\"_placeholder\":true,\"num\":0}]\x1e\xff\x00",
        b"2" + b"[" * 80 + b"]" * 80, b"2[\"a\",", b"5999999999-[\"x\"]", b"2-1[\"x\"]", b"29999999999999999999[\"x\"]",
        b"2[1]", b"2[\"disconnect\"]", b"\xff\x01", b"51-[\"b\",{\"_placeholder\":true,\"num\":5}]\x1e\xff\x01",
        b"0/a\xff\xfe,{}", b"2/chat[\"x\"]",
    ],
    "json": [
        b"1e400", b"-0", b"0.1e-400", b"123456789012345678901234567890", b"[" * 70 + b"]" * 70,
        b"\"\\ud800\"", b"{\"a\":1,\"a\":2}", b"\"\\u0000\"", b"9007199254740993", b"-9223372036854775809",
        b"[1,2,3,{\"x\":[true,false,null]}]", b"\"\xff\"", b"01", b"1.", b"{\"a\" 1}", b"  \t\n[]  ",
        b"1E+2", b"\"\\uD83D\\uDE00\"",
    ],
    "codable": [
        j({"text": "hi", "count": 1}),
        j({"text": "hi", "count": 1e300}),
        j({"text": "hi", "count": 2.5, "small": 300, "medium": -3e9, "unsigned": -1, "byte": 256}),
        j({"text": "hi", "count": 1, "ratio32": 1e300, "ratio": 1e-320}),
        j({"text": "x", "count": 0, "mood": "angry", "payload": "AQID", "tags": {"a": [1, 2]}}),
        j([{"text": "a", "count": 1, "nested": [{"text": "b", "count": 2, "free": {"k": [1, "2"]}}]}]),
        j(9223372036854775807), j(-1), j(1.5), j(1.8446744073709552e19), j({"a": 1.0, "b": -1e308}),
        j([1, None, 4294967296]), j("2020-01-01T00:00:00Z"), j("http://[bad"), j("1e1000"),
    ],
    "msgpack": [
        msgpack([1, -1, 2**63, -(2**63), 1.5, "x", b"\x00", None, True, {"a": [1]}]),
        b"\xdd\xff\xff\xff\xff", b"\xdf\xff\xff\xff\xff", b"\xdb\xff\xff\xff\xff", b"\xc6\xff\xff\xff\xff",
        b"\x91" * 200, b"\x81" * 200, b"\xc1", b"\xd6\xff\x00\x00\x00\x01", b"\xd7\xff" + b"\xff" * 8,
        b"\xc7\x0c\xff" + b"\xff" * 12, b"\xca\x7f\xc0\x00\x00", b"\xd4\x00\x01", b"\xc7\x01\x00\x01", b"\x93\xa7",
        msgpack({"type": 2, "data": ["x", b"\x01"], "nsp": "/", "id": -1}),
    ],
    "socketio-msgpack-packet": [
        msgpack({"type": 0, "nsp": "/"}),
        msgpack({"type": 0, "data": {"token": "abc"}, "nsp": "/admin"}),
        msgpack({"type": 1, "data": None, "nsp": "/admin"}),
        msgpack({"type": 2, "data": ["chat", "hi", 1.5, -3, None, True, {"k": b"\x00\x01"}], "nsp": "/", "id": 13}),
        msgpack({"type": 3, "data": [b"\xff" * 40], "nsp": "/", "id": 2**40}),
        msgpack({"type": 4, "data": {"message": "no", "data": {"code": 4}}, "nsp": "/x"}),
        msgpack({"type": 2, "data": ["a"], "nsp": "/", "type": 2.0, "id": 7.0}),
        msgpack({"type": 5, "data": ["x"], "nsp": "/"}),
        msgpack({"type": 3, "data": [], "nsp": "/", "id": -1}),
        msgpack({"type": 2, "data": ["disconnect"], "nsp": "/"}),
        msgpack({"type": 2, "data": ["deep", [[[[[[[[[[[[]]]]]]]]]]]]], "nsp": ""}),
        msgpack([2, "/", ["x"]]),
        msgpack({1: 2, "nsp": "/", b"type": 0}),
        b"\x84\xa4type\x02\xa4data\x91\xd7\xff" + b"\x00" * 8 + b"\xa3nsp\xa1/\xa2id\xcf" + b"\xff" * 8,
        b"\x83\xa4type\x02\xa4data" + b"\x91" * 200 + b"\x90\xa3nsp\xa1/",
        b"\xdf\xff\xff\xff\xff", b"\x83\xa4", b"\xc1", b"",
    ],
    "redis-wire": [
        b"\x00" + msgpack(["emitter", {"type": 2, "data": ["x"], "nsp": "/", "id": -1}, OPTS]),
        b"\x00" + msgpack(["emitter", {"type": 2, "data": ["x"], "nsp": "/"}, OPTS]),
        b"\x00" + msgpack(["emitter", {"type": 5, "data": ["x", b"\x01"], "nsp": "/", "id": 3}, {"rooms": ["a"], "except": ["b"], "flags": {"timeout": 1e300, "volatile": True}}]),
        b"\x01" + msgpack(["emitter", {"type": 2, "data": ["x"], "nsp": "/"}, {"rooms": ["r"], "except": [], "flags": {}}]),
        b"\x00" + b"\x91" * 1000,
        b"\x02" + j({"uid": "zz", "type": 0, "requestId": "q", "rooms": ["a"]}),
        b"\x02" + j({"uid": "zz", "type": 1, "requestId": "q"}),
        b"\x02" + j({"uid": "zz", "type": 2, "opts": {"rooms": ["a"], "except": []}, "rooms": ["b"]}),
        b"\x02" + j({"uid": "zz", "type": 4, "opts": {"rooms": [], "except": []}, "close": True}),
        b"\x02" + j({"uid": "zz", "type": 4}),
        b"\x02" + j({"uid": "zz", "type": 5, "requestId": "q", "opts": {"rooms": [], "except": [], "flags": {}}}),
        b"\x02" + j({"uid": "zz", "type": 6, "data": ["ev", 1]}),
        b"\x02" + j({"uid": "zz", "type": 7, "requestId": "q", "packet": {"type": 2, "data": ["x"], "nsp": "/", "id": 4}, "opts": OPTS}),
        b"\x03" + j({"requestId": "nobody", "sockets": [{"id": "a", "handshake": {"issued": 1e300}, "rooms": ["a"], "data": None}]}),
        b"\x04" + j({"requestId": "nobody", "type": 8, "clientCount": 3}),
        b"\x05" + j({"uid": "zz", "type": 6}),
        b"\x05" + msgpack({"uid": "zz", "type": 6}),
        b"\x05" + msgpack({"uid": "zz", "nsp": "/", "type": 3, "data": {"packet": {"type": 2, "data": ["x"], "nsp": "/", "id": -1}, "opts": OPTS}}),
        b"\x05" + msgpack({"uid": "zz", "nsp": "/", "type": 4, "data": {"opts": {"rooms": ["a"], "except": []}, "rooms": ["b"]}}),
        b"\x05" + msgpack({"uid": "zz", "nsp": "/", "type": 7, "data": {"requestId": "q", "opts": OPTS}}),
        b"\x06" + msgpack({"uid": "zz", "nsp": "/", "type": 8, "data": {"requestId": "q", "sockets": [{"id": "a"}]}}),
        b"\x07" + msgpack({"uid": "zz", "nsp": "/", "type": 3, "data": {"packet": {"type": 2, "data": ["x"]}, "opts": {"rooms": ["r"]}}}),
    ],
    "resp-reply": [
        b"\x00+OK\r\n", b"\x01-ERR no\r\n", b"\x02:1\r\n:-9223372036854775808\r\n", b"\x03$3\r\nabc\r\n$-1\r\n",
        b"\x04*3\r\n$7\r\nmessage\r\n$3\r\nch1\r\n$5\r\nhello\r\n", b"\x05*-1\r\n*0\r\n", b"\x06*2\r\n*1\r\n:1\r\n*1\r\n$0\r\n\r\n",
        b"\x07!x\r\n", b"\x08*100\r\n", b"\x09$99999999999999999999\r\n", b"\x0a:abc\r\n", b"\x0b*4\r\n$8\r\nsmessage\r\n$1\r\nc\r\n$1\r\np\r\n",
        b"\x0c$5\r\nab\r\n", b"\x0d" + b"*1\r\n" * 100 + b":1\r\n",
    ],
}


def main() -> None:
    for target, seeds in SEEDS.items():
        directory = CORPUS / target
        directory.mkdir(parents=True, exist_ok=True)
        for old in directory.glob("seed-*"):
            old.unlink()
        for seed in seeds:
            (directory / f"seed-{hashlib.sha1(seed).hexdigest()[:16]}").write_bytes(seed)
        print(f"{target}: {len(seeds)} seeds")


if __name__ == "__main__":
    main()
