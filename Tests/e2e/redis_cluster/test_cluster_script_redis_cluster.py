"""`make cluster REDIS=cluster` (scripts/cluster.sh with REDIS_MODE=cluster): three cluster-mode
redis-server processes joined by `redis-cli --cluster create`, three socketio-node processes in sharded
mode on redis-cluster://, HAProxy in front; status reports every component, each node's /readyz lists
the three primaries, and stop ends every process it started.
"""

import json
import os
import subprocess
import urllib.request

from cluster_support import HOST, REPO_ROOT
from e2e_common import package_binary
from redis_cluster_support import distinct_free_ports, require_binary

SCRIPT = REPO_ROOT / "scripts" / "cluster.sh"


def test_local_cluster_script_on_a_redis_cluster(tmp_path):
    haproxy = require_binary("haproxy", "HAPROXY")
    server = require_binary("redis-server", "REDIS_SERVER")
    require_binary("redis-cli", "REDIS_CLI")
    lb, node1, node2, node3, redis = distinct_free_ports(5)
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}
    env.update(
        CLUSTER_DIR=str(tmp_path / "state"), SOCKETIO_BIN_DIR=str(package_binary("socketio-node").parent), HAPROXY=haproxy,
        REDIS_SERVER=server, LB_HOST=HOST, LB_PORT=str(lb), NODE_HOST=HOST, NODE1_PORT=str(node1), NODE2_PORT=str(node2),
        NODE3_PORT=str(node3), REDIS_PORT=str(redis), REDIS_MODE="cluster", READY_TIMEOUT="30",
    )

    def script(command, timeout=90):
        return subprocess.run([str(SCRIPT), command], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)

    started = script("start")
    try:
        assert started.returncode == 0, started.stderr
        status = script("status")
        assert status.returncode == 0, status.stdout + status.stderr
        for name in ("redis1", "redis2", "redis3", "node1", "node2", "node3", "haproxy"):
            assert f"{name}: running" in status.stdout
        assert "REDIS_URL redis-cluster://" in status.stdout
        for port in (node1, node2, node3):
            with urllib.request.urlopen(f"http://{HOST}:{port}/readyz", timeout=5) as response:
                body = json.loads(response.read())
            assert body["status"] == "ready" and len(body["redisLinks"]) == 3, body
    finally:
        stopped = script("stop")
    assert stopped.returncode == 0, stopped.stderr
    assert script("status").returncode == 3
