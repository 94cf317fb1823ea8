"""Bad Socket.IO packets over a raw WebSocket session: a packet the reference's decoder refuses closes
that connection; a valid packet the server cannot serve (an unknown namespace) is answered with
CONNECT_ERROR; sizes and counts that are legal but large are served within bounds. The node and every
other connection carry on (conftest.py)."""

import json

import pytest

from bad_input_support import Case, RawWebSocket, frame, websocket_session

PLACEHOLDER = '{"_placeholder":true,"num":0}'


def closes(*messages):
    """Joins `/`, sends the messages (str: text frame, bytes: binary frame); the server closes."""
    def run(node):
        ws = websocket_session(node.port)
        try:
            for message in messages:
                ws.send(frame(1, message.encode()) if isinstance(message, str) else frame(2, message))
            assert ws.close_code() in (1000, None)
        finally:
            ws.close()
    return run


def answered(send: str, expected: str, namespace="/"):
    """Sends one text message and expects exactly this answer; the session stays usable."""
    def run(node):
        ws = websocket_session(node.port, namespace)
        try:
            ws.send_text(send)
            assert ws.read_text() == expected
            ws.send_text('429["echo","after"]')
            assert ws.read_text() == '439["after"]'
        finally:
            ws.close()
    return run


def ignored(*messages):
    """The messages change nothing: the next echo is answered as if they had not been sent."""
    def run(node):
        ws = websocket_session(node.port)
        try:
            for message in messages:
                ws.send_text(message)
            ws.send_text('429["echo","after"]')
            assert ws.read_text() == '439["after"]'
        finally:
            ws.close()
    return run


def connect_error_for_unknown_namespace(node):
    ws = websocket_session(node.port, None)
    try:
        ws.send_text("40/nope,")
        assert ws.read_text() == '44/nope,{"message":"Invalid namespace"}'
    finally:
        ws.close()


def ten_thousand_namespaces(node):
    """10,000 CONNECTs to namespaces that do not exist on one session: 10,000 CONNECT_ERRORs, nothing
    kept for any of them, and the session still serves `/`."""
    ws = websocket_session(node.port)
    try:
        for start in range(0, 10_000, 500):
            ws.send(b"".join(frame(1, f"40/n{i},".encode()) for i in range(start, start + 500)))
            for i in range(start, start + 500):
                assert ws.read_text() == f'44/n{i},{{"message":"Invalid namespace"}}'
        ws.send_text('429["echo","after"]')
        assert ws.read_text() == '439["after"]'
    finally:
        ws.close()


def huge_namespace_name(node):
    """A 900 KB namespace name (under the 1 MB message limit): CONNECT_ERROR like any unknown one."""
    ws = websocket_session(node.port, None)
    try:
        name = "/" + "a" * 900_000
        ws.send_text(f"40{name},")
        answer = ws.read_text()
        assert answer == f'44{name},{{"message":"Invalid namespace"}}', answer[:80]
    finally:
        ws.close()


def namespace_over_message_limit(node):
    ws = websocket_session(node.port, None)
    try:
        ws.send_text("40/" + "a" * 1_100_000 + ",")
        assert ws.close_code() == 1009
    finally:
        ws.close()


def hundred_thousand_arguments(node):
    ws = websocket_session(node.port)
    try:
        ws.send_text('425["echo",' + ",".join(["1"] * 100_000) + "]")
        answer = ws.read_text()
        assert answer.startswith("435[") and json.loads(answer[3:]) == [1] * 100_000
    finally:
        ws.close()


def more_attachments_than_announced(node):
    ws = websocket_session(node.port)
    try:
        ws.send_text(f'451-5["echo",{PLACEHOLDER}]')
        ws.send(frame(2, b"\x01") + frame(2, b"\x02"))
        assert ws.close_code() in (1000, None)
    finally:
        ws.close()


def binary_echo_control(node):
    """The control for the attachment cases: one announced, one sent, echoed back as binary."""
    ws = websocket_session(node.port)
    try:
        ws.send_text(f'451-5["echo",{PLACEHOLDER}]')
        ws.send(frame(2, b"\x01\x02"))
        assert ws.read_text() == f'461-5[{PLACEHOLDER}]'
        got = ws.read_frame()
        assert got == (2, b"\x01\x02"), got
    finally:
        ws.close()


DEEP = 100_000

CASES = [
    Case("namespace-unknown", "CONNECT_ERROR `Invalid namespace`", connect_error_for_unknown_namespace),
    Case("namespace-ten-thousand", "10,000 CONNECT_ERRORs, session still serves `/`", ten_thousand_namespaces),
    Case("namespace-900KB-name", "CONNECT_ERROR `Invalid namespace`", huge_namespace_name),
    Case("namespace-over-message-limit", "close 1009", namespace_over_message_limit),
    Case("json-bad", "close", closes('42["echo"')),
    Case("json-trailing-garbage", "close", closes('42["echo"]x')),
    Case("nesting-100000-in-event", "close (JSON depth limit 64)", closes('42["echo",' + "[" * DEEP + "]" * DEEP + "]")),
    Case("nesting-100000-in-auth", "close", lambda n: closes_before_join("40" + '{"a":' * DEEP + "1" + "}" * DEEP)(n)),
    Case("nesting-64-in-event", "served: echo acked", answered('426["echo",' + "[" * 62 + "]" * 62 + "]", '436[' + "[" * 62 + "]" * 62 + "]")),
    Case("event-name-object", "close", closes('42[{"a":1}]')),
    Case("event-name-null", "close", closes("42[null]")),
    Case("event-name-number", "accepted (the reference allows numbers): no handler, ignored", ignored("42[1]")),
    Case("event-name-reserved", "close", closes('42["disconnect"]')),
    Case("event-empty-array", "close", closes("42[]")),
    Case("event-payload-object", "close", closes('42{"a":1}')),
    Case("ack-id-negative", "close (not an id, not JSON)", closes('42-1["echo",1]')),
    Case("ack-id-huge", "close (beyond 2^53)", closes('4299999999999999999999["echo",1]')),
    Case("ack-id-2^53-minus-1", "acked with the same id", answered('429007199254740991["echo",1]', "439007199254740991[1]")),
    Case("ack-unknown-id", "ignored", ignored("43999[1]")),
    Case("ack-payload-object", "close", closes('43999{"a":1}')),
    Case("attachments-1e9", "close", closes(f'451000000000-["echo",{PLACEHOLDER}]')),
    Case("attachments-more-than-announced", "close", more_attachments_than_announced),
    Case("attachments-placeholder-out-of-range", "close", closes('451-["echo",{"_placeholder":true,"num":7}]', b"\x00")),
    Case("attachments-control", "echoed back with its attachment", binary_echo_control),
    Case("attachments-binary-without-header", "close", closes(b"\x01\x02")),
    Case("packet-type-unknown", "close", closes('47["x"]')),
    Case("packet-type-letter", "close", closes("4x")),
    Case("event-to-namespace-not-joined", "close", closes('42/chat,["join","r"]')),
    Case("disconnect-namespace-not-joined", "close (an invalid state, as the reference's client.ondecoded)", closes("41/chat,")),
    Case("arguments-100000", "echo acked with 100,000 arguments", hundred_thousand_arguments),
    Case("connect-twice", "close (a second CONNECT is an invalid state in the reference)", closes("40")),
]


def closes_before_join(message: str):
    def run(node):
        ws = websocket_session(node.port, None)
        try:
            ws.send_text(message)
            assert ws.close_code() in (1000, None)
        finally:
            ws.close()
    return run


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_socketio_bad_input(node, case):
    case.run(node)
