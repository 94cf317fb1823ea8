"""Events and acknowledgements in both directions on socketio-fixture, over every transport mode.

client → server: `echo` acks with its arguments.
server → client: `server-ack` (eventName, timeoutMs, ...args) makes the server emit eventName(args)
to this client with an ack request; it acks ["ok", [reply…]] or ["timeout"].
GET /stats reports `pendingAcks`, the server's acks still awaited from clients."""

import asyncio

import pytest

from sio_helpers import Clients, run, stats, wait_stats

NESTED_BINARY = (
    {"image": b"\x89PNG\r\n\x1a\n", "tags": ["a", {"thumb": b"\x00" * 16}], "n": None},
    [b"\x01", [b"\x02", [b"\x03"]]],
    b"",
    "plain",
)


def test_client_to_server_ack(start_fixture, mode):
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            client = await clients.connect(mode)
            assert await client.request("echo") == []
            assert await client.request("echo", "a", 1, None, True) == ["a", 1, None, True]
            assert await client.request("echo", *NESTED_BINARY) == list(NESTED_BINARY)

    run(scenario())


def test_concurrent_acks_reach_their_callbacks(start_fixture, mode):
    """Several acks in flight at once: each reply reaches the callback of its own request."""
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            client = await clients.connect(mode)
            loop = asyncio.get_running_loop()
            futures = []
            for i in range(8):
                future = loop.create_future()
                args = (i, b"\x00" * i) if i % 2 else (i, f"text-{i}")
                await client.emit("echo", args, callback=lambda *r, f=future: f.done() or f.set_result(list(r)))
                futures.append((args, future))
            for args, future in futures:
                assert await asyncio.wait_for(future, 5) == list(args)

    run(scenario())


def test_server_to_client_ack(start_fixture, mode):
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            seen = []

            def ask(*args):
                seen.append(list(args))
                return ("got", *args, {"reply": b"\xca\xfe"})

            client = await clients.connect(mode, handlers={"ask": ask, "ask-empty": lambda *a: None})
            reply = await client.request("server-ack", "ask", 3000, 1, "two", *NESTED_BINARY)
            assert seen == [[1, "two", *NESTED_BINARY]]
            assert reply == ["ok", ["got", 1, "two", *NESTED_BINARY, {"reply": b"\xca\xfe"}]]

            # a handler that returns nothing acks with no arguments
            assert await client.request("server-ack", "ask-empty", 3000) == ["ok", []]
            assert (await stats(server))["pendingAcks"] == 0

    run(scenario())


def test_concurrent_server_acks(start_fixture, mode):
    """Two server→client acks pending at the same time are told apart by their ack ids."""
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            release = asyncio.Event()

            async def slow(tag):
                await asyncio.wait_for(release.wait(), 5)
                return f"slow:{tag}"

            client = await clients.connect(mode, handlers={"slow": slow, "fast": lambda tag: f"fast:{tag}"})
            loop = asyncio.get_running_loop()
            slow_reply = loop.create_future()
            await client.emit("server-ack", ("slow", 5000, "A"), callback=lambda *r: slow_reply.set_result(list(r)))
            await client.wait_event("slow")
            # the slow one is still pending while the fast one completes
            assert await client.request("server-ack", "fast", 5000, "B") == ["ok", ["fast:B"]]
            assert not slow_reply.done()
            release.set()
            assert await asyncio.wait_for(slow_reply, 5) == ["ok", ["slow:A"]]

    run(scenario())


@pytest.mark.parametrize("behaviour", ["not-registered", "answers-too-late"])
def test_server_ack_timeout(start_fixture, mode, behaviour):
    """The client receives the event but does not acknowledge it in time: the server's ack times
    out, its pending ack is released, a late answer is ignored and the connection keeps working."""
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            answered = asyncio.Event()

            async def late(*args):
                await asyncio.sleep(1.0)
                answered.set()
                return "too late"

            if behaviour == "not-registered":
                client = await clients.connect(mode, silent=["ignored"])
                event = "ignored"
            else:
                client = await clients.connect(mode, handlers={"late": late})
                event = "late"
            loop = asyncio.get_running_loop()
            reply = loop.create_future()
            await client.emit("server-ack", (event, 300, "payload"), callback=lambda *r: reply.set_result(list(r)))
            # while the server waits for the ack it counts it as pending
            assert await client.wait_event(event) == [["payload"]]
            st = await stats(server)
            assert st["pendingAcks"] == 1, st

            assert await asyncio.wait_for(reply, 5) == ["timeout"]
            st = await wait_stats(server, lambda s: s["pendingAcks"] == 0)
            assert st["pendingAcks"] == 0, st

            if behaviour == "answers-too-late":
                await asyncio.wait_for(answered.wait(), 5)
                await asyncio.sleep(0.2)  # let the late ack reach the server
            assert await client.request("echo", "alive") == ["alive"]
            st = await stats(server)
            assert st["pendingAcks"] == 0 and st["sessions"] == 1, st

    run(scenario())


def test_pending_ack_released_when_client_leaves(start_fixture, mode):
    """A client that disconnects while the server awaits its ack does not leave a pending ack
    behind (at the latest once the ack's timeout has passed)."""
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            observer = await clients.connect("websocket", name="observer")
            client = await clients.connect(mode, silent=["ignored"])
            await client.emit("server-ack", ("ignored", 1000, "x"), callback=lambda *r: None)
            await client.wait_event("ignored")
            assert (await stats(server))["pendingAcks"] == 1
            await asyncio.wait_for(client.disconnect(), 10)
            st = await wait_stats(server, lambda s: s["pendingAcks"] == 0 and s["sessions"] == 1, timeout=5)
            assert st["pendingAcks"] == 0 and st["sessions"] == 1, st
            assert await observer.request("echo", 1) == [1]

    run(scenario())
