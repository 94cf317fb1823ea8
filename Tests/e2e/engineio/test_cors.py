"""CORS: preflight answers and Access-Control-* headers on polling responses."""

import pytest
import websocket

from e2e_common import HOST

ALLOWED = "http://allowed.example"
ALSO_ALLOWED = "https://second.example:8443"
OTHER = "http://evil.example"


def preflight(srv, origin, request_headers="content-type, x-custom-header", sid=None):
    headers = {"Origin": origin, "Access-Control-Request-Method": "POST"}
    if request_headers:
        headers["Access-Control-Request-Headers"] = request_headers
    return srv.request("OPTIONS", srv.eio_target(sid=sid), headers=headers)


def header_list(resp, name):
    return {item.strip().lower() for item in (resp.header(name) or "").split(",") if item.strip()}


@pytest.mark.parametrize("credentials", [False, True], ids=["no-credentials", "credentials"])
def test_preflight_any_origin_by_default(start_server, credentials):
    srv = start_server(*(["--cors-credentials"] if credentials else []))
    resp = preflight(srv, "http://anything.example:3000")
    assert resp.status in (200, 204), resp
    assert resp.header("Access-Control-Allow-Origin") == "http://anything.example:3000"
    assert {"get", "post"} <= header_list(resp, "Access-Control-Allow-Methods"), resp
    assert {"content-type", "x-custom-header"} <= header_list(resp, "Access-Control-Allow-Headers"), resp
    if credentials:
        assert resp.header("Access-Control-Allow-Credentials") == "true"
    else:
        assert resp.header("Access-Control-Allow-Credentials") is None


def test_preflight_for_an_existing_session(start_server):
    srv = start_server()
    sid, _, _ = srv.handshake()
    resp = preflight(srv, ALLOWED, sid=sid)
    assert resp.status in (200, 204), resp
    assert resp.header("Access-Control-Allow-Origin") == ALLOWED


def test_preflight_with_origin_list(start_server):
    srv = start_server("--cors-origin", ALLOWED, "--cors-origin", ALSO_ALLOWED, "--cors-credentials")
    for origin in (ALLOWED, ALSO_ALLOWED):
        resp = preflight(srv, origin)
        assert resp.status in (200, 204), resp
        assert resp.header("Access-Control-Allow-Origin") == origin
        assert resp.header("Access-Control-Allow-Credentials") == "true"

    refused = preflight(srv, OTHER)
    assert refused.header("Access-Control-Allow-Origin") is None, refused


def test_origin_not_in_list_is_refused_with_403_code_4(start_server):
    """With an origin list, a browser request from another origin is refused (cross-site WebSocket
    hijacking of cookie-authenticated apps); requests without Origin (non-browser clients) and from
    the server's own origin pass."""
    srv = start_server("--cors-origin", ALLOWED)
    resp = srv.get(headers={"Origin": OTHER})
    assert resp.status == 403, resp
    assert resp.json() == {"code": 4, "message": "Origin not allowed"}, resp
    assert resp.header("Access-Control-Allow-Origin") is None, resp
    sid, _, _ = srv.handshake(headers={"Origin": ALLOWED})
    assert srv.post(sid, "4hi", headers={"Origin": OTHER}).status == 403
    assert srv.post(sid, "4hi").status == 200, "no Origin: not a browser"
    own = f"http://{HOST}:{srv.port}"
    assert srv.get(headers={"Origin": own}).status == 200, "the server's own origin"
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(srv.ws_url(), timeout=5, origin=OTHER)
    assert refused.value.status_code == 403
    websocket.create_connection(srv.ws_url(), timeout=5, origin=ALLOWED).close()


def test_polling_responses_carry_allow_origin(start_server):
    srv = start_server("--cors-origin", ALLOWED, "--cors-credentials")
    origin = {"Origin": ALLOWED}
    sid, _, handshake = srv.handshake(headers=origin)
    post = srv.post(sid, "4hi", headers=origin)
    get = srv.get(sid, headers=origin)
    for resp in (handshake, post, get):
        assert resp.status == 200, resp
        assert resp.header("Access-Control-Allow-Origin") == ALLOWED, resp
        assert resp.header("Access-Control-Allow-Credentials") == "true", resp
    assert get.text == "4hi"


def test_polling_responses_echo_any_origin_by_default(start_server):
    srv = start_server()
    origin = {"Origin": "http://localhost:5173"}
    sid, _, handshake = srv.handshake(headers=origin)
    post = srv.post(sid, "4hi", headers=origin)
    get = srv.get(sid, headers=origin)
    for resp in (handshake, post, get):
        assert resp.header("Access-Control-Allow-Origin") == "http://localhost:5173", resp
        assert resp.header("Access-Control-Allow-Credentials") is None, resp
