"""A connection middleware that never finishes is cut off at connectTimeout with a CONNECT_ERROR,
even when the client already holds another namespace, and the client's other namespaces keep working."""

import json
import time

import websocket


def recv_until(ws, predicate, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, "timed out waiting for a matching message"
        ws.settimeout(remaining)
        message = ws.recv()
        if message == "2":
            ws.send("3")
            continue
        if predicate(message):
            return message


def test_hanging_middleware_gets_connect_error_at_the_deadline(start_fixture):
    server = start_fixture("--connect-timeout", "300")
    ws = websocket.create_connection(f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket", timeout=5)
    try:
        assert ws.recv().startswith("0{")
        ws.send("40/custom,")
        recv_until(ws, lambda m: m.startswith("40/custom,{"), 5)

        started = time.monotonic()
        ws.send('40{"token":"hang"}')  # "/" has a middleware that waits an hour for this token
        refusal = recv_until(ws, lambda m: m.startswith("44"), 5)
        elapsed = time.monotonic() - started
        assert json.loads(refusal[2:]) == {"message": "Connection timed out"}, refusal
        assert elapsed < 3, f"the refusal took {elapsed:.2f}s; the deadline is 0.3s"

        # The namespace the client already held is untouched.
        ws.send('42/custom,7["echo","still here"]')
        ack = recv_until(ws, lambda m: m.startswith("43/custom,7"), 5)
        assert json.loads(ack[len("43/custom,7"):]) == ["still here"]
    finally:
        ws.close()
