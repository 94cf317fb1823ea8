"""HTTP compression of polling GET responses at or above --compression-threshold."""

import base64
import gzip
import zlib

import pytest


def inflate(body: bytes) -> bytes:
    """HTTP 'deflate' is zlib-wrapped; tolerate raw deflate too."""
    try:
        return zlib.decompress(body)
    except zlib.error:
        return zlib.decompress(body, -zlib.MAX_WBITS)


def echo_get(srv, message: str, accept_encoding: str | None):
    sid, _, _ = srv.handshake()
    assert srv.post(sid, "4" + message).text == "ok"
    headers = {"Accept-Encoding": accept_encoding} if accept_encoding else None
    return srv.get(sid, headers=headers)


def test_large_response_is_gzipped(start_server):
    srv = start_server()
    message = "compress me " * 200  # 2400 bytes > default threshold 1024
    resp = echo_get(srv, message, "gzip")
    assert resp.status == 200, resp
    assert resp.header("Content-Encoding") == "gzip", resp
    assert gzip.decompress(resp.body).decode() == "4" + message
    assert len(resp.body) < len(message)


def test_large_response_is_deflated(start_server):
    srv = start_server()
    message = "z" * 5000
    resp = echo_get(srv, message, "deflate")
    assert resp.header("Content-Encoding") == "deflate", resp
    assert inflate(resp.body).decode() == "4" + message


def test_small_response_is_not_compressed(start_server):
    srv = start_server()
    resp = echo_get(srv, "tiny", "gzip, deflate")
    assert resp.header("Content-Encoding") in (None, "identity"), resp
    assert resp.body == b"4tiny"


def test_no_compression_without_accept_encoding(start_server):
    srv = start_server()
    message = "q" * 4000
    resp = echo_get(srv, message, None)  # http.client sends Accept-Encoding: identity
    assert resp.header("Content-Encoding") in (None, "identity"), resp
    assert resp.text == "4" + message


@pytest.mark.parametrize(
    "body_size, compressed",
    [(99, False), (100, True), (101, True)],
    ids=["below", "at", "above"],
)
def test_configured_threshold_boundary(start_server, body_size, compressed):
    srv = start_server("--compression-threshold", "100")
    message = "m" * (body_size - 1)  # the body is "4" + message
    resp = echo_get(srv, message, "gzip")
    if compressed:
        assert resp.header("Content-Encoding") == "gzip", resp
        assert gzip.decompress(resp.body).decode() == "4" + message
    else:
        assert resp.header("Content-Encoding") in (None, "identity"), resp
        assert resp.text == "4" + message


def test_binary_payload_compressed_round_trip(start_server):
    """A batch with base64 binary packets survives compression unchanged."""
    srv = start_server()
    sid, _, _ = srv.handshake()
    packets = ["b" + base64.b64encode(bytes([i]) * 150).decode() for i in range(8)]
    batch = "\x1e".join(packets + ["4" + "t" * 300])  # 9 packets, about 1.9 KB
    assert srv.post(sid, batch).text == "ok"
    resp = srv.get(sid, headers={"Accept-Encoding": "gzip"})
    assert resp.header("Content-Encoding") == "gzip", resp
    assert gzip.decompress(resp.body).decode() == batch
