"""The demo chat's events, driven exactly as the page drives them (see ChatHandlers.swift):
`welcome` {node, id}; `join`/`leave` room → {ok, room}; `chat` {text, room} → {ok, senderNode} and a
`chat` {text, room, from, senderNode} broadcast."""

import time

EVENTS = ("welcome", "chat")


def test_chat_in_a_room_and_to_everyone(node, clients):
    server = node("--node-id", "demo-1")
    alice = clients.connect(server.base_url, "/chat", "polling", events=EVENTS)
    bob = clients.connect(server.base_url, "/chat", "websocket", events=EVENTS)
    carol = clients.connect(server.base_url, "/chat", "websocket", events=EVENTS)

    # The page learns its own node, the one that delivers every message to it, from `welcome`.
    for client in (alice, bob, carol):
        (welcome,) = client.next("welcome")
        assert welcome == {"node": "demo-1", "id": client.sid}

    assert alice.call("join", "lobby") == {"ok": True, "room": "lobby"}
    assert bob.call("join", "lobby") == {"ok": True, "room": "lobby"}

    answer = alice.call("chat", {"text": "hi lobby", "room": "lobby"})
    assert answer == {"ok": True, "senderNode": "demo-1"}
    expected = {"text": "hi lobby", "room": "lobby", "from": alice.sid, "senderNode": "demo-1"}
    assert alice.next("chat") == (expected,)
    assert bob.next("chat") == (expected,)

    # A message to everyone (room null) reaches carol too; she never saw the room message before it.
    assert bob.call("chat", {"text": "hi all", "room": None})["ok"] is True
    everyone = {"text": "hi all", "room": None, "from": bob.sid, "senderNode": "demo-1"}
    assert carol.next("chat") == (everyone,)
    assert carol.pending("chat") == []
    assert alice.next("chat") == (everyone,)
    assert bob.next("chat") == (everyone,)

    # Leaving stops room messages; a room absent from the payload means everyone.
    assert bob.call("leave", "lobby") == {"ok": True, "room": "lobby"}
    assert alice.call("chat", {"text": "still here?", "room": "lobby"})["ok"] is True
    assert alice.next("chat")[0]["text"] == "still here?"
    assert carol.call("chat", {"text": "bye"})["ok"] is True
    for client in (alice, bob, carol):
        (message,) = client.next("chat")
        assert message == {"text": "bye", "room": None, "from": carol.sid, "senderNode": "demo-1"}
    assert bob.pending("chat") == [] and carol.pending("chat") == []


def test_chat_refuses_bad_input_and_sends_nothing(node, clients):
    server = node()
    alice = clients.connect(server.base_url, "/chat", "websocket", events=EVENTS)
    bob = clients.connect(server.base_url, "/chat", "polling", events=EVENTS)
    alice.next("welcome")
    bob.next("welcome")
    for payload in ({"text": ""}, {"text": "x" * 501}, {"text": 42}, {"text": "ok", "room": ""}, {"text": "ok", "room": 7}):
        answer = alice.call("chat", payload)
        assert answer["ok"] is False and answer["error"], (payload, answer)
    for room in ("", "r" * 65, 5):
        answer = alice.call("join", room)
        assert answer["ok"] is False, (room, answer)
    time.sleep(0.3)
    assert alice.pending("chat") == [] and bob.pending("chat") == []


def test_rooms_named_like_a_socket_id_stay_private(node, clients):
    server = node()
    alice = clients.connect(server.base_url, "/chat", "websocket", events=EVENTS)
    mallory = clients.connect(server.base_url, "/chat", "websocket", events=EVENTS)
    alice.next("welcome")
    mallory.next("welcome")
    # Joining a chat room named like alice's id is allowed, but it is a chat room, not alice's own room.
    assert mallory.call("join", alice.sid)["ok"] is True
    assert alice.call("chat", {"text": "to that room", "room": alice.sid})["ok"] is True
    assert mallory.next("chat")[0]["text"] == "to that room"
    assert alice.pending("chat") == []
