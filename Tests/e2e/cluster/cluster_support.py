"""Helpers of the cluster end-to-end tests (Redis adapter, several socketio-fixture processes).

  RespClient      a tiny blocking RESP2 client on a raw socket (PING, PUBSUB NUMSUB, SUBSCRIBE, ...)
  RedisServer     a redis-server child process on a loopback port: start, SIGKILL, restart on the same port,
                  SIGSTOP/SIGCONT (pause/resume)
  ClusterClient   a python-socketio AsyncClient that records every event it receives (name, args) and
                  acknowledges every event that asks for an ack with its own name
  Clients         creates ClusterClients on any node and disconnects all of them at exit
  Cluster         starts socketio-fixture nodes on one Redis and waits until they joined the cluster

Every wait is bounded. Blocking helpers (RESP, /stats) are called through asyncio.to_thread from the
asyncio scenarios.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

import pytest
import socketio

from e2e_common import HOST, REPO_ROOT, free_port, package_binary, wait_until  # noqa: F401
from e2e_common import eventually as _eventually
from e2e_common import run as _run
SIO_PATH = "socket.io"

TRANSPORTS: dict[str, Optional[list[str]]] = {
    "polling": ["polling"],
    "websocket": ["websocket"],
    "upgrade": None,  # polling first, then upgrade to websocket
}

# The adapter modes of socketio-fixture --adapter, and the protocol each one speaks.
SHARDED_MODES = {"sharded", "sharded-static", "sharded-dynamic-private"}

CONNECT_TIMEOUT = 10.0  # a python-socketio connect()
ACK_TIMEOUT = 5.0  # an ack from the fixture
EVENT_TIMEOUT = 5.0  # an event that must arrive
QUIET_PERIOD = 0.4  # how long to wait for stragglers before asserting that something did NOT arrive
READY_TIMEOUT = 15.0  # a node reaching the cluster (Redis connected, channels subscribed)
REDIS_START_TIMEOUT = 10.0


def run(coro: Any, timeout: float = 60.0) -> Any:
    """Runs one scenario on a fresh event loop, failing after `timeout` seconds."""
    return _run(coro, timeout)


async def eventually(probe: Callable[[], Any], timeout: float = EVENT_TIMEOUT, interval: float = 0.02) -> Any:
    """e2e_common.eventually with this suite's default wait."""
    return await _eventually(probe, timeout, interval)


# --------------------------------------------------------------------------------------------
# RESP2 on a raw socket
# --------------------------------------------------------------------------------------------


class RespError(Exception):
    pass


class RespClient:
    """One connection to Redis speaking RESP2: command(*args) sends a command and returns the decoded
    reply (bytes for bulk strings, str for simple strings, int, list, None); error replies raise
    RespError."""

    def __init__(self, port: int, timeout: float = 5.0):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self._buffer = b""

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()

    def __enter__(self) -> "RespClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def send(self, *args: Any) -> None:
        parts = [f"*{len(args)}\r\n".encode()]
        for arg in args:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
        self.sock.sendall(b"".join(parts))

    def command(self, *args: Any) -> Any:
        self.send(*args)
        return self.reply()

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("Redis closed the connection")
        self._buffer += chunk

    def _line(self) -> bytes:
        while b"\r\n" not in self._buffer:
            self._fill()
        line, self._buffer = self._buffer.split(b"\r\n", 1)
        return line

    def _exactly(self, count: int) -> bytes:
        while len(self._buffer) < count + 2:
            self._fill()
        data, self._buffer = self._buffer[:count], self._buffer[count + 2 :]
        return data

    def reply(self) -> Any:
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RespError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            length = int(rest)
            return None if length < 0 else self._exactly(length)
        if kind == b"*":
            length = int(rest)
            return None if length < 0 else [self.reply() for _ in range(length)]
        raise RespError(f"unexpected RESP line {line!r}")


# --------------------------------------------------------------------------------------------
# redis-server
# --------------------------------------------------------------------------------------------


def redis_server_binary() -> str:
    """redis-server ($REDIS_SERVER, else on PATH, else /usr/bin), or skip (fail when CI=true)."""
    candidates = [os.environ.get("REDIS_SERVER"), _which("redis-server"), "/usr/bin/redis-server"]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    reason = "redis-server not found (install the redis-server package, or set REDIS_SERVER)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def _which(name: str) -> Optional[str]:
    import shutil

    return shutil.which(name)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def stop_process(proc: subprocess.Popen, timeout: float = 5.0) -> None:
    """SIGTERM, then SIGKILL when the process still runs after `timeout` seconds."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


class RedisServer:
    """A redis-server child process without persistence, on a loopback port."""

    def __init__(self, binary: str, workdir: Path, appendonly: bool = False):
        self.binary = binary
        self.workdir = workdir
        self.appendonly = appendonly
        self.log_path = workdir / "redis-server.log"
        self.port = 0
        self.proc: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}"

    def start(self) -> None:
        """Starts on a fresh free port (retrying if somebody grabs it first)."""
        for attempt in range(3):
            self.port = _free_port()
            if self._launch():
                return
            if "address already in use" not in self.log_tail().lower() or attempt == 2:
                break
        pytest.fail(f"redis-server did not start on port {self.port}\n{self.log_tail()}", pytrace=False)

    def restart(self) -> None:
        """Starts again on the same port (after kill())."""
        assert not self.alive(), "redis-server is still running"
        if not self._launch():
            pytest.fail(f"redis-server did not restart on port {self.port}\n{self.log_tail()}", pytrace=False)

    def _launch(self) -> bool:
        cmd = [
            self.binary, "--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly", "yes" if self.appendonly else "no",
            "--dir", str(self.workdir), "--daemonize", "no",
        ]
        with open(self.log_path, "ab") as log:
            log.write(f"$ {' '.join(repr(c) if not c else c for c in cmd)}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        ready = bool(wait_until(self._answers_ping, REDIS_START_TIMEOUT))
        if ready and self.alive():
            return True
        if self.alive():  # running but not answering: give up on it
            self.kill()
        return False

    def _answers_ping(self) -> bool:
        if self.proc is None or self.proc.poll() is not None:
            return True  # exited: stop waiting (start() looks at alive())
        try:
            with RespClient(self.port, timeout=0.5) as client:
                return client.command("PING") == "PONG"
        except (OSError, RespError):
            return False

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: Redis vanishes without closing anything politely."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=5)

    def terminate(self) -> None:
        """SIGTERM: Redis shuts down cleanly (with appendonly, its data is on disk for restart())."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=10)

    def pause(self) -> None:
        """SIGSTOP: Redis keeps its sockets open (connects even succeed) but answers nothing."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        """SIGCONT after pause()."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
        self.paused = False

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        if getattr(self, "paused", False):
            self.resume()  # a stopped process does not act on SIGTERM
        stop_process(self.proc)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no redis log)"
        return "--- redis log (tail) ---\n" + "\n".join(text.splitlines()[-lines:])

    # -- introspection ---------------------------------------------------------------------

    def command(self, *args: Any) -> Any:
        with RespClient(self.port) as client:
            return client.command(*args)

    def numsub(self, channel: str) -> int:
        reply = self.command("PUBSUB", "NUMSUB", channel)
        return int(reply[1])

    def shardnumsub(self, channel: str) -> int:
        reply = self.command("PUBSUB", "SHARDNUMSUB", channel)
        return int(reply[1])


# --------------------------------------------------------------------------------------------
# socketio-emit (the Redis emitter of the package)
# --------------------------------------------------------------------------------------------



def run_emitter(redis_url: str, *args: str, timeout: float = 15.0) -> subprocess.CompletedProcess:
    """Runs socketio-emit --redis URL args...; fails unless it exits 0 within timeout."""
    cmd = [str(package_binary("socketio-emit")), "--redis", redis_url, *args]
    try:
        done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, cwd=REPO_ROOT)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"{cmd!r} still running after {timeout}s; output {exc.stdout!r} {exc.stderr!r}") from None
    assert done.returncode == 0, f"{cmd!r} exited {done.returncode}: {done.stdout!r} {done.stderr!r}"
    return done


# --------------------------------------------------------------------------------------------
# python-socketio client
# --------------------------------------------------------------------------------------------


class ClusterClient(socketio.AsyncClient):
    """Records every event received as (event, args); answers every ack request with its name."""

    def __init__(self, name: str, node: Any, **kwargs: Any):
        super().__init__(reconnection=False, handle_sigint=False, request_timeout=5, **kwargs)
        self.name = name
        self.node = node
        self.received: list[tuple[str, list]] = []
        self.disconnect_reasons: list[Any] = []
        self.on("*", self._on_any)
        self.on("disconnect", self._on_disconnect)

    def __repr__(self) -> str:
        return f"<{self.name}>"

    def _on_any(self, event: str, *args: Any) -> str:
        self.received.append((event, list(args)))
        return self.name

    def _on_disconnect(self, reason: Any = None) -> None:
        self.disconnect_reasons.append(reason)

    def events(self, name: str) -> list[list]:
        """Argument lists of every `name` event received, in order."""
        return [args for event, args in self.received if event == name]

    @property
    def socket_id(self) -> str:
        return self.welcome[0]

    @property
    def welcome(self) -> list:
        got = self.events("welcome")
        assert got, f"{self.name}: no welcome event"
        return got[0]

    async def call_ack(self, event: str, *args: Any, timeout: float = ACK_TIMEOUT) -> Any:
        """Emits event(*args) and returns the ack (one value, or a tuple for several)."""
        try:
            return await self.call(event, args, timeout=timeout)
        except socketio.exceptions.TimeoutError:
            raise AssertionError(f"{self.name}: no ack for {event!r}{args!r} within {timeout}s") from None

    async def wait_event(self, name: str, count: int = 1, timeout: float = EVENT_TIMEOUT) -> list[list]:
        await eventually(lambda: len(self.events(name)) >= count, timeout)
        got = self.events(name)
        assert len(got) >= count, f"{self.name}: expected {count} {name!r} event(s) within {timeout}s, got {got!r}"
        return got

    async def wait_disconnected(self, timeout: float = EVENT_TIMEOUT) -> bool:
        return bool(await eventually(lambda: self.disconnect_reasons and not self.connected, timeout))


class Clients:
    """async with Clients() as clients: c = await clients.connect(node, "polling", "a1")"""

    def __init__(self) -> None:
        self.created: list[ClusterClient] = []

    async def __aenter__(self) -> "Clients":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        for client in reversed(self.created):
            with contextlib.suppress(Exception):
                if client.connected:
                    await asyncio.wait_for(client.disconnect(), 10)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.shutdown(), 5)

    async def connect(self, node: Any, transport: str, name: str, **kwargs: Any) -> ClusterClient:
        """A client of `node` on `transport` (polling | websocket | upgrade), welcomed by that node;
        `kwargs` go to socketio.AsyncClient (e.g. serializer="msgpack")."""
        client = ClusterClient(name, node, **kwargs)
        self.created.append(client)
        await asyncio.wait_for(
            client.connect(node.base_url, transports=TRANSPORTS[transport], socketio_path=SIO_PATH, wait_timeout=5),
            CONNECT_TIMEOUT,
        )
        assert client.connected, f"{name} did not connect to {node.node_id}"
        welcome = (await client.wait_event("welcome"))[0]
        assert welcome[0] == client.get_sid("/"), f"{name}: welcome {welcome!r} names another socket than {client.get_sid('/')!r}"
        assert welcome[1] == "/" and welcome[3] == node.node_id, f"{name}: unexpected welcome {welcome!r}"
        expected = "polling" if transport == "polling" else "websocket"
        if transport == "upgrade":
            await eventually(lambda: client.transport() == "websocket", 5.0)
        assert client.transport() == expected, f"{name}: transport {client.transport()!r}, expected {expected!r}"
        return client


# --------------------------------------------------------------------------------------------
# Cluster of socketio-fixture nodes
# --------------------------------------------------------------------------------------------


def classic_request_channel(prefix: str = "socket.io", nsp: str = "/") -> str:
    return f"{prefix}-request#{nsp}#"


def sharded_channel(prefix: str = "socket.io", nsp: str = "/", room: Optional[str] = None) -> str:
    return f"{prefix}#{nsp}#" + (f"{room}#" if room is not None else "")


class Cluster:
    """Starts socketio-fixture nodes on one Redis (through the shared start_server fixture)."""

    def __init__(self, redis: RedisServer, start_server: Callable[..., Any]):
        self.redis = redis
        self._start_server = start_server
        self.nodes: list[Any] = []

    def start_node(self, node_id: str, mode: str = "classic", *extra: Any, prefix: Optional[str] = None) -> Any:
        """Starts one node and waits until its Redis link is up. The returned Server carries node_id,
        mode and prefix attributes."""
        args: list[Any] = ["--redis", self.redis.url, "--adapter", mode, "--node-id", node_id]
        if prefix is not None:
            args += ["--key-prefix", prefix]
        server = self._start_server(*args, *extra, name="socketio-fixture")
        server.node_id = node_id
        server.mode = mode
        server.prefix = prefix or "socket.io"
        self.nodes.append(server)
        last = wait_until(lambda: server.stats().get("redis") == "connected" and server.stats(), READY_TIMEOUT)
        assert last, f"{node_id}: /stats never reported redis connected\n{server.stats()!r}\n{server.log_tail()}"
        return server

    def start_nodes(self, mode: str, *node_ids: str, extra: Iterable[Any] = ()) -> list[Any]:
        nodes = [self.start_node(node_id, mode, *extra) for node_id in node_ids]
        self.wait_members(len(nodes), mode)
        return nodes

    def members(self, mode: str, prefix: str = "socket.io") -> int:
        """How many nodes Redis sees in the namespace `/` cluster (the adapters' own node count)."""
        if mode in SHARDED_MODES:
            return self.redis.shardnumsub(sharded_channel(prefix))
        if mode == "streams":
            return self.redis.numsub(sharded_channel(prefix))  # the request channel, PUBLISH/SUBSCRIBE
        return self.redis.numsub(classic_request_channel(prefix))

    def wait_members(self, count: int, mode: str, prefix: str = "socket.io") -> None:
        """Waits until `count` nodes subscribed to the cluster channel of namespace `/`."""
        got = wait_until(lambda: self.members(mode, prefix) == count, READY_TIMEOUT)
        assert got, f"expected {count} node(s) on the {mode} channels of prefix {prefix!r}, Redis sees {self.members(mode, prefix)}"

    async def rooms_subscribed(self, mode: str, expected: dict[str, int], prefix: str = "socket.io", require: bool = True, timeout: float = READY_TIMEOUT) -> None:
        """In the dynamic sharded modes a node subscribes to a room's channel only once the room has
        a local member (asynchronously after the join): waits until each room channel has the
        expected number of subscribed nodes. No-op in the modes without room channels. With
        require=False it only waits (bounded) and leaves the verdict to the delivery checks."""
        if mode not in {"sharded", "sharded-dynamic-private"}:
            return

        def probe() -> dict:
            return {room: self.redis.shardnumsub(sharded_channel(prefix, room=room)) for room in expected}

        async def check() -> bool:
            return await asyncio.to_thread(probe) == expected

        await eventually(check, timeout, interval=0.05)
        got = await asyncio.to_thread(probe)
        assert got == expected or not require, f"room channel subscribers: expected {expected!r}, Redis has {got!r}"


async def node_stats(node: Any) -> dict:
    return await asyncio.to_thread(node.stats)


async def wait_redis_state(node: Any, predicate: Callable[[Optional[str]], bool], timeout: float) -> dict:
    """Polls the node's /stats until predicate(stats['redis']) holds; returns the last stats."""
    last: dict = {}

    async def probe() -> bool:
        nonlocal last
        last = await node_stats(node)
        return predicate(last.get("redis"))

    await eventually(probe, timeout, interval=0.05)
    return last


class Deliveries:
    """Checks who received which event, and who did not.

        deliveries = Deliveries(everyone)
        await deliveries.expect("m1", [a1, b1], ["x"])   # waits until a1 and b1 got m1
        ...
        await deliveries.verify()                        # one quiet period, then exact checks

    verify() asserts, for every expected event, that each receiver got it exactly once (with the
    given arguments) and that no other client got it."""

    def __init__(self, clients: Iterable[ClusterClient]):
        self.clients = list(clients)
        self.expected: list[tuple[str, list[ClusterClient], Optional[list]]] = []

    async def expect(self, event: str, receivers: Iterable[ClusterClient], args: Optional[list] = None, timeout: float = EVENT_TIMEOUT) -> None:
        receivers = list(receivers)
        self.expected.append((event, receivers, args))
        await eventually(lambda: all(c.events(event) for c in receivers), timeout)
        missing = [c.name for c in receivers if not c.events(event)]
        assert not missing, f"{event!r} did not reach {missing} within {timeout}s; " + self.describe(event)

    def describe(self, event: str) -> str:
        return "received by: " + repr({c.name: c.events(event) for c in self.clients if c.events(event)})

    async def verify(self) -> None:
        await asyncio.sleep(QUIET_PERIOD)
        for event, receivers, args in self.expected:
            got = {c.name: c.events(event) for c in self.clients}
            expected_names = sorted(c.name for c in receivers)
            actual_names = sorted(name for name, evs in got.items() if evs)
            assert actual_names == expected_names, f"{event!r}: expected receivers {expected_names}, got {got!r}"
            for c in receivers:
                assert len(got[c.name]) == 1, f"{event!r}: {c.name} received it {len(got[c.name])} times: {got[c.name]!r}"
                if args is not None:
                    assert got[c.name][0] == args, f"{event!r}: {c.name} received {got[c.name][0]!r}, expected {args!r}"
        self.expected.clear()


async def expect_exactly(
    clients: Iterable[ClusterClient], event: str, receivers: Iterable[ClusterClient], args: Optional[list] = None,
    timeout: float = EVENT_TIMEOUT,
) -> None:
    """Each client in `receivers` gets `event` exactly once (with `args` when given); every other
    client in `clients` gets nothing (checked after a quiet period)."""
    deliveries = Deliveries(clients)
    await deliveries.expect(event, receivers, args, timeout)
    await deliveries.verify()
