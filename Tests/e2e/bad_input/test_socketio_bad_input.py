"""Bad Socket.IO packets over a raw WebSocket session: a packet the reference's decoder refuses
(socket.io-parser 4.2: `decodeString`, `isPayloadValid`, at most 10 attachments) or a packet in an invalid
state (socket.io `Client.ondecoded`: a second CONNECT, a CONNECT_ERROR from the client, any packet for a
namespace not joined) closes that connection (close 1000 here; the reference's ws sends a close without a
code), before the node's first heartbeat ping; a valid packet the server cannot serve (an unknown
namespace) is answered with CONNECT_ERROR; sizes and counts that are legal but large are served within
bounds. Ours parses JSON at most 64 levels deep (the reference has no limit). The node and every other
connection carry on (conftest.py)."""

import json

import pytest

from bad_input_support import Case, frame, websocket_session

PLACEHOLDER = '{"_placeholder":true,"num":0}'


def closes(*messages):
    """Joins `/`, sends the messages (str: text frame, bytes: binary frame); the server closes."""
    def run(node):
        ws = websocket_session(node.port)
        try:
            for message in messages:
                ws.send(frame(1, message.encode()) if isinstance(message, str) else frame(2, message))
            assert ws.close_code() == 1000
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
        assert ws.close_code() == 1000
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


def placeholders_as_socketio_parser_takes_them(node):
    """socket.io-parser checks only that `num` is a number within the attachments: an attachment
    named twice arrives twice, an unnamed one is dropped, a fractional `num` finds nothing (null)."""
    ws = websocket_session(node.port)
    try:
        ws.send_text('452-5["echo",{"_placeholder":true,"num":0},{"_placeholder":true,"num":0},{"_placeholder":true,"num":0.5}]')
        ws.send(frame(2, b"\x01") + frame(2, b"\x02"))
        answer = ws.read_text()
        assert answer == '462-5[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1},null]', answer
        assert ws.read_frame() == (2, b"\x01")
        assert ws.read_frame() == (2, b"\x01")
    finally:
        ws.close()


def chat_refused(event: str, args: str, error: str):
    """A `/chat` event with bad arguments: acknowledged `{ok: false, error}`, nothing sent, the socket stays."""
    def run(node):
        ws = websocket_session(node.port, "/chat")
        try:
            assert ws.read_text().startswith('42/chat,["welcome",')
            ws.send_text(f'42/chat,7["{event}",{args}]')
            assert ws.read_text() == f'43/chat,7[{{"ok":false,"error":"{error}"}}]'
            ws.send_text('42/chat,8["join","r1"]')
            assert ws.read_text() == '43/chat,8[{"ok":true,"room":"r1"}]'
        finally:
            ws.close()
    return run


def connect_twice_chat(node):
    """A second CONNECT to `/chat` once joined: an invalid state in the reference, the connection closes."""
    ws = websocket_session(node.port, "/chat")
    try:
        assert ws.read_text().startswith('42/chat,["welcome",')
        ws.send_text("40/chat,")
        assert ws.close_code() == 1000
    finally:
        ws.close()


def bench_call_without_room(node):
    """`to-room` and `join` on `/` without a string room: ignored without an ack (BenchHandlers' documented
    answer to malformed calls); the next echo is answered."""
    ws = websocket_session(node.port)
    try:
        ws.send_text('421["to-room"]')
        ws.send_text('422["join",5]')
        ws.send_text('429["echo","after"]')
        assert ws.read_text() == '439["after"]'
    finally:
        ws.close()


def closes_before_join(message: str):
    def run(node):
        ws = websocket_session(node.port, None)
        try:
            ws.send_text(message)
            assert ws.close_code() == 1000
        finally:
            ws.close()
    return run


DEEP = 100_000

CASES = [
    Case("namespace-unknown", "`40/nope,`", "CONNECT_ERROR `Invalid namespace`", connect_error_for_unknown_namespace),
    Case("namespace-ten-thousand", "`40/n0,` … `40/n9999,` on one session", "10,000 CONNECT_ERRORs, session still serves `/`", ten_thousand_namespaces),
    Case("namespace-900KB-name", "`40/aaaa…,` (900 KB name)", "CONNECT_ERROR `Invalid namespace`", huge_namespace_name),
    Case("namespace-over-message-limit", "`40/aaaa…,` (1.1 MB message)", "close 1009", namespace_over_message_limit),
    Case("json-bad", "`42[\"echo\"`", "close 1000", closes('42["echo"')),
    Case("json-trailing-garbage", "`42[\"echo\"]x`", "close 1000", closes('42["echo"]x')),
    Case("nesting-100000-in-event", "`42[\"echo\",[[[…]]]]` 100,000 deep", "close 1000 (JSON depth limit 64; the reference parses any depth)", closes('42["echo",' + "[" * DEEP + "]" * DEEP + "]")),
    Case("nesting-100000-in-auth", "`40{\"a\":{\"a\":…1}}` 100,000 deep", "close 1000 (depth limit; the reference parses it and connects)", closes_before_join("40" + '{"a":' * DEEP + "1" + "}" * DEEP)),
    Case("nesting-64-in-event", "echo with 63 nested arrays (64 levels with the packet's array)", "served: echo acked (the deepest accepted)", answered('426["echo",' + "[" * 63 + "]" * 63 + "]", '436[' + "[" * 63 + "]" * 63 + "]")),
    Case("event-name-object", "`42[{\"a\":1}]`", "close 1000", closes('42[{"a":1}]')),
    Case("event-name-null", "`42[null]`", "close 1000", closes("42[null]")),
    Case("event-name-number", "`42[1]`", "accepted (the reference allows numbers): no handler, ignored", ignored("42[1]")),
    Case("event-name-reserved", "`42[\"disconnect\"]`", "close 1000", closes('42["disconnect"]')),
    Case("event-empty-array", "`42[]`", "close 1000", closes("42[]")),
    Case("event-payload-object", "`42{\"a\":1}`", "close 1000", closes('42{"a":1}')),
    Case("ack-id-negative", "`42-1[\"echo\",1]`", "close 1000 (not an id, not JSON)", closes('42-1["echo",1]')),
    Case("ack-id-huge", "`4299999999999999999999[\"echo\",1]`", "close 1000 (beyond 2^53; the reference takes the number 1e22 and would ack with id `1e+22`)", closes('4299999999999999999999["echo",1]')),
    Case("ack-id-2^53-minus-1", "`429007199254740991[\"echo\",1]`", "acked with the same id", answered('429007199254740991["echo",1]', "439007199254740991[1]")),
    Case("ack-unknown-id", "`43999[1]`", "ignored", ignored("43999[1]")),
    Case("ack-payload-object", "`43999{\"a\":1}`", "close 1000", closes('43999{"a":1}')),
    Case("attachments-1e9", "`451000000000-[\"echo\",{placeholder}]`", "close 1000", closes(f'451000000000-["echo",{PLACEHOLDER}]')),
    Case("attachments-more-than-announced", "`451-5[\"echo\",{placeholder 0}]`, then two binary frames", "close 1000", more_attachments_than_announced),
    Case("attachments-placeholder-out-of-range", "`451-[\"echo\",{placeholder 7}]` + one binary frame", "close 1000", closes('451-["echo",{"_placeholder":true,"num":7}]', b"\x00")),
    Case("attachments-control", "`451-5[\"echo\",{placeholder 0}]` + binary `01 02`", "echoed back with its attachment", binary_echo_control),
    Case("attachments-placeholder-twice-missing-fraction", "`452-5[\"echo\",{placeholder 0},{placeholder 0},{placeholder 0.5}]` + two binary frames", "echoed: attachment 0 twice and null, as socket.io-parser reconstructs it (attachment 1 unnamed, dropped)", placeholders_as_socketio_parser_takes_them),
    Case("attachments-binary-without-header", "binary frame `01 02`", "close 1000", closes(b"\x01\x02")),
    Case("packet-type-unknown", "`47[\"x\"]`", "close 1000", closes('47["x"]')),
    Case("packet-type-letter", "`4x`", "close 1000", closes("4x")),
    Case("event-to-namespace-not-joined", "`42/chat,[\"join\",\"r\"]` (only `/` joined)", "close 1000", closes('42/chat,["join","r"]')),
    Case("disconnect-namespace-not-joined", "`41/chat,`", "close 1000 (an invalid state, as the reference's client.ondecoded)", closes("41/chat,")),
    Case("arguments-100000", "echo with 100,000 arguments", "echo acked with 100,000 arguments", hundred_thousand_arguments),
    Case("connect-twice", "`40` on `/` already joined", "close 1000 (a second CONNECT is an invalid state in the reference)", closes("40")),
    Case("connect-twice-chat", "`40/chat,` on `/chat` already joined", "CONNECT answered, then the second one closes the connection", connect_twice_chat),
    Case("auth-string", "`40\"token\"`", "close 1000 (CONNECT data must be an object)", closes_before_join('40"token"')),
    Case("auth-array", "`40[1]`", "close 1000", closes_before_join("40[1]")),
    Case("auth-null", "`40null`", "close 1000", closes_before_join("40null")),
    Case("connect-error-from-client", "`44{\"message\":\"x\"}`", "close 1000 (an invalid state in the reference)", closes('44{"message":"x"}')),
    Case("namespace-without-comma", "`42/chat[\"x\"]`", "close 1000 (the rest is read as the namespace, no payload: invalid)", closes('42/chat["x"]')),
    Case("namespace-with-comma", "`40/a,b,`", "close 1000 (`/a` then `b,` is no JSON)", closes_before_join("40/a,b,")),
    Case("ack-id-fraction", "`421.5[\"echo\"]`", "close 1000 (`.5[...]` is no JSON)", closes('421.5["echo"]')),
    Case("attachments-zero", "`450-[\"echo\"]`", "close 1000 (at least 1)", closes('450-["echo"]')),
    Case("attachments-eleven", "`4511-[\"echo\",{placeholder 0}]`", "close 1000 (over the reference's maxAttachments 10)", closes('4511-["echo",' + PLACEHOLDER + "]")),
    Case("attachments-without-dash", "`451[\"echo\",{placeholder 0}]`", "close 1000", closes('451["echo",' + PLACEHOLDER + "]")),
    Case("text-while-awaiting-attachment", "`451-[\"echo\",{placeholder 0}]`, then `42[\"echo\"]`", "close 1000", closes('451-["echo",' + PLACEHOLDER + "]", '42["echo"]')),
    Case("disconnect-with-payload", "`41[\"x\"]`", "close 1000 (DISCONNECT takes no data)", closes('41["x"]')),
    Case("event-without-payload", "`42`", "ignored (the reference decodes it with no data)", ignored("42")),
    Case("ack-without-payload", "`43`", "ignored", ignored("43")),
    Case("json-nan", "`421[\"echo\",NaN]`", "close 1000", closes('421["echo",NaN]')),
    Case("json-bad-escape", "`421[\"echo\",\"\\x\"]`", "close 1000", closes('421["echo","\\x"]')),
    Case("json-lone-surrogate", "`421[\"echo\",\"\\ud800\"]`", "echoed as U+FFFD (the reference echoes the escape `\\ud800`)", answered('421["echo","\\ud800"]', '431["\ufffd"]')),
    Case("json-number-1e400", "`421[\"echo\",1e400]`", "echoed as null (as JSON.parse → Infinity → JSON.stringify)", answered('421["echo",1e400]', "431[null]")),
    Case("json-number-2^64", "`421[\"echo\",18446744073709551616]`", "echoed as 18446744073709552000 (a double, as JavaScript)", answered('421["echo",18446744073709551616]', "431[18446744073709552000]")),
    Case("json-duplicate-keys", "`421[\"echo\",{\"a\":1,\"a\":2}]`", "the last one wins (as JSON.parse)", answered('421["echo",{"a":1,"a":2}]', '431[{"a":2}]')),
    Case("json-proto-key", "`421[\"echo\",{\"__proto__\":{\"x\":1}}]`", "kept as a plain key", answered('421["echo",{"__proto__":{"x":1}}]', '431[{"__proto__":{"x":1}}]')),
    Case("nesting-65-in-event", "echo with 64 nested arrays (65 levels with the packet's array)", "close 1000 (one level over the limit; the reference parses any depth)", closes('426["echo",' + "[" * 64 + "]" * 64 + "]")),
    Case("event-string-900KB", "echo of a 900 KB string", "echo acked with the 900 KB string", answered('421["echo","' + "x" * 900_000 + '"]', '431["' + "x" * 900_000 + '"]')),
    Case("chat-join-room-too-long", "`/chat` `join` with a 65-character room", "ack {ok:false}", chat_refused("join", '"' + "r" * 65 + '"', "room must be 1 to 64 characters")),
    Case("chat-join-room-a-number", "`/chat` `join` with `5`", "ack {ok:false}", chat_refused("join", "5", "room must be 1 to 64 characters")),
    Case("chat-message-not-an-object", "`/chat` `chat` with `\"hi\"`", "ack {ok:false}", chat_refused("chat", '"hi"', "text must be 1 to 500 characters")),
    Case("chat-text-too-long", "`/chat` `chat` with a 501-character text", "ack {ok:false}", chat_refused("chat", '{"text":"' + "t" * 501 + '"}', "text must be 1 to 500 characters")),
    Case("chat-room-a-number", "`/chat` `chat` with `{\"text\":\"a\",\"room\":5}`", "ack {ok:false}", chat_refused("chat", '{"text":"a","room":5}', "room must be 1 to 64 characters, or null")),
    Case("bench-calls-without-room", "`421[\"to-room\"]`, `422[\"join\",5]` on `/`", "ignored, no ack (documented)", bench_call_without_room),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_socketio_bad_input(node, case):
    case.run(node)
