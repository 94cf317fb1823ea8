"""/metrics follows what clients do: scrape, act, scrape again, compare."""

from node_support import eventually, free_port, http_request, scrape


def test_metrics_follow_clients_and_messages(node, clients):
    server = node("--node-id", "m1")
    before = scrape(server.port)
    assert before.value("socketio_engine_clients", transport="polling") == 0
    assert before.value("socketio_engine_clients", transport="websocket") == 0
    assert before.value("socketio_sockets", namespace="/chat") == 0

    polling = clients.connect(server.base_url, "/chat", "polling", events=("welcome", "chat"))
    websocket = clients.connect(server.base_url, "/chat", "websocket", events=("welcome", "chat"))
    for client in (polling, websocket):
        client.next("welcome")
        assert client.call("join", "metrics-room") == {"ok": True, "room": "metrics-room"}
    assert polling.call("chat", {"text": "hello", "room": "metrics-room"})["ok"] is True
    websocket.next("chat")
    polling.next("chat")

    after = scrape(server.port)
    assert after.value("socketio_engine_clients", transport="polling") == 1
    assert after.value("socketio_engine_clients", transport="websocket") == 1
    assert after.value("socketio_engine_sessions") == 2
    assert after.value("socketio_sockets", namespace="/chat") == 2
    # Each socket's own room plus the joined chat room.
    assert after.value("socketio_rooms", namespace="/chat") == 3
    assert after.value("socketio_namespaces") == before.value("socketio_namespaces")

    def grew(name, by=1, **labels):
        return after.value(name, **labels) - before.value(name, **labels) >= by

    assert grew("socketio_connections_total", 2)
    assert grew("socketio_broadcasts_total", 1)
    assert grew("socketio_engine_handshakes_total", transport="polling")
    assert grew("socketio_engine_handshakes_total", transport="websocket")
    # In: 2 CONNECTs, 2 joins, 1 chat. Out: 2 CONNECT answers, 2 welcomes, 3 acks, the chat twice.
    assert grew("socketio_engine_packets_received_total", 5)
    assert grew("socketio_engine_packets_sent_total", 9)
    assert grew("socketio_engine_bytes_received_total", len("hello"))
    assert grew("socketio_engine_bytes_sent_total", 2 * len("hello"))

    upgrading = clients.connect(server.base_url, "/chat", "upgrade", events=("welcome",))
    upgrading.next("welcome")
    polling.close()
    websocket.close()

    def settled():
        m = scrape(server.port)
        return m if m.value("socketio_engine_clients", transport="polling") == 0 else None

    final = eventually(settled, timeout=5)
    assert final, "the polling client's session did not go away"
    assert final.value("socketio_engine_clients", transport="websocket") == 1
    assert final.value("socketio_sockets", namespace="/chat") == 1
    assert final.value("socketio_rooms", namespace="/chat") == 1
    assert final.value("socketio_engine_upgrades_total") - before.value("socketio_engine_upgrades_total") == 1
    assert final.value("socketio_engine_closes_total", reason="transport close") >= 1
    # Counters never go down between scrapes.
    for key, value in before.samples.items():
        if key[0].endswith("_total"):
            assert final.samples[key] >= value, key


def test_metrics_count_errors(node, clients):
    server = node()
    before = scrape(server.port)
    unknown = http_request(server.port, "GET", "/socket.io/?EIO=4&transport=polling&sid=nope")
    assert unknown.status == 400
    bad_transport = http_request(server.port, "GET", "/socket.io/?EIO=4&transport=carrier-pigeon")
    assert bad_transport.status == 400
    after = scrape(server.port)
    assert after.value("socketio_engine_errors_total", code="1", message="Session ID unknown") == \
        before.value("socketio_engine_errors_total", code="1", message="Session ID unknown") + 1
    assert after.value("socketio_engine_errors_total", code="0", message="Transport unknown") == \
        before.value("socketio_engine_errors_total", code="0", message="Transport unknown") + 1
    # A refused namespace (the client's last poll may then find its session gone: another code 1, so
    # the engine errors are counted before this).
    try:
        clients.connect(server.base_url, "/no-such-namespace", "polling")
    except Exception:
        pass  # refused, as expected
    assert scrape(server.port).value("socketio_connect_errors_total") == before.value("socketio_connect_errors_total") + 1


def test_metrics_on_their_own_port(launch_node):
    metrics_port = free_port()
    node = launch_node("--metrics-port", str(metrics_port))
    scraped = http_request(metrics_port, "GET", "/metrics")
    assert scraped.status == 200 and "socketio_engine_sessions" in scraped.text, scraped
    assert http_request(metrics_port, "GET", "/healthz").status == 200
    assert http_request(metrics_port, "GET", "/").status == 404
    assert http_request(node.port, "GET", "/metrics").status == 404, "not on the clients' port"
    assert http_request(node.port, "GET", "/healthz").status == 200
