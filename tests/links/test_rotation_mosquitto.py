"""Rotating display logins on a real Mosquitto running the shipped config/mosquitto.conf.

``coach broker-passwords`` writes the password file and ACL; links minted for
the external broker log in with what they carry, over TLS WebSockets like the
browser; a rotation is the same files written for a later time, then SIGHUP.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiomqtt
import pytest

from service.egress.settings import MqttSettings
from service.links import mint_display_link, mint_supervisor_link
from service.links.passwords import acl_text, broker_users, password_text
from service.settings import load_checked_config
from egress.helpers import WAIT_S
from egress.logins import QA_PASSWORD, SECRET, SERVICE_PASSWORD
from egress.test_acl import ShippedMosquitto

from .serve import run_coach, write_config

ROOT = "callcoach/v1"
PERIOD_S = 3600


def login_of(url: str) -> tuple[str, str]:
    query = {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
    return query["user"], query["password"]


@pytest.fixture
def rotating(tmp_path):
    """The shipped broker with the files `coach broker-passwords` wrote, and the settings coach serve would use."""
    passwd, acl = tmp_path / "passwd", tmp_path / "callcoach.acl"
    broker = ShippedMosquitto(tmp_path, passwd, acl)
    config = write_config(tmp_path / "site.toml", {
        "mqtt": {"broker_url": f"mqtts://localhost:{broker.port}", "tls_ca_file": str(broker.ca),
                 "username": "callcoach", "password": SERVICE_PASSWORD, "qa_password": QA_PASSWORD,
                 "link_secret": SECRET, "broker_password_period_s": PERIOD_S},
        "mqtt.teams": {"billing": ["agent-1"], "sales": ["agent-2"]}})
    for _ in range(2):
        made = run_coach("broker-passwords", "--out", str(passwd), "--acl", str(acl), "--config", str(config))
        assert made.returncode == 0, made.stderr
    assert "unchanged" in made.stderr  # the second run within the epoch left both files as they were
    broker.start()
    yield broker, MqttSettings.from_config(load_checked_config(config)["mqtt"]), passwd, acl
    broker.stop()


def rotate(broker: ShippedMosquitto, settings: MqttSettings, passwd: Path, acl: Path, now: float) -> None:
    """What the timer does at ``now``: both files rewritten, then SIGHUP."""
    users = broker_users(settings, now)
    passwd.write_text(password_text(users, settings.link_secret))
    acl.write_text(acl_text(users))
    broker.process.send_signal(signal.SIGHUP)


def display(broker: ShippedMosquitto, user: str, password: str, client_id: str) -> aiomqtt.Client:
    return aiomqtt.Client("localhost", broker.ws_port, username=user, password=password, transport="websockets",
                          tls_params=broker.tls(), identifier=client_id)


async def first_message(broker, settings, login: tuple[str, str], subscribe: str) -> tuple[str, dict]:
    """Log in as ``login``, subscribe to ``subscribe`` and return the first message the service then sends."""
    async with display(broker, *login, "display-test-1") as client, \
            aiomqtt.Client("localhost", broker.port, username="callcoach", password=SERVICE_PASSWORD,
                           tls_params=broker.tls(), identifier="callcoach-test") as service:
        await client.subscribe(subscribe, qos=1)
        for agent in ("agent-2", "agent-1"):
            await service.publish(f"{ROOT}/agents/{agent}/nudges", json.dumps({"for": agent}), qos=1)
        async with asyncio.timeout(WAIT_S):
            async for message in client.messages:
                return str(message.topic), json.loads(message.payload)
    raise AssertionError("no message")


async def refused(broker, login: tuple[str, str]) -> bool:
    try:
        async with display(broker, *login, "display-test-2"):
            return False
    except aiomqtt.MqttError:
        return True


async def until_refused(broker, login: tuple[str, str]) -> bool:
    """Mosquitto applies a SIGHUP on its next loop pass: ask until it refuses (or WAIT_S passes)."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if await refused(broker, login):
            return True
        await asyncio.sleep(0.1)
    return False


def test_a_links_login_works_until_rotation_passes_its_epochs(rotating):
    broker, settings, passwd, acl = rotating
    now = time.time()
    link = mint_display_link(settings, "agent-1", default_base_url="https://coach.example.com", now=now)
    login = login_of(link.url)
    supervisor = login_of(mint_supervisor_link(settings, "billing", default_base_url="https://coach.example.com",
                                               now=now).url)

    async def scenario():
        seen = {"display": await first_message(broker, settings, login, f"{ROOT}/#"),
                "supervisor": await first_message(broker, settings, supervisor, f"{ROOT}/agents/#")}
        rotate(broker, settings, passwd, acl, now + PERIOD_S)  # the next epoch: the link's own is the previous
        await asyncio.sleep(0.5)
        seen["after one rotation"] = await first_message(broker, settings, login, f"{ROOT}/agents/agent-1/#")
        later = now + 2 * PERIOD_S
        rotate(broker, settings, passwd, acl, later)  # the epoch after next: the link's epoch has left the file
        seen["old link refused"] = await until_refused(broker, login)
        fresh = login_of(mint_display_link(settings, "agent-1", default_base_url="https://x", now=later).url)
        seen["current link"] = await first_message(broker, settings, fresh, f"{ROOT}/agents/agent-1/#")
        return seen

    seen = asyncio.run(scenario())
    own = (f"{ROOT}/agents/agent-1/nudges", {"for": "agent-1"})
    assert login[0].startswith("agent/agent-1/") and link.expires_at <= (int(now // PERIOD_S) + 2) * PERIOD_S
    assert seen["display"] == own  # asked for everything, got its own agent's nudge only (agent-2's came first)
    assert seen["supervisor"] == own  # its team's agent only
    assert seen["after one rotation"] == own
    assert seen["old link refused"] is True
    assert seen["current link"] == own


def test_with_the_login_as_client_id_one_display_cannot_disconnect_another(rotating, tmp_path):
    """The documented Mosquitto option (config/mosquitto.conf): another display's client id gets it nowhere."""
    _, settings, passwd, acl = rotating
    (tmp_path / "own-ids").mkdir()
    broker = ShippedMosquitto(tmp_path / "own-ids", passwd, acl, extra="use_username_as_clientid true").start()
    now = time.time()
    one, two = (login_of(mint_display_link(settings, agent, default_base_url="https://x", now=now).url)
                for agent in ("agent-1", "agent-2"))

    async def scenario():
        async with display(broker, *two, "display-agent-2-ab") as victim, \
                aiomqtt.Client("localhost", broker.port, username="callcoach", password=SERVICE_PASSWORD,
                               tls_params=broker.tls(), identifier="callcoach-test") as service:
            await victim.subscribe(f"{ROOT}/agents/agent-2/#", qos=1)
            async with display(broker, *one, "display-agent-2-ab"):  # agent-1's display takes agent-2's id
                await service.publish(f"{ROOT}/agents/agent-2/nudges", b'{"for": "agent-2"}', qos=1)
                async with asyncio.timeout(WAIT_S):
                    async for message in victim.messages:
                        return str(message.topic)
        return None

    try:
        assert asyncio.run(scenario()) == f"{ROOT}/agents/agent-2/nudges"  # the victim is still connected
    finally:
        broker.stop()
