"""The cluster scenario (cluster_scenario.py, the same body the compose `tests` service runs) through
HAProxy with docker/haproxy.cfg, in both modes, plus what the balancer does with raw requests."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from cluster_scenario import run_scenario
from lb_support import NODE_IDS, expect_session_unknown, handshake, polling_url

SCENARIO = Path(__file__).with_name("cluster_scenario.py")
SCENARIO_TIMEOUT = 120.0


def run(coro, timeout: float = SCENARIO_TIMEOUT):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def test_routing_tags_are_the_ones_the_config_names(sid_cluster):
    # docker/haproxy.cfg defaults NODE1_TAG..NODE3_TAG to these; the node computes them from its id.
    assert {n: sid_cluster.routing_tag(n) for n in NODE_IDS} == {"node1": "WuvB", "node2": "sh_A", "node3": "S55o"}


def test_scenario_with_sid_routing(sid_cluster):
    lines: list[str] = []
    report = run(run_scenario(sid_cluster.lb_url, sid_cluster.node_urls, "sid", log=lines.append))
    assert report.tags == {sid_cluster.routing_tag(n): n for n in NODE_IDS}
    assert sum(report.clients_per_node.values()) == 30
    print("\n".join(lines))


def test_scenario_with_round_robin_balancing(rr_cluster):
    lines: list[str] = []
    report = run(run_scenario(rr_cluster.lb_url, rr_cluster.node_urls, "roundrobin", log=lines.append))
    assert sum(report.clients_per_node.values()) == 30
    # Every node both owns sessions and received requests for sessions it does not own.
    assert all(report.clients_per_node[n] > 0 for n in NODE_IDS), report.summary()
    print("\n".join(lines))


def test_scenario_command_line_as_the_compose_tests_service_runs_it(sid_cluster):
    command = [
        sys.executable, str(SCENARIO), "--url", sid_cluster.lb_url,
        *[arg for name, url in sid_cluster.node_urls.items() for arg in ("--node", f"{name}={url}")],
        "--mode", "sid", "--clients-per-transport", "2", "--wait", "10", "--timeout", "60",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=90, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"{command}\nexit {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert done.stdout.strip().endswith("PASSED"), done.stdout
    assert "6 clients connected" in done.stdout, done.stdout


def test_handshakes_rotate_over_every_node(sid_cluster):
    tags = {sid_cluster.routing_tag(n): n for n in NODE_IDS}
    owners = [tags.get(handshake(sid_cluster.lb_url)[:4]) for _ in range(6)]
    assert set(owners) == set(NODE_IDS), owners
    # Round-robin: three consecutive handshakes land on three different nodes.
    assert len(set(owners[:3])) == 3 and len(set(owners[3:])) == 3, owners


def test_sid_of_no_node_is_unknown_at_once(sid_cluster):
    # A well-formed sid whose tag names no node: no use-server rule matches, a node gets it, finds no
    # owner in the directory, and answers Session ID unknown.
    sid = "ZZZZ" + "a" * 16
    for method in ("GET", "POST"):
        expect_session_unknown(method, polling_url(sid_cluster.lb_url, sid), within=0.5)


def test_cluster_script_status_and_second_start(sid_cluster):
    status = sid_cluster.status()
    assert status.returncode == 0, status.stdout + status.stderr
    for name in (*NODE_IDS, "haproxy", "redis"):
        assert f"{name}: running" in status.stdout, status.stdout
    for name, url in sid_cluster.node_urls.items():
        assert f"{url} /readyz: 200" in status.stdout, status.stdout
    # A second start with the same state directory refuses and leaves the running cluster alone.
    pids = {name: sid_cluster.pid(name) for name in (*NODE_IDS, "haproxy", "redis")}
    again = sid_cluster.script("start", 30)
    assert again.returncode != 0 and "already runs" in again.stderr, again.stderr
    assert {name: sid_cluster.pid(name) for name in pids} == pids
    assert all(sid_cluster.alive(name) for name in pids)
