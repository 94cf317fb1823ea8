"""A MessagePack writer for tests and fuzz seeds (standard library only): None, bool, int, float, str,
bytes, list, dict, and `Raw` bytes spliced in as they are (for broken headers and odd types). It writes
the compact forms, as notepack.io does."""

from __future__ import annotations

import struct
from typing import Any


class Raw(bytes):
    """Bytes placed into an encoding unchanged."""


def _sized(length: int, fix: int | None, fix_limit: int, formats: list[tuple[int, int, str]]) -> bytes:
    if fix is not None and length < fix_limit:
        return bytes([fix | length])
    for marker, limit, code in formats:
        if length < limit:
            return bytes([marker]) + struct.pack(code, length)
    raise ValueError(f"length {length} does not fit MessagePack")


def msgpack(value: Any) -> bytes:
    if isinstance(value, Raw):
        return bytes(value)
    if value is None:
        return b"\xc0"
    if value is True:
        return b"\xc3"
    if value is False:
        return b"\xc2"
    if isinstance(value, int):
        if 0 <= value < 128:
            return bytes([value])
        if -32 <= value < 0:
            return struct.pack("b", value)
        return b"\xcf" + struct.pack(">Q", value) if value >= 0 else b"\xd3" + struct.pack(">q", value)
    if isinstance(value, float):
        return b"\xcb" + struct.pack(">d", value)
    if isinstance(value, str):
        data = value.encode()
        return _sized(len(data), 0xA0, 32, [(0xD9, 1 << 8, ">B"), (0xDA, 1 << 16, ">H"), (0xDB, 1 << 32, ">I")]) + data
    if isinstance(value, bytes):
        return _sized(len(value), None, 0, [(0xC4, 1 << 8, ">B"), (0xC5, 1 << 16, ">H"), (0xC6, 1 << 32, ">I")]) + value
    if isinstance(value, list):
        return _sized(len(value), 0x90, 16, [(0xDC, 1 << 16, ">H"), (0xDD, 1 << 32, ">I")]) + b"".join(msgpack(v) for v in value)
    if isinstance(value, dict):
        header = _sized(len(value), 0x80, 16, [(0xDE, 1 << 16, ">H"), (0xDF, 1 << 32, ">I")])
        return header + b"".join(msgpack(k) + msgpack(v) for k, v in value.items())
    raise TypeError(type(value))
