"""The shipped Mosquitto example (config/mosquitto.conf + mosquitto.acl) as shipped, with passwords.

Only paths and ports are swapped (loopback, throw-away certificates, a
password file made with mosquitto_passwd): TLS, ``allow_anonymous false``, the
password file and the per-agent ACL are the shipped lines. A display logs in
the way its link tells it to (``coach display-link`` with an external broker:
the bare agent id and the derived password), over TLS WebSockets like a browser.
"""

from __future__ import annotations

import asyncio
import dataclasses
import getpass
import json
import ssl
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiomqtt
import pytest

from service.egress import Identity, MqttCallSink, Publisher, sign_token
from service.links import display_password, mint_display_link

from .helpers import WAIT_S, Info
from .logins import QA_PASSWORD, SECRET, SERVICE_PASSWORD
from .mosquitto import Mosquitto, free_port
from .test_tls import make_certificates

CONFIG = Path(__file__).resolve().parents[2] / "config"
ROOT = "callcoach/v1"
NUDGE = {"kind": "jargon", "t": 3.0, "speaker": "agent", "severity": "info", "message": "Plain words",
         "evidence": {"start": 2.0, "end": 3.0}}


class ShippedMosquitto(Mosquitto):
    """Mosquitto running config/mosquitto.conf with its paths and ports swapped for the test's."""

    def __init__(self, folder: Path, passwd: Path, acl: Path = CONFIG / "mosquitto.acl", extra: str = "") -> None:
        super().__init__(folder)
        ca, cert, key = make_certificates(folder)
        self.ca, self.ws_port = ca, free_port()
        swaps = {
            "listener 8883": f"listener {self.port} 127.0.0.1",
            "listener 9001": f"listener {self.ws_port} 127.0.0.1",
            "/etc/mosquitto/certs/server.crt": str(cert),
            "/etc/mosquitto/certs/server.key": str(key),
            "/etc/mosquitto/certs/ca.crt": str(ca),
            "/etc/mosquitto/passwd": str(passwd),
            "/etc/mosquitto/callcoach.acl": str(acl),
            "/var/lib/mosquitto/": f"{folder}/",
        }
        text = (CONFIG / "mosquitto.conf").read_text()
        for shipped, here in swaps.items():
            assert shipped in text, f"config/mosquitto.conf no longer has {shipped!r}: update this test"
            text = text.replace(shipped, here)
        # Started as root, Mosquitto would drop to user "mosquitto", who cannot write the test's folder.
        self.conf.write_text(f"{text}\n{extra}\nuser {getpass.getuser()}\nlog_dest file {folder}/mosquitto.log\n")

    def tls(self) -> aiomqtt.TLSParameters:
        return aiomqtt.TLSParameters(ca_certs=str(self.ca), cert_reqs=ssl.CERT_REQUIRED)


def make_passwd(path: Path, users: dict[str, str]) -> Path:
    for index, (user, password) in enumerate(users.items()):
        subprocess.run(["mosquitto_passwd", "-b", *(["-c"] if index == 0 else []), str(path), user, password],
                       check=True, capture_output=True)
    return path


@pytest.fixture
def deployment(tmp_path, settings):
    """The shipped broker with the service, qa and two agents' lasting passwords (no rotation) in its password file."""
    settings = dataclasses.replace(settings, username="callcoach", password=SERVICE_PASSWORD, link_secret=SECRET,
                                   broker_password_period_s=0)
    passwd = make_passwd(tmp_path / "passwd", {
        "callcoach": SERVICE_PASSWORD, "qa": QA_PASSWORD,
        "agent-1": display_password(settings, "agent-1"), "agent-2": display_password(settings, "agent-2")})
    broker = ShippedMosquitto(tmp_path, passwd).start()
    yield broker, dataclasses.replace(settings, broker_url=f"mqtts://localhost:{broker.port}", tls_ca_file=str(broker.ca))
    broker.stop()


def display_client(broker: ShippedMosquitto, username: str, password: str) -> aiomqtt.Client:
    """A client like the agent display: MQTT over TLS WebSockets."""
    return aiomqtt.Client("localhost", broker.ws_port, username=username, password=password, transport="websockets",
                          tls_params=broker.tls(), identifier=f"display-{username}")


def test_a_display_link_reads_only_its_agents_topics_and_qa_reads_the_calls(deployment):
    broker, settings = deployment
    link = mint_display_link(settings, "agent-1", default_base_url="https://coach.example.com", now=time.time())
    query = {name: values[0] for name, values in parse_qs(urlsplit(link.url).query).items()}

    async def scenario():
        async with display_client(broker, query["agent"], query["password"]) as display, \
                aiomqtt.Client("localhost", broker.port, username="qa", password=QA_PASSWORD,
                               tls_params=broker.tls()) as qa, \
                Publisher(settings) as publisher:
            await display.subscribe(f"{ROOT}/#", qos=1)  # asks for everything ...
            await qa.subscribe(f"{ROOT}/#", qos=1)
            sink = MqttCallSink(publisher, settings)
            sink.call_started(Info(call_id="c2", agent_id="agent-2"))
            sink.nudge(Info(call_id="c2", agent_id="agent-2"), NUDGE)
            sink.call_started(Info(call_id="c1", agent_id="agent-1"))
            sink.nudge(Info(call_id="c1", agent_id="agent-1"), NUDGE)
            assert await publisher.flush(WAIT_S)
            seen: dict[str, list[str]] = {"display": [], "qa": []}
            async with asyncio.timeout(WAIT_S):
                async for message in display.messages:
                    seen["display"].append(str(message.topic))
                    if str(message.topic).endswith("/nudges"):
                        break
                async for message in qa.messages:
                    seen["qa"].append(str(message.topic))
                    if str(message.topic) == f"{ROOT}/calls/c1/events":
                        break
            return seen, publisher.stats(), json.loads(message.payload)

    seen, stats, last = asyncio.run(scenario())
    assert query["agent"] == "agent-1" and query["token"].startswith("v1.")
    # ... but gets agent-1's state and nudge only: not agent-2's (published first),
    # not the call events, not the service status.
    assert seen["display"] == [f"{ROOT}/agents/agent-1/state", f"{ROOT}/agents/agent-1/nudges"]
    # QA reads every call's events, and no agent's topics.
    assert [t for t in seen["qa"] if "/calls/" in t] == [f"{ROOT}/calls/c2/events", f"{ROOT}/calls/c1/events"]
    assert not [t for t in seen["qa"] if "/agents/" in t] and last["call_id"] == "c1"
    assert stats.published == 6  # the service itself may write everywhere under the root


@pytest.mark.parametrize("login", ["anonymous", "another agent's password", "the link's token", "a guess"])
def test_the_broker_refuses_logins_it_has_no_password_for(deployment, login):
    broker, settings = deployment
    token = sign_token(SECRET, Identity("agent", "agent-1"), int(time.time()) + 600)
    username, password = {
        "anonymous": (None, None),
        "another agent's password": ("agent-1", display_password(settings, "agent-2")),
        "the link's token": ("agent-1", token),  # Mosquitto cannot check a token: only the derived password works
        "a guess": ("callcoach", "guess"),
    }[login]

    async def scenario():
        with pytest.raises(aiomqtt.MqttError):
            async with display_client(broker, username, password):
                pass

    asyncio.run(scenario())
