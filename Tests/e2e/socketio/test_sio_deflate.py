"""socketio-echo with --per-message-deflate and the python-socketio client offering the extension
(aiohttp's `compress=15`): events, binary attachments and acks above and below the 1024-byte
threshold come back unchanged over the compressed WebSocket."""

import pytest

from sio_helpers import Clients, run

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
