"""What clients see through HAProxy when a node dies (SIGKILL), when Redis goes away, and when a node
shuts down gracefully (SIGTERM with --shutdown-delay)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid

import aiohttp

from cluster_scenario import LbClient, eventually, scrape_all
from lb_support import (
    NODE_IDS,
    expect_session_unknown,
    handshake,
    http_status,
    polling_url,
    wait_until,
)

TRANSPORTS = ("polling", "websocket", "upgrade")
DELIVERY_TIMEOUT = 15.0
QUIET_PERIOD = 1.0


def run(coro, timeout: float = 90.0):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def crashed_nodes(cluster, names) -> str:
    """'' while every one of `names` runs, else what their logs say about the crash."""
    return cluster.crash_report(names)


async def connect_spread(cluster, run_id: str, transports, per_node: int, **client_args) -> dict[str, list[LbClient]]:
    """Connects clients through the balancer, one at a time, until every node holds `per_node` clients
    of every transport in `transports` (extra ones are kept). Returns node -> clients."""
    tags = {cluster.routing_tag(n): n for n in NODE_IDS}
    by_node: dict[str, list[LbClient]] = {n: [] for n in NODE_IDS}
    opened: list[LbClient] = []

    def placed(transport: str) -> bool:
        return all(sum(1 for c in by_node[n] if c.transport_mode == transport) >= per_node for n in NODE_IDS)

    try:
        for transport in transports:
            for attempt in range(per_node * len(NODE_IDS) * 4):
                if placed(transport):
                    break
                client = LbClient(f"{transport}-{attempt}", transport, run_id, **client_args)
                opened.append(client)
                await client.open(cluster.lb_url)
                assert client.tag in tags, f"{client.name}: sid {client.sid_now} names no node {tags}"
                by_node[tags[client.tag]].append(client)
            assert placed(transport), f"could not place {per_node} {transport} client(s) on every node: {by_node}"
    except BaseException:
        await asyncio.gather(*(c.close() for c in opened))
        raise
    return by_node


def test_killed_node_clients_reconnect_elsewhere_and_its_sids_are_unknown(lb_cluster_factory):
    cluster = lb_cluster_factory("sid")
    tags = {cluster.routing_tag(n): n for n in NODE_IDS}
    victim, survivors = "node1", ("node2", "node3")
    run_id = uuid.uuid4().hex[:12]

    async def scenario() -> None:
        by_node = await connect_spread(
            cluster, run_id, TRANSPORTS, per_node=1,
            reconnection=True, reconnection_delay=0.2, reconnection_delay_max=0.5, randomization_factor=0,
        )
        clients = [c for group in by_node.values() for c in group]
        try:
            await asyncio.gather(*(c.join(f"{run_id}-all") for c in clients))
            orphans = by_node[victim]
            dead_sids = [c.sid_now for c in orphans]
            assert {c.transport_mode for c in orphans} == set(TRANSPORTS)

            cluster.kill(victim, signal.SIGKILL)
            try:
                await after_the_kill(clients, by_node, orphans, dead_sids)
            except Exception as error:
                crashes = crashed_nodes(cluster, survivors)
                if crashes:
                    raise AssertionError(f"{error!r}\n{crashes}") from error
                raise
        finally:
            await asyncio.gather(*(c.close() for c in clients))

    async def after_the_kill(clients, by_node, orphans, dead_sids) -> None:
        # Requests for the dead node's sessions: 400 Session ID unknown, fast, through the balancer
        # (before and after HAProxy notices) and directly at a live node (which would forward them).
        dead = dead_sids[0]
        for method in ("GET", "POST"):
            await asyncio.to_thread(expect_session_unknown, method, polling_url(cluster.lb_url, dead), 0.5)
            for name in survivors:
                await asyncio.to_thread(expect_session_unknown, method, polling_url(cluster.node_urls[name], dead), 0.5)
        assert not crashed_nodes(cluster, survivors), crashed_nodes(cluster, survivors)

        # Its clients reconnect through HAProxy, to the other nodes.
        def reconnected() -> bool:
            return all(c.connected and c.sid_now not in dead_sids and c.tag in tags for c in orphans)

        await eventually(reconnected, 20)
        assert reconnected(), (
            f"clients of {victim} did not reconnect: "
            + repr([(c.name, c.connected, c.sids, c.disconnects) for c in orphans])
            + crashed_nodes(cluster, survivors)
        )
        for c in orphans:
            assert tags[c.tag] in survivors, f"{c.name} reconnected to {tags[c.tag]} ({c.sid_now})"
            assert c.disconnects, f"{c.name} never saw its session end"
        # Clients of the other nodes were not disturbed.
        for name in survivors:
            for c in by_node[name]:
                assert c.connects == 1 and not c.disconnects and c.connected, f"{c.name}: {c.disconnects}"

        # A reconnected client starts a new session: it joins its room again, and broadcasts reach
        # everyone again, from every surviving node and from a reconnected client.
        await asyncio.gather(*(c.join(f"{run_id}-all") for c in orphans))
        senders = [by_node["node2"][0], by_node["node3"][0], orphans[0]]
        await asyncio.gather(*(s.ack("broadcast", run_id, s.name) for s in senders))
        await asyncio.gather(*(s.ack("to-room", f"{run_id}-all", run_id, "all", s.name) for s in senders))
        expected = sorted(s.name for s in senders)

        def delivered() -> bool:
            return all(len(c.broadcasts) >= 3 and len(c.room_messages) >= 3 for c in clients)

        await eventually(delivered, DELIVERY_TIMEOUT)
        await asyncio.sleep(QUIET_PERIOD)
        for c in clients:
            assert sorted(c.broadcasts) == expected, f"{c.name} ({c.sid_now}): broadcasts {c.broadcasts}"
            assert sorted(s for _, s in c.room_messages) == expected, f"{c.name}: room messages {c.room_messages}"

        # Once HAProxy marked the node down, its sids still get the same fast answer.
        states = await asyncio.to_thread(
            wait_until, lambda: cluster.haproxy_states().get(f"nodes/{victim}") not in (None, "UP") and cluster.haproxy_states(), 10
        )
        assert states, f"HAProxy never marked {victim} down: {cluster.haproxy_states()}"
        for sid in dead_sids:
            await asyncio.to_thread(expect_session_unknown, "GET", polling_url(cluster.lb_url, sid), 0.5)
        assert not crashed_nodes(cluster, survivors), crashed_nodes(cluster, survivors)

    run(scenario())


def test_redis_outage_local_delivery_continues_through_the_balancer(lb_cluster_factory):
    cluster = lb_cluster_factory("sid")
    run_id = uuid.uuid4().hex[:12]

    async def scenario() -> None:
        by_node = await connect_spread(cluster, run_id, ("polling", "websocket"), per_node=1)
        clients = [c for group in by_node.values() for c in group]
        try:
            room = f"{run_id}-room"
            await asyncio.gather(*(c.join(room) for c in clients))

            cluster.kill("redis", signal.SIGKILL)

            # Every node reports not ready; HAProxy then routes to the *_live entries (same processes,
            # checked on /healthz), still by routing tag.
            def nodes_not_ready() -> bool:
                return all(http_status(url + "/readyz") == 503 for url in cluster.node_urls.values())

            assert await asyncio.to_thread(wait_until, nodes_not_ready, 15), "nodes kept answering /readyz 200 without Redis"

            def haproxy_on_backups():
                states = cluster.haproxy_states()
                ok = all(states.get(f"nodes/{n}") == "DOWN" and states.get(f"nodes/{n}_live") == "UP" for n in NODE_IDS)
                return states if ok else None

            states = await asyncio.to_thread(wait_until, haproxy_on_backups, 15, 0.2)
            assert states, f"HAProxy did not switch to the /healthz entries: {cluster.haproxy_states()}"

            # A room message sent on node1 reaches node1's clients (both transports, through HAProxy)
            # and nobody else: cross-node delivery needs Redis.
            sender = by_node["node1"][0]
            await sender.ack("to-room", room, run_id, room, sender.name)
            local = by_node["node1"]
            await eventually(lambda: all(c.room_messages for c in local), DELIVERY_TIMEOUT)
            await asyncio.sleep(QUIET_PERIOD)
            for c in local:
                assert c.room_messages == [(room, sender.name)], f"{c.name}: {c.room_messages}"
            for name in ("node2", "node3"):
                for c in by_node[name]:
                    assert c.room_messages == [], f"{c.name} on {name} got {c.room_messages} without Redis"
            for c in clients:
                assert c.connected and c.connects == 1 and not c.disconnects, f"{c.name}: {c.disconnects}"

            # New clients still get a session through the balancer.
            assert (await asyncio.to_thread(handshake, cluster.lb_url))[:4] in {cluster.routing_tag(n) for n in NODE_IDS}
        finally:
            await asyncio.gather(*(c.close() for c in clients))

    run(scenario())


def test_graceful_shutdown_drains_behind_the_balancer(lb_cluster_factory):
    delay = 6.0
    cluster = lb_cluster_factory("sid", f"--bench-handlers --shutdown-delay {delay:g}s")
    tags = {cluster.routing_tag(n): n for n in NODE_IDS}
    leaving, staying = "node1", ("node2", "node3")
    run_id = uuid.uuid4().hex[:12]

    async def scenario() -> None:
        by_node = await connect_spread(
            cluster, run_id, ("polling", "websocket", "upgrade"), per_node=1,
            reconnection=True, reconnection_delay=0.2, reconnection_delay_max=0.5, randomization_factor=0,
        )
        clients = [c for group in by_node.values() for c in group]
        try:
            drained = by_node[leaving]
            old_sids = [c.sid_now for c in drained]
            pid = cluster.pid(leaving)
            cluster.killed.add(leaving)
            os.kill(pid, signal.SIGTERM)
            started = time.monotonic()

            # /readyz answers 503 at once: HAProxy takes the node out of the handshake rotation...
            def out_of_rotation():
                states = cluster.haproxy_states()
                return states if states.get(f"nodes/{leaving}") == "DOWN" and states.get(f"nodes/{leaving}_live") == "UP" else None

            assert await asyncio.to_thread(wait_until, out_of_rotation, delay - 0.5, 0.05), cluster.haproxy_states()
            owners = [tags[(await asyncio.to_thread(handshake, cluster.lb_url))[:4]] for _ in range(4)]
            assert leaving not in owners, owners

            # ...while its own sessions still reach it (through node1_live), with nothing forwarded.
            sender = next(c for c in drained if c.transport_mode == "polling")
            await sender.ack("broadcast", run_id, sender.name)
            await eventually(lambda: all(c.broadcasts for c in clients), DELIVERY_TIMEOUT)
            assert all(c.broadcasts == [sender.name] for c in clients), {c.name: c.broadcasts for c in clients}
            assert time.monotonic() - started < delay, "the check ran past the shutdown delay"
            assert all(c.connects == 1 and not c.disconnects for c in drained)

            # When the delay is over the node closes its clients at the transport level only (a held
            # poll gets a noop and the session is gone; a WebSocket gets 1001), with no Engine.IO
            # close packet and no Socket.IO DISCONNECT: every client, polling ones included,
            # reconnects by itself, through the balancer, to the other nodes.
            await eventually(lambda: all(c.disconnects for c in drained), delay + 10)
            assert all(c.disconnects for c in drained), [(c.name, c.sids, c.disconnects) for c in drained]

            def moved() -> bool:
                return all(c.connected and c.sid_now not in old_sids and tags.get(c.tag) in staying for c in drained)

            await eventually(moved, 15)
            assert moved(), [(c.name, c.sids, c.disconnects) for c in drained]
            assert await asyncio.to_thread(wait_until, lambda: not cluster.alive(leaving), 15), f"{leaving} did not exit"
            for name in staying:
                for c in by_node[name]:
                    assert c.connects == 1 and not c.disconnects, f"{c.name}: {c.disconnects}"
            async with aiohttp.ClientSession() as session:
                metrics = await scrape_all(session, {n: cluster.node_urls[n] for n in staying})
            forwarded = {n: m.value("socketio_forwarded_requests_total") + m.value("socketio_forwarded_upgrades_total") for n, m in metrics.items()}
            assert forwarded == {n: 0 for n in staying}, forwarded
        finally:
            await asyncio.gather(*(c.close() for c in clients))

    run(scenario())
