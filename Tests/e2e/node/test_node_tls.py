"""--tls-cert / --tls-key: a node serves https and wss itself; python-socketio trusts a certificate
this test makes (its own CA file), over polling, WebSocket and the upgrade; handshakes report
`secure: true` (read through socketio-fixture, which takes the same flags)."""

import asyncio
import shutil
import ssl
import subprocess
import urllib.request

import pytest
import socketio

from e2e_common import missing
from node_support import HOST, free_port, node_binary


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1 (its own CA) and its key, made with openssl."""
    if shutil.which("openssl") is None:
        missing("openssl (Debian package openssl) makes the test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    return str(cert), str(key)


@pytest.mark.parametrize("mode", ["polling", "websocket", "upgrade"])
def test_clients_connect_over_tls_trusting_the_test_certificate(node, clients, certificate, mode):
    cert, key = certificate
    server = node("--tls-cert", cert, "--tls-key", key, "--bench-handlers")
    client = clients.connect(f"https://{HOST}:{server.port}", "/", mode, ca_file=cert)
    assert client.call("echo", "over", {"tls": True}) == ("over", {"tls": True})


def test_a_client_that_does_not_trust_the_certificate_is_refused(node, certificate):
    cert, key = certificate
    server = node("--tls-cert", cert, "--tls-key", key, "--bench-handlers")
    sio = socketio.Client(reconnection=False, request_timeout=5)
    with pytest.raises(socketio.exceptions.ConnectionError):
        sio.connect(f"https://{HOST}:{server.port}", transports=["polling"], wait_timeout=5)
    # and plain HTTP on the TLS port gets no HTTP answer
    with pytest.raises(Exception):
        urllib.request.urlopen(f"http://{HOST}:{server.port}/socket.io/?EIO=4&transport=polling", timeout=5).read()
    # while the trusting client still gets in
    context = ssl.create_default_context(cafile=cert)
    body = urllib.request.urlopen(f"https://{HOST}:{server.port}/socket.io/?EIO=4&transport=polling", context=context, timeout=5).read()
    assert body.startswith(b"0{"), body


def test_a_node_with_an_unreadable_key_says_so_and_exits(certificate, tmp_path):
    cert, _ = certificate
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key\n")
    result = subprocess.run(
        [str(node_binary()), "--host", HOST, "--port", str(free_port()), "--tls-cert", cert, "--tls-key", str(bad)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0, result
    assert "private key" in result.stdout + result.stderr, result


def test_handshakes_over_tls_report_secure(start_server, certificate):
    cert, key = certificate
    server = start_server("--tls-cert", cert, "--tls-key", key, name="socketio-fixture")

    async def scenario():
        import aiohttp

        connector = aiohttp.TCPConnector(ssl=ssl.create_default_context(cafile=cert))
        session = aiohttp.ClientSession(connector=connector)
        sio = socketio.AsyncClient(reconnection=False, http_session=session)
        try:
            await sio.connect(f"https://{HOST}:{server.port}", transports=["websocket"], wait_timeout=5)
            handshake = await sio.call("handshake", timeout=5)
            assert handshake["secure"] is True, handshake
        finally:
            await sio.disconnect()
            await session.close()

    asyncio.run(asyncio.wait_for(scenario(), 30))
