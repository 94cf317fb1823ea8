"""Fixtures of the Socket.IO end-to-end tests. Builds on Tests/e2e/conftest.py (`start_server`).

  start_echo(*args)     start socketio-echo (path /socket.io/) with extra command-line options
  start_fixture(*args)  start socketio-fixture (event-driven test server with GET /stats)
  mode                  parametrizes a test over the three client transport modes:
                        polling only, websocket only, polling upgraded to websocket
"""

import pytest

from sio_helpers import ALL_MODES


@pytest.fixture(params=ALL_MODES)
def mode(request):
    return request.param


@pytest.fixture
def start_echo(start_server):
    def start(*args):
        return start_server(*args, name="socketio-echo")

    return start


@pytest.fixture
def start_fixture(start_server):
    def start(*args):
        return start_server(*args, name="socketio-fixture")

    return start
