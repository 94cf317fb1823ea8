"""Tools of the Redis-channel bad-input table (test_cluster_bad_input.py): a 2-node cluster of
socketio-node processes on one real redis-server, a client on each node joined to one chat room, a
MessagePack writer (Tests/e2e/msgpack_writer.py) for well-formed and deliberately broken messages, and the after-case check:
both nodes alive, both clients still connected, a chat message still crosses from one node to the
other, and the expected drop counted on every node.
"""

from __future__ import annotations

import re
import threading
import urllib.request
from pathlib import Path
from typing import Any, Optional

import socketio

from cluster_support import RespClient, RedisServer
from msgpack_writer import Raw, msgpack  # noqa: F401  (the table's encoder)
from e2e_common import HOST, ChildProcess, free_port, package_binary, wait_until

NAMESPACE = "/chat"
ROOM = "r"
INTERNAL_ROOM = "chat:" + ROOM  # the node's chat handlers keep chat rooms under this name
DROP_METRIC = re.compile(r'^socketio_redis_messages_dropped_total\{reason="(\w+)"\} (\d+)', re.M)


# --------------------------------------------------------------------------------------------
# Nodes and clients
# --------------------------------------------------------------------------------------------


class Node(ChildProcess):
    """socketio-node --redis … --adapter mode on a free port."""

    def __init__(self, redis: RedisServer, mode: str, node_id: str, workdir: Path):
        self.port = free_port()
        self.node_id = node_id
        command = [str(package_binary("socketio-node")), "--host", HOST, "--port", str(self.port),
                   "--redis", redis.url, "--adapter", mode, "--node-id", node_id]
        super().__init__(command, workdir / f"{node_id}.log")

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def get(self, path: str) -> Optional[str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=3) as response:
                return response.read().decode()
        except OSError:
            return None

    def drops(self) -> dict[str, int]:
        text = self.get("/metrics")
        assert text is not None, f"{self.node_id}: /metrics does not answer\n{self.log()}"
        return {reason: int(count) for reason, count in DROP_METRIC.findall(text)}


class ChatClient:
    """A python-socketio client in /chat on one node, joined to the room; records chat and other events."""

    def __init__(self, node: Node):
        self.node = node
        self.events: list[tuple[str, list]] = []
        self.lock = threading.Lock()
        self.disconnected = threading.Event()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._record, namespace=NAMESPACE)
        self.client.on("disconnect", lambda *args: self.disconnected.set(), namespace=NAMESPACE)
        self.client.connect(node.url, namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=10)
        answer = self.client.call("join", ROOM, namespace=NAMESPACE, timeout=5)
        assert answer == {"ok": True, "room": ROOM}, answer

    def _record(self, event: str, *args: Any) -> None:
        with self.lock:
            self.events.append((event, list(args)))

    def received(self, event: str, predicate=lambda args: True) -> bool:
        with self.lock:
            return any(name == event and predicate(args) for name, args in self.events)

    def chat(self, text: str) -> None:
        answer = self.client.call("chat", {"text": text, "room": ROOM}, namespace=NAMESPACE, timeout=5)
        assert isinstance(answer, dict) and answer.get("ok") is True, answer

    def close(self) -> None:
        self.client.disconnect()


class Cluster:
    """redis-server, two nodes in one adapter mode, one client on each node in the room."""

    def __init__(self, redis: RedisServer, mode: str, workdir: Path):
        self.redis = redis
        self.mode = mode
        self.nodes = [Node(redis, mode, f"{mode}-{index}", workdir) for index in (1, 2)]
        self.clients: list[ChatClient] = []
        self.rounds = 0
        for node in self.nodes:
            assert wait_until(lambda: node.get("/readyz") is not None, 20), f"{node.node_id} not ready\n{node.log()}"
        # Classic nodes take broadcasts through a pattern and requests on a channel; sharded nodes use
        # shard channels for both.
        joined = self.main_channel if mode == "sharded" else self.channel("request")
        assert wait_until(lambda: self.subscribers(joined) == 2, 15), "nodes never subscribed"
        self.clients = [ChatClient(node) for node in self.nodes]
        if mode == "sharded":
            room_channel = self.main_channel + INTERNAL_ROOM + "#"
            assert wait_until(lambda: self.subscribers(room_channel) == 2, 15), "room channel never subscribed"
        self.resp = RespClient(redis.port)

    @property
    def main_channel(self) -> str:
        return f"socket.io#{NAMESPACE}#"

    def channel(self, kind: str) -> str:
        return {
            "broadcast": self.main_channel,
            "room": self.main_channel + INTERNAL_ROOM + "#",
            "request": f"socket.io-request#{NAMESPACE}#",
            "response": f"socket.io-response#{NAMESPACE}#",
        }[kind]

    def subscribers(self, channel: str) -> int:
        if self.mode == "sharded":
            reply = self.redis.command("PUBSUB", "SHARDNUMSUB", channel)
        else:
            reply = self.redis.command("PUBSUB", "NUMSUB", channel)
        return int(reply[1])

    def publish(self, kind: str, payload: bytes) -> int:
        """Publishes `payload` as an emitter would; returns how many subscribers Redis delivered it to."""
        command = "SPUBLISH" if self.mode == "sharded" else "PUBLISH"
        return int(self.resp.command(command, self.channel(kind), payload))

    def drops(self) -> list[dict[str, int]]:
        return [node.drops() for node in self.nodes]

    def check_delivering(self, case: str) -> None:
        """Both nodes alive, both clients connected, and a chat message from each client reaches the
        client on the other node."""
        for node in self.nodes:
            assert node.alive(), f"{case}: {node.node_id} exited with {node.process.returncode}\n{node.log()}"
        for client in self.clients:
            assert not client.disconnected.is_set(), f"{case}: the client on {client.node.node_id} was disconnected"
        self.rounds += 1
        for index, sender in enumerate(self.clients):
            text = f"{case}-{self.rounds}-{index}"
            sender.chat(text)
            for receiver in self.clients:
                assert wait_until(lambda: receiver.received("chat", lambda args: args and args[0].get("text") == text), 5), (
                    f"{case}: {text!r} never reached the client on {receiver.node.node_id}")

    def close(self) -> None:
        for client in self.clients:
            client.close()
        self.resp.close()
        for node in self.nodes:
            node.stop()
