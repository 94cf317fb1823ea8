"""Real Redis Cluster processes for the end-to-end tests (Debian's redis-server in cluster mode).

  RedisClusterProcesses   N primaries (+ R replicas each) as local redis-server processes on free
                          loopback ports, joined with `redis-cli --cluster create`; kill/stop by PID;
                          helpers for CLUSTER SHARDS, PUBSUB SHARDCHANNELS per primary, failover
                          and resharding (`redis-cli --cluster reshard`)
  key_slot                CRC16 key slot (hash tags included), as Redis computes it

Every wait is bounded; every process started here is stopped here, by PID.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Optional

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "cluster"))
from cluster_support import HOST, RespClient, RespError, _which, stop_process, wait_until  # noqa: E402

CLUSTER_READY_TIMEOUT = 30.0


def require_binary(name: str, env: str) -> str:
    """The binary ($env, else on PATH, else /usr/bin), or skip (fail when CI=true)."""
    for candidate in (os.environ.get(env), _which(name), f"/usr/bin/{name}"):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    reason = f"{name} not found (install Debian's redis-server / redis-tools, or set {env})"
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def _crc16(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def key_slot(key: str) -> int:
    data = key.encode()
    start = data.find(b"{")
    if start >= 0:
        end = data.find(b"}", start + 1)
        if end > start + 1:
            data = data[start + 1 : end]
    return _crc16(data) % 16384


def _bindable(port: int) -> bool:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def distinct_free_ports(count: int) -> list[int]:
    """`count` distinct free ports whose Redis Cluster bus ports (port + 10000) are free too.

    They are drawn from 20000-22767, below Linux's ephemeral range (32768-60999) both for the port
    and for its bus port, so an outgoing connection's local port cannot take one between this
    check and the server's bind (the ephemeral ports the kernel hands to bind(0) can).
    """
    import random

    ports: list[int] = []
    candidates = random.sample(range(20000, 22768), 2768)
    for port in candidates:
        if len(ports) == count:
            break
        if _bindable(port) and _bindable(port + 10000):
            ports.append(port)
    if len(ports) < count:
        raise RuntimeError(f"fewer than {count} free ports (with free bus ports) in 20000-22767")
    return ports


class ManagedProcess:
    """A child process with its output in a log file; killed or stopped by its PID."""

    def __init__(self, cmd: list[str], log_path: Path):
        self.cmd = cmd
        self.log_path = log_path
        self.proc: Optional[subprocess.Popen] = None

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: the process vanishes without closing anything politely."""
        if self.alive():
            assert self.proc is not None
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=5)

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)

    def log_tail(self, lines: int = 15) -> str:
        try:
            return f"--- {self.log_path} ---\n" + "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return f"(no log at {self.log_path})"


class RedisNodeProcess(ManagedProcess):
    """A cluster-mode redis-server (node timeout 1 s, so a failover takes about two seconds)."""

    def __init__(self, binary: str, port: int, workdir: Path, extra: list[str]):
        self.port = port
        self.dir = workdir / f"node-{port}"
        self.dir.mkdir(parents=True, exist_ok=True)
        super().__init__(
            [
                binary, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no",
                "--dir", str(self.dir), "--daemonize", "no", "--cluster-enabled", "yes",
                "--cluster-config-file", f"nodes-{port}.conf", "--cluster-node-timeout", "1000",
                "--cluster-replica-validity-factor", "0", "--protected-mode", "no", *extra,
            ],
            self.dir / "redis.log",
        )


class RedisClusterProcesses:
    """A Redis Cluster of `primaries` primaries with `replicas` replicas each, as local processes."""

    def __init__(self, workdir: Path, primaries: int = 3, replicas: int = 0, password: Optional[str] = None):
        self.server = require_binary("redis-server", "REDIS_SERVER")
        self.cli = require_binary("redis-cli", "REDIS_CLI")
        self.workdir = workdir
        self.password = password
        extra = ["--requirepass", password, "--masterauth", password] if password else []
        ports = distinct_free_ports(primaries * (1 + replicas))
        self.nodes = [RedisNodeProcess(self.server, port, workdir, extra) for port in ports]
        self.replicas = replicas

    @property
    def url(self) -> str:
        credentials = f":{self.password}@" if self.password else ""
        return "redis-cluster://" + credentials + ",".join(f"{HOST}:{n.port}" for n in self.nodes[:2])

    def auth(self) -> list[str]:
        return ["-a", self.password, "--no-auth-warning"] if self.password else []

    def start(self) -> None:
        for node in self.nodes:
            node.start()
        for node in self.nodes:
            ok = wait_until(lambda n=node: self._pings(n), 10.0)
            assert ok, f"redis-server {node.port} did not start\n{node.log_tail()}"
        addresses = [f"{HOST}:{n.port}" for n in self.nodes]
        cmd = [self.cli, *self.auth(), "--cluster", "create", *addresses, "--cluster-replicas", str(self.replicas), "--cluster-yes"]
        done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        assert done.returncode == 0, f"redis-cli --cluster create failed: {done.stdout!r} {done.stderr!r}"
        ok = wait_until(self.healthy, CLUSTER_READY_TIMEOUT, interval=0.1)
        assert ok, "the Redis Cluster never became healthy\n" + "\n".join(n.log_tail() for n in self.nodes)

    def _pings(self, node: RedisNodeProcess) -> bool:
        try:
            return self.command(node, "PING") == "PONG"
        except (OSError, RespError):
            return False

    def command(self, node: RedisNodeProcess, *args: Any) -> Any:
        with RespClient(node.port, timeout=5.0) as client:
            if self.password:
                client.command("AUTH", self.password)
            return client.command(*args)

    def healthy(self) -> bool:
        """Every live node says cluster_state:ok and knows every slot; replicas are in sync."""
        try:
            for node in self.nodes:
                if not node.alive():
                    continue
                info = self.command(node, "CLUSTER", "INFO").decode()
                if "cluster_state:ok" not in info or "cluster_slots_ok:16384" not in info:
                    return False
                if self.command(node, "ROLE")[0] == b"slave" and self.command(node, "ROLE")[3] != b"connected":
                    return False
            return True
        except (OSError, RespError):
            return False

    def primaries(self) -> list[RedisNodeProcess]:
        """The live primaries that own slots."""
        result = []
        for node in self.nodes:
            if node.alive():
                try:
                    if self.command(node, "ROLE")[0] == b"master" and self.owned_slots(node):
                        result.append(node)
                except (OSError, RespError):
                    pass
        return result

    def owned_slots(self, node: RedisNodeProcess) -> set[int]:
        myself = self.command(node, "CLUSTER", "MYID").decode()
        slots: set[int] = set()
        for entry in self.command(node, "CLUSTER", "SLOTS"):
            if entry[2][2].decode() == myself:
                slots.update(range(entry[0], entry[1] + 1))
        return slots

    def node_id(self, node: RedisNodeProcess) -> str:
        return self.command(node, "CLUSTER", "MYID").decode()

    def owner_of(self, key: str) -> RedisNodeProcess:
        slot = key_slot(key)
        for node in self.primaries():
            if slot in self.owned_slots(node):
                return node
        raise AssertionError(f"no primary owns slot {slot}")

    def shard_channels(self, node: RedisNodeProcess) -> set[str]:
        return {c.decode() for c in self.command(node, "PUBSUB", "SHARDCHANNELS")}

    def replica_of(self, primary: RedisNodeProcess) -> Optional[RedisNodeProcess]:
        primary_id = self.node_id(primary)
        for node in self.nodes:
            if node is not primary and node.alive():
                role = self.command(node, "ROLE")
                if role[0] == b"slave" and int(role[2]) == primary.port:
                    return node
        _ = primary_id
        return None

    def move_slot(self, slot: int, source: RedisNodeProcess, target: RedisNodeProcess) -> None:
        """Moves one slot (no keys in it) with CLUSTER SETSLOT, the same steps redis-cli reshard takes."""
        target_id, source_id = self.node_id(target), self.node_id(source)
        self.command(target, "CLUSTER", "SETSLOT", slot, "IMPORTING", source_id)
        self.command(source, "CLUSTER", "SETSLOT", slot, "MIGRATING", target_id)
        while True:
            keys = self.command(source, "CLUSTER", "GETKEYSINSLOT", slot, 100)
            if not keys:
                break
            args = ["MIGRATE", HOST, target.port, "", 0, 5000]
            if self.password:
                args += ["AUTH", self.password]
            self.command(source, *args, "KEYS", *keys)
        for node in self.primaries() + [target]:
            self.command(node, "CLUSTER", "SETSLOT", slot, "NODE", target_id)

    def reshard(self, source: RedisNodeProcess, target: RedisNodeProcess, slots: int) -> subprocess.CompletedProcess:
        """`redis-cli --cluster reshard` moving `slots` slots from source to target."""
        cmd = [
            self.cli, *self.auth(), "--cluster", "reshard", f"{HOST}:{source.port}", "--cluster-from", self.node_id(source),
            "--cluster-to", self.node_id(target), "--cluster-slots", str(slots), "--cluster-yes",
        ]
        done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
        assert done.returncode == 0, f"reshard failed: {done.stdout[-2000:]!r} {done.stderr[-2000:]!r}"
        return done

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


async def broadcast_until_everyone_has_one(sender: Any, members: list, room: str, bound: float) -> tuple[bool, float, int]:
    """Broadcasts `after` events to `room` every 100 ms until every member received one or `bound`
    seconds passed; returns (everyone got one, seconds taken, broadcasts sent)."""
    import asyncio

    began = time.monotonic()
    sent = 0

    def everyone() -> bool:
        return all(client.events("after") for client in members)

    while not everyone() and time.monotonic() - began < bound:
        sent += 1
        await sender.call_ack("emit-to", {"rooms": [room]}, "after", sent)
        await asyncio.sleep(0.1)
    return everyone(), time.monotonic() - began, sent
