"""Polling misuse: overlapping GETs, concurrent POSTs, oversized POST bodies."""

import time

PARK_DELAY = 0.3  # time we give the server to park a request before we send the conflicting one


def test_second_concurrent_get_closes_the_session(start_server, eio):
    srv = start_server()
    sid, _, _ = srv.handshake()
    first = srv.background_get(sid)
    time.sleep(PARK_DELAY)
    assert not first.done(), f"a GET with nothing to send must wait, got {first.outcome(0)!r}"

    second = srv.get(sid)
    assert second.status == 400, second

    # The first GET is released (close packet or an error), not left hanging.
    resp, error = first.outcome(5.0)
    if error is None:
        assert resp.status >= 400 or (resp.status == 200 and "1" in resp.packets()), resp

    # The session is gone.
    assert srv.wait_sessions(0, timeout=5.0) == 0
    assert srv.get(sid).summary() == eio.error(1)
    assert srv.post(sid, "4x").summary() == eio.error(1)


def test_second_concurrent_post_is_refused(start_server):
    srv = start_server()
    sid, _, _ = srv.handshake()

    # First POST: headers and a part of the body only, so it stays in flight.
    held = srv.raw_socket()
    head = (
        f"POST {srv.eio_target(sid=sid)} HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{srv.port}\r\n"
        "Content-Type: text/plain;charset=UTF-8\r\n"
        "Content-Length: 1000\r\n"
        "\r\n"
    )
    held.sendall(head.encode() + b"4partial")
    time.sleep(PARK_DELAY)

    second = srv.post(sid, "4second")
    assert second.status == 400, second
    held.close()


def test_post_at_the_limit_is_accepted(start_server):
    srv = start_server("--max-payload", "1000")
    sid, _, _ = srv.handshake()
    body = "4" + "x" * 999  # exactly maxPayload bytes
    resp = srv.post(sid, body)
    assert (resp.status, resp.body) == (200, b"ok"), resp
    assert srv.get(sid).text == body


def test_oversized_post_is_413_and_closes_the_session(start_server, eio):
    srv = start_server("--max-payload", "1000")
    sid, _, _ = srv.handshake()
    resp = srv.post(sid, "4" + "x" * 1000)  # maxPayload + 1 bytes
    assert resp.status == 413, resp
    assert srv.wait_sessions(0, timeout=5.0) == 0
    assert srv.get(sid).summary() == eio.error(1)


def test_oversized_multi_packet_post(start_server, eio):
    """The limit is on the whole body, not on each packet."""
    srv = start_server("--max-payload", "1000")
    sid, _, _ = srv.handshake()
    body = "\x1e".join(["4" + "y" * 299] * 4)  # four 300-byte packets, 1203 bytes in all
    resp = srv.post(sid, body)
    assert resp.status == 413, resp
    assert srv.wait_sessions(0, timeout=5.0) == 0
    assert srv.get(sid).summary() == eio.error(1)


def test_a_client_close_packet_answers_the_held_get_with_a_noop(start_server, eio):
    """The client POSTs `1` while a GET is held: the GET is answered `6` (the reference's polling
    transport sends a noop on close), the session closes, and a later GET gets code 1."""
    srv = start_server()
    sid, _, _ = srv.handshake()
    held = srv.background_get(sid)
    time.sleep(PARK_DELAY)
    assert not held.done(), f"a GET with nothing to send must wait, got {held.outcome(0)!r}"
    assert srv.post(sid, "1").status == 200
    resp = held.result(5.0)
    assert resp.status == 200 and resp.packets() == ["6"], resp
    assert srv.wait_sessions(0, timeout=5.0) == 0
    assert srv.get(sid).summary() == eio.error(1)
