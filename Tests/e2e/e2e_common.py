"""What every end-to-end suite needs: the package's executables, free loopback ports, and bounded
waits. Importable from every suite's support module (Tests/e2e is on sys.path once the root conftest
is loaded)."""

from __future__ import annotations

import asyncio
import inspect
import os
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BIN_DIR = REPO_ROOT / ".build" / "debug"
HOST = "127.0.0.1"


def missing(reason: str) -> None:
    """Skip the test, or fail it when CI=true (a missing dependency is a failure there)."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def package_binary(name: str) -> Path:
    """The package's executable `name` from $SOCKETIO_BIN_DIR (default <repo>/.build/debug); skips
    (fails when CI=true) when it has not been built."""
    bin_dir = Path(os.environ.get("SOCKETIO_BIN_DIR") or DEFAULT_BIN_DIR)
    path = bin_dir / name
    if not (path.is_file() and os.access(path, os.X_OK)):
        missing(f"binary {name!r} not found at {path} (run `swift build`, or point SOCKETIO_BIN_DIR at the directory holding it)")
    return path


def free_port() -> int:
    """A loopback TCP port that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def run(coro: Any, timeout: float) -> Any:
    """Runs a scenario on a fresh event loop, failing after `timeout` seconds."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def eventually(probe: Callable[[], Any], timeout: float, interval: float = 0.02) -> Any:
    """Calls probe (sync or async) until it returns something truthy or `timeout` passes; returns the
    last value (falsy on timeout, so the caller's assertion shows what was seen)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if inspect.isawaitable(value):
            value = await value
        if value or time.monotonic() >= deadline:
            return value
        await asyncio.sleep(interval)


def wait_until(probe: Callable[[], Any], timeout: float, interval: float = 0.05) -> Any:
    """Blocking form of eventually(): polls a plain function."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


class ChildProcess:
    """A package executable run as a child process with its output in a log file; stopped by its PID
    (SIGTERM, then SIGKILL after 10 s)."""

    def __init__(self, command: list[str], log_path: Path):
        self.log_path = log_path
        with open(log_path, "ab") as log:
            log.write(("$ " + " ".join(command) + "\n").encode())
            log.flush()
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def alive(self) -> bool:
        return self.process.poll() is None

    def rss(self) -> int:
        """Resident set size in bytes (0 once the process is gone)."""
        try:
            with open(f"/proc/{self.process.pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def log(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


class BackgroundCall:
    """Runs a blocking call on a daemon thread; result(timeout) waits for it, bounded."""

    def __init__(self, fn: Callable[[], Any]):
        self._done = threading.Event()
        self._value: Any = None
        self._error: Optional[BaseException] = None
        self._thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self._thread.start()

    def _run(self, fn: Callable[[], Any]) -> None:
        try:
            self._value = fn()
        except BaseException as exc:  # handed to the caller of result()
            self._error = exc
        finally:
            self._done.set()

    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float) -> bool:
        return self._done.wait(timeout)

    def outcome(self, timeout: float) -> tuple[Any, Optional[BaseException]]:
        """(value, exception) once finished; AssertionError if still running after timeout."""
        if not self._done.wait(timeout):
            raise AssertionError(f"call still running after {timeout}s")
        return self._value, self._error

    def result(self, timeout: float) -> Any:
        value, error = self.outcome(timeout)
        if error is not None:
            raise error
        return value


def read_http_response(sock):
    """One complete HTTP/1.1 response with Content-Length from a raw socket: (status line, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        assert chunk, f"connection closed mid-response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(int(l.split(":", 1)[1]) for l in lines[1:] if l.lower().startswith("content-length:"))
    while len(body) < length:
        chunk = sock.recv(4096)
        assert chunk, "connection closed mid-body"
        body += chunk
    return lines[0], body
