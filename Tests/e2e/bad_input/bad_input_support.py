"""Raw-socket tools for the bad-input table: one socketio-node per module, a client that sends exactly
the bytes a case names (HTTP, Engine.IO, WebSocket frames, Socket.IO packets), and the check that runs
after every case: the process is alive, answers /healthz, its RSS did not jump, and an unrelated
python-socketio client connected before the first case still gets its acks.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import socketio

from e2e_common import HOST, ChildProcess, free_port, package_binary, wait_until

EIO = "/socket.io/?EIO=4"
READ_TIMEOUT = 5.0
# An RSS this much above the level measured after warm-up, after any case, is a leak or an unbounded
# allocation (a case may legitimately make the process hold a few MB of buffers for a moment).
RSS_JUMP_LIMIT = 64 * 1024 * 1024


# --------------------------------------------------------------------------------------------
# The node under test
# --------------------------------------------------------------------------------------------


class Node(ChildProcess):
    """socketio-node with the bench handlers (`echo` acks its arguments) on a free port."""

    def __init__(self, workdir: Path, *extra: str):
        self.port = free_port()
        command = [str(package_binary("socketio-node")), "--host", HOST, "--port", str(self.port), "--bench-handlers",
                   "--ping-interval", "2000", "--ping-timeout", "2000", *extra]
        super().__init__(command, workdir / f"socketio-node-{self.port}.log")
        if not wait_until(self.healthy, 20):
            self.stop()
            raise AssertionError(f"socketio-node did not start\n{self.log()}")

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def healthy(self) -> bool:
        try:
            status, _, _ = http_exchange(self.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", timeout=2)
            return status == 200
        except OSError:
            return False


class Bystander:
    """A python-socketio client on `/` that took no part in any case; it must keep getting acks."""

    def __init__(self, node: Node):
        self.client = socketio.Client(reconnection=False)
        self.client.connect(node.url, transports=["websocket"], wait_timeout=10)
        self.sid = self.client.get_sid("/")
        self.count = 0

    def check(self) -> None:
        self.count += 1
        token = f"still-here-{self.count}"
        answer = self.client.call("echo", token, timeout=5)
        assert answer == token, f"bystander's echo answered {answer!r}"
        assert self.client.get_sid("/") == self.sid, "bystander was reconnected"

    def close(self) -> None:
        self.client.disconnect()


@dataclass
class Harness:
    node: Node
    bystander: Bystander
    baseline_rss: int
    checked: int = 0

    def after_case(self, name: str) -> None:
        assert self.node.alive(), f"{name}: socketio-node exited with {self.node.process.returncode}\n{self.node.log()}"
        assert self.node.healthy(), f"{name}: /healthz does not answer\n{self.node.log()}"
        rss = self.node.rss()
        assert rss - self.baseline_rss < RSS_JUMP_LIMIT, (
            f"{name}: RSS {rss >> 20} MiB, {(rss - self.baseline_rss) >> 20} MiB over the baseline")
        self.bystander.check()
        self.checked += 1


def start_harness(workdir: Path, *extra: str) -> Harness:
    node = Node(workdir, *extra)
    try:
        bystander = Bystander(node)
        bystander.check()
        time.sleep(0.2)
        return Harness(node, bystander, node.rss())
    except BaseException:
        node.stop()
        raise


# --------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------


@dataclass
class Case:
    """One row: what is sent (`run` sends it and asserts the answer) and the answer, in words."""

    name: str
    answer: str
    run: Callable[[Node], None]
    marks: list = field(default_factory=list)

    def __repr__(self) -> str:
        return self.name


# --------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------


def connect(port: int, timeout: float = READ_TIMEOUT) -> socket.socket:
    sock = socket.create_connection((HOST, port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_response(sock: socket.socket, buffer: bytearray, head_only: bool = False) -> tuple[int, dict, bytes]:
    """Reads one HTTP/1.1 response from `sock` (bytes already read are in `buffer`, and what follows
    the response stays there). (0, {}, b"") when the connection closed before a status line."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            return 0, {}, bytes(buffer)
        buffer += chunk
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    body = bytearray(rest)
    if head_only:
        length = 0
    elif "content-length" in headers:
        length = int(headers["content-length"])
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while not body.endswith(b"0\r\n\r\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
        length = len(body)
    else:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
        length = len(body)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    buffer[:] = body[length:]
    return status, headers, bytes(body[:length])


def http_exchange(port: int, request: bytes, timeout: float = READ_TIMEOUT) -> tuple[int, dict, bytes]:
    """Sends raw request bytes on a new connection and reads one response."""
    with connect(port, timeout) as sock:
        sock.sendall(request)
        return read_response(sock, bytearray())


def get(path: str, headers: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode("latin-1")


def post(path: str, body: bytes, headers: str = "") -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain;charset=UTF-8\r\n"
            f"Content-Length: {len(body)}\r\n{headers}\r\n").encode("latin-1") + body


def engine_error(code: int) -> tuple[int, dict]:
    messages = {0: "Transport unknown", 1: "Session ID unknown", 2: "Bad handshake method", 3: "Bad request",
                4: "Forbidden", 5: "Unsupported protocol version"}
    return (403 if code == 4 else 400), {"code": code, "message": messages[code]}


def expect_engine_error(port: int, request: bytes, code: int) -> None:
    status, _, body = http_exchange(port, request)
    expected_status, expected_body = engine_error(code)
    assert (status, json.loads(body or b"null")) == (expected_status, expected_body), (status, body[:200])


def expect_status(port: int, request: bytes, *statuses: int) -> tuple[int, dict, bytes]:
    status, headers, body = http_exchange(port, request)
    assert status in statuses, f"status {status}, expected one of {statuses}: {body[:200]!r}"
    return status, headers, body


def expect_closed_or_status(port: int, request: bytes, *statuses: int, timeout: float = READ_TIMEOUT) -> int:
    """The server answers one of `statuses` or closes the connection (status 0); it must not hang."""
    try:
        with connect(port, timeout) as sock:
            sock.sendall(request)
            status, _, body = read_response(sock, bytearray())
    except (ConnectionResetError, BrokenPipeError):
        status = 0
    assert status in (0, *statuses), f"status {status}, expected a close or one of {statuses}"
    return status


# --------------------------------------------------------------------------------------------
# Engine.IO polling sessions
# --------------------------------------------------------------------------------------------


def open_polling(port: int) -> str:
    """A new polling session; returns its sid."""
    status, _, body = http_exchange(port, get(f"{EIO}&transport=polling"))
    assert status == 200 and body[:1] == b"0", (status, body)
    return json.loads(body[1:])["sid"]


def poll(port: int, sid: str, timeout: float = READ_TIMEOUT) -> tuple[int, bytes]:
    status, _, body = http_exchange(port, get(f"{EIO}&transport=polling&sid={sid}"), timeout=timeout)
    return status, body


def send_polling(port: int, sid: str, body: bytes) -> tuple[int, bytes]:
    status, _, answer = http_exchange(port, post(f"{EIO}&transport=polling&sid={sid}", body))
    return status, answer


def session_closed(port: int, sid: str) -> bool:
    """Whether the session is gone: a poll answers a close packet or `Session ID unknown`."""
    status, body = poll(port, sid)
    return (status == 200 and b"1" in body.split(b"\x1e")) or (status == 400 and b'"code":1' in body)


def expect_session_closed(port: int, sid: str) -> None:
    assert wait_until(lambda: session_closed(port, sid), 5), f"session {sid} still open"


def expect_session_open(port: int, sid: str) -> None:
    """The session still answers: a ping from the client is taken (a noop POST answers ok)."""
    status, body = send_polling(port, sid, b"3")
    assert (status, body) == (200, b"ok"), (status, body)


# --------------------------------------------------------------------------------------------
# WebSocket
# --------------------------------------------------------------------------------------------

UPGRADE_HEADERS = ("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                   "Sec-WebSocket-Version: 13\r\n")


def frame(opcode: int, payload: bytes = b"", fin: bool = True, masked: bool = True, rsv: int = 0,
          length: Optional[int] = None) -> bytes:
    """A client frame; `length` overrides the announced payload length."""
    announced = len(payload) if length is None else length
    first = (0x80 if fin else 0) | rsv | opcode
    mask_bit = 0x80 if masked else 0
    if announced < 126:
        header = bytes([first, mask_bit | announced])
    elif announced < 65536:
        header = bytes([first, mask_bit | 126]) + struct.pack(">H", announced)
    else:
        header = bytes([first, mask_bit | 127]) + struct.pack(">Q", announced)
    if not masked:
        return header + payload
    key = os.urandom(4)
    return header + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


class RawWebSocket:
    """A WebSocket connection whose frames the test writes byte by byte."""

    def __init__(self, port: int, query: str = "", headers: str = UPGRADE_HEADERS):
        self.sock = connect(port)
        self.sock.sendall(get(f"{EIO}&transport=websocket{query}", headers))
        self.buffer = bytearray()
        self.status, self.headers, _ = read_response(self.sock, self.buffer, head_only=True)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send_text(self, text: str | bytes) -> None:
        self.send(frame(1, text.encode() if isinstance(text, str) else text))

    def _fill(self, count: int) -> bool:
        while len(self.buffer) < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                return False
            self.buffer += chunk
        return True

    def read_frame(self) -> Optional[tuple[int, bytes]]:
        """The next server frame (opcode, payload), None when the connection closed."""
        if not self._fill(2):
            return None
        length = self.buffer[1] & 0x7F
        offset = 2
        if length == 126:
            if not self._fill(4):
                return None
            length = struct.unpack(">H", self.buffer[2:4])[0]
            offset = 4
        elif length == 127:
            if not self._fill(10):
                return None
            length = struct.unpack(">Q", self.buffer[2:10])[0]
            offset = 10
        if not self._fill(offset + length):
            return None
        opcode = self.buffer[0] & 0x0F
        payload = bytes(self.buffer[offset:offset + length])
        del self.buffer[:offset + length]
        return opcode, payload

    def read_text(self) -> str:
        """The next text frame's payload, skipping pings and pongs."""
        while True:
            got = self.read_frame()
            assert got is not None, "connection closed"
            if got[0] == 1:
                return got[1].decode()
            assert got[0] in (9, 10), f"frame {got}"

    def close_code(self, timeout: float = READ_TIMEOUT) -> Optional[int]:
        """Reads until the server's close frame; its status code (None for a close without one or a
        connection dropped without a close frame). Fails if neither happens within `timeout`."""
        self.sock.settimeout(timeout)
        while True:
            try:
                got = self.read_frame()
            except ConnectionResetError:
                return None
            if got is None:
                return None
            if got[0] == 8:
                return struct.unpack(">H", got[1][:2])[0] if len(got[1]) >= 2 else None

    def open_session(self) -> str:
        """Reads the Engine.IO open packet; returns the sid."""
        assert self.status == 101, f"upgrade answered {self.status}"
        opened = self.read_text()
        assert opened.startswith("0"), opened
        return json.loads(opened[1:])["sid"]

    def join(self, namespace: str = "/") -> str:
        """Joins a namespace over Socket.IO; returns the CONNECT answer."""
        self.send_text("40" if namespace == "/" else f"40{namespace},")
        return self.read_text()

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def websocket_session(port: int, namespace: Optional[str] = "/") -> RawWebSocket:
    ws = RawWebSocket(port)
    ws.open_session()
    if namespace is not None:
        answer = ws.join(namespace)
        assert answer.startswith("40"), answer
    return ws
