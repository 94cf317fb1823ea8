"""Shutdown with Redis when the drain delay spends (almost) all of the shutdown budget.

`--shutdown-delay 950ms` inside `--shutdown-timeout 1s` leaves the node directory's leave step a budget
that is spent before it starts (a negative amount): the node must still leave, and exit 0 on SIGTERM.
"""

import signal
import subprocess
import time
import urllib.request

from cluster_support import RedisServer  # noqa: F401  (the fixture's type)
from e2e_common import HOST, free_port, package_binary, wait_until


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def test_sigterm_with_a_spent_shutdown_budget_exits_zero(redis_server, tmp_path):
    port = free_port()
    log_path = tmp_path / "node.log"
    command = [
        str(package_binary("socketio-node")), "--host", HOST, "--port", str(port), "--redis", redis_server.url,
        "--node-id", "budget", "--shutdown-timeout", "1s", "--shutdown-delay", "950ms",
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: _ready(port), 20), f"node never became healthy\n{log_path.read_text()}"
        assert wait_until(lambda: redis_server.command("PUBSUB", "NUMSUB", "socket.io-request#/#")[1] == 1, 10)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        status = process.wait(timeout=10)
        elapsed = time.monotonic() - started
        log_text = log_path.read_text()
        assert status == 0, f"exit status {status} after {elapsed:.1f}s\n{log_text}"
        assert "Fatal error" not in log_text and "Precondition failed" not in log_text, log_text
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
