"""Helpers for the Socket.IO end-to-end tests (imported by the test modules of this directory).

The tests drive the servers with the real python-socketio client (`socketio.AsyncClient`), one
asyncio event loop per test, and with raw Engine.IO sessions (WebSocket or HTTP long-polling) when
they need to put exact bytes on the wire.

`SioClient` is an `AsyncClient` that records what a user would observe: every event handler call
(including `connect`, `connect_error` and `disconnect`) in arrival order. It can be told to swallow
some events without acknowledging them (a client without a handler for them, as a JavaScript
client whose listener does not take the callback), and to stop answering Engine.IO pings.

python-socketio always acknowledges an event that asks for an ack, with no arguments when no handler
is registered; that is why "silent" events are implemented below the public API, in `_handle_event`.
The overrides rely on python-socketio 5.x internals (`_handle_event`, `_trigger_event`), pinned in
Tests/e2e/requirements.txt.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
import urllib.parse
from typing import Any, Callable, Iterable, Optional

import engineio
import socketio
import websocket
from engineio import packet as eio_packet

from e2e_common import eventually as _eventually
from e2e_common import run as _run

SIO_PATH = "/socket.io/"
RS = "\x1e"

# Transport modes: the `transports` argument of connect(); None = polling first, then upgrade.
MODES: dict[str, Optional[list[str]]] = {
    "polling": ["polling"],
    "websocket": ["websocket"],
    "upgrade": None,
}
ALL_MODES = list(MODES)

CONNECT_TIMEOUT = 10.0  # bounded wait for a python-socketio connect()
EVENT_TIMEOUT = 5.0  # default wait for an expected event or ack
QUIET_PERIOD = 0.4  # how long to wait for stragglers before asserting that something did NOT arrive


def run(coro: Any, timeout: float = 45.0) -> Any:
    """Runs a test scenario on a fresh event loop, failing after `timeout` seconds."""
    return _run(coro, timeout)


async def eventually(probe: Callable[[], Any], timeout: float = EVENT_TIMEOUT, interval: float = 0.02) -> Any:
    """e2e_common.eventually with this suite's default wait."""
    return await _eventually(probe, timeout, interval)


async def stats(server: Any) -> dict:
    """GET /stats of socketio-fixture, off the event loop."""
    return await asyncio.to_thread(server.stats)


async def wait_stats(server: Any, predicate: Callable[[dict], bool], timeout: float = EVENT_TIMEOUT) -> dict:
    """Polls /stats until predicate(stats) holds; returns the last stats either way."""
    last: dict = {}

    async def probe() -> bool:
        nonlocal last
        last = await stats(server)
        return predicate(last)

    await eventually(probe, timeout, interval=0.05)
    return last


def socket_count(st: dict, namespace: str) -> int:
    return int(st.get("sockets", {}).get(namespace, 0))


# --------------------------------------------------------------------------------------------
# python-socketio client
# --------------------------------------------------------------------------------------------


class _EngineClient(engineio.AsyncClient):
    """The Engine.IO client under SioClient: can stop answering pings."""

    answer_pings = True

    async def _send_packet(self, pkt: eio_packet.Packet) -> None:
        if pkt.packet_type == eio_packet.PONG and not self.answer_pings:
            return
        await super()._send_packet(pkt)


class SioClient(socketio.AsyncClient):
    def __init__(self, name: str = "client", silent: Iterable[str] = (), **kwargs: Any):
        kwargs.setdefault("reconnection", False)
        super().__init__(handle_sigint=False, request_timeout=5, **kwargs)
        self.name = name
        self.silent_events = set(silent)
        # every handler invocation: (namespace, event, [args])
        self.log: list[tuple[str, str, list]] = []

    def _engineio_client_class(self):
        return _EngineClient

    def __repr__(self) -> str:
        return f"<SioClient {self.name}>"

    # -- recording -------------------------------------------------------------------------

    async def _trigger_event(self, event, namespace, *args):
        self.log.append((namespace or "/", event, list(args)))
        return await super()._trigger_event(event, namespace, *args)

    async def _handle_event(self, namespace, id, data):
        if data and data[0] in self.silent_events:
            # received, but never acknowledged
            self.log.append((namespace or "/", data[0], list(data[1:])))
            return
        await super()._handle_event(namespace, id, data)

    def events(self, name: str, namespace: str = "/") -> list[list]:
        """Argument lists of every `name` event received on `namespace`, in order."""
        return [args for ns, ev, args in self.log if ev == name and ns == namespace]

    async def wait_event(self, name: str, namespace: str = "/", count: int = 1, timeout: float = EVENT_TIMEOUT) -> list[list]:
        """Waits until `count` `name` events arrived on `namespace`; returns all of them."""
        await eventually(lambda: len(self.events(name, namespace)) >= count, timeout)
        got = self.events(name, namespace)
        assert len(got) >= count, (
            f"{self.name}: expected {count} {name!r} event(s) on {namespace} within {timeout}s, got {got!r}; "
            f"everything received: {self.log!r}"
        )
        return got

    def disconnects(self, namespace: str = "/") -> list[list]:
        return self.events("disconnect", namespace)

    # -- requests --------------------------------------------------------------------------

    async def request(self, event: str, *args: Any, namespace: str = "/", timeout: float = EVENT_TIMEOUT) -> list:
        """Emits event(*args) with an ack callback; returns the ack arguments as a list."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()

        def on_ack(*reply: Any) -> None:
            if not future.done():
                future.set_result(list(reply))

        await self.emit(event, tuple(args), namespace=namespace, callback=on_ack)
        try:
            return await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"{self.name}: no ack for {event!r}{args!r} on {namespace} within {timeout}s") from None

    async def send_event(self, event: str, *args: Any, namespace: str = "/") -> None:
        await self.emit(event, tuple(args), namespace=namespace)

    def stop_answering_pings(self) -> None:
        self.eio.answer_pings = False

    @property
    def sid_of(self) -> dict:
        """namespace -> socket id, for the connected namespaces."""
        return dict(self.namespaces)


async def close_http_session(engine_client: Any) -> None:
    """Closes the aiohttp session python-engineio keeps after a disconnect (avoids warnings)."""
    http = getattr(engine_client, "http", None)
    if http is not None and not http.closed:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(http.close(), 5)


async def ensure_transport(client: SioClient, mode: str) -> None:
    """Asserts the client runs on the transport its mode implies (upgrade ends on websocket)."""
    expected = "polling" if mode == "polling" else "websocket"
    if mode == "upgrade":
        await eventually(lambda: client.transport() == "websocket", 5.0)
    assert client.transport() == expected, f"{client.name}: transport is {client.transport()!r}, expected {expected!r}"


class Clients:
    """Creates python-socketio clients for one server and disconnects all of them at exit.

        async with Clients(server) as clients:
            a = await clients.connect("polling", auth={...}, namespaces=["/", "/custom"])
    """

    def __init__(self, server: Any):
        self.server = server
        self.created: list[SioClient] = []

    async def __aenter__(self) -> "Clients":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        for client in reversed(self.created):
            with contextlib.suppress(Exception):
                if client.eio.state == "connected":
                    await asyncio.wait_for(client.disconnect(), 10)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.shutdown(), 5)
            await close_http_session(client.eio)

    def new(self, name: Optional[str] = None, silent: Iterable[str] = (), handlers: Optional[dict] = None, **kwargs: Any) -> SioClient:
        """A client that is not connected yet. handlers: {event or (event, namespace): fn}."""
        client = SioClient(name=name or f"client{len(self.created)}", silent=silent, **kwargs)
        for key, fn in (handlers or {}).items():
            event, namespace = key if isinstance(key, tuple) else (key, "/")
            client.on(event, fn, namespace=namespace)
        self.created.append(client)
        return client

    async def open(self, client: SioClient, mode: str = "websocket", namespaces: Iterable[str] = ("/",), auth: Any = None, wait: bool = True) -> None:
        await asyncio.wait_for(
            client.connect(
                self.server.base_url,
                auth=auth,
                transports=MODES[mode],
                namespaces=list(namespaces),
                socketio_path="socket.io",
                wait=wait,
                wait_timeout=5,
            ),
            CONNECT_TIMEOUT,
        )

    async def connect(
        self,
        mode: str = "websocket",
        namespaces: Iterable[str] = ("/",),
        auth: Any = None,
        name: Optional[str] = None,
        silent: Iterable[str] = (),
        handlers: Optional[dict] = None,
        **kwargs: Any,
    ) -> SioClient:
        """A connected client (all namespaces joined), checked to run on the mode's transport."""
        client = self.new(name=name, silent=silent, handlers=handlers, **kwargs)
        await self.open(client, mode, namespaces=namespaces, auth=auth)
        assert client.connected, f"{client.name} did not connect"
        assert set(client.namespaces) == set(namespaces), f"{client.name}: joined {client.namespaces!r}"
        await ensure_transport(client, mode)
        return client


# --------------------------------------------------------------------------------------------
# Raw Engine.IO sessions on /socket.io/ (blocking; call through asyncio.to_thread from async code)
# --------------------------------------------------------------------------------------------


def sio_target(**query: Any) -> str:
    query = {"EIO": "4", **query}
    return SIO_PATH + "?" + urllib.parse.urlencode([(k, str(v)) for k, v in query.items() if v is not None])


class RawWebSocketSession:
    """An Engine.IO session opened directly on WebSocket; hands out Engine.IO packets (str, or
    bytes for binary frames) and answers pings."""

    transport = "websocket"

    def __init__(self, server: Any, timeout: float = 5.0):
        self.ws = websocket.WebSocket(enable_multithread=True)
        server.track(self.ws)
        self.ws.settimeout(timeout)
        self.ws.connect(f"ws://127.0.0.1:{server.port}" + sio_target(transport="websocket"), timeout=timeout)
        first = self._recv_raw(timeout)
        assert isinstance(first, str) and first.startswith("0"), f"expected an open packet, got {first!r}"
        self.open_data = json.loads(first[1:])
        self.sid = self.open_data["sid"]
        self.closed = False

    def _recv_raw(self, timeout: float) -> Any:
        self.ws.settimeout(timeout)
        opcode, data = self.ws.recv_data()
        if opcode == websocket.ABNF.OPCODE_TEXT:
            return data.decode("utf-8")
        if opcode == websocket.ABNF.OPCODE_BINARY:
            return bytes(data)
        raise ConnectionError(f"WebSocket closed (opcode {opcode}, {data!r})")

    def send(self, message: Any) -> None:
        """Sends an Engine.IO message packet: `4` + text, or a binary frame."""
        if isinstance(message, bytes):
            self.ws.send_binary(message)
        else:
            self.ws.send("4" + message)

    def send_engine(self, text: str) -> None:
        self.ws.send(text)

    def _next_message(self, timeout: float) -> Any:
        """The next Socket.IO message (Engine.IO `4` payload, or bytes), answering pings; None on
        timeout or once the server closed the session."""
        deadline = time.monotonic() + timeout
        while not self.closed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                item = self._recv_raw(remaining)
            except websocket.WebSocketTimeoutException:
                return None
            except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
                self.closed = True
                return None
            if item == "2":
                with contextlib.suppress(Exception):
                    self.ws.send("3")
            elif isinstance(item, bytes):
                return item
            elif item.startswith("4"):
                return item[1:]
            elif item.startswith("1"):
                self.closed = True
        return None

    def receive_until(self, wanted: Callable[[list], bool], timeout: float = EVENT_TIMEOUT) -> list[Any]:
        got: list[Any] = []
        deadline = time.monotonic() + timeout
        while not wanted(got) and not self.closed and time.monotonic() < deadline:
            item = self._next_message(deadline - time.monotonic())
            if item is not None:
                got.append(item)
        assert wanted(got), f"raw websocket session: gave up after {timeout}s, got {got!r} (closed={self.closed})"
        return got

    def wait_closed(self, timeout: float) -> tuple[bool, list]:
        """True once the server closed the session (close packet or WebSocket close)."""
        seen: list = []
        deadline = time.monotonic() + timeout
        while not self.closed and time.monotonic() < deadline:
            item = self._next_message(deadline - time.monotonic())
            if item is not None:
                seen.append(item)
        return self.closed, seen

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ws.close()


class RawPollingSession:
    """An Engine.IO session on HTTP long-polling; answers pings while receiving."""

    transport = "polling"

    def __init__(self, server: Any):
        self.server = server
        resp = server.request("GET", sio_target(transport="polling"))
        assert resp.status == 200 and resp.text.startswith("0"), f"polling handshake failed: {resp!r}"
        self.open_data = json.loads(resp.text[1:])
        self.sid = self.open_data["sid"]
        self.closed = False
        self.close_evidence: Any = None

    def _target(self) -> str:
        return sio_target(transport="polling", sid=self.sid)

    def _post(self, body: str) -> Any:
        return self.server.request("POST", self._target(), headers={"Content-Type": "text/plain;charset=UTF-8"}, body=body)

    def send(self, message: Any) -> None:
        """Posts one Engine.IO message packet: `4` + text, or `b` + base64 for binary."""
        body = "b" + base64.b64encode(message).decode() if isinstance(message, bytes) else "4" + message
        resp = self._post(body)
        if resp.status != 200:
            self.closed = True
            self.close_evidence = resp
        return resp

    def send_engine(self, text: str) -> None:
        self._post(text)

    def _poll(self, timeout: float) -> list[Any]:
        try:
            resp = self.server.request("GET", self._target(), timeout=timeout)
        except OSError:  # timeout: nothing to deliver in that time
            return []
        if resp.status != 200:
            self.closed = True
            self.close_evidence = resp
            return []
        got: list[Any] = []
        for pkt in resp.packets():
            if pkt == "2":
                self._post("3")
            elif pkt.startswith("4"):
                got.append(pkt[1:])
            elif pkt.startswith("b"):
                got.append(base64.b64decode(pkt[1:]))
            elif pkt.startswith("1"):
                self.closed = True
                self.close_evidence = pkt
        return got

    def receive_until(self, wanted: Callable[[list], bool], timeout: float = EVENT_TIMEOUT) -> list[Any]:
        got: list[Any] = []
        deadline = time.monotonic() + timeout
        while not wanted(got) and not self.closed and time.monotonic() < deadline:
            got.extend(self._poll(max(deadline - time.monotonic(), 0.1)))
        assert wanted(got), f"raw polling session: gave up after {timeout}s, got {got!r} (closed={self.closed})"
        return got

    def wait_closed(self, timeout: float) -> tuple[bool, list]:
        """True once a poll returned the close packet or an error status (the session is gone)."""
        seen: list = []
        deadline = time.monotonic() + timeout
        while not self.closed and time.monotonic() < deadline:
            seen.extend(self._poll(max(deadline - time.monotonic(), 0.1)))
        return self.closed, seen

    def close(self) -> None:
        pass


def open_raw_session(server: Any, transport: str) -> Any:
    return RawWebSocketSession(server) if transport == "websocket" else RawPollingSession(server)


def sio_json(message: str, prefix: str) -> Any:
    """The JSON payload of a Socket.IO text packet that starts with `prefix` (e.g. '0', '0/custom,')."""
    assert isinstance(message, str) and message.startswith(prefix), f"{message!r} does not start with {prefix!r}"
    return json.loads(message[len(prefix):])


async def expect_session_closed_by(server: Any, transport: str, messages: list, join: Callable[[Any], Any]) -> str:
    """Opens a raw session on `transport`, joins `/` with `join(session)` (a coroutine answering the
    socket id), sends `messages`, and checks that the server closes that session and only that
    one (one other session is open). Returns the raw session's socket id."""
    session = await asyncio.to_thread(open_raw_session, server, transport)
    try:
        bad_sid = await join(session)
        assert (await stats(server))["sessions"] == 2
        for message in messages:
            await asyncio.to_thread(session.send, message)
        closed, seen = await asyncio.to_thread(session.wait_closed, 5.0)
        assert closed, f"the server kept the session open after {messages!r}; it sent {seen!r}"
        st = await wait_stats(server, lambda s: s["sessions"] == 1)
        assert st["sessions"] == 1, st
        return bad_sid
    finally:
        session.close()
