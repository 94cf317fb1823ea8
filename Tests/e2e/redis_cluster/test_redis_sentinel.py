"""Three socketio-fixture nodes on a Sentinel-managed Redis (primary + replica with a password, three
redis-sentinel processes with another password): the primary is SIGKILLed, Sentinel promotes the
replica, and broadcasts reach every node again within 5 s of the promotion, with no restart.
"""

import asyncio

import pytest

from cluster_support import Clients, run, wait_until
from redis_cluster_support import broadcast_until_everyone_has_one

RESUME_BOUND = 5.0


@pytest.mark.parametrize("mode", ["classic", "sharded"])
def test_broadcasts_resume_after_a_sentinel_failover(redis_sentinel, start_server, mode):
    nodes = []
    for node_id in ("node-a", "node-b", "node-c"):
        server = start_server("--redis", redis_sentinel.url, "--adapter", mode, "--node-id", node_id, name="socketio-fixture")
        server.node_id = node_id
        nodes.append(server)
    for server in nodes:
        ok = wait_until(lambda s=server: s.stats().get("redis") == "connected", 20.0)
        assert ok, f"{server.node_id}: {server.stats()!r}\n{server.log_tail()}"
        assert list(server.stats()["redisLinks"]) == [f"127.0.0.1:{redis_sentinel.primary_port}"]
    pids = [node.proc.pid for node in nodes]

    async def scenario():
        async with Clients() as clients:
            members = [await clients.connect(node, "websocket", f"m-{node.node_id}") for node in nodes]
            for client in members:
                assert await client.call_ack("join", "news") is True
            sender = members[1]
            await asyncio.sleep(0.3)
            assert await sender.call_ack("emit-to", {"rooms": ["news"]}, "before", 0) is True
            for client in members:
                await client.wait_event("before")

            await asyncio.to_thread(redis_sentinel.primary.kill)
            promoted = await asyncio.to_thread(wait_until, redis_sentinel.replica_is_primary, 30.0, 0.05)
            assert promoted, "Sentinel never promoted the replica\n" + "\n".join(s.log_tail() for s in redis_sentinel.sentinels)
            resumed, took, _ = await broadcast_until_everyone_has_one(sender, members, "news", RESUME_BOUND)
            print(f"\nsentinel failover ({mode}): broadcasts reached every node {took:.2f}s after the promotion")
            assert resumed, f"not every node got a broadcast within {RESUME_BOUND}s: " + "\n".join(n.log_tail() for n in nodes)
            for node in nodes:
                assert list(node.stats()["redisLinks"]) == [f"127.0.0.1:{redis_sentinel.replica_port}"]

    run(scenario(), timeout=120)
    assert [node.proc.pid for node in nodes] == pids and all(node.alive() for node in nodes)
