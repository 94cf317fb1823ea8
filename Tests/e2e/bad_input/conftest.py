"""Fixtures of the bad-input table: one socketio-node and its bystander clients per module (`harness`),
and `node`, which hands the node to a case and runs the after-case check (alive, healthy, RSS, the
bystanders' acks) after it."""

import contextlib

import pytest

from bad_input_support import start_harness


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    harness = start_harness(tmp_path_factory.mktemp("bad-input"))
    try:
        yield harness
    finally:
        with contextlib.suppress(Exception):
            harness.bystander.close()
        harness.node.stop_checked()


@pytest.fixture
def node(harness, request):
    yield harness.node
    harness.after_case(request.node.name)
