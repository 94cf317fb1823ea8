"""Helpers for the socketio-node end-to-end tests.

The shared fixture `start_server` (Tests/e2e/conftest.py) covers servers that live until teardown. The
tests here also need what it does not offer: environment variables instead of flags, sending SIGTERM
themselves and checking the exit status, and runs that must fail at startup. `NodeProcess` and
`run_node` do that; every wait is bounded and every process is stopped by its PID.
"""

from __future__ import annotations

import http.client
import os
import queue
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Optional

import pytest
import requests
import socketio

from e2e_common import HOST, REPO_ROOT, free_port, package_binary  # noqa: F401
from e2e_common import wait_until as eventually  # noqa: F401  (blocking; the suite's name for it)
NAME = "socketio-node"
START_TIMEOUT = 20.0
HTTP_TIMEOUT = 10.0

# The node's settings; cleared from the inherited environment so only what a test sets applies.
NODE_VARIABLES = [
    "SOCKETIO_" + name
    for name in (
        "HOST PORT NODE_ID ADVERTISE REDIS ADAPTER KEY_PREFIX CORS_ORIGIN PING_INTERVAL PING_TIMEOUT "
        "MAX_HTTP_BUFFER_SIZE CONNECT_TIMEOUT LOG_LEVEL CLIENT_SCRIPT BENCH_HANDLERS SHUTDOWN_TIMEOUT "
        "SHUTDOWN_DELAY MAX_CONNECTIONS HEADERS_TIMEOUT REQUEST_TIMEOUT KEEP_ALIVE_TIMEOUT CORS_CHECK_ORIGIN METRICS_PORT MAX_ROOMS_PER_SOCKET"
    ).split()
]


def node_binary() -> Path:
    return package_binary(NAME)


def node_environment(extra: Optional[dict] = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in NODE_VARIABLES}
    env.update(extra or {})
    return env


# --------------------------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------------------------


class NodeProcess:
    """A socketio-node child process whose shutdown the test controls."""

    def __init__(self, args: list[str], env: Optional[dict], log_path: Path, flags_for_address: bool = True,
                 prefix: Optional[list[str]] = None):
        self.args = [str(a) for a in args]
        self.prefix = list(prefix or [])  # e.g. prlimit, which execs the node (same PID)
        self.env = env or {}
        self.log_path = log_path
        self.flags_for_address = flags_for_address
        self.port = 0
        self.proc: Optional[subprocess.Popen] = None

    def start(self) -> "NodeProcess":
        self.port = free_port() if self.flags_for_address else int(self.env.get("SOCKETIO_PORT") or 3000)
        cmd = self.prefix + [str(node_binary())]
        if self.flags_for_address:
            cmd += ["--host", HOST, "--port", str(self.port)]
        cmd += self.args
        with open(self.log_path, "ab") as log:
            log.write(f"$ {' '.join(cmd)}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT,
                env=node_environment(self.env),
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"{NAME} exited with {self.proc.returncode} at startup\n{self.log()}", pytrace=False)
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        self.kill()
        pytest.fail(f"{NAME} did not listen on {self.port} within {START_TIMEOUT}s\n{self.log()}", pytrace=False)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def signal(self, sig: int = signal.SIGTERM) -> float:
        """Sends `sig`; returns the monotonic time it was sent."""
        assert self.proc is not None
        self.proc.send_signal(sig)
        return time.monotonic()

    def wait_exit(self, timeout: float) -> Optional[int]:
        """The exit status, or None if still running after `timeout` seconds."""
        assert self.proc is not None
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def cpu_seconds(self) -> float:
        """User plus system CPU time the process has used so far."""
        assert self.proc is not None
        with open(f"/proc/{self.proc.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def open_files(self) -> int:
        assert self.proc is not None
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def log(self) -> str:
        try:
            return "--- node log ---\n" + self.log_path.read_text(errors="replace")[-6000:]
        except OSError:
            return "(no node log)"


def run_node(args: list[str], env: Optional[dict] = None, timeout: float = 15.0) -> subprocess.CompletedProcess:
    """Runs the node to completion (for configurations that must be refused at startup)."""
    return subprocess.run(
        [str(node_binary()), *[str(a) for a in args]],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT,
        env=node_environment(env),
    )


# --------------------------------------------------------------------------------------------
# HTTP and metrics
# --------------------------------------------------------------------------------------------


class Response:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type") or ""

    def __repr__(self) -> str:
        return f"<HTTP {self.status} {dict(self.headers)} {self.body[:200]!r}>"


def http_request(port: int, method: str, path: str, headers: Optional[dict] = None, body: Optional[bytes] = None,
                 timeout: float = HTTP_TIMEOUT) -> Response:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return Response(resp.status, resp.msg, resp.read())
    finally:
        conn.close()


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


class Metrics:
    """A parsed Prometheus text exposition."""

    def __init__(self, text: str):
        self.text = text
        self.types: dict[str, str] = {}
        self.samples: dict[tuple, float] = {}
        for line in text.splitlines():
            if line.startswith("# TYPE "):
                _, _, name, kind = line.split(" ", 3)
                self.types[name] = kind
                continue
            if not line or line.startswith("#"):
                continue
            match = _SAMPLE.match(line)
            assert match, f"unparsable metrics line {line!r}"
            name, labels, value = match.groups()
            key = (name, frozenset(_LABEL.findall(labels or "")))
            self.samples[key] = float(value)

    def value(self, name: str, **labels: str) -> float:
        key = (name, frozenset(labels.items()))
        assert key in self.samples, f"no sample {name}{labels} in\n{self.text}"
        return self.samples[key]

    def names(self) -> set[str]:
        return {name for name, _ in self.samples}


def scrape(port: int) -> Metrics:
    resp = http_request(port, "GET", "/metrics")
    assert resp.status == 200, resp
    return Metrics(resp.text)


# --------------------------------------------------------------------------------------------
# Socket.IO clients
# --------------------------------------------------------------------------------------------

TRANSPORTS = {"polling": ["polling"], "websocket": ["websocket"], "upgrade": ["polling", "websocket"]}


class Client:
    """A python-socketio client connected to one namespace; records events and its disconnect."""

    def __init__(self, url: str, namespace: str = "/", mode: str = "polling", events: tuple = (), ca_file: Optional[str] = None):
        self.namespace = namespace
        session = None
        if ca_file is not None:  # https/wss trusting this CA (polling through requests, WebSocket through its sslopt)
            session = requests.Session()
            session.trust_env = False  # REQUESTS_CA_BUNDLE in the environment would replace `verify`
            session.verify = ca_file
        self.sio = socketio.Client(reconnection=False, request_timeout=5, http_session=session)
        self.queues: dict[str, queue.Queue] = {}
        self.disconnected = threading.Event()
        self.disconnect_reasons: list = []
        for name in events:
            self.queues[name] = queue.Queue()
            self.sio.on(name, self._recorder(name), namespace=namespace)
        self.sio.on("disconnect", self._on_disconnect, namespace=namespace)
        self.sio.connect(url, namespaces=[namespace], transports=TRANSPORTS[mode], wait_timeout=5)
        if mode == "upgrade":
            deadline = time.monotonic() + 5
            while self.sio.transport() != "websocket" and time.monotonic() < deadline:
                time.sleep(0.05)
        expected = "polling" if mode == "polling" else "websocket"
        assert self.sio.transport() == expected, f"transport {self.sio.transport()!r}, expected {expected!r}"

    def _recorder(self, name: str):
        def record(*args: Any) -> None:
            self.queues[name].put(args)
        return record

    def _on_disconnect(self, *args: Any) -> None:
        self.disconnect_reasons.append(args[0] if args else None)
        self.disconnected.set()

    @property
    def sid(self) -> str:
        return self.sio.get_sid(namespace=self.namespace)

    def next(self, event: str, timeout: float = 5.0) -> tuple:
        """The arguments of the next `event`; fails after `timeout` seconds."""
        try:
            return self.queues[event].get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no {event!r} event within {timeout}s") from None

    def pending(self, event: str) -> list:
        """Every `event` received and not yet taken."""
        items = []
        while True:
            try:
                items.append(self.queues[event].get_nowait())
            except queue.Empty:
                return items

    def call(self, event: str, *args: Any, timeout: float = 5.0) -> Any:
        return self.sio.call(event, args if len(args) != 1 else args[0], namespace=self.namespace, timeout=timeout)

    def emit(self, event: str, *args: Any) -> None:
        self.sio.emit(event, args if len(args) != 1 else args[0], namespace=self.namespace)

    def close(self) -> None:
        if self.sio.connected:
            try:
                self.sio.disconnect()
            except Exception:
                pass


class ClientPool:
    """Clients a test opens; all disconnected at teardown."""

    def __init__(self) -> None:
        self.clients: list[Client] = []

    def connect(self, url: str, namespace: str = "/", mode: str = "polling", events: tuple = (), ca_file: Optional[str] = None) -> Client:
        client = Client(url, namespace, mode, events, ca_file)
        self.clients.append(client)
        return client

    def close_all(self) -> None:
        for client in reversed(self.clients):
            client.close()
        self.clients.clear()
