"""The node's plain-HTTP endpoints: status, content type and body shape of each."""

import json
import re

from node_support import Metrics, http_request

CDN_SCRIPT = "https://cdn.socket.io/4.8.1/socket.io.min.js"
CDN_INTEGRITY = "sha384-mkQ3/7FUtcGyoppY6bz/PORYoGqOl7/aSUMn2ymDOJcapfS6PHqxhRTMh1RR0Q6+"


def test_healthz_answers_ok(node):
    server = node()
    resp = http_request(server.port, "GET", "/healthz")
    assert resp.status == 200
    assert resp.content_type.startswith("text/plain")
    assert resp.text == "ok"


def test_readyz_reports_ready_with_the_node_id(node):
    server = node("--node-id", "ready-1")
    resp = http_request(server.port, "GET", "/readyz")
    assert resp.status == 200, resp
    assert resp.content_type == "application/json"
    # Without --redis there is no Redis state to report.
    assert json.loads(resp.body) == {"status": "ready", "node": "ready-1"}


def test_metrics_are_prometheus_text(node):
    server = node("--node-id", "metrics-1")
    resp = http_request(server.port, "GET", "/metrics")
    assert resp.status == 200, resp
    assert resp.content_type.startswith("text/plain; version=0.0.4")
    metrics = Metrics(resp.text)
    assert metrics.value("socketio_node_info", node="metrics-1", adapter="memory") == 1
    assert metrics.value("socketio_node_ready") == 1
    for name, kind in metrics.types.items():
        assert name.startswith("socketio_"), name
        assert (kind == "counter") == name.endswith("_total"), (name, kind)
    # Redis metrics only exist with --redis; forwarded requests are not exported yet.
    assert not any(name.startswith("socketio_redis_") or name.startswith("socketio_adapter_") for name in metrics.names())


def test_demo_page_loads_the_pinned_cdn_client(node):
    server = node("--node-id", "page-1")
    resp = http_request(server.port, "GET", "/")
    assert resp.status == 200, resp
    assert resp.content_type == "text/html; charset=utf-8"
    tag = re.search(r'<script src="([^"]+)" integrity="([^"]+)" crossorigin="anonymous"></script>', resp.text)
    assert tag, resp.text
    assert tag.groups() == (CDN_SCRIPT, CDN_INTEGRITY)
    assert '<script src="/demo.js"></script>' in resp.text
    assert "page-1" in resp.text
    policy = resp.headers.get("Content-Security-Policy") or ""
    assert "script-src 'self' https://cdn.socket.io" in policy
    assert resp.headers.get("X-Content-Type-Options") == "nosniff"
    # No local copy without --client-script.
    assert http_request(server.port, "GET", "/socket.io.min.js").status == 404


def test_client_script_serves_the_local_copy(node, client_script):
    server = node("--client-script", client_script)
    page = http_request(server.port, "GET", "/")
    assert page.status == 200
    assert '<script src="/socket.io.min.js"></script>' in page.text
    assert "cdn.socket.io" not in page.text
    assert "script-src 'self';" in (page.headers.get("Content-Security-Policy") or "")
    script = http_request(server.port, "GET", "/socket.io.min.js")
    assert script.status == 200
    assert script.content_type.startswith("text/javascript")
    assert script.body == client_script.read_bytes()


def test_demo_script_uses_the_chat_events(node):
    server = node()
    resp = http_request(server.port, "GET", "/demo.js")
    assert resp.status == 200
    assert resp.content_type.startswith("text/javascript")
    assert 'io("/chat")' in resp.text
    for event in ("welcome", "chat", "join", "leave"):
        assert f'"{event}"' in resp.text, event
    for field in ("senderNode", "message.room", "message.from", "info.node"):
        assert field in resp.text, field


def test_unknown_paths_and_methods(node):
    server = node()
    missing = http_request(server.port, "GET", "/nope")
    assert missing.status == 404
    post = http_request(server.port, "POST", "/healthz", body=b"x")
    assert post.status == 405
    assert post.headers.get("Allow") == "GET"


def test_socketio_is_served_with_the_configured_options(node):
    server = node("--ping-interval", "4000", "--ping-timeout", "3000", "--max-http-buffer-size", "12345")
    resp = http_request(server.port, "GET", "/socket.io/?EIO=4&transport=polling")
    assert resp.status == 200, resp
    assert resp.text.startswith("0")
    open_packet = json.loads(resp.text[1:])
    assert (open_packet["pingInterval"], open_packet["pingTimeout"], open_packet["maxPayload"]) == (4000, 3000, 12345)
