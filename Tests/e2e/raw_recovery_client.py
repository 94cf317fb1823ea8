"""A raw Socket.IO client over WebSocket for the streams adapter tests: it drives connection state
recovery by hand (python-socketio does not implement it), as the reference client does: the CONNECT
answer carries `pid`, each event's last argument is its offset, and a client that comes back sends
`{pid, offset}` in its CONNECT auth.

  RawSession(port)            an Engine.IO session opened directly on WebSocket (pings answered);
                              `.sid` is the Engine.IO session id
    .connect(auth=None)       CONNECT on `/`: (events before the answer, the answer, welcome args;
                              welcome=False for servers that send no `welcome`: then None)
    .request(ack_id, *args)   an event with an ack request: the ack's arguments
    .events_until(pred, t)    events (lists) received until pred(events) holds or t seconds pass
    .close()                  drops the connection (`transport close`)

Every wait is bounded.
"""

from __future__ import annotations

import json
import time
from typing import Any, Callable, Optional

import websocket

from e2e_common import HOST


def parse(message: str) -> tuple[str, Optional[int], Any]:
    """(type digit, ack id, decoded JSON or None) of a Socket.IO text packet on `/`."""
    digit, rest = message[0], message[1:]
    ack = ""
    while rest and rest[0].isdigit():
        ack, rest = ack + rest[0], rest[1:]
    return digit, int(ack) if ack else None, json.loads(rest) if rest else None


class RawSession:
    def __init__(self, port: int, timeout: float = 5.0, host: str = HOST):
        self.ws = websocket.create_connection(f"ws://{host}:{port}/socket.io/?EIO=4&transport=websocket", timeout=timeout)
        first = self.ws.recv()
        assert isinstance(first, str) and first.startswith("0"), f"expected an open packet, got {first!r}"
        self.sid = json.loads(first[1:])["sid"]
        self.pending: list[str] = []
        self.closed = False

    def _next(self, deadline: float) -> Optional[str]:
        """The next Socket.IO packet (text after the Engine.IO `4`), answering pings; None at the
        deadline or once the server closed the connection."""
        while not self.closed:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.ws.settimeout(left)
            try:
                frame = self.ws.recv()
            except websocket.WebSocketTimeoutException:
                return None
            except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
                self.closed = True
                return None
            if frame == "2":
                self.ws.send("3")
            elif isinstance(frame, str) and frame.startswith("4"):
                return frame[1:]
        return None

    def _collect(self, done: Callable[[list[str]], bool], timeout: float) -> list[str]:
        got, self.pending = self.pending, []
        deadline = time.monotonic() + timeout
        while not done(got):
            message = self._next(deadline)
            if message is None:
                break
            got.append(message)
        return got

    def send(self, packet: str) -> None:
        self.ws.send("4" + packet)

    def connect(self, auth: Optional[dict] = None, timeout: float = 5.0, welcome: bool = True) -> tuple[list[list], dict, Optional[list]]:
        self.send("0" + (json.dumps(auth) if auth is not None else ""))
        got = self._collect(lambda m: any(x.startswith("0") for x in m) and (not welcome or any('"welcome"' in x for x in m)), timeout)
        parsed = [parse(x) for x in got]
        index = next((i for i, p in enumerate(parsed) if p[0] == "0"), None)
        assert index is not None, f"no CONNECT answer within {timeout}s: {got!r}"
        before = [p[2] for p in parsed[:index] if p[0] == "2"]
        if not welcome:
            self.pending = got[index + 1:]
            return before, parsed[index][2], None
        greeting = next((p[2] for p in parsed[index:] if p[0] == "2" and p[2][0] == "welcome"), None)
        assert greeting is not None, f"no welcome after the CONNECT: {got!r}"
        self.pending = [x for x, p in zip(got[index + 1:], parsed[index + 1:]) if not (p[0] == "2" and p[2][0] == "welcome")]
        return before, parsed[index][2], greeting

    def request(self, ack_id: int, *args: Any, timeout: float = 5.0) -> list:
        self.send(f"2{ack_id}" + json.dumps(list(args)))
        got = self._collect(lambda m: any(x.startswith(f"3{ack_id}[") for x in m), timeout)
        answer = next((x for x in got if x.startswith(f"3{ack_id}[")), None)
        assert answer is not None, f"no ack {ack_id} within {timeout}s: {got!r}"
        self.pending = [x for x in got if x is not answer]
        return json.loads(answer[len(f"3{ack_id}"):])

    def events_until(self, done: Callable[[list[list]], bool], timeout: float) -> list[list]:
        events: list[list] = []

        def finished(messages: list[str]) -> bool:
            events[:] = [p[2] for p in (parse(x) for x in messages) if p[0] == "2"]
            return done(events)

        self._collect(finished, timeout)
        return events

    def close(self) -> None:
        self.closed = True
        try:
            self.ws.close()
        except OSError:
            pass
