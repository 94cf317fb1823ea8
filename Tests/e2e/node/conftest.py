"""Fixtures of the socketio-node tests (the shared ones come from Tests/e2e/conftest.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from node_support import NAME, ClientPool, NodeProcess

DUMMY_CLIENT = b"/* test stand-in for socket.io.min.js */ window.io = function () {};\n"


@pytest.fixture
def node(start_server) -> Callable[..., Any]:
    """node(*args) starts socketio-node through the shared start_server fixture (stopped at teardown)."""
    return lambda *args: start_server(*args, name=NAME)


@pytest.fixture
def clients():
    pool = ClientPool()
    yield pool
    pool.close_all()


@pytest.fixture
def launch_node(tmp_path: Path):
    """launch_node(*args, env={}, flags_for_address=True) starts a node the test stops itself; any
    still running at teardown is killed."""
    launched: list[NodeProcess] = []

    def launch(*args: Any, env: dict | None = None, flags_for_address: bool = True,
               prefix: list[str] | None = None) -> NodeProcess:
        process = NodeProcess(list(args), env, tmp_path / f"node-{len(launched)}.log", flags_for_address, prefix)
        launched.append(process)
        return process.start()

    yield launch
    for process in launched:
        process.kill()


@pytest.fixture
def client_script(tmp_path: Path) -> Path:
    path = tmp_path / "socket.io.min.js"
    path.write_bytes(DUMMY_CLIENT)
    return path
