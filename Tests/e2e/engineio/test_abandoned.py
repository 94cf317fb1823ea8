"""Sessions whose clients vanish without a word are all reclaimed, whatever state they were in."""

import json
import time

PING_INTERVAL_MS = 1000
PING_TIMEOUT_MS = 500
UPGRADE_TIMEOUT_MS = 1000
ARGS = (
    "--ping-interval", str(PING_INTERVAL_MS),
    "--ping-timeout", str(PING_TIMEOUT_MS),
    "--upgrade-timeout", str(UPGRADE_TIMEOUT_MS),
)
SLACK = 6.0


def test_abandoned_sessions_are_all_reclaimed(start_server, eio):
    srv = start_server(*ARGS)
    started = time.monotonic()

    # 20 polling sessions that stop polling right after the handshake.
    for _ in range(20):
        srv.handshake()

    # 10 sessions that begin an upgrade probe and then go silent, their WebSockets left open.
    probes = []
    for _ in range(10):
        sid, _, _ = srv.handshake()
        ws = srv.ws_connect(sid=sid)
        ws.send("2probe")
        assert eio.recv_ws(ws) == "3probe"
        probes.append(ws)

    # 5 sessions that start on websocket and never answer a ping.
    silent = []
    for _ in range(5):
        ws = srv.ws_connect()
        assert eio.recv_ws(ws).startswith("0{")
        silent.append(ws)

    # 3 sessions with a GET parked at the moment the client vanishes.
    parked = []
    for _ in range(3):
        sid, _, _ = srv.handshake()
        parked.append(srv.background_get(sid))

    setup_time = time.monotonic() - started
    count = srv.sessions()
    if setup_time < PING_INTERVAL_MS / 1000 * 0.8:
        assert count == 38, f"expected 38 sessions right after setup, /stats says {count}"
    else:
        assert count > 0, "no session was counted at all"

    bound = (PING_INTERVAL_MS + PING_TIMEOUT_MS + UPGRADE_TIMEOUT_MS) / 1000 + SLACK
    remaining = srv.wait_sessions(0, timeout=bound)
    assert remaining == 0, f"{remaining} sessions still held {bound:.1f}s after their clients vanished"
    assert srv.alive()
    del probes, silent, parked  # kept referenced (and open) until here on purpose


def test_server_keeps_working_after_reclaiming(start_server, eio):
    srv = start_server(*ARGS)
    for _ in range(5):
        srv.handshake()
    bound = (PING_INTERVAL_MS + PING_TIMEOUT_MS) / 1000 + SLACK
    assert srv.wait_sessions(0, timeout=bound) == 0

    sid, _, _ = srv.handshake()
    assert srv.post(sid, "4after cleanup").text == "ok"
    assert "4after cleanup" in srv.poll_until(sid, lambda seen: "4after cleanup" in seen)
    ws = srv.ws_connect()
    opened = json.loads(eio.recv_ws(ws)[1:])
    assert opened["upgrades"] == []
    ws.send("4ws after cleanup")
    while (msg := eio.recv_ws(ws)) == "2":
        ws.send("3")
    assert msg == "4ws after cleanup"
