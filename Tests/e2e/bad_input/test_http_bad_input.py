"""Bad HTTP requests to socketio-node: each gets its answer (the reference engine.io's error code and
message where it has one) and, after each, the node is alive, healthy, its RSS flat, and an unrelated
client still gets acks (conftest.py)."""

import time

import pytest

from bad_input_support import (EIO, Case, connect, engine_error, expect_engine_error,
                               expect_session_closed, expect_session_open, expect_status, get, http_exchange,
                               open_polling, post, read_response)

HANDSHAKE = f"{EIO}&transport=polling"


def handshake_ok(request: bytes):
    def run(node):
        status, _, body = http_exchange(node.port, request)
        assert status == 200 and body.startswith(b"0{"), (status, body[:100])
    return run


def pipelined(node):
    with connect(node.port) as sock:
        sock.sendall(get(HANDSHAKE) * 3)
        buffer = bytearray()
        answers = [read_response(sock, buffer) for _ in range(3)]
    assert [status for status, _, _ in answers] == [200, 200, 200]
    assert len({body for _, _, body in answers}) == 3, "three sessions, three sids"


def pipelined_post_then_get(node):
    sid = open_polling(node.port)
    with connect(node.port) as sock:
        sock.sendall(post(f"{HANDSHAKE}&sid={sid}", b"40") + get(f"{HANDSHAKE}&sid={sid}"))
        buffer = bytearray()
        first = read_response(sock, buffer)
        second = read_response(sock, buffer)
    assert (first[0], first[2]) == (200, b"ok"), first
    assert second[0] == 200 and second[2].startswith(b"40{"), second


def oversized_body_sent_slowly(node):
    """A 2 MB body (over maxHttpBufferSize 1 MB) announced, then sent 64 KB at a time: 413 before the
    body ends, and the session is closed."""
    sid = open_polling(node.port)
    with connect(node.port) as sock:
        sock.sendall(f"POST {HANDSHAKE}&sid={sid} HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n".encode())
        status = 0
        for _ in range(32):
            try:
                sock.sendall(b"4" * 65536)
            except (BrokenPipeError, ConnectionResetError):
                break
            time.sleep(0.01)
        try:
            status, _, _ = read_response(sock, bytearray())
        except ConnectionResetError:
            status = 0
    assert status in (0, 413), status
    expect_session_closed(node.port, sid)


def oversized_body(node):
    sid = open_polling(node.port)
    status, _, _ = http_exchange(node.port, post(f"{HANDSHAKE}&sid={sid}", b"4" + b"x" * 1_100_000))
    assert status == 413, status
    expect_session_closed(node.port, sid)


def stalled_body(node):
    """Content-Length 1000 and 10 bytes, then nothing: the node keeps serving others meanwhile."""
    sid = open_polling(node.port)
    with connect(node.port) as sock:
        sock.sendall(f"POST {HANDSHAKE}&sid={sid} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789".encode())
        expect_session_open_elsewhere = http_exchange(node.port, get("/healthz"))
        assert expect_session_open_elsewhere[0] == 200


def chunked_post(node):
    sid = open_polling(node.port)
    body = b"2\r\n40\r\n0\r\n\r\n"
    request = (f"POST {HANDSHAKE}&sid={sid} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n").encode() + body
    status, _, answer = http_exchange(node.port, request)
    assert (status, answer) == (200, b"ok"), (status, answer)
    status, _, joined = http_exchange(node.port, get(f"{HANDSHAKE}&sid={sid}"))
    assert joined.startswith(b"40{"), joined


def bad_chunk_size(node):
    sid = open_polling(node.port)
    request = (f"POST {HANDSHAKE}&sid={sid} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n40\r\n0\r\n\r\n").encode()
    expect_parser_refusal(node.port, request)


def expect_parser_refusal(port: int, request: bytes) -> None:
    """What the HTTP parser answers a request it cannot parse: 400 with no body, and the connection
    closes (as Node's HTTP server, which adds a `Bad Request` text). When the server closes with bytes
    of a long request still unread, the peer may see a reset instead of the 400: closed either way."""
    with connect(port) as sock:
        try:
            sock.sendall(request)
            status, _, body = read_response(sock, bytearray())
        except (ConnectionResetError, BrokenPipeError):
            return
        assert (status, body) == (400, b""), (status, body[:100])
        try:
            assert sock.recv(1) == b"", "the connection stays open"
        except ConnectionResetError:
            pass


def many_headers(count: int, size: int = 8):
    return "".join(f"X-H{i}: {'v' * size}\r\n" for i in range(count))


def http10_handshake(node):
    with connect(node.port) as sock:
        sock.sendall(f"GET {HANDSHAKE} HTTP/1.0\r\n\r\n".encode())
        status, headers, body = read_response(sock, bytearray())
        assert status == 200 and body.startswith(b"0{"), (status, body[:80])
        assert sock.recv(1) == b"", "HTTP/1.0 without keep-alive: the server closes"


TAGLESS_SID = "ZZZZ" + "a" * 16


CASES = [
    Case("path-unknown", "404", lambda n: expect_status(n.port, get("/nope"), 404)),
    Case("path-without-trailing-slash-prefix", "404", lambda n: expect_status(n.port, get("/socket.iox/?EIO=4&transport=polling"), 404)),
    Case("path-nul-byte", "400 (the HTTP parser refuses it), connection closed", lambda n: expect_parser_refusal(n.port, get("/socket.io/\x00?EIO=4&transport=polling"))),
    Case("path-absolute-form", "404 (the path does not start with /socket.io/, as in the reference's check)", lambda n: expect_status(n.port, get(f"http://127.0.0.1{HANDSHAKE}"), 404)),
    Case("method-put-handshake", "400 code 2 Bad handshake method", lambda n: expect_engine_error(n.port, f"PUT {HANDSHAKE} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".encode(), 2)),
    Case("method-post-handshake", "400 code 2 Bad handshake method", lambda n: expect_engine_error(n.port, post(HANDSHAKE, b"40"), 2)),
    Case("method-garbage", "400 (the HTTP parser knows no such method), connection closed", lambda n: expect_parser_refusal(n.port, f"BREW {HANDSHAKE} HTTP/1.1\r\nHost: x\r\n\r\n".encode())),
    Case("eio-3", "400 code 5 Unsupported protocol version", lambda n: expect_engine_error(n.port, get("/socket.io/?EIO=3&transport=polling"), 5)),
    Case("eio-5", "400 code 5", lambda n: expect_engine_error(n.port, get("/socket.io/?EIO=5&transport=polling"), 5)),
    Case("eio-missing", "400 code 5", lambda n: expect_engine_error(n.port, get("/socket.io/?transport=polling"), 5)),
    Case("eio-garbage", "400 code 5", lambda n: expect_engine_error(n.port, get("/socket.io/?EIO=%ff%00&transport=polling"), 5)),
    Case("transport-unknown", "400 code 0 Transport unknown", lambda n: expect_engine_error(n.port, get(f"{EIO}&transport=flashsocket"), 0)),
    Case("transport-missing", "400 code 0", lambda n: expect_engine_error(n.port, get(EIO), 0)),
    Case("sid-garbage", "400 code 1 Session ID unknown", lambda n: expect_engine_error(n.port, get(f"{HANDSHAKE}&sid=%00%ff'\""), 1)),
    Case("sid-oversized", "400 code 1", lambda n: expect_engine_error(n.port, get(f"{HANDSHAKE}&sid={'A' * 4000}"), 1)),
    Case("sid-routing-tag-of-no-node", "400 code 1", lambda n: expect_engine_error(n.port, get(f"{HANDSHAKE}&sid={TAGLESS_SID}"), 1)),
    Case("sid-post-unknown", "400 code 1", lambda n: expect_engine_error(n.port, post(f"{HANDSHAKE}&sid={TAGLESS_SID}", b"40"), 1)),
    Case("query-huge", "400, connection closed (the head is over the parser's 80 KB; Node answers 431)", lambda n: expect_parser_refusal(n.port, get(f"{HANDSHAKE}&x={'q' * 200_000}"))),
    Case("query-repeated-names", "first value wins: handshake", handshake_ok(get(f"{HANDSHAKE}&transport=websocket&EIO=3"))),
    Case("query-bad-percent-escapes", "400 code 1 (sid unknown)", lambda n: expect_engine_error(n.port, get(f"{HANDSHAKE}&sid=%zz%4"), 1)),
    Case("header-huge", "400, connection closed (over 80 KB of head)", lambda n: expect_parser_refusal(n.port, get(HANDSHAKE, f"X-Big: {'h' * 200_000}\r\n"))),
    Case("headers-thousands", "served: 5,000 headers fit in the 80 KB head limit", handshake_ok(get(HANDSHAKE, many_headers(5000)))),
    Case("headers-ten-thousand", "400, connection closed (over 80 KB of head)", lambda n: expect_parser_refusal(n.port, get(HANDSHAKE, many_headers(10000)))),
    Case("content-length-invalid", "400, connection closed", lambda n: expect_parser_refusal(n.port, f"POST {HANDSHAKE}&sid={TAGLESS_SID} HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n40".encode())),
    Case("content-length-conflicting", "400, connection closed", lambda n: expect_parser_refusal(n.port, f"POST {HANDSHAKE}&sid={TAGLESS_SID} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n40".encode())),
    Case("content-length-negative", "400, connection closed", lambda n: expect_parser_refusal(n.port, f"POST {HANDSHAKE}&sid={TAGLESS_SID} HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n40".encode())),
    Case("content-length-and-chunked", "400, connection closed", lambda n: expect_parser_refusal(n.port, f"POST {HANDSHAKE}&sid={TAGLESS_SID} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n40\r\n0\r\n\r\n".encode())),
    Case("chunked-body", "200 ok, packets taken", chunked_post),
    Case("chunked-bad-size", "400, connection closed", bad_chunk_size),
    Case("body-oversized", "413, session closed", oversized_body),
    Case("body-oversized-sent-slowly", "413 (or close) before the body ends, session closed", oversized_body_sent_slowly),
    Case("body-stalled", "other requests served meanwhile", stalled_body),
    Case("http-1.0", "200 handshake, connection closed", http10_handshake),
    Case("pipelined-handshakes", "three 200s in order", pipelined),
    Case("pipelined-post-then-get", "200 ok, then the CONNECT answer", pipelined_post_then_get),
    Case("request-line-garbage", "400, connection closed", lambda n: expect_parser_refusal(n.port, b"HELLO WORLD\r\n\r\n")),
    Case("request-binary-garbage", "400, connection closed", lambda n: expect_parser_refusal(n.port, bytes(range(256)) * 4)),
    Case("origin-with-control-character", "400 from the HTTP parser (as Node's), connection closed", lambda n: expect_parser_refusal(n.port, get(HANDSHAKE, "Origin: http://a\x01b\r\n"))),
    Case("origin-with-delete-character", "400 from the HTTP parser, connection closed", lambda n: expect_parser_refusal(n.port, get(HANDSHAKE, "Origin: http://a\x7fb\r\n"))),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_http_bad_input(node, case):
    case.run(node)
