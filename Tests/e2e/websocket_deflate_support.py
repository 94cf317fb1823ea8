"""A client WebSocket over a plain socket for the permessage-deflate tests: masked frames with any
RSV1 out, frames with their RSV1 in, and raw DEFLATE helpers (Python's zlib)."""

import base64
import os
import socket
import struct
import zlib

TAIL = b"\x00\x00\xff\xff"


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


def upgrade(srv, extensions: str | None, target: str | None = None) -> tuple[int, dict, RawWebSocket]:
    """Opens a WebSocket session by hand (on /engine.io/ unless `target` is given); returns (status,
    response headers, socket)."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {target or srv.eio_target(transport='websocket')} HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\n"
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


def deflate_message(compressor, data: bytes) -> bytes:
    out = compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(TAIL)
    return out[:-4]
