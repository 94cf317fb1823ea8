"""Heartbeat with raw clients: the server pings every pingInterval and closes sessions that do not
answer within pingTimeout."""

import json
import time

PING_INTERVAL_MS = 300
PING_TIMEOUT_MS = 200
HEARTBEAT_ARGS = ("--ping-interval", str(PING_INTERVAL_MS), "--ping-timeout", str(PING_TIMEOUT_MS))
# Clients that do answer get a roomier pingTimeout, so a slow machine cannot make them miss it.
KEEPALIVE_ARGS = ("--ping-interval", str(PING_INTERVAL_MS), "--ping-timeout", "1000")
DEADLINE = (PING_INTERVAL_MS + PING_TIMEOUT_MS) / 1000
SLACK = 5.0  # generous: only the upper bound matters


def test_polling_client_answering_pings_stays_connected(start_server):
    srv = start_server(*KEEPALIVE_ARGS)
    sid, _, _ = srv.handshake()
    pings = 0
    stop_at = time.monotonic() + 2.0  # several ping intervals
    while time.monotonic() < stop_at:
        resp = srv.get(sid, timeout=5.0)  # a parked GET is released when a ping is due
        assert resp.status == 200, resp
        for pkt in resp.packets():
            assert pkt in ("2", "6"), f"unexpected packet {pkt!r}"
            if pkt == "2":
                pings += 1
                assert srv.post(sid, "3").text == "ok"
    assert pings >= 3, f"only {pings} pings in 2s with pingInterval {PING_INTERVAL_MS}ms"
    assert srv.sessions() == 1
    assert srv.post(sid, "4alive").text == "ok"
    assert "4alive" in srv.poll_until(sid, lambda seen: "4alive" in seen)


def test_polling_client_that_never_answers_is_closed(start_server, eio):
    srv = start_server(*HEARTBEAT_ARGS)
    sid, _, _ = srv.handshake()
    assert srv.sessions() == 1
    # Handshake, then silence: no GET, no pong.
    assert srv.wait_sessions(0, timeout=DEADLINE + SLACK) == 0, "session outlived the ping timeout"
    assert srv.get(sid).summary() == eio.error(1)


def test_polling_client_polling_without_pongs_is_closed(start_server, eio):
    """Polling alone is not a sign of life: only a pong is."""
    srv = start_server(*HEARTBEAT_ARGS)
    sid, _, _ = srv.handshake()
    deadline = time.monotonic() + DEADLINE + SLACK
    last = None
    while time.monotonic() < deadline:
        last = srv.get(sid, timeout=5.0)
        if last.status != 200 or "1" in last.packets():
            break
    assert last is not None and (last.status != 200 or "1" in last.packets()), last
    assert srv.wait_sessions(0, timeout=2.0) == 0
    assert srv.get(sid).summary() == eio.error(1)


def open_websocket_session(srv, eio):
    """A session started on websocket; returns (ws, open packet data)."""
    ws = srv.ws_connect()
    return ws, json.loads(eio.recv_ws(ws)[1:])


def test_websocket_client_answering_pings_stays_connected(start_server, eio):
    srv = start_server(*KEEPALIVE_ARGS)
    ws, _ = open_websocket_session(srv, eio)
    pings = 0
    stop_at = time.monotonic() + 2.0
    while time.monotonic() < stop_at:
        msg = eio.recv_ws(ws, timeout=DEADLINE + SLACK)
        assert msg == "2", f"unexpected message {msg!r}"
        pings += 1
        ws.send("3")
    assert pings >= 3
    ws.send("4alive")
    while (msg := eio.recv_ws(ws)) == "2":
        ws.send("3")
    assert msg == "4alive"
    assert srv.sessions() == 1


def test_websocket_client_that_never_answers_is_closed(start_server, eio):
    srv = start_server(*HEARTBEAT_ARGS)
    ws, _ = open_websocket_session(srv, eio)
    assert eio.recv_ws(ws, timeout=DEADLINE + SLACK) == "2"
    closed, seen = eio.wait_ws_closed(ws, timeout=DEADLINE + SLACK)
    assert closed, "the server kept a WebSocket that never answered its ping"
    assert set(seen) <= {"2", "1"}, seen
    assert srv.wait_sessions(0, timeout=2.0) == 0


def test_client_initiated_ping_is_a_protocol_error(start_server, eio):
    srv = start_server()
    ws, _ = open_websocket_session(srv, eio)
    ws.send("2")
    closed, seen = eio.wait_ws_closed(ws, timeout=5.0)
    assert closed, "a client ping (outside the upgrade probe) must end the session"
    assert "3" not in seen, "the server must not answer a client ping in Engine.IO v4"
    assert srv.wait_sessions(0, timeout=2.0) == 0
