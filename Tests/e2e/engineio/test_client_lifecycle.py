"""Connection lifecycle seen from the python-engineio client: server-initiated close, heartbeat
keeping a connection alive, and the server dropping a client that stopped answering pings."""

import asyncio

import pytest

MODES = ["polling", "websocket", "upgrade"]
CLOSE_TEXT = "please close"
SLACK = 5.0


@pytest.fixture(params=MODES)
def mode(request):
    return request.param


def test_server_initiated_close(start_server, eio, mode):
    srv = start_server("--close-on", CLOSE_TEXT)

    async def scenario():
        async with eio.client(srv, mode) as client:
            await client.send("not yet")
            assert await client.next_message() == "not yet"
            await client.send(CLOSE_TEXT)
            assert await client.wait_disconnected(SLACK), "no disconnect event after the server closed"
            assert client.disconnect_reasons and client.disconnect_reasons[0] != client.reason.CLIENT_DISCONNECT
            assert client.messages.empty(), "the close text must not be echoed"
            assert await asyncio.to_thread(srv.wait_sessions, 0, 3.0) == 0

    eio.run(scenario())


def test_close_text_only_matches_exactly(start_server, eio):
    srv = start_server("--close-on", CLOSE_TEXT)

    async def scenario():
        async with eio.client(srv, "websocket") as client:
            for near_miss in (CLOSE_TEXT + " ", "x" + CLOSE_TEXT, CLOSE_TEXT.encode()):
                await client.send(near_miss)
                assert await client.next_message() == near_miss
            assert not client.disconnected.is_set()

    eio.run(scenario())


def test_heartbeat_keeps_connection_alive(start_server, eio, mode):
    srv = start_server("--ping-interval", "300", "--ping-timeout", "1000")

    async def scenario():
        async with eio.client(srv, mode) as client:
            await asyncio.sleep(2.0)  # about six ping intervals
            assert not client.disconnected.is_set(), f"disconnected: {client.disconnect_reasons}"
            assert client.pings_received >= 3, f"only {client.pings_received} pings in 2s"
            await client.send("still here")
            assert await client.next_message() == "still here"
            assert await asyncio.to_thread(srv.sessions) == 1

    eio.run(scenario())


@pytest.mark.parametrize("frozen_mode", ["polling", "websocket"])
def test_client_that_stops_answering_pings_is_dropped(start_server, eio, frozen_mode):
    srv = start_server("--ping-interval", "300", "--ping-timeout", "200")

    async def scenario():
        async with eio.client(srv, frozen_mode) as client:
            client.stop_own_liveness_checks()  # only the server may end this connection
            client.answer_pings = False
            assert await client.wait_disconnected(0.5 + SLACK), "server kept a client that never answered pings"
            assert client.pings_received >= 1
            assert client.disconnect_reasons[0] != client.reason.CLIENT_DISCONNECT
            assert await asyncio.to_thread(srv.wait_sessions, 0, 3.0) == 0

    eio.run(scenario())
