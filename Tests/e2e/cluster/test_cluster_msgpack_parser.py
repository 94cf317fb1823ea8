"""A node with the msgpack parser and a node with the default parser on one Redis: broadcasts and
broadcasts with acks cross the cluster in the adapter's own format, and each node writes them to its
clients with its own parser (msgpack clients on the msgpack node, default clients on the other)."""

import pytest

from cluster_support import Clients, expect_exactly, run

MSGPACK = {"serializer": "msgpack"}


@pytest.mark.parametrize("mode", ["classic", "sharded"])
def test_broadcasts_cross_nodes_with_different_parsers(cluster, mode):
    a = cluster.start_node("node-a", mode, "--parser", "msgpack")
    b = cluster.start_node("node-b", mode, "--parser", "default")
    cluster.wait_members(2, mode)

    async def scenario():
        async with Clients() as clients:
            a1 = await clients.connect(a, "polling", "a1", **MSGPACK)
            a2 = await clients.connect(a, "websocket", "a2", **MSGPACK)
            b1 = await clients.connect(b, "websocket", "b1")
            b2 = await clients.connect(b, "polling", "b2")
            everyone = [a1, a2, b1, b2]
            for client in (a1, b1):
                assert await client.call_ack("join", "r1") is True
            await cluster.rooms_subscribed(mode, {"r1": 2})

            # from the default node: the msgpack node re-encodes the remote broadcast for its client
            assert await b2.call_ack("emit-to", {"rooms": ["r1"]}, "m1", b"\x01\x02", {"n": 1.5}) is True
            await expect_exactly(everyone, "m1", [a1, b1], [b"\x01\x02", {"n": 1.5}])

            # from the msgpack node: the default node writes text plus an attachment for its client
            assert await a2.call_ack("emit-to", {"rooms": ["r1"]}, "m2", "hi", b"\xff") is True
            await expect_exactly(everyone, "m2", [a1, b1], ["hi", b"\xff"])

            # a broadcast with acks from the msgpack node: every member answers with its name
            reply = await a2.call_ack("broadcast-ack", "r1", "who", 3000)
            assert reply[0] == "ok" and sorted(reply[1]) == ["a1", "b1"], reply

    run(scenario())
