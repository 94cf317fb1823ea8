"""Helpers of the load-balancer tests: LocalCluster drives scripts/cluster.sh (redis-server, three
socketio-node processes node1..node3 with --bench-handlers, HAProxy with docker/haproxy.cfg) on free
loopback ports, with its state directory under pytest's tmp dir.

Binaries are looked up like Tests/e2e/conftest.py does ($SOCKETIO_BIN_DIR, default
<repo>/.build/debug); a missing socketio-node, redis-server or haproxy skips the test, or fails it
when CI=true.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Optional

import pytest

from e2e_common import HOST, REPO_ROOT, free_port, missing, package_binary, wait_until  # noqa: F401

SCRIPT = REPO_ROOT / "scripts" / "cluster.sh"
HAPROXY_CFG = REPO_ROOT / "docker" / "haproxy.cfg"
START_TIMEOUT = 90.0  # scripts/cluster.sh start: each component has READY_TIMEOUT (30 s) to be ready
STOP_TIMEOUT = 60.0
NODE_IDS = ("node1", "node2", "node3")


def node_binary() -> Path:
    return package_binary("socketio-node")


def require_tool(name: str, env: Optional[str] = None) -> str:
    """A system tool ($env, else on PATH), or skip (fail when CI=true)."""
    candidates = [os.environ.get(env) if env else None, shutil.which(name), f"/usr/sbin/{name}", f"/usr/bin/{name}"]
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    missing(f"{name} not found (apt-get install {name}, or set {env}; scripts/test-deps.sh installs it)")
    raise AssertionError("unreachable")


def distinct_free_ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports


class LocalCluster:
    """A cluster started by scripts/cluster.sh on free ports."""

    def __init__(self, state_dir: Path, mode: str, node_args: str = "--bench-handlers"):
        self.state_dir = state_dir
        self.mode = mode
        self.node_args = node_args
        self.node_bin = node_binary()
        self.haproxy = require_tool("haproxy", "HAPROXY")
        self.redis_server = require_tool("redis-server", "REDIS_SERVER")
        self.ports: dict[str, int] = {}
        self.started = False
        self.killed: set[str] = set()  # components the test killed on purpose

    # -- lifecycle ---------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            CLUSTER_DIR=str(self.state_dir),
            SOCKETIO_BIN_DIR=str(self.node_bin.parent),
            HAPROXY=self.haproxy,
            REDIS_SERVER=self.redis_server,
            LB_HOST=HOST,
            LB_PORT=str(self.ports["lb"]),
            LB_STATS_PORT=str(self.ports["stats"]),
            LB_MODE=self.mode,
            NODE_HOST=HOST,
            NODE1_PORT=str(self.ports["node1"]),
            NODE2_PORT=str(self.ports["node2"]),
            NODE3_PORT=str(self.ports["node3"]),
            REDIS_PORT=str(self.ports["redis"]),
            NODE_ARGS=self.node_args,
            READY_TIMEOUT="30",
        )
        env.pop("REDIS_URL", None)
        return env

    def script(self, command: str, timeout: float) -> subprocess.CompletedProcess:
        try:
            return subprocess.run(
                [str(SCRIPT), command], env=self.env(), cwd=REPO_ROOT, stdin=subprocess.DEVNULL,
                capture_output=True, text=True, timeout=timeout,
            )
        except subprocess.TimeoutExpired as exc:
            raise AssertionError(f"scripts/cluster.sh {command} still running after {timeout}s: {exc.stderr!r}") from None

    def start(self) -> None:
        for attempt in range(3):
            names = ["lb", "stats", "node1", "node2", "node3", "redis"]
            self.ports = dict(zip(names, distinct_free_ports(len(names))))
            done = self.script("start", START_TIMEOUT)
            if done.returncode == 0:
                self.started = True
                return
            # Somebody took one of our free ports between the probe and the bind: try other ports.
            if "in use" not in done.stderr or attempt == 2:
                pytest.fail(f"scripts/cluster.sh start failed ({done.returncode}):\n{done.stderr}\n{self.log_tails()}", pytrace=False)

    def stop(self) -> list[str]:
        """Stops everything; returns problems (a process that was still running afterwards)."""
        if not self.started:
            return []
        pids = {name: self.pid(name) for name in (*NODE_IDS, "haproxy", "redis")}
        problems = []
        # A process that died without the test killing it is a failure (a crash, most likely).
        died = [name for name, pid in pids.items() if pid is not None and name not in self.killed and not _alive(pid)]
        if died:
            problems.append(f"died during the test: {died}\n{self.crash_report(died)}")
        done = self.script("stop", STOP_TIMEOUT)
        if done.returncode != 0:
            problems.append(f"scripts/cluster.sh stop exited {done.returncode}: {done.stderr}")
        for name, pid in pids.items():
            if pid is not None and _alive(pid):
                problems.append(f"{name} (pid {pid}) still runs after scripts/cluster.sh stop")
                os.kill(pid, signal.SIGKILL)
        self.started = False
        return problems

    def status(self) -> subprocess.CompletedProcess:
        return self.script("status", 30)

    # -- processes ---------------------------------------------------------------------------

    def pid(self, name: str) -> Optional[int]:
        path = self.state_dir / f"{name}.pid"
        try:
            return int(path.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        pid = self.pid(name)
        assert pid is not None and _alive(pid), f"{name} is not running"
        self.killed.add(name)
        os.kill(pid, sig)
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not _alive(pid), f"{name} (pid {pid}) survived signal {sig}"
        return pid

    def alive(self, name: str) -> bool:
        pid = self.pid(name)
        return pid is not None and _alive(pid)

    def crash_report(self, names) -> str:
        """'' unless one of `names` stopped running or logged a fatal error (a crashing Swift process
        prints its backtrace for a few seconds before it exits); else what its log says."""
        parts = []
        for name in names:
            path = self.state_dir / f"{name}.log"
            text = path.read_text(errors="replace") if path.exists() else ""
            fatal = [line for line in text.splitlines() if "Fatal error" in line or "Program crashed" in line]
            running = self.alive(name)
            if fatal or not running:
                parts.append(f"{name} {'crashing' if running else 'is no longer running'}; fatal errors in its log: {fatal or 'none'}")
        return "\n".join(parts)

    def log_tails(self, lines: int = 25) -> str:
        parts = []
        for name in (*NODE_IDS, "haproxy", "redis"):
            path = self.state_dir / f"{name}.log"
            if path.exists():
                tail = path.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"--- {name}.log (tail) ---\n" + "\n".join(tail))
        return "\n".join(parts)

    # -- addresses ---------------------------------------------------------------------------

    @property
    def lb_url(self) -> str:
        return f"http://{HOST}:{self.ports['lb']}"

    @property
    def stats_url(self) -> str:
        return f"http://{HOST}:{self.ports['stats']}"

    @property
    def node_urls(self) -> dict[str, str]:
        return {name: f"http://{HOST}:{self.ports[name]}" for name in NODE_IDS}

    def routing_tag(self, node_id: str) -> str:
        done = subprocess.run(
            [str(self.node_bin), "--node-id", node_id, "--print-routing-tag"],
            capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def haproxy_states(self) -> dict[str, str]:
        """backend/server -> status (UP, DOWN, ...) from the HAProxy stats CSV."""
        import urllib.request

        with urllib.request.urlopen(self.stats_url + "/;csv", timeout=5) as response:
            text = response.read().decode()
        states = {}
        for line in text.splitlines():
            if line.startswith("#") or not line:
                continue
            fields = line.split(",")
            if fields[1] not in ("FRONTEND", "BACKEND"):
                states[f"{fields[0]}/{fields[1]}"] = fields[17]
        return states


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("State:"):
                    return "Z" not in line.split()[1]
    except OSError:
        return False
    return True




# ------------------------------------------------------------------------------------------------
# Plain HTTP (blocking; call through asyncio.to_thread from scenarios)
# ------------------------------------------------------------------------------------------------

SESSION_ID_UNKNOWN = {"code": 1, "message": "Session ID unknown"}


def timed_request(method: str, url: str, body: Optional[bytes] = None, timeout: float = 10.0) -> tuple[int, bytes, float]:
    """(status, body, seconds) of one request on a fresh connection."""
    import http.client
    import urllib.parse

    parts = urllib.parse.urlsplit(url)
    started = time.monotonic()
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        headers = {"Content-Type": "text/plain;charset=UTF-8"} if body is not None else {}
        connection.request(method, parts.path + ("?" + parts.query if parts.query else ""), body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, data, time.monotonic() - started
    finally:
        connection.close()


def polling_url(base: str, sid: Optional[str] = None) -> str:
    return base.rstrip("/") + "/socket.io/?EIO=4&transport=polling" + (f"&sid={sid}" if sid else "")


def handshake(base: str) -> str:
    """A polling handshake at base; returns the sid."""
    import json

    status, body, _ = timed_request("GET", polling_url(base))
    assert status == 200 and body.startswith(b"0"), f"handshake at {base} failed: {status} {body[:200]!r}"
    return json.loads(body[1:])["sid"]


def expect_session_unknown(method: str, url: str, within: float) -> float:
    """Asserts that the request is answered 400 Session ID unknown within `within` seconds."""
    import json

    body = b"40" if method == "POST" else None
    status, data, seconds = timed_request(method, url, body=body, timeout=max(within * 4, 5.0))
    try:
        decoded = json.loads(data)
    except ValueError:
        decoded = data[:300]
    assert (status, decoded) == (400, SESSION_ID_UNKNOWN), f"{method} {url}: expected 400 {SESSION_ID_UNKNOWN}, got {status} {decoded!r}"
    assert seconds < within, f"{method} {url}: 'Session ID unknown' took {seconds:.3f}s (limit {within}s)"
    return seconds


def http_status(url: str, timeout: float = 2.0) -> int:
    try:
        return timed_request("GET", url, timeout=timeout)[0]
    except OSError:
        return 0
