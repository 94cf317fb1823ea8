"""Namespaces (default, custom, dynamic, unknown) and the connection middleware on `/` of
socketio-fixture, with the python-socketio client over every transport mode.

On connect every socket receives `welcome` (socket id, namespace name, auth, node id). The middleware on `/`
refuses auth {"token":"bad"} with CONNECT_ERROR {"message":"not authorized","data":{"code":401}}
and accepts {"token":"slow"} after 50 ms."""

import asyncio

import pytest
import socketio

from sio_helpers import Clients, eventually, open_raw_session, run, sio_json, socket_count, stats, wait_stats

AUTH = {"token": "good", "profile": {"name": "ada", "langs": ["swift", "python"]}}

# When a namespace is refused, python-socketio disconnects at once. If its CONNECT POST is still in
# flight at that moment, its polling write loop exits without sending the close packet, and its
# disconnect() then waits for the pending GET, which the server only answers with the next ping.
# A short ping interval keeps that wait bounded; it changes nothing else in these tests.
QUICK_PINGS = ("--ping-interval", "1000")


async def assert_welcome(client, namespace, auth):
    """`welcome` (socket id, namespace, auth, …): the fixture may append more (its node id)."""
    (welcome,) = await client.wait_event("welcome", namespace)
    assert welcome[:3] == [client.get_sid(namespace), namespace, auth], f"welcome on {namespace}: {welcome!r}"


@pytest.mark.parametrize("namespace", ["/", "/custom", "/dyn-42"])
def test_namespace_connects_and_answers(start_fixture, mode, namespace):
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            client = await clients.connect(mode, namespaces=[namespace], auth=AUTH)
            sid = client.get_sid(namespace)
            assert isinstance(sid, str) and len(sid) == 20, sid
            await assert_welcome(client, namespace, AUTH)
            payload = ({"bin": b"\x01\x02", "n": None}, [1.5, "x"])
            assert await client.request("echo", *payload, namespace=namespace) == list(payload)
            # the socket is in its own room, and only there
            assert await client.request("rooms", namespace=namespace) == [[sid]]
            st = await stats(server)
            assert st["sessions"] == 1, st
            assert socket_count(st, namespace) == 1, st

    run(scenario())


def test_one_connection_multiplexes_namespaces(start_fixture, mode):
    server = start_fixture()
    namespaces = ["/", "/custom", "/dyn-7", "/dyn-1234567"]

    async def scenario():
        async with Clients(server) as clients:
            client = await clients.connect(mode, namespaces=namespaces, auth=AUTH)
            for namespace in namespaces:
                await assert_welcome(client, namespace, AUTH)
            assert len({client.get_sid(n) for n in namespaces}) == len(namespaces), client.sid_of
            for i, namespace in enumerate(namespaces):
                assert await client.request("echo", namespace, i, namespace=namespace) == [namespace, i]
            st = await stats(server)
            assert st["sessions"] == 1, st
            for namespace in namespaces:
                assert socket_count(st, namespace) == 1, st

    run(scenario())


@pytest.mark.parametrize("namespace", ["/nope", "/dyn-abc", "/dyn-", "/dyn-42x"])
def test_unknown_namespace_is_refused(start_fixture, mode, namespace):
    server = start_fixture(*QUICK_PINGS)

    async def scenario():
        async with Clients(server) as clients:
            errors = []
            client = clients.new(handlers={("connect_error", namespace): lambda *a: errors.append(list(a))})
            with pytest.raises(socketio.exceptions.ConnectionError) as info:
                await clients.open(client, mode, namespaces=[namespace])
            assert namespace in str(info.value)
            assert errors == [[{"message": "Invalid namespace"}]]
            assert not client.connected
            st = await stats(server)
            assert socket_count(st, namespace) == 0, st

    run(scenario())


def test_refused_namespace_leaves_the_connection_usable(start_fixture, mode):
    """CONNECT_ERROR for one namespace does not close the Engine.IO connection: the other
    namespaces of the same client keep working."""
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            client = clients.new()
            await clients.open(client, mode, namespaces=["/", "/nope"], wait=False)
            await eventually(lambda: "/" in client.namespaces and "/nope" in client.failed_namespaces)
            assert "/nope" in client.failed_namespaces and "/" in client.namespaces, client.log
            assert client.events("connect_error", "/nope") == [[{"message": "Invalid namespace"}]]
            await assert_welcome(client, "/", {})
            assert await client.request("echo", "still", "here") == ["still", "here"]
            assert (await stats(server))["sessions"] == 1

    run(scenario())


def test_middleware_rejects_bad_token(start_fixture, mode):
    server = start_fixture(*QUICK_PINGS)

    async def scenario():
        async with Clients(server) as clients:
            errors = []
            client = clients.new(handlers={"connect_error": lambda *a: errors.append(list(a))})
            with pytest.raises(socketio.exceptions.ConnectionError):
                await clients.open(client, mode, namespaces=["/"], auth={"token": "bad"})
            # python-socketio hands the whole CONNECT_ERROR payload to the handler
            assert errors == [[{"message": "not authorized", "data": {"code": 401}}]]
            assert not client.connected
            assert client.events("welcome") == []
            # the refused socket never existed; the session goes away once the client closes it
            st = await wait_stats(server, lambda s: s["sessions"] == 0)
            assert st["sessions"] == 0 and socket_count(st, "/") == 0, st

            # the same server accepts a good token right after
            good = await clients.connect(mode, auth={"token": "fine"})
            await assert_welcome(good, "/", {"token": "fine"})

    run(scenario())


def test_middleware_errors_of_other_types_reach_the_client_as_a_generic_message(start_fixture):
    """A middleware that throws anything but SocketIOConnectError refuses the socket, and the client
    sees `Server error`, never the error's description (it may hold credentials or paths)."""
    server = start_fixture(*QUICK_PINGS)

    async def scenario():
        async with Clients(server) as clients:
            errors = []
            client = clients.new(handlers={"connect_error": lambda *a: errors.append(list(a))})
            with pytest.raises(socketio.exceptions.ConnectionError):
                await clients.open(client, "websocket", namespaces=["/"], auth={"token": "crash"})
            assert errors == [[{"message": "Server error"}]], errors
            assert "s3cret" not in repr(errors)

    run(scenario())


def test_raw_connect_error_packet(start_fixture):
    """Wire format: `44{"message":"not authorized","data":{"code":401}}` and
    `44/nope,{"message":"Invalid namespace"}`; the session stays open after both, and the middleware
    of `/` does not guard /custom. (python-socketio drops every namespace when `/` is refused, so
    this is checked on a raw session.)"""
    server = start_fixture()
    session = open_raw_session(server, "websocket")
    try:
        session.send('0{"token":"bad"}')
        (msg,) = session.receive_until(lambda m: len(m) >= 1)
        assert sio_json(msg, "4") == {"message": "not authorized", "data": {"code": 401}}
        session.send("0/nope,")
        (msg,) = session.receive_until(lambda m: len(m) >= 1)
        assert sio_json(msg, "4/nope,") == {"message": "Invalid namespace"}
        session.send('0/custom,{"token":"bad"}')
        got = session.receive_until(lambda m: len(m) >= 2)
        assert set(sio_json(got[0], "0/custom,")) == {"sid"}, got
        assert sio_json(got[1], "2/custom,")[0] == "welcome", got
    finally:
        session.close()


def test_slow_middleware_accepts_and_does_not_block_others(start_fixture, mode):
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            slow_clients = [clients.new(name=f"slow{i}") for i in range(3)]
            fast = clients.new(name="fast")
            await asyncio.gather(
                *(clients.open(c, mode, auth={"token": "slow"}) for c in slow_clients),
                clients.open(fast, mode, auth={"token": "quick"}),
            )
            for c in slow_clients:
                await assert_welcome(c, "/", {"token": "slow"})
                assert await c.request("echo", c.name) == [c.name]
            await assert_welcome(fast, "/", {"token": "quick"})
            st = await stats(server)
            assert socket_count(st, "/") == 4, st

    run(scenario())
