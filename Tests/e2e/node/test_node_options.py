"""Options: flags, SOCKETIO_* environment variables (the flag wins), and clear refusals."""

import json
import socket

import pytest

from node_support import HOST, NODE_VARIABLES, eventually, free_port, http_request, run_node

INVALID = [
    # (flags, environment, words the error must contain)
    (["--port", "70000"], {}, ["--port", "'70000'", "1 to 65535"]),
    (["--port", "abc"], {}, ["--port", "'abc'", "whole number"]),
    ([], {"SOCKETIO_PORT": "abc"}, ["SOCKETIO_PORT", "'abc'", "whole number"]),
    (["--ping-interval", "0"], {}, ["--ping-interval", "whole number"]),
    ([], {"SOCKETIO_PING_TIMEOUT": "soon"}, ["SOCKETIO_PING_TIMEOUT", "'soon'"]),
    (["--max-http-buffer-size", "lots"], {}, ["--max-http-buffer-size", "'lots'"]),
    (["--connect-timeout", "1.5"], {}, ["--connect-timeout", "'1.5'"]),
    (["--redis", "http://localhost:6379"], {}, ["--redis", "unsupported scheme 'http'"]),
    (["--redis", "redis://:6379"], {}, ["--redis", "missing host"]),
    (["--redis", "redis://localhost:99999"], {}, ["--redis", "port"]),
    (["--adapter", "ring"], {}, ["--adapter", "'ring'", "classic or sharded"]),
    ([], {"SOCKETIO_ADAPTER": "ring"}, ["SOCKETIO_ADAPTER", "classic or sharded"]),
    (["--log-level", "loud"], {}, ["--log-level", "'loud'", "info"]),
    (["--cors-origin", "https://example.com/"], {}, ["--cors-origin", "no path"]),
    ([], {"SOCKETIO_CORS_ORIGIN": "https://a.example,ftp://b.example"}, ["SOCKETIO_CORS_ORIGIN", "origin"]),
    (["--node-id", "has space"], {}, ["--node-id", "letters, digits"]),
    (["--advertise", "nohost"], {}, ["--advertise", "host:port"]),
    (["--shutdown-timeout", "forever"], {}, ["--shutdown-timeout", "duration"]),
    (["--shutdown-delay", "20s"], {}, ["--shutdown-delay", "shorter than --shutdown-timeout"]),
    ([], {"SOCKETIO_BENCH_HANDLERS": "maybe"}, ["SOCKETIO_BENCH_HANDLERS", "true or false"]),
    (["--client-script", "/nonexistent/socket.io.min.js"], {}, ["cannot read --client-script", "/nonexistent/socket.io.min.js"]),
    (["--unknown-flag"], {}, ["--unknown-flag"]),
]


@pytest.mark.parametrize("flags,env,words", INVALID, ids=[" ".join(f) or next(iter(e)) for f, e, _ in INVALID])
def test_invalid_options_are_refused_clearly(flags, env, words):
    # A free port, so that a wrongly accepted configuration fails the test instead of the machine.
    address = [] if "--port" in flags or "SOCKETIO_PORT" in env else ["--port", str(free_port())]
    result = run_node(address + flags, env, timeout=10)
    assert result.returncode != 0, result
    message = result.stderr
    for word in words:
        assert word in message, f"{word!r} missing from:\n{message}"
    assert "Error:" in message
    assert "listening" not in result.stdout + result.stderr


@pytest.mark.parametrize("url", [
    "redis://app:hunter2@localhost:99999",
    "redis://app:hunter2@:6379",
    "http://app:hunter2@localhost:6379",
    "redis://app:hunter2@localhost:6379/notadb",
    "redis://:hunter2@localhost:6379/0/extra@x",
])
def test_redis_passwords_never_appear_in_errors(url):
    for flags, env in (["--redis", url], {}), ([], {"SOCKETIO_REDIS": url}):
        result = run_node(["--port", str(free_port())] + flags, env, timeout=10)
        assert result.returncode != 0, result
        output = result.stdout + result.stderr
        assert "hunter2" not in output, output
        assert "***" in output, output


def test_port_in_use_is_refused_clearly():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind((HOST, 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run_node(["--host", HOST, "--port", str(port)])
    assert result.returncode != 0, result
    assert f"cannot listen on {HOST}:{port}: address already in use" in result.stderr, result.stderr


def test_unreachable_redis_keeps_serving_and_is_not_ready(launch_node, clients):
    # Nothing listens on this port: the node must start, serve local clients, keep retrying, and say so.
    dead_port = free_port()
    node = launch_node("--redis", f"redis://127.0.0.1:{dead_port}")
    port = node.port
    ready = http_request(port, "GET", "/readyz")
    assert ready.status == 503, ready
    body = json.loads(ready.text)
    assert body["redis"] in ("connecting", "reconnecting"), body
    assert http_request(port, "GET", "/healthz").status == 200
    client = clients.connect(f"http://{HOST}:{port}", mode="websocket")
    assert client.sid
    assert "retrying" in node.log(), node.log()


def test_an_unreachable_redis_with_a_password_is_logged_without_it(launch_node):
    node = launch_node("--redis", f"redis://app:hunter2@127.0.0.1:{free_port()}", "--log-level", "debug")
    assert http_request(node.port, "GET", "/readyz").status == 503
    eventually(lambda: "retrying" in node.log(), 10)
    written = [line for line in node.log().splitlines() if not line.startswith("$ ")]  # not the test's own command line
    assert not [line for line in written if "hunter2" in line], node.log()


def test_tls_redis_urls_are_refused_clearly():
    result = run_node(["--port", str(free_port()), "--redis", "rediss://127.0.0.1:6379"])
    assert result.returncode != 0
    assert "TLS" in result.stderr, result.stderr


def test_help_names_every_environment_variable():
    result = run_node(["--help"])
    assert result.returncode == 0
    for variable in NODE_VARIABLES:
        assert variable in result.stdout, variable


def test_environment_variables_configure_the_node(launch_node, clients):
    port = free_port()
    node = launch_node(
        env={
            "SOCKETIO_HOST": HOST,
            "SOCKETIO_PORT": str(port),
            "SOCKETIO_NODE_ID": "env-node",
            "SOCKETIO_PING_INTERVAL": "7000",
            "SOCKETIO_PING_TIMEOUT": "6000",
            "SOCKETIO_MAX_HTTP_BUFFER_SIZE": "4321",
            "SOCKETIO_CORS_ORIGIN": "https://a.example, https://b.example",
            "SOCKETIO_BENCH_HANDLERS": "true",
            "SOCKETIO_LOG_LEVEL": "debug",
            "SOCKETIO_SHUTDOWN_TIMEOUT": "3s",
            "SOCKETIO_REDIS": "",  # empty means unset
        },
        flags_for_address=False,
    )
    assert node.port == port
    ready = http_request(port, "GET", "/readyz")
    assert json.loads(ready.body) == {"status": "ready", "node": "env-node"}

    handshake = http_request(port, "GET", "/socket.io/?EIO=4&transport=polling", headers={"Origin": "https://b.example"})
    open_packet = json.loads(handshake.text[1:])
    assert (open_packet["pingInterval"], open_packet["pingTimeout"], open_packet["maxPayload"]) == (7000, 6000, 4321)
    assert handshake.headers.get("Access-Control-Allow-Origin") == "https://b.example"
    other = http_request(port, "GET", "/socket.io/?EIO=4&transport=polling", headers={"Origin": "https://c.example"})
    assert other.headers.get("Access-Control-Allow-Origin") is None

    client = clients.connect(node.base_url, "/", "websocket")
    assert client.call("echo", "bench on") == "bench on"

    log = node.log()
    assert " debug " in log and "node=env-node" in log


def test_flags_win_over_environment_variables(launch_node, clients):
    node = launch_node(
        "--node-id", "flag-node", "--no-bench-handlers", "--cors-origin", "https://flag.example",
        env={"SOCKETIO_NODE_ID": "env-node", "SOCKETIO_BENCH_HANDLERS": "1", "SOCKETIO_CORS_ORIGIN": "https://env.example",
             "SOCKETIO_PORT": "1"},  # the --port flag given by the launcher wins too
    )
    assert json.loads(http_request(node.port, "GET", "/readyz").body)["node"] == "flag-node"
    allowed = http_request(node.port, "GET", "/socket.io/?EIO=4&transport=polling", headers={"Origin": "https://flag.example"})
    assert allowed.headers.get("Access-Control-Allow-Origin") == "https://flag.example"
    refused = http_request(node.port, "GET", "/socket.io/?EIO=4&transport=polling", headers={"Origin": "https://env.example"})
    assert refused.headers.get("Access-Control-Allow-Origin") is None
    client = clients.connect(node.base_url, "/", "websocket")
    with pytest.raises(Exception):
        client.call("echo", "bench off", timeout=1)


def test_any_origin_and_redis_only_settings_without_redis(launch_node):
    node = launch_node("--cors-origin", "*", "--adapter", "sharded", env={"SOCKETIO_KEY_PREFIX": "custom"})
    resp = http_request(node.port, "GET", "/socket.io/?EIO=4&transport=polling", headers={"Origin": "https://any.example"})
    assert resp.headers.get("Access-Control-Allow-Origin") == "https://any.example"
    log = node.log()
    assert "--adapter has no effect without --redis" in log
    assert "--key-prefix has no effect without --redis" in log
