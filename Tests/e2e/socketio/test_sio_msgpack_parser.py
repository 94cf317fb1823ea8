"""The msgpack parser (`socketio-fixture --parser msgpack`, the packet format of the reference's
socket.io-msgpack-parser) with python-socketio's `serializer="msgpack"` client, over polling only,
WebSocket only and polling upgraded to WebSocket: namespaces with auth, events, acks both ways,
native binary both ways, room broadcasts, CONNECT_ERROR answers. Raw sessions check the wire form
(one binary Engine.IO message per packet, a msgpack map) and that a malformed packet closes that
session only. A server and a client that disagree on the parser fail to connect, and the server
keeps serving clients that agree."""

import asyncio

import msgpack
import pytest
import socketio

from sio_helpers import QUIET_PERIOD, Clients, eventually, expect_session_closed_by, open_raw_session, run, stats, wait_stats

MSGPACK = {"serializer": "msgpack"}

BINARY_ARGS = (
    {"image": b"\x89PNG\r\n\x1a\n", "tags": ["a", {"thumb": b"\x00" * 16}], "n": None},
    [b"\x01", [b"\x02", [b"\x03"]]],
    b"",
    "plain",
    1.5,
    -7,
    True,
)


def start_msgpack(start_fixture):
    return start_fixture("--parser", "msgpack")


def test_connect_events_and_acks_both_ways(start_fixture, mode):
    server = start_msgpack(start_fixture)

    async def scenario():
        async with Clients(server) as clients:
            seen = []

            def ask(*args):
                seen.append(list(args))
                return ("got", *args, {"reply": b"\xca\xfe"})

            client = await clients.connect(
                mode, namespaces=["/", "/custom"], auth={"token": "t1"}, handlers={"ask": ask}, **MSGPACK
            )
            (welcome,) = await client.wait_event("welcome")
            assert welcome[:3] == [client.get_sid("/"), "/", {"token": "t1"}]
            (welcome_custom,) = await client.wait_event("welcome", namespace="/custom")
            assert welcome_custom[:2] == [client.get_sid("/custom"), "/custom"]

            # client → server ack, binary values nested anywhere come back as bytes
            assert await client.request("echo", *BINARY_ARGS) == list(BINARY_ARGS)
            assert await client.request("echo", "in custom", b"\xff", namespace="/custom") == ["in custom", b"\xff"]

            # server → client ack, with binary both ways
            reply = await client.request("server-ack", "ask", 3000, 1, b"\x10\x20")
            assert seen == [[1, b"\x10\x20"]]
            assert reply == ["ok", ["got", 1, b"\x10\x20", {"reply": b"\xca\xfe"}]]
            assert (await stats(server))["pendingAcks"] == 0

    run(scenario())


def test_room_broadcast_reaches_the_members_only(start_fixture):
    server = start_msgpack(start_fixture)

    async def scenario():
        async with Clients(server) as clients:
            a = await clients.connect("polling", name="A", **MSGPACK)
            b = await clients.connect("websocket", name="B", **MSGPACK)
            c = await clients.connect("upgrade", name="C", **MSGPACK)
            assert await a.request("join", "red") == [True]
            assert await b.request("join", "red") == [True]
            assert await c.request("emit-to", {"rooms": ["red"]}, "news", b"\x07\x08", {"n": 1}) == [True]
            for member in (a, b):
                assert await member.wait_event("news") == [[b"\x07\x08", {"n": 1}]]
            await asyncio.sleep(QUIET_PERIOD)
            assert c.events("news") == []
            assert a.events("news") == b.events("news") == [[b"\x07\x08", {"n": 1}]]

    run(scenario())


def test_connect_errors_reach_the_client(start_fixture, mode):
    server = start_msgpack(start_fixture)

    async def scenario():
        async with Clients(server) as clients:
            refused = clients.new(name="refused", **MSGPACK)
            with pytest.raises(socketio.exceptions.ConnectionError):
                await clients.open(refused, mode, auth={"token": "bad"})
            assert refused.events("connect_error") == [[{"message": "not authorized", "data": {"code": 401}}]]

            unknown = clients.new(name="unknown", **MSGPACK)
            with pytest.raises(socketio.exceptions.ConnectionError):
                await clients.open(unknown, mode, namespaces=["/nowhere"])
            assert unknown.events("connect_error", namespace="/nowhere") == [[{"message": "Invalid namespace"}]]

    run(scenario())


# -- raw sessions -------------------------------------------------------------------------------


def packet(**fields):
    return msgpack.packb(fields)


async def join_root_raw(session):
    """Joins `/` with a msgpack CONNECT; returns the socket id. Every message the server sends is a
    binary Engine.IO message holding one msgpack map."""
    await asyncio.to_thread(session.send, packet(type=0, nsp="/", data={"token": "raw"}))
    got = await asyncio.to_thread(session.receive_until, lambda m: len(m) >= 2)
    assert all(isinstance(message, bytes) for message in got), got
    connect, welcome = (msgpack.unpackb(message) for message in got[:2])
    assert connect["type"] == 0 and connect["nsp"] == "/" and set(connect) == {"type", "data", "nsp"}, connect
    assert welcome["type"] == 2 and welcome["data"][0] == "welcome" and "id" not in welcome, welcome
    assert welcome["data"][3] == {"token": "raw"}
    return connect["data"]["sid"]


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_wire_form_is_one_binary_msgpack_map_per_packet(start_fixture, transport):
    server = start_msgpack(start_fixture)

    async def scenario():
        session = await asyncio.to_thread(open_raw_session, server, transport)
        try:
            await join_root_raw(session)
            await asyncio.to_thread(session.send, packet(type=2, nsp="/", data=["echo", b"\x00\x01", 2.5, 3], id=7))
            (ack,) = await asyncio.to_thread(session.receive_until, lambda m: len(m) >= 1)
            assert isinstance(ack, bytes)
            # no placeholders, no attachments: bytes travel as msgpack bin inside the packet
            assert msgpack.unpackb(ack) == {"type": 3, "data": [b"\x00\x01", 2.5, 3], "nsp": "/", "id": 7}
        finally:
            session.close()

    run(scenario())


def deeply_nested(depth):
    value = []
    for _ in range(depth):
        value = [value]
    return value


# case -> messages sent after joining `/`; each is refused by the msgpack decoder
MALFORMED = {
    "not-msgpack": [b"\xc1"],
    "truncated": [packet(type=2, nsp="/", data=["echo", "x"])[:-1]],
    "trailing-bytes": [packet(type=2, nsp="/", data=["echo"]) + b"\x00"],
    "not-a-map": [msgpack.packb([2, "/", ["echo"]])],
    "type-missing": [packet(nsp="/", data=["echo"])],
    "type-string": [packet(type="2", nsp="/", data=["echo"])],
    "type-binary-event": [packet(type=5, nsp="/", data=["echo"])],
    "type-binary-ack": [packet(type=6, nsp="/", data=[], id=1)],
    "nsp-missing": [packet(type=2, data=["echo"])],
    "nsp-not-a-string": [packet(type=2, nsp=1, data=["echo"])],
    "event-data-map": [packet(type=2, nsp="/", data={"a": 1})],
    "event-reserved-name": [packet(type=2, nsp="/", data=["disconnect"])],
    "ack-id-string": [packet(type=3, nsp="/", data=[], id="1")],
    "ack-id-negative": [packet(type=2, nsp="/", data=["echo"], id=-1)],
    "disconnect-with-data": [packet(type=1, nsp="/", data=["x"])],
    "nested-too-deeply": [packet(type=2, nsp="/", data=["echo", deeply_nested(500)])],
    "huge-declared-map": [b"\xdf\xff\xff\xff\xff"],
    "text-message": ['2["echo"]'],
}


async def send_and_expect_close(server, good, transport, messages):
    """Opens a raw msgpack session, joins `/`, sends `messages`; the server must close that session
    while `good` keeps working. Returns the disconnect-log entries of the raw session's socket."""
    bad_sid = await expect_session_closed_by(server, transport, messages, join_root_raw)

    async def entries():
        (log,) = await good.request("disconnect-log")
        return [entry for entry in log if entry[1] == bad_sid]

    logged = await eventually(entries, 5.0)
    assert good.connected and good.disconnects("/") == []
    assert await good.request("echo", "still", b"\x00") == ["still", b"\x00"]
    return logged


@pytest.mark.parametrize("transport", ["websocket", "polling"])
@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_packet_closes_only_that_session(start_fixture, transport, case):
    server = start_msgpack(start_fixture)

    async def scenario():
        async with Clients(server) as clients:
            good = await clients.connect("websocket", name="good", **MSGPACK)
            logged = await send_and_expect_close(server, good, transport, MALFORMED[case])
            # as a parse error with the default parser: the connection is closed, its socket ends with `forced close`
            assert logged == [["/", logged[0][1], "forced close"]], logged

    run(scenario())


# -- parser mismatch ------------------------------------------------------------------------------


@pytest.mark.parametrize("server_parser, client_kwargs", [("msgpack", {}), ("default", MSGPACK)])
def test_mismatched_parsers_do_not_connect_and_the_server_keeps_serving(start_fixture, server_parser, client_kwargs):
    server = start_fixture("--parser", server_parser)
    matching = MSGPACK if server_parser == "msgpack" else {}

    async def scenario():
        async with Clients(server) as clients:
            good = await clients.connect("websocket", name="good", **matching)
            for mode in ("polling", "websocket"):
                stranger = clients.new(name=f"stranger-{mode}", **client_kwargs)
                with pytest.raises((socketio.exceptions.ConnectionError, asyncio.TimeoutError)):
                    await clients.open(stranger, mode)
                assert not stranger.connected
            await wait_stats(server, lambda s: s["sessions"] == 1)
            assert await good.request("echo", "fine", b"\x01") == ["fine", b"\x01"]
            assert (await stats(server))["sockets"].get("/") == 1

    run(scenario())


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_namespace_disconnect_with_nil_data_leaves_only_that_namespace(start_fixture, transport):
    """python-socketio writes `data: nil` in a DISCONNECT; that is no payload, so only the namespace is left."""
    server = start_msgpack(start_fixture)

    async def scenario():
        async with Clients(server) as clients:
            observer = await clients.connect("websocket", name="observer", **MSGPACK)
            session = await asyncio.to_thread(open_raw_session, server, transport)
            try:
                await join_root_raw(session)
                await asyncio.to_thread(session.send, packet(type=0, nsp="/custom"))
                got = await asyncio.to_thread(session.receive_until, lambda m: len(m) >= 2)
                custom_sid = msgpack.unpackb(got[0])["data"]["sid"]
                await asyncio.to_thread(session.send, packet(type=1, data=None, nsp="/custom"))

                async def custom_left():
                    (log,) = await observer.request("disconnect-log")
                    return [entry for entry in log if entry[1] == custom_sid]

                assert await eventually(custom_left, 5.0) == [["/custom", custom_sid, "client namespace disconnect"]]
                await asyncio.to_thread(session.send, packet(type=2, nsp="/", data=["echo", "still"], id=1))
                (ack,) = await asyncio.to_thread(session.receive_until, lambda m: len(m) >= 1)
                assert msgpack.unpackb(ack) == {"type": 3, "data": ["still"], "nsp": "/", "id": 1}
                assert (await stats(server))["sessions"] == 2
            finally:
                session.close()

    run(scenario())


@pytest.mark.parametrize("nsp", ["", "admin", "/a,b", "/nowhere"])
def test_unknown_namespace_is_refused_by_the_name_the_client_sent(start_fixture, nsp):
    """Any string is a namespace to the msgpack parser; an unknown one gets CONNECT_ERROR under that name
    and the connection stays usable."""
    server = start_msgpack(start_fixture)

    async def scenario():
        session = await asyncio.to_thread(open_raw_session, server, "websocket")
        try:
            await asyncio.to_thread(session.send, packet(type=0, nsp=nsp))
            (refusal,) = await asyncio.to_thread(session.receive_until, lambda m: len(m) >= 1)
            assert msgpack.unpackb(refusal) == {"type": 4, "data": {"message": "Invalid namespace"}, "nsp": nsp}
            await join_root_raw(session)
        finally:
            session.close()

    run(scenario())
