"""Resharding under load: `redis-cli --cluster reshard` moves the slots holding an active room channel
from one primary to another while a node broadcasts to the room at 100/s; members on all three
socketio-fixture nodes count what they miss. The room channel moves to the new owner by itself (Redis
sends `sunsubscribe`, the driver subscribes where the slot lives now), every broadcast sent once the
move completed reaches every node, and what was lost during the move is reported.

make test moves 100 slots; FAULT_FULL=1 (make fault-test) moves 4000 slots, back and forth.
"""

import asyncio
import os
import time

from cluster_support import Clients, eventually, run, sharded_channel
from redis_cluster_support import key_slot
from test_redis_cluster import start_nodes

FULL = os.environ.get("FAULT_FULL") == "1"
SLOTS = 4000 if FULL else 100
RATE = 100  # broadcasts per second


def test_fault_reshard_under_load_loses_nothing_after_the_move(redis_cluster, start_server):
    cluster = redis_cluster
    nodes = start_nodes(start_server, cluster)
    source, target = cluster.primaries()[0], cluster.primaries()[1]
    first = min(cluster.owned_slots(source))
    # A room whose slot is among the first SLOTS slots of the source: redis-cli moves those.
    index = 0
    while not first <= key_slot(sharded_channel(room=f"live-{index}")) < first + min(SLOTS, 50):
        index += 1
    room = f"live-{index}"
    channel = sharded_channel(room=room)

    async def scenario():
        async with Clients() as clients:
            members = [await clients.connect(node, "websocket", f"m-{node.node_id}") for node in nodes]
            for client in members:
                assert await client.call_ack("join", room) is True
            assert await eventually(lambda: cluster.command(source, "PUBSUB", "SHARDNUMSUB", channel)[1] == 3, 10.0)
            sender = members[0]
            sent = 0
            stop = asyncio.Event()

            async def load():
                nonlocal sent
                while not stop.is_set():
                    sent += 1
                    await sender.emit("emit-to", ({"rooms": [room]}, "seq", sent))
                    await asyncio.sleep(1 / RATE)

            loader = asyncio.create_task(load())
            await asyncio.sleep(1.0)
            began = sent
            rounds = [(source, target), (target, source)] if FULL else [(source, target)]
            for src, dst in rounds:
                await asyncio.to_thread(cluster.reshard, src, dst, SLOTS)
            moved_at = sent
            owner = rounds[-1][1]
            # The channel follows the slot: every node subscribed on the new owner.
            ok = await eventually(lambda: cluster.command(owner, "PUBSUB", "SHARDNUMSUB", channel)[1] == 3, 10.0)
            assert ok, "room channel not subscribed again on the new owner\n" + "\n".join(n.log_tail() for n in nodes)
            settled = sent
            await asyncio.sleep(1.0)
            stop.set()
            await loader
            last = sent
            await eventually(lambda: all(client.events("seq") and client.events("seq")[-1] == [last] for client in members), 10.0)
            await asyncio.sleep(0.5)
            lost_during, lost_after = {}, {}
            for client in members:
                got = {args[0] for args in client.events("seq")}
                missing = [n for n in range(1, last + 1) if n not in got]
                lost_during[client.name] = len([n for n in missing if n <= settled])
                lost_after[client.name] = [n for n in missing if n > settled]
            print(
                f"\nreshard of {SLOTS} slots x{len(rounds)} at {RATE}/s: {last} broadcasts, move between #{began} and #{moved_at}, "
                f"subscribed on the new owner by #{settled}; lost per node during the move {lost_during}, after it "
                f"{ {k: len(v) for k, v in lost_after.items()} }"
            )
            assert all(not v for v in lost_after.values()), f"broadcasts lost after the move completed: {lost_after}"

    run(scenario(), timeout=300 if FULL else 120)
