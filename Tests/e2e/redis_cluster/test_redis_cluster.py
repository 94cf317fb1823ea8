"""Three socketio-fixture processes in sharded mode on a real 3-primary Redis Cluster (Debian's
redis-server, joined with `redis-cli --cluster create`): 100 clients in 20 rooms whose channels hash to
all three shards. Every room broadcast, fetchSockets, socketsJoin and disconnectSockets reaches every
node, and each room channel is subscribed on the primary that owns its slot (PUBSUB SHARDCHANNELS on
each primary). Classic mode is refused on a cluster.
"""

import asyncio
import subprocess

from cluster_support import Clients, eventually, run, sharded_channel, wait_until
from e2e_common import free_port, package_binary
from redis_cluster_support import key_slot

ROOMS = 20
CLIENTS = 100
READY = 20.0


def start_nodes(start_server, redis_cluster, count=3, mode="sharded"):
    nodes = []
    for index in range(count):
        node_id = f"node-{'abc'[index]}"
        server = start_server("--redis", redis_cluster.url, "--adapter", mode, "--node-id", node_id, name="socketio-fixture")
        server.node_id = node_id
        nodes.append(server)
    for server in nodes:
        ok = wait_until(lambda s=server: s.stats().get("redis") == "connected", READY)
        assert ok, f"{server.node_id}: Redis Cluster link never connected: {server.stats()!r}\n{server.log_tail()}"
        links = server.stats()["redisLinks"]
        assert len(links) == 3 and set(links.values()) == {"connected"}, f"{server.node_id}: per-shard links {links!r}"
    return nodes


def rooms_over_all_shards(redis_cluster, count=ROOMS):
    """`count` room names whose channels are spread over every primary (round robin by owner)."""
    owners = {}
    slots = {node.port: redis_cluster.owned_slots(node) for node in redis_cluster.primaries()}
    by_owner = {port: [] for port in slots}
    index = 0
    while min(len(v) for v in by_owner.values()) < count // len(slots) + 1:
        room = f"room-{index}"
        slot = key_slot(sharded_channel(room=room))
        port = next(p for p, owned in slots.items() if slot in owned)
        by_owner[port].append(room)
        index += 1
    rooms = []
    while len(rooms) < count:
        for port in sorted(by_owner):
            if len(rooms) < count and by_owner[port]:
                room = by_owner[port].pop(0)
                owners[room] = port
                rooms.append(room)
    return rooms, owners


async def connect_all(clients, nodes, count):
    async def one(k):
        return await clients.connect(nodes[k % len(nodes)], "websocket", f"c{k}")

    result = []
    for start in range(0, count, 20):
        result += await asyncio.gather(*(one(k) for k in range(start, min(count, start + 20))))
    return result


def test_sharded_adapter_on_a_three_primary_cluster(redis_cluster, start_server):
    nodes = start_nodes(start_server, redis_cluster)
    rooms, owners = rooms_over_all_shards(redis_cluster)
    assert len(set(owners.values())) == 3

    async def scenario():
        async with Clients() as clients:
            everyone = await connect_all(clients, nodes, CLIENTS)
            members = {room: [] for room in rooms}
            for k, client in enumerate(everyone):
                room = rooms[k % ROOMS]
                members[room].append(client)
                assert await client.call_ack("join", room) is True

            # Every room channel is subscribed on its owner only, by every node with a member.
            def channels_by_primary():
                return {node.port: redis_cluster.shard_channels(node) for node in redis_cluster.primaries()}

            def placed():
                got = channels_by_primary()
                return all(sharded_channel(room=room) in got[owners[room]] for room in rooms) and got

            ok = await eventually(lambda: placed(), READY)
            got = channels_by_primary()
            assert ok, f"room channels not on their owners: {got!r}"
            for room in rooms:
                for port, channels in got.items():
                    assert (sharded_channel(room=room) in channels) == (port == owners[room]), f"{room} on {port}"
                owner = next(n for n in redis_cluster.primaries() if n.port == owners[room])
                expected_nodes = len({c.node.node_id for c in members[room]})
                count = await eventually(lambda o=owner, r=room: redis_cluster.command(o, "PUBSUB", "SHARDNUMSUB", sharded_channel(room=r))[1] == expected_nodes, READY)
                assert count, f"{room}: SHARDNUMSUB on its owner"

            # Every room broadcast reaches exactly its members, on every node.
            for index, room in enumerate(rooms):
                sender = members[room][0]
                assert await sender.call_ack("emit-to", {"rooms": [room]}, "to-room", index) is True
            for index, room in enumerate(rooms):
                for client in members[room]:
                    await client.wait_event("to-room")
            await asyncio.sleep(0.3)
            for index, room in enumerate(rooms):
                for client in members[room]:
                    assert client.events("to-room") == [[index]], f"{client.name} in {room}: {client.events('to-room')!r}"

            # fetchSockets of a room sees its members on every node.
            for room in rooms:
                asker = everyone[(rooms.index(room) + 1) % CLIENTS]
                got = await asker.call_ack("fetch-sockets", room)
                assert sorted(s["id"] for s in got) == sorted(c.socket_id for c in members[room]), f"fetch-sockets {room}"

            # socketsJoin across nodes, then a broadcast to the joined room.
            source = rooms[0]
            assert await everyone[1].call_ack("sockets-join", source, "joined") is True
            async def all_joined():
                got = await everyone[2].call_ack("fetch-sockets", "joined")
                return len(got) == len(members[source])
            assert await eventually(all_joined, 10.0), "sockets-join did not reach every node"
            assert await everyone[2].call_ack("emit-to", {"rooms": ["joined"]}, "joined-msg") is True
            for client in members[source]:
                await client.wait_event("joined-msg")

            # disconnectSockets of one room reaches every node.
            victim = rooms[-1]
            assert await everyone[0].call_ack("disconnect-sockets", victim, True) is True
            for client in members[victim]:
                assert await client.wait_disconnected(), f"{client.name} still connected"
            survivors = [c for c in everyone if c not in members[victim]]
            assert all(c.connected for c in survivors)

    run(scenario(), timeout=180)


def test_classic_mode_is_refused_on_a_cluster(redis_cluster):
    done = subprocess.run(
        [str(package_binary("socketio-node")), "--redis", redis_cluster.url, "--adapter", "classic", "--port", str(free_port())],
        stdin=subprocess.DEVNULL, capture_output=True, timeout=30,
    )
    output = (done.stdout + done.stderr).decode(errors="replace")
    assert done.returncode != 0, output
    assert "refused on a Redis Cluster" in output and "sharded" in output, output


def test_socketio_emit_reaches_every_node_through_the_cluster(redis_cluster, start_server):
    from cluster_support import run_emitter

    nodes = start_nodes(start_server, redis_cluster)
    rooms, _ = rooms_over_all_shards(redis_cluster, count=3)

    async def scenario():
        async with Clients() as clients:
            members = [await clients.connect(node, "websocket", f"m-{node.node_id}") for node in nodes]
            for client, room in zip(members, rooms):
                assert await client.call_ack("join", room) is True
            for room in rooms:
                await asyncio.to_thread(run_emitter, redis_cluster.url, "--room", room, "news", f'"{room}"')
            for client, room in zip(members, rooms):
                assert (await client.wait_event("news"))[0] == [room]
            await asyncio.to_thread(run_emitter, redis_cluster.url, "headline", "1")
            for client in members:
                await client.wait_event("headline")
            await asyncio.to_thread(run_emitter, redis_cluster.url, "--room", rooms[0], "--disconnect")
            assert await members[0].wait_disconnected()
            assert members[1].connected and members[2].connected

    run(scenario(), timeout=90)


def test_socketio_node_reports_each_shard_in_readyz_and_metrics(redis_cluster, start_server):
    import json
    import urllib.request

    # The seeds as repeated --redis-cluster flags (the same as --redis redis-cluster://...).
    seeds = [arg for n in redis_cluster.nodes[:2] for arg in ("--redis-cluster", f"127.0.0.1:{n.port}")]
    node = start_server(*seeds, "--adapter", "sharded", name="socketio-node")
    port = node.port
    primaries = sorted(f"127.0.0.1:{n.port}" for n in redis_cluster.primaries())

    def readyz():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())
        except OSError:
            return None, None

    ok = wait_until(lambda: readyz()[0] == 200, READY)
    status, body = readyz()
    assert ok, f"/readyz {status} {body}\n{node.log_tail()}"
    assert body["redis"] == "connected" and sorted(body["redisLinks"]) == primaries
    assert set(body["redisLinks"].values()) == {"connected"}
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
        metrics = response.read().decode()
    assert 'socketio_redis_links{state="connected"} 3' in metrics, metrics
    assert "socketio_redis_cluster_topology_refreshes_total" in metrics

    # One primary gone (no replica): /readyz turns degraded and names the shard.
    victim = redis_cluster.primaries()[0]
    victim.kill()
    ok = wait_until(lambda: readyz()[0] == 503, 10.0)
    status, body = readyz()
    assert ok and body["status"] == "degraded", f"{status} {body}"
    assert body["redisLinks"][f"127.0.0.1:{victim.port}"] != "connected"
    assert [state for address, state in body["redisLinks"].items() if address != f"127.0.0.1:{victim.port}"] == ["connected"] * 2
