"""Fixtures of the cluster end-to-end tests. Builds on Tests/e2e/conftest.py (`start_server`).

  redis_server   a real redis-server (no persistence) on a free loopback port, killed by PID at
                 teardown; skipped when the binary is missing (failed when CI=true)
  cluster        Cluster: start_node(node_id, mode, *extra, prefix=None) starts socketio-fixture
                 --redis ... --adapter mode --node-id node_id and waits for its Redis link;
                 wait_members(n, mode) waits until Redis sees n nodes in the cluster

The server processes are stopped before redis-server (fixture order), so no node sees Redis vanish
at teardown.
"""

import pytest

from cluster_support import Cluster, RedisServer, redis_server_binary


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(redis_server_binary(), tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def cluster(redis_server, start_server):
    return Cluster(redis_server, start_server)
