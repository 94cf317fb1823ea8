"""The Redis streams adapter (`--adapter streams`) with connection state recovery: real redis-server,
socketio-fixture nodes, raw Socket.IO clients that recover by hand (raw_recovery_client.RawSession) and
python-socketio clients that publish.

- a client that was away while 50 broadcasts went to its room recovers (same id, rooms, data) on
  the node it left or on another node, and gets exactly those 50, in order, each with its offset;
- a Redis outage (AOF on, clean stop, restart with the data) loses no broadcast stored before it,
  and broadcasts during it are refused to the caller (emit answers false; a confirmed emit raises);
- after maxDisconnectionDuration the session key is gone and the client gets a fresh session; a
  client that leaves the namespace on purpose cannot be recovered (its live session is deleted).
"""

from __future__ import annotations

import asyncio
import time

import pytest

from cluster_support import Clients, Cluster, RedisServer, eventually, redis_server_binary, run, wait_redis_state
from e2e_common import wait_until
from raw_recovery_client import RawSession

RECOVERY_MS = "10000"
MISSED = 50


def session_keys(redis) -> list[str]:
    return sorted(k.decode() if isinstance(k, bytes) else k for k in redis.command("KEYS", "sio:session:*"))


def news_numbers(events: list[list]) -> list[int]:
    return [e[1] for e in events if e and e[0] == "news"]


@pytest.mark.parametrize("comeback", ["same node", "other node"])
def test_a_client_away_for_50_broadcasts_recovers_them_all_in_order(cluster, comeback):
    a = cluster.start_node("node-a", "streams", "--recovery", RECOVERY_MS)
    b = cluster.start_node("node-b", "streams", "--recovery", RECOVERY_MS)
    cluster.wait_members(2, "streams")
    target = a if comeback == "same node" else b

    async def scenario():
        async with Clients() as clients:
            publisher = await clients.connect(b, "websocket", "publisher")
            first = await asyncio.to_thread(RawSession, a.port)
            before, answer, welcome = await asyncio.to_thread(first.connect)
            assert before == [] and set(answer) == {"sid", "pid"}, answer
            sid, pid = answer["sid"], answer["pid"]
            assert isinstance(welcome[-1], str) and "-" in welcome[-1], f"welcome carries no stream offset: {welcome!r}"
            assert await asyncio.to_thread(first.request, 1, "join", "room") == [True]
            assert await asyncio.to_thread(first.request, 2, "set-data", {"k": 1}) == [True]

            assert await publisher.call_ack("emit-to", {"rooms": ["room"]}, "news", 0) is True
            got = await asyncio.to_thread(first.events_until, lambda e: news_numbers(e) == [0], 5.0)
            news = [e for e in got if e[0] == "news"]
            assert len(news) == 1 and isinstance(news[0][2], str), got
            offset = news[0][2]

            await asyncio.to_thread(first.close)
            await asyncio.sleep(0.3)
            # 50 broadcasts over ~5 s while the client is away, and one to another room.
            for n in range(1, MISSED + 1):
                assert await publisher.call_ack("emit-to", {"rooms": ["room"]}, "news", n) is True
                await asyncio.sleep(0.1)
            assert await publisher.call_ack("emit-to", {"rooms": ["elsewhere"]}, "news", 999) is True

            second = await asyncio.to_thread(RawSession, target.port)
            before, again, _ = await asyncio.to_thread(second.connect, {"pid": pid, "offset": offset})
            assert again == {"sid": sid, "pid": pid}, again
            assert news_numbers(before) == list(range(1, MISSED + 1)), before
            offsets = [e[2] for e in before]
            assert all(isinstance(o, str) for o in offsets) and len(set(offsets)) == MISSED, offsets
            assert await asyncio.to_thread(second.request, 3, "recovered") == [True, {"k": 1}]
            assert await asyncio.to_thread(second.request, 4, "rooms") == [sorted([sid, "room"])]
            # Live again: the next broadcast arrives once, with the next offset.
            assert await publisher.call_ack("emit-to", {"rooms": ["room"]}, "news", MISSED + 1) is True
            got = await asyncio.to_thread(second.events_until, lambda e: MISSED + 1 in news_numbers(e), 5.0)
            assert news_numbers(got) == [MISSED + 1], got
            second.close()

    run(scenario(), timeout=90)


def test_a_redis_outage_loses_nothing_stored_and_refuses_what_comes_during_it(tmp_path, start_server):
    redis = RedisServer(redis_server_binary(), tmp_path, appendonly=True)
    redis.start()
    try:
        cluster = Cluster(redis, start_server)
        a = cluster.start_node("node-a", "streams")
        b = cluster.start_node("node-b", "streams")
        cluster.wait_members(2, "streams")

        async def scenario():
            async with Clients() as clients:
                publisher = await clients.connect(a, "websocket", "publisher")
                near = await clients.connect(a, "websocket", "near")
                far = await clients.connect(b, "polling", "far")
                for client in (near, far):
                    assert await client.call_ack("join", "room") is True

                # A burst stored in the stream, then Redis stops at once (cleanly: AOF on disk).
                for n in range(100):
                    assert await publisher.call_ack("emit-to", {"rooms": ["room"], "confirmed": True}, "burst", n) is True
                await asyncio.to_thread(redis.terminate)
                for node in (a, b):
                    await wait_redis_state(node, lambda s: s != "connected", 10.0)

                # During the outage: refused, and said so.
                assert await publisher.call_ack("emit-to", {"rooms": ["room"]}, "burst", "during") is False
                refused = await publisher.call_ack("emit-to", {"rooms": ["room"], "confirmed": True}, "burst", "during")
                assert refused[0] is False and "redisUnavailable" in refused[1], refused
                await asyncio.sleep(3)

                await asyncio.to_thread(redis.restart)
                for node in (a, b):
                    await wait_redis_state(node, lambda s: s == "connected", 20.0)
                for client in (near, far):
                    ok = await eventually(lambda c=client: len(c.events("burst")) >= 100, 20.0)
                    assert ok, f"{client.name}: {len(client.events('burst'))} of 100 stored broadcasts: {[e[0] for e in client.events('burst')]}; stream length {redis.command('XLEN', 'socket.io')}"
                    assert [e[0] for e in client.events("burst")] == list(range(100)), client.events("burst")

                # And the cluster works again.
                assert await publisher.call_ack("emit-to", {"rooms": ["room"], "confirmed": True}, "after", 1) is True
                for client in (near, far):
                    assert await eventually(lambda c=client: c.events("after") == [[1]], 10.0), client.events("after")

        run(scenario(), timeout=120)
    finally:
        redis.stop()


def test_sessions_expire_after_max_disconnection_duration(cluster, redis_server):
    a = cluster.start_node("node-a", "streams", "--recovery", "1500")
    cluster.wait_members(1, "streams")

    async def scenario():
        first = await asyncio.to_thread(RawSession, a.port)
        _, answer, welcome = await asyncio.to_thread(first.connect)
        pid = answer["pid"]
        key = f"sio:session:{pid}"
        # Kept in Redis while connected (written at connect).
        assert await asyncio.to_thread(wait_until, lambda: key in session_keys(redis_server), 5.0), session_keys(redis_server)
        first.close()
        await asyncio.sleep(2.5)
        assert key not in session_keys(redis_server), "the session outlived maxDisconnectionDuration"
        second = await asyncio.to_thread(RawSession, a.port)
        _, again, _ = await asyncio.to_thread(second.connect, {"pid": pid, "offset": welcome[-1]})
        assert again["sid"] != answer["sid"] and again["pid"] != pid, again
        assert await asyncio.to_thread(second.request, 1, "recovered") == [False, None]
        second.close()

    run(scenario(), timeout=60)


def test_a_client_that_leaves_on_purpose_cannot_be_recovered(cluster, redis_server):
    a = cluster.start_node("node-a", "streams", "--recovery", RECOVERY_MS)
    cluster.wait_members(1, "streams")

    async def scenario():
        first = await asyncio.to_thread(RawSession, a.port)
        _, answer, welcome = await asyncio.to_thread(first.connect)
        key = f"sio:session:{answer['pid']}"
        assert await asyncio.to_thread(wait_until, lambda: key in session_keys(redis_server), 5.0)
        first.send("1")  # a namespace disconnect: not a reason to recover from
        assert await asyncio.to_thread(wait_until, lambda: key not in session_keys(redis_server), 5.0), "live session kept"
        first.close()
        second = await asyncio.to_thread(RawSession, a.port)
        _, again, _ = await asyncio.to_thread(second.connect, {"pid": answer["pid"], "offset": welcome[-1]})
        assert again["sid"] != answer["sid"], again
        second.close()

    run(scenario(), timeout=60)


def test_a_client_recovering_while_broadcasts_keep_coming_gets_each_exactly_once(cluster):
    """The hand-over from the restore's read of the stream to live delivery: broadcasts keep arriving
    (from another node) while the client recovers; missed, caught-up and live ones together are
    every broadcast after its offset, in order, once."""
    a = cluster.start_node("node-a", "streams", "--recovery", RECOVERY_MS)
    b = cluster.start_node("node-b", "streams", "--recovery", RECOVERY_MS)
    cluster.wait_members(2, "streams")
    total = 300

    async def scenario():
        async with Clients() as clients:
            publisher = await clients.connect(a, "websocket", "publisher")
            first = await asyncio.to_thread(RawSession, a.port)
            _, answer, _ = await asyncio.to_thread(first.connect)
            assert await asyncio.to_thread(first.request, 1, "join", "room") == [True]
            assert await publisher.call_ack("emit-to", {"rooms": ["room"]}, "news", 0) is True
            got = await asyncio.to_thread(first.events_until, lambda e: 0 in news_numbers(e), 5.0)
            offset = [e for e in got if e[0] == "news"][0][2]
            first.close()
            await asyncio.sleep(0.3)

            async def publish():
                for n in range(1, total + 1):
                    assert await publisher.call_ack("emit-to", {"rooms": ["room"]}, "news", n) is True
                    await asyncio.sleep(0.003)

            sending = asyncio.create_task(publish())
            await asyncio.sleep(0.3)
            second = await asyncio.to_thread(RawSession, b.port)
            before, again, _ = await asyncio.to_thread(second.connect, {"pid": answer["pid"], "offset": offset})
            assert again["sid"] == answer["sid"], again
            after = await asyncio.to_thread(second.events_until, lambda e: total in news_numbers(e), 20.0)
            await asyncio.wait_for(sending, 30)
            got = news_numbers(before) + news_numbers(after)
            assert got == list(range(1, total + 1)), f"{len(before)} missed, {len(after)} live; gaps or repeats: {got}"
            offsets = [e[2] for e in before + after if e[0] == "news"]
            assert len(set(offsets)) == total, "an offset repeats"
            second.close()

    run(scenario(), timeout=90)
