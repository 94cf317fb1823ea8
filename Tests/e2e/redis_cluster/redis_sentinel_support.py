"""A Sentinel-managed Redis for the end-to-end tests: one primary and one replica (redis-server, with
a password) and three redis-sentinel processes (with their own password), all local processes on
loopback ports, stopped by PID.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from cluster_support import HOST, RespClient, RespError, wait_until
from redis_cluster_support import ManagedProcess as Process, distinct_free_ports, require_binary

MASTER = "mymaster"
REDIS_PASSWORD = "redis-pw"
SENTINEL_PASSWORD = "sentinel-pw"


def command(port: int, password: Optional[str], *args: Any) -> Any:
    with RespClient(port, timeout=3.0) as client:
        if password:
            client.command("AUTH", password)
        return client.command(*args)


class SentinelSetup:
    def __init__(self, workdir: Path):
        server = require_binary("redis-server", "REDIS_SERVER")
        sentinel = require_binary("redis-sentinel", "REDIS_SENTINEL")
        workdir.mkdir(parents=True, exist_ok=True)
        ports = distinct_free_ports(5)
        self.primary_port, self.replica_port = ports[0], ports[1]
        self.sentinel_ports = ports[2:]
        common = ["--bind", HOST, "--save", "", "--appendonly", "no", "--daemonize", "no", "--requirepass", REDIS_PASSWORD, "--masterauth", REDIS_PASSWORD]
        self.primary = Process([server, "--port", str(self.primary_port), "--dir", str(workdir), *common], workdir / "primary.log")
        self.replica = Process(
            [server, "--port", str(self.replica_port), "--dir", str(workdir), *common, "--replicaof", HOST, str(self.primary_port)],
            workdir / "replica.log",
        )
        self.sentinels = []
        for port in self.sentinel_ports:
            config = workdir / f"sentinel-{port}.conf"
            config.write_text(
                f"port {port}\nbind {HOST}\ndaemonize no\ndir {workdir}\n"
                f"sentinel monitor {MASTER} {HOST} {self.primary_port} 2\n"
                f"sentinel down-after-milliseconds {MASTER} 1000\n"
                f"sentinel failover-timeout {MASTER} 5000\n"
                f"sentinel parallel-syncs {MASTER} 1\n"
                f"sentinel auth-pass {MASTER} {REDIS_PASSWORD}\n"
                f"requirepass {SENTINEL_PASSWORD}\nsentinel sentinel-pass {SENTINEL_PASSWORD}\n"
            )
            self.sentinels.append(Process([sentinel, str(config)], workdir / f"sentinel-{port}.log"))

    @property
    def url(self) -> str:
        hosts = ",".join(f"{HOST}:{p}" for p in self.sentinel_ports)
        return f"redis-sentinel://:{REDIS_PASSWORD}@{hosts}/{MASTER}?sentinel-password={SENTINEL_PASSWORD}"

    def start(self) -> None:
        self.primary.start()
        self.replica.start()
        assert wait_until(lambda: self._role(self.replica_port) == (b"slave", b"connected"), 15.0), self.replica.log_tail()
        for sentinel in self.sentinels:
            sentinel.start()
        assert wait_until(self.sentinels_agree, 15.0), "\n".join(s.log_tail() for s in self.sentinels)

    def _role(self, port: int) -> Any:
        try:
            role = command(port, REDIS_PASSWORD, "ROLE")
            return (role[0], role[3]) if role[0] == b"slave" else (role[0],)
        except (OSError, RespError):
            return None

    def master_from(self, port: int) -> Optional[int]:
        reply = command(port, SENTINEL_PASSWORD, "SENTINEL", "get-master-addr-by-name", MASTER)
        return int(reply[1]) if reply else None

    def sentinels_agree(self) -> bool:
        """Every sentinel names the primary and knows the replica and the other sentinels."""
        try:
            for port in self.sentinel_ports:
                if self.master_from(port) != self.primary_port:
                    return False
                master = command(port, SENTINEL_PASSWORD, "SENTINEL", "master", MASTER)
                fields = dict(zip(master[::2], master[1::2]))
                if int(fields[b"num-other-sentinels"]) != 2 or int(fields[b"num-slaves"]) != 1:
                    return False
            return True
        except (OSError, RespError, KeyError, TypeError):
            return False

    def replica_is_primary(self) -> bool:
        return self._role(self.replica_port) == (b"master",)

    def stop(self) -> None:
        for process in [*self.sentinels, self.replica, self.primary]:
            process.stop()
