"""The `io` cookie: set on the handshake response only, and only with --cookie."""


def parse_set_cookie(value):
    """'io=abc; Path=/; HttpOnly' -> ('io', 'abc', {'path': '/', 'httponly': True})"""
    first, *attrs = [part.strip() for part in value.split(";")]
    name, _, cookie_value = first.partition("=")
    attributes = {}
    for attr in attrs:
        key, sep, val = attr.partition("=")
        attributes[key.strip().lower()] = val.strip() if sep else True
    return name.strip(), cookie_value.strip(), attributes


def test_handshake_sets_io_cookie(start_server):
    srv = start_server("--cookie")
    sid, _, resp = srv.handshake()
    cookies = resp.header_all("Set-Cookie")
    assert len(cookies) == 1, cookies
    name, value, attributes = parse_set_cookie(cookies[0])
    assert (name, value) == ("io", sid)
    assert attributes.get("path") == "/"
    assert attributes.get("httponly") is True
    assert str(attributes.get("samesite", "")).lower() == "lax"


def test_later_polling_responses_do_not_set_it(start_server):
    srv = start_server("--cookie")
    sid, _, _ = srv.handshake()
    post = srv.post(sid, "4x", headers={"Cookie": f"io={sid}"})
    get = srv.get(sid, headers={"Cookie": f"io={sid}"})
    assert (post.status, get.status) == (200, 200)
    assert post.header_all("Set-Cookie") == []
    assert get.header_all("Set-Cookie") == []


def test_no_cookie_by_default(start_server):
    srv = start_server()
    sid, _, resp = srv.handshake()
    assert resp.header_all("Set-Cookie") == []
    assert srv.post(sid, "4x").header_all("Set-Cookie") == []
    assert srv.get(sid).header_all("Set-Cookie") == []
