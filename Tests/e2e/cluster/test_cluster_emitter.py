"""socketio-emit (a non-Socket.IO process publishing through Redis like the reference emitters)
against three nodes of each adapter protocol (classic, sharded, streams): emits reach exactly the
selected clients on every node; --join and --disconnect act on every node."""

import asyncio

import pytest

from cluster_support import Clients, Deliveries, eventually, run, run_emitter


@pytest.mark.parametrize("mode", ["classic", "sharded", "streams"])
def test_emitter_reaches_the_selected_clients_on_every_node(cluster, redis_server, mode):
    a, b, c = cluster.start_nodes(mode, "node-a", "node-b", "node-c")
    url = redis_server.url

    async def emit(redis_url, *args):
        return await asyncio.to_thread(run_emitter, redis_url, "--adapter", mode, *args)

    async def scenario():
        async with Clients() as clients:
            a_in = await clients.connect(a, "polling", "a_in")
            a_out = await clients.connect(a, "websocket", "a_out")
            b_in = await clients.connect(b, "upgrade", "b_in")
            c_in = await clients.connect(c, "websocket", "c_in")
            c_out = await clients.connect(c, "polling", "c_out")
            everyone = [a_in, a_out, b_in, c_in, c_out]
            for client in (a_in, b_in, c_in):
                assert await client.call_ack("join", "news") is True
            assert await b_in.call_ack("join", "vip") is True
            assert await c_out.call_ack("join", "vip-too") is True

            deliveries = Deliveries(everyone)
            await emit(url, "--room", "news", "headline", '"hello"', '{"n":1,"list":[1,2.5,null,true]}')
            await deliveries.expect("headline", [a_in, b_in, c_in], ["hello", {"n": 1, "list": [1, 2.5, None, True]}])

            await emit(url, "--room", "news", "--except", "vip", "flash", "1")
            await deliveries.expect("flash", [a_in, c_in], [1])

            await emit(url, "--room", "vip", "--room", "vip-too", "two-rooms")
            await deliveries.expect("two-rooms", [b_in, c_out], [])

            await emit(url, "everyone", '"all"')
            await deliveries.expect("everyone", everyone, ["all"])

            await emit(url, "--except", "news", "outsiders")
            await deliveries.expect("outsiders", [a_out, c_out], [])
            await deliveries.verify()

            # --join: the sockets of "news" join "extra" on every node
            await emit(url, "--room", "news", "--join", "extra")

            async def members():
                return {cl.name: "extra" in await cl.call_ack("rooms") for cl in everyone}

            want = {cl.name: cl in (a_in, b_in, c_in) for cl in everyone}
            got = await eventually(lambda: _equal(members(), want))
            assert got, f"membership of 'extra' after --join: {await members()!r}"
            assert await c_out.call_ack("emit-to", {"rooms": ["extra"]}, "to-extra") is True
            await deliveries.expect("to-extra", [a_in, b_in, c_in], [])
            await deliveries.verify()

            # --disconnect: the sockets of "vip" and "vip-too" (on nodes B and C) are disconnected
            await emit(url, "--room", "vip", "--room", "vip-too", "--disconnect")
            for client in (b_in, c_out):
                assert await client.wait_disconnected(), f"{client.name} was not disconnected"
            await asyncio.sleep(0.3)
            for client in (a_in, a_out, c_in):
                assert client.connected and not client.disconnect_reasons, f"{client.name} was disconnected too"
            got = await a_out.call_ack("fetch-sockets")
            assert [row["id"] for row in got] == sorted(cl.socket_id for cl in (a_in, a_out, c_in))

    run(scenario())


async def _equal(awaitable, expected):
    return await awaitable == expected
