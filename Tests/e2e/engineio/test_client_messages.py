"""Echo through the python-engineio client (AsyncClient) over each transport mode:
polling only, WebSocket only, and polling upgraded to WebSocket."""

import asyncio
import json
import os

import pytest
import websocket

MODES = ["polling", "websocket", "upgrade"]
MAX_PAYLOAD = 100_000


@pytest.fixture(params=MODES)
def mode(request):
    return request.param


def test_text_messages_in_order(start_server, eio, mode):
    srv = start_server()

    async def scenario():
        async with eio.client(srv, mode) as client:
            # 10: python-engineio refuses polling payloads of more than 16 packets
            sent = [f"message {i}" for i in range(10)]
            for text in sent:
                await client.send(text)
            received = [await client.next_message() for _ in sent]
            assert received == sent

    eio.run(scenario())


def test_binary_messages(start_server, eio, mode):
    srv = start_server()

    async def scenario():
        async with eio.client(srv, mode) as client:
            sent = [bytes(range(256)), b"\x00", b"\xff" * 3, os.urandom(1000)]
            for data in sent:
                await client.send(data)
            received = [await client.next_message() for _ in sent]
            assert all(isinstance(item, bytes) for item in received), [type(r) for r in received]
            assert received == sent

    eio.run(scenario())


def test_mixed_text_and_binary_keep_their_types(start_server, eio, mode):
    srv = start_server()

    async def scenario():
        async with eio.client(srv, mode) as client:
            sent = ["text", b"binary", "☃ unicode ü", b"\x00\x01", "", "4looks like a packet"]
            for item in sent:
                await client.send(item)
            received = [await client.next_message() for _ in sent]
            assert [type(r) for r in received] == [type(s) for s in sent]
            assert received == sent

    eio.run(scenario())


def test_large_messages_near_the_limit(start_server, eio, mode):
    srv = start_server("--max-payload", str(MAX_PAYLOAD))

    async def scenario():
        async with eio.client(srv, mode) as client:
            # "4" + text is 99_001 bytes; "b" + base64(74_000 bytes) is 98_669 bytes: both under
            # the limit however the transport frames them. One at a time, so that the polling
            # client does not batch two of them into one over-limit POST.
            text = "".join(chr(ord("a") + i % 26) for i in range(99_000))
            await client.send(text)
            assert await client.next_message(timeout=10) == text
            blob = os.urandom(74_000)
            await client.send(blob)
            assert await client.next_message(timeout=10) == blob
            await client.send("small after large")
            assert await client.next_message() == "small after large"

    eio.run(scenario(), timeout=40)


def test_upgrade_mode_ends_on_websocket(start_server, eio):
    srv = start_server()

    async def scenario():
        async with eio.client(srv, "upgrade") as client:
            assert client.transport() == "websocket"
            await client.send("after upgrade")
            assert await client.next_message() == "after upgrade"
            assert srv.sessions() == 1

    eio.run(scenario())


def test_many_clients_at_once(start_server, eio):
    srv = start_server()

    async def one(index, mode):
        async with eio.client(srv, mode) as client:
            for i in range(5):
                await client.send(f"{index}:{i}")
            return [await client.next_message() for _ in range(5)]

    async def scenario():
        results = await asyncio.gather(*(one(i, MODES[i % 3]) for i in range(12)))
        for index, received in enumerate(results):
            assert received == [f"{index}:{i}" for i in range(5)]

    eio.run(scenario())


def test_websocket_messages_over_the_advertised_max_payload_close_with_1009(start_server, eio):
    """The WebSocket message limit is the `maxPayload` the handshake advertises, however small."""
    srv = start_server("--max-payload", "1000")
    ws = srv.ws_connect()
    opened = json.loads(eio.recv_ws(ws)[1:])
    assert opened["maxPayload"] == 1000
    ws.send("4" + "x" * 999)  # 1,000 bytes: at the limit
    assert eio.recv_ws(ws) == "4" + "x" * 999
    ws.send("4" + "x" * 1000)  # 1,001 bytes
    ws.settimeout(5)
    code = None
    while code is None:
        opcode, data = ws.recv_data(control_frame=True)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            code = int.from_bytes(data[:2], "big")
    assert code == 1009
