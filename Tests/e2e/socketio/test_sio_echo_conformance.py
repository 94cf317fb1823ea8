"""socketio-echo conformance with the python-socketio client, over every transport mode.

socketio-echo: on each connection to `/` and `/custom` it emits `auth` with the handshake's auth
payload; `message` is answered with `message-back` carrying the same arguments; `message-with-ack`
is acknowledged with the same arguments."""

import pytest

from sio_helpers import Clients, open_raw_session, run, sio_json

AUTH = {"token": "abc", "user": "ünïcødé", "nested": {"n": 1, "flags": [True, False, None]}}

# Argument tuples sent as `message` / `message-with-ack`; each must come back unchanged.
PAYLOADS = {
    "no-arguments": (),
    "strings": ("hello", "", "ünïcødé ☃ 🎉", "record\x1eseparator", 'quote " backslash \\ slash /', "42[\"not\",\"a packet\"]"),
    "numbers": (0, 1, -1, 3.5, -0.25, 0.1, 2**53 - 1, -(2**31), 1e100),
    "booleans-and-null": (True, False, None),
    "nested-objects": ({"a": {"b": [1, 2, {"c": None}]}, "empty-list": [], "empty-object": {}, "s": "x"},),
    "arrays": ([1, "two", [3, [4, [5]]], {"k": [None]}], []),
    "binary-top-level": (b"\x00\x01\x02\xff",),
    "binary-empty": (b"",),
    "binary-nested": (
        {"file": bytes(range(256)), "meta": {"parts": [b"a", "text", {"deep": b"\xff\xfe"}]}},
        [b"x", [b"y", {"z": b"z"}]],
        "trailing text",
    ),
    "binary-lookalike-object": ({"_placeholder": False, "num": 0}, b"real"),
}


def test_auth_payload_reaches_both_namespaces(start_echo, mode):
    server = start_echo()

    async def scenario():
        async with Clients(server) as clients:
            client = await clients.connect(mode, namespaces=["/", "/custom"], auth=AUTH)
            for namespace in ("/", "/custom"):
                got = await client.wait_event("auth", namespace)
                assert got == [[AUTH]], f"auth event on {namespace}"
            # one Engine.IO connection, one Socket.IO socket per namespace, with distinct ids
            sids = client.sid_of
            assert len(set(sids.values())) == 2, sids
            assert all(isinstance(s, str) and len(s) == 20 for s in sids.values()), sids

    run(scenario())


def test_connect_without_auth_gives_empty_object(start_echo, mode):
    server = start_echo()

    async def scenario():
        async with Clients(server) as clients:
            client = await clients.connect(mode, namespaces=["/custom"])
            assert await client.wait_event("auth", "/custom") == [[{}]]

    run(scenario())


@pytest.mark.parametrize("case", list(PAYLOADS))
def test_message_back_with_same_arguments(start_echo, mode, case):
    server = start_echo()
    args = PAYLOADS[case]

    async def scenario():
        async with Clients(server) as clients:
            client = await clients.connect(mode, namespaces=["/", "/custom"])
            for namespace in ("/", "/custom"):
                await client.send_event("message", *args, namespace=namespace)
                got = await client.wait_event("message-back", namespace)
                assert got == [list(args)], f"message-back on {namespace}"

    run(scenario())


@pytest.mark.parametrize("case", list(PAYLOADS))
def test_message_with_ack_returns_same_arguments(start_echo, mode, case):
    server = start_echo()
    args = PAYLOADS[case]

    async def scenario():
        async with Clients(server) as clients:
            client = await clients.connect(mode, namespaces=["/", "/custom"])
            for namespace in ("/", "/custom"):
                assert await client.request("message-with-ack", *args, namespace=namespace) == list(args)

    run(scenario())


def test_many_messages_keep_order(start_echo, mode):
    """Interleaved text and binary events come back in the order they were sent."""
    server = start_echo()

    async def scenario():
        async with Clients(server) as clients:
            client = await clients.connect(mode)
            # at most 13 Engine.IO packets in flight: python-engineio refuses polling payloads of
            # more than 16 packets, and the server may batch all replies into one response
            sent = [(i, b"\x00" + bytes([i])) if i % 3 == 0 else (i, f"text {i}") for i in range(1, 11)]
            for args in sent:
                await client.send_event("message", *args)
            got = await client.wait_event("message-back", count=len(sent))
            assert got == [list(a) for a in sent]

    run(scenario())


@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_raw_connect_packets(start_echo, transport):
    """Wire format checked by hand: `40` → `40{"sid":…}` then the auth event with `{}`;
    `40/custom,{…}` → `40/custom,{"sid":…}` then `42/custom,["auth",{…}]`."""
    server = start_echo()
    session = open_raw_session(server, transport)
    try:
        session.send("0")
        got = session.receive_until(lambda msgs: len(msgs) >= 2)
        assert set(sio_json(got[0], "0")) == {"sid"}, got
        sid_root = sio_json(got[0], "0")["sid"]
        assert isinstance(sid_root, str) and len(sid_root) == 20, got
        assert sio_json(got[1], "2") == ["auth", {}], got

        session.send('0/custom,{"k":[1,"v"]}')
        got = session.receive_until(lambda msgs: len(msgs) >= 2)
        sid_custom = sio_json(got[0], "0/custom,")["sid"]
        assert len(sid_custom) == 20 and sid_custom != sid_root, got
        assert sio_json(got[1], "2/custom,") == ["auth", {"k": [1, "v"]}], got
        # the Engine.IO sid and the socket ids are independent
        assert session.sid not in (sid_root, sid_custom)

        # an event with ack id 7 is acknowledged as `437[…]`, a namespaced one as `43/custom,8[…]`
        session.send('27["message-with-ack",1,{"a":null}]')
        session.send('2/custom,8["message-with-ack","x"]')
        got = session.receive_until(lambda msgs: len(msgs) >= 2)
        root_acks = [m for m in got if m.startswith("37")]
        custom_acks = [m for m in got if m.startswith("3/custom,8")]
        assert len(root_acks) == 1 and len(custom_acks) == 1, got
        assert sio_json(root_acks[0], "37") == [1, {"a": None}], got
        assert sio_json(custom_acks[0], "3/custom,8") == ["x"], got
    finally:
        session.close()
