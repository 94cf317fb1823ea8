"""Socket.IO mounted in a Hummingbird 2 application (`hummingbird-chat-example`): the application's
routes (`GET /health`, `GET /`) and Socket.IO at /socket.io/ answer on one port.

The example is a real Hummingbird `Application` whose server is `.socketIO(io)`: every request is
routed on its own, so one keep-alive connection may carry the application's requests, Engine.IO
polling requests and finally a WebSocket upgrade, as browsers and aiohttp send them. Requests for
Socket.IO keep the engine's protections (its error answers, maxHttpBufferSize, upgrade checks).
"""

from __future__ import annotations

import http.client
import json
import signal
import socket
import time
import urllib.parse

import pytest
import socketio
import websocket

from e2e_common import HOST, BackgroundCall, ChildProcess, eventually, free_port, package_binary, read_http_response, run, wait_until

BINARY = "hummingbird-chat-example"
SIO_PATH = "/socket.io/"
MODES = {"polling": ["polling"], "websocket": ["websocket"], "upgrade": None}
TIMEOUT = 10.0


@pytest.fixture
def app(start_server):
    return start_server(name=BINARY)


def sio_target(**query) -> str:
    query = {"EIO": "4", **query}
    return SIO_PATH + "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})

async def connected_client(app, mode: str) -> tuple[socketio.AsyncClient, list]:
    """A python-socketio client over `mode`, with every `chat` event it receives recorded."""
    client = socketio.AsyncClient(reconnection=False)
    received: list = []
    client.on("chat", lambda data: received.append(data))
    await client.connect(app.base_url, transports=MODES[mode], socketio_path=SIO_PATH, wait_timeout=TIMEOUT)
    return client, received


@pytest.mark.parametrize("mode", list(MODES))
def test_app_route_and_socketio_chat_on_one_port(app, mode):
    health = app.request("GET", "/health")
    assert (health.status, health.text) == (200, "ok")

    async def scenario():
        alice, alice_got = await connected_client(app, mode)
        bob, bob_got = await connected_client(app, mode)
        try:
            if mode == "upgrade":
                assert await eventually(lambda: alice.transport() == "websocket" and bob.transport() == "websocket", TIMEOUT), (
                    "the clients did not upgrade to WebSocket"
                )
            else:
                assert alice.transport() == bob.transport() == MODES[mode][0]
            assert await alice.call("join", "lobby", timeout=TIMEOUT) == {"ok": True, "room": "lobby"}
            assert await bob.call("join", "lobby", timeout=TIMEOUT) == {"ok": True, "room": "lobby"}
            answer = await alice.call("chat", {"room": "lobby", "text": "hello"}, timeout=TIMEOUT)
            assert answer == {"ok": True}
            assert await eventually(lambda: bob_got, TIMEOUT), "bob did not get alice's message"
            assert bob_got == [{"room": "lobby", "text": "hello", "from": alice.get_sid()}]
            assert alice_got == [], "the sender is not sent its own message"
            refused = await alice.call("chat", {"room": "", "text": "x"}, timeout=TIMEOUT)
            assert refused["ok"] is False
        finally:
            await alice.disconnect()
            await bob.disconnect()

    run(scenario(), 45.0)
    # The application still answers after the Socket.IO traffic.
    page = app.request("GET", "/")
    assert page.status == 200 and "Hummingbird chat" in page.text


def test_one_keep_alive_connection_serves_app_and_engine_requests_in_turn(app):
    conn = http.client.HTTPConnection(HOST, app.port, timeout=TIMEOUT)
    app.track(conn)

    def get(target: str) -> tuple[int, str]:
        conn.request("GET", target)
        response = conn.getresponse()
        return response.status, response.read().decode()

    assert get("/health") == (200, "ok")
    sock = conn.sock
    status, body = get(sio_target(transport="polling"))
    assert status == 200 and body.startswith("0{"), body
    sid = json.loads(body[1:])["sid"]
    assert conn.sock is sock, "the server closed the keep-alive connection after an application request"
    assert get("/health") == (200, "ok")
    conn.request("POST", sio_target(transport="polling", sid=sid), body="40", headers={"Content-Type": "text/plain;charset=UTF-8"})
    posted = conn.getresponse()
    assert (posted.status, posted.read()) == (200, b"ok")
    assert get("/health") == (200, "ok")
    status, body = get(sio_target(transport="polling", sid=sid))
    assert status == 200 and body.startswith("40{"), body
    assert get("/health") == (200, "ok")
    assert conn.sock is sock, "the connection was not kept alive across application and Engine.IO requests"
    # The application's own 404 for an unknown route (the engine's fallback is not in the way).
    conn.request("GET", "/no-such-route")
    missing = conn.getresponse()
    missing.read()
    assert missing.status == 404


def test_bad_engine_requests_get_the_engines_errors(app):
    version = app.request("GET", sio_target(EIO="3", transport="polling"))
    assert version.status == 400
    assert version.json() == {"code": 5, "message": "Unsupported protocol version"}
    unknown = app.request("GET", sio_target(transport="polling", sid="AAAAAAAAAAAAAAAAAAAA"))
    assert unknown.status == 400
    assert unknown.json() == {"code": 1, "message": "Session ID unknown"}
    transport = app.request("GET", sio_target(transport="carrier-pigeon"))
    assert (transport.status, transport.json()["code"]) == (400, 0)
    # The application is unaffected.
    health = app.request("GET", "/health")
    assert (health.status, health.text) == (200, "ok")


def test_max_http_buffer_size_applies_to_mounted_posts(app):
    response = app.request("GET", sio_target(transport="polling"))
    sid = json.loads(response.text[1:])["sid"]
    too_large = app.request(
        "POST",
        sio_target(transport="polling", sid=sid),
        headers={"Content-Type": "text/plain;charset=UTF-8"},
        body=b"4" + b"x" * 1_000_001,
    )
    assert too_large.status == 413
    health = app.request("GET", "/health")
    assert (health.status, health.text) == (200, "ok")


def test_websocket_upgrade_on_the_connection_that_served_the_app_and_the_handshake(app):
    sock = app.raw_socket()
    host = f"Host: {HOST}:{app.port}\r\n"
    sock.sendall(f"GET /health HTTP/1.1\r\n{host}\r\n".encode())
    assert read_http_response(sock) == ("HTTP/1.1 200 OK", b"ok")
    sock.sendall(f"GET {sio_target(transport='polling')} HTTP/1.1\r\n{host}\r\n".encode())
    status, body = read_http_response(sock)
    assert status.startswith("HTTP/1.1 200"), (status, body)
    sid = json.loads(body.decode()[1:])["sid"]

    ws = websocket.WebSocket()
    app.track(ws)
    ws.connect(f"ws://{HOST}:{app.port}" + sio_target(transport="websocket", sid=sid), socket=sock, timeout=5)
    ws.send("2probe")
    assert ws.recv() == "3probe"
    ws.send("5")
    ws.send("40")
    message = ws.recv()
    while message == "6":  # noop packets may surround the upgrade
        message = ws.recv()
    assert message.startswith("40{") and "sid" in json.loads(message[2:]), message
    ws.send('420["join","room-1"]')
    message = ws.recv()
    assert message == '430[{"ok":true,"room":"room-1"}]', message
    # The application still answers on other connections.
    health = app.request("GET", "/health")
    assert (health.status, health.text) == (200, "ok")


def test_websocket_only_on_a_fresh_connection_and_a_refused_upgrade(app):
    ws = websocket.WebSocket()
    app.track(ws)
    ws.connect(f"ws://{HOST}:{app.port}" + sio_target(transport="websocket"), timeout=5)
    opening = ws.recv()
    assert opening.startswith("0{") and json.loads(opening[1:])["upgrades"] == []
    status, _ = app.raw_ws_upgrade(sio_target(transport="websocket", sid="AAAAAAAAAAAAAAAAAAAA"))
    assert status.startswith("HTTP/1.1 400"), status


def test_sigterm_drains_socketio_before_the_application_stops(tmp_path):
    port = free_port()
    process = ChildProcess([str(package_binary(BINARY)), "--host", HOST, "--port", str(port)], tmp_path / "server.log")
    try:
        def accepts() -> bool:
            try:
                with socket.create_connection((HOST, port), timeout=0.5):
                    return True
            except OSError:
                return False

        assert wait_until(accepts, 20.0), process.log()

        def request(method: str, target: str, body: bytes | None = None) -> tuple[int, str]:
            conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
            try:
                conn.request(method, target, body=body)
                response = conn.getresponse()
                return response.status, response.read().decode()
            finally:
                conn.close()

        # A polling client with a GET held by the server.
        status, body = request("GET", sio_target(transport="polling"))
        sid = json.loads(body[1:])["sid"]
        assert request("POST", sio_target(transport="polling", sid=sid), b"40") == (200, "ok")
        status, body = request("GET", sio_target(transport="polling", sid=sid))
        assert body.startswith("40{"), body
        parked = BackgroundCall(lambda: request("GET", sio_target(transport="polling", sid=sid)))

        # A WebSocket client.
        ws = websocket.WebSocket()
        ws.settimeout(5)
        ws.connect(f"ws://{HOST}:{port}" + sio_target(transport="websocket"))
        assert ws.recv().startswith("0{")
        ws.send("40")
        while not ws.recv().startswith("40{"):
            pass
        time.sleep(0.2)  # let the GET park

        process.process.send_signal(signal.SIGTERM)
        assert parked.result(5.0) == (200, "6"), "the held poll was not answered with a noop"
        close_code = None
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            opcode, data = ws.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                close_code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
                break
        assert close_code == 1001, close_code
        ws.close()
        assert process.process.wait(timeout=8) == 0, process.log()
    finally:
        process.stop()
