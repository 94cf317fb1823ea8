"""HTTP deadlines and the connection cap of socketio-node, with raw sockets against a real process.

Slow or silent peers (nothing sent, a head sent a byte at a time, half a body, an idle keep-alive
connection) are closed at their deadline, as Node's HTTP server closes them (408 where a request was
started); connections over --max-connections get 503; a node at its open-files limit keeps serving the
connections it has without spinning on accept, and accepts again once descriptors are free. Every wait
is bounded; the deadlines the tests set are short so the waits are too, and the bounds are generous
(a noisy machine), so what the tests check is that the connection is closed, not how fast.
"""

from __future__ import annotations

import socket
import time

from node_support import HOST, http_request

WAIT = 20.0  # bound on any single wait for the node to close a connection


def read_until_closed(sock: socket.socket, timeout: float = WAIT) -> tuple[bytes, bool]:
    """Everything the node sends until it closes the connection; (bytes, closed)."""
    sock.settimeout(0.2)
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return data, True
        if not chunk:
            return data, True
        data += chunk
    return data, False


def connect(port: int) -> socket.socket:
    return socket.create_connection((HOST, port), timeout=5)


def test_a_connection_that_sends_nothing_gets_408_and_is_closed(launch_node):
    node = launch_node("--headers-timeout", "2s")
    sock = connect(node.port)
    started = time.monotonic()
    data, closed = read_until_closed(sock)
    elapsed = time.monotonic() - started
    assert closed, f"a silent connection was still open after {WAIT}s"
    assert data.startswith(b"HTTP/1.1 408 "), data[:100]
    print(f"silent connection closed after {elapsed:.2f}s (headers-timeout 2s)")
    assert http_request(node.port, "GET", "/healthz").status == 200


def test_a_head_sent_a_byte_at_a_time_is_closed_at_the_headers_deadline(launch_node):
    node = launch_node("--headers-timeout", "2s")
    sock = connect(node.port)
    head = b"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
    sock.settimeout(0.2)
    started = time.monotonic()
    answer = b""
    for byte in head:  # about one byte every 0.1 s: the head would take 20 s
        try:
            sock.sendall(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            break
        try:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
        except socket.timeout:
            pass
        except ConnectionResetError:
            break
        if time.monotonic() - started > WAIT:
            break
    rest, closed = read_until_closed(sock, timeout=5)
    answer += rest
    elapsed = time.monotonic() - started
    assert closed and answer.startswith(b"HTTP/1.1 408 "), (closed, answer[:100], f"{elapsed:.1f}s")
    print(f"slow head closed after {elapsed:.2f}s (headers-timeout 2s)")


def test_half_a_body_is_closed_at_the_request_deadline(launch_node):
    node = launch_node("--headers-timeout", "2s", "--request-timeout", "3s")
    handshake = http_request(node.port, "GET", "/socket.io/?EIO=4&transport=polling")
    sid = handshake.text.split('"sid":"')[1].split('"')[0]
    sock = connect(node.port)
    sock.sendall(
        f"POST /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: 1000\r\n\r\n4hello".encode()
    )
    started = time.monotonic()
    data, closed = read_until_closed(sock)
    elapsed = time.monotonic() - started
    assert closed, f"half a body still held after {WAIT}s"
    assert data.startswith(b"HTTP/1.1 408 "), data[:100]
    print(f"half body closed after {elapsed:.2f}s (request-timeout 3s)")


def test_an_idle_keep_alive_connection_is_closed_and_a_prompt_one_is_served(launch_node):
    node = launch_node("--keep-alive-timeout", "1s")
    sock = connect(node.port)
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    for _ in range(3):  # requests within the deadline keep the connection
        sock.sendall(request)
        sock.settimeout(5)
        assert sock.recv(4096).startswith(b"HTTP/1.1 200 ")
        time.sleep(0.3)
    started = time.monotonic()
    data, closed = read_until_closed(sock)
    elapsed = time.monotonic() - started
    assert closed and data == b"", (closed, data[:100])
    print(f"idle keep-alive connection closed after {elapsed:.2f}s (keep-alive-timeout 1s)")


def test_connections_over_the_cap_get_503_and_the_cap_frees_up(launch_node, clients):
    node = launch_node("--max-connections", "12", "--bench-handlers")
    member = clients.connect(node.base_url, "/", "websocket")  # one connection
    held = [connect(node.port) for _ in range(11)]  # the other eleven
    time.sleep(0.2)
    refused = connect(node.port)
    data, closed = read_until_closed(refused, timeout=10)
    assert closed and data.startswith(b"HTTP/1.1 503 "), (closed, data[:100])
    assert member.call("echo", "still here") == "still here"
    for sock in held[:5]:
        sock.close()
    time.sleep(0.5)
    assert http_request(node.port, "GET", "/healthz").status == 200
    refused_total = [line for line in http_request(node.port, "GET", "/metrics").text.splitlines()
                      if line.startswith("socketio_http_connections_refused_total")]
    assert refused_total and float(refused_total[0].split()[-1]) >= 1, refused_total
    for sock in held[5:]:
        sock.close()


def test_at_the_open_files_limit_the_node_does_not_spin_and_recovers(launch_node, clients):
    # 200 descriptors for the whole process and no cap of our own: accept() meets EMFILE.
    node = launch_node("--max-connections", "100000", "--headers-timeout", "60s", "--bench-handlers",
                       prefix=["prlimit", "--nofile=200:200", "--"])
    member = clients.connect(node.base_url, "/", "websocket")
    flood = []
    for _ in range(400):
        try:
            sock = socket.socket()
            sock.settimeout(2)
            sock.connect((HOST, node.port))  # completes in the kernel backlog even when not accepted
            flood.append(sock)
        except OSError:
            break
    time.sleep(1.0)
    before_files = node.open_files()
    cpu_before = node.cpu_seconds()
    window_started = time.monotonic()
    time.sleep(3.0)
    cpu_used = node.cpu_seconds() - cpu_before
    window = time.monotonic() - window_started
    print(f"{len(flood)} connections opened, node holds {before_files} descriptors; "
          f"CPU {cpu_used:.2f}s in a {window:.2f}s window at the limit")
    assert before_files >= 190, f"the flood did not reach the open-files limit ({before_files} descriptors)"
    assert cpu_used < window * 0.5, f"the node used {cpu_used:.2f}s of CPU in {window:.2f}s while idle at the limit"
    assert member.call("echo", "served at the limit") == "served at the limit"
    for sock in flood:
        sock.close()
    deadline = time.monotonic() + WAIT
    status = None
    while time.monotonic() < deadline:
        try:
            status = http_request(node.port, "GET", "/healthz", timeout=2).status
            if status == 200:
                break
        except OSError:
            time.sleep(0.2)
    assert status == 200, "the node did not accept again after the flood closed"
    assert member.call("echo", "after") == "after"
