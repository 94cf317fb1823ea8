"""Malformed Socket.IO packets on a raw Engine.IO session (WebSocket or polling) of
socketio-fixture: the server closes that session; a well-behaved python-socketio client connected
at the same time keeps working.

Reference behaviour (socket.io 4.x with socket.io-parser 4.2.x): a packet the decoder rejects makes
the server close the Engine.IO connection, and its sockets end with reason `forced close`; a
well-formed packet for a namespace the connection has not joined is an "invalid state" that
closes the connection with `forced server close`. The reasons are checked by dedicated tests, so
that one deviation there does not fail every malformed-packet case."""

import asyncio

import pytest

from sio_helpers import Clients, eventually, expect_session_closed_by, open_raw_session, run, sio_json, stats, wait_stats

PLACEHOLDER = '{"_placeholder":true,"num":0}'

# case -> Socket.IO messages sent after joining `/`; each is rejected by the reference decoder
MALFORMED = {
    "event-payload-not-json": ["2not json"],
    "event-payload-object": ['2{"a":1}'],
    "event-empty-array": ["2[]"],
    "event-name-not-a-string": ['2[{"a":1}]'],
    "event-reserved-name-disconnect": ['2["disconnect"]'],
    "event-reserved-name-connect": ['2["connect","x"]'],
    "ack-payload-not-array": ['31{"a":1}'],
    "disconnect-with-payload": ['1["x"]'],
    "connect-auth-not-object": ['0/custom,"token"'],
    "unknown-packet-type": ['9["x"]'],
    "too-many-attachments": [f'511-["up",{PLACEHOLDER}]'],
    "huge-attachment-count": [f'5999999999-["up",{PLACEHOLDER}]'],
    "zero-attachments": ['50-["up"]'],
    "attachment-count-not-a-number": [f'5x-["up",{PLACEHOLDER}]'],
    "binary-without-header": [b"\x01\x02\x03"],
    "text-while-awaiting-attachment": [f'51-["up",{PLACEHOLDER}]', '2["echo"]'],
    "placeholder-out-of-range": ['51-["up",{"_placeholder":true,"num":5}]', b"\x00"],
}


async def join_root(session):
    """Joins `/` on a raw session; returns the socket id."""
    await asyncio.to_thread(session.send, "0")
    got = await asyncio.to_thread(session.receive_until, lambda m: len(m) >= 2)
    assert sio_json(got[1], "2")[0] == "welcome", got
    return sio_json(got[0], "0")["sid"]


async def logged_reasons(observer, sid):
    async def probe():
        (log,) = await observer.request("disconnect-log")
        return [entry for entry in log if entry[1] == sid]

    return await eventually(probe, 5.0)


async def send_and_expect_close(server, good, transport, messages):
    """Opens a raw session, joins `/`, sends `messages`, and checks that the server closes that
    session while `good` (connected to `/` and /custom) keeps working. Returns the [namespace,
    id, reason] entries the server logged for the raw session's socket."""
    bad_sid = await expect_session_closed_by(server, transport, messages, join_root)
    entries = await logged_reasons(good, bad_sid)
    assert len(entries) == 1 and entries[0][:2] == ["/", bad_sid], entries

    # the well-behaved client noticed nothing
    assert good.connected and good.disconnects("/") == [] and good.disconnects("/custom") == []
    assert await good.request("echo", "still", {"b": b"\x00"}) == ["still", {"b": b"\x00"}]
    assert await good.request("echo", 2, namespace="/custom") == [2]
    assert (await stats(server))["sockets"].get("/") == 1
    return entries


@pytest.mark.parametrize("transport", ["websocket", "polling"])
@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_packet_closes_only_that_session(start_fixture, transport, case):
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            good = await clients.connect("websocket", name="good", namespaces=["/", "/custom"])
            await send_and_expect_close(server, good, transport, MALFORMED[case])

    run(scenario())


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_malformed_packet_disconnect_reason(start_fixture, transport):
    """The reference decoder throws, Client.onerror() calls conn.close(), and engine.io closes the
    transport with reason `forced close`, which is what the sockets of that connection report."""
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            good = await clients.connect("websocket", name="good", namespaces=["/", "/custom"])
            entries = await send_and_expect_close(server, good, transport, MALFORMED["event-payload-not-json"])
            assert entries[0][2] == "forced close", entries

    run(scenario())


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_packet_for_unjoined_namespace_closes_connection(start_fixture, transport):
    """A well-formed EVENT for a namespace the connection has not joined is an invalid state in
    the reference (Client.ondecoded → close()): the connection is closed and its sockets end with
    `forced server close`."""
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            good = await clients.connect("websocket", name="good", namespaces=["/", "/custom"])
            entries = await send_and_expect_close(server, good, transport, ['2/custom,["echo"]'])
            assert entries[0][2] == "forced server close", entries

    run(scenario())


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_malformed_packet_before_any_namespace(start_fixture, transport):
    """Garbage as the very first Socket.IO packet also closes the session."""
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            good = await clients.connect("polling", name="good")
            session = await asyncio.to_thread(open_raw_session, server, transport)
            try:
                await asyncio.to_thread(session.send, "2not json")
                closed, seen = await asyncio.to_thread(session.wait_closed, 5.0)
                assert closed, seen
                st = await wait_stats(server, lambda s: s["sessions"] == 1)
                assert st["sessions"] == 1, st
                assert await good.request("echo", "ok") == ["ok"]
            finally:
                session.close()

    run(scenario())
