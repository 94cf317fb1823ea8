"""Connection state recovery (socketio-fixture --recovery MS), driven by raw Socket.IO sessions as the
reference client does it: the CONNECT answer carries `pid`, every event outside an ack carries its
offset as the last argument, and a client that comes back with `{pid, offset}` in its CONNECT auth
gets its id, rooms, data and the events it missed (before the CONNECT, in order)."""

import asyncio
import json

import pytest

from sio_helpers import Clients, RawWebSocketSession, eventually, open_raw_session, run


def packets(messages):
    """[(type digit, decoded JSON or None)] of Socket.IO text packets on `/`."""
    out = []
    for message in messages:
        digit, rest = message[0], message[1:]
        while rest and rest[0].isdigit():  # an ack id
            rest = rest[1:]
        out.append((digit, json.loads(rest) if rest else None))
    return out


def connect_root(session, auth=None):
    """CONNECT on `/`; returns (messages before the CONNECT, CONNECT payload, welcome event data)."""
    session.send("0" + (json.dumps(auth) if auth is not None else ""))
    got = session.receive_until(lambda m: any(x.startswith("0") for x in m) and any('"welcome"' in x for x in m))
    index = next(i for i, x in enumerate(got) if x.startswith("0"))
    parsed = packets(got)
    welcome = next(data for digit, data in parsed if digit == "2" and data[0] == "welcome")
    return parsed[:index], parsed[index][1], welcome


def request(session, ack_id, *args):
    """An event with an ack request; returns the ack's arguments."""
    session.send(f"2{ack_id}" + json.dumps(list(args)))
    got = session.receive_until(lambda m: any(x.startswith(f"3{ack_id}[") for x in m))
    return json.loads(next(x for x in got if x.startswith(f"3{ack_id}["))[len(f"3{ack_id}"):])


async def wait_logged(observer, sid):
    async def logged():
        (log,) = await observer.request("disconnect-log")
        return any(entry[1] == sid for entry in log)

    await eventually(logged, 5)


def test_a_client_that_comes_back_recovers_its_session_and_missed_events(start_fixture):
    server = start_fixture("--recovery", "10000")

    async def scenario():
        async with Clients(server) as clients:
            observer = await clients.connect("websocket", name="observer")
            first = await asyncio.to_thread(RawWebSocketSession, server)
            before, answer, welcome = await asyncio.to_thread(connect_root, first)
            assert before == [] and set(answer) == {"sid", "pid"}, answer
            sid, pid = answer["sid"], answer["pid"]
            assert isinstance(welcome[-1], str), f"no offset on {welcome!r}"
            assert await asyncio.to_thread(request, first, 1, "join", "room") == [True]
            assert await asyncio.to_thread(request, first, 2, "set-data", {"k": 1}) == [True], "acks carry no offset"

            assert await observer.request("emit-to", {"rooms": ["room"]}, "news", 1) == [True]
            got = await asyncio.to_thread(first.receive_until, lambda m: any('"news"' in x for x in m))
            news = next(data for digit, data in packets(got) if digit == "2" and data[0] == "news")
            assert news[:2] == ["news", 1] and isinstance(news[2], str), news
            offset = news[2]

            first.close()  # the connection drops: `transport close`, a reason a client recovers from
            await wait_logged(observer, sid)
            for n in (2, 3):
                assert await observer.request("emit-to", {"rooms": ["room"]}, "news", n) == [True]
            assert await observer.request("emit-to", {"rooms": ["elsewhere"]}, "news", 99) == [True]

            second = await asyncio.to_thread(RawWebSocketSession, server)
            before, answer, _ = await asyncio.to_thread(connect_root, second, {"pid": pid, "offset": offset})
            assert answer == {"sid": sid, "pid": pid}, answer
            assert [data[:2] for _, data in before] == [["news", 2], ["news", 3]], before
            assert all(isinstance(data[2], str) for _, data in before), before
            assert await asyncio.to_thread(request, second, 3, "recovered") == [True, {"k": 1}]
            rooms = await asyncio.to_thread(request, second, 4, "rooms")
            assert rooms == [sorted([sid, "room"])], rooms
            second.close()

    run(scenario())


def test_an_unknown_session_or_offset_gets_a_fresh_one(start_fixture):
    server = start_fixture("--recovery", "10000")

    async def scenario():
        async with Clients(server) as clients:
            await clients.connect("websocket", name="observer")
            session = await asyncio.to_thread(RawWebSocketSession, server)
            _, answer, _ = await asyncio.to_thread(connect_root, session, {"pid": "nobody", "offset": "nowhere"})
            assert set(answer) == {"sid", "pid"} and answer["pid"] != "nobody", answer
            assert await asyncio.to_thread(request, session, 1, "recovered") == [False, None]
            session.close()

    run(scenario())


def leave_and_come_back(server, leave, pause=0.0):
    """Connects a raw session to `/`, makes it leave with `leave(session)`, waits `pause` seconds
    after the server logged the disconnect, then CONNECTs again with the pid and the last offset.
    Returns (first CONNECT answer, second CONNECT answer)."""

    async def scenario():
        async with Clients(server) as clients:
            observer = await clients.connect("websocket", name="observer")
            first = await asyncio.to_thread(RawWebSocketSession, server)
            _, answer, welcome = await asyncio.to_thread(connect_root, first)
            session = leave(first) or first
            await wait_logged(observer, answer["sid"])
            await asyncio.sleep(pause)
            _, again, _ = await asyncio.to_thread(connect_root, session, {"pid": answer["pid"], "offset": welcome[-1]})
            session.close()
            return answer, again

    return run(scenario())


def test_a_session_is_kept_for_max_disconnection_duration_only(start_fixture):
    server = start_fixture("--recovery", "300")

    def drop(session):
        session.close()
        return RawWebSocketSession(server)

    answer, again = leave_and_come_back(server, drop, pause=0.6)  # past maxDisconnectionDuration
    assert again["sid"] != answer["sid"], again


def test_a_namespace_disconnect_is_not_recoverable(start_fixture):
    """A DISCONNECT packet is the client leaving on purpose: nothing is kept."""
    server = start_fixture("--recovery", "10000")
    answer, again = leave_and_come_back(server, lambda session: session.send("1"))
    assert again["sid"] != answer["sid"], again


def test_without_recovery_there_is_no_pid_and_no_offset(start_fixture):
    server = start_fixture()
    session = RawWebSocketSession(server)
    _, answer, welcome = connect_root(session)
    assert set(answer) == {"sid"}, answer
    assert len(welcome) == 5, welcome  # ["welcome", id, namespace, auth, node]: nothing appended
    session.close()


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_fifty_events_missed_while_away_arrive_once_in_order(start_fixture, transport):
    """A client away while 50 events go to its room comes back recovered and gets exactly those 50,
    in order, without duplicates. A polling client that stops polling is gone by ping timeout."""
    server = start_fixture("--recovery", "10000", "--ping-interval", "300", "--ping-timeout", "200")

    async def scenario():
        async with Clients(server) as clients:
            observer = await clients.connect("websocket", name="observer")
            first = await asyncio.to_thread(open_raw_session, server, transport)
            _, answer, welcome = await asyncio.to_thread(connect_root, first)
            assert await asyncio.to_thread(request, first, 1, "join", "room") == [True]
            first.close()  # WebSocket: closed; polling: simply stops polling
            await wait_logged(observer, answer["sid"])
            for n in range(50):
                await observer.emit("emit-to", ({"rooms": ["room"]}, "tick", n))
            assert await observer.request("echo", "sent") == ["sent"]  # after the 50, on the same socket

            second = await asyncio.to_thread(open_raw_session, server, transport)
            before, again, _ = await asyncio.to_thread(connect_root, second, {"pid": answer["pid"], "offset": welcome[-1]})
            assert again == answer, again
            ticks = [data[1] for _, data in before if data[0] == "tick"]
            assert ticks == list(range(50)), ticks
            assert await asyncio.to_thread(request, second, 2, "rooms") == [sorted([answer["sid"], "room"])]
            second.close()

    run(scenario())
