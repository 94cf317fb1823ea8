"""Bad Engine.IO polling payloads: a payload that does not decode closes its session (the reference
answers the POST `ok` and closes with `parse error`); the node and every other session carry on."""

import time

import pytest

from bad_input_support import (EIO, Case, connect, expect_session_closed, expect_session_open, get, http_exchange,
                               open_polling, poll, read_response, send_polling)

RS = b"\x1e"


def closes_session(body: bytes):
    def run(node):
        sid = open_polling(node.port)
        status, answer = send_polling(node.port, sid, body)
        assert status in (200, 400), (status, answer)
        expect_session_closed(node.port, sid)
    return run


def keeps_session(body: bytes):
    def run(node):
        sid = open_polling(node.port)
        status, answer = send_polling(node.port, sid, body)
        assert (status, answer) == (200, b"ok"), (status, answer)
        expect_session_open(node.port, sid)
    return run


def ten_thousand_events(node):
    """10,000 Socket.IO events in one POST, each asking for an ack: all acks come back, in order."""
    sid = open_polling(node.port)
    assert send_polling(node.port, sid, b"40") == (200, b"ok")
    assert poll(node.port, sid)[1].startswith(b"40{")
    body = RS.join(f'42{i}["echo",{i}]'.encode() for i in range(10_000))
    assert send_polling(node.port, sid, body) == (200, b"ok")
    acks: list[bytes] = []
    for _ in range(200):
        status, answer = poll(node.port, sid)
        assert status == 200, (status, answer[:100])
        acks += [packet for packet in answer.split(RS) if packet.startswith(b"43")]
        if len(acks) >= 10_000:
            break
    assert acks[:3] == [b"430[0]", b"431[1]", b"432[2]"] and len(acks) == 10_000, len(acks)


def overlapping_gets(node):
    """A second GET while one is parked: the reference closes the session (`overlap from client`),
    answers the overlapping GET with 400 and the parked one with the close packet."""
    sid = open_polling(node.port)
    with connect(node.port) as parked:
        parked.sendall(get(f"{EIO}&transport=polling&sid={sid}"))
        time.sleep(0.3)  # let the first GET park (were it late, the roles swap: the check allows that)
        second_status, _, second_body = http_exchange(node.port, get(f"{EIO}&transport=polling&sid={sid}"))
        parked_status, _, parked_body = read_response(parked, bytearray())
    answers = sorted([(second_status, second_body), (parked_status, parked_body)])
    assert answers[0][0] == 200 and answers[0][1].split(RS)[-1] == b"1", answers
    assert answers[1][0] == 400, answers
    expect_session_closed(node.port, sid)


CASES = [
    Case("payload-empty", "session closed (parse error)", closes_session(b"")),
    Case("packet-type-unknown", "session closed (parse error)", closes_session(b"9x")),
    Case("packet-type-letter", "session closed", closes_session(b"x")),
    Case("separators-only", "session closed", closes_session(RS * 3)),
    Case("separator-leading", "session closed", closes_session(RS + b"3")),
    Case("separator-trailing", "session closed", closes_session(b"3" + RS)),
    Case("base64-invalid", "session closed", closes_session(b"b!!!!")),
    Case("base64-truncated", "session closed", closes_session(b"baGVsbG8")),
    Case("base64-empty", "binary message of no bytes: Socket.IO refuses it, session closed", closes_session(b"b")),
    Case("message-not-socketio", "session closed (Socket.IO parse error)", closes_session(b"4hello")),
    Case("message-invalid-utf8", "session closed", closes_session(b"4\xff\xfe")),
    Case("upgrade-packet-on-polling", "session closed", closes_session(b"5")),
    Case("pong-ten-thousand", "200 ok, session open", keeps_session(RS.join([b"3"] * 10_000))),
    Case("noop-ten-thousand", "200 ok, session open", keeps_session(RS.join([b"6"] * 10_000))),
    Case("events-ten-thousand-with-acks", "10,000 acks, in order", ten_thousand_events),
    Case("close-packet", "session closed", closes_session(b"1")),
    Case("overlapping-gets", "second GET 400, parked GET answered, session closed", overlapping_gets),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_engineio_bad_input(node, case):
    case.run(node)
