"""Disconnections from both sides, over every transport mode, with the server-side reasons read
from socketio-fixture's `disconnect-log` ([namespace, socketId, reason] of past disconnects) by a
separate observer client.

Reference reasons (socket.io 4.x): a DISCONNECT packet from the client → `client namespace
disconnect`; the connection closing without one → `transport close`; socket.disconnect() →
`server namespace disconnect` (also for every socket of the connection with disconnect(true),
which then closes the connection); no pong in time → `ping timeout`."""

import asyncio

from sio_helpers import QUIET_PERIOD, Clients, eventually, run, socket_count, stats, wait_stats


async def reasons_of(observer, sids, timeout=5.0):
    """{socket id: server-side disconnect reason} once every sid is in the disconnect log."""
    found = {}

    async def probe():
        (log,) = await observer.request("disconnect-log")
        found.clear()
        found.update({sid: reason for _, sid, reason in log if sid in sids})
        return set(found) == set(sids)

    await eventually(probe, timeout, interval=0.05)
    assert set(found) == set(sids), f"disconnect log lacks {set(sids) - set(found)}: {found!r}"
    return dict(found)


def test_client_disconnect(start_fixture, mode):
    """python-socketio's disconnect(): DISCONNECT packet for each namespace, then the connection
    is closed. What the server reports depends on whether the packets reached it first."""
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            observer = await clients.connect("websocket", name="observer")
            client = await clients.connect(mode, namespaces=["/", "/custom"])
            sids = client.sid_of
            on_websocket = client.transport() == "websocket"
            await asyncio.wait_for(client.disconnect(), 10)
            assert [args[0] for args in client.disconnects("/")] == ["client disconnect"]
            assert [args[0] for args in client.disconnects("/custom")] == ["client disconnect"]

            reasons = await reasons_of(observer, set(sids.values()))
            assert len(set(reasons.values())) == 1, reasons
            if on_websocket:
                # python-socketio (5.x over aiohttp) closes the WebSocket before its write loop
                # flushes the queued DISCONNECT packets: the server usually only sees the close.
                assert set(reasons.values()) <= {"client namespace disconnect", "transport close"}, reasons
            else:
                assert set(reasons.values()) == {"client namespace disconnect"}, reasons
            st = await wait_stats(server, lambda s: s["sessions"] == 1)
            assert st["sessions"] == 1 and socket_count(st, "/") == 1 and socket_count(st, "/custom") == 0, st

    run(scenario())


def test_disconnect_packet_for_one_namespace(start_fixture, mode):
    """A DISCONNECT packet (`41/custom,`) ends that namespace's socket only, with reason `client
    namespace disconnect`; the connection and the other namespace keep working."""
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            observer = await clients.connect("websocket", name="observer")
            client = await clients.connect(mode, namespaces=["/", "/custom"])
            custom_sid = client.get_sid("/custom")
            await client.eio.send("1/custom,")
            reasons = await reasons_of(observer, {custom_sid})
            assert reasons == {custom_sid: "client namespace disconnect"}
            st = await stats(server)
            assert st["sessions"] == 2 and socket_count(st, "/custom") == 0 and socket_count(st, "/") == 2, st
            assert await client.request("echo", "root", b"\x01") == ["root", b"\x01"]
            # the `/` sockets are untouched
            assert await observer.request("fetch-sockets") == [
                [{"id": s, "rooms": [s], "data": None} for s in sorted([observer.get_sid("/"), client.get_sid("/")])]
            ]

    run(scenario())


def test_transport_close_without_disconnect_packet(start_fixture, mode):
    """The client closes its Engine.IO connection without DISCONNECT packets: every socket of the
    connection ends with `transport close`."""
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            observer = await clients.connect("websocket", name="observer")
            client = await clients.connect(mode, namespaces=["/", "/custom"])
            sids = set(client.sid_of.values())
            await asyncio.wait_for(client.eio.disconnect(), 10)
            reasons = await reasons_of(observer, sids)
            assert set(reasons.values()) == {"transport close"}, reasons
            st = await wait_stats(server, lambda s: s["sessions"] == 1)
            assert st["sessions"] == 1, st

    run(scenario())


def test_server_namespace_disconnect(start_fixture, mode):
    """disconnect-me(false): the server sends DISCONNECT; the client's disconnect handler fires,
    the server logs `server namespace disconnect`, and the client does not come back even though
    reconnection is enabled (python-socketio does not reconnect after a server disconnect)."""
    # python-socketio closes its connection when its last namespace is disconnected, but on polling
    # its write loop may exit without sending the close packet (when a POST is in flight); quick
    # pings let the server end such a silent session quickly instead of after 45 s.
    server = start_fixture("--ping-interval", "500", "--ping-timeout", "1000")

    async def scenario():
        async with Clients(server) as clients:
            observer = await clients.connect("websocket", name="observer")
            client = await clients.connect(mode, reconnection=True, reconnection_delay=0.1, reconnection_delay_max=0.2)
            sid = client.get_sid("/")
            await client.send_event("disconnect-me", False)
            await client.wait_event("disconnect")
            assert client.disconnects("/") == [["server disconnect"]]
            assert await reasons_of(observer, {sid}) == {sid: "server namespace disconnect"}
            # python-socketio closes its connection once no namespace is left
            st = await wait_stats(server, lambda s: s["sessions"] == 1)
            assert st["sessions"] == 1, (st, client.eio.state, client.log)
            # and stays away: several reconnection delays later there is still nobody new
            await asyncio.sleep(1.0)
            assert not client.connected
            assert client.events("connect") == [[]], client.log
            st = await stats(server)
            assert st["sessions"] == 1 and socket_count(st, "/") == 1, st

    run(scenario())


def test_server_namespace_disconnect_keeps_other_namespaces(start_fixture, mode):
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            observer = await clients.connect("websocket", name="observer")
            client = await clients.connect(mode, namespaces=["/", "/custom"])
            custom_sid = client.get_sid("/custom")
            await client.send_event("disconnect-me", False, namespace="/custom")
            await client.wait_event("disconnect", "/custom")
            assert client.disconnects("/custom") == [["server disconnect"]]
            assert await reasons_of(observer, {custom_sid}) == {custom_sid: "server namespace disconnect"}
            await asyncio.sleep(QUIET_PERIOD)
            assert client.disconnects("/") == []
            assert client.connected and "/" in client.namespaces
            assert await client.request("echo", "still here") == ["still here"]
            st = await stats(server)
            assert st["sessions"] == 2 and socket_count(st, "/custom") == 0, st

    run(scenario())


def test_server_disconnect_with_close(start_fixture, mode):
    """disconnect-me(true) from `/`: every socket of the connection is disconnected (reason
    `server namespace disconnect` in the reference) and the connection itself is closed."""
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            observer = await clients.connect("websocket", name="observer")
            client = await clients.connect(mode, namespaces=["/", "/custom"])
            sids = client.sid_of
            await client.send_event("disconnect-me", True)
            await client.wait_event("disconnect", "/")
            await client.wait_event("disconnect", "/custom")
            reasons = await reasons_of(observer, set(sids.values()))
            assert reasons == {sid: "server namespace disconnect" for sid in sids.values()}
            st = await wait_stats(server, lambda s: s["sessions"] == 1)
            assert st["sessions"] == 1 and socket_count(st, "/custom") == 0 and socket_count(st, "/") == 1, st
            await eventually(lambda: client.eio.state == "disconnected", 5)
            assert client.eio.state == "disconnected" and not client.connected

    run(scenario())


def test_ping_timeout(start_fixture, mode):
    """A client that stops answering pings is dropped with reason `ping timeout`; others are not."""
    server = start_fixture("--ping-interval", "300", "--ping-timeout", "300")

    async def scenario():
        async with Clients(server) as clients:
            observer = await clients.connect("websocket", name="observer")
            client = await clients.connect(mode, namespaces=["/", "/custom"])
            sids = set(client.sid_of.values())
            client.stop_answering_pings()
            await client.wait_event("disconnect", "/", timeout=5)
            reasons = await reasons_of(observer, sids)
            assert set(reasons.values()) == {"ping timeout"}, reasons
            st = await wait_stats(server, lambda s: s["sessions"] == 1)
            assert st["sessions"] == 1, st
            # the observer answered its pings all along and is still there
            assert await observer.request("echo", 1) == [1]
            assert observer.disconnects("/") == []

    run(scenario())


def test_a_join_after_the_socket_disconnected_is_ignored(start_fixture):
    """An asynchronous handler that awaits and then joins a room may find its socket gone: the join
    must not register the socket again (it would stay referenced forever and show in fetchSockets
    and allRooms)."""
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            observer = await clients.connect("websocket", name="observer")
            leaver = await clients.connect("websocket", name="leaver")
            leaver_sid = leaver.get_sid("/")
            assert await leaver.request("join-later", "late-room", 300) == [True]
            await asyncio.wait_for(leaver.disconnect(), 10)
            await reasons_of(observer, {leaver_sid})
            await asyncio.sleep(0.3 + QUIET_PERIOD)  # the delayed join has run by now
            (rooms,) = await observer.request("all-rooms")
            assert "late-room" not in rooms and leaver_sid not in rooms, rooms
            (sockets,) = await observer.request("fetch-sockets")
            assert [entry["id"] for entry in sockets] == [observer.get_sid("/")], sockets
            st = await wait_stats(server, lambda s: socket_count(s, "/") == 1)
            assert socket_count(st, "/") == 1, st

    run(scenario())
