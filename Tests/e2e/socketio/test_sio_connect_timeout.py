"""connectTimeout: an Engine.IO connection that joins no namespace within the timeout is closed
by the server (socketio-fixture started with --connect-timeout 300)."""

import asyncio
import contextlib

import engineio
import pytest

from sio_helpers import Clients, close_http_session, open_raw_session, run, sio_json, stats, wait_stats

CONNECT_TIMEOUT_MS = 300
SLACK = 3.0  # generous: the close must come within the timeout plus this


async def open_engine_client(server, transport):
    """A python-engineio client on /socket.io/ that never speaks Socket.IO."""
    client = engineio.AsyncClient(handle_sigint=False, request_timeout=5)
    closed = asyncio.Event()
    reasons = []

    def on_disconnect(reason=None):
        reasons.append(reason)
        closed.set()

    client.on("disconnect", on_disconnect)
    await asyncio.wait_for(client.connect(server.base_url, transports=[transport], engineio_path="socket.io"), 10)
    return client, closed, reasons


@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_silent_engine_connection_is_closed(start_fixture, transport):
    server = start_fixture("--connect-timeout", CONNECT_TIMEOUT_MS)

    async def scenario():
        async with Clients(server) as clients:
            # a proper client, connected at the same time, is not affected
            good = await clients.connect("websocket", name="good")
            engine, closed, reasons = await open_engine_client(server, transport)
            try:
                try:
                    await asyncio.wait_for(closed.wait(), CONNECT_TIMEOUT_MS / 1000 + SLACK)
                except asyncio.TimeoutError:
                    raise AssertionError(
                        f"the server did not close a connection without namespace within {CONNECT_TIMEOUT_MS} ms + {SLACK}s "
                        f"(stats: {await stats(server)})"
                    ) from None
                st = await wait_stats(server, lambda s: s["sessions"] == 1)
                assert st["sessions"] == 1, st
                assert good.connected and good.disconnects("/") == []
                assert await good.request("echo", "fine") == ["fine"]
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(engine.disconnect(), 5)
                await close_http_session(engine)

    run(scenario())


@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_connect_in_time_keeps_the_connection(start_fixture, transport):
    """A raw session that sends CONNECT before the deadline is not closed afterwards, and neither
    are python-socketio clients that sit idle past the timeout."""
    server = start_fixture("--connect-timeout", CONNECT_TIMEOUT_MS)

    async def scenario():
        async with Clients(server) as clients:
            client = await clients.connect(transport, name="idle")
            session = await asyncio.to_thread(open_raw_session, server, transport)
            try:
                await asyncio.sleep(0.1)
                await asyncio.to_thread(session.send, "0")
                got = await asyncio.to_thread(session.receive_until, lambda m: len(m) >= 2)
                assert set(sio_json(got[0], "0")) == {"sid"}, got
                await asyncio.sleep(CONNECT_TIMEOUT_MS / 1000 * 3)
                await asyncio.to_thread(session.send, '2["echo","late"]')
                await asyncio.to_thread(session.send, '21["echo","late"]')
                got = await asyncio.to_thread(session.receive_until, lambda m: any(x.startswith("31") for x in m))
                assert not session.closed, got
                assert client.connected and client.disconnects("/") == []
                assert await client.request("echo", 1) == [1]
                st = await stats(server)
                assert st["sessions"] == 2, st
            finally:
                session.close()

    run(scenario())


def test_connect_timeout_does_not_touch_a_refused_then_accepted_client(start_fixture):
    """A CONNECT refused by the middleware does not count as joining: the connection is closed at
    the timeout unless another namespace is joined in time (here: it is)."""
    timeout_ms = 1000  # room for the two handshakes below before the deadline
    server = start_fixture("--connect-timeout", timeout_ms)

    async def scenario():
        refused = await asyncio.to_thread(open_raw_session, server, "websocket")
        joined = await asyncio.to_thread(open_raw_session, server, "websocket")
        try:
            for session in (refused, joined):
                await asyncio.to_thread(session.send, '0{"token":"bad"}')
                got = await asyncio.to_thread(session.receive_until, lambda m: len(m) >= 1)
                assert got[0].startswith("4"), got
            await asyncio.to_thread(joined.send, "0/custom,")
            await asyncio.to_thread(joined.receive_until, lambda m: len(m) >= 2)
            was_closed, _ = await asyncio.to_thread(refused.wait_closed, timeout_ms / 1000 + SLACK)
            assert was_closed, "a connection whose only CONNECT was refused must be closed at the connect timeout"
            st = await wait_stats(server, lambda s: s["sessions"] == 1)
            assert st["sessions"] == 1, st
            await asyncio.to_thread(joined.send, '2/custom,5["echo","alive"]')
            got = await asyncio.to_thread(joined.receive_until, lambda m: any(x.startswith("3/custom,5") for x in m))
            assert not joined.closed, got
        finally:
            refused.close()
            joined.close()

    run(scenario())
