"""Fixtures of the Redis Cluster end-to-end tests.

  redis_cluster   RedisClusterProcesses: 3 primaries, no replicas (started, stopped by PID at teardown)
  redis_cluster_with_replicas   3 primaries with one replica each (for failover)
  cluster_nodes   start(cluster, node_id, mode="sharded") starts socketio-fixture --redis redis-cluster://…

Node processes are stopped before the Redis processes (fixture order).
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "cluster"))

from redis_cluster_support import RedisClusterProcesses  # noqa: E402


def _cluster(tmp_path, replicas):
    cluster = RedisClusterProcesses(tmp_path / "redis", primaries=3, replicas=replicas)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def redis_cluster(tmp_path):
    yield from _cluster(tmp_path, replicas=0)


@pytest.fixture
def redis_cluster_with_replicas(tmp_path):
    yield from _cluster(tmp_path, replicas=1)


@pytest.fixture
def redis_sentinel(tmp_path):
    from redis_sentinel_support import SentinelSetup

    setup = SentinelSetup(tmp_path / "sentinel")
    try:
        setup.start()
        yield setup
    finally:
        setup.stop()
