"""socketio-bench end to end: tiny scenarios against real servers, checking the JSON report is sane.

The bench tool is a black box here: it is started as a process with `--json -`, and its report is
checked for what a user relies on: the run measured something, nothing failed, the figures that must be
there are there, and a fixed rate is roughly honoured. Servers: socketio-fixture (driven through
`--handlers fixture`, which maps broadcasts onto its `emit-to` event) and socketio-node with
`--bench-handlers`, the handlers the bench is written for.
"""

from __future__ import annotations

import json

import pytest

from bench_support import HOST, assert_sane, assert_server_cpu, free_port, run_bench, run_raw, url


@pytest.fixture
def fixture_server(start_server):
    return start_server(name="socketio-fixture")


@pytest.fixture
def node_server(start_server):
    return start_server("--bench-handlers", "--log-level", "warning", name="socketio-node")


# ---------------------------------------------------------------------------------------------
# Against socketio-fixture (--handlers fixture)
# ---------------------------------------------------------------------------------------------


def test_echo_round_trips_are_counted_with_latency(fixture_server):
    report = run_bench(
        "echo", "--url", url(fixture_server), "--handlers", "fixture", "--clients", 5,
        "--duration", 1, "--warmup", 0.2, "--server-pid", fixture_server.proc.pid,
    )
    (run,) = assert_sane(report, "echo", runs=1)
    assert run["operation"] == "ack"
    assert run["latency"]["count"] == run["operations"]
    assert 0 < run["latency"]["p50Microseconds"] <= run["latency"]["p99Microseconds"] <= run["latency"]["maxMicroseconds"]
    assert_server_cpu(run)
    assert report["parameters"]["clients"] == "5"


def test_fanout_delivers_every_broadcast_to_every_receiver(fixture_server):
    rate, clients, duration = 50, 20, 1.0
    report = run_bench(
        "fanout", "--url", url(fixture_server), "--handlers", "fixture", "--clients", clients,
        "--rate", rate, "--rate", "max", "--in-flight", 4, "--duration", duration, "--warmup", 0.3,
        "--server-pid", fixture_server.proc.pid,
    )
    fixed, maximum = assert_sane(report, "fanout", runs=2)
    assert [fixed["label"], maximum["label"]] == [f"rate={rate}", "rate=max"]
    for run in (fixed, maximum):
        assert run["operation"] == "delivered message"
        assert run["extra"]["undelivered"] == 0
        assert run["extra"]["receivers"] == clients
        assert run["latency"]["count"] == run["operations"], "every delivery carries a timestamp"
        assert_server_cpu(run)
    # A fixed rate is honoured: about rate x receivers x duration deliveries.
    expected = rate * clients * fixed["durationSeconds"]
    assert 0.6 * expected <= fixed["operations"] <= 1.4 * expected, (fixed["operations"], expected)
    assert fixed["extra"]["skippedBroadcasts"] == 0


def test_polling_clients_round_trip(fixture_server):
    report = run_bench(
        "polling", "--url", url(fixture_server), "--handlers", "fixture", "--clients", 3,
        "--duration", 1, "--warmup", 0.2,
    )
    (run,) = assert_sane(report, "polling", runs=1)
    assert run["label"] == "polling"
    assert run.get("serverCPU") is None  # no --server-pid: absent from the JSON


def test_connect_measures_both_transports_and_leaves_no_session(fixture_server):
    report = run_bench(
        "connect", "--url", url(fixture_server), "--concurrency", 2, "--duration", 0.6, "--warmup", 0.1,
    )
    runs = assert_sane(report, "connect", runs=2)
    assert [r["label"] for r in runs] == ["websocket", "polling"]
    assert all(r["operation"] == "handshake" for r in runs)
    # Every handshake ended with an Engine.IO close, so the server forgets the sessions.
    assert fixture_server.wait_sessions(0, timeout=5) == 0


def test_idle_reports_server_rss_per_connection(fixture_server):
    report = run_bench(
        "idle", "--url", url(fixture_server), "--clients", 30, "--settle", 0.2,
        "--server-pid", fixture_server.proc.pid,
    )
    (run,) = assert_sane(report, "idle", runs=1)
    rss = run["serverRSS"]
    assert rss["connections"] == 30
    assert rss["afterBytes"] > 0 and rss["beforeBytes"] > 0
    assert rss["totalPerConnectionBytes"] == pytest.approx(rss["afterBytes"] / 30, rel=0.01)


def test_idle_and_polling_clients_answer_pings(start_server):
    # Pings every 300 ms with 300 ms to answer: a client that does not pong is dropped within a second.
    server = start_server("--ping-interval", 300, "--ping-timeout", 300, name="socketio-fixture")
    report = run_bench(
        "idle", "--url", url(server), "--clients", 10, "--settle", 0.1, "--hold", 1.5, "--server-pid", server.proc.pid,
    )
    assert_sane(report, "idle", runs=1)
    report = run_bench("polling", "--url", url(server), "--handlers", "fixture", "--clients", 2, "--duration", 1.5, "--warmup", 0.1)
    assert_sane(report, "polling", runs=1)
    assert server.sessions() == 0, "every client closed its session at the end"


def test_missing_bench_handlers_fail_loudly(fixture_server):
    # socketio-fixture has no `to-room` handler: joins are acknowledged, but nothing is ever delivered.
    proc = run_raw(
        "fanout", "--url", url(fixture_server), "--clients", 3, "--rate", 20, "--duration", 0.5, "--warmup", 0.1, "--json", "-",
    )
    assert proc.returncode != 0
    report = json.loads(proc.stdout)
    assert report["errors"] > 0
    assert any("bench handlers" in sample for sample in report["errorSamples"]), report["errorSamples"]


def test_refuses_hosts_other_than_loopback():
    proc = run_raw("echo", "--url", "http://example.com:80", "--duration", 0.1)
    assert proc.returncode != 0
    assert "127.0.0.1" in proc.stderr


def test_connection_failures_are_reported_not_hidden():
    # Nothing listens on this port: the bench must fail, saying why.
    proc = run_raw("echo", "--url", f"http://{HOST}:{free_port()}", "--clients", 2, "--duration", 0.2, "--connect-timeout", 2)
    assert proc.returncode != 0
    assert "connected" in proc.stderr or "connection" in proc.stderr.lower()


# ---------------------------------------------------------------------------------------------
# Against socketio-node --bench-handlers
# ---------------------------------------------------------------------------------------------


def test_node_echo_and_room_fanout(node_server):
    pid = node_server.proc.pid
    report = run_bench("echo", "--url", url(node_server), "--clients", 5, "--duration", 1, "--warmup", 0.2, "--server-pid", pid)
    (run,) = assert_sane(report, "echo", runs=1)
    assert_server_cpu(run)

    report = run_bench(
        "fanout", "--url", url(node_server), "--clients", 20, "--rate", 40, "--duration", 1, "--warmup", 0.2,
        "--server-pid", pid,
    )
    (run,) = assert_sane(report, "fanout", runs=1)
    assert run["extra"]["undelivered"] == 0
    assert run["latency"]["count"] == run["operations"]


def test_node_namespace_broadcast(node_server):
    report = run_bench(
        "fanout", "--url", url(node_server), "--clients", 10, "--namespace", "--rate", "max", "--in-flight", 2,
        "--duration", 0.5, "--warmup", 0.1,
    )
    (run,) = assert_sane(report, "fanout", runs=1)
    assert report["parameters"]["target"] == "namespace"
    assert run["extra"]["undelivered"] == 0


# ---------------------------------------------------------------------------------------------
# Codec micro-benchmarks
# ---------------------------------------------------------------------------------------------


def test_codec_micro_benchmarks_count_operations_and_allocations():
    report = run_bench("codec", "--seconds", 0.05, "--filter", "decode")
    runs = assert_sane(report, "codec", runs=len(report["runs"]))
    assert len(runs) >= 3
    for run in runs:
        assert "decode" in run["label"]
        assert run["extra"]["nanosecondsPerOperation"] > 0
    if "not counted" not in report["parameters"]["allocations"]:
        # Decoding builds a packet with strings in it: it cannot be allocation-free.
        assert all(run["extra"]["allocationsPerOperation"] > 0 for run in runs)


# ---------------------------------------------------------------------------------------------
# The msgpack parser (--parser msgpack on both sides)
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def msgpack_node(start_server):
    return start_server("--bench-handlers", "--parser", "msgpack", "--log-level", "warning", name="socketio-node")


def test_msgpack_echo_acks_carry_the_payload_back(msgpack_node):
    report = run_bench(
        "echo", "--url", url(msgpack_node), "--parser", "msgpack", "--clients", 4, "--payload-size", 300,
        "--duration", 1, "--warmup", 0.2, "--server-pid", msgpack_node.proc.pid,
    )
    (run,) = assert_sane(report, "echo", runs=1)  # no errors: every ack had the expected msgpack length
    assert report["parameters"]["parser"] == "msgpack"
    assert run["latency"]["count"] == run["operations"]
    assert_server_cpu(run)


@pytest.mark.parametrize("target", [[], ["--namespace"]], ids=["room", "namespace"])
def test_msgpack_fanout_delivers_stamped_messages(msgpack_node, target):
    clients = 10
    report = run_bench(
        "fanout", "--url", url(msgpack_node), "--parser", "msgpack", "--clients", clients, *target,
        "--rate", 40, "--in-flight", 4, "--duration", 1, "--warmup", 0.3, "--server-pid", msgpack_node.proc.pid,
    )
    (run,) = assert_sane(report, "fanout", runs=1)
    assert run["extra"]["undelivered"] == 0 and run["extra"]["receivers"] == clients
    assert run["latency"]["count"] == run["operations"] > 0, "every delivery carries a timestamp"


def test_msgpack_bench_refuses_polling_and_a_default_server(msgpack_node, start_server):
    refused = run_raw("polling", "--url", url(msgpack_node), "--parser", "msgpack", "--duration", 0.5)
    assert refused.returncode != 0 and "--parser msgpack" in refused.stderr
    # a default-parser bench cannot connect to a msgpack server, and says so instead of measuring nothing
    mismatch = run_raw("echo", "--url", url(msgpack_node), "--clients", 2, "--duration", 0.5, "--warmup", 0)
    assert mismatch.returncode != 0 and "connected" in mismatch.stderr
