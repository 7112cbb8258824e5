"""An external broker the production way: TLS (verified against our CA) and a username/password."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import ssl
import subprocess

import aiomqtt

from service.egress import MqttCallSink, Publisher

from .helpers import WAIT_S, Info
from .mosquitto import Mosquitto


def make_certificates(folder):
    """A throw-away CA and a server certificate for localhost / 127.0.0.1 (openssl CLI)."""
    ca_key, ca, key, csr, cert = (folder / n for n in ("ca.key", "ca.pem", "server.key", "server.csr", "server.pem"))
    ext = folder / "san.cnf"
    ext.write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    for cmd in (
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=callcoach test CA",
         "-keyout", ca_key, "-out", ca],
        ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", key, "-out", csr],
        ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-days", "2",
         "-extfile", ext, "-out", cert],
    ):
        subprocess.run(["openssl", *map(str, cmd)], check=True, capture_output=True)
    return ca, cert, key


def test_publisher_over_tls_with_credentials(tmp_path, settings):
    ca, cert, key = make_certificates(tmp_path)
    passwords = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(passwords), "callcoach", "s3cret"], check=True)
    broker = Mosquitto(tmp_path, tls=(cert, key), password_file=passwords).start()
    secure = dataclasses.replace(settings, broker_url=f"mqtts://localhost:{broker.port}", tls_ca_file=str(ca),
                                 username="callcoach", password="s3cret")
    wrong = dataclasses.replace(secure, instance_id="intruder", password="guess", backoff_base_s=5.0, backoff_max_s=5.0)

    async def scenario():
        async with Publisher(secure) as publisher:
            MqttCallSink(publisher, secure).call_started(Info())
            assert await publisher.flush(WAIT_S)
            stats = publisher.stats()
        async with aiomqtt.Client("localhost", broker.port, username="callcoach", password="s3cret",
                                  tls_params=aiomqtt.TLSParameters(ca_certs=str(ca), cert_reqs=ssl.CERT_REQUIRED)) as reader:
            await reader.subscribe("callcoach/v1/agents/+/state")
            async with asyncio.timeout(WAIT_S):
                state = json.loads((await anext(aiter(reader.messages))).payload)
        async with Publisher(wrong) as refused:
            connected = await refused.wait_connected(1.0)
            refused_stats = refused.stats()
        return stats, state, connected, refused_stats

    try:
        stats, state, connected, refused_stats = asyncio.run(scenario())
    finally:
        broker.stop()
    assert stats.connects == 1 and stats.published == 2 and stats.protocol == "5"
    assert state["status"] == "active" and state["call_id"] == "call-1"  # retained, read back over TLS
    assert not connected and refused_stats.connects == 0 and refused_stats.connection_errors >= 1
