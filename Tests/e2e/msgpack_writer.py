"""A MessagePack writer for tests and fuzz seeds (standard library only): None, bool, int, float, str,
bytes, list/tuple, dict, `Ext` extensions, and `Raw` bytes spliced in as they are (for broken headers and
odd types). It writes the smallest forms, as notepack.io does; on import it checks itself against the
wire reference's example bytes.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import Any


class Raw(bytes):
    """Bytes spliced into a MessagePack encoding as they are."""


@dataclass(frozen=True)
class Ext:
    """A MessagePack extension value: fixext 1/2/4/8/16 when the size allows, else ext 8/16/32."""

    type: int
    data: bytes


def msgpack(value: Any) -> bytes:
    """MessagePack of None/bool/int/float/str/bytes/list/tuple/dict/Ext/Raw in the smallest forms."""
    if isinstance(value, Raw):
        return bytes(value)
    if value is None:
        return b"\xc0"
    if value is True:
        return b"\xc3"
    if value is False:
        return b"\xc2"
    if isinstance(value, int):
        if 0 <= value < 0x80:
            return bytes([value])
        if -32 <= value < 0:
            return struct.pack("b", value)
        if value > 0:
            for tag, fmt, limit in ((0xCC, ">B", 1 << 8), (0xCD, ">H", 1 << 16), (0xCE, ">I", 1 << 32), (0xCF, ">Q", 1 << 64)):
                if value < limit:
                    return bytes([tag]) + struct.pack(fmt, value)
        else:
            for tag, fmt, limit in ((0xD0, ">b", 1 << 7), (0xD1, ">h", 1 << 15), (0xD2, ">i", 1 << 31), (0xD3, ">q", 1 << 63)):
                if value >= -limit:
                    return bytes([tag]) + struct.pack(fmt, value)
        raise OverflowError(value)
    if isinstance(value, float):
        return b"\xcb" + struct.pack(">d", value)
    if isinstance(value, str):
        data = value.encode()
        n = len(data)
        if n < 32:
            head = bytes([0xA0 | n])
        elif n < 1 << 8:
            head = b"\xd9" + struct.pack(">B", n)
        elif n < 1 << 16:
            head = b"\xda" + struct.pack(">H", n)
        else:
            head = b"\xdb" + struct.pack(">I", n)
        return head + data
    if isinstance(value, (bytes, bytearray)):
        n = len(value)
        head = b"\xc4" + struct.pack(">B", n) if n < 1 << 8 else b"\xc5" + struct.pack(">H", n) if n < 1 << 16 else b"\xc6" + struct.pack(">I", n)
        return head + bytes(value)
    if isinstance(value, Ext):
        n = len(value.data)
        fixed = {1: 0xD4, 2: 0xD5, 4: 0xD6, 8: 0xD7, 16: 0xD8}
        if n in fixed:
            head = bytes([fixed[n]])
        elif n < 1 << 8:
            head = b"\xc7" + struct.pack(">B", n)
        elif n < 1 << 16:
            head = b"\xc8" + struct.pack(">H", n)
        else:
            head = b"\xc9" + struct.pack(">I", n)
        return head + struct.pack(">b", value.type) + value.data
    if isinstance(value, (list, tuple)):
        n = len(value)
        head = bytes([0x90 | n]) if n < 16 else b"\xdc" + struct.pack(">H", n) if n < 1 << 16 else b"\xdd" + struct.pack(">I", n)
        return head + b"".join(msgpack(v) for v in value)
    if isinstance(value, dict):
        n = len(value)
        head = bytes([0x80 | n]) if n < 16 else b"\xde" + struct.pack(">H", n) if n < 1 << 16 else b"\xdf" + struct.pack(">I", n)
        return head + b"".join(msgpack(k) + msgpack(v) for k, v in value.items())
    raise TypeError(f"cannot encode {type(value)!r}")


def _selftest_msgpack() -> None:
    """The encoder against the wire reference's example bytes (io.emit("hello","world") from AbCdEf)."""
    example = msgpack(["AbCdEf", {"type": 2, "data": ["hello", "world"], "nsp": "/"}, {"rooms": [], "except": [], "flags": {}}])
    assert example == (
        b"\x93\xa6AbCdEf\x83\xa4type\x02\xa4data\x92\xa5hello\xa5world\xa3nsp\xa1/"
        b"\x83\xa5rooms\x90\xa6except\x90\xa5flags\x80"
    ), example
    assert msgpack(-1) == b"\xff" and msgpack(-33) == b"\xd0\xdf" and msgpack(1 << 60) == b"\xcf" + struct.pack(">Q", 1 << 60)
    assert msgpack(math.inf) == b"\xcb\x7f\xf0\x00\x00\x00\x00\x00\x00"


_selftest_msgpack()
