"""WebSocket permessage-deflate (RFC 7692), off by default and on with --per-message-deflate: the
negotiation in the 101 answer (or 400, as the reference's `ws` refuses a bad offer), compressed echoes
above the threshold and plain ones below it (checked on the raw frames), the bound on inflated size
(1009), bad compressed data (1007), RSV1 where it may not be (1002), and real clients (aiohttp, and
python-engineio's asyncio client) that offer the extension."""

import zlib

import aiohttp
import pytest

from websocket_deflate_support import TAIL, RawWebSocket, deflate_message, upgrade

DEFLATE = "--per-message-deflate"


def open_session(srv, extensions: str | None = "permessage-deflate; client_max_window_bits", inflater=None) -> RawWebSocket:
    """A session with its open packet read: plain (it is under the default threshold), or
    compressed when an `inflater` is given (a low threshold)."""
    status, headers, ws = upgrade(srv, extensions)
    assert status == 101, (status, headers)
    rsv1, opcode, payload = ws.read_data()
    if inflater is not None:
        assert rsv1
        payload = inflater.decompress(payload + TAIL)
    assert (rsv1, opcode, payload[:1]) == (inflater is not None, 1, b"0")
    return ws


@pytest.mark.parametrize(
    "offer, answer",
    [
        ("permessage-deflate", "permessage-deflate"),
        ("permessage-deflate; client_max_window_bits", "permessage-deflate"),
        ("permessage-deflate; client_max_window_bits=10", "permessage-deflate; client_max_window_bits=10"),
        ("permessage-deflate; server_max_window_bits=12", "permessage-deflate; server_max_window_bits=12"),
        ("permessage-deflate; server_no_context_takeover", "permessage-deflate; server_no_context_takeover"),
        ("x-webkit-deflate-frame, permessage-deflate; client_no_context_takeover", "permessage-deflate; client_no_context_takeover"),
        ("x-webkit-deflate-frame", None),
    ],
)
def test_negotiated_answer(start_server, offer, answer):
    srv = start_server(DEFLATE)
    status, headers, _ = upgrade(srv, offer)
    assert status == 101
    assert headers.get("sec-websocket-extensions") == answer


@pytest.mark.parametrize(
    "offer",
    [
        "permessage-deflate; client_max_window_bits=16",
        "permessage-deflate; server_max_window_bits",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "permessage-deflate; bogus",
        "permessage-deflate; server_max_window_bits=10, permessage-deflate; nope",
        "permessage-deflate,,",
        "",
    ],
)
def test_invalid_offer_fails_the_upgrade_with_400(start_server, offer):
    srv = start_server(DEFLATE)
    status, _, _ = upgrade(srv, offer)
    assert status == 400
    # The node carries on.
    open_session(srv)


def test_off_by_default(start_server):
    srv = start_server()
    status, headers, ws = upgrade(srv, "permessage-deflate; client_max_window_bits")
    assert status == 101
    assert "sec-websocket-extensions" not in headers
    ws.read_data()
    ws.send_frame(1, b"4" + b"x" * 5000)
    assert ws.read_data() == (False, 1, b"4" + b"x" * 5000), "sent plain"
    # A bad offer is not even looked at when the extension is off, as with `ws`.
    assert upgrade(srv, "permessage-deflate; bogus")[0] == 101


def test_large_messages_are_echoed_compressed_and_small_ones_plain(start_server):
    srv = start_server(DEFLATE)
    ws = open_session(srv)
    inflater = zlib.decompressobj(-15)
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    for round_ in range(3):
        message = ("4" + f"round {round_} " + "compress me please " * 300).encode()
        ws.send_frame(1, deflate_message(compressor, message), rsv1=True)
        rsv1, opcode, payload = ws.read_data()
        assert (rsv1, opcode) == (True, 1)
        assert len(payload) < len(message) // 10
        # Context takeover: one inflater for the whole connection.
        assert inflater.decompress(payload + TAIL) == message
    # Below the 1024-byte threshold the echo goes out plain, whether the client compressed it or not.
    ws.send_frame(1, deflate_message(compressor, b"4small"), rsv1=True)
    assert ws.read_data() == (False, 1, b"4small")
    ws.send_frame(1, b"4" + b"s" * 1022)
    assert ws.read_data() == (False, 1, b"4" + b"s" * 1022)
    ws.send_frame(1, b"4" + b"s" * 1023)
    rsv1, _, payload = ws.read_data()
    assert rsv1 and inflater.decompress(payload + TAIL) == b"4" + b"s" * 1023, "1024 bytes: compressed"


def test_threshold_option(start_server):
    srv = start_server(DEFLATE, "--per-message-deflate-threshold", "10")
    inflater = zlib.decompressobj(-15)
    ws = open_session(srv, inflater=inflater)
    ws.send_frame(1, b"4" + b"t" * 20)
    rsv1, _, payload = ws.read_data()
    assert rsv1 and inflater.decompress(payload + TAIL) == b"4" + b"t" * 20
    ws.send_frame(1, b"4" + b"t" * 8)
    assert ws.read_data() == (False, 1, b"4" + b"t" * 8)


def test_binary_and_fragmented_compressed_messages(start_server):
    srv = start_server(DEFLATE)
    ws = open_session(srv)
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    inflater = zlib.decompressobj(-15)
    blob = bytes(range(256)) * 20
    compressed = deflate_message(compressor, blob)
    # RSV1 on the first fragment only.
    ws.send_frame(2, compressed[:10], rsv1=True, fin=False)
    ws.send_frame(0, compressed[10:])
    rsv1, opcode, payload = ws.read_data()
    assert (rsv1, opcode) == (True, 2)
    assert inflater.decompress(payload + TAIL) == blob


def test_deflate_bomb_closes_with_1009(start_server):
    """About 1 KB on the wire that inflates to 1 MB, against a 100 kB limit: closed with 1009."""
    srv = start_server(DEFLATE, "--max-payload", "100000")
    ws = open_session(srv)
    bomb = deflate_message(zlib.compressobj(9, zlib.DEFLATED, -15), b"4" + b"a" * 1_000_000)
    assert len(bomb) < 1500
    ws.send_frame(1, bomb, rsv1=True)
    assert ws.close_code() == 1009
    # Just under the limit is fine.
    ws2 = open_session(srv)
    message = b"4" + b"a" * 99_999
    ws2.send_frame(1, deflate_message(zlib.compressobj(9, zlib.DEFLATED, -15), message), rsv1=True)
    rsv1, _, payload = ws2.read_data()
    assert rsv1 and zlib.decompressobj(-15).decompress(payload + TAIL) == message


@pytest.mark.parametrize(
    "frames, code",
    [
        ([(1, b"\xff\xff\xff\xff", True, True)], 1007),  # not DEFLATE data
        ([(1, deflate_message(zlib.compressobj(6, zlib.DEFLATED, -15), b"4\xc3\x28"), True, True)], 1007),  # not UTF-8
        ([(1, b"4a", False, False), (0, b"b", True, True)], 1002),  # RSV1 on a continuation
        ([(9, b"", True, True)], 1002),  # RSV1 on a ping
    ],
    ids=["invalid-deflate", "inflated-not-utf8", "rsv1-continuation", "rsv1-ping"],
)
def test_bad_compressed_frames(start_server, frames, code):
    srv = start_server(DEFLATE)
    ws = open_session(srv)
    for opcode, payload, rsv1, fin in frames:
        ws.send_frame(opcode, payload, rsv1=rsv1, fin=fin)
    assert ws.close_code() == code
    other = open_session(srv)
    other.send_frame(1, b"4still here")
    assert other.read_data() == (False, 1, b"4still here")


def test_rsv1_without_the_extension_is_a_protocol_error(start_server):
    srv = start_server(DEFLATE)
    ws = open_session(srv, extensions=None)
    ws.send_frame(1, deflate_message(zlib.compressobj(), b"4hello"), rsv1=True)
    assert ws.close_code() == 1002


def test_aiohttp_client_negotiates_and_round_trips(start_server, eio):
    srv = start_server(DEFLATE)

    async def scenario():
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(srv.ws_url(), compress=15) as ws:
                assert ws.compress == 15, "the server accepted permessage-deflate"
                opening = await ws.receive_str(timeout=5)
                assert opening.startswith("0{")
                for message in ["4" + "aiohttp " * 1000, "4tiny", "4" + "é" * 3000]:
                    await ws.send_str(message)
                    assert await ws.receive_str(timeout=5) == message
                await ws.send_bytes(bytes(5000))
                assert await ws.receive_bytes(timeout=5) == bytes(5000)

    eio.run(scenario())


@pytest.mark.parametrize("mode", ["websocket", "upgrade"])
def test_python_engineio_client_works_with_deflate(start_server, eio, mode):
    """python-engineio's asyncio client (aiohttp underneath, which offers the extension when asked)."""
    srv = start_server(DEFLATE)

    async def scenario():
        async with eio.client(srv, mode, websocket_extra_options={"compress": 15}) as client:
            assert client.ws.compress == 15, "permessage-deflate negotiated"
            big = "engine.io " * 500
            await client.send(big)
            assert await client.next_message() == big
            await client.send("small")
            assert await client.next_message() == "small"

    eio.run(scenario())


def test_server_no_context_takeover_compresses_every_message_alone(start_server):
    srv = start_server(DEFLATE)
    ws = open_session(srv, extensions="permessage-deflate; server_no_context_takeover")
    message = b"4" + b"same message, same bytes " * 100
    payloads = []
    for _ in range(3):
        ws.send_frame(1, message)
        rsv1, _, payload = ws.read_data()
        assert rsv1
        assert zlib.decompressobj(-15).decompress(payload + TAIL) == message, "decodes with a fresh inflater"
        payloads.append(payload)
    assert payloads[0] == payloads[1] == payloads[2]
