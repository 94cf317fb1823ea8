"""Raw-socket tools for the bad-input table: one socketio-node per module, a client that sends exactly
the bytes a case names (HTTP, Engine.IO, WebSocket frames, Socket.IO packets), and the check that runs
after every case: the process is alive, answers /healthz, its RSS did not jump, and two unrelated
python-socketio clients connected before the first case (one on `/` over WebSocket, one on `/chat` over
polling) still get their acks.

Timing matters for the "closed" answers: the node runs the reference's heartbeat (a ping every 25 s,
20 s for the pong), and a session a raw client leaves silent is closed by that heartbeat eventually. A
check that only waited for "closed" could therefore pass even when the bad input was ignored. The checks
here demand the close before the first heartbeat: a WebSocket close frame with no Engine.IO ping before
it, and for polling an answer to the very next GET (the close packet or `Session ID unknown`) given at
once, not a parked GET. (The default heartbeat also keeps the bystanders' sessions from timing out while
a row makes the node work for a while, as the 1 MB POST of 500,000 records does in a debug build.)
"""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

import socketio

from e2e_common import HOST, BackgroundCall, ChildProcess, free_port, package_binary, wait_until

EIO = "/socket.io/?EIO=4"
READ_TIMEOUT = 5.0
# An RSS this much above the level measured after warm-up, after any case, is a leak or an unbounded
# allocation (a case may legitimately make the process hold a few MB of buffers for a moment).
RSS_JUMP_LIMIT = 64 * 1024 * 1024
PING_INTERVAL_MS = 25000
# Settings cleared from the inherited environment: the flags below are the whole configuration.
NODE_VARIABLES = ("HOST PORT NODE_ID ADVERTISE REDIS ADAPTER KEY_PREFIX CORS_ORIGIN PING_INTERVAL PING_TIMEOUT "
                  "MAX_HTTP_BUFFER_SIZE CONNECT_TIMEOUT LOG_LEVEL CLIENT_SCRIPT BENCH_HANDLERS SHUTDOWN_TIMEOUT "
                  "SHUTDOWN_DELAY THREADS").split()


# --------------------------------------------------------------------------------------------
# The node under test
# --------------------------------------------------------------------------------------------


class Node(ChildProcess):
    """socketio-node with the bench handlers (`echo` acks its arguments) on a free port, alone (no Redis:
    the SOCKETIO_* variables of the caller's environment are cleared)."""

    def __init__(self, workdir: Path, *extra: str):
        self.port = free_port()
        command = [str(package_binary("socketio-node")), "--host", HOST, "--port", str(self.port), "--bench-handlers",
                   "--ping-interval", str(PING_INTERVAL_MS), "--ping-timeout", "20000", *extra]
        self.log_path = workdir / f"socketio-node-{self.port}.log"
        env = {k: v for k, v in os.environ.items() if not (k.startswith("SOCKETIO_") and k[9:] in NODE_VARIABLES)}
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            env=env)
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

    def stop_checked(self) -> None:
        """Stops the node (SIGTERM, by PID); fails if it had died or does not exit cleanly."""
        died = self.process.poll()
        self.stop()
        assert died is None, f"socketio-node died during the module with {died}\n{self.log()}"
        assert self.process.returncode in (0, -15), (
            f"socketio-node exited with {self.process.returncode} on SIGTERM\n{self.log()}")


class Bystander:
    """Two python-socketio clients that take no part in any case and must keep getting acks: one on `/`
    over WebSocket (`echo`), one on `/chat` over HTTP long-polling (`join`)."""

    def __init__(self, node: Node):
        self.client = socketio.Client(reconnection=False)
        self.client.connect(node.url, transports=["websocket"], wait_timeout=10)
        self.sid = self.client.get_sid("/")
        self.chat = socketio.Client(reconnection=False)
        self.chat.connect(node.url, namespaces=["/chat"], transports=["polling"], wait_timeout=10)
        self.chat_sid = self.chat.get_sid("/chat")
        self.count = 0

    def check(self) -> None:
        self.count += 1
        token = f"still-here-{self.count}"
        answer = self.client.call("echo", token, timeout=5)
        assert answer == token, f"bystander's echo answered {answer!r}"
        assert self.client.get_sid("/") == self.sid, "bystander was reconnected"
        answer = self.chat.call("join", f"room-{self.count}", namespace="/chat", timeout=5)
        assert answer == {"ok": True, "room": f"room-{self.count}"}, f"polling bystander's join answered {answer!r}"
        assert self.chat.get_sid("/chat") == self.chat_sid, "polling bystander was reconnected"

    def close(self) -> None:
        self.client.disconnect()
        self.chat.disconnect()


@dataclass
class Harness:
    """The module's node and bystanders. A failed after-case check fails its case and then puts the
    harness back in order (a new node if it died, new bystanders if they were dropped), so that one
    finding does not fail every later row of the module."""

    node: Node
    bystander: Bystander
    baseline_rss: int
    workdir: Path
    extra: tuple = ()
    checked: int = 0

    def after_case(self, name: str) -> None:
        try:
            self._check(name)
        except BaseException:
            self._recover()
            raise
        self.checked += 1

    def _check(self, name: str) -> None:
        assert self.node.alive(), f"{name}: socketio-node exited with {self.node.process.returncode}\n{self.node.log()}"
        assert self.node.healthy(), f"{name}: /healthz does not answer\n{self.node.log()}"
        rss = self.node.rss()
        assert rss - self.baseline_rss < RSS_JUMP_LIMIT, (
            f"{name}: RSS {rss >> 20} MiB, {(rss - self.baseline_rss) >> 20} MiB over the baseline")
        try:
            self.bystander.check()
        except Exception as error:
            raise AssertionError(f"{name}: an unrelated client lost its acks: {error!r}\n{self.node.log()}") from error

    def _recover(self) -> None:
        try:
            self.bystander.close()
        except Exception:
            pass
        if not (self.node.alive() and self.node.healthy()):
            self.node.stop()
            fresh = start_harness(self.workdir, *self.extra)
            self.node, self.bystander, self.baseline_rss = fresh.node, fresh.bystander, fresh.baseline_rss
            return
        self.bystander = Bystander(self.node)
        self.bystander.check()
        self.baseline_rss = max(self.baseline_rss, self.node.rss())


def routing_tag(node_id: str) -> str:
    """The routing tag (first 4 characters of every sid) that a node with this id mints."""
    done = subprocess.run([str(package_binary("socketio-node")), "--node-id", node_id, "--print-routing-tag"],
                          capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
    tag = done.stdout.strip()
    assert done.returncode == 0 and len(tag) == 4, (done.returncode, done.stdout, done.stderr)
    return tag


def start_harness(workdir: Path, *extra: str) -> Harness:
    node = Node(workdir, *extra)
    try:
        bystander = Bystander(node)
        bystander.check()
        time.sleep(0.2)
        return Harness(node, bystander, node.rss(), workdir, extra)
    except BaseException:
        node.stop()
        raise




# --------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------


@dataclass
class Case:
    """One row of the table: its id, the input in words (`sent`), the expected answer in words (with the
    reference's answer where ours differs), and `run`, which sends exactly that input to the node and
    asserts exactly that answer."""

    name: str
    sent: str
    answer: str
    run: Callable[[Node], None]

    def __post_init__(self) -> None:
        assert self.name and self.sent and self.answer, f"incomplete row {self.name!r}"

    def __repr__(self) -> str:
        return self.name


def markdown_rows(cases: list[Case], test: str) -> list[str]:
    """The rows of docs/reliability.md's table for these cases: input, answer, test id."""
    return [f"| {case.sent} | {case.answer} | `{test}[{case.name}]` |" for case in cases]


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


CLOSE_PACKET = (200, b"1")
UNKNOWN_SID = (400, b'{"code":1,"message":"Session ID unknown"}')


def next_poll(port: int, sid: str) -> tuple[int, bytes]:
    """The answer to the next GET of a session that a case just closed. It must come at once: a GET
    still parked after 1.5 s (or answered with the heartbeat's ping) means the session is open."""
    try:
        return poll(port, sid, timeout=1.5)
    except socket.timeout:
        return 0, b"(GET parked: the session is still open)"


def expect_session_closed(port: int, sid: str, answer: tuple[int, bytes] = UNKNOWN_SID) -> None:
    """The session is closed now: the next GET answers `answer` at once (`UNKNOWN_SID` once the session
    is gone, `CLOSE_PACKET` when it was closing with the close packet still to deliver, as the
    reference's polling transport does after a Socket.IO-level close)."""
    got = next_poll(port, sid)
    assert got == answer, f"next GET of {sid} answered {got!r}, expected {answer!r}"
    if answer == CLOSE_PACKET:
        # What a GET right after the close packet answers is its own row (`get-pipelined-after-close-packet`).
        assert wait_until(lambda: next_poll(port, sid) == UNKNOWN_SID, 3), f"{sid} still known after its close packet"


def expect_session_open(port: int, sid: str) -> None:
    """The session still answers: a pong from the client is taken (a closed one answers 400)."""
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
        """The next text frame's payload, skipping WebSocket pings and pongs and answering the
        Engine.IO heartbeat (`2` → `3`), so slow cases are not cut short by it."""
        while True:
            got = self.read_frame()
            assert got is not None, "connection closed"
            if got == (1, b"2"):
                self.send_text("3")
                continue
            if got[0] == 1:
                return got[1].decode()
            assert got[0] in (9, 10), f"frame {got}"

    def close_code(self, timeout: float = READ_TIMEOUT) -> Optional[int]:
        """Reads until the server's close frame; its status code (None for a close frame without one, or a
        connection dropped without a close frame). Fails if neither happens within `timeout`, and fails if
        the server sends its Engine.IO heartbeat ping first: that close would be the heartbeat's (the raw
        client never answers), not the refusal of the input."""
        self.sock.settimeout(timeout)
        seen: list = []
        while True:
            try:
                got = self.read_frame()
            except ConnectionResetError:
                return None
            if got is None:
                return None
            assert got != (1, b"2"), f"no close before the heartbeat (the input was not refused); frames: {seen}"
            if got[0] == 8:
                return struct.unpack(">H", got[1][:2])[0] if len(got[1]) >= 2 else None
            seen.append(got if len(got[1]) < 80 else (got[0], got[1][:80] + b"..."))

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
