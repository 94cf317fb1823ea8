"""Dynamic namespaces do not accumulate, and a socket's rooms are bounded.

A child namespace of a dynamic parent (socketio-fixture's /dyn-N) that has had no socket for
--cleanup-empty-child-namespaces is removed with its adapter: its Redis subscriptions go too, and a
later CONNECT creates it again. --max-rooms-per-socket refuses joins past the bound (each room may
cost a Redis subscription in sharded mode). Real redis-server, real fixture nodes.
"""

from __future__ import annotations

import asyncio

import pytest
import socketio

from cluster_support import SIO_PATH, classic_request_channel, eventually, run, sharded_channel

CLEANUP_MS = 300


async def connect_to(node, namespace: str) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    await asyncio.wait_for(
        client.connect(node.base_url, namespaces=[namespace], transports=["websocket"], socketio_path=SIO_PATH, wait_timeout=5),
        10,
    )
    return client


def request_subscribers(redis, mode: str, namespace: str) -> int:
    if mode == "classic":
        return redis.numsub(classic_request_channel(nsp=namespace))
    return redis.shardnumsub(sharded_channel(nsp=namespace))


@pytest.mark.parametrize("mode", ["classic", "sharded"])
def test_empty_child_namespaces_are_removed_with_their_subscriptions(cluster, mode):
    node = cluster.start_node("c1", mode, "--cleanup-empty-child-namespaces", CLEANUP_MS)

    async def scenario() -> None:
        clients = [await connect_to(node, f"/dyn-{n}") for n in range(1, 21)]
        assert all(f"/dyn-{n}" in node.stats()["sockets"] for n in range(1, 21))
        assert request_subscribers(cluster.redis, mode, "/dyn-1") == 1
        # A namespace with a socket stays; the others empty out and go.
        for client in clients[1:]:
            await client.disconnect()
        await eventually(lambda: not any(f"/dyn-{n}" in node.stats()["sockets"] for n in range(2, 21)), 10)
        names = node.stats()["sockets"]
        assert [n for n in names if n.startswith("/dyn-")] == ["/dyn-1"], names
        await eventually(lambda: request_subscribers(cluster.redis, mode, "/dyn-2") == 0, 10)
        assert request_subscribers(cluster.redis, mode, "/dyn-2") == 0, "the removed namespace is still subscribed"
        assert request_subscribers(cluster.redis, mode, "/dyn-1") == 1
        # A CONNECT creates a removed namespace again, and it works.
        again = await connect_to(node, "/dyn-2")
        assert await again.call("echo", "back", namespace="/dyn-2", timeout=5) == "back"
        await eventually(lambda: request_subscribers(cluster.redis, mode, "/dyn-2") == 1, 10)
        assert request_subscribers(cluster.redis, mode, "/dyn-2") == 1
        await again.disconnect()
        await clients[0].disconnect()

    run(scenario())


def test_joins_past_max_rooms_per_socket_are_refused(cluster):
    node = cluster.start_node("r1", "classic", "--max-rooms-per-socket", 3)

    async def scenario() -> None:
        client = await connect_to(node, "/")
        assert await client.call("join", ("a", "b", "c"), timeout=5) is True
        assert await client.call("join", "a", timeout=5) is True, "a room it is in already costs nothing"
        assert await client.call("join", "d", timeout=5) is False
        rooms = await client.call("rooms", timeout=5)
        assert sorted(r for r in rooms if len(r) < 5) == ["a", "b", "c"], rooms
        assert await client.call("leave", "a", timeout=5) is True
        assert await client.call("join", "d", timeout=5) is True
        await client.disconnect()

    run(scenario())
