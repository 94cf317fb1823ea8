"""Failover of a Redis Cluster primary under three socketio-fixture nodes (sharded mode): the primary
owning a room channel's slot is SIGKILLed, its replica is promoted by the cluster, and broadcasts to
that room reach every node again within 5 s of the promotion, with no node restarted. The room channel
ends up subscribed on the new primary.
"""

import asyncio

from cluster_support import Clients, eventually, run, sharded_channel, wait_until
from test_redis_cluster import start_nodes
from redis_cluster_support import broadcast_until_everyone_has_one, key_slot

RESUME_BOUND = 5.0  # seconds after the promotion


def room_owned_by(redis_cluster, primary, prefix="room"):
    owned = redis_cluster.owned_slots(primary)
    index = 0
    while key_slot(sharded_channel(room=f"{prefix}-{index}")) not in owned:
        index += 1
    return f"{prefix}-{index}"


def test_broadcasts_resume_after_a_primary_fails_over(redis_cluster_with_replicas, start_server):
    cluster = redis_cluster_with_replicas
    nodes = start_nodes(start_server, cluster)
    victim = cluster.primaries()[0]
    replica = cluster.replica_of(victim)
    assert replica is not None, "the primary has no replica"
    room = room_owned_by(cluster, victim)
    pids = [node.proc.pid for node in nodes]

    async def scenario():
        async with Clients() as clients:
            members = [await clients.connect(node, "websocket", f"m-{node.node_id}") for node in nodes]
            for client in members:
                assert await client.call_ack("join", room) is True
            ok = await eventually(lambda: sharded_channel(room=room) in cluster.shard_channels(victim), 10.0)
            assert ok, "room channel never subscribed on its primary"
            sender = members[0]
            assert await sender.call_ack("emit-to", {"rooms": [room]}, "before", 0) is True
            for client in members:
                await client.wait_event("before")

            await asyncio.to_thread(victim.kill)
            promoted = await asyncio.to_thread(
                wait_until, lambda: cluster.command(replica, "ROLE")[0] == b"master", 20.0, 0.05
            )
            assert promoted, "the replica was never promoted\n" + replica.log_tail()

            # Broadcast every 100 ms until every member has one sent after the promotion.
            resumed, took, sent = await broadcast_until_everyone_has_one(sender, members, room, RESUME_BOUND)
            print(f"\nfailover: broadcasts reached every node {took:.2f}s after the promotion ({sent} sent)")
            assert resumed, (
                f"broadcasts did not reach every node within {RESUME_BOUND}s of the promotion: "
                f"{[(c.name, c.events('after')) for c in members]}\n" + "\n".join(n.log_tail() for n in nodes)
            )
            # From now on every broadcast reaches every node.
            assert await sender.call_ack("emit-to", {"rooms": [room]}, "final", 1) is True
            for client in members:
                await client.wait_event("final")
            assert sharded_channel(room=room) in cluster.shard_channels(replica)
            for node in nodes:
                ok = await eventually(lambda n=node: n.stats().get("redis") == "connected", 10.0)
                assert ok, f"{node.node_id}: {node.stats()!r}"
                assert f"127.0.0.1:{replica.port}" in node.stats()["redisLinks"]

    run(scenario(), timeout=120)
    assert [node.proc.pid for node in nodes] == pids and all(node.alive() for node in nodes), "a node restarted"
