"""Shared fixtures for the black-box end-to-end tests.

The servers under test are the package's executables, started as child processes on a free
loopback port and stopped (by PID) at teardown. A server that dies before teardown, or dies of
anything but the SIGTERM we send it, fails the test that started it.

Executables are looked up in $SOCKETIO_BIN_DIR (default <repo>/.build/debug). When one is
missing the test is skipped, or fails when CI=true.

Fixtures:
  start_server(*args, name="engineio-echo") -> Server   start a server process, wait until it accepts;
                                                        Server has HTTP/WebSocket/raw-socket helpers
  eio                                                   protocol helpers (EioTools): expected error
                                                        responses, WebSocket receive/close waits,
                                                        python-engineio client, bounded asyncio runner
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import warnings
from pathlib import Path
from typing import Any, Callable, Optional

import engineio
import pytest
import websocket
from engineio import packet as eio_packet

from e2e_common import HOST, REPO_ROOT, BackgroundCall, free_port  # noqa: F401  (free_port is used by the suites)
from e2e_common import package_binary as binary_path  # noqa: F401
from e2e_common import wait_until as eventually  # noqa: F401  (blocking; the suites' name for it)
EIO_PATH = "/engine.io/"
RECORD_SEPARATOR = "\x1e"

START_TIMEOUT = 20.0  # seconds until a started server must accept TCP connections
STOP_TIMEOUT = 5.0  # seconds between SIGTERM and SIGKILL at teardown
HTTP_TIMEOUT = 10.0  # socket timeout of every HTTP request made by the helpers

ERROR_MESSAGES = {
    0: "Transport unknown",
    1: "Session ID unknown",
    2: "Bad handshake method",
    3: "Bad request",
    4: "Forbidden",
    5: "Unsupported protocol version",
}

# Exit statuses that mean "stopped by our SIGTERM" (graceful exit, or killed by the signal).
CLEAN_EXIT_CODES = {0, -signal.SIGTERM, 128 + signal.SIGTERM}


# --------------------------------------------------------------------------------------------
# Locating binaries and ports
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# HTTP helpers
# --------------------------------------------------------------------------------------------


class HttpResponse:
    """A complete HTTP response, body exactly as sent (never decompressed)."""

    def __init__(self, status: int, reason: str, headers: http.client.HTTPMessage, body: bytes):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body

    def header(self, name: str) -> Optional[str]:
        return self.headers.get(name)

    def header_all(self, name: str) -> list[str]:
        return self.headers.get_all(name) or []

    @property
    def media_type(self) -> Optional[str]:
        value = self.header("Content-Type")
        return value.split(";")[0].strip().lower() if value is not None else None

    @property
    def charset(self) -> Optional[str]:
        value = self.header("Content-Type") or ""
        for param in value.split(";")[1:]:
            key, _, val = param.strip().partition("=")
            if key.strip().lower() == "charset":
                return val.strip().strip('"').lower()
        return None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)

    def packets(self) -> list[str]:
        """The Engine.IO packets of a polling response body."""
        return self.text.split(RECORD_SEPARATOR) if self.body else []

    def summary(self) -> tuple:
        """(status, media type, JSON body or raw body) - compare with eio_error(code)."""
        try:
            body: Any = self.json()
        except ValueError:
            body = self.body
        return (self.status, self.media_type, body)

    def __repr__(self) -> str:
        headers = ", ".join(f"{k}: {v}" for k, v in self.headers.items())
        return f"<HTTP {self.status} {self.reason} [{headers}] {self.body[:300]!r}>"


def expected_error(code: int) -> tuple:
    """The summary() of an Engine.IO error response with this code."""
    return (403 if code == 4 else 400, "application/json", {"code": code, "message": ERROR_MESSAGES[code]})




# --------------------------------------------------------------------------------------------
# The server process
# --------------------------------------------------------------------------------------------


class Server:
    """A running server binary plus helpers that speak to it."""

    def __init__(self, executable: Path, args: list[str], log_path: Path):
        self.executable = executable
        self.args = args
        self.log_path = log_path
        self.port = 0
        self.proc: Optional[subprocess.Popen] = None
        self._resources: list[Any] = []
        self._lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        for attempt in range(3):
            self.port = free_port()
            cmd = [str(self.executable), "--host", HOST, "--port", str(self.port), *self.args]
            with open(self.log_path, "ab") as log:
                log.write(f"$ {' '.join(cmd)}\n".encode())
                log.flush()
                self.proc = subprocess.Popen(
                    cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT
                )
            if self._wait_ready():
                return
            if self.proc.poll() is None:
                self._terminate()
                pytest.fail(
                    f"{self.executable.name} did not accept connections on port {self.port} "
                    f"within {START_TIMEOUT}s\n{self.log_tail()}",
                    pytrace=False,
                )
            # It exited. Retry only if somebody grabbed the port between our probe and its bind.
            if "address already in use" not in self.log_tail().lower() or attempt == 2:
                pytest.fail(
                    f"{self.executable.name} exited with status {self.proc.returncode} before "
                    f"accepting connections\n{self.log_tail()}",
                    pytrace=False,
                )

    def _wait_ready(self) -> bool:
        assert self.proc is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    def _terminate(self) -> tuple[Optional[int], bool]:
        """SIGTERM, then SIGKILL after STOP_TIMEOUT. Returns (exit status, needed SIGKILL)."""
        assert self.proc is not None
        if self.proc.poll() is not None:
            return self.proc.returncode, False
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=STOP_TIMEOUT), False
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(timeout=STOP_TIMEOUT), True

    def stop(self) -> Optional[str]:
        """Stops the process; returns a failure description if it crashed."""
        if self.proc is None:
            return None
        self.close_clients()
        crashed_before = self.proc.poll()
        if crashed_before is not None:
            return (
                f"{self.executable.name} (pid {self.proc.pid}) died during the test with status "
                f"{crashed_before}\n{self.log_tail()}"
            )
        status, killed = self._terminate()
        if killed:
            warnings.warn(
                f"{self.executable.name} (pid {self.proc.pid}) ignored SIGTERM for {STOP_TIMEOUT}s "
                "and was killed"
            )
            return None
        if status not in CLEAN_EXIT_CODES:
            return (
                f"{self.executable.name} (pid {self.proc.pid}) exited with status {status} on "
                f"SIGTERM\n{self.log_tail()}"
            )
        return None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        tail = text.splitlines()[-lines:]
        return "--- server log (tail) ---\n" + "\n".join(tail)

    # -- client resources closed before the server is stopped --------------------------------

    def track(self, resource: Any) -> Any:
        with self._lock:
            self._resources.append(resource)
        return resource

    def close_clients(self) -> None:
        with self._lock:
            resources, self._resources = self._resources, []
        for res in reversed(resources):
            with contextlib.suppress(Exception):
                sock = getattr(res, "sock", None) if not isinstance(res, socket.socket) else res
                if isinstance(sock, socket.socket):
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                res.close()

    # -- URLs --------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @staticmethod
    def eio_target(
        sid: Optional[str] = None, transport: Optional[str] = "polling", EIO: Optional[str] = "4", **extra: Any
    ) -> str:
        """Request target /engine.io/?EIO=..&transport=..[&sid=..]; a None value leaves the key out."""
        query = {"EIO": EIO, "transport": transport, "sid": sid, **extra}
        pairs = [(k, str(v)) for k, v in query.items() if v is not None]
        return EIO_PATH + "?" + urllib.parse.urlencode(pairs)

    # -- HTTP --------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        target: str,
        headers: Optional[dict] = None,
        body: Optional[bytes | str] = None,
        timeout: float = HTTP_TIMEOUT,
    ) -> HttpResponse:
        """One request on a fresh connection. http.client sends Accept-Encoding: identity unless
        the caller sets Accept-Encoding."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        self.track(conn)
        try:
            conn.request(method, target, body=body, headers=dict(headers or {}))
            resp = conn.getresponse()
            data = resp.read()
            return HttpResponse(resp.status, resp.reason, resp.msg, data)
        finally:
            conn.close()

    def get(self, sid: Optional[str] = None, headers: Optional[dict] = None, timeout: float = HTTP_TIMEOUT, **query: Any) -> HttpResponse:
        return self.request("GET", self.eio_target(sid=sid, **query), headers=headers, timeout=timeout)

    def post(
        self, sid: Optional[str], body: bytes | str, headers: Optional[dict] = None, timeout: float = HTTP_TIMEOUT, **query: Any
    ) -> HttpResponse:
        all_headers = {"Content-Type": "text/plain;charset=UTF-8", **(headers or {})}
        return self.request("POST", self.eio_target(sid=sid, **query), headers=all_headers, body=body, timeout=timeout)

    def background(self, fn: Callable[[], Any]) -> BackgroundCall:
        return BackgroundCall(fn)

    def background_get(self, sid: str, headers: Optional[dict] = None, timeout: float = HTTP_TIMEOUT) -> BackgroundCall:
        return BackgroundCall(lambda: self.get(sid, headers=headers, timeout=timeout))

    def handshake(self, headers: Optional[dict] = None, **query: Any) -> tuple[str, dict, HttpResponse]:
        """Polling handshake; returns (sid, open packet data, response)."""
        resp = self.get(None, headers=headers, **query)
        assert resp.status == 200, f"handshake failed: {resp!r}"
        assert resp.text.startswith("0"), f"handshake body is not an open packet: {resp!r}"
        data = json.loads(resp.text[1:])
        return data["sid"], data, resp

    def poll_until(self, sid: str, wanted: Callable[[list[str]], bool], timeout: float = 5.0, answer_pings: bool = True) -> list[str]:
        """Polls (answering pings) until the packets received so far satisfy `wanted`; returns them."""
        deadline = time.monotonic() + timeout
        seen: list[str] = []
        while not wanted(seen):
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"gave up polling after {timeout}s; got {seen!r}"
            resp = self.get(sid, timeout=max(remaining, 0.1))
            assert resp.status == 200, f"poll failed: {resp!r}"
            for pkt in resp.packets():
                seen.append(pkt)
                if pkt == "2" and answer_pings:
                    assert self.post(sid, "3").status == 200
        return seen

    def stats(self) -> dict:
        resp = self.request("GET", "/stats")
        assert resp.status == 200, f"/stats failed: {resp!r}"
        return resp.json()

    def sessions(self) -> int:
        return int(self.stats()["sessions"])

    def wait_sessions(self, count: int, timeout: float) -> int:
        """Polls /stats until it reports `count` sessions or timeout passes; returns the last count."""
        deadline = time.monotonic() + timeout
        while True:
            current = self.sessions()
            if current == count or time.monotonic() >= deadline:
                return current
            time.sleep(0.05)

    # -- WebSocket and raw sockets -----------------------------------------------------------

    def ws_url(self, **query: Any) -> str:
        query.setdefault("transport", "websocket")
        return f"ws://{HOST}:{self.port}" + self.eio_target(**query)

    def ws_connect(self, timeout: float = 5.0, header: Optional[list[str]] = None, **query: Any) -> websocket.WebSocket:
        """A websocket-client connection to /engine.io/?EIO=4&transport=websocket&...; fails the
        test if the handshake is refused."""
        ws = websocket.WebSocket(enable_multithread=True)
        self.track(ws)
        ws.settimeout(timeout)
        ws.connect(self.ws_url(**query), timeout=timeout, header=header or [])
        return ws

    def raw_socket(self, timeout: float = 5.0) -> socket.socket:
        sock = socket.create_connection((HOST, self.port), timeout=timeout)
        self.track(sock)
        return sock

    def raw_ws_upgrade(self, target: str, extra_headers: str = "", timeout: float = 5.0) -> tuple[str, bytes]:
        """Sends a well-formed WebSocket upgrade request by hand; returns (status line, all
        bytes received until the server closed or 0.5s of silence after the head)."""
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {target} HTTP/1.1\r\n"
            f"Host: {HOST}:{self.port}\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n"
            f"{extra_headers}"
            "\r\n"
        )
        sock = self.raw_socket(timeout=timeout)
        sock.sendall(request.encode())
        data = b""
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in data and time.monotonic() < deadline:
            try:
                chunk = sock.recv(4096)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            data += chunk
        status_line = data.split(b"\r\n", 1)[0].decode("latin-1")
        sock.close()
        return status_line, data


def recv_ws(ws: websocket.WebSocket, timeout: float = 5.0, skip_noop: bool = True) -> str | bytes:
    """Next data message: str for a text frame, bytes for a binary frame; noop packets ("6") are
    skipped unless skip_noop is False. Raises on close, or when nothing arrives within timeout."""
    deadline = time.monotonic() + timeout
    while True:
        ws.settimeout(max(deadline - time.monotonic(), 0.01))
        opcode, data = ws.recv_data()
        if opcode == websocket.ABNF.OPCODE_TEXT:
            text = data.decode("utf-8")
            if skip_noop and text == "6":
                continue
            return text
        if opcode == websocket.ABNF.OPCODE_BINARY:
            return data
        raise AssertionError(f"WebSocket closed instead of sending a message (opcode {opcode}, {data!r})")


def wait_ws_closed(ws: websocket.WebSocket, timeout: float) -> tuple[bool, list]:
    """Waits until the server closes the WebSocket; returns (closed, data messages seen meanwhile)."""
    deadline = time.monotonic() + timeout
    seen: list = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False, seen
        ws.settimeout(remaining)
        try:
            opcode, data = ws.recv_data(control_frame=True)
        except websocket.WebSocketTimeoutException:
            return False, seen
        except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
            return True, seen
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return True, seen
        if opcode == websocket.ABNF.OPCODE_TEXT:
            seen.append(data.decode("utf-8"))
        elif opcode == websocket.ABNF.OPCODE_BINARY:
            seen.append(data)


# --------------------------------------------------------------------------------------------
# python-engineio client
# --------------------------------------------------------------------------------------------


class RecordingClient(engineio.AsyncClient):
    """An engineio.AsyncClient that records what a user would observe (messages in order,
    disconnect events, pings) and can be told to stop answering pings."""

    def __init__(self, **kwargs: Any):
        super().__init__(handle_sigint=False, request_timeout=5, **kwargs)
        self.messages: asyncio.Queue = asyncio.Queue()
        self.disconnected = asyncio.Event()
        self.disconnect_reasons: list[str] = []
        self.pings_received = 0
        self.answer_pings = True
        self.on("message", self._record_message)
        self.on("disconnect", self._record_disconnect)

    def _record_message(self, data: Any) -> None:
        self.messages.put_nowait(data)

    def _record_disconnect(self, reason: str = "") -> None:
        self.disconnect_reasons.append(reason)
        self.disconnected.set()

    async def _receive_packet(self, pkt: eio_packet.Packet) -> None:
        if pkt.packet_type == eio_packet.PING:
            self.pings_received += 1
        await super()._receive_packet(pkt)

    async def _send_packet(self, pkt: eio_packet.Packet) -> None:
        if pkt.packet_type == eio_packet.PONG and not self.answer_pings:
            return
        await super()._send_packet(pkt)

    def stop_own_liveness_checks(self) -> None:
        """Makes the client wait (nearly) forever for server pings, so that only the server can
        end a silent connection."""
        self.ping_interval = 120.0
        self.ping_timeout = 120.0

    async def next_message(self, timeout: float = 5.0) -> Any:
        return await asyncio.wait_for(self.messages.get(), timeout)

    async def wait_disconnected(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self.disconnected.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False


CLIENT_MODES = {
    "polling": ["polling"],
    "websocket": ["websocket"],
    "upgrade": None,  # polling first, then upgrade to websocket
}


@contextlib.asynccontextmanager
async def connected_client(server: Server, mode: str, **kwargs: Any):
    client = RecordingClient(**kwargs)
    await asyncio.wait_for(client.connect(server.base_url, transports=CLIENT_MODES[mode]), 10)
    try:
        if mode == "upgrade":
            deadline = time.monotonic() + 5
            while client.transport() != "websocket" and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
        expected = "polling" if mode == "polling" else "websocket"
        assert client.transport() == expected, f"client transport is {client.transport()!r}, expected {expected!r}"
        yield client
    finally:
        if client.state == "connected":
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.disconnect(), 10)


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------


@pytest.fixture
def start_server(tmp_path: Path):
    """start_server(*args, name="engineio-echo") starts the binary with --host/--port plus args."""
    servers: list[Server] = []

    def start(*args: Any, name: str = "engineio-echo") -> Server:
        executable = binary_path(name)
        server = Server(executable, [str(a) for a in args], tmp_path / f"{name}-{len(servers)}.log")
        servers.append(server)
        server.start()
        return server

    yield start

    problems = [p for p in (s.stop() for s in servers) if p]
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


class EioTools:
    """Protocol helpers handed to tests by the `eio` fixture."""

    error = staticmethod(expected_error)  # error(code) -> expected HttpResponse.summary()
    recv_ws = staticmethod(recv_ws)
    wait_ws_closed = staticmethod(wait_ws_closed)
    eventually = staticmethod(eventually)
    client = staticmethod(connected_client)  # async with eio.client(server, mode) as c: ...
    RS = RECORD_SEPARATOR

    @staticmethod
    def run(coro: Any, timeout: float = 30.0) -> Any:
        """Runs a coroutine to completion on a fresh event loop, failing after timeout seconds."""
        return asyncio.run(asyncio.wait_for(coro, timeout))


@pytest.fixture
def eio() -> type[EioTools]:
    return EioTools
