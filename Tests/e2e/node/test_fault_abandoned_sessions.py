"""Abandoned sessions are all reclaimed, and the memory they held with them.

Polling handshakes never polled again, upgrades that stop after `2probe` (their WebSocket left open),
and WebSockets that never say a word: every one of them must close at its deadline, every session
gauge must come back to 0, and the node's RSS must come back near its baseline. The counts are
bounded in `make test`; `make fault-test` (FAULT_FULL=1) runs 5,000 / 2,000 / 2,000.
"""

from __future__ import annotations

import json
import os
import socket
import time

import websocket

from node_support import HOST, http_request, scrape

FULL = os.environ.get("FAULT_FULL") == "1"
POLLING = 5_000 if FULL else 600
PROBES = 2_000 if FULL else 200
SILENT = 2_000 if FULL else 200
PING_INTERVAL_MS = 1_000
PING_TIMEOUT_MS = 1_000
UPGRADE_TIMEOUT_S = 10  # the node's (the reference's) default
RSS_SLACK = 0.10


def rss(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def sessions(port: int) -> tuple[float, float, float]:
    metrics = scrape(port)
    return (
        metrics.value("socketio_engine_sessions"),
        metrics.value("socketio_engine_clients", transport="polling"),
        metrics.value("socketio_engine_clients", transport="websocket"),
    )


def polling_handshake(connection) -> str:
    connection.request("GET", "/socket.io/?EIO=4&transport=polling")
    response = connection.getresponse()
    body = response.read().decode()
    assert response.status == 200, body
    return json.loads(body[1:])["sid"]


def test_abandoned_sessions_are_reclaimed_with_their_memory(launch_node):
    import http.client

    node = launch_node("--ping-interval", PING_INTERVAL_MS, "--ping-timeout", PING_TIMEOUT_MS)
    pid = node.proc.pid

    def one_round() -> tuple[list, float]:
        held: list = []
        connection = http.client.HTTPConnection(HOST, node.port, timeout=10)
        for _ in range(POLLING):
            polling_handshake(connection)
        connection.close()
        for _ in range(PROBES):
            connection = http.client.HTTPConnection(HOST, node.port, timeout=10)
            sid = polling_handshake(connection)
            connection.close()
            ws = websocket.create_connection(
                f"ws://{HOST}:{node.port}/socket.io/?EIO=4&transport=websocket&sid={sid}", timeout=10
            )
            ws.send("2probe")
            assert ws.recv() == "3probe"
            held.append(ws)  # never sends `5`
        for _ in range(SILENT):
            ws = websocket.create_connection(f"ws://{HOST}:{node.port}/socket.io/?EIO=4&transport=websocket", timeout=10)
            assert ws.recv().startswith("0{")
            held.append(ws)  # never answers a ping
        return held, rss(pid)

    def wait_reclaimed() -> tuple[float, float, float]:
        deadline = time.monotonic() + UPGRADE_TIMEOUT_S + 3 * (PING_INTERVAL_MS + PING_TIMEOUT_MS) / 1000 + 30
        counts = sessions(node.port)
        while time.monotonic() < deadline and counts != (0, 0, 0):
            time.sleep(0.5)
            counts = sessions(node.port)
        return counts

    # Round 1 warms the allocator up (the first sessions grow the process's arenas and tables); its
    # end is the baseline. Round 2 must give everything back to that level.
    held, _ = one_round()
    assert wait_reclaimed() == (0, 0, 0)
    for ws in held:
        ws.close()
    time.sleep(1.0)
    baseline = rss(pid)

    started = time.monotonic()
    held, peak = one_round()
    counts = wait_reclaimed()
    reclaimed_after = time.monotonic() - started
    for ws in held:
        ws.close()
    time.sleep(1.0)
    after = rss(pid)
    print(f"{POLLING} polling, {PROBES} probes, {SILENT} silent WebSockets: peak RSS {peak / 1048576:.1f} MiB, "
          f"baseline {baseline / 1048576:.1f} MiB, after {after / 1048576:.1f} MiB, all reclaimed after {reclaimed_after:.1f}s")
    assert counts == (0, 0, 0), f"sessions, polling, websocket gauges still {counts}"
    assert after <= baseline * (1 + RSS_SLACK), f"RSS {after / 1048576:.1f} MiB, baseline {baseline / 1048576:.1f} MiB"
    assert http_request(node.port, "GET", "/healthz").status == 200
