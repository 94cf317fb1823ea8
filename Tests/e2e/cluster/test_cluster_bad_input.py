"""The Redis-channel rows of the bad-input table: malformed messages published on every channel of a
2-node socketio-node cluster, in both adapter modes. Each is dropped whole and counted under its reason
on every node (`socketio_redis_messages_dropped_total{reason}`); after each, both nodes run, no client
was disconnected (a membership operation without options must never mean "every socket"), and chat
still crosses nodes. Positive controls show that the well-formed form of a message is delivered."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Optional

import pytest

from cluster_support import RedisServer, redis_server_binary
from e2e_common import wait_until
from redis_bad_input_support import INTERNAL_ROOM, NAMESPACE, Cluster, Raw, msgpack

OPTS = {"rooms": [INTERNAL_ROOM], "except": [], "flags": {}}
DEEP = 100_000


@dataclass
class Row:
    name: str
    channel: str  # broadcast | room | request | response
    payload: bytes
    reason: Optional[str]  # the drop reason counted on every node; None: ignored, nothing counted

    def __repr__(self) -> str:
        return self.name


def j(value) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def event(*data, **fields):
    return {"type": 2, "data": list(data), "nsp": NAMESPACE, **fields}


# Broken MessagePack, the same in both modes (the decoders refuse these before any field is read).
GARBAGE = [
    ("garbage-bytes", b"\xc1\xff\x00"),
    ("empty-payload", b""),
    ("truncated", b"\x93\xa7ab"),
    ("nesting-100000-arrays", b"\x91" * DEEP + b"\xc0"),
    ("nesting-100000-maps", b"\x81\xa1a" * DEEP + b"\xc0"),
    ("array-header-2^32-1", b"\xdd\xff\xff\xff\xff"),
    ("map-header-2^32-1", b"\xdf\xff\xff\xff\xff"),
    ("str-header-2^32-1", b"\xdb\xff\xff\xff\xff"),
    ("bin-header-2^32-1", b"\xc6\xff\xff\xff\xff"),
    ("json-garbage", b'{"uid":'),
    ("json-nesting-100000", b"[" * DEEP + b"]" * DEEP),
]

CLASSIC = [Row(f"broadcast-{name}", "broadcast", payload, "undecodable") for name, payload in GARBAGE] + [
    Row("room-channel-garbage", "room", b"\xc1", "undecodable"),
    Row("request-garbage", "request", b"\xc1\x00", "undecodable"),
    Row("broadcast-a-map", "broadcast", msgpack({"type": 2}), "malformed_envelope"),
    Row("broadcast-two-elements", "broadcast", msgpack(["emitter", event("x")]), "malformed_envelope"),
    Row("broadcast-uid-a-number", "broadcast", msgpack([7, event("x"), OPTS]), "malformed_envelope"),
    Row("broadcast-ack-id-negative", "broadcast", msgpack(["emitter", event("x", id=-1), OPTS]), "invalid_packet"),
    Row("broadcast-ack-id-2^60", "broadcast", msgpack(["emitter", event("x", id=1 << 60), OPTS]), "invalid_packet"),
    Row("broadcast-ack-id-fraction", "broadcast", msgpack(["emitter", event("x", id=1.5), OPTS]), "invalid_packet"),
    Row("broadcast-ack-id-nan", "broadcast", msgpack(["emitter", event("x", id=float("nan")), OPTS]), "invalid_packet"),
    Row("broadcast-packet-type-99", "broadcast", msgpack(["emitter", {"type": 99, "data": ["x"], "nsp": NAMESPACE}, OPTS]), "invalid_packet"),
    Row("broadcast-connect-packet", "broadcast", msgpack(["emitter", {"type": 0, "data": {}, "nsp": NAMESPACE}, OPTS]), "invalid_packet"),
    Row("broadcast-data-a-string", "broadcast", msgpack(["emitter", {"type": 2, "data": "x", "nsp": NAMESPACE}, OPTS]), "invalid_packet"),
    Row("broadcast-reserved-event", "broadcast", msgpack(["emitter", event("disconnect"), OPTS]), "invalid_packet"),
    Row("broadcast-nsp-a-number", "broadcast", msgpack(["emitter", {"type": 2, "data": ["x"], "nsp": 5}, OPTS]), "invalid_packet"),
    Row("broadcast-other-namespace", "broadcast", msgpack(["emitter", {"type": 2, "data": ["x"], "nsp": "/"}, OPTS]), "namespace_mismatch"),
    Row("broadcast-opts-nil", "broadcast", msgpack(["emitter", event("x"), None]), "invalid_options"),
    Row("broadcast-rooms-hold-a-map", "broadcast", msgpack(["emitter", event("x"), {"rooms": [{"a": 1}], "except": []}]), "invalid_options"),
    Row("broadcast-rooms-hold-nil", "broadcast", msgpack(["emitter", event("x"), {"rooms": [None], "except": []}]), "invalid_options"),
    Row("broadcast-flags-a-list", "broadcast", msgpack(["emitter", event("x"), {"rooms": [], "flags": [1]}]), "invalid_options"),
    Row("broadcast-timeout-infinite", "broadcast", msgpack(["emitter", event("x"), {"rooms": [], "flags": {"timeout": float("inf")}}]), "invalid_options"),
    Row("broadcast-ext-type", "broadcast", msgpack(["emitter", Raw(b"\xd4\x05\x01"), OPTS]), "invalid_packet"),
    Row("request-json-array", "request", b"[1,2,3]", "undecodable"),  # JSON only when it starts with `{`, as the reference
    Row("request-msgpack-array", "request", msgpack([1, 2, 3]), "malformed_envelope"),
    Row("request-type-unknown", "request", j({"uid": "zz", "type": 42}), "unknown_type"),
    Row("request-type-a-string", "request", j({"uid": "zz", "type": "4"}), "malformed_envelope"),
    Row("request-join-without-rooms", "request", j({"uid": "zz", "type": 2, "opts": {"rooms": [], "except": []}}), "invalid_request"),
    Row("request-leave-rooms-a-string", "request", j({"uid": "zz", "type": 3, "opts": {"rooms": [], "except": []}, "rooms": "r"}), "invalid_request"),
    Row("request-disconnect-without-opts-or-sid", "request", j({"uid": "zz", "type": 4}), "invalid_request"),
    Row("request-disconnect-opts-a-string", "request", j({"uid": "zz", "type": 4, "opts": "all"}), "invalid_options"),
    Row("request-disconnect-rooms-hold-an-object", "request", j({"uid": "zz", "type": 4, "opts": {"rooms": [{}], "except": []}}), "invalid_options"),
    Row("request-fetch-without-request-id", "request", j({"uid": "zz", "type": 5, "opts": {"rooms": []}}), "invalid_request"),
    Row("request-server-side-emit-without-event", "request", j({"uid": "zz", "type": 6, "data": []}), "invalid_request"),
    Row("request-broadcast-ack-id-negative", "request", j({"uid": "zz", "type": 7, "requestId": "q", "packet": event("x", id=-1), "opts": OPTS}), "invalid_packet"),
    Row("request-response-type", "request", j({"uid": "zz", "type": 8, "requestId": "q", "clientCount": 1}), "invalid_request"),
    Row("response-without-request-id", "response", j({"type": 8, "clientCount": 1}), "invalid_response"),
    Row("response-not-an-object", "response", msgpack("x"), "malformed_envelope"),
    Row("response-unknown-request-id", "response", j({"requestId": "nobody", "sockets": []}), None),
]


def envelope(type_: int, data=None, **fields):
    value = {"uid": "zz", "nsp": NAMESPACE, "type": type_, **fields}
    if data is not None:
        value["data"] = data
    return value


SHARDED = [Row(f"main-{name}", "broadcast", payload, "undecodable") for name, payload in GARBAGE] + [
    Row("room-channel-garbage", "room", b"\xc1", "undecodable"),
    Row("disconnect-sockets-without-data-json", "broadcast", b'{"uid":"zz","type":6}', "malformed_envelope"),
    Row("disconnect-sockets-without-data-msgpack", "broadcast", msgpack({"uid": "zz", "type": 6}), "malformed_envelope"),
    Row("disconnect-sockets-opts-nil", "broadcast", msgpack(envelope(6, {"opts": None})), "invalid_options"),
    Row("disconnect-sockets-rooms-a-number", "broadcast", msgpack(envelope(6, {"opts": {"rooms": 5}})), "invalid_options"),
    Row("disconnect-sockets-on-room-channel-without-data", "room", msgpack({"uid": "zz", "type": 6}), "malformed_envelope"),
    Row("type-0", "broadcast", msgpack(envelope(0, {})), "unknown_type"),
    Row("type-14", "broadcast", msgpack(envelope(14, {})), "unknown_type"),
    Row("type-255", "broadcast", msgpack(envelope(255, {})), "unknown_type"),
    Row("type-a-string", "broadcast", msgpack(envelope("3", {})), "malformed_envelope"),
    Row("uid-missing", "broadcast", msgpack({"nsp": NAMESPACE, "type": 3, "data": {}}), "malformed_envelope"),
    Row("not-a-map", "broadcast", msgpack([1, 2]), "malformed_envelope"),
    Row("data-a-string", "broadcast", msgpack(envelope(3, "x")), "malformed_envelope"),
    Row("other-namespace", "broadcast", msgpack({**envelope(3, {"packet": event("x"), "opts": OPTS}), "nsp": "/other"}), "namespace_mismatch"),
    Row("broadcast-ack-id-negative", "broadcast", msgpack(envelope(3, {"packet": event("x", id=-1), "opts": OPTS})), "invalid_packet"),
    Row("broadcast-packet-an-ack", "broadcast", msgpack(envelope(3, {"packet": {"type": 3, "data": ["x"], "nsp": NAMESPACE}, "opts": OPTS})), "invalid_packet"),
    Row("broadcast-without-opts", "broadcast", msgpack(envelope(3, {"packet": event("x")})), "invalid_options"),
    Row("broadcast-timeout-negative", "broadcast", msgpack(envelope(3, {"packet": event("x"), "opts": {"rooms": [], "flags": {"timeout": -5}}, "requestId": "q"})), "invalid_options"),
    Row("sockets-join-without-rooms", "broadcast", msgpack(envelope(4, {"opts": {"rooms": []}})), "invalid_request"),
    Row("sockets-leave-without-opts", "broadcast", msgpack(envelope(5, {"rooms": ["x"]})), "invalid_options"),
    Row("fetch-sockets-without-request-id", "broadcast", msgpack(envelope(7, {"opts": {}})), "invalid_request"),
    Row("server-side-emit-of-a-number", "broadcast", msgpack(envelope(9, {"packet": 5})), "invalid_request"),
    Row("client-count-without-request-id", "broadcast", msgpack(envelope(11, {"clientCount": 1})), "invalid_response"),
    Row("client-count-out-of-range", "broadcast", msgpack(envelope(11, {"requestId": "q", "clientCount": 1 << 40})), "invalid_response"),
    Row("broadcast-ack-without-request-id", "broadcast", msgpack(envelope(12, {"packet": ["x"]})), "invalid_response"),
    Row("fetch-response-unknown-request-id", "broadcast", msgpack(envelope(8, {"requestId": "nobody", "sockets": []})), None),
]

MODES = {"classic": CLASSIC, "sharded": SHARDED}


def start_cluster(mode: str, tmp_path_factory):
    workdir = tmp_path_factory.mktemp(f"redis-bad-input-{mode}")
    redis = RedisServer(redis_server_binary(), workdir)
    redis.start()
    cluster = None
    try:
        cluster = Cluster(redis, mode, workdir)
        cluster.check_delivering("start")
        yield cluster
    finally:
        if cluster is not None:
            cluster.close()
        redis.stop()


@pytest.fixture(scope="module")
def classic_cluster(tmp_path_factory):
    yield from start_cluster("classic", tmp_path_factory)


@pytest.fixture(scope="module")
def sharded_cluster(tmp_path_factory):
    yield from start_cluster("sharded", tmp_path_factory)


@pytest.fixture(params=["classic", "sharded"])
def cluster(request):
    return request.getfixturevalue(f"{request.param}_cluster")


def control_broadcast(mode: str, text: str) -> tuple[str, bytes]:
    packet = {"type": 2, "data": ["notice", text], "nsp": NAMESPACE}
    if mode == "classic":
        return "broadcast", msgpack(["emitter", packet, OPTS])
    return "broadcast", msgpack(envelope(3, {"packet": packet, "opts": OPTS}))


def test_well_formed_broadcast_is_delivered(cluster):
    """The positive control: the well-formed message the broken ones are variations of is delivered to
    the room's members on both nodes, and nothing is counted as dropped."""
    before = cluster.drops()
    channel, payload = control_broadcast(cluster.mode, "control")
    assert cluster.publish(channel, payload) == 2
    for client in cluster.clients:
        assert wait_until(lambda: client.received("notice", lambda args: args == ["control"]), 5), client.events[-5:]
    assert cluster.drops() == before


def test_negative_ack_id_broadcast_from_the_report(cluster):
    """The message that once killed every node: `[uid, {type: 2, data: ["x"], nsp, id: -1}, opts]` on
    the broadcast channel (and its sharded envelope): dropped as invalid_packet, nobody receives `x`."""
    before = cluster.drops()
    packet = {"type": 2, "data": ["x"], "nsp": NAMESPACE, "id": -1}
    payload = msgpack(["emitter", packet, {"rooms": [], "except": [], "flags": {}}]) if cluster.mode == "classic" \
        else msgpack(envelope(3, {"packet": packet, "opts": {"rooms": [], "except": [], "flags": {}}}))
    assert cluster.publish("broadcast", payload) == 2
    assert wait_until(lambda: all(after.get("invalid_packet", 0) == b.get("invalid_packet", 0) + 1
                                  for b, after in zip(before, cluster.drops())), 5), cluster.drops()
    cluster.check_delivering("negative-ack-id")
    assert not any(client.received("x") for client in cluster.clients)


def check_row(cluster, row: Row) -> None:
    before = cluster.drops()
    receivers = cluster.publish(row.channel, row.payload)
    assert receivers == 2, f"Redis delivered to {receivers} subscribers"
    if row.reason is not None:
        def counted() -> bool:
            return all(after.get(row.reason, 0) == b.get(row.reason, 0) + 1 for b, after in zip(before, cluster.drops()))
        assert wait_until(counted, 5), f"expected one {row.reason} on each node: before {before}, after {cluster.drops()}"
    cluster.check_delivering(row.name)
    after = cluster.drops()
    expected = [dict(b) for b in before]
    if row.reason is not None:
        for counts in expected:
            counts[row.reason] = counts.get(row.reason, 0) + 1
    assert after == expected, f"other reasons counted: before {before}, after {after}"


@pytest.mark.parametrize("row", CLASSIC, ids=[row.name for row in CLASSIC])
def test_classic_malformed_message_is_dropped_and_counted(classic_cluster, row):
    check_row(classic_cluster, row)


@pytest.mark.parametrize("row", SHARDED, ids=[row.name for row in SHARDED])
def test_sharded_malformed_message_is_dropped_and_counted(sharded_cluster, row):
    check_row(sharded_cluster, row)
