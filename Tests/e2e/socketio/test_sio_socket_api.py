"""The socket API semantics Node users rely on, checked through socketio-fixture with real clients:
listener order (onAny before socket.use middlewares, as the reference's Socket#onevent), outgoing
catch-all listeners, per-emit flags (volatile, timeout), emitWithAck's answer, reserved event
names, the disconnect reason's description, and decoding errors reaching the error listeners."""

import asyncio
import socket
import time

from sio_helpers import (
    QUIET_PERIOD,
    Clients,
    RawPollingSession,
    eventually,
    run,
    sio_json,
    sio_target,
)


async def entries_for(observer, request, sid):
    """The entries of the fixture's `request` log (disconnect-details, error-log) for socket `sid`,
    once there is one."""

    async def probe():
        (log,) = await observer.request(request)
        return [e for e in log if e[1] == sid]

    return await eventually(probe, 5)


def join_root_polling(server):
    """A raw polling session joined to `/`; returns (session, socket id)."""
    session = RawPollingSession(server)
    session.send("0")
    got = session.receive_until(lambda m: len(m) >= 2)
    return session, sio_json(got[0], "0")["sid"]


def test_catch_all_listeners_run_before_middlewares(start_fixture, mode):
    """Socket#onevent calls the onAny listeners, then runs the socket.use middlewares; a refused event
    was still seen by onAny, never reaches its named listener, and goes to the error listeners."""
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            client = await clients.connect(mode, name="seq")
            await client.emit("seq-ok")
            await client.emit("seq-refused")
            await client.wait_event("error-heard")
            assert client.events("error-heard") == [["refused seq-refused"]]
            assert await client.request("seq-log") == [
                ["any:seq-ok", "use:seq-ok", "on:seq-ok", "any:seq-refused", "use:seq-refused"]
            ]

    run(scenario())


def test_outgoing_catch_all_listener_sees_emits_and_broadcasts(start_fixture, mode):
    """onAnyOutgoing hears the socket's own emits and the broadcasts that reach it, with their
    arguments; acknowledgements are not events and are not heard."""
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            client = await clients.connect(mode, name="out")
            other = await clients.connect("websocket", name="other")
            assert await client.request("echo", "acked") == ["acked"]
            await client.emit("twice")
            await client.wait_event("heard", count=2)
            assert await other.request("emit-to", {"rooms": []}, "news", "x", {"n": 1}) == [True]
            await client.wait_event("news")
            (log,) = await client.request("outgoing-log")
            assert log == [["heard", 1], ["heard", 2], ["news", "x", {"n": 1}]], log

    run(scenario())


def test_volatile_emit_is_dropped_for_a_polling_client_between_requests(start_fixture):
    """socket.volatile.emit(): the reference discards the packet when the transport is not writable
    (a polling client with no GET waiting); the normal emit that follows is kept."""
    server = start_fixture()
    session = RawPollingSession(server)
    session.send("0")
    got = session.receive_until(lambda m: len(m) >= 2)
    assert sio_json(got[1], "2")[0] == "welcome", got
    # no GET is held now: the POST makes the server emit both events at once
    session.send('2["volatile-pair"]')
    got = session.receive_until(lambda m: any('"v-kept"' in x for x in m))
    events = [sio_json(m, "2")[0] for m in got]
    assert "v-kept" in events and "v-volatile" not in events, got


def test_volatile_emit_reaches_a_writable_websocket(start_fixture):
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            client = await clients.connect("websocket", name="ws")
            await client.emit("volatile-pair")
            await client.wait_event("v-kept")
            await eventually(lambda: client.events("v-volatile") == [[1]], 5)
            assert client.events("v-volatile") == [[1]]

    run(scenario())


def test_emit_with_ack_answers_the_first_argument(start_fixture, mode):
    """socket.timeout(ms).emitWithAck() resolves with the client's first ack argument (null when it
    acked with none), and rejects when the client does not answer in time."""
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            never = asyncio.Event()

            async def silent(*_):
                await never.wait()

            client = await clients.connect(
                mode,
                handlers={"two": lambda *a: ("a", "b"), "none": lambda *a: None, "silent": silent},
            )
            assert await client.request("server-ack-first", "two", 3000) == ["ok", "a"]
            assert await client.request("server-ack-first", "none", 3000) == ["ok", None]
            assert await client.request("server-ack-first", "silent", 200) == ["timeout"]
            never.set()

    run(scenario())


def test_reserved_event_names_are_not_emitted(start_fixture):
    """The reference throws on socket.emit("disconnect") and the other reserved names; here the emit
    answers false and the client receives nothing."""
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            client = await clients.connect("websocket", name="reserved")
            (answers, broadcast) = await client.request("emit-reserved")
            assert answers == [False] * 6 and broadcast is False
            await asyncio.sleep(QUIET_PERIOD)
            assert client.connected and client.disconnects("/") == []
            assert await client.request("echo", 1) == [1]

    run(scenario())


def abort_poll(server, sid):
    """Sends a polling GET for `sid` and closes the connection while the server holds it."""
    conn = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    target = sio_target(transport="polling", sid=sid)
    conn.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    time.sleep(0.2)  # the GET is parked (nothing to send)
    conn.close()


def test_disconnect_description_of_a_dropped_poll(start_fixture):
    """A held GET whose connection goes away ends the session with `transport error`, and the
    disconnect listeners get the reference's description `poll connection closed prematurely`."""
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            observer = await clients.connect("websocket", name="observer")
            session, sid = await asyncio.to_thread(join_root_polling, server)
            await asyncio.to_thread(abort_poll, server, session.sid)
            entries = await entries_for(observer, "disconnect-details", sid)
            assert entries == [["/", sid, "transport error", "poll connection closed prematurely"]], entries

    run(scenario())


def test_disconnect_description_is_null_for_a_closed_websocket(start_fixture):
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            observer = await clients.connect("websocket", name="observer")
            client = await clients.connect("websocket", name="leaver")
            sid = client.get_sid("/")
            await client.eio.disconnect(abort=True)
            entries = await entries_for(observer, "disconnect-details", sid)
            assert entries == [["/", sid, "transport close", None]], entries

    run(scenario())


def test_undecodable_packet_reaches_the_error_listeners(start_fixture):
    """The reference's Client#ondata hands a decoding error to every socket's `error` listeners,
    then closes the connection."""
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            observer = await clients.connect("websocket", name="observer")
            session, sid = await asyncio.to_thread(join_root_polling, server)
            await asyncio.to_thread(session.send, '2["unterminated')
            entries = await entries_for(observer, "error-log", sid)
            assert len(entries) == 1 and entries[0][0] == "/", entries

    run(scenario())


def test_once_listener_runs_for_the_first_event_only(start_fixture, mode):
    """socket.once(): the listener leaves before it runs; the `on` listener beside it stays."""
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            client = await clients.connect(mode, name="once")
            for _ in range(3):
                await client.emit("once-only")
            await client.wait_event("on-heard", count=3)
            await asyncio.sleep(QUIET_PERIOD)
            assert client.events("once-heard") == [[1]]

    run(scenario())
