"""Three socketio-fixture processes on one real Redis: broadcasts, fetchSockets, socketsJoin/Leave,
disconnectSockets, serverSideEmit (with and without ack) and broadcast-with-ack span every node.

Clients mix the transports: on node A a polling and a websocket client, on node B one that upgrades
from polling, on node C a websocket and a polling client.
"""

import asyncio

import pytest

from cluster_support import Clients, Deliveries, eventually, expect_exactly, run

MODES = ["classic", "sharded", "streams"]
BROADCAST_MODES = ["classic", "sharded", "sharded-static", "sharded-dynamic-private", "streams"]


async def connect_five(clients, a, b, c):
    a1 = await clients.connect(a, "polling", "a1")
    a2 = await clients.connect(a, "websocket", "a2")
    b1 = await clients.connect(b, "upgrade", "b1")
    c1 = await clients.connect(c, "websocket", "c1")
    c2 = await clients.connect(c, "polling", "c2")
    return a1, a2, b1, c1, c2


async def join(client, *rooms):
    assert await client.call_ack("join", *rooms) is True


async def rooms_of(client):
    return await client.call_ack("rooms")


async def wait_rooms(expected, room, timeout=5.0):
    """Waits until each client's own `rooms` answer contains `room` exactly when expected[client]."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        actual = {client: room in await rooms_of(client) for client in expected}
        if actual == expected or asyncio.get_running_loop().time() >= deadline:
            break
        await asyncio.sleep(0.05)
    assert {c.name: v for c, v in actual.items()} == {c.name: v for c, v in expected.items()}, f"membership of {room!r}"


@pytest.mark.parametrize("mode", BROADCAST_MODES)
def test_room_broadcasts_reach_exactly_the_right_clients_on_every_node(cluster, mode):
    a, b, c = cluster.start_nodes(mode, "node-a", "node-b", "node-c")

    async def scenario():
        async with Clients() as clients:
            a1, a2, b1, c1, c2 = everyone = await connect_five(clients, a, b, c)
            await join(a1, "r1")
            await join(a2, "r1", "r2")
            await join(b1, "r1")
            await join(c1, "r2")
            await join(c2, "r1", "vip")
            await cluster.rooms_subscribed(mode, {"r1": 3, "r2": 2, "vip": 1})

            deliveries = Deliveries(everyone)
            # to one room, from a client on node A
            assert await a1.call_ack("emit-to", {"rooms": ["r1"]}, "m-to", "x", 1) is True
            await deliveries.expect("m-to", [a1, a2, b1, c2], ["x", 1])

            # to one room except another
            assert await a2.call_ack("emit-to", {"rooms": ["r1"], "except": ["vip"]}, "m-except", 2) is True
            await deliveries.expect("m-except", [a1, a2, b1], [2])

            # broadcast (sender excluded) to one room, from node B
            assert await b1.call_ack("emit-to", {"rooms": ["r1"], "broadcast": True}, "m-bcast", 3) is True
            await deliveries.expect("m-bcast", [a1, a2, c2], [3])

            # several rooms: a2 is in both and gets it once
            assert await c1.call_ack("emit-to", {"rooms": ["r1", "r2"]}, "m-union") is True
            await deliveries.expect("m-union", everyone, [])

            # whole namespace, sender excluded, from node C
            assert await c1.call_ack("emit-to", {"broadcast": True}, "m-all", {"k": "v"}) is True
            await deliveries.expect("m-all", [a1, a2, b1, c2], [{"k": "v"}])

            # whole namespace except a room
            assert await b1.call_ack("emit-to", {"except": ["r2"]}, "m-all-except") is True
            await deliveries.expect("m-all-except", [a1, b1, c2], [])

            # binary arguments survive the trip through Redis (top level and nested)
            blob = bytes(range(256))
            nested = {"name": "file", "parts": [b"\x00\x01", b"\xff" * 3], "n": 1.5}
            assert await c2.call_ack("emit-to", {"rooms": ["r1"]}, "m-bin", blob, nested, "text") is True
            await deliveries.expect("m-bin", [a1, a2, b1, c2], [blob, nested, "text"])

            await deliveries.verify()

    run(scenario())


@pytest.mark.parametrize("mode", BROADCAST_MODES)
def test_emit_to_the_private_room_of_a_socket_on_another_node(cluster, mode):
    """A socket id is a room too. In sharded dynamic mode a one-room broadcast to it goes to the main
    channel (socket ids have no channel); in dynamic-private mode every room, socket ids included,
    has its own channel."""
    a, b, c = cluster.start_nodes(mode, "node-a", "node-b", "node-c")

    async def scenario():
        async with Clients() as clients:
            a1 = await clients.connect(a, "websocket", "a1")
            b1 = await clients.connect(b, "polling", "b1")
            c1 = await clients.connect(c, "websocket", "c1")
            everyone = [a1, b1, c1]
            if mode == "sharded-dynamic-private":
                # bounded wait for the per-socket channels; the deliveries below give the verdict
                await cluster.rooms_subscribed(mode, {b1.socket_id: 1, c1.socket_id: 1}, require=False, timeout=2.0)

            deliveries = Deliveries(everyone)
            assert await a1.call_ack("emit-to", {"rooms": [b1.socket_id]}, "p-one", "psst") is True
            await deliveries.expect("p-one", [b1], ["psst"])
            assert await c1.call_ack("emit-to", {"rooms": [b1.socket_id, c1.socket_id]}, "p-two", b"\x01") is True
            await deliveries.expect("p-two", [b1, c1], [b"\x01"])
            assert await b1.call_ack("emit-to", {"rooms": [a1.socket_id], "broadcast": True}, "p-three") is True
            await deliveries.expect("p-three", [a1], [])
            await deliveries.verify()

    run(scenario())


@pytest.mark.parametrize("mode", MODES)
def test_fetch_sockets_sees_every_socket_with_rooms_and_data(cluster, mode):
    a, b, c = cluster.start_nodes(mode, "node-a", "node-b", "node-c")

    async def scenario():
        async with Clients() as clients:
            everyone = await connect_five(clients, a, b, c)
            a1, a2, b1, c1, c2 = everyone
            joined = {a1: ["r1"], a2: ["r1", "r2"], b1: ["r2"], c1: [], c2: ["r1"]}
            # c1 never sets data: its data stays null
            data = {cl: {"name": cl.name, "node": cl.node.node_id, "bytes": None} for cl in everyone if cl is not c1}
            data[c1] = None
            for client, rooms in joined.items():
                if rooms:
                    await join(client, *rooms)
                if data[client] is not None:
                    assert await client.call_ack("set-data", data[client]) is True

            def expected(members):
                rows = [
                    {"id": cl.socket_id, "rooms": sorted([cl.socket_id, *joined[cl]]), "data": data[cl]}
                    for cl in members
                ]
                return sorted(rows, key=lambda row: row["id"])

            for asker in everyone:  # from every node, whatever the asker's transport
                got = await asker.call_ack("fetch-sockets")
                assert got == expected(everyone), f"fetch-sockets from {asker.name} ({asker.node.node_id})"
            got = await b1.call_ack("fetch-sockets", "r1")
            assert got == expected([a1, a2, c2]), "fetch-sockets of room r1 from node B (no local member)"
            got = await c1.call_ack("fetch-sockets", "r2")
            assert got == expected([a2, b1])
            assert await a1.call_ack("fetch-sockets", "nobody") == []

            if mode == "classic":  # allRooms spans the cluster (sharded answers with local rooms only)
                want = sorted({"r1", "r2", *(client.socket_id for client in everyone)})
                for asker in (a1, b1, c2):
                    assert await asker.call_ack("all-rooms") == want

    run(scenario())


@pytest.mark.parametrize("mode", MODES)
def test_sockets_join_and_leave_span_nodes(cluster, mode):
    a, b, c = cluster.start_nodes(mode, "node-a", "node-b", "node-c")

    async def scenario():
        async with Clients() as clients:
            everyone = await connect_five(clients, a, b, c)
            a1, a2, b1, c1, c2 = everyone
            await join(a1, "r1")
            await join(b1, "r1", "r2")
            await join(c2, "r1")
            await join(c1, "r2")
            await cluster.rooms_subscribed(mode, {"r1": 3, "r2": 2})

            # from node A (a2 is in no room): every r1 member joins "team"
            assert await a2.call_ack("sockets-join", "r1", "team") is True
            await wait_rooms({a1: True, b1: True, c2: True, a2: False, c1: False}, "team")
            await cluster.rooms_subscribed(mode, {"team": 3})
            assert await c1.call_ack("emit-to", {"rooms": ["team"]}, "t-joined", 1) is True
            await expect_exactly(everyone, "t-joined", [a1, b1, c2], [1])

            # from node C: every r2 member (b1 on B, c1 on C) leaves "team"
            assert await c1.call_ack("sockets-leave", "r2", "team") is True
            await wait_rooms({a1: True, b1: False, c2: True, a2: False, c1: False}, "team")
            await cluster.rooms_subscribed(mode, {"team": 2})
            assert await b1.call_ack("emit-to", {"rooms": ["team"]}, "t-left", 2) is True
            await expect_exactly(everyone, "t-left", [a1, c2], [2])

            # fetchSockets agrees
            got = await b1.call_ack("fetch-sockets", "team")
            assert [row["id"] for row in got] == sorted([a1.socket_id, c2.socket_id])

    run(scenario())


@pytest.mark.parametrize("mode", MODES)
def test_disconnect_sockets_spans_nodes(cluster, mode):
    a, b, c = cluster.start_nodes(mode, "node-a", "node-b", "node-c")

    async def scenario():
        async with Clients() as clients:
            everyone = await connect_five(clients, a, b, c)
            a1, a2, b1, c1, c2 = everyone
            await join(a2, "gone")
            await join(c1, "gone")
            await join(b1, "closed")
            await join(c2, "closed")

            # from node B, which has no member of "gone": a2 (node A) and c1 (node C) are disconnected
            assert await b1.call_ack("disconnect-sockets", "gone", False) is True
            for client in (a2, c1):
                assert await client.wait_disconnected(), f"{client.name} was not disconnected: {client.disconnect_reasons!r}"
            await asyncio.sleep(0.3)
            for client in (a1, b1, c2):
                assert client.connected and not client.disconnect_reasons, f"{client.name} was disconnected too"
            got = await a1.call_ack("fetch-sockets")
            assert [row["id"] for row in got] == sorted(cl.socket_id for cl in (a1, b1, c2))

            # with close=true, from node A: b1 (B) and c2 (C) lose their connection
            assert await a1.call_ack("disconnect-sockets", "closed", True) is True
            for client in (b1, c2):
                assert await client.wait_disconnected(), f"{client.name} was not disconnected: {client.disconnect_reasons!r}"
            await asyncio.sleep(0.3)
            assert a1.connected and not a1.disconnect_reasons
            assert await a1.call_ack("fetch-sockets") == [{"id": a1.socket_id, "rooms": [a1.socket_id], "data": None}]
            for node in (b, c):
                stats = await asyncio.to_thread(node.stats)
                assert stats["sockets"]["/"] == 0, f"{node.node_id} still has sockets: {stats!r}"

    run(scenario())


@pytest.mark.parametrize("mode", MODES)
def test_server_side_emit_reaches_the_other_nodes_only(cluster, mode):
    a, b, c = cluster.start_nodes(mode, "node-a", "node-b", "node-c")

    async def scenario():
        async with Clients() as clients:
            a1 = await clients.connect(a, "polling", "a1")
            b1 = await clients.connect(b, "upgrade", "b1")
            c1 = await clients.connect(c, "websocket", "c1")

            assert await a1.call_ack("server-emit", "hello-nodes", 1, {"from": "a"}, [True, None]) is True

            def hello_events(events):
                return [e for e in events if e and e[0] == "hello-nodes"]

            for client in (b1, c1):
                async def received():
                    return hello_events(await client.call_ack("server-events"))

                got = await eventually(received)
                assert got == [["hello-nodes", 1, {"from": "a"}, [True, None]]], f"server-events of {client.node.node_id}"
            await asyncio.sleep(0.3)
            assert hello_events(await a1.call_ack("server-events")) == [], "the sender node received its own serverSideEmit"
            # exactly once on the receivers
            for client in (b1, c1):
                assert len(hello_events(await client.call_ack("server-events"))) == 1

            # with ack: one answer per other node, from any node
            for asker, others in ((a1, ["node-b", "node-c"]), (b1, ["node-a", "node-c"]), (c1, ["node-a", "node-b"])):
                status, answers = await asker.call_ack("server-emit-ack", 3000)
                assert status == "ok", f"server-emit-ack from {asker.node.node_id}: {status} {answers!r}"
                assert sorted(answers) == others

    run(scenario())


@pytest.mark.parametrize("mode", MODES)
def test_broadcast_with_ack_collects_acks_from_every_node(cluster, mode):
    a, b, c = cluster.start_nodes(mode, "node-a", "node-b", "node-c")

    async def scenario():
        async with Clients() as clients:
            everyone = await connect_five(clients, a, b, c)
            a1, a2, b1, c1, c2 = everyone
            await join(a1, "ack-room")
            await join(a2, "ack-room")
            await join(b1, "ack-room")
            # node C has no member of "ack-room"

            # asked from node C (zero local matches) and from node A (node C has zero matches)
            for asker in (c1, a1, b1):
                status, acks = await asker.call_ack("broadcast-ack", "ack-room", "ask", 3000)
                assert status == "ok", f"broadcast-ack from {asker.name}: {status} {acks!r}"
                assert sorted(acks) == ["a1", "a2", "b1"], f"broadcast-ack from {asker.name}"

            # the private room of one socket on another node
            status, acks = await b1.call_ack("broadcast-ack", c2.socket_id, "ask-one", 3000)
            assert (status, acks) == ("ok", ["c2"])

            # nobody anywhere: an empty answer, not a timeout
            status, acks = await c2.call_ack("broadcast-ack", "nobody", "ask-none", 3000)
            assert (status, acks) == ("ok", [])

            for client in everyone:
                expected = 3 if client in (a1, a2, b1) else 0
                assert len(client.events("ask")) == expected, f"{client.name} got {client.events('ask')!r}"
            assert len(c2.events("ask-one")) == 1
            stats = [await asyncio.to_thread(node.stats) for node in (a, b, c)]
            assert [s["pendingAcks"] for s in stats] == [0, 0, 0], stats

    run(scenario())
