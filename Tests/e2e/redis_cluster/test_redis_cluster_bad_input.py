"""A hostile "Redis Cluster node" (a Python RESP server on loopback) under a socketio-fixture node in
sharded mode: CLUSTER SHARDS replies of the wrong shape, with slots, ports or counts out of range, and
MOVED/ASK redirections to garbage slots and addresses. Nothing from it may crash the node or make it
allocate without bound: each case leaves the node serving an unrelated client, with /stats reporting the
Redis link as not connected (the topology is refused) or the redirections dropped.
"""

from __future__ import annotations

import asyncio
import socket
import socketserver
import threading

import pytest

from cluster_support import Clients, run, wait_until
from e2e_common import HOST


def bulk(text: str | bytes) -> bytes:
    data = text.encode() if isinstance(text, str) else text
    return b"$%d\r\n%s\r\n" % (len(data), data)


def array(*items: bytes) -> bytes:
    return b"*%d\r\n" % len(items) + b"".join(items)


def integer(value: int) -> bytes:
    return b":%d\r\n" % value


def node(port: int, ip: str = HOST, role: str = "master") -> bytes:
    return array(bulk("id"), bulk("x" * 40), bulk("port"), integer(port), bulk("ip"), bulk(ip), bulk("endpoint"), bulk(ip),
                 bulk("role"), bulk(role), bulk("health"), bulk("online"))


def shard(slots: list[int], *nodes: bytes) -> bytes:
    return array(bulk("slots"), array(*(integer(s) for s in slots)), bulk("nodes"), array(*nodes))


class FakeClusterNode(socketserver.ThreadingTCPServer):
    """Answers PING/AUTH/CLIENT normally, CLUSTER SHARDS with `shards(port)`, and every other command
    with `other(name)`."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, shards, other):
        super().__init__((HOST, 0), FakeHandler)
        self.shards = shards
        self.other = other
        self.commands: list[str] = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class FakeHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        try:
            while True:
                line = self.rfile.readline()
                if not line:
                    return
                count = int(line[1:])
                args = []
                for _ in range(count):
                    length = int(self.rfile.readline()[1:])
                    args.append(self.rfile.read(length + 2)[:-2].decode(errors="replace"))
                name = " ".join(args[:2]).upper() if args[0].upper() in ("CLUSTER", "PUBSUB") else args[0].upper()
                self.server.commands.append(name)
                if name in ("PING",):
                    reply = b"+PONG\r\n"
                elif name in ("AUTH", "SELECT", "CLIENT"):
                    reply = b"+OK\r\n"
                elif name == "CLUSTER SHARDS":
                    reply = self.server.shards(self.server.port)
                else:
                    reply = self.server.other(name, args)
                self.wfile.write(reply)
                self.wfile.flush()
        except (OSError, ValueError, IndexError):
            return


BAD_TOPOLOGIES = {
    "not-an-array": lambda port: integer(7),
    "shard-not-a-map": lambda port: array(integer(1), integer(2), integer(3)),
    "odd-slot-list": lambda port: array(shard([0], node(port))),
    "slot-out-of-range": lambda port: array(shard([0, 16384], node(port))),
    "slot-range-reversed": lambda port: array(shard([100, 5], node(port))),
    "negative-slot": lambda port: array(shard([-1, 5], node(port))),
    "huge-slot": lambda port: array(shard([0, 2**63 - 1], node(port))),
    "port-zero": lambda port: array(shard([0, 16383], node(0))),
    "port-too-big": lambda port: array(shard([0, 16383], node(70000))),
    "empty-host": lambda port: array(shard([0, 16383], node(port, ip=""))),
    "host-with-spaces": lambda port: array(shard([0, 16383], node(port, ip="a b"))),
    "no-primary": lambda port: array(shard([0, 16383], node(port, role="replica"))),
    "overlapping-shards": lambda port: array(shard([0, 16383], node(port)), shard([5, 6], node(port + 1))),
    "nested-garbage": lambda port: array(array(array(array(array(bulk("slots")))))),
    "error-reply": lambda port: b"-ERR This instance has cluster support disabled\r\n",
}

BAD_REDIRECTS = {
    "moved-garbage-address": b"-MOVED 1 999.999.999.999:99999999\r\n",
    "moved-slot-out-of-range": b"-MOVED 99999 127.0.0.1:6379\r\n",
    "moved-no-address": b"-MOVED 1\r\n",
    "moved-to-port-zero": b"-MOVED 1 127.0.0.1:0\r\n",
    "ask-garbage": b"-ASK x y:z\r\n",
    "moved-long": b"-MOVED 1 " + b"a" * 4000 + b":1\r\n",
}


def start_fixture(start_server, port: int):
    server = start_server("--redis", f"redis-cluster://{HOST}:{port}", "--adapter", "sharded", "--node-id", "victim",
                          "--request-timeout", "500", name="socketio-fixture")
    server.node_id = "victim"
    return server


async def still_serves(server) -> None:
    async with Clients() as clients:
        client = await clients.connect(server, "websocket", "bystander")
        assert await client.call_ack("echo", "still here") == "still here"


@pytest.mark.parametrize("case", sorted(BAD_TOPOLOGIES))
def test_a_bad_topology_is_refused_and_the_node_keeps_serving(start_server, case):
    fake = FakeClusterNode(BAD_TOPOLOGIES[case], lambda name, args: b"-ERR unexpected\r\n")
    try:
        server = start_fixture(start_server, fake.port)
        assert wait_until(lambda: fake.commands.count("CLUSTER SHARDS") >= 2, 10.0), f"{case}: asked {fake.commands!r}"
        stats = server.stats()
        assert stats["redis"] == "connecting" and stats["redisLinks"] == {}, f"{case}: {stats!r}"
        run(still_serves(server), timeout=30)
        assert server.alive()
    finally:
        fake.stop()


@pytest.mark.parametrize("case", sorted(BAD_REDIRECTS))
def test_bad_redirections_are_dropped_and_the_node_keeps_serving(start_server, case):
    redirect = BAD_REDIRECTS[case]

    def other(name, args):
        if name in ("SSUBSCRIBE", "SPUBLISH", "SET", "GET", "DEL", "PUBSUB SHARDNUMSUB"):
            return redirect
        return b"-ERR unexpected\r\n"

    fake = FakeClusterNode(lambda port: array(shard([0, 16383], node(port))), other)
    try:
        server = start_fixture(start_server, fake.port)
        # socketio-node also registers in the node directory: SET/GET routed by slot, redirected to nowhere.
        member = start_server("--redis", f"redis-cluster://{HOST}:{fake.port}", "--adapter", "sharded", name="socketio-node")
        assert wait_until(lambda: "SSUBSCRIBE" in fake.commands and "SET" in fake.commands, 10.0), f"{case}: {fake.commands[:8]!r}\n{server.log_tail()}"

        async def scenario():
            async with Clients() as clients:
                client = await clients.connect(server, "websocket", "publisher")
                assert await client.call_ack("join", "room") is True
                # Broadcasts go out as SPUBLISH and come back redirected to nowhere.
                for n in range(20):
                    assert await client.call_ack("emit-to", {"rooms": ["room"]}, "tick", n) is True
                await asyncio.sleep(0.5)
            await still_serves(server)

        run(scenario(), timeout=60)
        assert "SPUBLISH" in fake.commands, fake.commands
        assert server.alive() and member.alive()
        with socket.create_connection((HOST, member.port), timeout=5) as conn:
            conn.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
            assert conn.recv(64).startswith(b"HTTP/1.")
    finally:
        fake.stop()
