"""A cluster member that never answers (classic mode): a raw Redis connection SUBSCRIBEd to the
request channel counts as a node (PUBSUB NUMSUB), so every cluster request waits for it. With
--request-timeout 500 the requests end with the fixture's error answer instead of hanging, and
recover once the silent member is gone.

What the fixture acks when the adapter fails: fetch-sockets and all-rooms ack {"error": <the error>}
(here `requestTimeout`); server-emit-ack and broadcast-ack ack ["timeout", partial answers].
"""

import asyncio
import json

from cluster_support import Clients, RespClient, classic_request_channel, run, wait_until

REQUEST_CHANNEL = classic_request_channel()


def read_requests(phantom: RespClient, wanted_type: int, timeout: float = 3.0) -> list:
    """The request payloads the silent member received, up to the first one of `wanted_type`."""
    phantom.sock.settimeout(timeout)
    seen = []
    while True:
        kind, channel, payload = phantom.reply()
        assert kind == b"message" and channel == REQUEST_CHANNEL.encode(), (kind, channel, payload)
        seen.append(payload)
        if payload[:1] == b"{" and json.loads(payload).get("type") == wanted_type:
            return seen


def test_requests_end_after_the_request_timeout_when_a_node_never_answers(cluster, redis_server):
    a = cluster.start_node("node-a", "classic", "--request-timeout", "500")
    b = cluster.start_node("node-b", "classic", "--request-timeout", "500")
    cluster.wait_members(2, "classic")

    async def scenario():
        async with Clients() as clients:
            a1 = await clients.connect(a, "websocket", "a1")
            b1 = await clients.connect(b, "polling", "b1")
            assert await a1.call_ack("join", "room") is True
            assert await b1.call_ack("join", "room") is True
            everyone = sorted([a1.socket_id, b1.socket_id])

            # healthy two-node cluster
            got = await a1.call_ack("fetch-sockets")
            assert [row["id"] for row in got] == everyone

            phantom = await asyncio.to_thread(RespClient, redis_server.port)
            try:
                reply = await asyncio.to_thread(phantom.command, "SUBSCRIBE", REQUEST_CHANNEL)
                assert reply == [b"subscribe", REQUEST_CHANNEL.encode(), 1]
                assert await asyncio.to_thread(redis_server.numsub, REQUEST_CHANNEL) == 3

                # fetchSockets waits for 2 answers, gets 1, fails after 500 ms with requestTimeout
                # (the ack deadline is generous, but far below the default request timeout of 5 s)
                assert await a1.call_ack("fetch-sockets", timeout=4.0) == {"error": "requestTimeout"}
                assert await b1.call_ack("fetch-sockets", "room", timeout=4.0) == {"error": "requestTimeout"}
                fetch = await asyncio.to_thread(read_requests, phantom, 5)
                assert json.loads(fetch[-1])["type"] == 5

                # allRooms: same
                assert await a1.call_ack("all-rooms", timeout=4.0) == {"error": "requestTimeout"}

                # serverSideEmitWithAck: node B answers, the silent member does not
                status, answers = await a1.call_ack("server-emit-ack", 800, timeout=4.0)
                assert (status, answers) == ("timeout", ["node-b"])
                status, answers = await b1.call_ack("server-emit-ack", 800, timeout=4.0)
                assert (status, answers) == ("timeout", ["node-a"])

                # broadcast with acks: the clients on both nodes answer; the client count of the
                # silent member never comes, so it ends in a timeout with every client ack
                status, acks = await a1.call_ack("broadcast-ack", "room", "ask", 800, timeout=4.0)
                assert status == "timeout" and sorted(acks) == ["a1", "b1"], (status, acks)
            finally:
                await asyncio.to_thread(phantom.close)

            assert await asyncio.to_thread(
                wait_until, lambda: redis_server.numsub(REQUEST_CHANNEL) == 2, 5.0
            ), "the silent member's subscription did not go away"

            # back to normal without the silent member
            got = await a1.call_ack("fetch-sockets")
            assert [row["id"] for row in got] == everyone
            assert await b1.call_ack("server-emit-ack", 2000) == ("ok", ["node-a"])
            status, acks = await b1.call_ack("broadcast-ack", "room", "ask", 2000)
            assert status == "ok" and sorted(acks) == ["a1", "b1"], (status, acks)

            await asyncio.sleep(0.9)  # every ack/request timer of the phase above has fired
            for node in (a, b):
                stats = await asyncio.to_thread(node.stats)
                assert stats["pendingAcks"] == 0 and stats["redis"] == "connected", stats

    run(scenario())
