"""Polling → WebSocket upgrade as python-socketio's AsyncClient performs it.

aiohttp (under python-socketio's AsyncClient) keeps HTTP connections alive, so its WebSocket
upgrade request usually travels on the TCP connection that already carried the polling handshake.
Browsers and other HTTP/1.1 clients may do the same; the upgrade must be accepted there too."""

import json

import pytest
import websocket

from e2e_common import read_http_response
from sio_helpers import Clients, run, sio_json, sio_target


@pytest.mark.parametrize("name", ["socketio-fixture", "socketio-echo"])
def test_upgrade_on_a_kept_alive_http_connection(start_server, name):
    server = start_server(name=name)
    sock = server.raw_socket()
    sock.sendall(f"GET {sio_target(transport='polling')} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
    status, body = read_http_response(sock)
    assert status.startswith("HTTP/1.1 200"), (status, body)
    sid = json.loads(body.decode()[1:])["sid"]

    ws = websocket.WebSocket()
    server.track(ws)
    try:
        ws.connect(
            f"ws://127.0.0.1:{server.port}" + sio_target(transport="websocket", sid=sid), socket=sock, timeout=5
        )
    except websocket.WebSocketBadStatusException as exc:
        pytest.fail(
            f"the server refused a WebSocket upgrade sent on the keep-alive connection of the polling "
            f"handshake: {exc}"
        )
    ws.send("2probe")
    assert ws.recv() == "3probe"
    ws.send("5")
    ws.send("40")
    message = ws.recv()
    while message == "6":  # noop packets are allowed around the upgrade
        message = ws.recv()
    assert set(sio_json(message, "40")) == {"sid"}, message


def test_default_client_ends_on_websocket(start_echo):
    """python-socketio's default mode (polling first, then upgrade) must end on WebSocket."""
    server = start_echo()

    async def scenario():
        async with Clients(server) as clients:
            client = clients.new()
            await clients.open(client, "upgrade")
            assert client.transport() == "websocket", "python-socketio stayed on polling: the upgrade failed"
            assert await client.request("message-with-ack", "after upgrade", b"\x00") == ["after upgrade", b"\x00"]

    run(scenario())
