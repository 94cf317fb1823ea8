"""Bad HTTP requests to socketio-node: each gets its answer (the reference engine.io's error code and
message where it has one) and, after each, the node is alive, healthy, its RSS flat, and the unrelated
clients still get acks (conftest.py). "Parser refusal" is the answer of our HTTP parser to a request it
cannot read: 400 with no body, `Connection: close`, and the connection closed (Node's llhttp refuses the
same requests with 400 and a close; for an oversized head it answers 431)."""

import json
import socket
import time

import pytest

from bad_input_support import (EIO, Case, connect, engine_error, expect_engine_error,
                               expect_session_closed, expect_session_open, expect_status, get, http_exchange,
                               open_polling, post, read_response, routing_tag)

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
    assert status in (0, 413), status  # 0: the node closed while bytes were still coming (the peer sees a reset)
    expect_session_closed(node.port, sid)


def huge_announced_body(head: str, first_line: bytes = b""):
    """A body announced far over maxHttpBufferSize (nothing is allocated for it), then data: 413 with
    `Connection: close` once the data passes 1 MB, and the session closed."""
    def run(node):
        sid = open_polling(node.port)
        with connect(node.port) as sock:
            sock.sendall(f"POST {HANDSHAKE}&sid={sid} HTTP/1.1\r\nHost: x\r\n{head}\r\n".encode() + first_line)
            for _ in range(20):
                try:
                    sock.sendall(b"4" * 65536)
                except (BrokenPipeError, ConnectionResetError):
                    break
            status, headers, body = read_response(sock, bytearray())
        assert (status, headers.get("connection"), body) == (413, "close", b""), (status, headers, body)
        expect_session_closed(node.port, sid)
    return run


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
            status, headers, body = read_response(sock, bytearray())
        except (ConnectionResetError, BrokenPipeError):
            return
        assert (status, body) == (400, b""), (status, body[:100])
        assert headers.get("connection") == "close", headers
        try:
            assert sock.recv(1) == b"", "the connection stays open"
        except ConnectionResetError:
            pass


def session_request(method: str, headers: str = "", head_only: bool = False):
    """`method` on an open session: 400 code 3 (`Bad request`, the body left out for HEAD) and the session
    stays open. The reference's polling transport answers other methods 500 with no body."""
    def run(node):
        sid = open_polling(node.port)
        with connect(node.port) as sock:
            sock.sendall(f"{method} {HANDSHAKE}&sid={sid} HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode())
            status, got_headers, body = read_response(sock, bytearray(), head_only=head_only)
        expected_status, expected_body = engine_error(3)
        assert status == expected_status, (status, body)
        if head_only:
            assert got_headers.get("content-length") == str(len(json.dumps(expected_body, separators=(",", ":"))))
        else:
            assert json.loads(body) == expected_body, body
        expect_session_open(node.port, sid)
    return run


def transport_mismatch(node):
    """A polling session asked for with `transport=websocket` and no upgrade: 400 code 3, as the reference
    (TRANSPORT_MISMATCH); the session stays open."""
    sid = open_polling(node.port)
    expect_engine_error(node.port, get(f"{EIO}&transport=websocket&sid={sid}"), 3)
    expect_session_open(node.port, sid)


def eio_3_on_a_session(node):
    """EIO is read only at the handshake (as the reference): a request of an open session with EIO=3 is served."""
    sid = open_polling(node.port)
    status, _, body = http_exchange(node.port, post(f"/socket.io/?EIO=3&transport=polling&sid={sid}", b"3"))
    assert (status, body) == (200, b"ok"), (status, body)


def sid_repeated(node):
    """Two `sid` parameters: the first is the one used (the reference's `Object.fromEntries(searchParams)`
    keeps the last one)."""
    sid = open_polling(node.port)
    status, _, body = http_exchange(node.port, post(f"{HANDSHAKE}&sid={sid}&sid={TAGLESS_SID}", b"3"))
    assert (status, body) == (200, b"ok"), (status, body)
    expect_engine_error(node.port, post(f"{HANDSHAKE}&sid={TAGLESS_SID}&sid={sid}", b"3"), 1)


def sid_of_another_node(node):
    """A well-formed sid whose routing tag is that of a node that does not exist (no cluster here): 400 code 1,
    for polling and for a POST."""
    sid = routing_tag("ghost-node-of-no-cluster") + "aaaaaaaaaaaaaaaa"
    expect_engine_error(node.port, get(f"{HANDSHAKE}&sid={sid}"), 1)
    expect_engine_error(node.port, post(f"{HANDSHAKE}&sid={sid}", b"40"), 1)


def sid_own_tag_unknown(node):
    """This node's own routing tag with a made-up rest: 400 code 1."""
    own = open_polling(node.port)[:4]
    expect_engine_error(node.port, get(f"{HANDSHAKE}&sid={own}Zzzzzzzzzzzzzzzz"), 1)


def expect_100_continue(node):
    """`Expect: 100-continue` on a POST: no interim `100 Continue` (Node's HTTP server sends one; clients
    such as curl send the body anyway after waiting about a second); once the body comes, 200 ok."""
    sid = open_polling(node.port)
    with connect(node.port) as sock:
        sock.sendall(f"POST {HANDSHAKE}&sid={sid} HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                     "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\n".encode())
        sock.settimeout(0.5)
        try:
            interim = sock.recv(100)
        except socket.timeout:
            interim = b""
        assert interim == b"", interim
        sock.settimeout(5)
        sock.sendall(b"40")
        status, _, body = read_response(sock, bytearray())
    assert (status, body) == (200, b"ok"), (status, body)


def pipelined_valid_then_garbage(node):
    """A good request and garbage in one write: the first is answered 200, then the parser refusal."""
    with connect(node.port) as sock:
        sock.sendall(get("/healthz") + b"\x00\x01\x02 garbage\r\n\r\n")
        buffer = bytearray()
        first = read_response(sock, buffer)
        second = read_response(sock, buffer)
        assert sock.recv(1) == b"", "the connection stays open"
    assert first[0] == 200, first
    assert (second[0], second[1].get("connection"), second[2]) == (400, "close", b""), second


def get_with_body(node):
    """A GET with a body: the body is read and ignored, the handshake answered, the connection reusable."""
    with connect(node.port) as sock:
        sock.sendall(get(HANDSHAKE).replace(b"\r\n\r\n", b"\r\nContent-Length: 5\r\n\r\nhello") + get("/healthz"))
        buffer = bytearray()
        first = read_response(sock, buffer)
        second = read_response(sock, buffer)
    assert first[0] == 200 and first[2].startswith(b"0{"), first
    assert second[0] == 200, second


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
    Case("path-unknown", "`GET /nope`", "404", lambda n: expect_status(n.port, get("/nope"), 404)),
    Case("path-without-trailing-slash-prefix", "`GET /socket.iox/?EIO=4&transport=polling`", "404", lambda n: expect_status(n.port, get("/socket.iox/?EIO=4&transport=polling"), 404)),
    Case("path-nul-byte", "`GET /socket.io/\\x00?EIO=4&transport=polling`", "400 (the HTTP parser refuses it), connection closed", lambda n: expect_parser_refusal(n.port, get("/socket.io/\x00?EIO=4&transport=polling"))),
    Case("path-absolute-form", "`GET http://127.0.0.1/socket.io/?EIO=4&transport=polling`", "404 (the path does not start with /socket.io/, as in the reference's check)", lambda n: expect_status(n.port, get(f"http://127.0.0.1{HANDSHAKE}"), 404)),
    Case("method-put-handshake", "`PUT /socket.io/?EIO=4&transport=polling` (no sid)", "400 code 2 Bad handshake method", lambda n: expect_engine_error(n.port, f"PUT {HANDSHAKE} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".encode(), 2)),
    Case("method-post-handshake", "`POST` handshake (no sid), body `40`", "400 code 2 Bad handshake method", lambda n: expect_engine_error(n.port, post(HANDSHAKE, b"40"), 2)),
    Case("method-garbage", "`BREW /socket.io/?EIO=4&transport=polling`", "400 (the HTTP parser knows no such method), connection closed", lambda n: expect_parser_refusal(n.port, f"BREW {HANDSHAKE} HTTP/1.1\r\nHost: x\r\n\r\n".encode())),
    Case("eio-3", "handshake with `EIO=3`", "400 code 5 Unsupported protocol version", lambda n: expect_engine_error(n.port, get("/socket.io/?EIO=3&transport=polling"), 5)),
    Case("eio-5", "handshake with `EIO=5`", "400 code 5", lambda n: expect_engine_error(n.port, get("/socket.io/?EIO=5&transport=polling"), 5)),
    Case("eio-missing", "handshake without `EIO`", "400 code 5", lambda n: expect_engine_error(n.port, get("/socket.io/?transport=polling"), 5)),
    Case("eio-garbage", "handshake with `EIO=%ff%00`", "400 code 5", lambda n: expect_engine_error(n.port, get("/socket.io/?EIO=%ff%00&transport=polling"), 5)),
    Case("transport-unknown", "`transport=flashsocket`", "400 code 0 Transport unknown", lambda n: expect_engine_error(n.port, get(f"{EIO}&transport=flashsocket"), 0)),
    Case("transport-missing", "no `transport`", "400 code 0", lambda n: expect_engine_error(n.port, get(EIO), 0)),
    Case("sid-garbage", "`sid=%00%ff'\"`", "400 code 1 Session ID unknown", lambda n: expect_engine_error(n.port, get(f"{HANDSHAKE}&sid=%00%ff'\""), 1)),
    Case("sid-oversized", "a 4,000-character sid", "400 code 1", lambda n: expect_engine_error(n.port, get(f"{HANDSHAKE}&sid={'A' * 4000}"), 1)),
    Case("sid-routing-tag-of-no-node", "GET with sid `ZZZZaaaaaaaaaaaaaaaa`", "400 code 1", lambda n: expect_engine_error(n.port, get(f"{HANDSHAKE}&sid={TAGLESS_SID}"), 1)),
    Case("sid-post-unknown", "POST `40` with sid `ZZZZaaaaaaaaaaaaaaaa`", "400 code 1", lambda n: expect_engine_error(n.port, post(f"{HANDSHAKE}&sid={TAGLESS_SID}", b"40"), 1)),
    Case("query-huge", "handshake with a 200 KB query parameter", "400, connection closed (the head is over the parser's 80 KB; Node answers 431)", lambda n: expect_parser_refusal(n.port, get(f"{HANDSHAKE}&x={'q' * 200_000}"))),
    Case("query-repeated-names", "`...&transport=polling&transport=websocket&EIO=3`", "the first value of each name is used: 200 handshake (reference: the last one, via URLSearchParams → websocket without upgrade → 400 code 3)", handshake_ok(get(f"{HANDSHAKE}&transport=websocket&EIO=3"))),
    Case("query-bad-percent-escapes", "`sid=%zz%4`", "400 code 1 (sid unknown)", lambda n: expect_engine_error(n.port, get(f"{HANDSHAKE}&sid=%zz%4"), 1)),
    Case("header-huge", "one 200 KB header", "400, connection closed (over 80 KB of head)", lambda n: expect_parser_refusal(n.port, get(HANDSHAKE, f"X-Big: {'h' * 200_000}\r\n"))),
    Case("headers-thousands", "5,000 headers of 8-byte values (~70 KB)", "served: 5,000 headers fit in the 80 KB head limit (Node: 431 over its 16 KB)", handshake_ok(get(HANDSHAKE, many_headers(5000)))),
    Case("headers-ten-thousand", "10,000 headers (~140 KB)", "400, connection closed (over 80 KB of head)", lambda n: expect_parser_refusal(n.port, get(HANDSHAKE, many_headers(10000)))),
    Case("content-length-invalid", "`Content-Length: abc`", "400, connection closed", lambda n: expect_parser_refusal(n.port, f"POST {HANDSHAKE}&sid={TAGLESS_SID} HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n40".encode())),
    Case("content-length-conflicting", "`Content-Length: 2` and `Content-Length: 5`", "400, connection closed", lambda n: expect_parser_refusal(n.port, f"POST {HANDSHAKE}&sid={TAGLESS_SID} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n40".encode())),
    Case("content-length-negative", "`Content-Length: -5`", "400, connection closed", lambda n: expect_parser_refusal(n.port, f"POST {HANDSHAKE}&sid={TAGLESS_SID} HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n40".encode())),
    Case("content-length-and-chunked", "`Content-Length: 2` + `Transfer-Encoding: chunked`", "400, connection closed", lambda n: expect_parser_refusal(n.port, f"POST {HANDSHAKE}&sid={TAGLESS_SID} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n40\r\n0\r\n\r\n".encode())),
    Case("chunked-body", "POST `40` as one chunk (`2\\r\\n40\\r\\n0\\r\\n\\r\\n`)", "200 ok, packets taken", chunked_post),
    Case("chunked-bad-size", "chunk size `zz`", "400, connection closed", bad_chunk_size),
    Case("body-oversized", "POST of 1,100,001 bytes (limit 1,000,000)", "413, session closed", oversized_body),
    Case("body-oversized-sent-slowly", "`Content-Length: 2000000`, then 64 KB every 10 ms", "413 (or close) before the body ends, session closed", oversized_body_sent_slowly),
    Case("body-stalled", "`Content-Length: 1000`, 10 bytes, then nothing", "other requests served meanwhile", stalled_body),
    Case("http-1.0", "`GET ... HTTP/1.0`, no Host, no keep-alive", "200 handshake, connection closed", http10_handshake),
    Case("pipelined-handshakes", "three handshakes in one write", "three 200s in order", pipelined),
    Case("pipelined-post-then-get", "POST `40` and GET of the same sid in one write", "200 ok, then the CONNECT answer", pipelined_post_then_get),
    Case("request-line-garbage", "`HELLO WORLD\\r\\n\\r\\n`", "400, connection closed", lambda n: expect_parser_refusal(n.port, b"HELLO WORLD\r\n\r\n")),
    Case("request-binary-garbage", "bytes 0-255 four times", "400, connection closed", lambda n: expect_parser_refusal(n.port, bytes(range(256)) * 4)),
    Case("origin-with-control-character", "`Origin: http://a\\x01b`", "400 from the HTTP parser (as Node's), connection closed", lambda n: expect_parser_refusal(n.port, get(HANDSHAKE, "Origin: http://a\x01b\r\n"))),
    Case("origin-with-delete-character", "`Origin: http://a\\x7fb`", "400 from the HTTP parser, connection closed", lambda n: expect_parser_refusal(n.port, get(HANDSHAKE, "Origin: http://a\x7fb\r\n"))),
    Case("method-delete-on-session", "`DELETE` with the sid of an open session", "400 code 3 Bad request, session open (reference: 500, no body)", session_request("DELETE")),
    Case("method-head-on-session", "`HEAD` with the sid of an open session", "400 code 3 head, no body; session open (reference: 500)", session_request("HEAD", head_only=True)),
    Case("method-options-handshake", "`OPTIONS` handshake (no sid, no CORS configured)", "400 code 2 Bad handshake method (no CORS configured)", lambda n: expect_engine_error(n.port, f"OPTIONS {HANDSHAKE} HTTP/1.1\r\nHost: x\r\n\r\n".encode(), 2)),
    Case("method-lowercase", "`get /socket.io/?EIO=4&transport=polling`", "parser refusal (methods are case-sensitive)", lambda n: expect_parser_refusal(n.port, f"get {HANDSHAKE} HTTP/1.1\r\nHost: x\r\n\r\n".encode())),
    Case("transport-mismatch", "`transport=websocket&sid=<polling sid>` without upgrade headers", "400 code 3 Bad request, session open", transport_mismatch),
    Case("eio-3-on-a-session", "POST `3` with `EIO=3` and the sid of an open session", "served: 200 ok (EIO is checked at the handshake only)", eio_3_on_a_session),
    Case("sid-empty", "GET with `sid=`", "400 code 1 (reference: an empty sid is no sid, so a handshake)", lambda n: expect_engine_error(n.port, get(f"{HANDSHAKE}&sid="), 1)),
    Case("sid-repeated", "`sid=<open>&sid=<unknown>`, then the other order", "the first sid is used (reference: the last one)", sid_repeated),
    Case("sid-routing-tag-of-another-node", "sid = routing tag of node id `ghost-node-of-no-cluster` + 16 chars (GET and POST)", "400 code 1 (GET and POST)", sid_of_another_node),
    Case("sid-own-tag-unknown", "sid = this node's routing tag + 16 made-up chars", "400 code 1", sid_own_tag_unknown),
    Case("content-length-2^63", "`Content-Length: 9223372036854775808`, then 1.3 MB", "413 + Connection: close once 1 MB has come, session closed", huge_announced_body("Content-Length: 9223372036854775808\r\n")),
    Case("content-length-over-2^64", "`Content-Length: 99999999999999999999`", "parser refusal", lambda n: expect_parser_refusal(n.port, f"POST {HANDSHAKE}&sid={TAGLESS_SID} HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n".encode())),
    Case("content-length-plus-sign", "`Content-Length: +2`", "parser refusal", lambda n: expect_parser_refusal(n.port, f"POST {HANDSHAKE}&sid={TAGLESS_SID} HTTP/1.1\r\nHost: x\r\nContent-Length: +2\r\n\r\n40".encode())),
    Case("content-length-duplicate-equal", "`Content-Length: 2` twice", "parser refusal (as llhttp: a repeated Content-Length)", lambda n: expect_parser_refusal(n.port, f"POST {HANDSHAKE}&sid={TAGLESS_SID} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n40".encode())),
    Case("content-length-list", "`Content-Length: 2, 2`", "parser refusal", lambda n: expect_parser_refusal(n.port, f"POST {HANDSHAKE}&sid={TAGLESS_SID} HTTP/1.1\r\nHost: x\r\nContent-Length: 2, 2\r\n\r\n40".encode())),
    Case("chunk-size-2^64-1", "chunk size `FFFFFFFFFFFFFFFF`, then 1.3 MB", "413 + Connection: close once 1 MB has come, session closed", huge_announced_body("Transfer-Encoding: chunked\r\n", b"FFFFFFFFFFFFFFFF\r\n")),
    Case("chunk-size-over-2^64", "chunk size `FFFFFFFFFFFFFFFFFF`", "parser refusal", lambda n: expect_parser_refusal(n.port, f"POST {HANDSHAKE}&sid={TAGLESS_SID} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\n".encode())),
    Case("transfer-encoding-gzip", "`Transfer-Encoding: gzip` (not chunked)", "parser refusal (a body of unknown length)", lambda n: expect_parser_refusal(n.port, f"POST {HANDSHAKE}&sid={TAGLESS_SID} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n".encode())),
    Case("expect-100-continue", "POST with `Expect: 100-continue`, body after 0.5 s", "no interim 100 (Node sends one); after the body 200 ok", expect_100_continue),
    Case("http-version-2.0", "`GET ... HTTP/2.0`", "parser refusal", lambda n: expect_parser_refusal(n.port, f"GET {HANDSHAKE} HTTP/2.0\r\nHost: x\r\n\r\n".encode())),
    Case("http-version-9.9", "`GET ... HTTP/9.9`", "parser refusal", lambda n: expect_parser_refusal(n.port, f"GET {HANDSHAKE} HTTP/9.9\r\nHost: x\r\n\r\n".encode())),
    Case("http-0.9-request-line", "`GET /socket.io/?...` with no version", "parser refusal", lambda n: expect_parser_refusal(n.port, f"GET {HANDSHAKE}\r\n\r\n".encode())),
    Case("header-obs-fold", "header continued on the next line (`X-A: a\\r\\n b`)", "parser refusal", lambda n: expect_parser_refusal(n.port, get(HANDSHAKE, "X-A: a\r\n b\r\n"))),
    Case("header-without-colon", "header line `NoColon`", "parser refusal", lambda n: expect_parser_refusal(n.port, get(HANDSHAKE, "NoColon\r\n"))),
    Case("header-space-before-colon", "`X-A : b`", "parser refusal", lambda n: expect_parser_refusal(n.port, get(HANDSHAKE, "X-A : b\r\n"))),
    Case("line-endings-bare-lf", "request with `\\n` line endings", "parser refusal", lambda n: expect_parser_refusal(n.port, f"GET {HANDSHAKE} HTTP/1.1\nHost: x\n\n".encode())),
    Case("host-missing", "HTTP/1.1 handshake without Host", "served: 200 handshake (Node 20+ answers 400 to HTTP/1.1 without Host)", handshake_ok(f"GET {HANDSHAKE} HTTP/1.1\r\n\r\n".encode())),
    Case("path-dot-segments", "`GET /socket.io/../socket.io/?EIO=4&transport=polling`", "served: the path starts with /socket.io/, the reference's prefix check", handshake_ok(get(f"/socket.io/../socket.io/?EIO=4&transport=polling"))),
    Case("path-percent-encoded-prefix", "`GET /socket%2Eio/?EIO=4&transport=polling`", "404 (/socket%2Eio/ is not /socket.io/)", lambda n: expect_status(n.port, get("/socket%2Eio/?EIO=4&transport=polling"), 404)),
    Case("get-with-body", "handshake GET with `Content-Length: 5` + `hello`, then `/healthz` on the same connection", "body ignored: 200 handshake, connection reusable", get_with_body),
    Case("pipelined-valid-then-garbage", "`GET /healthz` + `\\x00\\x01\\x02 garbage\\r\\n\\r\\n` in one write", "200, then parser refusal", pipelined_valid_then_garbage),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_http_bad_input(node, case):
    case.run(node)
