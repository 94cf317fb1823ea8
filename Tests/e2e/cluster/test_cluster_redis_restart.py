"""Redis dies (SIGKILL) and comes back on the same port while a client streams room broadcasts.

Two nodes; the publisher and a receiver on node A, a receiver on node B, both receivers in the room.
During the outage: no node crashes, local delivery continues on node A, /stats does not claim the
link is connected. After Redis is back: /stats says connected on both nodes within a bounded time,
and broadcasts emitted from then on reach node B again (its subscriptions were restored).
"""

import asyncio

import pytest

from cluster_support import Clients, eventually, node_stats, run, wait_redis_state

# The streams adapter refuses broadcasts while Redis is away instead of delivering them locally
# (test_streams_adapter.py covers its outage).
MODES = ["classic", "sharded"]
TICK_INTERVAL = 0.05
MAX_TICKS = 600  # the stream never runs longer than this (~30 s)
OUTAGE_DETECT_TIMEOUT = 10.0
RECOVERY_TIMEOUT = 20.0


class Stream:
    """Emits emit-to {rooms:[room]} "tick" i, every ~50 ms, i = 0, 1, ... (bounded)."""

    def __init__(self, publisher, room):
        self.publisher = publisher
        self.room = room
        self.sent = 0
        self.stopped = asyncio.Event()
        self.task = asyncio.create_task(self._run())

    async def _run(self):
        while not self.stopped.is_set() and self.sent < MAX_TICKS:
            assert await self.publisher.call_ack("emit-to", {"rooms": [self.room]}, "tick", self.sent) is True
            self.sent += 1
            await asyncio.sleep(TICK_INTERVAL)

    async def stop(self):
        self.stopped.set()
        await asyncio.wait_for(self.task, 10)


def ticks(client):
    return [args[0] for args in client.events("tick")]


async def wait_ticks(client, predicate, what, timeout, stream):
    got = await eventually(lambda: predicate(ticks(client)), timeout)
    assert got, f"{client.name}: {what} within {timeout}s (sent {stream.sent}); got {ticks(client)!r}"


@pytest.mark.parametrize("mode", MODES)
def test_redis_restart_under_a_broadcast_stream(cluster, redis_server, mode):
    a = cluster.start_node("node-a", mode)
    b = cluster.start_node("node-b", mode)
    cluster.wait_members(2, mode)

    async def scenario():
        async with Clients() as clients:
            publisher = await clients.connect(a, "websocket", "publisher")
            local = await clients.connect(a, "polling", "local")
            remote = await clients.connect(b, "websocket", "remote")
            for client in (local, remote):
                assert await client.call_ack("join", "stream") is True
            await cluster.rooms_subscribed(mode, {"stream": 2})

            stream = Stream(publisher, "stream")
            try:
                # 1. healthy: both receivers get the stream
                for client in (local, remote):
                    await wait_ticks(client, lambda t: len(t) >= 5, "5 ticks before the outage", 10.0, stream)

                # 2. Redis vanishes
                await asyncio.to_thread(redis_server.kill)
                for node in (a, b):
                    stats = await wait_redis_state(node, lambda s: s != "connected", OUTAGE_DETECT_TIMEOUT)
                    assert stats.get("redis") != "connected", f"{node.node_id} still reports {stats!r} with Redis dead"
                outage_from = stream.sent

                # 3. outage: local delivery on node A continues
                await wait_ticks(
                    local, lambda t: set(range(outage_from, outage_from + 10)) <= set(t),
                    f"ticks {outage_from}..{outage_from + 9} during the outage", 10.0, stream,
                )
                for node in (a, b):
                    stats = await node_stats(node)
                    assert stats["redis"] != "connected", f"{node.node_id} during the outage: {stats!r}"
                for client in (publisher, local, remote):
                    assert client.connected, f"{client.name} lost its connection during the Redis outage"

                # 4. Redis is back on the same port
                await asyncio.to_thread(redis_server.restart)
                for node in (a, b):
                    stats = await wait_redis_state(node, lambda s: s == "connected", RECOVERY_TIMEOUT)
                    assert stats.get("redis") == "connected", f"{node.node_id} did not reconnect: {stats!r}\n{node.log_tail()}"
                recovered_from = stream.sent

                # 5. cross-node delivery resumes: node B gets what is emitted after the recovery
                await wait_ticks(
                    remote, lambda t: set(range(recovered_from, recovered_from + 10)) <= set(t),
                    f"ticks {recovered_from}..{recovered_from + 9} after the recovery", 10.0, stream,
                )
            finally:
                await stream.stop()
            last = stream.sent
            await asyncio.sleep(0.5)

            # node A delivered every tick to its own client, once, in order, outage or not
            assert ticks(local) == list(range(last)), f"local receiver: {ticks(local)!r}"
            # node B: no duplicates, no reordering, and everything since the recovery
            got = ticks(remote)
            assert got == sorted(set(got)), f"remote receiver got duplicates or out-of-order ticks: {got!r}"
            missing = sorted(set(range(recovered_from, last)) - set(got))
            assert not missing, f"remote receiver missed ticks emitted after the recovery: {missing} (got {got!r})"
            assert publisher.events("tick") == [], "the publisher is not in the room"
            for client in (publisher, local, remote):
                assert client.connected and not client.disconnect_reasons, f"{client.name} was disconnected"
            for node in (a, b):
                stats = await node_stats(node)
                assert stats["redis"] == "connected" and stats["sockets"]["/"] == (2 if node is a else 1), stats

    run(scenario(), timeout=90)
