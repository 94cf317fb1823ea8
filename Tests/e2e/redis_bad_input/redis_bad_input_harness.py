"""Harness of the Redis bad-input suite (test_redis_bad_input_classic.py, test_redis_bad_input_sharded.py).

  msgpack(value)   Tests/e2e/msgpack_writer.py: MessagePack in the smallest forms (as notepack.io writes
                   them); `Raw` splices bytes in as they are and `Ext` writes an extension, so broken
                   headers, odd types and impossible values can sit anywhere in a well-formed message
  Node             one socketio-node process (--redis, --adapter classic|sharded, --bench-handlers,
                   --log-level debug so every drop is logged with its detail), stopped by PID
  Member           a python-socketio client of one node, in `/` (room `g`, bench handlers) and `/chat`
                   (room `r`, chat handlers); records every event and every disconnect
  Listener         a raw RESP connection subscribed to one channel (what a requesting node would hear)
  Cluster          redis-server + 2 nodes + one Member on each; `run_case` publishes one message and
                   checks, on every node, the exact change of socketio_redis_messages_dropped_total{reason}
                   and then that both nodes run and deliver: nobody disconnected, acks answered in both
                   namespaces, chat and to-room cross from each node to the other

Every wait is bounded. Only processes started here are stopped, by PID. A case that kills a node or
disconnects a member is reported, and the cluster is healed (dead node restarted, members reconnected)
so that the following cases are judged on their own.
"""

from __future__ import annotations

import re
import socket
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Union

import socketio

_CLUSTER_SUITE = str(Path(__file__).resolve().parents[1] / "cluster")  # RedisServer, RespClient
if _CLUSTER_SUITE not in sys.path:
    sys.path.append(_CLUSTER_SUITE)
from cluster_support import RedisServer, RespClient, redis_server_binary  # noqa: E402
from e2e_common import HOST, ChildProcess, free_port, package_binary, wait_until  # noqa: E402
from msgpack_writer import Ext, Raw, msgpack  # noqa: E402,F401  (the tables' encoder, shared)

PREFIX = "socket.io"
CHAT = "/chat"  # the chat handlers' namespace
ROOT = "/"  # the bench handlers' namespace (--bench-handlers)
CHAT_ROOM = "r"  # joined with the chat `join` event
CHAT_INTERNAL_ROOM = "chat:" + CHAT_ROOM  # the name the chat handlers give it in the adapter
ROOT_ROOM = "g"  # joined with the bench `join` event
ALLOWED_EVENTS = {"welcome", "chat", "to-room"}  # what members may receive outside a control
DROP_METRIC = re.compile(r'^socketio_redis_messages_dropped_total\{reason="(\w+)"\} (\d+)', re.M)
REASONS = (
    "undecodable", "malformed_envelope", "unknown_type", "invalid_packet", "namespace_mismatch",
    "invalid_options", "invalid_request", "invalid_response",
)
FENCE = b"\xc1"  # never valid MessagePack: counted as undecodable by every node that decodes the channel

READY_TIMEOUT = 20.0
SUBSCRIBE_TIMEOUT = 15.0
COUNT_TIMEOUT = 5.0
EVENT_TIMEOUT = 5.0
ACK_TIMEOUT = 5.0


# --------------------------------------------------------------------------------------------
# RESP subscriber
# --------------------------------------------------------------------------------------------


class Listener:
    """A RESP2 connection subscribed (SUBSCRIBE or SSUBSCRIBE) to one channel; `messages(n, timeout)`
    returns the payloads received, waiting at most `timeout` for `n` of them."""

    def __init__(self, port: int, channel: str, sharded: bool):
        self.sock = socket.create_connection((HOST, port), timeout=5)
        self.buffer = b""
        self.received: list[bytes] = []
        command = "SSUBSCRIBE" if sharded else "SUBSCRIBE"
        data = channel.encode()
        self.sock.sendall(b"*2\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(command), command.encode(), len(data), data))
        deadline = time.monotonic() + 5
        while True:
            reply = self._next(deadline)
            assert reply is not None, f"no {command} confirmation for {channel!r}"
            if isinstance(reply, list) and reply and reply[0] in (b"subscribe", b"ssubscribe"):
                break

    def _parse(self, at: int) -> Optional[tuple[Any, int]]:
        end = self.buffer.find(b"\r\n", at)
        if end < 0:
            return None
        kind, rest = self.buffer[at:at + 1], self.buffer[at + 1:end]
        if kind in (b"+", b"-"):
            return rest, end + 2
        if kind == b":":
            return int(rest), end + 2
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None, end + 2
            if len(self.buffer) < end + 2 + n + 2:
                return None
            return self.buffer[end + 2:end + 2 + n], end + 2 + n + 2
        if kind == b"*":
            items, pos = [], end + 2
            for _ in range(int(rest)):
                parsed = self._parse(pos)
                if parsed is None:
                    return None
                item, pos = parsed
                items.append(item)
            return items, pos
        raise AssertionError(f"unexpected RESP {self.buffer[at:end]!r}")

    def _next(self, deadline: float) -> Any:
        while True:
            parsed = self._parse(0) if self.buffer else None
            if parsed is not None:
                value, used = parsed
                self.buffer = self.buffer[used:]
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except (socket.timeout, TimeoutError):
                return None
            if not chunk:
                return None
            self.buffer += chunk

    def messages(self, count: int, timeout: float) -> list[bytes]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            reply = self._next(deadline)
            if reply is None:
                break
            if isinstance(reply, list) and reply and reply[0] in (b"message", b"smessage"):
                self.received.append(reply[2])
        return list(self.received)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


# --------------------------------------------------------------------------------------------
# Nodes and members
# --------------------------------------------------------------------------------------------


class Node(ChildProcess):
    """socketio-node --redis URL --adapter MODE --node-id ID --bench-handlers on a free port."""

    def __init__(self, redis: RedisServer, mode: str, node_id: str, workdir: Path):
        self.mode = mode
        self.node_id = node_id
        self.port = free_port()
        self.command = [
            str(package_binary("socketio-node")), "--host", HOST, "--port", str(self.port), "--redis", redis.url,
            "--adapter", mode, "--node-id", node_id, "--bench-handlers", "--log-level", "debug",
        ]
        super().__init__(self.command, workdir / f"{node_id}.log")

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def get(self, path: str, timeout: float = 3) -> Optional[str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout) as response:
                return response.read().decode()
        except OSError:
            return None

    def ready(self) -> bool:
        text = self.get("/readyz", timeout=1)
        return text is not None and '"ready"' in text

    def drops(self) -> Optional[dict[str, int]]:
        """socketio_redis_messages_dropped_total by reason (every reason, zeros included); None when
        /metrics does not answer."""
        text = self.get("/metrics")
        if text is None:
            return None
        counts = {reason: 0 for reason in REASONS}
        counts.update({reason: int(count) for reason, count in DROP_METRIC.findall(text)})
        return counts

    def log_tail(self, lines: int = 25) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return f"--- {self.node_id}: no log ---"
        return f"--- {self.node_id} (pid {self.process.pid}) log tail ---\n" + "\n".join(text[-lines:])


class Member:
    """A python-socketio client of one node in `/` and `/chat`, joined to the rooms it is given.
    Every event is recorded as (namespace, event, args) and acknowledged with the member's name."""

    def __init__(self, node: Node, name: str, chat_room: str = CHAT_ROOM, root_room: Optional[str] = ROOT_ROOM):
        self.node = node
        self.name = name
        self.lock = threading.Lock()
        self.events: list[tuple[str, str, list]] = []
        self.disconnects: list[tuple[str, Any]] = []
        self.client = socketio.Client(reconnection=False)
        for namespace in (ROOT, CHAT):
            self.client.on("*", self._recorder(namespace), namespace=namespace)
            self.client.on("disconnect", self._disconnect_recorder(namespace), namespace=namespace)
        try:
            self.client.connect(node.url, namespaces=[ROOT, CHAT], transports=["websocket"], wait_timeout=10)
            assert wait_until(lambda: self.received(CHAT, "welcome"), EVENT_TIMEOUT), f"{name}: no welcome on {node.node_id}"
            self.sid = self.received(CHAT, "welcome")[0][0]["id"]
            answer = self.client.call("join", chat_room, namespace=CHAT, timeout=ACK_TIMEOUT)
            assert answer == {"ok": True, "room": chat_room}, f"{name}: chat join answered {answer!r}"
            if root_room is not None:
                self.client.call("join", root_room, namespace=ROOT, timeout=ACK_TIMEOUT)
        except BaseException:
            self.close()
            raise

    def _recorder(self, namespace: str) -> Callable[..., str]:
        def record(event: str, *args: Any) -> str:
            with self.lock:
                self.events.append((namespace, event, list(args)))
            return self.name
        return record

    def _disconnect_recorder(self, namespace: str) -> Callable[..., None]:
        def record(*args: Any) -> None:
            with self.lock:
                self.disconnects.append((namespace, args[0] if args else None))
        return record

    def received(self, namespace: str, event: str, predicate: Callable[[list], bool] = lambda args: True) -> list[list]:
        with self.lock:
            return [args for ns, name, args in self.events if ns == namespace and name == event and predicate(args)]

    def unexpected(self) -> list[tuple[str, str, list]]:
        with self.lock:
            return [(ns, name, args) for ns, name, args in self.events if name not in ALLOWED_EVENTS]

    def forget(self) -> None:
        with self.lock:
            self.events.clear()

    def connected_everywhere(self) -> bool:
        return self.client.connected and {ROOT, CHAT} <= set(self.client.namespaces) and not self.disconnects

    def call(self, namespace: str, event: str, *args: Any) -> Any:
        data = args[0] if len(args) == 1 else tuple(args)
        try:
            return self.client.call(event, data, namespace=namespace, timeout=ACK_TIMEOUT)
        except socketio.exceptions.TimeoutError:
            raise AssertionError(f"{self.name} on {self.node.node_id}: no ack for {event!r} in {namespace} within {ACK_TIMEOUT}s") from None

    def close(self) -> None:
        try:
            if self.client.connected:
                self.client.disconnect()
        except Exception:  # noqa: BLE001 - best effort at teardown
            pass


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------

Payload = Union[bytes, Callable[["Cluster"], bytes]]


@dataclass
class Case:
    """One message published on one channel.

    channel   a key of Cluster.channel(): main, root, room, root_room, request, root_request, response,
              response_uid0, room_absent, main_no_hash
    payload   bytes, or a function of the cluster (for messages that name a node's uid)
    reason    the drop reason every receiving node counts exactly once; None: nothing is counted (ignored)
    silent    nodes (by index) that count nothing although they receive it (their own uid)
    fence     channel key of the undecodable fence published after it (default: the same channel)
    """

    name: str
    channel: str
    payload: Payload
    reason: Optional[str]
    silent: tuple[int, ...] = ()
    fence: Optional[str] = None
    note: str = ""

    def __repr__(self) -> str:
        return self.name


@dataclass
class Verdict:
    problems: list[str] = field(default_factory=list)
    heal: bool = False


class Cluster:
    """redis-server, two nodes in one adapter mode, one Member on each node."""

    def __init__(self, mode: str, workdir: Path):
        assert mode in ("classic", "sharded", "streams")
        self.mode = mode
        self.sharded = mode == "sharded"
        # The streams adapter: requests and responses on `P#N#` / `P#N#<uid>#` (PUBLISH), broadcasts
        # and membership operations as entries of the stream `P` (the `stream` channel key: XADD).
        self.streams = mode == "streams"
        self.workdir = workdir
        self.redis = RedisServer(redis_server_binary(), workdir)
        self.redis.start()
        self.nodes: list[Node] = []
        self.members: list[Member] = []
        self.uids: list[str] = []
        self.restarts = 0
        self.rounds = 0
        self.resp: Optional[RespClient] = None
        try:
            self.resp = RespClient(self.redis.port)
            for index in (0, 1):
                self.nodes.append(Node(self.redis, mode, f"{mode}-{index}", workdir))
            self._settle()
        except BaseException:
            self.close()
            raise

    # -- channels ------------------------------------------------------------------------------

    def channel(self, key: str) -> str:
        if key == "stream":
            return PREFIX
        if key == "response_uid0":
            return f"{PREFIX}#{CHAT}#{self.uids[0]}#" if self.sharded or self.streams else f"{PREFIX}-response#{CHAT}#{self.uids[0]}#"
        return {
            "main": f"{PREFIX}#{CHAT}#",
            "root": f"{PREFIX}#{ROOT}#",
            "room": f"{PREFIX}#{CHAT}#{CHAT_INTERNAL_ROOM}#",
            "root_room": f"{PREFIX}#{ROOT}#{ROOT_ROOM}#",
            "request": f"{PREFIX}-request#{CHAT}#",
            "root_request": f"{PREFIX}-request#{ROOT}#",
            "response": f"{PREFIX}-response#{CHAT}#",
            "room_absent": f"{PREFIX}#{CHAT}#nosuchroom#",
            "main_no_hash": f"{PREFIX}#{CHAT}#x",
        }[key]

    def receivers(self, key: str) -> tuple[int, ...]:
        """Which nodes Redis hands a message on this channel to."""
        return (0,) if key == "response_uid0" else (0, 1)

    def decoders(self, key: str) -> tuple[int, ...]:
        """Which nodes decode (and so may count) a message on this channel."""
        return () if key in ("room_absent", "main_no_hash") else self.receivers(key)

    def subscribers(self, channel: str) -> int:
        reply = self.redis.command("PUBSUB", "SHARDNUMSUB" if self.sharded else "NUMSUB", channel)
        return int(reply[1])

    def publish(self, key: str, payload: Any) -> int:
        """Publishes `payload` on the channel `key`; for `stream`, appends the entry whose field/value
        list `payload` is. Returns how many nodes get it."""
        if key == "stream":
            self.resp.command("XADD", PREFIX, "MAXLEN", "~", "10000", "*", *payload)
            return len(self.receivers(key))
        return int(self.resp.command("SPUBLISH" if self.sharded else "PUBLISH", self.channel(key), payload))

    def listen(self, channel: str) -> Listener:
        return Listener(self.redis.port, channel, self.sharded)

    # -- state ---------------------------------------------------------------------------------

    def drops(self) -> list[Optional[dict[str, int]]]:
        return [node.drops() for node in self.nodes]

    def logs(self) -> str:
        return "\n".join(node.log_tail() for node in self.nodes)

    def _settle(self) -> None:
        """Waits until both nodes are ready and subscribed, connects the members, learns the uids."""
        for node in self.nodes:
            assert wait_until(lambda: not node.alive() or node.ready(), READY_TIMEOUT) and node.alive(), \
                f"{node.node_id} not ready\n{node.log_tail()}"
        joined = [self.channel("main"), self.channel("root")] if self.sharded or self.streams else [self.channel("request"), self.channel("root_request")]
        for name in joined:
            assert wait_until(lambda: self.subscribers(name) == 2, SUBSCRIBE_TIMEOUT), f"{name}: {self.subscribers(name)} subscriber(s)\n{self.logs()}"
        self.members = []
        for index, node in enumerate(self.nodes):
            self.members.append(Member(node, f"member-{index}"))
        if self.sharded:  # dynamic mode: a channel per room with local members, subscribed after the join
            for name in (self.channel("room"), self.channel("root_room")):
                assert wait_until(lambda: self.subscribers(name) == 2, SUBSCRIBE_TIMEOUT), f"{name}: {self.subscribers(name)} subscriber(s)"
        self._learn_uids()
        for member in self.members:
            member.forget()

    def _learn_uids(self) -> None:
        """Each node's uid in /chat: from its own response channel, told apart by publishing the fence on
        each one and seeing which node counts it."""
        if self.sharded or self.streams:
            command = "SHARDCHANNELS" if self.sharded else "CHANNELS"
            pattern, shape = f"{PREFIX}#{CHAT}#*", re.compile(rf"^{re.escape(PREFIX)}#{re.escape(CHAT)}#([0-9a-f]{{16}})#$")
        else:
            command, pattern, shape = "CHANNELS", f"{PREFIX}-response#{CHAT}#*", re.compile(rf"^{re.escape(PREFIX)}-response#{re.escape(CHAT)}#([A-Za-z0-9]{{6}})#$")
        channels = [c.decode() for c in self.redis.command("PUBSUB", command, pattern)]
        uids = [m.group(1) for m in map(shape.match, channels) if m]
        assert len(uids) == 2, f"expected 2 per-node response channels, Redis lists {channels}"
        owner: dict[int, str] = {}
        for uid in uids:
            channel = f"{PREFIX}#{CHAT}#{uid}#" if self.sharded or self.streams else f"{PREFIX}-response#{CHAT}#{uid}#"
            before = self.drops()
            command_name = "SPUBLISH" if self.sharded else "PUBLISH"
            assert int(self.resp.command(command_name, channel, FENCE)) == 1
            def counted() -> Optional[int]:
                for index, (b, a) in enumerate(zip(before, self.drops())):
                    if a and b and a["undecodable"] == b["undecodable"] + 1:
                        return index + 1
                return None
            found = wait_until(counted, COUNT_TIMEOUT)
            assert found, f"nobody counted the fence on {channel}: {before} -> {self.drops()}"
            owner[found - 1] = uid
        assert set(owner) == {0, 1}, owner
        self.uids = [owner[0], owner[1]]

    # -- the after-case check ---------------------------------------------------------------------

    def check_delivering(self, label: str, verdict: Verdict) -> None:
        """Both nodes alive, both members connected in both namespaces, acks answered, chat (in /chat)
        and to-room (in /) crossing from each node to the other."""
        for node in self.nodes:
            if not node.alive():
                verdict.problems.append(f"{node.node_id} exited with status {node.process.returncode}")
                verdict.heal = True
        for member in self.members:
            if not member.connected_everywhere():
                verdict.problems.append(
                    f"{member.name} on {member.node.node_id} was disconnected: connected={member.client.connected}, "
                    f"namespaces={sorted(member.client.namespaces)}, disconnects={member.disconnects}")
                verdict.heal = True
        if verdict.heal:
            return
        self.rounds += 1
        try:
            for member in self.members:
                token = f"echo-{label}-{self.rounds}"
                answer = member.call(ROOT, "echo", token)
                assert answer == token, f"{member.name}: echo answered {answer!r}"
            for index, sender in enumerate(self.members):
                text = f"{label}-{self.rounds}-{index}"[:500]
                answer = sender.call(CHAT, "chat", {"text": text, "room": CHAT_ROOM})
                assert isinstance(answer, dict) and answer.get("ok") is True, f"{sender.name}: chat answered {answer!r}"
                sender.call(ROOT, "to-room", ROOT_ROOM, text)
                for receiver in self.members:
                    got = wait_until(lambda: receiver.received(CHAT, "chat", lambda a: a and isinstance(a[0], dict) and a[0].get("text") == text)
                                     and receiver.received(ROOT, "to-room", lambda a: a == [text]), EVENT_TIMEOUT)
                    assert got, (f"{text!r} from {sender.name} ({sender.node.node_id}) did not reach {receiver.name} "
                                 f"({receiver.node.node_id}) in both namespaces within {EVENT_TIMEOUT}s")
        except AssertionError as error:
            verdict.problems.append(f"not delivering: {error}")
            verdict.heal = True

    def run_case(self, case: Case) -> None:
        """Publishes the case, then the fence; checks the exact drop counts, delivery, and that the
        message reached nobody. Raises AssertionError with every problem found."""
        verdict = Verdict()
        before = self.drops()
        if not all(before):
            self.needs_heal = True
            raise AssertionError(f"[{self.mode}] before case {case.name!r}: /metrics does not answer on "
                                 f"{[n.node_id for n, b in zip(self.nodes, before) if b is None]} "
                                 f"(exit statuses {[n.process.poll() for n in self.nodes]})\n{self.logs()}")
        payload = case.payload(self) if callable(case.payload) else case.payload
        got = self.publish(case.channel, payload)
        expected_receivers = len(self.receivers(case.channel))
        if got != expected_receivers:
            verdict.problems.append(f"Redis delivered the message to {got} subscriber(s), expected {expected_receivers}")
        fence = case.fence or (case.channel if self.decoders(case.channel) and case.channel != "stream" else "main")
        self.publish(fence, FENCE)
        expected: list[dict[str, int]] = []
        for index, counts in enumerate(before):
            counts = dict(counts)
            if case.reason is not None and index in self.decoders(case.channel) and index not in case.silent:
                counts[case.reason] += 1
            if index in self.decoders(fence):
                counts["undecodable"] += 1
            expected.append(counts)
        counted = wait_until(lambda: self.drops() == expected, COUNT_TIMEOUT)
        if not counted:
            after = self.drops()
            verdict.problems.append("drop counters: " + "; ".join(
                f"{self.nodes[i].node_id}: expected change {_delta(before[i], expected[i])}, got {_delta(before[i], after[i]) if after[i] else 'no /metrics'}"
                for i in range(len(self.nodes))))
        self.check_delivering(case.name, verdict)
        if counted and not verdict.heal:
            after = self.drops()
            if after != expected:
                verdict.problems.append("drop counters changed again after the delivery check: " + "; ".join(
                    f"{self.nodes[i].node_id}: {_delta(before[i], after[i]) if after[i] else 'no /metrics'}" for i in range(len(self.nodes))))
        for member in self.members:
            leaked = member.unexpected()
            if leaked:
                verdict.problems.append(f"{member.name} received events it must not: {leaked[:3]}")
            member.forget()
        if verdict.problems:
            self.needs_heal = verdict.heal
            raise AssertionError(
                f"[{self.mode}] case {case.name!r} on {self.channel(case.channel)!r}, payload "
                f"{_show(payload)}:\n  - " + "\n  - ".join(verdict.problems) + "\n" + self.logs())

    needs_heal = False

    def run_control(self, label: str, key: str, payload: bytes, expect: Optional[Callable[[], Any]] = None,
                    what: str = "", receivers: Optional[int] = None) -> None:
        """A positive control: a well-formed message that must be acted on (`expect` becomes true) and
        counted nowhere; then the same after-case check as the malformed ones."""
        verdict = Verdict()
        before = self.drops()
        assert all(before), f"/metrics does not answer before the control\n{self.logs()}"
        got = self.publish(key, payload)
        wanted = len(self.receivers(key)) if receivers is None else receivers
        if got != wanted:
            verdict.problems.append(f"Redis delivered the message to {got} subscriber(s), expected {wanted}")
        if expect is not None and not wait_until(expect, EVENT_TIMEOUT):
            verdict.problems.append(f"the well-formed message was not acted on: {what}")
        fence = key if self.decoders(key) and key != "stream" else "main"
        self.publish(fence, FENCE)
        expected = []
        for index, counts in enumerate(before):
            counts = dict(counts)
            if index in self.decoders(fence):
                counts["undecodable"] += 1
            expected.append(counts)
        if not wait_until(lambda: self.drops() == expected, COUNT_TIMEOUT):
            after = self.drops()
            verdict.problems.append("a well-formed message was counted as dropped: " + "; ".join(
                f"{self.nodes[i].node_id}: {_delta(before[i], after[i]) if after[i] else 'no /metrics'} (the fence is 1 undecodable)"
                for i in range(len(self.nodes))))
        self.check_delivering(label, verdict)
        for member in self.members:
            leaked = [e for e in member.unexpected() if e[1] in ("leak", "x")]
            if leaked:
                verdict.problems.append(f"{member.name} received events it must not: {leaked[:3]}")
            member.forget()
        if verdict.problems:
            self.needs_heal = verdict.heal
            raise AssertionError(
                f"[{self.mode}] control {label!r} on {self.channel(key)!r}, payload {_show(payload)}:\n  - "
                + "\n  - ".join(verdict.problems) + "\n" + self.logs())

    def everyone_got(self, namespace: str, event: str, args: list, members: Optional[list[Member]] = None) -> Callable[[], bool]:
        targets = self.members if members is None else members
        return lambda: all(m.received(namespace, event, lambda a: a == args) for m in targets)

    def after_test(self) -> None:
        """Restores a broken cluster so later cases are judged on their own: restarts dead nodes,
        reconnects every member."""
        broken = self.needs_heal or any(not n.alive() for n in self.nodes) or any(not m.connected_everywhere() for m in self.members)
        if not broken:
            for member in self.members:
                member.forget()
            return
        self.needs_heal = False
        for member in self.members:
            member.close()
        for index, node in enumerate(self.nodes):
            if not node.alive():
                self.restarts += 1
                self.nodes[index] = Node(self.redis, self.mode, f"{node.node_id}-restart{self.restarts}", self.workdir)
        self._settle()

    def close(self) -> None:
        for member in self.members:
            member.close()
        if self.resp is not None:
            self.resp.close()
        for node in self.nodes:
            node.stop()
        self.redis.stop()


def _delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {reason: after[reason] - before.get(reason, 0) for reason in after if after[reason] != before.get(reason, 0)}


def _show(payload: bytes, limit: int = 120) -> str:
    head = payload[:limit]
    return f"{len(payload)} bytes {head!r}" + ("…" if len(payload) > limit else "")
