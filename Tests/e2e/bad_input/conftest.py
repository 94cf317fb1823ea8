"""Fixtures of the bad-input table: one socketio-node and one bystander client per module (`harness`),
and `checked`, which runs the case's own assertions through the test and the after-case check
(alive, healthy, RSS, bystander's ack) after it."""

import pytest

from bad_input_support import start_harness


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    harness = start_harness(tmp_path_factory.mktemp("bad-input"))
    try:
        yield harness
    finally:
        harness.bystander.close()
        harness.node.stop()


@pytest.fixture
def node(harness, request):
    yield harness.node
    harness.after_case(request.node.name)
