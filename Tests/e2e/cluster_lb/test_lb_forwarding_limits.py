"""Forwarded requests keep the owner's limits and the client's lifetime.

A POST for another node's session whose body is over maxHttpBufferSize is answered 413 by the node
that received it, as the owner would answer (it used to be truncated, given a new Content-Length and
relayed). A client that closes its connection while its forwarded GET waits at the owner cancels the
relay: the owner sees the poll abandoned at once (as if the client had been connected to it), and the
forwarding slot is freed, instead of waiting for the next ping. Real nodes, Redis and HAProxy.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.parse

from cluster_scenario import Metrics, parse_metrics
from lb_support import HOST, handshake, polling_url, timed_request

MAX_HTTP_BUFFER_SIZE = 1_000_000


def scrape(node_url: str) -> Metrics:
    status, body, _ = timed_request("GET", node_url + "/metrics")
    assert status == 200, status
    return Metrics(parse_metrics(body.decode()))


def post_raw(url: str, head_lines: list[str], chunks: list[bytes]) -> bytes:
    """Sends a POST head and then body chunks until the node answers or closes; returns the answer."""
    target = urllib.parse.urlsplit(url)
    sock = socket.create_connection((HOST, target.port), timeout=10)
    try:
        sock.sendall((f"POST {target.path}?{target.query} HTTP/1.1\r\nHost: {HOST}\r\n"
                      + "".join(line + "\r\n" for line in head_lines) + "\r\n").encode())
        for chunk in chunks:
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
        sock.settimeout(10)
        answer = b""
        while not answer.endswith(b"\r\n\r\n"):
            data = sock.recv(4096)
            if not data:
                break
            answer += data
        return answer
    finally:
        sock.close()


def test_an_oversized_forwarded_post_is_answered_413_and_the_session_survives(sid_cluster):
    owner, other = sid_cluster.node_urls["node1"], sid_cluster.node_urls["node2"]
    sid = handshake(owner)
    before = scrape(other).value("socketio_engine_payload_too_large_total")
    # Announced too large: answered at the head. Chunked past the bound: answered mid-body.
    announced = post_raw(polling_url(other, sid), ["Content-Type: text/plain", f"Content-Length: {MAX_HTTP_BUFFER_SIZE + 1}"], [])
    assert announced.startswith(b"HTTP/1.1 413 "), announced[:200]
    piece = b"x" * 65536
    chunks = [b"10001\r\n4" + piece + b"\r\n"] + [b"10000\r\n" + piece + b"\r\n"] * 20
    chunked = post_raw(polling_url(other, sid), ["Content-Type: text/plain", "Transfer-Encoding: chunked"], chunks)
    assert chunked.startswith(b"HTTP/1.1 413 "), chunked[:200]
    assert scrape(other).value("socketio_engine_payload_too_large_total") == before + 2
    # The owner never saw a truncated payload: the session is still open and usable.
    status, data, _ = timed_request("POST", polling_url(owner, sid), body=b"40")
    assert (status, data) == (200, b"ok"), (status, data)
    status, data, _ = timed_request("GET", polling_url(owner, sid))
    assert status == 200 and data.startswith(b"40"), (status, data[:200])


def test_a_client_that_leaves_cancels_its_forwarded_poll(sid_cluster):
    owner, other = sid_cluster.node_urls["node1"], sid_cluster.node_urls["node2"]
    sid = handshake(owner)
    closes_before = scrape(owner).value("socketio_engine_closes_total", reason="transport error")
    target = urllib.parse.urlsplit(polling_url(other, sid))
    sock = socket.create_connection((HOST, target.port), timeout=5)
    sock.sendall(f"GET {target.path}?{target.query} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
    time.sleep(0.5)  # forwarded and parked at the owner
    sock.close()
    started = time.monotonic()
    deadline = started + 10
    closes = closes_before
    while time.monotonic() < deadline and closes == closes_before:
        time.sleep(0.1)
        closes = scrape(owner).value("socketio_engine_closes_total", reason="transport error")
    print(f"owner saw the abandoned poll after {time.monotonic() - started:.2f}s")
    assert closes == closes_before + 1, "the owner kept the forwarded poll after the client left"
    status, data, _ = timed_request("GET", polling_url(owner, sid))
    assert (status, json.loads(data)) == (400, {"code": 1, "message": "Session ID unknown"})
