"""Server-side operations on a single node (in-memory adapter) of socketio-fixture:
fetchSockets, socketsJoin, socketsLeave, disconnectSockets — driven by clients on mixed transports.

fetch-sockets (room?) → [{id, rooms, data}] sorted by id; sockets-join (room, newRoom);
sockets-leave (room, oldRoom); disconnect-sockets (room, close); set-data (value)."""

import asyncio

from sio_helpers import QUIET_PERIOD, Clients, eventually, run, socket_count, wait_stats

# name -> (mode, rooms, data)
PEOPLE = {
    "ann": ("polling", ["red"], {"name": "ann", "age": 31, "tags": ["x"], "blob": None}),
    "bob": ("websocket", ["red", "blue"], {"name": "bob", "nested": {"deep": [1, {"k": True}]}}),
    "cat": ("upgrade", ["blue"], "just a string"),
    "dan": ("websocket", [], None),
}


async def setup_people(clients):
    people = {}
    for name, (mode, rooms, data) in PEOPLE.items():
        client = await clients.connect(mode, name=name)
        if rooms:
            assert await client.request("join", *rooms) == [True]
        if data is not None:
            assert await client.request("set-data", data) == [True]
        people[name] = client
    return people


def expected_entries(people, names, extra_rooms=None):
    extra_rooms = extra_rooms or {}
    entries = []
    for name in names:
        sid = people[name].get_sid("/")
        rooms = sorted({sid, *PEOPLE[name][1], *extra_rooms.get(name, [])})
        entries.append({"id": sid, "rooms": rooms, "data": PEOPLE[name][2]})
    return sorted(entries, key=lambda e: e["id"])


def test_fetch_sockets(start_fixture):
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            people = await setup_people(clients)
            # sockets of another namespace are not listed
            other = await clients.connect("polling", namespaces=["/custom"], name="other")
            assert await other.request("join", "red", namespace="/custom") == [True]

            asker = people["dan"]
            assert await asker.request("fetch-sockets") == [expected_entries(people, PEOPLE)]
            assert await asker.request("fetch-sockets", "red") == [expected_entries(people, ["ann", "bob"])]
            assert await asker.request("fetch-sockets", "blue") == [expected_entries(people, ["bob", "cat"])]
            assert await asker.request("fetch-sockets", "nobody") == [[]]
            cat_sid = people["cat"].get_sid("/")
            assert await asker.request("fetch-sockets", cat_sid) == [expected_entries(people, ["cat"])]

            # data set later replaces the old value, and binary data survives the trip
            assert await people["ann"].request("set-data", {"bin": b"\x00\xff"}) == [True]
            (entries,) = await asker.request("fetch-sockets", "red")
            ann = next(e for e in entries if e["id"] == people["ann"].get_sid("/"))
            assert ann["data"] == {"bin": b"\x00\xff"}

            (custom,) = await other.request("fetch-sockets", namespace="/custom")
            assert [e["id"] for e in custom] == [other.get_sid("/custom")]

    run(scenario())


def test_sockets_join_and_leave(start_fixture):
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            people = await setup_people(clients)
            asker = people["dan"]
            # everyone in red also joins green
            assert await asker.request("sockets-join", "red", "green") == [True]
            assert await asker.request("fetch-sockets", "green") == [
                expected_entries(people, ["ann", "bob"], {"ann": ["green"], "bob": ["green"]})
            ]
            assert await people["ann"].request("rooms") == [sorted([people["ann"].get_sid("/"), "red", "green"])]

            # a broadcast to green reaches exactly ann and bob
            assert await asker.request("emit-to", {"rooms": ["green"]}, "to-green") == [True]
            for name in ("ann", "bob"):
                await people[name].wait_event("to-green")
            await asyncio.sleep(QUIET_PERIOD)
            assert people["cat"].events("to-green") == [] and asker.events("to-green") == []

            # everyone in blue leaves red: bob leaves red, ann stays
            assert await asker.request("sockets-leave", "blue", "red") == [True]
            assert await asker.request("fetch-sockets", "red") == [
                expected_entries(people, ["ann"], {"ann": ["green"]})
            ]
            assert await people["bob"].request("rooms") == [sorted([people["bob"].get_sid("/"), "blue", "green"])]

            # one socket addressed by its id joins a room
            cat_sid = people["cat"].get_sid("/")
            assert await asker.request("sockets-join", cat_sid, "solo") == [True]
            assert await people["cat"].request("rooms") == [sorted([cat_sid, "blue", "solo"])]

            # leaving the room one is selected by empties it
            assert await asker.request("sockets-leave", "green", "green") == [True]
            assert await asker.request("fetch-sockets", "green") == [[]]

    run(scenario())


def test_disconnect_sockets(start_fixture):
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            people = await setup_people(clients)
            # ann is also on /custom over the same connection
            ann_custom = await clients.connect("polling", namespaces=["/custom"], name="ann-custom")
            asker = people["dan"]
            sid = {name: c.get_sid("/") for name, c in people.items()}

            # red without close: ann and bob lose their `/` socket, their connections stay
            assert await asker.request("disconnect-sockets", "red", False) == [True]
            for name in ("ann", "bob"):
                await people[name].wait_event("disconnect")
                assert people[name].disconnects("/") == [["server disconnect"]]
            log = await asker.request("disconnect-log")
            assert sorted(e for e in log[0] if e[1] in (sid["ann"], sid["bob"])) == sorted(
                [["/", sid["ann"], "server namespace disconnect"], ["/", sid["bob"], "server namespace disconnect"]]
            )
            await asyncio.sleep(QUIET_PERIOD)
            assert people["cat"].disconnects("/") == [] and asker.disconnects("/") == []
            assert await asker.request("fetch-sockets") == [expected_entries(people, ["cat", "dan"])]
            # the /custom socket of another client is untouched by a `/` operation
            assert await ann_custom.request("echo", 1, namespace="/custom") == [1]

            # blue with close: cat's whole connection goes
            assert await asker.request("disconnect-sockets", "blue", True) == [True]
            await people["cat"].wait_event("disconnect")
            await eventually(lambda: people["cat"].eio.state == "disconnected", 5)
            assert people["cat"].eio.state == "disconnected"
            (log,) = await asker.request("disconnect-log")
            assert ["/", sid["cat"], "server namespace disconnect"] in log, log
            st = await wait_stats(server, lambda s: socket_count(s, "/") == 1)
            assert socket_count(st, "/") == 1 and socket_count(st, "/custom") == 1, st
            assert await asker.request("fetch-sockets") == [expected_entries(people, ["dan"])]

            # the asker can disconnect itself through its own room
            assert await asker.request("disconnect-sockets", sid["dan"], False) == [True]
            await asker.wait_event("disconnect")
            st = await wait_stats(server, lambda s: socket_count(s, "/") == 0)
            assert socket_count(st, "/") == 0, st

    run(scenario())


def test_disconnect_sockets_with_close_ends_every_namespace(start_fixture, mode):
    """disconnectSockets(true) closes the underlying connection: the client's other namespaces
    are disconnected too."""
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            asker = await clients.connect("websocket", name="asker")
            target = await clients.connect(mode, namespaces=["/", "/custom"], name="target")
            sids = target.sid_of
            assert await target.request("join", "doomed") == [True]
            assert await asker.request("disconnect-sockets", "doomed", True) == [True]
            await target.wait_event("disconnect", "/")
            await target.wait_event("disconnect", "/custom")
            (log,) = await asker.request("disconnect-log")
            mine = {e[1]: e[2] for e in log if e[1] in sids.values()}
            assert mine == {s: "server namespace disconnect" for s in sids.values()}, log
            st = await wait_stats(server, lambda s: s["sessions"] == 1)
            assert st["sessions"] == 1 and socket_count(st, "/custom") == 0, st

    run(scenario())


def test_the_handshake_reads_as_the_references(start_fixture):
    """`time` is JavaScript's `Date#toString` (in UTC) of `issued`, and `secure` follows
    `X-Forwarded-Proto: https` from a TLS-terminating proxy, as fetchSockets answers of Node nodes."""
    import datetime
    import re

    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            plain = await clients.connect("websocket", name="plain")
            (answer,) = await plain.request("handshake")
            assert answer["secure"] is False, answer
            assert re.fullmatch(r"[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d{4} \d\d:\d\d:\d\d GMT\+0000 \(Coordinated Universal Time\)", answer["time"]), answer
            issued = datetime.datetime.fromtimestamp(answer["issued"] / 1000, tz=datetime.timezone.utc)
            assert answer["time"].startswith(issued.strftime("%a %b %d %Y %H:%M:%S")), answer
            proxied = clients.new(name="proxied")
            await asyncio.wait_for(
                proxied.connect(server.base_url, headers={"X-Forwarded-Proto": "https"}, transports=["polling"],
                                namespaces=["/"], socketio_path="socket.io", wait_timeout=5),
                10,
            )
            (answer,) = await proxied.request("handshake")
            assert answer["secure"] is True, answer

    run(scenario())


def test_socket_on_adds_listeners_as_an_event_emitter(start_fixture):
    """`socket.on` adds a listener (every listener of an event runs, in order), `off(event)` removes
    them, and `prependAny` puts a catch-all listener in front of the others, as the reference's
    EventEmitter-based socket does."""
    server = start_fixture()

    async def scenario():
        async with Clients(server) as clients:
            client = await clients.connect("websocket", name="listener")
            await client.emit("twice")
            await eventually(lambda: len(client.events("heard")) >= 2, 5)
            assert client.events("heard") == [[1], [2]]
            assert await client.request("off-twice") == [True]
            await client.emit("twice")
            await asyncio.sleep(QUIET_PERIOD)
            assert client.events("heard") == [[1], [2]], "the removed listeners still ran"
            assert await client.request("any-order") == [["first", "second"]]

    run(scenario())
