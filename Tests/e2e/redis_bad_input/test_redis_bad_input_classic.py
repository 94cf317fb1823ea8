"""Malformed messages on every Redis channel of a 2-node classic cluster (`--adapter classic`): the
broadcast pattern `socket.io#N#*` (main channel, a room channel, a room nobody has, a channel without
the final `#`) in `/chat` and `/`, the request channels `socket.io-request#N#`, the shared response
channel `socket.io-response#/chat#` and node 0's own `socket.io-response#/chat#<uid>#`.

For each case (redis_bad_input_cases.CLASSIC): the message is dropped and counted under its exact
reason once on every node that decodes it (and nothing else is counted), both nodes still run, no
member is disconnected, acks are answered in both namespaces, chat and to-room still cross nodes, and
no member ever receives the malformed message's event.

The positive controls show that the well-formed form of each kind of message IS acted on (delivered,
joined, disconnected, answered), so the drops above are the checks at work and not a deaf channel.
"""

from __future__ import annotations

import json

import pytest

from redis_bad_input_cases import CLASSIC, OPTS, broadcast, event, j
from redis_bad_input_harness import CHAT, CHAT_INTERNAL_ROOM, FENCE, ROOT, ROOT_ROOM, Member, msgpack
from e2e_common import wait_until

MODE = "classic"


@pytest.mark.parametrize("case", CLASSIC, ids=[case.name for case in CLASSIC])
def test_classic_bad_message(cluster, case):
    cluster.run_case(case)


# --------------------------------------------------------------------------------------------
# positive controls
# --------------------------------------------------------------------------------------------

CONTROL_BROADCASTS = {
    # channel key: (namespace, payload builder)
    "main": (CHAT, lambda token: broadcast(event("notice", token))),
    "room": (CHAT, lambda token: broadcast(event("notice", token))),
    "root": (ROOT, lambda token: broadcast(event("notice", token, nsp=ROOT), {"rooms": [], "except": [], "flags": {}})),
    "root_room": (ROOT, lambda token: broadcast(event("notice", token, nsp=ROOT), {"rooms": [ROOT_ROOM], "except": [], "flags": {}})),
}


@pytest.mark.parametrize("key", list(CONTROL_BROADCASTS))
def test_classic_control_broadcast_is_delivered(cluster, key):
    """`[uid, {type: 2, data, nsp}, {rooms, except, flags}]` from an emitter reaches the members on both
    nodes, and nothing is counted as dropped."""
    namespace, build = CONTROL_BROADCASTS[key]
    token = f"control-{key}"
    cluster.run_control(f"control-{key}", key, build(token), cluster.everyone_got(namespace, "notice", [token]),
                        f"notice {token!r} in {namespace} for both members")


def test_classic_control_broadcast_with_numeric_room_and_largest_ack_id(cluster):
    """Edge values that are valid: a room given as a number next to the real one, the largest safe ack id
    (2^53 - 1), an extra fourth element: delivered."""
    payload = msgpack(["emitter", event("notice", "edge", id=(1 << 53) - 1), {"rooms": [7, CHAT_INTERNAL_ROOM], "except": [], "flags": {}}, "extra"])
    cluster.run_control("control-edge-values", "main", payload, cluster.everyone_got(CHAT, "notice", ["edge"]), "notice 'edge'")


def test_classic_control_remote_join_and_leave(cluster):
    """REMOTE_JOIN and REMOTE_LEAVE as the reference writes them are applied on both nodes."""
    join = j({"uid": "zz", "type": 2, "opts": {"rooms": [CHAT_INTERNAL_ROOM], "except": []}, "rooms": ["chat:ctl"]})
    cluster.run_control("control-remote-join", "request", join)
    to_ctl = broadcast(event("notice", "joined"), {"rooms": ["chat:ctl"], "except": [], "flags": {}})
    cluster.run_control("control-remote-join-delivery", "main", to_ctl, cluster.everyone_got(CHAT, "notice", ["joined"]),
                        "a broadcast to the room joined through Redis reaches both members")
    leave = j({"uid": "zz", "type": 3, "opts": {"rooms": [CHAT_INTERNAL_ROOM], "except": []}, "rooms": ["chat:ctl"]})
    cluster.run_control("control-remote-leave", "request", leave)
    quiet = broadcast(event("notice", "left"), {"rooms": ["chat:ctl"], "except": [], "flags": {}})
    cluster.run_control("control-remote-leave-delivery", "main", quiet)
    # run_control's own delivery check crossed Redis after the broadcast: it had its chance to arrive
    assert not any(m.received(CHAT, "notice", lambda a: a == ["left"]) for m in cluster.members), "the leave was not applied"


def test_classic_control_remote_disconnect_reaches_only_its_target(cluster):
    """REMOTE_DISCONNECT with options disconnects exactly the sockets in the room (victims on both
    nodes), and the legacy form naming one sid disconnects that socket: the disconnect path works, so
    the malformed forms that disconnect nobody are refused, not ignored by accident."""
    victims = [Member(node, f"victim-{i}", chat_room="victim", root_room=None) for i, node in enumerate(cluster.nodes)]
    try:
        request = j({"uid": "zz", "type": 4, "opts": {"rooms": ["chat:victim"], "except": []}, "close": False})
        cluster.run_control("control-remote-disconnect", "request", request,
                            lambda: all(any(ns == CHAT for ns, _ in v.disconnects) for v in victims),
                            "both victims disconnected from /chat")
        legacy_victim = Member(cluster.nodes[1], "victim-legacy", chat_room="victim2", root_room=None)
        victims.append(legacy_victim)
        legacy = j({"uid": "zz", "type": 4, "sid": legacy_victim.sid, "close": True})
        cluster.run_control("control-remote-disconnect-legacy-sid", "request", legacy,
                            lambda: not legacy_victim.client.connected, "the socket named by sid closed")
    finally:
        for victim in victims:
            victim.close()


def test_classic_control_requests_are_answered(cluster):
    """ALL_ROOMS, REMOTE_FETCH and the legacy SOCKETS request from an outside uid are answered by both
    nodes on the shared response channel; the same request without its requestId is answered by nobody."""
    listener = cluster.listen(cluster.channel("response"))
    try:
        cluster.run_control("control-all-rooms", "request", j({"uid": "zz", "type": 1, "requestId": "ctl-rooms"}),
                            lambda: len([m for m in listener.messages(2, 0.05) if b"ctl-rooms" in m]) >= 2, "2 ALL_ROOMS answers")
        answers = [json.loads(m) for m in listener.received if b"ctl-rooms" in m]
        assert len(answers) == 2 and all(CHAT_INTERNAL_ROOM in a["rooms"] for a in answers), answers
        fetch = j({"uid": "zz", "type": 5, "requestId": "ctl-fetch", "opts": {"rooms": [CHAT_INTERNAL_ROOM], "except": []}})
        cluster.run_control("control-remote-fetch", "request", fetch,
                            lambda: len([m for m in listener.messages(4, 0.05) if b"ctl-fetch" in m]) >= 2, "2 REMOTE_FETCH answers")
        fetched = {s["id"] for m in listener.received if b"ctl-fetch" in m for s in json.loads(m)["sockets"]}
        assert fetched == {m.sid for m in cluster.members}, fetched
        sockets = j({"uid": "zz", "type": 0, "requestId": "ctl-sockets", "rooms": [CHAT_INTERNAL_ROOM]})
        cluster.run_control("control-sockets", "request", sockets,
                            lambda: len([m for m in listener.messages(6, 0.05) if b"ctl-sockets" in m]) >= 2, "2 SOCKETS answers")
        count = len(listener.received)
        case = next(c for c in CLASSIC if c.name == "request-all-rooms-request-id-an-int")
        cluster.run_case(case)
        assert listener.messages(count + 1, 0.3)[count:] == [], "a request without a valid requestId was answered"
    finally:
        listener.close()


def test_classic_control_broadcast_with_ack_and_huge_timeout(cluster):
    """A BROADCAST request (type 7) with flags.timeout 1e15 ms is clamped, not refused: the members get
    the event, each node answers BROADCAST_CLIENT_COUNT and forwards its member's ack."""
    listener = cluster.listen(cluster.channel("response"))
    try:
        request = msgpack({"uid": "zz", "requestId": "ctl-ack", "type": 7, "packet": event("notice", "acked"),
                           "opts": {**OPTS, "flags": {"timeout": 1e15}}})
        def answered() -> bool:
            got = [m for m in listener.messages(4, 0.05) if b"ctl-ack" in m]
            return len(got) >= 4
        cluster.run_control("control-broadcast-with-ack", "request", request, lambda: cluster.everyone_got(CHAT, "notice", ["acked"])() and answered(),
                            "the event reached both members and 4 answers (2 counts, 2 acks) came back")
        got = [m for m in listener.received if b"ctl-ack" in m]
        counts = [json.loads(m) for m in got if m.startswith(b"{")]
        assert sorted(c["clientCount"] for c in counts) == [1, 1] and all(c["type"] == 8 for c in counts), counts
        acks = [m for m in got if not m.startswith(b"{")]
        for member in cluster.members:
            assert any(member.name.encode() in m for m in acks), f"no BROADCAST_ACK carrying {member.name}: {acks}"
    finally:
        listener.close()


def test_classic_fence_is_counted_once_per_node(cluster):
    """The fence every case relies on: one undecodable message counts exactly one undecodable on each node."""
    before = cluster.drops()
    assert cluster.publish("main", FENCE) == 2
    assert wait_until(lambda: all(a["undecodable"] == b["undecodable"] + 1 for a, b in zip(cluster.drops(), before)), 5), (before, cluster.drops())
