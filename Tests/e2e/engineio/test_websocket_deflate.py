"""WebSocket permessage-deflate (RFC 7692), off by default and on with --per-message-deflate: the
negotiation in the 101 answer (or 400, as the reference's `ws` refuses a bad offer), compressed echoes
above the threshold and plain ones below it (checked on the raw frames), the bound on inflated size
(1009), bad compressed data (1007), RSV1 where it may not be (1002), and real clients (aiohttp, and
python-engineio's asyncio client) that offer the extension."""

import asyncio
import base64
import os
import socket
import struct
import zlib

import aiohttp
import pytest

TAIL = b"\x00\x00\xff\xff"
DEFLATE = "--per-message-deflate"


class RawWebSocket:
    """A client WebSocket over a plain socket: writes masked frames with any RSV1, reads frames with it."""

    def __init__(self, sock: socket.socket, leftover: bytes):
        self.sock = sock
        self.buffer = leftover

    def send_frame(self, opcode: int, payload: bytes, rsv1: bool = False, fin: bool = True) -> None:
        first = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", first, 0x80 | n)
        elif n <= 0xFFFF:
            head = struct.pack("!BBH", first, 0x80 | 126, n)
        else:
            head = struct.pack("!BBQ", first, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def _read(self, n: int) -> bytes | None:
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def read_frame(self) -> tuple[bool, int, bytes] | None:
        """(rsv1, opcode, payload) of the next frame, or None when the connection closed."""
        head = self._read(2)
        if head is None:
            return None
        rsv1, opcode, length = bool(head[0] & 0x40), head[0] & 0x0F, head[1] & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._read(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._read(8))[0]
        payload = self._read(length)
        assert payload is not None
        return rsv1, opcode, payload

    def read_data(self) -> tuple[bool, int, bytes]:
        """The next text or binary frame, skipping Engine.IO pings answered by nobody."""
        while True:
            got = self.read_frame()
            assert got is not None, "connection closed"
            if got[1] in (1, 2):
                return got

    def close_code(self) -> int | None:
        while True:
            got = self.read_frame()
            if got is None:
                return None
            if got[1] == 8:
                return struct.unpack("!H", got[2][:2])[0] if len(got[2]) >= 2 else None


def upgrade(srv, extensions: str | None) -> tuple[int, dict, RawWebSocket]:
    """Opens a WebSocket session by hand; returns (status, response headers, socket)."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {srv.eio_target(transport='websocket')} HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\n"
        f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        + (f"Sec-WebSocket-Extensions: {extensions}\r\n" if extensions is not None else "")
        + "\r\n"
    )
    sock = srv.raw_socket()
    sock.sendall(request.encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, RawWebSocket(sock, rest)


def open_session(srv, extensions: str | None = "permessage-deflate; client_max_window_bits", inflater=None) -> RawWebSocket:
    """A session with its open packet read: plain (it is under the default threshold), or
    compressed when an `inflater` is given (a low threshold)."""
    status, headers, ws = upgrade(srv, extensions)
    assert status == 101, (status, headers)
    rsv1, opcode, payload = ws.read_data()
    if inflater is not None:
        assert rsv1
        payload = inflater.decompress(payload + TAIL)
    assert (rsv1, opcode, payload[:1]) == (inflater is not None, 1, b"0")
    return ws


def deflate_message(compressor, data: bytes) -> bytes:
    out = compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(TAIL)
    return out[:-4]


@pytest.mark.parametrize(
    "offer, answer",
    [
        ("permessage-deflate", "permessage-deflate"),
        ("permessage-deflate; client_max_window_bits", "permessage-deflate"),
        ("permessage-deflate; client_max_window_bits=10", "permessage-deflate; client_max_window_bits=10"),
        ("permessage-deflate; server_max_window_bits=12", "permessage-deflate; server_max_window_bits=12"),
        ("permessage-deflate; server_no_context_takeover", "permessage-deflate; server_no_context_takeover"),
        ("x-webkit-deflate-frame, permessage-deflate; client_no_context_takeover", "permessage-deflate; client_no_context_takeover"),
        ("x-webkit-deflate-frame", None),
    ],
)
def test_negotiated_answer(start_server, offer, answer):
    srv = start_server(DEFLATE)
    status, headers, _ = upgrade(srv, offer)
    assert status == 101
    assert headers.get("sec-websocket-extensions") == answer


@pytest.mark.parametrize(
    "offer",
    [
        "permessage-deflate; client_max_window_bits=16",
        "permessage-deflate; server_max_window_bits",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "permessage-deflate; bogus",
        "permessage-deflate; server_max_window_bits=10, permessage-deflate; nope",
        "permessage-deflate,,",
        "",
    ],
)
def test_invalid_offer_fails_the_upgrade_with_400(start_server, offer):
    srv = start_server(DEFLATE)
    status, _, _ = upgrade(srv, offer)
    assert status == 400
    # The node carries on.
    open_session(srv)


def test_off_by_default(start_server):
    srv = start_server()
    status, headers, ws = upgrade(srv, "permessage-deflate; client_max_window_bits")
    assert status == 101
    assert "sec-websocket-extensions" not in headers
    ws.read_data()
    ws.send_frame(1, b"4" + b"x" * 5000)
    assert ws.read_data() == (False, 1, b"4" + b"x" * 5000), "sent plain"
    # A bad offer is not even looked at when the extension is off, as with `ws`.
    assert upgrade(srv, "permessage-deflate; bogus")[0] == 101


def test_large_messages_are_echoed_compressed_and_small_ones_plain(start_server):
    srv = start_server(DEFLATE)
    ws = open_session(srv)
    inflater = zlib.decompressobj(-15)
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    for round_ in range(3):
        message = ("4" + f"round {round_} " + "compress me please " * 300).encode()
        ws.send_frame(1, deflate_message(compressor, message), rsv1=True)
        rsv1, opcode, payload = ws.read_data()
        assert (rsv1, opcode) == (True, 1)
        assert len(payload) < len(message) // 10
        # Context takeover: one inflater for the whole connection.
        assert inflater.decompress(payload + TAIL) == message
    # Below the 1024-byte threshold the echo goes out plain, whether the client compressed it or not.
    ws.send_frame(1, deflate_message(compressor, b"4small"), rsv1=True)
    assert ws.read_data() == (False, 1, b"4small")
    ws.send_frame(1, b"4" + b"s" * 1022)
    assert ws.read_data() == (False, 1, b"4" + b"s" * 1022)
    ws.send_frame(1, b"4" + b"s" * 1023)
    rsv1, _, payload = ws.read_data()
    assert rsv1 and inflater.decompress(payload + TAIL) == b"4" + b"s" * 1023, "1024 bytes: compressed"


def test_threshold_option(start_server):
    srv = start_server(DEFLATE, "--per-message-deflate-threshold", "10")
    inflater = zlib.decompressobj(-15)
    ws = open_session(srv, inflater=inflater)
    ws.send_frame(1, b"4" + b"t" * 20)
    rsv1, _, payload = ws.read_data()
    assert rsv1 and inflater.decompress(payload + TAIL) == b"4" + b"t" * 20
    ws.send_frame(1, b"4" + b"t" * 8)
    assert ws.read_data() == (False, 1, b"4" + b"t" * 8)


def test_binary_and_fragmented_compressed_messages(start_server):
    srv = start_server(DEFLATE)
    ws = open_session(srv)
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    inflater = zlib.decompressobj(-15)
    blob = bytes(range(256)) * 20
    compressed = deflate_message(compressor, blob)
    # RSV1 on the first fragment only.
    ws.send_frame(2, compressed[:10], rsv1=True, fin=False)
    ws.send_frame(0, compressed[10:])
    rsv1, opcode, payload = ws.read_data()
    assert (rsv1, opcode) == (True, 2)
    assert inflater.decompress(payload + TAIL) == blob


def test_deflate_bomb_closes_with_1009(start_server):
    """About 1 KB on the wire that inflates to 1 MB, against a 100 kB limit: closed with 1009."""
    srv = start_server(DEFLATE, "--max-payload", "100000")
    ws = open_session(srv)
    bomb = deflate_message(zlib.compressobj(9, zlib.DEFLATED, -15), b"4" + b"a" * 1_000_000)
    assert len(bomb) < 1500
    ws.send_frame(1, bomb, rsv1=True)
    assert ws.close_code() == 1009
    # Just under the limit is fine.
    ws2 = open_session(srv)
    message = b"4" + b"a" * 99_999
    ws2.send_frame(1, deflate_message(zlib.compressobj(9, zlib.DEFLATED, -15), message), rsv1=True)
    rsv1, _, payload = ws2.read_data()
    assert rsv1 and zlib.decompressobj(-15).decompress(payload + TAIL) == message


@pytest.mark.parametrize(
    "frames, code",
    [
        ([(1, b"\xff\xff\xff\xff", True, True)], 1007),  # not DEFLATE data
        ([(1, deflate_message(zlib.compressobj(6, zlib.DEFLATED, -15), b"4\xc3\x28"), True, True)], 1007),  # not UTF-8
        ([(1, b"4a", False, False), (0, b"b", True, True)], 1002),  # RSV1 on a continuation
        ([(9, b"", True, True)], 1002),  # RSV1 on a ping
    ],
    ids=["invalid-deflate", "inflated-not-utf8", "rsv1-continuation", "rsv1-ping"],
)
def test_bad_compressed_frames(start_server, frames, code):
    srv = start_server(DEFLATE)
    ws = open_session(srv)
    for opcode, payload, rsv1, fin in frames:
        ws.send_frame(opcode, payload, rsv1=rsv1, fin=fin)
    assert ws.close_code() == code
    other = open_session(srv)
    other.send_frame(1, b"4still here")
    assert other.read_data() == (False, 1, b"4still here")


def test_rsv1_without_the_extension_is_a_protocol_error(start_server):
    srv = start_server(DEFLATE)
    ws = open_session(srv, extensions=None)
    ws.send_frame(1, deflate_message(zlib.compressobj(), b"4hello"), rsv1=True)
    assert ws.close_code() == 1002


def test_aiohttp_client_negotiates_and_round_trips(start_server, eio):
    srv = start_server(DEFLATE)

    async def scenario():
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(srv.ws_url(), compress=15) as ws:
                assert ws.compress == 15, "the server accepted permessage-deflate"
                opening = await ws.receive_str(timeout=5)
                assert opening.startswith("0{")
                for message in ["4" + "aiohttp " * 1000, "4tiny", "4" + "é" * 3000]:
                    await ws.send_str(message)
                    assert await ws.receive_str(timeout=5) == message
                await ws.send_bytes(bytes(5000))
                assert await ws.receive_bytes(timeout=5) == bytes(5000)

    eio.run(scenario())


@pytest.mark.parametrize("mode", ["websocket", "upgrade"])
def test_python_engineio_client_works_with_deflate(start_server, eio, mode):
    """python-engineio's asyncio client (aiohttp underneath, which offers the extension when asked)."""
    srv = start_server(DEFLATE)

    async def scenario():
        async with eio.client(srv, mode, websocket_extra_options={"compress": 15}) as client:
            assert client.ws.compress == 15, "permessage-deflate negotiated"
            big = "engine.io " * 500
            await client.send(big)
            assert await client.next_message() == big
            await client.send("small")
            assert await client.next_message() == "small"

    eio.run(scenario())


def test_server_no_context_takeover_compresses_every_message_alone(start_server):
    srv = start_server(DEFLATE)
    ws = open_session(srv, extensions="permessage-deflate; server_no_context_takeover")
    message = b"4" + b"same message, same bytes " * 100
    payloads = []
    for _ in range(3):
        ws.send_frame(1, message)
        rsv1, _, payload = ws.read_data()
        assert rsv1
        assert zlib.decompressobj(-15).decompress(payload + TAIL) == message, "decodes with a fresh inflater"
        payloads.append(payload)
    assert payloads[0] == payloads[1] == payloads[2]
