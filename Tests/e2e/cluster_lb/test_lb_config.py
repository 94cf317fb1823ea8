"""Static checks of the deployment files: docker/haproxy.cfg parses in both modes with HAProxy, and
docker/docker-compose.yml is a valid compose file (docker-compose config -q; Docker itself is not
needed)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from lb_support import HAPROXY_CFG, REPO_ROOT, missing, require_tool

COMPOSE_FILE = REPO_ROOT / "docker" / "docker-compose.yml"


def haproxy_check(env: dict[str, str]) -> subprocess.CompletedProcess:
    haproxy = require_tool("haproxy", "HAPROXY")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LB_", "NODE1_", "NODE2_", "NODE3_"))}
    return subprocess.run(
        [haproxy, "-c", "-f", str(HAPROXY_CFG)], env={**base, **env}, capture_output=True, text=True,
        timeout=30, stdin=subprocess.DEVNULL,
    )


LOCAL = {"LB_BIND": "127.0.0.1:18080", "NODE1_ADDR": "127.0.0.1:13001", "NODE2_ADDR": "127.0.0.1:13002", "NODE3_ADDR": "127.0.0.1:13003"}


@pytest.mark.parametrize(
    "env",
    [
        pytest.param({}, id="compose-defaults"),
        pytest.param({"LB_MODE": "sid", **LOCAL}, id="sid-local"),
        pytest.param({"LB_MODE": "roundrobin", **LOCAL}, id="roundrobin-local"),
        pytest.param({"LB_MODE": "sid", "LB_STATS_BIND": "127.0.0.1:18404", **LOCAL}, id="with-stats"),
    ],
)
def test_haproxy_accepts_the_configuration(env):
    done = haproxy_check(env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[ALERT]" not in done.stdout + done.stderr


def test_haproxy_rejects_an_unknown_mode():
    done = haproxy_check({"LB_MODE": "sticky", **LOCAL})
    assert done.returncode != 0
    assert "LB_MODE must be sid or roundrobin" in done.stdout + done.stderr


def docker_compose() -> str:
    path = shutil.which("docker-compose")
    if path is None:
        missing("docker-compose not found (apt-get install docker-compose; scripts/test-deps.sh installs it)")
    return path


def compose(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("LB_MODE", "LB_PORT", "LB_STATS_PORT", "SOCKETIO_REDIS", "SOCKETIO_ADAPTER")}
    return subprocess.run(
        [docker_compose(), "-f", str(COMPOSE_FILE), *args], env={**base, **(env or {})}, capture_output=True,
        text=True, timeout=60, stdin=subprocess.DEVNULL, cwd=REPO_ROOT,
    )


def test_compose_file_is_valid():
    for args in (("config", "-q"), ("--profile", "test", "config", "-q"), ("--profile", "redis-cluster", "config", "-q")):
        done = compose(*args)
        assert done.returncode == 0, f"docker-compose {' '.join(args)}: {done.stdout}{done.stderr}"


def test_compose_services_and_test_profile():
    services = compose("--profile", "test", "config", "--services")
    assert services.returncode == 0, services.stderr
    # (docker-compose 1.x lists the services of every profile; the redis-cluster ones are checked below.)
    listed = [name for name in services.stdout.split() if not name.startswith("redis-c")]
    assert sorted(listed) == ["haproxy", "node1", "node2", "node3", "redis", "tests"]
    # The tests service only runs with --profile test, the Redis Cluster with --profile redis-cluster.
    profiles = compose("config", "--profiles")
    assert sorted(profiles.stdout.split()) == ["redis-cluster", "test"], profiles.stdout + profiles.stderr
    rendered = compose("--profile", "test", "config", env={"LB_MODE": "roundrobin"})
    assert rendered.returncode == 0, rendered.stderr
    text = rendered.stdout
    for n in ("node1", "node2", "node3"):
        assert f"SOCKETIO_NODE_ID: {n}" in text and f"SOCKETIO_ADVERTISE: {n}:3000" in text
        assert f"{n.upper()}_ADDR: {n}:3000" in text
    assert "SOCKETIO_REDIS: redis://redis:6379" in text
    assert f"{HAPROXY_CFG}:/usr/local/etc/haproxy/haproxy.cfg:ro" in text
    # LB_MODE reaches both HAProxy and the scenario.
    assert "LB_MODE: roundrobin" in text and "- roundrobin" in text


def test_compose_redis_cluster_profile():
    services = compose("--profile", "redis-cluster", "config", "--services")
    assert services.returncode == 0, services.stderr
    assert {"redis-c1", "redis-c2", "redis-c3", "redis-cluster-init"} <= set(services.stdout.split())
    url = "redis-cluster://redis-c1:6379,redis-c2:6379,redis-c3:6379"
    rendered = compose("--profile", "redis-cluster", "config", env={"SOCKETIO_REDIS": url, "SOCKETIO_ADAPTER": "sharded"})
    assert rendered.returncode == 0, rendered.stderr
    assert rendered.stdout.count(f"SOCKETIO_REDIS: {url}") == 3 and rendered.stdout.count("SOCKETIO_ADAPTER: sharded") == 3
    assert "--cluster-enabled" in rendered.stdout and "--cluster-replicas" in rendered.stdout
