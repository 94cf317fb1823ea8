"""Graceful shutdown on SIGTERM/SIGINT: clients are told, the process exits 0 within the bound."""

import json
import signal
import threading
import time

import pytest
import websocket

from node_support import HOST, eventually, http_request, scrape

EIO = "/socket.io/?EIO=4"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_disconnects_clients_and_exits_zero(launch_node, clients, sig):
    node = launch_node("--shutdown-timeout", "5s")
    connected = [
        clients.connect(node.base_url, "/chat", mode, events=("welcome",))
        for mode in ("polling", "websocket", "upgrade")
    ]
    for client in connected:
        client.next("welcome")

    sent_at = node.signal(sig)
    for client in connected:
        assert client.disconnected.wait(5), f"{client.sio.transport()} client saw no disconnect\n{node.log()}"
    status = node.wait_exit(6)
    elapsed = time.monotonic() - sent_at
    assert status == 0, f"exit status {status}\n{node.log()}"
    assert elapsed < 5.5, f"took {elapsed:.1f}s, over --shutdown-timeout 5s"
    assert "graceful shutdown" in node.log()


def test_shutdown_answers_parked_polls_and_closes_websockets(launch_node):
    node = launch_node("--shutdown-timeout", "5s")

    # A polling client in the /chat namespace with a GET parked.
    handshake = http_request(node.port, "GET", f"{EIO}&transport=polling")
    sid = json.loads(handshake.text[1:])["sid"]
    assert http_request(node.port, "POST", f"{EIO}&transport=polling&sid={sid}", body=b"40/chat,").status == 200
    first = http_request(node.port, "GET", f"{EIO}&transport=polling&sid={sid}")
    assert first.text.startswith("40/chat,"), first
    parked: dict = {}
    poll = threading.Thread(
        target=lambda: parked.update(resp=http_request(node.port, "GET", f"{EIO}&transport=polling&sid={sid}")),
        daemon=True,
    )
    poll.start()

    # A WebSocket client in the same namespace.
    ws = websocket.WebSocket()
    ws.settimeout(5)
    ws.connect(f"ws://{HOST}:{node.port}{EIO}&transport=websocket")
    assert ws.recv().startswith("0")
    ws.send("40/chat,")
    while not ws.recv().startswith("40/chat,"):
        pass
    time.sleep(0.2)  # let the GET park

    node.signal(signal.SIGTERM)
    poll.join(5)
    assert not poll.is_alive(), "the parked poll was not answered"
    assert parked["resp"].status == 200
    # A noop and no Engine.IO close packet (`1`), which python-engineio takes as final: the client's
    # next request finds the session gone, and it reconnects (through a balancer, to another node).
    assert parked["resp"].text.split("\x1e") == ["6"], parked["resp"]

    messages = []
    close_code = None
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        opcode, data = ws.recv_data(control_frame=True)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            close_code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
            break
        if opcode == websocket.ABNF.OPCODE_TEXT:
            messages.append(data.decode())
    # A close frame "going away" and no Engine.IO close packet, as the reference closes WebSockets:
    # clients treat it as a lost transport and reconnect (through a balancer, to another node).
    assert "1" not in messages, messages
    assert close_code == 1001, close_code
    ws.close()
    assert node.wait_exit(6) == 0, node.log()


def test_readyz_is_503_while_draining(launch_node, clients):
    node = launch_node("--node-id", "drain-1", "--shutdown-delay", "2s", "--shutdown-timeout", "6s")
    client = clients.connect(node.base_url, "/chat", "websocket", events=("welcome",))
    client.next("welcome")
    assert http_request(node.port, "GET", "/readyz").status == 200

    sent_at = node.signal(signal.SIGTERM)

    def not_ready():
        resp = http_request(node.port, "GET", "/readyz")
        return resp if resp.status == 503 else None

    resp = eventually(not_ready, timeout=1.5)
    assert resp, "/readyz still 200 after SIGTERM"
    assert resp.content_type == "application/json"
    assert json.loads(resp.body) == {"status": "shutting-down", "node": "drain-1"}
    # Still serving during the delay: liveness, metrics, and the connected client.
    assert http_request(node.port, "GET", "/healthz").status == 200
    assert scrape(node.port).value("socketio_node_ready") == 0
    assert client.call("join", "still-here") == {"ok": True, "room": "still-here"}
    assert not client.disconnected.is_set()

    assert client.disconnected.wait(5)
    status = node.wait_exit(6)
    elapsed = time.monotonic() - sent_at
    assert status == 0, node.log()
    assert 2.0 <= elapsed < 6.5, f"exited after {elapsed:.1f}s"


def test_abandoned_polling_session_does_not_hold_shutdown(launch_node):
    node = launch_node()  # default --shutdown-timeout 10s
    handshake = http_request(node.port, "GET", f"{EIO}&transport=polling")
    assert handshake.status == 200
    # The client never polls again, so nobody collects its close packet.
    sent_at = node.signal(signal.SIGTERM)
    assert node.wait_exit(10) == 0, node.log()
    assert time.monotonic() - sent_at < 3, "shutdown waited for a session nobody will close"
