"""Fixtures of the Redis bad-input suite.

  redis_cluster  module-scoped: one redis-server, two socketio-node processes in the module's adapter
                 mode (the test module's MODE: classic or sharded) and one Member on each node, joined to
                 `r` in /chat and `g` in / before the first case; stopped by PID at the end of the module
  cluster        the same cluster for one test; after the test it is healed if the test left it broken
                 (a node died, a member was disconnected), so every case is judged on its own
"""

import pytest

from redis_bad_input_harness import Cluster


@pytest.fixture(scope="module")
def redis_cluster(request, tmp_path_factory):
    mode = request.module.MODE
    cluster = Cluster(mode, tmp_path_factory.mktemp(f"redis-bad-input-{mode}"))
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture
def cluster(redis_cluster):
    yield redis_cluster
    redis_cluster.after_test()
