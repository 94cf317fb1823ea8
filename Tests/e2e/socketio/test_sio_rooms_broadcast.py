"""Rooms and broadcasts on socketio-fixture with several python-socketio clients on mixed
transports (polling, websocket, polling upgraded to websocket).

`emit-to` ({rooms, except, broadcast}, eventName, ...args) emits to the namespace's sockets in
`rooms` (all when empty) minus those in `except`; broadcast:true excludes the sender.
`broadcast-ack` (room, eventName, timeoutMs) emits to the room with an ack request and acks
["ok", [first ack arg of each client]] or ["timeout", [partial]]."""

import asyncio

import pytest

from sio_helpers import QUIET_PERIOD, Clients, run, stats, wait_stats

# name -> (transport mode, rooms joined in `/`)
MEMBERS = {
    "A": ("polling", ["red"]),
    "B": ("websocket", ["red", "blue"]),
    "C": ("upgrade", ["blue"]),
    "D": ("websocket", []),
}

# case -> (sender, emit-to options with "$X" standing for the socket id of X, expected receivers)
CASES = {
    "one-room": ("D", {"rooms": ["red"]}, {"A", "B"}),
    "two-rooms-once-each": ("A", {"rooms": ["red", "blue"]}, {"A", "B", "C"}),
    "rooms-except-room": ("D", {"rooms": ["red", "blue"], "except": ["blue"]}, {"A"}),
    "all-except-room": ("D", {"rooms": [], "except": ["red"]}, {"C", "D"}),
    "whole-namespace": ("C", {}, {"A", "B", "C", "D"}),
    "broadcast-room-excludes-sender": ("A", {"rooms": ["red"], "broadcast": True}, {"B"}),
    "broadcast-all-excludes-sender": ("B", {"broadcast": True}, {"A", "C", "D"}),
    "broadcast-with-except": ("A", {"rooms": ["red", "blue"], "except": ["red"], "broadcast": True}, {"C"}),
    "to-socket-id": ("A", {"rooms": ["$C"]}, {"C"}),
    "except-socket-id": ("A", {"except": ["$B"]}, {"A", "C", "D"}),
    "sender-own-id-with-broadcast": ("A", {"rooms": ["$A", "$B"], "broadcast": True}, {"B"}),
    "unknown-room": ("A", {"rooms": ["nobody-here"]}, set()),
}


async def join_all(clients, members=MEMBERS):
    """Connects the members and joins their rooms; returns {name: client}."""
    joined = {}
    for name, (mode, rooms) in members.items():
        client = await clients.connect(mode, name=name)
        if rooms:
            assert await client.request("join", *rooms) == [True]
        assert await client.request("rooms") == [sorted([*rooms, client.get_sid("/")])]
        joined[name] = client
    return joined


def resolve(options, by_name):
    def sub(values):
        return [by_name[v[1:]].get_sid("/") if v.startswith("$") else v for v in values]

    resolved = dict(options)
    for key in ("rooms", "except"):
        if key in resolved:
            resolved[key] = sub(resolved[key])
    return resolved


async def assert_delivery(receivers, expected, event, args):
    """Every expected receiver gets event(args) exactly once; nobody else gets it."""
    for name in sorted(expected):
        await receivers[name].wait_event(event)
    await asyncio.sleep(QUIET_PERIOD)  # give stragglers a chance to show up
    got = {name: client.events(event) for name, client in receivers.items()}
    assert {name for name, evs in got.items() if evs} == set(expected), got
    for name in expected:
        assert got[name] == [list(args)], f"{name} got {got[name]!r}"


@pytest.mark.parametrize("case", list(CASES))
def test_emit_to_reaches_exactly_the_right_clients(start_fixture, case):
    server = start_fixture()
    sender_name, options, expected = CASES[case]

    async def scenario():
        async with Clients(server) as clients:
            by_name = await join_all(clients)
            # a socket of another namespace, in a room of the same name: never reached from `/`
            other = await clients.connect("polling", namespaces=["/custom"], name="E")
            assert await other.request("join", "red", "blue", namespace="/custom") == [True]

            args = (case, {"bin": b"\x00\x01", "list": [b"\xff"]}, None)
            sender = by_name[sender_name]
            assert await sender.request("emit-to", resolve(options, by_name), "news", *args) == [True]
            await assert_delivery(by_name, expected, "news", args)
            assert other.events("news", "/custom") == [] and other.events("news") == []

    run(scenario())


def test_join_and_leave_change_delivery(start_fixture):
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            by_name = await join_all(clients)
            a, b, d = by_name["A"], by_name["B"], by_name["D"]
            assert await a.request("leave", "red") == [True]
            assert await a.request("rooms") == [[a.get_sid("/")]]
            assert await d.request("join", "red", "green") == [True]
            assert await d.request("rooms") == [sorted(["red", "green", d.get_sid("/")])]
            assert await b.request("emit-to", {"rooms": ["red"]}, "after-leave", 1) == [True]
            await assert_delivery(by_name, {"B", "D"}, "after-leave", (1,))
            # leaving a room one is not in, or one's own id room, changes nothing for delivery
            assert await a.request("leave", "never-joined") == [True]
            assert await b.request("emit-to", {"rooms": ["green"]}, "green-only", "g") == [True]
            await assert_delivery(by_name, {"D"}, "green-only", ("g",))

    run(scenario())


def test_disconnected_socket_leaves_its_rooms(start_fixture):
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            by_name = await join_all(clients)
            await asyncio.wait_for(by_name["B"].disconnect(), 10)
            await wait_stats(server, lambda s: s["sockets"].get("/") == 3)
            rest = {k: v for k, v in by_name.items() if k != "B"}
            assert await by_name["D"].request("emit-to", {"rooms": ["red", "blue"]}, "after-b-left") == [True]
            await assert_delivery(rest, {"A", "C"}, "after-b-left", ())
            assert by_name["B"].events("after-b-left") == []

    run(scenario())


# ---------------------------------------------------------------------------------------------
# broadcast with acks
# ---------------------------------------------------------------------------------------------


def answer_as(name):
    return lambda *args: ({"who": name, "bin": name.encode()}, "second argument is not collected")


def test_broadcast_ack_collects_every_answer(start_fixture):
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            members = {}
            for name, mode in (("A", "polling"), ("B", "websocket"), ("C", "upgrade"), ("D", "websocket")):
                members[name] = await clients.connect(mode, name=name, handlers={"roll-call": answer_as(name)})
            for name in ("A", "B", "C"):
                assert await members[name].request("join", "team") == [True]
            caller = members["D"]  # not in the room
            status, answers = await caller.request("broadcast-ack", "team", "roll-call", 3000)
            assert status == "ok", answers
            assert sorted(answers, key=lambda a: a["who"]) == [{"who": n, "bin": n.encode()} for n in ("A", "B", "C")]
            assert caller.events("roll-call") == []
            for name in ("A", "B", "C"):
                assert members[name].events("roll-call") == [[]]

            # the caller is part of the audience when it is in the room
            assert await caller.request("join", "team") == [True]
            status, answers = await caller.request("broadcast-ack", "team", "roll-call", 3000)
            assert status == "ok" and sorted(a["who"] for a in answers) == ["A", "B", "C", "D"], answers
            assert (await stats(server))["pendingAcks"] == 0

    run(scenario())


def test_broadcast_ack_to_empty_room(start_fixture, mode):
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            caller = await clients.connect(mode)
            assert await caller.request("broadcast-ack", "nobody", "roll-call", 3000, timeout=2.5) == ["ok", []]

    run(scenario())


def test_broadcast_ack_times_out_with_partial_answers(start_fixture):
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            members = {
                "A": await clients.connect("polling", name="A", handlers={"roll-call": answer_as("A")}),
                "B": await clients.connect("websocket", name="B", handlers={"roll-call": answer_as("B")}),
                "C": await clients.connect("upgrade", name="C", silent=["roll-call"]),  # never answers
                "D": await clients.connect("websocket", name="D", handlers={"roll-call": answer_as("D")}),
            }
            for name in ("A", "B", "C"):
                assert await members[name].request("join", "partial") == [True]
            reply = await members["D"].request("broadcast-ack", "partial", "roll-call", 500)
            assert reply[0] == "timeout", reply
            assert sorted(a["who"] for a in reply[1]) == ["A", "B"], reply
            assert members["C"].events("roll-call") == [[]]  # it got the event, it just did not answer
            # everyone is still connected and usable
            for client in members.values():
                assert await client.request("echo", client.name) == [client.name]
            # Once the broadcast timed out nothing is awaited any more: the silent socket's ack
            # entry must be dropped (the reference's BroadcastOperator removes the sockets' pending
            # ack entries when the timer fires, to avoid leaking them on clients that never answer).
            st = await wait_stats(server, lambda s: s["pendingAcks"] == 0)
            assert st["pendingAcks"] == 0, st

    run(scenario())


def test_broadcast_ack_entry_released_when_silent_client_leaves(start_fixture):
    """Weaker than the check above: whatever happens at the timeout, the pending ack of a client
    that never answered must be gone once that client disconnects."""
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            silent = await clients.connect("websocket", name="silent", silent=["roll-call"])
            caller = await clients.connect("polling", name="caller")
            assert await silent.request("join", "quiet") == [True]
            assert await caller.request("broadcast-ack", "quiet", "roll-call", 300) == ["timeout", []]
            await asyncio.wait_for(silent.disconnect(), 10)
            st = await wait_stats(server, lambda s: s["pendingAcks"] == 0 and s["sessions"] == 1)
            assert st["pendingAcks"] == 0 and st["sessions"] == 1, st
            assert await caller.request("echo", "ok") == ["ok"]

    run(scenario())
