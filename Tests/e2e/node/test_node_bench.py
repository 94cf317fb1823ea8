"""--bench-handlers: echo, join, broadcast and to-room on `/`, as socketio-bench uses them."""

import time

import pytest
import socketio
from node_support import scrape

EVENTS = ("broadcast", "to-room")


def test_bench_handlers(node, clients):
    server = node("--bench-handlers")
    first = clients.connect(server.base_url, "/", "websocket", events=EVENTS)
    second = clients.connect(server.base_url, "/", "polling", events=EVENTS)
    outsider = clients.connect(server.base_url, "/", "websocket", events=EVENTS)

    # echo acknowledges with the same arguments.
    assert first.call("echo", 1, "two", {"three": [3]}) == (1, "two", {"three": [3]})
    assert first.call("echo", "single") == "single"

    # join acknowledges without arguments.
    assert first.call("join", "bench-room") is None
    assert second.call("join", "bench-room") is None

    # broadcast reaches every client of / (the sender too), then acknowledges.
    assert second.call("broadcast", "payload", 7) is None
    for client in (first, second, outsider):
        assert client.next("broadcast") == ("payload", 7)

    # to-room reaches the room's members with the arguments after the room.
    assert outsider.call("to-room", "bench-room", {"n": 1}, "x") is None
    assert first.next("to-room") == ({"n": 1}, "x")
    assert second.next("to-room") == ({"n": 1}, "x")
    time.sleep(0.3)
    assert outsider.pending("to-room") == []
    assert [c.pending("broadcast") for c in (first, second, outsider)] == [[], [], []]

    # The library records each broadcast's local fan-out: 3 recipients, then 2.
    metrics = scrape(server.port)
    assert metrics.value("socketio_broadcast_fanout_count") == 2
    assert metrics.value("socketio_broadcast_fanout_sum") == 5


def test_bench_handlers_are_off_by_default(node, clients):
    server = node()
    client = clients.connect(server.base_url, "/", "websocket", events=EVENTS)
    with pytest.raises(socketio.exceptions.TimeoutError):
        client.call("echo", "anyone?", timeout=1)
