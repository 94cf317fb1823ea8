"""The case tables of the Redis bad-input suite: one Case per malformed message, for the classic and
the sharded protocol. Each reason below is the one the node's inbound checks give
(Sources/SocketIORedis/Inbound, RedisAdapter+Incoming.swift, ShardedRedisAdapter.swift); None means
the message is ignored on purpose and nothing may be counted.

Every malformed message that carries an event names it `leak` (or `x`, the event of the message that
used to kill every node): no member may ever receive it.
"""

from __future__ import annotations

import json

from redis_bad_input_harness import CHAT, CHAT_INTERNAL_ROOM, ROOT, Case, Ext, Raw, msgpack

DEEP = 100_000
NAN = float("nan")
INF = float("inf")
NOBODY = "chat:nobody"  # a room nobody is in: the only target a well-formed "dangerous" operation gets here


def keys_nested_in_keys(depth: int) -> Raw:
    """A map whose one key is a map whose one key is a map… `depth` deep: the text of such a key once
    doubled per level (a 140-byte message held a node for minutes, found by fuzzing)."""
    return Raw(b"\x81" * depth + b"\xa1k" + b"\x01" * depth)


def j(value) -> bytes:
    """Compact JSON, as the reference's JSON.stringify writes it."""
    return json.dumps(value, separators=(",", ":"), allow_nan=False).encode()


def event(*data, nsp: str = CHAT, **fields) -> dict:
    return {"type": 2, "data": list(data), "nsp": nsp, **fields}


OPTS = {"rooms": [CHAT_INTERNAL_ROOM], "except": [], "flags": {}}
EVERYONE = {"rooms": [], "except": [], "flags": {}}


def broadcast(packet, opts=OPTS, uid="emitter") -> bytes:
    """A classic broadcast `[uid, packet, opts]`."""
    return msgpack([uid, packet, opts])


def envelope(type_, data=None, uid="zz", nsp=CHAT, **fields) -> dict:
    """A sharded envelope `{uid, nsp, type, data}` (data omitted when None)."""
    value = {"uid": uid, "nsp": nsp, "type": type_, **fields}
    if data is not None:
        value["data"] = data
    return value


def shard(type_, data=None, **fields) -> bytes:
    return msgpack(envelope(type_, data, **fields))


# What the node's own uid would be: those messages are ignored (no count) by that node only.
def own_uid_broadcast(cluster) -> bytes:
    return broadcast(event("leak", id=-1), uid=cluster.uids[0])


def own_uid_disconnect(cluster) -> bytes:
    return j({"uid": cluster.uids[0], "type": 6})


# The undecodable bytes, the same in both modes (refused before any field is read).
VALID_BROADCAST = broadcast(event("leak"))
UNDECODABLE = [
    ("garbage-bytes", b"\xc1\xff\x00"),
    ("empty-payload", b""),
    ("truncated-fixarray-header", b"\x93\xa7ab"),
    ("truncated-well-formed-message", VALID_BROADCAST[:-4]),
    ("trailing-byte-after-a-message", VALID_BROADCAST + b"\x00"),
    ("nesting-100000-arrays", b"\x91" * DEEP + b"\xc0"),
    ("nesting-100000-maps", b"\x81\xa1a" * DEEP + b"\xc0"),
    ("nesting-100000-inside-data", msgpack(["emitter", {"type": 2, "nsp": CHAT, "data": ["leak", Raw(b"\x91" * DEEP + b"\xc0")]}, OPTS])),
    ("array32-header-ffffffff", b"\xdd\xff\xff\xff\xff"),
    ("map32-header-ffffffff", b"\xdf\xff\xff\xff\xff"),
    ("str32-header-ffffffff", b"\xdb\xff\xff\xff\xff"),
    ("bin32-header-ffffffff", b"\xc6\xff\xff\xff\xff"),
    ("ext32-header-ffffffff", b"\xc9\xff\xff\xff\xff\x01"),
    ("array16-header-ffff-with-one-element", b"\xdc\xff\xff\xc0"),
    ("str-invalid-utf8", msgpack([Raw(b"\xa2\xff\xfe"), event("leak"), OPTS])),
    ("timestamp-ext-of-2-bytes", msgpack(["emitter", Ext(-1, b"\x00\x01"), OPTS])),
    ("json-garbage", b'{"uid":'),
    ("json-nesting-100000", b'{"a":' * DEEP + b"1" + b"}" * DEEP),
    ("json-array-is-not-json-here", b"[1,2,3]"),  # JSON only when it starts with `{`, as the reference
    ("json-after-a-space", b' {"uid":"zz","type":6}'),
    ("json-trailing-garbage", b'{"uid":"zz","type":6}x'),
]


# --------------------------------------------------------------------------------------------
# classic
# --------------------------------------------------------------------------------------------

CLASSIC: list[Case] = [Case(f"main-{name}", "main", payload, "undecodable") for name, payload in UNDECODABLE] + [
    Case("root-nesting-100000-arrays", "root", b"\x91" * DEEP + b"\xc0", "undecodable"),
    Case("room-channel-garbage", "room", b"\xc1", "undecodable"),
    Case("room-channel-map32-header-ffffffff", "room", b"\xdf\xff\xff\xff\xff", "undecodable"),
    # Channels the node must not even decode: a room it does not have, a channel without the final `#`.
    Case("room-without-local-members-garbage", "room_absent", b"\xc1", None, note="dropped before decoding, not counted"),
    Case("channel-without-final-hash-garbage", "main_no_hash", b"\xc1", None, note="not a broadcast channel, ignored"),
    # The outer shape [uid, packet, opts].
    Case("main-top-level-map", "main", msgpack({"type": 2}), "malformed_envelope"),
    Case("main-top-level-string", "main", msgpack("leak"), "malformed_envelope"),
    Case("main-top-level-nil", "main", msgpack(None), "malformed_envelope"),
    Case("main-top-level-int", "main", msgpack(7), "malformed_envelope"),
    Case("main-empty-array", "main", msgpack([]), "malformed_envelope"),
    Case("main-two-elements", "main", msgpack(["emitter", event("leak")]), "malformed_envelope"),
    Case("main-uid-an-int", "main", broadcast(event("leak"), uid=7), "malformed_envelope"),
    Case("main-uid-nil", "main", broadcast(event("leak"), uid=None), "malformed_envelope"),
    Case("main-uid-unknown-ext", "main", broadcast(event("leak"), uid=Ext(42, b"\x01")), "malformed_envelope"),
    # The message that once killed every node, on the channel of `/` exactly as reported, and on /chat.
    Case("root-ack-id-minus-1-reported-message", "root",
         msgpack(["emitter", {"type": 2, "data": ["x"], "nsp": "/", "id": -1}, {"rooms": [], "except": [], "flags": {}}]), "invalid_packet"),
    Case("main-ack-id-minus-1", "main", broadcast(event("x", id=-1), EVERYONE), "invalid_packet"),
    Case("room-ack-id-minus-1", "room", broadcast(event("x", id=-1)), "invalid_packet"),
    Case("own-uid-is-ignored-by-that-node-only", "main", own_uid_broadcast, "invalid_packet", silent=(0,),
         note="node 0 drops its own uid silently, node 1 counts the bad ack id"),
    # The packet.
    Case("packet-type-99", "main", broadcast({"type": 99, "data": ["leak"], "nsp": CHAT}), "invalid_packet"),
    Case("packet-type-300", "main", broadcast({"type": 300, "data": ["leak"], "nsp": CHAT}), "invalid_packet"),
    Case("packet-type-minus-1", "main", broadcast({"type": -1, "data": ["leak"], "nsp": CHAT}), "invalid_packet"),
    Case("packet-type-connect", "main", broadcast({"type": 0, "data": {}, "nsp": CHAT}), "invalid_packet"),
    Case("packet-type-ack", "main", broadcast({"type": 3, "data": ["leak"], "nsp": CHAT, "id": 1}), "invalid_packet"),
    Case("packet-type-a-string", "main", broadcast({"type": "2", "data": ["leak"], "nsp": CHAT}), "invalid_packet"),
    Case("packet-type-missing", "main", broadcast({"data": ["leak"], "nsp": CHAT}), "invalid_packet"),
    Case("packet-an-unknown-ext", "main", broadcast(Ext(5, b"\x01")), "invalid_packet"),
    Case("packet-nil", "main", broadcast(None), "invalid_packet"),
    Case("packet-keys-nested-in-keys-60-deep", "main", broadcast(keys_nested_in_keys(60)), "invalid_packet"),
    Case("packet-an-array", "main", broadcast([2, ["leak"], CHAT]), "invalid_packet"),
    Case("packet-nsp-of-another-namespace", "main", broadcast(event("leak", nsp="/")), "namespace_mismatch"),
    Case("packet-nsp-missing-means-root", "main", broadcast({"type": 2, "data": ["leak"]}), "namespace_mismatch"),
    Case("packet-nsp-empty", "main", broadcast(event("leak", nsp="")), "namespace_mismatch"),
    Case("packet-nsp-an-int", "main", broadcast(event("leak", nsp=5)), "invalid_packet"),
    Case("root-packet-nsp-chat", "root", broadcast(event("leak", nsp=CHAT), EVERYONE), "namespace_mismatch"),
    Case("packet-data-a-string", "main", broadcast({"type": 2, "data": "leak", "nsp": CHAT}), "invalid_packet"),
    Case("packet-data-missing", "main", broadcast({"type": 2, "nsp": CHAT}), "invalid_packet"),
    Case("packet-data-empty", "main", broadcast(event()), "invalid_packet"),
    Case("packet-data-a-map", "main", broadcast({"type": 2, "data": {"0": "leak"}, "nsp": CHAT}), "invalid_packet"),
    Case("packet-event-name-nil", "main", broadcast(event(None, "leak")), "invalid_packet"),
    Case("packet-event-name-a-map", "main", broadcast(event({"a": 1}, "leak")), "invalid_packet"),
    Case("packet-reserved-event-disconnect", "main", broadcast(event("disconnect")), "invalid_packet"),
    Case("packet-reserved-event-connect", "main", broadcast(event("connect")), "invalid_packet"),
    Case("packet-ack-id-2^60", "main", broadcast(event("leak", id=1 << 60)), "invalid_packet"),
    Case("packet-ack-id-2^53", "main", broadcast(event("leak", id=1 << 53)), "invalid_packet"),
    Case("packet-ack-id-2^64-1", "main", broadcast(event("leak", id=(1 << 64) - 1)), "invalid_packet"),
    Case("packet-ack-id-minus-2^63", "main", broadcast(event("leak", id=-(1 << 63))), "invalid_packet"),
    Case("packet-ack-id-1.5", "main", broadcast(event("leak", id=1.5)), "invalid_packet"),
    Case("packet-ack-id-nan", "main", broadcast(event("leak", id=NAN)), "invalid_packet"),
    Case("packet-ack-id-infinity", "main", broadcast(event("leak", id=INF)), "invalid_packet"),
    Case("packet-ack-id-a-string", "main", broadcast(event("leak", id="1")), "invalid_packet"),
    # The options.
    Case("opts-nil", "main", broadcast(event("leak"), None), "invalid_options"),
    Case("opts-a-string", "main", broadcast(event("leak"), "all"), "invalid_options"),
    Case("opts-an-array", "main", broadcast(event("leak"), [CHAT_INTERNAL_ROOM]), "invalid_options"),
    Case("opts-rooms-hold-a-map", "main", broadcast(event("leak"), {"rooms": [{"a": 1}], "except": []}), "invalid_options"),
    Case("opts-rooms-hold-nil", "main", broadcast(event("leak"), {"rooms": [None], "except": []}), "invalid_options"),
    Case("opts-rooms-hold-nan", "main", broadcast(event("leak"), {"rooms": [NAN], "except": []}), "invalid_options"),
    Case("opts-rooms-hold-an-unknown-ext", "main", broadcast(event("leak"), {"rooms": [Ext(9, b"\x00")], "except": []}), "invalid_options"),
    Case("opts-rooms-a-string", "main", broadcast(event("leak"), {"rooms": CHAT_INTERNAL_ROOM, "except": []}), "invalid_options"),
    Case("opts-except-hold-a-bool", "main", broadcast(event("leak"), {"rooms": [], "except": [True]}), "invalid_options"),
    Case("opts-flags-a-list", "main", broadcast(event("leak"), {"rooms": [], "flags": [1]}), "invalid_options"),
    Case("opts-flags-volatile-a-string", "main", broadcast(event("leak"), {"rooms": [], "flags": {"volatile": "yes"}}), "invalid_options"),
    Case("opts-flags-compress-an-int", "main", broadcast(event("leak"), {"rooms": [], "flags": {"compress": 1}}), "invalid_options"),
    Case("opts-flags-timeout-infinite", "main", broadcast(event("leak"), {"rooms": [], "flags": {"timeout": INF}}), "invalid_options"),
    Case("opts-flags-timeout-nan", "main", broadcast(event("leak"), {"rooms": [], "flags": {"timeout": NAN}}), "invalid_options"),
    Case("opts-flags-timeout-negative", "main", broadcast(event("leak"), {"rooms": [], "flags": {"timeout": -1}}), "invalid_options"),
    Case("opts-flags-timeout-a-string", "main", broadcast(event("leak"), {"rooms": [], "flags": {"timeout": "5"}}), "invalid_options"),
    # Requests (JSON, or MessagePack when not starting with `{`).
    Case("request-garbage", "request", b"\xc1\x00", "undecodable"),
    Case("request-json-garbage", "request", b'{"uid":"zz","type":', "undecodable"),
    Case("request-json-nesting-100000", "request", b'{"a":' * DEEP + b"1" + b"}" * DEEP, "undecodable"),
    Case("request-json-array", "request", b"[1,2,3]", "undecodable"),
    Case("request-json-after-a-space", "request", b' {"uid":"zz","type":4}', "undecodable"),
    Case("request-json-trailing-garbage", "request", b'{"uid":"zz","type":4}}', "undecodable"),
    Case("request-json-invalid-escape", "request", b'{"uid":"\\q","type":4}', "undecodable"),
    Case("request-msgpack-array", "request", msgpack([1, 2, 3]), "malformed_envelope"),
    Case("request-msgpack-string", "request", msgpack("leak"), "malformed_envelope"),
    Case("request-type-missing", "request", j({"uid": "zz"}), "malformed_envelope"),
    Case("request-type-a-string", "request", j({"uid": "zz", "type": "4"}), "malformed_envelope"),
    Case("request-type-1.5", "request", j({"uid": "zz", "type": 1.5}), "malformed_envelope"),
    Case("request-type-1e400", "request", b'{"uid":"zz","type":1e400}', "malformed_envelope"),
    Case("request-type-42", "request", j({"uid": "zz", "type": 42}), "unknown_type"),
    Case("request-type-minus-1", "request", j({"uid": "zz", "type": -1}), "unknown_type"),
    Case("request-type-2^62", "request", j({"uid": "zz", "type": 1 << 62}), "unknown_type"),
    Case("request-uid-an-int", "request", j({"uid": 5, "type": 1, "requestId": "q"}), "malformed_envelope"),
    Case("request-sockets-without-request-id", "request", j({"uid": "zz", "type": 0}), "invalid_request"),
    Case("request-sockets-rooms-a-string", "request", j({"uid": "zz", "type": 0, "requestId": "q", "rooms": "r"}), "invalid_request"),
    Case("request-all-rooms-without-request-id", "request", j({"uid": "zz", "type": 1}), "invalid_request"),
    Case("request-all-rooms-request-id-an-int", "request", j({"uid": "zz", "type": 1, "requestId": 5}), "invalid_request"),
    Case("request-remote-join-without-rooms", "request", j({"uid": "zz", "type": 2, "opts": {"rooms": [], "except": []}}), "invalid_request"),
    Case("request-remote-join-without-opts-or-sid", "request", j({"uid": "zz", "type": 2, "rooms": ["leak"]}), "invalid_request"),
    Case("request-remote-join-rooms-hold-null", "request", j({"uid": "zz", "type": 2, "opts": {"rooms": [], "except": []}, "rooms": [None]}), "invalid_request"),
    Case("request-remote-join-opts-rooms-hold-an-object", "request", j({"uid": "zz", "type": 2, "opts": {"rooms": [{}]}, "rooms": ["leak"]}), "invalid_options"),
    Case("request-remote-join-legacy-sid-without-room", "request", j({"uid": "zz", "type": 2, "sid": "abc"}), "invalid_request"),
    Case("request-remote-leave-rooms-a-string", "request", j({"uid": "zz", "type": 3, "opts": {"rooms": [], "except": []}, "rooms": "r"}), "invalid_request"),
    Case("request-remote-leave-without-rooms", "request", j({"uid": "zz", "type": 3, "opts": {"rooms": [], "except": []}}), "invalid_request"),
    Case("request-remote-disconnect-without-opts-or-sid", "request", j({"uid": "zz", "type": 4}), "invalid_request",
         note="must disconnect nobody"),
    Case("request-remote-disconnect-without-opts-msgpack", "request", msgpack({"uid": "zz", "type": 4, "close": True}), "invalid_request",
         note="must disconnect nobody"),
    Case("request-remote-disconnect-opts-null", "request", j({"uid": "zz", "type": 4, "opts": None}), "invalid_request"),
    Case("request-remote-disconnect-opts-a-string", "request", j({"uid": "zz", "type": 4, "opts": "all"}), "invalid_options"),
    Case("request-remote-disconnect-opts-an-array", "request", j({"uid": "zz", "type": 4, "opts": []}), "invalid_options"),
    Case("request-remote-disconnect-rooms-hold-an-object", "request", j({"uid": "zz", "type": 4, "opts": {"rooms": [{}], "except": []}}), "invalid_options"),
    Case("request-remote-disconnect-rooms-hold-null", "request", j({"uid": "zz", "type": 4, "opts": {"rooms": [None], "except": []}}), "invalid_options"),
    Case("request-remote-disconnect-except-a-string", "request", j({"uid": "zz", "type": 4, "opts": {"rooms": [], "except": "x"}}), "invalid_options"),
    Case("request-remote-disconnect-close-a-string", "request", j({"uid": "zz", "type": 4, "opts": {"rooms": [NOBODY]}, "close": "yes"}), "invalid_request"),
    Case("request-remote-disconnect-legacy-sid-an-int", "request", j({"uid": "zz", "type": 4, "sid": 5}), "invalid_request"),
    Case("root-request-remote-disconnect-without-opts", "root_request", j({"uid": "zz", "type": 4}), "invalid_request",
         note="must disconnect nobody in /"),
    Case("request-remote-fetch-without-request-id", "request", j({"uid": "zz", "type": 5, "opts": {"rooms": []}}), "invalid_request"),
    Case("request-remote-fetch-request-id-an-array", "request", j({"uid": "zz", "type": 5, "requestId": ["q"], "opts": {"rooms": []}}), "invalid_request"),
    Case("request-remote-fetch-without-opts", "request", j({"uid": "zz", "type": 5, "requestId": "q"}), "invalid_options"),
    Case("request-server-side-emit-data-empty", "request", j({"uid": "zz", "type": 6, "data": []}), "invalid_request"),
    Case("request-server-side-emit-data-a-string", "request", j({"uid": "zz", "type": 6, "data": "leak"}), "invalid_request"),
    Case("request-server-side-emit-event-an-int", "request", j({"uid": "zz", "type": 6, "data": [5]}), "invalid_request"),
    Case("request-server-side-emit-request-id-an-int", "request", j({"uid": "zz", "type": 6, "data": ["leak"], "requestId": 5}), "invalid_request"),
    Case("request-broadcast-without-request-id", "request", msgpack({"uid": "zz", "type": 7, "packet": event("leak"), "opts": OPTS}), "invalid_request"),
    Case("request-broadcast-ack-id-minus-1", "request", msgpack({"uid": "zz", "type": 7, "requestId": "q", "packet": event("leak", id=-1), "opts": OPTS}), "invalid_packet"),
    Case("request-broadcast-packet-of-another-namespace", "request", msgpack({"uid": "zz", "type": 7, "requestId": "q", "packet": event("leak", nsp=ROOT), "opts": OPTS}), "namespace_mismatch"),
    Case("request-broadcast-without-opts", "request", msgpack({"uid": "zz", "type": 7, "requestId": "q", "packet": event("leak")}), "invalid_options"),
    Case("request-broadcast-timeout-1e400-json", "request",
         b'{"uid":"zz","type":7,"requestId":"q","packet":{"type":2,"data":["leak"],"nsp":"/chat"},"opts":{"rooms":["chat:r"],"except":[],"flags":{"timeout":1e400}}}',
         "invalid_options", note="1e400 parses as infinity"),
    Case("request-broadcast-timeout-negative", "request",
         msgpack({"uid": "zz", "type": 7, "requestId": "q", "packet": event("leak"), "opts": {**OPTS, "flags": {"timeout": -1}}}), "invalid_options"),
    Case("request-client-count-on-request-channel", "request", j({"uid": "zz", "type": 8, "requestId": "q", "clientCount": 1}), "invalid_request"),
    Case("request-broadcast-ack-on-request-channel", "request", msgpack({"uid": "zz", "type": 9, "requestId": "q", "packet": ["leak"]}), "invalid_request"),
    # Responses (shared channel, and node 0's own channel).
    Case("response-garbage", "response", b"\xc1", "undecodable"),
    Case("response-json-nesting-100000", "response", b'{"a":' * DEEP + b"1" + b"}" * DEEP, "undecodable"),
    Case("response-msgpack-string", "response", msgpack("leak"), "malformed_envelope"),
    Case("response-msgpack-array", "response", msgpack(["q", []]), "malformed_envelope"),
    Case("response-without-request-id", "response", j({"type": 8, "clientCount": 1}), "invalid_response"),
    Case("response-request-id-an-int", "response", j({"requestId": 5, "sockets": []}), "invalid_response"),
    Case("response-unknown-request-id", "response", j({"requestId": "nobody", "sockets": []}), None,
         note="the shared channel carries other nodes' answers: ignored"),
    Case("response-unknown-request-id-wrong-shapes", "response", j({"requestId": "nobody", "type": 99, "sockets": "x", "rooms": 5}), None),
    Case("response-unknown-request-id-huge-client-count", "response", j({"requestId": "nobody", "type": 8, "clientCount": 1 << 62}), None),
    Case("response-unknown-request-id-broadcast-ack-msgpack", "response", msgpack({"requestId": "nobody", "type": 9, "packet": ["leak"]}), None),
    Case("own-response-channel-garbage", "response_uid0", b"\xc1\xff", "undecodable"),
    Case("own-response-channel-map32-header-ffffffff", "response_uid0", b"\xdf\xff\xff\xff\xff", "undecodable"),
    Case("own-response-channel-without-request-id", "response_uid0", j({"sockets": []}), "invalid_response"),
    Case("own-response-channel-unknown-request-id", "response_uid0", j({"requestId": "nobody", "rooms": ["leak"]}), None),
]


# --------------------------------------------------------------------------------------------
# sharded
# --------------------------------------------------------------------------------------------

DISCONNECT_WITHOUT_DATA = b'{"uid":"zz","type":6}'

SHARDED: list[Case] = [Case(f"main-{name}", "main", payload, "undecodable") for name, payload in UNDECODABLE] + [
    Case("root-nesting-100000-maps", "root", b"\x81\xa1a" * DEEP + b"\xc0", "undecodable"),
    Case("room-channel-garbage", "room", b"\xc1", "undecodable"),
    Case("room-channel-json-nesting-100000", "room", b'{"a":' * DEEP + b"1" + b"}" * DEEP, "undecodable"),
    Case("own-response-channel-garbage", "response_uid0", b"\xc1\xff", "undecodable"),
    # DISCONNECT_SOCKETS without options: once disconnected every socket on every node.
    Case("disconnect-sockets-without-data-json", "main", DISCONNECT_WITHOUT_DATA, "malformed_envelope", note="must disconnect nobody"),
    Case("disconnect-sockets-without-data-msgpack", "main", msgpack({"uid": "zz", "type": 6}), "malformed_envelope", note="must disconnect nobody"),
    Case("root-disconnect-sockets-without-data-json", "root", DISCONNECT_WITHOUT_DATA, "malformed_envelope", note="must disconnect nobody in /"),
    Case("room-disconnect-sockets-without-data-json", "room", DISCONNECT_WITHOUT_DATA, "malformed_envelope"),
    Case("root-room-disconnect-sockets-without-data-msgpack", "root_room", msgpack({"uid": "zz", "type": 6}), "malformed_envelope"),
    Case("broadcast-packet-keys-nested-in-keys-60-deep", "main", shard(3, {"packet": keys_nested_in_keys(60), "opts": OPTS}), "invalid_packet"),
    Case("disconnect-sockets-data-null", "main", j({"uid": "zz", "type": 6, "data": None}), "malformed_envelope"),
    Case("disconnect-sockets-data-a-string", "main", j({"uid": "zz", "type": 6, "data": "all"}), "malformed_envelope"),
    Case("disconnect-sockets-data-empty", "main", j(envelope(6, {})), "invalid_options"),
    Case("disconnect-sockets-opts-null", "main", shard(6, {"opts": None, "close": True}), "invalid_options"),
    Case("disconnect-sockets-opts-a-string", "main", shard(6, {"opts": "all"}), "invalid_options"),
    Case("disconnect-sockets-rooms-a-number", "main", shard(6, {"opts": {"rooms": 5}}), "invalid_options"),
    Case("disconnect-sockets-rooms-hold-nil", "main", shard(6, {"opts": {"rooms": [None], "except": []}}), "invalid_options"),
    Case("disconnect-sockets-except-hold-a-map", "main", shard(6, {"opts": {"rooms": [], "except": [{}]}}), "invalid_options"),
    Case("disconnect-sockets-close-a-string", "main", shard(6, {"opts": {"rooms": [NOBODY]}, "close": "yes"}), "invalid_request"),
    Case("own-uid-disconnect-without-data", "main", own_uid_disconnect, "malformed_envelope", silent=(0,),
         note="node 0 drops its own uid silently, node 1 counts the missing data"),
    Case("own-response-channel-disconnect-everyone", "response_uid0", shard(6, {"opts": EVERYONE, "close": True}), "invalid_response",
         note="an operation on a response channel is not a response: must disconnect nobody"),
    Case("own-response-channel-disconnect-everyone-with-request-id", "response_uid0",
         shard(6, {"opts": EVERYONE, "close": True, "requestId": "q"}), "invalid_response"),
    Case("own-response-channel-broadcast", "response_uid0", shard(3, {"packet": event("leak"), "opts": OPTS, "requestId": "q"}), "invalid_response"),
    # The envelope.
    Case("type-0", "main", shard(0, {}), "unknown_type"),
    Case("type-14", "main", shard(14, {}), "unknown_type"),
    Case("type-255", "main", shard(255, {}), "unknown_type"),
    Case("type-minus-1", "main", shard(-1, {}), "unknown_type"),
    Case("type-2^40", "main", shard(1 << 40, {}), "unknown_type"),
    Case("type-a-string", "main", shard("3", {}), "malformed_envelope"),
    Case("type-1.5", "main", shard(1.5, {}), "malformed_envelope"),
    Case("type-missing", "main", msgpack({"uid": "zz", "nsp": CHAT, "data": {}}), "malformed_envelope"),
    Case("uid-missing", "main", msgpack({"nsp": CHAT, "type": 3, "data": {}}), "malformed_envelope"),
    Case("uid-an-int", "main", shard(3, {}, uid=5), "malformed_envelope"),
    Case("uid-nil", "main", shard(3, {}, uid=None), "malformed_envelope"),
    Case("not-a-map-array", "main", msgpack(["zz", CHAT, 3, {}]), "malformed_envelope"),
    Case("not-a-map-string", "main", msgpack("leak"), "malformed_envelope"),
    Case("not-a-map-nil", "main", msgpack(None), "malformed_envelope"),
    Case("json-empty-object", "main", b"{}", "malformed_envelope"),
    Case("nsp-of-another-namespace", "main", shard(3, {"packet": event("leak"), "opts": OPTS}, nsp="/other"), "namespace_mismatch"),
    Case("nsp-root-on-chat-channel", "main", shard(3, {"packet": event("leak"), "opts": OPTS}, nsp=ROOT), "namespace_mismatch"),
    Case("root-nsp-chat-on-root-channel", "root", shard(3, {"packet": event("leak", nsp=ROOT), "opts": EVERYONE}, nsp=CHAT), "namespace_mismatch"),
    Case("nsp-an-int", "main", shard(3, {"packet": event("leak"), "opts": OPTS}, nsp=5), "malformed_envelope"),
    Case("data-a-string", "main", shard(3, "leak"), "malformed_envelope"),
    Case("data-an-array", "main", shard(3, [event("leak"), OPTS]), "malformed_envelope"),
    Case("data-missing", "main", shard(3), "malformed_envelope"),
    Case("heartbeat-with-data-a-string", "main", shard(2, "x"), None, note="heartbeats carry nothing to check: ignored"),
    Case("initial-heartbeat-without-data", "main", shard(1), None),
    Case("adapter-close-with-data-a-number", "main", shard(13, 5), None),
    # BROADCAST.
    Case("root-broadcast-ack-id-minus-1-reported-message", "root",
         shard(3, {"packet": {"type": 2, "data": ["x"], "nsp": "/", "id": -1}, "opts": {"rooms": [], "except": [], "flags": {}}}, nsp=ROOT),
         "invalid_packet"),
    Case("broadcast-ack-id-minus-1", "main", shard(3, {"packet": event("x", id=-1), "opts": EVERYONE}), "invalid_packet"),
    Case("room-broadcast-ack-id-minus-1", "room", shard(3, {"packet": event("x", id=-1), "opts": OPTS}), "invalid_packet"),
    Case("broadcast-ack-id-2^60", "main", shard(3, {"packet": event("leak", id=1 << 60), "opts": OPTS}), "invalid_packet"),
    Case("broadcast-ack-id-1.5", "main", shard(3, {"packet": event("leak", id=1.5), "opts": OPTS}), "invalid_packet"),
    Case("broadcast-ack-id-nan", "main", shard(3, {"packet": event("leak", id=NAN), "opts": OPTS}), "invalid_packet"),
    Case("broadcast-ack-id-a-string", "main", shard(3, {"packet": event("leak", id="1"), "opts": OPTS}), "invalid_packet"),
    Case("broadcast-packet-type-ack", "main", shard(3, {"packet": {"type": 3, "data": ["leak"], "nsp": CHAT}, "opts": OPTS}), "invalid_packet"),
    Case("broadcast-packet-type-99", "main", shard(3, {"packet": {"type": 99, "data": ["leak"], "nsp": CHAT}, "opts": OPTS}), "invalid_packet"),
    Case("broadcast-packet-missing", "main", shard(3, {"opts": OPTS}), "invalid_packet"),
    Case("broadcast-packet-a-string", "main", shard(3, {"packet": "leak", "opts": OPTS}), "invalid_packet"),
    Case("broadcast-packet-data-a-string", "main", shard(3, {"packet": {"type": 2, "data": "leak", "nsp": CHAT}, "opts": OPTS}), "invalid_packet"),
    Case("broadcast-packet-data-empty", "main", shard(3, {"packet": event(), "opts": OPTS}), "invalid_packet"),
    Case("broadcast-packet-reserved-event", "main", shard(3, {"packet": event("disconnect"), "opts": OPTS}), "invalid_packet"),
    Case("broadcast-packet-nsp-of-another-namespace", "main", shard(3, {"packet": event("leak", nsp=ROOT), "opts": OPTS}), "namespace_mismatch"),
    Case("broadcast-without-opts", "main", shard(3, {"packet": event("leak")}), "invalid_options"),
    Case("broadcast-opts-nil", "main", shard(3, {"packet": event("leak"), "opts": None}), "invalid_options"),
    Case("broadcast-rooms-hold-nil", "main", shard(3, {"packet": event("leak"), "opts": {"rooms": [None]}}), "invalid_options"),
    Case("broadcast-rooms-hold-a-map", "main", shard(3, {"packet": event("leak"), "opts": {"rooms": [{"a": 1}]}}), "invalid_options"),
    Case("broadcast-flags-a-string", "main", shard(3, {"packet": event("leak"), "opts": {"rooms": [], "flags": "volatile"}}), "invalid_options"),
    Case("broadcast-flags-volatile-an-int", "main", shard(3, {"packet": event("leak"), "opts": {"rooms": [], "flags": {"volatile": 1}}}), "invalid_options"),
    Case("broadcast-timeout-infinite", "main", shard(3, {"packet": event("leak"), "opts": {"rooms": [], "flags": {"timeout": INF}}, "requestId": "q"}), "invalid_options"),
    Case("broadcast-timeout-negative", "main", shard(3, {"packet": event("leak"), "opts": {"rooms": [], "flags": {"timeout": -5}}, "requestId": "q"}), "invalid_options"),
    Case("broadcast-request-id-an-int", "main", shard(3, {"packet": event("leak"), "opts": OPTS, "requestId": 5}), "invalid_request"),
    # SOCKETS_JOIN / SOCKETS_LEAVE.
    Case("sockets-join-without-rooms", "main", shard(4, {"opts": {"rooms": []}}), "invalid_request"),
    Case("sockets-join-without-opts", "main", shard(4, {"rooms": ["leak"]}), "invalid_options"),
    Case("sockets-join-rooms-hold-a-bool", "main", shard(4, {"opts": {"rooms": []}, "rooms": [True]}), "invalid_request"),
    Case("sockets-join-opts-rooms-a-string", "main", shard(4, {"opts": {"rooms": CHAT_INTERNAL_ROOM}, "rooms": ["leak"]}), "invalid_options"),
    Case("sockets-leave-without-opts", "main", shard(5, {"rooms": [CHAT_INTERNAL_ROOM]}), "invalid_options"),
    Case("sockets-leave-rooms-a-string", "main", shard(5, {"opts": {"rooms": []}, "rooms": CHAT_INTERNAL_ROOM}), "invalid_request"),
    # FETCH_SOCKETS and the responses (on the main channel a response is taken as one).
    Case("fetch-sockets-without-request-id", "main", shard(7, {"opts": {}}), "invalid_request"),
    Case("fetch-sockets-request-id-an-int", "main", shard(7, {"opts": {}, "requestId": 5}), "invalid_request"),
    Case("fetch-sockets-without-opts", "main", shard(7, {"requestId": "q"}), "invalid_options"),
    Case("fetch-sockets-response-without-request-id", "main", shard(8, {"sockets": []}), "invalid_response"),
    Case("fetch-sockets-response-sockets-a-string", "main", shard(8, {"requestId": "nobody", "sockets": "x"}), "invalid_response"),
    Case("fetch-sockets-response-unknown-request-id", "main", shard(8, {"requestId": "nobody", "sockets": []}), None,
         note="answers to another node's request: ignored"),
    Case("server-side-emit-packet-a-number", "main", shard(9, {"packet": 5}), "invalid_request"),
    Case("server-side-emit-packet-empty", "main", shard(9, {"packet": []}), "invalid_request"),
    Case("server-side-emit-event-an-int", "main", shard(9, {"packet": [5, "leak"]}), "invalid_request"),
    Case("server-side-emit-request-id-an-int", "main", shard(9, {"packet": ["leak"], "requestId": 7}), "invalid_request"),
    Case("server-side-emit-response-without-request-id", "main", shard(10, {"packet": ["x"]}), "invalid_response"),
    Case("server-side-emit-response-unknown-request-id", "main", shard(10, {"requestId": "nobody", "packet": ["x"]}), None),
    Case("client-count-without-request-id", "main", shard(11, {"clientCount": 1}), "invalid_response"),
    Case("client-count-2^40", "main", shard(11, {"requestId": "q", "clientCount": 1 << 40}), "invalid_response"),
    Case("client-count-negative", "main", shard(11, {"requestId": "q", "clientCount": -1}), "invalid_response"),
    Case("client-count-a-string", "main", shard(11, {"requestId": "q", "clientCount": "3"}), "invalid_response"),
    Case("client-count-unknown-request-id", "main", shard(11, {"requestId": "nobody", "clientCount": 3}), None),
    Case("broadcast-ack-without-request-id", "main", shard(12, {"packet": ["x"]}), "invalid_response"),
    Case("broadcast-ack-unknown-request-id", "main", shard(12, {"requestId": "nobody", "packet": ["x"]}), None),
    Case("own-response-channel-client-count-a-string", "response_uid0", shard(11, {"requestId": "q", "clientCount": "x"}), "invalid_response"),
    Case("own-response-channel-unknown-request-id", "response_uid0", shard(8, {"requestId": "nobody", "sockets": []}), None),
]


def _check_unique(cases: list[Case]) -> None:
    names = [case.name for case in cases]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    assert not duplicates, duplicates


_check_unique(CLASSIC)
_check_unique(SHARDED)


# --------------------------------------------------------------------------------------------
# streams
# --------------------------------------------------------------------------------------------


def entry(type_="3", data=None, uid="zz", nsp=CHAT, omit=()) -> list:
    """The field/value list of a streams-adapter entry (`data` JSON-encoded unless already text)."""
    fields = {"uid": uid, "nsp": nsp, "type": type_}
    if data is not None:
        fields["data"] = data if isinstance(data, (str, bytes)) else j(data).decode()
    out: list = []
    for name, value in fields.items():
        if name not in omit:
            out += [name, value]
    return out


def b64(raw: bytes) -> str:
    import base64

    return base64.b64encode(raw).decode()


def own_uid_stream_broadcast(cluster) -> list:
    return entry("3", {"packet": event("leak", id=-1), "opts": OPTS}, uid=cluster.uids[0])


LEAK_BROADCAST = {"packet": event("leak"), "opts": OPTS}

# The streams adapter reads the sharded envelope on its pub/sub channels (requests, responses) with
# the same checks; room channels do not exist in it.
STREAMS: list[Case] = [
    Case(f"pubsub-{case.name}", case.channel, case.payload, case.reason, case.silent, case.fence, case.note)
    for case in SHARDED if case.channel in ("main", "root", "response_uid0") and not callable(case.payload)
] + [
    Case("stream-entry-without-uid", "stream", entry(data=LEAK_BROADCAST, omit=("uid",)), "malformed_envelope", fence="main"),
    Case("stream-entry-without-type", "stream", entry(data=LEAK_BROADCAST, omit=("type",)), "malformed_envelope", fence="main"),
    Case("stream-entry-without-nsp", "stream", entry(data=LEAK_BROADCAST, omit=("nsp",)), "malformed_envelope", fence="main"),
    Case("stream-entry-type-not-a-number", "stream", entry("three", LEAK_BROADCAST), "malformed_envelope", fence="main"),
    Case("stream-entry-type-huge", "stream", entry("99999999999999999999", LEAK_BROADCAST), "malformed_envelope", fence="main"),
    Case("stream-entry-type-negative", "stream", entry("-3", LEAK_BROADCAST), "malformed_envelope", fence="main"),
    Case("stream-entry-type-unknown", "stream", entry("99", LEAK_BROADCAST), "unknown_type", fence="main"),
    Case("stream-entry-data-broken-json", "stream", entry("3", '{"packet":'), "undecodable", fence="main"),
    Case("stream-entry-data-json-nesting-100000", "stream", entry("3", '{"a":' * DEEP + "1" + "}" * DEEP), "undecodable", fence="main"),
    Case("stream-entry-data-not-base64", "stream", entry("3", "%%%"), "undecodable", fence="main"),
    Case("stream-entry-data-base64-of-garbage", "stream", entry("3", b64(b"\xc1\xff")), "undecodable", fence="main"),
    Case("stream-entry-data-base64-msgpack-nesting-100000", "stream", entry("3", b64(b"\x81\xa1a" * DEEP + b"\xc0")), "undecodable", fence="main"),
    Case("stream-entry-data-base64-map32-header-ffffffff", "stream", entry("3", b64(b"\xdf\xff\xff\xff\xff")), "undecodable", fence="main"),
    Case("stream-entry-data-base64-msgpack-string", "stream", entry("3", b64(msgpack("leak"))), "malformed_envelope", fence="main"),
    Case("stream-broadcast-without-data", "stream", entry("3"), "malformed_envelope", fence="main"),
    Case("stream-broadcast-without-packet", "stream", entry("3", {"opts": OPTS}), "invalid_packet", fence="main"),
    Case("stream-broadcast-packet-a-string", "stream", entry("3", {"packet": "leak", "opts": OPTS}), "invalid_packet", fence="main"),
    Case("stream-broadcast-ack-id-minus-1", "stream", entry("3", {"packet": event("leak", id=-1), "opts": OPTS}), "invalid_packet", fence="main"),
    Case("stream-broadcast-reserved-event", "stream", entry("3", {"packet": event("connect"), "opts": OPTS}), "invalid_packet", fence="main"),
    Case("stream-broadcast-packet-of-another-namespace", "stream", entry("3", {"packet": event("leak", nsp=ROOT), "opts": OPTS}),
         "namespace_mismatch", fence="main"),
    Case("stream-broadcast-without-opts", "stream", entry("3", {"packet": event("leak")}), "invalid_options", fence="main"),
    Case("stream-broadcast-rooms-hold-an-object", "stream", entry("3", {"packet": event("leak"), "opts": {"rooms": [{}], "except": []}}),
         "invalid_options", fence="main"),
    Case("stream-broadcast-binary-packet-ack-id-huge", "stream",
         entry("3", b64(msgpack({"packet": {"type": 2, "data": ["leak", b"\x00\x01"], "nsp": CHAT, "id": 1 << 62}, "opts": OPTS}))),
         "invalid_packet", fence="main"),
    Case("stream-disconnect-sockets-without-data", "stream", entry("6"), "malformed_envelope", fence="main", note="must disconnect nobody"),
    Case("stream-disconnect-sockets-without-opts", "stream", entry("6", {"close": True}), "invalid_options", fence="main",
         note="must disconnect nobody"),
    Case("stream-disconnect-sockets-opts-null", "stream", entry("6", {"opts": None, "close": True}), "invalid_options", fence="main"),
    Case("stream-sockets-join-without-rooms", "stream", entry("4", {"opts": OPTS}), "invalid_request", fence="main"),
    Case("stream-sockets-leave-rooms-a-string", "stream", entry("5", {"opts": OPTS, "rooms": "x"}), "invalid_request", fence="main"),
    Case("stream-entry-of-an-unknown-namespace", "stream", entry("6", {"opts": EVERYONE}, nsp="/nowhere"), None, fence="main",
         note="no adapter for it: ignored"),
    Case("stream-heartbeat", "stream", entry("2"), None, fence="main", note="heartbeats mean nothing to this adapter"),
    Case("stream-own-uid-broadcast-ack-id-minus-1", "stream", own_uid_stream_broadcast, "invalid_packet", silent=(0,), fence="main"),
]

_check_unique(STREAMS)
