"""Helpers of the socketio-bench end-to-end tests: finding the bench binary and running it.

Servers come from the shared `start_server` fixture (Tests/e2e/conftest.py); the bench itself is a
short-lived process run here with a bounded timeout.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any


from e2e_common import HOST, REPO_ROOT, free_port, package_binary  # noqa: F401
RUN_TIMEOUT = 60.0  # seconds any single bench invocation may take


def bench_binary() -> Path:
    """socketio-bench, built; skip (fail when CI=true) when it is not."""
    return package_binary("socketio-bench")


def run_raw(*args: Any) -> subprocess.CompletedProcess:
    """Runs socketio-bench with `args`; returns the finished process (stdout/stderr as text)."""
    cmd = [str(bench_binary()), *[str(a) for a in args]]
    return subprocess.run(cmd, capture_output=True, timeout=RUN_TIMEOUT, text=True, stdin=subprocess.DEVNULL)


def run_bench(*args: Any) -> dict:
    """Runs socketio-bench with `args` plus `--json -`; asserts it succeeded and returns the report."""
    proc = run_raw(*args, "--json", "-")
    described = f"socketio-bench {' '.join(str(a) for a in args)}"
    assert proc.returncode == 0, (
        f"{described} exited {proc.returncode}\nstdout: {proc.stdout[-2000:]}\nstderr: {proc.stderr[-2000:]}"
    )
    try:
        return json.loads(proc.stdout)
    except ValueError:
        raise AssertionError(f"no JSON on stdout of {described}: {proc.stdout[-500:]!r}\nstderr: {proc.stderr[-2000:]}")


def url(server) -> str:
    """The http:// URL of a server started by `start_server`."""
    return f"http://{HOST}:{server.port}"


def assert_sane(report: dict, scenario: str, runs: int) -> list[dict]:
    """Checks what every report must satisfy; returns its runs."""
    assert report["tool"] == "socketio-bench"
    assert report["scenario"] == scenario
    assert report["errors"] == 0, report["errorSamples"]
    assert report["machine"]["cores"] >= 1
    assert len(report["runs"]) == runs, report["runs"]
    for run in report["runs"]:
        assert run["errors"] == 0, run["errorSamples"]
        assert run["operations"] > 0, run
        assert run["operationsPerSecond"] > 0, run
        assert run["durationSeconds"] > 0, run
        assert run["benchCPU"]["seconds"] >= 0
    return report["runs"]


def assert_server_cpu(run: dict) -> None:
    """The run sampled one server PID's CPU."""
    cpu = run.get("serverCPU")
    assert cpu is not None, "server CPU missing although --server-pid was given"
    assert cpu["seconds"] >= 0 and len(cpu["perProcessSeconds"]) == 1
    assert cpu["microsecondsPerOperation"] is not None
