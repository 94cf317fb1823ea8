"""Handshake (open packet) and the basic polling exchange, over raw HTTP."""

import base64
import json
import re

import pytest

SID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20}$")
OPEN_KEYS = {"sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"}


def parse_open_packet(body: str) -> dict:
    assert body.startswith("0"), f"not an open packet: {body!r}"
    data = json.loads(body[1:])
    assert set(data) == OPEN_KEYS, f"open packet keys: {sorted(data)}"
    return data


def test_handshake_response_with_defaults(start_server):
    srv = start_server()
    resp = srv.get()
    assert resp.status == 200, resp
    assert (resp.media_type, resp.charset) == ("text/plain", "utf-8"), resp.header("Content-Type")
    data = parse_open_packet(resp.text)  # the whole body is exactly one open packet
    assert SID_PATTERN.match(data["sid"]), data["sid"]
    assert data["upgrades"] == ["websocket"]
    assert (data["pingInterval"], data["pingTimeout"], data["maxPayload"]) == (25000, 20000, 1000000)


def test_handshake_reflects_configured_numbers(start_server):
    srv = start_server("--ping-interval", "1234", "--ping-timeout", "567", "--max-payload", "4321")
    _, data, _ = srv.handshake()
    assert (data["pingInterval"], data["pingTimeout"], data["maxPayload"]) == (1234, 567, 4321)


def test_sids_are_distinct(start_server):
    srv = start_server()
    sids = [srv.handshake()[0] for _ in range(20)]
    assert len(set(sids)) == 20
    assert all(SID_PATTERN.match(sid) for sid in sids), sids


def test_cache_buster_is_ignored(start_server):
    srv = start_server()
    sid, _, _ = srv.handshake(t="NxQ3sBk")
    assert srv.post(sid, "4hi", t="NxQ3sBl").text == "ok"
    assert srv.get(sid, t="NxQ3sBm").text == "4hi"


@pytest.mark.parametrize(
    "args",
    [("--no-allow-upgrades",), ("--transports", "polling")],
    ids=["no-allow-upgrades", "polling-only"],
)
def test_no_upgrades_offered(start_server, args):
    srv = start_server(*args)
    _, data, _ = srv.handshake()
    assert data["upgrades"] == []


def test_session_started_on_websocket(start_server, eio):
    srv = start_server("--ping-interval", "4000", "--ping-timeout", "3000", "--max-payload", "5000")
    ws = srv.ws_connect()
    first = eio.recv_ws(ws)
    assert isinstance(first, str), "the open packet must be a text frame"
    data = parse_open_packet(first)
    assert SID_PATTERN.match(data["sid"]), data["sid"]
    assert data["upgrades"] == []
    assert (data["pingInterval"], data["pingTimeout"], data["maxPayload"]) == (4000, 3000, 5000)

    ws.send("4over websocket")
    assert eio.recv_ws(ws) == "4over websocket"
    ws.send_binary(b"\x00\x01\xfe\xff")
    assert eio.recv_ws(ws) == b"\x00\x01\xfe\xff"  # raw binary frame, no prefix
    assert srv.sessions() == 1


def test_post_answers_ok(start_server):
    srv = start_server()
    sid, _, _ = srv.handshake()
    resp = srv.post(sid, "4hello")
    assert (resp.status, resp.body) == (200, b"ok"), resp
    assert resp.media_type == "text/html", resp.header("Content-Type")


def test_echo_over_polling(start_server):
    srv = start_server()
    sid, _, _ = srv.handshake()
    assert srv.post(sid, "4héllo ☃").status == 200
    resp = srv.get(sid)
    assert resp.status == 200, resp
    assert (resp.media_type, resp.charset) == ("text/plain", "utf-8"), resp.header("Content-Type")
    assert resp.text == "4héllo ☃"


def test_two_posted_messages_come_back_in_one_body(start_server):
    srv = start_server()
    sid, _, _ = srv.handshake()
    assert srv.post(sid, "4a\x1e4b").text == "ok"
    assert srv.get(sid).body == b"4a\x1e4b"


def test_binary_over_polling_is_base64(start_server):
    srv = start_server()
    sid, _, _ = srv.handshake()
    payload = bytes([0, 1, 2, 250, 255])
    encoded = "b" + base64.b64encode(payload).decode()
    assert srv.post(sid, encoded).text == "ok"
    assert srv.get(sid).text == encoded


def test_mixed_text_and_binary_batch(start_server):
    srv = start_server()
    sid, _, _ = srv.handshake()
    assert srv.post(sid, "4hello\x1ebAQID\x1e4bye").text == "ok"
    assert srv.get(sid).packets() == ["4hello", "bAQID", "4bye"]


def test_stats_counts_sessions(start_server):
    srv = start_server()
    resp = srv.request("GET", "/stats")
    assert resp.status == 200, resp
    assert resp.json()["sessions"] == 0
    srv.handshake()
    srv.handshake()
    assert srv.sessions() == 2


@pytest.mark.parametrize("target", ["/", "/nope", "/socket.io/?EIO=4&transport=polling", "/engine.ioX/"])
def test_other_paths_are_404(start_server, target):
    srv = start_server()
    assert srv.request("GET", target).status == 404
