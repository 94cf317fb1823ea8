"""Socket.IO over a permessage-deflate WebSocket: socketio-echo with --per-message-deflate and the
python-socketio client offering the extension (aiohttp's `compress=15`) — events, binary attachments
and acks above and below the 1024-byte threshold come back unchanged; socketio-fixture's emits with
compress(false), direct and broadcast, go out plain (checked on the raw frames)."""

import json
import zlib

import pytest

from sio_helpers import Clients, run, sio_target
from websocket_deflate_support import TAIL, upgrade

BIG = "permessage-deflate " * 400
ARGS = [("small", 1), (BIG, {"nested": [BIG, 2]}), (b"\x00" * 3000, "with a binary attachment")]


@pytest.mark.parametrize("mode", ["websocket", "upgrade"])
def test_events_and_acks_over_a_compressed_websocket(start_echo, mode):
    server = start_echo("--per-message-deflate")

    async def scenario():
        async with Clients(server) as clients:
            client = await clients.connect(mode, websocket_extra_options={"compress": 15})
            assert client.eio.ws.compress == 15, "permessage-deflate negotiated"
            for args in ARGS:
                await client.send_event("message", *args)
                got = await client.wait_event("message-back", count=1)
                assert got[-1] == list(args)
                client.log.clear()
                assert await client.request("message-with-ack", *args) == list(args)

    run(scenario())


def test_compress_false_sends_plain_frames(start_fixture):
    """socket.compress(false).emit and a broadcast's compress(false) go out without RSV1 on a
    WebSocket that negotiated permessage-deflate; the same emits without the flag are compressed."""
    server = start_fixture("--per-message-deflate")
    status, headers, ws = upgrade(server, "permessage-deflate", target=sio_target(transport="websocket"))
    assert status == 101 and headers.get("sec-websocket-extensions") == "permessage-deflate"
    inflater = zlib.decompressobj(-15)

    def next_text() -> tuple[bool, str]:
        while True:
            rsv1, opcode, payload = ws.read_data()
            text = (inflater.decompress(payload + TAIL) if rsv1 else payload).decode()
            if text != "2":  # an Engine.IO ping
                return rsv1, text

    assert next_text()[1].startswith("0{")
    ws.send_frame(1, b"40")
    assert next_text()[1].startswith("40{")
    assert next_text()[1].startswith('42["welcome"')
    big = "x" * 3000
    requests = [
        ("emit-self", [True, "big", big], True),
        ("emit-self", [False, "big", big], False),
        ("emit-to", [{"compress": False}, "big", big], False),
        ("emit-to", [{}, "big", big], True),
    ]
    for ack_id, (event, args, compressed) in enumerate(requests):
        ws.send_frame(1, f"42{ack_id}{json.dumps([event, *args])}".encode())
        got = sorted([next_text(), next_text()], key=lambda item: item[1].startswith("43"))
        (rsv1, text), (_, ack) = got
        assert ack == f"43{ack_id}[true]"
        assert text == f'42["big","{big}"]'
        assert rsv1 == compressed, (event, args[0])
