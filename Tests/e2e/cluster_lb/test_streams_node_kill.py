"""Recovery after a node dies, through the balancer: three socketio-node processes on the streams
adapter with connection state recovery, Redis and HAProxy (scripts/cluster.sh). A client on node1
is in a room; node1 is SIGKILLed while another node's client keeps broadcasting to the room; the
client reconnects through HAProxy, lands on a survivor, presents {pid, offset} and gets its socket
id back and every broadcast published while it was away, in order, once.

node1 never got to persist the session at a disconnect (it was killed): the session the survivor
restores is the one node1 kept in Redis while the socket was connected.
"""

from __future__ import annotations

import signal
import time

from lb_support import NODE_IDS
from raw_recovery_client import RawSession

NODE_ARGS = "--bench-handlers --adapter streams --recovery 30s"
LB_HOST = "127.0.0.1"


def open_on(cluster, wanted, tags, attempts=24):
    """A raw session through the balancer that landed on one of `wanted` nodes."""
    for _ in range(attempts):
        session = RawSession(cluster.ports["lb"], host=LB_HOST)
        if tags.get(session.sid[:4]) in wanted:
            return session
        session.close()
    raise AssertionError(f"no session landed on {wanted} in {attempts} tries")


def to_room(session, ack_id, room, n):
    assert session.request(ack_id, "to-room", room, n) == [], f"to-room {n} was not acknowledged"


def numbers(events):
    return [e[1] for e in events if e and e[0] == "to-room"]


def test_a_client_of_a_killed_node_recovers_on_a_survivor(lb_cluster_factory):
    cluster = lb_cluster_factory("sid", NODE_ARGS)
    tags = {cluster.routing_tag(n): n for n in NODE_IDS}
    victim, survivors = "node1", ("node2", "node3")

    client = open_on(cluster, {victim}, tags)
    _, answer, _ = client.connect(welcome=False)
    sid, pid = answer["sid"], answer["pid"]
    assert client.request(1, "join", "room") == []
    publisher = open_on(cluster, set(survivors), tags)
    publisher.connect(welcome=False)

    to_room(publisher, 1, "room", 0)
    got = client.events_until(lambda e: 0 in numbers(e), 5.0)
    assert numbers(got) == [0], got
    offset = [e for e in got if e[0] == "to-room"][0][-1]
    time.sleep(0.5)  # the room change reaches Redis (written within 250 ms)

    cluster.kill(victim, signal.SIGKILL)
    for n in range(1, 41):
        to_room(publisher, 100 + n, "room", n)
        time.sleep(0.05)
    client.close()

    # Reconnect through the balancer; until HAProxy marks node1 down a try may hit it and fail.
    deadline = time.monotonic() + 30
    again = None
    while again is None:
        assert time.monotonic() < deadline, "could not reconnect through the balancer within 30 s"
        try:
            again = open_on(cluster, set(survivors), tags, attempts=4)
        except (OSError, AssertionError, ConnectionError):
            time.sleep(0.2)
    before, answer2, _ = again.connect({"pid": pid, "offset": offset}, welcome=False)
    assert answer2 == {"sid": sid, "pid": pid}, f"not recovered: {answer2!r} (was {answer!r})"
    assert numbers(before) == list(range(1, 41)), before
    # The restored socket is back in its room: the next broadcast reaches it, once.
    to_room(publisher, 200, "room", 41)
    got = again.events_until(lambda e: 41 in numbers(e), 5.0)
    assert numbers(got) == [41], got
    again.close()
    publisher.close()
