"""Bad WebSocket frames and upgrades: a frame that breaks RFC 6455 closes that connection with 1002
(1009 for a message over maxHttpBufferSize); a bad upgrade request is refused with the Engine.IO
error; the node and every other connection carry on."""

import struct

import pytest

from bad_input_support import (EIO, Case, RawWebSocket, engine_error, expect_engine_error, frame, get, http_exchange,
                               websocket_session)

import json


def closes_with(code, *frames: bytes, join: bool = True):
    """The connection ends with a close frame carrying `code` (a tuple: any of those codes)."""
    codes = code if isinstance(code, tuple) else (code,)

    def run(node):
        ws = websocket_session(node.port, "/" if join else None)
        try:
            ws.send(b"".join(frames))
            assert ws.close_code() in codes
        finally:
            ws.close()
    return run


def echo_works(ws: RawWebSocket, token: str = "ok") -> None:
    ws.send_text(f'427["echo","{token}"]')
    assert ws.read_text() == f'437["{token}"]'


def ten_thousand_fragments(node):
    ws = websocket_session(node.port)
    try:
        message = b'421["echo","' + b"f" * 10_000 + b'"]'
        pieces = [message[:1]] + [message[i:i + 1] for i in range(1, len(message))]
        frames = [frame(1, pieces[0], fin=False)] + [frame(0, p, fin=False) for p in pieces[1:-1]] + [frame(0, pieces[-1])]
        ws.send(b"".join(frames))
        assert ws.read_text() == '431["' + "f" * 10_000 + '"]'
    finally:
        ws.close()


def ping_flood(node):
    """10,000 pings in one write: answered with pongs (or not, the RFC allows answering only the last),
    and the connection still carries Socket.IO afterwards."""
    ws = websocket_session(node.port)
    try:
        ws.send(b"".join(frame(9, b"p") for _ in range(10_000)))
        ws.send_text('429["echo","after"]')
        while True:
            got = ws.read_frame()
            assert got is not None, "closed"
            if got[0] == 1:
                assert got[1] == b'439["after"]', got
                break
            assert got == (10, b"p"), got
    finally:
        ws.close()


def control_between_fragments(node):
    ws = websocket_session(node.port)
    try:
        ws.send(frame(1, b'423["echo",', fin=False) + frame(9, b"x") + frame(0, b'"mid"]'))
        got = ws.read_frame()
        assert got == (10, b"x"), got
        assert ws.read_text() == '433["mid"]'
    finally:
        ws.close()


def close_with_valid_code(node):
    ws = websocket_session(node.port)
    try:
        ws.send(frame(8, struct.pack(">H", 3000) + b"bye"))
        assert ws.close_code() == 3000
    finally:
        ws.close()


def upgrade_refused(headers: str, message: str, query: str = ""):
    """An upgrade request refused as the reference's engine.io does (`abortUpgrade`): 400 with the
    error's message as text, the connection closed."""
    def run(node):
        status, headers_got, body = http_exchange(node.port, get(f"{EIO}&transport=websocket{query}", headers))
        assert (status, body) == (400, message.encode()), (status, body[:200])
        assert headers_got.get("connection", "").lower() == "close"
    return run


def upgrade_status(headers: str, *statuses: int):
    def run(node):
        status, _, body = http_exchange(node.port, get(f"{EIO}&transport=websocket", headers))
        assert status in statuses, (status, body[:200])
    return run


KEY = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
UPGRADE = "Upgrade: websocket\r\nConnection: Upgrade\r\n"

CASES = [
    Case("frame-unmasked", "close 1002", closes_with(1002, frame(1, b'42["echo"]', masked=False))),
    Case("frame-rsv1", "close 1002", closes_with(1002, frame(1, b'42["echo"]', rsv=0x40))),
    Case("frame-rsv3", "close 1002", closes_with(1002, frame(1, b'42["echo"]', rsv=0x10))),
    Case("opcode-reserved-data", "close 1002", closes_with(1002, frame(3, b"x"))),
    Case("opcode-reserved-control", "close 1002", closes_with(1002, frame(0xB, b"x"))),
    Case("control-oversized", "close 1002", closes_with(1002, frame(9, b"p" * 126))),
    Case("control-fragmented", "close 1002", closes_with(1002, frame(9, b"p", fin=False))),
    Case("continuation-without-start", "close 1002", closes_with(1002, frame(0, b'42["echo"]'))),
    Case("text-inside-fragmented-message", "close 1002", closes_with(1002, frame(1, b"42", fin=False) + frame(1, b"x"))),
    Case("length-2^63", "close 1002", closes_with(1002, frame(2, b"", length=1 << 63)[:10])),
    Case("length-2^62", "close 1009", closes_with(1009, frame(2, b"", length=1 << 62)[:10])),
    Case("length-over-max-message", "close 1009", closes_with(1009, frame(1, b"", length=2_000_000)[:14])),
    Case("fragments-sum-over-max-message", "close 1009", closes_with(1009, frame(1, b"4" * 600_000, fin=False) + frame(0, b"4" * 600_000))),
    Case("fragments-ten-thousand", "reassembled, echo acked", ten_thousand_fragments),
    Case("ping-flood", "pongs, then the echo ack", ping_flood),
    Case("ping-inside-fragmented-message", "pong, then the message", control_between_fragments),
    Case("close-code-999", "close 1002", closes_with(1002, frame(8, struct.pack(">H", 999)))),
    Case("close-code-1004", "close 1002", closes_with(1002, frame(8, struct.pack(">H", 1004)))),
    Case("close-code-1005", "close 1002", closes_with(1002, frame(8, struct.pack(">H", 1005)))),
    Case("close-code-1006", "close 1002", closes_with(1002, frame(8, struct.pack(">H", 1006)))),
    Case("close-code-5000", "close 1002", closes_with(1002, frame(8, struct.pack(">H", 5000)))),
    Case("close-one-byte-payload", "close 1002", closes_with(1002, frame(8, b"\x03"))),
    Case("close-reason-not-utf8", "close 1007", closes_with(1007, frame(8, struct.pack(">H", 1000) + b"\xff\xfe"))),
    Case("close-code-3000", "close 3000 (a valid code is echoed, as ws does)", close_with_valid_code),
    Case("engineio-garbage-text", "close (parse error; 1000 here, the reference's ws sends no code)", closes_with((1000, None), frame(1, b"9zzz"))),
    Case("socketio-bad-json-over-websocket", "close (parse error)", closes_with((1000, None), frame(1, b'42["echo"'))),
    Case("upgrade-without-key", "400 text `Bad request`", upgrade_refused(UPGRADE + "Sec-WebSocket-Version: 13\r\n", "Bad request")),
    Case("upgrade-version-8", "400", upgrade_status(UPGRADE + KEY + "Sec-WebSocket-Version: 8\r\n", 400, 426)),
    Case("upgrade-without-upgrade-header", "400 code 3 Bad request (JSON: it is no upgrade)", lambda n: expect_engine_error(n.port, get(f"{EIO}&transport=websocket", "Connection: Upgrade\r\n" + KEY + "Sec-WebSocket-Version: 13\r\n"), 3)),
    Case("upgrade-unknown-sid", "400 text `Session ID unknown`", upgrade_refused(UPGRADE + KEY + "Sec-WebSocket-Version: 13\r\n", "Session ID unknown", "&sid=ZZZZaaaaaaaaaaaaaaaa")),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_websocket_bad_input(node, case):
    case.run(node)
