"""Malformed entries in the stream and malformed envelopes on the pub/sub channels of a 2-node
streams cluster (`--adapter streams`): entries XADDed to the stream `socket.io` (fields missing, a
type that is not a small number, data that is neither JSON nor base64 MessagePack, broadcasts and
membership operations of the wrong shape, an unknown namespace, the node's own uid) and envelopes
PUBLISHed on `socket.io#/chat#`, `socket.io#/#` and node 0's `socket.io#/chat#<uid>#`.

For each case (redis_bad_input_cases.STREAMS): the message is dropped and counted under its exact
reason once on every node that reads it, both nodes still run, no member is disconnected, acks are
answered, chat and to-room still cross nodes, and no member receives the malformed message's event.
The positive controls show that the well-formed entries ARE acted on.
"""

from __future__ import annotations

import pytest

from redis_bad_input_cases import OPTS, STREAMS, entry, event
from redis_bad_input_harness import CHAT, CHAT_INTERNAL_ROOM, ROOT, ROOT_ROOM

MODE = "streams"


@pytest.mark.parametrize("case", STREAMS, ids=[case.name for case in STREAMS])
def test_streams_bad_message(cluster, case):
    cluster.run_case(case)


def test_streams_control_broadcast_entry_is_delivered(cluster):
    """A BROADCAST entry as the reference writes it (JSON data) reaches the members on both nodes."""
    token = "control-stream"
    cluster.run_control("control-stream-broadcast", "stream", entry("3", {"packet": event("notice", token), "opts": OPTS}),
                        cluster.everyone_got(CHAT, "notice", [token]), f"notice {token!r} in {CHAT} for both members")


def test_streams_control_root_broadcast_entry_is_delivered(cluster):
    token = "control-stream-root"
    data = {"packet": event("notice", token, nsp=ROOT), "opts": {"rooms": [ROOT_ROOM], "except": [], "flags": {}}}
    cluster.run_control("control-stream-root-broadcast", "stream", entry("3", data, nsp=ROOT),
                        cluster.everyone_got(ROOT, "notice", [token]), f"notice {token!r} in / for both members")


def test_streams_control_sockets_join_entry_is_applied(cluster):
    join = entry("4", {"opts": {"rooms": [CHAT_INTERNAL_ROOM], "except": []}, "rooms": ["chat:ctl"]})
    cluster.run_control("control-stream-sockets-join", "stream", join)
    to_ctl = entry("3", {"packet": event("notice", "joined"), "opts": {"rooms": ["chat:ctl"], "except": [], "flags": {}}})
    cluster.run_control("control-stream-sockets-join-delivery", "stream", to_ctl, cluster.everyone_got(CHAT, "notice", ["joined"]),
                        "notice 'joined' in /chat:ctl for both members")
