"""Two clusters on one Redis, told apart by the key prefix: nodes A and B use the default prefix
(`socket.io`), node C uses `--key-prefix other`. Neither sees the other's broadcasts, requests or
emitter messages."""

import asyncio

import pytest

from cluster_support import Clients, Deliveries, eventually, run, run_emitter

MODES = ["classic", "sharded", "streams"]


@pytest.mark.parametrize("mode", MODES)
def test_a_node_with_another_key_prefix_is_another_cluster(cluster, redis_server, mode):
    a = cluster.start_node("node-a", mode)
    b = cluster.start_node("node-b", mode)
    c = cluster.start_node("node-c", mode, prefix="other")
    cluster.wait_members(2, mode)
    cluster.wait_members(1, mode, prefix="other")

    async def scenario():
        async with Clients() as clients:
            a1 = await clients.connect(a, "websocket", "a1")
            b1 = await clients.connect(b, "polling", "b1")
            c1 = await clients.connect(c, "upgrade", "c1")
            everyone = [a1, b1, c1]
            for client in everyone:
                assert await client.call_ack("join", "r") is True
            await cluster.rooms_subscribed(mode, {"r": 2})
            await cluster.rooms_subscribed(mode, {"r": 1}, prefix="other")

            deliveries = Deliveries(everyone)
            assert await a1.call_ack("emit-to", {"rooms": ["r"]}, "k-room") is True
            await deliveries.expect("k-room", [a1, b1], [])
            assert await b1.call_ack("emit-to", {}, "k-all", "x") is True
            await deliveries.expect("k-all", [a1, b1], ["x"])
            assert await c1.call_ack("emit-to", {"rooms": ["r"]}, "k-other") is True
            await deliveries.expect("k-other", [c1], [])
            assert await c1.call_ack("emit-to", {"broadcast": True}, "k-other-all") is True
            await deliveries.expect("k-other-all", [], [])
            if mode == "classic":
                await _emit(redis_server.url, "--room", "r", "k-emitter")
                await deliveries.expect("k-emitter", [a1, b1], [])
                await _emit(redis_server.url, "--key-prefix", "other", "--room", "r", "k-emitter-other")
                await deliveries.expect("k-emitter-other", [c1], [])
            await deliveries.verify()

            # requests stay within each cluster
            got = await c1.call_ack("fetch-sockets")
            assert [row["id"] for row in got] == [c1.socket_id]
            got = await a1.call_ack("fetch-sockets")
            assert [row["id"] for row in got] == sorted([a1.socket_id, b1.socket_id])
            assert await a1.call_ack("server-emit-ack", 2000) == ("ok", ["node-b"])
            assert await c1.call_ack("server-emit-ack", 2000) == ("ok", [])
            assert await a1.call_ack("server-emit", "k-server", 1) is True
            got = await eventually_server_events(b1, "k-server")
            assert got == [["k-server", 1]]
            await asyncio.sleep(0.3)
            assert [e for e in await c1.call_ack("server-events") if e[0] == "k-server"] == []

    run(scenario())


async def _emit(url, *args):
    await asyncio.to_thread(run_emitter, url, *args)


async def eventually_server_events(client, name):
    async def probe():
        return [e for e in await client.call_ack("server-events") if e and e[0] == name]

    return await eventually(probe)
