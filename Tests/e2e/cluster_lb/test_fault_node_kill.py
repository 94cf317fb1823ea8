"""A node SIGKILLed under load: its clients (polling only, WebSocket only, upgraded) reconnect to the
surviving nodes by themselves through HAProxy, while the survivors keep answering every request in
time. Real nodes, Redis and HAProxy (scripts/cluster.sh).

The bounded form runs 18 clients in `make test`; `make fault-test` (FAULT_FULL=1) runs 63. The time
from the kill until the last orphan is connected again is printed (the goal is 5 s; the assertion is
only a generous bound, since the machine is shared).
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid

from cluster_scenario import eventually
from lb_support import NODE_IDS
from test_lb_failures import TRANSPORTS, connect_spread, run

FULL = os.environ.get("FAULT_FULL") == "1"
PER_NODE = 7 if FULL else 2  # clients per node and transport
RECONNECT_BOUND = 30.0


def test_a_killed_node_under_load_loses_no_client(lb_cluster_factory):
    cluster = lb_cluster_factory("sid")
    tags = {cluster.routing_tag(n): n for n in NODE_IDS}
    victim, survivors = "node1", ("node2", "node3")
    run_id = uuid.uuid4().hex[:12]

    async def scenario() -> None:
        by_node = await connect_spread(
            cluster, run_id, TRANSPORTS, per_node=PER_NODE,
            reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1.0, randomization_factor=0.5,
        )
        clients = [c for group in by_node.values() for c in group]
        orphans = by_node[victim]
        dead_sids = {c.sid_now for c in orphans}
        steady = [c for name in survivors for c in by_node[name]]
        stop = asyncio.Event()
        sent = 0
        slowest_ack = 0.0

        async def load() -> None:
            # Broadcasts and echoes from the survivors' clients the whole time: every ack in time.
            nonlocal sent, slowest_ack
            index = 0
            while not stop.is_set():
                client = steady[index % len(steady)]
                index += 1
                started = time.monotonic()
                await client.ack("broadcast", run_id, client.name)
                await client.ack("echo", index)
                slowest_ack = max(slowest_ack, time.monotonic() - started)
                sent += 1
                await asyncio.sleep(0.05)

        try:
            loader = asyncio.create_task(load())
            await asyncio.sleep(1.0)
            killed_at = time.monotonic()
            cluster.kill(victim, signal.SIGKILL)

            def reconnected() -> bool:
                return all(c.connected and c.sid_now not in dead_sids and tags.get(c.tag) in survivors for c in orphans)

            await eventually(reconnected, RECONNECT_BOUND, 0.02)
            took = time.monotonic() - killed_at
            await asyncio.sleep(1.0)
            stop.set()
            await loader
            print(f"{len(clients)} clients, {len(orphans)} on the killed node: all on survivors {took:.2f}s after the kill; "
                  f"{sent} broadcasts and echoes from survivors, slowest pair of acks {slowest_ack:.2f}s")
            assert reconnected(), [(c.name, c.connected, c.sids, c.disconnects) for c in orphans if not c.connected]
            for c in steady:
                assert c.connected and c.connects == 1 and not c.disconnects, f"{c.name}: {c.disconnects}"
        finally:
            stop.set()
            await asyncio.gather(*(c.close() for c in clients))

    run(scenario(), timeout=240)
