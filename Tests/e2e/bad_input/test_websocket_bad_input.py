"""Bad WebSocket frames and upgrades, over a raw socket: a frame that breaks RFC 6455 closes that
connection with the code the reference's `ws` sends (1002 protocol error, 1007 bad UTF-8, 1009 too big);
an Engine.IO or Socket.IO packet that is refused closes it with 1000 (the reference's `ws.close()` sends a
close frame without a code); a bad upgrade request is refused as engine.io's `abortUpgrade` does (plain
text 400, connection closed). Every close must come before the node's first heartbeat ping
(bad_input_support.RawWebSocket.close_code), so a close by the heartbeat cannot pass for a refusal. The
node and every other connection carry on (conftest.py)."""

import struct

import pytest

from bad_input_support import (EIO, Case, RawWebSocket, expect_engine_error, frame, get, http_exchange,
                               websocket_session)


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


def fragmented_utf8_echo(node):
    """`é` split between two fragments is valid UTF-8 once reassembled: echoed."""
    ws = websocket_session(node.port)
    try:
        ws.send(frame(1, b'421["echo","\xc3', fin=False) + frame(0, b'\xa9"]'))
        assert ws.read_text() == '431["\u00e9"]'
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


def upgrade_refused_raw(request: bytes, message: str):
    def run(node):
        status, headers_got, body = http_exchange(node.port, request)
        assert (status, body) == (400, message.encode()), (status, body[:200])
        assert headers_got.get("connection", "").lower() == "close"
    return run


def ignored(*texts: str):
    """Engine.IO packets the reference ignores on an open WebSocket: the next echo is answered as usual."""
    def run(node):
        ws = websocket_session(node.port)
        try:
            for text in texts:
                ws.send_text(text)
            echo_works(ws, "after")
        finally:
            ws.close()
    return run


def pong_flood(node):
    """10,000 unsolicited pongs: ignored (RFC 6455 §5.5.3), the echo still answered."""
    ws = websocket_session(node.port)
    try:
        ws.send(b"".join(frame(10, b"u") for _ in range(10_000)))
        echo_works(ws, "after")
    finally:
        ws.close()


def empty_continuations(node):
    """A text message in 100,002 frames, 100,000 of them empty: reassembled, echo acked."""
    ws = websocket_session(node.port)
    try:
        ws.send(frame(1, b'427["echo","', fin=False) + frame(0, b"", fin=False) * 100_000 + frame(0, b'z"]'))
        assert ws.read_text() == '437["z"]'
    finally:
        ws.close()


def non_minimal_length(width: int):
    """A 16-byte payload announced with the 16- or 64-bit length form (RFC 6455 asks for the minimal form,
    `ws` does not check it): accepted."""
    def run(node):
        ws = websocket_session(node.port)
        try:
            payload = b'427["echo","nm"]'
            length = struct.pack(">H", len(payload)) if width == 16 else struct.pack(">Q", len(payload))
            ws.send(bytes([0x81, 0x80 | (126 if width == 16 else 127)]) + length + b"\0\0\0\0" + payload)
            assert ws.read_text() == '437["nm"]'
        finally:
            ws.close()
    return run


def close_empty(node):
    """A close frame without a status code: closed with 1000 (the reference's ws answers a close frame
    without a code, RFC 6455 allows either)."""
    ws = websocket_session(node.port)
    try:
        ws.send(frame(8, b""))
        assert ws.close_code() == 1000
    finally:
        ws.close()


def second_websocket_for_websocket_session(node):
    """An upgrade for a session that is already on WebSocket: accepted (101) and closed at once (1000); the
    session keeps working. (The reference closes at once only for a client that was upgraded from polling;
    for one that started on WebSocket it starts an upgrade and closes the newcomer after upgradeTimeout.)"""
    first = RawWebSocket(node.port)
    try:
        sid = first.open_session()
        assert first.join().startswith("40")
        second = RawWebSocket(node.port, f"&sid={sid}")
        try:
            assert second.status == 101, second.status
            assert second.close_code() == 1000
        finally:
            second.close()
        echo_works(first, "first-still-works")
    finally:
        first.close()


def upgrade_accepted(headers: str):
    """A handshake the reference accepts as well (the control for the refused upgrades)."""
    def run(node):
        ws = RawWebSocket(node.port, headers=headers)
        try:
            ws.open_session()
            assert ws.join().startswith("40")
            echo_works(ws)
        finally:
            ws.close()
    return run


KEY = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
UPGRADE = "Upgrade: websocket\r\nConnection: Upgrade\r\n"

CASES = [
    Case("frame-unmasked", "text frame without the mask bit", "close 1002", closes_with(1002, frame(1, b'42["echo"]', masked=False))),
    Case("frame-rsv1", "text frame with RSV1 (no extension negotiated)", "close 1002", closes_with(1002, frame(1, b'42["echo"]', rsv=0x40))),
    Case("frame-rsv2", "text frame with RSV2", "close 1002", closes_with(1002, frame(1, b'42["echo"]', rsv=0x20))),
    Case("frame-rsv3", "text frame with RSV3", "close 1002", closes_with(1002, frame(1, b'42["echo"]', rsv=0x10))),
    Case("frame-rsv1-on-control", "ping frame with RSV1", "close 1002", closes_with(1002, frame(9, b"p", rsv=0x40))),
    Case("opcode-reserved-data", "opcode 0x3", "close 1002", closes_with(1002, frame(3, b"x"))),
    Case("opcode-reserved-control", "opcode 0xB", "close 1002", closes_with(1002, frame(0xB, b"x"))),
    Case("control-oversized", "ping with a 126-byte payload", "close 1002", closes_with(1002, frame(9, b"p" * 126))),
    Case("close-oversized", "close frame with a 126-byte payload", "close 1002 (a control frame over 125 bytes)", closes_with(1002, frame(8, struct.pack(">H", 1000) + b"r" * 124))),
    Case("control-fragmented", "ping without FIN", "close 1002", closes_with(1002, frame(9, b"p", fin=False))),
    Case("continuation-without-start", "continuation frame with no message started", "close 1002", closes_with(1002, frame(0, b'42["echo"]'))),
    Case("text-inside-fragmented-message", "text frame (no FIN), then a new text frame", "close 1002", closes_with(1002, frame(1, b"42", fin=False) + frame(1, b"x"))),
    Case("length-2^63", "binary frame header announcing 2^63 bytes", "close 1002 (the length's top bit must be 0; ws answers 1009)", closes_with(1002, frame(2, b"", length=1 << 63)[:10])),
    Case("length-2^62", "binary frame header announcing 2^62 bytes", "close 1009", closes_with(1009, frame(2, b"", length=1 << 62)[:10])),
    Case("length-over-max-message", "text frame header announcing 2,000,000 bytes", "close 1009", closes_with(1009, frame(1, b"", length=2_000_000)[:14])),
    Case("fragments-sum-over-max-message", "two 600 KB fragments of one text message", "close 1009", closes_with(1009, frame(1, b"4" * 600_000, fin=False) + frame(0, b"4" * 600_000))),
    Case("fragments-ten-thousand", "one 10 KB echo split into 10,014 one-byte fragments", "reassembled, echo acked", ten_thousand_fragments),
    Case("ping-flood", "10,000 pings in one write, then an echo", "pongs, then the echo ack", ping_flood),
    Case("ping-inside-fragmented-message", "ping between two fragments of an echo", "pong, then the message", control_between_fragments),
    Case("close-code-999", "close frame with code 999", "close 1002", closes_with(1002, frame(8, struct.pack(">H", 999)))),
    Case("close-code-1004", "close frame with code 1004", "close 1002", closes_with(1002, frame(8, struct.pack(">H", 1004)))),
    Case("close-code-1005", "close frame with code 1005", "close 1002", closes_with(1002, frame(8, struct.pack(">H", 1005)))),
    Case("close-code-1006", "close frame with code 1006", "close 1002", closes_with(1002, frame(8, struct.pack(">H", 1006)))),
    Case("close-code-5000", "close frame with code 5000", "close 1002", closes_with(1002, frame(8, struct.pack(">H", 5000)))),
    Case("close-one-byte-payload", "close frame with a 1-byte payload", "close 1002", closes_with(1002, frame(8, b"\x03"))),
    Case("close-reason-not-utf8", "close 1000 with reason `\\xff\\xfe`", "close 1007", closes_with(1007, frame(8, struct.pack(">H", 1000) + b"\xff\xfe"))),
    Case("close-code-3000", "close frame with code 3000 and a reason", "close 3000 (a valid code is echoed, as ws does)", close_with_valid_code),
    Case("engineio-garbage-text", "text `9zzz`", "close 1000 (parse error; the reference's ws sends a close without a code)", closes_with(1000, frame(1, b"9zzz"))),
    Case("engineio-empty-text", "empty text frame", "close 1000 (parse error)", closes_with(1000, frame(1, b""))),
    Case("engineio-ping-from-client", "text `2`", "close 1000 (`invalid heartbeat direction`)", closes_with(1000, frame(1, b"2"))),
    Case("engineio-probe-on-open-websocket", "text `2probe` on a session that started on WebSocket", "close 1000 (a probe only belongs to an upgrade)", closes_with(1000, frame(1, b"2probe"))),
    Case("engineio-close-packet", "text `1`", "close 1000 (the reference ignores `1` on a WebSocket; its client closes the socket itself)", closes_with(1000, frame(1, b"1"))),
    Case("engineio-upgrade-noop-open-packets", "texts `5`, `6`, `0`, then an echo", "ignored (`5`, `6`, `0`), echo acked", ignored("5", "6", "0")),
    Case("socketio-bad-json-over-websocket", "text `42[\"echo\"`", "close 1000 (parse error)", closes_with(1000, frame(1, b'42["echo"'))),
    Case("binary-empty-message", "empty binary frame", "close 1000 (binary data outside a BINARY_EVENT)", closes_with(1000, frame(2, b""))),
    Case("text-invalid-utf8", "text `421[\"echo\",\"\\xff\\xfe\"]`", "close 1007 (ws: `invalid UTF-8 sequence`; RFC 6455 §8.1)", closes_with(1007, frame(1, b'421["echo","\xff\xfe"]'))),
    Case("text-invalid-utf8-across-fragments", "text `421[\"echo\",\"\\xc3` + continuation `\"]` (a truncated sequence)", "close 1007", closes_with(1007, frame(1, b'421["echo","\xc3', fin=False) + frame(0, b'"]'))),
    Case("text-valid-utf8-across-fragments", "`é` (`\\xc3\\xa9`) split between two fragments of an echo", "reassembled, echo acked (control)", lambda n: fragmented_utf8_echo(n)),
    Case("pong-flood", "10,000 unsolicited pongs, then an echo", "ignored, echo acked", pong_flood),
    Case("continuations-100000-empty", "an echo in 100,002 frames, 100,000 of them empty", "reassembled, echo acked", empty_continuations),
    Case("length-non-minimal-16", "16-byte echo announced with the 16-bit length form", "accepted (as ws)", non_minimal_length(16)),
    Case("length-non-minimal-64", "16-byte echo announced with the 64-bit length form", "accepted (as ws)", non_minimal_length(64)),
    Case("close-empty-payload", "close frame with no payload", "close 1000 (ws answers a close without a code)", close_empty),
    Case("upgrade-without-key", "upgrade without `Sec-WebSocket-Key`", "400 text `Bad request` (ws: `Missing or invalid Sec-WebSocket-Key header`)", upgrade_refused(UPGRADE + "Sec-WebSocket-Version: 13\r\n", "Bad request")),
    Case("upgrade-key-not-16-bytes", "`Sec-WebSocket-Key: abcd`", "400 text `Bad request` (ws: `Missing or invalid Sec-WebSocket-Key header`)", upgrade_refused(UPGRADE + "Sec-WebSocket-Key: abcd\r\nSec-WebSocket-Version: 13\r\n", "Bad request")),
    Case("upgrade-version-8", "`Sec-WebSocket-Version: 8`", "400 text `Bad request` (ws also accepts the hybi-08 version 8; ours only 13)", upgrade_refused(UPGRADE + KEY + "Sec-WebSocket-Version: 8\r\n", "Bad request")),
    Case("upgrade-version-12", "`Sec-WebSocket-Version: 12`", "400 text `Bad request` (ws: `Missing or invalid Sec-WebSocket-Version header`)", upgrade_refused(UPGRADE + KEY + "Sec-WebSocket-Version: 12\r\n", "Bad request")),
    Case("upgrade-without-version", "upgrade without `Sec-WebSocket-Version`", "400 text `Bad request`", upgrade_refused(UPGRADE + KEY, "Bad request")),
    Case("upgrade-post", "upgrade request with method POST", "400 text `Bad handshake method` (abortUpgrade, code 2)", upgrade_refused_raw(f"POST {EIO}&transport=websocket HTTP/1.1\r\nHost: x\r\n{UPGRADE}{KEY}Sec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n".encode(), "Bad handshake method")),
    Case("upgrade-h2c", "`Upgrade: h2c`", "400 code 3 Bad request (JSON: not a WebSocket upgrade)", lambda n: expect_engine_error(n.port, get(f"{EIO}&transport=websocket", "Upgrade: h2c\r\nConnection: Upgrade\r\n" + KEY + "Sec-WebSocket-Version: 13\r\n"), 3)),
    Case("upgrade-connection-token-list", "`Connection: keep-alive, Upgrade`", "accepted: `Connection: keep-alive, Upgrade` (control)", upgrade_accepted("Upgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n" + KEY + "Sec-WebSocket-Version: 13\r\n")),
    Case("upgrade-for-websocket-session", "a second WebSocket with the sid of a WebSocket session", "101, then close 1000 at once; the session keeps working (reference: taken as an upgrade attempt, closed after upgradeTimeout without a probe)", second_websocket_for_websocket_session),
    Case("upgrade-without-upgrade-header", "`transport=websocket` with `Connection: Upgrade` but no `Upgrade`", "400 code 3 Bad request (JSON: it is no upgrade)", lambda n: expect_engine_error(n.port, get(f"{EIO}&transport=websocket", "Connection: Upgrade\r\n" + KEY + "Sec-WebSocket-Version: 13\r\n"), 3)),
    Case("upgrade-unknown-sid", "upgrade with sid `ZZZZaaaaaaaaaaaaaaaa`", "400 text `Session ID unknown`", upgrade_refused(UPGRADE + KEY + "Sec-WebSocket-Version: 13\r\n", "Session ID unknown", "&sid=ZZZZaaaaaaaaaaaaaaaa")),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_websocket_bad_input(node, case):
    case.run(node)
