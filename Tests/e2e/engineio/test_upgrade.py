"""Polling -> WebSocket upgrade, step by step with a raw WebSocket (websocket-client)."""

import base64
import json
import time


def start_probe(srv, eio, sid):
    ws = srv.ws_connect(sid=sid)
    ws.send("2probe")
    assert eio.recv_ws(ws) == "3probe"
    return ws


def test_upgrade_step_by_step(start_server, eio):
    srv = start_server()
    sid, _, _ = srv.handshake()
    parked = srv.background_get(sid)
    time.sleep(0.3)
    assert not parked.done(), "a GET with nothing to send must wait"

    ws = start_probe(srv, eio, sid)

    # The parked GET is released with noop packets so the client can stop polling.
    released = parked.result(5.0)
    assert released.status == 200, released
    assert released.packets() and set(released.packets()) == {"6"}, released

    ws.send("5")
    ws.send("4now over websocket")
    assert eio.recv_ws(ws) == "4now over websocket"
    ws.send_binary(bytes(range(256)))
    assert eio.recv_ws(ws) == bytes(range(256))

    # Polling is over for this session.
    assert srv.get(sid).summary() == eio.error(3)
    assert srv.post(sid, "4late").summary() == eio.error(3)
    ws.send("4still alive")
    assert eio.recv_ws(ws) == "4still alive"
    assert srv.sessions() == 1


def test_buffered_messages_are_flushed_over_websocket(start_server, eio):
    srv = start_server()
    sid, _, _ = srv.handshake()
    ws = start_probe(srv, eio, sid)
    # While the upgrade is pending (no GET parked), echoes wait in the session's buffer ...
    binary = base64.b64encode(b"\x01\x02\x03").decode()
    assert srv.post(sid, f"4during upgrade\x1eb{binary}").text == "ok"
    time.sleep(0.2)
    # ... and go out over the WebSocket once the client confirms the upgrade.
    ws.send("5")
    received = [eio.recv_ws(ws), eio.recv_ws(ws)]
    assert received == ["4during upgrade", b"\x01\x02\x03"]


def test_upgrade_timeout_keeps_session_on_polling(start_server, eio):
    srv = start_server("--upgrade-timeout", "300")
    sid, _, _ = srv.handshake()
    ws = start_probe(srv, eio, sid)
    # Never send "5": the server gives up on the probe WebSocket and closes it.
    closed, seen = eio.wait_ws_closed(ws, timeout=0.3 + 5.0)
    assert closed, "the probe WebSocket was not closed after the upgrade timeout"
    assert [m for m in seen if m != "6"] == [], f"only the close is expected on an unconfirmed probe: {seen!r}"

    # The session carries on over polling.
    assert srv.sessions() == 1
    assert srv.post(sid, "4still polling").text == "ok"
    packets = srv.poll_until(sid, lambda seen: "4still polling" in seen)
    assert set(packets) <= {"4still polling", "6", "2"}, packets


def test_session_started_on_websocket_cannot_be_probed_again(start_server, eio):
    """A second WebSocket for a session that is already on websocket is not an upgrade."""
    srv = start_server()
    ws = srv.ws_connect()
    sid = json.loads(eio.recv_ws(ws)[1:])["sid"]
    # Whether refused at the HTTP level or closed right after, it must not take the session over.
    srv.raw_ws_upgrade(srv.eio_target(transport="websocket", sid=sid))
    ws.send("4first socket")
    assert eio.recv_ws(ws) == "4first socket"


def test_a_get_sent_right_after_5_is_refused_whatever_loop_it_lands_on(start_server, eio):
    """`2probe`, `5` on the WebSocket, then at once a polling GET on a new connection: the GET
    gets 400 (code 3), as the reference answers it, even when it reaches the session before the `5`
    does (its connection and the WebSocket sit on different event loops). Repeated, since which
    one arrives first is up to the scheduler."""
    srv = start_server()
    statuses = []
    for _ in range(60):
        sid, _, _ = srv.handshake()
        ws = start_probe(srv, eio, sid)
        sock = srv.raw_socket()  # connected beforehand: the GET follows the `5` by microseconds
        request = f"GET {srv.eio_target(sid=sid)} HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\n\r\n".encode()
        ws.send("5")
        sock.sendall(request)
        sock.settimeout(5)
        head = b""
        while b"\r\n" not in head:
            chunk = sock.recv(4096)
            if not chunk:
                break
            head += chunk
        statuses.append(head.split(b"\r\n", 1)[0])
        sock.close()
        ws.close()
    wrong = [s for s in statuses if not s.startswith(b"HTTP/1.1 400")]
    assert not wrong, f"{len(wrong)} of {len(statuses)} GETs after `5` were not refused: {wrong[:3]}"
