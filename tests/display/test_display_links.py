"""A link from `coach display-link` in a real headless Chromium, against a real `coach serve` and its embedded broker.

The page must show its own agent's nudge and nothing of another agent's, and
a link that is missing, expired, forged or edited must show a clear message
and nothing else.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from egress.helpers import WAIT_S, Info
from links.serve import CoachServe, run_coach

from service.egress import Identity, MqttCallSink, MqttSettings, Publisher, sign_token

from .page import page_strings, problem, show
from .test_display import NUDGE

SECRET = "link-secret-of-the-display-link-tests-01234"
SERVICE_PASSWORD = "service-password-of-the-display-link-tests"
AGENT_A, AGENT_B = Info(call_id="call-a", agent_id="agent-a"), Info(call_id="call-b", agent_id="agent-b")
OTHERS_NUDGE = {**NUDGE, "message": "Only for agent B"}
OTHERS_STATE = {"status": "active", "t": 5.0, "metrics": {"talk_ratio_agent": 0.91, "interruptions_by_agent": 7}}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with CoachServe(tmp_path_factory.mktemp("serve"), {"link_secret": SECRET, "password": SERVICE_PASSWORD}) as serve:
        yield serve


def service_settings(served: CoachServe, config: dict, **changes: object) -> MqttSettings:
    """MQTT settings with which a test publishes as the service, into `coach serve`'s embedded broker."""
    return dataclasses.replace(MqttSettings.from_config(config["mqtt"]), **{
        "instance_id": "display-link-test", "broker_url": f"mqtt://127.0.0.1:{served.tcp_port}", "protocol": "3.1.1",
        "username": "callcoach", "password": SERVICE_PASSWORD, **changes})


@pytest.fixture(scope="module")
def service(served, config):
    return service_settings(served, config)


def link_for(served, agent: str) -> str:
    made = run_coach("display-link", agent, "--config", str(served.config))
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    return parts._replace(query=urlencode({**query, **changes})).geturl()


def test_a_printed_link_shows_its_agents_nudge_and_nothing_of_another_agent(served, service, tmp_path):
    url = link_for(served, "agent-a")

    async def scenario() -> dict:
        async with Publisher(service) as publisher:
            sink = MqttCallSink(publisher, service)
            sink.call_started(AGENT_A)
            sink.state(AGENT_A, {"status": "active", "t": 3.0, "metrics": {"talk_ratio_agent": 0.4}})
            sink.call_started(AGENT_B)
            sink.state(AGENT_B, OTHERS_STATE)
            assert await publisher.flush(WAIT_S)

            async def publish() -> None:  # agent B's nudge first: had the page subscribed to it, it would show
                sink.nudge(AGENT_B, OTHERS_NUDGE)
                sink.nudge(AGENT_A, NUDGE)
                assert await publisher.flush(WAIT_S)

            return await show(url, tmp_path / "display.png", tmp_path / "profile", publish)

    shown = asyncio.run(scenario())
    assert shown["errors"] == [] and shown["connection"] == "Live"
    assert shown["shown"] == {"interruption": NUDGE["message"]} and shown["id"].startswith("call-a#")
    assert shown["ratio"] == "40" and shown["interruptions"] == "0"  # agent A's state, not B's 91 % and 7


def forged(url: str) -> str:
    """The link's token re-signed with another secret: well-formed, unexpired, for the right agent."""
    return with_query(url, token=sign_token("another secret of at least thirty-two chars",
                                            Identity("agent", "agent-a"), 4_000_000_000))


def expired(url: str) -> str:
    token = parse_qs(urlsplit(url).query)["token"][0]
    version, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    stale = base64.urlsafe_b64encode(json.dumps({**claims, "exp": 1}).encode()).rstrip(b"=").decode()
    return with_query(url, token=f"{version}.{stale}.{signature}")


@pytest.mark.parametrize(("tamper", "message"), [
    (lambda url: with_query(url, agent="agent-b"), "wrong_agent"),  # agent A's token, ?agent= edited to B
    (lambda url: url.split("&token=")[0], "missing_link"),  # the old /display?agent=ID
    (expired, "expired_link"),
    (forged, "refused_link"),  # only the broker can tell: it refuses the login
])
def test_a_bad_link_shows_a_clear_message_and_nothing_else(served, service, tmp_path, tamper, message):
    url = link_for(served, "agent-a")

    async def publish_others() -> None:
        async with Publisher(service) as publisher:
            sink = MqttCallSink(publisher, service)
            sink.call_started(AGENT_B)
            sink.state(AGENT_B, OTHERS_STATE)  # retained: a page subscribed to B would show it at once
            assert await publisher.flush(WAIT_S)

    asyncio.run(publish_others())
    shown = problem(tamper(url), tmp_path / "profile")
    assert shown["problem"] == page_strings()["en"][message] and shown["role"] == "alert"
    assert shown["connection"] == "offline" and shown["cards"] == 0 and shown["ratio"] == "0"
    assert shown["agent"] in ("", "agent-a")  # never "agent-b"
