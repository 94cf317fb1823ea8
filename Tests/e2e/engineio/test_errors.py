"""The Engine.IO error table: status, Content-Type: application/json, {"code":N,"message":"..."};
and refused WebSocket upgrades (plain HTTP/1.1 400 Bad Request)."""

import json

import pytest

MADE_UP_SID = "AAAAAAAAAAAAAAAAAAAA"  # 20 URL-safe characters, never issued


# -- code 0: Transport unknown ---------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [{"transport": None}, {"transport": "foo"}, {"transport": ""}],
    ids=["missing", "foo", "empty"],
)
def test_unknown_transport(start_server, eio, query):
    srv = start_server()
    assert srv.get(**query).summary() == eio.error(0)


def test_polling_not_enabled(start_server, eio):
    srv = start_server("--transports", "websocket")
    assert srv.get().summary() == eio.error(0)
    # the enabled transport still works
    ws = srv.ws_connect()
    assert eio.recv_ws(ws).startswith("0{")


def test_websocket_not_enabled(start_server, eio):
    srv = start_server("--transports", "polling")
    assert srv.get(transport="websocket").summary() == eio.error(0)
    status_line, _ = srv.raw_ws_upgrade(srv.eio_target(transport="websocket"))
    assert status_line == "HTTP/1.1 400 Bad Request"


# -- code 1: Session ID unknown --------------------------------------------------------------


def test_get_with_unknown_sid(start_server, eio):
    srv = start_server()
    srv.handshake()  # a real session exists, just not this one
    assert srv.get(MADE_UP_SID).summary() == eio.error(1)


def test_post_with_unknown_sid(start_server, eio):
    srv = start_server()
    srv.handshake()
    assert srv.post(MADE_UP_SID, "4hello").summary() == eio.error(1)


# -- code 2: Bad handshake method ------------------------------------------------------------


def test_post_without_sid(start_server, eio):
    srv = start_server()
    assert srv.post(None, "4hello").summary() == eio.error(2)
    assert srv.sessions() == 0


# -- code 3: Bad request ---------------------------------------------------------------------


def test_websocket_handshake_without_upgrade_headers(start_server, eio):
    srv = start_server()
    assert srv.get(transport="websocket").summary() == eio.error(3)
    assert srv.sessions() == 0


def test_polling_request_for_websocket_session(start_server, eio):
    """Transport mismatch: polling requests carrying the sid of a session that lives on websocket."""
    srv = start_server()
    ws = srv.ws_connect()
    sid = json.loads(eio.recv_ws(ws)[1:])["sid"]
    assert srv.get(sid).summary() == eio.error(3)  # transport=polling, session is on websocket
    assert srv.post(sid, "4x").summary() == eio.error(3)
    ws.send("4still fine")
    assert eio.recv_ws(ws) == "4still fine"


# -- code 4: Forbidden -----------------------------------------------------------------------


def test_allow_request_hook_refuses(start_server, eio):
    srv = start_server("--reject-header", "X-Refuse-Me")
    assert srv.get(headers={"X-Refuse-Me": "1"}).summary() == eio.error(4)
    assert srv.get(headers={"x-refuse-me": "yes"}).summary() == eio.error(4)  # header names are case-insensitive
    assert srv.sessions() == 0
    srv.handshake()  # without the header the handshake is allowed
    assert srv.sessions() == 1


def test_allow_request_hook_refuses_websocket_handshake(start_server):
    srv = start_server("--reject-header", "X-Refuse-Me")
    status_line, _ = srv.raw_ws_upgrade(srv.eio_target(transport="websocket"), "X-Refuse-Me: 1\r\n")
    assert status_line.split(" ")[1] != "101", status_line
    assert srv.sessions() == 0


# -- code 5: Unsupported protocol version ----------------------------------------------------


@pytest.mark.parametrize("version", ["3", None, "5"], ids=["EIO=3", "EIO-missing", "EIO=5"])
def test_unsupported_protocol_version(start_server, eio, version):
    srv = start_server()
    assert srv.get(EIO=version).summary() == eio.error(5)
    assert srv.sessions() == 0


# -- refused WebSocket upgrades (raw socket) -------------------------------------------------


def test_raw_websocket_handshake_control(start_server):
    """The hand-made upgrade request used below is accepted when nothing is wrong with it."""
    srv = start_server()
    status_line, _ = srv.raw_ws_upgrade(srv.eio_target(transport="websocket"))
    assert status_line.startswith("HTTP/1.1 101"), status_line


@pytest.mark.parametrize(
    "query",
    [
        {"sid": MADE_UP_SID},
        {"EIO": "3"},
        {"EIO": None},
        {"EIO": "3", "sid": MADE_UP_SID},
    ],
    ids=["unknown-sid", "EIO=3", "EIO-missing", "EIO=3-unknown-sid"],
)
def test_refused_websocket_upgrade(start_server, query):
    srv = start_server()
    srv.handshake()
    status_line, _ = srv.raw_ws_upgrade(srv.eio_target(transport="websocket", **query))
    assert status_line == "HTTP/1.1 400 Bad Request"


# -- other methods ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_on_a_session(start_server, method):
    srv = start_server()
    sid, _, _ = srv.handshake()
    resp = srv.request(method, srv.eio_target(sid=sid), body=b"4x")
    assert 400 <= resp.status < 500, resp  # 400 or 405 family
