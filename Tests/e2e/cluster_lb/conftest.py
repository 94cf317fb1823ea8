"""Fixtures of the load-balancer tests (helpers in lb_support.py):

  lb_cluster_factory(mode, node_args)
                             starts a LocalCluster (mode "sid" or "roundrobin") for one test; each is
                             stopped at teardown by scripts/cluster.sh stop, which ends only the PIDs
                             it started (a process still running afterwards fails the test)
  sid_cluster / rr_cluster   one cluster shared by a module: sid routing / round-robin
"""

from __future__ import annotations

import pytest

from lb_support import LocalCluster


@pytest.fixture
def lb_cluster_factory(tmp_path_factory):
    clusters: list[LocalCluster] = []

    def start(mode: str = "sid", node_args: str = "--bench-handlers") -> LocalCluster:
        cluster = LocalCluster(tmp_path_factory.mktemp(f"cluster-{mode}"), mode, node_args)
        clusters.append(cluster)
        cluster.start()
        return cluster

    yield start
    problems = [p for c in clusters for p in c.stop()]
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def _module_cluster(tmp_path_factory, mode: str):
    cluster = LocalCluster(tmp_path_factory.mktemp(f"cluster-{mode}"), mode)
    cluster.start()
    try:
        yield cluster
    finally:
        problems = cluster.stop()
        if problems:
            pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture(scope="module")
def sid_cluster(tmp_path_factory):
    yield from _module_cluster(tmp_path_factory, "sid")


@pytest.fixture(scope="module")
def rr_cluster(tmp_path_factory):
    yield from _module_cluster(tmp_path_factory, "roundrobin")
