#!/usr/bin/env python3
"""The cluster end-to-end scenario, pointed at a load balancer in front of socketio-node processes.

One body, two users: the pytest tests of this directory (a local cluster started with
scripts/cluster.sh) and the `tests` service of docker/docker-compose.yml (the real deployment):

    python cluster_scenario.py --url http://haproxy:8080 \
        --node http://node1:3000 --node http://node2:3000 --node http://node3:3000 --mode sid

What it checks (the nodes must run with --bench-handlers):
  - 3 x N python-socketio clients (N polling only, N WebSocket only, N polling-then-upgrade) connect
    through the balancer;
  - each client's session lives on one node: the routing tag of its Engine.IO sid
    (client.eio.sid[:4]) names one of the nodes (tags are learnt by a handshake made directly at each
    node), the sid stays the same until the end, and each node's socketio_sockets{namespace="/"}
    grew by exactly the number of clients whose tag is its own;
  - every client joins two rooms; every client emits `broadcast` and `to-room`; every client receives
    every broadcast once, and exactly the room messages of its rooms, whichever node sent them;
  - no client is disconnected, no node answered `Session ID unknown` (socketio_engine_errors_total
    code 1) and no forward failed;
  - mode sid: no request was forwarded (the balancer routed every sid to its owner);
    mode roundrobin: some node forwarded requests to the owner (socketio_forwarded_requests_total).

Needs python-socketio and aiohttp only (no pytest). Every wait is bounded. With
SCENARIO_ENGINEIO_LOG=1 each client logs its Engine.IO traffic through the `logging` module.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import aiohttp
import socketio
from engineio import payload as engineio_payload

# python-engineio refuses polling payloads of more than 16 packets by default (a client-side guard,
# miguelgrinberg/python-engineio#142). Servers batch every queued packet into one polling answer, as
# the reference server does: with 30 clients broadcasting at once a polling client gets ~30 packets
# in one answer. Raise the client's limit so it reads what any Socket.IO v4 server may send.
engineio_payload.Payload.max_decode_packets = 500

TRANSPORTS: dict[str, Optional[list[str]]] = {
    "polling": ["polling"],
    "websocket": ["websocket"],
    "upgrade": None,  # polling first, then upgrade to WebSocket
}
TAG_LENGTH = 4
CONNECT_TIMEOUT = 20.0
ACK_TIMEOUT = 15.0
DELIVERY_TIMEOUT = 20.0
UPGRADE_TIMEOUT = 15.0
HTTP_TIMEOUT = 5.0
QUIET_PERIOD = 0.5


class ScenarioError(AssertionError):
    pass


def check(condition: Any, message: str) -> None:
    if not condition:
        raise ScenarioError(message)


async def eventually(probe: Callable[[], Any], timeout: float, interval: float = 0.05) -> Any:
    """Calls probe (sync or async) until it returns something truthy or timeout passes; returns the
    last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if asyncio.iscoroutine(value):
            value = await value
        if value or time.monotonic() >= deadline:
            return value
        await asyncio.sleep(interval)


# ------------------------------------------------------------------------------------------------
# HTTP: metrics, readiness, raw Engine.IO requests
# ------------------------------------------------------------------------------------------------


def parse_metrics(text: str) -> list[tuple[str, dict[str, str], float]]:
    """Prometheus text format -> [(name, labels, value)]."""
    samples = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        head, _, value = line.rpartition(" ")
        name, labels = head, {}
        if "{" in head:
            name, _, rest = head.partition("{")
            for pair in rest.rstrip("}").split('",'):
                if "=" in pair:
                    key, _, val = pair.partition("=")
                    labels[key.strip().strip(",")] = val.strip().strip('"')
        try:
            samples.append((name, labels, float(value)))
        except ValueError:
            continue
    return samples


class Metrics:
    def __init__(self, samples: list[tuple[str, dict[str, str], float]]):
        self.samples = samples

    def value(self, name: str, **labels: str) -> float:
        """Sum of the samples of `name` whose labels include `labels`."""
        return sum(v for n, l, v in self.samples if n == name and all(l.get(k) == w for k, w in labels.items()))


async def http_get(session: aiohttp.ClientSession, url: str, timeout: float = HTTP_TIMEOUT) -> tuple[int, str]:
    async with session.get(url, timeout=aiohttp.ClientTimeout(total=timeout)) as response:
        return response.status, await response.text()


async def scrape(session: aiohttp.ClientSession, node_url: str) -> Metrics:
    status, body = await http_get(session, node_url.rstrip("/") + "/metrics")
    check(status == 200, f"GET {node_url}/metrics answered {status}: {body[:200]!r}")
    return Metrics(parse_metrics(body))


async def scrape_all(session: aiohttp.ClientSession, nodes: dict[str, str]) -> dict[str, Metrics]:
    results = await asyncio.gather(*(scrape(session, url) for url in nodes.values()))
    return dict(zip(nodes.keys(), results))


async def discover_tags(session: aiohttp.ClientSession, nodes: dict[str, str]) -> dict[str, str]:
    """routing tag -> node name, learnt from a polling handshake made directly at each node (the
    session is closed right away with a close packet)."""
    tags: dict[str, str] = {}
    for name, url in nodes.items():
        base = url.rstrip("/") + "/socket.io/?EIO=4&transport=polling"
        status, body = await http_get(session, base)
        check(status == 200 and body.startswith("0"), f"handshake at {name} ({url}) failed: {status} {body[:200]!r}")
        sid = json.loads(body[1:])["sid"]
        async with session.post(
            f"{base}&sid={sid}", data="1", headers={"Content-Type": "text/plain;charset=UTF-8"},
            timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT),
        ) as response:
            await response.read()
        tag = sid[:TAG_LENGTH]
        check(tag not in tags, f"nodes {tags.get(tag)} and {name} mint sids with the same routing tag {tag!r}")
        tags[tag] = name
    return tags


async def wait_ready(session: aiohttp.ClientSession, urls: list[str], timeout: float) -> None:
    """Waits until GET <url>/readyz answers 200 for every url."""

    async def ready(url: str) -> bool:
        try:
            status, _ = await http_get(session, url.rstrip("/") + "/readyz", timeout=2)
            return status == 200
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
            return False

    async def all_ready() -> bool:
        return all(await asyncio.gather(*(ready(u) for u in urls)))

    check(await eventually(all_ready, timeout, interval=0.25), f"not ready within {timeout}s: {urls}")


# ------------------------------------------------------------------------------------------------
# Clients
# ------------------------------------------------------------------------------------------------


class LbClient(socketio.AsyncClient):
    """A python-socketio client that records the `broadcast` and `to-room` events of one run, its
    disconnects and its connects."""

    def __init__(self, name: str, transport: str, run_id: str, **kwargs: Any):
        kwargs.setdefault("reconnection", False)
        if os.environ.get("SCENARIO_ENGINEIO_LOG"):
            kwargs.setdefault("engineio_logger", logging.getLogger(f"engineio.{name}"))
        super().__init__(handle_sigint=False, request_timeout=10, **kwargs)
        self.name = name
        self.transport_mode = transport
        self.run_id = run_id
        self.broadcasts: list[str] = []
        self.room_messages: list[tuple[str, str]] = []
        self.disconnects: list[Any] = []
        self.connects = 0
        self.sids: list[str] = []
        self.rooms: list[str] = []
        self.on("broadcast", self._on_broadcast)
        self.on("to-room", self._on_to_room)
        self.on("disconnect", self._on_disconnect)
        self.on("connect", self._on_connect)

    def __repr__(self) -> str:
        return f"<{self.name} {self.sid_now}>"

    def _on_broadcast(self, run_id: Any = None, sender: Any = None, *rest: Any) -> None:
        if run_id == self.run_id:
            self.broadcasts.append(sender)

    def _on_to_room(self, run_id: Any = None, room: Any = None, sender: Any = None, *rest: Any) -> None:
        if run_id == self.run_id:
            self.room_messages.append((room, sender))

    def _on_disconnect(self, reason: Any = None) -> None:
        self.disconnects.append(reason)

    def _on_connect(self) -> None:
        self.connects += 1
        if self.eio.sid:
            self.sids.append(self.eio.sid)

    @property
    def sid_now(self) -> Optional[str]:
        return self.eio.sid if self.eio is not None else None

    @property
    def tag(self) -> str:
        return (self.sid_now or "")[:TAG_LENGTH]

    async def open(self, url: str) -> None:
        try:
            await asyncio.wait_for(
                self.connect(url, transports=TRANSPORTS[self.transport_mode], wait_timeout=CONNECT_TIMEOUT),
                CONNECT_TIMEOUT + 5,
            )
        except (socketio.exceptions.ConnectionError, asyncio.TimeoutError) as error:
            raise ScenarioError(f"{self.name} ({self.transport_mode}) could not connect through {url}: {error!r}") from None
        if self.transport_mode == "upgrade":
            await eventually(lambda: self.transport() == "websocket", UPGRADE_TIMEOUT)
        expected = "polling" if self.transport_mode == "polling" else "websocket"
        check(self.transport() == expected, f"{self.name}: transport is {self.transport()!r}, expected {expected!r}")

    async def ack(self, event: str, *args: Any) -> Any:
        try:
            return await self.call(event, args, timeout=ACK_TIMEOUT)
        except socketio.exceptions.TimeoutError:
            raise ScenarioError(
                f"{self.name} ({self.transport_mode}, sids {self.sids}): no ack for {event!r}{args!r} within "
                f"{ACK_TIMEOUT}s; connected={self.connected}, disconnects={self.disconnects}"
            ) from None

    async def join(self, room: str) -> None:
        await self.ack("join", room)
        if room not in self.rooms:
            self.rooms.append(room)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.disconnect(), 10)


@dataclass
class ScenarioReport:
    clients_per_node: dict[str, int] = field(default_factory=dict)
    transports_per_node: dict[str, dict[str, int]] = field(default_factory=dict)
    forwarded_requests: dict[str, float] = field(default_factory=dict)
    forwarded_upgrades: dict[str, float] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        lines = [f"routing tags: {self.tags}"]
        for node in sorted(self.clients_per_node):
            lines.append(
                f"  {node}: {self.clients_per_node[node]} clients {self.transports_per_node.get(node, {})}, "
                f"forwarded requests {self.forwarded_requests.get(node, 0):.0f}, "
                f"forwarded upgrades {self.forwarded_upgrades.get(node, 0):.0f}"
            )
        lines.append(f"scenario took {self.seconds:.1f}s")
        return "\n".join(lines)


def expected_room_messages(clients: list[LbClient], sends: list[tuple[LbClient, str]]) -> dict[str, list[tuple[str, str]]]:
    expected: dict[str, list[tuple[str, str]]] = {c.name: [] for c in clients}
    for sender, room in sends:
        for c in clients:
            if room in c.rooms:
                expected[c.name].append((room, sender.name))
    return expected


async def run_scenario(
    lb_url: str,
    nodes: dict[str, str],
    mode: str,
    clients_per_transport: int = 10,
    log: Callable[[str], None] = lambda line: None,
) -> ScenarioReport:
    """Runs the scenario; raises ScenarioError (an AssertionError) on the first violation."""
    check(mode in ("sid", "roundrobin"), f"mode must be sid or roundrobin, not {mode!r}")
    started = time.monotonic()
    report = ScenarioReport()
    run_id = uuid.uuid4().hex[:12]
    async with aiohttp.ClientSession() as session:
        tags = await discover_tags(session, nodes)
        report.tags = tags
        log(f"routing tags: {tags}")
        before = await scrape_all(session, nodes)

        clients = [
            LbClient(f"{transport}-{i}", transport, run_id)
            for transport in TRANSPORTS
            for i in range(clients_per_transport)
        ]
        try:
            # Connect everyone concurrently, through the balancer.
            await asyncio.gather(*(c.open(lb_url) for c in clients))
            log(f"{len(clients)} clients connected through {lb_url}")
            first_sids = {c.name: c.sid_now for c in clients}

            # Each session lives on the node its tag names.
            owners: dict[str, str] = {}
            for c in clients:
                check(c.tag in tags, f"{c.name}: sid {c.sid_now!r} carries tag {c.tag!r}, which names no node ({tags})")
                owners[c.name] = tags[c.tag]
            for node in nodes:
                on_node = [c for c in clients if owners[c.name] == node]
                report.clients_per_node[node] = len(on_node)
                report.transports_per_node[node] = {t: sum(1 for c in on_node if c.transport_mode == t) for t in TRANSPORTS}
            check(
                all(report.clients_per_node[n] > 0 for n in nodes),
                f"handshakes were not spread over every node: {report.clients_per_node}",
            )

            async def sockets_match() -> Optional[dict]:
                now = await scrape_all(session, nodes)
                grown = {
                    n: now[n].value("socketio_sockets", namespace="/") - before[n].value("socketio_sockets", namespace="/")
                    for n in nodes
                }
                return grown if grown == {n: float(report.clients_per_node[n]) for n in nodes} else None

            check(
                await eventually(sockets_match, 10, interval=0.2),
                f"each node should hold the sockets whose sid carries its tag {report.clients_per_node}; "
                f"sockets per node now: "
                + repr({n: m.value('socketio_sockets', namespace='/') for n, m in (await scrape_all(session, nodes)).items()}),
            )

            # Rooms: one of three shared rooms, and one room per transport.
            await asyncio.gather(*(c.join(f"{run_id}-r{i % 3}") for i, c in enumerate(clients)))
            await asyncio.gather(*(c.join(f"{run_id}-{c.transport_mode}") for c in clients))

            # Every client broadcasts once; everyone (sender included) gets every broadcast once.
            await asyncio.gather(*(c.ack("broadcast", run_id, c.name) for c in clients))
            everyone = sorted(c.name for c in clients)

            def all_broadcasts_in() -> bool:
                return all(len(c.broadcasts) >= len(clients) for c in clients)

            await eventually(all_broadcasts_in, DELIVERY_TIMEOUT)
            # Every client sends to one shared room and to the room of another transport.
            transports = list(TRANSPORTS)
            sends: list[tuple[LbClient, str]] = []
            for i, c in enumerate(clients):
                sends.append((c, f"{run_id}-r{(i + 1) % 3}"))
                other = transports[(transports.index(c.transport_mode) + 1) % len(transports)]
                sends.append((c, f"{run_id}-{other}"))
            await asyncio.gather(*(sender.ack("to-room", room, run_id, room, sender.name) for sender, room in sends))
            expected_rooms = expected_room_messages(clients, sends)

            def all_room_messages_in() -> bool:
                return all(len(c.room_messages) >= len(expected_rooms[c.name]) for c in clients)

            await eventually(all_room_messages_in, DELIVERY_TIMEOUT)
            await asyncio.sleep(QUIET_PERIOD)  # duplicates or strays would arrive by now

            for c in clients:
                check(
                    sorted(c.broadcasts) == everyone,
                    f"{c.name} on {owners[c.name]}: expected one broadcast from each of {len(everyone)} clients, "
                    f"got {len(c.broadcasts)}; missing {sorted(set(everyone) - set(c.broadcasts))}, "
                    f"duplicates {sorted({s for s in c.broadcasts if c.broadcasts.count(s) > 1})}",
                )
                check(
                    sorted(c.room_messages) == sorted(expected_rooms[c.name]),
                    f"{c.name} on {owners[c.name]} (rooms {c.rooms}): expected room messages "
                    f"{sorted(expected_rooms[c.name])}, got {sorted(c.room_messages)}",
                )
            log("every broadcast and room message arrived exactly once")

            # Nobody dropped out, and every session stayed where it started.
            for c in clients:
                check(not c.disconnects and c.connected, f"{c.name} was disconnected: {c.disconnects}")
                check(
                    c.sid_now == first_sids[c.name] and c.connects == 1,
                    f"{c.name} changed sessions: {first_sids[c.name]} -> {c.sid_now} ({c.connects} connects)",
                )
                check(tags.get(c.tag) == owners[c.name], f"{c.name}: sid {c.sid_now} moved away from {owners[c.name]}")
        finally:
            await asyncio.gather(*(c.close() for c in clients))

        after = await scrape_all(session, nodes)

    def delta(name: str, node: str, **labels: str) -> float:
        return after[node].value(name, **labels) - before[node].value(name, **labels)

    unknown = {n: delta("socketio_engine_errors_total", n, code="1") for n in nodes}
    failures = {n: delta("socketio_forward_failures_total", n) for n in nodes}
    report.forwarded_requests = {n: delta("socketio_forwarded_requests_total", n) for n in nodes}
    report.forwarded_upgrades = {n: delta("socketio_forwarded_upgrades_total", n) for n in nodes}
    report.seconds = time.monotonic() - started
    log(report.summary())
    check(all(v == 0 for v in unknown.values()), f"nodes answered 'Session ID unknown': {unknown}")
    check(all(v == 0 for v in failures.values()), f"forwards failed: {failures}")
    forwarded = sum(report.forwarded_requests.values()) + sum(report.forwarded_upgrades.values())
    if mode == "sid":
        check(
            forwarded == 0,
            f"the balancer routes by sid, yet nodes forwarded requests {report.forwarded_requests} "
            f"and upgrades {report.forwarded_upgrades}",
        )
    else:
        check(
            sum(report.forwarded_requests.values()) > 0,
            f"round-robin balancing, yet no node forwarded a polling request: {report.forwarded_requests}",
        )
    return report


# ------------------------------------------------------------------------------------------------
# Command line (the compose `tests` service)
# ------------------------------------------------------------------------------------------------


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Cluster end-to-end scenario through a load balancer.")
    parser.add_argument("--url", required=True, help="the balancer, e.g. http://haproxy:8080")
    parser.add_argument(
        "--node", action="append", required=True, metavar="[NAME=]URL",
        help="a node's own URL (repeat for each node), for /metrics and its routing tag",
    )
    parser.add_argument("--mode", choices=["sid", "roundrobin"], default="sid", help="how the balancer routes")
    parser.add_argument("--clients-per-transport", type=int, default=10)
    parser.add_argument("--wait", type=float, default=60.0, help="seconds to wait for the balancer and nodes to be ready")
    parser.add_argument("--timeout", type=float, default=150.0, help="seconds the whole scenario may take")
    args = parser.parse_args(argv)

    nodes: dict[str, str] = {}
    for i, spec in enumerate(args.node, start=1):
        name, _, url = spec.rpartition("=") if "=" in spec.split("://")[0] else ("", "", spec)
        nodes[name or f"node{i}"] = url

    def log(line: str) -> None:
        print(line, flush=True)

    async def scenario() -> ScenarioReport:
        async with aiohttp.ClientSession() as session:
            await wait_ready(session, [args.url, *nodes.values()], args.wait)
        return await run_scenario(args.url, nodes, args.mode, args.clients_per_transport, log=log)

    try:
        asyncio.run(asyncio.wait_for(scenario(), args.timeout + args.wait))
    except ScenarioError as error:
        print(f"FAILED: {error}", file=sys.stderr, flush=True)
        return 1
    except asyncio.TimeoutError:
        print(f"FAILED: the scenario did not finish within {args.timeout + args.wait}s", file=sys.stderr, flush=True)
        return 1
    print("PASSED", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
