"""Malformed messages on every Redis channel of a 2-node sharded cluster (`--adapter sharded`, dynamic
room channels, SPUBLISH): the main channels `socket.io#/chat#` and `socket.io#/#`, the room channels
`socket.io#/chat#chat:r#` and `socket.io#/#g#`, and node 0's own response channel
`socket.io#/chat#<uid>#`.

For each case (redis_bad_input_cases.SHARDED): the message is dropped and counted under its exact
reason once on every node that receives it (and nothing else is counted), both nodes still run, no
member is disconnected (a DISCONNECT_SOCKETS without options once disconnected every socket on every
node), acks are answered in both namespaces, chat and to-room still cross nodes, and no member ever
receives the malformed message's event.

The positive controls show the well-formed form of each kind of envelope IS acted on.
"""

from __future__ import annotations

import json

import pytest

from redis_bad_input_cases import OPTS, SHARDED, envelope, event, j
from redis_bad_input_harness import CHAT, CHAT_INTERNAL_ROOM, FENCE, PREFIX, ROOT, ROOT_ROOM, Member, msgpack
from e2e_common import wait_until

MODE = "sharded"


@pytest.mark.parametrize("case", SHARDED, ids=[case.name for case in SHARDED])
def test_sharded_bad_message(cluster, case):
    cluster.run_case(case)


# --------------------------------------------------------------------------------------------
# positive controls
# --------------------------------------------------------------------------------------------

CONTROL_BROADCASTS = {
    "main": (CHAT, lambda token: j(envelope(3, {"packet": event("notice", token), "opts": OPTS}))),
    "room": (CHAT, lambda token: msgpack(envelope(3, {"packet": event("notice", token), "opts": OPTS}))),
    "root": (ROOT, lambda token: j(envelope(3, {"packet": event("notice", token, nsp=ROOT), "opts": {"rooms": [], "except": [], "flags": {}}}, nsp=ROOT))),
    "root_room": (ROOT, lambda token: j(envelope(3, {"packet": event("notice", token, nsp=ROOT), "opts": {"rooms": [ROOT_ROOM], "except": [], "flags": {}}}, nsp=ROOT))),
}


@pytest.mark.parametrize("key", list(CONTROL_BROADCASTS))
def test_sharded_control_broadcast_is_delivered(cluster, key):
    """A BROADCAST envelope as the reference writes it (JSON, or MessagePack) reaches the members on both
    nodes, and nothing is counted as dropped."""
    namespace, build = CONTROL_BROADCASTS[key]
    token = f"control-{key}"
    cluster.run_control(f"control-{key}", key, build(token), cluster.everyone_got(namespace, "notice", [token]),
                        f"notice {token!r} in {namespace} for both members")


def test_sharded_control_sockets_join_and_leave(cluster):
    """SOCKETS_JOIN and SOCKETS_LEAVE are applied on both nodes."""
    join = j(envelope(4, {"opts": {"rooms": [CHAT_INTERNAL_ROOM], "except": []}, "rooms": ["chat:ctl"]}))
    cluster.run_control("control-sockets-join", "main", join)
    to_ctl = j(envelope(3, {"packet": event("notice", "joined"), "opts": {"rooms": ["chat:ctl"], "except": [], "flags": {}}}))
    cluster.run_control("control-sockets-join-delivery", "main", to_ctl, cluster.everyone_got(CHAT, "notice", ["joined"]),
                        "a broadcast to the room joined through Redis reaches both members")
    leave = j(envelope(5, {"opts": {"rooms": [CHAT_INTERNAL_ROOM], "except": []}, "rooms": ["chat:ctl"]}))
    cluster.run_control("control-sockets-leave", "main", leave)
    quiet = j(envelope(3, {"packet": event("notice", "left"), "opts": {"rooms": ["chat:ctl"], "except": [], "flags": {}}}))
    cluster.run_control("control-sockets-leave-delivery", "main", quiet)
    assert not any(m.received(CHAT, "notice", lambda a: a == ["left"]) for m in cluster.members), "the leave was not applied"


def test_sharded_control_disconnect_sockets_reaches_only_its_target(cluster):
    """DISCONNECT_SOCKETS with options disconnects exactly the sockets in the room, on both nodes: the
    path works, so the forms without options that disconnect nobody are refused, not ignored by accident."""
    victims = [Member(node, f"victim-{i}", chat_room="victim", root_room=None) for i, node in enumerate(cluster.nodes)]
    try:
        request = j(envelope(6, {"opts": {"rooms": ["chat:victim"], "except": []}, "close": False}))
        cluster.run_control("control-disconnect-sockets", "main", request,
                            lambda: all(any(ns == CHAT for ns, _ in v.disconnects) for v in victims),
                            "both victims disconnected from /chat")
    finally:
        for victim in victims:
            victim.close()


def test_sharded_control_fetch_sockets_is_answered(cluster):
    """FETCH_SOCKETS from an outside uid `zz` is answered by both nodes on `socket.io#/chat#zz#`; the
    same request without its requestId is answered by nobody."""
    listener = cluster.listen(f"{PREFIX}#{CHAT}#zz#")
    try:
        fetch = j(envelope(7, {"opts": {"rooms": [CHAT_INTERNAL_ROOM], "except": []}, "requestId": "ctl-fetch"}))
        cluster.run_control("control-fetch-sockets", "main", fetch, lambda: len(listener.messages(2, 0.05)) >= 2, "2 FETCH_SOCKETS_RESPONSE")
        answers = [json.loads(m) for m in listener.received]
        assert all(a["type"] == 8 and a["data"]["requestId"] == "ctl-fetch" for a in answers), answers
        fetched = {s["id"] for a in answers for s in a["data"]["sockets"]}
        assert fetched == {m.sid for m in cluster.members}, fetched
        count = len(listener.received)
        case = next(c for c in SHARDED if c.name == "fetch-sockets-without-request-id")
        cluster.run_case(case)
        assert listener.messages(count + 1, 0.3)[count:] == [], "a request without requestId was answered"
    finally:
        listener.close()


def test_sharded_control_broadcast_with_ack_and_huge_timeout(cluster):
    """A BROADCAST with requestId and flags.timeout 1e15 ms is clamped, not refused: the members get the
    event, each node answers BROADCAST_CLIENT_COUNT and BROADCAST_ACK (the ack's first argument) to the
    requester's channel."""
    listener = cluster.listen(f"{PREFIX}#{CHAT}#zz#")
    try:
        request = msgpack(envelope(3, {"packet": event("notice", "acked"), "opts": {**OPTS, "flags": {"timeout": 1e15}}, "requestId": "ctl-ack"}))
        cluster.run_control("control-broadcast-with-ack", "main", request,
                            lambda: cluster.everyone_got(CHAT, "notice", ["acked"])() and len(listener.messages(4, 0.05)) >= 4,
                            "the event reached both members and 4 answers (2 counts, 2 acks) came back")
        answers = [json.loads(m) for m in listener.received]
        counts = [a["data"] for a in answers if a["type"] == 11]
        acks = [a["data"] for a in answers if a["type"] == 12]
        assert sorted(c["clientCount"] for c in counts) == [1, 1] and all(c["requestId"] == "ctl-ack" for c in counts), answers
        # the ack's first argument, as the reference's ack callback receives it
        assert sorted(a["packet"] for a in acks) == sorted(m.name for m in cluster.members), answers
    finally:
        listener.close()


def test_sharded_fence_is_counted_once_per_node(cluster):
    """The fence every case relies on: one undecodable message counts exactly one undecodable on each node."""
    before = cluster.drops()
    assert cluster.publish("main", FENCE) == 2
    assert wait_until(lambda: all(a["undecodable"] == b["undecodable"] + 1 for a, b in zip(cluster.drops(), before)), 5), (before, cluster.drops())
